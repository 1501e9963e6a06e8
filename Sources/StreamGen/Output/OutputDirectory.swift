import Columnar

/// Checks and prepares the output directory before a run writes anything.
enum OutputDirectory {
    /// - A missing directory is created.
    /// - An empty one is used as is.
    /// - A full run refuses a non-empty directory unless `overwrite`; with it, removes exactly
    ///   what earlier StreamGen manifests there claim (and their temporary files), and refuses if
    ///   anything else remains.
    /// - A `--shard i/N` run shares its directory with the other shards of the same dataset:
    ///   it refuses only files that are not theirs, or its own earlier output without `overwrite`.
    static func prepare(_ directory: String, options: GenerateOptions, manifestName: String, tableNames: [String]) throws(GenerateError) {
        let entries = try existingEntries(directory)
        if entries.isEmpty { return }

        if let shard = options.shard {
            let own = entries.contains(manifestName)
            if own && !options.overwrite {
                throw .output("'\(directory)' already holds shard \(shard) of this dataset (\(manifestName)); pass --overwrite to write it again")
            }
            let allowed = Set(tableNames).union(tableNames.map { "\($0).\(options.format.fileExtension)" })
            let foreign = entries.filter { !allowed.contains($0) && !($0.hasPrefix("manifest-shard-") && $0.hasSuffix(".json")) }
            if !foreign.isEmpty {
                throw .output("'\(directory)' holds entries that are not this dataset's shards: \(foreign.prefix(5).joined(separator: ", ")); use an empty directory")
            }
            if own { try removeClaimed(directory, manifests: [manifestName]) }
            return
        }
        guard options.overwrite else {
            throw .output("the output directory '\(directory)' is not empty (\(entries.prefix(3).joined(separator: ", "))\(entries.count > 3 ? ", ..." : "")); pass --overwrite to replace an earlier StreamGen run there, or choose another directory")
        }
        let manifests = entries.filter { $0 == Manifest.fileName || ($0.hasPrefix("manifest-shard-") && $0.hasSuffix(".json")) }
        try removeClaimed(directory, manifests: manifests)
        let left: [String]
        do { left = try FileSystem.walk(directory) } catch { throw .output("cannot read '\(directory)': \(error)") }
        if !left.isEmpty {
            throw .output("refusing to overwrite '\(directory)': it holds files no StreamGen manifest there claims (\(left.prefix(3).joined(separator: ", "))\(left.count > 3 ? ", ..." : "")); remove them or choose another directory")
        }
    }

    /// The names in `directory`, which is created when missing (and then holds none).
    static func existingEntries(_ directory: String) throws(GenerateError) -> [String] {
        switch FileSystem.kind(directory) {
        case nil:
            do { try FileSystem.makeDirectories(directory) } catch {
                throw .output("cannot create the output directory '\(directory)': \(error)")
            }
            return []
        case .directory:
            do { return try FileSystem.list(directory) } catch { throw .output("cannot read the output directory '\(directory)': \(error)") }
        default:
            throw .output("'\(directory)' exists and is not a directory")
        }
    }

    /// Removes the files the manifests claim, the manifests, `_SUCCESS`, StreamGen's temporary
    /// files beside claimed files, and directories left empty.
    static func removeClaimed(_ directory: String, manifests: [String]) throws(GenerateError) {
        var claimed: [String] = []
        for name in manifests {
            let manifest: Manifest
            do { manifest = try Manifest.read(directory + "/" + name) } catch {
                throw .output("refusing to overwrite '\(directory)': \(error)")
            }
            for table in manifest.tables {
                for file in table.files {
                    if file.path.hasPrefix("/") || file.path.split(separator: "/").contains("..") {
                        throw .output("refusing to overwrite '\(directory)': \(name) claims a path outside it (\(file.path))")
                    }
                    claimed.append(file.path)
                }
            }
        }
        do {
            var directories = Set<String>()
            for path in claimed {
                try FileSystem.remove(directory + "/" + path)
                var parts = path.split(separator: "/").dropLast()
                while !parts.isEmpty {
                    directories.insert(parts.joined(separator: "/"))
                    parts = parts.dropLast()
                }
            }
            // Temporary files of interrupted runs sit in the same directories: `.name.pid-n.tmp`.
            for d in directories {
                for name in (try? FileSystem.list(directory + "/" + d)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                    try FileSystem.remove(directory + "/" + d + "/" + name)
                }
            }
            for name in (try? FileSystem.list(directory)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                try FileSystem.remove(directory + "/" + name)
            }
            for d in directories.sorted(by: { $0.count > $1.count }) {
                FileSystem.removeDirectoryIfEmpty(directory + "/" + d)
            }
            for name in manifests { try FileSystem.remove(directory + "/" + name) }
            try FileSystem.remove(directory + "/" + Manifest.successFileName)
        } catch {
            throw .output("cannot clear '\(directory)': \(error)")
        }
    }
}
