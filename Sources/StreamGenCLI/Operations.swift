import ArgumentParser
import Columnar
import StreamGen

/// `streamgen append DIR`.
struct Append: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a range of days to a dataset (the retail pack): its existing stores and products, inventory and prices continued.",
        discussion: """
            The range starts the day after the dataset's last day. Files already there are not touched; the manifest is replaced only once every new file is in place, so an append that fails (a full disk, a signal) leaves the dataset as it was. Running the same append again changes nothing. The dataset is verified afterwards (--no-verify skips it).
              streamgen append retail/ --start-date 2025-01-01 --end-date 2025-03-31 --seed 43
            """)

    @Argument(help: "The dataset directory.")
    var directory: String

    @Option(name: [.customLong("start-date"), .customLong("start")], help: "The first day, YYYY-MM-DD (default: the day after the dataset's last).")
    var startDate: String?

    @Option(name: [.customLong("end-date"), .customLong("end")], help: "The last day, YYYY-MM-DD.")
    var endDate: String

    @Option(parsing: .unconditional, help: "The seed of the new days (default: the dataset's).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Shards generated at once (default: all cores, or STREAMGEN_THREADS).")
    var threads: Int?

    @Option(help: "The memory ceiling: 512MiB, 2GiB, ...")
    var memoryLimit: String = "512MiB"

    @Option(help: "Also upsert the new days into the tables a `generate retail --sink` loaded: postgres://user@host:port/db[?schema=NAME] (or STREAMGEN_POSTGRES_URL).")
    var sink: String?

    @Flag(inversion: .prefixedNo, help: "Verify the dataset afterwards.")
    var verify = true

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Option(help: "Progress display: auto, json or none (default auto, or STREAMGEN_PROGRESS).")
    var progress: String?

    func run() async throws {
        guard let end = parseISODate(endDate) else { throw ValidationError("--end-date '\(endDate)' is not a date (YYYY-MM-DD)") }
        var request = AppendRequest(endDay: end)
        if let startDate {
            guard let d = parseISODate(startDate) else { throw ValidationError("--start-date '\(startDate)' is not a date (YYYY-MM-DD)") }
            request.startDay = d
        }
        request.seed = seed
        if let threads { guard (1...1024).contains(threads) else { throw ValidationError("--threads \(threads): between 1 and 1024") } }
        request.threads = threads
        guard let limit = parseSize(memoryLimit) else { throw ValidationError("--memory-limit '\(memoryLimit)' is not a size (as 512MiB, 2GiB)") }
        request.memoryLimit = limit
        request.commandLine = recordedCommandLine()
        request.createdAt = try sourceDateEpoch()
        if let url = sink ?? ProcessEnvironment()["STREAMGEN_POSTGRES_URL"] {
            do { request.sink = try PostgresTarget(parsing: url) } catch { throw ValidationError("\(error)") }
        }
        let manifestPack: String
        do { manifestPack = try DatasetStatus.load(directory).manifest.pack } catch { throw CommandFailure("\(error)") }
        guard let pack = Packs.named(manifestPack) else { throw CommandFailure("'\(directory)' holds a dataset of '\(manifestPack)', which takes no appends") }
        let session = RunSession(quiet: quiet, progress: try progressSetting(progress))
        let report = try await session.run { counters in try await pack.append(directory, request: request, progress: counters) }
        if !quiet {
            let d = report.datasets[0]
            let rows = d.tables.map { "\($0.name) \(grouped($0.rows))" }.joined(separator: ", ")
            print("\(d.label ?? "appended \(startDate ?? "the next days") to \(endDate)") in \(formatSeconds(session.seconds)); \(directory) now holds \(rows)")
            if let note = report.sinkNote { print(note) }
        }
        if verify { try verifyDataset(directory, quiet: quiet) }
    }
}

/// `streamgen delete DIR`.
struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a dataset's tables: all of them, its facts or its dimensions (spec 003's delete).",
        discussion: """
            Removes only files the manifest claims, each with the size it records, and rewrites the manifest so it stays true (the tables deleted are listed in it). --dry-run lists the tables, files, rows and bytes that would go and changes nothing.
              streamgen delete retail/ --dry-run
              streamgen delete retail/ --scope facts --confirm
            Needs --confirm (unless STREAMGEN_REQUIRE_CONFIRM=false); refused under STREAMGEN_ENV=production or APP_ENV=production unless STREAMGEN_ALLOW_PRODUCTION=true, except --dry-run.
            """)

    @Argument(help: "The dataset directory.")
    var directory: String

    @Option(help: "all (every table and StreamGen file), facts or dimensions.")
    var scope: String = "all"

    @Flag(help: "Remove it.")
    var confirm = false

    @Flag(help: "List what would be removed, and remove nothing.")
    var dryRun = false

    @Flag(inversion: .prefixedNo, help: "Verify what is left afterwards (scopes facts and dimensions).")
    var verify = true

    func run() throws {
        guard let scope = DatasetDelete.Scope(rawValue: scope) else { throw ValidationError("--scope '\(scope)': all, facts or dimensions") }
        if !dryRun {
            let required = try environmentFlag("STREAMGEN_REQUIRE_CONFIRM", default: true)
            guard confirm || !required else {
                throw CommandFailure("delete removes files: pass --confirm to remove them, or --dry-run to list what would go")
            }
            if let refusal = productionRefusal("delete") { throw CommandFailure(refusal) }
        }
        let report: DatasetDelete.Report
        do { report = try DatasetDelete.run(directory, scope: scope, dryRun: dryRun) } catch { throw CommandFailure("\(error)") }
        for t in report.tables where t.files > 0 {
            print("\(dryRun ? "would delete" : "deleted") \(t.name): \(t.files) file(s), \(grouped(t.rows)) rows, \(humanBytes(t.bytes))")
        }
        if dryRun { for f in report.files { print("  \(f)") } }
        print("\(dryRun ? "would remove" : "removed") \(report.files.count) file(s), \(grouped(report.rows)) rows, \(humanBytes(report.bytes)) from \(directory) (scope \(scope.rawValue))\(dryRun ? "; nothing was changed" : "")")
        if !dryRun && scope != .all && verify { try verifyDataset(directory, quiet: false) }
    }
}

/// Validates `directory` and prints a line (every failing check in full); exits 1 on a failure.
func verifyDataset(_ directory: String, quiet: Bool) throws {
    let result: ValidationReport
    do { result = try Packs.validate(directory) } catch { throw CommandFailure("verifying \(directory): \(error)") }
    if result.passed {
        if !quiet { print("verified: all \(result.checks.count) checks passed (`streamgen validate \(directory)` prints them)") }
        return
    }
    print(result.render())
    throw ExitCode(1)
}
