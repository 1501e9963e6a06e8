import ArgumentParser
import Columnar
import Dispatch
import StreamGen
import StreamGenYAML

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `streamgen generate`.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a pack's tables (or a YAML schema's) into an output directory.",
        discussion: """
            The same seed and options always give the same bytes, whatever --threads, and the --shard i/N runs of N machines together write exactly the files of one full run.

            Environment: STREAMGEN_SEED, STREAMGEN_THREADS and STREAMGEN_OUT set the defaults of --seed, --threads and --out; SOURCE_DATE_EPOCH pins the manifest's created_at.
            """)

    @Argument(help: "A built-in pack (see `streamgen list`). Omit it with --schema.")
    var pack: String?

    @Option(help: "A YAML file declaring the tables to generate (format in the README).")
    var schema: String?

    @Option(parsing: .unconditional, help: "Days of data (default: the pack's).")
    var days: Int?

    @Option(name: [.customLong("start"), .customLong("start-date")], help: "The first day, YYYY-MM-DD (default: the pack's).")
    var start: String?

    @Option(name: [.customLong("end"), .customLong("end-date")], help: "The last day, YYYY-MM-DD, instead of --days.")
    var end: String?

    @Option(parsing: .unconditional, help: "Multiply every table's scale-1 row count.")
    var scale: Double?

    @Option(parsing: .unconditional, help: "Rows of the largest table (10M, 1.5B, ...); the others scale with it.")
    var rows: String?

    @Option(help: "Only these tables, comma-separated.")
    var tables: String?

    @Option(parsing: .unconditional, help: "The seed (default 42, or STREAMGEN_SEED).")
    var seed: UInt64?

    @Option(help: "The output directory (default data, or STREAMGEN_OUT).")
    var out: String?

    @Option(parsing: .unconditional, help: "Shards generated at once (default: all cores, or STREAMGEN_THREADS).")
    var threads: Int?

    @Option(help: "The memory ceiling: 512MiB, 2GiB, ...")
    var memoryLimit: String = "512MiB"

    @Option(help: "parquet, csv or delta (default parquet; csv for the jaffle pack, whose files are dbt seeds).")
    var format: String?

    @Option(help: "zstd, snappy or none (Parquet only; default zstd).")
    var compression: String?

    @Option(parsing: .unconditional, help: "The zstd level, 1...22.")
    var zstdLevel: Int32 = Compressor.defaultZstdLevel

    @Option(help: "hive (table/key=value/part-N files) or flat (one file per table).")
    var layout: String = "hive"

    @Option(help: "Run only shard INDEX/COUNT of the plan, as one of COUNT machines.")
    var shard: String?

    @Option(parsing: .unconditional, help: "Rows per chunk.")
    var chunkRows: Int = Chunk.defaultCapacity

    @Option(parsing: .unconditional, help: "Target rows per shard (the unit of parallel work and of files).")
    var shardRows: String = String(ShardPlan.defaultTargetRows)

    @Flag(help: "Replace an earlier StreamGen run in the output directory (only the files its manifest claims).")
    var overwrite = false

    @Flag(help: "The same as --overwrite (spec 003's word for it).")
    var confirm = false

    @Flag(inversion: .prefixedNo, help: "Validate the dataset after writing it (default: on for the retail pack, off for the others).")
    var verify: Bool?

    @Option(help: "A pack's configuration file (the retail pack reads spec 003's YAML); flags override it.")
    var config: String?

    @Option(help: "Stores (retail; default 10, or STREAMGEN_RETAIL_STORES).")
    var stores: String?

    @Option(help: "Products (retail; default 50, or STREAMGEN_RETAIL_PRODUCTS).")
    var products: String?

    @Option(help: "The share of (store, product) series left out, 0 to 1 (retail).")
    var sparsity: String?

    @Option(help: "Training days before --end (jaffle; default 30).")
    var daysBack: String?

    @Option(help: "The part to write (jaffle): training, validation, sessions, ads, marketing (sessions and ads) or all.")
    var data: String?

    @Option(help: "Write day by day and run this shell command after each day (jaffle), with STREAMGEN_DAY, STREAMGEN_RUN_STARTED_AT and STREAMGEN_VALIDATION set.")
    var eachDay: String?

    @Flag(help: "With --each-day: go on to the next day when the command fails.")
    var keepGoing = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Option(help: "Progress display: auto (a line on a terminal), json (a JSON object per line on stderr) or none (default auto, or STREAMGEN_PROGRESS).")
    var progress: String?

    @Option(help: "Scenarios, for packs that have them (see `streamgen list`): a comma-separated list, or all. Each writes a fixture directory OUT/<scenario>/.")
    var scenario: String?

    @Flag(help: "Write no data-quality issues: the same dataset, every other value unchanged (packs that declare issues).")
    var clean = false

    @Option(help: "Load the rows into PostgreSQL too: postgres://user@host:port/database[?schema=NAME] (or STREAMGEN_POSTGRES_URL).")
    var sink: String?

    @Flag(help: "With --sink, write the tables' rows to PostgreSQL only: no data files. The manifest, ground truth and SQL files go into the database (streamgen_run_files) and the run's directory is removed.")
    var noFiles = false

    @Option(help: "With --sink, when a table is already there: fail (default), skip (leave all as they are), replace (drop and reload in one transaction) or append (upsert on the table's key).")
    var ifExists: String?

    /// The pack named, or the schema given.
    func selectedPack() throws -> any Pack {
        switch (pack, schema) {
        case (nil, nil): throw ValidationError("name a pack (see `streamgen list`) or give --schema FILE")
        case (.some, .some): throw ValidationError("give either a pack or --schema, not both")
        case (let name?, nil):
            guard let p = Packs.named(name) else { throw ValidationError("unknown pack '\(name)' (known: \(Packs.names))") }
            return p
        case (nil, let file?):
            return DeclarativePack(spec: try loadSchema(file))
        }
    }

    /// The command line as a request any pack reads.
    func request(for pack: any Pack) throws -> GenerateRequest {
        let environment = ProcessEnvironment()
        var r = GenerateRequest(outDirectory: out ?? environment["STREAMGEN_OUT"] ?? "data")
        r.seed = seed
        if r.seed == nil, let s = environment["STREAMGEN_SEED"] {
            guard let v = UInt64(s.trimmingWhitespace()) else { throw ValidationError("STREAMGEN_SEED '\(s)' is not an integer from 0 to \(UInt64.max)") }
            r.seed = v
        }
        r.threads = threads
        if r.threads == nil, let t = environment["STREAMGEN_THREADS"] {
            guard let v = Int(t.trimmingWhitespace()), (1...1024).contains(v) else {
                throw ValidationError("STREAMGEN_THREADS '\(t)' is not a thread count from 1 to 1024")
            }
            r.threads = v
        }
        if let t = r.threads, !(1...1024).contains(t) { throw ValidationError("--threads \(t): between 1 and 1024") }
        if let days { guard (1...100_000).contains(days) else { throw ValidationError("--days \(days): between 1 and 100000") } }
        r.days = days
        if let start {
            guard let d = parseISODate(start) else { throw ValidationError("--start '\(start)' is not a date (YYYY-MM-DD)") }
            r.startDay = d
        }
        if let end {
            guard days == nil else { throw ValidationError("give either --end or --days, not both") }
            guard let last = parseISODate(end) else { throw ValidationError("--end '\(end)' is not a date (YYYY-MM-DD)") }
            let first = r.startDay ?? pack.defaultStartDay
            guard last >= first else { throw ValidationError("--end \(end) is before the start, \(formatISODate(first))") }
            guard last - first < 100_000 else { throw ValidationError("--end \(end): at most 100000 days after the start") }
            r.days = Int(last - first + 1)
            r.endDay = last
        }
        if scale != nil && rows != nil { throw ValidationError("give either --scale or --rows, not both") }
        if let scale {
            guard scale > 0 && scale.isFinite && scale <= 1e9 else { throw ValidationError("--scale \(scale): above 0 and at most 1e9") }
            r.scale = scale
        }
        if let rows {
            guard let n = parseCount(rows), n >= 1 else { throw ValidationError("--rows '\(rows)' is not a row count (as 1000, 10M, 1.5B)") }
            r.rows = n
        }
        if let tables { r.tables = tables.split(separator: ",").map { String($0).trimmingSpaces() } }
        if let scenario { r.scenarios = scenario.split(separator: ",").map { String($0).trimmingSpaces() } }
        guard let limit = parseSize(memoryLimit) else { throw ValidationError("--memory-limit '\(memoryLimit)' is not a size (as 512MiB, 2GiB)") }
        r.memoryLimit = limit
        var f: OutputFormat?
        if let format {
            guard let given = OutputFormat(rawValue: format.lowercased()) else { throw ValidationError("--format '\(format)': parquet, csv or delta") }
            f = given
        }
        r.format = f
        if let compression {
            guard let c = CompressionCodec(name: compression.lowercased()) else { throw ValidationError("--compression '\(compression)': zstd, snappy or none") }
            if f == .csv && c != .uncompressed {
                throw ValidationError("--compression \(compression) applies to Parquet; CSV files are written uncompressed")
            }
            r.codec = c
        }
        r.zstdLevel = zstdLevel
        guard let l = OutputLayout(rawValue: layout.lowercased()) else { throw ValidationError("--layout '\(layout)': hive or flat") }
        r.layout = l
        if let shard { r.shard = try ShardSelection(parsing: shard) }
        if chunkRows != Chunk.defaultCapacity {
            guard (1...(1 << 20)).contains(chunkRows) else { throw ValidationError("--chunk-rows \(chunkRows): between 1 and 1048576") }
            r.chunkRows = chunkRows
        } else if let batch = environment["STREAMGEN_BATCH_ROWS"], pack.accepts.contains(.chunkRows) {
            guard let n = parseCount(batch.trimmingWhitespace()), (1...(1 << 20)).contains(n) else {
                throw ValidationError("STREAMGEN_BATCH_ROWS '\(batch)': rows per batch, between 1 and 1048576")
            }
            r.chunkRows = n
        }
        if shardRows != String(ShardPlan.defaultTargetRows) {
            guard let n = parseCount(shardRows), n >= 1 else { throw ValidationError("--shard-rows '\(shardRows)' is not a row count") }
            r.shardRows = n
        }
        r.overwrite = overwrite || confirm
        if r.overwrite, let refusal = productionRefusal(overwrite ? "--overwrite" : "--confirm") { throw ValidationError(refusal) }
        if let config {
            guard pack.accepts.contains(.config) else { throw CommandFailure("--config does not apply to the \(pack.name) pack: it reads no configuration file") }
            do { r.config = try ConfigFile.load(path: config) } catch { throw CommandFailure("\(error)") }
        }
        for (name, value) in [("stores", stores), ("products", products), ("sparsity", sparsity), ("days-back", daysBack), ("data", data)] {
            if let value { r.parameters[name] = value.trimmingWhitespace() }
            else if let variable = pack.parameterVariables[name], let v = environment[variable] { r.parameters[name] = v.trimmingWhitespace() }
        }
        _ = try progressSetting(progress)
        if let eachDay {
            guard !eachDay.trimmingWhitespace().isEmpty else { throw ValidationError("--each-day: give the command to run after each day") }
            r.afterEachDay = EachDayCommand(command: eachDay, keepGoing: keepGoing, quiet: quiet).hook
        } else if keepGoing {
            throw ValidationError("--keep-going applies with --each-day")
        }
        r.clean = clean
        if let url = sink ?? environment["STREAMGEN_POSTGRES_URL"] {
            let mode = try ifExists.map { text in
                guard let m = IfExists(rawValue: text.lowercased()) else { throw ValidationError("--if-exists '\(text)': fail, skip, replace or append") }
                return m
            } ?? .fail
            if mode == .replace, let refusal = productionRefusal("--if-exists replace") { throw ValidationError(refusal) }
            do { r.sink = PostgresSink(target: try PostgresTarget(parsing: url), ifExists: mode) } catch { throw ValidationError("\(error)") }
        } else if ifExists != nil {
            throw ValidationError("--if-exists applies with --sink postgres://…")
        }
        if noFiles {
            guard r.sink != nil else { throw ValidationError("--no-files sends the rows to PostgreSQL only: give --sink postgres://… (or STREAMGEN_POSTGRES_URL)") }
            for (given, option) in [(format != nil, "--format"), (compression != nil, "--compression"), (verify == true, "--verify")] where given {
                throw ValidationError("--no-files writes no data files: \(option) does not apply")
            }
            r.sink!.keepsFiles = false
        }
        r.commandLine = recordedCommandLine()
        r.createdAt = try sourceDateEpoch()
        return r
    }

    func run() async throws {
        let pack = try selectedPack()
        let request = try request(for: pack)
        let session = RunSession(quiet: quiet, progress: try progressSetting(progress))
        let report = try await session.run(describe: { ($0 as? GenerateError).map(locate) ?? "\($0)" }) { counters in
            try await pack.generate(request, progress: counters)
        }
        let seconds = session.seconds
        if session.mode == "json" {
            // A --no-files run's directory is gone, and it wrote no data file.
            writeStderr(JSONLine.done(rows: report.rows, files: report.filesKept ? report.files : 0, bytes: report.filesKept ? report.bytes : 0, seconds: seconds,
                                      directory: report.filesKept ? request.outDirectory : nil))
        }
        printReport(report, request: request, seconds: seconds)
        if report.filesKept { try verifyAfterRun(pack, report) }
    }

    func printReport(_ report: GenerateReport, request: GenerateRequest, seconds: Double) {
        guard !quiet else { return }
        if let note = report.concurrencyNote { writeStderr("note: \(note)\n") }
        defer { if let note = report.sinkNote { print(note) } }
        if report.datasets.isEmpty { return }
        let rate = seconds > 0 ? Double(report.rows) / seconds : 0
        if !report.filesKept {
            let tables = report.datasets.flatMap(\.tables)
            print("generated \(tables.count) table(s), \(grouped(report.rows)) rows, in \(formatSeconds(seconds)) (\(humanCount(rate)) rows/s); no files written")
            return
        }
        if report.datasets.count == 1 && report.datasets[0].label == nil {
            let d = report.datasets[0]
            var where_ = d.directory
            if let shard = report.shard { where_ += " (shard \(shard); merge with `streamgen manifest merge \(d.directory)` once all shards are in)" }
            print("wrote \(d.tables.count) table(s), \(grouped(d.rows)) rows in \(d.files) files, \(humanBytes(d.bytes)), to \(where_) in \(formatSeconds(seconds)) (\(humanCount(rate)) rows/s)")
            return
        }
        for d in report.datasets {
            let rows = d.tables.map { "\($0.name) \(grouped($0.rows))" }.joined(separator: ", ")
            print("\(d.label ?? d.directory): \(rows); \(d.files) files, \(humanBytes(d.bytes)) in \(d.directory)\(d.note.map { " (\($0))" } ?? "")")
        }
        print("wrote \(report.datasets.count) dataset(s) in \(formatSeconds(seconds)); check with `streamgen validate DIR`")
    }

    /// Validates what was written when `--verify` (or the pack's default) asks for it. A shard
    /// is part of a dataset that exists once merged: `streamgen validate` it then.
    func verifyAfterRun(_ pack: any Pack, _ report: GenerateReport) throws {
        guard report.shard == nil, verify ?? pack.verifiesAfterRun else { return }
        for d in report.datasets { try verifyDataset(d.directory, quiet: quiet) }
    }

    /// A schema error from `prepare` (at the run's scale) located in the schema file when the
    /// tables came from one.
    func locate(_ error: GenerateError) -> String {
        guard case .spec(let e) = error, let schema, let loaded = try? SchemaFile.loadWithLocations(path: schema) else { return "\(error)" }
        return "\(loaded.locate(e))"
    }
}

/// One run as the command line shows it: the progress display `--progress` asks for, and the
/// signals that stop it. A failure is reported as `Error: ...`; one caused by a signal exits
/// 128 + the signal.
final class RunSession {
    let counters = RunProgress()
    /// none, line or json.
    let mode: String
    private let started = FileSystem.monotonicSeconds()
    private var finished: Double?

    init(quiet: Bool, progress: String) {
        mode = quiet ? "none" : (progress == "auto" ? (isatty(2) != 0 ? "line" : "none") : progress)
    }

    /// Seconds from the start to the end of `run`.
    var seconds: Double { (finished ?? FileSystem.monotonicSeconds()) - started }

    /// Runs `body`; a failure is reported as `describe` words it.
    func run<T>(describe: (Error) -> String = { "\($0)" }, _ body: (RunProgress) async throws -> T) async throws -> T {
        let signals = SignalWatch(progress: counters)
        let reporter = mode == "none" ? nil : ProgressReporter(counters: counters, json: mode == "json", started: started)
        defer { finished = FileSystem.monotonicSeconds() }
        do {
            let result = try await body(counters)
            reporter?.stop()
            signals.stop()
            if mode == "line" { writeStderr("\r\u{1B}[K") }
            return result
        } catch {
            reporter?.stop()
            if mode == "line" { writeStderr("\n") }
            try signals.exitIfInterrupted(error)
            throw CommandFailure(describe(error))
        }
    }
}

/// Prints progress on a timer of its own (a Dispatch queue, not the cooperative pool the
/// workers keep busy): one JSON object a second, or a terminal line four times a second.
final class ProgressReporter: @unchecked Sendable {
    private let timer: DispatchSourceTimer
    private let queue = DispatchQueue(label: "streamgen.progress")

    init(counters: RunProgress, json: Bool, started: Double) {
        timer = DispatchSource.makeTimerSource(queue: queue)
        let interval: DispatchTimeInterval = json ? .seconds(1) : .milliseconds(250)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(20))
        timer.setEventHandler {
            let done = counters.rowsDone.load(ordering: .relaxed)
            let total = max(counters.rowsTotal.load(ordering: .relaxed), 1)
            let elapsed = FileSystem.monotonicSeconds() - started
            let rate = elapsed > 0 ? Double(done) / elapsed : 0
            let eta = rate > 0 ? Double(max(total - done, 0)) / rate : 0
            let percent = 100 * Double(done) / Double(total)
            if json {
                writeStderr(JSONLine.progress(rows: done, total: total, rate: rate, percent: percent, eta: eta,
                                              files: counters.filesDone.load(ordering: .relaxed)))
            } else {
                writeStderr("\r\u{1B}[K\(humanCount(Double(done))) / \(humanCount(Double(total))) rows  \(Int(percent))%  \(humanCount(rate)) rows/s  ETA \(formatSeconds(eta))")
            }
        }
        timer.resume()
    }

    /// Stops the timer; no line is printed after this returns.
    func stop() {
        timer.cancel()
        queue.sync {}
    }
}

/// SIGINT, SIGTERM and SIGHUP during a run: the first asks the run to stop (workers abandon their
/// open files, the run writes a failed manifest, the process exits 128 + the signal: 130 for
/// Ctrl-C, 143 for SIGTERM); a second one exits at once, leaving the journal for `streamgen
/// clean`.
final class SignalWatch: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "streamgen.signals")
    private let progress: RunProgress

    init(progress: RunProgress) {
        self.progress = progress
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if progress.isCancelled {
                    writeStderr("\nstreamgen: stopped at once (a second signal); the journal in the output directory lets `streamgen clean` remove what was written\n")
                    _exit(128 + sig)
                }
                writeStderr("\nstreamgen: stopping (\(sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP")): finishing the chunks in hand, removing temporary files, writing the failed manifest\n")
                progress.cancel(signal: sig)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// When the run stopped because of a signal: prints the error and exits 128 + the signal.
    func exitIfInterrupted(_ error: Error) throws {
        guard let sig = progress.cancelledBy else { return }
        writeStderr("Error: \(error)\n")
        throw ExitCode(128 + sig)
    }

    func stop() {
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
    }
}

enum JSONLine {
    static func progress(rows: Int, total: Int, rate: Double, percent: Double, eta: Double, files: Int) -> String {
        JSONValue.object([
            ("event", .string("progress")), ("rows", .int(Int64(rows))), ("total_rows", .int(Int64(total))),
            ("percent", .double((percent * 10).rounded() / 10)), ("rows_per_second", .int(Int64(rate))),
            ("eta_seconds", .double((eta * 10).rounded() / 10)), ("files", .int(Int64(files))),
        ]).serialized(compact: true) + "\n"
    }

    static func done(rows: Int64, files: Int, bytes: Int64, seconds: Double, directory: String?) -> String {
        JSONValue.object([
            ("event", .string("done")), ("rows", .int(rows)), ("files", .int(Int64(files))), ("bytes", .int(bytes)),
            ("seconds", .double((seconds * 1000).rounded() / 1000)), ("directory", directory.map(JSONValue.string) ?? .null),
        ]).serialized(compact: true) + "\n"
    }
}

func loadSchema(_ file: String) throws -> PackSpec {
    do { return try SchemaFile.load(path: file) } catch { throw CommandFailure("\(error)") }
}

/// The command line a manifest records: the arguments as given, the program named by its file
/// name only, so that where the binary lies (a cluster engine's copy of it in a task's work
/// directory, another machine's install) does not change the manifest's bytes.
func recordedCommandLine() -> [String] {
    var arguments = CommandLine.arguments
    if let program = arguments.first, let slash = program.lastIndex(of: "/") {
        arguments[0] = String(program[program.index(after: slash)...])
    }
    return arguments
}

/// `SOURCE_DATE_EPOCH`, when set: seconds from 1970 to the end of 9999 (a manifest's
/// `created_at` has four-digit years).
func sourceDateEpoch() throws -> Int64? {
    guard let text = ProcessEnvironment()["SOURCE_DATE_EPOCH"] else { return nil }
    guard let v = Int64(text.trimmingWhitespace()), (0...Manifest.latestSeconds).contains(v) else {
        throw ValidationError("SOURCE_DATE_EPOCH '\(text)' is not a number of seconds from 0 to \(Manifest.latestSeconds) (9999-12-31T23:59:59Z)")
    }
    return v
}

/// `--progress`, or `STREAMGEN_PROGRESS` (auto, json, none; true and false as auto and none).
func progressSetting(_ flag: String?) throws -> String {
    if let flag {
        guard ["auto", "json", "none"].contains(flag) else { throw ValidationError("--progress '\(flag)': auto, json or none") }
        return flag
    }
    guard let value = ProcessEnvironment()["STREAMGEN_PROGRESS"] else { return "auto" }
    switch value.trimmingWhitespace().lowercased() {
    case "auto", "true", "1", "yes", "on": return "auto"
    case "json": return "json"
    case "none", "false", "0", "no", "off": return "none"
    default: throw ValidationError("STREAMGEN_PROGRESS '\(value)': auto, json, none, true or false")
    }
}

/// Whether `STREAMGEN_ALLOW_PRODUCTION`, `STREAMGEN_REQUIRE_CONFIRM` and such are set true.
func environmentFlag(_ name: String, default value: Bool) throws -> Bool {
    guard let text = ProcessEnvironment()[name] else { return value }
    switch text.trimmingWhitespace().lowercased() {
    case "true", "1", "yes", "on": return true
    case "false", "0", "no", "off": return false
    default: throw ValidationError("\(name) '\(text)': true or false")
    }
}

/// The refusal of a destructive action under `STREAMGEN_ENV=production` (or the retail spec's
/// `APP_ENV=production`), whatever its case and surrounding white space, unless
/// `STREAMGEN_ALLOW_PRODUCTION=true` says it is meant; nil elsewhere.
func productionRefusal(_ action: String) -> String? {
    let environment = ProcessEnvironment()
    if (try? environmentFlag("STREAMGEN_ALLOW_PRODUCTION", default: false)) == true { return nil }
    for name in ["STREAMGEN_ENV", "APP_ENV"] {
        if let value = environment[name], value.trimmingWhitespace().lowercased() == "production" {
            return "\(action) is refused when \(name)=production (set STREAMGEN_ALLOW_PRODUCTION=true if this is meant)"
        }
    }
    return nil
}

struct ProcessEnvironment {
    subscript(name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let s = String(cString: value)
        return s.isEmpty ? nil : s
    }
}

func writeStderr(_ text: String) {
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(2, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { return }
        done += n
    }
}

func humanCount(_ n: Double) -> String {
    func one(_ x: Double) -> String { let r = (x * 10).rounded() / 10; return r == r.rounded() ? "\(Int(r))" : "\(r)" }
    if n >= 1e9 { return one(n / 1e9) + "B" }
    if n >= 1e6 { return one(n / 1e6) + "M" }
    if n >= 1e3 { return one(n / 1e3) + "k" }
    return "\(Int(n))"
}

func formatSeconds(_ s: Double) -> String {
    if s < 60 { return "\((s * 10).rounded() / 10) s" }
    let total = Int(s)
    return "\(total / 60)m\(total % 60 < 10 ? "0" : "")\(total % 60)s"
}

extension String {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// Without leading and trailing spaces, tabs, line breaks and other white space.
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

