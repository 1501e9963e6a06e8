// Every libc call of the Columnar module goes through this file (as swift-system's Syscalls.swift),
// so the rest of the module stays free of platform imports.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's message for `code` (`strerror`).
func systemErrorMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// The current thread's `errno`.
var system_errno: Int32 { errno }

/// Calls `memcmp`.
@inline(__always)
func system_memcmp(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Int {
    Int(memcmp(a, b, n))
}

/// Calls `open(path, flags, mode)`, retrying on `EINTR`.
func system_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    while true {
        let fd = open(path, flags, mode)
        if fd >= 0 || errno != EINTR { return fd }
    }
}

/// Calls `write`, retrying on `EINTR`.
func system_write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    while true {
        let n = write(fd, buffer, count)
        if n >= 0 || errno != EINTR { return n }
    }
}

/// Calls `close`.
@discardableResult
func system_close(_ fd: Int32) -> Int32 { close(fd) }

/// Calls `fsync`.
func system_fsync(_ fd: Int32) -> Int32 { fsync(fd) }

/// Calls `dup`.
func system_dup(_ fd: Int32) -> Int32 { dup(fd) }

/// Calls `getpid`.
func system_getpid() -> Int32 { Int32(getpid()) }

/// Calls `pread`, retrying on `EINTR`.
func system_pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int, _ offset: Int64) -> Int {
    while true {
        let n = pread(fd, buffer, count, off_t(offset))
        if n >= 0 || errno != EINTR { return n }
    }
}

/// The size of the file open at `fd` (`fstat`), or -1.
func system_fileSize(_ fd: Int32) -> Int64 {
    var info = stat()
    return fstat(fd, &info) == 0 ? Int64(info.st_size) : -1
}

let system_O_RDONLY = O_RDONLY
let system_O_WRONLY = O_WRONLY
let system_O_RDWR = O_RDWR
let system_O_CREAT = O_CREAT
let system_O_EXCL = O_EXCL
let system_O_TRUNC = O_TRUNC
let system_O_CLOEXEC = O_CLOEXEC

// MARK: - Directory descriptors (DirectoryHandle)

/// Calls `openat(dirfd, name, flags, mode)`, retrying on `EINTR`.
func system_openat(_ dirfd: Int32, _ name: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    while true {
        let fd = openat(dirfd, name, flags, mode)
        if fd >= 0 || errno != EINTR { return fd }
    }
}

/// Calls `mkdirat`.
func system_mkdirat(_ dirfd: Int32, _ name: String, _ mode: mode_t) -> Int32 { mkdirat(dirfd, name, mode) }

/// Calls `unlinkat`; `directory` passes `AT_REMOVEDIR`.
func system_unlinkat(_ dirfd: Int32, _ name: String, directory: Bool) -> Int32 {
    unlinkat(dirfd, name, directory ? AT_REMOVEDIR : 0)
}

/// Calls `renameat` within one directory.
func system_renameat(_ dirfd: Int32, _ from: String, _ to: String) -> Int32 { renameat(dirfd, from, dirfd, to) }

/// Calls `fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW)`: the entry itself, never a link's target.
func system_lstatat(_ dirfd: Int32, _ name: String) -> (mode: UInt32, size: Int64, inode: UInt64, device: UInt64)? {
    var info = stat()
    guard fstatat(dirfd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
    return (UInt32(info.st_mode), Int64(info.st_size), UInt64(info.st_ino), UInt64(info.st_dev))
}

/// Calls `fstat`: the mode, size, inode and device of an open descriptor.
func system_fstat(_ fd: Int32) -> (mode: UInt32, size: Int64, inode: UInt64, device: UInt64)? {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    return (UInt32(info.st_mode), Int64(info.st_size), UInt64(info.st_ino), UInt64(info.st_dev))
}

/// The names in the directory open at `fd` (`fdopendir` over a duplicate), without `.` and `..`.
func system_readdir(_ fd: Int32) -> [String]? {
    let copy = dup(fd)
    guard copy >= 0 else { return nil }
    guard let dir = fdopendir(copy) else {
        close(copy)
        return nil
    }
    defer { closedir(dir) }
    rewinddir(dir)
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Calls `flock(fd, LOCK_EX or LOCK_SH | LOCK_NB)`; true when the lock was taken.
func system_tryLock(_ fd: Int32, exclusive: Bool) -> Bool {
    while true {
        if flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 { return true }
        if errno != EINTR { return false }
    }
}

/// Clears `O_NONBLOCK` on `fd`.
func system_clearNonblocking(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFL)
    if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
}

/// Whether process `pid` exists (`kill(pid, 0)`).
func system_processExists(_ pid: Int32) -> Bool { pid > 0 && (kill(pid, 0) == 0 || errno == EPERM) }

let system_O_DIRECTORY = O_DIRECTORY
let system_O_NOFOLLOW = O_NOFOLLOW
let system_O_NONBLOCK = O_NONBLOCK
let system_S_IFMT = UInt32(S_IFMT)
let system_S_IFREG = UInt32(S_IFREG)
let system_S_IFDIR = UInt32(S_IFDIR)
let system_S_IFLNK = UInt32(S_IFLNK)
let system_ENOENT = ENOENT
let system_EEXIST = EEXIST
let system_ELOOP = ELOOP
let system_ENOTDIR = ENOTDIR
let system_ENOTEMPTY = ENOTEMPTY
let system_EINVAL = EINVAL
