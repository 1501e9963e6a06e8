import Columnar

/// One file a run wrote.
public struct FileRecord: Sendable, Hashable {
    /// Relative to the output directory, with `/` separators.
    public var path: String
    public var rows: Int64
    public var bytes: Int64
    public var sha256: String
    /// The partition values in the path, outermost first.
    public var partition: [String: String]
    /// The plan's shard that wrote it.
    public var shard: Int
}

extension Sequence where Element == FileRecord {
    /// The files of table `name`: under its directory (hive), or its one file `name.ext` (flat).
    func ofTable(_ name: String) -> [FileRecord] {
        filter { $0.path.hasPrefix(name + "/") || $0.path.hasPrefix(name + ".") }
    }
}

/// A file of a run that is not table data: a SQL script, a metadata file, ground truth. The
/// manifest lists it so `status --verify` checks it and `--overwrite` and `clean` may remove it.
public struct OtherFileRecord: Sendable, Hashable {
    public var path: String
    public var bytes: Int64
    public var sha256: String

    public init(path: String, bytes: Int64, sha256: String) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// A column as the manifest records it: its name, its type (`ColumnType.description`) and
/// whether it can be null.
public struct ColumnRecord: Sendable, Hashable {
    public var name: String
    public var type: String
    public var nullable: Bool
    /// For a foreign key: the `table.column` it references.
    public var references: String?
    /// For a value looked up through a foreign key of the row: `via.column` (the via column of
    /// this table, the column of the referenced table).
    public var lookup: String?

    public init(name: String, type: String, nullable: Bool = false) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }

    /// A file column as the manifest records it.
    public init(column: Column) {
        self.init(name: column.name, type: column.type.description, nullable: column.isOptional)
    }
}

/// What `manifest.json` records of one table.
public struct TableRecord: Sendable, Hashable {
    public var name: String
    /// The rows this run (or this shard of it) was to write.
    public var plannedRows: Int64
    public var schema: [ColumnRecord]
    /// Partition columns, outermost first (`nullable` is always false).
    public var partitionBy: [ColumnRecord]
    public var sortBy: [String]
    public var files: [FileRecord]

    public var rows: Int64 { saturatingSum(files.map(\.rows)) }
    public var bytes: Int64 { saturatingSum(files.map(\.bytes)) }
    public var partitionCount: Int { Set(files.map { $0.path.split(separator: "/").dropLast().joined(separator: "/") }).count }
}

/// `manifest.json`: what a run was asked to do and what it wrote. Written last, after every
/// data file is in place; `_SUCCESS` follows it when the run completed.
public struct Manifest: Sendable, Hashable {
    public static let fileName = "manifest.json"
    public static let successFileName = "_SUCCESS"
    public static let formatVersion: Int64 = 1

    public enum Status: String, Sendable, Hashable { case complete, failed }

    public var toolVersion: String
    public var status: Status
    public var error: String?
    /// Seconds since the epoch (`SOURCE_DATE_EPOCH` when set).
    public var createdAt: Int64
    public var commandLine: [String]
    public var pack: String
    public var seed: UInt64
    /// The options that shape the data, as recorded (`start`, `days`, `scale`, ...).
    public var options: [(String, JSONValue)]
    /// `(index, count)` for a `--shard i/N` run, nil for a full (or merged) run.
    public var shard: (index: Int, count: Int)?
    public var shardsInPlan: Int
    public var tables: [TableRecord]
    /// Files besides the tables' data (SQL, metadata, ground truth).
    public var otherFiles: [OtherFileRecord] = []
    /// The data-quality issues written, with their ground truth (`QualityTruth`).
    public var quality: JSONValue?
    /// A shard's figures of the values it wrote (per table, per file column), for what only the
    /// merge can compute from every shard's rows (bronze's metadata files). Nil in a full run's.
    public var partialFigures: [String: [ColumnFigures]]?

    /// The last second a manifest can record: 9999-12-31T23:59:59Z.
    public static let latestSeconds: Int64 = 253_402_300_799
    /// The largest count (rows, bytes) a manifest may give one file or table: 2^53.
    static let largestCount: Int64 = 1 << 53

    /// Whether `name` is a shard manifest's name (`manifest-shard-00001-of-00004.json`).
    public static func isShardManifestName(_ name: String) -> Bool {
        ShardName.parse(name, prefix: "manifest-shard-", suffix: ".json") != nil
    }

    /// The name of the manifest of shard `index` of `count`.
    public static func shardFileName(index: Int, count: Int) -> String {
        "manifest-shard-\(pad(index))-of-\(pad(count)).json"
    }

    static func pad(_ n: Int) -> String {
        var digits: [UInt8] = []
        var v = UInt64(n)
        appendDigits(&v, minimumWidth: 5, to: &digits)
        return String(decoding: digits, as: UTF8.self)
    }

    public static func == (a: Manifest, b: Manifest) -> Bool { a.json() == b.json() }
    public func hash(into hasher: inout Hasher) { hasher.combine(json().serialized()) }

    public func json() -> JSONValue {
        var created: [UInt8] = []
        appendISOTimestamp(microsSinceEpoch: min(max(createdAt, 0), Manifest.latestSeconds) * 1_000_000, utc: true, to: &created)
        var pairs: [(String, JSONValue)] = [
            ("streamgen_manifest", .int(Manifest.formatVersion)),
            ("tool", .object([("name", .string("streamgen")), ("version", .string(toolVersion))])),
            ("status", .string(status.rawValue)),
        ]
        if let error { pairs.append(("error", .string(error))) }
        pairs += [
            ("created_at", .string(String(decoding: created, as: UTF8.self))),
            ("command_line", .array(commandLine.map(JSONValue.string))),
            ("pack", .string(pack)),
            ("seed", .string(String(seed))),
            ("options", .object(options)),
            ("shard", shard.map { .object([("index", .int(Int64($0.index))), ("count", .int(Int64($0.count)))]) } ?? .null),
            ("shards_in_plan", .int(Int64(shardsInPlan))),
            ("totals", .object([
                ("tables", .int(Int64(tables.count))),
                ("rows", .int(saturatingSum(tables.map(\.rows)))),
                ("files", .int(Int64(tables.reduce(0) { $0 + $1.files.count }))),
                ("bytes", .int(saturatingSum(tables.map(\.bytes)))),
            ])),
            ("tables", .array(tables.map(Manifest.tableJSON))),
        ]
        if let quality { pairs.append(("quality", quality)) }
        if let partialFigures {
            pairs.append(("partial_figures", .object(partialFigures.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map(Manifest.figuresJSON))) })))
        }
        if !otherFiles.isEmpty {
            pairs.append(("other_files", .array(otherFiles.map { f in
                .object([("path", .string(f.path)), ("bytes", .int(f.bytes)), ("sha256", .string(f.sha256))])
            })))
        }
        return .object(pairs)
    }

    static func tableJSON(_ t: TableRecord) -> JSONValue {
        .object([
            ("name", .string(t.name)),
            ("planned_rows", .int(t.plannedRows)),
            ("rows", .int(t.rows)),
            ("bytes", .int(t.bytes)),
            ("partitions", .int(Int64(t.partitionCount))),
            ("partition_by", .array(t.partitionBy.map { .object([("name", .string($0.name)), ("type", .string($0.type))]) })),
            ("sort_by", .array(t.sortBy.map(JSONValue.string))),
            ("schema", .array(t.schema.map { c in
                var pairs: [(String, JSONValue)] = [("name", .string(c.name)), ("type", .string(c.type)), ("nullable", .bool(c.nullable))]
                if let r = c.references { pairs.append(("references", .string(r))) }
                if let l = c.lookup { pairs.append(("lookup", .string(l))) }
                return .object(pairs)
            })),
            ("files", .array(t.files.map { f in
                .object([
                    ("path", .string(f.path)),
                    ("rows", .int(f.rows)),
                    ("bytes", .int(f.bytes)),
                    ("sha256", .string(f.sha256)),
                    ("shard", .int(Int64(f.shard))),
                    ("partition", .object(t.partitionBy.compactMap { p in f.partition[p.name].map { (p.name, .string($0)) } })),
                ])
            })),
        ])
    }

    /// Reads a manifest back: the engine's own document, or a pack's document (spec 000's
    /// fixture manifest, say) that carries the engine's under `"streamgen"`. Every path is
    /// validated as components below the directory, every count and type checked, so nothing a
    /// hand-edited manifest says can make StreamGen leave its directory or trap.
    public init(json document: JSONValue) throws(ManifestError) {
        var json = document
        if document["streamgen_manifest"] == nil, let nested = document["streamgen"], nested["streamgen_manifest"] != nil { json = nested }
        func need<T>(_ value: T?, _ what: String) throws(ManifestError) -> T {
            guard let value else { throw ManifestError("the manifest has no valid '\(what)'") }
            return value
        }
        func count(_ value: JSONValue?, _ what: String) throws(ManifestError) -> Int64 {
            guard let v = value?.int, (0...Manifest.largestCount).contains(v) else {
                throw ManifestError("the manifest's '\(what)' is not a count between 0 and 2^53")
            }
            return v
        }
        func path(_ value: JSONValue?, _ what: String) throws(ManifestError) -> String {
            let text = try need(value?.string, what)
            do { _ = try RelativePath(validating: text) } catch { throw ManifestError("the manifest's '\(what)' is not a path inside its directory: \(error)") }
            return text
        }
        func type(_ value: JSONValue?, _ what: String) throws(ManifestError) -> String {
            let text = try need(value?.string, what)
            guard ColumnType(parsing: text) != nil else { throw ManifestError("the manifest's '\(what)' is not a column type: '\(RelativePath.printable(String(text.prefix(40))))'") }
            return text
        }
        func name(_ value: JSONValue?, _ what: String) throws(ManifestError) -> String {
            let text = try need(value?.string, what)
            guard RelativePath.problem(component: text) == nil else { throw ManifestError("the manifest's '\(what)' is not a valid name") }
            return text
        }
        guard json["streamgen_manifest"]?.int == Manifest.formatVersion else {
            throw ManifestError("not a StreamGen manifest (format \(Manifest.formatVersion))")
        }
        toolVersion = try need(json["tool"]?["version"]?.string, "tool.version")
        status = try need(json["status"]?.string.flatMap(Status.init(rawValue:)), "status")
        error = json["error"]?.string
        let created = try need(json["created_at"]?.string, "created_at")
        createdAt = try need(parseTimestampSeconds(created), "created_at")
        commandLine = try need(json["command_line"]?.array, "command_line").compactMap(\.string)
        pack = try need(json["pack"]?.string, "pack")
        seed = try need(json["seed"]?.string.flatMap { UInt64($0) }, "seed")
        guard case .object(let options) = try need(json["options"], "options") else { throw ManifestError("'options' is not an object") }
        self.options = options
        if let s = json["shard"], s != .null {
            let n = try count(s["count"], "shard.count")
            let i = try count(s["index"], "shard.index")
            guard (1...1_000_000).contains(n), i < n else { throw ManifestError("the manifest's shard \(i)/\(n) is not a valid shard") }
            shard = (Int(i), Int(n))
        } else {
            shard = nil
        }
        shardsInPlan = Int(try count(json["shards_in_plan"], "shards_in_plan"))
        var tables: [TableRecord] = []
        for t in try need(json["tables"]?.array, "tables") {
            let partitionBy = try need(t["partition_by"]?.array, "partition_by").map { (p) throws(ManifestError) in
                ColumnRecord(name: try name(p["name"], "partition_by.name"), type: try type(p["type"], "partition_by.type"))
            }
            var files: [FileRecord] = []
            for f in try need(t["files"]?.array, "files") {
                var partition: [String: String] = [:]
                if case .object(let pairs)? = f["partition"] { for (k, v) in pairs { partition[k] = v.string } }
                files.append(FileRecord(
                    path: try path(f["path"], "files.path"), rows: try count(f["rows"], "files.rows"),
                    bytes: try count(f["bytes"], "files.bytes"), sha256: try need(f["sha256"]?.string, "files.sha256"),
                    partition: partition, shard: Int(try count(f["shard"], "files.shard"))))
            }
            tables.append(TableRecord(
                name: try name(t["name"], "tables.name"), plannedRows: try count(t["planned_rows"], "planned_rows"),
                schema: try need(t["schema"]?.array, "schema").map { (c) throws(ManifestError) in
                    var record = ColumnRecord(name: try need(c["name"]?.string, "schema.name"), type: try type(c["type"], "schema.type"),
                                              nullable: c["nullable"]?.bool ?? false)
                    record.references = c["references"]?.string
                    record.lookup = c["lookup"]?.string
                    return record
                },
                partitionBy: partitionBy, sortBy: try need(t["sort_by"]?.array, "sort_by").compactMap(\.string), files: files))
        }
        self.tables = tables
        quality = json["quality"]
        if case .object(let figures)? = json["partial_figures"] {
            var partial: [String: [ColumnFigures]] = [:]
            for (table, columns) in figures {
                partial[table] = try need(columns.array, "partial_figures").map { (c) throws(ManifestError) in try Manifest.figures(c) }
            }
            partialFigures = partial
        }
        for f in json["other_files"]?.array ?? [] {
            otherFiles.append(OtherFileRecord(path: try path(f["path"], "other_files.path"), bytes: try count(f["bytes"], "other_files.bytes"),
                                              sha256: try need(f["sha256"]?.string, "other_files.sha256")))
        }
    }

    public init(toolVersion: String, status: Status, error: String?, createdAt: Int64, commandLine: [String], pack: String, seed: UInt64,
                options: [(String, JSONValue)], shard: (index: Int, count: Int)?, shardsInPlan: Int, tables: [TableRecord])
    {
        self.toolVersion = toolVersion
        self.status = status
        self.error = error
        self.createdAt = createdAt
        self.commandLine = commandLine
        self.pack = pack
        self.seed = seed
        self.options = options
        self.shard = shard
        self.shardsInPlan = shardsInPlan
        self.tables = tables
    }

    /// Reads `path`.
    public static func read(_ path: String) throws(ManifestError) -> Manifest {
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let root: DirectoryHandle
        do { root = try DirectoryHandle.open(parent, create: false) } catch { throw ManifestError("cannot read \(path): \(error)") }
        return try read(root, name: name)
    }

    /// Reads the manifest `name` in `root` (a regular file, no link followed, at most 256 MiB).
    static func read(_ root: DirectoryHandle, name: String) throws(ManifestError) -> Manifest {
        let bytes: [UInt8]
        do { bytes = try root.read(name, limit: 256 << 20) } catch { throw ManifestError("cannot read \(name): \(error)") }
        do {
            return try Manifest(json: try JSONValue.parse(String(decoding: bytes, as: UTF8.self)))
        } catch let error as JSONParseError {
            throw ManifestError("\(name): \(error)")
        } catch let error as ManifestError {
            throw ManifestError("\(name): \(error.message)")
        } catch {
            throw ManifestError("\(name): \(error)")
        }
    }

    /// Writes the manifest to `name` in `root` atomically, synced.
    func write(to root: DirectoryHandle, name: String) throws(ColumnarError) {
        try root.writeAtomically(name, Array(json().serialized().utf8))
    }
}

/// The sum of `values`, stopping at `Int64.max` instead of trapping.
func saturatingSum(_ values: [Int64]) -> Int64 {
    var total: Int64 = 0
    for v in values {
        let (sum, overflow) = total.addingReportingOverflow(v)
        if overflow { return v > 0 ? .max : .min }
        total = sum
    }
    return total
}

public struct ManifestError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` into seconds since the epoch.
func parseTimestampSeconds(_ text: String) -> Int64? {
    let b = Array(text.utf8)
    guard b.count >= 20, let day = parseISODate(String(decoding: b[0..<10], as: UTF8.self)), b[10] == UInt8(ascii: "T") else { return nil }
    func two(_ i: Int) -> Int64? {
        guard b[i] >= 0x30 && b[i] <= 0x39 && b[i + 1] >= 0x30 && b[i + 1] <= 0x39 else { return nil }
        return Int64(b[i] - 0x30) * 10 + Int64(b[i + 1] - 0x30)
    }
    guard let h = two(11), let m = two(14), let s = two(17) else { return nil }
    return day * 86_400 + h * 3600 + m * 60 + s
}

/// `YYYY-MM-DD` for days since the epoch.
public func formatISODate(_ days: Int64) -> String {
    var out: [UInt8] = []
    appendISODate(daysSinceEpoch: days, to: &out)
    return String(decoding: out, as: UTF8.self)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC, no zone) for seconds since the epoch.
public func formatNaiveTimestamp(seconds: Int64) -> String {
    var out: [UInt8] = []
    appendISOTimestamp(microsSinceEpoch: seconds * 1_000_000, utc: false, to: &out)
    out.removeLast(7)  // ".ffffff"
    out[out.count - 9] = UInt8(ascii: " ")
    return String(decoding: out, as: UTF8.self)
}

extension Manifest {
    /// A column's figures as a shard's manifest records them: doubles by their bits (the merge
    /// must add exactly what the shard summed), the 128-bit sum as decimal text.
    static func figuresJSON(_ f: ColumnFigures) -> JSONValue {
        func bits(_ d: Double?) -> JSONValue { d.map { .string(String($0.bitPattern, radix: 16)) } ?? .null }
        return .object([
            ("rows", .int(f.rows)), ("nulls", .int(f.nulls)),
            ("integer_min", f.integerMin.map(JSONValue.int) ?? .null), ("integer_max", f.integerMax.map(JSONValue.int) ?? .null),
            ("integer_sum", .string(String(f.integerSum))),
            ("double_min", bits(f.doubleMin)), ("double_max", bits(f.doubleMax)), ("double_sum", bits(f.doubleSum)),
            ("double_compensation", bits(f.doubleCompensation)),
        ])
    }

    static func figures(_ json: JSONValue) throws(ManifestError) -> ColumnFigures {
        func bits(_ key: String) throws(ManifestError) -> Double? {
            guard let v = json[key], v != .null else { return nil }
            guard let text = v.string, let b = UInt64(text, radix: 16) else { throw ManifestError("partial_figures.\(key) is not a double's bits") }
            return Double(bitPattern: b)
        }
        // Counts as every count of a manifest (at most 2^53), and a sum no larger than that many
        // 64-bit values make, so that merging shards' figures cannot trap.
        guard let rows = json["rows"]?.int, (0...Manifest.largestCount).contains(rows), let nulls = json["nulls"]?.int, (0...rows).contains(nulls),
              let sumText = json["integer_sum"]?.string, let sum = Int128(sumText), sum.magnitude <= UInt128(rows) << 63
        else { throw ManifestError("partial_figures: a column without valid rows, nulls or integer_sum") }
        return ColumnFigures(rows: rows, nulls: nulls, integerMin: json["integer_min"]?.int, integerMax: json["integer_max"]?.int, integerSum: sum,
                             doubleMin: try bits("double_min"), doubleMax: try bits("double_max"), doubleSum: try bits("double_sum") ?? 0,
                             doubleCompensation: try bits("double_compensation") ?? 0)
    }
}
