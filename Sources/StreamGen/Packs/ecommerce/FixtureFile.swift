import Columnar

/// One table file of a fixture, read back for `validate`: Parquet through StreamGen's reader, CSV
/// parsed here (RFC 4180: quoted fields, doubled quotes, an empty unquoted field is NULL) and
/// typed by the fixture's schema, so both formats are checked by the same code.
struct FixtureFile {
    private let parquet: ParquetReader?
    private let text: [UInt8]
    private let schema: Schema?
    private let header: [String]
    private let path: RelativePath

    init(_ path: RelativePath, table: String, in root: DirectoryHandle) throws(ColumnarError) {
        let file = try root.openFile(path)
        if path.description.hasSuffix(".csv") {
            parquet = nil
            guard file.size <= 4 << 30 else { throw .invalidData("\(path) is larger than 4 GiB: validate reads a CSV fixture's files whole") }
            text = try file.readAll()
            schema = EcommerceTables.schema(of: table)
            var first: [String] = []
            Self.scan(text) { column, field, row in
                guard row == 0 else { return false }
                first.append(String(decoding: field ?? [], as: UTF8.self))
                return true
            }
            header = first
        } else {
            parquet = try ParquetReader(file: file)
            text = []
            schema = EcommerceTables.schema(of: table)
            header = []
        }
        self.path = path
    }

    var rowCount: Int64 {
        if let parquet { return parquet.rowCount }
        var rows: Int64 = -1  // the header
        Self.scan(text, wanted: []) { column, _, _ in
            if column == 0 { rows += 1 }
            return true
        }
        return max(rows, 0)
    }

    /// The price column's type: Parquet's, or for CSV "string" when a value is not a decimal.
    func priceType() throws(ColumnarError) -> String {
        if let parquet { return parquet.column(named: "price")?.typeName ?? "missing" }
        let prices = try read("price")
        for i in 0..<prices.count where prices.valid[i] && parseDecimal(prices.bytes[i], scale: 2) == nil { return "string" }
        return "decimal(10,2)"
    }

    func read(_ name: String) throws(ColumnarError) -> ColumnValues {
        try read([name])[name]!
    }

    /// The columns `names`, from one pass over a CSV file.
    func read(_ names: [String]) throws(ColumnarError) -> [String: ColumnValues] {
        if let parquet {
            // A file can pass its checksum and still not be the fixture's (rewritten by another
            // tool, its manifest edited to match): its columns must store what the schema says,
            // a value for every row, before any is read by index.
            var out: [String: ColumnValues] = [:]
            for n in names {
                let values = try parquet.read(n)
                if n != "price", let expected = schema?.columns.first(where: { $0.name == n })?.type, values.physicalType != expected.physicalType {
                    throw .invalidData("\(path): column '\(n)' is stored as \(values.physicalType), not as the fixture's \(expected.physicalType)")
                }
                guard Int64(values.count) == parquet.rowCount else {
                    throw .invalidData("\(path): column '\(n)' has \(values.count) values for \(parquet.rowCount) rows")
                }
                out[n] = values
            }
            return out
        }
        // Per file column: where its values go (nil: skipped) and their type.
        var slots = [Int?](repeating: nil, count: header.count)
        var types: [ColumnType] = []
        var values: [ColumnValues] = []
        for n in names {
            guard let index = header.firstIndex(of: n), let column = schema?.columns.first(where: { $0.name == n }) else {
                throw .invalidData("the CSV file has no column '\(n)'")
            }
            // products.price stays text: the schema-drift import writes "92.99 USD".
            let type: ColumnType = n == "price" ? .string : column.type
            slots[index] = values.count
            types.append(type)
            values.append(ColumnValues(physicalType: type.physicalType))
        }
        var failure: (row: Int, column: String, what: String)?
        Self.scan(text, wanted: slots.map { $0 != nil }) { c, field, row in
            guard row > 0, let slot = slots[c] else { return true }
            guard let field else {
                values[slot].appendNull()
                return true
            }
            values[slot].valid.append(true)
            switch types[slot] {
            case .timestamp:
                guard let t = parseTimestampMicros(field) else { failure = (row, names[slot], "a timestamp"); return false }
                values[slot].integers.append(t)
            case .decimal(_, let scale):
                guard let v = parseDecimal(field, scale: scale) else { failure = (row, names[slot], "a decimal"); return false }
                values[slot].integers.append(v)
            case .int32, .int64:
                guard let v = parseDecimal(field, scale: 0) else { failure = (row, names[slot], "an integer"); return false }
                values[slot].integers.append(v)
            case .boolean:
                values[slot].integers.append(field.first == UInt8(ascii: "t") ? 1 : 0)
            default:
                values[slot].bytes.append(field)
            }
            return true
        }
        if let failure { throw .invalidData("row \(failure.row) of column '\(failure.column)' is not \(failure.what)") }
        var out: [String: ColumnValues] = [:]
        for (i, n) in names.enumerated() { out[n] = values[i] }
        return out
    }

    /// Calls `each(column, field, row)` for every field of `text` in order (nil for an empty
    /// unquoted field) until it returns false; fields of columns not `wanted` are skipped unread
    /// (nil `wanted`: every column).
    private static func scan(_ text: [UInt8], wanted: [Bool]? = nil, _ each: (Int, [UInt8]?, Int) -> Bool) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        text.withUnsafeBufferPointer { b in
            let n = b.count
            var i = 0, column = 0, row = 0
            var field: [UInt8] = []
            while i < n {
                let keep = wanted.map { column < $0.count && $0[column] } ?? true
                field.removeAll(keepingCapacity: true)
                var quoted = false
                if b[i] == quote {
                    quoted = true
                    i += 1
                    while i < n {
                        let c = b[i]
                        if c == quote {
                            if i + 1 < n && b[i + 1] == quote {
                                if keep { field.append(quote) }
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if keep { field.append(c) }
                        i += 1
                    }
                }
                let start = i
                while i < n && b[i] != comma && b[i] != newline { i += 1 }
                if keep {
                    var end = i
                    if end > start && b[end - 1] == cr { end -= 1 }
                    if end > start { field.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<end])) }
                    if !each(column, quoted || !field.isEmpty ? field : nil, row) { return }
                } else if column == 0 && !each(column, nil, row) {
                    return
                }
                if i < n && b[i] == comma {
                    column += 1
                } else {
                    column = 0
                    row += 1
                }
                i += 1
            }
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.ffffff]` (or a space for the T), no zone, as microseconds.
func parseTimestampMicros(_ b: [UInt8]) -> Int64? {
    guard b.count >= 19, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
          let day = parseISODate(String(decoding: b[0..<10], as: UTF8.self)) else { return nil }
    func digits(_ r: Range<Int>) -> Int64? {
        var v: Int64 = 0
        for i in r {
            guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
            v = v * 10 + Int64(b[i] - 0x30)
        }
        return v
    }
    guard let h = digits(11..<13), let m = digits(14..<16), let s = digits(17..<19) else { return nil }
    var micros: Int64 = 0
    if b.count > 19 {
        guard b[19] == UInt8(ascii: "."), b.count <= 26, let f = digits(20..<b.count) else { return nil }
        micros = f
        for _ in b.count..<26 { micros *= 10 }
    }
    return ((day * 86_400 + h * 3600 + m * 60 + s) * 1_000_000) + micros
}

/// `-123.45` as an unscaled integer of `scale` decimals, nil for anything else.
func parseDecimal(_ b: [UInt8], scale: Int) -> Int64? {
    var i = 0
    var negative = false
    if i < b.count && b[i] == UInt8(ascii: "-") { negative = true; i += 1 }
    var value: Int64 = 0
    var decimals = -1
    var any = false
    while i < b.count {
        let c = b[i]
        if c == UInt8(ascii: ".") && decimals < 0 {
            decimals = 0
        } else if c >= 0x30 && c <= 0x39 {
            guard decimals < scale, value < Int64.max / 10 else { return nil }
            value = value * 10 + Int64(c - 0x30)
            if decimals >= 0 { decimals += 1 }
            any = true
        } else {
            return nil
        }
        i += 1
    }
    guard any else { return nil }
    for _ in max(decimals, 0)..<scale { value *= 10 }
    return negative ? -value : value
}
