import Foundation
import TestSupport
import Testing

/// A directory to attack the binary in: `inside/` is the working directory and holds the outputs,
/// `outside/` holds canary files that nothing may touch.
struct Sandbox {
    let root: URL
    var inside: URL { root.appendingPathComponent("inside") }
    var outside: URL { root.appendingPathComponent("outside") }

    init(_ label: String) throws {
        root = try Interop.makeTemporaryDirectory("sandbox-\(label)")
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside.appendingPathComponent("sales/department=HR"), withIntermediateDirectories: true)
        try Data("canary".utf8).write(to: outside.appendingPathComponent("victim.txt"))
        try Data("PAR1 not really".utf8).write(to: outside.appendingPathComponent("sales/department=HR/part-00000.parquet"))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func path(_ relative: String) -> String { inside.appendingPathComponent(relative).path }

    /// Runs `streamgen` in `inside/`.
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> Interop.Result {
        try Interop.launch(Interop.streamgen, arguments, environment: ["SOURCE_DATE_EPOCH": "86400"].merging(environment) { $1 },
                           currentDirectory: inside.path).finish(timeout: timeout)
    }

    /// Every file outside `inside/` (and the sandbox's own listing): what no run may change.
    func outsideSnapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root.path)!
        while let relative = enumerator.nextObject() as? String {
            if relative == "inside" || relative.hasPrefix("inside/") { continue }
            let full = root.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: full.path, isDirectory: &isDirectory)
            files[relative] = isDirectory.boolValue ? Data("dir".utf8) : try Data(contentsOf: full)
        }
        return files
    }

    /// Every path below `inside/relative`, files and directories, links not followed.
    func tree(_ relative: String) -> [String] {
        (FileManager.default.enumerator(atPath: path(relative))?.allObjects as? [String] ?? []).sorted()
    }
}

/// What every failing run must leave: no signal death, a message, nothing complete-looking.
func expectCleanFailure(_ result: Interop.Result, _ what: String, message: String? = nil, out: String? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.signaled, "\(what): died of a signal or hung: \(result.output)", sourceLocation: sourceLocation)
    #expect(result.exitCode != 0, "\(what) exited 0: \(result.output)", sourceLocation: sourceLocation)
    #expect(result.output.contains("Error"), "\(what): no message: \(result.output)", sourceLocation: sourceLocation)
    if let message { #expect(result.output.contains(message), "\(what): \(result.output)", sourceLocation: sourceLocation) }
    if let out { #expect(!FileManager.default.fileExists(atPath: out + "/_SUCCESS"), "\(what): _SUCCESS written", sourceLocation: sourceLocation) }
}

/// Issue 12's attacks, each through the real binary.
@Suite("Safety: nothing outside the output directory", .serialized)
struct PathSafetyTests {
    static func schema(partitionColumn: String) -> String {
        """
        tables:
          - name: sales
            rows: 100
            partition_by: ["\(partitionColumn)"]
            columns:
              - {name: id, type: int64, generator: sequence}
              - {name: "\(partitionColumn)", type: string, generator: {choice: [HR, IT]}}
        """
    }

    @Test("hostile partition column names are refused with file and line; nothing is written anywhere")
    func hostilePartitionNames() throws {
        let box = try Sandbox("partition")
        defer { box.remove() }
        let before = try box.outsideSnapshot()
        for (i, name) in ["../../outside/sales/department", "a/b", "x=y", "..", ".hidden", "dé/p", "a\\u0000b"].enumerated() {
            let file = box.path("s\(i).yaml")
            try Self.schema(partitionColumn: name).write(toFile: file, atomically: true, encoding: .utf8)
            let result = try box.run(["generate", "--schema", file, "--out", "out\(i)"])
            expectCleanFailure(result, name, out: box.path("out\(i)"))
            #expect(result.output.contains("s\(i).yaml:"), "\(name): no file and line: \(result.output)")
            #expect(!FileManager.default.fileExists(atPath: box.path("out\(i)")), "\(name): wrote an output directory")
        }
        #expect(try box.outsideSnapshot() == before)
    }

    @Test("partition values with '/', '=', '%' and '..' stay one directory each and read back as written")
    func hostilePartitionValues() throws {
        let box = try Sandbox("values")
        defer { box.remove() }
        let file = box.path("v.yaml")
        try """
        tables:
          - name: t
            rows: 200
            partition_by: [k]
            columns:
              - {name: id, type: int64, generator: sequence}
              - {name: k, type: string, generator: {choice: ["a/b", "x=y", "..", "50%", "../../outside"]}}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let before = try box.outsideSnapshot()
        let result = try box.run(["generate", "--schema", file, "--out", "out"])
        #expect(result.passed, "\(result.output)")
        #expect(Set(box.tree("out/t").filter { !$0.contains("/") }) == ["k=a%2Fb", "k=x%3Dy", "k=..", "k=50%25", "k=..%2F..%2Foutside"])
        let read = try Interop.readDataset(box.path("out"), queries: ["values": "SELECT k, count(*) FROM t GROUP BY k ORDER BY k"])
        let values = try #require((read["queries"] as? [String: [[Any]]])?["values"]).map { $0[0] as? String ?? "?" }
        #expect(values == ["..", "../../outside", "50%", "a/b", "x=y"])
        #expect(try box.outsideSnapshot() == before)
    }

    @Test("--out \"\" is refused, and writes nothing into the working directory")
    func emptyOut() throws {
        let box = try Sandbox("empty-out")
        defer { box.remove() }
        let result = try box.run(["generate", "devapp", "--out", ""])
        expectCleanFailure(result, "--out \"\"", message: "the output directory is empty")
        #expect(box.tree("").isEmpty, "wrote: \(box.tree(""))")
        for command in [["status", ""], ["clean", "", "--confirm"], ["manifest", "merge", ""]] {
            expectCleanFailure(try box.run(command), "\(command)")
        }
    }

    @Test("--overwrite never follows a link: a linked table or partition directory refuses it, and its target stays")
    func symlinkedDirectories() throws {
        let box = try Sandbox("symlink")
        defer { box.remove() }
        let generated = try box.run(["generate", "devapp", "--tables", "fake_users", "--out", "out"])
        try #require(generated.passed, "\(generated.output)")
        let before = try box.outsideSnapshot()
        let fm = FileManager.default
        // A partition directory replaced by a link to a directory outside.
        try fm.removeItem(atPath: box.path("out/fake_users/department=HR"))
        try fm.createSymbolicLink(atPath: box.path("out/fake_users/department=HR"), withDestinationPath: box.outside.appendingPathComponent("sales/department=HR").path)
        let kept = box.tree("out")
        for command in [["generate", "devapp", "--tables", "fake_users", "--out", "out", "--overwrite"], ["clean", "out", "--confirm"]] {
            let result = try box.run(command)
            expectCleanFailure(result, "\(command)", message: "symbolic link")
            #expect(box.tree("out") == kept, "\(command) removed files")
        }
        // The table directory itself a link.
        try fm.removeItem(atPath: box.path("out/fake_users"))
        try fm.createSymbolicLink(atPath: box.path("out/fake_users"), withDestinationPath: box.outside.appendingPathComponent("sales").path)
        expectCleanFailure(try box.run(["generate", "devapp", "--tables", "fake_users", "--out", "out", "--overwrite"]), "linked table", message: "symbolic link")
        // A claimed file replaced by a link to a file outside.
        #expect(try box.outsideSnapshot() == before)
        // status --verify does not follow the link either.
        let status = try box.run(["status", "out", "--verify"])
        #expect(!status.passed && !status.signaled)
        #expect(try box.outsideSnapshot() == before)
    }

    static func craftedManifest(path: String, bytes: Int) -> String {
        """
        {"streamgen_manifest": 1, "tool": {"name": "streamgen", "version": "0.1.0"}, "status": "complete",
         "created_at": "1970-01-02T00:00:00.000000Z", "command_line": [], "pack": "devapp", "seed": "42", "options": {},
         "shard": null, "shards_in_plan": 1,
         "tables": [{"name": "fake_users", "planned_rows": 1, "rows": 1, "bytes": \(bytes), "partitions": 1, "partition_by": [],
                     "sort_by": [], "schema": [{"name": "id", "type": "int64", "nullable": false}],
                     "files": [{"path": "\(path)", "rows": 1, "bytes": \(bytes), "sha256": "00", "shard": 0, "partition": {}}]}]}
        """
    }

    @Test("a crafted manifest (combining marks, ZWJ, variation selectors, '..', absolute paths) cannot make anything outside go")
    func craftedManifests() throws {
        let box = try Sandbox("crafted")
        defer { box.remove() }
        let victim = box.inside.appendingPathComponent("victim.txt")
        try Data("keep me".utf8).write(to: victim)
        let before = try box.outsideSnapshot()
        for (i, claim) in ["../\u{0301}victim.txt", "../\u{200D}victim.txt", "../\u{FE0F}victim.txt", "../victim.txt", "a/../../victim.txt",
                          box.outside.appendingPathComponent("victim.txt").path, "fake_users/../../victim.txt", "/dev/zero"].enumerated()
        {
            let out = box.path("out\(i)")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let escaped = claim.unicodeScalars.map { $0.value < 0x80 ? String($0) : String(format: "\\u%04X", $0.value) }.joined()
            try Self.craftedManifest(path: escaped, bytes: 7).write(toFile: out + "/manifest.json", atomically: true, encoding: .utf8)
            for command in [["generate", "devapp", "--out", "out\(i)", "--overwrite"], ["clean", "out\(i)", "--confirm"],
                            ["status", "out\(i)", "--verify"], ["manifest", "merge", "out\(i)"]]
            {
                let result = try box.run(command, timeout: 30)
                expectCleanFailure(result, "\(claim): \(command)")
            }
            #expect(FileManager.default.fileExists(atPath: victim.path), "\(claim): the victim is gone")
            #expect(FileManager.default.fileExists(atPath: out + "/manifest.json"), "\(claim): the manifest is gone")
        }
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep me")
        #expect(try box.outsideSnapshot() == before)
    }

    @Test("status --verify and validate never hang on a FIFO or a device in place of a file")
    func fifoInPlaceOfFile() throws {
        let box = try Sandbox("fifo")
        defer { box.remove() }
        try #require(try box.run(["generate", "devapp", "--tables", "fake_users", "--out", "out"]).passed)
        let file = box.path("out/fake_users/department=HR/part-00000.parquet")
        try FileManager.default.removeItem(atPath: file)
        #expect(mkfifo(file, 0o644) == 0)
        let status = try box.run(["status", "out", "--verify"], timeout: 30)
        #expect(!status.timedOut && !status.signaled && status.exitCode == 1, "\(status.output)")
        #expect(status.output.contains("not a regular file"), "\(status.output)")
        let clean = try box.run(["clean", "out", "--confirm"], timeout: 30)
        expectCleanFailure(clean, "clean around a FIFO", message: "not a regular file")
    }
}

@Suite("Safety: --overwrite and clean remove only what StreamGen claims", .serialized)
struct OverwriteSafetyTests {
    @Test("a foreign file refuses the overwrite before anything is removed; hidden .tmp files are foreign too")
    func refuseBeforeDeleting() throws {
        let box = try Sandbox("foreign")
        defer { box.remove() }
        try #require(try box.run(["generate", "devapp", "--out", "out"]).passed)
        let full = box.tree("out")
        for foreign in ["notes.txt", "fake_orders/status=shipped/notes.txt", ".cache.tmp", "fake_users/.part-00000.parquet.1-1.tmp.bak",
                        ".part-00000.parquet.12-3.tmp", "fake_users/department=HR/part-00000.parquet.orig"]
        {
            try Data("mine".utf8).write(to: box.inside.appendingPathComponent("out/" + foreign))
            let listing = box.tree("out")
            for command in [["generate", "devapp", "--out", "out", "--overwrite"], ["clean", "out", "--confirm"]] {
                let result = try box.run(command)
                expectCleanFailure(result, "\(foreign): \(command)", message: "nothing was removed")
                #expect(box.tree("out") == listing, "\(foreign): \(command) removed something")
            }
            try FileManager.default.removeItem(at: box.inside.appendingPathComponent("out/" + foreign))
        }
        #expect(box.tree("out") == full)
        // A claimed file whose size changed is not StreamGen's any more.
        let claimed = box.path("out/fake_users/department=HR/part-00000.parquet")
        try Data("a foreign file under a claimed name".utf8).write(to: URL(fileURLWithPath: claimed))
        let resized = try box.run(["generate", "devapp", "--out", "out", "--overwrite"])
        expectCleanFailure(resized, "resized claim", message: "where the manifest claims")
        #expect(try String(contentsOfFile: claimed, encoding: .utf8) == "a foreign file under a claimed name")
        // A manifest claiming a file that is not a StreamGen data file.
        let notes = box.path("notes.txt")
        try Data("x".utf8).write(to: URL(fileURLWithPath: notes))
        try FileManager.default.createDirectory(atPath: box.path("crafted"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: box.path("crafted/notes.txt")))
        try PathSafetyTests.craftedManifest(path: "notes.txt", bytes: 1).write(toFile: box.path("crafted/manifest.json"), atomically: true, encoding: .utf8)
        expectCleanFailure(try box.run(["clean", "crafted", "--confirm"]), "claim of notes.txt", message: "not a file StreamGen writes")
        #expect(FileManager.default.fileExists(atPath: box.path("crafted/notes.txt")))
    }

    @Test("ecommerce: foreign files inside its tables and a fake two-line manifest are refused and kept")
    func ecommerceForeignFiles() throws {
        let box = try Sandbox("ecommerce-foreign")
        defer { box.remove() }
        let small = ["generate", "ecommerce", "--scale", "0.05", "--out", "out"]
        try #require(try box.run(small).passed)
        let fm = FileManager.default
        try fm.createDirectory(atPath: box.path("out/users/mine"), withIntermediateDirectories: true)
        for foreign in ["events/notes.txt", "users/mine/keep.txt", "events/date=2024-01-08/extra.parquet"] {
            try Data("mine".utf8).write(to: URL(fileURLWithPath: box.path("out/" + foreign)))
            let listing = box.tree("out")
            let result = try box.run(small + ["--overwrite"])
            expectCleanFailure(result, foreign, message: "nothing was removed")
            #expect(box.tree("out") == listing)
            try fm.removeItem(atPath: box.path("out/" + foreign))
        }
        try fm.removeItem(atPath: box.path("out/users/mine"))
        let again = try box.run(small + ["--overwrite"])
        #expect(again.passed, "\(again.output)")
        // A fake manifest claims nothing.
        try fm.createDirectory(atPath: box.path("fake/events"), withIntermediateDirectories: true)
        try Data("{\"generator\":{\"pack\":\"ecommerce\"}}\n".utf8).write(to: URL(fileURLWithPath: box.path("fake/manifest.json")))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: box.path("fake/events/data.bin")))
        let fake = try box.run(["generate", "ecommerce", "--scale", "0.05", "--out", "fake", "--overwrite"])
        expectCleanFailure(fake, "fake manifest")
        #expect(fm.fileExists(atPath: box.path("fake/events/data.bin")) && fm.fileExists(atPath: box.path("fake/manifest.json")))
        // Every pack's manifest is read by status, and --verify checks every file's SHA-256.
        let verified = try box.run(["status", "out", "--verify"])
        #expect(verified.passed && verified.output.contains("every SHA-256 checked"), "\(verified.output)")
        let file = box.path("out/orders/part-00000.parquet")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let flipped = try box.run(["status", "out", "--verify"])
        #expect(flipped.exitCode == 1 && flipped.output.contains("SHA-256 differs"), "\(flipped.output)")
    }

    @Test("STREAMGEN_ENV and APP_ENV = production, whatever the case and spaces, refuse --overwrite and clean")
    func productionGuard() throws {
        let box = try Sandbox("production")
        defer { box.remove() }
        try #require(try box.run(["generate", "devapp", "--tables", "fake_users", "--out", "out"]).passed)
        let listing = box.tree("out")
        for (name, value) in [("STREAMGEN_ENV", "production "), ("STREAMGEN_ENV", " PRODUCTION"), ("STREAMGEN_ENV", "Production\n"), ("APP_ENV", "production")] {
            for command in [["generate", "devapp", "--tables", "fake_users", "--out", "out", "--overwrite"], ["clean", "out", "--confirm"]] {
                let result = try box.run(command, environment: [name: value])
                expectCleanFailure(result, "\(name)=\(value): \(command)", message: "=production")
            }
        }
        #expect(box.tree("out") == listing)
        let dry = try box.run(["clean", "out", "--dry-run"], environment: ["STREAMGEN_ENV": "production"])
        #expect(dry.passed && dry.output.contains("would remove"), "\(dry.output)")
        #expect(box.tree("out") == listing)
        expectCleanFailure(try box.run(["clean", "out"]), "clean without --confirm", message: "--confirm")
        let clean = try box.run(["clean", "out", "--confirm"])
        #expect(clean.passed, "\(clean.output)")
        #expect(box.tree("out").isEmpty)
    }
}

@Suite("Safety: signals, full disks, concurrent runs", .serialized)
struct InterruptionTests {
    /// Starts a run big enough to be stopped part-way, and waits until its first file is in.
    func startRun(_ box: Sandbox, _ arguments: [String]) throws -> Interop.Child {
        let child = try Interop.launch(Interop.streamgen, arguments, environment: ["SOURCE_DATE_EPOCH": "86400"], currentDirectory: box.inside.path)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && child.process.isRunning {
            if box.tree("out").contains(where: { $0.hasSuffix(".parquet") }) { break }
            usleep(20_000)
        }
        return child
    }

    @Test("SIGTERM and SIGINT: workers stop, temporary files go, a failed manifest is written, exit 143 and 130",
          arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func stopSignals(signal: Int32, status: Int32) throws {
        let box = try Sandbox("signal-\(signal)")
        defer { box.remove() }
        for arguments in [["generate", "devapp", "--scale", "400", "--out", "out", "--threads", "2"],
                          ["generate", "ecommerce", "--scale", "2", "--out", "out", "--threads", "2"]]
        {
            let child = try startRun(box, arguments)
            try #require(child.process.isRunning, "the run ended before it could be interrupted: \(child.output)")
            child.signal(signal)
            let result = child.finish(timeout: 60)
            #expect(result.exitCode == status && !result.timedOut, "\(arguments[1]): exit \(result.exitCode): \(result.output)")
            #expect(result.output.contains("interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT")"), "\(result.output)")
            let tree = box.tree("out")
            #expect(!tree.contains { $0.hasSuffix(".tmp") }, "temporary files left: \(tree.filter { $0.hasSuffix(".tmp") })")
            #expect(!tree.contains("_SUCCESS"))
            if arguments[1] == "devapp" {
                let manifest = try String(contentsOfFile: box.path("out/manifest.json"), encoding: .utf8)
                #expect(manifest.contains("\"status\": \"failed\""), "\(manifest.prefix(300))")
            }
            let status = try box.run(["status", "out"])
            #expect(status.exitCode == 1 && !status.signaled, "\(status.output)")
            let again = try box.run(arguments.prefix(2) + ["--scale", "0.5", "--out", "out", "--overwrite"])
            #expect(again.passed, "\(again.output)")
            try FileManager.default.removeItem(atPath: box.path("out"))
        }
    }

    @Test("SIGKILL: the journal lets status name the run, and clean or --overwrite recover the directory")
    func killed() throws {
        let box = try Sandbox("sigkill")
        defer { box.remove() }
        let before = try box.outsideSnapshot()
        for arguments in [["generate", "devapp", "--scale", "400", "--out", "out"], ["generate", "ecommerce", "--scale", "2", "--out", "out"]] {
            let child = try startRun(box, arguments)
            child.signal(SIGKILL)
            _ = child.finish(timeout: 30)
            #expect(box.tree("out").contains(".streamgen-journal.json"))
            let status = try box.run(["status", "out"])
            #expect(status.exitCode == 1 && status.output.contains("an interrupted run of pack \(arguments[1])"), "\(status.output)")
            let dry = try box.run(["clean", "out", "--dry-run"])
            #expect(dry.passed && dry.output.contains("would remove"), "\(dry.output)")
            let clean = try box.run(["clean", "out", "--confirm"])
            #expect(clean.passed, "\(clean.output)")
            #expect(box.tree("out").isEmpty, "left: \(box.tree("out"))")
            // Killed again, then recovered by --overwrite instead.
            let second = try startRun(box, arguments)
            second.signal(SIGKILL)
            _ = second.finish(timeout: 30)
            let overwrite = try box.run(arguments.prefix(2) + ["--scale", "0.5", "--out", "out", "--overwrite"])
            #expect(overwrite.passed, "\(overwrite.output)")
            #expect(!box.tree("out").contains(".streamgen-journal.json"))
            try FileManager.default.removeItem(atPath: box.path("out"))
        }
        #expect(try box.outsideSnapshot() == before)
    }

    static var canMountTmpfs: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    @Test("a tmpfs that fills before the manifest: the directory can still be cleaned and overwritten",
          .enabled(if: canMountTmpfs, "needs root to mount a small tmpfs"))
    func fullDisk() throws {
        let box = try Sandbox("enospc")
        defer {
            _ = try? Interop.run("/bin/umount", [box.path("disk")])
            box.remove()
        }
        try FileManager.default.createDirectory(atPath: box.path("disk"), withIntermediateDirectories: true)
        let mount = try Interop.run("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", box.path("disk")])
        try #require(mount.passed, "\(mount.output)")
        for arguments in [["generate", "ecommerce", "--out", "disk/out"], ["generate", "devapp", "--scale", "20", "--compression", "none", "--out", "disk/out"]] {
            let result = try box.run(arguments)
            expectCleanFailure(result, arguments[1], message: "No space left on device", out: box.path("disk/out"))
            #expect(!box.tree("disk/out").contains { $0.hasSuffix(".tmp") }, "\(box.tree("disk/out"))")
            let status = try box.run(["status", "disk/out"])
            #expect(status.exitCode == 1 && !status.signaled, "\(status.output)")
            let clean = try box.run(["clean", "disk/out", "--confirm"])
            #expect(clean.passed, "\(clean.output)")
            #expect(box.tree("disk/out").isEmpty)
            let small = try box.run(arguments.prefix(2) + ["--scale", "0.02", "--out", "disk/out", "--overwrite"])
            #expect(small.passed, "\(small.output)")
            try FileManager.default.removeItem(atPath: box.path("disk/out"))
        }
    }

    @Test("two runs into one directory at once: one is refused, naming the other; the winner's files match its manifest")
    func concurrentRuns() throws {
        let box = try Sandbox("concurrent")
        defer { box.remove() }
        for round in 0..<4 {
            let out = "out\(round)"
            let a = try Interop.launch(Interop.streamgen, ["generate", "devapp", "--scale", "20", "--out", out], currentDirectory: box.inside.path)
            let b = try Interop.launch(Interop.streamgen, ["generate", "devapp", "--scale", "20", "--out", out, "--seed", "7"], currentDirectory: box.inside.path)
            let results = [a.finish(timeout: 120), b.finish(timeout: 120)]
            #expect(results.filter(\.passed).count == 1, "\(results.map(\.output))")
            if let refused = results.first(where: { !$0.passed }) {
                #expect(refused.output.contains("in use by another StreamGen") || refused.output.contains("not empty"), "\(refused.output)")
            }
            let status = try box.run(["status", out, "--verify"])
            #expect(status.passed, "\(status.output)")
        }
    }

    @Test("an explicit --out that is a link is followed, with or without a trailing slash, the same way")
    func symlinkedOut() throws {
        let box = try Sandbox("link-out")
        defer { box.remove() }
        try FileManager.default.createDirectory(atPath: box.path("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: box.path("link"), withDestinationPath: "real")
        let first = try box.run(["generate", "devapp", "--tables", "fake_users", "--out", "link"])
        #expect(first.passed, "\(first.output)")
        let second = try box.run(["generate", "devapp", "--tables", "fake_users", "--out", "link/", "--overwrite"])
        #expect(second.passed, "\(second.output)")
        #expect(box.tree("real").contains("manifest.json") && box.tree("real").contains("_SUCCESS"))
        #expect(try box.run(["status", "link/", "--verify"]).passed)
    }
}

@Suite("Safety: numbers, corruption and bad input", .serialized)
struct InputSafetyTests {
    static let base = """
        tables:
          - name: t
            rows: 100
            columns:
              - {name: id, type: int64, generator: sequence}
              - {name: at, type: timestamp, generator: event_time}

        """

    @Test("runaway and overflowing inputs: a message naming the input, a non-zero exit, no trap, nothing written")
    func overflows() throws {
        let box = try Sandbox("overflow")
        defer { box.remove() }
        let cli: [([String], [String: String], String)] = [
            (["generate", "devapp", "--scale", "1e15"], [:], "--scale"),
            (["generate", "devapp", "--rows", "1e15"], [:], "2^37"),
            (["generate", "devapp", "--days", "1000000000"], [:], "--days"),
            (["generate", "devapp", "--scale", "-1"], [:], "--scale -1"),
            (["generate", "devapp", "--seed", "-5"], [:], "-5"),
            (["generate", "devapp", "--threads", "-2"], [:], "--threads"),
            (["generate", "devapp", "--chunk-rows", "-1"], [:], "--chunk-rows"),
            (["generate", "devapp", "--shard-rows", "1e300"], [:], "--shard-rows"),
            (["generate", "devapp", "--zstd-level", "99"], [:], "--zstd-level"),
            (["generate", "devapp"], ["SOURCE_DATE_EPOCH": "9223372036854775807"], "SOURCE_DATE_EPOCH"),
            (["generate", "devapp"], ["SOURCE_DATE_EPOCH": "253402300800"], "SOURCE_DATE_EPOCH"),
            (["generate", "devapp"], ["STREAMGEN_THREADS": "99999999999999999999"], "STREAMGEN_THREADS"),
            (["generate", "ecommerce", "--scale", "1e15"], [:], "--scale"),
            (["generate", "ecommerce", "--days", "1000000000"], [:], "--days"),
        ]
        for (i, (arguments, environment, message)) in cli.enumerated() {
            let result = try box.run(arguments + ["--out", "o\(i)"], environment: environment)
            expectCleanFailure(result, "\(arguments) \(environment)", message: message, out: box.path("o\(i)"))
            #expect(!FileManager.default.fileExists(atPath: box.path("o\(i)/manifest.json")))
        }
        let yaml: [(String, String)] = [
            ("tables:\n  - name: t\n    rows: 9223372036854775807\n    columns:\n      - {name: id, type: int64, generator: sequence}\n", "rows"),
            ("tables:\n  - name: t\n    rows_per_day: 1e17\n    columns:\n      - {name: id, type: int64, generator: sequence}\n", "rows"),
            ("days: 1000000000\n" + Self.base, "days"),
            (Self.base + "      - {name: b, type: timestamp, generator: {after: {column: at, min: 1000000000000000000, max: 1000000000000000000}}}\n", "min and max"),
            (Self.base + "      - {name: b, type: timestamp, generator: {after: {column: at, min: 300000000000, max: 300000000000}}}\n", "years 0001 to 9999"),
            (Self.base + "      - {name: n, type: int32, generator: {sequence: {start: 1099511627776}}}\n", "outside int32"),
            (Self.base + "      - {name: n, type: int32, generator: {zipf: {n: 1000000000000000000, exponent: 1.2}}}\n", "outside int32"),
            (Self.base + "      - {name: n, type: int64, generator: {sequence: {start: 9200000000000000000, step: 100000000000000000}}}\n", "outside int64"),
            (Self.base + "      - {name: n, type: \"decimal(5,2)\", generator: {uniform: {min: 0, max: 1000000}}}\n", "decimal(5,2)"),
            (Self.base + "      - {name: n, type: double, generator: {lognormal: {mu: 0, sigma: 300}}}\n", "infinity"),
            (Self.base + "      - {name: n, type: \"decimal(99,99)\", generator: {uniform: {min: 0, max: 1}}}\n", "unknown type"),
            (Self.base + "      - {name: n, type: json, generator: {json: {x: {lognormal: {mu: 0, sigma: 300}}}}}\n", "JSON cannot hold"),
        ]
        for (i, (text, message)) in yaml.enumerated() {
            let file = box.path("y\(i).yaml")
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try box.run(["generate", "--schema", file, "--out", "y\(i)"])
            expectCleanFailure(result, "schema \(i)", message: message, out: box.path("y\(i)"))
            #expect(result.output.contains("y\(i).yaml:"), "schema \(i): no line: \(result.output)")
        }
        // At a scale the schema allows at 1 but not at the run's: still located.
        let scaled = box.path("scaled.yaml")
        try (Self.base + "      - {name: n, type: int32, generator: {sequence: {start: 2147483000}}}\n").write(toFile: scaled, atomically: true, encoding: .utf8)
        let result = try box.run(["generate", "--schema", scaled, "--scale", "100", "--out", "scaled"])
        expectCleanFailure(result, "scaled sequence", message: "scaled.yaml:")
        // Invalid UTF-8.
        var bytes = [UInt8](Self.base.utf8)
        bytes.insert(contentsOf: [0xC3, 0x28], at: 20)
        try Data(bytes).write(to: URL(fileURLWithPath: box.path("latin.yaml")))
        expectCleanFailure(try box.run(["generate", "--schema", "latin.yaml", "--out", "l"]), "invalid UTF-8", message: "latin.yaml:3:1:")
    }

    @Test("status and merge on manifests with huge counts or impossible types: a message, no trap")
    func hostileManifests() throws {
        let box = try Sandbox("hostile-manifest")
        defer { box.remove() }
        try #require(try box.run(["generate", "devapp", "--tables", "fake_users", "--shard", "0/1", "--out", "out"]).passed)
        let name = "manifest-shard-00000-of-00001.json"
        let original = try String(contentsOfFile: box.path("out/" + name), encoding: .utf8)
        let mutations: [(String, String)] = [
            ("\"rows\": ", "\"rows\": 9223372036854775807, \"w\": "), ("\"bytes\": ", "\"bytes\": 9223372036854775807, \"x\": "),
            ("\"type\": \"int64\"", "\"type\": \"decimal(99,99)\""), ("\"count\": 1", "\"count\": 9223372036854775807"),
            ("\"shards_in_plan\": ", "\"shards_in_plan\": -9223372036854775807, \"y\": "),
        ]
        for (from, to) in mutations {
            guard original.contains(from) else { Issue.record("no '\(from)' in the manifest"); continue }
            // Every occurrence: the totals are recomputed, never read, so only the tables' figures matter.
            try original.replacingOccurrences(of: from, with: to).write(toFile: box.path("out/" + name), atomically: true, encoding: .utf8)
            for leftover in ["manifest.json", "_SUCCESS"] { try? FileManager.default.removeItem(atPath: box.path("out/" + leftover)) }
            for command in [["status", "out"], ["status", "out", "--verify", "--json"], ["manifest", "merge", "out"], ["clean", "out", "--dry-run"]] {
                let result = try box.run(command, timeout: 30)
                #expect(!result.signaled, "\(to): \(command): \(result.output)")
                #expect(result.exitCode != 0 && result.output.contains("Error"), "\(to): \(command) exited \(result.exitCode): \(result.output)")
            }
        }
    }

    @Test("validate fails every bit-flipped ecommerce fixture")
    func bitFlips() throws {
        let box = try Sandbox("bitflip")
        defer { box.remove() }
        try #require(try box.run(["generate", "ecommerce", "--scale", "0.05", "--out", "fx"]).passed)
        let files = box.tree("fx").filter { $0.hasSuffix(".parquet") || $0.hasSuffix(".sql") }
        var state: UInt64 = 12
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        for flip in 0..<30 {
            let file = URL(fileURLWithPath: box.path("fx/" + files[next(files.count)]))
            let original = try Data(contentsOf: file)
            var bytes = [UInt8](original)
            bytes[next(bytes.count)] ^= UInt8(1 << next(8))
            try Data(bytes).write(to: file)
            let result = try box.run(["validate", "fx"], timeout: 60)
            #expect(result.exitCode == 1 && !result.signaled, "flip \(flip) in \(file.lastPathComponent): exit \(result.exitCode)")
            #expect(result.output.contains("FAIL  files intact"), "flip \(flip): \(result.output.suffix(400))")
            try original.write(to: file)
        }
        #expect(try box.run(["validate", "fx"]).passed)
    }

    @Test("smaller: CSV manifests say compression none; a negative value is read as a value")
    func smaller() throws {
        let box = try Sandbox("smaller")
        defer { box.remove() }
        try #require(try box.run(["generate", "devapp", "--format", "csv", "--out", "csv"]).passed)
        let manifest = try String(contentsOfFile: box.path("csv/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"compression\": \"none\""))
        let negative = try box.run(["generate", "devapp", "--days", "-3", "--out", "neg"])
        expectCleanFailure(negative, "--days -3", message: "--days -3: between 1 and 100000")
        #expect(!negative.output.contains("Missing value"))
    }
}
