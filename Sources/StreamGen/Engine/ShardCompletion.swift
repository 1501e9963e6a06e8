import Columnar

/// What `manifest merge` finishes of a sharded run beyond listing its files, so that the merged
/// directory is the full run's: the quality section (each shard counted the rows it wrote with
/// each issue; `QualityTruth.mergeSections` sums them) and the files a declarative pack writes
/// from every row's figures (bronze's `*_metadata.json`), from the figures each shard recorded.
enum ShardCompletion {
    /// Writes the pack's sidecar files for `manifest` (merged from `shards`) into `root` and
    /// returns their records; none when the shards recorded no figures.
    static func sidecars(_ manifest: Manifest, shards: [Manifest], root: DirectoryHandle) throws(ManifestError) -> [OtherFileRecord] {
        guard shards.contains(where: { $0.partialFigures != nil }) else { return [] }
        guard let pack = Packs.named(manifest.pack) as? DeclarativePack, let extras = pack.extras else {
            throw ManifestError("the shards of '\(manifest.pack)' recorded figures for files only a built-in pack writes, and this StreamGen has no such pack; merge with the StreamGen that wrote them")
        }
        let prepared = try plan(pack, manifest)
        var position: [String: Int] = [:]
        for t in prepared.selectedTables { position[prepared.tables[t].name] = t }
        var figures: [Int: [ColumnFigures]] = [:]
        // Shard order, so the sums are added in one order whoever merges.
        for m in shards.sorted(by: { ($0.shard?.index ?? 0) < ($1.shard?.index ?? 0) }) {
            guard let partial = m.partialFigures else {
                throw ManifestError("shard \(m.shard?.index ?? 0) recorded no figures, the others did: the shards are not of one run")
            }
            for (name, columns) in partial {
                guard let t = position[name], columns.count == prepared.tables[t].fileSchema.columns.count else {
                    throw ManifestError("shard \(m.shard?.index ?? 0)'s figures name table '\(name)', which the run does not write as recorded")
                }
                var merged = figures[t] ?? [ColumnFigures](repeating: ColumnFigures(), count: columns.count)
                for c in columns.indices { merged[c].merge(columns[c]) }
                figures[t] = merged
            }
        }
        let run = CompletedRun(prepared: prepared, files: manifest.tables.flatMap(\.files), figures: figures, createdAt: manifest.createdAt)
        do {
            return try extras.sidecarFiles(run).map { (file) throws(ColumnarError) in try root.writeOtherFile(file.path, file.bytes) }
        } catch {
            throw ManifestError("writing the merged run's files: \(error)")
        }
    }

    /// A CSV run's `load_postgres.sql`, which lists every file of every shard: written by the
    /// merge for a built-in pack (a YAML schema's tables are not known to the merge).
    static func loadScript(_ manifest: Manifest, root: DirectoryHandle) throws(ManifestError) -> [OtherFileRecord] {
        guard JSONValue.object(manifest.options)["format"]?.string == OutputFormat.csv.rawValue,
              let pack = Packs.named(manifest.pack) as? DeclarativePack
        else { return [] }
        let prepared = try plan(pack, manifest)
        let files = manifest.tables.flatMap(\.files)
        do {
            return try StreamGenEngine.postgresScripts(prepared, files: files).filter { $0.0.name == PostgresScripts.loadFileName }.map {
                (script) throws(ColumnarError) in try root.writeOtherFile(script.0, Array(script.1.utf8))
            }
        } catch {
            throw ManifestError("writing the merged run's \(PostgresScripts.loadFileName): \(error)")
        }
    }

    /// The run the shards make up, planned again from what their manifests record; refused
    /// unless its recorded options are exactly theirs.
    static func plan(_ pack: DeclarativePack, _ manifest: Manifest) throws(ManifestError) -> StreamGenEngine.Prepared {
        let recorded = JSONValue.object(manifest.options)
        var o = GenerateOptions(pack: pack.spec, outDirectory: ".")
        o.seed = manifest.seed
        o.startDay = recorded["start"]?.string.flatMap(parseISODate)
        o.days = recorded["days"]?.int.map { Int($0) }
        if let rows = recorded["rows"]?.int { o.rows = Int(rows) } else if let scale = recorded["scale"]?.doubleValue { o.scale = scale }
        o.tables = recorded["tables"]?.array?.compactMap(\.string)
        if let f = recorded["format"]?.string.flatMap(OutputFormat.init(rawValue:)) { o.format = f }
        if let l = recorded["layout"]?.string.flatMap(OutputLayout.init(rawValue:)) { o.layout = l }
        if let c = recorded["compression"]?.string.flatMap({ CompressionCodec(name: $0) }) { o.codec = c }
        if let z = recorded["zstd_level"]?.int { o.zstdLevel = Int32(clamping: z) }
        if let c = recorded["chunk_rows"]?.int { o.chunkRows = Int(c) }
        if let s = recorded["shard_rows"]?.int { o.shardRows = Int(s) }
        // `--clean` is not an option the manifest records; the quality section says it.
        o.quality = manifest.quality != nil
        o.extras = pack.extras
        let prepared: StreamGenEngine.Prepared
        do { prepared = try StreamGenEngine.prepare(o) } catch {
            throw ManifestError("cannot plan again the run the shards make up: \(error)")
        }
        guard JSONValue.object(StreamGenEngine.recordedOptions(prepared)) == recorded else {
            throw ManifestError("the run the shards make up, planned again, records other options than theirs; merge with the StreamGen that wrote them")
        }
        return prepared
    }
}
