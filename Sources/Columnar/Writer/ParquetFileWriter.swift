/// Writes chunks of rows into one Parquet file, streaming: memory is bounded by one row group.
///
/// ```swift
/// let schema = try Schema([Column("id", .int64), Column("name", .string, .optional)])
/// var chunk = Chunk(schema: schema, capacity: 1024)
/// chunk.columns[0].append(Int64(1))
/// chunk.columns[1].append("Ada")
/// let writer = try ParquetFileWriter(path: "people.parquet", schema: schema)
/// try writer.write(chunk)
/// let summary = try writer.close()     // the file appears under its name only now
/// ```
///
/// ### Layout
/// ```
/// "PAR1" | row group 0: column chunk 0, column chunk 1, … | row group 1 … | FileMetaData | u32 LE length | "PAR1"
/// ```
/// Each column chunk is `[dictionary page] data page…`, every page a Thrift `PageHeader` and a
/// compressed body; v1 data pages hold `[u32 length + RLE definition levels] values`.
///
/// The file is written under a hidden temporary name and renamed by `close()`; a writer that fails,
/// is abandoned or is dropped unclosed removes its temporary file.
/// - Note: not thread-safe; one writer per task.
public final class ParquetFileWriter {
    public let path: String
    public let schema: Schema
    public let options: WriterOptions
    private var file: AtomicFile?
    private var columns: [ColumnChunkWriter]
    private let compressor: Compressor
    private var rowGroups: [RowGroup] = []
    private var rowsInGroup = 0
    private var totalRows: Int64 = 0
    /// Nanoseconds inside `write` and `close`, and the compressor's share of them.
    private var busyNanoseconds: UInt64 = 0
    private var compressNanoseconds: UInt64 = 0
    /// The file's write and checksum times, kept once it is closed.
    private var fileTiming: (write: UInt64, checksum: UInt64) = (0, 0)

    /// Row-group byte-size checks happen every this many rows.
    private static let sliceRows = 8192

    /// The magic bytes that open and close every Parquet file.
    static let magic: [UInt8] = Array("PAR1".utf8)

    /// Opens a temporary file beside `path` and writes the leading magic.
    ///
    /// - Parameter compressor: a compressor to reuse (one per worker); it must use `options.codec`.
    ///   By default the writer makes its own.
    public convenience init(path: String, schema: Schema, options: WriterOptions = WriterOptions(), compressor: Compressor? = nil)
        throws(ColumnarError)
    {
        try options.validate()
        try self.init(file: try AtomicFile(path: path, checksum: options.checksum), schema: schema, options: options, compressor: compressor)
    }

    /// Opens the temporary file for `name` in `directory` (no link followed) and writes the
    /// leading magic.
    package convenience init(in directory: DirectoryHandle, name: String, schema: Schema, options: WriterOptions = WriterOptions(),
                             compressor: Compressor? = nil) throws(ColumnarError)
    {
        try options.validate()
        try self.init(file: try AtomicFile(directory: directory, name: name, checksum: options.checksum), schema: schema, options: options,
                      compressor: compressor)
    }

    private init(file: AtomicFile, schema: Schema, options: WriterOptions, compressor: Compressor?) throws(ColumnarError) {
        if let compressor, compressor.codec != options.codec || (compressor.codec == .zstd && compressor.level != options.zstdLevel) {
            throw .invalidData("the compressor's codec does not match the writer options")
        }
        self.path = file.path
        self.schema = schema
        self.options = options
        self.compressor = compressor ?? Compressor(codec: options.codec, level: options.zstdLevel)
        self.columns = schema.columns.map { ColumnChunkWriter(column: $0, options: options) }
        try file.write(ParquetFileWriter.magic)
        self.file = file
    }

    /// The rows written so far.
    public var rowCount: Int64 { totalRows }

    /// Appends every row of `chunk`.
    public func write(_ chunk: Chunk) throws(ColumnarError) {
        try write(chunk, rows: 0..<chunk.rowCount)
    }

    /// Appends rows `rows` of `chunk`, closing row groups as they reach their limits.
    public func write(_ chunk: Chunk, rows: Range<Int>) throws(ColumnarError) {
        guard let file else { throw .writerClosed }
        let started = MonotonicClock.nanoseconds()
        let compressorStart = compressor.nanoseconds
        defer {
            busyNanoseconds &+= MonotonicClock.since(started)
            compressNanoseconds &+= compressor.nanoseconds &- compressorStart
        }
        do throws(ColumnarError) {
            guard chunk.schema == schema else { throw ColumnarError.invalidData("the chunk's schema is not the writer's") }
            try chunk.validate()
            guard rows.lowerBound >= 0 && rows.upperBound <= chunk.rowCount else {
                throw ColumnarError.invalidData("rows \(rows) are outside the chunk's \(chunk.rowCount) rows")
            }
            var start = rows.lowerBound
            while start < rows.upperBound {
                let end = min(rows.upperBound, start + min(options.rowGroupRowLimit - rowsInGroup, Self.sliceRows))
                for i in columns.indices {
                    try columns[i].write(chunk.columns[i], rows: start..<end, compressor: compressor)
                }
                rowsInGroup += end - start
                totalRows += Int64(end - start)
                start = end
                if rowsInGroup >= options.rowGroupRowLimit || bufferedSize >= options.rowGroupByteLimit {
                    try closeRowGroup(file)
                }
            }
        } catch {
            abandon()
            throw error
        }
    }

    /// The bytes buffered for the open row group.
    public var bufferedSize: Int { columns.reduce(0) { $0 + $1.bufferedSize } }

    private func closeRowGroup(_ file: AtomicFile) throws(ColumnarError) {
        guard rowsInGroup > 0 else { return }
        let start = file.offset
        var chunks: [ColumnChunk] = []
        chunks.reserveCapacity(columns.count)
        for i in columns.indices {
            chunks.append(try columns[i].finish(to: file, compressor: compressor))
        }
        rowGroups.append(
            RowGroup(
                columns: chunks,
                totalByteSize: chunks.reduce(0) { $0 + $1.metaData.totalUncompressedSize },
                numRows: Int64(rowsInGroup),
                fileOffset: start,
                totalCompressedSize: chunks.reduce(0) { $0 + $1.metaData.totalCompressedSize },
                ordinal: Int16(truncatingIfNeeded: rowGroups.count)
            ))
        rowsInGroup = 0
    }

    /// Closes the last row group, writes the footer and renames the file into place.
    @discardableResult
    public func close() throws(ColumnarError) -> FileSummary {
        guard let file else { throw .writerClosed }
        // Finished or failed, the file is done. If anything below throws, dropping the last
        // reference to `file` removes the temporary file (AtomicFile's deinit).
        self.file = nil
        let started = MonotonicClock.nanoseconds()
        let compressorStart = compressor.nanoseconds
        defer {
            busyNanoseconds &+= MonotonicClock.since(started)
            compressNanoseconds &+= compressor.nanoseconds &- compressorStart
            fileTiming = (file.writeNanoseconds, file.checksumNanoseconds)
        }
        try closeRowGroup(file)
        var tail = encodedFooter()
        appendLittleEndian(UInt32(tail.count), to: &tail)
        tail.append(contentsOf: ParquetFileWriter.magic)
        let size = try file.commit(appending: tail, sync: options.sync)
        return FileSummary(path: path, rows: totalRows, bytes: size, rowGroups: rowGroups.count, sha256: file.sha256,
                           uncompressedBytes: rowGroups.reduce(0) { $0 + $1.totalByteSize })
    }

    /// Where this writer's time has gone so far: encoding (the rest of its time in `write` and
    /// `close`), compressing, writing and checksumming. After `close()`, the file's whole cost.
    public var timing: StageTimes {
        let (write, checksum) = file.map { ($0.writeNanoseconds, $0.checksumNanoseconds) } ?? fileTiming
        let accounted = compressNanoseconds &+ write &+ checksum
        return StageTimes(
            encoding: busyNanoseconds > accounted ? busyNanoseconds - accounted : 0,
            compressing: compressNanoseconds, writing: write, checksumming: checksum)
    }

    /// The Thrift-encoded `FileMetaData` of the row groups closed so far (the footer `close()`
    /// writes, before its length and magic).
    @_spi(Benchmarks)
    public func encodedFooter() -> [UInt8] {
        let metadata = FileMetaData(
            schema: schema,
            numRows: totalRows,
            rowGroups: rowGroups,
            keyValueMetadata: options.keyValueMetadata.map { (key: $0.key, value: $0.value) },
            createdBy: ColumnarVersion.createdBy,
            jsonAsString: options.jsonAsString
        )
        var w = CompactWriter(reservingCapacity: 4096)
        w.writeStruct(metadata.write)
        return w.bytes
    }

    /// Closes the open row group early, as reaching its row limit would (for benchmarks that
    /// need a footer of many row groups).
    @_spi(Benchmarks)
    public func flushRowGroup() throws(ColumnarError) {
        guard let file else { throw .writerClosed }
        try closeRowGroup(file)
    }

    /// Gives up on the file: the temporary file is removed and nothing appears under `path`.
    public func abandon() {
        file?.abandon()
        file = nil
    }
}

/// What `ParquetFileWriter.close()` (or a CSV writer) produced.
public struct FileSummary: Sendable, Hashable {
    public let path: String
    public let rows: Int64
    public let bytes: Int64
    public let rowGroups: Int
    /// The file's SHA-256 in hex, when the writer was asked for a checksum.
    public let sha256: String?
    /// Parquet: the pages' size before compression (the row groups' `total_byte_size`); CSV: `bytes`.
    public let uncompressedBytes: Int64

    public init(path: String, rows: Int64, bytes: Int64, rowGroups: Int, sha256: String? = nil, uncompressedBytes: Int64? = nil) {
        self.path = path
        self.rows = rows
        self.bytes = bytes
        self.rowGroups = rowGroups
        self.sha256 = sha256
        self.uncompressedBytes = uncompressedBytes ?? bytes
    }
}
