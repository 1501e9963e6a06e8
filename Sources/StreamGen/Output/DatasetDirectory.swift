import Columnar

/// An output directory as one StreamGen process uses it: opened once by the caller's path, then
/// reached only through its descriptor (no link inside it is ever followed), and locked.
///
/// ### Locks
/// A full run, `--overwrite`, `clean` and `manifest merge` hold an exclusive `flock` on the
/// directory for their whole life; a `--shard i/N` run holds a shared one (the other shards of
/// its dataset write beside it) plus an exclusive lock on `.streamgen-shard-i-of-N.lock`, so the
/// same shard never runs twice at once. A second process is refused with a message naming the
/// holder, from its journal.
public final class DatasetDirectory: Sendable {
    let root: DirectoryHandle
    /// The caller's path, for messages.
    public let path: String
    private let shardLock: LockedFile?

    enum Access: Sendable {
        /// A full run, an overwrite, a clean, a merge.
        case exclusive
        /// One shard of a dataset written by several processes.
        case shard(ShardSelection)
        /// Reading only (`status`, `validate`): no lock.
        case read
    }

    private init(root: DirectoryHandle, path: String, shardLock: LockedFile?) {
        self.root = root
        self.path = path
        self.shardLock = shardLock
    }

    /// The name of shard `i/N`'s lock file.
    static func shardLockName(index: Int, count: Int) -> String {
        ".streamgen-shard-\(Manifest.pad(index))-of-\(Manifest.pad(count)).lock"
    }

    /// Opens `path` (creating it, and its parents, when `create` and missing) and takes the lock
    /// `access` needs.
    static func open(_ path: String, create: Bool, access: Access) throws(GenerateError) -> DatasetDirectory {
        guard !path.isEmpty else {
            throw .invalidOption("the output directory is empty (an unset variable in --out \"$VAR\"?); name a directory")
        }
        guard !path.utf8.contains(0) else { throw .invalidOption("the output directory's name holds a NUL byte") }
        if create {
            do { try FileSystem.makeDirectories(path) } catch {
                if FileSystem.kind(path) == .file { throw .output("'\(path)' exists and is not a directory") }
                throw .output("cannot create the output directory '\(path)': \(error)")
            }
        }
        let root: DirectoryHandle
        do {
            root = try DirectoryHandle.open(path, create: false)
        } catch {
            if FileSystem.kind(path) == .file { throw .output("'\(path)' exists and is not a directory") }
            throw .output("cannot open '\(path)': \(error)")
        }
        switch access {
        case .read:
            return DatasetDirectory(root: root, path: path, shardLock: nil)
        case .exclusive:
            guard root.tryLock(exclusive: true) else { throw .output(busyMessage(root, path)) }
            return DatasetDirectory(root: root, path: path, shardLock: nil)
        case .shard(let s):
            guard root.tryLock(exclusive: false) else { throw .output(busyMessage(root, path)) }
            let lock: LockedFile?
            do { lock = try root.lockFile(shardLockName(index: s.index, count: s.count), exclusive: true) } catch {
                throw .output("cannot lock shard \(s) in '\(path)': \(error)")
            }
            guard let lock else {
                let holder = (try? Journal.read(root, name: Journal.shardFileName(index: s.index, count: s.count)))?.holderDescription
                throw .output("shard \(s) is being written into '\(path)' by another process\(holder.map { " (\($0))" } ?? ""); wait for it, or stop it")
            }
            return DatasetDirectory(root: root, path: path, shardLock: lock)
        }
    }

    /// Who holds the directory, as far as its journals tell.
    static func busyMessage(_ root: DirectoryHandle, _ path: String) -> String {
        let journals = ((try? root.names()) ?? []).filter(Journal.isJournalName).compactMap { try? Journal.read(root, name: $0) }
        let running = journals.filter { processExists($0.pid) }
        if running.isEmpty {
            return "'\(path)' is in use by another StreamGen process (a run, a merge or a clean); wait for it to finish"
        }
        return "'\(path)' is in use by another StreamGen run: " + running.prefix(3).map(\.holderDescription).joined(separator: "; ")
            + "; wait for it to finish or stop it"
    }

    /// The entries at the top of the directory.
    func names() throws(GenerateError) -> [String] {
        do { return try root.names() } catch { throw .output("cannot read the output directory '\(path)': \(error)") }
    }

    /// The entries that make the directory not empty for a new run: all but a file system's
    /// `lost+found` directory (at a mount root).
    func entries() throws(GenerateError) -> [String] {
        try names().filter { !($0 == "lost+found" && root.kind($0) == .directory) }
    }

    /// Writes `journal` and syncs it and the directory: from here on the directory can always
    /// be recognised and cleaned, whatever stops the run.
    func write(_ journal: Journal) throws(GenerateError) {
        do { try root.writeAtomically(journal.fileName, Array(journal.json().serialized().utf8) + [10], sync: true) } catch {
            throw .output("cannot write the run's journal into '\(path)': \(error)")
        }
    }

    /// Removes `journal`'s file once the complete manifest has replaced it.
    func remove(_ journal: Journal) {
        try? root.removeFile(journal.fileName)
        root.sync()
    }

    /// Removes what a failed run wrote (`paths`, relative), then the directories that held
    /// them once empty, deepest first; when every file went, the journal too (otherwise it
    /// stays, for `streamgen clean`). Returns whether every file went.
    @discardableResult
    func removeWritten(_ paths: [String], journal: Journal) -> Bool {
        var complete = true
        var folders = Set<[String]>()
        for text in paths {
            guard let path = try? RelativePath(validating: text) else { complete = false; continue }
            do { try root.directory(path.directoryComponents, create: false).removeFile(path.name) } catch { complete = false }
            var dir = Array(path.directoryComponents)
            while !dir.isEmpty {
                folders.insert(dir)
                dir.removeLast()
            }
        }
        for folder in folders.sorted(by: { $0.count > $1.count }) {
            guard let parent = try? root.directory(folder.dropLast(), create: false) else { continue }
            _ = parent.removeDirectoryIfEmpty(folder[folder.count - 1])
        }
        if complete { remove(journal) }
        return complete
    }
}

extension DirectoryHandle {
    /// Writes a file that is not table data (SQL, metadata, ground truth) at `path` below this
    /// directory, through a temporary file, and returns its record for the manifest.
    func writeOtherFile(_ path: RelativePath, _ bytes: [UInt8]) throws(ColumnarError) -> OtherFileRecord {
        let file = try AtomicFile(directory: try directory(path.directoryComponents, create: true), name: path.name, checksum: true)
        let size = try file.commit(appending: bytes, sync: false)
        return OtherFileRecord(path: path.description, bytes: size, sha256: file.sha256 ?? "")
    }
}

extension Journal {
    /// Reads the journal `name` in `root`.
    static func read(_ root: DirectoryHandle, name: String) throws(ManifestError) -> Journal {
        let bytes: [UInt8]
        do { bytes = try root.read(name, limit: 64 << 20) } catch { throw ManifestError("cannot read \(name): \(error)") }
        do {
            return try Journal(json: try JSONValue.parse(String(decoding: bytes, as: UTF8.self)))
        } catch let error as ManifestError {
            throw ManifestError("\(name): \(error.message)")
        } catch {
            throw ManifestError("\(name): \(error)")
        }
    }
}

extension RelativePath {
    /// `text` validated, a refusal reported as invalid data (a path read from a manifest).
    static func checked(_ text: String) throws(ColumnarError) -> RelativePath {
        do { return try RelativePath(validating: text) } catch { throw .invalidData("\(error)") }
    }
}
