import Columnar
import Foundation
@testable import StreamGen
import Testing
import TestSupport

/// `--format delta`: each table a Delta Lake table, read back by delta-rs and Polars
/// (`tools/interop/delta.py`), values equal to the Parquet files', statistics equal to the
/// files' own.
@Suite("Delta Lake tables (--format delta)", .serialized)
struct DeltaTests {
    /// Every type a schema can declare, nulls, a timestamp without time zone, and partition
    /// values a path has to escape (`/`, `%`, `=`, a space, non-ASCII).
    static let schema = """
        name: odd
        start: 2024-03-01
        days: 3
        tables:
          - name: items
            rows_per_day: 700
            partition_by: [label, made_on]
            columns:
              - {name: id, type: int64, generator: sequence}
              - {name: label, type: string, generator: {choice: {values: ["a/b", "50% off", "naïve", "x=y", "plain", "sp ace"]}}}
              - {name: made_on, type: date, generator: event_date}
              - {name: at_local, type: timestamp_local, generator: event_time}
              - {name: at_utc, type: timestamp, generator: event_time, null_rate: 0.2}
              - {name: price, type: "decimal(10,2)", generator: {lognormal: {median: 25, sigma: 0.8, min: 1, decimals: 2}}}
              - {name: big, type: "decimal(18,4)", generator: {lognormal: {median: 25, sigma: 0.8, min: 1, decimals: 4}}}
              - {name: score, type: double, generator: {uniform: {min: -1, max: 1, decimals: 3}}, null_rate: 0.1}
              - {name: n, type: int32, generator: {uniform_int: {min: -5, max: 5}}}
              - {name: ok, type: boolean, generator: {bernoulli: 0.3}}
              - {name: long_text, type: string, generator: {template: "{upper:40}{digits:40}"}}
              - {name: meta, type: json, generator: {json: {source: {choice: [web, app]}}}}
              - {name: uid, type: uuid, generator: uuid}
              - {name: uid16, type: uuid16, generator: uuid}
          - name: plain
            rows: 500
            columns:
              - {name: id, type: int64, generator: sequence}
              - {name: at, type: timestamp, generator: event_time}
        """

    static func tables(_ directory: String) throws -> [String: [String: Any]] {
        let report = try Interop.runScript("delta.py", [directory])
        return report["tables"] as? [String: [String: Any]] ?? [:]
    }

    @Test("a YAML schema's every type: delta-rs and Polars read each table, values and statistics equal the Parquet files'")
    func everyType() throws {
        let box = try Sandbox("delta-types")
        defer { box.remove() }
        try Data(Self.schema.utf8).write(to: URL(fileURLWithPath: box.path("odd.yaml")))
        let r = try box.run(["generate", "--schema", "odd.yaml", "--format", "delta", "--out", "out"])
        #expect(r.passed, "\(r.output)")
        let tables = try Self.tables(box.path("out"))
        #expect(tables.keys.sorted() == ["items", "plain"])
        let items = try #require(tables["items"])
        #expect(items["problems"] as? [String] == [], "\(items["problems"] ?? "")")
        #expect(items["version"] as? Int == 0)
        #expect(items["parquet_rows"] as? Int == 2100)
        #expect(items["delta_rows"] as? Int == 2100)
        #expect(items["polars_rows"] as? Int == 2100)
        #expect(items["equal_delta"] as? Bool == true)
        #expect(items["equal_polars"] as? Bool == true)
        #expect(items["partition_columns"] as? [String] == ["label", "made_on"])
        // 6 labels × 3 days; every file's statistics parsed by delta-rs and checked here.
        #expect(items["files"] as? Int == 18)
        #expect(items["parsed_files"] as? Int == 18)
        #expect((items["stats_checked"] as? Int ?? 0) >= 18 * 25)
        // A timestamp without time zone needs the timestampNtz feature; UTC only does not.
        #expect(items["min_reader_version"] as? Int == 3)
        #expect(items["reader_features"] as? [String] == ["timestampNtz"])
        let plain = try #require(tables["plain"])
        #expect(plain["min_reader_version"] as? Int == 1)
        #expect(plain["min_writer_version"] as? Int == 2)
        #expect(plain["equal_delta"] as? Bool == true && plain["equal_polars"] as? Bool == true)
        #expect(plain["partition_columns"] as? [String] == [])

        // The log is listed in the manifest, so status checks it and clean removes it.
        let status = try box.run(["status", "out", "--verify"])
        #expect(status.passed && status.output.contains("every SHA-256 checked"), "\(status.output)")
        let manifest = try Manifest.read(box.path("out/manifest.json"))
        #expect(manifest.otherFiles.map(\.path).filter { $0.contains("_delta_log") }
                == ["items/_delta_log/00000000000000000000.json", "plain/_delta_log/00000000000000000000.json"])
        let clean = try box.run(["clean", "out", "--confirm"])
        #expect(clean.passed, "\(clean.output)")
        #expect(box.tree("out") == [])
    }

    @Test("devapp in 3 shards, merged: every file a single run writes, Delta logs included, byte for byte")
    func shardsMergeIntoOneCommit() throws {
        let full = try Sandbox("delta-full"), split = try Sandbox("delta-split")
        defer { full.remove(); split.remove() }
        let arguments = ["generate", "devapp", "--rows", "20000", "--format", "delta", "--out", "out"]
        #expect(try full.run(arguments).passed)
        for i in [2, 0, 1] {
            let r = try split.run(arguments + ["--shard", "\(i)/3"])
            #expect(r.passed, "\(r.output)")
        }
        // Before the merge no table has a log: a shard's files are part of one commit.
        #expect(!split.tree("out").contains { $0.contains("_delta_log") })
        let merged = try split.run(["manifest", "merge", "out"])
        #expect(merged.passed, "\(merged.output)")
        let want = try Runs.tree(URL(fileURLWithPath: full.path("out")))
        let got = try Runs.tree(URL(fileURLWithPath: split.path("out"))).filter { !Manifest.isShardManifestName($0.key) }
        #expect(want.keys.filter { $0.hasSuffix("_delta_log/00000000000000000000.json") }.count == 4)
        #expect(got.keys.sorted() == want.keys.sorted())
        for (path, bytes) in want { #expect(got[path] == bytes, "\(path) differs") }
        let tables = try Self.tables(split.path("out"))
        #expect(tables.count == 4)
        for (name, t) in tables {
            #expect(t["problems"] as? [String] == [], "\(name): \(t["problems"] ?? "")")
            #expect(t["equal_delta"] as? Bool == true && t["equal_polars"] as? Bool == true, "\(name)")
        }
        #expect(tables["fake_analytics"]?["partition_columns"] as? [String] == ["country", "device_type"])
    }

    @Test("an ecommerce fixture as Delta tables: delta-rs and Polars read all six, the events by date; validate passes")
    func ecommerceFixture() throws {
        let box = try Sandbox("delta-ecommerce")
        defer { box.remove() }
        let r = try box.run(["generate", "ecommerce", "--scenario", "duplicates", "--scale", "0.05", "--format", "delta", "--out", "fx"])
        #expect(r.passed, "\(r.output)")
        let tables = try Self.tables(box.path("fx/duplicates"))
        #expect(tables.keys.sorted() == ["categories", "events", "order_items", "orders", "products", "users"])
        for (name, t) in tables {
            #expect(t["problems"] as? [String] == [], "\(name): \(t["problems"] ?? "")")
            #expect(t["equal_delta"] as? Bool == true && t["equal_polars"] as? Bool == true, "\(name)")
            #expect((t["delta_rows"] as? Int ?? 0) > 0, "\(name)")
            // Spec 000's timestamps have no time zone: every table with one needs timestampNtz.
            #expect(t["reader_features"] as? [String] == (name == "categories" ? [] : ["timestampNtz"]), "\(name)")
        }
        #expect(tables["events"]?["partition_columns"] as? [String] == ["date"])
        #expect((tables["events"]?["files"] as? Int ?? 0) >= 7)  // at least one file per day
        let validate = try box.run(["validate", "fx/duplicates"])
        #expect(validate.passed, "\(validate.output.suffix(1500))")
    }

    @Test("--format delta is refused where it cannot apply, with the reason")
    func refusals() throws {
        let box = try Sandbox("delta-refused")
        defer { box.remove() }
        let flat = try box.run(["generate", "devapp", "--format", "delta", "--layout", "flat", "--out", "a"])
        #expect(!flat.passed && flat.output.contains("does not go with --layout flat"), "\(flat.output)")
        let jaffle = try box.run(["generate", "jaffle", "--format", "delta", "--out", "b"])
        #expect(!jaffle.passed && jaffle.output.contains("--format delta does not apply to the jaffle pack"), "\(jaffle.output)")
        // A Delta table has one schema; the drift fixture's products files disagree by design.
        let drift = try box.run(["generate", "ecommerce", "--scenario", "all", "--format", "delta", "--out", "d"])
        #expect(!drift.passed && drift.output.contains("schema_drift"), "\(drift.output)")
        let flatFixture = try box.run(["generate", "ecommerce", "--format", "delta", "--layout", "flat", "--out", "e"])
        #expect(!flatFixture.passed && flatFixture.output.contains("does not go with --layout flat"), "\(flatFixture.output)")
        let unknown = try box.run(["generate", "devapp", "--format", "iceberg", "--out", "c"])
        #expect(!unknown.passed && unknown.output.contains("parquet, csv or delta"), "\(unknown.output)")
        #expect(box.tree("").filter { !$0.hasPrefix(".") } == [])
    }

    @Test("statistics bounds: timestamps to the millisecond, outward; paths percent-encoded; a stable table id")
    func bounds() {
        func ts(_ micros: Int64, lower: Bool, utc: Bool = true) -> String? {
            var bytes: [UInt8] = []
            var v = UInt64(bitPattern: micros)
            for _ in 0..<8 { bytes.append(UInt8(v & 0xFF)); v >>= 8 }
            return DeltaLog.bound(bytes, type: .timestamp(isAdjustedToUTC: utc), lower: lower, exact: true,
                                  accumulator: StatAccumulator(type: utc ? "timestamp" : "timestamp_local"))?.string
        }
        #expect(ts(1_500, lower: true) == "1970-01-01T00:00:00.001Z")
        #expect(ts(1_500, lower: false) == "1970-01-01T00:00:00.002Z")
        #expect(ts(2_000, lower: false) == "1970-01-01T00:00:00.002Z")
        #expect(ts(-1_500, lower: true) == "1969-12-31T23:59:59.998Z")
        #expect(ts(-1_500, lower: false) == "1969-12-31T23:59:59.999Z")
        #expect(ts(86_400_000_000, lower: true, utc: false) == "1970-01-02T00:00:00.000")
        #expect(DeltaLog.uriEscape("label=50%25 off/made_on=2024-03-01/part-00000.parquet") == "label=50%2525%20off/made_on=2024-03-01/part-00000.parquet")
        #expect(DeltaLog.uriEscape("label=na\u{EF}ve/x") == "label=na%C3%AFve/x")
        let id = DeltaLog.tableID(seed: 42, pack: "devapp", table: "fake_users")
        #expect(id == DeltaLog.tableID(seed: 42, pack: "devapp", table: "fake_users"))
        #expect(id != DeltaLog.tableID(seed: 43, pack: "devapp", table: "fake_users"))
        let parts = id.split(separator: "-")
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(parts[2].first == "8" && "89ab".contains(parts[3].first!))
        #expect(DeltaLog.deltaType("decimal(10,2)") == "decimal(10,2)" && DeltaLog.deltaType("int32") == "integer"
                && DeltaLog.deltaType("timestamp_local") == "timestamp_ntz" && DeltaLog.deltaType("uuid16") == "binary")
    }
}
