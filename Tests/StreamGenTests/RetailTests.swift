import Columnar
import Foundation
import StreamGen
import StreamGenYAML
import TestSupport
import Testing

/// The retail pack (spec 003) through the binary, measured by DuckDB and pyarrow
/// (`tools/interop/retail.py`): constraints, foreign keys, each demand pattern's effect, the
/// scenarios, the spec's YAML examples, append, delete and their guards.
@Suite("retail (spec 003) read back by DuckDB and pyarrow", .serialized)
struct RetailTests {
    static let examples = Interop.packageRoot.appendingPathComponent("examples/retail")

    static func number(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? .nan }
    static func near(_ measured: Double, _ expected: Double, _ tolerance: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(measured - expected) <= tolerance, "\(what): \(measured), expected \(expected) ± \(tolerance)", sourceLocation: sourceLocation)
    }

    /// Generates into `box/out` (must pass, verification included) and measures it.
    static func measure(_ box: Sandbox, _ arguments: [String], out: String = "out", rag: Bool = false) throws -> (violations: [String: Int], figures: [String: Any], all: [String: Any]) {
        let run = try box.run(["generate", "retail", "--out", out] + arguments)
        try #require(run.passed, "\(run.output)")
        #expect(run.output.contains("verified: all"), "\(run.output)")
        let m = try Interop.runScript("retail.py", [box.path(out)] + (rag ? ["--rag"] : []))
        let violations = (m["violations"] as? [String: Any] ?? [:]).mapValues { ($0 as? Int) ?? -1 }
        return (violations, m["figures"] as? [String: Any] ?? [:], m)
    }

    static func expectNoViolations(_ v: [String: Int], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(v.count >= 28, "\(what): \(v.count) checks", sourceLocation: sourceLocation)
        let broken = v.filter { $0.value != 0 }
        #expect(broken.isEmpty, "\(what): \(broken)", sourceLocation: sourceLocation)
    }

    /// SHA-256 of every file below `path` (the audit log aside: it records each operation).
    /// With `data`, the manifest aside too: it records the command line.
    static func hashes(_ box: Sandbox, _ path: String, data: Bool = false) throws -> [String: String] {
        var out: [String: String] = [:]
        for relative in box.tree(path) where !relative.hasSuffix("_audit.jsonl") && !(data && relative == "manifest.json") {
            let full = box.path("\(path)/\(relative)")
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let digest = SHA256()
            digest.update([UInt8](try Data(contentsOf: URL(fileURLWithPath: full))))
            out[relative] = digest.finalize()
        }
        return out
    }

    static func manifestOptions(_ box: Sandbox, _ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: box.path("\(path)/manifest.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return json["options"] as? [String: Any] ?? [:]
    }

    @Test("the default dataset: every constraint and foreign key, the types, the spec's defaults (10 stores, 50 products, 2024, seed 42)")
    func constraints() throws {
        let box = try Sandbox("retail-constraints")
        defer { box.remove() }
        let m = try Self.measure(box, [])
        Self.expectNoViolations(m.violations, "default")
        let tables = try #require(m.all["tables"] as? [String: [String: Any]])
        #expect(tables["store"]?["rows"] as? Int == 10 && tables["product"]?["rows"] as? Int == 50 && tables["calendar"]?["rows"] as? Int == 366)
        for (name, info) in tables { #expect(info["rows"] as? Int == info["pyarrow_rows"] as? Int, "\(name): DuckDB and pyarrow differ") }
        let sales = try #require(tables["sales_daily"]?["types"] as? [String: String])
        #expect(sales == ["date": "DATE", "store_id": "INTEGER", "product_id": "INTEGER", "quantity": "INTEGER", "unit_price": "DECIMAL(10,2)",
                          "total_amount": "DECIMAL(14,2)", "promotion_id": "BIGINT"])
        #expect((tables["promotion"]?["types"] as? [String: String])?["discount_pct"] == "DECIMAL(5,4)")
        #expect((tables["calendar"]?["types"] as? [String: String])?["is_holiday"] == "BOOLEAN")
        // One row per live series and day: 500 series over 366 days, less the days before launches and after ends.
        let salesRows = try #require(tables["sales_daily"]?["rows"] as? Int)
        #expect(salesRows > 170_000 && salesRows <= 183_000, "\(salesRows)")
        #expect(Self.number(m.figures["series"]) == 500 && Self.number(m.figures["missing_share"]) == 0)
        #expect(Self.number(m.figures["inventory_breaks"]) == 0, "on hand moves by arrivals less sales")
        #expect(m.figures["first_day"] as? String == "2024-01-01" && m.figures["last_day"] as? String == "2024-12-31")
        // The same seed, the same bytes; the audit log says what ran.
        let again = try box.run(["generate", "retail", "--out", "again"])
        #expect(again.passed)
        #expect(try Self.hashes(box, "out", data: true) == Self.hashes(box, "again", data: true))
        let audit = try String(contentsOfFile: box.path("out/_audit.jsonl"), encoding: .utf8)
        let line = try #require(try JSONSerialization.jsonObject(with: Data(audit.utf8)) as? [String: Any])
        #expect(line["operation"] as? String == "generate" && line["seed"] as? String == "42" && (line["rows"] as? Int ?? 0) > 300_000)
        #expect((line["parameters"] as? [String: Any])?["stores"] as? Int == 10)
        // The PostgreSQL DDL carries the spec's grain and checks.
        let ddl = try String(contentsOfFile: box.path("out/schema.sql"), encoding: .utf8)
        for clause in ["UNIQUE (\"date\", \"store_id\", \"product_id\")", "CHECK (quantity >= 0)", "CHECK (valid_to >= valid_from)", "CHECK (discount_pct BETWEEN 0 AND 1)",
                       "CHECK (day_of_week BETWEEN 0 AND 6)", "FOREIGN KEY (\"date\") REFERENCES \"calendar\" (\"date\")"] {
            #expect(ddl.contains(clause), "schema.sql lacks \(clause)")
        }
    }

    /// A configuration without trend and with its own holidays, so each effect stands alone.
    static let effectsConfig = """
        dimensions:
          stores: {count: 12}
          products: {count: 60}
        date_range: {start: "2024-01-01", end: "2024-12-31"}
        time_series:
          trend: none
          noise_sigma: 0.1
          monthly_seasonality: {6: 1.0, 12: 1.5}
        retail:
          promotion_probability: 0.12
          stockout_probability: 0.05
          launch_share: 0.3
          end_of_life_share: 0.3
          new_product_ramp_days: 30
        holidays:
          - {date: "2024-11-29", name: "Black Friday", multiplier: 3.0}
          - {date: "2024-07-04", name: "Independence Day", multiplier: 0.8}
        seed: 7
        """

    @Test("each pattern's effect, measured by SQL: weekday, December, Black Friday, promotions, prices, stockouts, launches, ends")
    func effects() throws {
        let box = try Sandbox("retail-effects")
        defer { box.remove() }
        try Self.effectsConfig.write(toFile: box.path("effects.yaml"), atomically: true, encoding: .utf8)
        let m = try Self.measure(box, ["--config", "effects.yaml"])
        Self.expectNoViolations(m.violations, "effects")
        let f = m.figures
        let weekday = (f["demand_by_weekday"] as? [Any] ?? []).map(Self.number)
        try #require(weekday.count == 7)
        // Saturday over Monday: weekly 1.3 / 0.8 times the weekend spike 1.2.
        Self.near(weekday[5] / weekday[0], 1.3 * 1.2 / 0.8, 0.08, "Saturday over Monday")
        Self.near(weekday[2] / weekday[0], 1.0 / 0.8, 0.05, "Wednesday over Monday")
        let months = (f["demand_by_month"] as? [String: Any] ?? [:]).mapValues(Self.number)
        Self.near(try #require(months["12"]) / (try #require(months["6"])), 1.5, 0.08, "December over June (the config's base month)")
        let holidays = (f["holidays"] as? [String: Any] ?? [:]).mapValues(Self.number)
        Self.near(holidays["Black Friday"] ?? 0, 3.0, 0.15, "Black Friday over November's Fridays")
        Self.near(holidays["Independence Day"] ?? 0, 0.8, 0.06, "Independence Day")
        Self.near(Self.number(f["promotion_lift"]), 1.3, 0.04, "lift inside promotion windows")
        Self.near(Self.number(f["promoted_share"]), 0.12, 0.03, "share of days promoted")
        // Prices: demand falls after a rise, rises after a fall, with the configured elasticity.
        Self.near(Self.number(f["elasticity"]), -0.5, 0.12, "price elasticity")
        #expect(Self.number(f["after_rise"]) < 1 && Self.number(f["after_fall"]) > 1, "after a rise \(f["after_rise"] ?? ""), after a fall \(f["after_fall"] ?? "")")
        // Stockouts: nothing sold, nothing on hand.
        #expect(Self.number(f["stockout_days"]) > 0 && Self.number(f["stockout_with_sales"]) == 0)
        // Launches ramp up over 30 days; ends decline to a fifth over the last 60.
        let ramp = (f["ramp_by_week"] as? [Any] ?? []).map(Self.number)
        try #require(ramp.count == 10, "\(ramp)")
        let full = ramp[6...9].reduce(0, +) / 4
        Self.near(ramp[0] / full, 4.0 / 30, 0.05, "the first launch week over full demand")
        #expect(ramp[0] < ramp[1] && ramp[1] < ramp[2] && ramp[2] < ramp[3], "\(ramp)")
        let eol = (f["eol_by_10_days"] as? [Any] ?? []).map(Self.number)
        try #require(eol.count >= 9, "\(eol)")
        Self.near(eol[0] / ((eol[7] + eol[8]) / 2), 0.26, 0.07, "the last ten days before an end over 70–90 days before")
        #expect(Self.number(f["launched_products"]) >= 10 && Self.number(f["discontinued_products"]) >= 8)
        #expect(Self.number(f["inventory_breaks"]) == 0)
    }

    @Test("scenarios: holiday_rush's Q4 peak, stockout_heavy's stockouts, sparse's missing share, new_launches' ramps, high_variance's noise")
    func scenarios() throws {
        let box = try Sandbox("retail-scenarios")
        defer { box.remove() }
        let standard = try Self.measure(box, ["--scenario", "retail_standard"], out: "standard")
        Self.expectNoViolations(standard.violations, "retail_standard")
        let rush = try Self.measure(box, ["--scenario", "holiday_rush"], out: "rush")
        Self.expectNoViolations(rush.violations, "holiday_rush")
        #expect(rush.figures["first_day"] as? String == "2024-10-01" && rush.figures["last_day"] as? String == "2024-12-31")
        let months = (rush.figures["demand_by_month"] as? [String: Any] ?? [:]).mapValues(Self.number)
        #expect((months["10"] ?? 0) < (months["11"] ?? 0) && (months["11"] ?? 0) < (months["12"] ?? 0), "Q4 rises: \(months)")
        Self.near((months["12"] ?? 0) / (months["10"] ?? 1), 1.8 * 1.012, 0.12, "December over October")
        let peaks = (rush.figures["holidays"] as? [String: Any] ?? [:]).mapValues(Self.number)
        Self.near(peaks["Black Friday"] ?? 0, 3.0, 0.2, "Black Friday")
        Self.near(peaks["Christmas Day"] ?? 0, 0.3, 0.06, "Christmas Day")

        let heavy = try Self.measure(box, ["--scenario", "stockout_heavy"], out: "heavy")
        Self.expectNoViolations(heavy.violations, "stockout_heavy")
        let standardShare = Self.number(standard.figures["stockout_share"]), heavyShare = Self.number(heavy.figures["stockout_share"])
        #expect(heavyShare > 4 * standardShare && heavyShare > 0.03, "stockouts: standard \(standardShare), heavy \(heavyShare)")

        let sparse = try Self.measure(box, ["--scenario", "sparse"], out: "sparse")
        Self.expectNoViolations(sparse.violations, "sparse")
        Self.near(Self.number(sparse.figures["missing_share"]), 0.5, 1e-9, "exactly half the series left out")
        #expect(Self.number(sparse.figures["series_with_gaps"]) > 200, "random gaps cut the series: \(sparse.figures["series_with_gaps"] ?? "")")
        let sparser = try Self.measure(box, ["--scenario", "sparse", "--sparsity", "0.2"], out: "sparser")
        Self.near(Self.number(sparser.figures["missing_share"]), 0.2, 1e-9, "--sparsity overrides the scenario")

        let launches = try Self.measure(box, ["--scenario", "new_launches"], out: "launches")
        Self.expectNoViolations(launches.violations, "new_launches")
        #expect(Self.number(launches.figures["launched_products"]) >= 12, "\(launches.figures["launched_products"] ?? "") of 50 launched")
        let ramp = (launches.figures["ramp_by_week"] as? [Any] ?? []).map(Self.number)
        #expect(ramp.count == 10 && ramp[0] < ramp[2] && ramp[2] < ramp[4] && ramp[4] < ramp[6], "a 45-day ramp: \(ramp)")

        let noisy = try Self.measure(box, ["--scenario", "high_variance"], out: "noisy")
        Self.expectNoViolations(noisy.violations, "high_variance")
        #expect(Self.number(noisy.figures["demand_cv"]) > 2 * Self.number(standard.figures["demand_cv"]),
                "variation: standard \(standard.figures["demand_cv"] ?? ""), high_variance \(noisy.figures["demand_cv"] ?? "")")
    }

    @Test("the spec's two YAML examples load unchanged; flags override the file; bad configurations name the key and line")
    func configurations() throws {
        let box = try Sandbox("retail-config")
        defer { box.remove() }
        let seed = try Self.measure(box, ["--config", Self.examples.appendingPathComponent("seed_config.yaml").path], out: "seed")
        Self.expectNoViolations(seed.violations, "seed_config.yaml")
        Self.near(Self.number(seed.figures["missing_share"]), 0.3, 1e-9, "missing_combinations_pct 0.3: 150 of 500 series")
        #expect(Self.number(seed.figures["series_with_gaps"]) > 300, "random_gaps_per_series 2")
        let recorded = try #require(try Self.manifestOptions(box, "seed")["config"] as? [String: Any])
        #expect(Self.number(recorded["trend_slope"]) == 0.05 && Self.number(recorded["noise_sigma"]) == 0.15 && recorded["trend"] as? String == "linear")
        #expect(Self.number(recorded["promotion_probability"]) == 0.1 && Self.number(recorded["stockout_probability"]) == 0.05)
        #expect(recorded["regions"] as? [String] == ["North", "South", "East", "West"] && recorded["brands"] as? [String] == ["BrandA", "BrandB", "Generic"])

        let holiday = try Self.measure(box, ["--config", Self.examples.appendingPathComponent("config_holiday.yaml").path], out: "holiday")
        Self.expectNoViolations(holiday.violations, "config_holiday.yaml")
        let tables = try #require(holiday.all["tables"] as? [String: [String: Any]])
        #expect(tables["store"]?["rows"] as? Int == 15 && tables["product"]?["rows"] as? Int == 100 && tables["calendar"]?["rows"] as? Int == 92)
        let named = (holiday.figures["holidays"] as? [String: Any] ?? [:]).keys.sorted()
        #expect(named == ["Black Friday", "Christmas Day", "Christmas Eve", "Thanksgiving"], "\(named)")
        let options = try Self.manifestOptions(box, "holiday")
        #expect((options["config"] as? [String: Any])?["seed"] as? String == "2024")

        // Flags over the file.
        let flags = try Self.measure(box, ["--config", Self.examples.appendingPathComponent("seed_config.yaml").path, "--stores", "4", "--products", "6",
                                            "--sparsity", "0", "--start-date", "2024-03-01", "--end-date", "2024-03-31"], out: "flags")
        let flagTables = try #require(flags.all["tables"] as? [String: [String: Any]])
        #expect(flagTables["store"]?["rows"] as? Int == 4 && flagTables["product"]?["rows"] as? Int == 6 && flagTables["calendar"]?["rows"] as? Int == 31)
        #expect(Self.number(flags.figures["missing_share"]) == 0)
        // The environment's defaults, under StreamGen's names.
        let env = try box.run(["generate", "retail", "--out", "env", "--end-date", "2024-01-10"], environment: ["STREAMGEN_RETAIL_STORES": "3", "STREAMGEN_RETAIL_PRODUCTS": "7", "STREAMGEN_SEED": "5"])
        #expect(env.passed, "\(env.output)")
        let envConfig = try #require(try Self.manifestOptions(box, "env")["config"] as? [String: Any])
        #expect(envConfig["stores"] as? Int == 3 && envConfig["products"] as? Int == 7 && envConfig["seed"] as? String == "5")

        let bad: [(String, String, String)] = [
            ("dimensions:\n  stores:\n    count: 10\n    colour: red\n", "bad.yaml:4:", "dimensions.stores.colour: unknown key"),
            ("time_series:\n  weekly_seasonality: [1, 2, 3]\n", "bad.yaml:2:", "time_series.weekly_seasonality: needs 7 numbers, not 3"),
            ("date_range:\n  start: \"2024-05-01\"\n  end: \"2024-01-01\"\n", "bad.yaml:2:", "date_range: the end 2024-01-01 is before the start 2024-05-01"),
            ("retail:\n  promotion_probability: 1.5\n", "bad.yaml:2:", "retail.promotion_probability: 1.5 is outside 0.0...1.0"),
            ("sparsity:\n  missing_combinations_pct: -0.1\n", "bad.yaml:2:", "sparsity.missing_combinations_pct"),
            ("time_series:\n  trend: sideways\n", "bad.yaml:2:", "time_series.trend: 'sideways': none, linear or exponential"),
            ("holidays:\n  - {date: \"2024-13-01\", name: X}\n", "bad.yaml:2:", "holidays.date: '2024-13-01' is not a date"),
            ("a: &a [1,2]\nb: [*a, *a]\n", "bad.yaml", "unknown key"),
            ("{{{", "bad.yaml:", "not valid YAML"),
        ]
        for (text, place, message) in bad {
            try text.write(toFile: box.path("bad.yaml"), atomically: true, encoding: .utf8)
            let result = try box.run(["generate", "retail", "--config", "bad.yaml", "--out", "bad"])
            expectCleanFailure(result, message, message: message)
            #expect(result.output.contains(place), "\(message): \(result.output)")
            #expect(!FileManager.default.fileExists(atPath: box.path("bad")), "\(message): the output directory was created")
        }
        let endBeforeStart = try box.run(["generate", "retail", "--start-date", "2024-05-01", "--end-date", "2024-01-01", "--out", "bad"])
        expectCleanFailure(endBeforeStart, "--end-date before --start-date", message: "is before the start")
        let refused = try box.run(["generate", "devapp", "--config", "bad.yaml", "--out", "bad"])
        expectCleanFailure(refused, "--config on devapp", message: "--config does not apply to the devapp pack")
        let storesOnDevapp = try box.run(["generate", "devapp", "--stores", "3", "--out", "bad"])
        expectCleanFailure(storesOnDevapp, "--stores on devapp", message: "--stores does not apply to the devapp pack")
    }

    @Test("append: new days for the existing series, inventory and prices continued; the same append again changes nothing; earlier files untouched")
    func append() throws {
        let box = try Sandbox("retail-append")
        defer { box.remove() }
        let first = try box.run(["generate", "retail", "--stores", "6", "--products", "20", "--out", "a"])
        try #require(first.passed, "\(first.output)")
        let before = try Self.hashes(box, "a")
        let copy = try box.run(["generate", "retail", "--stores", "6", "--products", "20", "--out", "b"])
        try #require(copy.passed)
        let appended = try box.run(["append", "a", "--start-date", "2025-01-01", "--end-date", "2025-03-31", "--seed", "43"])
        try #require(appended.passed, "\(appended.output)")
        #expect(appended.output.contains("verified: all"), "\(appended.output)")
        let after = try Self.hashes(box, "a")
        for (path, hash) in before where path != "manifest.json" { #expect(after[path] == hash, "\(path) changed") }
        let added = Set(after.keys).subtracting(before.keys).sorted()
        #expect(added == ["_state/p20250101-20250331-00000.parquet", "calendar/p20250101-20250331.parquet",
                          "inventory_snapshot_daily/p20250101-20250331-00000.parquet", "price_history/p20250101-20250331-00000.parquet",
                          "promotion/p20250101-20250331-00000.parquet", "sales_daily/p20250101-20250331-00000.parquet"], "\(added)")
        let m = try Interop.runScript("retail.py", [box.path("a")])
        let violations = (m["violations"] as? [String: Any] ?? [:]).mapValues { ($0 as? Int) ?? -1 }
        Self.expectNoViolations(violations, "after the append")
        let f = try #require(m["figures"] as? [String: Any])
        #expect(f["last_day"] as? String == "2025-03-31" && f["sales_last_day"] as? String == "2025-03-31" && Self.number(f["days"]) == 456)
        #expect(Self.number(f["series"]) == 120, "only the existing stores and products")
        #expect(Self.number(f["inventory_breaks"]) == 0, "on hand continues across the append: \(f["inventory_breaks"] ?? "")")
        // Again: nothing changes. Elsewhere: the same append gives the same bytes.
        let again = try box.run(["append", "a", "--start-date", "2025-01-01", "--end-date", "2025-03-31", "--seed", "43"])
        #expect(again.passed && again.output.contains("unchanged"), "\(again.output)")
        #expect(try Self.hashes(box, "a") == after)
        let other = try box.run(["append", "b", "--start-date", "2025-01-01", "--end-date", "2025-03-31", "--seed", "43", "--threads", "1"])
        #expect(other.passed, "\(other.output)")
        var afterData = after
        afterData["manifest.json"] = nil
        #expect(try Self.hashes(box, "b", data: true) == afterData, "the same append elsewhere gives the same bytes")
        // A second append continues; a gap or an overlap is refused; so is a dataset of another pack.
        let next = try box.run(["append", "a", "--end-date", "2025-04-30"])
        #expect(next.passed, "\(next.output)")
        let gap = try box.run(["append", "a", "--start-date", "2025-06-01", "--end-date", "2025-06-30"])
        expectCleanFailure(gap, "a gap", message: "an append continues from 2025-05-01")
        let overlap = try box.run(["append", "a", "--start-date", "2025-04-15", "--end-date", "2025-05-30"])
        expectCleanFailure(overlap, "an overlap", message: "the dataset ends on 2025-04-30")
        let log = try String(contentsOfFile: box.path("a/_audit.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(log.count == 4, "generate, append, the unchanged append, append: \(log)")
        let devapp = try box.run(["generate", "devapp", "--scale", "0.001", "--out", "d"])
        #expect(devapp.passed)
        let wrongPack = try box.run(["append", "d", "--end-date", "2025-01-01"])
        expectCleanFailure(wrongPack, "append to devapp", message: "the devapp pack cannot append to a dataset")
    }

    @Test("an append that runs out of disk, or is stopped by SIGTERM, leaves the dataset as it was")
    func failingAppend() throws {
        let box = try Sandbox("retail-append-fail")
        defer {
            _ = try? Interop.run("/bin/umount", [box.path("disk")])
            box.remove()
        }
        // SIGTERM part-way through a long append.
        let base = try box.run(["generate", "retail", "--stores", "10", "--products", "300", "--end-date", "2024-01-31", "--out", "s"])
        try #require(base.passed, "\(base.output)")
        let before = try Self.hashes(box, "s")
        let child = try Interop.launch(Interop.streamgen, ["append", "s", "--end-date", "2033-12-31", "--threads", "1"], currentDirectory: box.inside.path)
        usleep(1_500_000)
        child.signal(SIGTERM)
        let stopped = child.finish(timeout: 60)
        #expect(stopped.exitCode == 143, "\(stopped.output)")
        #expect(try Self.hashes(box, "s") == before, "the dataset changed: \(box.tree("s"))")
        let check = try box.run(["validate", "s"])
        #expect(check.passed, "\(check.output)")
        let resumed = try box.run(["append", "s", "--end-date", "2024-02-29"])
        #expect(resumed.passed, "\(resumed.output)")

        guard InterruptionTests.canMountTmpfs else { return }
        try FileManager.default.createDirectory(atPath: box.path("disk"), withIntermediateDirectories: true)
        let mount = try Interop.run("/bin/mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", box.path("disk")])
        try #require(mount.passed, "\(mount.output)")
        let generated = try box.run(["generate", "retail", "--out", "disk/r"])
        try #require(generated.passed, "\(generated.output)")
        let full = try Self.hashes(box, "disk/r")
        let failed = try box.run(["append", "disk/r", "--end-date", "2027-12-31"])
        expectCleanFailure(failed, "append on a full disk", message: "No space left on device")
        #expect(failed.output.contains("as it was before the append"), "\(failed.output)")
        #expect(try Self.hashes(box, "disk/r") == full, "the dataset changed: \(box.tree("disk/r"))")
        #expect(!box.tree("disk/r").contains { $0.hasSuffix(".tmp") || $0.contains("journal") }, "\(box.tree("disk/r"))")
        let valid = try box.run(["validate", "disk/r"])
        #expect(valid.passed, "\(valid.output)")
        let small = try box.run(["append", "disk/r", "--end-date", "2025-01-31"])
        #expect(small.passed, "\(small.output)")
    }

    @Test("delete: the dry run changes nothing; each scope removes exactly its tables; the manifest stays true; the guards")
    func delete() throws {
        let box = try Sandbox("retail-delete")
        defer { box.remove() }
        let made = try box.run(["generate", "retail", "--stores", "4", "--products", "10", "--out", "r"])
        try #require(made.passed, "\(made.output)")
        let appended = try box.run(["append", "r", "--end-date", "2025-02-28"])
        try #require(appended.passed)
        let before = try Self.hashes(box, "r")
        let dry = try box.run(["delete", "r", "--scope", "facts", "--dry-run"])
        #expect(dry.passed, "\(dry.output)")
        #expect(try Self.hashes(box, "r") == before, "the dry run changed something")
        for table in ["sales_daily", "price_history", "promotion", "inventory_snapshot_daily"] {
            #expect(dry.output.contains("would delete \(table): 2 file(s)"), "\(dry.output)")
        }
        #expect(!dry.output.contains("would delete store") && dry.output.contains("would remove 10 file(s)"), "\(dry.output)")
        // Guards: --confirm, production.
        let unconfirmed = try box.run(["delete", "r", "--scope", "facts"])
        expectCleanFailure(unconfirmed, "delete without --confirm", message: "pass --confirm")
        for variable in ["STREAMGEN_ENV", "APP_ENV"] {
            let production = try box.run(["delete", "r", "--scope", "facts", "--confirm"], environment: [variable: " Production "])
            expectCleanFailure(production, "delete under \(variable)=production", message: "refused when \(variable)=production")
            let overwrite = try box.run(["generate", "retail", "--out", "r", "--confirm"], environment: [variable: "production"])
            expectCleanFailure(overwrite, "generate --confirm under production", message: "refused when \(variable)=production")
            let preview = try box.run(["delete", "r", "--dry-run"], environment: [variable: "production"])
            #expect(preview.passed, "the dry run is allowed in production: \(preview.output)")
        }
        #expect(try Self.hashes(box, "r") == before, "a refused delete changed something")
        // Facts go; the dimensions and the manifest stay, and are true.
        let facts = try box.run(["delete", "r", "--scope", "facts"], environment: ["STREAMGEN_REQUIRE_CONFIRM": "false"])
        #expect(facts.passed, "\(facts.output)")
        #expect(facts.output.contains("verified: all"), "\(facts.output)")
        let left = Set(try Self.hashes(box, "r").keys)
        #expect(left == ["_SUCCESS", "manifest.json", "schema.sql", "calendar/p20240101-20241231.parquet", "calendar/p20250101-20250228.parquet",
                         "store/store.parquet", "product/product.parquet"], "\(left.sorted())")
        for (path, hash) in before where left.contains(path) && path != "manifest.json" { #expect(try Self.hashes(box, "r")[path] == hash) }
        let status = try box.run(["status", "r", "--verify"])
        #expect(status.passed, "\(status.output)")
        let measured = try Interop.runScript("retail.py", [box.path("r")])
        #expect((measured["tables"] as? [String: Any])?.keys.sorted() == ["calendar", "product", "store"])
        let noAppend = try box.run(["append", "r", "--end-date", "2025-03-31"])
        expectCleanFailure(noAppend, "append after delete", message: "were deleted")
        // Dimensions, with STREAMGEN_ALLOW_PRODUCTION.
        let dims = try box.run(["delete", "r", "--scope", "dimensions", "--confirm"], environment: ["STREAMGEN_ENV": "production", "STREAMGEN_ALLOW_PRODUCTION": "true"])
        #expect(dims.passed, "\(dims.output)")
        #expect(Set(try Self.hashes(box, "r").keys) == ["_SUCCESS", "manifest.json", "schema.sql"])
        // All: nothing StreamGen wrote is left.
        let all = try box.run(["delete", "r", "--confirm"])
        #expect(all.passed, "\(all.output)")
        #expect(box.tree("r").isEmpty, "\(box.tree("r"))")
        // Only what the manifest claims: a foreign file refuses the delete before anything goes.
        let again = try box.run(["generate", "retail", "--stores", "2", "--products", "3", "--out", "f"])
        try #require(again.passed)
        let snapshot = try Self.hashes(box, "f")
        try Data("mine".utf8).write(to: URL(fileURLWithPath: box.path("f/notes.txt")))
        let foreign = try box.run(["delete", "f", "--confirm"])
        expectCleanFailure(foreign, "delete beside a foreign file", message: "notes.txt")
        try Data("PAR1".utf8).write(to: URL(fileURLWithPath: box.path("f/sales_daily/p20240101-20241231-00000.parquet")))
        let resized = try box.run(["delete", "f", "--scope", "facts", "--confirm"])
        expectCleanFailure(resized, "delete of a resized file", message: "bytes where the manifest claims")
        var now = try Self.hashes(box, "f")
        now["notes.txt"] = nil
        #expect(Set(now.keys) == Set(snapshot.keys), "a refused delete removed something")
    }

    @Test("the same bytes for 1 and 2 threads, with several shards")
    func threads() throws {
        let box = try Sandbox("retail-threads")
        defer { box.remove() }
        for (threads, out) in [("1", "one"), ("2", "two")] {
            let run = try box.run(["generate", "retail", "--shard-rows", "20000", "--threads", threads, "--out", out, "--no-verify"])
            try #require(run.passed, "\(run.output)")
        }
        let one = try Self.hashes(box, "one", data: true)
        #expect(one.keys.filter { $0.hasPrefix("sales_daily/") }.count == 10, "\(one.keys.sorted())")
        #expect(one == (try Self.hashes(box, "two", data: true)))
        let check = try box.run(["validate", "one"])
        #expect(check.passed, "\(check.output)")
    }

    @Test("--shard 2/3, 0/3, 1/3 then manifest merge: the full run's directory byte for byte (rag-agent documents and series states included); the same append on both gives the same bytes")
    func shardsMergeToFullRun() throws {
        let full = try Sandbox("retail-full"), split = try Sandbox("retail-split")
        defer { full.remove(); split.remove() }
        let arguments = ["generate", "retail", "--scenario", "rag-agent", "--shard-rows", "20000", "--out", "out"]
        let direct = try full.run(arguments)
        try #require(direct.passed, "\(direct.output)")
        for i in [2, 0, 1] {
            let r = try split.run(arguments + ["--shard", "\(i)/3"])
            #expect(r.passed, "shard \(i): \(r.output)")
            #expect(!r.output.contains("verified"), "a shard is not a dataset to verify: \(r.output)")
        }
        // Before the merge: no manifest, no audit log; only shard 0 wrote the dimensions.
        #expect(!FileManager.default.fileExists(atPath: split.path("out/manifest.json")))
        #expect(!FileManager.default.fileExists(atPath: split.path("out/_audit.jsonl")))
        let merged = try split.run(["manifest", "merge", "out"])
        #expect(merged.passed, "\(merged.output)")
        func files(_ box: Sandbox) throws -> [String: Data] {
            try Runs.mergedTree(box.inside.appendingPathComponent("out")).filter { $0.key != "_audit.jsonl" }
        }
        let want = try files(full)
        let got = try files(split)
        #expect(want.keys.filter { $0.hasPrefix("sales_daily/") }.count == 10 && want.keys.contains { $0.hasPrefix("rag/") })
        #expect(Set(got.keys) == Set(want.keys), "\(Set(got.keys).symmetricDifference(want.keys).sorted())")
        for (path, data) in want { #expect(got[path] == data, "\(path) differs") }
        // The merge's line in the audit log.
        let audit = try String(contentsOf: URL(fileURLWithPath: split.path("out/_audit.jsonl")), encoding: .utf8)
        #expect(audit.contains("\"operation\":\"merge\"") && audit.contains("\"shards\":3"), "\(audit)")
        let check = try split.run(["validate", "out"])
        #expect(check.passed, "\(check.output.suffix(1500))")
        // An append continues the merged dataset exactly as it continues the full run.
        for box in [full, split] {
            let r = try box.run(["append", "out", "--start-date", "2025-01-01", "--end-date", "2025-01-31", "--seed", "43"])
            #expect(r.passed, "\(r.output)")
        }
        let appended = try files(full)
        #expect(appended.count > want.count)
        #expect(try files(split) == appended)
        // --sink with --shard is refused.
        let sink = try split.run(arguments + ["--shard", "0/3", "--sink", "postgres://nobody@127.0.0.1:1/none"])
        expectCleanFailure(sink, "--shard with --sink", message: "--sink loads a whole run")
    }

    @Test("rag-agent: Markdown documents about the generated stores, products, promotions and holidays; questions with their facts and citations")
    func ragAgent() throws {
        let box = try Sandbox("retail-rag")
        defer { box.remove() }
        let m = try Self.measure(box, ["--scenario", "rag-agent"], rag: true)
        Self.expectNoViolations(m.violations, "rag-agent")
        let rag = try #require(m.all["rag"] as? [String: Any])
        #expect(rag["documents"] as? Int == 1 + 10 + 50 + 10, "\(rag)")
        #expect((rag["questions"] as? Int ?? 0) >= 15, "\(rag)")
        #expect((rag["missing_facts"] as? [Any])?.isEmpty == true, "facts absent from the cited documents: \(rag["missing_facts"] ?? "")")
        #expect(rag["mismatched"] as? Int == 0, "documents that contradict the tables")
        #expect((rag["promotions_checked"] as? Int ?? 0) > 100)
        #expect(rag["kinds"] as? [String] == ["holidays", "product", "promotions", "store"])
        let tree = Set(box.tree("out"))
        #expect(tree.contains("rag/store-S0001.md") && tree.contains("rag/product-SKU-00001.md") && tree.contains("rag/questions.jsonl"))
        let clean = try box.run(["clean", "out", "--confirm"])
        #expect(clean.passed && box.tree("out").isEmpty, "\(clean.output) \(box.tree("out"))")
    }
}
