/// Thrift compact-protocol type codes, as they appear in field headers and list headers.
///
/// See thrift's `doc/specs/thrift-compact-protocol.md`.
enum CompactType: UInt8 {
    case stop = 0
    case boolTrue = 1
    case boolFalse = 2
    case i8 = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case `struct` = 12
}

/// Serialises Thrift structs in the compact protocol, appending to a byte array.
///
/// ### Field header
/// ```
/// delta in 1...15:   [ delta:4 | type:4 ]
/// otherwise:         [ 0000 | type:4 ] zigzag-varint(field id)
/// ```
/// Integers are zigzag-encoded ULEB128 varints; a bool field carries its value in the header's type
/// nibble (1 true, 2 false) and has no value byte; a struct ends with a stop byte `0x00`, and each
/// nested struct counts field-id deltas from 0 again.
struct CompactWriter {
    private(set) var bytes: [UInt8]
    /// The previous field id of the innermost open struct.
    private var lastFieldID: Int16 = 0
    /// The saved `lastFieldID`s of the enclosing structs.
    private var enclosing: [Int16] = []

    init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Primitives

    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func writeZigZag(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    private mutating func fieldHeader(_ id: Int16, _ type: CompactType) {
        precondition(id > lastFieldID, "Thrift fields must be written in ascending id order")
        let delta = id - lastFieldID
        if delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            writeZigZag(Int64(id))
        }
        lastFieldID = id
    }

    // MARK: Fields

    mutating func field(_ id: Int16, bool value: Bool) {
        fieldHeader(id, value ? .boolTrue : .boolFalse)
    }

    mutating func field(_ id: Int16, i8 value: Int8) {
        fieldHeader(id, .i8)
        bytes.append(UInt8(bitPattern: value))
    }

    mutating func field(_ id: Int16, i16 value: Int16) {
        fieldHeader(id, .i16)
        writeZigZag(Int64(value))
    }

    mutating func field(_ id: Int16, i32 value: Int32) {
        fieldHeader(id, .i32)
        writeZigZag(Int64(value))
    }

    mutating func field(_ id: Int16, i64 value: Int64) {
        fieldHeader(id, .i64)
        writeZigZag(value)
    }

    mutating func field(_ id: Int16, binary value: some Collection<UInt8>) {
        fieldHeader(id, .binary)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func field(_ id: Int16, string value: String) {
        field(id, binary: value.utf8)
    }

    /// Writes a struct-typed field whose fields `body` writes; closes it with a stop byte.
    mutating func field(_ id: Int16, struct body: (inout CompactWriter) -> Void) {
        fieldHeader(id, .struct)
        writeStruct(body)
    }

    /// Writes an empty struct-typed field (a union member such as `StringType {}`).
    mutating func field(_ id: Int16, emptyStruct: Void) {
        field(id, struct: { _ in })
    }

    /// Writes a list-typed field: the list header, then `count` elements written by `element`.
    mutating func field(_ id: Int16, list elementType: CompactType, count: Int, element: (inout CompactWriter, Int) -> Void) {
        fieldHeader(id, .list)
        listHeader(elementType, count: count)
        for i in 0..<count {
            if elementType == .struct {
                writeStruct { element(&$0, i) }
            } else {
                element(&self, i)
            }
        }
    }

    mutating func field(_ id: Int16, i32List values: [Int32]) {
        field(id, list: .i32, count: values.count) { w, i in w.writeZigZag(Int64(values[i])) }
    }

    mutating func field(_ id: Int16, stringList values: [String]) {
        field(id, list: .binary, count: values.count) { w, i in w.writeBinary(values[i].utf8) }
    }

    // MARK: Values inside lists

    mutating func writeBinary(_ value: some Collection<UInt8>) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A list<bool> element: 1 for true, 2 for false, as parquet-mr and pyarrow write it.
    mutating func writeListBool(_ value: Bool) {
        bytes.append(value ? 1 : 2)
    }

    mutating func listHeader(_ elementType: CompactType, count: Int) {
        if count <= 14 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    /// Writes a struct's fields (via `body`) and its stop byte, with a fresh field-id counter.
    mutating func writeStruct(_ body: (inout CompactWriter) -> Void) {
        enclosing.append(lastFieldID)
        lastFieldID = 0
        body(&self)
        bytes.append(CompactType.stop.rawValue)
        lastFieldID = enclosing.removeLast()
    }
}
