import Columnar

/// A sharded jaffle run (`--shard i/N`) and what its merge finishes.
///
/// Every shard simulates every training day (a day's customer, order and session ids continue
/// from the days before, and a customer's first order decides its sessions), and writes the
/// rows of its own days only: the days N apart from the i-th, counted from the ads' first day;
/// the end day's validation batch goes with the end day. Each shard also runs the validation
/// batch's simulation, so every shard records the same anomalies.
///
/// As Parquet a day's rows are a day's files, so a shard writes exactly the full run's files of
/// its days. A CSV seed is one file a full run appends to day after day: a shard writes its
/// days' rows, encoded as the full run encodes them, to a headerless segment per table in
/// `_partial/`, and an index of the bytes and rows each day took. The merge writes each table's
/// file: the header, then every day's bytes in day order from the shard that owns the day.
enum JaffleShards {
    static let indexFormat: Int64 = 1

    /// Writes a CSV shard's segment index; returns the records of its segments and the index.
    static func writeSegmentIndex(_ run: JaffleRun, shard: ShardSelection) throws(ColumnarError) -> [OtherFileRecord] {
        var records: [OtherFileRecord] = []
        var segments: [JSONValue] = []
        for t in run.plan.tables {
            guard let o = run.output(t.name), let record = o.segmentRecord else { continue }
            records.append(record)
            segments.append(.object([
                ("table", .string(t.name)), ("path", .string(record.path)),
                ("days", .array(o.segmentDays.map { d in
                    .array([.string(formatISODate(d.day)), .int(d.offset), .int(d.bytes), .int(d.rows)])
                })),
            ]))
        }
        let index = JSONValue.object([("streamgen_jaffle_segments", .int(indexFormat)), ("segments", .array(segments))])
        records.append(try run.dataset.root.writeOtherFile(try RelativePath.checked(JafflePlan.segmentIndexPath(shard)),
                                                           Array(index.serialized().utf8) + [10]))
        return records
    }

    /// One day's bytes of a table in a shard's segment.
    struct Piece {
        let day: Int64
        let shard: Int
        let segment: String
        let offset: Int64
        let bytes: Int64
        let rows: Int64
    }

    /// For a merged jaffle CSV run: writes each table's seed file from the shards' segments (each
    /// checked against its record first) into `root`, puts its record in `manifest` in place of
    /// the segments and indexes, and returns the partial files to remove once the manifest is in,
    /// with the journal that claims the seed files until then. A merge of Parquet shards, or of
    /// another pack, changes nothing.
    static func complete(_ manifest: inout Manifest, shards: [Manifest], dataset: DatasetDirectory) throws(ManifestError)
        -> (partials: [String], journal: Journal?)
    {
        let recorded = JSONValue.object(manifest.options)
        guard manifest.pack == JafflePack.pack.name, recorded["format"]?.string == OutputFormat.csv.rawValue else { return ([], nil) }
        let root = dataset.root
        var pieces: [String: [Piece]] = [:]
        var partials: [String] = []
        for m in shards.sorted(by: { ($0.shard?.index ?? 0) < ($1.shard?.index ?? 0) }) {
            guard let s = m.shard, let shard = try? ShardSelection(index: s.index, count: s.count) else { continue }
            let label = "shard \(shard)"
            let indexPath = JafflePlan.segmentIndexPath(shard)
            guard let indexRecord = m.otherFiles.first(where: { $0.path == indexPath }) else {
                throw ManifestError("\(label) of the jaffle CSV run lists no segment index (\(indexPath))")
            }
            let index: JSONValue
            do {
                let file = try root.openFile(try RelativePath.checked(indexPath))
                guard try file.sha256() == indexRecord.sha256 else { throw ColumnarError.invalidData("its SHA-256 differs from the shard manifest's") }
                index = try JSONValue.parse(String(decoding: try file.readAll(), as: UTF8.self))
            } catch {
                throw ManifestError("\(indexPath): \(error)")
            }
            guard index["streamgen_jaffle_segments"]?.int == indexFormat, let segments = index["segments"]?.array else {
                throw ManifestError("\(indexPath) is not a StreamGen jaffle segment index")
            }
            partials.append(indexPath)
            for segment in segments {
                guard let name = segment["table"]?.string, manifest.tables.contains(where: { $0.name == name }),
                      let path = segment["path"]?.string,
                      path == JafflePlan.segmentPath(name, shard),
                      let record = m.otherFiles.first(where: { $0.path == path }), let days = segment["days"]?.array
                else { throw ManifestError("\(indexPath) names a segment of no table of the run, or one its shard does not list") }
                do {
                    guard try root.openFile(try RelativePath.checked(path)).sha256() == record.sha256 else {
                        throw ColumnarError.invalidData("its SHA-256 differs from the shard manifest's")
                    }
                } catch {
                    throw ManifestError("\(path): \(error)")
                }
                var offset: Int64 = 0, rows: Int64 = 0
                for d in days {
                    guard let fields = d.array, fields.count == 4, let day = fields[0].string.flatMap(parseISODate),
                          let at = fields[1].int, let bytes = fields[2].int, let n = fields[3].int,
                          at == offset, bytes > 0, n > 0, bytes <= record.bytes - offset, n <= bytes,
                          JafflePlan.owner(of: day, recorded: recorded, count: shard.count) == shard.index
                    else { throw ManifestError("\(indexPath): table \(name)'s days are not contiguous pieces of its segment on days of \(label)") }
                    pieces[name, default: []].append(Piece(day: day, shard: shard.index, segment: path, offset: at, bytes: bytes, rows: n))
                    offset += bytes
                    rows += n
                }
                guard offset == record.bytes, rows == (m.tables.first { $0.name == name }?.plannedRows ?? -1) else {
                    throw ManifestError("\(indexPath): table \(name)'s days do not add up to its segment and its shard's rows")
                }
                partials.append(path)
            }
        }
        let journal = Journal(pack: manifest.pack, pid: FileSystem.processID(), startedAt: FileSystem.now(), commandLine: manifest.commandLine,
                              shard: nil, claims: manifest.tables.compactMap { t in
                                  JaffleTables.all.first { $0.name == t.name }.flatMap { try? .file(RelativePath(validating: "\($0.part.rawValue)/\($0.name).csv")) }
                              })
        do throws(GenerateError) { try dataset.write(journal) } catch { throw ManifestError("\(error)") }
        do throws(ColumnarError) {
            var open: [String: ReadableFile] = [:]
            for i in manifest.tables.indices {
                let name = manifest.tables[i].name
                guard let table = JaffleTables.all.first(where: { $0.name == name }) else { throw ColumnarError.invalidData("no jaffle table \(name)") }
                let list = (pieces[name] ?? []).sorted { $0.day < $1.day }
                for (a, b) in zip(list, list.dropFirst()) where a.day == b.day {
                    throw ColumnarError.invalidData("table \(name)'s day \(formatISODate(a.day)) is in shards \(a.shard) and \(b.shard)")
                }
                let path = try RelativePath.checked("\(table.part.rawValue)/\(table.name).csv")
                let writer = try CSVFileWriter(in: try root.directory(path.directoryComponents, create: true), name: path.name, schema: table.schema,
                                               checksum: true, timestamps: .seconds)
                for p in list {
                    if open[p.segment] == nil { open[p.segment] = try root.openFile(try RelativePath.checked(p.segment)) }
                    try writer.appendEncoded(try open[p.segment]!.read(count: Int(p.bytes), at: p.offset), rows: p.rows)
                }
                let s = try writer.close()
                manifest.tables[i].files = [FileRecord(path: path.description, rows: s.rows, bytes: s.bytes, sha256: s.sha256 ?? "", partition: [:], shard: 0)]
            }
        } catch {
            throw ManifestError("writing the merged jaffle seeds failed: \(error); no manifest.json or _SUCCESS was written")
        }
        let removed = Set(partials)
        manifest.otherFiles.removeAll { removed.contains($0.path) }
        return (partials, journal)
    }
}

extension JafflePlan {
    /// The shard of `count` that owns `day`, for a run with the recorded options.
    static func owner(of day: Int64, recorded: JSONValue, count: Int) -> Int? {
        guard let start = recorded["start"]?.string.flatMap(parseISODate), let end = recorded["end"]?.string.flatMap(parseISODate),
              day >= firstDay(startDay: start), day <= end
        else { return nil }
        return Int((day - firstDay(startDay: start)) % Int64(count))
    }
}
