import Columnar

/// A pack whose tables are `TableSpec`s the engine runs: devapp, bronze and every YAML schema.
/// What one such pack adds beyond its tables (bronze's per-table metadata files, its
/// cross-table checks) comes in through `extras`.
public struct DeclarativePack: Pack {
    public let spec: PackSpec
    let extras: DeclarativeExtras?

    public init(spec: PackSpec) {
        self.spec = spec
        self.extras = nil
    }

    init(spec: PackSpec, extras: DeclarativeExtras?) {
        self.spec = spec
        self.extras = extras
    }

    public var name: String { spec.name }
    public var summary: String { spec.summary }
    public var defaultStartDay: Int64 { spec.defaultStartDay }

    public var accepts: Set<GenerateOption> {
        var options: Set<GenerateOption> = [.rows, .tables, .shard, .csv, .delta, .chunkRows, .shardRows, .sink]
        if spec.tables.contains(where: { !$0.quality.isEmpty }) { options.insert(.clean) }
        return options
    }

    public var description: PackDescription {
        let tables = spec.tables.map { table -> PackDescription.Table in
            let rows: String
            switch table.rows {
            case .total(let n): rows = "\(grouped(Int64(n))) rows"
            case .perDay(let n): rows = "\(grouped(Int64(n))) rows/day"
            }
            var details = "\(table.columns.filter { !$0.hidden }.count) columns"
            if !table.partitionBy.isEmpty { details += ", partitioned by \(table.partitionBy.joined(separator: ", "))" }
            if !table.sortBy.isEmpty { details += ", sorted by \(table.sortBy.joined(separator: ", "))" }
            if !table.quality.isEmpty { details += ", \(table.quality.count) quality issue(s)" }
            return PackDescription.Table(name: table.name, rows: rows, details: details)
        }
        return PackDescription(period: "\(spec.defaultDays) day(s) from \(formatISODate(spec.defaultStartDay))", tables: tables, scenarios: [])
    }

    /// The engine's options for `request`.
    public func options(_ request: GenerateRequest) throws(GenerateError) -> GenerateOptions {
        try request.check(against: self)
        var o = GenerateOptions(pack: spec, outDirectory: request.outDirectory)
        if let seed = request.seed { o.seed = seed }
        o.startDay = request.startDay
        o.days = request.days
        if request.scale != nil && request.rows != nil { throw .invalidOption("give either --scale or --rows, not both") }
        if let scale = request.scale { o.scale = scale }
        o.rows = request.rows
        o.tables = request.tables
        if let f = request.format { o.format = f }
        if let l = request.layout { o.layout = l }
        if o.format == .delta && o.layout == .flat {
            throw .invalidOption("--format delta writes each table as a directory (a Delta table); it does not go with --layout flat")
        }
        if let c = request.codec {
            if o.format == .csv && c != .uncompressed {
                throw .invalidOption("--compression \(c.name) applies to Parquet; CSV files are written uncompressed")
            }
            o.codec = c
        }
        o.zstdLevel = request.zstdLevel
        o.threads = request.threads
        o.memoryLimit = request.memoryLimit
        o.shard = request.shard
        if let c = request.chunkRows { o.chunkRows = c }
        if let s = request.shardRows { o.shardRows = s }
        o.overwrite = request.overwrite
        o.quality = !request.clean
        o.commandLine = request.commandLine
        o.createdAt = request.createdAt
        o.extras = extras
        return o
    }

    public func generate(_ request: GenerateRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport {
        let prepared = try StreamGenEngine.prepare(try options(request))
        return try await PostgresLoad.around(request, tables: { PostgresTable.tables(of: prepared) }, pack: name, seed: prepared.options.seed,
                                             options: { StreamGenEngine.recordedOptions(prepared) }, threads: prepared.concurrency) { (load) throws(GenerateError) in
            let manifest = try await StreamGenEngine.run(prepared, progress: progress, postgres: load)
            let tables = manifest.tables.map { (name: $0.name, rows: $0.rows, files: $0.files.count, bytes: $0.bytes) }
            return GenerateReport(datasets: [GenerateReport.Dataset(directory: request.outDirectory, tables: tables)], shard: request.shard,
                                  concurrencyNote: prepared.concurrencyNote)
        }
    }

    public func validate(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport {
        var report = try DeclarativeValidation.run(directory, manifest: manifest)
        let parquet = manifest.tables.allSatisfy { $0.files.allSatisfy { $0.path.hasSuffix(".parquet") } }
        if let extras, parquet, !report.checks.contains(where: { $0.name.hasPrefix("files intact") && !$0.passed }) {
            report.append(try extras.validate(directory, manifest: manifest))
        }
        return report
    }
}

/// What a declarative pack adds to the engine's run and checks.
protocol DeclarativeExtras: Sendable {
    /// The paths `sidecarFiles` will write, known before the run (its journal claims them).
    func sidecarPaths(_ prepared: StreamGenEngine.Prepared) -> [RelativePath]
    /// Files written beside the tables once every data file is in (bronze's metadata), listed
    /// in the manifest as other files.
    func sidecarFiles(_ run: CompletedRun) throws(ColumnarError) -> [(path: RelativePath, bytes: [UInt8])]
    /// The pack's own checks, after the declarative ones.
    func validate(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport
}

/// A run whose data files are all written: what sidecar files are computed from.
struct CompletedRun: Sendable {
    let prepared: StreamGenEngine.Prepared
    let files: [FileRecord]
    /// Per table (its position in `prepared.tables`), per file column: the figures of the rows as written.
    let figures: [Int: [ColumnFigures]]
    let createdAt: Int64
}
