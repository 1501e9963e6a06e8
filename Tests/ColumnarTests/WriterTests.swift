import Foundation
import TestSupport
import Testing
@testable import Columnar

/// Reads a Parquet file's footer back with the project's own Thrift reader.
func readFooter(_ path: String) throws -> ThriftValue {
    let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(Array(data.prefix(4)) == Array("PAR1".utf8))
    #expect(Array(data.suffix(4)) == Array("PAR1".utf8))
    let n = data.count
    let length = Int(data[n - 8]) | Int(data[n - 7]) << 8 | Int(data[n - 6]) << 16 | Int(data[n - 5]) << 24
    var reader = CompactReader(data, position: n - 8 - length)
    let footer = try reader.readStruct()
    #expect(reader.position == n - 8)
    return footer
}

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("columnar-unit-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

@Suite("Compression")
struct CompressionTests {
    @Test("every codec round-trips, and compresses repetitive data", arguments: CompressionCodec.allCases)
    func roundTrip(codec: CompressionCodec) throws {
        let input = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 / 7) }
        let compressor = Compressor(codec: codec, level: 1)
        let compressed = try input.withUnsafeBytes { (raw) throws(ColumnarError) in
            try compressor.withCompressed(raw) { Array($0) }
        }
        if codec != .uncompressed { #expect(compressed.count < input.count / 4) }
        let back = try compressed.withUnsafeBytes {
            try Compressor.decompress($0, codec: codec, uncompressedSize: input.count)
        }
        #expect(back == input)
        let empty = try [UInt8]().withUnsafeBytes { (raw) throws(ColumnarError) in
            try compressor.withCompressed(raw) { Array($0) }
        }
        let emptyBack = try empty.withUnsafeBytes { try Compressor.decompress($0, codec: codec, uncompressedSize: 0) }
        #expect(emptyBack.isEmpty)
    }
}

@Suite("Text formatting")
struct TextFormattingTests {
    func text(_ body: (inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = []
        body(&out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("dates on both sides of the epoch, leap days and the ends of the range")
    func dates() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01"), (-1, "1969-12-31"), (19_782, "2024-02-29"), (-719_162, "0001-01-01"),
            (2_932_896, "9999-12-31"), (11_016, "2000-02-29"),
        ]
        for (days, expected) in cases {
            #expect(text { appendISODate(daysSinceEpoch: days, to: &$0) } == expected)
            let (y, m, d) = civilDate(daysSinceEpoch: days)
            #expect(daysSinceEpoch(year: y, month: m, day: d) == days)
        }
    }

    @Test("timestamps with microseconds, before the epoch too")
    func timestamps() {
        #expect(text { appendISOTimestamp(microsSinceEpoch: 0, utc: true, to: &$0) } == "1970-01-01T00:00:00.000000Z")
        #expect(text { appendISOTimestamp(microsSinceEpoch: -1, utc: true, to: &$0) } == "1969-12-31T23:59:59.999999Z")
        #expect(text { appendISOTimestamp(microsSinceEpoch: 1_704_706_245_123_456, utc: false, to: &$0) } == "2024-01-08T09:30:45.123456")
    }

    @Test("decimals are exact, with their full scale")
    func decimals() {
        #expect(text { appendDecimal(unscaled: -1230, scale: 2, to: &$0) } == "-12.30")
        #expect(text { appendDecimal(unscaled: 5, scale: 3, to: &$0) } == "0.005")
        #expect(text { appendDecimal(unscaled: -5, scale: 1, to: &$0) } == "-0.5")
        #expect(text { appendDecimal(unscaled: 42, scale: 0, to: &$0) } == "42")
        #expect(text { appendDecimalDigits(Int64.min, to: &$0) } == "-9223372036854775808")
    }

    @Test("UUIDs in canonical form")
    func uuids() {
        let raw: [UInt8] = Array(0..<16)
        #expect(text { out in raw.withUnsafeBytes { appendUUID($0, to: &out) } } == "00010203-0405-0607-0809-0a0b0c0d0e0f")
        #expect(text { appendUUID(high: 0xFEDC_BA98_7654_3210, low: 0x0F1E_2D3C_4B5A_6978, to: &$0) } == "fedcba98-7654-3210-0f1e-2d3c4b5a6978")
        #expect(text { appendUUID(high: .max, low: 0, to: &$0) } == "ffffffff-ffff-ffff-0000-000000000000")
        // Every digit at every position, against Foundation's formatting.
        var state: UInt64 = 1
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let high = state
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let low = state
            let bytes = withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) }
            let expected = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                                       bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])).uuidString.lowercased()
            #expect(text { appendUUID(high: high, low: low, to: &$0) } == expected)
        }
    }
}

@Suite("Schema and buffers")
struct SchemaTests {
    @Test("bad schemas are refused with the column named")
    func invalidSchemas() {
        #expect(throws: ColumnarError.invalidSchema("column 'a' appears twice")) {
            try Schema([Column("a", .int32), Column("a", .int64)])
        }
        #expect(throws: ColumnarError.invalidSchema("column 'a.b': names may not contain '.' or control characters")) {
            try Schema([Column("a.b", .int32)])
        }
        #expect(throws: ColumnarError.invalidSchema("column 'p': decimal precision 19 is outside 1...18")) {
            try Schema([Column("p", .decimal(precision: 19, scale: 2))])
        }
        #expect(throws: ColumnarError.self) { try Schema([Column("d", .int32, dictionary: try ValueDictionary(["x"]))]) }
        #expect(throws: ColumnarError.self) { try ValueDictionary(["x", "y", "x"]) }
    }

    @Test("the validity bitmap counts nulls in any range")
    func validity() {
        var bitmap = ValidityBitmap()
        var expected: [Bool] = []
        var rng = TestRNG(seed: 3)
        for row in 0..<500 {
            let valid = row < 100 || rng.next() % 3 != 0
            expected.append(valid)
            if valid { bitmap.appendValid(row: row) } else { bitmap.appendNull(row: row) }
        }
        for row in 0..<500 { #expect(bitmap.isValid(row) == expected[row]) }
        for (lo, hi) in [(0, 500), (0, 100), (63, 65), (99, 300), (128, 192), (200, 200)] {
            #expect(bitmap.nullCount(in: lo..<hi) == expected[lo..<hi].filter { !$0 }.count)
        }
    }

    @Test("a reset chunk keeps its memory and refills")
    func chunkReset() throws {
        let schema = try Schema([Column("s", .string, .optional), Column("n", .int64)])
        var chunk = Chunk(schema: schema, capacity: 4)
        for i in 0..<4 {
            if i == 1 { chunk.columns[0].appendNull() } else { chunk.columns[0].append("v\(i)") }
            chunk.columns[1].append(Int64(i))
        }
        #expect(chunk.rowCount == 4 && chunk.isFull && chunk.columns[0].nullCount == 1)
        let capacity = chunk.columns[1].int64s.capacity
        chunk.reset()
        #expect(chunk.rowCount == 0 && chunk.columns[0].nullCount == 0)
        #expect(chunk.columns[1].int64s.capacity == capacity)
        chunk.columns[0].append("again")
        #expect(chunk.columns[0].withValueBytes(0) { Array($0) } == Array("again".utf8))
        #expect(throws: ColumnarError.self) { try chunk.validate() }
    }
}

@Suite("Parquet writer")
struct WriterTests {
    @Test("the footer describes the file: rows, row groups, offsets, column orders, created_by")
    func footer() throws {
        let schema = try Schema([
            Column("id", .int64), Column("name", .string, .optional),
            Column("device", .string, dictionary: try ValueDictionary(["mobile", "desktop", "tablet"])),
        ])
        var chunk = Chunk(schema: schema, capacity: 2500)
        for i in 0..<2500 {
            chunk.columns[0].append(Int64(i))
            if i % 4 == 0 { chunk.columns[1].appendNull() } else { chunk.columns[1].append("n\(i)") }
            chunk.columns[2].appendCode(UInt32(i % 3))
        }
        let path = temporaryPath("footer.parquet")
        let options = WriterOptions(codec: .snappy, rowGroupRowLimit: 1000, keyValueMetadata: [KeyValue("k", "v")])
        let writer = try ParquetFileWriter(path: path, schema: schema, options: options)
        try writer.write(chunk)
        let summary = try writer.close()
        #expect(summary.rows == 2500 && summary.rowGroups == 3)

        let footer = try readFooter(path)
        #expect(footer[1]?.int == 1)
        #expect(footer[3]?.int == 2500)
        #expect(footer[6]?.string == "streamgen version \(ColumnarVersion.version) (build \(ColumnarVersion.build))")
        #expect(footer[7]?.list?.count == 3)
        #expect(footer[5]?.list?.first?[1]?.string == "k")
        let schemaList = try #require(footer[2]?.list)
        #expect(schemaList.count == 4 && schemaList[0][5]?.int == 3)
        let groups = try #require(footer[4]?.list)
        #expect(groups.map { $0[3]?.int } == [1000, 1000, 500])
        var previousEnd: Int64 = 4
        for group in groups {
            #expect(group[5]?.int == previousEnd)
            let columns = try #require(group[1]?.list)
            var sum: Int64 = 0
            for column in columns {
                let meta = try #require(column[3])
                #expect(column[2]?.int == previousEnd + sum)
                sum += meta[7]!.int!
            }
            #expect(group[6]?.int == sum)
            previousEnd += sum
            let id = try #require(columns[0][3])
            #expect(id[11] == nil, "a dictionary_page_offset only where there is a dictionary page")
            let device = try #require(columns[2][3])
            #expect(device[11]?.int == columns[2][2]?.int, "the dictionary page opens the chunk")
            #expect(device[9]!.int! > device[11]!.int!)
            #expect(device[2]?.list?.compactMap(\.int) == [0, 3, 8])
            #expect(device[12]?[6]?.string == "desktop" && device[12]?[5]?.string == "tablet")
        }
    }

    @Test("an abandoned, failed or dropped writer leaves no file under the final name")
    func crashSafety() throws {
        let schema = try Schema([Column("id", .int64)])
        var chunk = Chunk(schema: schema, capacity: 10)
        chunk.columns[0].append(Int64(1))
        let directory = (temporaryPath("x") as NSString).deletingLastPathComponent

        let abandoned = directory + "/abandoned.parquet"
        let writer = try ParquetFileWriter(path: abandoned, schema: schema)
        try writer.write(chunk)
        writer.abandon()
        #expect(throws: ColumnarError.writerClosed) { try writer.close() }

        let dropped = directory + "/dropped.parquet"
        do {
            let w = try ParquetFileWriter(path: dropped, schema: schema)
            try w.write(chunk)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).contains { $0.hasPrefix(".dropped.parquet.") })
        }

        let failed = directory + "/failed.parquet"
        let other = try Schema([Column("other", .int32)])
        let w2 = try ParquetFileWriter(path: failed, schema: schema)
        #expect(throws: ColumnarError.invalidData("the chunk's schema is not the writer's")) {
            try w2.write(Chunk(schema: other, capacity: 1))
        }
        #expect(throws: ColumnarError.writerClosed) { try w2.write(chunk) }

        #expect(throws: ColumnarError.self) { try ParquetFileWriter(path: "/nonexistent-dir/x.parquet", schema: schema) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("a code outside its dictionary is refused")
    func badCode() throws {
        let schema = try Schema([Column("d", .string, dictionary: try ValueDictionary(["a", "b"]))])
        var chunk = Chunk(schema: schema, capacity: 2)
        chunk.columns[0].appendCode(2)
        let writer = try ParquetFileWriter(path: temporaryPath("bad.parquet"), schema: schema)
        #expect(throws: ColumnarError.invalidData("column 'd' row 0: code 2 is outside its 2-entry dictionary")) {
            try writer.write(chunk)
        }
    }

    @Test("a high-cardinality column falls back to PLAIN; a low one stays dictionary-encoded")
    func dictionaryFallback() throws {
        let schema = try Schema([Column("unique", .string), Column("few", .string)])
        var chunk = Chunk(schema: schema, capacity: 30_000)
        for i in 0..<30_000 {
            chunk.columns[0].append("id-\(i)")
            chunk.columns[1].append("v\(i % 5)")
        }
        let path = temporaryPath("fallback.parquet")
        let writer = try ParquetFileWriter(path: path, schema: schema, options: WriterOptions(codec: .uncompressed))
        try writer.write(chunk)
        try writer.close()
        let columns = try #require(readFooter(path)[4]?.list?.first?[1]?.list)
        let unique = try #require(columns[0][3])
        let few = try #require(columns[1][3])
        #expect(unique[11] == nil && unique[2]?.list?.compactMap(\.int) == [0, 3])
        #expect(few[11] != nil && few[2]?.list?.compactMap(\.int) == [0, 3, 8])
        // encoding_stats: one dictionary page, and every data page RLE_DICTIONARY.
        let stats = try #require(few[13]?.list)
        #expect(stats.map { [$0[1]!.int!, $0[2]!.int!, $0[3]!.int!] } == [[2, 0, 1], [0, 8, 2]])
    }

    @Test("a dictionary outgrown part-way keeps its pages and continues PLAIN in the same chunk")
    func midChunkFallback() throws {
        let schema = try Schema([Column("s", .string)])
        var chunk = Chunk(schema: schema, capacity: 5000)
        for i in 0..<5000 { chunk.columns[0].append(i < 2000 ? "v\(i % 3)" : "unique-\(i)") }
        let path = temporaryPath("mixed.parquet")
        let options = WriterOptions(codec: .snappy, dataPageRowLimit: 500, dictionaryPageSizeLimit: 1000)
        let writer = try ParquetFileWriter(path: path, schema: schema, options: options)
        try writer.write(chunk)
        try writer.close()
        let meta = try #require(readFooter(path)[4]?.list?.first?[1]?.list?.first?[3])
        #expect(meta[11] != nil, "the dictionary page stays, for the pages that use it")
        #expect(meta[2]?.list?.compactMap(\.int) == [0, 3, 8])
        let stats = try #require(meta[13]?.list).map { [$0[1]!.int!, $0[2]!.int!, $0[3]!.int!] }
        #expect(stats == [[2, 0, 1], [0, 0, 6], [0, 8, 4]], "1 dictionary page, 4 RLE_DICTIONARY pages, then 6 PLAIN pages")
        #expect(meta[12]?[6]?.string == "unique-2000" && meta[12]?[5]?.string == "v2")
    }
}
