import Columnar
import Synchronization

/// The StreamGen engine: plans a run, generates its shards concurrently and writes the files,
/// then the manifest and `_SUCCESS`.
public enum StreamGenEngine {
    public static let version = ColumnarVersion.version

    /// A run resolved from its options: compiled tables, plan, budget. Nothing is written yet.
    public struct Prepared: Sendable {
        public let options: GenerateOptions
        public let shape: RunShape
        public let tables: [CompiledTable]
        /// The tables this run writes (indices into `tables`).
        public let selectedTables: [Int]
        public let plan: ShardPlan
        /// The shards this process runs (all, or those of `--shard i/N`).
        public let shardIndices: [Int]
        /// The threads the run was given (`--threads`, or the cores).
        public let threads: Int
        /// Shards run at once: the thread count, lowered when the memory limit requires and to
        /// the number of shards.
        public let concurrency: Int
        /// Why `concurrency` is below the thread count, when it is.
        public let concurrencyNote: String?
        /// Tables with a `fileName`, no partitions and one shard: their one file takes the name.
        let singleFileTables: Set<Int>

        /// Rows this process writes.
        public var plannedRows: Int { shardIndices.reduce(0) { $0 + plan.shards[$1].rows.count } }
    }

    /// Checks the options, compiles the pack and plans the run.
    public static func prepare(_ options: GenerateOptions) throws(GenerateError) -> Prepared {
        let pack = options.pack
        let days = options.days ?? pack.defaultDays
        guard days >= 1 else { throw .invalidOption("--days \(days): the number of days must be at least 1") }
        guard days <= 100_000 else { throw .invalidOption("--days \(days): at most 100000 days") }
        guard options.scale > 0 && options.scale.isFinite else { throw .invalidOption("--scale \(options.scale): the scale must be above 0") }
        guard (1...(1 << 20)).contains(options.chunkRows) else { throw .invalidOption("--chunk-rows must be between 1 and 1048576") }
        guard (1...(1 << 30)).contains(options.shardRows) else { throw .invalidOption("--shard-rows must be between 1 and 1073741824") }
        let threads = options.threads ?? FileSystem.coreCount()
        guard (1...1024).contains(threads) else { throw .invalidOption("--threads \(threads): between 1 and 1024") }
        if options.codec == .zstd && !(1...22).contains(options.zstdLevel) {
            throw .invalidOption("--zstd-level \(options.zstdLevel): between 1 and 22")
        }
        let startDay = options.startDay ?? pack.defaultStartDay
        guard (-719_162...2_932_896).contains(startDay), startDay + Int64(days) <= 2_932_897 else {
            throw .invalidOption("the run must fall between the years 0001 and 9999")
        }
        var scale = options.scale
        if let rows = options.rows {
            guard rows >= 1 else { throw .invalidOption("--rows \(rows): at least 1 row") }
            let probe = PackCompiler(pack: pack, shape: RunShape(seed: options.seed, startDay: startDay, days: days, scale: 1, quality: options.quality), partitioned: true)
            var largest = 0
            for table in pack.tables where table.scales {
                do { largest = max(largest, try probe.rowCount(of: table)) } catch { throw .spec(error) }
            }
            guard largest > 0 else { throw .invalidOption("--rows: the pack has no table that scales") }
            scale = Double(rows) / Double(largest)
        }
        let shape = RunShape(seed: options.seed, startDay: startDay, days: days, scale: scale, quality: options.quality)
        let compiler = PackCompiler(pack: pack, shape: shape, partitioned: options.layout == .hive)
        let tables: [CompiledTable]
        do { tables = try compiler.compileAll() } catch { throw .spec(error) }
        var selected = Array(tables.indices)
        if let names = options.tables {
            guard !names.isEmpty else { throw .invalidOption("--tables: name at least one table") }
            for name in names where !tables.contains(where: { $0.name == name }) {
                throw .invalidOption("--tables: pack '\(pack.name)' has no table '\(name)' (it has: \(tables.map(\.name).joined(separator: ", ")))")
            }
            selected = tables.indices.filter { names.contains(tables[$0].name) }
        }
        let plan = ShardPlan(tables: tables, selected: selected, targetRows: options.shardRows, flat: options.layout == .flat)
        let shardIndices = options.shard.map { plan.selection(index: $0.index, count: $0.count) } ?? Array(plan.shards.indices)

        // The memory budget: a chunk, a row group and a shard's partition index per worker.
        let maxChunk = selected.map { tables[$0].estimatedRowBytes * options.chunkRows }.max() ?? 0
        let partitionIndex = selected.contains { !tables[$0].partitions.isEmpty } ? min(options.shardRows, 1 << 30) * 12 : 0
        let maxColumns = selected.map { tables[$0].fileSchema.columns.count }.max() ?? 0
        let writerBuffers = GenerateOptions.rowGroupBytes + maxColumns * WriterOptions.defaultDataPageSizeLimit
        let sortIndex = selected.compactMap { tables[$0].sorter.map { $0.estimatedKeyBytes() + 24 } }.max().map { $0 * min(options.shardRows, 1 << 30) } ?? 0
        let perWorker = maxChunk + partitionIndex + sortIndex + writerBuffers
        let available = options.memoryLimit - GenerateOptions.baseMemory
        if available < threads * maxChunk || available < perWorker {
            throw .invalidOption(
                "--memory-limit \(mib(options.memoryLimit)) is too small: \(threads) thread(s) need \(mib(GenerateOptions.baseMemory)) "
                    + "plus \(mib(perWorker)) each (a \(options.chunkRows)-row chunk of about \(mib(maxChunk)), a row group and page buffers); "
                    + "raise --memory-limit, or lower --threads or --chunk-rows")
        }
        var concurrency = min(threads, available / max(perWorker, 1))
        var note: String?
        if concurrency < threads {
            note = "running \(concurrency) shard(s) at a time instead of \(threads) to stay under --memory-limit \(mib(options.memoryLimit))"
        }
        concurrency = max(1, min(concurrency, max(shardIndices.count, 1)))
        let singleFile = Set(selected.filter { t in
            tables[t].spec.fileName != nil && tables[t].partitions.isEmpty && plan.shards.filter { $0.table == t }.count == 1
        })
        return Prepared(options: options, shape: shape, tables: tables, selectedTables: selected, plan: plan,
                        shardIndices: shardIndices, threads: threads, concurrency: concurrency, concurrencyNote: note,
                        singleFileTables: singleFile)
    }

    static func mib(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    /// Runs a prepared plan. On failure the files already complete stay, the manifest records
    /// the failure, and no `_SUCCESS` is written.
    @discardableResult
    public static func run(_ prepared: Prepared, progress: RunProgress = RunProgress(), postgres: PostgresLoad? = nil) async throws(GenerateError) -> Manifest {
        let options = prepared.options
        let directory = options.outDirectory
        let manifestName = options.shard.map { Manifest.shardFileName(index: $0.index, count: $0.count) } ?? Manifest.fileName
        let journal = Journal(pack: options.pack.name, pid: FileSystem.processID(), startedAt: FileSystem.now(), commandLine: options.commandLine,
                              shard: options.shard, claims: journalClaims(prepared))
        let dataset = try OutputDirectory.prepare(directory, overwrite: options.overwrite, shard: options.shard,
                                                  tableNames: prepared.selectedTables.map { prepared.tables[$0].name }, format: options.format,
                                                  journal: journal)
        progress.rowsTotal.store(prepared.plannedRows, ordering: .relaxed)

        let state = RunState()
        let context = ShardContext(prepared: prepared, root: dataset.root, postgres: postgres)
        let pool = WorkerPoolClock(threads: prepared.threads)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<prepared.concurrency {
                group.addTask {
                    var worker = ShardWorker(context: context)
                    // A worker out of shards waits for the others: that idle tail counts as waiting.
                    defer {
                        progress.add(worker.times)
                        progress.uncompressedBytesDone.add(worker.uncompressedBytes, ordering: .relaxed)
                        state.merge(tallies: worker.tallies, figures: worker.figures)
                        pool.workerStopped()
                    }
                    while true {
                        if state.failed || progress.isCancelled { return }
                        let k = state.next.add(1, ordering: .relaxed).oldValue
                        guard k < prepared.shardIndices.count else { return }
                        do {
                            try worker.run(shard: prepared.shardIndices[k]) { record in
                                state.files.withLock { $0.append(record) }
                                progress.filesDone.add(1, ordering: .relaxed)
                                progress.bytesDone.add(Int(record.bytes), ordering: .relaxed)
                            } rowsDone: { n in
                                progress.rowsDone.add(n, ordering: .relaxed)
                            } shouldStop: {
                                state.failed || progress.isCancelled
                            }
                        } catch {
                            state.failure.withLock { if $0 == nil { $0 = "\(error)" } }
                            return
                        }
                    }
                }
            }
        }
        progress.add(pool.idle)
        let files = state.files.withLock { $0 }
        var error = state.failure.withLock { $0 }
        if let reason = progress.cancellationReason { error = reason }
        var manifest = makeManifest(prepared, files: files, error: error)
        do {
            if error == nil {
                let (tallies, figures) = state.totals
                let outputs = try QualityTruth.write(prepared, root: dataset.root, tallies: tallies)
                manifest.quality = outputs.section
                manifest.otherFiles += outputs.files
                // A shard writes the same schema.sql as every other (merge keeps one); the load
                // script lists every file, so only a whole run has it.
                for (path, text) in Self.postgresScripts(prepared, files: files) {
                    manifest.otherFiles.append(try dataset.root.writeOtherFile(path, Array(text.utf8)))
                }
                if let extras = options.extras {
                    if options.shard == nil {
                        let run = CompletedRun(prepared: prepared, files: files.sorted { $0.path < $1.path }, figures: figures, createdAt: manifest.createdAt)
                        for (path, bytes) in try extras.sidecarFiles(run) { manifest.otherFiles.append(try dataset.root.writeOtherFile(path, bytes)) }
                    } else {
                        // The merge writes the sidecars from every shard's figures.
                        manifest.partialFigures = Dictionary(uniqueKeysWithValues: prepared.selectedTables.map { t in
                            (prepared.tables[t].name, figures[t] ?? [ColumnFigures](repeating: ColumnFigures(), count: prepared.tables[t].fileSchema.columns.count))
                        })
                    }
                }
                // A shard's files are one commit's part: the merge writes the Delta logs.
                if options.format == .delta && options.shard == nil { manifest.otherFiles += try DeltaLog.write(manifest, root: dataset.root) }
                manifest.otherFiles.sort { $0.path < $1.path }
            }
            try manifest.write(to: dataset.root, name: manifestName)
            if error == nil {
                if options.shard == nil { try dataset.root.writeAtomically(Manifest.successFileName, []) }
                dataset.remove(journal)
            }
        } catch let writeError {
            let cause = error.map { "\($0); then writing the manifest failed too: \(writeError)" } ?? "writing the manifest failed: \(writeError)"
            throw .runFailed("the run failed: \(cause). The journal \(directory)/\(journal.fileName) still claims the run's files: `streamgen clean \(directory) --confirm` or `--overwrite` removes them")
        }
        if let error {
            if progress.isCancelled {
                throw .interrupted("\(error). Complete files are listed in \(directory)/\(manifestName) (status \"failed\"); no \(Manifest.successFileName) was written")
            }
            throw .runFailed("the run failed: \(error). Complete files are listed in \(directory)/\(manifestName) (status \"failed\"); no \(Manifest.successFileName) was written")
        }
        return manifest
    }

    /// `schema.sql` for the tables the run wrote, and for CSV files `load_postgres.sql`.
    static func postgresScripts(_ prepared: Prepared, files: [FileRecord]) -> [(RelativePath, String)] {
        let o = prepared.options
        let title = "StreamGen \(o.pack.name) (seed \(o.seed))"
        let tables = PostgresTable.tables(of: prepared)
        // Safe: fixed names.
        var result = [(try! RelativePath(components: [PostgresScripts.schemaFileName]), PostgresScripts.schema(title, tables: tables, csv: o.format == .csv))]
        if o.format == .csv && o.shard == nil {
            let entries = tables.compactMap { t -> PostgresScripts.TableFiles? in
                guard let compiled = prepared.tables.first(where: { $0.name == t.name }) else { return nil }
                return PostgresScripts.TableFiles(table: t, fileColumns: compiled.fileSchema.columns.map(\.name), files: files.ofTable(t.name))
            }
            result.append((try! RelativePath(components: [PostgresScripts.loadFileName]), PostgresScripts.load(title, tables: entries)))
        }
        return result
    }

    /// What the run's journal claims: each selected table's directory (hive) or file (flat); a
    /// shard claims only its own part files.
    static func journalClaims(_ prepared: Prepared) -> [Journal.Claim] {
        let o = prepared.options
        let ext = o.format.fileExtension
        var claims: [Journal.Claim] = []
        for t in prepared.selectedTables {
            let table = prepared.tables[t]
            if o.layout == .flat {
                // Safe: table names are checked when the pack compiles (isSafeName).
                claims.append(.file(try! RelativePath(components: ["\(table.name).\(ext)"])))
                continue
            }
            var only: [String]?
            if o.shard != nil {
                only = prepared.shardIndices.filter { prepared.plan.shards[$0].table == t }.map { k in
                    let shard = prepared.plan.shards[k]
                    let name = prepared.singleFileTables.contains(t) ? "\(table.spec.fileName!).\(ext)" : HivePath.fileName(part: shard.part, format: o.format)
                    guard let d = table.datePartition, let day = shard.day else { return name }
                    return "\(HivePath.escape(table.partitions[d].values[day]))/\(name)"
                }
            }
            claims.append(.tree(name: table.name, partitionKeys: table.partitions.map(\.name), extensions: [ext],
                                datePartition: table.datePartition, only: only,
                                files: prepared.singleFileTables.contains(t) ? ["\(table.spec.fileName!).\(ext)"] : []))
        }
        if QualityTruth.writesFile(prepared) && prepared.selectedTables.contains(where: { !prepared.tables[$0].issues.isEmpty }) {
            claims.append(.file(try! RelativePath(components: [QualityTruth.directory, QualityTruth.fileName])))  // Safe: fixed names.
        }
        if o.shard == nil {
            for path in o.extras?.sidecarPaths(prepared) ?? [] { claims.append(.file(path)) }
            if o.format == .csv { claims.append(.file(try! RelativePath(components: [PostgresScripts.loadFileName]))) }  // Safe: a fixed name.
            if o.format == .delta { claims += prepared.selectedTables.map { .file(DeltaLog.commitPath(table: prepared.tables[$0].name)) } }
        }
        claims.append(.file(try! RelativePath(components: [PostgresScripts.schemaFileName])))  // Safe: a fixed name.
        return claims
    }

    /// `prepare` then `run`.
    @discardableResult
    public static func generate(_ options: GenerateOptions, progress: RunProgress = RunProgress()) async throws(GenerateError) -> Manifest {
        try await run(try prepare(options), progress: progress)
    }

    static func makeManifest(_ prepared: Prepared, files: [FileRecord], error: String?) -> Manifest {
        let options = prepared.options
        var records: [TableRecord] = []
        for t in prepared.selectedTables {
            let table = prepared.tables[t]
            let planned = prepared.shardIndices.filter { prepared.plan.shards[$0].table == t }.reduce(0) { total, k in
                let rows = prepared.plan.shards[k].rows
                return total + rows.count + (table.duplicates?.count(in: rows) ?? 0)
            }
            records.append(TableRecord(
                name: table.name, plannedRows: Int64(planned),
                schema: table.columns.filter { !$0.spec.hidden }.map { c in
                    var record = ColumnRecord(name: c.spec.name, type: c.spec.type.description, nullable: c.isNullable)
                    switch c.spec.generator {
                    case .reference(let target, let column, _): record.references = "\(target).\(column)"
                    case .lookup(let via, let column): record.lookup = "\(via).\(column)"
                    default: break
                    }
                    return record
                },
                partitionBy: table.partitionTypes, sortBy: table.spec.sortBy,
                files: files.ofTable(table.name).sorted { $0.path < $1.path }))
        }
        return Manifest(
            toolVersion: version, status: error == nil ? .complete : .failed, error: error,
            createdAt: options.createdAt ?? FileSystem.now(), commandLine: options.commandLine, pack: options.pack.name, seed: options.seed,
            options: recordedOptions(prepared), shard: options.shard.map { ($0.index, $0.count) }, shardsInPlan: prepared.plan.shards.count,
            tables: records)
    }

    /// The options that decide the bytes, as the manifest records them (threads and memory do not).
    static func recordedOptions(_ prepared: Prepared) -> [(String, JSONValue)] {
        let o = prepared.options
        var pairs: [(String, JSONValue)] = [
            ("start", .string(formatISODate(prepared.shape.startDay))),
            ("days", .int(Int64(prepared.shape.days))),
            ("scale", .double(prepared.shape.scale)),
        ]
        if let rows = o.rows { pairs.append(("rows", .int(Int64(rows)))) }
        pairs += [
            ("tables", .array(prepared.selectedTables.map { .string(prepared.tables[$0].name) })),
            ("format", .string(o.format.rawValue)),
            ("layout", .string(o.layout.rawValue)),
            ("compression", .string(o.format == .csv ? CompressionCodec.uncompressed.name : o.codec.name)),
            ("zstd_level", .int(Int64(o.zstdLevel))),
            ("chunk_rows", .int(Int64(o.chunkRows))),
            ("shard_rows", .int(Int64(o.shardRows))),
        ]
        return pairs
    }
}

/// What a run's workers share: the next shard to take, the files written, the first failure,
/// and what the workers counted.
private final class RunState: Sendable {
    let next = Atomic<Int>(0)
    let files = Mutex<[FileRecord]>([])
    let failure = Mutex<String?>(nil)
    private let counted = Mutex<(tallies: [Int: [Int]], figures: [Int: [ColumnFigures]])>(([:], [:]))

    var failed: Bool { failure.withLock { $0 != nil } }

    func merge(tallies: [Int: [Int]], figures: [Int: [ColumnFigures]]) {
        counted.withLock { c in
            for (t, counts) in tallies {
                c.tallies[t] = zip(c.tallies[t] ?? [Int](repeating: 0, count: counts.count), counts).map { $0 + $1 }
            }
            for (t, f) in figures {
                var merged = c.figures[t] ?? [ColumnFigures](repeating: ColumnFigures(), count: f.count)
                for i in f.indices { merged[i].merge(f[i]) }
                c.figures[t] = merged
            }
        }
    }

    var totals: (tallies: [Int: [Int]], figures: [Int: [ColumnFigures]]) { counted.withLock { $0 } }
}
