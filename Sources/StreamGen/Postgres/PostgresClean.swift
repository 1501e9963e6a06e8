import Columnar

/// `streamgen clean postgres://…`: what a `--sink` load that never finished left in a schema.
/// A load whose process was killed (SIGKILL, a lost machine) cannot drop its staging tables
/// (`_streamgen_<run>_<n>`) or mark its run; they stay, and `status` reports them. This drops
/// them, and marks such a run failed, only for runs with no connection left: every connection of
/// a load names its run in `application_name`, so a load still going is left alone.
public enum PostgresCleaner {
    public struct Report: Sendable {
        /// Staging tables dropped (or, dry, to drop), schema-qualified.
        public var tables: [String] = []
        /// Runs marked failed (or to mark): they were `loading` with no connection left.
        public var runs: [String] = []
        /// Runs still connected: their staging tables were left alone.
        public var live: [String] = []
    }

    /// The run a staging table belongs to: `_streamgen_<12 hex digits>_<n>`.
    static func run(ofStaging name: String) -> String? {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[1] == "streamgen", parts[2].count == 12,
              parts[2].allSatisfy({ $0.isHexDigit }), !parts[3].isEmpty, parts[3].allSatisfy(\.isNumber)
        else { return nil }
        return String(parts[2])
    }

    public static func clean(_ target: PostgresTarget, dryRun: Bool) throws(GenerateError) -> Report {
        let connection = try PostgresConnection(target)
        let schema = target.schema
        let runsTable = "\(quoteIdentifier(schema)).\(quoteIdentifier(PostgresLoad.runsTable))"
        var report = Report()
        do throws(PostgresError) {
            let live = Set(try connection.execute("SELECT application_name FROM pg_stat_activity WHERE pid <> pg_backend_pid()").rows
                .compactMap { $0[0] }.filter { $0.hasPrefix("streamgen/") }.map { String($0.dropFirst("streamgen/".count)) })
            let staging = try connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '\\_streamgen\\_%' ORDER BY 1", [schema]
            ).rows.compactMap { $0[0] }
            let hasRuns = try connection.execute("SELECT to_regclass($1) IS NOT NULL", ["\(quoteIdentifier(schema)).\(PostgresLoad.runsTable)"])
                .first?[0] == "t"
            let loading = hasRuns ? try connection.execute("SELECT run_id FROM \(runsTable) WHERE status = 'loading' ORDER BY started_at").rows.compactMap { $0[0] } : []
            var abandoned = Set<String>()
            for name in staging {
                guard let run = run(ofStaging: name) else { continue }
                if live.contains(run) { continue }
                abandoned.insert(run)
                report.tables.append("\(schema).\(name)")
            }
            for run in loading where !live.contains(run) { abandoned.insert(run) }
            report.runs = loading.filter { abandoned.contains($0) }
            report.live = Array(Set(loading.filter(live.contains) + staging.compactMap(run(ofStaging:)).filter(live.contains))).sorted()
            guard !dryRun, !abandoned.isEmpty else { return report }
            try connection.execute("BEGIN")
            for name in report.tables {
                try connection.execute("DROP TABLE IF EXISTS \(quoteIdentifier(schema)).\(quoteIdentifier(String(name.dropFirst(schema.count + 1))))")
            }
            if !report.runs.isEmpty {
                try connection.execute(
                    "UPDATE \(runsTable) SET status = 'failed', finished_at = now(), message = $1 WHERE status = 'loading' AND run_id = ANY($2::text[])",
                    ["abandoned: its process ended mid-load; its staging tables were dropped by streamgen clean",
                     "{" + report.runs.joined(separator: ",") + "}"])
            }
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw .runFailed("PostgreSQL at \(target): cleaning \(schema) failed: \(error); nothing was dropped")
        }
        return report
    }
}
