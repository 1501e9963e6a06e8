import Columnar

/// What StreamGen's manifests and journals in one directory claim: the only things it may remove.
struct Claims: Sendable {
    /// Files a manifest lists, with the size it gives and, for files that are not table data
    /// (SQL scripts, metadata, ground truth), the SHA-256.
    var files: [RelativePath: (size: Int64, sha256: String?)] = [:]
    /// Table directories a journal names, by top-level name.
    var trees: [String: [TreeClaim]] = [:]
    /// Single files a journal names.
    var journalFiles: Set<RelativePath> = []
    /// The manifests and journals read, by name.
    var manifests: [String: Manifest] = [:]
    var journals: [String: Journal] = [:]

    struct TreeClaim: Sendable {
        var partitionKeys: [String]
        var extensions: Set<String>
        var datePartition: Int?
        var only: Set<String>?
        var files: Set<String> = []
    }

    var isEmpty: Bool { manifests.isEmpty && journals.isEmpty }

    /// Whether a path lies on the way to a claimed file (a directory holding one).
    func leadsToClaim(_ prefix: [String]) -> Bool {
        files.keys.contains { $0.components.count > prefix.count && Array($0.components.prefix(prefix.count)) == prefix }
            || journalFiles.contains { $0.components.count > prefix.count && Array($0.components.prefix(prefix.count)) == prefix }
    }

    /// Reads every manifest and journal at the top of `root` (or only `names`, when given). A
    /// manifest or journal that cannot be read, or that names a path outside the directory,
    /// stops everything: nothing is removed on the word of a file StreamGen cannot trust.
    static func read(_ root: DirectoryHandle, displayPath: String, only names: Set<String>? = nil) throws(GenerateError) -> Claims {
        var claims = Claims()
        let entries: [String]
        do { entries = try root.names() } catch { throw .output("cannot read '\(displayPath)': \(error)") }
        for name in entries where names?.contains(name) ?? true {
            if name == Manifest.fileName || Manifest.isShardManifestName(name) {
                let manifest: Manifest
                do { manifest = try Manifest.read(root, name: name) } catch {
                    throw .output("refusing to remove anything in '\(displayPath)': \(error)")
                }
                claims.manifests[name] = manifest
                for table in manifest.tables {
                    for file in table.files {
                        let path: RelativePath
                        do { path = try RelativePath(validating: file.path) } catch {
                            throw .output("refusing to remove anything in '\(displayPath)': \(name) claims a path outside it: \(error)")
                        }
                        guard Sweep.isDataFile(path, table: table.name) else {
                            throw .output("refusing to remove anything in '\(displayPath)': \(name) claims '\(RelativePath.printable(file.path))', which is not a file StreamGen writes for table '\(table.name)'")
                        }
                        claims.files[path] = (file.bytes, nil)
                    }
                }
                for file in manifest.otherFiles {
                    let path: RelativePath
                    do { path = try RelativePath(validating: file.path) } catch {
                        throw .output("refusing to remove anything in '\(displayPath)': \(name) claims a path outside it: \(error)")
                    }
                    claims.files[path] = (file.bytes, file.sha256)
                }
            } else if Journal.isJournalName(name) {
                let journal: Journal
                do { journal = try Journal.read(root, name: name) } catch {
                    throw .output("refusing to remove anything in '\(displayPath)': \(error)")
                }
                claims.journals[name] = journal
                for claim in journal.claims {
                    switch claim {
                    case .tree(let table, let keys, let extensions, let datePartition, let only, let files):
                        claims.trees[table, default: []].append(
                            TreeClaim(partitionKeys: keys, extensions: Set(extensions), datePartition: datePartition, only: only.map(Set.init),
                                      files: Set(files)))
                    case .file(let path):
                        claims.journalFiles.insert(path)
                    }
                }
            }
        }
        return claims
    }
}

/// The removal of what StreamGen's claims cover, planned in full before anything is touched.
///
/// `plan` walks the directory through descriptors, never following a link, and sorts every
/// entry into removable (a manifest's file with the size the manifest gives, a journal's table
/// files in their partition directories, StreamGen's own manifests, journals, locks and
/// temporary files) or foreign (anything else: a file nobody claims, a claimed file whose size
/// changed, a link, a FIFO, a directory of another shape). With `strict`, one foreign entry
/// stops the whole removal before it starts.
struct Sweep: Sendable {
    var files: [RelativePath] = []
    /// Directories to remove once empty, deepest first.
    var directories: [RelativePath] = []
    var bytes: Int64 = 0
    /// Foreign entries: the path and why it is not StreamGen's.
    var foreign: [String] = []

    var isEmpty: Bool { files.isEmpty && directories.isEmpty }

    /// `part-NNNNN.<ext>`: a data file's name.
    static func isPartFileName(_ name: String, extensions: Set<String>? = nil) -> Bool {
        guard name.hasPrefix("part-"), let dot = name.lastIndex(of: ".") else { return false }
        let digits = name.utf8.dropFirst(5).prefix(while: { $0 != UInt8(ascii: ".") })
        let ext = String(name[name.index(after: dot)...])
        guard (5...10).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              name.utf8.count == 5 + digits.count + 1 + ext.utf8.count
        else { return false }
        return extensions.map { $0.contains(ext) } ?? OutputFormat.allCases.contains { $0.fileExtension == ext }
    }

    /// Whether `path` has the shape of one of `table`'s data files: `table.<ext>` (flat) or
    /// `table/[key=value/...]part-NNNNN.<ext>`.
    /// A pack may group its tables in folders (jaffle's `training/raw_orders_training.csv`):
    /// one safe folder name before the table's own path.
    static func isDataFile(_ path: RelativePath, table: String) -> Bool {
        let c = path.components
        if c.count >= 2, c[0] != table, isSafeName(c[0]), let inner = try? RelativePath(components: Array(c.dropFirst())),
           isTableFile(inner, table: table) { return true }
        return isTableFile(path, table: table)
    }

    /// `table.<ext>`, or below `table/`: `key=value` folders, then a part file or a named file.
    private static func isTableFile(_ path: RelativePath, table: String) -> Bool {
        let c = path.components
        if c.count == 1 {
            return OutputFormat.allCases.contains { c[0] == "\(table).\($0.fileExtension)" }
        }
        guard c[0] == table, isPartFileName(c[c.count - 1]) || (c.count == 2 && isNamedDataFile(c[1])) else { return false }
        return c.dropFirst().dropLast().allSatisfy { $0.contains("=") && !$0.hasPrefix("=") }
    }

    /// `name.<ext>` with a safe base name: a table's single file (`customers/customers.parquet`).
    static func isNamedDataFile(_ name: String) -> Bool {
        OutputFormat.allCases.contains { f in
            name.hasSuffix("." + f.fileExtension) && isSafeName(String(name.dropLast(f.fileExtension.count + 1)))
        }
    }

    /// StreamGen's own files at the top of a directory: manifests, `_SUCCESS`, journals, shard locks.
    static func isInfrastructure(_ name: String) -> Bool {
        name == Manifest.fileName || name == Manifest.successFileName || name == AuditLog.fileName || Manifest.isShardManifestName(name) || Journal.isJournalName(name)
            || ShardName.parse(name, prefix: ".streamgen-shard-", suffix: ".lock") != nil
    }

    /// Plans the removal of what `claims` covers in `root`. Without `strict`, entries no claim
    /// covers are left alone instead of being reported (a shard clearing only its own files).
    static func plan(_ root: DirectoryHandle, claims: Claims, strict: Bool, includeInfrastructure: Bool = true) throws(GenerateError) -> Sweep {
        var sweep = Sweep()
        do { try sweep.visit(root, [], claims: claims, strict: strict, infrastructure: includeInfrastructure) } catch {
            throw .output("cannot read '\(root.displayPath)': \(error)")
        }
        return sweep
    }

    private enum Place {
        case top
        /// Inside a journal's tree claim, at `depth` levels of partition directories.
        case tree(table: String, depth: Int, dateValue: String?)
        /// A directory on the way to files a manifest or journal names.
        case prefix
    }

    private mutating func visit(_ dir: DirectoryHandle, _ at: [String], claims: Claims, strict: Bool, infrastructure: Bool) throws(ColumnarError) {
        try visit(dir, at, place: .top, claims: claims, strict: strict, infrastructure: infrastructure)
    }

    private mutating func visit(_ dir: DirectoryHandle, _ at: [String], place: Place, claims: Claims, strict: Bool, infrastructure: Bool)
        throws(ColumnarError)
    {
        let names = try dir.names()
        for name in names {
            let path = at + [name]
            let shown = RelativePath.printable(path.joined(separator: "/"))
            guard let info = dir.info(name) else { continue }  // gone meanwhile
            func refuse(_ why: String? = nil) {
                if strict { foreign.append(why.map { "\(shown) (\($0))" } ?? shown) }
            }
            func remove() {
                // Safe: each component was read from the directory itself, so none is `..` or holds `/`.
                files.append(try! RelativePath(components: path))
                bytes += info.size
            }
            let claimed = (try? RelativePath(components: path)).flatMap { claims.files[$0] }
            let isJournalFile = (try? RelativePath(components: path)).map { claims.journalFiles.contains($0) } ?? false

            if info.kind == .directory {
                if case .top = place, name == "lost+found" { continue }  // a file system's own, at a mount root
                var next: Place?
                switch place {
                case .top:
                    if claims.trees[name] != nil { next = .tree(table: name, depth: 0, dateValue: nil) }
                    else if claims.leadsToClaim(path) { next = .prefix }
                case .tree(let table, let depth, let dateValue):
                    let trees = claims.trees[table] ?? []
                    if let tree = trees.first(where: { depth < $0.partitionKeys.count }), name.hasPrefix(tree.partitionKeys[depth] + "="),
                       name.utf8.count > tree.partitionKeys[depth].utf8.count + 1
                    {
                        let value = String(name.dropFirst(tree.partitionKeys[depth].count + 1))
                        next = .tree(table: table, depth: depth + 1, dateValue: tree.datePartition == depth ? value : dateValue)
                    } else if claims.leadsToClaim(path) {
                        next = .prefix
                    }
                case .prefix:
                    if claims.leadsToClaim(path) { next = .prefix }
                }
                guard let next else { refuse("a directory no claim covers"); continue }
                let sub = try dir.directory(name, create: false)
                let before = foreign.count
                try visit(sub, path, place: next, claims: claims, strict: strict, infrastructure: infrastructure)
                if foreign.count == before { directories.append(try! RelativePath(components: path)) }
                continue
            }
            if info.kind == .symlink { refuse("a symbolic link"); continue }
            if info.kind != .file { refuse("not a regular file"); continue }

            if case .top = place, Sweep.isInfrastructure(name) || AtomicFile.finalName(ofTemporary: name).map(Sweep.isInfrastructure) == true {
                if infrastructure { remove() }
                continue
            }
            if let claimed {
                if claimed.size != info.size {
                    refuse("\(info.size) bytes where the manifest claims \(claimed.size)")
                    continue
                }
                if let expected = claimed.sha256 {
                    let digest = try dir.openFile(name).sha256()
                    if digest != expected { refuse("its SHA-256 differs from the manifest's"); continue }
                }
                remove()
                continue
            }
            if isJournalFile { remove(); continue }
            // A temporary file of a claimed name, beside it.
            if let final = AtomicFile.finalName(ofTemporary: name) {
                let finalPath = (try? RelativePath(components: at + [final]))
                if let finalPath, claims.files[finalPath] != nil || claims.journalFiles.contains(finalPath) { remove(); continue }
                if case .tree(let table, let depth, let dateValue) = place, treeClaims(table, final, depth: depth, dateValue: dateValue, claims) {
                    remove()
                    continue
                }
                refuse("a temporary file nothing here claims")
                continue
            }
            if case .tree(let table, let depth, let dateValue) = place, treeClaims(table, name, depth: depth, dateValue: dateValue, claims) {
                remove()
                continue
            }
            refuse()
        }
    }

    /// Whether a journal's tree claim on `table` covers file `name` found `depth` partition
    /// levels down.
    private func treeClaims(_ table: String, _ name: String, depth: Int, dateValue: String?, _ claims: Claims) -> Bool {
        for tree in claims.trees[table] ?? [] where tree.partitionKeys.count == depth
            && (Sweep.isPartFileName(name, extensions: tree.extensions) || tree.files.contains(name))
        {
            guard let only = tree.only else { return true }
            if only.contains(tree.datePartition == nil ? name : "\(dateValue ?? "")/\(name)") { return true }
        }
        return false
    }

    /// Removes what the plan lists: files first, then directories deepest first, each through
    /// descriptors opened without following links.
    func execute(_ root: DirectoryHandle) throws(GenerateError) {
        do {
            var cache: (key: ArraySlice<String>, handle: DirectoryHandle)?
            for file in files {
                let parent = file.directoryComponents
                let dir: DirectoryHandle
                if let cache, cache.key == parent { dir = cache.handle } else {
                    dir = parent.isEmpty ? root : try root.directory(parent, create: false)
                    cache = (parent, dir)
                }
                try dir.removeFile(file.name)
            }
            for directory in directories.sorted(by: { $0.components.count > $1.components.count }) {
                let parent = directory.directoryComponents
                let dir = parent.isEmpty ? root : try root.directory(parent, create: false)
                dir.removeDirectoryIfEmpty(directory.name)
            }
            root.sync()
        } catch {
            throw .output("cannot clear '\(root.displayPath)': \(error)")
        }
    }

    /// "notes.txt, fake_users/x (a symbolic link), ... and 4 more"
    var foreignSummary: String {
        foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", ... and \(foreign.count - 5) more" : "")
    }
}
