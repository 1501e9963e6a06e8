import Columnar

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Generators that compute a row's value from its other columns: formulas, conditional values,
// nulls, copies, shifts, windows and bands.

/// No value: the row's cell is null.
final class NullGenerator: Generator, @unchecked Sendable {
    init(key: StreamKey) { super.init(kind: .integer, key: key) }
    override func int64(_ row: Int) -> Int64 { 0 }
    override func double(_ row: Int) -> Double { 0 }
    override func appendText(_ row: Int, to out: inout [UInt8]) {}
    override func uuid(_ row: Int) -> (UInt64, UInt64) { (0, 0) }
    override var canBeNull: Bool { true }
    override func isNull(_ row: Int) -> Bool { true }
    override var bounds: ClosedRange<Double>? { 0...0 }
}

/// An arithmetic expression over numeric columns of the row.
final class FormulaGenerator: Generator, @unchecked Sendable {
    indirect enum Node: Sendable {
        case number(Double)
        case column(Generator)
        case add(Node, Node), subtract(Node, Node), multiply(Node, Node), divide(Node, Node)
        case negate(Node)
        case round(Node, Int)
        case minimum(Node, Node), maximum(Node, Node)
        case absolute(Node)
    }

    let root: Node
    let places: Int?
    let inputs: [Generator]

    init(key: StreamKey, root: Node, inputs: [Generator], decimals: Int?) {
        self.root = root
        self.places = decimals
        self.inputs = inputs
        let integers = decimals == 0
        super.init(kind: integers ? .integer : .double, key: key)
    }

    static func evaluate(_ node: Node, _ row: Int) -> Double {
        switch node {
        case .number(let v): return v
        case .column(let g): return g.double(row)
        case .add(let a, let b): return evaluate(a, row) + evaluate(b, row)
        case .subtract(let a, let b): return evaluate(a, row) - evaluate(b, row)
        case .multiply(let a, let b): return evaluate(a, row) * evaluate(b, row)
        case .divide(let a, let b):
            let d = evaluate(b, row)
            return d == 0 ? 0 : evaluate(a, row) / d
        case .negate(let a): return -evaluate(a, row)
        case .round(let a, let places): return rounded(evaluate(a, row), places)
        case .minimum(let a, let b): return Swift.min(evaluate(a, row), evaluate(b, row))
        case .maximum(let a, let b): return Swift.max(evaluate(a, row), evaluate(b, row))
        case .absolute(let a): return Swift.abs(evaluate(a, row))
        }
    }

    static func bounds(_ node: Node) -> ClosedRange<Double>? {
        switch node {
        case .number(let v): return v...v
        case .column(let g): return g.bounds
        case .add(let a, let b):
            guard let x = bounds(a), let y = bounds(b) else { return nil }
            return (x.lowerBound + y.lowerBound)...(x.upperBound + y.upperBound)
        case .subtract(let a, let b):
            guard let x = bounds(a), let y = bounds(b) else { return nil }
            return (x.lowerBound - y.upperBound)...(x.upperBound - y.lowerBound)
        case .multiply(let a, let b):
            guard let x = bounds(a), let y = bounds(b) else { return nil }
            return intervalProduct(x, y)
        case .divide(let a, let b):
            guard let x = bounds(a), let y = bounds(b) else { return nil }
            // A divisor range that holds 0 (0 is written for x / 0) leaves the result unbounded.
            if y.lowerBound <= 0 && y.upperBound >= 0 { return y.lowerBound == 0 && y.upperBound == 0 ? 0...0 : -Double.infinity...Double.infinity }
            return intervalProduct(x, (1 / y.upperBound)...(1 / y.lowerBound))
        case .negate(let a): return bounds(a).map { (-$0.upperBound)...(-$0.lowerBound) }
        case .round(let a, _): return bounds(a).map { ($0.lowerBound - 1)...($0.upperBound + 1) }
        case .minimum(let a, let b):
            guard let x = bounds(a), let y = bounds(b) else { return nil }
            return Swift.min(x.lowerBound, y.lowerBound)...Swift.min(x.upperBound, y.upperBound)
        case .maximum(let a, let b):
            guard let x = bounds(a), let y = bounds(b) else { return nil }
            return Swift.max(x.lowerBound, y.lowerBound)...Swift.max(x.upperBound, y.upperBound)
        case .absolute(let a):
            return bounds(a).map { b in
                let lo = b.lowerBound <= 0 && b.upperBound >= 0 ? 0 : Swift.min(Swift.abs(b.lowerBound), Swift.abs(b.upperBound))
                return lo...Swift.max(Swift.abs(b.lowerBound), Swift.abs(b.upperBound))
            }
        }
    }

    override func double(_ row: Int) -> Double { rounded(FormulaGenerator.evaluate(root, row), places) }
    override func int64(_ row: Int) -> Int64 {
        let x = double(row)
        return x.isFinite ? Int64(Swift.min(Swift.max(x, -9.0e18), 9.0e18)) : 0
    }
    override var decimals: Int { places ?? 2 }
    override var bounds: ClosedRange<Double>? { FormulaGenerator.bounds(root) }
    override var canBeNull: Bool { inputs.contains { $0.canBeNull } }
    override func isNull(_ row: Int) -> Bool { inputs.contains { $0.canBeNull && $0.isNull(row) } }

    /// Parses `text`; `column` resolves a name to the generator of that column of the row.
    static func parse(_ text: String, column: @escaping (String) throws(SpecError) -> Generator) throws(SpecError) -> (Node, [Generator]) {
        var parser = FormulaParser(bytes: Array(text.utf8), column: column)
        let node = try parser.expression()
        parser.skipSpace()
        guard parser.position == parser.bytes.count else { throw parser.error("unexpected '\(parser.rest)'") }
        return (node, parser.inputs)
    }
}

/// A recursive-descent parser for formulas: sum := product (('+'|'-') product)*; product :=
/// unary (('*'|'/') unary)*; unary := '-' unary | atom; atom := number | name | name '(' args ')'
/// | '(' sum ')'.
private struct FormulaParser {
    let bytes: [UInt8]
    let column: (String) throws(SpecError) -> Generator
    var position = 0
    var depth = 0
    var inputs: [Generator] = []

    init(bytes: [UInt8], column: @escaping (String) throws(SpecError) -> Generator) {
        self.bytes = bytes
        self.column = column
    }

    var rest: String { String(decoding: bytes[position...].prefix(20), as: UTF8.self) }

    func error(_ message: String) -> SpecError { SpecError("formula: \(message)") }

    mutating func skipSpace() { while position < bytes.count && (bytes[position] == 0x20 || bytes[position] == 0x09) { position += 1 } }

    mutating func peek() -> UInt8? {
        skipSpace()
        return position < bytes.count ? bytes[position] : nil
    }

    mutating func expression() throws(SpecError) -> FormulaGenerator.Node {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw error("nested too deeply") }
        var left = try product()
        while let c = peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            position += 1
            let right = try product()
            left = c == UInt8(ascii: "+") ? .add(left, right) : .subtract(left, right)
        }
        return left
    }

    mutating func product() throws(SpecError) -> FormulaGenerator.Node {
        var left = try unary()
        while let c = peek(), c == UInt8(ascii: "*") || c == UInt8(ascii: "/") {
            position += 1
            let right = try unary()
            left = c == UInt8(ascii: "*") ? .multiply(left, right) : .divide(left, right)
        }
        return left
    }

    mutating func unary() throws(SpecError) -> FormulaGenerator.Node {
        if peek() == UInt8(ascii: "-") {
            position += 1
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else { throw error("nested too deeply") }
            return .negate(try unary())
        }
        return try atom()
    }

    mutating func atom() throws(SpecError) -> FormulaGenerator.Node {
        guard let c = peek() else { throw error("ends where a number, a column or '(' was expected") }
        if c == UInt8(ascii: "(") {
            position += 1
            let inner = try expression()
            guard peek() == UInt8(ascii: ")") else { throw error("a '(' without its ')'") }
            position += 1
            return inner
        }
        if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") {
            let start = position
            while position < bytes.count, (bytes[position] >= 0x30 && bytes[position] <= 0x39) || bytes[position] == UInt8(ascii: ".") {
                position += 1
            }
            guard let v = Double(String(decoding: bytes[start..<position], as: UTF8.self)), v.isFinite else {
                throw error("'\(String(decoding: bytes[start..<position], as: UTF8.self))' is not a number")
            }
            return .number(v)
        }
        guard c == UInt8(ascii: "_") || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) else { throw error("unexpected '\(rest)'") }
        let start = position
        while position < bytes.count {
            let b = bytes[position]
            guard b == UInt8(ascii: "_") || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || (b >= 0x30 && b <= 0x39) else { break }
            position += 1
        }
        let name = String(decoding: bytes[start..<position], as: UTF8.self)
        if peek() == UInt8(ascii: "(") {
            position += 1
            var arguments: [FormulaGenerator.Node] = []
            if peek() != UInt8(ascii: ")") {
                arguments.append(try expression())
                while peek() == UInt8(ascii: ",") {
                    position += 1
                    arguments.append(try expression())
                }
            }
            guard peek() == UInt8(ascii: ")") else { throw error("\(name)( without its ')'") }
            position += 1
            switch (name, arguments.count) {
            case ("round", 1): return .round(arguments[0], 0)
            case ("round", 2):
                guard case .number(let d) = arguments[1], d == d.rounded(), (0...12).contains(d) else {
                    throw error("round(x, d) needs d a whole number from 0 to 12")
                }
                return .round(arguments[0], Int(d))
            case ("min", 2): return .minimum(arguments[0], arguments[1])
            case ("max", 2): return .maximum(arguments[0], arguments[1])
            case ("abs", 1): return .absolute(arguments[0])
            default: throw error("unknown function \(name) with \(arguments.count) argument(s) (known: round(x), round(x, d), min(a, b), max(a, b), abs(x))")
            }
        }
        let g = try column(name)
        guard g.kind == .integer || g.kind == .double || g.kind == .boolean else { throw error("'\(name)' is not a numeric column") }
        inputs.append(g)
        return .column(g)
    }
}

/// `then` in a share `p` of rows, `otherwise` in the others.
final class ChanceGenerator: ChoosingGenerator, @unchecked Sendable {
    let p: Double

    init(key: StreamKey, p: Double, then: Generator, otherwise: Generator) {
        self.p = p
        super.init(key: key, kind: ChanceGenerator.kind(of: [then, otherwise]), choices: [otherwise, then])
    }

    /// The kind of a value chosen among `generators`: nulls take the others' kind, and integers
    /// with doubles are doubles.
    static func kind(of generators: [Generator]) -> ValueKind {
        let real = generators.filter { !($0 is NullGenerator) }
        guard let first = real.first else { return .integer }
        return real.contains { $0.kind == .double } ? .double : first.kind
    }

    @inline(__always)
    override func chosen(_ row: Int) -> Generator {
        var rng = key.cell(row)
        return choices[rng.nextBool(probability: p) ? 1 : 0]
    }
}

/// The union of the value ranges of `generators`, nulls left out; nil when one has none.
func unionBounds(_ generators: [Generator]) -> ClosedRange<Double>? {
    var range: ClosedRange<Double>?
    for g in generators where !(g is NullGenerator) {
        guard let b = g.bounds else { return nil }
        range = range.map { Swift.min($0.lowerBound, b.lowerBound)...Swift.max($0.upperBound, b.upperBound) } ?? b
    }
    return range
}

/// Another column of the row, as it is.
final class CopyGenerator: MappedGenerator, @unchecked Sendable {
    override var isOrderedByRow: Bool { source.isOrderedByRow }
    override var isHighCardinality: Bool { source.isHighCardinality }
}

/// A timestamp (or date) of the row moved by a numeric column of the row, in a unit.
final class ShiftedGenerator: Generator, @unchecked Sendable {
    let source: Generator
    let by: Generator
    let step: Double

    init(key: StreamKey, source: Generator, by: Generator, unit: TimeUnit) {
        self.source = source
        self.by = by
        self.step = source.kind == .date ? unit.micros / 86_400e6 : unit.micros
        super.init(kind: source.kind, key: key)
    }

    override func int64(_ row: Int) -> Int64 {
        let offset = (by.double(row) * step).rounded()
        return source.int64(row) &+ Int64(Swift.min(Swift.max(offset, -9.0e18), 9.0e18))
    }
    override var bounds: ClosedRange<Double>? {
        guard let s = source.bounds, let b = by.bounds else { return nil }
        let shift = intervalProduct(b, step...step)
        return (s.lowerBound + shift.lowerBound)...(s.upperBound + shift.upperBound)
    }
    override var canBeNull: Bool { source.canBeNull || by.canBeNull }
    override func isNull(_ row: Int) -> Bool { (source.canBeNull && source.isNull(row)) || (by.canBeNull && by.isNull(row)) }
    override var isHighCardinality: Bool { kind == .timestamp }
}

/// A time uniform between two time columns of the row; an end that is a date counts to the
/// end of its day.
final class BetweenColumnsGenerator: Generator, @unchecked Sendable {
    let start: Generator
    let end: Generator

    init(key: StreamKey, kind: ValueKind, start: Generator, end: Generator) {
        self.start = start
        self.end = end
        super.init(kind: kind, key: key)
    }

    /// A time column's value in this generator's kind (µs or days); the end of a date's day
    /// when `end`.
    @inline(__always)
    func convert(_ g: Generator, _ row: Int, end isEnd: Bool) -> Int64 {
        let v = g.int64(row)
        if g.kind == kind { return v }
        if kind == .timestamp { return isEnd ? (v + 1) * Timeline.microsPerDay - 1 : v * Timeline.microsPerDay }  // a date, in µs
        return v >= 0 ? v / Timeline.microsPerDay : (v - Timeline.microsPerDay + 1) / Timeline.microsPerDay  // µs to days
    }

    override func int64(_ row: Int) -> Int64 {
        let lo = convert(start, row, end: false)
        let hi = Swift.max(lo, convert(end, row, end: true))
        var rng = key.cell(row)
        return rng.nextInt(in: lo...hi)
    }
    override var bounds: ClosedRange<Double>? {
        guard let s = start.bounds, let e = end.bounds else { return nil }
        let toMicros = kind == .timestamp && end.kind == .date ? Double(Timeline.microsPerDay) : 1
        return Swift.min(s.lowerBound, e.lowerBound * toMicros)...Swift.max(s.upperBound, (e.upperBound + 1) * toMicros)
    }
    override var canBeNull: Bool { start.canBeNull || end.canBeNull }
    override func isNull(_ row: Int) -> Bool { (start.canBeNull && start.isNull(row)) || (end.canBeNull && end.isNull(row)) }
    override var isHighCardinality: Bool { kind == .timestamp }
}

/// A label by the band a numeric column of the row falls in: the first label up to the first
/// threshold, the next up to the next, the last above the last.
final class BandGenerator: Generator, @unchecked Sendable {
    let source: Generator
    let thresholds: [Double]
    let labels: [String]
    let words: WordList

    init(key: StreamKey, source: Generator, thresholds: [Double], labels: [String]) {
        self.source = source
        self.thresholds = thresholds
        self.labels = labels
        self.words = WordList(labels.joined(separator: "|"))
        super.init(kind: .text, key: key)
    }

    override var categories: [String]? { labels }
    override func code(_ row: Int) -> Int {
        let v = source.double(row)
        var i = 0
        while i < thresholds.count && v > thresholds[i] { i += 1 }
        return i
    }
    override func appendText(_ row: Int, to out: inout [UInt8]) { words.append(code(row), to: &out) }
    override var canBeNull: Bool { source.canBeNull }
    override func isNull(_ row: Int) -> Bool { source.isNull(row) }
}
