import ArgumentParser
import Foundation
import StreamGen

/// `streamgen-bench engine`: runs `streamgen generate` as a child process per configuration and
/// reports rows/s, bytes, peak RSS and CPU use per core from the child's own `rusage`.
struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time `streamgen generate` for a pack's table at several row counts and thread counts.",
        discussion: """
            Each configuration runs in a fresh process (`wait4` gives its peak RSS and CPU), into a
            fresh directory that is removed afterwards. Threads 1 and 2 alternate, so that a noisy
            neighbour hurts both alike; the median of --repeat runs is reported, and 2-thread
            throughput as a ratio of 1-thread throughput measured in the same run.
            """)

    @Option(help: "The streamgen executable.")
    var streamgen = ".build/release/streamgen"

    @Option(help: "The pack.")
    var pack = "devapp"

    @Option(help: "The table.")
    var table = "fake_analytics"

    @Option(help: "Row counts, comma-separated (10M, 100M, ...).")
    var rows = "10M,100M"

    @Option(help: "Thread counts, comma-separated.")
    var threads = "1,2"

    @Option(help: "Runs per configuration (the median is reported).")
    var `repeat` = 1

    @Option(help: "The memory limit passed to streamgen.")
    var memoryLimit = "256MiB"

    @Option(help: "Where the runs write (removed after each run).")
    var out = "bench-out/engine"

    struct Sample {
        var seconds: Double
        var bytes: Int64
        var peakRSS: Int64
        var cpu: Double
    }

    func run() throws {
        let rowCounts = rows.split(separator: ",").map(String.init)
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }
        print("streamgen generate \(pack) --tables \(table), memory limit \(memoryLimit), median of \(self.repeat)")
        print("rows        threads  seconds  rows/s      vs 1 thread  bytes       peak RSS   CPU/core")
        for count in rowCounts {
            guard let rowCount = parseCount(count) else { throw ValidationError("--rows: '\(count)' is not a row count") }
            let n = Double(rowCount)
            var samples: [Int: [Sample]] = [:]
            for _ in 0..<self.repeat {
                for t in threadCounts { samples[t, default: []].append(try runOnce(rows: count, threads: t)) }
            }
            var baseline: Double?
            for t in threadCounts {
                let runs = samples[t]!.sorted { $0.seconds < $1.seconds }
                let median = runs[runs.count / 2]
                let rate = n / median.seconds
                if baseline == nil { baseline = rate }
                let ratio = rate / baseline!
                print(pad(count, 12) + pad("\(t)", 9) + pad(String(format: "%.2f", median.seconds), 9)
                      + pad(formatCount(rate), 12) + pad(String(format: "%.2f×", ratio), 13)
                      + pad(formatBytes(Double(median.bytes)), 12) + pad(String(format: "%.0f MiB", Double(median.peakRSS) / 1_048_576), 11)
                      + String(format: "%.0f%%", 100 * median.cpu / median.seconds / Double(t)))
            }
        }
    }

    func runOnce(rows: String, threads: Int) throws -> Sample {
        let directory = "\(out)/\(rows)-\(threads)"
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = [streamgen, "generate", pack, "--tables", table, "--rows", rows, "--threads", String(threads),
                         "--memory-limit", memoryLimit, "--out", directory, "--quiet"]
        let child = try ChildRun.measure(arguments)
        var bytes: Int64 = 0
        if let enumerator = FileManager.default.enumerator(atPath: directory) {
            while let path = enumerator.nextObject() as? String {
                guard path.hasSuffix(".parquet") else { continue }
                let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + path))?[.size] as? NSNumber
                bytes += size?.int64Value ?? 0
            }
        }
        return Sample(seconds: child.seconds, bytes: bytes, peakRSS: child.peakRSS, cpu: child.cpu)
    }

}
