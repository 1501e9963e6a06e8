import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Process-wide resource figures: CPU seconds and resident memory.
enum Measure {
    /// User + system CPU seconds of this process so far (`getrusage`).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// A field of /proc/self/status in bytes (`VmRSS`, `VmHWM`), or 0 where there is none.
    static func procStatus(_ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }

    /// The current resident set size.
    static var residentBytes: Int { procStatus("VmRSS") }

    /// The peak resident set size since start, or since the last `resetPeak()`.
    static var peakResidentBytes: Int { procStatus("VmHWM") }

    /// Resets the kernel's peak-RSS mark to the current RSS (`echo 5 > /proc/self/clear_refs`).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Times `body` on the wall clock and the process's CPU.
    static func time<R>(_ body: () throws -> R) rethrows -> (result: R, seconds: Double, cpu: Double) {
        let cpu0 = cpuSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        let result = try body()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (result, seconds, cpuSeconds() - cpu0)
    }
}

/// The median of `runs` by `key` (the upper one of an even count), as every benchmark reports.
func median<T>(_ runs: [T], by key: (T) -> Double) -> T {
    runs.sorted { key($0) < key($1) }[runs.count / 2]
}

/// `--threads 1,2`: comma-separated thread counts, each at least 1.
func parseThreadCounts(_ list: String) throws -> [Int] {
    try list.split(separator: ",").map { text -> Int in
        guard let n = Int(text), n >= 1 else { throw ValidationError("--threads: '\(text)' is not a thread count") }
        return n
    }
}

/// `12.3 MB`, `1.2 GB` (decimal units, as throughput figures are quoted).
func formatBytes(_ bytes: Double) -> String {
    if bytes >= 1e9 { return String(format: "%.2f GB", bytes / 1e9) }
    if bytes >= 1e6 { return String(format: "%.1f MB", bytes / 1e6) }
    return String(format: "%.0f kB", bytes / 1e3)
}

/// `1.23 M`, `456 k`.
func formatCount(_ n: Double) -> String {
    if n >= 1e6 { return String(format: "%.2f M", n / 1e6) }
    if n >= 1e3 { return String(format: "%.0f k", n / 1e3) }
    return String(format: "%.0f", n)
}

/// A child process's wall time, CPU and peak RSS, from its own `rusage`.
struct ChildRun {
    var seconds: Double
    var cpu: Double
    var peakRSS: Int64

    /// This executable, to run its own subcommands (`generate --json`) as children.
    static var thisExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// What the child printed on standard output, when `measure` was asked to keep it.
    var output = Data()

    /// Runs `arguments` (the executable first) as a fresh process and waits for it; throws if it
    /// cannot start or exits non-zero. The page cache is synced first, so a run does not pay for
    /// the previous run's write-back. With `captureOutput`, the child's standard output goes to a
    /// temporary file (not a pipe, which would have this process read while the child runs) and
    /// comes back in `output`.
    static func measure(_ arguments: [String], captureOutput: Bool = false) throws -> ChildRun {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let outputPath = NSTemporaryDirectory() + "streamgen-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
        if captureOutput { posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        defer { if captureOutput { unlink(outputPath) } }
        sync()
        let start = Date()
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
            throw ValidationError("cannot run \(arguments[0]); build it with `swift build -c release`")
        }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        let seconds = Date().timeIntervalSince(start)
        guard status == 0 else {
            let printed = captureOutput ? ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "") : ""
            throw ValidationError("\(arguments.joined(separator: " ")) failed (status \(status))\(printed.isEmpty ? "" : ": " + printed)")
        }
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        var run = ChildRun(seconds: seconds, cpu: s(usage.ru_utime) + s(usage.ru_stime), peakRSS: Int64(usage.ru_maxrss) * 1024)
        if captureOutput { run.output = (try? Data(contentsOf: URL(fileURLWithPath: outputPath))) ?? Data() }
        return run
    }
}

/// `s` padded with spaces to `n` characters (at least one space after it).
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
