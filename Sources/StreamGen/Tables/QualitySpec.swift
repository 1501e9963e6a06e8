/// A data-quality issue a table carries on purpose, declared as data: which rows (an exact
/// share of them), which column, and what happens to it. Every run that writes the table writes
/// the issue's ground truth too: the rows it affected, by key. `--clean` leaves every issue out
/// and every other value as it was.
public struct QualitySpec: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The value is NULL.
        case null
        /// The whole row is written twice (a retry, a replayed batch).
        case duplicateRows = "duplicate_rows"
        /// The value (and those of `also`) is another row's: a key or an email that should be
        /// unique is not.
        case duplicateKey = "duplicate_key"
        /// The value is `value`: a sentinel, a data-entry error (`-100`).
        case invalidValue = "invalid_value"
        /// Text in the wrong shape for `format` (an email without its `@`, a phone with letters).
        case malformed
        /// A foreign key that names no row of the referenced table (a deleted row).
        case orphanReference = "orphan_reference"
        /// A value looked up from another table that is not that table's (`value`, or another of
        /// its values).
        case mismatchedLookup = "mismatched_lookup"
        /// A number outside its valid range: uniform in `min...max`.
        case outOfRange = "out_of_range"
    }

    /// The shapes `malformed` breaks.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case email, phone, date, text
    }

    public var kind: Kind
    /// The column affected; nil for `duplicate_rows`.
    public var column: String?
    /// The share of the table's rows affected: exactly round(rate × rows).
    public var rate: Double
    /// `invalid_value` and `mismatched_lookup`: the value written, as text.
    public var value: String?
    /// `malformed`: the shape to break (the column's own by default).
    public var format: Format?
    /// `out_of_range`: the range the written values come from.
    public var min: Double?
    public var max: Double?
    /// `duplicate_key`: more columns copied from the same other row (a duplicated account's name
    /// along with its email).
    public var also: [String]
    /// Whether other columns of the row computed from this one see the issue (a negative margin
    /// that makes the cost follow) or the value as it was (a discount not recorded, the total
    /// still net of it).
    public var propagate: Bool
    /// Why it happens, for the ground truth.
    public var note: String?

    public init(_ kind: Kind, column: String?, rate: Double, value: String? = nil, format: Format? = nil, min: Double? = nil,
                max: Double? = nil, also: [String] = [], propagate: Bool = false, note: String? = nil) {
        self.kind = kind
        self.column = column
        self.rate = rate
        self.value = value
        self.format = format
        self.min = min
        self.max = max
        self.also = also
        self.propagate = propagate
        self.note = note
    }

    /// "orders.discount_amount null 2%"
    public var label: String {
        var percent: [UInt8] = []
        appendRounded(rate * 100, decimals: 3, to: &percent)
        var text = String(decoding: percent, as: UTF8.self)
        while text.contains(".") && (text.hasSuffix("0") || text.hasSuffix(".")) { text.removeLast() }
        return "\(kind.rawValue)\(column.map { " \($0)" } ?? "") \(text)%"
    }
}
