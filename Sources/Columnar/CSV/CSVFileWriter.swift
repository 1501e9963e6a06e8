/// Writes chunks as CSV (RFC 4180 quoting) with a header row, over the same `Chunk`s as Parquet.
///
/// | type | text |
/// |---|---|
/// | null | empty field |
/// | string, JSON | as is; quoted (`"` doubled) when it holds `,` `"` CR or LF, or is empty (so `""` is an empty string and an empty field a null) |
/// | boolean | `true` / `false` |
/// | date | `2024-01-08` |
/// | timestamp | `2024-01-08T09:30:00.000000Z` (no `Z` for local timestamps) |
/// | decimal | exact: `-12.30` for DECIMAL(p,2) |
/// | double | shortest round-trip form (`0.1`, `1e-07`, `nan`, `inf`) |
/// | uuid (16 bytes) | `8-4-4-4-12` lowercase hex |
/// | binary, fixed | lowercase hex (`""` when empty) |
///
/// Like `ParquetFileWriter`, the file appears under its name only when `close()` succeeds.
public final class CSVFileWriter {
    public let path: String
    public let schema: Schema
    private var file: AtomicFile?
    private var buffer: [UInt8] = []
    private var rows: Int64 = 0
    private let lineTerminator: [UInt8]
    /// Nanoseconds inside `write` and `close`; the file's write and checksum times once closed.
    private var busyNanoseconds: UInt64 = 0
    private var fileTiming: (write: UInt64, checksum: UInt64) = (0, 0)

    private static let trueText: [UInt8] = Array("true".utf8)
    private static let falseText: [UInt8] = Array("false".utf8)

    /// Flush the text buffer to the file past this size.
    private static let flushSize = 1 << 20

    public convenience init(path: String, schema: Schema, crlf: Bool = false, checksum: Bool = false) throws(ColumnarError) {
        self.init(file: try AtomicFile(path: path, checksum: checksum), schema: schema, crlf: crlf)
    }

    /// Opens the temporary file for `name` in `directory`, following no link.
    package convenience init(in directory: DirectoryHandle, name: String, schema: Schema, crlf: Bool = false, checksum: Bool = false,
                             timestamps: TimestampText = .iso) throws(ColumnarError)
    {
        self.init(file: try AtomicFile(directory: directory, name: name, checksum: checksum), schema: schema, crlf: crlf, timestamps: timestamps)
    }

    /// Continues the CSV file `name` in `directory`: its bytes so far (header included) are
    /// copied into the new temporary file, rows written go after them, and `close()` replaces
    /// the file in one rename, so a reader sees the old file or the new one, never a part.
    package convenience init(continuing name: String, in directory: DirectoryHandle, schema: Schema, crlf: Bool = false, checksum: Bool = false,
                             timestamps: TimestampText = .iso) throws(ColumnarError)
    {
        let existing = try directory.openFile(name)
        let file = try AtomicFile(directory: directory, name: name, checksum: checksum)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while offset < existing.size {
            let n = try existing.read(into: &chunk, at: offset)
            if n == 0 { break }
            try file.write(Array(chunk[0..<n]))
            offset += Int64(n)
        }
        self.init(file: file, schema: schema, crlf: crlf, timestamps: timestamps, header: false)
    }

    /// A headerless CSV file `name` in `directory`: a segment of rows that another writer's
    /// file continues with (`appendEncoded`), as a sharded run's merge does.
    package convenience init(segment name: String, in directory: DirectoryHandle, schema: Schema, checksum: Bool = false,
                             timestamps: TimestampText = .iso) throws(ColumnarError)
    {
        self.init(file: try AtomicFile(directory: directory, name: name, checksum: checksum), schema: schema, crlf: false, timestamps: timestamps,
                  header: false)
    }

    /// The bytes written so far, the buffered ones included: where the next row starts.
    package var byteCount: Int64 { (file?.offset ?? 0) + Int64(buffer.count) }

    /// Appends `bytes`, `rows` rows already encoded by a writer of the same schema and options.
    package func appendEncoded(_ bytes: [UInt8], rows count: Int64) throws(ColumnarError) {
        guard let file else { throw .writerClosed }
        buffer += bytes
        rows += count
        if buffer.count >= Self.flushSize {
            do { try file.write(buffer) } catch {
                abandon()
                throw error
            }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// How timestamps are written.
    public enum TimestampText: Sendable {
        /// `2024-01-08T09:30:00.000000Z`
        case iso
        /// `2024-01-08 09:30:00`: whole seconds, no zone (dbt seeds, most loaders' default).
        case seconds
    }

    private let timestamps: TimestampText

    private init(file: AtomicFile, schema: Schema, crlf: Bool, timestamps: TimestampText = .iso, header: Bool = true) {
        self.path = file.path
        self.schema = schema
        self.lineTerminator = crlf ? [13, 10] : [10]
        self.timestamps = timestamps
        buffer.reserveCapacity(Self.flushSize + 64 * 1024)
        self.file = file
        guard header else { return }
        for (i, column) in schema.columns.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            var name = column.name
            name.withUTF8 { appendText(UnsafeRawBufferPointer($0)) }
        }
        buffer.append(contentsOf: lineTerminator)
    }

    /// The rows written so far.
    public var rowCount: Int64 { rows }

    /// Appends every row of `chunk`.
    public func write(_ chunk: Chunk) throws(ColumnarError) {
        try write(chunk, rows: 0..<chunk.rowCount)
    }

    /// Appends rows `range` of `chunk`.
    public func write(_ chunk: Chunk, rows range: Range<Int>) throws(ColumnarError) {
        guard let file else { throw .writerClosed }
        let started = MonotonicClock.nanoseconds()
        defer { busyNanoseconds &+= MonotonicClock.since(started) }
        do throws(ColumnarError) {
            guard chunk.schema == schema else { throw ColumnarError.invalidData("the chunk's schema is not the writer's") }
            try chunk.validate()
            for row in range {
                for c in chunk.columns.indices {
                    if c > 0 { buffer.append(UInt8(ascii: ",")) }
                    if chunk.columns[c].isValid(row) { appendValue(chunk.columns[c], row) }
                }
                buffer.append(contentsOf: lineTerminator)
                if buffer.count >= Self.flushSize {
                    try file.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            rows += Int64(range.count)
        } catch {
            abandon()
            throw error
        }
    }

    private func appendValue(_ column: ColumnBuffer, _ row: Int) {
        switch column.column.type {
        case .boolean:
            buffer.append(contentsOf: column.bools[row] ? Self.trueText : Self.falseText)
        case .int32:
            appendDecimalDigits(Int64(column.int32s[row]), to: &buffer)
        case .int64:
            appendDecimalDigits(column.int64s[row], to: &buffer)
        case .double:
            buffer.append(contentsOf: column.doubles[row].description.utf8)
        case .date:
            appendISODate(daysSinceEpoch: Int64(column.int32s[row]), to: &buffer)
        case .timestamp(let utc):
            if timestamps == .seconds {
                appendISOTimestamp(microsSinceEpoch: column.int64s[row], utc: false, to: &buffer)
                // `YYYY-MM-DDTHH:MM:SS.ffffff` → `YYYY-MM-DD HH:MM:SS`
                buffer.removeLast(7)
                buffer[buffer.count - 9] = UInt8(ascii: " ")
            } else {
                appendISOTimestamp(microsSinceEpoch: column.int64s[row], utc: utc, to: &buffer)
            }
        case .decimal(let precision, let scale):
            let unscaled = precision <= 9 ? Int64(column.int32s[row]) : column.int64s[row]
            appendDecimal(unscaled: unscaled, scale: scale, to: &buffer)
        case .string, .json, .uuid(.string):
            column.withValueBytes(row) { appendText($0) }
        case .uuid(.fixed16):
            column.withValueBytes(row) { appendUUID($0, to: &buffer) }
        case .binary, .fixedBinary:
            column.withValueBytes(row) { value in
                if value.isEmpty {
                    buffer.append(contentsOf: [0x22, 0x22])  // "": empty, not null
                } else {
                    appendHex(value, to: &buffer)
                }
            }
        }
    }

    /// Appends text, quoted when RFC 4180 requires it or when empty.
    private func appendText(_ text: UnsafeRawBufferPointer) {
        let needsQuotes = text.isEmpty || text.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            buffer.append(contentsOf: text)
            return
        }
        buffer.append(0x22)
        for b in text {
            if b == 0x22 { buffer.append(0x22) }
            buffer.append(b)
        }
        buffer.append(0x22)
    }

    /// Flushes the buffer and renames the file into place.
    @discardableResult
    public func close() throws(ColumnarError) -> FileSummary {
        guard let file else { throw .writerClosed }
        // Finished or failed, the file is done: on failure AtomicFile has removed it already.
        self.file = nil
        let started = MonotonicClock.nanoseconds()
        defer {
            busyNanoseconds &+= MonotonicClock.since(started)
            fileTiming = (file.writeNanoseconds, file.checksumNanoseconds)
        }
        let size = try file.commit(appending: buffer, sync: false)
        buffer.removeAll()
        return FileSummary(path: path, rows: rows, bytes: size, rowGroups: 0, sha256: file.sha256)
    }

    /// Where this writer's time has gone so far: formatting text counts as encoding.
    public var timing: StageTimes {
        let (write, checksum) = file.map { ($0.writeNanoseconds, $0.checksumNanoseconds) } ?? fileTiming
        let accounted = write &+ checksum
        return StageTimes(encoding: busyNanoseconds > accounted ? busyNanoseconds - accounted : 0, writing: write, checksumming: checksum)
    }

    /// Removes the temporary file; nothing appears under `path`.
    public func abandon() {
        file?.abandon()
        file = nil
    }
}
