import Columnar

/// A problem in a table declaration, located by table, column and field so that the YAML
/// loader can point at the line.
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var table: String?
    public var column: String?
    /// The key within the column or table (`generator`, `type`, `partition_by`, ...).
    public var field: String?
    public var message: String

    public init(table: String? = nil, column: String? = nil, field: String? = nil, _ message: String) {
        self.table = table
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String {
        var place: [String] = []
        if let table { place.append("table '\(table)'") }
        if let column { place.append("column '\(column)'") }
        if let field { place.append("field '\(field)'") }
        return place.isEmpty ? message : "\(place.joined(separator: ", ")): \(message)"
    }
}

/// What the run's options fix about time and size, needed to compile a pack.
public struct RunShape: Sendable, Hashable {
    public var seed: UInt64
    public var startDay: Int64
    public var days: Int
    /// Multiplies the scale-1 row counts of tables that scale.
    public var scale: Double
    /// Whether the tables' declared data-quality issues are written (false: `--clean`).
    public var quality: Bool

    public init(seed: UInt64, startDay: Int64, days: Int, scale: Double, quality: Bool = true) {
        self.seed = seed
        self.startDay = startDay
        self.days = days
        self.scale = scale
        self.quality = quality
    }

    /// The run's last day.
    public var lastDay: Int64 { startDay + Int64(days) - 1 }
}

/// One column, compiled: its generator and how it lands in the file.
struct CompiledColumn: @unchecked Sendable {
    let spec: ColumnSpec
    /// The generator of the values as written: quality issues included.
    let generator: Generator
    /// The column as written (nil for a partition column, which lives in the path, and for a
    /// hidden one).
    let fileColumn: Column?
    let nullKey: StreamKey
    /// The column's position in the file schema.
    var fileIndex: Int?
    /// Quality issues that make rows of this column null: exact shares.
    var nullQuotas: [QuotaSelector] = []

    /// Whether any row of the column can be null.
    var isNullable: Bool { spec.nullRate > 0 || !nullQuotas.isEmpty || generator.canBeNull }
}

/// A quality issue of a compiled table: its declaration, the rows it picks, and what the ground
/// truth needs.
struct CompiledIssue: @unchecked Sendable {
    let spec: QualitySpec
    let selector: QuotaSelector
    /// For `duplicate_key`: the other row each picked row takes its value from.
    let source: DuplicateSource?
}

/// A table ready to run: every generator built, references resolved, the file schema fixed.
public final class CompiledTable: @unchecked Sendable {
    public let spec: TableSpec
    public let rowCount: Int
    public let timeline: Timeline?
    let columns: [CompiledColumn]
    /// The columns written to the files, in declaration order (partition columns left out).
    public let fileSchema: Schema
    /// Partition columns, outermost first, with their values in code order.
    let partitions: [(name: String, generator: Generator, values: [String])]
    /// The position in `partitions` of an event-date partition, which shards follow day by day.
    let datePartition: Int?
    /// The expected bytes of one row in a chunk, for the memory budget.
    let estimatedRowBytes: Int
    /// Sorts each file's rows when a sort key is not ordered by row number.
    let sorter: RowSorter?
    /// The declared quality issues (none under `--clean`).
    let issues: [CompiledIssue]
    /// The rows written twice (`duplicate_rows`), if the table has that issue.
    let duplicates: QuotaSelector?
    /// The key column's values as the pack sees them, for the ground truth.
    let keyGenerator: Generator

    init(spec: TableSpec, rowCount: Int, timeline: Timeline?, columns: [CompiledColumn], fileSchema: Schema,
         partitions: [(name: String, generator: Generator, values: [String])], datePartition: Int?, estimatedRowBytes: Int,
         sorter: RowSorter?, issues: [CompiledIssue], duplicates: QuotaSelector?, keyGenerator: Generator)
    {
        self.sorter = sorter
        self.issues = issues
        self.duplicates = duplicates
        self.keyGenerator = keyGenerator
        self.spec = spec
        self.rowCount = rowCount
        self.timeline = timeline
        self.columns = columns
        self.fileSchema = fileSchema
        self.partitions = partitions
        self.datePartition = datePartition
        self.estimatedRowBytes = estimatedRowBytes
    }

    public var name: String { spec.name }

    /// The rows written, duplicates included.
    public var writtenRowCount: Int { rowCount + (duplicates?.count ?? 0) }

    /// The partition columns as the manifest records them.
    var partitionTypes: [ColumnRecord] {
        partitions.map { p in ColumnRecord(name: p.name, type: spec.column(named: p.name)?.type.description ?? "string") }
    }
}

/// Turns a pack's declarations into compiled tables, checking everything a run would trip on.
public struct PackCompiler {
    public let pack: PackSpec
    public let shape: RunShape
    /// With `layout: .flat`, partition columns stay in the files and nothing is partitioned.
    public let partitioned: Bool

    private let packKey: StreamKey

    public init(pack: PackSpec, shape: RunShape, partitioned: Bool) {
        self.pack = pack
        self.shape = shape
        self.partitioned = partitioned
        self.packKey = StreamKey(seed: shape.seed).adding(pack.name)
    }

    /// The most rows one table may have in a run: 2^37 (137 billion).
    public static let maximumRows = Int(Int32.max) * 64

    /// The row count of `table` in this run; a count past `maximumRows` (a scale of 1e15, a
    /// `rows` of 2^63) is refused by name, never converted or multiplied into a trap.
    public func rowCount(of table: TableSpec) throws(SpecError) -> Int {
        let factor = table.scales ? shape.scale : 1
        let rows: Double
        switch table.rows {
        case .total(let n): rows = (Double(n) * factor).rounded()
        case .perDay(let n): rows = (Double(n) * factor).rounded() * Double(shape.days)
        }
        guard rows >= 0, rows <= Double(PackCompiler.maximumRows) else {
            let shown = rows.isFinite && rows < 1e18 ? grouped(Int64(rows)) : "\(rows)"
            throw SpecError(table: table.name, field: table.rows.isPerDay ? "rows_per_day" : "rows",
                            "\(shown) rows in this run; a table holds at most \(grouped(Int64(PackCompiler.maximumRows))) (2^37) rows (lower --scale or the row count)")
        }
        return Int(rows)
    }

    /// Compiles every table of the pack, in declaration order.
    public func compileAll() throws(SpecError) -> [CompiledTable] {
        let cache = Cache()
        var result: [CompiledTable] = []
        try checkNames()
        for table in pack.tables {
            result.append(try compile(table, cache: cache))
        }
        return result
    }

    private func checkNames() throws(SpecError) {
        var seen = Set<String>()
        for table in pack.tables {
            if !seen.insert(table.name).inserted { throw SpecError(table: table.name, "declared twice") }
            if !isSafeName(table.name) {
                throw SpecError(table: table.name, field: "name", "use letters, digits, '_' and '-' only (it becomes a directory)")
            }
            var columns = Set<String>()
            for c in table.columns {
                if c.name.isEmpty || c.name.utf8.count > 128 || c.name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                    throw SpecError(table: table.name, column: c.name, field: "name", "a column name needs 1 to 128 bytes and no control characters")
                }
                if !columns.insert(c.name).inserted { throw SpecError(table: table.name, column: c.name, field: "name", "declared twice") }
            }
            if let file = table.fileName, !isSafeName(file) {
                throw SpecError(table: table.name, field: "file", "a file name of letters, digits, '_' and '-'")
            }
            for name in table.partitionBy where !isSafeName(name) {
                throw SpecError(table: table.name, field: "partition_by",
                                "'\(RelativePath.printable(name))': a partition column names a directory (name=value), so use letters, digits, '_' and '-' only")
            }
        }
    }

    /// What compiling one pack shares: generators by "table.column" (as other columns of the
    /// pack see them), the same as written ("table.column#written"), timelines.
    final class Cache {
        var generators: [String: Generator] = [:]
        var timelines: [String: Timeline] = [:]
        var inProgress: Set<String> = []
    }

    func compile(_ table: TableSpec, cache: Cache) throws(SpecError) -> CompiledTable {
        if table.columns.isEmpty { throw SpecError(table: table.name, field: "columns", "a table needs at least one column") }
        if let problem = table.seasonality.problem() { throw SpecError(table: table.name, field: "seasonality", problem) }
        let rows = try rowCount(of: table)
        var columns: [CompiledColumn] = []
        let tableKey = packKey.adding(table.name)
        let (issues, duplicates) = try compileIssues(table)
        for spec in table.columns {
            let generator = try writtenGenerator(table: table, column: spec.name, cache: cache)
            try checkType(table: table, spec: spec, generator: generator)
            if !(0...1).contains(spec.nullRate) {
                throw SpecError(table: table.name, column: spec.name, field: "null_rate", "must be between 0 and 1")
            }
            var column = CompiledColumn(spec: spec, generator: generator, fileColumn: nil, nullKey: tableKey.adding(spec.name).adding("null"))
            column.nullQuotas = issues.filter { $0.spec.kind == .null && $0.spec.column == spec.name }.map(\.selector)
            columns.append(column)
        }
        guard table.column(named: table.keyColumn) != nil else {
            throw SpecError(table: table.name, field: "key", "no column '\(table.keyColumn)' to identify rows by")
        }
        let keyGenerator = try generator(table: table, column: table.keyColumn, cache: cache)
        // Partitions.
        var partitions: [(name: String, generator: Generator, values: [String])] = []
        var datePartition: Int?
        var combinations = 1
        if partitioned {
            for name in table.partitionBy {
                guard let column = columns.first(where: { $0.spec.name == name }) else {
                    throw SpecError(table: table.name, field: "partition_by", "no column '\(name)' to partition by")
                }
                if partitions.contains(where: { $0.name == name }) {
                    throw SpecError(table: table.name, field: "partition_by", "'\(name)' is listed twice")
                }
                guard let values = column.generator.categories else {
                    throw SpecError(table: table.name, field: "partition_by",
                                    "'\(name)' has no fixed set of values; partition by a choice, a boolean, a categorical text kind or an event date")
                }
                if column.isNullable {
                    throw SpecError(table: table.name, field: "partition_by", "'\(name)' can be null; partition columns must not be")
                }
                if column.spec.hidden {
                    throw SpecError(table: table.name, field: "partition_by", "'\(name)' is hidden (never written)")
                }
                for value in values {
                    let component = "\(name)=\(HivePath.escape(value))"
                    if let problem = RelativePath.problem(component: component) {
                        throw SpecError(table: table.name, column: name, field: "partition_by", "the value '\(RelativePath.printable(String(value.prefix(40))))' cannot name a directory: \(problem)")
                    }
                }
                if column.generator is EventDateGenerator {
                    datePartition = partitions.count
                } else {
                    combinations *= values.count
                    if combinations > 10_000 {
                        throw SpecError(table: table.name, field: "partition_by", "more than 10,000 partitions per day; partition by fewer or coarser columns")
                    }
                }
                partitions.append((name, column.generator, values))
            }
        }
        // Sort keys: ordered by construction when every key is ordered by row; otherwise each
        // file's row numbers are sorted by the keys' values before its chunks are filled.
        var sortKeys: [Generator] = []
        for name in table.sortBy {
            guard let column = columns.first(where: { $0.spec.name == name }) else {
                throw SpecError(table: table.name, field: "sort_by", "no column '\(name)' to sort by")
            }
            if sortKeys.contains(where: { $0 === column.generator }) {
                throw SpecError(table: table.name, field: "sort_by", "'\(name)' is listed twice")
            }
            if column.isNullable {
                throw SpecError(table: table.name, field: "sort_by", "'\(name)' can be null; sort keys must not be")
            }
            if column.spec.hidden {
                throw SpecError(table: table.name, field: "sort_by", "'\(name)' is hidden (never written)")
            }
            if column.spec.type == .json {
                throw SpecError(table: table.name, field: "sort_by", "'\(name)' is JSON; sort by a scalar column")
            }
            sortKeys.append(column.generator)
        }
        let sorter = sortKeys.allSatisfy(\.isOrderedByRow) ? nil : RowSorter(keys: sortKeys, rows: rows)
        // The file schema.
        var fileColumns: [Column] = []
        var compiled: [CompiledColumn] = []
        let partitionNames = Set(partitions.map(\.name))
        for c in columns {
            if partitionNames.contains(c.spec.name) || c.spec.hidden {
                compiled.append(c)
                continue
            }
            var dictionary: ValueDictionary?
            if let categories = c.generator.categories, c.spec.type.physicalType == .byteArray, c.spec.type != .binary {
                dictionary = try? ValueDictionary(categories)
            }
            let column = Column(c.spec.name, c.spec.type, c.isNullable ? .optional : .required,
                                encoding: c.generator.isHighCardinality ? .plain : .automatic, dictionary: dictionary)
            fileColumns.append(column)
            var withFile = CompiledColumn(spec: c.spec, generator: c.generator, fileColumn: column, nullKey: c.nullKey, fileIndex: fileColumns.count - 1)
            withFile.nullQuotas = c.nullQuotas
            compiled.append(withFile)
        }
        if fileColumns.isEmpty { throw SpecError(table: table.name, field: "partition_by", "every column is a partition column; nothing is left to write") }
        let schema: Schema
        do { schema = try Schema(fileColumns) } catch { throw SpecError(table: table.name, "\(error)") }
        return CompiledTable(
            spec: table, rowCount: rows, timeline: cache.timelines[table.name], columns: compiled, fileSchema: schema,
            partitions: partitions, datePartition: datePartition, estimatedRowBytes: estimateRowBytes(compiled, rows: rows), sorter: sorter,
            issues: issues, duplicates: duplicates, keyGenerator: keyGenerator
        )
    }

    private func estimateRowBytes(_ columns: [CompiledColumn], rows: Int) -> Int {
        var total = 0
        for c in columns {
            guard let column = c.fileColumn else { continue }
            if column.dictionary != nil { total += 4; continue }
            switch column.type.physicalType {
            case .boolean: total += 1
            case .int32, .float: total += 4
            case .int64, .double: total += 8
            case .fixedLenByteArray: total += column.type.fixedLength ?? 16
            case .byteArray:
                total += c.generator.averageTextLength(rows: rows) + 8
            }
        }
        return total + 1
    }

    // MARK: Generators

    func timeline(for table: TableSpec, cache: Cache) throws(SpecError) -> Timeline {
        if let t = cache.timelines[table.name] { return t }
        let t = Timeline(startDay: shape.startDay, days: shape.days, rows: try rowCount(of: table), seasonality: table.seasonality)
        cache.timelines[table.name] = t
        return t
    }

    func generator(table: TableSpec, column name: String, cache: Cache) throws(SpecError) -> Generator {
        let id = "\(table.name).\(name)"
        if let g = cache.generators[id] { return g }
        guard let spec = table.column(named: name) else { throw SpecError(table: table.name, "no column '\(name)'") }
        if cache.inProgress.contains(id) {
            throw SpecError(table: table.name, column: name, field: "generator", "refers to itself through other columns")
        }
        cache.inProgress.insert(id)
        defer { cache.inProgress.remove(id) }
        let key = packKey.adding(table.name).adding(name)
        var g = try build(spec.generator, key: key, table: table, column: name, cache: cache)
        // Issues that propagate: the other columns of the row see the issue's values.
        for (i, issue) in issues(of: table, column: name) where issue.propagate {
            g = try qualityGenerator(issue, index: i, table: table, inner: g, cache: cache)
        }
        cache.generators[id] = g
        return g
    }

    /// The quality issues of `table` that change the values of `column` (not nulls, not whole
    /// rows), with their positions in the table's list; none under `--clean`.
    func issues(of table: TableSpec, column: String) -> [(Int, QualitySpec)] {
        guard shape.quality else { return [] }
        var result: [(Int, QualitySpec)] = []
        for (i, q) in table.quality.enumerated() where q.kind != .null && q.kind != .duplicateRows {
            if q.column == column || (q.kind == .duplicateKey && q.also.contains(column)) { result.append((i, q)) }
        }
        return result
    }

    /// The stream key of a table's issue `index`.
    func issueKey(_ table: TableSpec, _ index: Int) -> StreamKey { packKey.adding(table.name).adding("quality").adding(UInt64(index)) }

    /// The rows a table's issue `index` picks. Issues on one column share their strata, so no
    /// row carries two of them.
    func selector(_ table: TableSpec, _ index: Int) throws(SpecError) -> QuotaSelector {
        let rows = try rowCount(of: table)
        let issue = table.quality[index]
        let group = table.quality.indices.filter { table.quality[$0].kind != .duplicateRows && table.quality[$0].column == issue.column }
        guard issue.kind != .duplicateRows, group.count > 1 else {
            return QuotaSelector(key: issueKey(table, index), rows: rows, rate: issue.rate)
        }
        let counts = group.map { QuotaSelector.count(rows: rows, rate: table.quality[$0].rate) }
        guard counts.reduce(0, +) <= rows else {
            throw SpecError(table: table.name, column: issue.column, field: "quality", "the issues on '\(issue.column ?? "")' cover more than all its rows")
        }
        let key = packKey.adding(table.name).adding("quality").adding(issue.column ?? "")
        return QuotaSelector(key: key, rows: rows, counts: counts, member: group.firstIndex(of: index)!)
    }

    /// The generator of `column` as written: the pack's view of it plus the issues that do not
    /// propagate.
    func writtenGenerator(table: TableSpec, column name: String, cache: Cache) throws(SpecError) -> Generator {
        let id = "\(table.name).\(name)#written"
        if let g = cache.generators[id] { return g }
        var g = try generator(table: table, column: name, cache: cache)
        for (i, issue) in issues(of: table, column: name) where !issue.propagate {
            g = try qualityGenerator(issue, index: i, table: table, inner: g, cache: cache)
        }
        cache.generators[id] = g
        return g
    }

    /// `inner` with issue `index` of `table` applied, after checking that the issue applies.
    func qualityGenerator(_ issue: QualitySpec, index: Int, table: TableSpec, inner: Generator, cache: Cache) throws(SpecError) -> Generator {
        let column = issue.column ?? ""
        func fail(_ message: String) -> SpecError { SpecError(table: table.name, column: column, field: "quality", "\(issue.kind.rawValue): \(message)") }
        let key = issueKey(table, index)
        let replacement: Generator
        switch issue.kind {
        case .invalidValue:
            guard let value = issue.value else { throw fail("give the value to write ('value')") }
            guard let literal = LiteralGenerator(key: key, kind: inner.kind, value: value) else {
                throw fail("'\(value)' is not one of the column's values (its generator gives \(inner.kind.rawValue) values)")
            }
            replacement = literal
        case .outOfRange:
            guard inner.kind == .integer || inner.kind == .double else { throw fail("the column is not numeric") }
            guard let lo = issue.min, let hi = issue.max, lo.isFinite, hi.isFinite, lo <= hi else {
                throw fail("give the range of the values written ('min' ≤ 'max')")
            }
            replacement = ContinuousGenerator(key: key, shape: .uniform(min: lo, max: hi), min: nil, max: nil,
                                              decimals: inner.kind == .integer ? 0 : inner.decimals)
        case .malformed:
            guard let spec = table.column(named: column), spec.type == .string else { throw fail("malformed text needs a string column") }
            let format = issue.format ?? (inner is EmailGenerator ? .email : .text)
            replacement = MalformedGenerator(key: key, inner: inner, format: format)
        case .orphanReference:
            guard let reference = inner as? PickingGenerator, !(reference is LookupGenerator) else {
                throw fail("the column is not a reference to another table (orphans need a foreign key)")
            }
            guard reference.target.isHighCardinality else {
                throw fail("'\(reference.targetTable)'s column is not unique per row (a sequence, a UUID, a template with {row}), so an orphan value could exist there")
            }
            replacement = OrphanGenerator(key: key, target: reference.target, targetRows: reference.targetRows)
        case .mismatchedLookup:
            if let value = issue.value {
                guard let literal = LiteralGenerator(key: key, kind: inner.kind, value: value) else {
                    throw fail("'\(value)' is not one of the column's values (its generator gives \(inner.kind.rawValue) values)")
                }
                replacement = literal
            } else {
                guard inner is PickingGenerator, let categories = inner.categories, categories.count >= 2 else {
                    throw fail("the column is not a lookup of a column with a fixed set of values (give 'value' to write instead)")
                }
                replacement = OtherCategoryGenerator(key: key, inner: inner, categories: categories)
            }
        case .duplicateKey:
            replacement = OtherRowGenerator(key: key, inner: inner, source: try duplicateSource(table, index))
        case .null, .duplicateRows:
            return inner
        }
        return QualityValueGenerator(key: key, inner: inner, selector: try selector(table, index), replacement: replacement)
    }

    /// Where `duplicate_key` issue `index` takes each value from: a row the issue does not pick.
    func duplicateSource(_ table: TableSpec, _ index: Int) throws(SpecError) -> DuplicateSource {
        DuplicateSource(key: issueKey(table, index).adding("source"), rows: try rowCount(of: table), avoiding: try selector(table, index))
    }

    /// Checks every issue of `table` names what it needs; returns them compiled (none under
    /// `--clean`).
    func compileIssues(_ table: TableSpec) throws(SpecError) -> (issues: [CompiledIssue], duplicates: QuotaSelector?) {
        var issues: [CompiledIssue] = []
        var duplicates: QuotaSelector?
        for (i, q) in table.quality.enumerated() {
            func fail(_ message: String) -> SpecError { SpecError(table: table.name, column: q.column, field: "quality", "\(q.kind.rawValue): \(message)") }
            guard q.rate > 0 && q.rate <= 1 && q.rate.isFinite else { throw fail("rate \(q.rate) must be above 0 and at most 1") }
            if q.kind == .duplicateRows {
                if q.column != nil { throw fail("duplicate_rows copies whole rows; it takes no column") }
                if duplicates != nil { throw fail("declared twice") }
            } else {
                guard let name = q.column else { throw fail("name the column it affects") }
                guard let column = table.column(named: name) else { throw fail("no column '\(name)' in table '\(table.name)'") }
                if column.hidden { throw fail("'\(name)' is hidden (never written)") }
                if q.kind == .null && (table.sortBy.contains(name) || table.partitionBy.contains(name)) {
                    throw fail("'\(name)' is a sort or partition key, which cannot be null")
                }
                for other in q.also where table.column(named: other) == nil { throw fail("'also' names no column '\(other)'") }
            }
            guard shape.quality else { continue }
            let selector = try selector(table, i)
            if q.kind == .duplicateRows { duplicates = selector }
            let source = q.kind == .duplicateKey ? try duplicateSource(table, i) : nil
            issues.append(CompiledIssue(spec: q, selector: selector, source: source))
        }
        return (issues, duplicates)
    }

    func build(_ spec: GeneratorSpec, key: StreamKey, table: TableSpec, column: String, cache: Cache) throws(SpecError) -> Generator {
        func fail(_ message: String) -> SpecError { SpecError(table: table.name, column: column, field: "generator", message) }
        func sameRow(_ other: String) throws(SpecError) -> Generator {
            guard table.column(named: other) != nil else { throw fail("no column '\(other)' in table '\(table.name)'") }
            return try generator(table: table, column: other, cache: cache)
        }
        func checkDecimals(_ d: Int?) throws(SpecError) {
            if let d, !(0...12).contains(d) { throw fail("decimals must be between 0 and 12") }
        }
        func checkOneKind(_ generators: [Generator], _ fail: (String) -> SpecError) throws(SpecError) {
            let real = generators.filter { !($0 is NullGenerator) }
            guard let kind = real.first?.kind else { return }
            let compatible: Set<ValueKind> = kind == .integer || kind == .double ? [.integer, .double] : [kind]
            guard real.allSatisfy({ compatible.contains($0.kind) }) else { throw fail("every case must give values of one kind") }
        }
        func checkFinite(_ values: Double?...) throws(SpecError) {
            if values.contains(where: { $0.map { !$0.isFinite } ?? false }) { throw fail("numbers must be finite") }
        }
        switch spec {
        case .sequence(let start, let step):
            let g = SequenceGenerator(key: key, start: start, step: step)
            g.rows = try rowCount(of: table)
            return g
        case .uniformInt(let min, let max):
            guard min <= max else { throw fail("min \(min) is above max \(max)") }
            return UniformIntGenerator(key: key, range: min...max)
        case .uniformDouble(let min, let max, let decimals):
            try checkFinite(min, max)
            try checkDecimals(decimals)
            guard min <= max else { throw fail("min \(min) is above max \(max)") }
            return ContinuousGenerator(key: key, shape: .uniform(min: min, max: max), min: nil, max: nil, decimals: decimals)
        case .normal(let mean, let stddev, let min, let max, let decimals):
            try checkFinite(mean, stddev, min, max)
            try checkDecimals(decimals)
            guard stddev >= 0 else { throw fail("stddev must be ≥ 0") }
            if let min, let max, min > max { throw fail("min \(min) is above max \(max)") }
            return ContinuousGenerator(key: key, shape: .normal(mean: mean, stddev: stddev), min: min, max: max, decimals: decimals)
        case .logNormal(let mu, let sigma, let min, let max, let decimals):
            try checkFinite(mu, sigma, min, max)
            try checkDecimals(decimals)
            guard sigma >= 0 else { throw fail("sigma must be ≥ 0") }
            if let min, let max, min > max { throw fail("min \(min) is above max \(max)") }
            return ContinuousGenerator(key: key, shape: .logNormal(mu: mu, sigma: sigma), min: min, max: max, decimals: decimals)
        case .poisson(let lambda, let offset):
            guard lambda >= 0 && lambda.isFinite && lambda < 1e9 else { throw fail("lambda must be between 0 and 1e9") }
            return PoissonGenerator(key: key, lambda: lambda, offset: offset)
        case .zipf(let n, let exponent):
            guard n >= 1, exponent > 0, exponent.isFinite else { throw fail("zipf needs n ≥ 1 and an exponent > 0") }
            return ZipfGenerator(key: key, n: n, exponent: exponent)
        case .bernoulli(let p):
            guard (0...1).contains(p) else { throw fail("p must be between 0 and 1") }
            return BernoulliGenerator(key: key, p: p)
        case .choice(let values, let weights):
            guard !values.isEmpty else { throw fail("choice needs at least one value") }
            if Set(values).count != values.count { throw fail("choice values must be distinct") }
            if values.contains(where: { $0.utf8.contains(UInt8(ascii: "|")) }) { throw fail("choice values may not contain '|'") }
            if let weights {
                guard weights.count == values.count else { throw fail("\(values.count) values but \(weights.count) weights") }
                guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.reduce(0, +) > 0 else {
                    throw fail("weights must be ≥ 0, finite, and not all 0")
                }
            }
            return ChoiceGenerator(key: key, values: values, weights: weights)
        case .uuid:
            return UUIDGenerator(key: key)
        case .text(let kind):
            return TextGenerator(key: key, kind: kind)
        case .sentence(let minWords, let maxWords):
            guard 1 <= minWords, minWords <= maxWords, maxWords <= 1000 else { throw fail("words must satisfy 1 ≤ min ≤ max ≤ 1000") }
            return SentenceGenerator(key: key, minWords: minWords, maxWords: maxWords)
        case .template(let text):
            switch TemplateGenerator.parse(text) {
            case .success(let parts):
                var resolved: [TemplateGenerator.Part] = []
                for part in parts {
                    if case .columnName(let name) = part { resolved.append(.column(try sameRow(name))) } else { resolved.append(part) }
                }
                let g = TemplateGenerator(key: key, parts: resolved)
                g.rows = try rowCount(of: table)
                return g
            case .failure(let error): throw fail("template: \(error.message)")
            }
        case .email(let first, let last):
            return EmailGenerator(key: key, firstName: try first.map(sameRow), lastName: try last.map(sameRow))
        case .json(let fields):
            guard !fields.isEmpty else { throw fail("json needs at least one field") }
            var built: [(key: [UInt8], generator: Generator)] = []
            for field in fields {
                let g = try build(field.generator, key: key.adding(field.key), table: table, column: column, cache: cache)
                if g.kind == .double || g.kind == .integer, let b = g.bounds, !(b.lowerBound.isFinite && b.upperBound.isFinite) {
                    throw fail("json field '\(field.key)' can reach \(b.upperBound.isFinite ? b.lowerBound : b.upperBound), which JSON cannot hold; give it a min and a max")
                }
                built.append((Array(field.key.utf8), g))
            }
            return JSONGenerator(key: key, fields: built)
        case .eventTime:
            return EventTimeGenerator(key: key, timeline: try timeline(for: table, cache: cache))
        case .eventDate:
            return EventDateGenerator(key: key, timeline: try timeline(for: table, cache: cache))
        case .timestampBetween(let start, let end):
            let s = start ?? (shape.startDay - 3 * 365) * Timeline.microsPerDay
            let e = end ?? shape.startDay * Timeline.microsPerDay
            guard s < e else { throw fail("the start must be before the end") }
            return BetweenGenerator(key: key, kind: .timestamp, range: s...(e - 1))
        case .dateBetween(let start, let end):
            let s = start ?? shape.startDay - 3 * 365
            let e = end ?? shape.startDay
            guard s < e else { throw fail("the start must be before the end") }
            return BetweenGenerator(key: key, kind: .date, range: s...(e - 1))
        case .after(let other, let min, let max):
            let source = try sameRow(other)
            guard min <= max else { throw fail("min \(min) is above max \(max)") }
            // 10,000 years in seconds: beyond it no date or time of the years 0001–9999 can follow.
            let limit: Int64 = 315_576_000_000
            guard (-limit...limit).contains(min), (-limit...limit).contains(max) else {
                throw fail("min and max must lie within ±\(limit) (10,000 years in seconds, or days for dates)")
            }
            switch source.kind {
            case .timestamp: return AfterGenerator(key: key, source: source, range: (min * 1_000_000)...(max * 1_000_000))
            case .date: return AfterGenerator(key: key, source: source, range: min...max)
            default: throw fail("'\(other)' is not a timestamp or a date")
            }
        case .reference(let tableName, let columnName, let pick):
            guard let target = pack.table(named: tableName) else { throw fail("references table '\(tableName)', which the pack does not declare") }
            guard target.column(named: columnName) != nil else {
                throw fail("references '\(tableName).\(columnName)', but table '\(tableName)' has no column '\(columnName)'")
            }
            let rows = try rowCount(of: target)
            guard rows > 0 else { throw fail("references table '\(tableName)', which has no rows in this run") }
            if case .zipf(let e) = pick, !(e > 0 && e.isFinite) { throw fail("zipf exponent must be > 0") }
            if case .pareto(let top, let share) = pick, !(top > 0 && top < 1 && share > top && share < 1) {
                throw fail("pareto needs 0 < top < share < 1 (0.2 and 0.8 for 80/20)")
            }
            let targetGenerator = try generator(table: target, column: columnName, cache: cache)
            return ReferenceGenerator(key: key, target: targetGenerator, targetTable: tableName, rows: rows, pick: pick)
        case .lookup(let via, let columnName):
            guard table.column(named: via) != nil else { throw fail("no column '\(via)' in table '\(table.name)'") }
            var viaGenerator = try sameRow(via)
            while let q = viaGenerator as? QualityValueGenerator { viaGenerator = q.inner }  // lookups follow the row actually picked
            guard let picker = viaGenerator as? PickingGenerator, let target = pack.table(named: picker.targetTable) else {
                throw fail("'\(via)' is not a reference column; lookup follows the row a reference picked")
            }
            guard target.column(named: columnName) != nil else { throw fail("table '\(picker.targetTable)' has no column '\(columnName)'") }
            let targetGenerator = try generator(table: target, column: columnName, cache: cache)
            return LookupGenerator(key: key, reference: picker, target: targetGenerator)
        case .product(let names, let decimals):
            guard !names.isEmpty else { throw fail("product needs at least one column") }
            try checkDecimals(decimals)
            var factors: [Generator] = []
            for name in names {
                let g = try sameRow(name)
                guard g.kind == .integer || g.kind == .double else { throw fail("'\(name)' is not numeric") }
                factors.append(g)
            }
            return ProductGenerator(key: key, factors: factors, decimals: decimals)
        case .scaled(let name, let min, let max, let decimals):
            try checkFinite(min, max)
            try checkDecimals(decimals)
            let g = try sameRow(name)
            guard g.kind == .integer || g.kind == .double else { throw fail("'\(name)' is not numeric") }
            return ScaledGenerator(key: key, source: g, min: min, max: max, decimals: decimals)
        case .constant(let value):
            return ConstantGenerator(key: key, value: value)
        case .byValue(let name, let cases, let otherwise):
            let source = try sameRow(name)
            guard let categories = source.categories else {
                throw fail("'\(name)' has no fixed set of values to choose by (use a choice, a boolean or a categorical text kind)")
            }
            guard !cases.isEmpty else { throw fail("give at least one case") }
            var byCode = [Generator?](repeating: nil, count: categories.count)
            for c in cases {
                guard let code = categories.firstIndex(of: c.key) else {
                    throw fail("'\(name)' never takes the value '\(c.key)' (it takes: \(categories.prefix(12).joined(separator: ", "))\(categories.count > 12 ? ", ..." : ""))")
                }
                byCode[code] = try build(c.generator, key: key.adding(c.key), table: table, column: column, cache: cache)
            }
            let fallback = try otherwise.map { (spec) throws(SpecError) in try build(spec, key: key.adding("otherwise"), table: table, column: column, cache: cache) }
            if byCode.contains(where: { $0 == nil }) && fallback == nil {
                let missing = categories.indices.filter { byCode[$0] == nil }.map { categories[$0] }
                throw fail("no case for \(missing.prefix(5).joined(separator: ", ")) and no 'otherwise'")
            }
            let generators = byCode.map { $0 ?? fallback! }
            try checkOneKind(generators, fail)
            return ByValueGenerator(key: key, source: source, generators: generators)
        case .formula(let text, let decimals):
            try checkDecimals(decimals)
            let (root, inputs): (FormulaGenerator.Node, [Generator])
            do {
                (root, inputs) = try FormulaGenerator.parse(text) { (name) throws(SpecError) in try sameRow(name) }
            } catch {
                throw SpecError(table: table.name, column: column, field: "generator", error.message)
            }
            return FormulaGenerator(key: key, root: root, inputs: inputs, decimals: decimals)
        case .chance(let p, let then, let otherwise):
            guard (0...1).contains(p) else { throw fail("chance p must be between 0 and 1") }
            let a = try build(then, key: key.adding("then"), table: table, column: column, cache: cache)
            let b = try build(otherwise, key: key.adding("otherwise"), table: table, column: column, cache: cache)
            try checkOneKind([a, b], fail)
            return ChanceGenerator(key: key, p: p, then: a, otherwise: b)
        case .null:
            return NullGenerator(key: key)
        case .copy(let other):
            return CopyGenerator(key: key, source: try sameRow(other))
        case .shifted(let other, let by, let unit):
            let source = try sameRow(other)
            guard source.kind == .timestamp || source.kind == .date else { throw fail("'\(other)' is not a timestamp or a date") }
            let amount = try sameRow(by)
            guard amount.kind == .integer || amount.kind == .double else { throw fail("'\(by)' is not numeric") }
            return ShiftedGenerator(key: key, source: source, by: amount, unit: unit)
        case .betweenColumns(let startName, let endName):
            let start = try sameRow(startName), end = try sameRow(endName)
            for (name, g) in [(startName, start), (endName, end)] where g.kind != .timestamp && g.kind != .date {
                throw fail("'\(name)' is not a timestamp or a date")
            }
            // Times between two dates are times when the column is a timestamp.
            let wantsTime = start.kind == .timestamp || end.kind == .timestamp || table.column(named: column)?.type.isTimestamp == true
            return BetweenColumnsGenerator(key: key, kind: wantsTime ? .timestamp : .date, start: start, end: end)
        case .band(let other, let thresholds, let labels):
            let source = try sameRow(other)
            guard source.kind == .integer || source.kind == .double else { throw fail("'\(other)' is not numeric") }
            guard labels.count == thresholds.count + 1 else { throw fail("\(thresholds.count) thresholds need \(thresholds.count + 1) labels, not \(labels.count)") }
            guard thresholds.allSatisfy(\.isFinite), zip(thresholds, thresholds.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw fail("thresholds must be finite and ascending")
            }
            guard Set(labels).count == labels.count, !labels.contains(where: { $0.contains("|") }) else { throw fail("labels must be distinct, without '|'") }
            return BandGenerator(key: key, source: source, thresholds: thresholds, labels: labels)
        case .custom(let custom):
            let context = CustomContext(compiler: self, cache: cache, table: table, column: column, key: key)
            return try custom.make(context)
        }
    }

    /// Checks that the generator's values fit the column's type.
    func checkType(table: TableSpec, spec: ColumnSpec, generator: Generator) throws(SpecError) {
        if generator is NullGenerator { return }
        let kind = generator.kind
        let ok: Bool
        switch spec.type {
        case .boolean: ok = kind == .boolean
        case .int32, .int64: ok = kind == .integer || kind == .boolean
        case .double, .decimal: ok = kind == .integer || kind == .double
        case .string, .json, .binary: ok = true
        case .uuid: ok = kind == .uuid
        case .date: ok = kind == .date
        case .timestamp: ok = kind == .timestamp
        case .fixedBinary: ok = false
        }
        if !ok {
            throw SpecError(table: table.name, column: spec.name, field: "type",
                            "type \(spec.type.description) cannot hold the \(kind.rawValue) values of its generator")
        }
        try checkRange(table: table, spec: spec, generator: generator)
    }

    /// The days of 0001-01-01 and 9999-12-31: every date and time a column holds lies between.
    static let firstDay: Int64 = -719_162
    static let lastDay: Int64 = 2_932_896

    /// Refuses a column whose generator can give values its type cannot hold, instead of
    /// clamping or wrapping them into silent wrong data.
    func checkRange(table: TableSpec, spec: ColumnSpec, generator: Generator) throws(SpecError) {
        guard let b = generator.bounds else { return }
        func refuse(_ what: String) -> SpecError {
            func show(_ x: Double) -> String {
                if !x.isFinite { return x > 0 ? "infinity" : "-infinity" }
                if abs(x) < 1e15 && x == x.rounded() { return "\(Int64(x))" }
                return "\(x)"
            }
            return SpecError(table: table.name, column: spec.name, field: "generator",
                             "its values reach \(show(b.lowerBound)) to \(show(b.upperBound)), \(what)")
        }
        guard b.lowerBound.isFinite && b.upperBound.isFinite else {
            throw refuse("which no column can hold; give the generator a min and a max")
        }
        switch spec.type {
        case .int32:
            if b.lowerBound < Double(Int32.min) || b.upperBound > Double(Int32.max) {
                throw refuse("outside int32 (-2147483648 to 2147483647); use int64 or narrow the generator")
            }
        case .int64:
            if b.lowerBound < -9.2e18 || b.upperBound > 9.2e18 { throw refuse("outside int64; narrow the generator") }
        case .decimal(let precision, let scale):
            let limit = Generator.powersOf10[precision] / Generator.powersOf10[scale]
            if b.lowerBound <= -limit || b.upperBound >= limit {
                throw refuse("outside \(spec.type.description) (less than \(limit) in magnitude); raise the precision or narrow the generator")
            }
        case .date:
            if b.lowerBound < Double(PackCompiler.firstDay) || b.upperBound > Double(PackCompiler.lastDay) {
                throw refuse("days outside the years 0001 to 9999")
            }
        case .timestamp:
            let day = Double(Timeline.microsPerDay)
            if b.lowerBound < Double(PackCompiler.firstDay) * day || b.upperBound >= Double(PackCompiler.lastDay + 1) * day {
                throw refuse("microseconds outside the years 0001 to 9999")
            }
        default:
            break
        }
    }
}

/// Whether `name` is safe as a file or directory name.
func isSafeName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 128 && name != "." && name != ".." && !name.hasPrefix(".")
        && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
}

/// What a pack's Swift generator sees while the pack compiles: the other columns of its row and
/// of other tables, the run's shape.
struct CustomContext {
    let compiler: PackCompiler
    let cache: PackCompiler.Cache
    let table: TableSpec
    let column: String
    let key: StreamKey

    var shape: RunShape { compiler.shape }

    func fail(_ message: String) -> SpecError { SpecError(table: table.name, column: column, field: "generator", message) }

    /// Another column of the row, as the pack sees it.
    func sameRow(_ name: String) throws(SpecError) -> Generator {
        guard table.column(named: name) != nil else { throw fail("no column '\(name)' in table '\(table.name)'") }
        return try compiler.generator(table: table, column: name, cache: cache)
    }

    /// A column of another table, as the pack sees it (or, `written`, with its issues).
    func column(_ tableName: String, _ name: String, written: Bool = false) throws(SpecError) -> Generator {
        guard let other = compiler.pack.table(named: tableName), other.column(named: name) != nil else {
            throw fail("no column '\(tableName).\(name)'")
        }
        return written ? try compiler.writtenGenerator(table: other, column: name, cache: cache)
            : try compiler.generator(table: other, column: name, cache: cache)
    }

    /// The rows of a table in this run (duplicates not counted).
    func rows(_ tableName: String) throws(SpecError) -> Int {
        guard let other = compiler.pack.table(named: tableName) else { throw fail("no table '\(tableName)'") }
        return try compiler.rowCount(of: other)
    }

    /// The rows `duplicate_rows` writes twice in a table, if it has that issue (and quality is on).
    func duplicates(_ tableName: String) throws(SpecError) -> QuotaSelector? {
        guard shape.quality, let other = compiler.pack.table(named: tableName),
              let i = other.quality.firstIndex(where: { $0.kind == .duplicateRows })
        else { return nil }
        return try compiler.selector(other, i)
    }

    /// The timeline of a table's event times.
    func timeline(_ tableName: String) throws(SpecError) -> Timeline {
        guard let other = compiler.pack.table(named: tableName) else { throw fail("no table '\(tableName)'") }
        return try compiler.timeline(for: other, cache: cache)
    }
}
