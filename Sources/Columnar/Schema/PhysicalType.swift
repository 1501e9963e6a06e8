/// Parquet's physical (storage) types, with the raw values of `parquet.thrift`'s `Type` enum.
public enum PhysicalType: Int32, Sendable, Hashable {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case float = 4
    case double = 5
    case byteArray = 6
    case fixedLenByteArray = 7
}

/// Parquet's `FieldRepetitionType` for a flat (non-nested) column.
public enum Repetition: Int32, Sendable, Hashable {
    /// Every row has a value; the column carries no definition levels.
    case required = 0
    /// A row may be null; the column carries definition levels of bit width 1.
    case optional = 1
}

/// Parquet's `Encoding` enum (the subset this writer emits, plus the values it must never emit).
public enum Encoding: Int32, Sendable, Hashable {
    case plain = 0
    case plainDictionary = 2
    case rle = 3
    case bitPacked = 4
    case rleDictionary = 8
}

/// Parquet's `CompressionCodec` enum. The writer implements `uncompressed`, `snappy` and `zstd`.
public enum CompressionCodec: Int32, Sendable, Hashable, CaseIterable {
    case uncompressed = 0
    case snappy = 1
    case zstd = 6

    /// The name readers and users know the codec by (`"zstd"`), as accepted on the command line.
    public var name: String {
        switch self {
        case .uncompressed: return "none"
        case .snappy: return "snappy"
        case .zstd: return "zstd"
        }
    }

    /// Parses `none`/`uncompressed`, `snappy` or `zstd` (case-insensitive).
    public init?(name: String) {
        switch name.lowercased() {
        case "none", "uncompressed": self = .uncompressed
        case "snappy": self = .snappy
        case "zstd": self = .zstd
        default: return nil
        }
    }
}
