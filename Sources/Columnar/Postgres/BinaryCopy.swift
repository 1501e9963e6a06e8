/// How one value travels in PostgreSQL's binary COPY format: the server's `*_recv` input of the
/// column's SQL type. Every case is big-endian.
///
/// | case | SQL type | bytes |
/// |---|---|---|
/// | `boolean` | BOOLEAN | 1 |
/// | `int4`, `int8` | INTEGER, BIGINT | 4, 8 |
/// | `float8` | DOUBLE PRECISION | 8, IEEE 754 |
/// | `text` | TEXT, VARCHAR(n), JSON | the UTF-8 bytes (a decimal's digits) |
/// | `jsonb` | JSONB | version 1, then the text |
/// | `uuid` | UUID | 16 (from 36-character text or 16 bytes) |
/// | `date` | DATE | 4: days since 2000-01-01 |
/// | `timestamp` | TIMESTAMP, TIMESTAMPTZ | 8: µs since 2000-01-01 00:00 UTC |
/// | `numeric` | NUMERIC(p,s) | base-10000 digits with weight, sign and display scale |
/// | `bytea` | BYTEA | the bytes |
public enum PostgresWireType: Sendable, Hashable {
    case boolean, int4, int8, float8, text, jsonb, uuid, date, timestamp, numeric, bytea

    /// The wire type a column of `type` travels as when its SQL type is the default one
    /// (`PostgresColumnType.default(for:)`).
    public static func `default`(for type: ColumnType) -> PostgresWireType {
        switch type {
        case .boolean: return .boolean
        case .int32: return .int4
        case .int64: return .int8
        case .double: return .float8
        case .string: return .text
        case .json: return .jsonb
        case .uuid: return .uuid
        case .date: return .date
        case .timestamp: return .timestamp
        case .decimal: return .numeric
        case .binary, .fixedBinary: return .bytea
        }
    }

    /// Whether a column of `type` can be sent as this wire type.
    public func accepts(_ type: ColumnType) -> Bool {
        switch (self, type) {
        case (.boolean, .boolean), (.int4, .int32), (.int8, .int64), (.int8, .int32), (.float8, .double),
             (.date, .date), (.timestamp, .timestamp), (.numeric, .decimal), (.bytea, .binary), (.bytea, .fixedBinary),
             (.uuid, .uuid), (.numeric, .int32), (.numeric, .int64):
            return true
        case (.text, .string), (.text, .json), (.text, .uuid(.string)), (.jsonb, .json), (.text, .decimal):
            return true
        default:
            return false
        }
    }
}

/// Encodes chunk rows as tuples of PostgreSQL's binary COPY format (`COPY t FROM STDIN (FORMAT
/// binary)`), the format the server reads with least work: no text to parse for integers,
/// timestamps and decimals.
///
/// A tuple's fields come from the chunk's columns or from constants: a Hive partition column
/// that the data files leave out holds one value per file.
///
/// ```
/// header:  "PGCOPY\n\xFF\r\n\0", flags 0, extension length 0
/// tuple:   int16 field count, then per field int32 length (-1 = NULL) and the bytes
/// trailer: int16 -1
/// ```
public struct PostgresCopyEncoder: Sendable {
    /// Where a field of the tuple comes from.
    public enum Field: Sendable, Hashable {
        /// Chunk column `index`, sent as `wire`.
        case column(Int, PostgresWireType)
        /// The same value in every row: its encoded bytes, or nil for NULL.
        case constant([UInt8]?)
    }

    public let fields: [Field]
    private let schema: Schema

    /// The 19 bytes every binary COPY stream starts with.
    public static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// The two bytes every binary COPY stream ends with.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
    static let epochDays: Int64 = 10_957
    static let epochMicros: Int64 = 946_684_800_000_000

    /// Checks every column field against `schema`: the index exists and the wire type accepts
    /// the column's type.
    public init(schema: Schema, fields: [Field]) throws(ColumnarError) {
        guard fields.count <= Int(Int16.max) else { throw .invalidData("a COPY tuple holds at most 32767 fields") }
        for field in fields {
            guard case .column(let index, let wire) = field else { continue }
            guard schema.columns.indices.contains(index) else { throw .invalidData("COPY field names column \(index) of \(schema.columns.count)") }
            let column = schema.columns[index]
            guard wire.accepts(column.type) else {
                throw .invalidData("column '\(column.name)' (\(column.type)) cannot be sent to PostgreSQL as \(wire)")
            }
        }
        self.schema = schema
        self.fields = fields
    }

    /// Appends rows `range` of `chunk` as tuples.
    ///
    /// Column by column, not row by row: a first pass adds up each row's size, a second writes
    /// each field at its row's cursor, so the type switch runs once per column and chunk.
    /// `validate: false` skips the chunk's check (a pass over all its rows) for a caller that
    /// encodes one chunk in several ranges and checked it with the first.
    public func append(_ chunk: Chunk, rows range: Range<Int>, to out: inout [UInt8], validate: Bool = true) throws(ColumnarError) {
        guard chunk.schema == schema else { throw .invalidData("the chunk's schema is not the encoder's") }
        if validate { try chunk.validate() }
        let n = range.count
        guard n > 0 else { return }
        let lower = range.lowerBound
        var cursor = [Int](repeating: 2, count: n)  // the field count
        for field in fields {
            switch field {
            case .constant(let bytes):
                let size = 4 + (bytes?.count ?? 0)
                for k in 0..<n { cursor[k] += size }
            case .column(let index, let wire):
                try Self.addSizes(chunk.columns[index], wire, lower, n, &cursor)
            }
        }
        // Sizes → each row's start.
        let base = out.count
        var position = base
        for k in 0..<n {
            let size = cursor[k]
            cursor[k] = position
            position += size
        }
        out.append(contentsOf: repeatElement(0, count: position - base))
        out.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            let count = UInt16(fields.count).bigEndian
            for k in 0..<n {
                p.storeBytes(of: count, toByteOffset: cursor[k], as: UInt16.self)
                cursor[k] += 2
            }
            for field in fields {
                switch field {
                case .constant(let bytes):
                    for k in 0..<n { Self.store(bytes, p, &cursor[k]) }
                case .column(let index, let wire):
                    Self.write(chunk.columns[index], wire, lower, n, p, &cursor)
                }
            }
        }
    }

    @inline(__always)
    private static func store(_ bytes: [UInt8]?, _ p: UnsafeMutableRawPointer, _ at: inout Int) {
        guard let bytes else {
            p.storeBytes(of: UInt32.max, toByteOffset: at, as: UInt32.self)
            at += 4
            return
        }
        p.storeBytes(of: UInt32(bytes.count).bigEndian, toByteOffset: at, as: UInt32.self)
        bytes.withUnsafeBytes { (p + at + 4).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        at += 4 + bytes.count
    }

    /// The fixed value size of a wire type, or nil when it varies.
    private static func fixedSize(_ wire: PostgresWireType, _ column: ColumnBuffer) -> Int? {
        switch wire {
        case .boolean: return 1
        case .int4, .date: return 4
        case .int8, .float8, .timestamp: return 8
        case .uuid: return 16
        case .numeric, .text, .jsonb, .bytea: return nil
        }
    }

    /// Adds each row's field size (4 for the length, then the value) to `sizes`.
    private static func addSizes(_ column: ColumnBuffer, _ wire: PostgresWireType, _ lower: Int, _ n: Int, _ sizes: inout [Int]) throws(ColumnarError) {
        let noNulls = column.nullCount == 0
        if let fixed = fixedSize(wire, column) {
            if wire == .uuid && column.storage != .fixedLenByteArray {
                for k in 0..<n where noNulls || column.isValid(lower + k) {
                    let ok = column.withValueBytes(lower + k) { parseUUID($0) != nil }
                    if !ok { throw invalidUUID(column, lower + k) }
                }
            }
            for k in 0..<n { sizes[k] += 4 + (noNulls || column.isValid(lower + k) ? fixed : 0) }
            return
        }
        switch column.storage {
        case .byteArray:
            let extra = wire == .jsonb ? 1 : 0
            column.offsets.withUnsafeBufferPointer { o in
                for k in 0..<n {
                    let r = lower + k
                    sizes[k] += 4 + (noNulls || column.isValid(r) ? o[r + 1] - o[r] + extra : 0)
                }
            }
        case .codes:
            let extra = wire == .jsonb ? 1 : 0
            let lengths = column.column.dictionary!.entries.map { $0.count + extra }
            for k in 0..<n {
                let r = lower + k
                sizes[k] += 4 + (noNulls || column.isValid(r) ? lengths[Int(column.codes[r])] : 0)
            }
        case .fixedLenByteArray:
            for k in 0..<n { sizes[k] += 4 + (noNulls || column.isValid(lower + k) ? column.fixedLength : 0) }
        case .int32, .int64:
            let scale = decimalScale(column)
            var groups: [UInt16] = []
            var text: [UInt8] = []
            for k in 0..<n {
                let r = lower + k
                guard noNulls || column.isValid(r) else { sizes[k] += 4; continue }
                let unscaled = column.storage == .int32 ? Int64(column.int32s[r]) : column.int64s[r]
                if wire == .numeric {
                    _ = numericDigits(unscaled: unscaled, scale: scale, into: &groups)
                    sizes[k] += 4 + 8 + 2 * groups.count
                } else {
                    text.removeAll(keepingCapacity: true)
                    appendDecimal(unscaled: unscaled, scale: scale, to: &text)
                    sizes[k] += 4 + text.count
                }
            }
        default:
            throw .invalidData("column '\(column.column.name)' cannot be sent as \(wire)")
        }
    }

    private static func invalidUUID(_ column: ColumnBuffer, _ row: Int) -> ColumnarError {
        let text = column.withValueBytes(row) { String(decoding: $0, as: UTF8.self) }
        return .invalidData("column '\(column.column.name)' row \(row): '\(text)' is not a UUID")
    }

    private static func decimalScale(_ column: ColumnBuffer) -> Int {
        if case .decimal(_, let s) = column.column.type { return s }
        return 0
    }

    /// Writes each row's field at its cursor and moves the cursor past it.
    private static func write(_ column: ColumnBuffer, _ wire: PostgresWireType, _ lower: Int, _ n: Int, _ p: UnsafeMutableRawPointer, _ cursor: inout [Int]) {
        let noNulls = column.nullCount == 0
        @inline(__always) func null(_ k: Int) {
            p.storeBytes(of: UInt32.max, toByteOffset: cursor[k], as: UInt32.self)
            cursor[k] += 4
        }
        @inline(__always) func length(_ k: Int, _ size: Int) {
            p.storeBytes(of: UInt32(size).bigEndian, toByteOffset: cursor[k], as: UInt32.self)
            cursor[k] += 4
        }
        func bytes(_ k: Int, _ value: UnsafeRawBufferPointer, prefix: UInt8? = nil) {
            length(k, value.count + (prefix == nil ? 0 : 1))
            if let prefix { p.storeBytes(of: prefix, toByteOffset: cursor[k], as: UInt8.self); cursor[k] += 1 }
            if !value.isEmpty { (p + cursor[k]).copyMemory(from: value.baseAddress!, byteCount: value.count) }
            cursor[k] += value.count
        }
        // Reused by every row of a decimal column: no allocation per value.
        var groups: [UInt16] = []
        var text: [UInt8] = []
        for k in 0..<n {
            let r = lower + k
            guard noNulls || column.isValid(r) else { null(k); continue }
            switch wire {
            case .boolean:
                length(k, 1)
                p.storeBytes(of: column.bools[r] ? 1 : 0, toByteOffset: cursor[k], as: UInt8.self)
                cursor[k] += 1
            case .int4:
                length(k, 4)
                p.storeBytes(of: column.int32s[r].bigEndian, toByteOffset: cursor[k], as: Int32.self)
                cursor[k] += 4
            case .int8:
                length(k, 8)
                let v = column.storage == .int32 ? Int64(column.int32s[r]) : column.int64s[r]
                p.storeBytes(of: v.bigEndian, toByteOffset: cursor[k], as: Int64.self)
                cursor[k] += 8
            case .float8:
                length(k, 8)
                p.storeBytes(of: column.doubles[r].bitPattern.bigEndian, toByteOffset: cursor[k], as: UInt64.self)
                cursor[k] += 8
            case .date:
                length(k, 4)
                p.storeBytes(of: Int32(truncatingIfNeeded: Int64(column.int32s[r]) - epochDays).bigEndian, toByteOffset: cursor[k], as: Int32.self)
                cursor[k] += 4
            case .timestamp:
                length(k, 8)
                p.storeBytes(of: (column.int64s[r] &- epochMicros).bigEndian, toByteOffset: cursor[k], as: Int64.self)
                cursor[k] += 8
            case .uuid:
                length(k, 16)
                if column.storage == .fixedLenByteArray {
                    column.withValueBytes(r) { (p + cursor[k]).copyMemory(from: $0.baseAddress!, byteCount: 16) }
                } else {
                    let parsed: (UInt64, UInt64)? = column.withValueBytes(r) { parseUUID($0) }
                    let uuid = parsed ?? (0, 0)  // checked when sized
                    p.storeBytes(of: uuid.0, toByteOffset: cursor[k], as: UInt64.self)
                    p.storeBytes(of: uuid.1, toByteOffset: cursor[k] + 8, as: UInt64.self)
                }
                cursor[k] += 16
            case .numeric:
                let unscaled = column.storage == .int32 ? Int64(column.int32s[r]) : column.int64s[r]
                let scale = decimalScale(column)
                let weight = numericDigits(unscaled: unscaled, scale: scale, into: &groups)
                length(k, 8 + 2 * groups.count)
                var at = cursor[k]
                func put(_ v: UInt16) {
                    p.storeBytes(of: v.bigEndian, toByteOffset: at, as: UInt16.self)
                    at += 2
                }
                put(UInt16(groups.count))
                put(UInt16(bitPattern: Int16(weight)))
                put(unscaled < 0 && !groups.isEmpty ? 0x4000 : 0)
                put(UInt16(scale))
                for g in groups { put(g) }
                cursor[k] = at
            case .text where column.storage == .int32 || column.storage == .int64:
                text.removeAll(keepingCapacity: true)
                appendDecimal(unscaled: column.storage == .int32 ? Int64(column.int32s[r]) : column.int64s[r], scale: decimalScale(column), to: &text)
                text.withUnsafeBytes { bytes(k, $0) }
            case .text, .bytea:
                column.withValueBytes(r) { bytes(k, $0) }
            case .jsonb:
                column.withValueBytes(r) { bytes(k, $0, prefix: 1) }
            }
        }
    }

    /// The 16 bytes of a UUID written `8-4-4-4-12` in hex (either case), or nil.
    static func parseUUID(_ text: UnsafeRawBufferPointer) -> (UInt64, UInt64)? {
        guard text.count == 36 else { return nil }
        var bytes: (UInt64, UInt64) = (0, 0)
        var nibbles = 0
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (i, c) in text.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if nibbles < 16 { high = high << 4 | UInt64(v) } else { low = low << 4 | UInt64(v) }
            nibbles += 1
        }
        bytes = (high.bigEndian, low.bigEndian)
        return bytes
    }

    /// `unscaled × 10^-scale` as NUMERIC's digits in base 10 000, into `digits` (most
    /// significant first, the decimal point on a group boundary, leading and trailing zero
    /// groups left out); returns the weight of the first.
    static func numericDigits(unscaled: Int64, scale: Int, into digits: inout [UInt16]) -> Int {
        digits.removeAll(keepingCapacity: true)
        // Pad the fraction to whole groups of four digits.
        let pad = (4 - scale % 4) % 4
        var magnitude = UInt128(unscaled.magnitude)
        for _ in 0..<pad { magnitude *= 10 }
        let fractionGroups = (scale + pad) / 4
        while magnitude > 0 {  // least significant first, reversed below
            digits.append(UInt16(magnitude % 10_000))
            magnitude /= 10_000
        }
        // Groups below the point that the value does not reach are zeros.
        while digits.count < fractionGroups { digits.append(0) }
        var weight = digits.count - 1 - fractionGroups
        digits.reverse()
        let leading = digits.prefix { $0 == 0 }.count
        digits.removeFirst(leading)
        weight -= leading
        while let last = digits.last, last == 0 { digits.removeLast() }
        return digits.isEmpty ? 0 : weight
    }

    /// The encoded bytes of a constant field from its text (a Hive partition value), or nil when
    /// the text is not a value of `type` this encoder knows how to send as a constant.
    public static func constant(_ text: String, type: ColumnType, wire: PostgresWireType) -> [UInt8]? {
        var out: [UInt8] = []
        switch (wire, type) {
        case (.text, _):
            return Array(text.utf8)
        case (.int4, .int32):
            guard let v = Int32(text) else { return nil }
            appendBigEndian(UInt32(bitPattern: v), to: &out)
        case (.int8, _):
            guard let v = Int64(text) else { return nil }
            appendBigEndian(UInt64(bitPattern: v), to: &out)
        case (.boolean, .boolean):
            guard text == "true" || text == "false" else { return nil }
            out.append(text == "true" ? 1 : 0)
        case (.date, .date):
            guard let days = parseISODate(text) else { return nil }
            appendBigEndian(UInt32(bitPattern: Int32(truncatingIfNeeded: days - epochDays)), to: &out)
        default:
            return nil
        }
        return out
    }
}

@inline(__always)
func appendBigEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
}
