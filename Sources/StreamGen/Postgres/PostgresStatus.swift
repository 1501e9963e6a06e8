import Columnar

/// `streamgen status postgres://…`: what spec 002's status endpoint reports, from the database.
/// The runs `streamgen_runs` records in the schema (the last per pack), and for each table of a
/// pack's last complete run its rows and, per column, NULLs, distinct values and min/max.
public struct PostgresStatus: Sendable {
    public struct ColumnStats: Sendable {
        public var name: String
        public var type: String
        public var nulls: Int64
        public var distinct: Int64
        public var min: String?
        public var max: String?
    }

    public struct Table: Sendable {
        public var name: String
        public var rows: Int64
        public var columns: [ColumnStats]
    }

    public struct Run: Sendable {
        public var runID: String
        public var pack: String
        public var mode: String
        public var status: String
        public var startedAt: String
        public var message: String?
        public var tables: [Table]
        /// A `--no-files` run's other files, kept in `streamgen_run_files`: path and bytes.
        public var files: [(path: String, bytes: Int64)] = []
    }

    public let target: PostgresTarget
    public let runs: [Run]
    /// Staging tables of runs that did not finish (a killed process), by name.
    public let leftovers: [String]

    /// Whether every pack's last run completed and nothing is left over.
    public var complete: Bool { !runs.isEmpty && runs.allSatisfy { $0.status == "complete" } && leftovers.isEmpty }

    public static func load(_ target: PostgresTarget) throws(GenerateError) -> PostgresStatus {
        let connection = try PostgresConnection(target)
        let schema = target.schema
        let runsTable = "\(quoteIdentifier(schema)).\(quoteIdentifier(PostgresLoad.runsTable))"
        do throws(PostgresError) {
            let exists = try connection.execute("SELECT to_regclass($1) IS NOT NULL", ["\(quoteIdentifier(schema)).\(PostgresLoad.runsTable)"])
            guard exists.first?[0] == "t" else {
                throw PostgresError(message: "no StreamGen run in schema \(schema) (no table \(PostgresLoad.runsTable))", sqlState: nil, detail: nil)
            }
            let rows = try connection.execute("""
                SELECT DISTINCT ON (pack) run_id, pack, mode, status, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), message,
                       (SELECT string_agg(k, ',') FROM jsonb_object_keys(coalesce(tables, '{}')) k)
                FROM \(runsTable) ORDER BY pack, started_at DESC
                """)
            let keptFiles = try RunFiles.isPresent(schema: schema, on: connection)
            var runs: [Run] = []
            for r in rows.rows {
                var run = Run(runID: r[0] ?? "", pack: r[1] ?? "", mode: r[2] ?? "", status: r[3] ?? "", startedAt: r[4] ?? "", message: r[5], tables: [])
                if run.status == "complete" {
                    for name in (r[6] ?? "").split(separator: ",").map(String.init).sorted() {
                        run.tables.append(try table(connection, schema: schema, name: name))
                    }
                }
                if keptFiles {
                    run.files = try connection.execute("SELECT path, bytes FROM \(PostgresTable.qualifiedName(RunFiles.table, schema: schema)) WHERE run_id = $1 ORDER BY path",
                                                       [run.runID]).rows.map { ($0[0] ?? "", Int64($0[1] ?? "") ?? 0) }
                }
                runs.append(run)
            }
            let left = try connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '\\_streamgen\\_%' ORDER BY 1", [schema])
            return PostgresStatus(target: target, runs: runs, leftovers: left.rows.compactMap { $0[0] })
        } catch {
            throw .runFailed("PostgreSQL at \(target): \(error)")
        }
    }

    static func table(_ connection: PostgresConnection, schema: String, name: String) throws(PostgresError) -> Table {
        let qualified = "\(quoteIdentifier(schema)).\(quoteIdentifier(name))"
        let columns = try connection.execute("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typcategory IN ('N', 'D', 'S', 'B') AND t.typname NOT IN ('json'),
                   t.typcategory IN ('N', 'D', 'S')
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, [qualified]).rows
        var select = ["count(*)::text"]
        for c in columns {
            let q = quoteIdentifier(c[0] ?? "")
            select.append("(count(*) - count(\(q)))::text")
            select.append(c[2] == "t" ? "count(DISTINCT \(q))::text" : "NULL")
            select.append(c[3] == "t" ? "min(\(q))::text" : "NULL")
            select.append(c[3] == "t" ? "max(\(q))::text" : "NULL")
        }
        let values = try connection.execute("SELECT \(select.joined(separator: ", ")) FROM \(qualified)").first ?? []
        var stats: [ColumnStats] = []
        for (i, c) in columns.enumerated() {
            let base = 1 + 4 * i
            stats.append(ColumnStats(name: c[0] ?? "", type: c[1] ?? "", nulls: Int64(values[base] ?? "") ?? 0,
                                     distinct: Int64(values[base + 1] ?? "") ?? -1, min: values[base + 2], max: values[base + 3]))
        }
        return Table(name: name, rows: Int64(values.first.flatMap { $0 } ?? "") ?? 0, columns: stats)
    }

    public func render() -> String {
        var lines = ["PostgreSQL \(target), schema \(target.schema)"]
        for run in runs {
            lines.append("\(run.pack): run \(run.runID) \(run.status) (--if-exists \(run.mode), started \(run.startedAt) UTC)\(run.message.map { ": \($0)" } ?? "")")
            for t in run.tables {
                lines.append("  \(t.name): \(grouped(t.rows)) rows")
                for c in t.columns {
                    var s = "    \(c.name) \(c.type): \(grouped(c.nulls)) null"
                    if c.distinct >= 0 { s += ", \(grouped(c.distinct)) distinct" }
                    if let lo = c.min, let hi = c.max { s += ", \(lo) … \(hi)" }
                    lines.append(s)
                }
            }
            if !run.files.isEmpty {
                lines.append("  no data files (--no-files); its other files are in \(target.schema).\(RunFiles.table): "
                    + run.files.map { "\($0.path) (\(humanBytes($0.bytes)))" }.joined(separator: ", "))
            }
        }
        if !leftovers.isEmpty { lines.append("staging tables of unfinished runs: \(leftovers.joined(separator: ", ")) (drop them, or rerun with --if-exists replace)") }
        return lines.joined(separator: "\n")
    }

    public func json() -> JSONValue {
        .object([
            ("target", .string(target.description)), ("schema", .string(target.schema)),
            ("runs", .array(runs.map { run in
                .object([
                    ("run_id", .string(run.runID)), ("pack", .string(run.pack)), ("mode", .string(run.mode)), ("status", .string(run.status)),
                    ("started_at", .string(run.startedAt)), ("message", run.message.map { .string($0) } ?? .null),
                    ("tables", .array(run.tables.map { t in
                        .object([("name", .string(t.name)), ("rows", .int(t.rows)),
                                 ("columns", .array(t.columns.map { c in
                                     .object([("name", .string(c.name)), ("type", .string(c.type)), ("nulls", .int(c.nulls)),
                                              ("distinct", c.distinct >= 0 ? .int(c.distinct) : .null),
                                              ("min", c.min.map { .string($0) } ?? .null), ("max", c.max.map { .string($0) } ?? .null)])
                                 }))])
                    })),
                    ("files", .array(run.files.map { .object([("path", .string($0.path)), ("bytes", .int($0.bytes))]) })),
                ])
            })),
            ("leftover_staging_tables", .array(leftovers.map { .string($0) })),
        ])
    }
}
