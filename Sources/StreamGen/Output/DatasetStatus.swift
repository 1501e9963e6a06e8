import Columnar

/// What `streamgen status DIR` reports: per table, rows, files, partitions and bytes from the
/// manifest, checked against the files on disk, with per-column statistics (nulls, min, max)
/// gathered from the Parquet footers.
public struct DatasetStatus: Sendable {
    public struct ColumnStatus: Sendable, Hashable {
        public var name: String
        public var type: String
        public var nulls: Int64
        public var min: String?
        public var max: String?
    }

    public struct TableStatus: Sendable {
        public var name: String
        public var rows: Int64
        public var files: Int
        public var partitions: Int
        public var bytes: Int64
        public var partitionBy: [String]
        public var sortBy: [String]
        /// Files the manifest lists that are missing or whose size differs.
        public var problems: [String]
        public var columns: [ColumnStatus]
    }

    public var directory: String
    public var manifest: Manifest
    public var manifestName: String
    public var complete: Bool
    public var tables: [TableStatus]
    /// Problems with the files besides the tables (SQL, metadata, ground truth).
    public var otherProblems: [String] = []
    /// Whether every file's SHA-256 was recomputed.
    public var verified = false

    /// Reads the manifest in `directory` (or a shard manifest, when only those exist) and
    /// checks the files it lists, each opened below the directory without following links.
    /// With `verify`, recomputes each file's SHA-256 too. Every pack's manifest is read: the
    /// engine's own, or a pack's document carrying it under `"streamgen"`.
    public static func load(_ directory: String, verify: Bool = false) throws(ManifestError) -> DatasetStatus {
        let dataset: DatasetDirectory
        do { dataset = try DatasetDirectory.open(directory, create: false, access: .read) } catch {
            throw ManifestError("\(error)")
        }
        let root = dataset.root
        let names = (try? root.names()) ?? []
        let manifestName: String
        if names.contains(Manifest.fileName) {
            manifestName = Manifest.fileName
        } else if let shard = names.first(where: Manifest.isShardManifestName) {
            manifestName = shard
        } else if let journal = names.first(where: Journal.isJournalName).flatMap({ try? Journal.read(root, name: $0) }) {
            let state = processExists(journal.pid) && !root.tryLock(exclusive: false) ? "a run in progress" : "an interrupted run"
            throw ManifestError("'\(directory)' holds \(state) of pack \(journal.pack) (\(journal.holderDescription)) and no manifest yet; its files are not complete. `streamgen clean \(directory) --confirm` or `streamgen generate ... --overwrite` clears it")
        } else {
            throw ManifestError("'\(directory)' has no \(Manifest.fileName): not a StreamGen output directory, or its run never finished")
        }
        let manifest = try Manifest.read(root, name: manifestName)
        var tables: [TableStatus] = []
        func check(_ pathText: String, bytes: Int64, sha256: String, problems: inout [String]) -> ReadableFile? {
            // Safe: Manifest(json:) validated every path.
            let path = try! RelativePath(validating: pathText)
            guard let dir = try? root.directory(path.directoryComponents, create: false), let info = dir.info(path.name) else {
                problems.append("missing: \(pathText)")
                return nil
            }
            guard info.kind == .file, let file = try? dir.openFile(path.name) else {
                problems.append("not a regular file (a link, a directory or a device): \(pathText)")
                return nil
            }
            if file.size != bytes { problems.append("size \(file.size) where the manifest says \(bytes): \(pathText)"); return nil }
            if verify, (try? file.sha256()) != sha256 { problems.append("SHA-256 differs from the manifest: \(pathText)") }
            return file
        }
        for table in manifest.tables {
            var problems: [String] = []
            var columns: [ColumnStatus] = table.schema.filter { c in !table.partitionBy.contains { $0.name == c.name } }
                .map { ColumnStatus(name: $0.name, type: $0.type, nulls: 0, min: nil, max: nil) }
            var accumulators = columns.map { StatAccumulator(type: $0.type) }
            for file in table.files {
                guard let opened = check(file.path, bytes: file.bytes, sha256: file.sha256, problems: &problems) else { continue }
                guard file.path.hasSuffix(".parquet"), let footer = try? ParquetFooter.read(file: opened) else { continue }
                StatAccumulator.fold(footer, names: columns.map(\.name), into: &accumulators)
            }
            for c in columns.indices {
                columns[c].nulls = accumulators[c].nulls
                columns[c].min = accumulators[c].min.map { accumulators[c].render($0) }
                columns[c].max = accumulators[c].max.map { accumulators[c].render($0) }
            }
            tables.append(TableStatus(
                name: table.name, rows: table.rows, files: table.files.count, partitions: table.partitionCount, bytes: table.bytes,
                partitionBy: table.partitionBy.map(\.name), sortBy: table.sortBy, problems: problems, columns: columns))
        }
        var otherProblems: [String] = []
        for file in manifest.otherFiles { _ = check(file.path, bytes: file.bytes, sha256: file.sha256, problems: &otherProblems) }
        let complete = manifest.status == .complete && names.contains(Manifest.successFileName) && tables.allSatisfy { $0.problems.isEmpty }
            && otherProblems.isEmpty
        return DatasetStatus(directory: directory, manifest: manifest, manifestName: manifestName, complete: complete, tables: tables,
                             otherProblems: otherProblems, verified: verify)
    }

    /// A plain-text report.
    public func render() -> String {
        var lines: [String] = []
        let m = manifest
        var state = m.status == .complete ? "complete" : "FAILED: \(m.error ?? "unknown error")"
        if m.status == .complete && !complete { state = "incomplete (files missing or changed, or no \(Manifest.successFileName))" }
        if let shard = m.shard { state += " (shard \(shard.index)/\(shard.count) only; run `streamgen manifest merge` once all shards are in)" }
        lines.append("\(directory): pack \(m.pack), seed \(m.seed), streamgen \(m.toolVersion), \(state)")
        let totalRows = saturatingSum(tables.map(\.rows))
        let totalBytes = saturatingSum(tables.map(\.bytes))
        lines.append("\(tables.count) table(s), \(grouped(totalRows)) rows, \(tables.reduce(0) { $0 + $1.files }) files, \(humanBytes(totalBytes))"
                     + (m.otherFiles.isEmpty ? "" : "; \(m.otherFiles.count) other file(s)") + (verified ? "; every SHA-256 checked" : ""))
        for p in otherProblems.prefix(10) { lines.append("PROBLEM \(p)") }
        for t in tables {
            lines.append("")
            var head = "\(t.name): \(grouped(t.rows)) rows, \(t.files) file(s), \(humanBytes(t.bytes))"
            if !t.partitionBy.isEmpty { head += ", \(t.partitions) partition(s) by \(t.partitionBy.joined(separator: ", "))" }
            if !t.sortBy.isEmpty { head += ", sorted by \(t.sortBy.joined(separator: ", "))" }
            lines.append(head)
            for p in t.problems.prefix(10) { lines.append("  PROBLEM \(p)") }
            if t.problems.count > 10 { lines.append("  ... and \(t.problems.count - 10) more problems") }
            guard !t.columns.isEmpty else { continue }
            let width = max(8, t.columns.map(\.name.count).max() ?? 0)
            lines.append("  " + pad("column", width) + "  " + pad("type", 14) + "  " + pad("nulls", 10) + "  " + pad("min", 28) + "  max")
            for c in t.columns {
                lines.append("  " + pad(c.name, width) + "  " + pad(c.type, 14) + "  " + pad(grouped(c.nulls), 10) + "  "
                             + pad(c.min ?? "-", 28) + "  " + (c.max ?? "-"))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The same as JSON.
    public func json() -> JSONValue {
        .object([
            ("directory", .string(directory)),
            ("pack", .string(manifest.pack)),
            ("seed", .string(String(manifest.seed))),
            ("status", .string(manifest.status.rawValue)),
            ("complete", .bool(complete)),
            ("verified", .bool(verified)),
            ("other_problems", .array(otherProblems.map(JSONValue.string))),
            ("tables", .array(tables.map { t in
                .object([
                    ("name", .string(t.name)), ("rows", .int(t.rows)), ("files", .int(Int64(t.files))),
                    ("partitions", .int(Int64(t.partitions))), ("bytes", .int(t.bytes)),
                    ("problems", .array(t.problems.map(JSONValue.string))),
                    ("columns", .array(t.columns.map { c in
                        .object([("name", .string(c.name)), ("type", .string(c.type)), ("nulls", .int(c.nulls)),
                                 ("min", c.min.map(JSONValue.string) ?? .null), ("max", c.max.map(JSONValue.string) ?? .null)])
                    })),
                ])
            })),
        ])
    }
}

/// Combines min/max statistics across row groups and files in the column's order.
struct StatAccumulator {
    let type: String
    var nulls: Int64 = 0
    var min: [UInt8]?
    var max: [UInt8]?
    /// Whether `min` and `max` are values of the column, not truncated bounds (byte arrays
    /// longer than the writer's statistics keep).
    var minExact = true
    var maxExact = true
    /// Whether a row group had no statistics, or no bound, for the column: then `nulls`, `min`
    /// and `max` do not cover every row.
    var incomplete = false

    init(type: String) { self.type = type }

    mutating func add(nulls n: Int64, min lo: [UInt8]?, max hi: [UInt8]?, minExact: Bool = true, maxExact: Bool = true) {
        nulls += n
        if let lo, min.map({ less(lo, $0) }) ?? true { min = lo; self.minExact = minExact }
        if let hi, max.map({ less($0, hi) }) ?? true { max = hi; self.maxExact = maxExact }
    }

    /// Folds the statistics of every row group in a Parquet `footer` into `accumulators`, one
    /// per name in `names`, each matched to the file's column of that name.
    static func fold(_ footer: ThriftValue, names: [String], into accumulators: inout [StatAccumulator]) {
        let fileNames = (footer[2]?.list ?? []).dropFirst().map { $0[4]?.string ?? "" }
        let slots = names.map { fileNames.firstIndex(of: $0) }
        for group in footer[4]?.list ?? [] {
            let chunks = group[1]?.list ?? []
            for (a, slot) in slots.enumerated() {
                guard let slot, slot < chunks.count, let stats = chunks[slot][3]?[12], let nulls = stats[3]?.int else {
                    accumulators[a].incomplete = true
                    continue
                }
                let rows = chunks[slot][3]?[5]?.int ?? 0
                if nulls < rows && (stats[6] == nil || stats[5] == nil) { accumulators[a].incomplete = true }
                accumulators[a].add(nulls: nulls, min: stats[6]?.binary, max: stats[5]?.binary,
                                    minExact: stats[8]?.bool ?? true, maxExact: stats[7]?.bool ?? true)
            }
        }
    }

    var isByteArray: Bool { ["string", "json", "uuid", "uuid16", "binary"].contains(type) || type.hasPrefix("fixed(") }

    func integer(_ b: [UInt8]) -> Int64 {
        let word = b.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return b.count == 4 ? Int64(Int32(truncatingIfNeeded: word)) : Int64(bitPattern: word)
    }

    func less(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if isByteArray { return a.lexicographicallyPrecedes(b) }
        if type == "double" { return Double(bitPattern: UInt64(bitPattern: integer(a))) < Double(bitPattern: UInt64(bitPattern: integer(b))) }
        if type == "boolean" { return (a.first ?? 0) < (b.first ?? 0) }
        return integer(a) < integer(b)
    }

    func render(_ b: [UInt8]) -> String {
        var out: [UInt8] = []
        switch type {
        case "boolean": return b.first == 1 ? "true" : "false"
        case "double":
            let v = Double(bitPattern: UInt64(bitPattern: integer(b)))
            return "\(v == 0 ? 0 : v)"  // statistics widen a zero bound to -0.0; show it as 0.0
        case "date": appendISODate(daysSinceEpoch: integer(b), to: &out)
        case "timestamp", "timestamp_local": appendISOTimestamp(microsSinceEpoch: integer(b), utc: type == "timestamp", to: &out)
        case _ where type.hasPrefix("decimal("):
            let scale = Int(type.split(separator: ",").last?.dropLast() ?? "0") ?? 0
            appendDecimal(unscaled: integer(b), scale: scale, to: &out)
        case _ where isByteArray:
            let text = String(decoding: b, as: UTF8.self)
            return text.count > 40 ? String(text.prefix(40)) + "…" : text
        default: appendDecimalDigits(integer(b), to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

/// 1234567 → "1,234,567".
public func grouped(_ n: Int64) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}

/// Bytes in KiB, MiB or GiB with one decimal.
public func humanBytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(n)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    if unit == 0 { return "\(n) B" }
    var out: [UInt8] = []
    appendRounded(value, decimals: 1, to: &out)
    return String(decoding: out, as: UTF8.self) + " " + units[unit]
}

/// `streamgen manifest merge`: combines the manifests of `--shard i/N` runs into one.
public enum ManifestMerge {
    /// The command line of the full run the shards make up: shard 0's, without `--shard i/N`.
    static func fullRunCommandLine(_ shards: [Manifest]) -> [String] {
        let line = (shards.first { $0.shard?.index == 0 } ?? shards[0]).commandLine
        var out: [String] = []
        var skip = false
        for argument in line {
            if skip { skip = false; continue }
            if argument == "--shard" { skip = true; continue }
            if argument.hasPrefix("--shard=") { continue }
            out.append(argument)
        }
        return out
    }

    /// Reads every `manifest-shard-*.json` in `directory`, checks they are the N shards of one
    /// dataset (same pack, seed and options, each index once, all complete) and writes
    /// `manifest.json` and `_SUCCESS`. Returns the merged manifest.
    ///
    /// The merged manifest is a full run's: its command line is the shards' without `--shard`
    /// (unless `commandLine` is given) and its `created_at` the first shard's start (unless
    /// `createdAt` is), so shards run with `SOURCE_DATE_EPOCH` merge into a full run's bytes.
    @discardableResult
    public static func merge(_ directory: String, commandLine: [String]? = nil, createdAt: Int64? = nil) throws(ManifestError) -> Manifest {
        let started = FileSystem.monotonicSeconds()
        let dataset: DatasetDirectory
        do { dataset = try DatasetDirectory.open(directory, create: false, access: .exclusive) } catch { throw ManifestError("\(error)") }
        let root = dataset.root
        let names = ((try? root.names()) ?? []).filter(Manifest.isShardManifestName)
        guard !names.isEmpty else { throw ManifestError("'\(directory)' holds no shard manifests (manifest-shard-*.json)") }
        var shards: [Manifest] = []
        for name in names { shards.append(try Manifest.read(root, name: name)) }
        let first = shards[0]
        guard let count = first.shard?.count else { throw ManifestError("\(names[0]) is not a shard manifest") }
        var seen = Set<Int>()
        for (name, m) in zip(names, shards) {
            guard let s = m.shard, s.count == count else { throw ManifestError("\(name) is not one of \(count) shards") }
            guard m.pack == first.pack, m.seed == first.seed, JSONValue.object(m.options) == JSONValue.object(first.options),
                  m.shardsInPlan == first.shardsInPlan
            else { throw ManifestError("\(name) belongs to another dataset (pack, seed or options differ from \(names[0]))") }
            guard m.status == .complete else { throw ManifestError("shard \(s.index)/\(count) failed: \(m.error ?? "unknown error"); run it again") }
            guard seen.insert(s.index).inserted else { throw ManifestError("shard \(s.index)/\(count) appears twice") }
        }
        let missing = (0..<count).filter { !seen.contains($0) }
        guard missing.isEmpty else {
            throw ManifestError("shards \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) are missing; run them and merge again")
        }
        // Shards whose partial files the merge consumes (ecommerce's sections, jaffle's CSV
        // segments) can be merged once.
        let partialPrefix = ShardCompletion.partialDirectory + "/"
        if shards.contains(where: { $0.otherFiles.contains { $0.path.hasPrefix(partialPrefix) } }) && root.info(Manifest.successFileName) != nil
            && root.kind(ShardCompletion.partialDirectory) == nil
        {
            throw ManifestError("'\(directory)' is already merged (its _SUCCESS is there and the shards' partial files are gone); run the shards again to merge again")
        }
        // A pack whose merge writes more than the shards' files' union (ecommerce's) merges itself.
        let pack = Packs.named(first.pack)
        if let manifest = try pack?.merge(dataset, shards: shards, commandLine: commandLine ?? fullRunCommandLine(shards),
                                          createdAt: createdAt ?? shards.map(\.createdAt).min()!)
        {
            removeLocks(root)
            return manifest
        }
        var tables: [TableRecord] = []
        for table in first.tables {
            var merged = table
            merged.files = []
            merged.plannedRows = 0
            for m in shards {
                guard let t = m.tables.first(where: { $0.name == table.name }) else { continue }
                merged.files += t.files
                merged.plannedRows = min(merged.plannedRows &+ t.plannedRows, Manifest.largestCount)
            }
            merged.files.sort { $0.path < $1.path }
            tables.append(merged)
        }
        // Files every shard writes alike (schema.sql): one copy, the same bytes from each.
        var others: [String: OtherFileRecord] = [:]
        for (name, m) in zip(names, shards) {
            for file in m.otherFiles {
                if let seen = others[file.path], seen != file {
                    throw ManifestError("\(name) lists \(file.path) with other contents than another shard's; run the shards with one StreamGen version")
                }
                others[file.path] = file
            }
        }
        var manifest = Manifest(
            toolVersion: first.toolVersion, status: .complete, error: nil,
            createdAt: createdAt ?? shards.map(\.createdAt).min()!, commandLine: commandLine ?? fullRunCommandLine(shards), pack: first.pack,
            seed: first.seed,
            options: first.options, shard: nil, shardsInPlan: first.shardsInPlan, tables: tables)
        manifest.otherFiles = others.values.sorted { $0.path < $1.path }
        try requirePresent(tables.flatMap({ $0.files.map { ($0.path, $0.bytes) } }) + manifest.otherFiles.map({ ($0.path, $0.bytes) }),
                           root: root, directory: directory)
        // What only every shard's rows together decide: the quality section's counts, and the
        // files computed from every row or listing every file (bronze's metadata, the load script).
        manifest.quality = try QualityTruth.mergeSections(shards.map(\.quality), names: names)
        let consumed = try pack?.completeMerge(&manifest, shards: shards, dataset: dataset) ?? (partials: [], journal: nil)
        manifest.otherFiles += try ShardCompletion.files(manifest, shards: shards, root: root)
        manifest.otherFiles.sort { $0.path < $1.path }
        // A Delta run's tables get their one commit now that every shard's files are in.
        if first.options.first(where: { $0.0 == "format" })?.1.string == OutputFormat.delta.rawValue {
            do { manifest.otherFiles += try DeltaLog.write(manifest, root: root) } catch { throw ManifestError("\(error)") }
            manifest.otherFiles.sort { $0.path < $1.path }
        }
        do {
            try manifest.write(to: root, name: Manifest.fileName)
            try root.writeAtomically(Manifest.successFileName, [])
            if Packs.named(first.pack)?.keepsAuditLog == true {
                AuditLog.record(root, operation: "merge", pack: first.pack, parameters: [("shards", .int(Int64(count)))], seed: first.seed,
                                rows: manifest.tables.reduce(0) { $0 + $1.rows }, seconds: FileSystem.monotonicSeconds() - started)
            }
        } catch {
            throw ManifestError("cannot write the merged manifest: \(error)")
        }
        removePartials(root, consumed.partials)
        if let journal = consumed.journal { dataset.remove(journal) }
        removeLocks(root)
        return manifest
    }

    /// The partial files a merge consumed (`_partial/…`), and their directory once empty.
    static func removePartials(_ root: DirectoryHandle, _ paths: [String]) {
        guard !paths.isEmpty, let directory = try? root.directory(ShardCompletion.partialDirectory, create: false) else { return }
        for p in paths {
            if let path = try? RelativePath(validating: p), path.directoryComponents.elementsEqual([ShardCompletion.partialDirectory]) {
                try? directory.removeFile(path.name)
            }
        }
        _ = root.removeDirectoryIfEmpty(ShardCompletion.partialDirectory)
    }

    /// The fixture directories below `directory` when it is the tree a sharded multi-fixture
    /// run writes (`generate ecommerce --scenario all --shard i/N`: an index, no shard manifest
    /// of its own), to merge one by one; nil when `directory` is one dataset.
    public static func shardedFixtures(_ directory: String) -> [String]? {
        guard let root = try? DirectoryHandle.open(directory, create: false), let names = try? root.names(),
              !names.contains(where: Manifest.isShardManifestName), let index = DatasetTree.read(root), !index.datasets.isEmpty
        else { return nil }
        return index.datasets.map { (directory.hasSuffix("/") ? directory : directory + "/") + $0 }
    }

    /// Checks that every file the shards list is in the directory with its recorded size.
    static func requirePresent(_ files: [(path: String, bytes: Int64)], root: DirectoryHandle, directory: String) throws(ManifestError) {
        for file in files {
            // Safe: Manifest(json:) validated every path.
            let path = try! RelativePath(validating: file.path)
            let info = (try? root.directory(path.directoryComponents, create: false))?.info(path.name)
            guard let info, info.kind == .file, info.size == file.bytes else {
                throw ManifestError("\(file.path) is missing or changed; copy every shard's files into '\(directory)' before merging")
            }
        }
    }

    /// The shards' lock files: the dataset is one run now.
    static func removeLocks(_ root: DirectoryHandle) {
        for name in (try? root.names()) ?? [] where ShardName.parse(name, prefix: ".streamgen-shard-", suffix: ".lock") != nil {
            try? root.removeFile(name)
        }
    }
}
