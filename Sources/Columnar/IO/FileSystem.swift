#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory and file operations the engine needs, over libc, with errors as
/// `ColumnarError.io`. `package` so that StreamGen stays free of platform imports.
package enum FileSystem {
    package enum Kind: Sendable { case file, directory, other }

    /// The kind of the entry at `path` (not following a final symlink), or nil when absent.
    package static func kind(_ path: String) -> Kind? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The size of the file at `path`, or nil.
    package static func size(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Creates `path` and its missing parents (`mkdir -p`).
    package static func makeDirectories(_ path: String) throws(ColumnarError) {
        if kind(path) == .directory { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io(operation: "create directory", path: prefix, errno: errno)
            }
            if kind(prefix) != .directory {
                throw .io(operation: "create directory", path: prefix, errno: ENOTDIR)
            }
            prefix += "/"
        }
    }

    /// The names in directory `path`, without `.` and `..`, sorted.
    package static func list(_ path: String) throws(ColumnarError) -> [String] {
        guard let dir = opendir(path) else { throw .io(operation: "list", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Every regular file under `path`, as paths relative to it, sorted.
    package static func walk(_ path: String) throws(ColumnarError) -> [String] {
        var result: [String] = []
        func visit(_ relative: String) throws(ColumnarError) {
            let full = relative.isEmpty ? path : path + "/" + relative
            for name in try list(full) {
                let child = relative.isEmpty ? name : relative + "/" + name
                switch kind(path + "/" + child) {
                case .directory: try visit(child)
                case .some: result.append(child)
                case nil: break
                }
            }
        }
        try visit("")
        return result.sorted()
    }

    /// Removes the file at `path`; a missing file is not an error.
    package static func remove(_ path: String) throws(ColumnarError) {
        if unlink(path) != 0 && errno != ENOENT { throw .io(operation: "remove", path: path, errno: errno) }
    }

    /// Removes the directory at `path` if it is empty; returns whether it did.
    @discardableResult
    package static func removeDirectoryIfEmpty(_ path: String) -> Bool {
        rmdir(path) == 0
    }

    /// Writes `bytes` to `path` through a temporary file and a rename.
    package static func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool = true) throws(ColumnarError) {
        let file = try AtomicFile(path: path)
        _ = try file.commit(appending: bytes, sync: sync)
    }

    /// The whole file at `path`.
    package static func read(_ path: String) throws(ColumnarError) -> [UInt8] {
        let fd = system_open(path, system_O_RDONLY | system_O_CLOEXEC, 0)
        if fd < 0 { throw .io(operation: "open", path: path, errno: errno) }
        defer { system_close(fd) }
        let size = system_fileSize(fd)
        var bytes = [UInt8](repeating: 0, count: Int(max(size, 0)))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { system_pread(fd, $0.baseAddress! + done, $0.count - done, Int64(done)) }
            if n < 0 { throw .io(operation: "read", path: path, errno: errno) }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[0..<done])
    }

    /// The SHA-256 of the file at `path`, in hex.
    package static func sha256(_ path: String) throws(ColumnarError) -> String {
        let fd = system_open(path, system_O_RDONLY | system_O_CLOEXEC, 0)
        if fd < 0 { throw .io(operation: "open", path: path, errno: errno) }
        defer { system_close(fd) }
        let digest = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { system_pread(fd, $0.baseAddress!, $0.count, offset) }
            if n < 0 { throw .io(operation: "read", path: path, errno: errno) }
            if n == 0 { break }
            buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += Int64(n)
        }
        return digest.finalize()
    }

    /// Seconds since the epoch, now.
    package static func now() -> Int64 { Int64(time(nil)) }

    /// The number of CPU cores online.
    package static func coreCount() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Monotonic seconds.
    package static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

