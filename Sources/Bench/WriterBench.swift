import ArgumentParser
import Columnar
import Dispatch
import Foundation

/// `streamgen-bench writer`: the Parquet writer on an events-like table, against pyarrow writing the
/// identical data in the same run.
struct WriterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writer",
        abstract: "Time the Parquet writer on an events-like table, with pyarrow as the peer.",
        discussion: """
            The rows are generated in memory first (not timed); each measurement writes all of them, to one \
            file per thread. pyarrow then reads StreamGen's file (not timed) and writes the same table with the \
            same codec, row-group size and thread count. Figures are medians of --repeat runs.
            """)

    @Option(help: "Rows per file.")
    var rows = 1_000_000

    @Option(help: "Comma-separated codecs: snappy, zstd, none.")
    var codecs = "snappy,zstd"

    @Option(help: "The zstd level, for both writers.")
    var zstdLevel: Int32 = 1

    @Option(help: "Comma-separated thread counts; N threads write N files at once.")
    var threads = "1,2"

    @Option(help: "How low-cardinality strings reach the writer: coded, hashed or both.")
    var lowCardinality = "both"

    @Option(help: "Runs per figure; the median is reported.")
    var `repeat` = 3

    @Option(help: "Where the files go.")
    var out = "bench-out"

    @Option(help: "The Python with pyarrow (default: .venv/bin/python if present).")
    var python: String?

    @Flag(help: "Skip the pyarrow peer.")
    var noPeer = false

    @Flag(help: "Print one JSON object per figure instead of the table.")
    var json = false

    func run() throws {
        let codecList = try codecs.split(separator: ",").map { name -> CompressionCodec in
            guard let codec = CompressionCodec(name: String(name)) else {
                throw ValidationError("unknown codec '\(name)': use snappy, zstd or none")
            }
            return codec
        }
        let threadList = try parseThreadCounts(threads)
        let modes: [EventsTable.LowCardinality]
        switch lowCardinality {
        case "both": modes = EventsTable.LowCardinality.allCases
        default:
            guard let mode = EventsTable.LowCardinality(rawValue: lowCardinality) else {
                throw ValidationError("--low-cardinality takes coded, hashed or both")
            }
            modes = [mode]
        }
        guard rows >= 1, `repeat` >= 1 else { throw ValidationError("--rows and --repeat must be positive") }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let peerPython = noPeer ? nil : (python ?? defaultPython())

        if !json {
            print("writer benchmark: \(rows) rows × 11 columns per file, chunks of \(Chunk.defaultCapacity) rows, "
                  + "row groups of \(WriterOptions.defaultRowGroupRowLimit) rows, zstd level \(zstdLevel), "
                  + "median of \(`repeat`), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        }
        for mode in modes {
            let table = try EventsTable(lowCardinality: mode)
            let chunks = table.makeChunks(rows: rows, capacity: Chunk.defaultCapacity, seed: 42)
            let rawBytes = Double(EventsTable.rawBytes(chunks))
            if !json { print("\n[\(mode.rawValue) low-cardinality strings] \(formatBytes(rawBytes)) of column data per file") }
            if !json { printHeader() }
            for codec in codecList {
                for threadCount in threadList {
                    let options = WriterOptions(codec: codec, zstdLevel: zstdLevel)
                    // StreamGen and pyarrow alternate, run by run, so that both see the same machine.
                    var runs: [(seconds: Double, cpu: Double, bytes: Int64, peak: Int, overhead: Int)] = []
                    var peerTimes: [Double] = []
                    for _ in 0..<`repeat` {
                        removeOutputs(codec: codec, threads: threadCount)
                        Measure.resetPeak()
                        let baseline = Measure.residentBytes
                        let timed = try Measure.time { try writeFiles(chunks, schema: table.schema, options: options, threads: threadCount) }
                        let peak = Measure.peakResidentBytes
                        runs.append((timed.seconds, timed.cpu, timed.result, peak, max(peak - baseline, 0)))
                        if let peerPython, mode == modes.first {
                            peerTimes.append(try runPeer(python: peerPython, codec: codec, threads: threadCount))
                        }
                    }
                    let typical = median(runs, by: \.seconds)
                    let totalRows = Double(rows * threadCount)
                    let peer: Double? = peerTimes.isEmpty ? nil : median(peerTimes, by: { $0 })
                    let result: [String: Any] = [
                        "low_cardinality": mode.rawValue, "codec": codec.name, "threads": threadCount,
                        "rows_per_s": totalRows / typical.seconds, "mb_per_s": rawBytes * Double(threadCount) / typical.seconds / 1e6,
                        "bytes": typical.bytes, "seconds": typical.seconds, "cpu_seconds": typical.cpu,
                        "peak_rss": typical.peak, "writer_rss": typical.overhead,
                        "pyarrow_rows_per_s": peer.map { totalRows / $0 } ?? NSNull(),
                        "ratio_vs_pyarrow": peer.map { $0 / typical.seconds } ?? NSNull(),
                    ]
                    if json {
                        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
                        print(String(decoding: data, as: UTF8.self))
                    } else {
                        printRow(result, peer: peer, totalRows: totalRows)
                    }
                }
            }
        }
    }

    /// Writes `chunks` into one file per thread, all threads at once; returns the bytes written.
    func writeFiles(_ chunks: [Chunk], schema: Schema, options: WriterOptions, threads: Int) throws -> Int64 {
        let box = ResultBox()
        let outDir = out
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            do {
                let path = "\(outDir)/streamgen-\(options.codec.name)-\(i).parquet"
                let writer = try ParquetFileWriter(path: path, schema: schema, options: options)
                for chunk in chunks { try writer.write(chunk) }
                box.add(try writer.close().bytes)
            } catch {
                box.record(error)
            }
        }
        if let error = box.error { throw error }
        return box.bytes
    }

    /// Removes the files an earlier run left, so that no run pays for replacing them.
    func removeOutputs(codec: CompressionCodec, threads: Int) {
        for i in 0..<threads { try? FileManager.default.removeItem(atPath: "\(out)/streamgen-\(codec.name)-\(i).parquet") }
    }

    /// Runs `Benchmarks/peers/pyarrow_write.py` once on StreamGen's file; its write time in seconds.
    func runPeer(python: String, codec: CompressionCodec, threads: Int) throws -> Double {
        let source = "\(out)/streamgen-\(codec.name)-0.parquet"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            "Benchmarks/peers/pyarrow_write.py", source, out, "--codec", codec.name,
            "--zstd-level", String(zstdLevel), "--threads", String(threads),
            "--row-group-size", String(WriterOptions.defaultRowGroupRowLimit),
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = (object["seconds"] as? [Double])?.first
        else { throw ValidationError("the pyarrow peer failed (exit \(process.terminationStatus))") }
        return seconds
    }

    func defaultPython() -> String? {
        FileManager.default.isExecutableFile(atPath: ".venv/bin/python") ? ".venv/bin/python" : nil
    }

    func printHeader() {
        print("codec   thr  rows/s      MB/s    file        CPU s  peak RSS   writer RSS | pyarrow rows/s  ratio")
    }

    func printRow(_ r: [String: Any], peer: Double?, totalRows: Double) {
        let codec = (r["codec"] as! String).padding(toLength: 7, withPad: " ", startingAt: 0)
        let line = String(
            format: "%@ %3d  %-10@ %6.0f  %-10@ %6.2f  %-9@ %-9@",
            codec, r["threads"] as! Int, formatCount(r["rows_per_s"] as! Double), r["mb_per_s"] as! Double,
            formatBytes(Double(r["bytes"] as! Int64)), r["cpu_seconds"] as! Double,
            formatBytes(Double(r["peak_rss"] as! Int)), formatBytes(Double(r["writer_rss"] as! Int)))
        if let peer {
            print(line + String(format: "  | %-14@ %.2f×", formatCount(totalRows / peer), peer / (r["seconds"] as! Double)))
        } else {
            print(line + "  | —")
        }
    }
}

/// Adds up the bytes written on every thread and keeps the first error.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var total: Int64 = 0
    private var firstError: Error?
    func add(_ bytes: Int64) { lock.withLock { total += bytes } }
    func record(_ e: Error) { lock.withLock { if firstError == nil { firstError = e } } }
    var bytes: Int64 { lock.withLock { total } }
    var error: Error? { lock.withLock { firstError } }
}
