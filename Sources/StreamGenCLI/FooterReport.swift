import Columnar

/// Renders a decoded `FileMetaData` as text, with field names from `parquet.thrift`.
struct FooterReport {
    let footer: ThriftValue

    init(_ footer: ThriftValue) { self.footer = footer }

    static let physicalTypes = ["BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"]
    static let encodings = [0: "PLAIN", 2: "PLAIN_DICTIONARY", 3: "RLE", 4: "BIT_PACKED", 5: "DELTA_BINARY_PACKED",
                            6: "DELTA_LENGTH_BYTE_ARRAY", 7: "DELTA_BYTE_ARRAY", 8: "RLE_DICTIONARY", 9: "BYTE_STREAM_SPLIT"]
    static let codecs = [0: "UNCOMPRESSED", 1: "SNAPPY", 2: "GZIP", 3: "LZO", 4: "BROTLI", 5: "LZ4", 6: "ZSTD", 7: "LZ4_RAW"]
    static let logicalTypes: [Int16: String] = [1: "STRING", 2: "MAP", 3: "LIST", 4: "ENUM", 5: "DECIMAL", 6: "DATE", 7: "TIME",
                                                8: "TIMESTAMP", 10: "INTEGER", 11: "NULL", 12: "JSON", 13: "BSON", 14: "UUID", 15: "FLOAT16"]

    /// One leaf column of the schema.
    struct Leaf {
        var name: String
        var physical: Int
        var logical: String
        var optional: Bool
        var scale: Int
    }

    func leaves() -> [Leaf] {
        (footer[2]?.list ?? []).dropFirst().map { element in
            var logical = ""
            if case .structure(let members)? = element[10], let (id, value) = members.first {
                logical = Self.logicalTypes[id] ?? "logical \(id)"
                if id == 5 { logical += "(\(value[2]?.int ?? 0),\(value[1]?.int ?? 0))" }
                if id == 8 {
                    let unit = value[2].flatMap { u -> String? in
                        if case .structure(let f) = u { return [1: "MILLIS", 2: "MICROS", 3: "NANOS"][f.keys.first ?? 0] }
                        return nil
                    } ?? "?"
                    logical += "(\(unit), \(value[1]?.bool == true ? "UTC" : "local"))"
                }
            }
            return Leaf(
                name: element[4]?.string ?? "?",
                physical: Int(element[1]?.int ?? -1),
                logical: logical,
                optional: element[3]?.int == 1,
                scale: Int(element[7]?.int ?? 0))
        }
    }

    func render(file: String) -> String {
        var lines: [String] = []
        let columns = leaves()
        let groups = footer[4]?.list ?? []
        lines.append("file:        \(file)")
        lines.append("created_by:  \(footer[6]?.string ?? "-")")
        lines.append("rows:        \(footer[3]?.int ?? 0) in \(groups.count) row group(s)")
        for kv in footer[5]?.list ?? [] {
            lines.append("metadata:    \(kv[1]?.string ?? "") = \(String((kv[2]?.string ?? "").prefix(100)))")
        }
        lines.append("schema:")
        for leaf in columns {
            let physical = leaf.physical >= 0 && leaf.physical < Self.physicalTypes.count ? Self.physicalTypes[leaf.physical] : "?"
            lines.append("  \(pad(leaf.name, 24)) \(pad(physical, 21)) \(pad(leaf.logical, 24)) \(leaf.optional ? "OPTIONAL" : "REQUIRED")")
        }
        for (g, group) in groups.enumerated() {
            lines.append("row group \(g): \(group[3]?.int ?? 0) rows, \(group[6]?.int ?? 0) bytes compressed, \(group[2]?.int ?? 0) uncompressed")
            for (c, chunk) in (group[1]?.list ?? []).enumerated() {
                guard let meta = chunk[3] else { continue }
                let leaf = c < columns.count ? columns[c] : Leaf(name: "?", physical: -1, logical: "", optional: false, scale: 0)
                let encodings = (meta[2]?.list ?? []).compactMap { $0.int.flatMap { Self.encodings[Int($0)] } }.joined(separator: ",")
                let codec = meta[4]?.int.flatMap { Self.codecs[Int($0)] } ?? "?"
                let stats = meta[12]
                let min = stats?[6]?.binary.map { show($0, leaf) } ?? "-"
                let max = stats?[5]?.binary.map { show($0, leaf) } ?? "-"
                lines.append("  \(pad(leaf.name, 24)) \(pad(codec, 6)) \(pad(encodings, 26)) "
                             + "\(pad("\(meta[7]?.int ?? 0) B", 12)) nulls \(pad("\(stats?[3]?.int ?? 0)", 8)) min \(min)  max \(max)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A statistics value in the column's own terms: numbers for numeric types, text for strings.
    func show(_ bytes: [UInt8], _ leaf: Leaf) -> String {
        // PLAIN statistics of numeric types are little-endian, 4 or 8 bytes.
        let word = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        switch leaf.physical {
        case 0: return bytes.first == 1 ? "true" : "false"
        case 1, 2:
            var out: [UInt8] = []
            let v = bytes.count == 4 ? Int64(Int32(truncatingIfNeeded: word)) : Int64(bitPattern: word)
            if leaf.logical == "DATE" {
                appendISODate(daysSinceEpoch: v, to: &out)
            } else if leaf.logical.hasPrefix("TIMESTAMP(MICROS") {
                appendISOTimestamp(microsSinceEpoch: v, utc: leaf.logical.hasSuffix("UTC)"), to: &out)
            } else if leaf.logical.hasPrefix("DECIMAL") {
                appendDecimal(unscaled: v, scale: leaf.scale, to: &out)
            } else {
                appendDecimalDigits(v, to: &out)
            }
            return String(decoding: out, as: UTF8.self)
        case 5:
            return "\(Double(bitPattern: word))"
        case 6 where leaf.logical == "STRING" || leaf.logical == "JSON":
            let text = String(decoding: bytes, as: UTF8.self)
            return "\"" + (text.count > 40 ? String(text.prefix(40)) + "…" : text) + "\""
        default:
            var out: [UInt8] = []
            bytes.withUnsafeBytes { appendHex($0, to: &out) }
            return "0x" + String(decoding: out, as: UTF8.self)
        }
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
