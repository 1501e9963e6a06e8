import Columnar
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--no-files`: the tables' rows go to PostgreSQL only, and what else the run writes (its
/// manifest with the anomalies, the ground truth, `schema.sql`, a pack's sidecars) is kept in
/// the database beside them.
///
/// The run writes those files to its directory as any run does (the journal there makes a killed
/// run's directory one `streamgen clean` takes); the load's commit stores each in
/// `streamgen_run_files` and the manifest in `streamgen_runs.manifest` (JSONB), in the same
/// transaction that makes the tables visible; then the directory is removed.
public enum RunFiles {
    public static let table = "streamgen_run_files"

    /// One file of a run's directory, by its path there; its bytes are read again as they are
    /// sent, so a large ground truth is never held whole.
    public struct File: Sendable {
        public let path: String
        public let bytes: Int64
        public let sha256: String

        var isManifest: Bool { path.split(separator: "/").last == Substring(Manifest.fileName) }
    }

    /// Files not kept: the load scripts read the data files, which a `--no-files` run has not.
    static let leftOut: Set<String> = ["load_duckdb.sql", PostgresScripts.loadFileName]

    /// Refuses an output directory that holds anything: the run's directory is removed after the
    /// load, so it must be the run's alone.
    static func checkEmpty(_ path: String) throws(GenerateError) {
        guard FileSystem.isDirectory(followingLinks: path) else { return }
        let entries = try DatasetDirectory.open(path, create: false, access: .read).entries()
        guard entries.isEmpty else {
            throw .invalidOption("--no-files runs in an empty directory and removes it after the load, and '\(path)' holds \(entries.prefix(3).map(RelativePath.printable).joined(separator: ", "))\(entries.count > 3 ? ", ..." : ""); give another --out")
        }
    }

    /// Every file under `out` but the journal, locks and load scripts, by path; the first is the
    /// run's manifest (the shallowest `manifest.json`) when there is one.
    static func collect(under out: String) throws(GenerateError) -> [File] {
        var files: [File] = []
        func visit(_ dir: DirectoryHandle, _ prefix: String) throws(ColumnarError) {
            for name in try dir.names().sorted() {
                guard let kind = dir.kind(name) else { continue }
                if kind == .directory {
                    try visit(try dir.directory(name, create: false), prefix + name + "/")
                } else if kind == .file, !Journal.isJournalName(name), !name.hasSuffix(".lock"), !leftOut.contains(name) {
                    let file = try dir.openFile(name)
                    files.append(File(path: prefix + name, bytes: file.size, sha256: try file.sha256()))
                }
            }
        }
        do { try visit(try DirectoryHandle.open(out, create: false), "") } catch {
            throw .output("--no-files: cannot read the run's files in '\(out)': \(error)")
        }
        let manifests = files.indices.filter { files[$0].isManifest }
        if let first = manifests.min(by: { files[$0].path.split(separator: "/").count < files[$1].path.split(separator: "/").count }) {
            files.insert(files.remove(at: first), at: 0)
        }
        return files
    }

    /// The table the files go to, and the manifest's column: made before the load, so the
    /// commit only inserts.
    static func prepare(schema: String, on connection: PostgresConnection) throws(PostgresError) {
        let runs = PostgresTable.qualifiedName(PostgresLoad.runsTable, schema: schema)
        try connection.execute("ALTER TABLE \(runs) ADD COLUMN IF NOT EXISTS manifest JSONB")
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS \(PostgresTable.qualifiedName(table, schema: schema)) (
                run_id TEXT NOT NULL REFERENCES \(runs) (run_id) ON DELETE CASCADE, path TEXT NOT NULL,
                bytes BIGINT NOT NULL, sha256 TEXT NOT NULL, content BYTEA NOT NULL, PRIMARY KEY (run_id, path))
            """)
    }

    /// Sends `files` (read from `out` again) for run `runID` by one binary COPY, checks each
    /// against the SHA-256 it was collected with, and puts the manifest (the first file) into
    /// the run's row.
    static func store(_ files: [File], from out: String, run runID: String, schema: String, on connection: PostgresConnection) throws(PostgresError) {
        guard !files.isEmpty else { return }
        func failure(_ what: String) -> PostgresError { PostgresError(message: "--no-files: \(what)", sqlState: nil, detail: nil) }
        let root: DirectoryHandle
        do { root = try DirectoryHandle.open(out, create: false) } catch { throw failure("cannot read '\(out)': \(error)") }
        func open(_ path: String) throws(PostgresError) -> ReadableFile {
            do { return try root.openFile(try RelativePath(validating: path)) } catch { throw failure("cannot read \(path): \(error)") }
        }
        let filesTable = PostgresTable.qualifiedName(table, schema: schema)
        try connection.copy("COPY \(filesTable) (run_id, path, bytes, sha256, content) FROM STDIN (FORMAT binary)") { (put) throws(PostgresError) in
            var block = PostgresCopyEncoder.header
            func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.bigEndian) { block.append(contentsOf: $0) } }
            func field(_ text: String) {
                append(Int32(text.utf8.count))
                block.append(contentsOf: text.utf8)
            }
            for f in files {
                let file = try open(f.path)
                guard file.size == f.bytes, f.bytes < Int64(Int32.max) else { throw failure("\(f.path) changed while the load committed, or is past 2 GiB") }
                append(Int16(5))
                field(runID)
                field(f.path)
                append(Int32(8))
                append(f.bytes)
                field(f.sha256)
                append(Int32(f.bytes))
                var offset: Int64 = 0
                while offset < f.bytes {
                    let piece: [UInt8]
                    do { piece = try file.read(count: Int(Swift.min(1 << 20, f.bytes - offset)), at: offset) } catch { throw failure("cannot read \(f.path): \(error)") }
                    block.append(contentsOf: piece)
                    offset += Int64(piece.count)
                    if block.count >= 1 << 20 {
                        guard block.withUnsafeBytes(put) else { return }
                        block.removeAll(keepingCapacity: true)
                    }
                }
            }
            block.append(contentsOf: PostgresCopyEncoder.trailer)
            _ = block.withUnsafeBytes(put)
        }
        // A file that changed since it was collected fails the commit.
        let same = try connection.execute("SELECT count(*) FROM \(filesTable) WHERE run_id = $1 AND sha256 = encode(sha256(content), 'hex')", [runID])
        guard same.first?[0] == String(files.count) else { throw failure("a file changed while the load committed (its SHA-256 differs)") }
        if files[0].isManifest {
            let text: String
            do { text = String(decoding: try open(files[0].path).readAll(), as: UTF8.self) } catch { throw failure("cannot read the manifest: \(error)") }
            try connection.execute("UPDATE \(PostgresTable.qualifiedName(PostgresLoad.runsTable, schema: schema)) SET manifest = $1::jsonb WHERE run_id = $2", [text, runID])
        }
    }

    /// Whether a `--no-files` run ever made the table in `schema`.
    static func isPresent(schema: String, on connection: PostgresConnection) throws(PostgresError) -> Bool {
        try connection.execute("SELECT to_regclass($1) IS NOT NULL", [PostgresTable.qualifiedName(table, schema: schema)]).first?[0] == "t"
    }

    /// Removes the kept files of `pack`'s earlier runs (their tables were just replaced), when
    /// a `--no-files` run ever made the table.
    static func forgetEarlier(pack: String, run runID: String, schema: String, on connection: PostgresConnection) throws(PostgresError) {
        guard try isPresent(schema: schema, on: connection) else { return }
        let filesTable = PostgresTable.qualifiedName(table, schema: schema)
        let runs = PostgresTable.qualifiedName(PostgresLoad.runsTable, schema: schema)
        try connection.execute("DELETE FROM \(filesTable) WHERE run_id <> $2 AND run_id IN (SELECT run_id FROM \(runs) WHERE pack = $1)", [pack, runID])
    }

    /// `error` of a `--no-files` run, after its directory is removed: what it said of the files
    /// left (a failed run's manifest) is no longer so.
    static func failed(_ error: GenerateError, out: String, made: [String]) -> GenerateError {
        let problem = remove(out, made: made)
        func reworded(_ message: String) -> String {
            let cause = message.firstRange(of: ". Complete files are listed in").map { String(message[..<$0.lowerBound]) } ?? message
            return cause + (problem.map { ". Nothing was loaded; \($0)" } ?? ". Nothing was loaded, and no file was kept (--no-files)")
        }
        switch error {
        case .runFailed(let m): return .runFailed(reworded(m))
        case .interrupted(let m): return .interrupted(reworded(m))
        default: return error
        }
    }

    /// `out` and those of its parents that do not exist yet, `out` first: what the run will make.
    static func missingDirectories(_ out: String) -> [String] {
        var missing: [String] = []
        var path = out
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        while !path.isEmpty, path != "/", path != ".", !FileSystem.isDirectory(followingLinks: path), access(path, F_OK) != 0 {
            missing.append(path)
            guard let slash = path.lastIndex(of: "/") else { break }
            path = String(path[..<slash])
        }
        return missing
    }

    /// Removes the run's directory: what its manifests and journals claim, then the directories
    /// the run made (`made`, `out` first; each only when empty). A failure is left for
    /// `streamgen clean`.
    static func remove(_ out: String, made: [String]) -> String? {
        guard FileSystem.isDirectory(followingLinks: out) else { return nil }
        do { _ = try DatasetCleaner.clean(out, dryRun: false) } catch {
            return "the run's directory '\(out)' could not be removed (\(error)); `streamgen clean \(out)` removes it"
        }
        // Leaf first; a parent that is not empty (or not made by the run) stops the walk.
        for directory in made {
            guard rmdir(directory) == 0 else { break }
        }
        return nil
    }
}
