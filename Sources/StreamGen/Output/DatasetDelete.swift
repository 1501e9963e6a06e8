import Columnar

/// `streamgen delete DIR --scope all|facts|dimensions` (spec 003's delete): removes a scope of a
/// dataset's tables, only the files its manifest claims, and rewrites the manifest so it stays
/// true. `all` is `clean`; `facts` and `dimensions` need a pack that names its dimension tables.
///
/// The removal is journaled: the journal claiming the files goes first, then the manifest
/// without them, then the files; a crash in between leaves files the journal claims, which
/// `clean` (or the next delete) removes.
public enum DatasetDelete {
    public enum Scope: String, Sendable, CaseIterable {
        case all, facts, dimensions
    }

    /// What a delete removed (or, dry, would remove), per table.
    public struct Report: Sendable {
        public struct Table: Sendable {
            public var name: String
            public var files: Int
            public var rows: Int64
            public var bytes: Int64
        }

        public var directory: String
        public var scope: Scope
        public var tables: [Table] = []
        public var files: [String] = []
        public var bytes: Int64 = 0
        public var rows: Int64 { tables.reduce(0) { $0 + $1.rows } }
    }

    public static func run(_ path: String, scope: Scope, dryRun: Bool) throws(GenerateError) -> Report {
        var report = Report(directory: path, scope: scope)
        if scope == .all {
            // The tables as the manifest lists them, for the report; then what `clean` removes.
            if let dataset = try? DatasetDirectory.open(path, create: false, access: .read),
               let manifest = try? Manifest.read(dataset.root, name: Manifest.fileName)
            {
                report.tables = manifest.tables.map { Report.Table(name: $0.name, files: $0.files.count, rows: $0.rows, bytes: $0.bytes) }
            }
            let cleaned = try DatasetCleaner.clean(path, dryRun: dryRun)
            report.files = cleaned.files
            report.bytes = cleaned.bytes
            return report
        }
        let dataset = try DatasetDirectory.open(path, create: false, access: .exclusive)
        var manifest: Manifest
        do { manifest = try Manifest.read(dataset.root, name: Manifest.fileName) } catch { throw .output("cannot delete from '\(path)': \(error)") }
        guard manifest.status == .complete else {
            throw .output("'\(path)' holds a failed run (its manifest says failed); `streamgen delete --scope all` or `streamgen clean` removes it")
        }
        guard let pack = Packs.named(manifest.pack), !pack.dimensionTables.isEmpty else {
            throw .invalidOption("--scope \(scope.rawValue): the \(manifest.pack) pack names no dimension tables; use --scope all")
        }
        let dimensions = Set(pack.dimensionTables)
        let chosen = manifest.tables.filter { (scope == .dimensions) == dimensions.contains($0.name) && !$0.files.isEmpty }
        let companions = scope == .facts ? pack.factCompanions : []
        let others = manifest.otherFiles.filter { f in companions.contains { f.path.hasPrefix($0 + "/") } }
        // Every file must be there as the manifest records it, or nothing goes.
        var paths: [RelativePath] = []
        var bad: [String] = []
        for (text, size) in chosen.flatMap({ $0.files.map { ($0.path, $0.bytes) } }) + others.map({ ($0.path, $0.bytes) }) {
            guard let p = try? RelativePath(validating: text) else { bad.append(text); continue }
            let parent = p.directoryComponents
            guard let dir = parent.isEmpty ? dataset.root : try? dataset.root.directory(parent, create: false) else { bad.append("\(text) (its directory is missing or a link)"); continue }
            guard let info = dir.info(p.name) else { bad.append("\(text) (missing)"); continue }
            guard info.kind == .file else { bad.append("\(text) (not a regular file)"); continue }
            guard info.size == size else { bad.append("\(text) (\(info.size) bytes where the manifest claims \(size))"); continue }
            paths.append(p)
            report.bytes += size
        }
        guard bad.isEmpty else {
            throw .output("refusing to delete from '\(path)': \(bad.prefix(3).joined(separator: ", "))\(bad.count > 3 ? " and \(bad.count - 3) more" : ""); nothing was removed")
        }
        report.tables = chosen.map { Report.Table(name: $0.name, files: $0.files.count, rows: $0.rows, bytes: $0.bytes) }
        if !others.isEmpty { report.tables.append(Report.Table(name: companions.joined(separator: ", "), files: others.count, rows: 0, bytes: others.reduce(0) { $0 + $1.bytes })) }
        report.files = paths.map { path + "/" + $0.description }
        if dryRun { return report }
        guard !paths.isEmpty else { return report }
        // The journal, then the true manifest, then the files.
        let journal = Journal(pack: manifest.pack, pid: FileSystem.processID(), startedAt: FileSystem.now(), commandLine: CommandLine.arguments,
                              shard: nil, claims: paths.map { .file($0) })
        try dataset.write(journal)
        let names = Set(chosen.map(\.name))
        for i in manifest.tables.indices where names.contains(manifest.tables[i].name) {
            manifest.tables[i].files = []
            manifest.tables[i].plannedRows = 0
        }
        manifest.otherFiles.removeAll { f in others.contains { $0.path == f.path } }
        var deleted = manifest.options.first { $0.0 == "deleted" }?.1.array?.compactMap(\.string) ?? []
        deleted += chosen.map(\.name).filter { !deleted.contains($0) }
        manifest.options.removeAll { $0.0 == "deleted" }
        manifest.options.append(("deleted", .array(deleted.map(JSONValue.string))))
        do { try manifest.write(to: dataset.root, name: Manifest.fileName) } catch {
            dataset.remove(journal)
            throw .output("cannot rewrite the manifest of '\(path)': \(error); nothing was removed")
        }
        var sweep = Sweep()
        sweep.files = paths
        sweep.directories = Array(Set(paths.compactMap { $0.components.count > 1 ? try? RelativePath(components: Array($0.components.dropLast())) : nil }))
        try sweep.execute(dataset.root)
        dataset.remove(journal)
        AuditLog.record(dataset.root, operation: "delete", pack: manifest.pack, parameters: [
            ("scope", .string(scope.rawValue)), ("tables", .array(chosen.map { .string($0.name) })),
        ], seed: manifest.seed, rows: report.rows, seconds: 0)
        return report
    }
}
