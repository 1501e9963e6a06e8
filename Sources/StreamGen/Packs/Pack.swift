import Columnar

/// A pack: a named set of tables StreamGen generates, with its scenarios, the options it
/// accepts, and its own validation. `list`, `generate`, `validate` and `status` treat every pack
/// through this face, and name none.
///
/// Two kinds sit behind it: declarative packs (`DeclarativePack`: devapp, bronze, YAML schemas),
/// whose tables are `TableSpec`s the engine runs, and simulated packs (ecommerce), whose model
/// fills the chunks itself.
public protocol Pack: Sendable {
    var name: String { get }
    var summary: String { get }
    /// What `streamgen list` shows.
    var description: PackDescription { get }
    /// The first day of a run when `--start` is not given (days since the epoch).
    var defaultStartDay: Int64 { get }
    /// The options of `generate` this pack takes; the others are refused by name.
    var accepts: Set<GenerateOption> { get }
    /// Runs `request` into its output directory.
    func generate(_ request: GenerateRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport
    /// Checks a dataset this pack wrote (`manifest` is its engine manifest) and reports every
    /// check with its figure.
    func validate(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport
    /// Pack parameters it takes from the command line (`stores`, `products`, `sparsity`).
    var parameters: [String] { get }
    /// Environment variables that give a parameter when the command line does not:
    /// parameter → variable (`stores` → `STREAMGEN_RETAIL_STORES`).
    var parameterVariables: [String: String] { get }
    /// The roles of its tables, for `delete --scope facts|dimensions`.
    var dimensionTables: [String] { get }
    /// Directories of other files that go with the fact tables (`delete --scope facts`).
    var factCompanions: [String] { get }
    /// Whether `generate` validates the dataset afterwards unless `--no-verify` (spec 003 verifies after every operation).
    var verifiesAfterRun: Bool { get }
    /// Whether the dataset keeps an audit log of operations (`_audit.jsonl`, spec 003's), which
    /// `manifest merge` adds its line to.
    var keepsAuditLog: Bool { get }
    /// `manifest merge` for a pack whose shards leave the merge more than their files' union
    /// (ecommerce's single files from partial sections): the merged manifest, written; nil for
    /// the shared merge. `shards` are checked to be the N complete shards of one run.
    func merge(_ dataset: DatasetDirectory, shards: [Manifest], commandLine: [String], createdAt: Int64) throws(ManifestError) -> Manifest?
    /// What the shared merge leaves a pack to finish in `manifest` before it is written (jaffle's
    /// CSV seeds from their segments): the partial files to remove once it is in, and the journal
    /// that claims what was written until then.
    func completeMerge(_ manifest: inout Manifest, shards: [Manifest], dataset: DatasetDirectory) throws(ManifestError)
        -> (partials: [String], journal: Journal?)
    /// Adds a range of days to a dataset it wrote (`streamgen append`).
    func append(_ directory: String, request: AppendRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport
}

extension Pack {
    public var parameters: [String] { [] }
    public var parameterVariables: [String: String] { [:] }
    public var dimensionTables: [String] { [] }
    public var factCompanions: [String] { [] }
    public var verifiesAfterRun: Bool { false }
    public var keepsAuditLog: Bool { false }
    public func merge(_ dataset: DatasetDirectory, shards: [Manifest], commandLine: [String], createdAt: Int64) throws(ManifestError) -> Manifest? {
        nil
    }
    public func completeMerge(_ manifest: inout Manifest, shards: [Manifest], dataset: DatasetDirectory) throws(ManifestError)
        -> (partials: [String], journal: Journal?)
    {
        ([], nil)
    }
    public func append(_ directory: String, request: AppendRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport {
        throw .invalidOption("the \(name) pack cannot append to a dataset; generate it again with the longer period")
    }
}

/// What `streamgen append DIR` asks: a range of days and, optionally, their seed.
public struct AppendRequest: Sendable {
    public var startDay: Int64?
    public var endDay: Int64
    public var seed: UInt64?
    public var threads: Int?
    public var memoryLimit: Int = 512 << 20
    public var commandLine: [String] = []
    public var createdAt: Int64?
    /// `--sink postgres://…`: the new days are upserted into the tables there too.
    public var sink: PostgresTarget?

    public init(endDay: Int64) { self.endDay = endDay }
}

/// An option of `generate` that only some packs take.
public enum GenerateOption: String, Sendable, Hashable, CaseIterable {
    case rows = "--rows"
    case tables = "--tables"
    case shard = "--shard"
    case csv = "--format csv"
    case delta = "--format delta"
    case scenario = "--scenario"
    case clean = "--clean"
    case chunkRows = "--chunk-rows"
    case shardRows = "--shard-rows"
    case config = "--config"
    case eachDay = "--each-day"
    case sink = "--sink"
}

/// A day a run has just written, for the command `--each-day` runs after it.
public struct DayCheckpoint: Sendable {
    public var day: Int64
    /// Whether it is the validation day (the last).
    public var validation: Bool
    /// When the run started, seconds since the epoch.
    public var runStartedAt: Int64
    public var directory: String
}

/// What `streamgen list` prints of a pack.
public struct PackDescription: Sendable {
    public struct Table: Sendable {
        public var name: String
        /// "10,000 rows", "50 rows/day", "about 500,000 rows"
        public var rows: String
        public var details: String
        public init(name: String, rows: String, details: String = "") {
            self.name = name
            self.rows = rows
            self.details = details
        }
    }
    public var period: String
    public var tables: [Table]
    public var scenarios: [String]
    public var notes: [String] = []

    public init(period: String, tables: [Table], scenarios: [String], notes: [String] = []) {
        self.period = period
        self.tables = tables
        self.scenarios = scenarios
        self.notes = notes
    }
}

/// What `generate` asks of a pack: the command line's options, nil where not given (the pack's
/// defaults then apply).
public struct GenerateRequest: Sendable {
    public var outDirectory: String
    public var seed: UInt64?
    public var startDay: Int64?
    public var days: Int?
    public var scale: Double?
    public var rows: Int?
    public var tables: [String]?
    /// Scenario names as given (`all` included); nil for the pack's default.
    public var scenarios: [String]?
    public var format: OutputFormat?
    public var layout: OutputLayout?
    public var codec: CompressionCodec?
    public var zstdLevel: Int32 = Compressor.defaultZstdLevel
    public var threads: Int?
    public var memoryLimit: Int = 512 << 20
    public var shard: ShardSelection?
    public var chunkRows: Int?
    public var shardRows: Int?
    public var overwrite = false
    /// Write no data-quality issues (every other value unchanged).
    public var clean = false
    /// A pack's configuration file (`--config`), as read.
    public var config: ConfigTree?
    /// The last day (`--end`), when given.
    public var endDay: Int64?
    /// Called after each day a pack writes day by day (`--each-day`); a throw stops the run.
    public var afterEachDay: (@Sendable (DayCheckpoint) async throws(GenerateError) -> Void)?
    /// Pack parameters from the command line (`--stores 20`): name → value.
    public var parameters: [String: String] = [:]
    /// Where the rows are loaded besides the files (`--sink postgres://…`).
    public var sink: PostgresSink?
    public var commandLine: [String] = []
    public var createdAt: Int64?

    public init(outDirectory: String) { self.outDirectory = outDirectory }

    /// The options given that are not the defaults, as `accepts` names them.
    var given: Set<GenerateOption> {
        var s: Set<GenerateOption> = []
        if rows != nil { s.insert(.rows) }
        if tables != nil { s.insert(.tables) }
        if shard != nil { s.insert(.shard) }
        if format == .csv { s.insert(.csv) }
        if format == .delta { s.insert(.delta) }
        if scenarios != nil { s.insert(.scenario) }
        if clean { s.insert(.clean) }
        if chunkRows != nil { s.insert(.chunkRows) }
        if shardRows != nil { s.insert(.shardRows) }
        if config != nil { s.insert(.config) }
        if afterEachDay != nil { s.insert(.eachDay) }
        if sink != nil { s.insert(.sink) }
        return s
    }

    /// Refuses the options `pack` does not take, naming them and the pack.
    public func check(against pack: any Pack) throws(GenerateError) {
        if let refused = GenerateOption.allCases.first(where: { given.contains($0) && !pack.accepts.contains($0) }) {
            let why = refused == .scenario ? "it has no scenarios" : refused == .clean ? "it declares no data-quality issues"
                : refused == .config ? "it reads no configuration file" : refused == .eachDay ? "it does not write day by day"
                : refused == .sink ? "it has no PostgreSQL tables yet"
                : refused == .delta ? "it writes parquet or csv (Delta tables: devapp, bronze, ecommerce and YAML schemas)"
                : "its tables come from one simulation"
            throw .invalidOption("\(refused.rawValue) does not apply to the \(pack.name) pack: \(why)")
        }
        for name in parameters.keys.sorted() where !pack.parameters.contains(name) {
            throw .invalidOption("--\(name) does not apply to the \(pack.name) pack\(pack.parameters.isEmpty ? "" : " (it takes \(pack.parameters.map { "--\($0)" }.joined(separator: ", ")))")")
        }
        if sink != nil && shard != nil {
            throw .invalidOption("--sink loads a whole run; with --shard, merge the shards with `streamgen manifest merge`, then load the merged files (load_postgres.sql for CSV)")
        }
    }
}

/// What a run wrote, for the command line's summary.
public struct GenerateReport: Sendable {
    /// One output directory: the run's, or one fixture of several.
    public struct Dataset: Sendable {
        public var directory: String
        /// The scenario, for a pack that writes several.
        public var label: String?
        public var tables: [(name: String, rows: Int64, files: Int, bytes: Int64)]
        /// A figure worth printing (an anomaly's severity).
        public var note: String?

        public init(directory: String, label: String? = nil, tables: [(name: String, rows: Int64, files: Int, bytes: Int64)], note: String? = nil) {
            self.directory = directory
            self.label = label
            self.tables = tables
            self.note = note
        }

        public var rows: Int64 { tables.reduce(0) { $0 + $1.rows } }
        public var files: Int { tables.reduce(0) { $0 + $1.files } }
        public var bytes: Int64 { tables.reduce(0) { $0 + $1.bytes } }
    }

    public var datasets: [Dataset]
    /// The shard run, when `--shard` was given.
    public var shard: ShardSelection?
    /// Why fewer shards ran at once than threads were given, when that happened.
    public var concurrencyNote: String?
    /// What `--sink` loaded (or why it loaded nothing).
    public var sinkNote: String?
    /// False when the tables' rows went to PostgreSQL only (`--no-files`): `datasets` are what
    /// the run wrote before its directory was removed.
    public var filesKept = true

    public init(datasets: [Dataset], shard: ShardSelection? = nil, concurrencyNote: String? = nil, sinkNote: String? = nil) {
        self.datasets = datasets
        self.shard = shard
        self.concurrencyNote = concurrencyNote
        self.sinkNote = sinkNote
    }

    public var rows: Int64 { datasets.reduce(0) { $0 + $1.rows } }
    public var files: Int { datasets.reduce(0) { $0 + $1.files } }
    public var bytes: Int64 { datasets.reduce(0) { $0 + $1.bytes } }
}

/// The checks `streamgen validate` ran on one dataset, each with what it measured.
public struct ValidationReport: Sendable {
    public struct Check: Sendable {
        public let name: String
        public let passed: Bool
        public let measured: String
    }

    public let directory: String
    /// What was validated: "devapp", "ecommerce: null_spike", ...
    public let title: String
    public private(set) var checks: [Check] = []

    public init(directory: String, title: String) {
        self.directory = directory
        self.title = title
    }

    public var passed: Bool { checks.allSatisfy(\.passed) }

    public mutating func check(_ name: String, _ passed: Bool, _ measured: String) {
        checks.append(Check(name: name, passed: passed, measured: measured))
    }

    public mutating func append(_ other: ValidationReport) { checks += other.checks }

    public func render() -> String {
        var s = "\(directory): \(title)\n"
        for c in checks { s += "  \(c.passed ? "PASS" : "FAIL")  \(c.name): \(c.measured)\n" }
        let failed = checks.filter { !$0.passed }.count
        s += failed == 0 ? "  all \(checks.count) checks passed" : "  \(failed) of \(checks.count) checks failed"
        return s
    }
}

/// The packs StreamGen knows by name.
public enum Packs {
    public static let all: [any Pack] = [DevAppPack.pack, BronzePack.pack, RetailPack.pack, JafflePack.pack, EcommercePack.pack]

    public static func named(_ name: String) -> (any Pack)? { all.first { $0.name == name } }

    /// "devapp, bronze, ecommerce"
    public static var names: String { all.map(\.name).joined(separator: ", ") }

    /// Validates the dataset in `directory` with the pack its manifest names; a YAML schema's
    /// dataset (a pack StreamGen does not know by name) gets the declarative checks every table
    /// has.
    public static func validate(_ directory: String) throws(GenerateError) -> ValidationReport {
        let dataset = try DatasetDirectory.open(directory, create: false, access: .read)
        let manifest: Manifest
        do { manifest = try Manifest.read(dataset.root, name: Manifest.fileName) } catch {
            throw .output("cannot validate '\(directory)': \(error)")
        }
        let pack = named(manifest.pack) ?? DeclarativePack(spec: PackSpec(name: manifest.pack, summary: "", tables: [], defaultStartDay: 0, defaultDays: 1))
        return try pack.validate(directory, manifest: manifest)
    }
}
