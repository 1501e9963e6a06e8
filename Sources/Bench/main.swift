import Columnar
let schema = try Schema([
    Column("id", .int64), Column("name", .string, .optional), Column("d", .double, .optional),
    Column("b", .boolean), Column("day", .date), Column("ts", .timestampUTC), Column("amt", .decimal(precision: 10, scale: 2)),
    Column("dev", .string, dictionary: try ValueDictionary(["mobile", "desktop", "tablet"])),
    Column("u16", .uuid(.fixed16), .optional), Column("j", .json), Column("small", .decimal(precision: 5, scale: 1), .optional),
])
var chunk = Chunk(schema: schema, capacity: 100)
for i in 0..<50000 {
    chunk.columns[0].append(Int64(i))
    if i % 3 == 0 { chunk.columns[1].appendNull() } else { chunk.columns[1].append("name\(i % 100)") }
    if i % 5 == 0 { chunk.columns[2].appendNull() } else { chunk.columns[2].append(Double(i) * 0.5) }
    chunk.columns[3].append(i % 2 == 0)
    chunk.columns[4].append(Int32(i % 1000 - 500))
    chunk.columns[5].append(Int64(i) * 1_000_000)
    chunk.columns[6].append(Int64(i * 7 - 1000))
    chunk.columns[7].appendCode(UInt32(i % 3))
    if i % 7 == 0 { chunk.columns[8].appendNull() } else { chunk.columns[8].append(bytes: (0..<16).map { UInt8(($0 + i) & 0xFF) }) }
    chunk.columns[9].append("{\"k\":\(i)}")
    if i % 2 == 0 { chunk.columns[10].appendNull() } else { chunk.columns[10].append(Int32(i % 10000 - 5000)) }
}
for codec in CompressionCodec.allCases {
    let w = try ParquetFileWriter(path: "/tmp/smoke-\(codec.name).parquet", schema: schema, options: WriterOptions(codec: codec, rowGroupRowLimit: 20000))
    try w.write(chunk)
    print(try w.close())
}
