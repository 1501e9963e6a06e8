import Columnar

/// A table declared once: its columns and their generators, how many rows, how its files are
/// partitioned and sorted. Built-in packs write these in Swift; `--schema FILE` reads the same
/// from YAML (the `StreamGenYAML` module).
public struct TableSpec: Sendable, Hashable {
    public var name: String
    public var columns: [ColumnSpec]
    /// Rows at scale 1.
    public var rows: RowCount
    /// Columns whose values name the Hive directories (`country=US/device_type=mobile`), outermost
    /// first. They are left out of the data files, as Spark and DuckDB write them.
    public var partitionBy: [String]
    /// Columns each file is sorted by. Sorting is by construction: each must be ordered by row
    /// index (a sequence, an event time or an event date), which the engine checks.
    public var sortBy: [String]
    /// How this table's rows spread over the run's days, when a column uses the event time.
    public var seasonality: Seasonality
    /// Whether `--scale` multiplies the row count (false for fixed lookup tables).
    public var scales: Bool
    /// Data-quality issues written into the table on purpose, with their ground truth.
    public var quality: [QualitySpec]
    /// The column that identifies a row in the ground truth (the first column when nil).
    public var key: String?
    /// The name of the table's file when it has one and no partitions (`customers` gives
    /// `customers/customers.parquet`); nil for `part-NNNNN` files.
    public var fileName: String?

    public init(
        name: String, rows: RowCount, columns: [ColumnSpec], partitionBy: [String] = [], sortBy: [String] = [],
        seasonality: Seasonality = .web, scales: Bool = true, quality: [QualitySpec] = [], key: String? = nil, fileName: String? = nil
    ) {
        self.name = name
        self.columns = columns
        self.rows = rows
        self.partitionBy = partitionBy
        self.sortBy = sortBy
        self.seasonality = seasonality
        self.scales = scales
        self.quality = quality
        self.key = key
        self.fileName = fileName
    }

    /// The column that identifies a row in the ground truth.
    public var keyColumn: String { key ?? columns.first?.name ?? "" }

    public func column(named name: String) -> ColumnSpec? { columns.first { $0.name == name } }
}

/// A table's size at scale 1.
public enum RowCount: Sendable, Hashable {
    /// This many rows in all (spread over the run's days if the table has an event time).
    case total(Int)
    /// This many rows for each day of the run.
    case perDay(Int)

    var isPerDay: Bool { if case .perDay = self { return true }; return false }
}

/// One column: its name, its type, how often it is null, and what generates it.
public struct ColumnSpec: Sendable, Hashable {
    public var name: String
    public var type: ColumnType
    /// The probability that a row's value is null, 0 for a required (non-null) column.
    public var nullRate: Double
    public var generator: GeneratorSpec
    /// Computed for other columns to use, never written.
    public var hidden: Bool
    /// The type as a spec declares it (`VARCHAR(50)`), for metadata and DDL; the column's type
    /// otherwise.
    public var declaredType: String?

    public init(_ name: String, _ type: ColumnType, _ generator: GeneratorSpec, nullRate: Double = 0, hidden: Bool = false,
                declaredType: String? = nil) {
        self.name = name
        self.type = type
        self.nullRate = nullRate
        self.generator = generator
        self.hidden = hidden
        self.declaredType = declaredType
    }
}

/// How to pick a row of a referenced table.
public enum Pick: Sendable, Hashable {
    /// Every row alike.
    case uniform
    /// Row k (0-based) with weight (k + 1)^-exponent: a few heavy users, a long tail.
    case zipf(exponent: Double)
    /// Zipf with the exponent that gives the top `top` share of rows `share` of the picks, at
    /// the referenced table's row count in this run (0.2 and 0.8: the 80/20 rule at any scale).
    case pareto(top: Double, share: Double)
}

/// Built-in text values, drawn from word lists compiled into the binary.
public enum TextKind: String, Sendable, Hashable, CaseIterable {
    case firstName = "first_name"
    case lastName = "last_name"
    case fullName = "full_name"
    case company
    case city
    case state
    case country
    case countryName = "country_name"
    case postalCode = "postal_code"
    case streetAddress = "street_address"
    case address
    case phone
    case productName = "product_name"
    case productCategory = "product_category"
    case brand
    case department
    case jobTitle = "job_title"
    case word
    case urlPath = "url_path"
    case url
    case referrer
    case browser
    case deviceType = "device_type"
    case userAgent = "user_agent"
    case ipv4
    case color
}

/// What generates a column's values. Every generator is a pure function of (seed, table, column,
/// row): any value can be recomputed alone, which is what lets foreign keys hold across shards.
public indirect enum GeneratorSpec: Sendable, Hashable {
    /// start, start + step, ... by row index: ids. Ordered by row when step > 0.
    case sequence(start: Int64, step: Int64)
    /// An integer uniform in min...max.
    case uniformInt(min: Int64, max: Int64)
    /// A double uniform in [min, max), rounded to `decimals` places when given.
    case uniformDouble(min: Double, max: Double, decimals: Int?)
    /// Normal(mean, stddev), clamped to min...max, rounded to `decimals` (0: an integer).
    case normal(mean: Double, stddev: Double, min: Double?, max: Double?, decimals: Int?)
    /// exp(Normal(mu, sigma)), clamped, rounded: prices, amounts, durations.
    case logNormal(mu: Double, sigma: Double, min: Double?, max: Double?, decimals: Int?)
    /// Poisson(λ) plus `offset`: counts.
    case poisson(lambda: Double, offset: Int64)
    /// A rank in 1...n with weight k^-exponent.
    case zipf(n: Int, exponent: Double)
    /// true with probability p.
    case bernoulli(p: Double)
    /// One of `values`, with `weights` (all alike when nil). Written dictionary-coded.
    case choice(values: [String], weights: [Double]?)
    /// A random UUID, version 4.
    case uuid
    /// A value from a built-in word list.
    case text(TextKind)
    /// `minWords...maxWords` words from the word list, capitalised, with a full stop.
    case sentence(minWords: Int, maxWords: Int)
    /// A template: literal text with `{int:A-B}`, `{digits:N}`, `{letters:N}`, `{upper:N}`,
    /// `{word}`, `{row}` placeholders.
    case template(String)
    /// An email unique per row, built from the name columns given (or random names).
    case email(firstName: String?, lastName: String?)
    /// A JSON object with these keys and values.
    case json(fields: [JSONField])
    /// The row's own time: rows spread over the run's days by the table's seasonality, in order.
    case eventTime
    /// The date of the row's event time.
    case eventDate
    /// A time uniform in [start, end), µs since the epoch. `nil` bounds are filled from the run:
    /// start defaults to 3 years before the run's start, end to the run's start.
    case timestampBetween(startMicros: Int64?, endMicros: Int64?)
    /// A date uniform in [start, end), days since the epoch; `nil` bounds as above.
    case dateBetween(startDay: Int64?, endDay: Int64?)
    /// The value of `column` in this row plus a uniform offset in min...max seconds (timestamps)
    /// or days (dates).
    case after(column: String, min: Int64, max: Int64)
    /// The value of `column` of a row of `table` picked by `pick`: a foreign key that holds.
    case reference(table: String, column: String, pick: Pick)
    /// Another column of the row that the reference column `via` (of this table) picked:
    /// `unit_price` from the same product as `product_name`.
    case lookup(via: String, column: String)
    /// The product of the numeric columns named, in this row, rounded to `decimals`.
    case product(columns: [String], decimals: Int?)
    /// The numeric column named, in this row, times a factor uniform in min...max, rounded.
    case scaled(column: String, min: Double, max: Double, decimals: Int?)
    /// The same value in every row.
    case constant(String)
    /// A generator chosen by the value of a categorical column of the row: salaries by
    /// department, prices by category. Rows whose value has no case use `otherwise`.
    case byValue(column: String, cases: [ValueCase], otherwise: GeneratorSpec?)
    /// An arithmetic expression over numeric columns of the row: `quantity * unit_price -
    /// discount`, with `+ - * /`, parentheses, numbers and `round(x, d)`, `min`, `max`, `abs`.
    case formula(String, decimals: Int?)
    /// `then` in a share `p` of rows, `otherwise` in the rest.
    case chance(p: Double, then: GeneratorSpec, otherwise: GeneratorSpec)
    /// No value: a null (in `by_value` cases and `chance`, for values that exist only sometimes).
    case null
    /// The value of another column of the row.
    case copy(column: String)
    /// A timestamp column of the row plus a numeric column of the row in `unit`s: `resolved_at =
    /// created_at + resolution_hours`.
    case shifted(column: String, by: String, unit: TimeUnit)
    /// A time uniform between two timestamp or date columns of the row (a date end counts whole).
    case betweenColumns(start: String, end: String)
    /// A label by the band a numeric column's value falls in: `thresholds` ascending, one more
    /// label than thresholds (`bronze` up to 500, `silver` up to 2,000, ...).
    case band(column: String, thresholds: [Double], labels: [String])
    /// A generator the pack builds in Swift (funnels, aggregates over other tables).
    case custom(CustomGenerator)
}

/// The unit of `shifted`.
public enum TimeUnit: String, Sendable, Hashable, CaseIterable {
    case seconds, minutes, hours, days

    var micros: Double {
        switch self {
        case .seconds: return 1e6
        case .minutes: return 60e6
        case .hours: return 3600e6
        case .days: return 86_400e6
        }
    }
}

/// A generator a pack builds in Swift from the columns and tables it names.
public final class CustomGenerator: Sendable, Hashable {
    /// What it computes, for messages and equality.
    public let name: String
    let make: @Sendable (CustomContext) throws(SpecError) -> Generator

    init(_ name: String, make: @escaping @Sendable (CustomContext) throws(SpecError) -> Generator) {
        self.name = name
        self.make = make
    }

    public static func == (a: CustomGenerator, b: CustomGenerator) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// A generator under a name: a key of a `json` generator, or a case of a `byValue` generator.
public struct KeyedGenerator: Sendable, Hashable {
    public var key: String
    public var generator: GeneratorSpec
    public init(_ key: String, _ generator: GeneratorSpec) {
        self.key = key
        self.generator = generator
    }
}

/// One key of a `json` generator and the generator of its values.
public typealias JSONField = KeyedGenerator
/// One case of a `byValue` generator: a value of the column chosen by, and its generator.
public typealias ValueCase = KeyedGenerator

/// A set of tables generated together: a pack.
public struct PackSpec: Sendable, Hashable {
    public var name: String
    public var summary: String
    public var tables: [TableSpec]
    /// The first day of the run when `--start` is not given, as days since the epoch.
    public var defaultStartDay: Int64
    /// The run's length in days when `--days` is not given.
    public var defaultDays: Int

    public init(name: String, summary: String, tables: [TableSpec], defaultStartDay: Int64, defaultDays: Int) {
        self.name = name
        self.summary = summary
        self.tables = tables
        self.defaultStartDay = defaultStartDay
        self.defaultDays = defaultDays
    }

    public func table(named name: String) -> TableSpec? { tables.first { $0.name == name } }
}
