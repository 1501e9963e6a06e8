import ArgumentParser
import Columnar
import StreamGen

/// `streamgen`: the command-line front of the StreamGen library. It parses options into a
/// `GenerateOptions` value and calls the engine; everything it does is testable without it.
@main
struct StreamGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamgen",
        abstract: "Generate realistic, relational synthetic datasets as Hive-partitioned Parquet or CSV, fast and reproducibly.",
        discussion: """
            Examples:
              streamgen list
              streamgen generate devapp --out data/ --seed 42
              streamgen generate devapp --rows 10M --tables fake_analytics --threads 2
              streamgen generate --schema my_tables.yaml --rows 10M --out data/
              streamgen generate devapp --scale 100 --shard 3/8 --out shared/dir   # one of 8 machines
              streamgen manifest merge shared/dir
              streamgen status data/
              streamgen clean data/ --dry-run
              streamgen generate retail --config seed_config.yaml --out retail/
              streamgen append retail/ --start-date 2025-01-01 --end-date 2025-03-31
              streamgen delete retail/ --scope facts --dry-run
            """,
        version: "streamgen \(StreamGenEngine.version)",
        subcommands: [Generate.self, Append.self, Delete.self, List.self, Status.self, Validate.self, Clean.self, ManifestCommand.self, Inspect.self]
    )
}

/// `streamgen inspect FILE`: what a Parquet file's footer says.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a Parquet file's schema, row groups, encodings and statistics.",
        discussion: """
            Decodes the footer with StreamGen's own Thrift reader. Works on any Parquet file.

              $ streamgen inspect data/fake_users/department=HR/part-00000.parquet
            """)

    @Argument(help: "The Parquet file.")
    var file: String

    func run() throws {
        let footer: ThriftValue
        do {
            footer = try ParquetFooter.read(path: file)
        } catch {
            throw CommandFailure("\(error)")
        }
        print(FooterReport(footer).render(file: file))
    }
}

/// `streamgen list`: the packs, their tables and row counts.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the built-in packs, their tables and scale-1 row counts.")

    @Option(name: .long, help: "Also list the tables of this YAML schema file.")
    var schema: String?

    func run() throws {
        var packs = Packs.all
        if let schema { packs.append(DeclarativePack(spec: try loadSchema(schema))) }
        for pack in packs {
            let d = pack.description
            print("\(pack.name): \(pack.summary)")
            print("  default run: \(d.period)")
            for table in d.tables {
                print("  \(table.name): \(table.rows)\(table.details.isEmpty ? "" : ", \(table.details)")")
            }
            if !d.scenarios.isEmpty { print("  scenarios (--scenario): \(d.scenarios.joined(separator: ", "))") }
            for note in d.notes { print("  \(note)") }
        }
    }
}

/// `streamgen status DIR`.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a generated dataset: tables, partitions, rows, bytes and per-column statistics.",
        discussion: "Reads manifest.json, checks that every file it lists is present with its size, and gathers null counts and min/max from the Parquet footers. Exits 1 when the run failed or files are missing. A tree of datasets (the fixtures `generate PACK --scenario` writes side by side) shows each one (JSON: an object by dataset).")

    @Argument(help: "The output directory of a run, a tree of fixtures, or postgres://…[?schema=NAME] for the runs --sink loaded there.")
    var directory: String

    @Flag(help: "Also recompute each file's SHA-256 and compare it with the manifest.")
    var verify = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        if directory.hasPrefix("postgres://") || directory.hasPrefix("postgresql://") {
            let status: PostgresStatus
            do { status = try PostgresStatus.load(try PostgresTarget(parsing: directory)) } catch { throw CommandFailure("\(error)") }
            print(json ? status.json().serialized() : status.render(), terminator: json ? "" : "\n")
            if !status.complete { throw ExitCode(1) }
            return
        }
        guard let fixtures = DatasetTree.datasetDirectories(in: directory) else {
            let status: DatasetStatus
            do { status = try DatasetStatus.load(directory, verify: verify) } catch { throw CommandFailure("\(error)") }
            print(json ? status.json().serialized() : status.render(), terminator: json ? "" : "\n")
            if !status.complete { throw ExitCode(1) }
            return
        }
        var all: [(String, JSONValue)] = []
        var complete = true
        for fixture in fixtures {
            let status: DatasetStatus
            do { status = try DatasetStatus.load(fixture, verify: verify) } catch { throw CommandFailure("\(error)") }
            if json { all.append((String(fixture.split(separator: "/").last ?? ""), status.json())) } else { print(status.render()) }
            complete = complete && status.complete
        }
        if json { print(JSONValue.object(all).serialized(), terminator: "") }
        if !complete { throw ExitCode(1) }
    }
}

/// `streamgen manifest merge DIR`.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest", abstract: "Work with run manifests.", subcommands: [Merge.self])

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the manifests of `--shard i/N` runs into one manifest.json and write _SUCCESS.",
            discussion: """
                Run each shard with the same options into one shared directory (or copy every shard's output into one), then:
                  streamgen manifest merge DIR
                It checks that all N shard manifests are present, complete and of the same dataset, and that every file they list is in DIR.
                A directory of fixtures (generate ecommerce --scenario all --shard i/N) has each fixture merged.
                """)

        @Argument(help: "The directory holding every shard's files and manifest-shard-*.json, or a directory of such fixtures.")
        var directory: String

        func run() throws {
            do {
                for dataset in ManifestMerge.shardedFixtures(directory) ?? [directory] {
                    let m = try ManifestMerge.merge(dataset, createdAt: sourceDateEpoch())
                    print("merged \(m.tables.reduce(0) { $0 + $1.files.count }) files of \(m.tables.count) table(s) into \(dataset)/\(Manifest.fileName)")
                }
            } catch {
                throw CommandFailure("\(error)")
            }
        }
    }
}

/// A failure to report as `Error: <message>` with exit status 1, without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// `streamgen validate DIR...`.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check datasets against their pack's rules and their ground truth: integrity, keys, distributions, every anomaly and quality issue.",
        discussion: """
            Reads the files back (with StreamGen's own Parquet reader) and prints PASS or FAIL per check with the measured figure. The pack is the one the manifest names; a YAML schema's dataset gets the checks every declarative table has (files, keys, foreign keys, nulls, quality issues against their ground truth).
            Exits 1 when any check fails.
            A tree of fixtures (the directory `generate PACK --scenario` writes one fixture per scenario into) validates every fixture in it.
              streamgen generate ecommerce --scenario all --out fixtures
              streamgen validate fixtures
            """)

    @Argument(help: "Dataset directories (each holding a manifest.json), or trees of fixtures.")
    var directories: [String]

    func run() throws {
        var failed = false
        for directory in directories.flatMap({ DatasetTree.datasetDirectories(in: $0) ?? [$0] }) {
            let result: ValidationReport
            do { result = try Packs.validate(directory) } catch { throw CommandFailure("\(error)") }
            print(result.render())
            if !result.passed { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `streamgen clean DIR`.
struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove what StreamGen wrote into a directory (or a --sink load left in PostgreSQL), and nothing else.",
        discussion: """
            Removes the files the directory's manifests claim (each with the size the manifest gives) and, for a run that was killed or ran out of disk before its manifest, the table directories its journal claims, with temporary files, manifests, journals and _SUCCESS. If anything else is there (a foreign file, a link, a file whose size changed) nothing is removed. A directory of fixtures (generate ecommerce --scenario all) is cleaned fixture by fixture.
              $ streamgen clean data/ --dry-run
              $ streamgen clean data/ --confirm
            With postgres://…[?schema=NAME]: drops the staging tables (_streamgen_<run>_<n>) of --sink loads whose process ended mid-load (killed, its machine lost) and marks those runs failed in streamgen_runs; a load that still has a connection is left alone, and no other table is touched.
              $ streamgen clean "postgres://me@localhost/app?schema=demo" --dry-run
            Refused under STREAMGEN_ENV=production (or APP_ENV=production), except --dry-run.
            """)

    @Argument(help: "The output directory of a run, or postgres://…[?schema=NAME] for what unfinished --sink loads left there.")
    var directory: String

    @Flag(help: "List what would be removed, and remove nothing.")
    var dryRun = false

    @Flag(help: "Remove it (clean changes nothing without --confirm or --dry-run).")
    var confirm = false

    func run() throws {
        guard dryRun || confirm else {
            throw ValidationError("clean removes files: pass --confirm to remove them, or --dry-run to list what would go")
        }
        if !dryRun, let refusal = productionRefusal("clean") { throw ValidationError(refusal) }
        if directory.hasPrefix("postgres://") || directory.hasPrefix("postgresql://") { return try cleanPostgres() }
        let report: DatasetCleaner.Report
        do { report = try DatasetCleaner.clean(directory, dryRun: dryRun) } catch { throw CommandFailure("\(error)") }
        if dryRun {
            for f in report.files { print(f) }
            print("would remove \(report.files.count) file(s) and \(report.directories) director\(report.directories == 1 ? "y" : "ies"), \(humanBytes(report.bytes)), from \(report.datasets.isEmpty ? directory : report.datasets.joined(separator: ", "))")
        } else {
            print("removed \(report.files.count) file(s) and \(report.directories) director\(report.directories == 1 ? "y" : "ies"), \(humanBytes(report.bytes)), from \(report.datasets.isEmpty ? directory : report.datasets.joined(separator: ", "))")
        }
    }

    func cleanPostgres() throws {
        let report: PostgresCleaner.Report
        do { report = try PostgresCleaner.clean(try PostgresTarget(parsing: directory), dryRun: dryRun) } catch { throw CommandFailure("\(error)") }
        for table in report.tables { print(table) }
        for run in report.live { print("run \(run) is still loading (it has a connection): its staging tables were left alone") }
        let verb = dryRun ? "would drop" : "dropped"
        let runs = report.runs.isEmpty ? "" : "; \(dryRun ? "would mark" : "marked") run\(report.runs.count == 1 ? "" : "s") \(report.runs.joined(separator: ", ")) failed"
        print("\(verb) \(report.tables.count) staging table(s)\(runs)")
    }
}
