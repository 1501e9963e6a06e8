import ArgumentParser
import Foundation
import StreamGen

#if canImport(Glibc)
import Glibc
#endif

/// `streamgen-bench scaling PACK`: `generate` over row counts and thread counts, each run a fresh
/// process, written up as `report.md` with an SVG chart.
struct ScalingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Run `generate` over rows (1M, 10M, 100M) × threads (1 … cores), median of --repeat, and write report.md with a chart.",
        discussion: """
            Every run is `streamgen-bench generate --json` in a fresh process, into a fresh directory removed \
            afterwards; peak RSS and CPU come from the child's rusage (wait4). Within a row count the thread \
            counts alternate run by run, so a noisy neighbour hurts them alike. A row count is skipped, with a \
            note, when the disk under --out cannot hold it (estimated from the smaller runs).
            """)

    @Argument(help: "The pack: ecommerce, or a declarative pack such as devapp.")
    var pack: String

    @Option(help: "The table rows are counted for (see `generate --table`).")
    var table: String?

    @Option(help: "Row counts, comma-separated.")
    var rows = "1M,10M,100M"

    @Option(help: "Thread counts, comma-separated (default: 1 … cores).")
    var threads: String?

    @Option(help: "The codec.")
    var compression: String?

    @Option(help: "Runs per configuration; the median (by wall time) is reported.")
    var `repeat` = 3

    @Option(help: "Where runs write, and where report.md and scaling.svg go.")
    var out = "bench-out/scaling"

    func run() throws {
        let rowCounts = try rows.split(separator: ",").map { text -> (String, Int) in
            guard let n = parseCount(String(text)), n >= 1 else { throw ValidationError("--rows: '\(text)' is not a row count") }
            return (String(text), n)
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threadCounts = try threads.map(parseThreadCounts) ?? Array(1...cores)
        guard self.repeat >= 1 else { throw ValidationError("--repeat must be at least 1") }
        let self_ = ChildRun.thisExecutable
        let runDirectory = out + "/run"
        try? FileManager.default.removeItem(atPath: runDirectory)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

        var points: [ScalingPoint] = []
        var skipped: [String] = []
        var bytesPerRow: Double?
        print("streamgen-bench scaling \(pack): rows \(rows), threads \(threadCounts.map(String.init).joined(separator: ",")), median of \(self.repeat)")
        print("rows      threads  seconds  rows/s      vs 1 thread  on disk     peak RSS   CPU/core  spread")
        for (label, count) in rowCounts {
            if let perRow = bytesPerRow {
                let need = perRow * Double(count) * 1.2
                let free = freeBytes(out)
                if need > free {
                    let note = "\(label) rows skipped: about \(formatBytes(need)) needed under \(out), \(formatBytes(free)) free"
                    print(note)
                    skipped.append(note)
                    continue
                }
            }
            var samples: [Int: [(GenerateResult, ChildRun)]] = [:]
            for _ in 0..<self.repeat {
                for t in threadCounts {
                    var arguments = [self_, "generate", pack, "--rows", label, "--threads", String(t), "--json", "--out", runDirectory]
                    if let table { arguments += ["--table", table] }
                    if let compression { arguments += ["--compression", compression] }
                    let child = try ChildRun.measure(arguments, captureOutput: true)
                    let result = try GenerateResult.decode(child.output)
                    samples[t, default: []].append((result, child))
                }
            }
            var baseline: Double?
            for t in threadCounts {
                let runs = samples[t]!
                let (result, child) = median(runs, by: \.1.seconds)
                let rates = runs.map { Double($0.0.rows) / $0.1.seconds }
                var point = ScalingPoint(rowsLabel: label, result: result, wallSeconds: child.seconds, cpuSeconds: child.cpu,
                                         peakRSS: child.peakRSS, minRate: rates.min()!, maxRate: rates.max()!, runs: runs.count)
                if baseline == nil { baseline = point.rowsPerSecond }
                point.speedup = point.rowsPerSecond / baseline!
                points.append(point)
                bytesPerRow = max(bytesPerRow ?? 0, Double(result.bytes) / Double(max(result.rows, 1)))
                print(pad(label, 10) + pad("\(t)", 9) + pad(String(format: "%.2f", point.wallSeconds), 9)
                      + pad(formatCount(point.rowsPerSecond), 12) + pad(String(format: "%.2f×", point.speedup), 13)
                      + pad(formatBytes(Double(result.bytes)), 12) + pad(String(format: "%.0f MiB", Double(point.peakRSS) / 1_048_576), 11)
                      + pad(String(format: "%.0f%%", 100 * point.cpuSeconds / point.wallSeconds / Double(t)), 10)
                      + "\(formatCount(point.minRate))–\(formatCount(point.maxRate))")
            }
        }
        try? FileManager.default.removeItem(atPath: runDirectory)
        guard !points.isEmpty else { throw ValidationError("no row count could run") }
        let report = ScalingReport(pack: pack, codec: points[0].result.codec, table: points[0].result.table, repeats: self.repeat,
                                   points: points, skipped: skipped)
        try report.markdown().write(toFile: out + "/report.md", atomically: true, encoding: .utf8)
        try report.chart().write(toFile: out + "/scaling.svg", atomically: true, encoding: .utf8)
        print("wrote \(out)/report.md and \(out)/scaling.svg")
    }

    /// Free bytes on the file system holding `path` (or its nearest existing parent).
    func freeBytes(_ path: String) -> Double {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return .infinity }
        return Double(stats.f_bavail) * Double(stats.f_frsize)
    }
}

/// One configuration's median run.
struct ScalingPoint {
    var rowsLabel: String
    var result: GenerateResult
    /// From the child's rusage.
    var wallSeconds: Double
    var cpuSeconds: Double
    var peakRSS: Int64
    var minRate: Double
    var maxRate: Double
    var runs: Int
    var speedup = 1.0

    var threads: Int { result.threads }
    var rows: Int64 { result.rows }
    var rowsPerSecond: Double { Double(result.rows) / wallSeconds }
}
