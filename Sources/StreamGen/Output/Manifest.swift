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

/// A column as the manifest records it: its name, its type (`ColumnType.description`) and
/// whether it can be null.
public struct ColumnRecord: Sendable, Hashable {
    public var name: String
    public var type: String
    public var nullable: Bool

    public init(name: String, type: String, nullable: Bool = false) {
        self.name = name
        self.type = type
        self.nullable = nullable
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

    public var rows: Int64 { files.reduce(0) { $0 + $1.rows } }
    public var bytes: Int64 { files.reduce(0) { $0 + $1.bytes } }
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
        appendISOTimestamp(microsSinceEpoch: createdAt * 1_000_000, utc: true, to: &created)
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
                ("rows", .int(tables.reduce(0) { $0 + $1.rows })),
                ("files", .int(Int64(tables.reduce(0) { $0 + $1.files.count }))),
                ("bytes", .int(tables.reduce(0) { $0 + $1.bytes })),
            ])),
            ("tables", .array(tables.map(Manifest.tableJSON))),
        ]
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
            ("schema", .array(t.schema.map {
                .object([("name", .string($0.name)), ("type", .string($0.type)), ("nullable", .bool($0.nullable))])
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

    /// Reads a manifest back.
    public init(json: JSONValue) throws(ManifestError) {
        func need<T>(_ value: T?, _ what: String) throws(ManifestError) -> T {
            guard let value else { throw ManifestError("the manifest has no valid '\(what)'") }
            return value
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
            shard = (Int(try need(s["index"]?.int, "shard.index")), Int(try need(s["count"]?.int, "shard.count")))
        } else {
            shard = nil
        }
        shardsInPlan = Int(try need(json["shards_in_plan"]?.int, "shards_in_plan"))
        var tables: [TableRecord] = []
        for t in try need(json["tables"]?.array, "tables") {
            let partitionBy = try need(t["partition_by"]?.array, "partition_by").map {
                ColumnRecord(name: $0["name"]?.string ?? "", type: $0["type"]?.string ?? "")
            }
            var files: [FileRecord] = []
            for f in try need(t["files"]?.array, "files") {
                var partition: [String: String] = [:]
                if case .object(let pairs)? = f["partition"] { for (k, v) in pairs { partition[k] = v.string } }
                files.append(FileRecord(
                    path: try need(f["path"]?.string, "files.path"), rows: try need(f["rows"]?.int, "files.rows"),
                    bytes: try need(f["bytes"]?.int, "files.bytes"), sha256: try need(f["sha256"]?.string, "files.sha256"),
                    partition: partition, shard: Int(try need(f["shard"]?.int, "files.shard"))))
            }
            tables.append(TableRecord(
                name: try need(t["name"]?.string, "tables.name"), plannedRows: try need(t["planned_rows"]?.int, "planned_rows"),
                schema: try need(t["schema"]?.array, "schema").map {
                    ColumnRecord(name: $0["name"]?.string ?? "", type: $0["type"]?.string ?? "", nullable: $0["nullable"]?.bool ?? false)
                },
                partitionBy: partitionBy, sortBy: try need(t["sort_by"]?.array, "sort_by").compactMap(\.string), files: files))
        }
        self.tables = tables
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
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(path) } catch { throw ManifestError("cannot read \(path): \(error)") }
        do {
            return try Manifest(json: try JSONValue.parse(String(decoding: bytes, as: UTF8.self)))
        } catch let error as JSONParseError {
            throw ManifestError("\(path): \(error)")
        } catch let error as ManifestError {
            throw ManifestError("\(path): \(error.message)")
        } catch {
            throw ManifestError("\(path): \(error)")
        }
    }

    /// Writes the manifest to `directory/name` atomically.
    func write(to directory: String, name: String) throws(ColumnarError) {
        try FileSystem.writeAtomically(directory + "/" + name, Array(json().serialized().utf8))
    }
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

/// Parses `YYYY-MM-DD` into days since the epoch, checking the calendar.
public func parseISODate(_ text: String) -> Int64? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
          let y = Int64(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), (1...31).contains(d)
    else { return nil }
    let days = daysSinceEpoch(year: y, month: m, day: d)
    let back = civilDate(daysSinceEpoch: days)
    guard back.year == y && back.month == m && back.day == d else { return nil }  // 2024-02-30
    return days
}

/// `YYYY-MM-DD` for days since the epoch.
public func formatISODate(_ days: Int64) -> String {
    var out: [UInt8] = []
    appendISODate(daysSinceEpoch: days, to: &out)
    return String(decoding: out, as: UTF8.self)
}
