/// How the writer encodes a column's values.
public enum ColumnEncoding: Sendable, Hashable {
    /// Dictionary-encode with a hash table, falling back to PLAIN when the dictionary stops paying
    /// off (too many distinct values, or a dictionary page past `WriterOptions.dictionaryPageSizeLimit`).
    /// Booleans are always PLAIN.
    case automatic
    /// Always PLAIN.
    case plain
}

/// One column of a flat schema.
public struct Column: Sendable, Hashable {
    /// The column name; unique in its schema, non-empty, without `.` or control characters.
    public var name: String
    public var type: ColumnType
    public var repetition: Repetition
    public var encoding: ColumnEncoding
    /// A fixed list of values the caller codes itself: the column is filled with dictionary codes
    /// (`ColumnBuffer.appendCode`) and written RLE_DICTIONARY with no hashing. Byte-array types only.
    public var dictionary: ValueDictionary?

    public init(
        _ name: String,
        _ type: ColumnType,
        _ repetition: Repetition = .required,
        encoding: ColumnEncoding = .automatic,
        dictionary: ValueDictionary? = nil
    ) {
        self.name = name
        self.type = type
        self.repetition = repetition
        self.encoding = encoding
        self.dictionary = dictionary
    }

    /// Whether the column may hold nulls.
    public var isOptional: Bool { repetition == .optional }
}

/// A flat schema: the ordered columns of a table, validated once at construction.
public struct Schema: Sendable, Hashable {
    public let columns: [Column]

    /// Validates and stores the columns.
    ///
    /// - Throws: `ColumnarError.invalidSchema` naming the column, for a duplicate, empty or dotted
    ///   name, a decimal whose precision or scale does not fit, a fixed length below 1, or a value
    ///   dictionary on a column whose type is not stored as a byte array.
    public init(_ columns: [Column]) throws(ColumnarError) {
        var seen = Set<String>()
        for column in columns {
            let name = column.name
            if name.isEmpty { throw .invalidSchema("a column has an empty name") }
            if name.contains(".") || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw .invalidSchema("column '\(name)': names may not contain '.' or control characters")
            }
            if !seen.insert(name).inserted { throw .invalidSchema("column '\(name)' appears twice") }
            switch column.type {
            case .decimal(let precision, let scale):
                guard (1...18).contains(precision) else {
                    throw .invalidSchema("column '\(name)': decimal precision \(precision) is outside 1...18")
                }
                guard (0...precision).contains(scale) else {
                    throw .invalidSchema("column '\(name)': decimal scale \(scale) is outside 0...\(precision)")
                }
            case .fixedBinary(let length):
                guard length >= 1 else { throw .invalidSchema("column '\(name)': fixed length must be at least 1") }
            default: break
            }
            if column.dictionary != nil && column.type.physicalType != .byteArray {
                throw .invalidSchema("column '\(name)': a value dictionary needs a byte-array type, not \(column.type.description)")
            }
        }
        self.columns = columns
    }

    /// The number of columns.
    public var count: Int { columns.count }

    /// The index of the column named `name`, if any.
    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }
}

/// A fixed, ordered list of distinct byte-array values that a caller codes itself.
///
/// A generator that picks from a fixed list (`["mobile", "desktop", "tablet"]`) already knows each
/// value's index, so it appends that index as the code and the writer emits the dictionary page
/// once per column chunk, with no hashing at all.
public struct ValueDictionary: Sendable, Hashable {
    /// The values, in code order.
    public let entries: [[UInt8]]
    /// `rank[code]` is the position of `entries[code]` in unsigned byte-wise order (for statistics).
    let rank: [UInt32]
    /// `byRank[r]` is the code whose entry has rank `r`.
    let byRank: [UInt32]

    /// Creates a dictionary of UTF-8 strings.
    public init(_ strings: [String]) throws(ColumnarError) {
        try self.init(bytes: strings.map { Array($0.utf8) })
    }

    /// Creates a dictionary of raw byte strings.
    ///
    /// - Throws: `ColumnarError.invalidSchema` when the list is empty, longer than 2^24 entries,
    ///   or holds a value twice.
    public init(bytes entries: [[UInt8]]) throws(ColumnarError) {
        guard !entries.isEmpty else { throw .invalidSchema("a value dictionary needs at least one entry") }
        guard entries.count <= 1 << 24 else { throw .invalidSchema("a value dictionary holds at most 2^24 entries") }
        let order = entries.indices.sorted { entries[$0].lexicographicallyPrecedes(entries[$1]) }
        for i in order.indices.dropFirst() where entries[order[i]] == entries[order[i - 1]] {
            throw .invalidSchema("a value dictionary holds '\(String(decoding: entries[order[i]], as: UTF8.self))' twice")
        }
        var rank = [UInt32](repeating: 0, count: entries.count)
        for (r, code) in order.enumerated() { rank[code] = UInt32(r) }
        self.entries = entries
        self.rank = rank
        self.byRank = order.map { UInt32($0) }
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// The code of `value`, if it is an entry (a linear search: for set-up, not for hot loops).
    public func code(of value: String) -> UInt32? {
        let bytes = Array(value.utf8)
        return entries.firstIndex(of: bytes).map { UInt32($0) }
    }
}
