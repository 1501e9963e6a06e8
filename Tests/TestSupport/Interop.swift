import Foundation

/// Runs the Python interop checker (`tools/interop/check.py`, pyarrow + DuckDB) over files the
/// tests wrote, and reports what it found.
public enum Interop {
    /// The package root (two levels above this file's folder).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python with pyarrow and DuckDB: `$STREAMGEN_PYTHON`, else the Makefile's `.venv`.
    public static var python: String? {
        if let explicit = ProcessInfo.processInfo.environment["STREAMGEN_PYTHON"], !explicit.isEmpty {
            return explicit
        }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    /// A fresh temporary directory.
    public static func makeTemporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("streamgen-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The checker's verdict.
    public struct Result: Sendable {
        public let exitCode: Int32
        public let output: String
        /// Whether the process died of a signal (a trap, a kill), or was killed for taking too long.
        public var signaled = false
        public var timedOut = false
        public var passed: Bool { exitCode == 0 && !signaled }

        public init(exitCode: Int32, output: String, signaled: Bool = false, timedOut: Bool = false) {
            self.exitCode = exitCode
            self.output = output
            self.signaled = signaled
            self.timedOut = timedOut
        }
    }

    /// Writes `expectations` as `expect.json` into `directory` and runs the checker on it.
    ///
    /// - Throws: when no Python environment is set up (run `make test`, which creates `.venv`).
    public static func check(_ expectations: [[String: Any]], in directory: URL) throws -> Result {
        guard let python else {
            throw InteropError.noPython(
                "no Python with pyarrow and duckdb: run `make test` (it creates .venv) or set STREAMGEN_PYTHON")
        }
        let manifest = directory.appendingPathComponent("expect.json")
        let data = try JSONSerialization.data(withJSONObject: ["files": expectations], options: [])
        try data.write(to: manifest)
        return try run(python, [packageRoot.appendingPathComponent("tools/interop/check.py").path, manifest.path])
    }
}

public enum InteropError: Error, CustomStringConvertible {
    case noPython(String)
    public var description: String {
        switch self {
        case .noPython(let message): return message
        }
    }
}

extension Interop {
    /// Reads a StreamGen output directory with DuckDB and pyarrow (`tools/interop/dataset.py`):
    /// per-table row counts, types and sort checks, plus the rows of each query in `queries`.
    public static func readDataset(
        _ directory: String, queries: [String: String], format: String = "parquet", layout: String = "hive"
    ) throws -> [String: Any] {
        guard let python else {
            throw InteropError.noPython("no Python with pyarrow and duckdb: run `make test` (it creates .venv) or set STREAMGEN_PYTHON")
        }
        let request = URL(fileURLWithPath: directory).deletingLastPathComponent()
            .appendingPathComponent("request-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: ["queries": queries, "format": format, "layout": layout]).write(to: request)
        defer { try? FileManager.default.removeItem(at: request) }
        let result = try run(python, [packageRoot.appendingPathComponent("tools/interop/dataset.py").path, directory, request.path])
        guard result.exitCode == 0, let data = result.output.split(separator: "\n").last.map({ Data($0.utf8) }),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw InteropError.noPython("dataset.py failed (exit \(result.exitCode)): \(result.output)")
        }
        return json
    }

    /// Runs `tools/interop/<script>` with `arguments` in the test environment's Python; the JSON
    /// object it prints last.
    public static func runScript(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        guard let python else {
            throw InteropError.noPython("no Python with pyarrow and duckdb: run `make test` (it creates .venv) or set STREAMGEN_PYTHON")
        }
        let result = try run(python, [packageRoot.appendingPathComponent("tools/interop/\(script)").path] + arguments)
        guard result.exitCode == 0, let line = result.output.split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw InteropError.noPython("\(script) failed (exit \(result.exitCode)): \(result.output.suffix(2000))")
        }
        return json
    }

    /// Runs `executable` with `arguments`; returns its exit status and its stdout and stderr together.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(exitCode: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                      signaled: process.terminationReason == .uncaughtSignal)
    }

    /// A child process whose output goes to a file (so a full pipe never blocks it, and no
    /// end-of-file has to be waited for).
    public final class Child: @unchecked Sendable {
        public let process: Process
        private let outputFile: URL
        private let handle: FileHandle

        init(process: Process, outputFile: URL, handle: FileHandle) {
            self.process = process
            self.outputFile = outputFile
            self.handle = handle
        }

        deinit {
            try? handle.close()
            try? FileManager.default.removeItem(at: outputFile)
        }

        /// Sends `signal` to the child.
        public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// The output so far.
        public var output: String {
            String(decoding: (try? Data(contentsOf: outputFile)) ?? Data(), as: UTF8.self)
        }

        /// Waits for the child (killing it after `timeout` seconds); its status and output.
        public func finish(timeout: Double? = nil) -> Result {
            if let timeout {
                let deadline = Date().addingTimeInterval(timeout)
                while process.isRunning && Date() < deadline { usleep(5_000) }
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    return Result(exitCode: -1, output: output + "\n[killed after \(timeout) s]", signaled: true, timedOut: true)
                }
            }
            process.waitUntilExit()
            return Result(exitCode: process.terminationStatus, output: output, signaled: process.terminationReason == .uncaughtSignal)
        }
    }

    /// Starts `executable`; `finish()` waits for it.
    public static func launch(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                              currentDirectory: String? = nil) throws -> Child {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("streamgen-child-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil), let handle = FileHandle(forWritingAtPath: outputFile.path) else {
            throw InteropError.noPython("cannot create \(outputFile.path)")
        }
        process.standardOutput = handle
        process.standardError = handle
        let child = Child(process: process, outputFile: outputFile, handle: handle)
        try process.run()
        return child
    }

    /// The `streamgen` executable that `swift build` made beside the test bundle.
    public static var streamgen: String {
        let debug = packageRoot.appendingPathComponent(".build/debug/streamgen").path
        return ProcessInfo.processInfo.environment["STREAMGEN_BIN"] ?? debug
    }
}
