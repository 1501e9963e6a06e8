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

    /// Whether `text` is a run id as `PostgresLoad.newRunID` makes them: 12 hex digits.
    static func isRunID<S: StringProtocol>(_ text: S) -> Bool { text.count == 12 && text.allSatisfy(\.isHexDigit) }

    /// The run a staging table belongs to: `_streamgen_<run id>_<n>`.
    static func run(ofStaging name: String) -> String? {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[1] == "streamgen", isRunID(parts[2]), !parts[3].isEmpty, parts[3].allSatisfy(\.isNumber)
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
            let loading = hasRuns ? try connection.execute("SELECT run_id FROM \(runsTable) WHERE status = 'loading' ORDER BY started_at").rows.compactMap { $0[0] }
                // A row someone edited is not a run this could have left; its id goes into an array literal.
                .filter(isRunID) : []
            let staged = staging.compactMap { name in run(ofStaging: name).map { (table: name, run: $0) } }
            let dropped = staged.filter { !live.contains($0.run) }.map(\.table)
            report.tables = dropped.map { "\(schema).\($0)" }
            report.runs = loading.filter { !live.contains($0) }
            report.live = Set(loading + staged.map(\.run)).filter(live.contains).sorted()
            guard !dryRun, !dropped.isEmpty || !report.runs.isEmpty else { return report }
            try connection.execute("BEGIN")
            for name in dropped { try connection.execute("DROP TABLE IF EXISTS \(quoteIdentifier(schema)).\(quoteIdentifier(name))") }
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
