import StreamGen
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--each-day 'COMMAND'`: runs COMMAND with `/bin/sh -c` after each day a pack writes, with the
/// day in its environment, and stops the run when it fails (unless `keepGoing`).
final class EachDayCommand: Sendable {
    let command: String
    let keepGoing: Bool
    let quiet: Bool
    /// The days whose command failed, with its exit status, when going on.
    let failures = Mutex<[(day: Int64, status: String)]>([])

    init(command: String, keepGoing: Bool, quiet: Bool) {
        self.command = command
        self.keepGoing = keepGoing
        self.quiet = quiet
    }

    /// The environment the command sees: this process's, plus the day's variables.
    static func environment(_ c: DayCheckpoint) -> [String] {
        var entries: [String] = []
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix("STREAMGEN_DAY=") && !text.hasPrefix("STREAMGEN_RUN_STARTED_AT=") && !text.hasPrefix("STREAMGEN_VALIDATION=")
                && !text.hasPrefix("STREAMGEN_OUT_DIR=") { entries.append(text) }
            p += 1
        }
        return entries + ["STREAMGEN_DAY=\(formatISODate(c.day))", "STREAMGEN_RUN_STARTED_AT=\(formatNaiveTimestamp(seconds: c.runStartedAt))",
                          "STREAMGEN_VALIDATION=\(c.validation)", "STREAMGEN_OUT_DIR=\(c.directory)"]
    }

    /// Runs the command for day `c`; the exit status as text when it failed, nil when it passed.
    func run(_ c: DayCheckpoint) -> String? {
        let argv = ["/bin/sh", "-c", command]
        let env = Self.environment(c)
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            for a in cArgs { free(a) }
            for e in cEnv { free(e) }
        }
        let spawned = cArgs.withUnsafeBufferPointer { a in
            cEnv.withUnsafeBufferPointer { e in
                posix_spawn(&pid, "/bin/sh", nil, nil, UnsafeMutablePointer(mutating: a.baseAddress!), UnsafeMutablePointer(mutating: e.baseAddress!))
            }
        }
        guard spawned == 0 else { return "could not start /bin/sh (error \(spawned))" }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return "waitpid failed (errno \(errno))" }
        }
        let exited = status & 0x7F == 0
        let code = (status >> 8) & 0xFF
        if exited && code == 0 { return nil }
        return exited ? "exit status \(code)" : "signal \(status & 0x7F)"
    }

    /// The hook a request carries.
    var hook: @Sendable (DayCheckpoint) async throws(GenerateError) -> Void {
        { [self] (c: DayCheckpoint) async throws(GenerateError) -> Void in
            if !quiet { writeStderr("each-day: \(formatISODate(c.day))\(c.validation ? " (validation)" : ""): \(command)\n") }
            guard let failed = run(c) else { return }
            if keepGoing {
                failures.withLock { $0.append((c.day, failed)) }
                writeStderr("each-day: the command failed on \(formatISODate(c.day)) (\(failed)); going on (--keep-going)\n")
                return
            }
            throw .runFailed("the --each-day command failed on \(formatISODate(c.day))\(c.validation ? " (the validation day)" : "") with \(failed); the files stay as that day left them\(c.validation ? "" : " and the manifest says failed")")
        }
    }
}
