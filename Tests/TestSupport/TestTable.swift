import Columnar
import Foundation

/// One value of a test table, in the physical domain the writer takes.
public enum TestValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case bytes([UInt8])
    /// A code into the column's `ValueDictionary`.
    case code(UInt32)

    /// Returns a Boolean value indicating whether two test values are bitwise equal (doubles by bit pattern).
    public static func == (a: TestValue, b: TestValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        case (.bool(let x), .bool(let y)): return x == y
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.code(let x), .code(let y)): return x == y
        default: return false
        }
    }
}

/// A table held as plain values, which the tests write with the real writers and describe, value
/// for value, to the Python checker.
public struct TestTable: Sendable {
    public var name: String
    public var schema: Schema
    /// `columns[c][r]`: the value of row `r` of column `c`.
    public var columns: [[TestValue]]
    public var options: WriterOptions

    public init(name: String, schema: Schema, columns: [[TestValue]], options: WriterOptions = WriterOptions()) {
        precondition(columns.count == schema.count)
        self.name = name
        self.schema = schema
        self.columns = columns
        self.options = options
    }

    public var rowCount: Int { columns.first?.count ?? 0 }

    /// The table cut into chunks of `capacity` rows (the last may be shorter).
    public func chunks(capacity: Int) -> [Chunk] {
        var result: [Chunk] = []
        var start = 0
        repeat {
            let end = min(rowCount, start + capacity)
            var chunk = Chunk(schema: schema, capacity: capacity)
            for c in 0..<schema.count {
                for r in start..<end { append(columns[c][r], to: &chunk.columns[c]) }
            }
            result.append(chunk)
            start = end
        } while start < rowCount
        return result
    }

    private func append(_ value: TestValue, to buffer: inout ColumnBuffer) {
        switch value {
        case .null: buffer.appendNull()
        case .code(let code): buffer.appendCode(code)
        case .bool(let v): buffer.append(v)
        case .double(let v): buffer.append(v)
        case .bytes(let v): buffer.append(bytes: v)
        case .int(let v):
            if buffer.column.type.physicalType == .int32 {
                buffer.append(Int32(v))
            } else {
                buffer.append(v)
            }
        }
    }

    /// Writes the table as Parquet through `ParquetFileWriter`, in chunks of `chunkCapacity` rows.
    @discardableResult
    public func writeParquet(to path: String, chunkCapacity: Int = 1000) throws -> FileSummary {
        let writer = try ParquetFileWriter(path: path, schema: schema, options: options)
        for chunk in chunks(capacity: chunkCapacity) { try writer.write(chunk) }
        return try writer.close()
    }

    /// The checker's description of the table: per column its name, type, nullability and values.
    ///
    /// Values are strings so that nothing is lost in JSON: integers in decimal, doubles as the hex
    /// of their bit pattern, byte strings in hex; nulls are JSON null.
    public func expectation(file: String, format: String = "parquet") -> [String: Any] {
        var cols: [[String: Any]] = []
        for (c, column) in schema.columns.enumerated() {
            let values: [Any] = columns[c].map { value -> Any in
                switch value {
                case .null: return NSNull()
                case .int(let v): return String(v)
                case .double(let v): return String(v.bitPattern, radix: 16)
                case .bool(let v): return v
                case .bytes(let v): return hex(v)
                case .code(let code): return hex(column.dictionary!.entries[Int(code)])
                }
            }
            cols.append([
                "name": column.name,
                "type": column.type.description,
                "optional": column.isOptional,
                "values": values,
            ])
        }
        return [
            "file": file,
            "format": format,
            "rows": rowCount,
            "codec": options.codec.name,
            "columns": cols,
        ]
    }
}

/// Lowercase hex of `bytes`.
public func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var s = ""
    s.reserveCapacity(bytes.count * 2)
    for b in bytes {
        s.append(digits[Int(b >> 4)])
        s.append(digits[Int(b & 0x0F)])
    }
    return s
}
