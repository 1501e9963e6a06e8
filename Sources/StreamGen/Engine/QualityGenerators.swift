import Columnar

// Data-quality issues as generators: a column's values with the issue's rows replaced. Rows
// are picked by a `QuotaSelector` (an exact share); the replacement is a generator evaluated at
// the same row, so an issue is as deterministic, and as recomputable, as any value.

/// A column's generator whose picked rows take `replacement`'s value.
final class QualityValueGenerator: ChoosingGenerator, @unchecked Sendable {
    var inner: Generator { choices[0] }
    var replacement: Generator { choices[1] }
    let selector: QuotaSelector
    /// Categories: the inner ones, plus the replacement's that are new; the code of a
    /// replacement category in that list.
    private let mergedCategories: [String]?
    private let replacementCodes: [Int]

    init(key: StreamKey, inner: Generator, selector: QuotaSelector, replacement: Generator) {
        self.selector = selector
        if let own = inner.categories, let extra = replacement.categories {
            var merged = own
            var codes: [Int] = []
            for value in extra {
                if let i = merged.firstIndex(of: value) { codes.append(i) } else {
                    codes.append(merged.count)
                    merged.append(value)
                }
            }
            mergedCategories = merged
            replacementCodes = codes
        } else {
            mergedCategories = nil
            replacementCodes = []
        }
        super.init(key: key, kind: inner.kind, choices: [inner, replacement])
    }

    @inline(__always)
    override func chosen(_ row: Int) -> Generator { selector.contains(row) ? replacement : inner }

    override var categories: [String]? { mergedCategories }
    override func code(_ row: Int) -> Int { selector.contains(row) ? replacementCodes[replacement.code(row)] : inner.code(row) }
    override var decimals: Int { inner.decimals }
    override var isHighCardinality: Bool { inner.isHighCardinality }
    // An issue breaks the order a sort key relies on.
    override var isOrderedByRow: Bool { false }
}

/// A fixed value of the inner generator's kind: `invalid_value`'s sentinel.
final class LiteralGenerator: Generator, @unchecked Sendable {
    let integer: Int64
    let real: Double
    let text: [UInt8]
    let label: String

    /// Parses `value` for values of `kind`; nil when it is not one.
    init?(key: StreamKey, kind: ValueKind, value: String) {
        label = value
        text = Array(value.utf8)
        switch kind {
        case .integer:
            guard let v = Int64(value) else { return nil }
            integer = v
            real = Double(v)
        case .double:
            guard let v = Double(value), v.isFinite else { return nil }
            integer = Int64(Swift.min(Swift.max(v, -9.0e18), 9.0e18))
            real = v
        case .boolean:
            guard value == "true" || value == "false" else { return nil }
            integer = value == "true" ? 1 : 0
            real = Double(integer)
        case .date:
            guard let d = parseISODate(value) else { return nil }
            integer = d
            real = Double(d)
        case .timestamp:
            guard let d = parseISODate(String(value.prefix(10))) else { return nil }
            let seconds = value.count >= 19 ? (parseTimestampSeconds(value.count == 19 ? value + "Z" : value) ?? d * 86_400) : d * 86_400
            integer = seconds * 1_000_000
            real = Double(integer)
        case .text:
            integer = 0
            real = 0
        case .uuid:
            return nil
        }
        super.init(kind: kind, key: key)
    }

    override func int64(_ row: Int) -> Int64 { integer }
    override func double(_ row: Int) -> Double { real }
    override func appendText(_ row: Int, to out: inout [UInt8]) {
        if kind == .text { out.append(contentsOf: text) } else { super.appendText(row, to: &out) }
    }
    override var categories: [String]? { kind == .text ? [label] : nil }
    override func code(_ row: Int) -> Int { 0 }
    override var bounds: ClosedRange<Double>? { kind == .text ? nil : real...real }
    override var decimals: Int {
        guard let dot = label.firstIndex(of: ".") else { return 0 }
        return label.distance(from: dot, to: label.endIndex) - 1
    }
}

/// The inner generator's value at another row, the same for every column of one issue:
/// `duplicate_key` (and the columns of its `also`).
final class OtherRowGenerator: MappedGenerator, @unchecked Sendable {
    let rows: DuplicateSource
    init(key: StreamKey, inner: Generator, source: DuplicateSource) {
        self.rows = source
        super.init(key: key, source: inner)
    }
    override func sourceRow(_ row: Int) -> Int { rows.row(for: row) }
}

/// Which other row a duplicated value comes from: an earlier row (the first account of a
/// person with two) that no issue of the column picks, drawn from the issue's stream.
struct DuplicateSource: Sendable {
    let key: StreamKey
    let rows: Int
    let avoiding: QuotaSelector

    func row(for row: Int) -> Int {
        var rng = key.cell(row)
        for _ in 0..<64 {
            let candidate = row > 0 ? rng.nextIndex(row) : (rows > 1 ? 1 + rng.nextIndex(rows - 1) : 0)
            if !avoiding.groupContains(candidate) { return candidate }
        }
        return row > 0 ? row - 1 : 0
    }
}

/// A key of the referenced table that names no row of it: the target column's value at a row
/// past the table's end (`CAMP-00000051` for 50 campaigns). Only for target columns unique per
/// row (sequences, UUIDs, templates with the row number), so the value cannot exist.
final class OrphanGenerator: Generator, @unchecked Sendable {
    let target: Generator
    let targetRows: Int
    init(key: StreamKey, target: Generator, targetRows: Int) {
        self.target = target
        self.targetRows = targetRows
        super.init(kind: target.kind, key: key)
    }
    @inline(__always)
    func phantomRow(_ row: Int) -> Int {
        var rng = key.cell(row)
        return targetRows + rng.nextIndex(Swift.max(targetRows / 10, 100))
    }
    override func int64(_ row: Int) -> Int64 { target.int64(phantomRow(row)) }
    override func double(_ row: Int) -> Double { target.double(phantomRow(row)) }
    override func uuid(_ row: Int) -> (UInt64, UInt64) { target.uuid(phantomRow(row)) }
    override func appendText(_ row: Int, to out: inout [UInt8]) { target.appendText(phantomRow(row), to: &out) }
    override var decimals: Int { target.decimals }
    override var bounds: ClosedRange<Double>? {
        // A sequence continues past the table's end: its bounds grow by the phantom rows.
        guard let b = target.bounds, let s = target as? SequenceGenerator else { return target.bounds }
        let last = Double(s.start) + Double(targetRows + Swift.max(targetRows / 10, 100)) * Double(s.step)
        return Swift.min(b.lowerBound, last)...Swift.max(b.upperBound, last)
    }
}

/// Another of the inner generator's categories than the row's own: a looked-up value that is
/// not the referenced row's.
final class OtherCategoryGenerator: Generator, @unchecked Sendable {
    let inner: Generator
    let values: WordList
    let count: Int
    init(key: StreamKey, inner: Generator, categories: [String]) {
        self.inner = inner
        self.count = categories.count
        self.values = WordList(categories.joined(separator: "|"))
        super.init(kind: .text, key: key)
    }
    override var categories: [String]? { inner.categories }
    override func code(_ row: Int) -> Int {
        var rng = key.cell(row)
        return (inner.code(row) + 1 + rng.nextIndex(count - 1)) % count
    }
    override func appendText(_ row: Int, to out: inout [UInt8]) { values.append(code(row), to: &out) }
}

/// Text in the wrong shape: the inner value broken as a careless form, import or typist would.
final class MalformedGenerator: Generator, @unchecked Sendable {
    let inner: Generator
    let format: QualitySpec.Format
    init(key: StreamKey, inner: Generator, format: QualitySpec.Format) {
        self.inner = inner
        self.format = format
        super.init(kind: .text, key: key)
    }

    override func appendText(_ row: Int, to out: inout [UInt8]) {
        var rng = key.cell(row)
        let start = out.count
        inner.appendText(row, to: &out)
        var value = Array(out[start...])
        out.removeSubrange(start...)
        switch format {
        case .email:
            let at = value.firstIndex(of: UInt8(ascii: "@"))
            switch rng.nextIndex(5) {
            case 0 where at != nil: value.remove(at: at!)  // no @
            case 1 where at != nil: value.insert(UInt8(ascii: "@"), at: at!)  // @@
            case 2 where at != nil: value = Array(value[...at!])  // no domain
            case 3: value.insert(contentsOf: Array(" ".utf8), at: Swift.min(value.count, 1 + rng.nextIndex(Swift.max(value.count - 1, 1))))
            default:
                if let dot = value.lastIndex(of: UInt8(ascii: ".")) { value.removeSubrange(dot...) } else { value += Array(".".utf8) }
                value += Array(",com".utf8)  // a comma for the last dot
            }
        case .phone:
            switch rng.nextIndex(3) {
            case 0: value = Array(value.prefix(4))  // too short
            case 1: for i in value.indices where value[i] >= 0x30 && value[i] <= 0x39 && rng.nextBool(probability: 0.3) { value[i] = UInt8(ascii: "O") }
            default: value += Array(" ext. ???".utf8)
            }
        case .date:
            let forms = ["31/02/2024", "2024-13-45", "N/A", "00/00/0000", "yesterday", "2024/1/7"]
            value = Array(forms[rng.nextIndex(forms.count)].utf8)
        case .text:
            let forms = ["", "   ", "?", "NULL", "#VALUE!", "\u{FFFD}\u{FFFD}"]
            value = Array(forms[rng.nextIndex(forms.count)].utf8)
        }
        out.append(contentsOf: value)
    }
}
