import Benchmark
@_spi(Benchmarks) import Columnar

// The writer's hot loops. Each benchmark's setup allocates what the loop reuses; the measured
// loop must then allocate nothing per row: `make bench-micro` checks mallocCountTotal against
// the committed Thresholds/ (p90 per iteration, absolute tolerance 0). Names have no spaces or
// slashes: the tool writes threshold files under a cleaned name but looks them up by the raw one.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(2),
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0])]
    )

    // A 1 MiB page of mildly repetitive bytes, as encoded pages are.
    let page: [UInt8] = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: ($0 / 64) &* 31) }
    for codec in [CompressionCodec.snappy, .zstd] {
        Benchmark("compress_1_MiB_page,_\(codec.name)\(codec == .zstd ? "-1" : "")") { benchmark in
            let compressor = Compressor(codec: codec, level: 1)
            _ = try page.withUnsafeBytes { (raw) throws(ColumnarError) in try compressor.withCompressed(raw) { $0.count } }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try page.withUnsafeBytes { (raw) throws(ColumnarError) in
                    try compressor.withCompressed(raw) { $0.count }
                })
            }
        }
    }

    // RLE/bit-packed hybrid: dictionary indices of 64 Ki rows, runs and noise mixed.
    let rows = 64 * 1024
    let indices: [UInt32] = (0..<rows).map { (i: Int) -> UInt32 in
        if i % 1000 < 600 { return UInt32(i / 1000 % 14) }
        let scrambled: Int = (i &* 2_654_435_761) >> 7
        return UInt32(truncatingIfNeeded: scrambled) % 14
    }
    Benchmark("RLE_bit-packed_hybrid,_64_Ki_dictionary_indices_(4_bits)") { benchmark in
        var out: [UInt8] = []
        out.reserveCapacity(rows)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.removeAll(keepingCapacity: true)
            indices.withUnsafeBufferPointer { EncodingKernels.rleHybrid($0, bitWidth: 4, to: &out) }
            blackHole(out.count)
        }
    }
    Benchmark("bit-packing,_64_Ki_values_(10_bits)") { benchmark in
        let values = indices.map { $0 &* 73 % 1024 }
        var out: [UInt8] = []
        out.reserveCapacity(rows * 2)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.removeAll(keepingCapacity: true)
            values.withUnsafeBufferPointer { EncodingKernels.bitPacked($0, bitWidth: 10, to: &out) }
            blackHole(out.count)
        }
    }

    // PLAIN BYTE_ARRAY: 64 Ki 36-byte ids into a page buffer.
    Benchmark("PLAIN_byte_arrays,_64_Ki_36-byte_values") { benchmark in
        let value = [UInt8](repeating: 0x61, count: 36)
        var out: [UInt8] = []
        out.reserveCapacity(rows * 40)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.removeAll(keepingCapacity: true)
            value.withUnsafeBytes { v in
                for _ in 0..<rows { EncodingKernels.plainByteArray(v, to: &out) }
            }
            blackHole(out.count)
        }
    }

    let devices = try! ValueDictionary(["mobile", "desktop", "tablet"])
    let schema = try! Schema([
        Column("id", .int64),
        Column("device_type", .string, dictionary: devices),
        Column("name", .string, .optional),
    ])
    let names = (0..<50).map { Array("name-\($0)".utf8) }

    /// Fills `chunk` with `rows` rows: sequential ids, device codes, names with 10 % nulls.
    @Sendable func fill(_ chunk: inout Chunk) {
        chunk.reset()
        for i in 0..<rows {
            chunk.columns[0].append(Int64(i))
            chunk.columns[1].appendCode(UInt32(i % 3))
            if i % 10 == 0 { chunk.columns[2].appendNull() } else { chunk.columns[2].append(bytes: names[i % 50]) }
        }
    }

    // Dictionary-code fill: a reset chunk refilled allocates nothing per row.
    Benchmark("fill_64_Ki-row_chunk_(int64,_dictionary_codes,_strings_with_nulls)") { benchmark in
        var chunk = Chunk(schema: schema, capacity: rows)
        fill(&chunk)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            fill(&chunk)
            blackHole(chunk.rowCount)
        }
    }

    // Footer encoding: FileMetaData of 64 row groups × 32 columns with statistics.
    Benchmark("footer_encoding,_64_row_groups_of_32_columns") { benchmark in
        let wide = try! Schema((0..<32).map { Column("c\($0)", $0 % 2 == 0 ? .int64 : .string, .optional) })
        var chunk = Chunk(schema: wide, capacity: 64)
        for r in 0..<64 {
            for c in 0..<32 {
                if c % 2 == 0 { chunk.columns[c].append(Int64(r * c)) } else { chunk.columns[c].append("v\(r)") }
            }
        }
        let writer = try! ParquetFileWriter(path: "/tmp/streamgen-microbench-footer.parquet", schema: wide)
        for _ in 0..<64 {
            try! writer.write(chunk)
            try! writer.flushRowGroup()
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(writer.encodedFooter().count)
        }
        benchmark.stopMeasurement()
        writer.abandon()
    }

    Benchmark("write_64_Ki-row_chunk_to_Parquet,_zstd-1") { benchmark in
        var chunk = Chunk(schema: schema, capacity: rows)
        fill(&chunk)
        let path = "/tmp/streamgen-microbench.parquet"
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let writer = try ParquetFileWriter(path: path, schema: schema, options: WriterOptions(codec: .zstd, zstdLevel: 1))
            try writer.write(chunk)
            blackHole(try writer.close().bytes)
        }
    }
}
