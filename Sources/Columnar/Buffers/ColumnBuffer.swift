/// The values of one column of a chunk, stored by physical type.
///
/// Every row has a slot, nulls included (a null holds a zero value or an empty byte string), so the
/// value of row `r` is at index `r` whatever the nulls. Byte arrays live in one contiguous arena with
/// `count + 1` offsets; fixed-length byte arrays in one arena of `count × length` bytes; columns with a
/// `ValueDictionary` hold codes instead of bytes. `reset()` empties the buffer and keeps its memory.
///
/// ### Layout of a byte-array column holding `"ab"`, null, `"c"`
/// ```
/// offsets: [0, 2, 2, 3]     bytes: "abc"     validity: 1 0 1
/// ```
public struct ColumnBuffer: Sendable {
    /// The column this buffer holds.
    public let column: Column
    /// What the buffer stores: fixed once from the column.
    let storage: Storage
    let fixedLength: Int

    var int32s: [Int32] = []
    var int64s: [Int64] = []
    var doubles: [Double] = []
    var bools: [Bool] = []
    var bytes: [UInt8] = []
    var offsets: [Int] = [0]
    var codes: [UInt32] = []
    var validity = ValidityBitmap()

    enum Storage: Sendable {
        case int32, int64, double, boolean, byteArray, fixedLenByteArray, codes
    }

    /// Creates an empty buffer for `column`, reserving room for `capacity` rows.
    public init(column: Column, capacity: Int = 0) {
        self.column = column
        self.fixedLength = column.type.fixedLength ?? 0
        if column.dictionary != nil {
            storage = .codes
            codes.reserveCapacity(capacity)
            return
        }
        switch column.type.physicalType {
        case .int32: storage = .int32; int32s.reserveCapacity(capacity)
        case .int64: storage = .int64; int64s.reserveCapacity(capacity)
        case .double, .float: storage = .double; doubles.reserveCapacity(capacity)
        case .boolean: storage = .boolean; bools.reserveCapacity(capacity)
        case .byteArray:
            storage = .byteArray
            offsets.reserveCapacity(capacity + 1)
        case .fixedLenByteArray:
            storage = .fixedLenByteArray
            bytes.reserveCapacity(capacity * fixedLength)
        }
    }

    /// The number of rows, nulls included.
    public var count: Int {
        switch storage {
        case .int32: return int32s.count
        case .int64: return int64s.count
        case .double: return doubles.count
        case .boolean: return bools.count
        case .byteArray: return offsets.count - 1
        case .fixedLenByteArray: return bytes.count / Swift.max(fixedLength, 1)
        case .codes: return codes.count
        }
    }

    /// The number of null rows.
    public var nullCount: Int { validity.nullCount }

    /// Whether row `row` holds a value.
    @inline(__always)
    public func isValid(_ row: Int) -> Bool { validity.isValid(row) }

    /// The size of the non-null values themselves, without lengths or levels: the "uncompressed
    /// column data" that throughput figures are quoted in.
    /// - Complexity: O(1) except for optional byte-array and coded columns, O(n).
    public var valueByteCount: Int {
        let valid = count - nullCount
        switch storage {
        case .int32: return valid * 4
        case .int64, .double: return valid * 8
        case .boolean: return valid
        case .fixedLenByteArray: return valid * fixedLength
        case .byteArray:
            if nullCount == 0 { return bytes.count }
            return (0..<count).reduce(0) { $0 + (validity.isValid($1) ? offsets[$1 + 1] - offsets[$1] : 0) }
        case .codes:
            let entries = column.dictionary!.entries
            return (0..<count).reduce(0) { $0 + (validity.isValid($1) ? entries[Int(codes[$1])].count : 0) }
        }
    }

    /// Empties the buffer, keeping its allocated memory for the next chunk.
    public mutating func reset() {
        int32s.removeAll(keepingCapacity: true)
        int64s.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        bools.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        codes.removeAll(keepingCapacity: true)
        validity.reset()
    }

    // MARK: Appending values

    /// Appends an INT32-backed value (int32, date as days, decimal p ≤ 9 as the unscaled integer).
    @inline(__always)
    public mutating func append(_ value: Int32) {
        assert(storage == .int32, "column '\(column.name)' does not store INT32")
        validity.appendValid(row: int32s.count)
        int32s.append(value)
    }

    /// Appends an INT64-backed value (int64, timestamp in µs, decimal p ≤ 18 as the unscaled integer).
    @inline(__always)
    public mutating func append(_ value: Int64) {
        assert(storage == .int64, "column '\(column.name)' does not store INT64")
        validity.appendValid(row: int64s.count)
        int64s.append(value)
    }

    /// Appends a DOUBLE value.
    @inline(__always)
    public mutating func append(_ value: Double) {
        assert(storage == .double, "column '\(column.name)' does not store DOUBLE")
        validity.appendValid(row: doubles.count)
        doubles.append(value)
    }

    /// Appends a BOOLEAN value.
    @inline(__always)
    public mutating func append(_ value: Bool) {
        assert(storage == .boolean, "column '\(column.name)' does not store BOOLEAN")
        validity.appendValid(row: bools.count)
        bools.append(value)
    }

    /// Appends the code of an entry of the column's `ValueDictionary`.
    @inline(__always)
    public mutating func appendCode(_ code: UInt32) {
        assert(storage == .codes, "column '\(column.name)' has no value dictionary")
        validity.appendValid(row: codes.count)
        codes.append(code)
    }

    /// Appends a byte-array or fixed-length value from raw bytes.
    ///
    /// - Precondition: for a fixed-length column, `value.count` equals the column's length.
    @inline(__always)
    public mutating func append(bytes value: UnsafeRawBufferPointer) {
        let row = count
        validity.appendValid(row: row)
        bytes.append(contentsOf: value)
        if storage == .byteArray {
            offsets.append(bytes.count)
        } else {
            precondition(storage == .fixedLenByteArray && value.count == fixedLength,
                         "column '\(column.name)' takes \(fixedLength)-byte values")
        }
    }

    /// Appends a byte-array or fixed-length value.
    @inlinable
    public mutating func append(bytes value: some Collection<UInt8>) {
        let done: Void? = value.withContiguousStorageIfAvailable { append(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { Array(value).withUnsafeBytes { append(bytes: $0) } }
    }

    /// Appends a string's UTF-8 bytes.
    @inline(__always)
    public mutating func append(_ value: String) {
        var value = value
        value.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Appends a byte-array value built in place at the end of the arena by `build`, which may
    /// only append: no intermediate copy, no `String`.
    @inline(__always)
    package mutating func appendBuilding(_ build: (inout [UInt8]) -> Void) {
        assert(storage == .byteArray, "column '\(column.name)' does not store byte arrays")
        validity.appendValid(row: offsets.count - 1)
        build(&bytes)
        offsets.append(bytes.count)
    }

    /// Appends a null (a zero or empty placeholder in the value slot).
    ///
    /// - Precondition: the column is optional.
    public mutating func appendNull() {
        precondition(column.isOptional, "column '\(column.name)' is required and cannot hold a null")
        let row = count
        validity.appendNull(row: row)
        switch storage {
        case .int32: int32s.append(0)
        case .int64: int64s.append(0)
        case .double: doubles.append(0)
        case .boolean: bools.append(false)
        case .byteArray: offsets.append(bytes.count)
        case .fixedLenByteArray: bytes.append(contentsOf: repeatElement(0, count: fixedLength))
        case .codes: codes.append(0)
        }
    }

    // MARK: Reading values back (tests, CSV)

    /// The bytes of row `row` of a byte-array, fixed-length or dictionary-coded column.
    func withValueBytes<R>(_ row: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch storage {
        case .byteArray:
            return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[offsets[row]..<offsets[row + 1]])) }
        case .fixedLenByteArray:
            return try bytes.withUnsafeBytes {
                try body(UnsafeRawBufferPointer(rebasing: $0[(row * fixedLength)..<((row + 1) * fixedLength)]))
            }
        case .codes:
            return try column.dictionary!.entries[Int(codes[row])].withUnsafeBytes(body)
        default:
            preconditionFailure("column '\(column.name)' does not store bytes")
        }
    }

    /// Checks that the buffer is internally consistent (codes within the dictionary).
    func validate() throws(ColumnarError) {
        if storage == .codes, let dictionary = column.dictionary {
            let limit = UInt32(dictionary.count)
            for (row, code) in codes.enumerated() where code >= limit && validity.isValid(row) {
                throw .invalidData("column '\(column.name)' row \(row): code \(code) is outside its \(limit)-entry dictionary")
            }
        }
    }
}
