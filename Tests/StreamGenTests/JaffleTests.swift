import Columnar
import Foundation
import TestSupport
import Testing

/// The jaffle pack (spec 001) through the binary, measured by DuckDB (`tools/interop/jaffle.py`)
/// and run through a real dbt project (`tools/dbt/jaffle_online`, dbt-core with dbt-duckdb).
@Suite("jaffle (spec 001) read back by DuckDB and built by dbt", .serialized)
struct JaffleTests {
    static func measure(_ box: Sandbox, _ out: String) throws -> (violations: [String: Int], figures: [String: Any]) {
        let m = try Interop.runScript("jaffle.py", [box.path(out)])
        let violations = (m["violations"] as? [String: Any] ?? [:]).mapValues { ($0 as? Int) ?? -1 }
        return (violations, m["figures"] as? [String: Any] ?? [:])
    }

    static func expectNoViolations(_ v: [String: Int], atLeast: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(v.count >= atLeast, "\(what): \(v.count) checks", sourceLocation: sourceLocation)
        let broken = v.filter { $0.value != 0 }
        #expect(broken.isEmpty, "\(what): \(broken)", sourceLocation: sourceLocation)
    }

    static func number(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? .nan }
    static func within(_ v: Any?, _ range: ClosedRange<Double>, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(range.contains(number(v)), "\(what): \(String(describing: v)), expected \(range)", sourceLocation: sourceLocation)
    }

    /// Every regular file below `path`, relative, with its bytes; `except` names to leave out.
    static func files(_ box: Sandbox, _ path: String, except: Set<String> = ["manifest.json", ".streamgen-journal.json"]) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for relative in box.tree(path) where !except.contains((relative as NSString).lastPathComponent) {
            var isDirectory: ObjCBool = false
            let full = box.path("\(path)/\(relative)")
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            out[relative] = try Data(contentsOf: URL(fileURLWithPath: full))
        }
        return out
    }

    static func manifest(_ box: Sandbox, _ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: box.path("\(path)/manifest.json")))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("scale 1, 30 days, CSV seeds: headers, ids and keys, payments, daily volumes, signups, sessions, ads, validation = training + anomalies = the ground truth")
    func seeds() throws {
        let box = try Sandbox("jaffle-seeds")
        defer { box.remove() }
        let run = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--out", "out"])
        try #require(run.passed, "\(run.output)")
        let names = Set(box.tree("out"))
        for f in ["training/raw_customers_training.csv", "training/raw_orders_training.csv", "training/raw_payments_training.csv",
                  "training/raw_signups_training.csv", "validation/raw_customers_validation.csv", "validation/raw_orders_validation.csv",
                  "validation/raw_payments_validation.csv", "validation/raw_signups_validation.csv", "sessions/stg_website_sessions.csv",
                  "sessions/stg_app_sessions.csv", "ads/stg_google_ads.csv", "ads/stg_facebook_ads.csv", "ads/stg_instagram_ads.csv",
                  "_quality/anomalies.csv", "manifest.json", "_SUCCESS"] {
            #expect(names.contains(f), "missing \(f)")
        }
        let (v, f) = try JaffleTests.measure(box, "out")
        JaffleTests.expectNoViolations(v, atLeast: 80, "CSV seeds")
        // Days: 30 consecutive training days ending the day before --end, each in the original's range.
        #expect(f["order_days"] as? Int == 30)
        #expect(f["first_order_day"] as? String == "2024-01-31")
        #expect(f["last_order_day"] as? String == "2024-02-29")
        let perDay = f["orders_per_day"] as? [Int] ?? []
        #expect(perDay.count == 30 && perDay.allSatisfy { (283...333).contains($0) }, "\(perDay)")
        let customersPerDay = f["customers_per_day"] as? [Int] ?? []
        #expect(customersPerDay.count == 30 && customersPerDay.allSatisfy { (16...66).contains($0) }, "\(customersPerDay)")
        JaffleTests.within(f["first_names"], 60...100, "distinct first names")
        JaffleTests.within(f["empty_email_share"], 0.01...0.07, "empty emails (1/31 expected)")
        #expect(f["distinct_hashes"] as? Int == f["customers"] as? Int, "one hash per signup")
        JaffleTests.within(f["two_payment_share"], 0.25...0.35, "orders paid twice")
        // Sessions: every ordering customer has a website session, ≈ 60 % an app session, ≈ 70 % within 6 h.
        #expect(f["stg_website_sessions_rows"] as? Int == f["ordering_customers"] as? Int)
        JaffleTests.within(JaffleTests.number(f["stg_app_sessions_rows"]) / JaffleTests.number(f["ordering_customers"]), 0.52...0.68, "app sessions")
        JaffleTests.within(f["stg_website_sessions_within_6h"], 0.63...0.77, "website sessions within 6 h")
        JaffleTests.within(f["stg_app_sessions_within_6h"], 0.62...0.78, "app sessions within 6 h")
        // Ads: 100 per platform, 31–61 days each, ≈ 14,000 rows.
        for p in ["google", "facebook", "instagram"] { #expect(f["stg_\(p)_ads_ads"] as? Int == 100, "\(p) ads") }
        JaffleTests.within(f["ad_rows"], 13_000...15_000, "ad rows")
        let starts = f["ad_start_days_back"] as? [Int] ?? []
        #expect(starts.count == 2 && starts[0] >= 30 && starts[1] <= 60, "ad starts \(starts) days back")
        JaffleTests.within(f["ad_cost_cv"], 0.1...0.25, "daily cost around the base")
        // Validation: +600 customers, +1,200 order rows (600 ids twice), anomalies at their rates.
        let new = f["validation_new"] as? [String: Any] ?? [:]
        #expect(new["customers"] as? Int == 600 && new["orders"] as? Int == 600 && new["order_rows"] as? Int == 1200, "\(new)")
        let rates = f["anomaly_rates"] as? [String: Any] ?? [:]
        JaffleTests.within(rates["bad_names"], 0.42...0.58, "blank or repeated names")
        JaffleTests.within(rates["lost"], 0.42...0.58, "lost orders")
        JaffleTests.within(rates["zero_amount"], 0.05...0.15, "zero payments")
        JaffleTests.within(rates["without_signup"], 0.05...0.15, "customers without a signup")
        let anomalies = f["anomalies"] as? [String: Any] ?? [:]
        #expect(anomalies["duplicate_order_id"] as? Int == 600 && anomalies["orphan_signup"] as? Int == 20, "\(anomalies)")
        #expect((anomalies["shared_email"] as? Int ?? 0) > 1)
        // The manifest records the days used.
        let options = try JaffleTests.manifest(box, "out")["options"] as? [String: Any] ?? [:]
        #expect(options["start"] as? String == "2024-01-31" && options["end"] as? String == "2024-03-01" && options["days_back"] as? Int == 30)

        let validate = try box.run(["validate", "out"])
        #expect(validate.passed && validate.output.contains("all 4 checks passed"), "\(validate.output)")
        // The checks can fail: an order pointing at no customer, found by DuckDB and by validate.
        let orders = box.path("out/training/raw_orders_training.csv")
        var text = try String(contentsOfFile: orders, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").dropFirst().first)
        let fields = line.split(separator: ",")
        text = text.replacingOccurrences(of: String(line), with: "\(fields[0]),999999,\(fields[2]),\(fields[3])")
        try text.write(toFile: orders, atomically: false, encoding: .utf8)
        let (tampered, _) = try JaffleTests.measure(box, "out")
        #expect(tampered["orders: user_id without a customer"] == 1 && tampered["raw_orders_validation: training bytes not its prefix"] == 1,
                "\(tampered.filter { $0.value != 0 })")
        let revalidate = try box.run(["validate", "out"])
        #expect(!revalidate.passed && revalidate.output.contains("raw_orders_training.csv"), "\(revalidate.output)")
    }

    @Test("Parquet at scale 2: the same checks, Hive day partitions, volumes scaled, 1 and 2 threads byte for byte")
    func parquet() throws {
        let box = try Sandbox("jaffle-parquet")
        defer { box.remove() }
        for threads in ["1", "2"] {
            let run = try box.run(["generate", "jaffle", "--end", "2024-06-30", "--days-back", "10", "--scale", "2", "--format", "parquet",
                                   "--threads", threads, "--out", "t\(threads)"])
            try #require(run.passed, "\(run.output)")
        }
        let (v, f) = try JaffleTests.measure(box, "t2")
        JaffleTests.expectNoViolations(v, atLeast: 95, "Parquet")
        let perDay = f["orders_per_day"] as? [Int] ?? []
        #expect(perDay.count == 10 && perDay.allSatisfy { (566...666).contains($0) }, "\(perDay)")
        for p in ["google", "facebook", "instagram"] { #expect(f["stg_\(p)_ads_ads"] as? Int == 200, "\(p) ads") }
        let new = f["validation_new"] as? [String: Any] ?? [:]
        #expect(new["customers"] as? Int == 1200 && new["order_rows"] as? Int == 2400, "\(new)")
        #expect(box.tree("t2").contains("training/raw_orders_training/day=2024-06-29/part-00000.parquet"))
        #expect(box.tree("t2").contains("validation/raw_orders_validation/day=2024-06-30/part-00000.parquet"))
        let one = try JaffleTests.files(box, "t1")
        let two = try JaffleTests.files(box, "t2")
        #expect(one.count > 100 && one == two, "1 vs 2 threads: \(Set(one.keys).symmetricDifference(two.keys).prefix(3))")
        #expect(try box.run(["validate", "t2"]).passed)
        // Days and the validation batch written in slices of 100 rows: the same rows, and in CSV the same bytes.
        let sliced = try box.run(["generate", "jaffle", "--end", "2024-06-30", "--days-back", "10", "--scale", "2", "--format", "parquet",
                                  "--chunk-rows", "100", "--out", "sliced"])
        try #require(sliced.passed, "\(sliced.output)")
        let (sv, sf) = try JaffleTests.measure(box, "sliced")
        JaffleTests.expectNoViolations(sv, atLeast: 95, "Parquet in slices of 100 rows")
        #expect(sf["orders_per_day"] as? [Int] == perDay && (sf["validation_new"] as? [String: Any])?["order_rows"] as? Int == 2400)
        for (out, rows) in [("csv-default", nil), ("csv-sliced", "100")] as [(String, String?)] {
            let r = try box.run(["generate", "jaffle", "--end", "2024-06-30", "--days-back", "10", "--scale", "2", "--out", out]
                                + (rows.map { ["--chunk-rows", $0] } ?? []))
            try #require(r.passed, "\(r.output)")
        }
        #expect(try JaffleTests.files(box, "csv-default") == (try JaffleTests.files(box, "csv-sliced")))
    }

    @Test("--each-day: after each day the tree equals a one-shot run ending the next day (validation a prefix), the last equals the whole run; the day's environment; failures stop it")
    func dayByDay() throws {
        let box = try Sandbox("jaffle-days")
        defer { box.remove() }
        let command = "mkdir -p snaps && cp -R \"$STREAMGEN_OUT_DIR\" \"snaps/$STREAMGEN_DAY\" && echo \"$STREAMGEN_DAY $STREAMGEN_VALIDATION $STREAMGEN_RUN_STARTED_AT\" >> days.txt"
        for format in ["csv", "parquet"] {
            let run = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--days-back", "3", "--format", format, "--out", "loop-\(format)",
                                   "--each-day", command])
            try #require(run.passed, "\(run.output)")
            let days = try String(contentsOfFile: box.path("days.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(days == ["2024-02-27 false 1970-01-02 00:00:00", "2024-02-28 false 1970-01-02 00:00:00", "2024-02-29 false 1970-01-02 00:00:00",
                             "2024-03-01 true 1970-01-02 00:00:00"], "\(days)")
            try FileManager.default.removeItem(atPath: box.path("days.txt"))
            for (k, day) in ["2024-02-27", "2024-02-28", "2024-02-29"].enumerated() {
                let next = ["2024-02-28", "2024-02-29", "2024-03-01"][k]
                let oneShot = "once-\(format)-\(day)"
                let r = try box.run(["generate", "jaffle", "--end", next, "--days-back", "\(k + 1)", "--format", format, "--out", oneShot])
                try #require(r.passed, "\(r.output)")
                let snap = try JaffleTests.files(box, "snaps/\(day)")
                let once = try JaffleTests.files(box, oneShot, except: ["manifest.json", "_SUCCESS", "anomalies.csv"])
                for (path, bytes) in once {
                    if path.hasPrefix("validation/") {
                        if format == "csv" {
                            let prefix = try #require(snap[path], "\(day): \(path) missing")
                            #expect(bytes.starts(with: prefix) && bytes.count > prefix.count, "\(day): \(path) not a prefix")
                        } else if path.contains(next) {
                            #expect(snap[path] == nil, "\(day): \(path) is the next run's validation batch")
                        } else {
                            #expect(snap[path] == bytes, "\(day): \(path)")
                        }
                    } else {
                        #expect(snap[path] == bytes, "\(day): \(path) differs from the one-shot run ending \(next)")
                    }
                }
                #expect(Set(snap.keys).subtracting(once.keys).isEmpty, "\(day): \(Set(snap.keys).subtracting(once.keys))")
            }
            let whole = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--days-back", "3", "--format", format, "--out", "whole-\(format)"])
            try #require(whole.passed, "\(whole.output)")
            let last = try JaffleTests.files(box, "snaps/2024-03-01")
            #expect(last == (try JaffleTests.files(box, "whole-\(format)")), "the validation day's tree is the whole run's")
            #expect(last == (try JaffleTests.files(box, "loop-\(format)")))
            try FileManager.default.removeItem(atPath: box.path("snaps"))
        }

        // A failing command stops the run after its day: the files as that day left them, a
        // failed manifest, a message naming the day; `clean` removes it all.
        let failing = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--days-back", "3", "--out", "stops",
                                   "--each-day", "test \"$STREAMGEN_DAY\" != 2024-02-28"])
        expectCleanFailure(failing, "a failing --each-day command", message: "failed on 2024-02-28 with exit status 1", out: box.path("stops"))
        let m = try JaffleTests.manifest(box, "stops")
        #expect(m["status"] as? String == "failed")
        #expect((m["options"] as? [String: Any])?["last_day_written"] as? String == "2024-02-28")
        let orders = try String(contentsOfFile: box.path("stops/training/raw_orders_training.csv"), encoding: .utf8)
        #expect(orders.contains("2024-02-28 ") && !orders.contains("2024-02-29 "))
        #expect(!FileManager.default.fileExists(atPath: box.path("stops/.streamgen-journal.json")))
        let clean = try box.run(["clean", "stops", "--confirm"])
        #expect(clean.passed, "\(clean.output)")
        #expect(box.tree("stops").isEmpty, "\(box.tree("stops"))")
        // --keep-going goes on and ends with the whole dataset.
        let going = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--days-back", "3", "--out", "goes", "--keep-going",
                                 "--each-day", "test \"$STREAMGEN_DAY\" != 2024-02-28"])
        #expect(going.passed && going.output.contains("going on"), "\(going.output)")
        #expect(try JaffleTests.files(box, "goes") == (try JaffleTests.files(box, "whole-csv")))
    }

    @Test("--data writes one part; bad options are refused with a message")
    func partsAndRefusals() throws {
        let box = try Sandbox("jaffle-parts")
        defer { box.remove() }
        let ads = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--data", "ads", "--out", "ads"])
        try #require(ads.passed, "\(ads.output)")
        #expect(Set(box.tree("ads")) == ["ads", "ads/stg_google_ads.csv", "ads/stg_facebook_ads.csv", "ads/stg_instagram_ads.csv", "manifest.json", "_SUCCESS",
                                        "schema.sql", "load_postgres.sql"])
        let all = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--out", "all"])
        try #require(all.passed)
        #expect(try Data(contentsOf: URL(fileURLWithPath: box.path("ads/ads/stg_google_ads.csv")))
                    == Data(contentsOf: URL(fileURLWithPath: box.path("all/ads/stg_google_ads.csv"))))
        let validation = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--data", "validation", "--out", "val"])
        try #require(validation.passed)
        #expect(Set(box.tree("val").filter { $0.hasSuffix(".csv") }) == ["validation/raw_customers_validation.csv", "validation/raw_orders_validation.csv",
                                                                       "validation/raw_payments_validation.csv", "validation/raw_signups_validation.csv",
                                                                       "_quality/anomalies.csv"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: box.path("val/validation/raw_orders_validation.csv")))
                    == Data(contentsOf: URL(fileURLWithPath: box.path("all/validation/raw_orders_validation.csv"))))
        #expect(try box.run(["validate", "val"]).passed)
        // Without --end, the day is SOURCE_DATE_EPOCH's (the sandbox pins 1970-01-02), recorded.
        let today = try box.run(["generate", "jaffle", "--days-back", "2", "--out", "today"])
        try #require(today.passed, "\(today.output)")
        #expect((try JaffleTests.manifest(box, "today")["options"] as? [String: Any])?["end"] as? String == "1970-01-02")

        let end = ["--end", "2024-03-01"]
        for (arguments, message) in [(end + ["--days-back", "0"], "--days-back '0'"), (end + ["--days-back", "x"], "--days-back 'x'"),
                                     (end + ["--data", "orders"], "--data 'orders'"), (end + ["--start", "2024-01-01"], "--start does not apply"),
                                     (["--days", "5"], "--days does not apply"), (end + ["--each-day", " "], "give the command"),
                                     (end + ["--keep-going"], "--keep-going applies with --each-day"), (end + ["--scenario", "x"], "--scenario does not apply"),
                                     (end + ["--stores", "3"], "--stores does not apply"), (["--end", "2024-13-01"], "--end '2024-13-01'"),
                                     (end + ["--compression", "zstd"], "--compression zstd applies to Parquet")] {
            let r = try box.run(["generate", "jaffle", "--out", "bad"] + arguments)
            expectCleanFailure(r, "jaffle \(arguments)", message: message, out: box.path("bad"))
            #expect(box.tree("bad").isEmpty, "\(arguments) left \(box.tree("bad"))")
        }
        let devapp = try box.run(["generate", "devapp", "--out", "d", "--each-day", "true"])
        expectCleanFailure(devapp, "devapp --each-day", message: "--each-day does not apply to the devapp pack")
        let list = try box.run(["list"])
        #expect(list.output.contains("jaffle"), "\(list.output)")
    }

    /// The dbt executable beside the tests' Python (the Makefile installs dbt-core and dbt-duckdb there).
    static var dbt: String? {
        guard let python = Interop.python else { return nil }
        let path = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("dbt").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Each test node of a dbt run and its status, from `target/run_results.json`.
    static func results(_ file: String) throws -> [String: String] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        var out: [String: String] = [:]
        for r in json["results"] as? [[String: Any]] ?? [] {
            guard let id = r["unique_id"] as? String, let status = r["status"] as? String else { continue }
            out[id] = status
        }
        return out
    }

    static let expectedFailures: Set<String> = [
        "not_null_stg_customers_first_name", "different_from_stg_customers_first_name__last_name", "unique_stg_orders_order_id",
        "accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned", "positive_stg_payments_amount",
        "unique_stg_signups_user_email", "relationships_stg_signups_user_id__customer_id__ref_stg_customers_",
        "relationships_stg_customers_customer_id__user_id__ref_stg_signups_",
    ]

    static func failedTests(_ results: [String: String]) -> Set<String> {
        Set(results.filter { $0.key.hasPrefix("test.") && ($0.value == "fail" || $0.value == "error") }.map { String($0.key.split(separator: ".")[2]) })
    }

    @Test("a real dbt project over the seeds: dbt build passes on training, fails exactly the anomalies' tests on validation, and runs in the --each-day loop")
    func dbtProject() throws {
        let dbt = try #require(JaffleTests.dbt, "dbt is not installed beside \(Interop.python ?? "python"); `make test` installs dbt-core and dbt-duckdb")
        let box = try Sandbox("jaffle-dbt")
        defer { box.remove() }
        let project = box.path("project")
        try FileManager.default.copyItem(atPath: Interop.packageRoot.appendingPathComponent("tools/dbt/jaffle_online").path, toPath: project)
        let env = ["DBT_PROFILES_DIR": project, "JAFFLE_DUCKDB": "\(project)/jaffle.duckdb", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"]
        let gen = try box.run(["generate", "jaffle", "--end", "2024-03-01", "--days-back", "4", "--out", "project/seeds"])
        try #require(gen.passed, "\(gen.output)")
        let training = try Interop.launch(dbt, ["build", "--project-dir", project], environment: env, currentDirectory: project).finish(timeout: 300)
        #expect(training.passed, "dbt build on the training seeds: \(training.output.suffix(3000))")
        let passed = try JaffleTests.results("\(project)/target/run_results.json")
        #expect(passed.filter { $0.key.hasPrefix("test.") }.count >= 25 && passed.values.allSatisfy { $0 == "success" || $0 == "pass" }, "\(passed)")
        let validation = try Interop.launch(dbt, ["build", "--project-dir", project, "--vars", "{validation: true}"], environment: env,
                                            currentDirectory: project).finish(timeout: 300)
        #expect(!validation.passed)
        let failed = JaffleTests.failedTests(try JaffleTests.results("\(project)/target/run_results.json"))
        #expect(failed == JaffleTests.expectedFailures, "failed: \(failed.sorted()), expected \(JaffleTests.expectedFailures.sorted())")

        // The loop: three training days and the validation day, dbt build after each.
        let loop = "\(dbt) build --project-dir \(project) --vars \"{validation: $STREAMGEN_VALIDATION}\" > \"dbt-$STREAMGEN_DAY.log\" 2>&1; rc=$?; cp \(project)/target/run_results.json \"results-$STREAMGEN_DAY.json\"; exit $rc"
        let each = try Interop.launch(Interop.streamgen, ["generate", "jaffle", "--end", "2024-03-01", "--days-back", "3", "--out", "project/seeds",
                                                          "--overwrite", "--each-day", loop],
                                      environment: env.merging(["SOURCE_DATE_EPOCH": "86400"]) { $1 }, currentDirectory: box.inside.path).finish(timeout: 600)
        #expect(!each.passed && each.output.contains("failed on 2024-03-01 (the validation day)"), "\(each.output.suffix(2000))")
        for day in ["2024-02-27", "2024-02-28", "2024-02-29"] {
            let r = try JaffleTests.results(box.path("results-\(day).json"))
            #expect(!r.isEmpty && JaffleTests.failedTests(r).isEmpty, "\(day): \(JaffleTests.failedTests(r))")
        }
        #expect(JaffleTests.failedTests(try JaffleTests.results(box.path("results-2024-03-01.json"))) == JaffleTests.expectedFailures)
        #expect(try JaffleTests.manifest(box, "project/seeds")["status"] as? String == "complete", "the validation day's dataset is complete")
    }

    @Test("--shard i/N: 3 shards out of order merge to the full run byte for byte, CSV seeds (segments continued day by day) and Parquet days; a changed segment is refused")
    func shardsMergeToFullRun() throws {
        for (label, extra) in [("csv", ["--scale", "2"]), ("parquet", ["--format", "parquet", "--days-back", "12"]),
                               ("csv-parts", ["--data", "training,ads", "--days-back", "5"])] {
            let arguments = ["generate", "jaffle", "--end", "2024-03-01", "--out", "out"] + extra
            let full = try Sandbox("jaffle-shard-\(label)-full"), split = try Sandbox("jaffle-shard-\(label)-split")
            defer { full.remove(); split.remove() }
            try #require(try full.run(arguments).passed)
            for i in [2, 0, 1] {
                let r = try split.run(arguments + ["--shard", "\(i)/3"])
                #expect(r.passed, "\(label) shard \(i): \(r.output)")
            }
            let partials = (try? FileManager.default.contentsOfDirectory(atPath: split.path("out/_partial"))) ?? []
            // CSV: a segment per table and shard, and each shard's index; Parquet: none.
            #expect(label.hasPrefix("csv") ? partials.count > 3 && partials.contains("segments.shard-00001-of-00003.json") : partials.isEmpty, "\(label): \(partials)")
            if label == "csv" {
                // Before the merge, no seed file: its rows are in the segments.
                #expect(!FileManager.default.fileExists(atPath: split.path("out/training/raw_orders_training.csv")))
                let segment = split.path("out/_partial/raw_orders_training.shard-00001-of-00003.csv")
                let good = try Data(contentsOf: URL(fileURLWithPath: segment))
                var changed = good
                changed[changed.count / 2] ^= 0x01
                try changed.write(to: URL(fileURLWithPath: segment))
                let refused = try split.run(["manifest", "merge", "out"])
                #expect(!refused.passed && refused.output.contains("SHA-256"), "\(refused.output)")
                #expect(!FileManager.default.fileExists(atPath: split.path("out/manifest.json")))
                try good.write(to: URL(fileURLWithPath: segment))
            }
            let merged = try split.run(["manifest", "merge", "out"])
            #expect(merged.passed, "\(label): \(merged.output)")
            let want = try Runs.tree(full.inside.appendingPathComponent("out"))
            let got = try Runs.mergedTree(split.inside.appendingPathComponent("out"))
            #expect(want.count >= 8)
            #expect(Set(got.keys) == Set(want.keys), "\(label): \(Set(got.keys).symmetricDifference(want.keys).sorted())")
            for (path, data) in want { #expect(got[path] == data, "\(label): \(path) differs") }
            let v = try split.run(["validate", "out"])
            #expect(v.passed, "\(label): \(v.output.suffix(1500))")
        }
        let box = try Sandbox("jaffle-shard-refusals")
        defer { box.remove() }
        let eachDay = try box.run(["generate", "jaffle", "--out", "out", "--shard", "0/2", "--each-day", "true"])
        #expect(!eachDay.passed && eachDay.output.contains("--each-day"), "\(eachDay.output)")
    }
}
