import Columnar
import Foundation
import StreamGen
import TestSupport
import Testing

/// The stage breakdown `streamgen-bench generate` reports: every stage measured, and the stages
/// adding up to no more than the thread time the run had. (No lower bound: under the parallel
/// test run a task can wait for the cooperative pool longer than it works.)
@Suite("Stage timing")
struct StageTimingTests {
    @Test("a writer's stages: encoding, compressing, writing and checksumming, within its wall time")
    func writerStages() throws {
        let dir = try Interop.makeTemporaryDirectory("stage-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = try Schema([Column("id", .int64), Column("name", .string, .optional)])
        var chunk = Chunk(schema: schema, capacity: 50_000)
        for i in 0..<50_000 {
            chunk.columns[0].append(Int64(i))
            if i % 7 == 0 { chunk.columns[1].appendNull() } else { chunk.columns[1].append("name-\(i % 1000)") }
        }
        let start = MonotonicClock.nanoseconds()
        let writer = try ParquetFileWriter(
            path: dir.path + "/t.parquet", schema: schema, options: WriterOptions(codec: .zstd, zstdLevel: 1, checksum: true))
        try writer.write(chunk)
        try writer.close()
        let wall = MonotonicClock.since(start)
        let t = writer.timing
        #expect(t.encoding > 0)
        #expect(t.compressing > 0)
        #expect(t.writing > 0)
        #expect(t.checksumming > 0)
        #expect(t.generating == 0 && t.waiting == 0)
        #expect(t.total <= wall)
    }

    @Test("uncompressed bytes: without a codec, the file is its pages plus magic, footer and length")
    func uncompressedBytes() throws {
        let dir = try Interop.makeTemporaryDirectory("stage-bytes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = try Schema([Column("id", .int64), Column("name", .string)])
        var chunk = Chunk(schema: schema, capacity: 30_000)
        for i in 0..<30_000 {
            chunk.columns[0].append(Int64(i))
            chunk.columns[1].append("n\(i)")
        }
        let path = dir.path + "/u.parquet"
        let writer = try ParquetFileWriter(path: path, schema: schema, options: WriterOptions(codec: .uncompressed, rowGroupRowLimit: 10_000))
        try writer.write(chunk)
        let summary = try writer.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let n = bytes.count
        let footer = Int(bytes[n - 8]) | Int(bytes[n - 7]) << 8 | Int(bytes[n - 6]) << 16 | Int(bytes[n - 5]) << 24
        #expect(summary.rowGroups == 3)
        #expect(summary.uncompressedBytes == Int64(n - 4 - footer - 8))
    }

    @Test("an engine run: every stage measured, the sum within threads × wall")
    func engineStages() async throws {
        let dir = try Interop.makeTemporaryDirectory("stage-engine")
        defer { try? FileManager.default.removeItem(at: dir) }
        let progress = RunProgress()
        let start = MonotonicClock.nanoseconds()
        let manifest = try await StreamGenEngine.generate(Runs.options(dir.appendingPathComponent("out")) { $0.threads = 2 }, progress: progress)
        let wall = MonotonicClock.since(start)
        let t = progress.stages.withLock { $0 }
        #expect(t.generating > 0 && t.encoding > 0 && t.compressing > 0 && t.writing > 0 && t.checksumming > 0)
        #expect(t.total <= 2 * wall)
        let onDisk = manifest.tables.reduce(0) { $0 + $1.bytes }
        #expect(progress.uncompressedBytesDone.load(ordering: .relaxed) > Int(onDisk))
    }

    @Test("an ecommerce run: the simulation is generating time, the sum within threads × wall")
    func ecommerceStages() async throws {
        let dir = try Interop.makeTemporaryDirectory("stage-ecommerce")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = EcommerceOptions(outDirectory: dir.appendingPathComponent("out").path)
        options.scale = 0.2
        options.threads = 2
        let progress = RunProgress()
        let start = MonotonicClock.nanoseconds()
        let summaries = try await EcommerceRun.generate(options, progress: progress)
        let wall = MonotonicClock.since(start)
        let t = progress.stages.withLock { $0 }
        #expect(t.generating > 0 && t.encoding > 0 && t.compressing > 0 && t.writing > 0 && t.checksumming > 0)
        #expect(t.total <= 2 * wall)
        #expect(progress.uncompressedBytesDone.load(ordering: .relaxed) > Int(summaries[0].bytes))
    }
}
