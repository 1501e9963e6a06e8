import Columnar
import Foundation
import StreamGen
import TestSupport
import Testing

/// `generate ecommerce --shard i/N` and the merge that finishes it (`EcommerceShards`).
@Suite("ecommerce shards: merged, a single run's bytes", .serialized)
struct EcommerceShardTests {
    /// Runs `arguments` once whole and as 3 shards (out of order) into `out`, merges, and
    /// compares the two directories byte for byte.
    static func compare(_ label: String, _ arguments: [String], fixtures: [String]) throws {
        let full = try Sandbox("ec-\(label)-full"), split = try Sandbox("ec-\(label)-split")
        defer { full.remove(); split.remove() }
        let direct = try full.run(arguments)
        try #require(direct.passed, "\(label): \(direct.output)")
        for i in [2, 0, 1] {
            let r = try split.run(arguments + ["--shard", "\(i)/3"])
            #expect(r.passed, "\(label) shard \(i): \(r.output)")
        }
        for fixture in fixtures {
            // Before the merge: the shards' partial files, no orders, users or manifest.
            let dir = fixture.isEmpty ? "out" : "out/\(fixture)"
            let partials = try FileManager.default.contentsOfDirectory(atPath: split.path("\(dir)/_partial")).sorted()
            #expect(partials == (0..<3).map { "sessions-shard-0000\($0)-of-00003.bin" }, "\(label): \(partials)")
            for name in ["manifest.json", "_SUCCESS", "users", "users.parquet", "orders"] {
                #expect(!FileManager.default.fileExists(atPath: split.path("\(dir)/\(name)")), "\(label): \(dir)/\(name)")
            }
        }
        let merged = try split.run(["manifest", "merge", "out"])
        #expect(merged.passed, "\(label): \(merged.output)")
        #expect(merged.output.components(separatedBy: "merged ").count - 1 == fixtures.count, "\(label): \(merged.output)")
        let want = try Runs.tree(full.inside.appendingPathComponent("out"))
        let got = try Runs.tree(split.inside.appendingPathComponent("out")).filter { !$0.key.split(separator: "/").last!.hasPrefix("manifest-shard-") }
        #expect(want.count > 10 * fixtures.count)
        #expect(Set(got.keys) == Set(want.keys), "\(label): \(Set(got.keys).symmetricDifference(want.keys).sorted())")
        for (path, data) in want { #expect(got[path] == data, "\(label): \(path) differs") }
        let v = try split.run(["validate", "out"])
        #expect(v.passed && v.output.contains("checks passed"), "\(label): \(v.output.suffix(1500))")
        // Merged twice: refused, the merged run left alone.
        let again = try split.run(["manifest", "merge", fixtures[0].isEmpty ? "out" : "out/\(fixtures[0])"])
        #expect(!again.passed && again.output.contains("already merged"), "\(label): \(again.output)")
        let after = try Runs.tree(split.inside.appendingPathComponent("out")).filter { !$0.key.split(separator: "/").last!.hasPrefix("manifest-shard-") }
        #expect(after == got, "\(label)")
    }

    @Test("3 shards merge to the full run byte for byte: baseline (hive Parquet), with a scenario in every layout and format")
    func shardsMergeToFullRun() throws {
        try Self.compare("baseline", ["generate", "ecommerce", "--scale", "0.5", "--compression", "zstd", "--out", "out"], fixtures: [""])
        try Self.compare("flat-dup", ["generate", "ecommerce", "--scale", "0.5", "--layout", "flat", "--scenario", "duplicates", "--out", "out"],
                         fixtures: ["duplicates"])
        // Late events land on day 5, past their shard's days; the census decides which.
        try Self.compare("csv-late", ["generate", "ecommerce", "--scale", "0.5", "--format", "csv", "--scenario", "late_arriving", "--out", "out"],
                         fixtures: ["late_arriving"])
        try Self.compare("delta-drop", ["generate", "ecommerce", "--scale", "0.5", "--format", "delta", "--scenario", "volume_drop,null_spike",
                                        "--out", "out"], fixtures: ["null_spike", "volume_drop"])
    }

    @Test("a shard's partial file is input: cut short, changed or missing, the merge refuses and writes no manifest; the shard run again mends it")
    func partialFilesChecked() throws {
        let box = try Sandbox("ec-partial")
        defer { box.remove() }
        let arguments = ["generate", "ecommerce", "--scale", "0.3", "--out", "out"]
        for i in 0..<2 { try #require(try box.run(arguments + ["--shard", "\(i)/2"]).passed) }
        let partial = box.path("out/_partial/sessions-shard-00001-of-00002.bin")
        let good = try Data(contentsOf: URL(fileURLWithPath: partial))
        var flipped = good
        flipped[flipped.count - 5] ^= 0x40
        let cases: [(String, Data?, String)] = [
            ("flipped", flipped, "SHA-256"), ("cut", good.prefix(good.count - 100) + Data(count: 100), "SHA-256"), ("short", good.prefix(good.count - 100), "missing or changed"),
            ("missing", nil, "missing or changed"),
        ]
        for (label, bytes, message) in cases {
            if let bytes { try bytes.write(to: URL(fileURLWithPath: partial)) } else { try FileManager.default.removeItem(atPath: partial) }
            let r = try box.run(["manifest", "merge", "out"])
            #expect(!r.passed && r.output.contains(message), "\(label): \(r.output)")
            #expect(!FileManager.default.fileExists(atPath: box.path("out/manifest.json")), "\(label)")
            #expect(!FileManager.default.fileExists(atPath: box.path("out/_SUCCESS")), "\(label)")
        }
        // The failed merges' files are claimed: clean could take them; a rerun shard and merge finish.
        let dry = try box.run(["clean", "out", "--dry-run"])
        #expect(dry.passed, "\(dry.output)")
        try #require(try box.run(arguments + ["--shard", "1/2"]).passed)
        #expect(try Data(contentsOf: URL(fileURLWithPath: partial)) == good)
        let merged = try box.run(["manifest", "merge", "out"])
        #expect(merged.passed, "\(merged.output)")
        #expect(!FileManager.default.fileExists(atPath: box.path("out/_partial")))
        #expect(try box.run(["validate", "out"]).passed)
        let cleaned = try box.run(["clean", "out", "--confirm"])
        #expect(cleaned.passed, "\(cleaned.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.path("out")).isEmpty)
    }

    @Test("a shard killed mid-way leaves what clean removes; run again, it writes the same partial file and events")
    func killedShardRetried() throws {
        let box = try Sandbox("ec-killed")
        defer { box.remove() }
        let arguments = ["generate", "ecommerce", "--scale", "3", "--out", "out", "--shard", "1/2", "--threads", "1"]
        let child = try Interop.launch(Interop.streamgen, arguments, environment: ["SOURCE_DATE_EPOCH": "86400"], currentDirectory: box.inside.path)
        // Killed once its first events file is in (the partial file is still a temporary one).
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try? FileManager.default.contentsOfDirectory(atPath: box.path("out/events/date=2024-01-08")))?.contains(where: { $0.hasPrefix("part-") }) != true {
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(child.process.processIdentifier, SIGKILL)
        _ = child.finish(timeout: 10)
        let temporaries = try FileManager.default.contentsOfDirectory(atPath: box.path("out/_partial"))
        #expect(temporaries.count == 1 && temporaries[0].hasSuffix(".tmp"), "\(temporaries)")
        let dry = try box.run(["clean", "out", "--dry-run"])
        #expect(dry.passed && dry.output.contains("would remove"), "\(dry.output)")
        let retried = try box.run(arguments)
        #expect(retried.passed, "\(retried.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.path("out/_partial")) == ["sessions-shard-00001-of-00002.bin"])
        let other = try Sandbox("ec-killed-clean")
        defer { other.remove() }
        #expect(try other.run(arguments).passed)
        let a = try Runs.tree(box.inside.appendingPathComponent("out")), b = try Runs.tree(other.inside.appendingPathComponent("out"))
        #expect(a == b)
        #expect(a.keys.contains("_partial/sessions-shard-00001-of-00002.bin"))
    }
}

@Suite("Chunk spill format")
struct ChunkSpillTests {
    static let schema = try! Schema([
        Column("i", .int32, .optional), Column("l", .int64), Column("d", .double, .optional), Column("b", .boolean, .optional),
        Column("s", .string, .optional), Column("u", .uuid(.fixed16), .optional),
        Column("c", .string, .optional, dictionary: try! ValueDictionary(["web", "app"])),
    ])

    static func sample() -> Chunk {
        var chunk = Chunk(schema: schema, capacity: 100)
        for r in 0..<77 {
            if r % 5 == 0 { chunk.columns[0].appendNull() } else { chunk.columns[0].append(Int32(r) - 40) }
            chunk.columns[1].append(Int64(r) << 40)
            if r % 7 == 0 { chunk.columns[2].appendNull() } else { chunk.columns[2].append(Double(r) / 3) }
            if r == 3 { chunk.columns[3].appendNull() } else { chunk.columns[3].append(r % 2 == 0) }
            if r % 4 == 1 { chunk.columns[4].appendNull() } else { chunk.columns[4].append(String(repeating: "é", count: r % 9)) }
            if r % 3 == 0 { chunk.columns[5].appendNull() } else { chunk.columns[5].append(bytes: (0..<16).map { UInt8(($0 + r) & 0xff) }) }
            if r % 6 == 0 { chunk.columns[6].appendNull() } else { chunk.columns[6].appendCode(UInt32(r % 2)) }
        }
        return chunk
    }

    @Test("a chunk reads back with every value, null and code, and spills to the same bytes again")
    func roundTrip() throws {
        let chunk = Self.sample()
        var bytes: [UInt8] = []
        chunk.spill(into: &bytes)
        var reader = SpillReader(bytes)
        let back = try Chunk(spilled: &reader, schema: Self.schema)
        #expect(reader.remaining == 0)
        #expect(back.rowCount == 77)
        for c in chunk.columns.indices {
            #expect(back.columns[c].nullCount == chunk.columns[c].nullCount, "\(c)")
            for r in 0..<77 { #expect(back.columns[c].isValid(r) == chunk.columns[c].isValid(r), "\(c) \(r)") }
        }
        #expect(back.columns[1].nullCount == 0 && chunk.columns[0].nullCount == 16)
        var again: [UInt8] = []
        back.spill(into: &again)
        #expect(again == bytes)
        // The files a writer makes of either are the same.
        let dir = try Interop.makeTemporaryDirectory("spill")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, c) in [("a.parquet", chunk), ("b.parquet", back)] {
            let w = try ParquetFileWriter(path: dir.appendingPathComponent(name).path, schema: Self.schema)
            try w.write(c)
            _ = try w.close()
        }
        #expect(try Data(contentsOf: dir.appendingPathComponent("a.parquet")) == Data(contentsOf: dir.appendingPathComponent("b.parquet")))
    }

    @Test("cut at every length, or a byte changed anywhere: an error or a chunk, never a trap; a code outside the dictionary is refused")
    func malformed() throws {
        var bytes: [UInt8] = []
        Self.sample().spill(into: &bytes)
        for n in 0..<bytes.count {
            var reader = SpillReader(Array(bytes[0..<n]))
            #expect(throws: ColumnarError.self) { _ = try Chunk(spilled: &reader, schema: Self.schema) }
        }
        for at in stride(from: 0, to: bytes.count, by: 3) {
            for v: UInt8 in [0, 0x7f, 0xff] {
                var changed = bytes
                changed[at] = v
                var reader = SpillReader(changed)
                if let chunk = try? Chunk(spilled: &reader, schema: Self.schema) { try chunk.validate() }
            }
        }
        // Into a schema whose column is required, a column with nulls is refused.
        let required = try Schema(Self.schema.columns.enumerated().map { $0.offset == 0 ? Column("i", .int32) : $0.element })
        var reader = SpillReader(bytes)
        #expect(throws: ColumnarError.self) { _ = try Chunk(spilled: &reader, schema: required) }
    }
}
