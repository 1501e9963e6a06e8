/// A path inside a directory, held as validated components.
///
/// Paths that StreamGen creates or removes come from table names, partition values, manifests
/// and journals: text a schema or a hostile file can shape. A `RelativePath` is split on the
/// byte `/` (never on grapheme clusters, which would read `/` plus a combining mark as one
/// character while the kernel sees a separator), and each component is checked as bytes: not
/// empty, not `.` or `..`, no NUL or control bytes, at most 255 bytes. Such a path can only name
/// something below the directory it is resolved in.
public struct RelativePath: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let components: [String]

    /// The longest component a file system takes (`NAME_MAX`).
    public static let maximumComponentBytes = 255

    /// Validates `components`, each one name.
    public init(components: [String]) throws(PathError) {
        guard !components.isEmpty else { throw PathError("an empty path") }
        for c in components {
            if let problem = RelativePath.problem(component: c) { throw PathError("'\(RelativePath.printable(components.joined(separator: "/")))': \(problem)") }
        }
        self.components = components
    }

    /// Splits `text` on the byte `/` and validates each component. An absolute path, an empty
    /// component (`a//b`, a trailing `/`) and `.` or `..` anywhere are refused.
    public init(validating text: String) throws(PathError) {
        var parts: [String] = []
        var current: [UInt8] = []
        for b in text.utf8 {
            if b == UInt8(ascii: "/") {
                if current.isEmpty { throw PathError("'\(RelativePath.printable(text))': \(parts.isEmpty ? "an absolute path or an empty component" : "an empty component")") }
                parts.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
        }
        guard !current.isEmpty else { throw PathError("'\(RelativePath.printable(text))': an empty path or a trailing '/'") }
        parts.append(String(decoding: current, as: UTF8.self))
        try self.init(components: parts)
    }

    /// Why `name` cannot be one component of a path, or nil when it can.
    public static func problem(component name: String) -> String? {
        let bytes = name.utf8
        if bytes.isEmpty { return "an empty name" }
        if name == "." || name == ".." { return "'\(name)' leaves or repeats the directory" }
        if bytes.count > maximumComponentBytes { return "a name longer than \(maximumComponentBytes) bytes" }
        if bytes.contains(UInt8(ascii: "/")) { return "a name holding '/'" }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "a name holding a control character" }
        return nil
    }

    /// `text` with control bytes shown as `\u{XX}`, for messages.
    public static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x300...0x36F).contains(scalar.value) || (0x200B...0x200F).contains(scalar.value)
                || (0xFE00...0xFE0F).contains(scalar.value)
            {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public var description: String { components.joined(separator: "/") }
    public var name: String { components[components.count - 1] }
    /// The directory components (all but the last).
    public var directoryComponents: ArraySlice<String> { components.dropLast() }

    public func appending(_ name: String) throws(PathError) -> RelativePath {
        try RelativePath(components: components + [name])
    }

    public static func < (a: RelativePath, b: RelativePath) -> Bool { a.description < b.description }
}

/// A path that cannot be used: the message names it and why.
public struct PathError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What an entry of a directory is, seen without following links.
public enum EntryKind: Sendable, Hashable {
    case file, directory, symlink, other
}

/// An open directory: every operation below it is relative to its descriptor (`openat`,
/// `mkdirat`, `unlinkat`, `renameat`, `fstatat`) and never follows a symbolic link, so nothing
/// done through a handle can land outside the directory, whatever a path says or a link points to.
///
/// The directory itself is opened by the caller's path as the system resolves it (an explicit
/// output path that is a link is followed once, there); everything inside is opened with
/// `O_NOFOLLOW`. The descriptor is closed when the handle goes.
package final class DirectoryHandle: Sendable {
    package let fd: Int32
    /// The path for messages: the caller's path joined with the components opened since.
    package let displayPath: String

    private init(fd: Int32, displayPath: String) {
        self.fd = fd
        self.displayPath = displayPath
    }

    deinit { system_close(fd) }

    /// Opens the directory at `path`; with `create`, makes it and its missing parents first
    /// (`mkdir -p`). An empty path is refused: it is never a directory anyone meant.
    package static func open(_ path: String, create: Bool) throws(ColumnarError) -> DirectoryHandle {
        guard !path.isEmpty else { throw .invalidData("an empty directory path") }
        if path.utf8.contains(0) { throw .invalidData("a directory path holding a NUL byte") }
        if create { try FileSystem.makeDirectories(path) }
        let fd = system_open(path, system_O_RDONLY | system_O_DIRECTORY | system_O_CLOEXEC, 0)
        if fd < 0 { throw .io(operation: "open directory", path: path, errno: system_errno) }
        return DirectoryHandle(fd: fd, displayPath: path)
    }

    func child(_ name: String) -> String { displayPath.hasSuffix("/") ? displayPath + name : displayPath + "/" + name }

    /// Opens the directory `name` inside this one without following a link; with `create`,
    /// makes it first. A link, a file or anything else under that name is an error.
    package func directory(_ name: String, create: Bool) throws(ColumnarError) -> DirectoryHandle {
        if let problem = RelativePath.problem(component: name) { throw .invalidData("\(child(RelativePath.printable(name))): \(problem)") }
        if create && system_mkdirat(fd, name, 0o755) != 0 && system_errno != system_EEXIST {
            throw .io(operation: "create directory", path: child(name), errno: system_errno)
        }
        let sub = system_openat(fd, name, system_O_RDONLY | system_O_DIRECTORY | system_O_NOFOLLOW | system_O_CLOEXEC, 0)
        if sub < 0 {
            let code = system_errno
            if code == system_ELOOP || (code == system_ENOTDIR && kind(name) == .symlink) {
                throw .invalidData("\(child(name)) is a symbolic link; StreamGen does not follow links inside its output directory")
            }
            throw .io(operation: "open directory", path: child(name), errno: code)
        }
        return DirectoryHandle(fd: sub, displayPath: child(name))
    }

    /// Opens (with `create`, makes) each directory of `components` in turn.
    package func directory<C: Collection>(_ components: C, create: Bool) throws(ColumnarError) -> DirectoryHandle where C.Element == String {
        var current = self
        for name in components { current = try current.directory(name, create: create) }
        return current
    }

    /// The names in this directory, sorted.
    package func names() throws(ColumnarError) -> [String] {
        guard let names = system_readdir(fd) else { throw .io(operation: "list", path: displayPath, errno: system_errno) }
        return names.sorted()
    }

    /// The kind of entry `name`, or nil when there is none.
    package func kind(_ name: String) -> EntryKind? {
        guard let info = system_lstatat(fd, name) else { return nil }
        return EntryKind(mode: info.mode)
    }

    /// The kind and size of entry `name` (a link's own size), or nil.
    package func info(_ name: String) -> (kind: EntryKind, size: Int64)? {
        guard let info = system_lstatat(fd, name) else { return nil }
        return (EntryKind(mode: info.mode), info.size)
    }

    /// Opens the regular file `name` for reading. A link, a FIFO, a device or a directory is
    /// refused before anything is read from it (a FIFO is opened non-blocking, so it cannot hang).
    package func openFile(_ name: String) throws(ColumnarError) -> ReadableFile {
        let (file, size) = try openRegular(name, flags: system_O_RDONLY | system_O_NONBLOCK)
        system_clearNonblocking(file)
        return ReadableFile(fd: file, path: child(name), size: size)
    }

    /// Opens `name` with `flags` plus `O_NOFOLLOW | O_CLOEXEC` and checks that it is a regular
    /// file; returns the descriptor and the file's size.
    fileprivate func openRegular(_ name: String, flags: Int32, mode: UInt32 = 0) throws(ColumnarError) -> (Int32, Int64) {
        if let problem = RelativePath.problem(component: name) { throw .invalidData("\(child(RelativePath.printable(name))): \(problem)") }
        let file = system_openat(fd, name, flags | system_O_NOFOLLOW | system_O_CLOEXEC, .init(mode))
        if file < 0 {
            let code = system_errno
            if code == system_ELOOP { throw .invalidData("\(child(name)) is a symbolic link; StreamGen does not follow links inside its output directory") }
            throw .io(operation: "open", path: child(name), errno: code)
        }
        guard let info = system_fstat(file), info.mode & system_S_IFMT == system_S_IFREG else {
            system_close(file)
            throw .invalidData("\(child(name)) is not a regular file")
        }
        return (file, info.size)
    }

    /// Opens the regular file at `path` below this directory for reading, without following links.
    package func openFile(_ path: RelativePath) throws(ColumnarError) -> ReadableFile {
        try directory(path.directoryComponents, create: false).openFile(path.name)
    }

    /// The whole regular file `name`, refused when larger than `limit` bytes.
    package func read(_ name: String, limit: Int = 1 << 30) throws(ColumnarError) -> [UInt8] {
        let file = try openFile(name)
        guard file.size <= Int64(limit) else { throw .invalidData("\(file.path) is larger than \(limit) bytes") }
        return try file.readAll()
    }

    /// Removes the file (or link) `name`; a missing one is not an error. A directory is refused.
    package func removeFile(_ name: String) throws(ColumnarError) {
        if system_unlinkat(fd, name, directory: false) != 0 && system_errno != system_ENOENT {
            throw .io(operation: "remove", path: child(name), errno: system_errno)
        }
    }

    /// Removes the directory `name` if it is empty; returns whether it is gone.
    @discardableResult
    package func removeDirectoryIfEmpty(_ name: String) -> Bool {
        system_unlinkat(fd, name, directory: true) == 0 || system_errno == system_ENOENT
    }

    /// Renames `from` to `to`, both in this directory (`renameat`): a link at `to` is replaced,
    /// never followed.
    package func rename(_ from: String, to: String) throws(ColumnarError) {
        if system_renameat(fd, from, to) != 0 { throw .io(operation: "rename", path: child(to), errno: system_errno) }
    }

    /// Writes `bytes` to `name` through a temporary file and a rename; with `sync`, the file and
    /// then this directory are synced, so the file survives a crash once this returns.
    package func writeAtomically(_ name: String, _ bytes: [UInt8], sync: Bool = true) throws(ColumnarError) {
        let file = try AtomicFile(directory: self, name: name)
        _ = try file.commit(appending: bytes, sync: sync)
        if sync { self.sync() }
    }

    /// `fsync` of the directory: its entries (a rename, a new file) are on disk.
    package func sync() { _ = system_fsync(fd) }

    /// Takes `flock` on the directory without waiting; false when another process holds a
    /// conflicting lock. The lock lasts as long as the handle (or until `unlock`).
    package func tryLock(exclusive: Bool) -> Bool { system_tryLock(fd, exclusive: exclusive) }

    /// Whether `other` is this very directory (same device and inode).
    package func isSameDirectory(as other: DirectoryHandle) -> Bool {
        guard let a = system_fstat(fd), let b = system_fstat(other.fd) else { return false }
        return a.inode == b.inode && a.device == b.device
    }
}

extension EntryKind {
    init(mode: UInt32) {
        switch mode & system_S_IFMT {
        case system_S_IFREG: self = .file
        case system_S_IFDIR: self = .directory
        case system_S_IFLNK: self = .symlink
        default: self = .other
        }
    }
}

/// A regular file open for reading, closed when dropped.
package final class ReadableFile {
    package let fd: Int32
    package let path: String
    package let size: Int64

    init(fd: Int32, path: String, size: Int64) {
        self.fd = fd
        self.path = path
        self.size = size
    }

    deinit { system_close(fd) }

    /// Every byte of the file.
    package func readAll() throws(ColumnarError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(max(size, 0)))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { system_pread(fd, $0.baseAddress! + done, $0.count - done, Int64(done)) }
            if n < 0 { throw .io(operation: "read", path: path, errno: system_errno) }
            if n == 0 { break }
            done += n
        }
        return done == bytes.count ? bytes : Array(bytes[0..<done])
    }

    /// Exactly `count` bytes at `offset`; throws when the file ends before them.
    package func read(count: Int, at offset: Int64) throws(ColumnarError) -> [UInt8] {
        guard count >= 0, offset >= 0, Int64(count) <= size - offset else { throw .invalidData("\(path) is cut short") }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { system_pread(fd, $0.baseAddress! + done, count - done, offset + Int64(done)) }
            if n < 0 { throw .io(operation: "read", path: path, errno: system_errno) }
            if n == 0 { throw .invalidData("\(path) is cut short") }
            done += n
        }
        return bytes
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many (0 at the end).
    package func read(into buffer: inout [UInt8], at offset: Int64) throws(ColumnarError) -> Int {
        let n = buffer.withUnsafeMutableBytes { system_pread(fd, $0.baseAddress!, $0.count, offset) }
        if n < 0 { throw .io(operation: "read", path: path, errno: system_errno) }
        return n
    }

    /// The SHA-256 of the file, in hex.
    package func sha256() throws(ColumnarError) -> String {
        let digest = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { system_pread(fd, $0.baseAddress!, $0.count, offset) }
            if n < 0 { throw .io(operation: "read", path: path, errno: system_errno) }
            if n == 0 { break }
            buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += Int64(n)
        }
        return digest.finalize()
    }
}

/// A lock file held with `flock`: the lock lasts as long as this object.
package final class LockedFile: Sendable {
    private let fd: Int32

    fileprivate init(fd: Int32) { self.fd = fd }

    deinit { system_close(fd) }
}

extension DirectoryHandle {
    /// Opens (creating when missing) the regular file `name`, without following a link, and
    /// takes `flock` on it without waiting: nil when another process holds it.
    package func lockFile(_ name: String, exclusive: Bool) throws(ColumnarError) -> LockedFile? {
        let (fd, _) = try openRegular(name, flags: system_O_RDWR | system_O_CREAT, mode: 0o644)
        guard system_tryLock(fd, exclusive: exclusive) else {
            system_close(fd)
            return nil
        }
        return LockedFile(fd: fd)
    }
}

/// Whether a process with this id is running (`kill(pid, 0)`).
package func processExists(_ pid: Int32) -> Bool { system_processExists(pid) }
