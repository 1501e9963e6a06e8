/// How a `ParquetFileWriter` lays out and compresses a file.
///
/// ### Memory
/// An open writer holds the current row group's encoded, compressed pages (closed at
/// `rowGroupByteLimit`), plus per column one page being filled (about `dataPageSizeLimit`
/// of values, its definition levels and a compression scratch of the same order) and, for
/// dictionary-encoded columns, a dictionary of at most `dictionaryPageSizeLimit` bytes and its hash
/// table. So its peak is about `rowGroupByteLimit + columns × (3 × dataPageSizeLimit + 2 ×
/// dictionaryPageSizeLimit)`, whatever the number of rows written.
public struct WriterOptions: Sendable, Hashable {
    /// The codec of every column chunk.
    public var codec: CompressionCodec
    /// The zstd level, 1...22 (zstd only).
    public var zstdLevel: Int32
    /// A row group closes when it holds this many rows.
    public var rowGroupRowLimit: Int
    /// A row group closes when its buffered, encoded and compressed bytes reach this size.
    public var rowGroupByteLimit: Int
    /// A data page closes when its encoded values (before compression) reach this size.
    public var dataPageSizeLimit: Int
    /// A data page closes when it holds this many rows.
    public var dataPageRowLimit: Int
    /// A column falls back from dictionary to PLAIN when its dictionary page would exceed this size.
    public var dictionaryPageSizeLimit: Int
    /// Key-value metadata written into the footer.
    public var keyValueMetadata: [KeyValue]
    /// Whether to `fsync` a file before renaming it into place.
    public var sync: Bool
    /// Whether to compute the file's SHA-256 as it is written (`FileSummary.sha256`).
    public var checksum: Bool
    /// Whether JSON columns are annotated STRING instead of JSON: for table formats with no JSON
    /// type (Delta Lake), whose readers (Polars' `read_delta`) check each file's types against
    /// the table's and read a JSON column as binary.
    public var jsonAsString = false

    /// Default `rowGroupRowLimit`: 1 Mi rows, pyarrow's limit.
    public static let defaultRowGroupRowLimit = 1024 * 1024
    /// Default `rowGroupByteLimit`: 128 MiB, parquet-java's block size.
    public static let defaultRowGroupByteLimit = 128 * 1024 * 1024
    /// Default `dataPageSizeLimit`: 1 MiB, as arrow-rs, pyarrow and parquet-java.
    public static let defaultDataPageSizeLimit = 1024 * 1024
    /// Default `dataPageRowLimit`: 20 000 rows, as arrow-rs.
    public static let defaultDataPageRowLimit = 20_000
    /// Default `dictionaryPageSizeLimit`: 1 MiB, as arrow-rs, pyarrow and parquet-java.
    public static let defaultDictionaryPageSizeLimit = 1024 * 1024

    public init(
        codec: CompressionCodec = .zstd,
        zstdLevel: Int32 = Compressor.defaultZstdLevel,
        rowGroupRowLimit: Int = WriterOptions.defaultRowGroupRowLimit,
        rowGroupByteLimit: Int = WriterOptions.defaultRowGroupByteLimit,
        dataPageSizeLimit: Int = WriterOptions.defaultDataPageSizeLimit,
        dataPageRowLimit: Int = WriterOptions.defaultDataPageRowLimit,
        dictionaryPageSizeLimit: Int = WriterOptions.defaultDictionaryPageSizeLimit,
        keyValueMetadata: [KeyValue] = [],
        sync: Bool = false,
        checksum: Bool = false
    ) {
        self.codec = codec
        self.zstdLevel = zstdLevel
        self.rowGroupRowLimit = rowGroupRowLimit
        self.rowGroupByteLimit = rowGroupByteLimit
        self.dataPageSizeLimit = dataPageSizeLimit
        self.dataPageRowLimit = dataPageRowLimit
        self.dictionaryPageSizeLimit = dictionaryPageSizeLimit
        self.keyValueMetadata = keyValueMetadata
        self.sync = sync
        self.checksum = checksum
    }

    /// Checks that every limit is positive and the zstd level is in range.
    public func validate() throws(ColumnarError) {
        if rowGroupRowLimit < 1 || rowGroupByteLimit < 1 || dataPageSizeLimit < 1 || dataPageRowLimit < 1 {
            throw .invalidData("row group and page limits must be positive")
        }
        if dataPageRowLimit > Int(Int32.max) || dataPageSizeLimit > Int(Int32.max) / 2 {
            throw .invalidData("a data page holds at most 2^31 - 1 rows and 1 GiB of values")
        }
        if dictionaryPageSizeLimit < 0 { throw .invalidData("the dictionary page limit cannot be negative") }
        if codec == .zstd && !(1...22).contains(zstdLevel) {
            throw .invalidData("zstd level \(zstdLevel) is outside 1...22")
        }
    }
}

/// One key-value pair of the footer's metadata.
public struct KeyValue: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// This library's version, written into `created_by`.
public enum ColumnarVersion {
    public static let version = "0.1.0"
    /// The build identifier; `STREAMGEN_BUILD` at build time is not read, so it is fixed per release.
    public static let build = "streamgen"
    /// `created_by` in the form readers parse: `<app> version <x.y.z> (build <id>)`.
    public static var createdBy: String { "streamgen version \(version) (build \(build))" }
}
