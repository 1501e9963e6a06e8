import Foundation
import Testing
import TestSupport

/// Issue 17's scale-out: the Spark job (`integrations/spark/streamgen_spark.py`) in Spark local mode
/// through `spark-submit`, and the Kubernetes, Slurm and `xargs -P` examples run as their schedulers
/// would; each one's merged output equals one direct run's, byte for byte.
@Suite("Scale-out: Spark, Kubernetes, Slurm and xargs", .serialized)
struct ScaleOutTests {
    /// Big enough that a debug shard runs for seconds (so a kill lands mid-way), small enough for CI.
    static let options = ["devapp", "--rows", "600000", "--shard-rows", "50000", "--out", "out"]
    static let job = Interop.packageRoot.appendingPathComponent("integrations/spark/streamgen_spark.py").path

    /// `spark-submit` from the venv that has pyspark, with that venv first on PATH (its
    /// `find-spark-home` needs the Python that has pyspark).
    static func sparkSubmit() throws -> (path: String, environment: [String: String]) {
        guard let python = Interop.python else {
            throw InteropError.noPython("no Python with pyspark: run `make test` (it creates .venv) or set STREAMGEN_PYTHON")
        }
        let bin = URL(fileURLWithPath: python).deletingLastPathComponent().path
        let submit = bin + "/spark-submit"
        guard FileManager.default.isExecutableFile(atPath: submit) else {
            throw InteropError.noPython("\(submit) is missing: the venv needs pyspark (make venv)")
        }
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return (submit, ["PATH": path, "PYSPARK_PYTHON": python, "SOURCE_DATE_EPOCH": "86400", "SPARK_LOCAL_IP": "127.0.0.1"])
    }

    static func launchJob(in box: Sandbox, shards: Int, options: [String] = ScaleOutTests.options) throws -> Interop.Child {
        let (submit, environment) = try sparkSubmit()
        return try Interop.launch(submit, ["--master", "local[2]", "--conf", "spark.ui.enabled=false", job,
                                           "--shards", String(shards), "--streamgen", Interop.streamgen] + options,
                                  environment: environment, currentDirectory: box.inside.path)
    }

    /// The job's last JSON line: shards, attempts per shard, seconds.
    static func report(_ output: String) -> [String: Any]? {
        for line in output.split(separator: "\n").reversed() where line.hasPrefix("{\"job\"") {
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
        return nil
    }

    /// Every file of `out` but the shards' own manifests and locks, which a direct run has not.
    static func merged(_ box: Sandbox) throws -> [String: Data] {
        try Runs.mergedTree(box.inside.appendingPathComponent("out"))
    }

    static func direct(_ options: [String] = ScaleOutTests.options) throws -> [String: Data] {
        let box = try Sandbox("direct")
        defer { box.remove() }
        let r = try box.run(["generate"] + options)
        #expect(r.passed, "\(r.output)")
        return try Runs.tree(box.inside.appendingPathComponent("out"))
    }

    @Test("spark-submit, local[2]: 4 shards as 4 Spark tasks, merged on the driver, equal a direct run byte for byte")
    func sparkShardsEqualDirectRun() throws {
        let want = try Self.direct()
        let box = try Sandbox("spark")
        defer { box.remove() }
        let result = try Self.launchJob(in: box, shards: 4).finish(timeout: 600)
        #expect(result.passed, "\(result.output.suffix(3000))")
        let report = try #require(Self.report(result.output), "\(result.output.suffix(3000))")
        #expect(report["shards"] as? Int == 4)
        #expect(report["attempts"] as? [String: Int] == ["0": 1, "1": 1, "2": 1, "3": 1])
        let got = try Self.merged(box)
        #expect(got.count == want.count && got.count > 100)
        #expect(Set(got.keys) == Set(want.keys))
        #expect(got == want, "differ: \(got.keys.filter { got[$0] != want[$0] }.sorted().prefix(5))")
        #expect(result.output.contains("4 table(s), 990,000 rows"), "\(result.output.suffix(2000))")
        // Every shard of the plan: 1, 2 and 3 wrote files, as 0 did (the tasks split the work).
        for i in 0..<4 {
            let shard = try Data(contentsOf: box.inside.appendingPathComponent("out/manifest-shard-0000\(i)-of-00004.json"))
            #expect(String(decoding: shard, as: UTF8.self).contains("\"rows\": "), "shard \(i)")
        }
    }

    @Test("spark-submit, local[2]: 4 shards of ecommerce (events by the tasks, orders, items and users by the merge) equal a direct run byte for byte")
    func sparkEcommerceShardsEqualDirectRun() throws {
        let options = ["ecommerce", "--scale", "2", "--scenario", "null_spike", "--out", "out"]
        let want = try Self.direct(options)
        let box = try Sandbox("spark-ecommerce")
        defer { box.remove() }
        let result = try Self.launchJob(in: box, shards: 4, options: options).finish(timeout: 600)
        #expect(result.passed, "\(result.output.suffix(3000))")
        let report = try #require(Self.report(result.output), "\(result.output.suffix(3000))")
        #expect(report["attempts"] as? [String: Int] == ["0": 1, "1": 1, "2": 1, "3": 1])
        let got = try Runs.tree(box.inside.appendingPathComponent("out")).filter { !$0.key.split(separator: "/").last!.hasPrefix("manifest-shard-") }
        #expect(got.count == want.count && got.count > 25, "\(got.count) \(want.count)")
        #expect(got == want, "differ: \(Set(got.keys).symmetricDifference(want.keys).sorted().prefix(5)) \(got.keys.filter { got[$0] != want[$0] }.sorted().prefix(5))")
        // The summary is the fixture's: six tables, from the engine's manifest inside the fixture's document.
        #expect(result.output.contains("6 table(s)") && result.output.contains("to out/null_spike"), "\(result.output.suffix(2000))")
        let v = try box.run(["validate", "out"])
        #expect(v.passed, "\(v.output.suffix(1500))")
    }

    @Test("a shard killed mid-way (SIGKILL to its streamgen) is run again by the job; the result is still a direct run's")
    func killedShardIsRetried() throws {
        let want = try Self.direct()
        let box = try Sandbox("spark-kill")
        defer { box.remove() }
        let child = try Self.launchJob(in: box, shards: 4)
        // Shard 2's journal names its process once it has started writing; kill it then.
        let journal = box.inside.appendingPathComponent("out/.streamgen-journal-shard-00002-of-00004.json")
        var killed: Int32?
        let deadline = Date().addingTimeInterval(300)
        while killed == nil && child.process.isRunning && Date() < deadline {
            if let data = try? Data(contentsOf: journal),
               let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let pid = json["pid"] as? Int
            {
                usleep(300_000)
                if kill(pid_t(pid), SIGKILL) == 0 { killed = pid_t(pid) }
                break
            }
            usleep(10_000)
        }
        let result = child.finish(timeout: 600)
        #expect(killed != nil, "shard 2 was never seen running (or had finished before the kill): \(result.output.suffix(2000))")
        #expect(result.passed, "\(result.output.suffix(3000))")
        #expect(result.output.contains("shard 2/4 attempt 1 on") && result.output.contains("killed by signal 9"),
                "\(result.output.suffix(3000))")
        let report = try #require(Self.report(result.output), "\(result.output.suffix(3000))")
        #expect(report["attempts"] as? [String: Int] == ["0": 1, "1": 1, "2": 2, "3": 1])
        let got = try Self.merged(box)
        #expect(got == want, "differ: \(Set(got.keys).symmetricDifference(want.keys).sorted().prefix(5)) \(got.keys.filter { got[$0] != want[$0] }.sorted().prefix(5))")
        // Nothing of the killed attempt is left: no temporary file, no journal.
        let leftovers = box.tree("out").filter { $0.contains(".tmp") || $0.contains("journal") }
        #expect(leftovers.isEmpty, "\(leftovers.prefix(5))")
    }

    @Test("another copy of a shard already writing it (speculation): the task waits for it and takes its result; the bytes are a direct run's")
    func otherCopyOfAShard() throws {
        let want = try Self.direct()
        let box = try Sandbox("spark-copy")
        defer { box.remove() }
        // The other copy: shard 1/4 with the job's options, paused while it holds the shard's lock.
        let copy = try Interop.launch(Interop.streamgen, ["generate"] + Self.options + ["--shard", "1/4"],
                                      environment: ["SOURCE_DATE_EPOCH": "86400", "STREAMGEN_PROGRESS": "none", "STREAMGEN_THREADS": "1"],
                                      currentDirectory: box.inside.path)
        let journal = box.inside.appendingPathComponent("out/.streamgen-journal-shard-00001-of-00004.json")
        var waited = 0
        while !FileManager.default.fileExists(atPath: journal.path) && copy.process.isRunning && waited < 30_000 {
            usleep(5_000)
            waited += 5
        }
        copy.signal(SIGSTOP)
        let job = try Self.launchJob(in: box, shards: 4)
        // Once the other three shards are in, the job's shard 1 is waiting on the lock: let the copy go on.
        var others = false
        let deadline = Date().addingTimeInterval(300)
        while !others && job.process.isRunning && Date() < deadline {
            others = [0, 2, 3].allSatisfy { FileManager.default.fileExists(atPath: box.path("out/manifest-shard-0000\($0)-of-00004.json")) }
            usleep(20_000)
        }
        #expect(others, "the other shards never finished")
        usleep(1_000_000)
        copy.signal(SIGCONT)
        let copied = copy.finish(timeout: 300)
        #expect(copied.passed, "\(copied.output)")
        let result = job.finish(timeout: 600)
        #expect(result.passed, "\(result.output.suffix(3000))")
        #expect(result.output.contains("shard 1/4 attempt 1 on") && result.output.contains("ok (written by another copy of the task)"),
                "\(result.output.suffix(3000))")
        let report = try #require(Self.report(result.output), "\(result.output.suffix(3000))")
        #expect(report["attempts"] as? [String: Int] == ["0": 1, "1": 1, "2": 1, "3": 1])
        #expect(try Self.merged(box) == want)
    }

    @Test("the job refuses --shard and --sink, and a shard's usage error is not retried")
    func sparkRefusals() throws {
        let (submit, environment) = try Self.sparkSubmit()
        let box = try Sandbox("spark-refuse")
        defer { box.remove() }
        for (extra, message) in [(["--shard", "0/2"], "--shard is this job's to set"), (["--sink", "postgres://x@h/db"], "--sink loads a whole run")] {
            let r = try Interop.launch(submit, [Self.job, "--streamgen", Interop.streamgen] + Self.options + extra,
                                       environment: environment, currentDirectory: box.inside.path).finish(timeout: 120)
            #expect(r.exitCode == 2 && r.output.contains(message), "\(r.output.suffix(1500))")
        }
        let r = try Interop.launch(submit, ["--master", "local[2]", "--conf", "spark.ui.enabled=false", Self.job, "--shards", "2",
                                            "--streamgen", Interop.streamgen] + Self.options + ["--no-such-option"],
                                   environment: environment, currentDirectory: box.inside.path).finish(timeout: 300)
        #expect(r.exitCode == 1, "\(r.output.suffix(1500))")
        #expect(r.output.contains("Unknown option '--no-such-option'") && r.output.contains("after 1 attempts"), "\(r.output.suffix(1500))")
        #expect(!r.output.contains("attempt 2 on"))
        #expect(!FileManager.default.fileExists(atPath: box.path("out/_SUCCESS")))
    }

    @Test("the Kubernetes Indexed Job, the Slurm array and run-shards.sh (xargs -P), run as their schedulers would, merge to a direct run")
    func schedulerExamples() throws {
        let work = try Interop.makeTemporaryDirectory("scale-examples")
        defer { try? FileManager.default.removeItem(at: work) }
        let report = try Interop.runScript("scale_examples.py", [Interop.streamgen, Interop.packageRoot.path, work.appendingPathComponent("w").path])
        for name in ["kubernetes", "slurm", "shell"] {
            let example = try #require(report[name] as? [String: Any], "\(name)")
            #expect(example["equal"] as? Bool == true, "\(name): \(example)")
            #expect((example["files"] as? Int ?? 0) > 50, "\(name): \(example)")
            for (check, passed) in example["checks"] as? [String: Bool] ?? [:] {
                #expect(passed, "\(name): \(check)")
            }
        }
        #expect((report["kubernetes"] as? [String: Any])?["shards"] as? Int == 16)
        #expect((report["slurm"] as? [String: Any])?["shards"] as? Int == 16)
        #expect((report["shell"] as? [String: Any])?["merged"] as? Bool == true)
    }
}
