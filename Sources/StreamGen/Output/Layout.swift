import Columnar

/// The file format of a run.
public enum OutputFormat: String, Sendable, Hashable, CaseIterable {
    case parquet, csv
    /// Parquet data files, each table a Delta Lake table: `table/_delta_log/` beside its
    /// partition directories holds the one commit that adds every file (`DeltaLog`).
    case delta

    /// The data files' extension: a Delta table's files are Parquet.
    var fileExtension: String { self == .csv ? "csv" : "parquet" }

    /// Whether the data files are Parquet (plain or in a Delta table).
    var isParquet: Bool { self != .csv }
}

/// Where a run's files go.
public enum OutputLayout: String, Sendable, Hashable, CaseIterable {
    /// `table/key=value/.../part-00000.parquet`: what DuckDB, Polars, Spark and Trino read as a
    /// partitioned dataset. Partition columns live in the path only.
    case hive
    /// One `table.parquet` per table, every column in the file.
    case flat
}

/// Path pieces for Hive-style directories.
enum HivePath {
    /// Escapes a partition value as Hive does: `%XX` for characters unsafe in a path segment.
    static func escape(_ value: String) -> String {
        if value.isEmpty { return "__HIVE_DEFAULT_PARTITION__" }
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for b in value.utf8 {
            let unsafe = b < 0x20 || b == 0x7F || b == UInt8(ascii: "/") || b == UInt8(ascii: "\\") || b == UInt8(ascii: "=")
                || b == UInt8(ascii: "%") || b == UInt8(ascii: ":") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")
                || b == UInt8(ascii: "#") || b == UInt8(ascii: "*") || b == UInt8(ascii: "?") || b == UInt8(ascii: "[")
                || b == UInt8(ascii: "]") || b == UInt8(ascii: "{") || b == UInt8(ascii: "}") || b == UInt8(ascii: "^")
            if unsafe {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func fileName(part: Int, format: OutputFormat) -> String {
        var digits: [UInt8] = []
        var n = UInt64(part)
        appendDigits(&n, minimumWidth: 5, to: &digits)
        return "part-\(String(decoding: digits, as: UTF8.self)).\(format.fileExtension)"
    }
}

/// A file writer the engine can drive: Parquet or CSV.
protocol TableFileWriter: AnyObject {
    func write(_ chunk: Chunk, rows: Range<Int>) throws(ColumnarError)
    func close() throws(ColumnarError) -> FileSummary
    func abandon()
    var timing: StageTimes { get }
}

extension TableFileWriter {
    /// Writes every row of `chunk`.
    func write(_ chunk: Chunk) throws(ColumnarError) { try write(chunk, rows: 0..<chunk.rowCount) }
}

extension ParquetFileWriter: TableFileWriter {}
extension CSVFileWriter: TableFileWriter {}
