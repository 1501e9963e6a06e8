import Synchronization

private let temporaryFileCounter = Atomic<Int>(0)

/// A file that appears under its final name only when complete.
///
/// Bytes go to a hidden temporary file beside the final path (`dir/.name.<pid>-<n>.tmp`, which
/// Hive-style readers and `*.parquet` globs skip); `commit()` closes it and renames it into place.
/// A file that is abandoned, fails, or is dropped without `commit()` is removed, so nothing
/// half-written ever sits under the final name.
final class AtomicFile {
    let path: String
    let temporaryPath: String
    private var fd: Int32
    /// The number of bytes written so far: the offset of the next byte.
    private(set) var offset: Int64 = 0
    /// The running SHA-256 of the bytes written, when asked for.
    private let digest: SHA256?
    /// The file's SHA-256 in hex, once committed with a digest.
    private(set) var sha256: String?
    /// Nanoseconds in `write(2)`, `fsync`, `close` and `rename` so far.
    private(set) var writeNanoseconds: UInt64 = 0
    /// Nanoseconds in the SHA-256 digest so far.
    private(set) var checksumNanoseconds: UInt64 = 0

    /// Creates the temporary file.
    init(path: String, checksum: Bool = false) throws(ColumnarError) {
        self.path = path
        self.digest = checksum ? SHA256() : nil
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let n = temporaryFileCounter.add(1, ordering: .relaxed).newValue
        temporaryPath = "\(directory).\(name).\(system_getpid())-\(n).tmp"
        fd = system_open(temporaryPath, system_O_WRONLY | system_O_CREAT | system_O_TRUNC | system_O_CLOEXEC, 0o644)
        if fd < 0 { throw .io(operation: "create", path: temporaryPath, errno: system_errno) }
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

    func write(_ bytes: [UInt8]) throws(ColumnarError) {
        try withBytes(bytes) { (raw) throws(ColumnarError) in try write(raw) }
    }

    /// Appends `tail`, then commits; returns the file's final size. On failure the temporary file
    /// is already gone.
    func commit(appending tail: [UInt8], sync: Bool) throws(ColumnarError) -> Int64 {
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
            system_unlink(temporaryPath)
            throw .io(operation: "close", path: path, errno: code)
        }
        fd = -1
        sha256 = digest?.finalize()
        if system_rename(temporaryPath, path) != 0 {
            let code = system_errno
            system_unlink(temporaryPath)
            throw .io(operation: "rename", path: path, errno: code)
        }
    }

    /// Closes and removes the temporary file, if still open.
    func abandon() {
        guard fd >= 0 else { return }
        system_close(fd)
        fd = -1
        system_unlink(temporaryPath)
    }
}
