/// How a UUID column is stored.
public enum UUIDStorage: Sendable, Hashable {
    /// 36-character lowercase text (`BYTE_ARRAY` annotated STRING). Every reader accepts it; the default.
    case string
    /// 16 big-endian bytes (`FIXED_LEN_BYTE_ARRAY(16)` annotated UUID). Half the size, but Spark 4
    /// rejects the UUID annotation for the whole file (`PARQUET_TYPE_ILLEGAL`).
    case fixed16
}

/// The logical type of a column: what a reader shows, and how it is stored.
///
/// Each case maps to one Parquet physical type, one `LogicalType` and, where one exists,
/// the matching legacy `ConvertedType`; the writer always emits both annotations.
///
/// | case | physical | ConvertedType | LogicalType |
/// |---|---|---|---|
/// | `boolean` | BOOLEAN | — | — |
/// | `int32`, `int64` | INT32, INT64 | — | — |
/// | `double` | DOUBLE | — | — |
/// | `string` | BYTE_ARRAY | UTF8 | STRING |
/// | `json` | BYTE_ARRAY | JSON | JSON |
/// | `uuid(.string)` | BYTE_ARRAY (36 chars) | UTF8 | STRING |
/// | `uuid(.fixed16)` | FIXED_LEN_BYTE_ARRAY(16) | — | UUID |
/// | `date` | INT32, days since 1970-01-01 | DATE | DATE |
/// | `timestamp(isAdjustedToUTC:)` | INT64, µs since the epoch | TIMESTAMP_MICROS | TIMESTAMP(MICROS) |
/// | `decimal(p, s)`, p ≤ 9 | INT32 unscaled | DECIMAL | DECIMAL |
/// | `decimal(p, s)`, p ≤ 18 | INT64 unscaled | DECIMAL | DECIMAL |
/// | `binary` | BYTE_ARRAY | — | — |
/// | `fixedBinary(n)` | FIXED_LEN_BYTE_ARRAY(n) | — | — |
public enum ColumnType: Sendable, Hashable {
    case boolean
    case int32
    case int64
    case double
    case string
    case json
    case uuid(UUIDStorage)
    case date
    case timestamp(isAdjustedToUTC: Bool)
    case decimal(precision: Int, scale: Int)
    case binary
    case fixedBinary(length: Int)

    /// TIMESTAMP(MICROS, UTC): the timestamp type StreamGen uses everywhere.
    public static let timestampUTC = ColumnType.timestamp(isAdjustedToUTC: true)

    /// The Parquet physical type values of this type are stored as.
    public var physicalType: PhysicalType {
        switch self {
        case .boolean: return .boolean
        case .int32, .date: return .int32
        case .int64, .timestamp: return .int64
        case .double: return .double
        case .string, .json, .binary, .uuid(.string): return .byteArray
        case .uuid(.fixed16), .fixedBinary: return .fixedLenByteArray
        case .decimal(let precision, _): return precision <= 9 ? .int32 : .int64
        }
    }

    /// The byte length of a `FIXED_LEN_BYTE_ARRAY` value, or `nil` for other physical types.
    public var fixedLength: Int? {
        switch self {
        case .uuid(.fixed16): return 16
        case .fixedBinary(let length): return length
        default: return nil
        }
    }

    /// Whether this is a timestamp, UTC or local.
    public var isTimestamp: Bool { if case .timestamp = self { return true }; return false }

    /// Whether byte-array values of this type are text (written unescaped in CSV).
    var isText: Bool {
        switch self {
        case .string, .json, .uuid(.string): return true
        default: return false
        }
    }

    /// A short name for messages and for the YAML schema format (`decimal(10,2)`).
    public var description: String {
        switch self {
        case .boolean: return "boolean"
        case .int32: return "int32"
        case .int64: return "int64"
        case .double: return "double"
        case .string: return "string"
        case .json: return "json"
        case .uuid(.string): return "uuid"
        case .uuid(.fixed16): return "uuid16"
        case .date: return "date"
        case .timestamp(true): return "timestamp"
        case .timestamp(false): return "timestamp_local"
        case .decimal(let p, let s): return "decimal(\(p),\(s))"
        case .binary: return "binary"
        case .fixedBinary(let n): return "fixed(\(n))"
        }
    }

    /// Parses the names `description` gives (and their aliases): `int64`, `decimal(10,2)`,
    /// `timestamp_local`, ...; nil for anything else, a decimal precision outside 1...18 or a
    /// scale outside 0...precision included.
    public init?(parsing text: String) {
        let t = String(text.lowercased().filter { $0 != " " })
        switch t {
        case "boolean", "bool": self = .boolean
        case "int32", "int": self = .int32
        case "int64", "bigint", "long": self = .int64
        case "double", "float64": self = .double
        case "string", "text": self = .string
        case "json": self = .json
        case "uuid": self = .uuid(.string)
        case "uuid16": self = .uuid(.fixed16)
        case "date": self = .date
        case "timestamp": self = .timestamp(isAdjustedToUTC: true)
        case "timestamp_local": self = .timestamp(isAdjustedToUTC: false)
        case "binary": self = .binary
        default:
            func numbers(_ prefix: String) -> [Int]? {
                guard t.hasPrefix(prefix + "("), t.hasSuffix(")") else { return nil }
                let inner = t.dropFirst(prefix.count + 1).dropLast()
                let parts = inner.split(separator: ",", omittingEmptySubsequences: false)
                let values = parts.compactMap { $0.count <= 4 ? Int($0) : nil }
                return values.count == parts.count ? values : nil
            }
            if let p = numbers("decimal"), p.count == 2, (1...18).contains(p[0]), (0...p[0]).contains(p[1]) {
                self = .decimal(precision: p[0], scale: p[1])
            } else if let n = numbers("fixed"), n.count == 1, (1...4096).contains(n[0]) {
                self = .fixedBinary(length: n[0])
            } else {
                return nil
            }
        }
    }
}
