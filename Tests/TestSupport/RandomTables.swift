import Columnar

/// SplitMix64: a small seeded generator for test data (not the engine's PRNG).
public struct TestRNG: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seeded random schemas and data that reach the writer's corners: every type, nulls, all-null
/// columns, extremes, non-ASCII and long strings, low and high cardinality, tiny pages and row groups,
/// dictionary fallback mid-chunk, every codec.
public enum RandomTables {
    /// Text fragments, ASCII and not, including characters that need CSV quoting.
    static let fragments: [String] = [
        "a", "b", "zz", "delta", "épsilon", "Ω", "日本", "🙂", "mañana", " ", ",", "\"", "\n", "x\u{0}y", "ÿ",
        "\u{7F}", "Straße", "naïve", "0", "-",
    ]

    /// The column types a random schema draws from.
    public static let types: [ColumnType] = [
        .boolean, .int32, .int64, .double, .string, .json, .uuid(.string), .uuid(.fixed16), .date,
        .timestampUTC, .timestamp(isAdjustedToUTC: false), .decimal(precision: 9, scale: 2),
        .decimal(precision: 18, scale: 4), .decimal(precision: 4, scale: 0), .decimal(precision: 12, scale: 12),
        .binary, .fixedBinary(length: 3),
    ]

    /// A random table: 1–8 columns, 0–3000 rows, random writer options.
    public static func table(seed: UInt64) -> TestTable {
        var rng = TestRNG(seed: seed)
        let columnCount = Int.random(in: 1...8, using: &rng)
        let rows = [0, 1, 7, Int.random(in: 0...3000, using: &rng), Int.random(in: 0...3000, using: &rng)]
            .randomElement(using: &rng)!
        var columns: [Column] = []
        var values: [[TestValue]] = []
        for c in 0..<columnCount {
            let type = types.randomElement(using: &rng)!
            let optional = Bool.random(using: &rng)
            var dictionary: ValueDictionary?
            if type.physicalType == .byteArray && Int.random(in: 0..<4, using: &rng) == 0 {
                let entries = (0..<Int.random(in: 1...40, using: &rng)).map { i in
                    // Distinct entries; JSON ones stay valid JSON (DuckDB validates them).
                    type == .json ? Array("{\"entry\":\(i)}".utf8) : randomBytes(for: type, &rng) + Array("#\(i)".utf8)
                }
                dictionary = try! ValueDictionary(bytes: entries)
            }
            let encoding: ColumnEncoding = Bool.random(using: &rng) ? .automatic : .plain
            let column = Column("c\(c)_\(type.description.filter { $0.isLetter || $0.isNumber })",
                                type, optional ? .optional : .required, encoding: encoding, dictionary: dictionary)
            columns.append(column)
            values.append(columnValues(column, rows: rows, &rng))
        }
        let options = WriterOptions(
            codec: CompressionCodec.allCases.randomElement(using: &rng)!,
            zstdLevel: Int32.random(in: 1...5, using: &rng),
            rowGroupRowLimit: [1, 100, 997, 1 << 20].randomElement(using: &rng)!,
            rowGroupByteLimit: [4096, 1 << 27].randomElement(using: &rng)!,
            dataPageSizeLimit: [64, 1000, 1 << 20].randomElement(using: &rng)!,
            dataPageRowLimit: [5, 333, 20_000].randomElement(using: &rng)!,
            dictionaryPageSizeLimit: [0, 200, 1 << 20].randomElement(using: &rng)!,
            keyValueMetadata: [KeyValue("seed", String(seed))]
        )
        return TestTable(name: "random-\(seed)", schema: try! Schema(columns), columns: values, options: options)
    }

    /// Values for one column: a null rate among 0, 10 %, 50 %, 100 %; cardinality low or high.
    static func columnValues(_ column: Column, rows: Int, _ rng: inout TestRNG) -> [TestValue] {
        let nullRate = column.isOptional ? [0.0, 0.1, 0.5, 1.0].randomElement(using: &rng)! : 0
        let lowCardinality = Bool.random(using: &rng)
        var pool: [TestValue] = []
        if lowCardinality {
            pool = (0..<Int.random(in: 1...12, using: &rng)).map { _ in randomValue(column, &rng) }
        }
        return (0..<rows).map { _ in
            if nullRate > 0 && Double.random(in: 0..<1, using: &rng) < nullRate { return .null }
            return lowCardinality ? pool.randomElement(using: &rng)! : randomValue(column, &rng)
        }
    }

    /// One random value, with extremes mixed in.
    public static func randomValue(_ column: Column, _ rng: inout TestRNG) -> TestValue {
        if let dictionary = column.dictionary {
            return .code(UInt32.random(in: 0..<UInt32(dictionary.count), using: &rng))
        }
        let extreme = Int.random(in: 0..<10, using: &rng) == 0
        switch column.type {
        case .boolean: return .bool(Bool.random(using: &rng))
        case .int32:
            return .int(Int64(extreme ? [Int32.min, Int32.max, 0, -1].randomElement(using: &rng)! : Int32.random(in: -100_000...100_000, using: &rng)))
        case .int64:
            return .int(extreme ? [Int64.min, Int64.max, 0, -1].randomElement(using: &rng)! : Int64.random(in: -1 << 40...1 << 40, using: &rng))
        case .double:
            if extreme {
                return .double([Double.nan, .infinity, -.infinity, 0.0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1e300].randomElement(using: &rng)!)
            }
            return .double(Double.random(in: -1e6...1e6, using: &rng))
        case .date:
            // Years 0001…9999, the range Python's datetime can hold; before and after 1970.
            return .int(extreme ? [-719_162, 2_932_896, -1, 0].randomElement(using: &rng)! : Int64.random(in: -30_000...30_000, using: &rng))
        case .timestamp:
            let lo: Int64 = -62_135_596_800_000_000, hi: Int64 = 253_402_300_799_999_999
            return .int(extreme ? [lo, hi, -1, 0].randomElement(using: &rng)! : Int64.random(in: -2_000_000_000_000_000...4_000_000_000_000_000, using: &rng))
        case .decimal(let precision, _):
            var limit: Int64 = 1
            for _ in 0..<precision { limit *= 10 }
            limit -= 1
            return .int(extreme ? [-limit, limit, 0].randomElement(using: &rng)! : Int64.random(in: -limit...limit, using: &rng))
        case .string, .json, .uuid(.string), .binary, .fixedBinary, .uuid(.fixed16):
            return .bytes(randomBytes(for: column.type, &rng))
        }
    }

    static func randomBytes(for type: ColumnType, _ rng: inout TestRNG) -> [UInt8] {
        switch type {
        case .uuid(.fixed16): return (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case .fixedBinary(let n): return (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case .binary: return (0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case .uuid(.string):
            let digits = Array("0123456789abcdef".utf8)
            var s = (0..<32).map { _ in digits.randomElement(using: &rng)! }
            for at in [8, 13, 18, 23] { s.insert(UInt8(ascii: "-"), at: at) }
            return s
        case .json:
            return Array("{\"k\":\(Int.random(in: -99...99999, using: &rng)),\"s\":\"\(fragments.randomElement(using: &rng)!.filter { $0.isLetter })\"}".utf8)
        default:
            let long = Int.random(in: 0..<20, using: &rng) == 0
            let count = long ? Int.random(in: 60...200, using: &rng) : Int.random(in: 0...6, using: &rng)
            var text = ""
            for _ in 0..<count { text += fragments.randomElement(using: &rng)! }
            if long && Bool.random(using: &rng) { text += String(repeating: "ÿ", count: 40) }
            return Array(text.utf8)
        }
    }
}
