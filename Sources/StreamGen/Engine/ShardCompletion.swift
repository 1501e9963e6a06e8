import Columnar

/// What `manifest merge` finishes of a sharded run beyond listing its files, so that the merged
/// directory is the full run's (besides the quality section, which `QualityTruth.mergeSections`
/// sums): the files a declarative pack writes from every row's figures (bronze's
/// `*_metadata.json`), from the figures each shard recorded, and a CSV run's load script.
enum ShardCompletion {
    /// Where a pack's shards leave what the merge consumes and removes (ecommerce's sections,
    /// jaffle's CSV segments): not a table's, not in a full run.
    static let partialDirectory = "_partial"

    /// Writes into `root` the files of `manifest` (merged from `shards`) that only every shard's
    /// rows decide, and returns their records: a declarative pack's sidecars from the figures
    /// the shards recorded, and a CSV run's `load_postgres.sql`, which lists every shard's files.
    /// The run is planned again once, only when one of them is due; a YAML schema's tables are
    /// not known to the merge, so its sharded CSV run gets no load script.
    static func files(_ manifest: Manifest, shards: [Manifest], root: DirectoryHandle) throws(ManifestError) -> [OtherFileRecord] {
        let figured = shards.contains { $0.partialFigures != nil }
        let csv = JSONValue.object(manifest.options)["format"]?.string == OutputFormat.csv.rawValue
        let pack = Packs.named(manifest.pack) as? DeclarativePack
        if figured && pack?.extras == nil {
            throw ManifestError("the shards of '\(manifest.pack)' recorded figures for files only a built-in pack writes, and this StreamGen has no such pack; merge with the StreamGen that wrote them")
        }
        guard let pack, figured || csv else { return [] }
        let prepared = try plan(pack, manifest)
        let merged = figured ? try figures(shards, prepared) : [:]
        var written: [(path: RelativePath, bytes: [UInt8])] = []
        do throws(ColumnarError) {
            if figured, let extras = pack.extras {
                let run = CompletedRun(prepared: prepared, files: manifest.tables.flatMap(\.files), figures: merged, createdAt: manifest.createdAt)
                written += try extras.sidecarFiles(run)
            }
            if csv {
                for (path, text) in StreamGenEngine.postgresScripts(prepared, files: manifest.tables.flatMap(\.files))
                where path.name == PostgresScripts.loadFileName {
                    written.append((path, Array(text.utf8)))
                }
            }
            return try written.map { (file) throws(ColumnarError) in try root.writeOtherFile(file.path, file.bytes) }
        } catch {
            throw ManifestError("writing the merged run's files: \(error)")
        }
    }

    /// Every shard's figures folded in shard order (so the sums are added in one order whoever
    /// merges), each checked against the rows its shard's manifest lists and added without
    /// overflow: a shard manifest is input.
    static func figures(_ shards: [Manifest], _ prepared: StreamGenEngine.Prepared) throws(ManifestError) -> [Int: [ColumnFigures]] {
        var position: [String: Int] = [:]
        for t in prepared.selectedTables { position[prepared.tables[t].name] = t }
        var figures: [Int: [ColumnFigures]] = [:]
        for m in shards.sorted(by: { ($0.shard?.index ?? 0) < ($1.shard?.index ?? 0) }) {
            let shard = m.shard?.index ?? 0
            guard let partial = m.partialFigures else {
                throw ManifestError("shard \(shard) recorded no figures, the others did: the shards are not of one run")
            }
            for (name, columns) in partial {
                guard let t = position[name], columns.count == prepared.tables[t].fileSchema.columns.count,
                      let rows = m.tables.first(where: { $0.name == name })?.rows, columns.allSatisfy({ $0.rows == rows })
                else {
                    throw ManifestError("shard \(shard)'s figures of table '\(name)' do not match the table's files as recorded")
                }
                var merged = figures[t] ?? [ColumnFigures](repeating: ColumnFigures(), count: columns.count)
                for c in columns.indices {
                    guard !merged[c].rows.addingReportingOverflow(columns[c].rows).overflow,
                          !merged[c].integerSum.addingReportingOverflow(columns[c].integerSum).overflow
                    else { throw ManifestError("shard \(shard)'s figures of table '\(name)' overflow the merged run's") }
                    merged[c].merge(columns[c])
                }
                figures[t] = merged
            }
        }
        return figures
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
