import Columnar

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a compiled generator produces.
public enum ValueKind: String, Sendable, Hashable {
    case integer, double, boolean, text, timestamp, date, uuid
}

/// A compiled generator: a pure function from a row index to a value.
///
/// Subclasses override the accessors their kind has: `int64` for integers, booleans (0 or 1),
/// timestamps (µs) and dates (days); `double` for doubles; `appendText` for text; `uuid` for
/// UUIDs. Categorical generators (a fixed value list) also give `categories` and `code`, which
/// lets the writer take dictionary codes instead of bytes and the partitioner group rows.
/// Instances are immutable once built and shared by every shard task.
class Generator: @unchecked Sendable {
    let kind: ValueKind
    let key: StreamKey

    init(kind: ValueKind, key: StreamKey) {
        self.kind = kind
        self.key = key
    }

    /// The value of an integer, boolean, timestamp or date generator.
    func int64(_ row: Int) -> Int64 { preconditionFailure("\(type(of: self)) has no integer values") }

    /// The value as a double: integers convert.
    func double(_ row: Int) -> Double { Double(int64(row)) }

    /// The 16 bytes of a UUID generator, as two big-endian halves.
    func uuid(_ row: Int) -> (UInt64, UInt64) { preconditionFailure("\(type(of: self)) has no UUID values") }

    /// Decimal places for rendering doubles as text.
    var decimals: Int { 2 }

    /// A range every value of a numeric, date or timestamp generator lies in (µs for timestamps,
    /// days for dates), or nil when it has none to give (text). The compiler refuses a column
    /// whose type cannot hold the whole range: an int32 past 2^31, a decimal past its precision,
    /// a double that can reach infinity, a date past 9999. Conservative: wider is fine.
    var bounds: ClosedRange<Double>? { nil }

    /// Whether some rows have no value (a `null` case of `by_value` or `chance`); the column is
    /// then nullable and `isNull` says which.
    var canBeNull: Bool { false }

    /// Whether the row's value is null (only asked when `canBeNull`).
    func isNull(_ row: Int) -> Bool { false }

    /// Whether values never decrease as the row index grows (sort keys rely on it).
    var isOrderedByRow: Bool { false }

    /// Whether nearly every row has its own value (ids, times, UUIDs, emails): such columns are
    /// written PLAIN from the start instead of filling a dictionary that the writer would drop.
    var isHighCardinality: Bool { false }

    /// The fixed list of values of a categorical generator, in code order.
    var categories: [String]? { nil }

    /// The index in `categories` of the row's value.
    func code(_ row: Int) -> Int { preconditionFailure("\(type(of: self)) is not categorical") }

    /// Appends the value as text: how it reads in a string column, a JSON field or a template.
    func appendText(_ row: Int, to out: inout [UInt8]) {
        switch kind {
        case .integer: appendDecimalDigits(int64(row), to: &out)
        case .double: appendRounded(double(row), decimals: decimals, to: &out)
        case .boolean: out.append(contentsOf: int64(row) != 0 ? Generator.trueBytes : Generator.falseBytes)
        case .timestamp: appendISOTimestamp(microsSinceEpoch: int64(row), utc: true, to: &out)
        case .date: appendISODate(daysSinceEpoch: int64(row), to: &out)
        case .uuid: appendUUIDText(uuid(row), to: &out)
        case .text: preconditionFailure("\(type(of: self)) must render its own text")
        }
    }

    /// The average length of the value as text, from a sample of the table's `rows`: for
    /// memory budgets.
    func averageTextLength(rows: Int) -> Int {
        if let categories, !categories.isEmpty { return categories.reduce(0) { $0 + $1.utf8.count } / categories.count }
        return sampledTextLength(rows: rows)
    }

    /// `averageTextLength` by sampling: generators that pick among others override it to ask
    /// them instead, so an estimate never runs a costly one (an aggregate over another table).
    func sampledTextLength(rows: Int) -> Int {
        var sample: [UInt8] = []
        let n = 32
        for i in 0..<n { appendText(rows > 0 ? (i * 7919) % rows : 0, to: &sample) }
        return sample.count / n
    }

    static let trueBytes = Array("true".utf8)
    static let falseBytes = Array("false".utf8)
}

/// Appends `value` rounded to `decimals` places, in plain notation (no exponent).
func appendRounded(_ value: Double, decimals: Int, to out: inout [UInt8]) {
    guard value.isFinite else {
        out.append(contentsOf: (value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity").utf8)
        return
    }
    let scale = Generator.powersOf10[min(max(decimals, 0), 18)]
    let scaled = (value * scale).rounded()
    if abs(scaled) < 9.0e18 {
        appendDecimal(unscaled: Int64(scaled), scale: decimals, to: &out)
    } else {
        appendDecimalDigits(Int64(max(min(value, 9.0e18), -9.0e18)), to: &out)
    }
}

extension Generator {
    static let powersOf10: [Double] = (0...18).map { pow(10, Double($0)) }
}

/// Rounds to `decimals` places when given.
@inline(__always)
func rounded(_ value: Double, _ decimals: Int?) -> Double {
    guard let decimals else { return value }
    let scale = Generator.powersOf10[min(max(decimals, 0), 18)]
    return (value * scale).rounded() / scale
}

@_spi(Benchmarks)
public func appendUUIDText(_ value: (UInt64, UInt64), to out: inout [UInt8]) {
    appendUUID(high: value.0, low: value.1, to: &out)
}

// MARK: - Numbers

final class SequenceGenerator: Generator, @unchecked Sendable {
    let start: Int64
    let step: Int64
    init(key: StreamKey, start: Int64, step: Int64) {
        self.start = start
        self.step = step
        super.init(kind: .integer, key: key)
    }
    override func int64(_ row: Int) -> Int64 { start &+ Int64(row) &* step }
    override var isOrderedByRow: Bool { step >= 0 }
    override var isHighCardinality: Bool { step != 0 }
    /// Set by the compiler: the rows of the table, for the last value.
    var rows = 1
    override var bounds: ClosedRange<Double>? {
        let last = Double(start) + Double(max(rows - 1, 0)) * Double(step)
        return min(Double(start), last)...max(Double(start), last)
    }
}

final class UniformIntGenerator: Generator, @unchecked Sendable {
    let range: ClosedRange<Int64>
    init(key: StreamKey, range: ClosedRange<Int64>) {
        self.range = range
        super.init(kind: .integer, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        var rng = key.cell(row)
        return rng.nextInt(in: range)
    }
    override var bounds: ClosedRange<Double>? { Double(range.lowerBound)...Double(range.upperBound) }
}

/// Uniform, normal and log-normal doubles, clamped and rounded; an integer kind when rounded to 0
/// places.
final class ContinuousGenerator: Generator, @unchecked Sendable {
    enum Shape: Sendable {
        case uniform(min: Double, max: Double)
        case normal(mean: Double, stddev: Double)
        case logNormal(mu: Double, sigma: Double)
    }
    let shape: Shape
    let lower: Double
    let upper: Double
    let places: Int?

    init(key: StreamKey, shape: Shape, min: Double?, max: Double?, decimals: Int?) {
        self.shape = shape
        self.lower = min ?? -.infinity
        self.upper = max ?? .infinity
        self.places = decimals
        super.init(kind: decimals == 0 ? .integer : .double, key: key)
    }

    override func double(_ row: Int) -> Double {
        var rng = key.cell(row)
        var x: Double
        switch shape {
        case .uniform(let min, let max): x = min + (max - min) * rng.nextDouble()
        case .normal(let mean, let stddev): x = Distributions.normal(mean: mean, stddev: stddev, &rng)
        case .logNormal(let mu, let sigma): x = Distributions.logNormal(mu: mu, sigma: sigma, &rng)
        }
        x = Swift.min(Swift.max(x, lower), upper)
        return rounded(x, places)
    }

    override func int64(_ row: Int) -> Int64 {
        let x = double(row)
        return Int64(Swift.min(Swift.max(x, -9.0e18), 9.0e18))
    }

    override var decimals: Int { places ?? 2 }
    override var bounds: ClosedRange<Double>? {
        // The polar method's draws stay within 9 standard deviations (|z| ≤ sqrt(-2 ln 2^-53) ≈ 8.6).
        var range: ClosedRange<Double>
        switch shape {
        case .uniform(let min, let max): range = min...max
        case .normal(let mean, let stddev): range = (mean - 9 * stddev)...(mean + 9 * stddev)
        case .logNormal(let mu, let sigma): range = exp(mu - 9 * sigma)...exp(mu + 9 * sigma)
        }
        let lo = Swift.min(Swift.max(range.lowerBound, lower), upper), hi = Swift.max(Swift.min(range.upperBound, upper), lower)
        return lo...hi
    }
}

final class PoissonGenerator: Generator, @unchecked Sendable {
    let lambda: Double
    let expMinusLambda: Double
    let offset: Int64
    init(key: StreamKey, lambda: Double, offset: Int64) {
        self.lambda = lambda
        self.expMinusLambda = exp(-lambda)
        self.offset = offset
        super.init(kind: .integer, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        var rng = key.cell(row)
        return offset &+ Distributions.poisson(lambda: lambda, expMinusLambda: expMinusLambda, &rng)
    }
    override var bounds: ClosedRange<Double>? { Double(offset)...(Double(offset) + lambda + 40 * lambda.squareRoot() + 100) }
}

final class ZipfGenerator: Generator, @unchecked Sendable {
    let zipf: Zipf
    init(key: StreamKey, n: Int, exponent: Double) {
        zipf = Zipf(n: n, exponent: exponent)
        super.init(kind: .integer, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        var rng = key.cell(row)
        return Int64(zipf.sample(&rng))
    }
    override var bounds: ClosedRange<Double>? { 1...Double(zipf.n) }
}

final class BernoulliGenerator: Generator, @unchecked Sendable {
    let p: Double
    init(key: StreamKey, p: Double) {
        self.p = p
        super.init(kind: .boolean, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        var rng = key.cell(row)
        return rng.nextBool(probability: p) ? 1 : 0
    }
    override var categories: [String]? { ["false", "true"] }
    override func code(_ row: Int) -> Int { Int(int64(row)) }
    override var bounds: ClosedRange<Double>? { 0...1 }
}

/// The product of numeric columns of the same row: `total = quantity × unit_price`.
final class ProductGenerator: Generator, @unchecked Sendable {
    let factors: [Generator]
    let places: Int?
    init(key: StreamKey, factors: [Generator], decimals: Int?) {
        self.factors = factors
        self.places = decimals
        let allIntegers = factors.allSatisfy { $0.kind == .integer } && (decimals ?? 0) == 0
        super.init(kind: allIntegers ? .integer : .double, key: key)
    }
    override func double(_ row: Int) -> Double {
        var x = 1.0
        for f in factors { x *= f.double(row) }
        return rounded(x, places)
    }
    override func int64(_ row: Int) -> Int64 {
        var x: Int64 = 1
        for f in factors { x = x &* f.int64(row) }
        return x
    }
    override var decimals: Int { places ?? 2 }
    override var canBeNull: Bool { factors.contains { $0.canBeNull } }
    override func isNull(_ row: Int) -> Bool { factors.contains { $0.canBeNull && $0.isNull(row) } }
    override var bounds: ClosedRange<Double>? {
        var range: ClosedRange<Double> = 1...1
        for f in factors {
            guard let b = f.bounds else { return nil }
            range = intervalProduct(range, b)
        }
        return range
    }
}

/// A numeric column of the same row times a uniform factor: `cost = price × U(0.4, 0.7)`.
final class ScaledGenerator: Generator, @unchecked Sendable {
    let source: Generator
    let low: Double
    let high: Double
    let places: Int?
    init(key: StreamKey, source: Generator, min: Double, max: Double, decimals: Int?) {
        self.source = source
        self.low = min
        self.high = max
        self.places = decimals
        super.init(kind: decimals == 0 ? .integer : .double, key: key)
    }
    override func double(_ row: Int) -> Double {
        var rng = key.cell(row)
        return rounded(source.double(row) * (low + (high - low) * rng.nextDouble()), places)
    }
    override func int64(_ row: Int) -> Int64 { Int64(Swift.min(Swift.max(double(row), -9.0e18), 9.0e18)) }
    override var decimals: Int { places ?? 2 }
    override var canBeNull: Bool { source.canBeNull }
    override func isNull(_ row: Int) -> Bool { source.isNull(row) }
    override var bounds: ClosedRange<Double>? { source.bounds.map { intervalProduct($0, low...high) } }
}

// MARK: - Categories and text

/// One of a fixed list of values, weighted: dictionary-coded in the file.
final class ChoiceGenerator: Generator, @unchecked Sendable {
    let values: [String]
    let bytes: WordList
    let table: AliasTable
    init(key: StreamKey, values: [String], weights: [Double]?) {
        self.values = values
        self.bytes = WordList(values.joined(separator: "|"))
        self.table = AliasTable(weights: weights ?? Array(repeating: 1, count: values.count))
        super.init(kind: .text, key: key)
    }
    override var categories: [String]? { values }
    override func code(_ row: Int) -> Int {
        var rng = key.cell(row)
        return table.sample(&rng)
    }
    override func appendText(_ row: Int, to out: inout [UInt8]) { bytes.append(code(row), to: &out) }
}

final class ConstantGenerator: Generator, @unchecked Sendable {
    let value: String
    let bytes: [UInt8]
    init(key: StreamKey, value: String) {
        self.value = value
        self.bytes = Array(value.utf8)
        super.init(kind: .text, key: key)
    }
    override var categories: [String]? { [value] }
    override func code(_ row: Int) -> Int { 0 }
    override func appendText(_ row: Int, to out: inout [UInt8]) { out.append(contentsOf: bytes) }
}

final class UUIDGenerator: Generator, @unchecked Sendable {
    init(key: StreamKey) { super.init(kind: .uuid, key: key) }
    override var isHighCardinality: Bool { true }
    override func uuid(_ row: Int) -> (UInt64, UInt64) {
        var rng = key.cell(row)
        let high = (rng.next() & ~0xF000) | 0x4000  // version 4
        let low = (rng.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // variant 10
        return (high, low)
    }
}

/// `minWords...maxWords` words, the first capitalised, ending with a full stop.
final class SentenceGenerator: Generator, @unchecked Sendable {
    let minWords: Int
    let maxWords: Int
    init(key: StreamKey, minWords: Int, maxWords: Int) {
        self.minWords = minWords
        self.maxWords = maxWords
        super.init(kind: .text, key: key)
    }
    override func appendText(_ row: Int, to out: inout [UInt8]) {
        var rng = key.cell(row)
        let n = minWords + rng.nextIndex(maxWords - minWords + 1)
        for i in 0..<n {
            if i > 0 { out.append(0x20) }
            let start = out.count
            Words.words.append(rng.nextIndex(Words.words.count), to: &out)
            if i == 0 && out.count > start && out[start] >= 0x61 && out[start] <= 0x7A { out[start] -= 0x20 }
        }
        out.append(UInt8(ascii: "."))
    }
}

/// Literal text with placeholders.
final class TemplateGenerator: Generator, @unchecked Sendable {
    enum Part: Sendable {
        case literal([UInt8])
        case int(ClosedRange<Int64>)
        case digits(Int)
        case letters(Int, upper: Bool)
        case word
        case row
        /// The row number (1-based), zero-padded to this many digits.
        case paddedRow(Int)
        /// Another column of the row, by name (resolved when compiling).
        case columnName(String)
        case column(Generator)
    }
    let parts: [Part]

    init(key: StreamKey, parts: [Part]) {
        self.parts = parts
        super.init(kind: .text, key: key)
    }

    /// Set by the compiler: the rows of the table.
    var rows = 1

    /// Literal text around one zero-padded row number sorts as the rows do, while the numbers
    /// keep their width.
    override var isOrderedByRow: Bool {
        var width: Int?
        for part in parts {
            switch part {
            case .literal: continue
            case .paddedRow(let w) where width == nil: width = w
            default: return false
            }
        }
        guard let width else { return false }
        return width >= 19 || Double(rows) < Generator.powersOf10[width]
    }

    /// Whether every row gets its own text (the template holds its row number).
    override var isHighCardinality: Bool {
        parts.contains { if case .row = $0 { return true }; if case .paddedRow = $0 { return true }; return false }
    }

    /// Parses `{int:A-B}`, `{digits:N}`, `{letters:N}`, `{upper:N}`, `{word}`, `{row}`; a
    /// literal brace is written `{{` or `}}`. Returns the problem as text on failure.
    static func parse(_ template: String) -> Result<[Part], TemplateError> {
        var parts: [Part] = []
        var literal: [UInt8] = []
        var chars = Array(template.utf8)[...]
        while let c = chars.popFirst() {
            if c == UInt8(ascii: "}") {
                if chars.first == UInt8(ascii: "}") { chars.removeFirst(); literal.append(c); continue }
                return .failure(TemplateError(message: "a '}' without its '{' (write '}}' for a literal brace)"))
            }
            guard c == UInt8(ascii: "{") else { literal.append(c); continue }
            if chars.first == UInt8(ascii: "{") { chars.removeFirst(); literal.append(c); continue }
            guard let close = chars.firstIndex(of: UInt8(ascii: "}")) else {
                return .failure(TemplateError(message: "a '{' without its '}'"))
            }
            let body = String(decoding: chars[chars.startIndex..<close], as: UTF8.self)
            chars = chars[(close + 1)...]
            if !literal.isEmpty { parts.append(.literal(literal)); literal = [] }
            let pieces = body.split(separator: ":", maxSplits: 1).map(String.init)
            let name = pieces.first ?? ""
            let argument = pieces.count > 1 ? pieces[1] : nil
            func count() -> Int? { argument.flatMap { Int($0) }.flatMap { (1...64).contains($0) ? $0 : nil } }
            switch name {
            case "word": parts.append(.word)
            case "row" where argument == nil: parts.append(.row)
            case "row":
                guard let n = count(), n <= 20 else { return .failure(TemplateError(message: "{row:N} needs N in 1...20")) }
                parts.append(.paddedRow(n))
            case "column":
                guard let column = argument, !column.isEmpty else { return .failure(TemplateError(message: "{column:NAME} needs a column name")) }
                parts.append(.columnName(column))
            case "digits":
                guard let n = count() else { return .failure(TemplateError(message: "{digits:N} needs N in 1...64")) }
                parts.append(.digits(n))
            case "letters", "upper":
                guard let n = count() else { return .failure(TemplateError(message: "{\(name):N} needs N in 1...64")) }
                parts.append(.letters(n, upper: name == "upper"))
            case "int":
                let bounds = argument?.split(separator: "-", maxSplits: 1).compactMap { Int64($0) } ?? []
                guard bounds.count == 2, bounds[0] <= bounds[1] else {
                    return .failure(TemplateError(message: "{int:A-B} needs two integers A ≤ B, as in {int:1-99}"))
                }
                parts.append(.int(bounds[0]...bounds[1]))
            default:
                return .failure(TemplateError(message: "unknown placeholder {\(body)}; known: int, digits, letters, upper, word, row, row:N, column:NAME"))
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return .success(parts)
    }

    struct TemplateError: Error { let message: String }

    override func appendText(_ row: Int, to out: inout [UInt8]) {
        var rng = key.cell(row)
        for part in parts {
            switch part {
            case .literal(let bytes): out.append(contentsOf: bytes)
            case .int(let range): appendDecimalDigits(rng.nextInt(in: range), to: &out)
            case .digits(let n): for _ in 0..<n { out.append(UInt8(ascii: "0") + UInt8(rng.nextIndex(10))) }
            case .letters(let n, let upper):
                for _ in 0..<n { out.append((upper ? UInt8(ascii: "A") : UInt8(ascii: "a")) + UInt8(rng.nextIndex(26))) }
            case .word: Words.words.append(rng.nextIndex(Words.words.count), to: &out)
            case .row: appendDecimalDigits(Int64(row) + 1, to: &out)
            case .paddedRow(let width):
                var n = UInt64(row + 1)
                appendDigits(&n, minimumWidth: width, to: &out)
            case .column(let g): g.appendText(row, to: &out)
            case .columnName: preconditionFailure("template columns are resolved when compiling")
            }
        }
    }
}

/// A JSON object: `{"key":value,...}` with each value from its own generator.
final class JSONGenerator: Generator, @unchecked Sendable {
    static let nullBytes = Array("null".utf8)
    let fields: [(key: [UInt8], generator: Generator)]
    init(key: StreamKey, fields: [(key: [UInt8], generator: Generator)]) {
        self.fields = fields
        super.init(kind: .text, key: key)
    }
    override func appendText(_ row: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(field.key, to: &out)
            out.append(UInt8(ascii: ":"))
            let g = field.generator
            if g.canBeNull && g.isNull(row) {
                out.append(contentsOf: JSONGenerator.nullBytes)
                continue
            }
            switch g.kind {
            case .integer, .double, .boolean: g.appendText(row, to: &out)
            case .text where g is JSONGenerator: g.appendText(row, to: &out)  // a nested object, not a string
            default:
                // Written in place between quotes; only text that needs escaping is copied out.
                out.append(UInt8(ascii: "\""))
                let start = out.count
                g.appendText(row, to: &out)
                if out[start...].contains(where: needsJSONEscape) {
                    let text = Array(out[start...])
                    out.removeSubrange((start - 1)...)
                    appendJSONString(text, to: &out)
                } else {
                    out.append(UInt8(ascii: "\""))
                }
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}

// MARK: - Time

/// The row's own event time, from its table's timeline.
final class EventTimeGenerator: Generator, @unchecked Sendable {
    let timeline: Timeline
    init(key: StreamKey, timeline: Timeline) {
        self.timeline = timeline
        super.init(kind: .timestamp, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        var rng = key.cell(row)
        return timeline.micros(ofRow: row, day: timeline.day(ofRow: row), jitter: rng.nextDouble())
    }
    override var isOrderedByRow: Bool { true }
    override var isHighCardinality: Bool { true }
    override var bounds: ClosedRange<Double>? {
        Double(timeline.startDay) * Double(Timeline.microsPerDay)...Double(timeline.startDay + Int64(timeline.days)) * Double(Timeline.microsPerDay)
    }
}

/// The date of the row's event time; categorical by day, for date partitions.
final class EventDateGenerator: Generator, @unchecked Sendable {
    let timeline: Timeline
    /// The run's days as `YYYY-MM-DD`: the values of a date partition.
    let days: [String]
    init(key: StreamKey, timeline: Timeline) {
        self.timeline = timeline
        self.days = (0..<timeline.days).map { formatISODate(timeline.startDay + Int64($0)) }
        super.init(kind: .date, key: key)
    }
    override func int64(_ row: Int) -> Int64 { timeline.startDay + Int64(timeline.day(ofRow: row)) }
    override var isOrderedByRow: Bool { true }
    override var categories: [String]? { days }
    override func code(_ row: Int) -> Int { timeline.day(ofRow: row) }
    override var bounds: ClosedRange<Double>? { Double(timeline.startDay)...Double(timeline.startDay + Int64(timeline.days) - 1) }
}

/// A timestamp (µs) or date (days) uniform in a range.
final class BetweenGenerator: Generator, @unchecked Sendable {
    let range: ClosedRange<Int64>
    init(key: StreamKey, kind: ValueKind, range: ClosedRange<Int64>) {
        self.range = range
        super.init(kind: kind, key: key)
    }
    override var isHighCardinality: Bool { kind == .timestamp }
    override func int64(_ row: Int) -> Int64 {
        var rng = key.cell(row)
        return rng.nextInt(in: range)
    }
    override var bounds: ClosedRange<Double>? { Double(range.lowerBound)...Double(range.upperBound) }
}

/// A time after another column of the same row: `shipped_at = ordered_at + 1–5 days`.
final class AfterGenerator: Generator, @unchecked Sendable {
    let source: Generator
    let range: ClosedRange<Int64>
    init(key: StreamKey, source: Generator, range: ClosedRange<Int64>) {
        self.source = source
        self.range = range
        super.init(kind: source.kind, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        var rng = key.cell(row)
        return source.int64(row) &+ rng.nextInt(in: range)
    }
    override var isHighCardinality: Bool { kind == .timestamp }
    override var canBeNull: Bool { source.canBeNull }
    override func isNull(_ row: Int) -> Bool { source.isNull(row) }
    override var bounds: ClosedRange<Double>? {
        source.bounds.map { ($0.lowerBound + Double(range.lowerBound))...($0.upperBound + Double(range.upperBound)) }
    }
}

// MARK: - References

/// Another generator's value at another row: every accessor asks `sourceRow` which row, then
/// forwards to `source`. Copies, funnel siblings, duplicated values and references are this.
class MappedGenerator: Generator, @unchecked Sendable {
    let source: Generator

    init(key: StreamKey, source: Generator) {
        self.source = source
        super.init(kind: source.kind, key: key)
    }

    /// The row of `source` that row `row` takes its value from.
    func sourceRow(_ row: Int) -> Int { row }

    override func int64(_ row: Int) -> Int64 { source.int64(sourceRow(row)) }
    override func double(_ row: Int) -> Double { source.double(sourceRow(row)) }
    override func uuid(_ row: Int) -> (UInt64, UInt64) { source.uuid(sourceRow(row)) }
    override func appendText(_ row: Int, to out: inout [UInt8]) { source.appendText(sourceRow(row), to: &out) }
    override var categories: [String]? { source.categories }
    override func code(_ row: Int) -> Int { source.code(sourceRow(row)) }
    override var decimals: Int { source.decimals }
    override var canBeNull: Bool { source.canBeNull }
    override func isNull(_ row: Int) -> Bool { source.isNull(sourceRow(row)) }
    override var bounds: ClosedRange<Double>? { source.bounds }
}

/// One of several generators, chosen per row by `chosen`: by a column's value, by chance, by a
/// quality issue's pick.
class ChoosingGenerator: Generator, @unchecked Sendable {
    let choices: [Generator]

    init(key: StreamKey, kind: ValueKind, choices: [Generator]) {
        self.choices = choices
        super.init(kind: kind, key: key)
    }

    /// The generator of row `row`.
    func chosen(_ row: Int) -> Generator { choices[0] }

    override func int64(_ row: Int) -> Int64 { chosen(row).int64(row) }
    override func double(_ row: Int) -> Double { chosen(row).double(row) }
    override func uuid(_ row: Int) -> (UInt64, UInt64) { chosen(row).uuid(row) }
    override func appendText(_ row: Int, to out: inout [UInt8]) { chosen(row).appendText(row, to: &out) }
    override var decimals: Int { choices.map(\.decimals).max() ?? 2 }
    override var bounds: ClosedRange<Double>? { unionBounds(choices) }
    override var canBeNull: Bool { choices.contains { $0.canBeNull } }
    override func isNull(_ row: Int) -> Bool { chosen(row).isNull(row) }
    override func sampledTextLength(rows: Int) -> Int { choices.map { $0.averageTextLength(rows: rows) }.max() ?? 0 }
}

/// A column of another table's row: `pickedRow` says which row, the target's value follows.
/// The value is recomputed, never looked up.
class PickingGenerator: MappedGenerator, @unchecked Sendable {
    var target: Generator { source }
    /// The table whose rows it picks, and its row count in the run.
    let targetTable: String
    let targetRows: Int

    init(key: StreamKey, target: Generator, targetTable: String, targetRows: Int) {
        self.targetTable = targetTable
        self.targetRows = targetRows
        super.init(key: key, source: target)
    }

    /// The row of the target table that row `row` of this table refers to.
    func pickedRow(_ row: Int) -> Int { preconditionFailure("subclasses pick") }

    override func sourceRow(_ row: Int) -> Int { pickedRow(row) }
}

/// A foreign key: a row of another table picked uniformly or by Zipf.
final class ReferenceGenerator: PickingGenerator, @unchecked Sendable {
    let rows: Int
    let zipf: Zipf?
    /// A multiplier coprime with `rows`, so Zipf's heavy ranks scatter over the table instead of
    /// being its first rows.
    let scatter: Int
    let inverseScatter: Int
    /// Zipf's ranks as an alias table, for tables up to `aliasLimit` rows.
    let ranks: AliasTable?
    static let aliasLimit = 1 << 16

    init(key: StreamKey, target: Generator, targetTable: String, rows: Int, pick: Pick) {
        self.rows = rows
        var exponent: Double?
        switch pick {
        case .uniform: exponent = nil
        case .zipf(let e): exponent = e
        case .pareto(let top, let share): exponent = Zipf.exponent(n: rows, top: top, share: share)
        }
        if let exponent {
            zipf = Zipf(n: rows, exponent: exponent)
            // A small table's ranks come from an alias table: one draw, no logarithms.
            ranks = rows <= ReferenceGenerator.aliasLimit
                ? AliasTable(weights: (0..<rows).map { exp(-exponent * log(Double($0 + 1))) }) : nil
            var m = max(1, Int(Double(rows) * 0.618_033_988_7))
            while gcd(m, rows) != 1 { m += 1 }
            scatter = m
        } else {
            zipf = nil
            ranks = nil
            scatter = 1
        }
        inverseScatter = ReferenceGenerator.modularInverse(scatter, rows)
        super.init(key: key, target: target, targetTable: targetTable, targetRows: rows)
    }

    /// The Zipf rank (0 the heaviest) of row `row` of the referenced table: the inverse of the
    /// scatter, for columns that follow how often a row is picked (a customer's tier).
    func rank(ofTargetRow row: Int) -> Int {
        guard zipf != nil, rows > 1 else { return row }
        return Int(UInt64(rows).dividingFullWidth(UInt64(row).multipliedFullWidth(by: UInt64(inverseScatter))).remainder)
    }

    /// scatter⁻¹ modulo rows (the extended Euclidean algorithm).
    static func modularInverse(_ a: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        var (t, newT, r, newR) = (0, 1, n, a % n)
        while newR != 0 {
            let q = r / newR
            (t, newT) = (newT, t - q * newT)
            (r, newR) = (newR, r - q * newR)
        }
        return (t % n + n) % n
    }

    @inline(__always)
    override func pickedRow(_ row: Int) -> Int {
        var rng = key.cell(row)
        guard let zipf else { return rng.nextIndex(rows) }
        let rank = ranks.map { $0.sample(&rng) } ?? zipf.sample(&rng) - 1
        return Int(UInt64(rows).dividingFullWidth(UInt64(rank).multipliedFullWidth(by: UInt64(scatter))).remainder)
    }

    override var isHighCardinality: Bool { target.isHighCardinality && rows > 1 << 16 }
}

/// Another column of the row a reference column picked.
final class LookupGenerator: PickingGenerator, @unchecked Sendable {
    let reference: PickingGenerator

    init(key: StreamKey, reference: PickingGenerator, target: Generator) {
        self.reference = reference
        super.init(key: key, target: target, targetTable: reference.targetTable, targetRows: reference.targetRows)
    }

    override func pickedRow(_ row: Int) -> Int { reference.pickedRow(row) }
}

/// The range of x × y for x in `a` and y in `b`.
func intervalProduct(_ a: ClosedRange<Double>, _ b: ClosedRange<Double>) -> ClosedRange<Double> {
    let products = [a.lowerBound * b.lowerBound, a.lowerBound * b.upperBound, a.upperBound * b.lowerBound, a.upperBound * b.upperBound]
        .map { $0.isNaN ? 0 : $0 }  // 0 × ∞
    return products.min()!...products.max()!
}

func gcd(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}

/// A generator chosen per row by the value of a categorical column of the row.
final class ByValueGenerator: ChoosingGenerator, @unchecked Sendable {
    let source: Generator

    /// `generators`: one per code of `source`.
    init(key: StreamKey, source: Generator, generators: [Generator]) {
        self.source = source
        super.init(key: key, kind: ChanceGenerator.kind(of: generators), choices: generators)
    }

    @inline(__always)
    override func chosen(_ row: Int) -> Generator { choices[source.code(row)] }
}
