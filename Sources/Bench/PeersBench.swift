import ArgumentParser
import Columnar
import Foundation
import StreamGen

/// `streamgen-bench peers`: StreamGen's ecommerce events against pyarrow, DuckDB, a numpy peer and
/// tpchgen-cli, all in one run on the same machine, cores and codec.
struct PeersBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "Print the ratio table of StreamGen's ecommerce events against pyarrow, DuckDB, a numpy generator and tpchgen-cli.",
        discussion: """
            First StreamGen writes the events once (not timed); pyarrow and DuckDB load that output into memory (not \
            timed) and time writing it again: pyarrow as N files on N threads (the table split in N), DuckDB as one \
            COPY with N threads. StreamGen (`generate --json`, a fresh process per run, timing the whole run with \
            all six tables) and the numpy + pyarrow generator (Benchmarks/peers/numpy_events.py, days spread over N \
            processes) generate and write the same events table. Medians of --repeat; ratios are StreamGen's rows/s \
            over the peer's (above 1: StreamGen is faster). Then peak RSS at --memory-scale, and tpchgen-cli at \
            --tpch-scale as rows/s per core.
            """)

    @Option(help: "The ecommerce scale of the throughput runs (20 is about 10 M events).")
    var scale = 20.0

    @Option(help: "Thread counts, comma-separated.")
    var threads = "1,2"

    @Option(help: "Codecs, comma-separated (snappy, zstd).")
    var compression = "snappy,zstd"

    @Option(help: "The zstd level, for every writer.")
    var zstdLevel: Int32 = 1

    @Option(help: "Runs per figure; the median is reported.")
    var `repeat` = 3

    @Option(help: "The ecommerce scale of the memory comparison (200 is about 100 M events); 0 skips it.")
    var memoryScale = 200.0

    @Option(help: "The TPC-H scale factor for tpchgen-cli; 0 skips it.")
    var tpchScale = 1.0

    @Option(help: "The Python with pyarrow, duckdb, numpy and tpchgen-cli.")
    var python = ".venv/bin/python"

    @Option(help: "Where the peers' scripts are.")
    var peers = "Benchmarks/peers"

    @Option(help: "Where runs write; peers.md goes here too.")
    var out = "bench-out/peers"

    struct Figure {
        var name: String
        var codec: String
        var threads: Int
        var rows: Int64
        var seconds: Double
        var peakRSS: Int64
        var rowsPerSecond: Double { Double(rows) / seconds }
    }

    func run() throws {
        let codecs = compression.split(separator: ",").map(String.init)
        for c in codecs where !["snappy", "zstd"].contains(c) { throw ValidationError("--compression: '\(c)' (snappy or zstd)") }
        let threadCounts = try parseThreadCounts(threads)
        guard self.repeat >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ValidationError("--python \(python) is missing: run `make venv` (or give a Python with pyarrow, duckdb and numpy)")
        }
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out + "/source") }

        // The data pyarrow and DuckDB rewrite: StreamGen's events at this scale, written once.
        let source = out + "/source"
        _ = try ChildRun.measure([ChildRun.thisExecutable, "generate", "ecommerce", "--scale", String(scale), "--threads", String(threadCounts.max()!),
                                  "--out", source, "--keep", "--json"], captureOutput: true)
        let events = source + "/events"

        var comparisons: [Comparison] = []
        print("peers on the ecommerce events table, scale \(String(format: "%g", scale)), zstd level \(zstdLevel), median of \(self.repeat), \(Machine.cores) cores")
        for codec in codecs {
            for t in threadCounts {
                // StreamGen and the numpy peer alternate, run by run.
                var streamgen: [Figure] = []
                var numpy: [Figure] = []
                for _ in 0..<self.repeat {
                    streamgen.append(try runStreamGen(scale: scale, threads: t, codec: codec))
                    numpy.append(try runNumpy(events: streamgen.last!.rows, workers: t, codec: codec))
                }
                let common = ["--codec", codec, "--zstd-level", String(zstdLevel), "--threads", String(t), "--row-group-size", "100000",
                              "--repeat", String(self.repeat)]
                let arrow = try python(["pyarrow_write.py", events, out + "/pyarrow", "--split"] + common)
                let duck = try python(["duckdb_copy.py", events, out + "/duckdb"] + common)
                let comparison = Comparison(streamgen: median(streamgen, by: \.seconds), peers: [
                    Figure(name: "pyarrow", codec: codec, threads: t, rows: arrow.rows, seconds: median(arrow.seconds, by: { $0 }), peakRSS: arrow.peakRSS),
                    Figure(name: "DuckDB", codec: codec, threads: t, rows: duck.rows, seconds: median(duck.seconds, by: { $0 }), peakRSS: duck.peakRSS),
                    median(numpy, by: \.seconds),
                ])
                comparisons.append(comparison)
                print(comparison.line)
            }
        }

        var memory: [Figure] = []
        if memoryScale > 0 {
            memory.append(try runStreamGen(scale: memoryScale, threads: threadCounts.max()!, codec: codecs[0]))
            memory.append(try runNumpy(events: memory[0].rows, workers: 1, codec: codecs[0]))
            for f in memory {
                print("memory: \(f.name) \(formatCount(Double(f.rows))) events, \(f.threads) thread(s): peak RSS \(mib(f.peakRSS)), \(formatCount(f.rowsPerSecond)) events/s")
            }
        }

        var tpch: [Figure] = []
        if tpchScale > 0 {
            let cli = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("tpchgen-cli").path
            guard FileManager.default.isExecutableFile(atPath: cli) else { throw ValidationError("\(cli) is missing: run `make venv-bench`") }
            for codec in codecs {
                for t in threadCounts {
                    var runs: [Figure] = []
                    for _ in 0..<self.repeat {
                        let directory = out + "/tpch"
                        try? FileManager.default.removeItem(atPath: directory)
                        let child = try ChildRun.measure([cli, "parquet", "-s", String(format: "%g", tpchScale), "--compression",
                                                          codec == "zstd" ? "ZSTD(\(zstdLevel))" : "SNAPPY", "-n", String(t),
                                                          "--output-dir", directory, "--quiet"])
                        runs.append(Figure(name: "tpchgen-cli", codec: codec, threads: t, rows: try parquetRows(directory),
                                           seconds: child.seconds, peakRSS: child.peakRSS))
                        try? FileManager.default.removeItem(atPath: directory)
                    }
                    tpch.append(median(runs, by: \.seconds))
                }
            }
        }

        let report = markdown(comparisons: comparisons, memory: memory, tpch: tpch)
        print("")
        print(report)
        try report.write(toFile: out + "/peers.md", atomically: true, encoding: .utf8)
        print("wrote \(out)/peers.md")
    }

    /// StreamGen's events against the peers, in one codec and thread count.
    struct Comparison {
        var streamgen: Figure
        var peers: [Figure]

        func ratio(_ peer: Figure) -> Double { streamgen.rowsPerSecond / peer.rowsPerSecond }

        var line: String {
            var line = pad(streamgen.codec, 8) + pad("\(streamgen.threads)", 3) + "StreamGen " + pad(formatCount(streamgen.rowsPerSecond) + "/s", 11)
            for f in peers {
                line += "| \(f.name) " + pad(formatCount(f.rowsPerSecond) + "/s", 11) + pad(String(format: "%.2f×", ratio(f)), 7)
            }
            return line
        }
    }

    /// One `generate ecommerce --json` child: events counted, wall time and peak RSS from wait4.
    func runStreamGen(scale: Double, threads: Int, codec: String) throws -> Figure {
        let child = try ChildRun.measure([ChildRun.thisExecutable, "generate", "ecommerce", "--scale", String(scale), "--threads", String(threads),
                                          "--compression", codec, "--zstd-level", String(zstdLevel), "--json", "--out", out + "/run"],
                                         captureOutput: true)
        let result = try GenerateResult.decode(child.output)
        return Figure(name: "StreamGen", codec: codec, threads: threads, rows: result.rows, seconds: child.seconds, peakRSS: child.peakRSS)
    }

    /// One run of the numpy peer on `workers` processes; its own timer, and the sum of its processes' peaks.
    func runNumpy(events: Int64, workers: Int, codec: String) throws -> Figure {
        defer { try? FileManager.default.removeItem(atPath: out + "/numpy") }
        let peer = try python(["numpy_events.py", out + "/numpy", "--events", String(events), "--workers", String(workers),
                               "--codec", codec, "--zstd-level", String(zstdLevel), "--row-group-size", "100000"])
        return Figure(name: "numpy", codec: codec, threads: workers, rows: peer.rows, seconds: peer.seconds[0],
                      peakRSS: peer.peakRSSSum ?? peer.peakRSS)
    }

    func markdown(comparisons: [Comparison], memory: [Figure], tpch: [Figure]) -> String {
        var md: [String] = []
        md.append("# StreamGen against peers: ecommerce events")
        md.append("")
        md.append("\(Machine.describe()). One run of `streamgen-bench peers`; medians of \(self.repeat). Ratio = StreamGen's rows/s over the "
                  + "peer's (above 1.00×: StreamGen is faster). StreamGen's time is a whole `generate ecommerce` run (all six tables, "
                  + "events counted); pyarrow and DuckDB only write the same events, loaded beforehand; the numpy peer generates and writes them.")
        md.append("")
        md.append("| codec | threads | StreamGen events/s | pyarrow write-only | ratio | DuckDB COPY | ratio | numpy + pyarrow | ratio |")
        md.append("|---|---|---|---|---|---|---|---|---|")
        for c in comparisons {
            let s = c.streamgen
            let cells = c.peers.map { "\(formatCount($0.rowsPerSecond)) | \(String(format: "%.2f×", c.ratio($0)))" }
            md.append("| \(s.codec) | \(s.threads) | \(formatCount(s.rowsPerSecond)) | " + cells.joined(separator: " | ") + " |")
        }
        if !memory.isEmpty {
            md.append("")
            md.append("## Peak RSS at \(formatCount(Double(memory[0].rows))) events")
            md.append("")
            md.append("| generator | threads | events/s | peak RSS |")
            md.append("|---|---|---|---|")
            for f in memory { md.append("| \(f.name) | \(f.threads) | \(formatCount(f.rowsPerSecond)) | \(mib(f.peakRSS)) |") }
        }
        if !tpch.isEmpty {
            md.append("")
            md.append("## Rows per second per core: tpchgen-cli at SF \(String(format: "%g", tpchScale))")
            md.append("")
            md.append("| generator | codec | threads | rows | rows/s | rows/s per core | peak RSS |")
            md.append("|---|---|---|---|---|---|---|")
            for f in tpch + comparisons.map(\.streamgen) {
                md.append("| \(f.name == "StreamGen" ? "StreamGen ecommerce events" : "tpchgen-cli (all 8 tables)") | \(f.codec) | \(f.threads) | "
                          + "\(formatCount(Double(f.rows))) | \(formatCount(f.rowsPerSecond)) | \(formatCount(f.rowsPerSecond / Double(f.threads))) | \(mib(f.peakRSS)) |")
            }
        }
        md.append("")
        return md.joined(separator: "\n")
    }

    struct PeerOutput: Decodable {
        var seconds: [Double]
        var rows: Int64
        var bytes: Int64
        var peakRSS: Int64
        var peakRSSSum: Int64?
        enum CodingKeys: String, CodingKey {
            case seconds, rows, bytes, peakRSS = "peak_rss", peakRSSSum = "peak_rss_sum"
        }
    }

    /// Runs a peer script and decodes its JSON line; the numpy peer prints one number of seconds.
    func python(_ arguments: [String]) throws -> PeerOutput {
        let child = try ChildRun.measure([python, peers + "/" + arguments[0]] + arguments.dropFirst(), captureOutput: true)
        guard var object = try JSONSerialization.jsonObject(with: child.output) as? [String: Any] else {
            throw ValidationError("\(arguments[0]) printed no JSON")
        }
        if let one = object["seconds"] as? Double { object["seconds"] = [one] }
        return try JSONDecoder().decode(PeerOutput.self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// The rows of every Parquet file under `directory`, from their footers.
    func parquetRows(_ directory: String) throws -> Int64 {
        var rows: Int64 = 0
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".parquet") else { continue }
            rows += try ParquetReader(path: directory + "/" + path).rowCount
        }
        return rows
    }

    func mib(_ bytes: Int64) -> String { String(format: "%.0f MiB", Double(bytes) / 1_048_576) }
}
