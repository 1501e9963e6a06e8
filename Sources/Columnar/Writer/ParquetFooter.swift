/// Reads the footer of a Parquet file: its `FileMetaData`, decoded field by field.
///
/// For tools and tests (`streamgen inspect`); it checks both magic numbers and the footer length.
public enum ParquetFooter {
    /// Reads and decodes the footer of the file at `path`.
    public static func read(path: String) throws(ColumnarError) -> ThriftValue {
        let fd = system_open(path, system_O_RDONLY | system_O_CLOEXEC, 0)
        if fd < 0 { throw .io(operation: "open", path: path, errno: system_errno) }
        defer { system_close(fd) }
        return try read(fd: fd, path: path)
    }

    /// Reads and decodes the footer of a file opened by a `DirectoryHandle`.
    package static func read(file: ReadableFile) throws(ColumnarError) -> ThriftValue {
        try read(fd: file.fd, path: file.path)
    }

    /// Reads and decodes the footer of the open file `fd` (named `path` in errors).
    static func read(fd: Int32, path: String) throws(ColumnarError) -> ThriftValue {
        let size = system_fileSize(fd)
        guard size >= 12 else { throw .invalidData("'\(path)' is too short to be a Parquet file") }
        let tail = try readBytes(fd, path: path, offset: size - 8, count: 8)
        let head = try readBytes(fd, path: path, offset: 0, count: 4)
        guard head == ParquetFileWriter.magic, Array(tail[4...]) == ParquetFileWriter.magic else {
            throw .invalidData("'\(path)' does not start and end with PAR1")
        }
        let length = Int64(tail[0]) | Int64(tail[1]) << 8 | Int64(tail[2]) << 16 | Int64(tail[3]) << 24
        guard length > 0, length <= size - 12 else { throw .invalidData("'\(path)' has a footer length of \(length)") }
        let footer = try readBytes(fd, path: path, offset: size - 8 - length, count: Int(length))
        var reader = CompactReader(footer)
        return try reader.readStruct()
    }

    /// Reads exactly `count` bytes at `offset`.
    static func readBytes(_ fd: Int32, path: String, offset: Int64, count: Int) throws(ColumnarError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { system_pread(fd, $0.baseAddress! + done, count - done, offset + Int64(done)) }
            if n < 0 { throw .io(operation: "read", path: path, errno: system_errno) }
            if n == 0 { throw .invalidData("'\(path)' ended early") }
            done += n
        }
        return bytes
    }
}
