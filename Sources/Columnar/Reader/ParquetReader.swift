/// Reads whole columns back from flat Parquet files: what `streamgen validate` needs to check a
/// dataset on disk. It reads v1 and v2 data pages, PLAIN, PLAIN_DICTIONARY and RLE_DICTIONARY
/// values, RLE definition levels and every codec the writer produces; nested columns and the
/// DELTA encodings are refused with a message.
///
/// One column of one file is decoded at a time; memory is that column's values.
public final class ParquetReader {
    public let path: String
    /// The file's columns, in file order.
    public let columns: [ReadColumnInfo]
    /// The number of rows in the file.
    public let rowCount: Int64
    private let rowGroups: [ThriftValue]
    private let fd: Int32

    public convenience init(path: String) throws(ColumnarError) {
        let fd = system_open(path, system_O_RDONLY | system_O_CLOEXEC, 0)
        if fd < 0 { throw .io(operation: "open", path: path, errno: system_errno) }
        try self.init(owning: fd, path: path)
    }

    /// Reads a file opened safely (no link followed, a regular file) by a `DirectoryHandle`.
    package convenience init(file: ReadableFile) throws(ColumnarError) {
        let fd = system_dup(file.fd)
        if fd < 0 { throw .io(operation: "open", path: file.path, errno: system_errno) }
        try self.init(owning: fd, path: file.path)
    }

    /// Takes ownership of `fd`: it is closed on failure or when the reader goes.
    private init(owning fd: Int32, path: String) throws(ColumnarError) {
        self.path = path
        do throws(ColumnarError) {
            let footer = try ParquetFooter.read(fd: fd, path: path)
            guard let schema = footer[2]?.list, let root = schema.first else { throw .invalidData("'\(path)' has no schema") }
            guard (root[5]?.int ?? 0) == Int64(schema.count - 1) else {
                throw .invalidData("'\(path)' has nested columns; only flat schemas are read")
            }
            columns = schema.dropFirst().map { element in
                ReadColumnInfo(
                    name: element[4]?.string ?? "",
                    physicalType: PhysicalType(rawValue: Int32(element[1]?.int ?? -1)),
                    isOptional: (element[3]?.int ?? 0) == 1,
                    typeLength: Int(element[2]?.int ?? 0),
                    convertedType: element[6]?.int.map(Int32.init),
                    scale: Int(element[7]?.int ?? 0),
                    precision: Int(element[8]?.int ?? 0),
                    logicalType: element[10])
            }
            rowCount = footer[3]?.int ?? 0
            rowGroups = footer[4]?.list ?? []
        } catch {
            system_close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { system_close(fd) }

    /// The column named `name`, if the file has it.
    public func column(named name: String) -> ReadColumnInfo? { columns.first { $0.name == name } }

    /// Every value of column `name`, in row order.
    public func read(_ name: String) throws(ColumnarError) -> ColumnValues {
        guard let index = columns.firstIndex(where: { $0.name == name }) else {
            throw .invalidData("'\(path)' has no column '\(name)'")
        }
        let info = columns[index]
        guard let physical = info.physicalType else { throw .invalidData("'\(path)': column '\(name)' has an unknown type") }
        var values = ColumnValues(physicalType: physical)
        for group in rowGroups {
            guard let chunk = group[1]?.list?[index], let meta = chunk[3] else {
                throw .invalidData("'\(path)': a row group lacks column '\(name)'")
            }
            guard let codec = CompressionCodec(rawValue: Int32(meta[4]?.int ?? -1)) else {
                throw .invalidData("'\(path)': column '\(name)' uses a codec this reader does not know")
            }
            let dataOffset = meta[9]?.int ?? 0
            let start = min(dataOffset, meta[11]?.int ?? dataOffset)
            let length = Int(meta[7]?.int ?? 0)
            let bytes = try ParquetFooter.readBytes(fd, path: path, offset: start, count: length)
            try decodeChunk(bytes, count: Int(meta[5]?.int ?? 0), codec: codec, info: info, into: &values)
        }
        return values
    }

    private func decodeChunk(_ bytes: [UInt8], count: Int, codec: CompressionCodec, info: ReadColumnInfo, into values: inout ColumnValues) throws(ColumnarError) {
        var position = 0
        var dictionary: ColumnValues?
        var read = 0
        while read < count && position < bytes.count {
            var reader = CompactReader(bytes, position: position)
            let header = try reader.readStruct()
            position = reader.position
            let compressedSize = Int(header[3]?.int ?? -1)
            let uncompressedSize = Int(header[2]?.int ?? -1)
            guard compressedSize >= 0, uncompressedSize >= 0, position + compressedSize <= bytes.count else {
                throw .invalidData("'\(path)': column '\(info.name)' has a page past its chunk")
            }
            let pageType = header[1]?.int ?? -1
            let body = position..<(position + compressedSize)
            position += compressedSize
            switch pageType {
            case 2:  // DICTIONARY_PAGE
                let page = try decompress(bytes, body, codec: codec, size: uncompressedSize)
                var dict = ColumnValues(physicalType: values.physicalType)
                let n = Int(header[7]?[1]?.int ?? 0)
                var cursor = 0
                try decodePlain(page, &cursor, count: n, info: info, into: &dict)
                dictionary = dict
            case 0:  // DATA_PAGE (v1): [levels] values, all compressed together
                guard let h = header[5] else { throw .invalidData("'\(path)': a data page has no header") }
                let n = Int(h[1]?.int ?? 0)
                let page = try decompress(bytes, body, codec: codec, size: uncompressedSize)
                var cursor = 0
                var present = [Bool](repeating: true, count: n)
                if info.isOptional {
                    guard cursor + 4 <= page.count else { throw .invalidData("'\(path)': truncated levels") }
                    let length = Int(page[0]) | Int(page[1]) << 8 | Int(page[2]) << 16 | Int(page[3]) << 24
                    cursor = 4
                    present = try decodeLevels(page, cursor..<(cursor + length), count: n)
                    cursor += length
                }
                try decodeValues(page, &cursor, present: present, encoding: Int(h[2]?.int ?? 0), dictionary: dictionary, info: info, into: &values)
                read += n
            case 3:  // DATA_PAGE_V2: levels uncompressed ahead of the (maybe compressed) values
                guard let h = header[8] else { throw .invalidData("'\(path)': a v2 data page has no header") }
                let n = Int(h[1]?.int ?? 0)
                let defLength = Int(h[5]?.int ?? 0)
                let repLength = Int(h[6]?.int ?? 0)
                let levelsEnd = body.lowerBound + repLength + defLength
                var present = [Bool](repeating: true, count: n)
                if info.isOptional && defLength > 0 {
                    present = try decodeLevels(bytes, (body.lowerBound + repLength)..<levelsEnd, count: n)
                }
                let compressed = h[7]?.bool ?? true
                let page = compressed
                    ? try decompress(bytes, levelsEnd..<body.upperBound, codec: codec, size: uncompressedSize - repLength - defLength)
                    : Array(bytes[levelsEnd..<body.upperBound])
                var cursor = 0
                try decodeValues(page, &cursor, present: present, encoding: Int(h[4]?.int ?? 0), dictionary: dictionary, info: info, into: &values)
                read += n
            default:
                continue  // index pages
            }
        }
    }

    private func decompress(_ bytes: [UInt8], _ range: Range<Int>, codec: CompressionCodec, size: Int) throws(ColumnarError) -> [UInt8] {
        if codec == .uncompressed { return Array(bytes[range]) }
        let slice = Array(bytes[range])
        let result: Result<[UInt8], ColumnarError> = slice.withUnsafeBytes { raw in
            do throws(ColumnarError) { return .success(try Compressor.decompress(raw, codec: codec, uncompressedSize: size)) }
            catch { return .failure(error) }
        }
        return try result.get()
    }

    private func decodeLevels(_ bytes: [UInt8], _ range: Range<Int>, count: Int) throws(ColumnarError) -> [Bool] {
        let levels = try decodeHybrid(bytes, range, bitWidth: 1, count: count)
        return levels.map { $0 != 0 }
    }

    private func decodeValues(
        _ page: [UInt8], _ cursor: inout Int, present: [Bool], encoding: Int, dictionary: ColumnValues?, info: ReadColumnInfo,
        into values: inout ColumnValues
    ) throws(ColumnarError) {
        let nonNull = present.reduce(0) { $0 + ($1 ? 1 : 0) }
        var decoded = ColumnValues(physicalType: values.physicalType)
        switch encoding {
        case 0:
            try decodePlain(page, &cursor, count: nonNull, info: info, into: &decoded)
        case 2, 8:
            guard let dictionary else { throw .invalidData("'\(path)': column '\(info.name)' has dictionary codes but no dictionary") }
            guard cursor < page.count || nonNull == 0 else { throw .invalidData("'\(path)': truncated dictionary codes") }
            let width = nonNull == 0 ? 0 : Int(page[cursor])
            let codes = try decodeHybrid(page, (cursor + 1)..<page.count, bitWidth: width, count: nonNull)
            for code in codes {
                guard Int(code) < dictionary.count else { throw .invalidData("'\(path)': a dictionary code is out of range") }
                decoded.append(from: dictionary, at: Int(code))
            }
        default:
            throw .invalidData("'\(path)': column '\(info.name)' uses encoding \(encoding), which this reader does not decode")
        }
        var k = 0
        for p in present {
            if p {
                values.append(from: decoded, at: k)
                k += 1
            } else {
                values.appendNull()
            }
        }
    }

    private func decodePlain(_ page: [UInt8], _ cursor: inout Int, count: Int, info: ReadColumnInfo, into values: inout ColumnValues) throws(ColumnarError) {
        func need(_ n: Int) throws(ColumnarError) {
            if cursor + n > page.count { throw .invalidData("'\(path)': column '\(info.name)' has a truncated page") }
        }
        func little(_ width: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<width { v |= UInt64(page[cursor + i]) << (8 * UInt64(i)) }
            cursor += width
            return v
        }
        switch values.physicalType {
        case .boolean:
            try need((count + 7) / 8)
            for i in 0..<count { values.integers.append(Int64((page[cursor + i / 8] >> (i % 8)) & 1)) }
            values.valid.append(contentsOf: repeatElement(true, count: count))
            cursor += (count + 7) / 8
        case .int32:
            try need(4 * count)
            for _ in 0..<count { values.integers.append(Int64(Int32(truncatingIfNeeded: little(4)))) }
            values.valid.append(contentsOf: repeatElement(true, count: count))
        case .int64:
            try need(8 * count)
            for _ in 0..<count { values.integers.append(Int64(bitPattern: little(8))) }
            values.valid.append(contentsOf: repeatElement(true, count: count))
        case .double:
            try need(8 * count)
            for _ in 0..<count { values.doubles.append(Double(bitPattern: little(8))) }
            values.valid.append(contentsOf: repeatElement(true, count: count))
        case .float:
            try need(4 * count)
            for _ in 0..<count { values.doubles.append(Double(Float(bitPattern: UInt32(little(4))))) }
            values.valid.append(contentsOf: repeatElement(true, count: count))
        case .byteArray:
            for _ in 0..<count {
                try need(4)
                let n = Int(little(4))
                try need(n)
                values.bytes.append(Array(page[cursor..<(cursor + n)]))
                cursor += n
            }
            values.valid.append(contentsOf: repeatElement(true, count: count))
        case .fixedLenByteArray:
            let n = info.typeLength
            try need(n * count)
            for _ in 0..<count {
                values.bytes.append(Array(page[cursor..<(cursor + n)]))
                cursor += n
            }
            values.valid.append(contentsOf: repeatElement(true, count: count))
        }
    }

}

/// Decodes `count` values of the RLE/bit-packed hybrid in `bytes[range]`.
func decodeHybrid(_ bytes: [UInt8], _ range: Range<Int>, bitWidth: Int, count: Int) throws(ColumnarError) -> [UInt32] {
    var out: [UInt32] = []
    out.reserveCapacity(count)
    var i = range.lowerBound
    let end = min(range.upperBound, bytes.count)
    func varint() throws(ColumnarError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard i < end, shift < 64 else { throw .invalidData("a truncated RLE run header") }
            let b = bytes[i]
            i += 1
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }
    let byteWidth = (bitWidth + 7) / 8
    while out.count < count {
        let header = try varint()
        if header & 1 == 0 {
            let run = Int(header >> 1)
            guard i + byteWidth <= end else { throw .invalidData("a truncated RLE run") }
            var value: UInt32 = 0
            for k in 0..<byteWidth { value |= UInt32(bytes[i + k]) << (8 * UInt32(k)) }
            i += byteWidth
            out.append(contentsOf: repeatElement(value, count: min(run, count - out.count)))
        } else {
            let values = Int(header >> 1) * 8
            let needed = (values * bitWidth + 7) / 8
            guard i + needed <= end || bitWidth == 0 else { throw .invalidData("a truncated bit-packed run") }
            var bit = 0
            for _ in 0..<values where out.count < count {
                var v: UInt32 = 0
                for b in 0..<bitWidth {
                    let position = bit + b
                    if (bytes[i + position / 8] >> (position % 8)) & 1 == 1 { v |= 1 << UInt32(b) }
                }
                bit += bitWidth
                out.append(v)
            }
            i += needed
        }
    }
    return out
}

/// A column's description as a file's schema gives it.
public struct ReadColumnInfo: Sendable {
    public let name: String
    public let physicalType: PhysicalType?
    public let isOptional: Bool
    public let typeLength: Int
    public let convertedType: Int32?
    public let scale: Int
    public let precision: Int
    public let logicalType: ThriftValue?

    /// A short type name: `decimal(10,2)`, `string`, `timestamp`, `int64`, …
    public var typeName: String {
        if let logical = logicalType {
            if logical[1] != nil { return "string" }
            if let d = logical[5] { return "decimal(\(d[2]?.int ?? 0),\(d[1]?.int ?? 0))" }
            if logical[6] != nil { return "date" }
            if logical[8] != nil { return "timestamp" }
            if logical[12] != nil { return "json" }
            if logical[14] != nil { return "uuid" }
        }
        if convertedType == 5 { return "decimal(\(precision),\(scale))" }
        if convertedType == 0 { return "string" }
        switch physicalType {
        case .boolean: return "boolean"
        case .int32: return "int32"
        case .int64: return "int64"
        case .double: return "double"
        case .float: return "float"
        case .byteArray: return "binary"
        case .fixedLenByteArray: return "fixed_len_byte_array(\(typeLength))"
        case nil: return "unknown"
        }
    }
}

/// The values of one column: integers (every integer type, booleans as 0/1, decimals unscaled,
/// timestamps in the file's unit), doubles or bytes, with a validity flag per row.
public struct ColumnValues: Sendable {
    public let physicalType: PhysicalType
    public var valid: [Bool] = []
    public var integers: [Int64] = []
    public var doubles: [Double] = []
    public var bytes: [[UInt8]] = []

    public var count: Int { valid.count }

    /// Row `i` as text (nil when null): byte arrays decoded as UTF-8.
    public func string(_ i: Int) -> String? {
        guard valid[i] else { return nil }
        return String(decoding: bytes[i], as: UTF8.self)
    }

    /// Row `i` as an integer (nil when null, or for a type without integers).
    public func integer(_ i: Int) -> Int64? { valid[i] && !integers.isEmpty ? integers[i] : nil }

    mutating func append(from other: ColumnValues, at i: Int) {
        valid.append(true)
        switch physicalType {
        case .boolean, .int32, .int64: integers.append(other.integers[i])
        case .double, .float: doubles.append(other.doubles[i])
        case .byteArray, .fixedLenByteArray: bytes.append(other.bytes[i])
        }
    }

    /// Appends a byte value (a partition column rebuilt from a path).
    package mutating func append(bytes value: [UInt8]) {
        valid.append(true)
        bytes.append(value)
    }

    /// Appends every row of `other`, of the same physical type.
    package mutating func append(contentsOf other: ColumnValues) {
        valid += other.valid
        integers += other.integers
        doubles += other.doubles
        bytes += other.bytes
    }

    package init(physicalType: PhysicalType) { self.physicalType = physicalType }

    package mutating func appendNull() {
        valid.append(false)
        switch physicalType {
        case .boolean, .int32, .int64: integers.append(0)
        case .double, .float: doubles.append(0)
        case .byteArray, .fixedLenByteArray: bytes.append([])
        }
    }
}
