import Columnar

/// What a run is about to create, written (and synced) before its first data file and removed
/// once its complete manifest and `_SUCCESS` are in place.
///
/// A run killed by a signal or stopped by a full disk may leave no manifest, or a manifest that
/// lists only the files finished in time; the journal is what lets `--overwrite`, `streamgen
/// clean` and `status` still recognise the directory as StreamGen's and remove exactly what the
/// run could have written: the table directories it names, with their partition directories and
/// `part-NNNNN` files, and the single files it names, with their temporary files.
public struct Journal: Sendable, Hashable {
    public static let formatVersion: Int64 = 1
    public static let fileName = ".streamgen-journal.json"

    /// The journal of `--shard index/count`.
    public static func shardFileName(index: Int, count: Int) -> String {
        ".streamgen-journal-shard-\(Manifest.pad(index))-of-\(Manifest.pad(count)).json"
    }

    /// Whether `name` is a journal's file name.
    static func isJournalName(_ name: String) -> Bool {
        name == fileName || ShardName.parse(name, prefix: ".streamgen-journal-shard-", suffix: ".json") != nil
    }

    /// One thing the run may create, relative to the output directory.
    public enum Claim: Sendable, Hashable {
        /// A table directory: `partitionKeys.count` levels of `key=value` directories, then
        /// `part-NNNNN.<extension>` files; all of them, or (a shard's claim) only the files in
        /// `only`: each `part-NNNNN.ext`, prefixed with `<value>/` of the partition key at
        /// `datePartition` when the table has one.
        /// `files` are further names the table's files may have (`customers.parquet`).
        case tree(name: String, partitionKeys: [String], extensions: [String], datePartition: Int? = nil, only: [String]? = nil,
                  files: [String] = [])
        /// One file.
        case file(RelativePath)
    }

    public var pack: String
    public var pid: Int32
    /// Seconds since the epoch: when the run started (for messages; the journal is not data).
    public var startedAt: Int64
    public var commandLine: [String]
    public var shard: ShardSelection?
    public var claims: [Claim]

    public init(pack: String, pid: Int32, startedAt: Int64, commandLine: [String], shard: ShardSelection?, claims: [Claim]) {
        self.pack = pack
        self.pid = pid
        self.startedAt = startedAt
        self.commandLine = commandLine
        self.shard = shard
        self.claims = claims
    }

    public var fileName: String { shard.map { Journal.shardFileName(index: $0.index, count: $0.count) } ?? Journal.fileName }

    public func json() -> JSONValue {
        var started: [UInt8] = []
        appendISOTimestamp(microsSinceEpoch: min(max(startedAt, 0), Manifest.latestSeconds) * 1_000_000, utc: true, to: &started)
        return .object([
            ("streamgen_journal", .int(Journal.formatVersion)),
            ("pack", .string(pack)),
            ("pid", .int(Int64(pid))),
            ("started_at", .string(String(decoding: started, as: UTF8.self))),
            ("command_line", .array(commandLine.map(JSONValue.string))),
            ("shard", shard.map { .object([("index", .int(Int64($0.index))), ("count", .int(Int64($0.count)))]) } ?? .null),
            ("claims", .array(claims.map { claim in
                switch claim {
                case .tree(let name, let keys, let extensions, let datePartition, let only, let files):
                    var pairs: [(String, JSONValue)] = [
                        ("tree", .string(name)), ("partition_keys", .array(keys.map(JSONValue.string))),
                        ("extensions", .array(extensions.map(JSONValue.string))),
                    ]
                    if let datePartition { pairs.append(("date_partition", .int(Int64(datePartition)))) }
                    if let only { pairs.append(("only", .array(only.map(JSONValue.string)))) }
                    if !files.isEmpty { pairs.append(("files", .array(files.map(JSONValue.string)))) }
                    return .object(pairs)
                case .file(let path):
                    return .object([("file", .string(path.description))])
                }
            })),
        ])
    }

    /// Reads a journal back; every name in it is validated as a path component.
    public init(json: JSONValue) throws(ManifestError) {
        guard json["streamgen_journal"]?.int == Journal.formatVersion else { throw ManifestError("not a StreamGen journal") }
        guard let pack = json["pack"]?.string, let pid = json["pid"]?.int, (0...Int64(Int32.max)).contains(pid) else {
            throw ManifestError("the journal has no valid pack or pid")
        }
        self.pack = pack
        self.pid = Int32(pid)
        startedAt = json["started_at"]?.string.flatMap(parseTimestampSeconds) ?? 0
        commandLine = json["command_line"]?.array?.compactMap(\.string) ?? []
        if let s = json["shard"], s != .null {
            guard let i = s["index"]?.int, let n = s["count"]?.int, (1...1_000_000).contains(n), (0..<n).contains(i) else {
                throw ManifestError("the journal has an invalid shard")
            }
            shard = try? ShardSelection(index: Int(i), count: Int(n))
        } else {
            shard = nil
        }
        var claims: [Claim] = []
        for c in json["claims"]?.array ?? [] {
            if let name = c["tree"]?.string {
                let keys = c["partition_keys"]?.array?.compactMap(\.string) ?? []
                let extensions = c["extensions"]?.array?.compactMap(\.string) ?? []
                for n in [name] + keys + extensions where RelativePath.problem(component: n) != nil || n.contains("=") {
                    throw ManifestError("the journal claims an invalid name '\(RelativePath.printable(n))'")
                }
                var datePartition: Int?
                if let d = c["date_partition"]?.int {
                    guard (0..<Int64(keys.count)).contains(d) else { throw ManifestError("the journal has an invalid date_partition") }
                    datePartition = Int(d)
                }
                let only = c["only"]?.array?.compactMap(\.string)
                let files = c["files"]?.array?.compactMap(\.string) ?? []
                for n in files where RelativePath.problem(component: n) != nil {
                    throw ManifestError("the journal claims an invalid name '\(RelativePath.printable(n))'")
                }
                claims.append(.tree(name: name, partitionKeys: keys, extensions: extensions, datePartition: datePartition, only: only, files: files))
            } else if let path = c["file"]?.string {
                do { claims.append(.file(try RelativePath(validating: path))) } catch {
                    throw ManifestError("the journal claims a path outside its directory: \(error)")
                }
            } else {
                throw ManifestError("the journal has a claim that is neither a tree nor a file")
            }
        }
        self.claims = claims
    }

    /// "pid 1234 (streamgen generate devapp --out x), started 2026-12-01T10:00:00Z"
    var holderDescription: String {
        var started: [UInt8] = []
        appendISOTimestamp(microsSinceEpoch: min(max(startedAt, 0), Manifest.latestSeconds) * 1_000_000, utc: true, to: &started)
        let command = commandLine.isEmpty ? "" : " (\(commandLine.prefix(8).joined(separator: " "))\(commandLine.count > 8 ? " ..." : ""))"
        return "pid \(pid)\(command), started \(String(decoding: started, as: UTF8.self))"
    }
}

/// Names of the form `<prefix>NNNNN-of-NNNNN<suffix>`.
enum ShardName {
    static func parse(_ name: String, prefix: String, suffix: String) -> (index: Int, count: Int)? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let middle = name.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
        let parts = middle.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, String(decoding: parts[1], as: UTF8.self) == "of" else { return nil }
        func number<C: Collection>(_ s: C) -> Int? where C.Element == UInt8 {
            guard (5...7).contains(s.count), s.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(String(decoding: s, as: UTF8.self))
        }
        guard let i = number(parts[0]), let n = number(parts[2]), i < n else { return nil }
        return (i, n)
    }
}
