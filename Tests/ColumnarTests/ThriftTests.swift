import Testing
@testable import Columnar

/// Parses a hex string with spaces ("15 0c 25") into bytes.
func bytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter { !$0.isWhitespace }
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        out.append(UInt8(digits[i..<j], radix: 16)!)
        i = j
    }
    return out
}

@Suite("Thrift compact protocol")
struct ThriftTests {
    @Test("a STRING schema element has PARQUET.md's golden bytes")
    func schemaElementGolden() throws {
        var w = CompactWriter()
        w.writeStruct(SchemaElement(column: Column("name", .string, .optional)).write)
        #expect(w.bytes == bytes("15 0c 25 02 18 04 6e616d65 25 00 4c 1c 00 00 00"))
    }

    @Test("a v1 data page header has PARQUET.md's golden bytes")
    func pageHeaderGolden() {
        let header = PageHeader(
            type: .dataPage, uncompressedPageSize: 16000, compressedPageSize: 8010,
            dataPageHeader: DataPageHeader(numValues: 2000, encoding: .plain))
        var w = CompactWriter()
        w.writeStruct(header.write)
        #expect(w.bytes == bytes("15 00 15 80fa01 15 947d 2c 15 a01f 15 00 15 06 15 06 00 00"))
    }

    @Test("field ids more than 15 apart use the long header form; nested structs restart deltas")
    func longDeltaAndNesting() throws {
        var w = CompactWriter()
        w.writeStruct {
            $0.field(1, i32: -1)
            $0.field(20, struct: { $0.field(2, bool: true) })
            $0.field(21, i64: 300)
        }
        // 1: i32 zigzag(-1)=1 | 20: long form 0x0c + zigzag(20)=40 | nested {2: true} = 0x21 00 | 21: delta 1 i64 zigzag(300)=600
        #expect(w.bytes == bytes("15 01 0c 28 21 00 16 d8 04 00"))
        var r = CompactReader(w.bytes)
        let decoded = try r.readStruct()
        #expect(decoded[1]?.int == -1)
        #expect(decoded[20]?[2]?.bool == true)
        #expect(decoded[21]?.int == 300)
        #expect(r.position == w.bytes.count)
    }

    @Test("lists longer than 14 elements use the long list header")
    func longList() throws {
        var w = CompactWriter()
        let values = (0..<20).map { Int32($0 - 10) }
        w.writeStruct { $0.field(2, i32List: values) }
        #expect(Array(w.bytes.prefix(3)) == [0x29, 0xF5, 20])
        var r = CompactReader(w.bytes)
        let list = try r.readStruct()[2]?.list?.compactMap(\.int)
        #expect(list == values.map(Int64.init))
    }
}
