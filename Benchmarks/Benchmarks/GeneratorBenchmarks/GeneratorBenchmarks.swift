import Benchmark
import Columnar
@_spi(Benchmarks) import StreamGen

// The generators' hot loops, each over 64 Ki values into a reused buffer. The measured loops must
// allocate nothing per value: `make bench-micro` checks mallocCountTotal against the committed
// Thresholds/ (p90 per iteration, absolute tolerance 0).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(2),
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0])]
    )
    let n = 64 * 1024

    Benchmark("PRNG_draw,_64_Ki_SplitMix64_words") { benchmark in
        var rng = SplitMix64(state: 42)
        for _ in benchmark.scaledIterations {
            var sum: UInt64 = 0
            for _ in 0..<n { sum &+= rng.next() }
            blackHole(sum)
        }
    }

    Benchmark("weighted_choice,_64_Ki_draws_from_20_weights_(alias_table)") { benchmark in
        let table = AliasTable(weights: (1...20).map { 1.0 / Double($0) })
        var rng = SplitMix64(state: 7)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var sum = 0
            for _ in 0..<n { sum &+= table.sample(&rng) }
            blackHole(sum)
        }
    }

    Benchmark("UUID_formatting,_64_Ki_version-4_ids") { benchmark in
        var rng = SplitMix64(state: 9)
        var out: [UInt8] = []
        out.reserveCapacity(n * 36)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.removeAll(keepingCapacity: true)
            for _ in 0..<n { appendUUIDText((rng.next(), rng.next()), to: &out) }
            blackHole(out.count)
        }
    }

    Benchmark("email_generation,_64_Ki_first.last123@domain") { benchmark in
        var out: [UInt8] = []
        out.reserveCapacity(n * 48)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.removeAll(keepingCapacity: true)
            for i in 0..<n { Words.appendEmail(user: i, draw: UInt64(i) &* 0x9E37_79B9_7F4A_7C15, to: &out) }
            blackHole(out.count)
        }
    }

    Benchmark("name_generation,_64_Ki_'First_Last'") { benchmark in
        var rng = SplitMix64(state: 11)
        var out: [UInt8] = []
        out.reserveCapacity(n * 24)
        let first = Words.firstNames, last = Words.lastNames
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.removeAll(keepingCapacity: true)
            for _ in 0..<n {
                first.append(rng.nextIndex(first.count), to: &out)
                out.append(UInt8(ascii: " "))
                last.append(rng.nextIndex(last.count), to: &out)
            }
            blackHole(out.count)
        }
    }

    Benchmark("dictionary-code_fill,_64_Ki_weighted_codes_into_a_chunk") { benchmark in
        let schema = try! Schema([Column("country", .string, dictionary: try! ValueDictionary((0..<20).map { "C\($0)" }))])
        let table = AliasTable(weights: (1...20).map { 1.0 / Double($0) })
        var chunk = Chunk(schema: schema, capacity: n)
        var rng = SplitMix64(state: 5)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            chunk.reset()
            for _ in 0..<n { chunk.columns[0].appendCode(UInt32(table.sample(&rng))) }
            blackHole(chunk.rowCount)
        }
    }
}
