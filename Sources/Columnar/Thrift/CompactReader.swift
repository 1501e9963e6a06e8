/// A decoded Thrift compact-protocol value, with no schema: structs are maps from field id to value.
///
/// Used to read footers and page headers back (tests, `streamgen inspect`), not on any hot path.
public indirect enum ThriftValue: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case structure([Int16: ThriftValue])

    /// The field `id` of a struct value.
    public subscript(_ id: Int16) -> ThriftValue? {
        if case .structure(let fields) = self { return fields[id] }
        return nil
    }

    public var int: Int64? { if case .int(let v) = self { return v }; return nil }
    public var bool: Bool? { if case .bool(let v) = self { return v }; return nil }
    public var binary: [UInt8]? { if case .binary(let v) = self { return v }; return nil }
    public var list: [ThriftValue]? { if case .list(let v) = self { return v }; return nil }
    public var string: String? { binary.map { String(decoding: $0, as: UTF8.self) } }
}

/// Decodes one Thrift compact-protocol struct from bytes.
///
/// The bytes may come from any file (`status` reads footers of files on disk): every length and
/// count is checked against what is left, field ids against their range, and nesting is limited,
/// so malformed input is an error, never a trap or a runaway.
public struct CompactReader {
    private let bytes: [UInt8]
    /// The offset of the next unread byte.
    public private(set) var position: Int
    private var depth = 0
    /// Structs and lists nest at most this deep (a Parquet footer needs 5).
    static let maximumDepth = 64

    public init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// Reads a struct starting at `position`.
    public mutating func readStruct() throws(ColumnarError) -> ThriftValue {
        depth += 1
        defer { depth -= 1 }
        guard depth <= CompactReader.maximumDepth else { throw malformed("nested more than \(CompactReader.maximumDepth) deep") }
        var fields: [Int16: ThriftValue] = [:]
        var lastID: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return .structure(fields) }
            let typeCode = header & 0x0F
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                let raw = try zigzag()
                guard let narrow = Int16(exactly: raw) else { throw malformed("field id \(raw)") }
                id = narrow
            } else {
                let (sum, overflow) = lastID.addingReportingOverflow(delta)
                guard !overflow else { throw malformed("field id past \(Int16.max)") }
                id = sum
            }
            lastID = id
            fields[id] = try value(ofType: typeCode, inField: true)
        }
    }

    private mutating func value(ofType typeCode: UInt8, inField: Bool) throws(ColumnarError) -> ThriftValue {
        guard let type = CompactType(rawValue: typeCode) else { throw malformed("type \(typeCode)") }
        switch type {
        case .boolTrue: return .bool(inField ? true : try byte() == 1)
        case .boolFalse: return .bool(inField ? false : try byte() == 1)
        case .i8: return .int(Int64(Int8(bitPattern: try byte())))
        case .i16, .i32, .i64: return .int(try zigzag())
        case .double:
            guard position + 8 <= bytes.count else { throw malformed("truncated double") }
            var raw: UInt64 = 0
            for i in 0..<8 { raw |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += 8
            return .double(Double(bitPattern: raw))
        case .binary:
            let raw = try varint()
            guard raw <= UInt64(bytes.count - position) else { throw malformed("truncated binary") }
            let length = Int(raw)
            defer { position += length }
            return .binary(Array(bytes[position..<(position + length)]))
        case .list, .set:
            let header = try byte()
            var count = UInt64(header >> 4)
            if count == 15 { count = try varint() }
            // Every element takes at least one byte.
            guard count <= UInt64(bytes.count - position) else { throw malformed("a list of \(count) elements in \(bytes.count - position) bytes") }
            depth += 1
            defer { depth -= 1 }
            guard depth <= CompactReader.maximumDepth else { throw malformed("nested more than \(CompactReader.maximumDepth) deep") }
            var elements: [ThriftValue] = []
            for _ in 0..<Int(count) { elements.append(try value(ofType: header & 0x0F, inField: false)) }
            return .list(elements)
        case .struct:
            return try readStruct()
        case .map, .stop:
            throw malformed("unsupported type \(type)")
        }
    }

    private mutating func byte() throws(ColumnarError) -> UInt8 {
        guard position < bytes.count else { throw malformed("unexpected end") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint() throws(ColumnarError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw malformed("varint too long") }
        }
    }

    private mutating func zigzag() throws(ColumnarError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    private func malformed(_ what: String) -> ColumnarError {
        .invalidData("malformed Thrift at byte \(position): \(what)")
    }
}
