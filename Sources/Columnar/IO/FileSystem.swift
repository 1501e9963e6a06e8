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

    /// Whether `path` names a directory, following links as the system resolves a path.
    package static func isDirectory(followingLinks path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Creates `path` and its missing parents (`mkdir -p`). The caller's path is resolved as the
    /// system does: a component that is a link to a directory is followed.
    package static func makeDirectories(_ path: String) throws(ColumnarError) {
        if isDirectory(followingLinks: path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io(operation: "create directory", path: prefix, errno: errno)
            }
            if !isDirectory(followingLinks: prefix) {
                throw .io(operation: "create directory", path: prefix, errno: ENOTDIR)
            }
            prefix += "/"
        }
    }

    /// Seconds since the epoch, now.
    package static func now() -> Int64 { Int64(time(nil)) }

    /// This process's id.
    package static func processID() -> Int32 { Int32(getpid()) }

    /// The number of CPU cores online.
    package static func coreCount() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Monotonic seconds.
    package static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

