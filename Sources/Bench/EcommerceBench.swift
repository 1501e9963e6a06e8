import ArgumentParser
import Foundation
import StreamGen

/// `streamgen-bench ecommerce`: the ecommerce pack's baseline at several scales, thread counts and
/// codecs, each a fresh `streamgen generate ecommerce` process measured by `wait4`.
struct EcommerceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecommerce",
        abstract: "Time `streamgen generate ecommerce` (all six tables) by scale, threads and codec; report events/s and peak RSS.",
        discussion: """
            The time is the whole run (categories, products, the session simulation writing events, orders and
            items, then users); events/s divides the events written by it. Threads alternate within each
            scale and codec, and the 2-thread figure is given as a ratio of the 1-thread one from the same run.
            """)

    @Option(help: "The streamgen executable.")
    var streamgen = ".build/release/streamgen"

    @Option(help: "Scales, comma-separated (scale 1 = 500 000 events over 7 days).")
    var scales = "20,100"

    @Option(help: "Thread counts, comma-separated.")
    var threads = "1,2"

    @Option(help: "Codecs, comma-separated.")
    var compression = "snappy,zstd"

    @Option(help: "Runs per configuration (the median is reported).")
    var `repeat` = 1

    @Option(help: "Where the runs write (removed after each run).")
    var out = "bench-out/ecommerce"

    func run() throws {
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }
        print("streamgen generate ecommerce (baseline, 7 days), median of \(self.repeat)")
        print("scale  codec   threads  seconds  events       events/s    vs 1 thread  on disk     peak RSS   CPU/core")
        for scale in scales.split(separator: ",").map(String.init) {
            for codec in compression.split(separator: ",").map(String.init) {
                var samples: [Int: [(Double, Int64, Int64, Double, Int64)]] = [:]
                for _ in 0..<self.repeat {
                    for t in threadCounts { samples[t, default: []].append(try runOnce(scale: scale, codec: codec, threads: t)) }
                }
                var baseline: Double?
                for t in threadCounts {
                    let runs = samples[t]!.sorted { $0.0 < $1.0 }
                    let (seconds, bytes, rss, cpu, events) = runs[runs.count / 2]
                    let rate = Double(events) / seconds
                    if baseline == nil { baseline = rate }
                    print(pad(scale, 7) + pad(codec, 8) + pad("\(t)", 9) + pad(String(format: "%.2f", seconds), 9)
                          + pad(formatCount(Double(events)), 13) + pad(formatCount(rate), 12) + pad(String(format: "%.2f×", rate / baseline!), 13)
                          + pad(formatBytes(Double(bytes)), 12) + pad(String(format: "%.0f MiB", Double(rss) / 1_048_576), 11)
                          + String(format: "%.0f%%", 100 * cpu / seconds / Double(t)))
                }
            }
        }
    }

    func runOnce(scale: String, codec: String, threads: Int) throws -> (Double, Int64, Int64, Double, Int64) {
        let directory = "\(out)/\(scale)-\(codec)-\(threads)"
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = [streamgen, "generate", "ecommerce", "--scale", scale, "--threads", String(threads), "--compression", codec,
                         "--out", directory, "--quiet"]
        let child = try ChildRun.measure(arguments)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))) as? [String: Any]
        var bytes: Int64 = 0
        var events: Int64 = 0
        for (name, value) in manifest?["tables"] as? [String: [String: Any]] ?? [:] {
            for f in value["files"] as? [[String: Any]] ?? [] { bytes += (f["bytes"] as? NSNumber)?.int64Value ?? 0 }
            if name == "events" { events = (value["row_count"] as? NSNumber)?.int64Value ?? 0 }
        }
        return (child.seconds, bytes, child.peakRSS, child.cpu, events)
    }

}
