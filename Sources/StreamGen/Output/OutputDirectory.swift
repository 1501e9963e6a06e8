import Columnar

/// Makes an output directory ready for a run, before anything is written.
enum OutputDirectory {
    /// Opens and locks `path` and clears what an earlier run there left, as `--overwrite` allows:
    ///
    /// - A missing directory is created; an empty one is used as is.
    /// - A full run refuses a non-empty directory unless `overwrite`. With it, everything there
    ///   must be claimed by StreamGen's manifests (each file with the size they give) or journals
    ///   (table directories of interrupted runs); one foreign entry, or a link, refuses the
    ///   whole overwrite before anything is removed.
    /// - A `--shard i/N` run shares the directory with the other shards of its dataset: it
    ///   refuses entries that belong to none of its tables, and replaces only its own earlier
    ///   output, finished or not: a retried shard writes the same bytes again.
    ///
    /// Then the run's journal is written and synced.
    static func prepare(_ path: String, overwrite: Bool, shard: ShardSelection?, tableNames: [String], format: OutputFormat,
                        journal: Journal) throws(GenerateError) -> DatasetDirectory
    {
        let dataset = try DatasetDirectory.open(path, create: true, access: shard.map { .shard($0) } ?? .exclusive)
        let entries = try dataset.entries()
        if !entries.isEmpty {
            if let shard {
                try clearShard(dataset, shard: shard, entries: entries, tableNames: tableNames, format: format)
            } else {
                guard overwrite else {
                    throw .output("the output directory '\(path)' is not empty (\(entries.prefix(3).joined(separator: ", "))\(entries.count > 3 ? ", ..." : "")); pass --overwrite to replace an earlier StreamGen run there, or choose another directory")
                }
                try clearAll(dataset, verb: "overwrite")
            }
        }
        try dataset.write(journal)
        return dataset
    }

    /// Opens `request`'s output directory for a new dataset, locked: empty (a file system's
    /// `lost+found` aside), or cleared of an earlier StreamGen run when `--overwrite` says so
    /// (`overwriteFlag` names the flag in the refusal).
    static func openEmpty(_ request: GenerateRequest, overwriteFlag: String = "--overwrite") throws(GenerateError) -> DatasetDirectory {
        let dataset = try DatasetDirectory.open(request.outDirectory, create: true, access: .exclusive)
        let entries = try dataset.entries()
        if !entries.isEmpty {
            guard request.overwrite else {
                throw .output("the output directory '\(request.outDirectory)' is not empty (\(entries.prefix(3).joined(separator: ", "))); pass \(overwriteFlag) to replace an earlier StreamGen run there, or choose another directory")
            }
            try clearAll(dataset, verb: "overwrite")
        }
        return dataset
    }

    /// Removes everything StreamGen's manifests and journals in `dataset` claim, after checking
    /// that nothing else is there. Returns what was removed.
    @discardableResult
    static func clearAll(_ dataset: DatasetDirectory, verb: String, dryRun: Bool = false) throws(GenerateError) -> Sweep {
        let claims = try Claims.read(dataset.root, displayPath: dataset.path)
        guard !claims.isEmpty else {
            let entries = (try? dataset.names()) ?? []
            throw .output("refusing to \(verb) '\(dataset.path)': it holds no StreamGen manifest or journal, so nothing there is known to be StreamGen's (\(entries.prefix(3).joined(separator: ", "))\(entries.count > 3 ? ", ..." : "")); remove it yourself or choose another directory")
        }
        let sweep = try Sweep.plan(dataset.root, claims: claims, strict: true)
        guard sweep.foreign.isEmpty else {
            throw .output("refusing to \(verb) '\(dataset.path)': it holds entries no StreamGen manifest or journal there claims: \(sweep.foreignSummary); nothing was removed. Remove them or choose another directory")
        }
        if !dryRun { try sweep.execute(dataset.root) }
        return sweep
    }

    /// A shard's view: other shards' files are not foreign; its own earlier output (what its
    /// manifest or journal claims) is cleared, so that a retried shard (a task a cluster engine
    /// runs again after it finished, or after it was killed) succeeds and writes the same bytes.
    static func clearShard(_ dataset: DatasetDirectory, shard: ShardSelection, entries: [String], tableNames: [String],
                           format: OutputFormat) throws(GenerateError)
    {
        // Every shard writes the same schema.sql; shard 0 the ground truth of quality issues.
        let allowed = Set(tableNames).union(tableNames.map { "\($0).\(format.fileExtension)" })
            .union([PostgresScripts.schemaFileName, QualityTruth.directory])
        let foreign = entries.filter { name in
            if allowed.contains(name) || Sweep.isInfrastructure(name) && name != Manifest.fileName && name != Manifest.successFileName { return false }
            if let final = AtomicFile.finalName(ofTemporary: name), allowed.contains(final) || Sweep.isInfrastructure(final) { return false }
            return true
        }
        if !foreign.isEmpty {
            throw .output("'\(dataset.path)' holds entries that are not this dataset's shards: \(foreign.prefix(5).joined(separator: ", ")); use an empty directory")
        }
        let manifestName = Manifest.shardFileName(index: shard.index, count: shard.count)
        let journalName = Journal.shardFileName(index: shard.index, count: shard.count)
        let own = entries.filter { $0 == manifestName || $0 == journalName }
        guard !own.isEmpty else { return }
        let claims = try Claims.read(dataset.root, displayPath: dataset.path, only: Set(own))
        let sweep = try Sweep.plan(dataset.root, claims: claims, strict: false, includeInfrastructure: false)
        try sweep.execute(dataset.root)
        do {
            for name in own { try dataset.root.removeFile(name) }
        } catch {
            throw .output("cannot clear shard \(shard) in '\(dataset.path)': \(error)")
        }
    }
}

/// `streamgen clean DIR`: removes what StreamGen wrote into a directory, whatever state its run
/// ended in (complete, failed, killed, out of disk), and nothing else.
public enum DatasetCleaner {
    /// What a clean removed (or, dry, would remove).
    public struct Report: Sendable {
        /// The dataset directories cleaned: DIR, or its fixture subdirectories.
        public var datasets: [String] = []
        public var files: [String] = []
        public var directories = 0
        public var bytes: Int64 = 0
    }

    /// Cleans `path`: a dataset directory (it holds a manifest or a journal), or a directory of
    /// such datasets (`generate ecommerce --scenario all` writes one per scenario). Everything
    /// removed must be claimed; one foreign entry refuses the whole clean before anything goes.
    /// A directory emptied by the clean stays (it is the caller's).
    public static func clean(_ path: String, dryRun: Bool) throws(GenerateError) -> Report {
        let dataset = try DatasetDirectory.open(path, create: false, access: .exclusive)
        var report = Report()
        let claims = try Claims.read(dataset.root, displayPath: path)
        if !claims.isEmpty {
            let sweep = try OutputDirectory.clearAll(dataset, verb: "clean", dryRun: dryRun)
            report.add(sweep, dataset: path)
            return report
        }
        // A directory of datasets: every entry a directory StreamGen claims, or a file the
        // tree's index claims with its size (the index itself too).
        var names = try dataset.entries()
        guard !names.isEmpty else { return report }
        var treeFiles: [(name: String, bytes: Int64)] = []
        if let index = DatasetTree.read(dataset.root), let own = try? dataset.root.openFile(DatasetTree.indexName) {
            treeFiles.append((DatasetTree.indexName, own.size))
            for f in index.files where names.contains(f.name) {
                guard dataset.root.kind(f.name) == .file, let file = try? dataset.root.openFile(f.name), file.size == f.bytes else {
                    throw .output("refusing to clean '\(path)': '\(RelativePath.printable(f.name))' is not the file the tree's \(DatasetTree.indexName) records (changed or replaced); nothing was removed")
                }
                treeFiles.append(f)
            }
            names.removeAll { n in treeFiles.contains { $0.name == n } }
        }
        var children: [(String, DatasetDirectory)] = []
        for name in names {
            let childPath = path.hasSuffix("/") ? path + name : path + "/" + name
            guard dataset.root.kind(name) == .directory, let child = try? DatasetDirectory.open(childPath, create: false, access: .exclusive),
                  child.root.isSameDirectory(as: (try? dataset.root.directory(name, create: false)) ?? child.root),
                  let childClaims = try? Claims.read(child.root, displayPath: childPath), !childClaims.isEmpty
            else {
                throw .output("refusing to clean '\(path)': it holds no StreamGen manifest or journal, and '\(RelativePath.printable(name))' is not a StreamGen dataset either; nothing was removed")
            }
            children.append((childPath, child))
        }
        // Plan every child before removing from any.
        var sweeps: [(String, DatasetDirectory, Sweep)] = []
        for (childPath, child) in children {
            sweeps.append((childPath, child, try OutputDirectory.clearAll(child, verb: "clean", dryRun: true)))
        }
        for (childPath, child, sweep) in sweeps {
            if !dryRun {
                try sweep.execute(child.root)
                dataset.root.removeDirectoryIfEmpty(String(childPath.split(separator: "/").last ?? ""))
            }
            report.add(sweep, dataset: childPath)
        }
        // The tree's own files last, the index after what it claims.
        for f in treeFiles.reversed() {
            if !dryRun {
                do { try dataset.root.removeFile(f.name) } catch { throw .output("cleaning '\(path)': \(error)") }
            }
            report.files.append((path.hasSuffix("/") ? path : path + "/") + f.name)
            report.bytes += f.bytes
        }
        return report
    }
}

extension DatasetCleaner.Report {
    mutating func add(_ sweep: Sweep, dataset: String) {
        datasets.append(dataset)
        files += sweep.files.map { dataset + "/" + $0.description }
        directories += sweep.directories.count
        bytes += sweep.bytes
    }
}
