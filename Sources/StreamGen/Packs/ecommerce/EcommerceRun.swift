import Columnar
import Synchronization

/// What `streamgen generate ecommerce` is asked to do.
public struct EcommerceOptions: Sendable {
    public var seed: UInt64 = 42
    public var startDay: Int64 = EcommerceModel.defaultStartDay
    public var days = EcommerceModel.defaultDays
    public var scale = 1.0
    /// nil: one baseline dataset written straight into `outDirectory`. Otherwise one fixture
    /// directory per scenario, `outDirectory/<scenario>/` (spec §5.1).
    public var scenarios: [EcommerceScenario]?
    public var outDirectory: String
    public var layout: OutputLayout = .hive
    /// Parquet (spec §5.3), or CSV with a header for loaders without a Parquet reader.
    public var format: OutputFormat = .parquet
    /// Spec §5.3 asks for snappy.
    public var codec: CompressionCodec = .snappy
    public var zstdLevel: Int32 = Compressor.defaultZstdLevel
    public var threads: Int?
    public var memoryLimit = 512 << 20
    public var overwrite = false
    public var createdAt: Int64?
    public var commandLine: [String] = []
    /// The database the fixture's rows are loaded into besides the files (`--sink`).
    public var postgres: PostgresLoad?
    /// `--shard i/N`: this process writes one shard of each fixture (`EcommerceShards`).
    public var shard: ShardSelection?

    public init(outDirectory: String) { self.outDirectory = outDirectory }

    /// Spec §5.3: 100 000 rows per row group.
    static let rowGroupRows = 100_000
}

/// One fixture written: where, and its row counts.
public struct FixtureSummary: Sendable {
    public let scenario: EcommerceScenario
    public let directory: String
    public let rows: [String: Int64]
    public let filesByTable: [String: Int]
    public let bytesByTable: [String: Int64]
    public let severity: Double?

    public var bytes: Int64 { bytesByTable.values.reduce(0, +) }
    public var files: Int { filesByTable.values.reduce(0, +) }
}

/// Generates ecommerce datasets and fixtures.
public enum EcommerceRun {
    /// The directory a scenario's fixture goes to.
    public static func directory(for scenario: EcommerceScenario, options: EcommerceOptions) -> String {
        options.scenarios == nil ? options.outDirectory : options.outDirectory + "/" + scenario.name
    }

    /// Checks the options before anything is written.
    public static func check(_ options: EcommerceOptions) throws(GenerateError) {
        guard (1...36_500).contains(options.days) else { throw .invalidOption("--days \(options.days): between 1 and 36500") }
        guard options.scale > 0, options.scale.isFinite, options.scale <= 100_000 else {
            throw .invalidOption("--scale \(options.scale): above 0 and at most 100000")
        }
        guard (-719_162...2_932_896).contains(options.startDay), options.startDay + Int64(options.days) <= 2_932_897 else {
            throw .invalidOption("the period must fall between the years 0001 and 9999")
        }
        if let t = options.threads, !(1...1024).contains(t) { throw .invalidOption("--threads \(t): between 1 and 1024") }
        if options.codec == .zstd && !(1...22).contains(options.zstdLevel) {
            throw .invalidOption("--zstd-level \(options.zstdLevel): between 1 and 22")
        }
        for s in options.scenarios ?? [] where options.days < s.lastDay {
            throw .invalidOption("scenario \(s.name) puts its anomaly on day \(s.lastDay); --days \(options.days) ends before it (use at least --days \(s.lastDay))")
        }
        let threads = options.threads ?? FileSystem.coreCount()
        let census = AnomalyPlan.memoryBound(scale: options.scale, scenarios: options.scenarios ?? [.baseline])
        let needed = GenerateOptions.baseMemory + census + threads * perWorkerMemory
        if options.memoryLimit < GenerateOptions.baseMemory + census + perWorkerMemory {
            let plan = census > 0 ? ", \(census >> 20) MiB for the scenarios' census at --scale \(options.scale)" : ""
            throw .invalidOption("--memory-limit \(options.memoryLimit >> 20) MiB is too small: the ecommerce pack needs \(needed >> 20) MiB with \(threads) thread(s) (\(GenerateOptions.baseMemory >> 20) MiB plus \(perWorkerMemory >> 20) MiB per thread\(plan))")
        }
    }

    /// A worker's shard of sessions in memory (about 100 000 events) plus its writers' buffers.
    static let perWorkerMemory = 72 << 20

    /// Generates every fixture the options ask for, one after another.
    public static func generate(_ options: EcommerceOptions, progress: RunProgress = RunProgress()) async throws(GenerateError) -> [FixtureSummary] {
        try check(options)
        var summaries: [FixtureSummary] = []
        for scenario in options.scenarios ?? [.baseline] {
            summaries.append(try await generate(scenario, options: options, progress: progress))
        }
        if options.scenarios != nil && options.shard.writesSharedFiles { try writeTreeScript(options) }
        return summaries
    }

    /// The fixture tree's own `load_duckdb.sql`, beside the fixtures' directories: it loads the
    /// fixture a DuckDB variable names (`SET VARIABLE fixture = 'null_spike';`, baseline when
    /// unset), so one script serves every fixture. Replaced in one rename.
    static func writeTreeScript(_ options: EcommerceOptions) throws(GenerateError) {
        var s = """
            -- Load one StreamGen ecommerce fixture of this tree into DuckDB: name it first, then read this script.
            -- Run it from this directory, the variable set first:
            --   { echo "SET VARIABLE fixture = 'null_spike';"; cat load_duckdb.sql; } | duckdb demo.duckdb
            -- (in a DuckDB session: SET VARIABLE fixture = 'null_spike'; then .read load_duckdb.sql)
            -- Without the variable it loads the baseline. Each fixture's directory holds its own load_duckdb.sql too.
            -- Fixtures: \((options.scenarios ?? []).map(\.name).joined(separator: ", "))
            SET VARIABLE fixture = COALESCE(getvariable('fixture'), 'baseline');

            """
        if options.format == .csv {
            s += "-- schema_drift's import file holds text prices: products.price is VARCHAR there, DECIMAL(10,2) elsewhere.\n"
            s += "SET VARIABLE streamgen_price_type = CASE WHEN getvariable('fixture') = 'schema_drift' THEN 'VARCHAR' ELSE 'DECIMAL(10,2)' END;\n"
        }
        for name in EcommerceTables.names {
            let source = duckdbSource(name, layout: options.layout, format: options.format, priceType: "getvariable('streamgen_price_type')",
                                      fixture: "getvariable('fixture')")
            s += "CREATE OR REPLACE TABLE \(name) AS SELECT * FROM \(source);\n"
        }
        s += """

            SELECT getvariable('fixture') AS fixture, (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM orders) AS orders,
                   (SELECT COUNT(*) FROM order_items) AS order_items, (SELECT COUNT(*) FROM events) AS events;

            """
        do {
            let root = try DirectoryHandle.open(options.outDirectory, create: false)
            try root.writeAtomically(treeScriptName, Array(s.utf8))
            // Indexed, so that `clean` can tell the script from a foreign file.
            try DatasetTree.writeIndex(root, pack: EcommercePack.name, files: [treeScriptName])
        } catch {
            throw .output("writing \(options.outDirectory)/\(treeScriptName): \(error)")
        }
    }

    /// The fixture tree's load script, beside its fixtures.
    static let treeScriptName = "load_duckdb.sql"

    /// The DuckDB table expression reading `table` of a fixture: from the current directory, or
    /// (`fixture`, a SQL expression naming the fixture's directory) from below it. CSV files are
    /// read with the schema's types; `priceType` is the SQL expression of products.price's type
    /// where it differs from DECIMAL(10,2).
    static func duckdbSource(_ table: String, layout: OutputLayout, format: OutputFormat, priceType: String?, fixture: String?) -> String {
        let ext = format.fileExtension
        let glob = layout == .flat ? "\(table).\(ext)" : table == "events" ? "events/*/*.\(ext)" : "\(table)/*.\(ext)"
        let path = fixture.map { "\($0) || '/\(glob)'" } ?? "'\(glob)'"
        let hive = layout == .hive && table == "events" ? ", hive_partitioning = true" : ""
        switch format {
        case .parquet, .delta:
            let union = layout == .hive && table == "products" ? ", union_by_name = true" : ""
            return "read_parquet(\(path)\(hive)\(union))"
        case .csv:
            let schema = table == "products" ? EcommerceTables.products(priceAsText: false) : EcommerceTables.schema(of: table)
            let columns = schema.columns.map { c -> String in
                let type = c.name == "price" && priceType != nil ? priceType! : "'\(duckdbType(c.type))'"
                return "'\(c.name)': \(type)"
            }
            return "read_csv(\(path), header = true\(hive), columns = {\(columns.joined(separator: ", "))})"
        }
    }

    /// The DuckDB type of a column type.
    static func duckdbType(_ type: ColumnType) -> String {
        switch type {
        case .boolean: return "BOOLEAN"
        case .int32: return "INTEGER"
        case .int64: return "BIGINT"
        case .double: return "DOUBLE"
        case .string, .uuid: return "VARCHAR"
        case .json: return "JSON"
        case .date: return "DATE"
        case .timestamp(let utc): return utc ? "TIMESTAMPTZ" : "TIMESTAMP"
        case .decimal(let p, let s): return "DECIMAL(\(p),\(s))"
        case .binary, .fixedBinary: return "BLOB"
        }
    }

    static func generate(_ scenario: EcommerceScenario, options: EcommerceOptions, progress: RunProgress) async throws(GenerateError) -> FixtureSummary {
        let directory = directory(for: scenario, options: options)
        let model = EcommerceModel(seed: options.seed, startDay: options.startDay, days: options.days, scale: options.scale, scenario: scenario)
        let journal = Journal(pack: EcommercePack.name, pid: FileSystem.processID(), startedAt: FileSystem.now(), commandLine: options.commandLine,
                              shard: options.shard, claims: journalClaims(options, model: model))
        let dataset: DatasetDirectory
        if let shard = options.shard {
            // Beside the other shards: its own earlier output is replaced, theirs left alone.
            dataset = try OutputDirectory.prepare(directory, overwrite: options.overwrite, shard: shard,
                                                  tableNames: EcommerceTables.names + [EcommerceShards.directory], format: options.format, journal: journal)
        } else {
            dataset = try prepareDirectory(directory, overwrite: options.overwrite, journal: journal)
        }
        let threads = options.threads ?? FileSystem.coreCount()
        let censusMemory = AnomalyPlan.memoryBound(scale: options.scale, scenarios: [scenario])
        let own = EcommerceShards.own(options.shard, of: model)
        let concurrency = max(1, min(threads, (options.memoryLimit - GenerateOptions.baseMemory - censusMemory) / perWorkerMemory, own.count))
        progress.rowsTotal.add(Int(own.reduce(0.0) { $0 + Double(model.plan.shards[$1].sessions.count) * SessionPlan.eventsPerSession }), ordering: .relaxed)
        let writer: FixtureWriter
        do {
            let plan = try await census(model, concurrency: concurrency, progress: progress)
            writer = FixtureWriter(model: model, plan: plan, options: options, root: dataset.root, directory: directory, progress: progress, threads: threads)
            if options.shard.writesSharedFiles {
                try writer.serialPhase { () throws(ColumnarError) in
                    try writer.writeCategories()
                    try writer.writeProducts()
                }
            }
            try await writer.writeSessions(own, concurrency: concurrency, progress: progress)
            if let shard = options.shard {
                // The merge finishes the run: users, orders, items, the ground truth and the SQL files.
                let manifest = writer.engineManifest(files: writer.records.withLock { $0 }.sorted { $0.path < $1.path },
                                                     created: options.createdAt ?? FileSystem.now(), shard: shard)
                try manifest.write(to: dataset.root, name: Manifest.shardFileName(index: shard.index, count: shard.count))
            } else {
                try writer.serialPhase { () throws(ColumnarError) in try writer.writeUsers() }
                let manifest = try writer.finish()
                try dataset.root.writeAtomically(Manifest.fileName, Array(manifest.serialized().utf8) + [10])
                try dataset.root.writeAtomically(Manifest.successFileName, [])
            }
            dataset.remove(journal)
        } catch {
            // Writers dropped unclosed have removed their temporary files; the journal stays.
            if let reason = progress.cancellationReason {
                throw .interrupted("writing the \(scenario.name) fixture into \(directory) was \(reason); no manifest.json or _SUCCESS was written. `streamgen clean \(directory) --confirm` or --overwrite clears it")
            }
            throw .runFailed("writing the \(scenario.name) fixture into \(directory) failed: \(error); no manifest.json or _SUCCESS was written. `streamgen clean \(directory) --confirm` or --overwrite clears it")
        }
        var filesByTable: [String: Int] = [:], bytesByTable: [String: Int64] = [:]
        for r in writer.records.withLock({ $0 }) {
            let table = FixtureWriter.table(of: r.path)
            filesByTable[table, default: 0] += 1
            bytesByTable[table, default: 0] += r.bytes
        }
        return FixtureSummary(scenario: scenario, directory: directory, rows: writer.rowCounts(), filesByTable: filesByTable,
                              bytesByTable: bytesByTable, severity: writer.severity)
    }

    /// The scenario's census (spec §3's magnitudes drawn as exact quotas): `concurrency` workers
    /// simulate the shards holding the anomaly's population without writing a row, then its
    /// decisions are drawn from what they counted. Nothing to count for the baseline and the
    /// schema drift, whose quota is a share of the catalog.
    static func census(_ model: EcommerceModel, concurrency: Int, progress: RunProgress) async throws(ColumnarError) -> AnomalyPlan {
        let shards = AnomalyPlan.censusShards(model)
        guard !shards.isEmpty else { return .empty }
        let state = CensusState(shards: model.plan.shards.count)
        let start = MonotonicClock.nanoseconds()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<min(concurrency, shards.count) {
                group.addTask {
                    while !progress.isCancelled {
                        let i = state.next.add(1, ordering: .relaxed).oldValue
                        guard i < shards.count else { return }
                        let census = SessionSimulator.census(shards[i], model: model)
                        state.results.withLock { $0[shards[i]] = census }
                    }
                }
            }
        }
        progress.add(StageTimes(generating: MonotonicClock.since(start)))
        if progress.isCancelled { throw .invalidData("stopped: \(progress.cancellationReason ?? "interrupted")") }
        return AnomalyPlan.draw(model, census: state.results.withLock { $0 })
    }

    /// Names a fixture writes besides its tables.
    static let otherFileNames = ["ground_truth.parquet", "ground_truth.csv", "load_duckdb.sql", "schema.sql", PostgresScripts.loadFileName]

    /// What a fixture's journal claims: the six tables' directories (hive) or files (flat), and
    /// the ground truth and SQL files. A shard claims its own files only: its events files, its
    /// partial file, and for shard 0 the categories and products.
    static func journalClaims(_ options: EcommerceOptions, model: EcommerceModel) -> [Journal.Claim] {
        guard let shard = options.shard else { return journalClaims(options) }
        let ext = options.format.fileExtension
        var claims: [Journal.Claim] = [.file(EcommerceShards.partialPath(shard))]
        let shared = shard.index == 0 ? ["categories", "products"] : []
        for name in shared {
            if options.layout == .flat {
                claims.append(.file(try! RelativePath(components: [name + "." + ext])))  // Safe: fixed names.
            } else {
                claims.append(.tree(name: name, partitionKeys: [], extensions: [ext]))
            }
        }
        if options.layout == .hive {
            var only: [String] = []
            for k in EcommerceShards.own(shard, of: model) {
                for d in EcommerceShards.eventDays(k, model: model) {
                    only.append("\(HivePath.escape(formatISODate(model.startDay + Int64(d))))/\(HivePath.fileName(part: k, format: options.format))")
                }
            }
            claims.append(.tree(name: "events", partitionKeys: ["date"], extensions: [ext], datePartition: 0, only: only))
        }
        return claims
    }

    /// A whole run's claims (a merge's too).
    static func journalClaims(_ options: EcommerceOptions) -> [Journal.Claim] {
        var claims: [Journal.Claim] = []
        for name in EcommerceTables.names {
            if options.layout == .flat {
                claims.append(.file(try! RelativePath(components: [name + "." + options.format.fileExtension])))  // Safe: fixed names.
            } else {
                claims.append(.tree(name: name, partitionKeys: name == "events" ? ["date"] : [], extensions: [options.format.fileExtension]))
                if options.format == .delta { claims.append(.file(DeltaLog.commitPath(table: name))) }
            }
        }
        for name in otherFileNames { claims.append(.file(try! RelativePath(components: [name]))) }
        return claims
    }

    /// A missing or empty directory is used; an earlier StreamGen run there is replaced with
    /// `--overwrite` (everything in it must be claimed by its manifest or journal); anything
    /// else is refused. The directory stays locked while the fixture is written.
    static func prepareDirectory(_ directory: String, overwrite: Bool, journal: Journal) throws(GenerateError) -> DatasetDirectory {
        let dataset = try DatasetDirectory.open(directory, create: true, access: .exclusive)
        let entries = try dataset.entries()
        if !entries.isEmpty {
            guard overwrite else {
                throw .output("the output directory '\(directory)' is not empty (\(entries.prefix(3).joined(separator: ", "))); pass --overwrite to replace an earlier fixture there, or choose another directory")
            }
            try OutputDirectory.clearAll(dataset, verb: "overwrite")
        }
        try dataset.write(journal)
        return dataset
    }
}

/// Writes one fixture: the dimension tables, the session shards (concurrently), users last, then
/// the ground truth and the manifest.
final class FixtureWriter: Sendable {
    let model: EcommerceModel
    /// The scenario's decisions, drawn from its census.
    let plan: AnomalyPlan
    let options: EcommerceOptions
    /// The fixture directory: every file is created below it, no link followed.
    let root: DirectoryHandle
    /// Its path, for messages.
    let directory: String
    let writerOptions: WriterOptions
    let records = Mutex<[FileRecord]>([])
    /// The files besides the tables, as the manifest lists them.
    let others = Mutex<[OtherFileRecord]>([])
    let truth = Mutex(AnomalyTally())
    let spend: Mutex<[Int64]>
    /// Events generated per created_at day, summed over the shards.
    let eventsByDay: Mutex<[Int]>
    /// Where the writers' and workers' time goes.
    let progress: RunProgress
    /// The threads the run was given: all but one idle through the one-thread phases, and those
    /// without a session worker (fewer shards than threads) idle through that phase too.
    let threads: Int

    init(model: EcommerceModel, plan: AnomalyPlan, options: EcommerceOptions, root: DirectoryHandle, directory: String, progress: RunProgress,
         threads: Int) {
        self.model = model
        self.plan = plan
        self.options = options
        self.root = root
        self.directory = directory
        self.progress = progress
        self.threads = threads
        var writerOptions = WriterOptions(
            codec: options.codec, zstdLevel: options.zstdLevel, rowGroupRowLimit: EcommerceOptions.rowGroupRows,
            rowGroupByteLimit: GenerateOptions.rowGroupBytes,
            keyValueMetadata: [KeyValue("streamgen.pack", "ecommerce"), KeyValue("streamgen.scenario", model.scenario.name),
                               KeyValue("streamgen.seed", String(options.seed))],
            checksum: true)
        writerOptions.jsonAsString = options.format == .delta
        self.writerOptions = writerOptions
        spend = Mutex([Int64](repeating: 0, count: model.users.count))
        eventsByDay = Mutex([Int](repeating: 0, count: model.days))
    }

    var flat: Bool { options.layout == .flat }

    /// `users.parquet` (flat) or `users/part-00000.parquet` (hive); `.csv` for CSV.
    func path(_ table: String, part: Int = 0) -> String {
        flat ? "\(table).\(options.format.fileExtension)" : "\(table)/\(HivePath.fileName(part: part, format: options.format))"
    }

    /// A writer of the run's format for `relative` (its extension says which).
    func makeWriter(_ relative: String, schema: Schema, compressor: Compressor? = nil) throws(ColumnarError) -> any TableFileWriter {
        let parts = relative.split(separator: "/").map(String.init)
        func file() throws(ColumnarError) -> any TableFileWriter {
            let dir = try root.directory(parts.dropLast(), create: true)
            if relative.hasSuffix(".csv") { return try CSVFileWriter(in: dir, name: parts[parts.count - 1], schema: schema, checksum: true) }
            return try ParquetFileWriter(in: dir, name: parts[parts.count - 1], schema: schema, options: writerOptions, compressor: compressor)
        }
        let table = Self.table(of: relative)
        // The ground truth stays in files: the manifest's anomalies point at it.
        guard let load = options.postgres, load.tables.contains(where: { $0.name == table }) else { return try file() }
        return try load.writer(table: table, schema: schema, path: relative, file: file)
    }

    /// Writes a file that is not table data (SQL, ground truth) and records it for the manifest.
    func writeOther(_ name: String, _ bytes: [UInt8]) throws(ColumnarError) {
        let record = try root.writeOtherFile(try RelativePath.checked(name), bytes)
        others.withLock { $0.append(record) }
    }

    func close(_ writer: any TableFileWriter, relative: String, partition: [String: String] = [:], shard: Int = 0) throws(ColumnarError) {
        let summary = try writer.close()
        progress.add(writer.timing)
        progress.uncompressedBytesDone.add(Int(summary.uncompressedBytes), ordering: .relaxed)
        records.withLock {
            $0.append(FileRecord(path: relative, rows: summary.rows, bytes: summary.bytes, sha256: summary.sha256 ?? "", partition: partition, shard: shard))
        }
    }

    /// Runs a phase on one thread: its time outside the writers counts as generating, and the
    /// other workers' idle time as waiting.
    func serialPhase(_ body: () throws(ColumnarError) -> Void) throws(ColumnarError) {
        let start = MonotonicClock.nanoseconds()
        let writersBefore = progress.stages.withLock { $0.writer }
        try body()
        let elapsed = MonotonicClock.since(start)
        let writers = progress.stages.withLock { $0.writer } - writersBefore
        progress.add(StageTimes(generating: elapsed > writers ? elapsed - writers : 0, waiting: UInt64(threads - 1) * elapsed))
    }

    func writeCategories() throws(ColumnarError) {
        var chunk = Chunk(schema: EcommerceTables.categories, capacity: 64)
        for c in model.catalog.categories {
            chunk.columns[0].append(c.id)
            chunk.columns[1].append(c.name)
            if let p = c.parent { chunk.columns[2].append(p) } else { chunk.columns[2].appendNull() }
            chunk.columns[3].append(c.slug)
        }
        let relative = path("categories")
        let w = try makeWriter(relative, schema: EcommerceTables.categories)
        try w.write(chunk)
        try close(w, relative: relative)
    }

    /// Products. The catalog and the day-4 import go to separate files in the hive layout, so in
    /// the schema-drift scenario the import's file types `price` as a string while the catalog's
    /// file keeps DECIMAL(10,2): a reader unioning the files meets two types. One flat file has
    /// one type: there the whole column becomes a string.
    func writeProducts() throws(ColumnarError) {
        let drift = model.scenario == .schemaDrift
        let products = model.catalog.products
        var groups: [(Range<Int>, Bool)] = []
        if flat {
            groups = [(0..<products.count, drift && model.catalog.established < products.count)]
        } else {
            groups = [(0..<model.catalog.established, false)]
            if model.catalog.established < products.count { groups.append((model.catalog.established..<products.count, drift)) }
        }
        for (part, (range, asText)) in groups.enumerated() {
            let schema = EcommerceTables.products(priceAsText: asText)
            var chunk = Chunk(schema: schema, capacity: range.count)
            for p in range {
                let item = products[p]
                chunk.columns[0].append(bytes: item.idText)
                chunk.columns[1].append(item.name)
                chunk.columns[2].append(item.category)
                if asText {
                    var text: [UInt8] = []
                    appendDecimal(unscaled: item.priceCents, scale: 2, to: &text)
                    if item.isImported && item.usdSuffix { text += Array(" USD".utf8) }
                    chunk.columns[3].append(bytes: text)
                } else {
                    chunk.columns[3].append(item.priceCents)
                }
                if let cost = item.costCents { chunk.columns[4].append(cost) } else { chunk.columns[4].appendNull() }
                chunk.columns[5].append(item.stock)
                chunk.columns[6].append(item.isActive)
                chunk.columns[7].append(item.createdAt)
            }
            let relative = path("products", part: part)
            let w = try makeWriter(relative, schema: schema)
            try w.write(chunk)
            try close(w, relative: relative)
        }
        truth.withLock { $0.merge(productsTally()) }
    }

    /// schema_drift's tally: the imported products (nothing in the other scenarios).
    func productsTally() -> AnomalyTally {
        var tally = AnomalyTally()
        guard model.scenario == .schemaDrift else { return tally }
        for item in model.catalog.products where item.isImported {
            tally.record("affected_product_ids", item.id, day: model.dayIndex(item.createdAt))
        }
        tally.population = model.catalog.products.count
        return tally
    }

    /// The session shards: `concurrency` workers simulate shards; each writes its events files
    /// (hive), and the orders and items (and, flat, the events) go through an ordered sink that
    /// appends shard after shard to single files, so the bytes never depend on timing.
    ///
    /// `order` lists the session shards to run (all of them, or a `--shard`'s): a shard's sink
    /// appends their sections to its partial file instead, for the merge to finish.
    func writeSessions(_ order: [Int], concurrency: Int, progress: RunProgress) async throws(ColumnarError) {
        let sink = OrderedSink()
        if let shard = options.shard {
            sink.partial = try PartialFileWriter(root: root, shard: shard, flat: flat)
        } else {
            try openSinkFiles(sink)
        }

        let state = SessionRunState()
        let window = 2 * concurrency
        let pool = WorkerPoolClock(threads: threads)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    let compressor = Compressor(codec: self.options.codec, level: self.options.zstdLevel)
                    var times = StageTimes()
                    var spareEvents: Chunk?
                    defer {
                        progress.add(times)
                        pool.workerStopped()
                    }
                    while !state.failed {
                        if progress.isCancelled {
                            state.failure.withLock { if $0 == nil { $0 = .invalidData("stopped: \(progress.cancellationReason ?? "interrupted")") } }
                            return
                        }
                        let position = state.next.add(1, ordering: .relaxed).oldValue
                        guard position < order.count else { return }
                        let k = order[position]
                        // Bounded backlog: at most `window` shards ahead of the sink.
                        let waitStart = MonotonicClock.nanoseconds()
                        while position >= sink.written + window && !state.failed {
                            try? await Task.sleep(nanoseconds: 500_000)
                        }
                        times.waiting += MonotonicClock.since(waitStart)
                        do throws(ColumnarError) {
                            let simulateStart = MonotonicClock.nanoseconds()
                            let spare = spareEvents.take()
                            var output = SessionSimulator.simulate(k, model: self.model, plan: self.plan, spareEvents: spare)
                            times.generating += MonotonicClock.since(simulateStart)
                            if !self.flat {
                                let mainDay = output.eventChunks.max { $0.chunk.rowCount < $1.chunk.rowCount }?.day
                                for day in output.events.indices {
                                    guard var chunk = output.events[day].take() else { continue }
                                    let date = formatISODate(self.model.startDay + Int64(day))
                                    if self.options.shard != nil && !EcommerceShards.eventDays(k, model: self.model).contains(day) {
                                        throw ColumnarError.invalidData("session shard \(k) has events on day \(day + 1), which its shard's journal does not claim")
                                    }
                                    let relative = "events/date=\(date)/\(HivePath.fileName(part: k, format: self.options.format))"
                                    let w = try self.makeWriter(relative, schema: EcommerceTables.events, compressor: compressor)
                                    try w.write(chunk)
                                    try self.close(w, relative: relative, partition: ["date": date], shard: k)
                                    progress.rowsDone.add(chunk.rowCount, ordering: .relaxed)
                                    // Keep the shard's main day's chunk (not a midnight spill's) for the next shard.
                                    if day == mainDay {
                                        chunk.reset()
                                        spareEvents = chunk
                                    }
                                }
                            }
                            try sink.submit(position, output) { (p, out) throws(ColumnarError) in try self.absorb(k: order[p], out, sink: sink, progress: progress) }
                        } catch {
                            state.failure.withLock { if $0 == nil { $0 = error } }
                            return
                        }
                    }
                }
            }
        }
        progress.add(pool.idle)
        if let error = state.failure.withLock({ $0 }) {
            sink.partial?.abandon()
            throw error
        }
        if let partial = sink.partial {
            let record = try partial.commit()
            others.withLock { $0.append(record) }
        } else {
            try closeSinkFiles(sink)
        }
    }

    /// Opens the single files the sink appends to: orders, order items, and flat, events. They
    /// share one compressor (its scratch memory) unless they are written on separate threads
    /// (`separate`, the merge); its output is the same either way.
    func openSinkFiles(_ sink: OrderedSink, separate: Bool = false) throws(ColumnarError) {
        let shared = Compressor(codec: options.codec, level: options.zstdLevel)
        func compressor() -> Compressor { separate ? Compressor(codec: options.codec, level: options.zstdLevel) : shared }
        sink.orders = try makeWriter(path("orders"), schema: EcommerceTables.orders, compressor: compressor())
        sink.items = try makeWriter(path("order_items"), schema: EcommerceTables.orderItems, compressor: compressor())
        if flat { sink.events = try makeWriter(path("events"), schema: EcommerceTables.events, compressor: compressor()) }
    }

    func closeSinkFiles(_ sink: OrderedSink) throws(ColumnarError) {
        try close(sink.orders!, relative: path("orders"))
        try close(sink.items!, relative: path("order_items"))
        if let events = sink.events { try close(events, relative: path("events")) }
    }

    /// Called by the sink, shard after shard in order: appends session shard `k`'s rows to the
    /// single files and folds its tallies in (a `--shard` run: appends its section to the
    /// partial file).
    func absorb(k: Int, _ output: SessionShardOutput, sink: OrderedSink, progress: RunProgress) throws(ColumnarError) {
        if let partial = sink.partial {
            try partial.append(k, output)
            if flat { for (_, chunk) in output.eventChunks { progress.rowsDone.add(chunk.rowCount, ordering: .relaxed) } }
            return
        }
        if output.orders.rowCount > 0 { try sink.orders!.write(output.orders) }
        if output.items.rowCount > 0 { try sink.items!.write(output.items) }
        if let events = sink.events {
            for (_, chunk) in output.eventChunks {
                try events.write(chunk)
                progress.rowsDone.add(chunk.rowCount, ordering: .relaxed)
            }
        }
        fold(output)
    }

    /// Folds a session shard's tallies in: the anomaly's, the users' spend, the events per day.
    func fold(_ output: SessionShardOutput) {
        truth.withLock { $0.merge(output.truth) }
        spend.withLock { s in for (user, cents) in output.spend { s[Int(user)] += cents } }
        eventsByDay.withLock { for (d, n) in output.eventsByDay.enumerated() { $0[d] += n } }
    }

    func writeUsers() throws(ColumnarError) {
        let relative = path("users")
        let w = try makeWriter(relative, schema: EcommerceTables.users)
        let spent = spend.withLock { $0 }
        var chunk = Chunk(schema: EcommerceTables.users, capacity: 16_384)
        let key = model.key.adding("lifetime")
        var email: [UInt8] = []
        for i in 0..<model.users.count {
            let u = model.users.user(i)
            chunk.columns[0].appendBuilding { appendUUIDText(u.id, to: &$0) }
            email.removeAll(keepingCapacity: true)
            Words.appendEmail(user: i, draw: u.emailDraw, to: &email)
            chunk.columns[1].append(bytes: email)
            chunk.columns[2].append(u.createdAt)
            chunk.columns[3].appendCode(UInt32(u.country))
            chunk.columns[4].appendCode(UInt32(u.device))
            chunk.columns[5].append(u.isPremium)
            // Lifetime value: purchases before the period (most returning users made some)
            // plus every order of theirs in it.
            var rng = key.cell(i)
            var prior: Int64 = 0
            if i < model.users.returning && rng.nextBool(probability: 0.6) {
                prior = Int64((Distributions.logNormal(mu: 4.6, sigma: 1.0, &rng) * (u.isPremium ? 250 : 100)).rounded())
            }
            chunk.columns[6].append(prior + spent[i])
            if chunk.isFull {
                if progress.isCancelled { throw ColumnarError.invalidData("stopped: \(progress.cancellationReason ?? "interrupted")") }
                try w.write(chunk)
                chunk.reset()
            }
        }
        if chunk.rowCount > 0 { try w.write(chunk) }
        try close(w, relative: relative)
    }

    var severity: Double? {
        let t = truth.withLock { $0 }
        guard model.scenario != .baseline, t.population > 0 else { return nil }
        // duplicates: the spec's figure is day 6's share; day 7's residual is not in the population.
        let affected = model.scenario == .duplicates ? t.byDay[SpecFigures.duplicateShares[0].day, default: 0] : t.affected
        return Double(affected) / Double(t.population)
    }

    func rowCounts() -> [String: Int64] {
        var rows: [String: Int64] = [:]
        for r in records.withLock({ $0 }) { rows[FixtureWriter.table(of: r.path), default: 0] += r.rows }
        return rows
    }

    /// The table a file of the fixture belongs to: `orders/part-00000.parquet` or `orders.parquet`.
    static func table(of path: String) -> String {
        String(path.split(separator: "/").first!.split(separator: ".").first!)
    }
}

/// Appends shards' outputs to shared files strictly in shard order, whichever worker finishes
/// first: a finished shard is parked until every earlier one is in.
final class OrderedSink: @unchecked Sendable {
    // The writers are touched only by the one caller that holds `draining`.
    var orders: (any TableFileWriter)?
    var items: (any TableFileWriter)?
    var events: (any TableFileWriter)?
    /// A `--shard` run's partial file, instead of the three.
    var partial: PartialFileWriter?

    private struct State {
        var next = 0
        var pending: [Int: SessionShardOutput] = [:]
        var draining = false
    }
    private let state = Mutex(State())
    private let writtenCount = Atomic<Int>(0)

    /// Shards appended so far.
    var written: Int { writtenCount.load(ordering: .acquiring) }

    /// Parks output `k` and, unless another caller is draining, appends every output that is
    /// next in order, passing `absorb` its position and output.
    func submit(_ k: Int, _ output: SessionShardOutput, absorb: (Int, SessionShardOutput) throws(ColumnarError) -> Void) throws(ColumnarError) {
        state.withLock { $0.pending[k] = output }
        while true {
            let taken: (Int, SessionShardOutput)? = state.withLock { s in
                guard !s.draining, let out = s.pending.removeValue(forKey: s.next) else { return nil }
                s.draining = true
                return (s.next, out)
            }
            guard let (position, out) = taken else { return }
            do {
                try absorb(position, out)
            } catch {
                state.withLock { $0.draining = false }
                throw error
            }
            state.withLock { s in
                s.next += 1
                s.draining = false
            }
            writtenCount.add(1, ordering: .releasing)
        }
    }
}

/// The census workers' shared state: the next shard to count and what each counted.
private final class CensusState: Sendable {
    let next = Atomic<Int>(0)
    let results: Mutex<[ShardCensus?]>
    init(shards: Int) { results = Mutex(Array(repeating: nil, count: shards)) }
}

/// The session workers' shared state: the next shard to take and the first failure.
private final class SessionRunState: Sendable {
    let next = Atomic<Int>(0)
    let failure = Mutex<ColumnarError?>(nil)
    var failed: Bool { failure.withLock { $0 != nil } }
}

/// The ecommerce pack (spec 000) behind the common pack face.
public struct EcommercePack: Pack {
    public static let pack = EcommercePack()
    public static let name = "ecommerce"

    public var name: String { EcommercePack.name }
    public let summary = "E-commerce platform (spec 000): users, categories, products, orders, order_items and events from one session simulation, with six anomaly scenarios"
    public let accepts: Set<GenerateOption> = [.scenario, .csv, .delta, .sink, .shard]
    public var defaultStartDay: Int64 { EcommerceModel.defaultStartDay }

    public var description: PackDescription {
        PackDescription(
            period: "7 day(s) from 2024-01-08",
            tables: [
                .init(name: "users", rows: "10,000 rows"), .init(name: "categories", rows: "50 rows"), .init(name: "products", rows: "500 rows"),
                .init(name: "orders", rows: "about 5,000 rows"), .init(name: "order_items", rows: "about 12,500 rows"),
                .init(name: "events", rows: "about 500,000 rows", details: "partitioned by date"),
            ],
            scenarios: EcommerceScenario.allCases.map(\.name) + ["all"],
            notes: ["--scenario writes one fixture directory per scenario: OUT/<scenario>/"])
    }

    /// The pack's options for `request`.
    public func options(_ request: GenerateRequest) throws(GenerateError) -> EcommerceOptions {
        if request.rows != nil || request.tables != nil {
            let name = request.rows != nil ? "--rows" : "--tables"
            throw .invalidOption("\(name) does not apply to the ecommerce pack: its tables come from one session simulation (use --scale, --days and --scenario)")
        }
        try request.check(against: self)
        var o = EcommerceOptions(outDirectory: request.outDirectory)
        if let seed = request.seed { o.seed = seed }
        if let d = request.startDay { o.startDay = d }
        if let d = request.days { o.days = d }
        if let s = request.scale { o.scale = s }
        if let names = request.scenarios {
            if names.contains(where: { $0.lowercased() == "all" }) {
                o.scenarios = EcommerceScenario.allCases
            } else {
                var list: [EcommerceScenario] = []
                for n in names {
                    guard let s = EcommerceScenario(rawValue: n) else {
                        throw .invalidOption("--scenario '\(n)': all, or one of \(EcommerceScenario.allCases.map(\.name).joined(separator: ", "))")
                    }
                    if !list.contains(s) { list.append(s) }
                }
                o.scenarios = list
            }
        }
        o.memoryLimit = request.memoryLimit
        if let c = request.codec { o.codec = c }
        o.zstdLevel = request.zstdLevel
        if let l = request.layout { o.layout = l }
        if let f = request.format { o.format = f }
        if o.format == .delta {
            if o.layout == .flat {
                throw .invalidOption("--format delta writes each table as a directory (a Delta table); it does not go with --layout flat")
            }
            if o.scenarios?.contains(.schemaDrift) == true {
                throw .invalidOption("--format delta: the schema_drift fixture's products files disagree on price's type by design, and a Delta table has one schema; write that fixture as parquet or csv (or name the other scenarios)")
            }
        }
        o.threads = request.threads
        o.shard = request.shard
        o.overwrite = request.overwrite
        o.commandLine = request.commandLine
        o.createdAt = request.createdAt
        return o
    }

    public func generate(_ request: GenerateRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport {
        let options = try options(request)
        if request.sink != nil && (options.scenarios?.count ?? 1) != 1 {
            throw .invalidOption("--sink loads one fixture (every fixture's tables have the same names): name one --scenario, or give each its own ?schema=")
        }
        let scenario = options.scenarios?.first ?? .baseline
        let recorded: () -> [(String, JSONValue)] = {
            [("scenario", .string(scenario.name)), ("scale", .double(options.scale)), ("days", .int(Int64(options.days))),
             ("start", .string(formatISODate(options.startDay)))]
        }
        return try await PostgresLoad.around(request, tables: { EcommerceTables.postgresTables(scenario) }, pack: name, seed: options.seed,
                                             options: recorded, threads: options.threads ?? FileSystem.coreCount()) { (load) throws(GenerateError) in
            var run = options
            run.postgres = load
            let summaries = try await EcommerceRun.generate(run, progress: progress)
            return GenerateReport(datasets: summaries.map { f in
                GenerateReport.Dataset(
                    directory: f.directory, label: f.scenario.name,
                    tables: EcommerceTables.names.map { (name: $0, rows: f.rows[$0] ?? 0, files: f.filesByTable[$0] ?? 0, bytes: f.bytesByTable[$0] ?? 0) },
                    note: f.severity.map { "severity \(($0 * 1000).rounded() / 1000)" })
            })
        }
    }

    public func validate(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport {
        try FixtureValidation.run(directory)
    }

    public func merge(_ dataset: DatasetDirectory, shards: [Manifest], commandLine: [String], createdAt: Int64) throws(ManifestError) -> Manifest? {
        try EcommerceRun.merge(dataset, shards: shards, commandLine: commandLine, createdAt: createdAt)
    }
}
