import Foundation
import StreamGen
import StreamGenYAML
import TestSupport
import Testing

/// devapp's output read by DuckDB and pyarrow: the spec's four example queries, foreign keys,
/// types, partitions and sort order.
@Suite("devapp read back by DuckDB and pyarrow", .serialized)
struct DevAppInteropTests {
    static let queries = [
        // The spec's four example queries, verbatim.
        "demographics": "SELECT department, COUNT(*) as count, AVG(salary) as avg_salary FROM fake_users GROUP BY department ORDER BY avg_salary DESC",
        "orders": "SELECT status, COUNT(*) as order_count, SUM(total_amount) as total_revenue, AVG(total_amount) as avg_order_value FROM fake_orders GROUP BY status",
        "analytics": "SELECT device_type, country, COUNT(*) as events, AVG(session_duration) as avg_session_duration, SUM(CASE WHEN conversion THEN 1 ELSE 0 END) as conversions FROM fake_analytics GROUP BY device_type, country ORDER BY events DESC",
        "inventory": "SELECT category, COUNT(*) as product_count, AVG(price) as avg_price, SUM(stock_quantity) as total_inventory FROM fake_products GROUP BY category",
        // Foreign keys and derived columns.
        "orphan_orders": "SELECT count(*) FROM fake_orders o LEFT JOIN fake_users u ON o.user_id = u.id WHERE u.id IS NULL",
        "orphan_events": "SELECT count(*) FROM fake_analytics a LEFT JOIN fake_users u ON a.user_id = u.id WHERE u.id IS NULL",
        "unknown_products": "SELECT count(*) FROM fake_orders o WHERE o.product_name NOT IN (SELECT name FROM fake_products)",
        "bad_totals": "SELECT count(*) FROM fake_orders WHERE abs(total_amount - round(quantity * unit_price, 2)) > 0.005",
        "bad_costs": "SELECT count(*) FROM fake_products WHERE cost > price OR cost <= 0",
        "ids": "SELECT count(DISTINCT id), min(id), max(id), count(DISTINCT email) FROM fake_users",
        "ranges": "SELECT min(age), max(age), min(bounce_rate), max(bounce_rate), min(page_views) FROM fake_users, (SELECT min(bounce_rate) bounce_rate, max(page_views) page_views FROM fake_analytics)",
        "order_dates": "SELECT min(order_date)::VARCHAR, max(order_date)::VARCHAR FROM fake_orders",
        "conversion_rate": "SELECT avg(CASE WHEN conversion THEN 1.0 ELSE 0.0 END) FROM fake_analytics",
    ]

    static func number(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? Double(v as? String ?? "") ?? .nan }

    @Test("the spec's example queries give plausible answers; keys hold; types are right")
    func devapp() async throws {
        let dir = try Runs.temporary("devapp-interop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try await Runs.generate(dir) { $0.scale = 5 }
        let result = try Interop.readDataset(dir.path, queries: Self.queries)
        let tables = try #require(result["tables"] as? [String: [String: Any]])
        let queries = try #require(result["queries"] as? [String: [[Any]]])
        for table in manifest.tables {
            let info = try #require(tables[table.name])
            #expect(info["duckdb_rows"] as? Int == Int(table.rows), "\(table.name)")
            #expect(info["pyarrow_rows"] as? Int == Int(table.rows), "\(table.name)")
            #expect((info["unsorted_files"] as? [String])?.isEmpty == true, "\(table.name): \(info["unsorted_files"] ?? "")")
        }
        // Types as DuckDB reads them (partition columns from the path).
        let users = try #require(tables["fake_users"]?["duckdb_types"] as? [String: String])
        #expect(users["id"] == "BIGINT" && users["age"] == "INTEGER" && users["is_active"] == "BOOLEAN")
        #expect(users["created_at"] == "TIMESTAMP WITH TIME ZONE")
        #expect(users["department"] == "VARCHAR")
        let analyticsTypes = try #require(tables["fake_analytics"]?["pyarrow_types"] as? [String: String])
        #expect(analyticsTypes["event_date"] == "timestamp[us, tz=UTC]")
        #expect(analyticsTypes["bounce_rate"] == "double")
        #expect(analyticsTypes["session_duration"] == "int32")
        let nullable = try #require(tables["fake_orders"]?["pyarrow_nullable"] as? [String: Bool])
        #expect(nullable["id"] == false)

        // User demographics: the spec's five departments, ordered by average salary.
        let demographics = try #require(queries["demographics"])
        #expect(Set(demographics.map { $0[0] as? String ?? "" }) == Set(DevAppPack.departments))
        #expect(demographics.reduce(0) { $0 + Int(Self.number($1[1])) } == 5000)
        let salaries = demographics.map { Self.number($0[2]) }
        #expect(salaries == salaries.sorted(by: >))
        #expect(salaries.allSatisfy { (55_000...150_000).contains($0) }, "\(salaries)")
        #expect(demographics.first?[0] as? String == "Engineering" && demographics.last?[0] as? String == "HR", "\(demographics)")
        // Orders: statuses from the spec's set, delivered the most common, revenue positive.
        let orders = try #require(queries["orders"])
        #expect(Set(orders.map { $0[0] as? String ?? "" }) == Set(DevAppPack.statuses))
        let byStatus = Dictionary(uniqueKeysWithValues: orders.map { ($0[0] as? String ?? "", Self.number($0[1])) })
        #expect(byStatus["delivered"]! > byStatus["pending"]! && byStatus["delivered"]! > byStatus["cancelled"]!)
        #expect(orders.allSatisfy { Self.number($0[2]) > 0 && (10...1000).contains(Self.number($0[3])) }, "\(orders)")
        // Analytics: three device types, ISO country codes, mobile busiest, US the top country.
        let analytics = try #require(queries["analytics"])
        #expect(Set(analytics.map { $0[0] as? String ?? "" }) == ["desktop", "mobile", "tablet"])
        #expect(analytics.allSatisfy { ($0[1] as? String)?.count == 2 && ($0[1] as? String)?.uppercased() == $0[1] as? String })
        #expect(analytics.first?[1] as? String == "US")
        #expect(analytics.reduce(0) { $0 + Int(Self.number($1[2])) } == 50_000)
        #expect(analytics.allSatisfy { Self.number($0[4]) <= Self.number($0[2]) })
        // Inventory: categories, positive prices and stock.
        let inventory = try #require(queries["inventory"])
        #expect(inventory.count >= 10)
        #expect(inventory.reduce(0) { $0 + Int(Self.number($1[1])) } == 2500)
        #expect(inventory.allSatisfy { Self.number($0[2]) > 3 && Self.number($0[3]) > 0 })
        // Keys and derived columns.
        for q in ["orphan_orders", "orphan_events", "unknown_products", "bad_totals", "bad_costs"] {
            #expect(Self.number(queries[q]?.first?.first) == 0, "\(q): \(String(describing: queries[q]))")
        }
        let ids = try #require(queries["ids"]?.first)
        #expect(ids.map(Self.number) == [5000, 1, 5000, 5000])
        let ranges = try #require(queries["ranges"]?.first)
        #expect(Self.number(ranges[0]) >= 18 && Self.number(ranges[1]) <= 70)
        let dates = try #require(queries["order_dates"]?.first)
        #expect((dates[0] as? String)?.hasPrefix("2024-01-01") == true && (dates[1] as? String)?.hasPrefix("2024-01-30") == true, "\(dates)")
        let conversion = Self.number(queries["conversion_rate"]?.first?.first)
        #expect((0.02...0.045).contains(conversion))
    }

    @Test("CSV and the flat layout read back too")
    func csvAndFlat() async throws {
        let csv = try Runs.temporary("csv"), flat = try Runs.temporary("flat")
        defer { try? FileManager.default.removeItem(at: csv); try? FileManager.default.removeItem(at: flat) }
        let csvManifest = try await Runs.generate(csv) { $0.format = .csv; $0.tables = ["fake_users", "fake_orders"] }
        let csvResult = try Interop.readDataset(csv.path, queries: ["n": "SELECT count(*), count(DISTINCT status) FROM fake_orders"], format: "csv")
        let csvTables = try #require(csvResult["tables"] as? [String: [String: Any]])
        #expect(csvTables["fake_users"]?["duckdb_rows"] as? Int == Int(csvManifest.tables[0].rows))
        #expect((csvResult["queries"] as? [String: [[Any]]])?["n"]?.first?.map(DevAppInteropTests.number) == [15000, 5])

        let flatManifest = try await Runs.generate(flat) { $0.layout = .flat }
        #expect(flatManifest.tables.allSatisfy { $0.files.count == 1 && $0.files[0].path == "\($0.name).parquet" })
        let flatResult = try Interop.readDataset(flat.path, queries: ["d": "SELECT count(DISTINCT department) FROM fake_users"], layout: "flat")
        #expect(DevAppInteropTests.number((flatResult["queries"] as? [String: [[Any]]])?["d"]?.first?.first) == 5)
        let flatTables = try #require(flatResult["tables"] as? [String: [String: Any]])
        #expect((flatTables["fake_analytics"]?["unsorted_files"] as? [String])?.isEmpty == true)
        #expect(flatTables["fake_analytics"]?["pyarrow_rows"] as? Int == 30_000)
    }

    @Test("sort keys that do not follow the row number: every file sorted, nothing lost")
    func sortedByValues() async throws {
        let dir = try Runs.temporary("sorted")
        defer { try? FileManager.default.removeItem(at: dir) }
        let payments = TableSpec(name: "payments", rows: .total(40_000), columns: [
            ColumnSpec("id", .int64, .sequence(start: 1, step: 1)),
            ColumnSpec("method", .string, .choice(values: ["card", "paypal", "bank"], weights: [6, 3, 1])),
            ColumnSpec("customer", .string, .text(.fullName)),
            ColumnSpec("amount", .double, .logNormal(mu: 3, sigma: 1, min: nil, max: nil, decimals: 2)),
            ColumnSpec("paid_at", .timestampUTC, .eventTime),
            ColumnSpec("region", .string, .choice(values: ["eu", "us"], weights: nil)),
        ], partitionBy: ["region"], sortBy: ["method", "amount", "paid_at"])
        var options = GenerateOptions(pack: PackSpec(name: "p", summary: "", tables: [payments], defaultStartDay: 19_723, defaultDays: 5), outDirectory: dir.path)
        options.shardRows = 15_000
        options.chunkRows = 4096
        let manifest = try await StreamGenEngine.generate(options)
        #expect(manifest.tables[0].files.count == 6)
        let result = try Interop.readDataset(dir.path, queries: ["n": "SELECT count(*), count(DISTINCT id), max(id) FROM payments"])
        let info = try #require((result["tables"] as? [String: [String: Any]])?["payments"])
        #expect((info["unsorted_files"] as? [String]) == [], "\(info)")
        #expect((result["queries"] as? [String: [[Any]]])?["n"]?.first?.map(DevAppInteropTests.number) == [40_000, 40_000, 40_000])
    }

    @Test("a YAML schema runs end to end: date partitions, lookups, decimals, JSON")
    func yamlSchema() async throws {
        let dir = try Runs.temporary("yaml")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pack = try SchemaFile.parse(SchemaFileTests.example, file: "shop.yaml")
        var options = GenerateOptions(pack: pack, outDirectory: dir.path)
        options.createdAt = 0
        let manifest = try await StreamGenEngine.generate(options)
        #expect(manifest.tables.map(\.rows) == [2000, 3500])
        let orders = manifest.tables[1]
        #expect(Set(orders.files.map { $0.partition["order_date"] ?? "" }).count == 7)
        let result = try Interop.readDataset(dir.path, queries: [
            "dates": "SELECT count(DISTINCT order_date), min(order_date)::VARCHAR FROM orders",
            "lookup": "SELECT count(*) FROM orders o JOIN customers c ON o.customer_id = c.id WHERE o.customer_country <> c.country",
            "shipped": "SELECT count(*) FROM orders WHERE shipped_at < ordered_at",
            "json": "SELECT count(*) FROM orders WHERE json_extract_string(meta, '$.source') NOT IN ('web', 'app')",
            "nulls": "SELECT count(*) - count(shipped_at) FROM orders",
            "seats": "SELECT count(*) FILTER (WHERE tier IN ('free', 'pro') AND seats <> 1), min(seats) FILTER (WHERE tier = 'team') FROM customers",
            "growth": "SELECT (SELECT count(*) FROM orders WHERE order_date = DATE '2024-03-07') > (SELECT count(*) FROM orders WHERE order_date = DATE '2024-03-01')",
        ])
        let q = try #require(result["queries"] as? [String: [[Any]]])
        #expect(q["dates"]?.first?.first.map(DevAppInteropTests.number) == 7)
        #expect(q["dates"]?.first?.last as? String == "2024-03-01")
        #expect(DevAppInteropTests.number(q["lookup"]?.first?.first) == 0)
        #expect(DevAppInteropTests.number(q["shipped"]?.first?.first) == 0)
        #expect(DevAppInteropTests.number(q["json"]?.first?.first) == 0)
        #expect(DevAppInteropTests.number(q["seats"]?.first?.first) == 0)
        #expect(DevAppInteropTests.number(q["seats"]?.first?.last) >= 3)
        let nulls = DevAppInteropTests.number(q["nulls"]?.first?.first)
        #expect((200...520).contains(nulls), "\(nulls) null shipped_at of 3500")
        let types = try #require((result["tables"] as? [String: [String: Any]])?["orders"]?["duckdb_types"] as? [String: String])
        #expect(types["price"] == "DECIMAL(10,2)")
        #expect(types["order_date"] == "DATE")
        #expect(types["meta"] == "JSON")
    }
}

/// The command line: exit codes and messages.
@Suite("streamgen command line", .serialized)
struct CommandLineTests {
    func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Interop.Result {
        try Interop.run(Interop.streamgen, arguments, environment: environment)
    }

    @Test("bad input exits non-zero with a message naming the problem, and writes nothing")
    func badInput() throws {
        let dir = try Runs.temporary("cli-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let cases: [([String], String)] = [
            (["generate", "nopack", "--out", out], "unknown pack 'nopack'"),
            (["generate", "devapp", "--bogus", "--out", out], "Unknown option '--bogus'"),
            (["generate", "devapp", "--tables", "fake_nope", "--out", out], "no table 'fake_nope'"),
            (["generate", "devapp", "--days", "0", "--out", out], "--days 0"),
            (["generate", "devapp", "--scale", "-1", "--out", out], "--scale"),
            (["generate", "devapp", "--start", "2024-13-01", "--out", out], "--start '2024-13-01' is not a date"),
            (["generate", "devapp", "--start", "2024-03-01", "--end", "2024-02-01", "--out", out], "--end 2024-02-01 is before the start, 2024-03-01"),
            (["generate", "devapp", "--memory-limit", "lots", "--out", out], "--memory-limit 'lots' is not a size"),
            (["generate", "devapp", "--shard", "3/3", "--out", out], "--shard 3/3"),
            (["generate", "devapp", "--memory-limit", "40MiB", "--threads", "8", "--out", out], "too small"),
            (["generate", "devapp", "--rows", "ten", "--out", out], "--rows 'ten'"),
            (["generate", "devapp", "--format", "csv", "--compression", "zstd", "--out", out], "CSV files are written uncompressed"),
            (["generate", "--schema", dir.appendingPathComponent("missing.yaml").path, "--out", out], "cannot read the schema file"),
            (["status", dir.path], "no manifest.json"),
        ]
        for (arguments, message) in cases {
            let result = try run(arguments)
            #expect(result.exitCode != 0, "\(arguments) exited 0")
            #expect(result.output.contains(message), "\(arguments): \(result.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/manifest.json"))
        #expect(!FileManager.default.fileExists(atPath: out + "/_SUCCESS"))
    }

    @Test("generate, status, list; a second run into the same directory is refused")
    func generateAndStatus() throws {
        let dir = try Runs.temporary("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("data").path
        let generated = try run(["generate", "devapp", "--out", out, "--seed", "7", "--start", "2024-01-01", "--end", "2024-01-30"],
                                environment: ["SOURCE_DATE_EPOCH": "86400"])
        #expect(generated.passed, "\(generated.output)")
        #expect(generated.output.contains("wrote 4 table(s), 16,500 rows"), "\(generated.output)")
        let manifest = try String(contentsOfFile: out + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"created_at\": \"1970-01-02T00:00:00.000000Z\""))
        #expect(manifest.contains("\"seed\": \"7\""))
        #expect(manifest.contains("\"days\": 30"))
        let status = try run(["status", out])
        #expect(status.passed, "\(status.output)")
        #expect(status.output.contains("fake_analytics: 10,000 rows"))
        #expect(status.output.contains("fake_orders: 5,000 rows"))
        #expect(status.output.contains("partition(s) by country, device_type"))
        let again = try run(["generate", "devapp", "--out", out])
        #expect(!again.passed && again.output.contains("not empty"), "\(again.output)")
        let refused = try run(["generate", "devapp", "--out", out, "--overwrite"], environment: ["STREAMGEN_ENV": "production"])
        #expect(!refused.passed && refused.output.contains("STREAMGEN_ENV=production"))
        let json = try run(["generate", "devapp", "--out", out, "--overwrite", "--progress", "json", "--tables", "fake_users"],
                           environment: ["STREAMGEN_SEED": "7"])
        #expect(json.passed, "\(json.output)")
        #expect(json.output.contains("{\"event\":\"done\",\"rows\":1000"), "\(json.output)")
        let list = try run(["list"])
        #expect(list.output.contains("devapp:") && list.output.contains("fake_analytics: 10,000 rows"))
    }
}
