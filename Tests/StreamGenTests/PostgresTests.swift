import Foundation
import StreamGen
import TestSupport
import Testing

/// `--sink postgres://…` against a real server: the throwaway cluster `make test` starts
/// (tools/postgres/cluster.sh) and names in STREAMGEN_TEST_POSTGRES_URL. Each test loads into a
/// schema of its own.
@Suite("PostgreSQL sink", .serialized)
struct PostgresTests {
    static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["STREAMGEN_TEST_POSTGRES_URL"] else {
                throw InteropError.noPython("STREAMGEN_TEST_POSTGRES_URL is not set: run `make test`, which starts a throwaway PostgreSQL cluster")
            }
            return url
        }
    }

    static func sink(_ schema: String) throws -> String { "\(try url)?schema=\(schema)" }

    static func streamgen(_ arguments: [String], environment: [String: String] = [:]) throws -> Interop.Result {
        try Interop.run(Interop.streamgen, arguments, environment: environment)
    }

    /// The rows of `sql`, every value as text (nil for NULL).
    static func query(_ sql: String) throws -> [[String?]] {
        let json = try Interop.runScript("postgres.py", ["query", try url, sql])
        return (json["rows"] as? [[Any]] ?? []).map { $0.map { $0 as? String } }
    }

    static func scalar(_ sql: String) throws -> String? { try query(sql).first?.first ?? nil }

    /// `schema`, dropped first if a run against the same cluster left it.
    static func fresh(_ schema: String) throws -> String {
        _ = try query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        return schema
    }

    /// Every cell of `table` in PostgreSQL equals the Parquet files' (partition columns included).
    static func expectSameCells(_ schema: String, _ dir: URL, _ table: String, key: [String], rows: Int? = nil) throws {
        let json = try Interop.runScript("postgres.py", ["compare", try url, schema, dir.path, table] + key)
        let inPostgres = json["rows_postgres"] as? Int ?? -1
        #expect(inPostgres == json["rows_parquet"] as? Int, "\(table): \(json)")
        if let rows { #expect(inPostgres == rows, "\(table)") }
        #expect((json["column_difference"] as? [String])?.isEmpty == true, "\(table): \(json["column_difference"] ?? "")")
        #expect((json["mismatches"] as? [Any])?.isEmpty == true, "\(table): \(json["mismatches"] ?? "")")
        #expect((json["only_parquet"] as? [Any])?.isEmpty == true, "\(table): \(json["only_parquet"] ?? "")")
    }

    @Test("devapp loads with its keys; every cell equals the Parquet files'; skip, fail, replace and append")
    func devapp() throws {
        let dir = try Runs.temporary("pg-devapp")
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = "t_devapp"
        let first = try Self.streamgen(["generate", "devapp", "--out", dir.appendingPathComponent("a").path, "--sink", try Self.sink(schema)])
        #expect(first.exitCode == 0, "\(first.output)")
        #expect(first.output.contains("fake_analytics 10,000"), "\(first.output)")
        let a = dir.appendingPathComponent("a")
        try Self.expectSameCells(schema, a, "fake_users", key: ["id"], rows: 1_000)
        try Self.expectSameCells(schema, a, "fake_orders", key: ["id"], rows: 5_000)
        try Self.expectSameCells(schema, a, "fake_analytics", key: ["id"], rows: 10_000)
        try Self.expectSameCells(schema, a, "fake_products", key: ["id"], rows: 500)
        // Keys and foreign keys, built after the load.
        let constraints = try Self.query("""
            SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE connamespace = '\(schema)'::regnamespace ORDER BY 1, 2, 3
            """).map { $0.compactMap { $0 }.joined(separator: " ") }
        #expect(constraints.contains("t_devapp.fake_orders f FOREIGN KEY (user_id) REFERENCES t_devapp.fake_users(id)"), "\(constraints)")
        #expect(constraints.contains("t_devapp.fake_analytics p PRIMARY KEY (id)"), "\(constraints)")
        #expect(try Self.scalar("SELECT data_type FROM information_schema.columns WHERE table_schema = '\(schema)' AND table_name = 'fake_orders' AND column_name = 'order_date'") == "timestamp with time zone")
        let run = try Self.query("SELECT pack, mode, status, seed, tables->'fake_orders'->>'rows' FROM \(schema).streamgen_runs")
        #expect(run == [["devapp", "fail", "complete", "42", "5000"]])

        // fail (the default): refused before anything is generated.
        let again = try Self.streamgen(["generate", "devapp", "--out", dir.appendingPathComponent("b").path, "--sink", try Self.sink(schema)])
        #expect(again.exitCode != 0)
        #expect(again.output.contains("t_devapp.fake_users") && again.output.contains("already exist"), "\(again.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b/manifest.json").path))

        // skip: spec 002's create-if-absent leaves everything as it is.
        let checksum = "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM \(schema).fake_orders t"
        let before = try Self.scalar(checksum)
        let skip = try Self.streamgen(["generate", "devapp", "--out", dir.appendingPathComponent("c").path, "--sink", try Self.sink(schema), "--if-exists", "skip"])
        #expect(skip.exitCode == 0 && skip.output.contains("nothing generated"), "\(skip.output)")
        #expect(try Self.scalar(checksum) == before)

        // replace: spec 002's reset, another seed, one transaction.
        let replace = try Self.streamgen(["generate", "devapp", "--seed", "7", "--out", dir.appendingPathComponent("d").path, "--sink", try Self.sink(schema), "--if-exists", "replace"])
        #expect(replace.exitCode == 0, "\(replace.output)")
        try Self.expectSameCells(schema, dir.appendingPathComponent("d"), "fake_orders", key: ["id"], rows: 5_000)
        let replaced = try Self.scalar(checksum)
        #expect(replaced != before)

        // append upserts on the key: the same run appended twice leaves the same rows.
        for name in ["e", "f"] {
            let append = try Self.streamgen(["generate", "devapp", "--seed", "7", "--out", dir.appendingPathComponent(name).path, "--sink", try Self.sink(schema), "--if-exists", "append"])
            #expect(append.exitCode == 0, "\(append.output)")
        }
        #expect(try Self.scalar(checksum) == replaced)
        #expect(try Self.scalar("SELECT count(*) FROM \(schema).fake_orders") == "5000")
        let modes = try Self.query("SELECT mode, status FROM \(schema).streamgen_runs ORDER BY started_at").map { $0.compactMap { $0 }.joined(separator: " ") }
        #expect(modes == ["fail complete", "replace complete", "append complete", "append complete"])
        // No staging table is left behind.
        #expect(try Self.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = '\(schema)' AND tablename LIKE '\\_streamgen\\_%'") == "0")

        // status reads it back from the database: spec 002's row counts and statistics.
        let status = try Self.streamgen(["status", try Self.sink(schema)])
        #expect(status.exitCode == 0, "\(status.output)")
        #expect(status.output.contains("complete (--if-exists append"), "\(status.output)")
        #expect(status.output.contains("  fake_orders: 5,000 rows"), "\(status.output)")
        #expect(status.output.contains("    id bigint: 0 null, 5,000 distinct, 1 … 5000"), "\(status.output)")

        // replace is a destructive path: refused under STREAMGEN_ENV=production.
        let production = try Self.streamgen(["generate", "devapp", "--out", dir.appendingPathComponent("g").path, "--sink", try Self.sink(schema), "--if-exists", "replace"],
                                            environment: ["STREAMGEN_ENV": "production"])
        #expect(production.exitCode != 0 && production.output.contains("STREAMGEN_ENV=production"), "\(production.output)")
    }

    static let schemaYAML = """
        name: shop
        start: 2024-03-01
        days: 3
        tables:
          - name: customers
            rows: 300
            columns:
              - {name: id, type: int64, generator: sequence}
              - {name: email, type: string, generator: email}
              - {name: country, type: string, generator: {text: country}}
              - {name: signed_up, type: date, generator: {date_between: {start: 2022-01-01, end: 2024-03-01}}}
          - name: orders
            rows_per_day: 400
            partition_by: [order_date]
            columns:
              - {name: id, type: int64, generator: {sequence: {start: 1000, step: 1}}}
              - {name: customer_id, type: int64, generator: {reference: {table: customers, column: id, pick: zipf, exponent: 1.1}}}
              - {name: ordered_at, type: timestamp, generator: event_time}
              - {name: order_date, type: date, generator: event_date}
              - {name: shipped_at, type: timestamp, generator: {after: {column: ordered_at, min: 3600, max: 259200}}, null_rate: 0.1}
              - {name: price, type: "decimal(10,2)", generator: {lognormal: {median: 25, sigma: 0.8, min: 1, decimals: 2}}}
              - {name: total, type: double, generator: {uniform: {min: -5, max: 5, decimals: 4}}}
              - {name: meta, type: json, generator: {json: {source: {choice: [web, app]}, score: {uniform: {min: 0, max: 1, decimals: 3}}}}}
              - {name: token, type: uuid, generator: uuid}
        """

    @Test("a YAML schema: dates from partition folders, decimals, JSONB, UUIDs and NULLs load cell for cell")
    func yamlSchema() throws {
        let dir = try Runs.temporary("pg-yaml")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("shop.yaml")
        try Self.schemaYAML.write(to: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let run = try Self.streamgen(["generate", "--schema", file.path, "--out", out.path, "--sink", try Self.sink("t_yaml")])
        #expect(run.exitCode == 0, "\(run.output)")
        try Self.expectSameCells("t_yaml", out, "customers", key: ["id"], rows: 300)
        try Self.expectSameCells("t_yaml", out, "orders", key: ["id"], rows: 1_200)
        let types = try Self.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 't_yaml' AND table_name = 'orders' ORDER BY ordinal_position")
            .map { "\($0[0] ?? ""):\($0[1] ?? "")" }
        #expect(types == ["id:bigint", "customer_id:bigint", "ordered_at:timestamp with time zone", "order_date:date", "shipped_at:timestamp with time zone",
                          "price:numeric", "total:double precision", "meta:jsonb", "token:uuid"])
        // The partition value and the event time agree; NULLs are NULLs.
        #expect(try Self.scalar("SELECT count(*) FROM t_yaml.orders WHERE order_date <> (ordered_at AT TIME ZONE 'UTC')::date") == "0")
        let nulls = Int(try Self.scalar("SELECT count(*) FROM t_yaml.orders WHERE shipped_at IS NULL") ?? "") ?? 0
        #expect((60...180).contains(nulls), "\(nulls) of 1,200 shipped_at NULL; null_rate 0.1")
        #expect(try Self.scalar("SELECT count(*) FROM t_yaml.orders WHERE meta->>'source' IN ('web', 'app')") == "1200")
    }

    @Test("a constraint the rows break fails the whole load: nothing half-loaded, the run recorded as failed")
    func constraintViolation() throws {
        let dir = try Runs.temporary("pg-violation")
        defer { try? FileManager.default.removeItem(at: dir) }
        // `key: country` declares a primary key that 300 customers from a few countries break.
        let yaml = Self.schemaYAML.replacingOccurrences(of: "    rows: 300\n", with: "    rows: 300\n    key: country\n")
        let file = dir.appendingPathComponent("bad.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let run = try Self.streamgen(["generate", "--schema", file.path, "--out", dir.appendingPathComponent("out").path, "--sink", try Self.sink(try Self.fresh("t_violation"))])
        #expect(run.exitCode != 0)
        #expect(run.output.contains("rolled back") && run.output.contains("could not create unique index"), "\(run.output)")
        #expect(try Self.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 't_violation' AND tablename <> 'streamgen_runs'") == "0")
        let status = try Self.query("SELECT status, message FROM t_violation.streamgen_runs")
        #expect(status.count == 1 && status[0][0] == "failed" && (status[0][1] ?? "").contains("unique"), "\(status)")
        // With --no-files: the same failure, and no directory left.
        let out = dir.appendingPathComponent("nofiles")
        let bare = try Self.streamgen(["generate", "--schema", file.path, "--out", out.path, "--sink", try Self.sink(try Self.fresh("t_violation_nofiles")), "--no-files"])
        #expect(bare.exitCode != 0 && bare.output.contains("could not create unique index") && bare.output.contains("no file was kept"), "\(bare.output)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try Self.scalar("SELECT status FROM t_violation_nofiles.streamgen_runs") == "failed")
        #expect(try Self.scalar("SELECT count(*) FROM t_violation_nofiles.streamgen_run_files") == "0")
    }

    @Test("a bad URL, a refused connection and a missing database each fail before anything is generated")
    func connectionErrors() throws {
        let dir = try Runs.temporary("pg-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.url
        let port = url.split(separator: ":").last!.split(separator: "/").first!
        let cases: [(String, String)] = [
            ("mysql://localhost/db", "expected postgres://"),
            ("postgres://streamgen@127.0.0.1:1/postgres", "cannot connect to PostgreSQL"),
            ("postgres://streamgen@127.0.0.1:\(port)/no_such_db", "database \"no_such_db\" does not exist"),
            ("postgres://streamgen:secret@127.0.0.1:1/postgres", "streamgen:***@"),
        ]
        for (i, (sink, message)) in cases.enumerated() {
            let out = dir.appendingPathComponent("o\(i)")
            let run = try Self.streamgen(["generate", "devapp", "--out", out.path, "--sink", sink])
            #expect(run.exitCode != 0, "\(sink)")
            #expect(run.output.contains(message), "\(sink): \(run.output)")
            #expect(!run.output.contains("secret"))
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.json").path), "\(sink)")
        }
    }

    @Test("a server that drops the connections mid-load: a clear failure, the staging tables dropped")
    func killedConnection() throws {
        let dir = try Runs.temporary("pg-killed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let child = try Interop.launch(Interop.streamgen, ["generate", "devapp", "--scale", "300", "--out", dir.appendingPathComponent("out").path,
                                                          "--sink", try Self.sink("t_killed"), "--threads", "2"])
        // Wait for the COPYs to start, then end every StreamGen backend.
        var copying = false
        for _ in 0..<600 where !copying {
            usleep(20_000)
            copying = (try? Self.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'streamgen/%' AND query LIKE 'COPY%'")).flatMap { $0 }.map { $0 != "0" } ?? false
        }
        #expect(copying, "no COPY seen")
        _ = try Self.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'streamgen/%'")
        let result = child.finish(timeout: 120)
        #expect(result.exitCode != 0 && !result.timedOut, "\(result.output)")
        #expect(result.output.contains("t_killed.fake_"), "\(result.output)")
        #expect(try Self.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 't_killed' AND tablename <> 'streamgen_runs'") == "0")
        #expect(try Self.scalar("SELECT status FROM t_killed.streamgen_runs") == "failed")
        let status = try Self.streamgen(["status", try Self.sink("t_killed")])
        #expect(status.exitCode == 1 && status.output.contains("failed"), "\(status.output)")
    }

    /// Polls `sql` (a count) until `done` says so, for up to `seconds`.
    static func wait(_ sql: String, seconds: Double, until done: (Int) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let n = (try? Self.scalar(sql)).flatMap({ $0 }).flatMap({ Int($0) }), done(n) { return true }
            usleep(20_000)
        }
        return false
    }

    @Test("a load killed with SIGKILL leaves its staging tables; clean postgres:// drops them and marks the run failed, leaving a load still going alone")
    func cleanAfterKilledLoad() throws {
        let schema = try Self.fresh("t_clean")
        let dir = try Runs.temporary("pg-clean")
        defer { try? FileManager.default.removeItem(at: dir) }
        func launch(_ out: String) throws -> Interop.Child {
            try Interop.launch(Interop.streamgen, ["generate", "devapp", "--scale", "300", "--out", dir.appendingPathComponent(out).path,
                                                   "--sink", try Self.sink(schema), "--if-exists", "replace", "--threads", "2"])
        }
        let copying = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'streamgen/%' AND query LIKE 'COPY%'"
        let connected = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'streamgen/%'"
        let leftovers = "SELECT count(*) FROM pg_tables WHERE schemaname = '\(schema)' AND tablename LIKE '\\_streamgen\\_%'"
        let first = try launch("a")
        #expect(Self.wait(copying, seconds: 120) { $0 > 0 }, "no COPY seen")
        first.signal(SIGKILL)
        _ = first.finish(timeout: 60)
        // Its backends end once the server reads the closed sockets.
        #expect(Self.wait(connected, seconds: 30) { $0 == 0 }, "the killed run's connections stayed")
        let left = try #require(Int(try Self.scalar(leftovers) ?? ""))
        #expect(left == 4, "\(left) staging tables")
        let killedRun = try #require(try Self.scalar("SELECT run_id FROM \(schema).streamgen_runs WHERE status = 'loading'"))
        let status = try Self.streamgen(["status", try Self.sink(schema)])
        #expect(status.exitCode == 1, "\(status.output)")

        let unconfirmed = try Self.streamgen(["clean", try Self.sink(schema)])
        expectCleanFailure(unconfirmed, "clean postgres:// without --confirm", message: "--confirm")
        let dry = try Self.streamgen(["clean", try Self.sink(schema), "--dry-run"])
        #expect(dry.passed && dry.output.contains("would drop 4 staging table(s); would mark run \(killedRun) failed"), "\(dry.output)")
        #expect(try Self.scalar(leftovers) == "4")
        let guarded = try Self.streamgen(["clean", try Self.sink(schema), "--confirm"], environment: ["STREAMGEN_ENV": "production"])
        expectCleanFailure(guarded, "clean postgres:// in production", message: "production")
        #expect(try Self.scalar(leftovers) == "4")

        // A second load, still going: its staging tables stay; the killed one's go.
        let second = try launch("b")
        #expect(Self.wait(copying, seconds: 120) { $0 > 0 }, "no COPY seen")
        let liveRun = try #require(try Self.scalar("SELECT run_id FROM \(schema).streamgen_runs WHERE status = 'loading' AND run_id <> '\(killedRun)'"))
        let cleaned = try Self.streamgen(["clean", try Self.sink(schema), "--confirm"])
        #expect(cleaned.passed, "\(cleaned.output)")
        #expect(cleaned.output.contains("dropped 4 staging table(s); marked run \(killedRun) failed"), "\(cleaned.output)")
        #expect(cleaned.output.contains("run \(liveRun) is still loading"), "\(cleaned.output)")
        #expect(try Self.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = '\(schema)' AND tablename LIKE '\\_streamgen\\_\(killedRun)\\_%'") == "0")
        #expect(try Self.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = '\(schema)' AND tablename LIKE '\\_streamgen\\_\(liveRun)\\_%'") == "4")
        #expect(try Self.scalar("SELECT status || ': ' || message FROM \(schema).streamgen_runs WHERE run_id = '\(killedRun)'")?.hasPrefix("failed: abandoned") == true)
        #expect(try Self.scalar("SELECT status FROM \(schema).streamgen_runs WHERE run_id = '\(liveRun)'") == "loading")
        // Then it is killed too, and the next clean takes its tables.
        second.signal(SIGKILL)
        _ = second.finish(timeout: 60)
        #expect(Self.wait(connected, seconds: 30) { $0 == 0 })
        let again = try Self.streamgen(["clean", try Self.sink(schema), "--confirm"])
        #expect(again.passed && again.output.contains("dropped 4 staging table(s); marked run \(liveRun) failed"), "\(again.output)")
        #expect(try Self.scalar(leftovers) == "0")
        let nothing = try Self.streamgen(["clean", try Self.sink(schema), "--confirm"])
        #expect(nothing.passed && nothing.output.contains("dropped 0 staging table(s)"), "\(nothing.output)")
    }

    @Test("ecommerce fixtures: spec 000's figures in PostgreSQL equal DuckDB's over the files; anomalies load as their data says")
    func ecommerce() throws {
        let dir = try Runs.temporary("pg-ecommerce")
        defer { try? FileManager.default.removeItem(at: dir) }
        for scenario in ["baseline", "orphaned_records", "schema_drift"] {
            let schema = "t_\(scenario)"
            let out = dir.appendingPathComponent(scenario)
            let run = try Self.streamgen(["generate", "ecommerce", "--scenario", scenario, "--out", out.path, "--sink", try Self.sink(schema)])
            #expect(run.exitCode == 0, "\(run.output)")
            let fixture = out.appendingPathComponent(scenario)
            if scenario == "baseline" {
                let figures = try Interop.runScript("postgres.py", ["ecommerce", try Self.url, schema, fixture.path])
                // Spec 000 section 7's validation queries, verbatim, are among them.
                #expect(figures.keys.filter { $0.hasPrefix("7.") }.count == 7, "\(figures.keys.sorted())")
                for (name, value) in figures {
                    let v = value as? [String: Any]
                    #expect(v?["equal"] as? Bool == true, "\(name): \(v ?? [:])")
                    #expect((v?["postgres"] as? [Any])?.isEmpty == false, "\(name)")
                }
                for (table, key) in [("orders", "order_id"), ("order_items", "order_item_id"), ("products", "product_id")] {
                    try Self.expectSameCells(schema, fixture, table, key: [key])
                }
            }
            let foreign = try Self.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = '\(schema).orders'::regclass AND contype = 'f'")
            #expect(foreign == (scenario == "orphaned_records" ? "0" : "1"), "\(scenario)")
            if scenario == "orphaned_records" {
                let orphans = try Self.scalar("SELECT count(*) FROM \(schema).orders o WHERE o.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(schema).users u WHERE u.user_id = o.user_id)")
                #expect((Int(orphans ?? "") ?? 0) > 0, "\(orphans ?? "")")
                #expect(try Self.scalar("SELECT obj_description('\(schema).orders'::regclass)")?.contains("orphaned_records") == true)
            }
            if scenario == "schema_drift" {
                #expect(try Self.scalar("SELECT data_type FROM information_schema.columns WHERE table_schema = '\(schema)' AND table_name = 'products' AND column_name = 'price'") == "character varying")
                #expect((Int(try Self.scalar("SELECT count(*) FROM \(schema).products WHERE price LIKE '% USD'") ?? "") ?? 0) > 0)
            }
        }
    }

    @Test("retail (spec 003): the seven tables with the spec's grain, checks and foreign keys, cell for cell; append upserts its new days, twice is once")
    func retail() throws {
        let dir = try Runs.temporary("pg-retail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = try Self.fresh("t_retail")
        let out = dir.appendingPathComponent("out")
        let first = try Self.streamgen(["generate", "retail", "--stores", "4", "--products", "15", "--out", out.path, "--sink", try Self.sink(schema)])
        #expect(first.exitCode == 0, "\(first.output)")
        let keys: [(String, [String])] = [("store", ["store_id"]), ("product", ["product_id"]), ("calendar", ["date"]),
                                          ("sales_daily", ["date", "store_id", "product_id"]), ("price_history", ["store_id", "product_id", "valid_from"]),
                                          ("promotion", ["promotion_id"]), ("inventory_snapshot_daily", ["date", "store_id", "product_id"])]
        for (table, key) in keys { try Self.expectSameCells(schema, out, table, key: key) }
        #expect(try Self.scalar("SELECT count(*) FROM \(schema).calendar") == "366")
        // Spec 003's table is a contract: its grain, its checks, its foreign keys.
        let constraints = Set(try Self.query("""
            SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = '\(schema)'::regnamespace
            """).compactMap { $0.first ?? nil })
        for expected in ["t_retail.sales_daily UNIQUE (date, store_id, product_id)", "t_retail.sales_daily CHECK ((quantity >= 0))",
                         "t_retail.sales_daily CHECK ((unit_price >= (0)::numeric))", "t_retail.inventory_snapshot_daily CHECK ((on_hand_qty >= 0))",
                         "t_retail.calendar CHECK (((day_of_week >= 0) AND (day_of_week <= 6)))", "t_retail.price_history CHECK ((valid_to >= valid_from))",
                         "t_retail.promotion CHECK (((discount_pct >= (0)::numeric) AND (discount_pct <= (1)::numeric)))",
                         "t_retail.sales_daily FOREIGN KEY (date) REFERENCES t_retail.calendar(date)",
                         "t_retail.inventory_snapshot_daily FOREIGN KEY (product_id) REFERENCES t_retail.product(product_id)"] {
            #expect(constraints.contains(expected), "\(expected): \(constraints.sorted())")
        }

        // `streamgen append --sink`: the new days into the files and, upserted, into the tables.
        let quarter = ["append", out.path, "--start-date", "2025-01-01", "--end-date", "2025-03-31", "--seed", "43", "--sink", try Self.sink(schema)]
        let append = try Self.streamgen(quarter)
        #expect(append.exitCode == 0 && append.output.contains("--if-exists append"), "\(append.output)")
        for (table, key) in keys where table != "store" && table != "product" { try Self.expectSameCells(schema, out, table, key: key) }
        #expect(try Self.query("SELECT min(date)::text, max(date)::text FROM \(schema).sales_daily") == [["2024-01-01", "2025-03-31"]])
        let checksum = "SELECT md5(string_agg(t::text, ',' ORDER BY date, store_id, product_id)) FROM \(schema).inventory_snapshot_daily t"
        let after = try Self.scalar(checksum)
        // The same append again changes nothing, in the files or the tables.
        let again = try Self.streamgen(quarter)
        #expect(again.exitCode == 0 && again.output.contains("unchanged"), "\(again.output)")
        // generate with --if-exists append: every row upserted onto itself, nothing new.
        let upsert = try Self.streamgen(["generate", "retail", "--stores", "4", "--products", "15", "--out", dir.appendingPathComponent("again").path,
                                         "--sink", try Self.sink(schema), "--if-exists", "append"])
        #expect(upsert.exitCode == 0, "\(upsert.output)")
        #expect(try Self.scalar(checksum) == after)
        for (table, key) in keys where table != "calendar" { try Self.expectSameCells(schema, out, table, key: key) }
        let runs = try Self.query("SELECT pack, mode, status FROM \(schema).streamgen_runs ORDER BY started_at").map { $0.compactMap { $0 }.joined(separator: " ") }
        #expect(runs == ["retail fail complete", "retail append complete", "retail append complete"], "\(runs)")
    }

    @Test("jaffle (spec 001): every seed table cell for cell; the training seeds keep their keys and accepted values, the validation seeds' anomalies are in the data as the ground truth says")
    func jaffle() throws {
        let dir = try Runs.temporary("pg-jaffle")
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = try Self.fresh("t_jaffle")
        let out = dir.appendingPathComponent("out")
        let run = try Self.streamgen(["generate", "jaffle", "--days-back", "20", "--end", "2024-06-30", "--format", "parquet", "--out", out.path,
                                      "--sink", try Self.sink(schema)])
        #expect(run.exitCode == 0, "\(run.output)")
        for part in ["training", "validation"] {
            for (table, dated) in [("customers", false), ("orders", true), ("payments", false), ("signups", true)] {
                try Self.expectSameCells(schema, out.appendingPathComponent(part), "raw_\(table)_\(part)", key: ["id"] + (dated ? ["-day"] : []))
            }
        }
        for table in ["stg_website_sessions", "stg_app_sessions"] {
            try Self.expectSameCells(schema, out.appendingPathComponent("sessions"), table, key: ["session_id", "-day"])
        }
        for platform in ["google", "facebook", "instagram"] {
            try Self.expectSameCells(schema, out.appendingPathComponent("ads"), "stg_\(platform)_ads", key: ["ad_id", "date", "-day"])
        }
        let keyed = try Self.query("""
            SELECT conrelid::regclass::text FROM pg_constraint WHERE connamespace = '\(schema)'::regnamespace AND contype = 'p' ORDER BY 1
            """).compactMap { $0.first ?? nil }
        #expect(keyed.contains("t_jaffle.raw_orders_training") && !keyed.contains("t_jaffle.raw_orders_validation"), "\(keyed)")
        #expect(try Self.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = '\(schema).raw_signups_training'::regclass AND contype = 'f'") == "1")
        #expect(try Self.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = '\(schema).raw_signups_validation'::regclass AND contype = 'f'") == "0")
        #expect(try Self.scalar("SELECT obj_description('\(schema).raw_signups_validation'::regclass)")?.contains("orphan_signup") == true)
        // The anomalies, counted in PostgreSQL, are the ground truth's.
        let truth = try String(contentsOf: out.appendingPathComponent("_quality/anomalies.csv"), encoding: .utf8)
        func truthCount(_ kind: String) -> String { String(truth.split(separator: "\n").filter { $0.hasPrefix("\(kind),") }.count) }
        let s = schema
        #expect(try Self.scalar("SELECT count(*) FROM (SELECT id FROM \(s).raw_orders_validation GROUP BY id HAVING count(*) > 1) d") == truthCount("duplicate_order_id"))
        #expect(try Self.scalar("SELECT count(DISTINCT id) FROM \(s).raw_orders_validation WHERE status = 'lost'") == truthCount("lost_status"))
        #expect(try Self.scalar("SELECT count(*) FROM \(s).raw_payments_validation WHERE amount = 0") == truthCount("zero_amount"))
        #expect(try Self.scalar("""
            SELECT count(*) FROM \(s).raw_signups_validation g WHERE NOT EXISTS (SELECT 1 FROM \(s).raw_customers_validation c WHERE c.id = g.user_id)
            """) == truthCount("orphan_signup"))
        #expect(truthCount("orphan_signup") != "0" && truthCount("duplicate_order_id") != "0")
        // --each-day needs the day's rows where its command looks: refused with --sink.
        let loop = try Self.streamgen(["generate", "jaffle", "--days-back", "3", "--out", dir.appendingPathComponent("loop").path,
                                       "--sink", try Self.sink("t_jaffle_loop"), "--each-day", "true"])
        #expect(loop.exitCode != 0 && loop.output.contains("--each-day"), "\(loop.output)")
    }

    /// `psql -f load_postgres.sql` in `directory`, into `schema`.
    /// Every constraint of `schema`'s loaded tables (StreamGen's own run tables aside), as
    /// `table definition`, sorted, without the schema's name: two schemas' compare equal when
    /// their tables have the same keys and checks.
    static func constraintDefinitions(_ schema: String) throws -> String? {
        try scalar("""
            SELECT string_agg(d, ';' ORDER BY d) FROM (SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint
            WHERE connamespace = '\(schema)'::regnamespace AND conrelid::regclass::text NOT LIKE '%streamgen_run%') c
            """)?.replacingOccurrences(of: schema + ".", with: "")
    }

    static func psqlLoad(_ directory: URL, schema: String) throws -> Interop.Result {
        try Interop.launch("/usr/bin/psql", [try url, "-q", "-v", "schema=\(schema)", "-f", "load_postgres.sql"], currentDirectory: directory.path).finish(timeout: 300)
    }

    /// Whether two loaded tables hold the same rows (every column, as PostgreSQL prints it).
    static func sameRows(_ a: String, _ b: String) throws -> Bool {
        let digest = { (t: String) in "(SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) || count(*) FROM \(t) r)" }
        return try scalar("SELECT \(digest(a)) = \(digest(b))") == "True"
    }

    @Test("--no-files: every pack's tables hold the rows a run with files loads, with its constraints; no file stays on disk; the manifest, ground truth and schema.sql are in the database, byte for byte")
    func noFiles() throws {
        let dir = try Runs.temporary("pg-nofiles")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(pack: [String], truth: String?)] = [
            (["devapp"], nil),
            (["bronze", "--rows", "50000"], "_quality/ground_truth.parquet"),
            (["ecommerce", "--scenario", "duplicates", "--scale", "0.25"], nil),  // its ids fit in the manifest
            (["retail", "--stores", "3", "--products", "10"], nil),
            (["jaffle", "--days-back", "10"], nil),
        ]
        let epoch = ["SOURCE_DATE_EPOCH": "1700000000"]
        for (n, c) in cases.enumerated() {
            let withFiles = try Self.fresh("t_nofiles_a\(n)"), without = try Self.fresh("t_nofiles_b\(n)")
            // b's parent does not exist either: the run makes both, and removes both.
            let a = dir.appendingPathComponent("a\(n)"), b = dir.appendingPathComponent("b\(n)").appendingPathComponent("run")
            let first = try Self.streamgen(["generate"] + c.pack + ["--out", a.path, "--sink", try Self.sink(withFiles)], environment: epoch)
            #expect(first.exitCode == 0, "\(c.pack): \(first.output)")
            let second = try Self.streamgen(["generate"] + c.pack + ["--out", b.path, "--sink", try Self.sink(without), "--no-files"], environment: epoch)
            #expect(second.exitCode == 0, "\(c.pack): \(second.output)")
            #expect(second.output.contains("no files written") && second.output.contains("streamgen_run_files"), "\(second.output)")
            #expect(!FileManager.default.fileExists(atPath: b.deletingLastPathComponent().path), "\(c.pack): \(b.path) is left")
            let tables = try Self.query("SELECT tablename FROM pg_tables WHERE schemaname = '\(withFiles)' AND tablename NOT LIKE 'streamgen_%' ORDER BY 1").compactMap { $0[0] }
            let tablesB = try Self.query("SELECT tablename FROM pg_tables WHERE schemaname = '\(without)' AND tablename NOT LIKE 'streamgen_%' ORDER BY 1").compactMap { $0[0] }
            #expect(tables == tablesB && tables.count >= 4, "\(c.pack): \(tables) vs \(tablesB)")
            for table in tables {
                if c.pack[0] == "bronze" {
                    // Bronze's load (the other packs' are their own tests'): cell for cell with its Parquet files.
                    let key = try Self.scalar("SELECT column_name FROM information_schema.columns WHERE table_schema = '\(withFiles)' AND table_name = '\(table)' AND ordinal_position = 1") ?? ""
                    try Self.expectSameCells(withFiles, a, table, key: [key])
                }
                #expect(try Self.sameRows("\(withFiles).\(table)", "\(without).\(table)"), "\(c.pack): \(table)")
                #expect(try Self.scalar("SELECT count(*) FROM \(without).\(table)") != "0", "\(c.pack): \(table)")
            }
            let ca = try Self.constraintDefinitions(withFiles), cb = try Self.constraintDefinitions(without)
            #expect(ca == cb && ca?.isEmpty == false, "\(c.pack): \(ca ?? "") vs \(cb ?? "")")
            // The run's other files, each the bytes the run with files wrote (the manifest aside:
            // it lists data files that were not written).
            let stored = try Self.query("""
                SELECT f.path, encode(f.content, 'base64'), f.sha256 = encode(sha256(f.content), 'hex'), f.bytes = length(f.content), r.status
                FROM \(without).streamgen_run_files f JOIN \(without).streamgen_runs r USING (run_id) ORDER BY f.path
                """)
            let paths = stored.compactMap { $0[0] }
            let root = c.pack[0] == "ecommerce" ? "duplicates/" : ""
            #expect(paths.contains(root + "manifest.json") && paths.contains(root + "schema.sql"), "\(c.pack): \(paths)")
            if let truth = c.truth { #expect(paths.contains(truth), "\(c.pack): \(paths)") }
            #expect(!paths.contains { $0.hasSuffix("load_duckdb.sql") || $0.contains(".streamgen-journal") }, "\(paths)")
            for row in stored {
                let path = row[0] ?? ""
                #expect(row[2] == "True" && row[3] == "True" && row[4] == "complete", "\(c.pack): \(path) \(row.dropFirst(2))")
                let content = Data(base64Encoded: (row[1] ?? "").replacingOccurrences(of: "\n", with: ""))
                if path.hasSuffix("manifest.json") {
                    #expect(content.flatMap { try? JSONSerialization.jsonObject(with: $0) } != nil, "\(path)")
                } else if !path.hasSuffix("_metadata.json") && path != "_audit.jsonl" {  // these list files, or times
                    #expect(content != nil && content == FileManager.default.contents(atPath: a.appendingPathComponent(path).path), "\(c.pack): \(path) differs")
                }
            }
            let status = try Self.streamgen(["status", try Self.sink(without)])
            #expect(status.output.contains("no data files (--no-files)") && status.output.contains("manifest.json"), "\(status.output)")
            // The manifest is queryable where the run is recorded.
            #expect(try Self.scalar("SELECT count(*) FROM \(without).streamgen_runs WHERE manifest IS NOT NULL AND status = 'complete'") == "1", "\(c.pack)")
        }
        // A replace keeps the new run's files, not the old run's with them.
        let again = try Self.streamgen(["generate", "devapp", "--out", dir.appendingPathComponent("again").path, "--sink", try Self.sink("t_nofiles_b0"),
                                        "--no-files", "--if-exists", "replace"], environment: epoch)
        #expect(again.exitCode == 0, "\(again.output)")
        #expect(try Self.scalar("SELECT count(DISTINCT run_id) FROM t_nofiles_b0.streamgen_run_files") == "1")
        #expect(try Self.scalar("SELECT count(*) FROM t_nofiles_b0.streamgen_runs WHERE manifest IS NOT NULL") == "2")
        // The JSON progress's last line names no directory and no file.
        let json = try Self.streamgen(["generate", "devapp", "--rows", "20000", "--out", dir.appendingPathComponent("json").path,
                                       "--sink", try Self.sink(try Self.fresh("t_nofiles_json")), "--no-files", "--progress", "json"])
        let done = json.output.split(separator: "\n").first { $0.contains("\"event\":\"done\"") } ?? ""
        #expect(json.exitCode == 0 && done.contains("\"directory\":null") && done.contains("\"files\":0") && done.contains("\"rows\":33000"), "\(json.output)")
        // Refused: without --sink, with --format, and into a directory that holds files.
        let noSink = try Self.streamgen(["generate", "devapp", "--out", dir.appendingPathComponent("x").path, "--no-files"])
        #expect(noSink.exitCode != 0 && noSink.output.contains("--no-files") && noSink.output.contains("--sink"), "\(noSink.output)")
        let format = try Self.streamgen(["generate", "devapp", "--out", dir.appendingPathComponent("x").path, "--sink", try Self.sink("t_nofiles_x"), "--no-files", "--format", "csv"])
        #expect(format.exitCode != 0 && format.output.contains("--format does not apply"), "\(format.output)")
        let busy = dir.appendingPathComponent("busy")
        try FileManager.default.createDirectory(at: busy, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: busy.appendingPathComponent("notes.txt"))
        let refused = try Self.streamgen(["generate", "devapp", "--out", busy.path, "--sink", try Self.sink(try Self.fresh("t_nofiles_x")), "--no-files"])
        #expect(refused.exitCode != 0 && refused.output.contains("notes.txt"), "\(refused.output)")
        #expect(FileManager.default.contents(atPath: busy.appendingPathComponent("notes.txt").path) == Data("mine".utf8))
        #expect(try Self.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 't_nofiles_x' AND tablename NOT LIKE 'streamgen_%'") == "0")
    }

    @Test("file outputs: schema.sql for every pack, and for CSV a load_postgres.sql that psql -f runs as is, twice, giving the --sink load's rows")
    func loadScripts() throws {
        let dir = try Runs.temporary("pg-scripts")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(pack: [String], directory: String, tables: [String])] = [
            (["devapp"], "", ["fake_users", "fake_orders", "fake_analytics", "fake_products"]),
            (["ecommerce", "--scenario", "schema_drift", "--scale", "0.25"], "schema_drift", ["users", "categories", "products", "orders", "order_items", "events"]),
            (["jaffle", "--days-back", "10"], "", ["raw_orders_training", "raw_signups_validation", "stg_app_sessions", "stg_google_ads"]),
        ]
        for (n, c) in cases.enumerated() {
            let sink = try Self.fresh("t_script_sink_\(n)"), psql = try Self.fresh("t_script_psql_\(n)")
            let out = dir.appendingPathComponent("\(n)")
            let run = try Self.streamgen(["generate"] + c.pack + ["--format", "csv", "--out", out.path, "--sink", try Self.sink(sink)])
            #expect(run.exitCode == 0, "\(run.output)")
            let root = c.directory.isEmpty ? out : out.appendingPathComponent(c.directory)
            let ddl = try String(contentsOf: root.appendingPathComponent("schema.sql"), encoding: .utf8)
            #expect(ddl.contains("CREATE TABLE IF NOT EXISTS \"\(c.tables[0])\""), "\(c.pack)")
            for attempt in 0..<2 {
                let load = try Self.psqlLoad(root, schema: psql)
                #expect(load.exitCode == 0 && !load.output.contains("ERROR"), "\(c.pack) #\(attempt): \(load.output)")
            }
            for table in c.tables {
                #expect(try Self.sameRows("\(sink).\(table)", "\(psql).\(table)"), "\(c.pack): \(table)")
                #expect(try Self.scalar("SELECT count(*) FROM \(psql).\(table)") != "0", "\(c.pack): \(table)")
            }
            // The same keys and constraints as the sink's.
            let a = try Self.constraintDefinitions(sink), b = try Self.constraintDefinitions(psql)
            #expect(a == b && a?.isEmpty == false, "\(c.pack): \(a ?? "") vs \(b ?? "")")
        }
        // schema_drift's prices load as the text the import job wrote.
        #expect((Int(try Self.scalar("SELECT count(*) FROM t_script_psql_1.products WHERE price LIKE '% USD'") ?? "") ?? 0) > 0)
        // Parquet output: schema.sql, and no load script (psql reads no Parquet; --sink is the route).
        let parquet = dir.appendingPathComponent("parquet")
        #expect(try Self.streamgen(["generate", "devapp", "--out", parquet.path]).exitCode == 0)
        #expect(FileManager.default.fileExists(atPath: parquet.appendingPathComponent("schema.sql").path))
        #expect(!FileManager.default.fileExists(atPath: parquet.appendingPathComponent("load_postgres.sql").path))
    }
}
