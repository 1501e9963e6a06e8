import Columnar
import Foundation
import StreamGen
import StreamGenYAML
import TestSupport
import Testing

/// Runs the engine into temporary directories and compares what it wrote.
enum Runs {
    static func options(_ directory: URL, _ configure: (inout GenerateOptions) -> Void = { _ in }) -> GenerateOptions {
        var o = GenerateOptions(pack: DevAppPack.spec, outDirectory: directory.path)
        o.scale = 3
        o.shardRows = 4000
        o.chunkRows = 1000
        o.createdAt = 1_700_000_000
        o.commandLine = ["streamgen", "generate", "devapp"]
        configure(&o)
        return o
    }

    @discardableResult
    static func generate(_ directory: URL, _ configure: (inout GenerateOptions) -> Void = { _ in }) async throws -> Manifest {
        try await StreamGenEngine.generate(options(directory, configure))
    }

    /// Every file under `directory` (relative path → bytes), manifests included unless excluded.
    static func tree(_ directory: URL, dataOnly: Bool = false) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = directory.path + "/"
        let enumerator = FileManager.default.enumerator(atPath: directory.path)!
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: base + relative, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            if dataOnly && (relative.hasPrefix("manifest") || relative == "_SUCCESS") { continue }
            files[relative] = try Data(contentsOf: URL(fileURLWithPath: base + relative))
        }
        return files
    }

    /// `tree` of a merged sharded run, less what a full run has not: the shards' manifests and locks.
    static func mergedTree(_ directory: URL) throws -> [String: Data] {
        try tree(directory).filter { !$0.key.hasPrefix("manifest-shard-") && !$0.key.hasPrefix(".streamgen-shard-") }
    }

    static func temporary(_ label: String) throws -> URL {
        try Interop.makeTemporaryDirectory(label)
    }
}

@Suite("Engine: determinism, shards, output directory", .serialized)
struct EngineTests {
    @Test("same seed twice: identical bytes, manifest included")
    func sameSeedTwice() async throws {
        let a = try Runs.temporary("seed-a"), b = try Runs.temporary("seed-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try await Runs.generate(a)
        try await Runs.generate(b)
        let ta = try Runs.tree(a), tb = try Runs.tree(b)
        #expect(ta.count > 40)
        #expect(ta == tb)
        #expect(ta["_SUCCESS"] != nil && ta["manifest.json"] != nil)
    }

    @Test("--threads 1 and --threads 2: identical bytes")
    func threadCounts() async throws {
        let a = try Runs.temporary("t1"), b = try Runs.temporary("t2")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try await Runs.generate(a) { $0.threads = 1 }
        try await Runs.generate(b) { $0.threads = 2 }
        #expect(try Runs.tree(a) == Runs.tree(b))
    }

    @Test("different seeds: different data, same shape")
    func differentSeeds() async throws {
        let a = try Runs.temporary("s1"), b = try Runs.temporary("s2")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let ma = try await Runs.generate(a) { $0.seed = 1 }
        let mb = try await Runs.generate(b) { $0.seed = 2 }
        #expect(ma.tables.map(\.rows) == mb.tables.map(\.rows))
        let ta = try Runs.tree(a, dataOnly: true), tb = try Runs.tree(b, dataOnly: true)
        let common = Set(ta.keys).intersection(tb.keys)
        #expect(!common.isEmpty)
        #expect(common.allSatisfy { ta[$0] != tb[$0] })
    }

    @Test("--shard 0/3, 1/3, 2/3 into one directory, merged: the full run's files and manifest")
    func shardsAddUp() async throws {
        let full = try Runs.temporary("full"), split = try Runs.temporary("split")
        defer { try? FileManager.default.removeItem(at: full); try? FileManager.default.removeItem(at: split) }
        let fullManifest = try await Runs.generate(full)
        var seen = Set<String>()
        for i in [2, 0, 1] {
            let m = try await Runs.generate(split) { $0.shard = try! ShardSelection(index: i, count: 3) }
            let paths = Set(m.tables.flatMap { $0.files.map(\.path) })
            #expect(paths.isDisjoint(with: seen))
            seen.formUnion(paths)
        }
        #expect(!FileManager.default.fileExists(atPath: split.appendingPathComponent("_SUCCESS").path))
        // A retried shard (its task run again after it finished) succeeds and leaves the same bytes.
        let before = try Runs.tree(split)
        _ = try await Runs.generate(split) { $0.shard = try! ShardSelection(index: 1, count: 3) }
        #expect(try Runs.tree(split) == before)
        let merged = try ManifestMerge.merge(split.path, commandLine: fullManifest.commandLine, createdAt: fullManifest.createdAt)
        #expect(try Runs.tree(full, dataOnly: true) == Runs.tree(split, dataOnly: true))
        #expect(merged.tables == fullManifest.tables)
        #expect(merged.json() == fullManifest.json())
        let success = FileManager.default.fileExists(atPath: split.appendingPathComponent("_SUCCESS").path)
        #expect(success)
    }

    @Test("streamgen manifest merge through the CLI: the merged manifest.json is a full run's, byte for byte")
    func cliMergeEqualsFullRun() throws {
        let full = try Sandbox("merge-full"), split = try Sandbox("merge-split")
        defer { full.remove(); split.remove() }
        let arguments = ["generate", "devapp", "--rows", "20000", "--out", "out"]
        #expect(try full.run(arguments).passed)
        for i in [1, 0] {
            // Shards start at different times: created_at is SOURCE_DATE_EPOCH's either way.
            let r = try split.run(arguments + ["--shard", "\(i)/2"], environment: ["SOURCE_DATE_EPOCH": String(86_400 + i)])
            #expect(r.passed, "\(r.output)")
        }
        let merged = try split.run(["manifest", "merge", "out"])
        #expect(merged.passed, "\(merged.output)")
        let want = try Data(contentsOf: URL(fileURLWithPath: full.path("out/manifest.json")))
        let got = try Data(contentsOf: URL(fileURLWithPath: split.path("out/manifest.json")))
        #expect(got == want, "\(String(decoding: got.prefix(600), as: UTF8.self))")
    }

    @Test("CSV shards merged through the CLI: the full run's directory byte for byte, load_postgres.sql (every shard's files) included")
    func csvShardsMergeWithLoadScript() throws {
        let full = try Sandbox("csv-full"), split = try Sandbox("csv-split")
        defer { full.remove(); split.remove() }
        let arguments = ["generate", "devapp", "--rows", "20000", "--shard-rows", "3000", "--format", "csv", "--out", "out"]
        #expect(try full.run(arguments).passed)
        for i in [1, 0] {
            let r = try split.run(arguments + ["--shard", "\(i)/2"])
            #expect(r.passed, "\(r.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: split.path("out/load_postgres.sql")))
        let merged = try split.run(["manifest", "merge", "out"])
        #expect(merged.passed, "\(merged.output)")
        let want = try Runs.tree(full.inside.appendingPathComponent("out"))
        let got = try Runs.mergedTree(split.inside.appendingPathComponent("out"))
        #expect(want["load_postgres.sql"] != nil && want.keys.filter { $0.hasSuffix(".csv") }.count > 20)
        #expect(Set(got.keys) == Set(want.keys), "\(Set(got.keys).symmetricDifference(want.keys).sorted())")
        for (path, data) in want { #expect(got[path] == data, "\(path) differs") }
    }

    @Test("merge refuses a missing shard")
    func mergeNeedsEveryShard() async throws {
        let dir = try Runs.temporary("merge-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await Runs.generate(dir) { $0.shard = try! ShardSelection(index: 0, count: 2) }
        #expect(throws: ManifestError.self) { try ManifestMerge.merge(dir.path) }
        do {
            try ManifestMerge.merge(dir.path)
        } catch {
            #expect(error.message.contains("1/2"), "\(error)")
        }
    }

    @Test("the manifest records what was written, with SHA-256 checksums that match the files")
    func manifestMatchesFiles() async throws {
        let dir = try Runs.temporary("manifest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try await Runs.generate(dir)
        #expect(m.tables.map(\.name) == ["fake_users", "fake_orders", "fake_analytics", "fake_products"])
        #expect(m.tables.map(\.rows) == [3000, 15000, 30000, 1500])
        #expect(m.tables.map(\.plannedRows) == [3000, 15000, 30000, 1500])
        let read = try Manifest.read(dir.appendingPathComponent("manifest.json").path)
        #expect(read == m)
        #expect(read.createdAt == 1_700_000_000)
        let text = try String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(text.contains("\"created_at\": \"2023-11-14T22:13:20.000000Z\""))
        for table in m.tables {
            for file in table.files.prefix(3) {
                let data = try Data(contentsOf: dir.appendingPathComponent(file.path))
                #expect(Int64(data.count) == file.bytes)
                #expect(SHA256.hex([UInt8](data)) == file.sha256)
            }
        }
        let analytics = m.tables[2]
        #expect(analytics.partitionBy.map(\.name) == ["country", "device_type"])
        #expect(analytics.files.allSatisfy { $0.path.hasPrefix("fake_analytics/country=") && $0.path.contains("/device_type=") })
        let status = try DatasetStatus.load(dir.path, verify: true)
        #expect(status.complete)
        #expect(status.tables.map(\.rows) == [3000, 15000, 30000, 1500])
        let users = status.tables[0]
        #expect(users.columns.first { $0.name == "id" }?.min == "1")
        #expect(users.columns.first { $0.name == "id" }?.max == "3000")
        #expect(users.partitions == 5)
        #expect(status.render().contains("fake_users: 3,000 rows"))
    }

    @Test("status notices a missing file")
    func statusNoticesMissingFile() async throws {
        let dir = try Runs.temporary("status-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try await Runs.generate(dir) { $0.tables = ["fake_users"] }
        try FileManager.default.removeItem(at: dir.appendingPathComponent(m.tables[0].files[0].path))
        let status = try DatasetStatus.load(dir.path)
        #expect(!status.complete)
        #expect(status.tables[0].problems.first?.hasPrefix("missing:") == true)
    }

    @Test("--rows sets the largest table; --tables writes only those")
    func rowsAndTables() async throws {
        let dir = try Runs.temporary("rows")
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try await Runs.generate(dir) {
            $0.scale = 1
            $0.rows = 25_000
            $0.tables = ["fake_analytics", "fake_users"]
        }
        #expect(m.tables.map(\.name) == ["fake_users", "fake_analytics"])
        #expect(m.tables.map(\.rows) == [2500, 25_000])
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(entries == ["_SUCCESS", "fake_analytics", "fake_users", "manifest.json", "schema.sql"])
    }
}

@Suite("Engine: bad input and failures", .serialized)
struct BadInputTests {
    func prepareError(_ configure: (inout GenerateOptions) -> Void) throws -> String? {
        let dir = try Runs.temporary("bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try StreamGenEngine.prepare(Runs.options(dir, configure))
            return nil
        } catch {
            return error.description
        }
    }

    @Test("invalid options are refused with a message naming them")
    func invalidOptions() throws {
        #expect(try prepareError { $0.days = 0 }?.contains("--days 0") == true)
        #expect(try prepareError { $0.scale = 0 }?.contains("--scale") == true)
        #expect(try prepareError { $0.scale = -2 }?.contains("--scale") == true)
        #expect(try prepareError { $0.tables = ["fake_nothing"] }?.contains("no table 'fake_nothing'") == true)
        #expect(try prepareError { $0.threads = 0 }?.contains("--threads") == true)
        #expect(try prepareError { $0.zstdLevel = 40 }?.contains("--zstd-level") == true)
        let memory = try prepareError { $0.memoryLimit = 48 << 20; $0.threads = 4; $0.chunkRows = 65536 }
        #expect(memory?.contains("--memory-limit") == true && memory?.contains("too small") == true, "\(String(describing: memory))")
        #expect(try prepareError { $0.threads = 2 } == nil)
    }

    @Test("a non-empty directory needs --overwrite; --overwrite replaces only StreamGen's files")
    func overwrite() async throws {
        let dir = try Runs.temporary("overwrite")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await Runs.generate(dir) { $0.tables = ["fake_users"] }
        await #expect(throws: GenerateError.self) { try await Runs.generate(dir) { $0.tables = ["fake_products"] } }
        let m = try await Runs.generate(dir) { $0.tables = ["fake_products"]; $0.overwrite = true }
        #expect(m.tables.map(\.name) == ["fake_products"])
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(entries == ["_SUCCESS", "fake_products", "manifest.json", "schema.sql"])
        // A file StreamGen did not write stops an overwrite, and stays.
        let foreign = dir.appendingPathComponent("notes.txt")
        try Data("keep me".utf8).write(to: foreign)
        do {
            try await Runs.generate(dir) { $0.overwrite = true }
            Issue.record("overwrote a directory with a foreign file")
        } catch {
            #expect("\(error)".contains("notes.txt"), "\(error)")
        }
        #expect(FileManager.default.fileExists(atPath: foreign.path))
    }

    @Test("an output directory that cannot be created")
    func uncreatableDirectory() async throws {
        let dir = try Runs.temporary("uncreatable")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        do {
            try await StreamGenEngine.generate(Runs.options(file.appendingPathComponent("out")))
            Issue.record("wrote under a file")
        } catch {
            #expect("\(error)".contains("cannot create the output directory"), "\(error)")
        }
    }

    static var canMountTmpfs: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    @Test("a disk that fills up mid-run: complete files stay valid, the manifest says failed, no _SUCCESS",
          .enabled(if: canMountTmpfs, "needs root to mount a small tmpfs"))
    func diskFull() async throws {
        let dir = try Runs.temporary("enospc")
        defer {
            _ = try? Interop.run("/bin/umount", [dir.path])
            try? FileManager.default.removeItem(at: dir)
        }
        let mount = try Interop.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1200k", "tmpfs", dir.path])
        try #require(mount.passed, "mount failed: \(mount.output)")
        do {
            try await Runs.generate(dir) { $0.scale = 10; $0.codec = .uncompressed }
            Issue.record("the run did not fail")
        } catch {
            #expect("\(error)".contains("No space left on device"), "\(error)")
            #expect("\(error)".contains("failed"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("_SUCCESS").path))
        let files = try Runs.tree(dir)
        #expect(files.keys.allSatisfy { !$0.hasSuffix(".tmp") }, "temporary files left: \(files.keys.filter { $0.hasSuffix(".tmp") })")
        if let manifestData = files["manifest.json"] {
            let manifest = try Manifest(json: JSONValue.parse(String(decoding: manifestData, as: UTF8.self)))
            #expect(manifest.status == .failed)
            for table in manifest.tables {
                for file in table.files {
                    let footer = try ParquetFooter.read(path: dir.appendingPathComponent(file.path).path)
                    #expect(footer[3]?.int == file.rows)
                }
            }
        }
        // Every Parquet file present is complete: its footer reads.
        for path in files.keys where path.hasSuffix(".parquet") {
            _ = try ParquetFooter.read(path: dir.appendingPathComponent(path).path)
        }
    }
}
