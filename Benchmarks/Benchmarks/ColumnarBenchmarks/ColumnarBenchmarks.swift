import Benchmark
import Columnar

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(2)
    )

    // A 1 MiB page of mildly repetitive bytes.
    let page: [UInt8] = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: ($0 / 64) &* 31) }
    for codec in [CompressionCodec.snappy, .zstd] {
        let compressor = Compressor(codec: codec, level: 1)
        Benchmark("compress 1 MiB page, \(codec.name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try page.withUnsafeBytes { (raw) throws(ColumnarError) in
                    try compressor.withCompressed(raw) { $0.count }
                })
            }
        }
    }

    let devices = try! ValueDictionary(["mobile", "desktop", "tablet"])
    let schema = try! Schema([
        Column("id", .int64),
        Column("device_type", .string, dictionary: devices),
        Column("name", .string, .optional),
    ])
    let rows = 64 * 1024
    let names = (0..<50).map { "name-\($0)" }

    /// Fills `chunk` with `rows` rows: sequential ids, device codes, names with 10 % nulls.
    @Sendable func fill(_ chunk: inout Chunk) {
        chunk.reset()
        for i in 0..<rows {
            chunk.columns[0].append(Int64(i))
            chunk.columns[1].appendCode(UInt32(i % 3))
            if i % 10 == 0 { chunk.columns[2].appendNull() } else { chunk.columns[2].append(names[i % 50]) }
        }
    }

    // Steady state: a reset chunk refilled allocates nothing per row.
    Benchmark("fill 64 Ki-row chunk (int64, codes, strings with nulls)") { benchmark in
        var chunk = Chunk(schema: schema, capacity: rows)
        fill(&chunk)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            fill(&chunk)
            blackHole(chunk.rowCount)
        }
    }

    Benchmark("write 64 Ki-row chunk to Parquet, zstd-1") { benchmark in
        var chunk = Chunk(schema: schema, capacity: rows)
        fill(&chunk)
        precondition(chunk.rowCount == rows)
        let path = "/tmp/streamgen-microbench.parquet"
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let writer = try ParquetFileWriter(path: path, schema: schema, options: WriterOptions(codec: .zstd, zstdLevel: 1))
            try writer.write(chunk)
            blackHole(try writer.close().bytes)
        }
    }
}
