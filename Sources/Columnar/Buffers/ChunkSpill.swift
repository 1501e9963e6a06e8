/// A chunk's exact contents as bytes and back: the spill format a sharded run hands its rows to
/// the step that finishes it (the rows a writer gets later, chunk for chunk, so that the files
/// it writes are the ones a single run writes).
///
/// Layout, little-endian: the row count (u64), then per column its storage tag (u8), whether it
/// holds nulls (u8) and, if so, one bit per row (LSB first, bytes); then the values: 4 or 8
/// bytes each for integers, codes and doubles (by their bits), one byte per boolean, the value
/// bytes of a fixed-length column, and for byte arrays a u32 length per row then the bytes.
/// A null's slot is not stored: it reads back as the placeholder `appendNull` gives.
extension Chunk {
    /// Appends the chunk's spill bytes to `out`.
    public func spill(into out: inout [UInt8]) {
        let rows = rowCount
        SpillCoding.put(UInt64(rows), &out)
        for buffer in columns {
            out.append(buffer.storage.tag)
            out.append(buffer.nullCount > 0 ? 1 : 0)
            if buffer.nullCount > 0 {
                var byte: UInt8 = 0
                for r in 0..<rows {
                    if buffer.isValid(r) { byte |= 1 << UInt8(r % 8) }
                    if r % 8 == 7 || r == rows - 1 {
                        out.append(byte)
                        byte = 0
                    }
                }
            }
            switch buffer.storage {
            case .int32: for v in buffer.int32s { SpillCoding.put(UInt32(bitPattern: v), &out) }
            case .int64: for v in buffer.int64s { SpillCoding.put(UInt64(bitPattern: v), &out) }
            case .double: for v in buffer.doubles { SpillCoding.put(v.bitPattern, &out) }
            case .boolean: for v in buffer.bools { out.append(v ? 1 : 0) }
            case .codes: for v in buffer.codes { SpillCoding.put(v, &out) }
            case .fixedLenByteArray: out += buffer.bytes
            case .byteArray:
                for r in 0..<rows { SpillCoding.put(UInt32(buffer.offsets[r + 1] - buffer.offsets[r]), &out) }
                out += buffer.bytes
            }
        }
    }

    /// Reads a chunk of `schema` spilled by `spill(into:)` from `reader`. The bytes are input:
    /// every count, length, code and null is checked against the schema before it is used.
    public init(spilled reader: inout SpillReader, schema: Schema) throws(ColumnarError) {
        let count = try reader.u64()
        // Every row takes at least one byte of some column or a bit of a null map.
        guard count <= UInt64(reader.remaining) * 8 + 1, count <= UInt64(Int32.max) else {
            throw .invalidData("a spilled chunk of \(count) rows is longer than its bytes")
        }
        let rows = Int(count)
        self.init(schema: schema, capacity: rows)
        for c in columns.indices {
            let column = columns[c].column
            guard try reader.u8() == columns[c].storage.tag else {
                throw .invalidData("spilled column '\(column.name)' is stored as another type than the schema's")
            }
            var valid: [UInt8] = []
            switch try reader.u8() {
            case 0: break
            case 1:
                guard column.isOptional else { throw .invalidData("spilled column '\(column.name)' holds nulls; it is required") }
                valid = try reader.bytes((rows + 7) / 8)
            default: throw .invalidData("spilled column '\(column.name)' has an invalid null flag")
            }
            func isValid(_ r: Int) -> Bool { valid.isEmpty || (valid[r / 8] >> UInt8(r % 8)) & 1 == 1 }
            var buffer = columns[c]
            /// Each row's fixed-width value read, then appended, or a null in its place.
            func fill<T>(_ value: (inout SpillReader) throws(ColumnarError) -> T, _ append: (inout ColumnBuffer, T) -> Void) throws(ColumnarError) {
                for r in 0..<rows {
                    let v = try value(&reader)
                    if isValid(r) { append(&buffer, v) } else { buffer.appendNull() }
                }
            }
            switch buffer.storage {
            case .int32: try fill({ (r) throws(ColumnarError) in Int32(bitPattern: try r.u32()) }, { $0.append($1) })
            case .int64: try fill({ (r) throws(ColumnarError) in Int64(bitPattern: try r.u64()) }, { $0.append($1) })
            case .double: try fill({ (r) throws(ColumnarError) in Double(bitPattern: try r.u64()) }, { $0.append($1) })
            case .boolean:
                for r in 0..<rows {
                    let v = try reader.u8()
                    guard v <= 1 else { throw .invalidData("spilled column '\(column.name)' holds a boolean other than 0 or 1") }
                    if isValid(r) { buffer.append(v == 1) } else { buffer.appendNull() }
                }
            case .codes:
                let limit = UInt32(column.dictionary?.count ?? 0)
                for r in 0..<rows {
                    let v = try reader.u32()
                    if isValid(r) {
                        guard v < limit else { throw .invalidData("spilled column '\(column.name)' holds code \(v) outside its \(limit)-entry dictionary") }
                        buffer.appendCode(v)
                    } else {
                        buffer.appendNull()
                    }
                }
            case .fixedLenByteArray:
                let length = buffer.fixedLength
                guard rows <= reader.remaining / Swift.max(length, 1) else { throw .invalidData("spilled column '\(column.name)' is cut short") }
                let values = try reader.bytes(rows * length)
                values.withUnsafeBytes { raw in
                    for r in 0..<rows {
                        if isValid(r) { buffer.append(bytes: UnsafeRawBufferPointer(rebasing: raw[(r * length)..<((r + 1) * length)])) } else { buffer.appendNull() }
                    }
                }
            case .byteArray:
                guard rows <= reader.remaining / 4 else { throw .invalidData("spilled column '\(column.name)' is cut short") }
                var lengths: [Int] = []
                lengths.reserveCapacity(rows)
                var total = 0
                for r in 0..<rows {
                    let n = Int(try reader.u32())
                    guard isValid(r) || n == 0 else { throw .invalidData("spilled column '\(column.name)' gives a null row a value") }
                    total += n
                    guard total <= reader.remaining else { throw .invalidData("spilled column '\(column.name)' is cut short") }
                    lengths.append(n)
                }
                let values = try reader.bytes(total)
                values.withUnsafeBytes { raw in
                    var at = 0
                    for r in 0..<rows {
                        if isValid(r) { buffer.append(bytes: UnsafeRawBufferPointer(rebasing: raw[at..<(at + lengths[r])])) } else { buffer.appendNull() }
                        at += lengths[r]
                    }
                }
            }
            columns[c] = buffer
        }
    }
}

extension ColumnBuffer.Storage {
    /// The storage's byte in the spill format.
    var tag: UInt8 {
        switch self {
        case .int32: return 1
        case .int64: return 2
        case .double: return 3
        case .boolean: return 4
        case .byteArray: return 5
        case .fixedLenByteArray: return 6
        case .codes: return 7
        }
    }
}

/// Little-endian integers into spill bytes.
public enum SpillCoding {
    public static func put(_ v: UInt64, _ out: inout [UInt8]) {
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    public static func put(_ v: UInt32, _ out: inout [UInt8]) {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }

    /// A length-prefixed (u32) byte string.
    public static func put(_ text: String, _ out: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        put(UInt32(utf8.count), &out)
        out += utf8
    }
}

/// Reads spill bytes front to back; every read past the end throws instead of trapping.
public struct SpillReader {
    private let bytes: [UInt8]
    private var at = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Bytes not read yet.
    public var remaining: Int { bytes.count - at }

    public mutating func u8() throws(ColumnarError) -> UInt8 {
        guard at < bytes.count else { throw .invalidData("spilled bytes are cut short") }
        at += 1
        return bytes[at - 1]
    }

    public mutating func u32() throws(ColumnarError) -> UInt32 {
        guard remaining >= 4 else { throw .invalidData("spilled bytes are cut short") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[at + i]) << (8 * UInt32(i)) }
        at += 4
        return v
    }

    public mutating func u64() throws(ColumnarError) -> UInt64 {
        guard remaining >= 8 else { throw .invalidData("spilled bytes are cut short") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        at += 8
        return v
    }

    public mutating func bytes(_ n: Int) throws(ColumnarError) -> [UInt8] {
        guard n >= 0, n <= remaining else { throw .invalidData("spilled bytes are cut short") }
        at += n
        return Array(bytes[(at - n)..<at])
    }

    /// A length-prefixed UTF-8 string of at most `limit` bytes.
    public mutating func string(limit: Int = 1 << 16) throws(ColumnarError) -> String {
        let n = Int(try u32())
        guard n <= limit else { throw .invalidData("a spilled string of \(n) bytes is longer than \(limit)") }
        let b = try bytes(n)
        guard let s = String(validating: b, as: UTF8.self) else { throw .invalidData("a spilled string is not UTF-8") }
        return s
    }
}
