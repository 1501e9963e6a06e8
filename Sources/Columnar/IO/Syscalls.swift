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

/// Calls `rename`.
func system_rename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

/// Calls `unlink`.
@discardableResult
func system_unlink(_ path: String) -> Int32 { unlink(path) }

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
let system_O_CREAT = O_CREAT
let system_O_EXCL = O_EXCL
let system_O_TRUNC = O_TRUNC
let system_O_CLOEXEC = O_CLOEXEC
