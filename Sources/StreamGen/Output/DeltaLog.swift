import Columnar

/// A Delta Lake table's transaction log, for `--format delta`: each table's directory holds its
/// Parquet files as usual (Hive partition directories, partition columns in the path only) and
/// `_delta_log/00000000000000000000.json`, the table's one commit.
///
/// The commit is JSON Lines (Delta protocol, "Delta Log Entries"): `commitInfo`, `protocol`,
/// `metaData` (the table's schema in Delta's JSON form, its partition columns) and one `add`
/// action per data file with its size, partition values and statistics (`numRecords`,
/// `minValues`, `maxValues`, `nullCount`) taken from the footer the writer wrote.
///
/// Everything in it comes from the manifest's record of the table, the files' footers, the seed
/// and `created_at`, so it is the same bytes for the same run, and a sharded run's merge writes
/// exactly the commit a single run does.
enum DeltaLog {
    static let directory = "_delta_log"
    static let firstCommit = "00000000000000000000.json"

    /// `table/_delta_log/00000000000000000000.json`.
    static func commitPath(table: String) -> RelativePath {
        // Safe: table names are checked when a pack compiles (isSafeName); the rest are fixed names.
        try! RelativePath(components: [table, directory, firstCommit])
    }

    /// Writes the commit of every table in `manifest` below `root` and returns their records,
    /// for the manifest's other files.
    static func write(_ manifest: Manifest, root: DirectoryHandle) throws(GenerateError) -> [OtherFileRecord] {
        var records: [OtherFileRecord] = []
        for table in manifest.tables {
            var stats: [JSONValue] = []
            for file in table.files {
                // Safe: Manifest(json:) or the engine made every path.
                let path = try! RelativePath(validating: file.path)
                let footer: ThriftValue
                do { footer = try ParquetFooter.read(file: try root.openFile(path)) } catch {
                    throw .output("cannot read the statistics of \(file.path) for its Delta log: \(error)")
                }
                stats.append(statistics(of: table, file: file, footer: footer))
            }
            let bytes = Array(commit(table, stats: stats, manifest: manifest).utf8)
            do { records.append(try root.writeOtherFile(commitPath(table: table.name), bytes)) } catch {
                throw .output("cannot write the Delta log of table \(table.name): \(error)")
            }
        }
        return records
    }

    /// The commit's text: one JSON object per line.
    static func commit(_ table: TableRecord, stats: [JSONValue], manifest: Manifest) -> String {
        let millis = manifest.createdAt * 1000
        let partitionNames = table.partitionBy.map(\.name)
        var lines: [JSONValue] = []
        lines.append(.object([("commitInfo", .object([
            ("timestamp", .int(millis)),
            ("operation", .string("WRITE")),
            ("operationParameters", .object([
                ("mode", .string("ErrorIfExists")),
                ("partitionBy", .string(JSONValue.array(partitionNames.map(JSONValue.string)).serialized(compact: true))),
            ])),
            ("isBlindAppend", .bool(true)),
            ("operationMetrics", .object([
                ("numFiles", .string(String(table.files.count))),
                ("numOutputRows", .string(String(table.rows))),
                ("numOutputBytes", .string(String(table.bytes))),
            ])),
            ("engineInfo", .string("StreamGen/\(manifest.toolVersion)")),
        ]))]))
        let local = table.schema.contains { $0.type == ColumnType.timestamp(isAdjustedToUTC: false).description }
        // Timestamps without a time zone need the timestampNtz table feature (reader 3, writer 7).
        lines.append(.object([("protocol", local
            ? .object([("minReaderVersion", .int(3)), ("minWriterVersion", .int(7)),
                       ("readerFeatures", .array([.string("timestampNtz")])), ("writerFeatures", .array([.string("timestampNtz")]))])
            : .object([("minReaderVersion", .int(1)), ("minWriterVersion", .int(2))]))]))
        // Partition columns a pack's schema leaves out (ecommerce's events `date`) come last.
        let columns = table.schema + table.partitionBy.filter { p in !table.schema.contains { $0.name == p.name } }
        let fields: [JSONValue] = columns.map { c in
            let partition = partitionNames.contains(c.name)
            // An empty partition value is Delta's null (Hive's __HIVE_DEFAULT_PARTITION__).
            let nullable = c.nullable || (partition && table.files.contains { ($0.partition[c.name] ?? "").isEmpty })
            return .object([("name", .string(c.name)), ("type", .string(deltaType(c.type))), ("nullable", .bool(nullable)),
                            ("metadata", .object([]))])
        }
        let schema = JSONValue.object([("type", .string("struct")), ("fields", .array(fields))])
        lines.append(.object([("metaData", .object([
            ("id", .string(tableID(seed: manifest.seed, pack: manifest.pack, table: table.name))),
            ("name", .string(table.name)),
            ("format", .object([("provider", .string("parquet")), ("options", .object([]))])),
            ("schemaString", .string(schema.serialized(compact: true))),
            ("partitionColumns", .array(partitionNames.map(JSONValue.string))),
            ("configuration", .object([])),
            ("createdTime", .int(millis)),
        ]))]))
        for (file, stat) in zip(table.files, stats) {
            let relative = String(file.path.dropFirst(table.name.utf8.count + 1))
            lines.append(.object([("add", .object([
                ("path", .string(uriEscape(relative))),
                ("partitionValues", .object(partitionNames.map { name in
                    let value = file.partition[name] ?? ""
                    return (name, value.isEmpty ? .null : .string(value))
                })),
                ("size", .int(file.bytes)),
                ("modificationTime", .int(millis)),
                ("dataChange", .bool(true)),
                ("stats", .string(stat.serialized(compact: true))),
            ]))]))
        }
        return lines.map { $0.serialized(compact: true) }.joined(separator: "\n") + "\n"
    }

    /// A file's `stats`: its rows, and for every column in the file its null count and, where
    /// Delta can use them, its bounds.
    static func statistics(of table: TableRecord, file: FileRecord, footer: ThriftValue) -> JSONValue {
        let columns = table.schema.filter { c in !table.partitionBy.contains { $0.name == c.name } }
        var accumulators = columns.map { StatAccumulator(type: $0.type) }
        StatAccumulator.fold(footer, names: columns.map(\.name), into: &accumulators)
        var minValues: [(String, JSONValue)] = []
        var maxValues: [(String, JSONValue)] = []
        var nullCount: [(String, JSONValue)] = []
        for (c, a) in zip(columns, accumulators) where !a.incomplete {
            nullCount.append((c.name, .int(a.nulls)))
            guard let type = ColumnType(parsing: c.type) else { continue }
            if let lo = a.min, let v = bound(lo, type: type, lower: true, exact: a.minExact, accumulator: a) { minValues.append((c.name, v)) }
            if let hi = a.max, let v = bound(hi, type: type, lower: false, exact: a.maxExact, accumulator: a) { maxValues.append((c.name, v)) }
        }
        return .object([("numRecords", .int(file.rows)), ("minValues", .object(minValues)), ("maxValues", .object(maxValues)),
                        ("nullCount", .object(nullCount))])
    }

    /// A statistics bound as Delta writes it, or nil where Delta keeps none (booleans, binary)
    /// or the bound cannot be given exactly (a truncated maximum, a decimal a double cannot hold).
    /// Timestamps are milliseconds: a lower bound rounded down, an upper bound up, so a reader
    /// skipping files on them never skips a row.
    static func bound(_ bytes: [UInt8], type: ColumnType, lower: Bool, exact: Bool, accumulator a: StatAccumulator) -> JSONValue? {
        switch type {
        case .int32, .int64: return .int(a.integer(bytes))
        case .double:
            let v = Double(bitPattern: UInt64(bitPattern: a.integer(bytes)))
            return v.isFinite ? .double(v == 0 ? 0 : v) : nil
        case .date:
            return .string(formatISODate(a.integer(bytes)))
        case .timestamp(let utc):
            let micros = a.integer(bytes)
            let floor = micros >= 0 ? micros / 1000 : (micros - 999) / 1000
            let millis = lower || micros % 1000 == 0 ? floor : floor + 1
            var out: [UInt8] = []
            appendISOTimestamp(microsSinceEpoch: millis * 1000, utc: utc, to: &out)
            // .ffffff → .fff
            out.removeSubrange((out.count - (utc ? 4 : 3))..<(out.count - (utc ? 1 : 0)))
            return .string(String(decoding: out, as: UTF8.self))
        case .decimal(let precision, let scale):
            guard precision <= 15 else { return nil }
            var out: [UInt8] = []
            appendDecimal(unscaled: a.integer(bytes), scale: scale, to: &out)
            return Double(String(decoding: out, as: UTF8.self)).map(JSONValue.double)
        case .string, .json, .uuid(.string):
            if exact { return String(validating: bytes, as: UTF8.self).map(JSONValue.string) }
            // A truncated minimum is still a lower bound once cut back to whole characters; a
            // truncated maximum (a prefix with its last byte raised) is not text Delta can use.
            guard lower else { return nil }
            var prefix = bytes
            while !prefix.isEmpty, String(validating: prefix, as: UTF8.self) == nil { prefix.removeLast() }
            return .string(String(decoding: prefix, as: UTF8.self))
        case .boolean, .binary, .uuid(.fixed16), .fixedBinary: return nil
        }
    }

    /// The Delta type of a column type (Delta protocol, "Primitive Types").
    static func deltaType(_ type: String) -> String {
        switch ColumnType(parsing: type) {
        case .boolean: return "boolean"
        case .int32: return "integer"
        case .int64: return "long"
        case .double: return "double"
        case .date: return "date"
        case .timestamp(true): return "timestamp"
        case .timestamp(false): return "timestamp_ntz"
        case .decimal(let p, let s): return "decimal(\(p),\(s))"
        case .binary, .uuid(.fixed16), .fixedBinary: return "binary"
        case .string, .json, .uuid(.string), nil: return "string"
        }
    }

    /// The table's id: a UUID (version 8, name-based) from the seed, the pack and the table, so
    /// the same run has the same id.
    static func tableID(seed: UInt64, pack: String, table: String) -> String {
        let hash = SHA256()
        hash.update(Array("streamgen delta table \(seed) \(pack) \(table)".utf8))
        var hex = Array(hash.finalize().utf8.prefix(32))
        hex[12] = UInt8(ascii: "8")
        // The variant (10xx): the nibble's low two bits after 8.
        let nibble = hex[16] <= UInt8(ascii: "9") ? hex[16] - UInt8(ascii: "0") : hex[16] - UInt8(ascii: "a") + 10
        hex[16] = Array("89ab".utf8)[Int(nibble & 3)]
        let text = String(decoding: hex, as: UTF8.self)
        func part(_ from: Int, _ to: Int) -> Substring { text.dropFirst(from).prefix(to - from) }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }

    /// A path as the `add` action's URI (RFC 2396): every byte but unreserved characters, `/`
    /// and `=` percent-encoded, so the `%XX` of a Hive partition value survives decoding.
    static func uriEscape(_ path: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in path.utf8 {
            let plain = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "~")
                || b == UInt8(ascii: "/") || b == UInt8(ascii: "=")
            if plain { out.append(b) } else { out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
