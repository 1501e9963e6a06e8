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
        public var passed: Bool { exitCode == 0 }
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [packageRoot.appendingPathComponent("tools/interop/check.py").path, manifest.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(exitCode: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
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
