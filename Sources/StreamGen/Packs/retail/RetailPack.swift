import Columnar
import Synchronization

/// The retail pack (spec 003, "The Forge"): store × product daily series with trend,
/// seasonality, holidays, promotions, prices, stockouts, launches and end-of-life, and the
/// spec's operations: full new (`generate`), `append` and `delete`.
public struct RetailPack: Pack {
    public static let pack = RetailPack()

    public let name = "retail"
    public let summary = "Retail (spec 003): store, product, calendar, sales_daily, price_history, promotion, inventory_snapshot_daily; one simulated series per store × product, with append and delete"
    public let accepts: Set<GenerateOption> = [.scenario, .config, .shardRows, .rows, .sink, .shard]
    public let parameters = ["stores", "products", "sparsity"]
    public let parameterVariables = ["stores": "STREAMGEN_RETAIL_STORES", "products": "STREAMGEN_RETAIL_PRODUCTS"]
    public var dimensionTables: [String] { RetailTables.dimensions }
    /// The series' states an append continues from go with the facts.
    public var factCompanions: [String] { ["_state"] }
    public var verifiesAfterRun: Bool { true }
    public var keepsAuditLog: Bool { true }
    public var defaultStartDay: Int64 { RetailConfig().startDay }

    public var description: PackDescription {
        let c = RetailConfig()
        return PackDescription(
            period: "\(c.days) day(s) from \(formatISODate(c.startDay))",
            tables: [
                .init(name: "store", rows: "10 rows", details: "--stores"), .init(name: "product", rows: "50 rows", details: "--products"),
                .init(name: "calendar", rows: "366 rows", details: "a row a day, holidays named"),
                .init(name: "sales_daily", rows: "about 180,000 rows", details: "a row per store, product and day; UNIQUE(date, store_id, product_id)"),
                .init(name: "price_history", rows: "about 2,700 rows", details: "price windows; valid_to >= valid_from"),
                .init(name: "promotion", rows: "about 1,800 rows", details: "discount_pct in [0, 1]"),
                .init(name: "inventory_snapshot_daily", rows: "about 180,000 rows", details: "UNIQUE(date, store_id, product_id); on_hand_qty >= 0"),
            ],
            scenarios: RetailConfig.Scenario.allCases.map(\.rawValue),
            notes: ["--config FILE reads spec 003's YAML; --stores, --products, --sparsity and the dates override it",
                    "`streamgen append DIR --start-date ... --end-date ...` continues a dataset; `streamgen delete DIR --scope facts` trims one"])
    }

    /// The configuration a request asks for: the scenario's, then the file's, then the flags.
    func configuration(_ request: GenerateRequest) throws(GenerateError) -> (RetailConfig, RetailConfig.Scenario) {
        var scenario = RetailConfig.Scenario.retailStandard
        if let names = request.scenarios {
            guard names.count == 1, let s = RetailConfig.Scenario(rawValue: names[0]) else {
                throw .invalidOption("--scenario '\(names.joined(separator: ","))': one of \(RetailConfig.Scenario.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            scenario = s
        }
        var c = RetailConfig.scenario(scenario)
        if let tree = request.config {
            do { try c.apply(tree) } catch { throw .invalidOption("\(error)") }
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(GenerateError) -> Int? {
            guard let text = request.parameters[name] else { return nil }
            guard let v = parseCount(text), range.contains(v) else {
                throw .invalidOption("--\(name) '\(text)': a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return v
        }
        if let v = try integer("stores", 1...1_000_000) { c.stores = v }
        if let v = try integer("products", 1...10_000_000) { c.products = v }
        if let text = request.parameters["sparsity"] {
            guard let v = Double(text), (0...1).contains(v) else { throw .invalidOption("--sparsity '\(text)': a share from 0 to 1") }
            c.missingCombinationsShare = v
        }
        if let d = request.startDay {
            let length = c.endDay - c.startDay
            c.startDay = d
            if request.days == nil { c.endDay = d + length }
        }
        if let days = request.days { c.endDay = c.startDay + Int64(days) - 1 }
        if let seed = request.seed { c.seed = seed }
        if let scale = request.scale {
            // More series, not more days: stores and products grow by the square root of the scale each.
            let f = scale.squareRoot()
            c.stores = Swift.max(1, Int(Swift.min(Double(c.stores) * f, 1e6).rounded()))
            c.products = Swift.max(1, Int(Swift.min(Double(c.products) * f, 1e7).rounded()))
        }
        if let rows = request.rows {
            // The sales rows asked for, over the period: products grow first, then stores.
            let series = Swift.max(1, rows / Swift.max(c.days, 1))
            let ratio = Double(series) / Double(c.stores * c.products)
            c.stores = Swift.max(1, Int(Swift.min(Double(c.stores) * ratio.squareRoot(), 1e6).rounded()))
            c.products = Swift.max(1, Int(Swift.min((Double(series) / Double(c.stores)).rounded(.up), 1e7)))
        }
        try c.check()
        return (c, scenario)
    }

    public func generate(_ request: GenerateRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport {
        try request.check(against: self)
        let (config, scenario) = try configuration(request)
        let model = RetailModel(config: config, seed: config.seed, originDay: config.startDay)
        let segment = RetailSegment(startDay: config.startDay, endDay: config.endDay, seed: config.seed)
        let plain = RetailJob(model: model, segment: segment, request: request, scenario: scenario)
        return try await PostgresLoad.around(request, tables: { RetailTables.postgresTables }, pack: name, seed: config.seed, options: { plain.parameters },
                                             threads: request.threads ?? FileSystem.coreCount()) { (load) throws(GenerateError) in
            var job = plain
            job.load = load
            return try await generate(job, request: request, progress: progress)
        }
    }

    private func generate(_ job: RetailJob, request: GenerateRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport {
        let journal = Journal(pack: name, pid: FileSystem.processID(), startedAt: FileSystem.now(), commandLine: request.commandLine, shard: request.shard,
                              claims: job.claims(first: true))
        let dataset: DatasetDirectory
        if let shard = request.shard {
            // Beside the other shards: its own earlier output is replaced, theirs left alone.
            dataset = try OutputDirectory.prepare(request.outDirectory, overwrite: request.overwrite, shard: shard,
                                                  tableNames: RetailTables.names + RetailJob.shardCompanions, format: .parquet, journal: journal)
        } else {
            dataset = try OutputDirectory.openEmpty(request, overwriteFlag: "--confirm (or --overwrite)")
            try dataset.write(journal)
        }
        let started = FileSystem.monotonicSeconds()
        let output = try await job.run(dataset, journal: journal, previous: nil, progress: progress)
        let manifest = job.manifest(output, previous: nil)
        do {
            if let shard = request.shard {
                try manifest.write(to: dataset.root, name: Manifest.shardFileName(index: shard.index, count: shard.count))
            } else {
                try manifest.write(to: dataset.root, name: Manifest.fileName)
                try dataset.root.writeAtomically(Manifest.successFileName, [])
            }
        } catch {
            throw .runFailed("writing the retail manifest into \(request.outDirectory) failed: \(error); `streamgen clean` removes what was written")
        }
        dataset.remove(journal)
        // The audit log is the dataset's, one writer at a time: a shard leaves it alone.
        guard request.shard == nil else { return job.report(manifest) }
        AuditLog.record(dataset.root, operation: "generate", pack: name, parameters: job.parameters, seed: job.segment.seed,
                        rows: output.files.reduce(0) { $0 + $1.rows }, seconds: FileSystem.monotonicSeconds() - started)
        return job.report(manifest)
    }

    public func append(_ directory: String, request: AppendRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport {
        let dataset = try DatasetDirectory.open(directory, create: false, access: .exclusive)
        let manifest: Manifest
        do { manifest = try Manifest.read(dataset.root, name: Manifest.fileName) } catch { throw .output("cannot append to '\(directory)': \(error)") }
        guard manifest.pack == name else { throw .invalidOption("'\(directory)' holds a \(manifest.pack) dataset; only retail datasets take appends") }
        guard manifest.status == .complete else { throw .output("'\(directory)' does not hold a complete retail dataset (its manifest says \(manifest.status.rawValue))") }
        let recorded = try RetailJob.recorded(manifest)
        if !recorded.deleted.isEmpty {
            throw .invalidOption("cannot append to '\(directory)': its \(recorded.deleted.joined(separator: ", ")) were deleted; generate the dataset again")
        }
        guard let last = recorded.segments.last else { throw .output("'\(directory)': the manifest lists no segments") }
        let start = request.startDay ?? last.endDay + 1
        let seed = request.seed ?? recorded.segments[0].seed
        let segment = RetailSegment(startDay: start, endDay: request.endDay, seed: seed)
        let model = RetailModel(config: recorded.config, seed: recorded.dimensionSeed, originDay: recorded.origin)
        var genRequest = GenerateRequest(outDirectory: directory)
        genRequest.threads = request.threads
        genRequest.memoryLimit = request.memoryLimit
        genRequest.commandLine = request.commandLine
        genRequest.createdAt = request.createdAt
        genRequest.shardRows = recorded.shardRows
        genRequest.codec = recorded.codec
        var job = RetailJob(model: model, segment: segment, request: genRequest, scenario: recorded.scenario)
        if recorded.segments.dropFirst().contains(segment) {
            // The same append again: like ON CONFLICT DO UPDATE with the same values, it changes nothing.
            AuditLog.record(dataset.root, operation: "append", pack: name, parameters: [
                ("start", .string(formatISODate(start))), ("end", .string(formatISODate(request.endDay))), ("unchanged", .bool(true)),
            ], seed: seed, rows: 0, seconds: 0)
            return job.report(manifest, label: "unchanged: the same append is already in the dataset" + (request.sink == nil ? "" : "; nothing loaded into PostgreSQL"))
        }
        guard start == last.endDay + 1 else {
            throw .invalidOption("append --start-date \(formatISODate(start)): the dataset ends on \(formatISODate(last.endDay)); an append continues from \(formatISODate(last.endDay + 1)) (or repeats an earlier append exactly)")
        }
        guard request.endDay >= start else {
            throw .invalidOption("append --end-date \(formatISODate(request.endDay)) is before its start, \(formatISODate(start))")
        }
        guard request.endDay - start < 36_600, request.endDay <= PackCompiler.lastDay, request.endDay - recorded.origin < 900_000 else {
            throw .invalidOption("append --end-date \(formatISODate(request.endDay)): at most 36600 days at once, up to 9999-12-31")
        }
        // What an interrupted append left: its journal claims it, and it goes before this one starts.
        try RetailJob.removeLeftovers(dataset, manifest: manifest)
        // With --sink the new days go into the database too, upserted on each table's grain (spec
        // 003's ON CONFLICT DO UPDATE), and the load commits before the manifest is replaced: a
        // load that fails leaves the files and the tables as they were.
        var load: PostgresLoad?
        if let target = request.sink {
            let sink = PostgresSink(target: target, ifExists: .append)
            let tables = RetailTables.postgresTables.filter { RetailTables.facts.contains($0.name) || $0.name == "calendar" }
            switch try PostgresLoad.begin(sink, tables: tables, pack: name, seed: seed, options: job.parameters, threads: request.threads ?? FileSystem.coreCount()) {
            case .load(let l): load = l
            case .skipped: break  // --if-exists append never skips
            }
            job.load = load
        }
        let journal = Journal(pack: name, pid: FileSystem.processID(), startedAt: FileSystem.now(), commandLine: request.commandLine, shard: nil,
                              claims: job.claims(first: false))
        do { try dataset.write(journal) } catch { load?.abort("\(error)"); throw error }
        let started = FileSystem.monotonicSeconds()
        let output: RetailJob.Output
        do {
            output = try await job.run(dataset, journal: journal, previous: (last, recorded.shardRows), progress: progress)
        } catch {
            load?.abort("\(error)")
            throw error.appending("; the dataset is as it was before the append (its manifest is unchanged)")
        }
        var sinkNote: String?
        do { sinkNote = try load?.commitNote() } catch {
            job.discard(output, dataset, journal: journal)
            throw error.appending("; the dataset is as it was before the append (its manifest is unchanged)")
        }
        let updated = job.manifest(output, previous: manifest)
        do { try updated.write(to: dataset.root, name: Manifest.fileName) } catch {
            job.discard(output, dataset, journal: journal)
            throw .runFailed("writing the manifest after the append failed: \(error); the dataset is as it was before the append"
                + (sinkNote == nil ? "" : " (the database has the new days: the same append again upserts the same rows)"))
        }
        dataset.remove(journal)
        AuditLog.record(dataset.root, operation: "append", pack: name, parameters: [
            ("start", .string(formatISODate(start))), ("end", .string(formatISODate(request.endDay))),
        ], seed: seed, rows: output.files.reduce(0) { $0 + $1.rows }, seconds: FileSystem.monotonicSeconds() - started)
        var report = job.report(updated)
        report.sinkNote = sinkNote
        return report
    }

    public func validate(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport {
        try RetailValidation.run(directory, manifest: manifest)
    }
}

extension GenerateError {
    /// The same error with `suffix` added to its message.
    func appending(_ suffix: String) -> GenerateError {
        switch self {
        case .invalidOption(let m): return .invalidOption(m + suffix)
        case .spec: return self
        case .output(let m): return .output(m + suffix)
        case .runFailed(let m): return .runFailed(m + suffix)
        case .interrupted(let m): return .interrupted(m + suffix)
        }
    }
}

/// One retail run: a segment of days over every series, shard after shard.
struct RetailJob: Sendable {
    let model: RetailModel
    let segment: RetailSegment
    let request: GenerateRequest
    let scenario: RetailConfig.Scenario
    /// With `--sink`: the load the segment's rows go into besides the files.
    var load: PostgresLoad? = nil

    var config: RetailConfig { model.config }
    var shardRows: Int { request.shardRows ?? ShardPlan.defaultTargetRows }

    /// Series per shard: about `--shard-rows` sales rows each.
    static func seriesPerShard(shardRows: Int, days: Int) -> Int { Swift.max(1, shardRows / Swift.max(days, 1)) }

    static func shards(series n: Int, perShard step: Int) -> [Range<Int>] {
        stride(from: 0, to: n, by: step).map { $0..<Swift.min($0 + step, n) }
    }

    var shards: [Range<Int>] {
        RetailJob.shards(series: model.seriesCount, perShard: RetailJob.seriesPerShard(shardRows: shardRows, days: segment.days))
    }

    /// The shards this process runs: all, or every N-th from i with `--shard i/N`.
    var ownShards: [Int] {
        guard let s = request.shard else { return Array(shards.indices) }
        return shards.indices.filter { $0 % s.count == s.index }
    }

    /// Whether this process writes the dimensions, the calendar, schema.sql and the rag-agent
    /// documents: a whole run, or shard 0 of a sharded one.
    var writesDimensions: Bool { request.shard.writesSharedFiles }

    /// Directories beside the tables a shard may find the other shards' files in.
    static let shardCompanions = ["_state", "rag"]

    static func fileName(_ segment: RetailSegment, shard: Int) -> String {
        var digits: [UInt8] = []
        var n = UInt64(shard)
        appendDigits(&n, minimumWidth: 5, to: &digits)
        return "\(segment.tag)-\(String(decoding: digits, as: UTF8.self)).parquet"
    }

    var parameters: [(String, JSONValue)] {
        [("stores", .int(Int64(config.stores))), ("products", .int(Int64(config.products))), ("start", .string(formatISODate(segment.startDay))),
         ("end", .string(formatISODate(segment.endDay))), ("scenario", .string(scenario.rawValue)),
         ("sparsity", .double(config.missingCombinationsShare))]
    }

    /// Every file the run may create, for its journal.
    func claims(first: Bool) -> [Journal.Claim] {
        // A shard claims only its own files: a retried shard removes what its journal claims.
        let names = ownShards.map { RetailJob.fileName(segment, shard: $0) }
        var claims: [Journal.Claim] = RetailTables.facts.map { .tree(name: $0, partitionKeys: [], extensions: ["parquet"], files: names) }
        claims.append(.tree(name: "_state", partitionKeys: [], extensions: ["parquet"], files: names))
        guard writesDimensions else { return claims }
        claims.append(.tree(name: "calendar", partitionKeys: [], extensions: ["parquet"], files: ["\(segment.tag).parquet"]))
        if first {
            claims.append(.tree(name: "store", partitionKeys: [], extensions: ["parquet"], files: ["store.parquet"]))
            claims.append(.tree(name: "product", partitionKeys: [], extensions: ["parquet"], files: ["product.parquet"]))
            claims.append(.file(try! RelativePath(validating: "schema.sql")))  // Safe: a fixed name.
            if scenario == .ragAgent {
                claims.append(.tree(name: "rag", partitionKeys: [], extensions: ["md", "jsonl"], files: RetailDocuments.fileNames(model)))
            }
        }
        return claims
    }

    /// What a run wrote: table files, other files, and the rows the model planned per table.
    struct Output: Sendable {
        var files: [FileRecord] = []
        var others: [OtherFileRecord] = []
        var planned: [String: Int64] = [:]
    }

    /// Writes the segment: dimensions (first segment), calendar, the shards' facts and states.
    /// `previous` is the segment an append continues, with the shard size it was written at.
    /// On failure every file the run wrote is removed again (and the journal with them when
    /// that succeeds): nothing of a partial segment stays visible.
    func run(_ dataset: DatasetDirectory, journal: Journal, previous: (segment: RetailSegment, shardRows: Int)?,
             progress: RunProgress) async throws(GenerateError) -> Output
    {
        let root = dataset.root
        let shared = RetailShared()
        let options = WriterOptions(codec: request.codec ?? .zstd, zstdLevel: request.zstdLevel, rowGroupRowLimit: GenerateOptions.rowGroupRows,
                                    rowGroupByteLimit: 16 << 20, keyValueMetadata: [KeyValue("streamgen.pack", "retail")], checksum: true)
        func write(_ table: String, _ name: String, _ chunk: Chunk) throws(ColumnarError) {
            let w = try sinking(table, name, chunk.schema) { () throws(ColumnarError) in
                try ParquetFileWriter(in: try root.directory(table, create: true), name: name, schema: chunk.schema, options: options)
            }
            try w.write(chunk)
            let s = try w.close()
            shared.written.withLock {
                $0.files.append(FileRecord(path: "\(table)/\(name)", rows: s.rows, bytes: s.bytes, sha256: s.sha256 ?? "", partition: [:], shard: 0))
                $0.planned[table, default: 0] += s.rows
            }
        }
        let shards = self.shards
        let own = ownShards
        let days = segment.days
        progress.rowsTotal.add(Swift.min(own.reduce(0) { $0 + shards[$1].count }, Int.max / Swift.max(2 * days, 1)) * days * 2, ordering: .relaxed)
        var failure: String?
        do throws(ColumnarError) {
            if previous == nil && writesDimensions {
                try write("store", "store.parquet", storeChunk())
                try write("product", "product.parquet", productChunk())
                let ddl = try writeOther(root, "schema.sql", Array(RetailTables.postgresDDL.utf8))
                shared.written.withLock { $0.others.append(ddl) }
            }
            if writesDimensions { try write("calendar", "\(segment.tag).parquet", calendarChunk()) }
        } catch {
            failure = "writing the retail dimensions failed: \(error)"
        }
        shared.failed.withLock { $0 = failure }
        if failure == nil {
            let threads = Swift.max(1, Swift.min(request.threads ?? FileSystem.coreCount(), own.count,
                                                 Swift.max(1, (request.memoryLimit - GenerateOptions.baseMemory) / (48 << 20))))
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<threads {
                    group.addTask {
                        while shared.failed.withLock({ $0 == nil }) && !progress.isCancelled {
                            let k = shared.next.add(1, ordering: .relaxed).oldValue
                            guard k < own.count else { return }
                            let n = own[k]
                            do throws(ColumnarError) {
                                try runShard(n, shards[n], root: root, options: options, previous: previous, shared: shared, progress: progress) {
                                    progress.isCancelled || shared.failed.withLock { $0 != nil }
                                }
                            } catch {
                                shared.failed.withLock { if $0 == nil { $0 = progress.cancellationReason ?? "\(error)" } }
                            }
                        }
                    }
                }
            }
        }
        if shared.failed.withLock({ $0 }) == nil && !progress.isCancelled && scenario == .ragAgent && previous == nil && writesDimensions {
            do throws(ColumnarError) {
                for (name, bytes) in RetailDocuments.files(model, segment: segment) {
                    let record = try writeOther(root, "rag/\(name)", bytes)
                    shared.written.withLock { $0.others.append(record) }
                }
            } catch {
                shared.failed.withLock { $0 = "writing the rag-agent documents failed: \(error)" }
            }
        }
        var output = shared.written.withLock { $0 }
        if let error = shared.failed.withLock({ $0 }) ?? progress.cancellationReason {
            discard(output, dataset, journal: journal)
            if progress.isCancelled { throw .interrupted("the retail run was \(error); what it had written was removed") }
            throw .runFailed("the retail run failed: \(error); what it had written was removed")
        }
        output.files.sort { $0.path < $1.path }
        output.others.sort { $0.path < $1.path }
        return output
    }

    /// One shard: its series' states (an append reads them from the previous segment's state
    /// files), the simulation, its four fact files and its state file.
    func runShard(_ n: Int, _ range: Range<Int>, root: DirectoryHandle, options: WriterOptions, previous: (segment: RetailSegment, shardRows: Int)?,
                  shared: RetailShared, progress: RunProgress, shouldStop: () -> Bool) throws(ColumnarError) {
        let name = RetailJob.fileName(segment, shard: n)
        let plans = model.plans(range)
        var states: [SeriesState?] = [SeriesState?](repeating: nil, count: plans.count)
        if let previous {
            let known = try RetailJob.readStates(root, previous: previous.segment, shardRows: previous.shardRows, range: range,
                                                 seriesCount: model.seriesCount)
            for (i, plan) in plans.enumerated() { states[i] = known[plan.k] }
        }
        func open(_ table: String, _ schema: Schema) throws(ColumnarError) -> any TableFileWriter {
            try sinking(table, name, schema) { () throws(ColumnarError) in
                try ParquetFileWriter(in: try root.directory(table, create: true), name: name, schema: schema, options: options)
            }
        }
        var sink = RetailFileSink(sales: try open("sales_daily", RetailTables.sales), inventory: try open("inventory_snapshot_daily", RetailTables.inventory),
                                  prices: try open("price_history", RetailTables.price), promotions: try open("promotion", RetailTables.promotion),
                                  progress: progress)
        let summaries: [FileSummary]
        let state: FileSummary
        let started = MonotonicClock.nanoseconds()
        do {
            try model.simulate(plans, segment: segment, states: &states, sink: &sink, shouldStop: shouldStop)
            summaries = try sink.finish()
            // Where the shard's time went: the writers' stages, and the simulation for the rest.
            var times = StageTimes()
            for w in [sink.sales, sink.inventory, sink.prices, sink.promotions] { times += w.timing }
            times.generating = MonotonicClock.since(started) &- Swift.min(times.writer, MonotonicClock.since(started))
            progress.add(times)
            progress.uncompressedBytesDone.add(summaries.reduce(0) { $0 + Int($1.uncompressedBytes) }, ordering: .relaxed)
            state = try writeState(root, name: name, plans: plans, states: states)
        } catch {
            sink.abandon()
            for table in RetailTables.facts + ["_state"] { try? root.directory(table, create: false).removeFile(name) }
            throw error
        }
        var planned: [String: Int64] = [:]
        let rows = plans.reduce(Int64(0)) { $0 + Int64(model.segmentPlan($1, segment: segment).rows) }
        planned["sales_daily"] = rows
        planned["inventory_snapshot_daily"] = rows
        shared.written.withLock { w in
            for (table, summary) in zip(RetailTables.shardTables, summaries) {
                w.files.append(FileRecord(path: "\(table)/\(name)", rows: summary.rows, bytes: summary.bytes, sha256: summary.sha256 ?? "", partition: [:], shard: n))
                w.planned[table, default: 0] += planned[table] ?? summary.rows
            }
            w.others.append(OtherFileRecord(path: "_state/\(name)", bytes: state.bytes, sha256: state.sha256 ?? ""))
        }
        progress.filesDone.add(5, ordering: .relaxed)
    }

    /// The file `open` makes for `table/name`, and with `--sink` the same rows into PostgreSQL
    /// (with `--no-files` only there).
    func sinking(_ table: String, _ name: String, _ schema: Schema, _ open: () throws(ColumnarError) -> ParquetFileWriter) throws(ColumnarError) -> any TableFileWriter {
        guard let load else { return try open() }
        return try load.writer(table: table, schema: schema, path: "\(table)/\(name)", file: open)
    }

    /// Removes what `output` lists (a failed run's files) and, when every one went, the journal.
    func discard(_ output: Output, _ dataset: DatasetDirectory, journal: Journal) {
        dataset.removeWritten(output.files.map(\.path) + output.others.map(\.path), journal: journal)
        // A shard that failed before its files were recorded leaves its table directories.
        for table in RetailTables.names + ["_state", "rag"] { _ = dataset.root.removeDirectoryIfEmpty(table) }
    }

    func writeOther(_ root: DirectoryHandle, _ path: String, _ bytes: [UInt8]) throws(ColumnarError) -> OtherFileRecord {
        try root.writeOtherFile(try RelativePath.checked(path), bytes)
    }

    /// The shard's series' states at the segment's end: what the next append continues from.
    func writeState(_ root: DirectoryHandle, name: String, plans: [SeriesPlan], states: [SeriesState?]) throws(ColumnarError) -> FileSummary {
        let w = try ParquetFileWriter(in: try root.directory("_state", create: true), name: name, schema: RetailTables.state,
                                      options: WriterOptions(codec: .zstd, checksum: true))
        var chunk = Chunk(schema: RetailTables.state, capacity: Swift.max(1, Swift.min(plans.count, Chunk.defaultCapacity)))
        for (plan, state) in zip(plans, states) {
            guard let s = state else { continue }
            for (c, v) in [Int64(plan.k), s.onHand, s.onOrder, s.arrivalDay, s.backlog, s.priceCents, s.priceFrom, s.priceUntil].enumerated() {
                chunk.columns[c].append(v)
            }
            chunk.columns[8].append(s.demandRate)
            if chunk.isFull {
                try w.write(chunk)
                chunk.reset()
            }
        }
        if chunk.rowCount > 0 { try w.write(chunk) }
        return try w.close()
    }

    /// The states of the series in `range` at the end of `previous`, from the state files of
    /// its shards that overlap `range`.
    static func readStates(_ root: DirectoryHandle, previous: RetailSegment, shardRows: Int, range: Range<Int>,
                           seriesCount: Int) throws(ColumnarError) -> [Int: SeriesState] {
        let step = seriesPerShard(shardRows: shardRows, days: previous.days)
        var states: [Int: SeriesState] = [:]
        guard !range.isEmpty else { return states }
        for m in (range.lowerBound / step)...((range.upperBound - 1) / step) {
            let path = try RelativePath.checked("_state/\(fileName(previous, shard: m))")
            let reader = try ParquetReader(file: try root.openFile(path))
            var columns: [ColumnValues] = []
            for c in RetailTables.state.columns.dropLast() { columns.append(try reader.read(c.name)) }
            let rates = try reader.read("demand_rate")
            for i in 0..<columns[0].count {
                let v = columns.map { $0.integers[i] }
                guard v[0] >= 0 && v[0] < seriesCount, v[1] >= 0, v[2] >= 0, v[4] >= 0, v[5] >= 0, rates.doubles[i].isFinite, rates.doubles[i] >= 0 else {
                    throw .invalidData("\(path): a state out of range")
                }
                guard range.contains(Int(v[0])) else { continue }
                states[Int(v[0])] = SeriesState(onHand: v[1], onOrder: v[2], arrivalDay: v[3], backlog: v[4], priceCents: v[5], priceFrom: v[6],
                                                priceUntil: v[7], demandRate: rates.doubles[i])
            }
        }
        return states
    }

    /// Removes what an interrupted append left behind (its journal claims it; the manifest
    /// does not), then that journal.
    static func removeLeftovers(_ dataset: DatasetDirectory, manifest: Manifest) throws(GenerateError) {
        guard try dataset.names().contains(Journal.fileName) else { return }
        let claims = try Claims.read(dataset.root, displayPath: dataset.path)
        var sweep = try Sweep.plan(dataset.root, claims: claims, strict: true, includeInfrastructure: false)
        guard sweep.foreign.isEmpty else {
            throw .output("refusing to append to '\(dataset.path)': it holds entries StreamGen did not write: \(sweep.foreignSummary)")
        }
        let kept = Set(manifest.tables.flatMap { $0.files.map(\.path) } + manifest.otherFiles.map(\.path))
        sweep.files = sweep.files.filter { !kept.contains($0.description) }
        sweep.directories = []
        try sweep.execute(dataset.root)
        try? dataset.root.removeFile(Journal.fileName)
    }

    // MARK: Dimensions

    func storeChunk() -> Chunk {
        var c = Chunk(schema: RetailTables.store, capacity: config.stores)
        for i in 0..<config.stores {
            let s = model.store(i)
            c.columns[0].append(s.id)
            c.columns[1].append(s.code)
            c.columns[2].append(s.name)
            c.columns[3].append(config.regions[s.region])
            c.columns[4].append(config.storeTypes[s.type])
            c.columns[5].append(s.city)
            c.columns[6].append(Int32(s.openedDay))
        }
        return c
    }

    func productChunk() -> Chunk {
        var c = Chunk(schema: RetailTables.product, capacity: config.products)
        for j in 0..<config.products {
            let p = model.product(j)
            c.columns[0].append(p.id)
            c.columns[1].append(p.sku)
            c.columns[2].append(p.name)
            c.columns[3].append(config.categories[p.category])
            c.columns[4].append(config.brands[p.brand])
            c.columns[5].append(p.basePriceCents)
            c.columns[6].append(Int32(p.launchDay))
            if let d = p.discontinuedDay { c.columns[7].append(Int32(d)) } else { c.columns[7].appendNull() }
        }
        return c
    }

    func calendarChunk() -> Chunk {
        var c = Chunk(schema: RetailTables.calendar, capacity: segment.days)
        for d in segment.startDay...segment.endDay {
            let row = RetailCalendar(day: d, holiday: model.holiday(d)?.name)
            c.columns[0].append(Int32(d))
            c.columns[1].append(Int32(row.dayOfWeek))
            c.columns[2].append(Int32(row.dayOfMonth))
            c.columns[3].append(Int32(row.weekOfYear))
            c.columns[4].append(Int32(row.month))
            c.columns[5].append(Int32(row.quarter))
            c.columns[6].append(Int32(row.year))
            c.columns[7].append(row.dayOfWeek >= 5)
            c.columns[8].append(row.holiday != nil)
            if let h = row.holiday { c.columns[9].append(h) } else { c.columns[9].appendNull() }
        }
        return c
    }

    // MARK: The manifest

    /// The engine's manifest of the dataset after this run: `previous`'s files and this run's.
    func manifest(_ output: Output, previous: Manifest?) -> Manifest {
        var segments: [JSONValue] = []
        var files = output.files
        var others = output.others
        var planned = output.planned
        var createdAt = request.createdAt ?? FileSystem.now()
        if let previous {
            if case .array(let s)? = previous.options.first(where: { $0.0 == "segments" })?.1 { segments = s }
            files += previous.tables.flatMap(\.files)
            others += previous.otherFiles
            for t in previous.tables { planned[t.name, default: 0] += t.plannedRows }
            createdAt = previous.createdAt
        }
        segments.append(.object([("start", .string(formatISODate(segment.startDay))), ("end", .string(formatISODate(segment.endDay))),
                                 ("seed", .string(String(segment.seed))), ("shard_rows", .int(Int64(shardRows)))]))
        let tables = RetailTables.names.map { name -> TableRecord in
            let mine = files.filter { retailTable(of: $0.path) == name }.sorted { $0.path < $1.path }
            return TableRecord(name: name, plannedRows: planned[name] ?? 0, schema: RetailTables.schema(name).columns.map(ColumnRecord.init(column:)),
                               partitionBy: [], sortBy: RetailTables.sortKeys(name), files: mine)
        }
        let options: [(String, JSONValue)] = [
            ("config", config.json()), ("scenario", .string(scenario.rawValue)), ("origin", .string(formatISODate(model.originDay))),
            ("dimension_seed", .string(String(model.seed))), ("segments", .array(segments)),
            ("shard_rows", .int(Int64(shardRows))), ("compression", .string((request.codec ?? .zstd).name)),
        ]
        var m = Manifest(toolVersion: StreamGenEngine.version, status: .complete, error: nil, createdAt: createdAt,
                         commandLine: previous?.commandLine ?? request.commandLine, pack: "retail", seed: model.seed, options: options,
                         shard: request.shard.map { ($0.index, $0.count) }, shardsInPlan: shards.count, tables: tables)
        var seen = Set<String>()
        m.otherFiles = others.filter { seen.insert($0.path).inserted }.sorted { $0.path < $1.path }
        return m
    }

    /// What a retail manifest records of the dataset.
    struct Recorded {
        var config: RetailConfig
        var scenario: RetailConfig.Scenario
        var segments: [RetailSegment]
        /// Each segment's shard size.
        var segmentShardRows: [Int]
        var origin: Int64
        var dimensionSeed: UInt64
        var shardRows: Int
        var codec: CompressionCodec
        /// Tables `streamgen delete` removed.
        var deleted: [String]
    }

    static func recorded(_ m: Manifest) throws(GenerateError) -> Recorded {
        func value(_ key: String) -> JSONValue? { m.options.first { $0.0 == key }?.1 }
        guard let configJSON = value("config"), let config = RetailConfig(json: configJSON),
              let scenario = value("scenario")?.string.flatMap(RetailConfig.Scenario.init(rawValue:)),
              let origin = value("origin")?.string.flatMap(parseISODate), let seed = value("dimension_seed")?.string.flatMap({ UInt64($0) }),
              case .array(let list)? = value("segments"), let shardRows = value("shard_rows")?.int, (1...(1 << 40)).contains(shardRows)
        else { throw .output("the manifest does not record a retail configuration and its segments") }
        var segments: [RetailSegment] = []
        var sizes: [Int] = []
        for s in list {
            guard let a = s["start"]?.string.flatMap(parseISODate), let b = s["end"]?.string.flatMap(parseISODate), b >= a, b - a < 36_600,
                  let seed = s["seed"]?.string.flatMap({ UInt64($0) }), let rows = s["shard_rows"]?.int, (1...(1 << 40)).contains(rows),
                  a == (segments.last?.endDay ?? origin - 1) + 1
            else { throw .output("the manifest has an unreadable segment") }
            segments.append(RetailSegment(startDay: a, endDay: b, seed: seed))
            sizes.append(Int(rows))
        }
        let codec = value("compression")?.string.flatMap { CompressionCodec(name: $0) } ?? .zstd
        let deleted = value("deleted")?.array?.compactMap(\.string) ?? []
        return Recorded(config: config, scenario: scenario, segments: segments, segmentShardRows: sizes, origin: origin, dimensionSeed: seed,
                        shardRows: Int(shardRows), codec: codec, deleted: deleted)
    }

    func report(_ manifest: Manifest, label: String? = nil) -> GenerateReport {
        var report = GenerateReport(datasets: [GenerateReport.Dataset(
            directory: request.outDirectory, label: label,
            tables: manifest.tables.map { (name: $0.name, rows: $0.rows, files: $0.files.count, bytes: $0.bytes) })])
        report.shard = request.shard
        return report
    }
}

/// What a run's workers share: the files written, the first failure, the next shard.
final class RetailShared: Sendable {
    let written = Mutex(RetailJob.Output())
    let failed = Mutex<String?>(nil)
    let next = Atomic<Int>(0)
}

/// A calendar row's fields, from the day alone (and its holiday's name).
struct RetailCalendar {
    let day: Int64
    let holiday: String?
    var dayOfWeek: Int { Int(((day % 7) + 7 + 3) % 7) }
    var civil: (year: Int64, month: Int, day: Int) { civilDate(daysSinceEpoch: day) }
    var dayOfMonth: Int { civil.day }
    var month: Int { civil.month }
    var quarter: Int { (month - 1) / 3 + 1 }
    var year: Int64 { civil.year }

    /// The ISO 8601 week number.
    var weekOfYear: Int {
        let thursday = day - Int64(dayOfWeek) + 3
        let (year, _, _) = civilDate(daysSinceEpoch: thursday)
        return Int((thursday - daysSinceEpoch(year: year, month: 1, day: 1)) / 7) + 1
    }
}

extension RetailConfig {
    /// The configuration as the manifest records it (an append reads it back).
    func json() -> JSONValue {
        .object([
            ("stores", .int(Int64(stores))), ("regions", .array(regions.map(JSONValue.string))), ("types", .array(storeTypes.map(JSONValue.string))),
            ("products", .int(Int64(products))), ("categories", .array(categories.map(JSONValue.string))), ("brands", .array(brands.map(JSONValue.string))),
            ("start", .string(formatISODate(startDay))), ("end", .string(formatISODate(endDay))), ("seed", .string(String(seed))),
            ("base_demand", .double(baseDemand)), ("trend", .string(trend.rawValue)), ("trend_slope", .double(trendSlope)),
            ("weekly_seasonality", .array(weeklySeasonality.map(JSONValue.double))),
            ("monthly_seasonality", .object(monthlySeasonality.keys.sorted().map { (String($0), .double(monthlySeasonality[$0]!)) })),
            ("noise_sigma", .double(noiseSigma)), ("anomaly_probability", .double(anomalyProbability)), ("anomaly_magnitude", .double(anomalyMagnitude)),
            ("promotion_lift", .double(promotionLift)), ("stockout_behavior", .string(stockoutBehavior.rawValue)),
            ("price_elasticity", .double(priceElasticity)), ("new_product_ramp_days", .int(Int64(newProductRampDays))),
            ("weekend_spike", .double(weekendSpike)), ("promotion_probability", .double(promotionProbability)),
            ("stockout_probability", .double(stockoutProbability)), ("launch_share", .double(launchShare)), ("end_of_life_share", .double(endOfLifeShare)),
            ("holidays", holidays.map { list in
                .array(list.map { .object([("date", .string(formatISODate($0.day))), ("name", .string($0.name)), ("multiplier", .double($0.multiplier))]) })
            } ?? .null),
            ("missing_combinations_pct", .double(missingCombinationsShare)), ("random_gaps_per_series", .int(Int64(randomGapsPerSeries))),
        ])
    }

    /// Reads `json()` back; nil when a field is missing or the values do not pass `check()`.
    init?(json j: JSONValue) {
        self.init()
        func number(_ k: String) -> Double? { j[k]?.doubleValue }
        func list(_ k: String) -> [String]? { j[k]?.array?.compactMap(\.string) }
        guard let stores = j["stores"]?.int, (1...1_000_000).contains(stores), let products = j["products"]?.int, (1...10_000_000).contains(products),
              let start = j["start"]?.string.flatMap(parseISODate), let end = j["end"]?.string.flatMap(parseISODate), let regions = list("regions"),
              let types = list("types"), let categories = list("categories"), let brands = list("brands"),
              let weekly = j["weekly_seasonality"]?.array?.compactMap(\.doubleValue),
              let trend = j["trend"]?.string.flatMap(Trend.init(rawValue:)),
              let behavior = j["stockout_behavior"]?.string.flatMap(StockoutBehavior.init(rawValue:)),
              let seed = j["seed"]?.string.flatMap({ UInt64($0) })
        else { return nil }
        self.stores = Int(stores)
        self.products = Int(products)
        startDay = start
        endDay = end
        self.regions = regions
        storeTypes = types
        self.categories = categories
        self.brands = brands
        self.seed = seed
        self.trend = trend
        weeklySeasonality = weekly
        stockoutBehavior = behavior
        baseDemand = number("base_demand") ?? baseDemand
        trendSlope = number("trend_slope") ?? trendSlope
        if case .object(let pairs)? = j["monthly_seasonality"] {
            var months: [Int: Double] = [:]
            for (k, v) in pairs { if let m = Int(k), (1...12).contains(m), let w = v.doubleValue { months[m] = w } }
            monthlySeasonality = months
        }
        noiseSigma = number("noise_sigma") ?? noiseSigma
        anomalyProbability = number("anomaly_probability") ?? anomalyProbability
        anomalyMagnitude = number("anomaly_magnitude") ?? anomalyMagnitude
        promotionLift = number("promotion_lift") ?? promotionLift
        priceElasticity = number("price_elasticity") ?? priceElasticity
        if let ramp = j["new_product_ramp_days"]?.int, (0...3650).contains(ramp) { newProductRampDays = Int(ramp) }
        weekendSpike = number("weekend_spike") ?? weekendSpike
        promotionProbability = number("promotion_probability") ?? promotionProbability
        stockoutProbability = number("stockout_probability") ?? stockoutProbability
        launchShare = number("launch_share") ?? launchShare
        endOfLifeShare = number("end_of_life_share") ?? endOfLifeShare
        if let list = j["holidays"]?.array {
            holidays = list.compactMap { h in
                guard let day = h["date"]?.string.flatMap(parseISODate), let name = h["name"]?.string, let m = h["multiplier"]?.doubleValue else { return nil }
                return Holiday(day: day, name: name, multiplier: m)
            }
        }
        missingCombinationsShare = number("missing_combinations_pct") ?? 0
        if let gaps = j["random_gaps_per_series"]?.int, (0...100).contains(gaps) { randomGapsPerSeries = Int(gaps) }
        guard (try? check()) != nil else { return nil }
    }
}

/// One JSON line per operation on a dataset, in its `_audit.jsonl`: the operation, its
/// parameters, seed, rows and duration (spec 003's audit log).
enum AuditLog {
    static let fileName = "_audit.jsonl"
    /// Past this size the log keeps its newest half.
    static let maximumBytes = 4 << 20

    static func record(_ root: DirectoryHandle, operation: String, pack: String, parameters: [(String, JSONValue)], seed: UInt64, rows: Int64,
                       seconds: Double) {
        var when: [UInt8] = []
        appendISOTimestamp(microsSinceEpoch: FileSystem.now() * 1_000_000, utc: true, to: &when)
        let line = JSONValue.object([
            ("at", .string(String(decoding: when, as: UTF8.self))), ("operation", .string(operation)), ("pack", .string(pack)),
            ("parameters", .object(parameters)), ("seed", .string(String(seed))), ("rows", .int(rows)),
            ("seconds", .double((seconds * 1000).rounded() / 1000)),
        ]).serialized(compact: true) + "\n"
        var previous: [UInt8] = []
        if root.info(fileName)?.kind == .file, let bytes = try? root.read(fileName, limit: maximumBytes * 2) {
            previous = bytes
            if previous.count > maximumBytes, let cut = previous[(previous.count / 2)...].firstIndex(of: 10) {
                previous = Array(previous[(cut + 1)...])
            }
        }
        try? root.writeAtomically(fileName, previous + Array(line.utf8), sync: false)
    }
}
