import Columnar
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `--if-exists` does when a table the run loads is already in the schema.
public enum IfExists: String, Sendable, CaseIterable {
    /// Refuse the run before anything is generated (the default).
    case fail
    /// Leave every table as it is and generate nothing, when all of them are there (spec 002's
    /// "create only if absent").
    case skip
    /// Drop and reload, in one transaction (spec 002's reset).
    case replace
    /// Upsert on each table's grain key: the same append twice leaves the same rows (spec 003's
    /// ON CONFLICT DO UPDATE).
    case append
}

/// `--sink postgres://…` as the command line gave it.
public struct PostgresSink: Sendable {
    public var target: PostgresTarget
    public var ifExists: IfExists
    /// `--no-files`: the tables' rows go to PostgreSQL only. The run's other files (manifest,
    /// ground truth, SQL) are written to its directory as usual, stored in `streamgen_run_files`
    /// by the commit, then removed with the directory.
    public var keepsFiles: Bool

    public init(target: PostgresTarget, ifExists: IfExists, keepsFiles: Bool = true) {
        self.target = target
        self.ifExists = ifExists
        self.keepsFiles = keepsFiles
    }
}

/// One run's load into PostgreSQL.
///
/// Rows go into staging tables (`_streamgen_<run>_<n>`, no keys, committed as they arrive) by
/// binary COPY over several connections; then one transaction swaps them in: drops the old
/// tables (`replace`), renames the staging tables, adds the keys, unique, check and foreign-key
/// constraints, and marks the run complete in `streamgen_runs`. So a reader sees the old tables
/// or the new ones, never a mix, and a row that violates a constraint fails the whole load with
/// the server's message. `append` upserts from the staging tables into the existing ones in the
/// same kind of transaction. On any failure the staging tables are dropped and the run is
/// recorded as failed.
public final class PostgresLoad: Sendable {
    public let sink: PostgresSink
    public let pack: String
    /// The run's tables, each before the tables that reference it.
    public let tables: [PostgresTable]
    public let runID: String
    /// Table name → staging table name.
    let staging: [String: String]
    /// Tables that exist already and are appended to.
    let appendTo: Set<String>
    /// Table name → its `COPY staging (columns) FROM STDIN (FORMAT binary)`.
    let copyStatements: [String: String]
    private let idle = Mutex<[PostgresConnection]>([])
    private let counts = Mutex<[String: Int64]>([:])
    /// Started by the first block: sender threads, one connection each.
    private let pipeline = Mutex<CopyPipeline?>(nil)
    /// Sent blocks' buffers, emptied, for the writers' next blocks: the same few buffers go
    /// round instead of a new 4 MiB allocation per block.
    let spares = Mutex<[[UInt8]]>([])
    /// Sender threads: one per generating thread.
    let senders: Int

    /// Rows are sent in COPY statements of about this many bytes.
    static let copyBytes = 1 << 20
    public static let runsTable = "streamgen_runs"

    private init(sink: PostgresSink, pack: String, tables: [PostgresTable], runID: String, staging: [String: String], appendTo: Set<String>, senders: Int) {
        self.senders = senders
        self.pack = pack
        self.sink = sink
        self.tables = tables
        self.runID = runID
        self.staging = staging
        self.appendTo = appendTo
        var statements: [String: String] = [:]
        for t in tables {
            let columns = t.columns.map { quoteIdentifier($0.name) }.joined(separator: ", ")
            statements[t.name] = "COPY \(quoteIdentifier(sink.target.schema)).\(quoteIdentifier(staging[t.name]!)) (\(columns)) FROM STDIN (FORMAT binary)"
        }
        copyStatements = statements
    }

    var schema: String { sink.target.schema }
    func qualified(_ name: String) -> String { PostgresTable.qualifiedName(name, schema: schema) }

    /// What `begin` found.
    public enum Start: Sendable {
        case load(PostgresLoad)
        /// `--if-exists skip` and every table is there with its shape.
        case skipped(existing: [String])
    }

    /// Connects, checks the tables already there against `--if-exists`, records the run as
    /// loading and creates the staging tables. Nothing is generated yet, so a bad URL, a refused
    /// password or a table in the way fails in a second.
    public static func begin(_ sink: PostgresSink, tables: [PostgresTable], pack: String, seed: UInt64, options: [(String, JSONValue)],
                             threads: Int) throws(GenerateError) -> Start {
        let ordered = PostgresTable.dependencyOrder(tables)
        let connection = try PostgresConnection(sink.target)
        let target = sink.target
        func fail(_ what: String, _ error: PostgresError) -> GenerateError {
            .runFailed("PostgreSQL at \(target): \(what): \(error)")
        }
        let schema = target.schema
        do throws(PostgresError) {
            try connection.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(schema))")
        } catch { throw fail("cannot create schema \(schema)", error) }
        let existing: [String: [(name: String, type: String, notNull: Bool)]]
        do throws(PostgresError) { existing = try Self.existingColumns(connection, schema: schema, tables: ordered.map(\.name)) } catch {
            throw fail("cannot read the catalog", error)
        }
        let present = ordered.map(\.name).filter { existing[$0] != nil }
        switch sink.ifExists {
        case .fail:
            if !present.isEmpty {
                throw .invalidOption("PostgreSQL at \(target): \(present.map { "\(schema).\($0)" }.joined(separator: ", ")) already exist\(present.count == 1 ? "s" : ""); "
                    + "--if-exists replace reloads, append upserts, skip leaves them")
            }
        case .skip, .append:
            for name in present {
                let table = ordered.first { $0.name == name }!
                if let difference = Self.shapeDifference(table, existing[name]!) {
                    throw .invalidOption("PostgreSQL at \(target): \(schema).\(name) exists with another shape (\(difference)); --if-exists replace reloads it")
                }
            }
            if sink.ifExists == .skip && present.count == ordered.count { return .skipped(existing: present) }
            if sink.ifExists == .skip && !present.isEmpty {
                let missing = ordered.map(\.name).filter { existing[$0] == nil }
                throw .invalidOption("PostgreSQL at \(target): --if-exists skip found \(present.joined(separator: ", ")) but not \(missing.joined(separator: ", ")); "
                    + "--if-exists replace loads them all")
            }
            if sink.ifExists == .append {
                for name in present where ordered.first(where: { $0.name == name })!.grain == nil {
                    throw .invalidOption("PostgreSQL at \(target): --if-exists append upserts on a table's key, and \(name) has none (\(ordered.first { $0.name == name }!.notes.joined(separator: " ")))")
                }
            }
        case .replace:
            break
        }
        let runID = Self.newRunID()
        do throws(PostgresError) { try Self.name(connection, run: runID) } catch { throw fail("cannot name the connection", error) }
        let appendTo = sink.ifExists == .append ? Set(present) : []
        var staging: [String: String] = [:]
        for (i, t) in ordered.enumerated() { staging[t.name] = "_streamgen_\(runID)_\(i)" }
        let load = PostgresLoad(sink: sink, pack: pack, tables: ordered, runID: runID, staging: staging, appendTo: appendTo, senders: max(1, threads))
        do throws(PostgresError) {
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS \(load.qualified(runsTable)) (
                    run_id TEXT PRIMARY KEY, pack TEXT NOT NULL, mode TEXT NOT NULL, seed NUMERIC(20,0) NOT NULL,
                    options JSONB NOT NULL, tables JSONB, status TEXT NOT NULL, message TEXT,
                    started_at TIMESTAMPTZ NOT NULL DEFAULT now(), finished_at TIMESTAMPTZ)
                """)
            try connection.execute("INSERT INTO \(load.qualified(runsTable)) (run_id, pack, mode, seed, options, status) VALUES ($1, $2, $3, $4, $5, 'loading')",
                                   [runID, pack, sink.ifExists.rawValue, String(seed), JSONValue.object(options).serialized(compact: true)])
            if !sink.keepsFiles { try RunFiles.prepare(schema: schema, on: connection) }
            for t in ordered {
                try connection.execute(t.createStatement(schema: schema, as: staging[t.name]!, unlogged: appendTo.contains(t.name), autovacuum: false))
            }
        } catch {
            load.dropStaging(connection)
            throw fail("cannot prepare the load", error)
        }
        load.idle.withLock { $0.append(connection) }
        return .load(load)
    }

    /// Runs a pack's generation (`body`) with the load `request.sink` asks for, or with none when
    /// it is nil: begins the load, aborts it when `body` throws, commits it after and adds what
    /// it loaded to the report. With `--if-exists skip` and every table there, `body` is not run.
    /// With `--no-files` the commit stores the run's other files (`RunFiles`) and the run's
    /// directory is removed after it.
    public static func around(
        _ request: GenerateRequest, tables: () -> [PostgresTable], pack: String, seed: UInt64, options: () -> [(String, JSONValue)], threads: Int,
        _ body: (PostgresLoad?) async throws(GenerateError) -> GenerateReport
    ) async throws(GenerateError) -> GenerateReport {
        guard let sink = request.sink else { return try await body(nil) }
        let out = request.outDirectory
        let made = sink.keepsFiles ? [] : RunFiles.missingDirectories(out)
        if !sink.keepsFiles { try RunFiles.checkEmpty(out) }
        switch try begin(sink, tables: tables(), pack: pack, seed: seed, options: options(), threads: threads) {
        case .skipped(let existing):
            return GenerateReport(datasets: [], sinkNote: "--if-exists skip: \(existing.joined(separator: ", ")) already in \(sink.target.schema) at \(sink.target); nothing generated")
        case .load(let load):
            var report: GenerateReport
            var files: [RunFiles.File] = []
            do {
                report = try await body(load)
                if !sink.keepsFiles { files = try RunFiles.collect(under: out) }
            } catch {
                load.abort("\(error)")
                if !sink.keepsFiles { throw RunFiles.failed(error, out: out, made: made) }
                throw error
            }
            do { report.sinkNote = try load.commitNote(files: files, from: out) } catch {
                if !sink.keepsFiles { throw RunFiles.failed(error, out: out, made: made) }
                throw error
            }
            if !sink.keepsFiles {
                if let problem = RunFiles.remove(out, made: made) { report.sinkNote! += "\nwarning: " + problem }
                report.filesKept = false
            }
            return report
        }
    }

    /// A COPY encoder for rows of `table` held in chunks of `schema`: each PostgreSQL column
    /// from the chunk column of its name, or from `constants` (Hive partition values).
    public func encoder(table name: String, schema: Schema, constants: [String: String] = [:]) throws(ColumnarError) -> PostgresCopyEncoder {
        guard let table = tables.first(where: { $0.name == name }) else { throw .invalidData("the load has no table '\(name)'") }
        var fields: [PostgresCopyEncoder.Field] = []
        for column in table.columns {
            if let index = schema.index(of: column.name) {
                fields.append(.column(index, column.wire))
            } else if let text = constants[column.name] {
                guard let bytes = PostgresCopyEncoder.constant(text, type: column.type, wire: column.wire) else {
                    throw .invalidData("\(name).\(column.name): the partition value '\(text)' cannot be sent as \(column.sqlType)")
                }
                fields.append(.constant(bytes))
            } else {
                throw .invalidData("\(name).\(column.name): no value in the rows written")
            }
        }
        return try PostgresCopyEncoder(schema: schema, fields: fields)
    }

    /// Whether the tables' rows are written to files too (not `--no-files`).
    public var keepsFiles: Bool { sink.keepsFiles }

    /// A writer that sends the chunks it is given (of `schema`) into `table` and hands them on to
    /// the file `open` makes, unless the run keeps no files (`--no-files`): then `path` (relative
    /// to the run's directory) is only the name its summary gives. The file is abandoned when the
    /// table cannot take the rows.
    func writer(table: String, schema: Schema, constants: [String: String] = [:], path: String,
                file open: () throws(ColumnarError) -> any TableFileWriter) throws(ColumnarError) -> PostgresTableWriter {
        try writer(table: table, schema: schema, constants: constants, path: path, file: keepsFiles ? try open() : nil)
    }

    /// A writer that sends the chunks it is given into `table` only, whatever `--no-files` says
    /// (a pack that writes its files itself).
    func writer(table: String, schema: Schema) throws(ColumnarError) -> PostgresTableWriter {
        try writer(table: table, schema: schema, path: table, file: nil)
    }

    private func writer(table: String, schema: Schema, constants: [String: String] = [:], path: String, file: (any TableFileWriter)?) throws(ColumnarError) -> PostgresTableWriter {
        do throws(ColumnarError) {
            return PostgresTableWriter(file: file, path: path, load: self, table: table, encoder: try encoder(table: table, schema: schema, constants: constants))
        } catch {
            file?.abandon()
            throw error
        }
    }

    /// Queues one binary COPY stream for `table`'s staging table; waits while the queue is full.
    func submit(table: String, data: [UInt8], rows: Int) throws(ColumnarError) {
        let p = pipeline.withLock { p in
            if p == nil {
                p = CopyPipeline(senders: senders, capacity: senders) { [unowned self] (job: consuming CopyPipeline.Job) throws(ColumnarError) in
                    let (table, rows) = (job.table, job.rows)
                    var data = (consume job).data
                    try self.copy(table: table, data: data, rows: rows)
                    self.recycle(&data)
                }
            }
            return p!
        }
        try p.submit(.init(table: table, data: data, rows: rows))
    }

    /// Keeps `buffer`'s memory, emptied, for the next block (up to two per sender); a buffer
    /// past twice a block's size (a row of megabytes) is let go.
    func recycle(_ buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        guard buffer.capacity <= 2 * Self.copyBytes else { buffer = []; return }
        let kept = buffer
        buffer = []
        spares.withLock { if $0.count < 2 * senders { $0.append(kept) } }
    }

    /// Waits for every queued block, then ends the senders; throws the first failure.
    private func finishSending() throws(ColumnarError) {
        guard let p = pipeline.withLock({ $0 }) else { return }
        defer { p.stop() }
        try p.drain()
    }

    /// Sends one binary COPY stream into `table`'s staging table over an idle connection (a new
    /// one when all are busy).
    func copy(table name: String, data: [UInt8], rows: Int) throws(ColumnarError) {
        let connection: PostgresConnection
        if let c = idle.withLock({ $0.popLast() }) {
            connection = c
        } else {
            do { connection = try open() } catch { throw .invalidData("\(error)") }
        }
        do throws(PostgresError) {
            try connection.copy(copyStatements[name]!, data: data)
        } catch {
            throw .invalidData("PostgreSQL at \(sink.target): loading \(schema).\(name) failed: \(error)")
        }
        counts.withLock { $0[name, default: 0] += Int64(rows) }
        idle.withLock { $0.append(connection) }
    }

    /// The rows sent so far, by table.
    public var rowsLoaded: [String: Int64] { counts.withLock { $0 } }

    /// The transaction that makes the load visible: keys and constraints built, old tables
    /// replaced or upserted into, the run marked complete, and a `--no-files` run's `files`
    /// (read from `directory`) stored. Returns the rows in each table.
    @discardableResult
    public func commit(files: [RunFiles.File] = [], from directory: String = "") throws(GenerateError) -> [String: Int64] {
        do throws(ColumnarError) { try finishSending() } catch {
            abort("\(error)")
            throw .runFailed("\(error)")
        }
        let connection: PostgresConnection
        do { connection = try control() } catch { abort("\(error)"); throw error }
        let loaded = rowsLoaded
        var statements = ["BEGIN", "SET LOCAL synchronous_commit = on"]
        if sink.ifExists == .replace {
            for t in tables.reversed() { statements.append("DROP TABLE IF EXISTS \(qualified(t.name))") }
        }
        var foreign: [String] = []
        for t in tables {
            let stage = qualified(staging[t.name]!)
            if appendTo.contains(t.name) {
                let names = t.columns.map { quoteIdentifier($0.name) }.joined(separator: ", ")
                let grain = t.grain!
                let updates = t.columns.filter { !grain.contains($0.name) }.map { "\(quoteIdentifier($0.name)) = EXCLUDED.\(quoteIdentifier($0.name))" }
                statements.append("INSERT INTO \(qualified(t.name)) (\(names)) SELECT \(names) FROM \(stage) ON CONFLICT (\(grain.map(quoteIdentifier).joined(separator: ", "))) "
                    + (updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(updates.joined(separator: ", "))"))
                statements.append("DROP TABLE \(stage)")
            } else {
                statements.append("ALTER TABLE \(stage) RENAME TO \(quoteIdentifier(t.name))")
                statements.append("ALTER TABLE \(qualified(t.name)) RESET (autovacuum_enabled)")
                // Each key index sorted in memory: about 96 bytes a row for an id key (index
                // tuple and sort slot), within 64 MiB to 1 GiB of the server's memory, for this
                // transaction only. A sort that spills takes about a third longer.
                let megabytes = Swift.min(1_024, Swift.max(64, (loaded[t.name] ?? 0) * 96 >> 20))
                statements.append("SET LOCAL maintenance_work_mem = '\(megabytes)MB'")
                let (own, fk) = t.constraintStatements(schema: schema)
                statements += own
                foreign += fk
                if !t.notes.isEmpty { statements.append("COMMENT ON TABLE \(qualified(t.name)) IS \(quoteLiteral(t.notes.joined(separator: " ")))") }
            }
        }
        statements += foreign
        var counted: [String: Int64] = [:]
        do throws(PostgresError) {
            for s in statements { try connection.execute(s) }
            for t in tables {
                // A table that is the staging table renamed holds what was sent; an upsert's
                // table is counted.
                if !appendTo.contains(t.name), let sent = loaded[t.name] {
                    counted[t.name] = sent
                } else {
                    counted[t.name] = try connection.execute("SELECT count(*) FROM \(qualified(t.name))").first?[0].flatMap { Int64($0) } ?? 0
                }
            }
            let summary = JSONValue.object(tables.map { t in
                (t.name, JSONValue.object([("rows", .int(counted[t.name] ?? 0)), ("rows_loaded", .int(loaded[t.name] ?? 0))]))
            }).serialized(compact: true)
            try connection.execute("UPDATE \(qualified(Self.runsTable)) SET status = 'complete', finished_at = now(), tables = $1 WHERE run_id = $2", [summary, runID])
            // The tables replaced, the files an earlier run of the pack kept with them go too.
            if sink.ifExists == .replace { try RunFiles.forgetEarlier(pack: pack, run: runID, schema: schema, on: connection) }
            try RunFiles.store(files, from: directory, run: runID, schema: schema, on: connection)
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            abort("\(error)", connection: connection)
            throw .runFailed("PostgreSQL at \(sink.target): the load was rolled back, the tables are as they were: \(error)")
        }
        analyze(counted, on: connection)
        return counted
    }

    /// ANALYZE every table (a failure only costs the planner its statistics): the largest on
    /// `connection` while a second connection takes the others, so the small tables' sampling
    /// overlaps the large one's.
    private func analyze(_ rows: [String: Int64], on connection: PostgresConnection) {
        let names = tables.map(\.name).sorted { (rows[$0] ?? 0) > (rows[$1] ?? 0) }
        let statements = names.map { "ANALYZE \(qualified($0))" }
        guard statements.count > 1, let second = try? control() else {
            for s in statements { _ = try? connection.execute(s) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            if i == 0 {
                _ = try? connection.execute(statements[0])
            } else {
                for s in statements.dropFirst() { _ = try? second.execute(s) }
            }
        }
        idle.withLock { $0.append(second) }
    }

    /// Commits, and says what the tables hold now.
    public func commitNote(files: [RunFiles.File] = [], from directory: String = "") throws(GenerateError) -> String {
        let started = MonotonicClock.nanoseconds()
        let counts = try commit(files: files, from: directory)
        let seconds = Double(MonotonicClock.since(started)) / 1e9
        return "loaded into \(sink.target) schema \(schema) (--if-exists \(sink.ifExists.rawValue), run \(runID)): "
            + tables.map { "\($0.name) \(grouped(counts[$0.name] ?? 0))" }.joined(separator: ", ")
            + "; keys, constraints and ANALYZE took \((seconds * 10).rounded() / 10) s"
            + (keepsFiles ? "" : "; no data files (--no-files): the run's \(files.count) other files (manifest, ground truth, SQL) are in \(schema).\(RunFiles.table), the manifest in \(Self.runsTable).manifest")
    }

    /// Drops the staging tables and records the run as failed with `reason`.
    public func abort(_ reason: String) {
        pipeline.withLock { $0 }?.stop()
        guard let connection = try? control() else { return }
        abort(reason, connection: connection)
    }

    private func abort(_ reason: String, connection: PostgresConnection) {
        dropStaging(connection)
        _ = try? connection.execute("UPDATE \(qualified(Self.runsTable)) SET status = 'failed', finished_at = now(), message = $1 WHERE run_id = $2", [reason, runID])
    }

    private func dropStaging(_ connection: PostgresConnection) {
        for name in staging.values.sorted() { _ = try? connection.execute("DROP TABLE IF EXISTS \(qualified(name))") }
    }

    /// A working connection for the control statements: an idle one that answers, or a new one.
    /// libpq only learns that the server ended a connection when it next uses it, so an idle
    /// connection's status alone does not say it is up: a server that terminated every backend
    /// leaves idle connections that look fine.
    private func control() throws(GenerateError) -> PostgresConnection {
        while let c = idle.withLock({ $0.popLast() }) {
            if c.isOK, (try? c.execute("SELECT 1")) != nil { return c }
        }
        return try open()
    }

    /// A new connection of this run, named for it (`applicationName`).
    private func open() throws(GenerateError) -> PostgresConnection {
        let connection = try PostgresConnection(sink.target)
        do throws(PostgresError) { try Self.name(connection, run: runID) } catch {
            throw .runFailed("PostgreSQL at \(sink.target): cannot name the connection: \(error)")
        }
        return connection
    }

    /// What every connection of run `runID` calls itself in `pg_stat_activity`: `streamgen clean
    /// postgres://…` leaves alone the staging tables of a run that still has one.
    static func applicationName(run runID: String) -> String { "streamgen/\(runID)" }

    /// Names the connection for run `runID`, and lets its commits return before their WAL is
    /// flushed: the staging tables' rows count only once the swap transaction, which commits
    /// synchronously, makes them the tables (a server that crashes before loses a load that then
    /// fails anyway). Saves a WAL flush per block sent on a server that syncs its WAL.
    static func name(_ connection: PostgresConnection, run runID: String) throws(PostgresError) {
        // The run id is 12 hex digits: nothing to quote.
        try connection.execute("SET application_name = '\(applicationName(run: runID))'; SET synchronous_commit = off")
    }

    /// The columns of `tables` that exist in `schema`: name, type as `format_type` gives it, NOT NULL.
    static func existingColumns(_ connection: PostgresConnection, schema: String, tables: [String]) throws(PostgresError) -> [String: [(name: String, type: String, notNull: Bool)]] {
        let rows = try connection.execute("""
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum
            """, [schema])
        var result: [String: [(name: String, type: String, notNull: Bool)]] = [:]
        for row in rows.rows where tables.contains(row[0] ?? "") {
            result[row[0]!, default: []].append((row[1] ?? "", row[2] ?? "", row[3] == "t"))
        }
        return result
    }

    /// How an existing table differs from `table`, or nil when its columns are the same names
    /// and types in the same order.
    static func shapeDifference(_ table: PostgresTable, _ existing: [(name: String, type: String, notNull: Bool)]) -> String? {
        let want = table.columns.map { ($0.name, canonicalType($0.sqlType)) }
        let have = existing.map { ($0.name, canonicalType($0.type)) }
        if want.map(\.0) != have.map(\.0) {
            return "columns \(have.map(\.0).joined(separator: ", ")); the run has \(want.map(\.0).joined(separator: ", "))"
        }
        for (w, h) in zip(want, have) where w.1 != h.1 { return "\(w.0) is \(h.1), the run writes \(w.1)" }
        return nil
    }

    /// The name `format_type` gives a type as DDL writes it.
    static func canonicalType(_ type: String) -> String {
        let t = type.lowercased()
        switch t {
        case "int", "int4", "integer": return "integer"
        case "int8", "bigint": return "bigint"
        case "float8", "double precision": return "double precision"
        case "bool", "boolean": return "boolean"
        case "timestamptz", "timestamp with time zone": return "timestamp with time zone"
        case "timestamp", "timestamp without time zone": return "timestamp without time zone"
        default:
            if let collate = t.firstRange(of: " collate ") { return canonicalType(String(t[..<collate.lowerBound])) }
            if t.hasPrefix("varchar(") { return "character varying(" + t.dropFirst(8) }
            if t.hasPrefix("decimal(") { return "numeric(" + t.dropFirst(8) }
            return t
        }
    }

    /// 12 hex digits from the clock and the process: unique enough among a database's runs.
    static func newRunID() -> String {
        var x = UInt64(bitPattern: FileSystem.now()) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(MonotonicClock.nanoseconds())
            ^ UInt64(UInt32(bitPattern: FileSystem.processID())) << 40
        x ^= x >> 31
        x &*= 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        let hex = String(x, radix: 16)
        return String(String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(12).description
    }
}

/// A file writer's twin for the database: encodes the chunks it is given as binary COPY and
/// sends them in blocks; writes the file too when there is one.
final class PostgresTableWriter: TableFileWriter {
    private let file: (any TableFileWriter)?
    /// The file's path in the run's directory, for the summary of a run that keeps no files.
    private let path: String
    private let load: PostgresLoad
    private let table: String
    private let encoder: PostgresCopyEncoder
    private var buffer: [UInt8]
    private var rowsBuffered = 0
    private var rowsWritten: Int64 = 0
    /// Rows encoded at a time: about a quarter block at the last slice's bytes per row.
    private var sliceRows = 1_024
    private var encodingNanoseconds: UInt64 = 0
    private var sendingNanoseconds: UInt64 = 0

    init(file: (any TableFileWriter)?, path: String, load: PostgresLoad, table: String, encoder: PostgresCopyEncoder) {
        self.file = file
        self.path = path
        self.load = load
        self.table = table
        self.encoder = encoder
        // A sent block's buffer when there is one: a run opens a writer per file (ecommerce a
        // shard's day of events), and each would otherwise allocate its own block.
        buffer = load.spares.withLock { $0.popLast() } ?? []
        if buffer.capacity < PostgresLoad.copyBytes { buffer.reserveCapacity(PostgresLoad.copyBytes + (1 << 20)) }
        buffer.append(contentsOf: PostgresCopyEncoder.header)
    }

    func write(_ chunk: Chunk, rows: Range<Int>) throws(ColumnarError) {
        try file?.write(chunk, rows: rows)
        // A chunk may hold far more than a block (a shard's day of events: tens of MiB of COPY
        // data), so it is encoded in slices of about a quarter block each, the block sent when
        // full: the buffer stays near one block whatever the chunk's size.
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = start + Swift.min(rows.upperBound - start, sliceRows)
            let before = buffer.count
            let started = MonotonicClock.nanoseconds()
            try encoder.append(chunk, rows: start..<end, to: &buffer, validate: start == rows.lowerBound)
            encodingNanoseconds &+= MonotonicClock.since(started)
            let bytesPerRow = Swift.max(1, (buffer.count - before) / Swift.max(1, end - start))
            sliceRows = Swift.min(65_536, Swift.max(16, PostgresLoad.copyBytes / 4 / bytesPerRow))
            rowsBuffered += end - start
            rowsWritten += Int64(end - start)
            if buffer.count >= PostgresLoad.copyBytes { try send() }
            start = end
        }
    }

    private func send() throws(ColumnarError) {
        guard rowsBuffered > 0 else { return }
        let started = MonotonicClock.nanoseconds()
        defer { sendingNanoseconds &+= MonotonicClock.since(started) }
        buffer.append(contentsOf: PostgresCopyEncoder.trailer)
        var block = load.spares.withLock { $0.popLast() } ?? []
        block.append(contentsOf: PostgresCopyEncoder.header)
        swap(&block, &buffer)
        let rows = rowsBuffered
        rowsBuffered = 0
        try load.submit(table: table, data: block, rows: rows)
    }

    func close() throws(ColumnarError) -> FileSummary {
        do { try send() } catch { file?.abandon(); throw error }
        load.recycle(&buffer)
        if let file { return try file.close() }
        return FileSummary(path: path, rows: rowsWritten, bytes: 0, rowGroups: 0)
    }

    func abandon() {
        file?.abandon()
        buffer.removeAll()
    }

    var timing: StageTimes {
        var t = file?.timing ?? StageTimes()
        t.encoding &+= encodingNanoseconds
        t.writing &+= sendingNanoseconds
        return t
    }
}

/// Binary COPY blocks on their way to the server: a bounded queue and sender threads of their
/// own, so that generating the next rows overlaps the server's reading of the last ones. The
/// senders block in libpq, so they are threads, not tasks of the cooperative pool the workers
/// generate on. A full queue makes `submit` wait (the memory stays bounded); the first failure
/// is kept, the queue emptied, and every later `submit` and `drain` throws it.
final class CopyPipeline: @unchecked Sendable {
    struct Job {
        let table: String
        let data: [UInt8]
        let rows: Int
    }

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job?] = []
    private var head = 0
    private var active = 0
    private var failure: ColumnarError?
    private var stopping = false
    private var threads: [pthread_t] = []
    private let capacity: Int
    private let send: (consuming Job) throws(ColumnarError) -> Void

    init(senders: Int, capacity: Int, send: @escaping (consuming Job) throws(ColumnarError) -> Void) {
        self.capacity = capacity
        self.send = send
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
        for _ in 0..<senders {
            var thread = pthread_t()
            let box = Unmanaged.passRetained(self).toOpaque()
            if pthread_create(&thread, nil, { context in
                let pipeline = Unmanaged<CopyPipeline>.fromOpaque(context!).takeRetainedValue()
                pipeline.senderLoop()
                return nil
            }, box) == 0 {
                threads.append(thread)
            } else {
                Unmanaged<CopyPipeline>.fromOpaque(box).release()
            }
        }
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
    }

    private var queued: Int { jobs.count - head }

    private func senderLoop() {
        pthread_mutex_lock(lock)
        while true {
            while queued == 0 && !stopping { pthread_cond_wait(changed, lock) }
            if queued == 0 { break }
            let job = jobs[head]!
            jobs[head] = nil  // the sender holds the only reference: its buffer can be reused
            head += 1
            if head == jobs.count { jobs.removeAll(keepingCapacity: true); head = 0 }
            active += 1
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(lock)
            var error: ColumnarError?
            do { try send(job) } catch let e { error = e }
            pthread_mutex_lock(lock)
            active -= 1
            if let error, failure == nil {
                failure = error
                jobs.removeAll()
                head = 0
            }
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(lock)
    }

    /// Queues a block; waits while the queue is full.
    func submit(_ job: Job) throws(ColumnarError) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while queued >= capacity && failure == nil && !threads.isEmpty { pthread_cond_wait(changed, lock) }
        if let failure { throw failure }
        if threads.isEmpty { throw ColumnarError.invalidData("no thread could be started to send rows to PostgreSQL") }
        jobs.append(job)
        pthread_cond_broadcast(changed)
    }

    /// Waits until every queued block is sent; throws the first failure.
    func drain() throws(ColumnarError) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while (queued > 0 || active > 0) && failure == nil { pthread_cond_wait(changed, lock) }
        while active > 0 { pthread_cond_wait(changed, lock) }
        if let failure { throw failure }
    }

    /// Drops what is queued, lets the blocks being sent finish, and ends the threads.
    func stop() {
        pthread_mutex_lock(lock)
        stopping = true
        jobs.removeAll()
        head = 0
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
        for t in threads { pthread_join(t, nil) }
        threads.removeAll()
    }
}
