import Synchronization

private let temporaryFileCounter = Atomic<Int>(0)

/// A file that appears under its final name only when complete.
///
/// Bytes go to a hidden temporary file beside the final name (`dir/.name.<pid>-<n>.tmp`, which
/// Hive-style readers and `*.parquet` globs skip); `commit()` closes it and renames it into place.
/// A file that is abandoned, fails, or is dropped without `commit()` is removed, so nothing
/// half-written ever sits under the final name.
package final class AtomicFile {
    /// The final path, for messages and summaries.
    let path: String
    /// The directory the file is created in, and the final and temporary names in it.
    let directory: DirectoryHandle
    let name: String
    let temporaryName: String
    private var fd: Int32
    /// The number of bytes written so far: the offset of the next byte.
    private(set) var offset: Int64 = 0
    /// The running SHA-256 of the bytes written, when asked for.
    private let digest: SHA256?
    /// The file's SHA-256 in hex, once committed with a digest.
    package private(set) var sha256: String?
    /// Nanoseconds in `write(2)`, `fsync`, `close` and `rename` so far.
    private(set) var writeNanoseconds: UInt64 = 0
    /// Nanoseconds in the SHA-256 digest so far.
    private(set) var checksumNanoseconds: UInt64 = 0

    /// The longest final name: its temporary name must still fit in 255 bytes.
    static let maximumNameBytes = 200

    /// Creates the temporary file beside `path` (its directory opened by path).
    convenience init(path: String, checksum: Bool = false) throws(ColumnarError) {
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        try self.init(directory: try DirectoryHandle.open(parent, create: false), name: name, checksum: checksum, displayPath: path)
    }

    /// Creates the temporary file `.name.<pid>-<n>.tmp` in `directory`, exclusively and without
    /// following links (`openat` with `O_CREAT | O_EXCL | O_NOFOLLOW`).
    package init(directory: DirectoryHandle, name: String, checksum: Bool = false, displayPath: String? = nil) throws(ColumnarError) {
        self.path = displayPath ?? directory.child(name)
        if let problem = RelativePath.problem(component: name) { throw .invalidData("\(path): \(problem)") }
        guard name.utf8.count <= AtomicFile.maximumNameBytes else {
            throw .invalidData("\(path): a file name longer than \(AtomicFile.maximumNameBytes) bytes")
        }
        self.directory = directory
        self.name = name
        self.digest = checksum ? SHA256() : nil
        let n = temporaryFileCounter.add(1, ordering: .relaxed).newValue
        temporaryName = ".\(name).\(system_getpid())-\(n).tmp"
        fd = system_openat(directory.fd, temporaryName,
                           system_O_WRONLY | system_O_CREAT | system_O_EXCL | system_O_NOFOLLOW | system_O_CLOEXEC, 0o644)
        if fd < 0 { throw .io(operation: "create", path: directory.child(temporaryName), errno: system_errno) }
    }

    /// Whether `name` is the temporary name AtomicFile gives a file named `final`:
    /// `.final.<pid>-<n>.tmp`.
    package static func isTemporaryName(_ name: String, of final: String) -> Bool {
        let prefix = "." + final + "."
        guard name.hasPrefix(prefix), name.hasSuffix(".tmp") else { return false }
        let middle = name.utf8.dropFirst(prefix.utf8.count).dropLast(4)
        let parts = middle.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 20 && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }

    /// The final name a temporary name stands for (`.x.parquet.12-3.tmp` → `x.parquet`), or nil.
    package static func finalName(ofTemporary name: String) -> String? {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
        let inner = name.dropFirst().dropLast(4)
        guard let dot = inner.lastIndex(of: ".") else { return nil }
        let final = String(inner[..<dot])
        return !final.isEmpty && isTemporaryName(name, of: final) ? final : nil
    }

    deinit { abandon() }

    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ColumnarError) {
        guard fd >= 0 else { throw .writerClosed }
        let start = MonotonicClock.nanoseconds()
        var done = 0
        while done < bytes.count {
            let n = system_write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                let code = system_errno
                abandon()
                throw .io(operation: "write", path: path, errno: code)
            }
            done += n
        }
        if let digest {
            let written = MonotonicClock.nanoseconds()
            writeNanoseconds &+= written &- start
            digest.update(bytes)
            checksumNanoseconds &+= MonotonicClock.since(written)
        } else {
            writeNanoseconds &+= MonotonicClock.since(start)
        }
        offset += Int64(bytes.count)
    }

    package func write(_ bytes: [UInt8]) throws(ColumnarError) {
        try withBytes(bytes) { (raw) throws(ColumnarError) in try write(raw) }
    }

    /// Appends `tail`, then commits; returns the file's final size. On failure the temporary file
    /// is already gone.
    package func commit(appending tail: [UInt8], sync: Bool) throws(ColumnarError) -> Int64 {
        try write(tail)
        let size = offset
        try commit(sync: sync)
        return size
    }

    /// Closes the file and renames it to its final name; with `sync`, first `fsync`s it.
    func commit(sync: Bool) throws(ColumnarError) {
        guard fd >= 0 else { throw .writerClosed }
        let start = MonotonicClock.nanoseconds()
        defer { writeNanoseconds &+= MonotonicClock.since(start) }
        if sync && system_fsync(fd) != 0 {
            let code = system_errno
            abandon()
            throw .io(operation: "fsync", path: path, errno: code)
        }
        if system_close(fd) != 0 {
            let code = system_errno
            fd = -1
            _ = system_unlinkat(directory.fd, temporaryName, directory: false)
            throw .io(operation: "close", path: path, errno: code)
        }
        fd = -1
        sha256 = digest?.finalize()
        if system_renameat(directory.fd, temporaryName, name) != 0 {
            let code = system_errno
            _ = system_unlinkat(directory.fd, temporaryName, directory: false)
            throw .io(operation: "rename", path: path, errno: code)
        }
    }

    /// Closes and removes the temporary file, if still open.
    package func abandon() {
        guard fd >= 0 else { return }
        system_close(fd)
        fd = -1
        _ = system_unlinkat(directory.fd, temporaryName, directory: false)
    }
}
