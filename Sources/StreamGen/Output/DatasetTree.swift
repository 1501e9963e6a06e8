import Columnar

/// A directory of datasets one run wrote side by side (a pack's fixtures, one per scenario) and
/// its index, `fixtures.json`: the datasets, and the files beside them the run wrote (each with
/// its size and SHA-256). `clean` removes those files with the datasets when their sizes still
/// match; `validate` and `status` take the tree's directory for all its datasets.
public enum DatasetTree {
    public static let indexName = "fixtures.json"

    struct Index {
        var datasets: [String]
        var files: [(name: String, bytes: Int64)]
    }

    /// Writes `root`'s index: its subdirectories holding a manifest, and `files` (names in
    /// `root`, already written). Replaced in one rename.
    static func writeIndex(_ root: DirectoryHandle, pack: String, files: [String]) throws(ColumnarError) {
        // A fixture is a directory with a manifest, or with a shard's (a sharded run's shard 0
        // writes the index before the merge): both name the fixtures the run writes.
        let datasets = try root.names().sorted().filter { name in
            guard root.kind(name) == .directory, let directory = try? root.directory(name, create: false) else { return false }
            return (try? directory.openFile(Manifest.fileName)) != nil || ((try? directory.names()) ?? []).contains(where: Manifest.isShardManifestName)
        }
        var records: [JSONValue] = []
        for name in files {
            let file = try root.openFile(name)
            records.append(.object([("path", .string(name)), ("bytes", .int(file.size)), ("sha256", .string(try file.sha256()))]))
        }
        let index = JSONValue.object([
            ("generator", .string("streamgen")), ("pack", .string(pack)),
            ("fixtures", .array(datasets.map { .string($0) })), ("files", .array(records)),
        ])
        try root.writeAtomically(indexName, Array(index.serialized().utf8) + [10])
    }

    /// `root`'s index, names checked as single path components; nil when it holds none (or a
    /// malformed one).
    static func read(_ root: DirectoryHandle) -> Index? {
        guard let bytes = try? root.read(indexName, limit: 1 << 20),
              let index = try? JSONValue.parse(String(decoding: bytes, as: UTF8.self)),
              case .array(let datasets)? = index["fixtures"], case .array(let files)? = index["files"]
        else { return nil }
        var claimed: [(String, Int64)] = []
        for f in files {
            guard let name = f["path"]?.string, RelativePath.problem(component: name) == nil, let size = f["bytes"]?.intValue else { return nil }
            claimed.append((name, size))
        }
        return Index(datasets: datasets.compactMap(\.string).filter { RelativePath.problem(component: $0) == nil }, files: claimed)
    }

    /// The dataset directories of the tree at `path`, as its index lists them; nil when `path`
    /// is not a tree (it holds a manifest of its own, or no index).
    public static func datasetDirectories(in path: String) -> [String]? {
        guard let root = try? DirectoryHandle.open(path, create: false), (try? root.openFile(Manifest.fileName)) == nil,
              let index = read(root) else { return nil }
        return index.datasets.map { (path.hasSuffix("/") ? path : path + "/") + $0 }
    }
}
