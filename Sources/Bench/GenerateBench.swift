import ArgumentParser
import Columnar
import Foundation
import StreamGen

/// `streamgen-bench generate PACK`: one real generation in this process, with the figures a user
/// compares generators by and the stage breakdown measured inside the run.
struct GenerateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Run one generation and report rows/s, MB/s, peak RSS, CPU per core and where the time went.",
        discussion: """
            The run is the same code as `streamgen generate`, in this process, which does nothing else: peak RSS \
            is the process's high-water mark (VmHWM) and CPU its rusage. The stages are timed inside the run at \
            chunk and page granularity and summed over threads; "other" is what remains of threads × wall time \
            (planning, one-thread bookkeeping, the manifest, runtime overhead). The output directory is removed \
            afterwards unless --keep is given.
            """)

    @Argument(help: "The pack: ecommerce, or a declarative pack such as devapp.")
    var pack: String

    @Option(help: "The table rows/s is counted for (ecommerce: default events; others: default all selected tables). For declarative packs only this table is generated.")
    var table: String?

    @Option(help: "Multiply the pack's scale-1 row counts (ecommerce scale 1 is about 500 000 events).")
    var scale: Double?

    @Option(help: "Rows of the counted table instead of --scale (1M, 10M, ...); ecommerce reaches it within about 1 %.")
    var rows: String?

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Option(help: "snappy, zstd or none (default: the pack's; ecommerce snappy, others zstd).")
    var compression: String?

    @Option(help: "The zstd level.")
    var zstdLevel: Int32 = 1

    @Option(help: "parquet or csv, for packs that write both (jaffle's default is csv).")
    var format: String?

    @Option(help: "ecommerce: the fixture to write (a scenario such as null_spike: its census and exact quotas are timed with it).")
    var scenario: String?

    @Option(help: "The memory ceiling passed to the run.")
    var memoryLimit = "512MiB"

    @Option(help: "Where the run writes (a fresh directory; removed afterwards unless --keep).")
    var out = "bench-out/generate"

    @Flag(help: "Keep the output directory.")
    var keep = false

    @Flag(help: "Print one JSON object instead of the report.")
    var json = false

    func run() async throws {
        let codec = try compression.map { name -> CompressionCodec in
            guard let c = CompressionCodec(name: name.lowercased()) else { throw ValidationError("--compression '\(name)': snappy, zstd or none") }
            return c
        }
        guard let memory = parseSize(memoryLimit) else { throw ValidationError("--memory-limit '\(memoryLimit)' is not a size (as 512MiB)") }
        if scale != nil && rows != nil { throw ValidationError("give either --scale or --rows, not both") }
        let rowTarget = try rows.map { text -> Int in
            guard let n = parseCount(text), n >= 1 else { throw ValidationError("--rows '\(text)' is not a row count (as 10M)") }
            return n
        }
        if let threads, threads < 1 { throw ValidationError("--threads \(threads): at least 1") }
        if FileManager.default.fileExists(atPath: out) {
            throw ValidationError("--out \(out) exists; give a directory that does not (it is removed after the run)")
        }
        defer { if !keep { try? FileManager.default.removeItem(atPath: out) } }

        Measure.resetPeak()
        let progress = RunProgress()
        let cpuStart = Measure.cpuSeconds()
        let clock = ContinuousClock()
        let started = clock.now
        var result: GenerateResult
        if pack == EcommercePack.name {
            result = try await runEcommerce(codec: codec, memory: memory, rowTarget: rowTarget, progress: progress)
        } else if let simulated = Packs.named(pack), !(simulated is DeclarativePack) {
            result = try await runPack(simulated, codec: codec, memory: memory, rowTarget: rowTarget, progress: progress)
        } else {
            result = try await runDeclarative(codec: codec, memory: memory, rowTarget: rowTarget, progress: progress)
        }
        let elapsed = clock.now - started
        result.record(
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            cpuSeconds: Measure.cpuSeconds() - cpuStart, peakRSS: Int64(Measure.peakResidentBytes),
            uncompressedBytes: Int64(progress.uncompressedBytesDone.load(ordering: .relaxed)), stages: progress.stages.withLock { $0 })
        if json {
            print(result.jsonLine)
        } else {
            print(result.report(out: out))
        }
    }

    /// Ecommerce events number about this many per unit of scale (7 days).
    static let ecommerceEventsPerScale = 495_000.0

    /// The threads the run uses.
    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func runEcommerce(codec: CompressionCodec?, memory: Int, rowTarget: Int?, progress: RunProgress) async throws -> GenerateResult {
        let counted = table ?? "events"
        guard EcommerceTables.names.contains(counted) else {
            throw ValidationError("--table: ecommerce has no table '\(counted)' (it has: \(EcommerceTables.names.joined(separator: ", ")))")
        }
        if rowTarget != nil && counted != "events" { throw ValidationError("--rows applies to ecommerce's events; give --scale for other tables") }
        var options = EcommerceOptions(outDirectory: out)
        options.scale = rowTarget.map { Double($0) / Self.ecommerceEventsPerScale } ?? scale ?? 1
        options.threads = threads
        if let codec { options.codec = codec }
        options.zstdLevel = zstdLevel
        options.memoryLimit = memory
        if let f = try outputFormat() { options.format = f }
        if let scenario {
            guard let s = EcommerceScenario(rawValue: scenario) else {
                throw ValidationError("--scenario '\(scenario)': one of \(EcommerceScenario.allCases.map(\.name).joined(separator: ", "))")
            }
            options.scenarios = [s]
        }
        let summaries: [FixtureSummary]
        do { summaries = try await EcommerceRun.generate(options, progress: progress) } catch { throw ValidationError("\(error)") }
        let summary = summaries[0]
        return GenerateResult(
            pack: pack, table: counted, scale: options.scale, threads: threadCount, codec: options.codec.name,
            rows: summary.rows[counted] ?? 0, allRows: summary.rows.values.reduce(0, +), bytes: summary.bytes)
    }

    func runDeclarative(codec: CompressionCodec?, memory: Int, rowTarget: Int?, progress: RunProgress) async throws -> GenerateResult {
        guard let declarative = Packs.named(pack) as? DeclarativePack else {
            throw ValidationError("unknown pack '\(pack)' (known: \(Packs.names))")
        }
        var request = request(codec: codec, memory: memory, rowTarget: rowTarget)
        if let table { request.tables = [table] }
        let options: GenerateOptions
        do { options = try declarative.options(request) } catch { throw ValidationError("\(error)") }
        let prepared: StreamGenEngine.Prepared
        let manifest: Manifest
        do {
            prepared = try StreamGenEngine.prepare(options)
            manifest = try await StreamGenEngine.run(prepared, progress: progress)
        } catch {
            throw ValidationError("\(error)")
        }
        let all = manifest.tables.reduce(0) { $0 + $1.rows }
        // With --rows, the scale is what the plan derived from it.
        return GenerateResult(
            pack: pack, table: table ?? manifest.tables.map(\.name).joined(separator: ","), scale: prepared.shape.scale,
            threads: threadCount, codec: options.codec.name, rows: all, allRows: all, bytes: manifest.tables.reduce(0) { $0 + $1.bytes })
    }
}

extension GenerateBench {
    /// The request the command line's options make, for any pack.
    func request(codec: CompressionCodec?, memory: Int, rowTarget: Int?) -> GenerateRequest {
        var request = GenerateRequest(outDirectory: out)
        request.rows = rowTarget
        request.scale = scale
        request.threads = threads
        request.codec = codec
        request.zstdLevel = zstdLevel
        request.memoryLimit = memory
        return request
    }

    /// `--format`, parsed.
    func outputFormat() throws -> OutputFormat? {
        guard let format else { return nil }
        guard let f = OutputFormat(rawValue: format.lowercased()) else { throw ValidationError("--format '\(format)': parquet, csv or delta") }
        return f
    }

    /// A simulated pack (retail, jaffle) through its `generate`: --rows counts its largest table.
    func runPack(_ p: any Pack, codec: CompressionCodec?, memory: Int, rowTarget: Int?, progress: RunProgress) async throws -> GenerateResult {
        var request = request(codec: codec, memory: memory, rowTarget: rowTarget)
        if let f = try outputFormat() { request.format = f }
        let report: GenerateReport
        do { report = try await p.generate(request, progress: progress) } catch { throw ValidationError("\(error)") }
        let tables = report.datasets.flatMap(\.tables)
        let counted = table.flatMap { name in tables.first { $0.name == name } } ?? tables.max { $0.rows < $1.rows }
        return GenerateResult(pack: pack, table: counted?.name ?? "", scale: scale ?? 1, threads: threadCount, codec: (codec ?? .zstd).name,
                              rows: counted?.rows ?? 0, allRows: report.rows, bytes: report.bytes)
    }
}

/// One measured generation: what `generate --json` prints and `scaling` reads back.
struct GenerateResult: Codable {
    var pack: String
    var table: String
    var scale: Double
    var threads: Int
    var codec: String
    /// Rows of the counted table.
    var rows: Int64
    /// Rows of every table written.
    var allRows: Int64
    var seconds: Double
    var cpuSeconds: Double
    var peakRSS: Int64
    /// Bytes on disk.
    var bytes: Int64
    /// Parquet pages before compression.
    var uncompressedBytes: Int64
    /// Stage → thread-seconds.
    var stageSeconds: [String: Double]

    enum CodingKeys: String, CodingKey {
        case pack, table, scale, threads, codec, rows, seconds, bytes
        case allRows = "all_rows", cpuSeconds = "cpu_seconds", peakRSS = "peak_rss"
        case uncompressedBytes = "uncompressed_bytes", stageSeconds = "stage_seconds"
    }

    /// What a run wrote; `record` adds what was measured.
    init(pack: String, table: String, scale: Double, threads: Int, codec: String, rows: Int64, allRows: Int64, bytes: Int64) {
        self.pack = pack
        self.table = table
        self.scale = scale
        self.threads = threads
        self.codec = codec
        self.rows = rows
        self.allRows = allRows
        self.bytes = bytes
        seconds = 0
        cpuSeconds = 0
        peakRSS = 0
        uncompressedBytes = 0
        stageSeconds = [:]
    }

    mutating func record(seconds: Double, cpuSeconds: Double, peakRSS: Int64, uncompressedBytes: Int64, stages: StageTimes) {
        self.seconds = seconds
        self.cpuSeconds = cpuSeconds
        self.peakRSS = peakRSS
        self.uncompressedBytes = uncompressedBytes
        for (name, ns) in stages.stages { stageSeconds[name] = Double(ns) / 1e9 }
    }

    var rowsPerSecond: Double { Double(rows) / seconds }
    var cpuPerCore: Double { cpuSeconds / seconds / Double(threads) }

    /// The stages in report order, then "other": the rest of threads × wall.
    var breakdown: [(name: String, seconds: Double)] {
        let names = StageTimes().stages.map(\.name)
        let measured = names.map { ($0, stageSeconds[$0] ?? 0) }
        let other = max(0, seconds * Double(threads) - measured.reduce(0) { $0 + $1.1 })
        return measured + [("other", other)]
    }

    var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    static func decode(_ data: Data) throws -> GenerateResult {
        try JSONDecoder().decode(GenerateResult.self, from: data)
    }

    func report(out: String) -> String {
        var lines: [String] = []
        lines.append("\(pack) (\(table)), scale \(String(format: "%g", scale)), \(threads) thread(s), \(codec), into \(out)")
        let others = allRows > rows ? " (\(formatCount(Double(allRows))) rows in all tables)" : ""
        lines.append(pad("rows", 16) + formatCount(Double(rows)) + others)
        lines.append(pad("wall", 16) + String(format: "%.2f s", seconds))
        lines.append(pad("rows/s", 16) + formatCount(rowsPerSecond))
        lines.append(pad("uncompressed", 16) + pad(formatBytes(Double(uncompressedBytes)), 11)
                     + String(format: "%.0f MB/s  (Parquet pages before compression)", Double(uncompressedBytes) / seconds / 1e6))
        lines.append(pad("on disk", 16) + pad(formatBytes(Double(bytes)), 11) + String(format: "%.0f MB/s", Double(bytes) / seconds / 1e6))
        lines.append(pad("peak RSS", 16) + String(format: "%.0f MiB", Double(peakRSS) / 1_048_576))
        lines.append(pad("CPU", 16) + String(format: "%.2f s, %.0f %% of %d core(s)", cpuSeconds, 100 * cpuPerCore, threads))
        lines.append("where the time went (thread-seconds; shares of \(threads) × wall):")
        let total = seconds * Double(threads)
        for (name, s) in breakdown {
            lines.append("  " + pad(name, 14) + pad(String(format: "%.2f s", s), 10) + String(format: "%4.1f %%", 100 * s / total))
        }
        return lines.joined(separator: "\n")
    }
}
