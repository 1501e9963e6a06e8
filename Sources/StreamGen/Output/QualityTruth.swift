import Columnar

/// The ground truth of a run's data-quality issues: per issue, what it is, how many rows it was
/// to affect and how many it did as written, and which rows, by key.
///
/// The manifest's `quality` section lists the issues, with the affected keys inline when there
/// are at most 1,000; `_quality/ground_truth.parquet` holds every affected row of every issue
/// (`table`, `issue`, `kind`, `column`, `row`, `key`, `source_key`), streamed from the issues'
/// selectors without holding them.
///
/// Shards: which rows an issue affects is the plan's (the selectors), not the data's, so shard 0
/// writes the whole ground-truth file and every shard's manifest has the section with the rows
/// *it* wrote with each issue; `manifest merge` sums those (`mergeSections`).
enum QualityTruth {
    static let directory = "_quality"
    static let fileName = "ground_truth.parquet"
    static let inlineLimit = 1000

    static let schema = try! Schema([
        Column("table", .string), Column("issue", .int32), Column("kind", .string), Column("column", .string, .optional),
        Column("row", .int64), Column("key", .string, encoding: .plain), Column("source_key", .string, .optional, encoding: .plain),
    ])

    /// Writes the ground truth of `prepared`'s issues; `tallies` are the workers' counts of rows
    /// written with each issue.
    static func write(_ prepared: StreamGenEngine.Prepared, root: DirectoryHandle, tallies: [Int: [Int]]) throws(ColumnarError)
        -> (section: JSONValue?, files: [OtherFileRecord])
    {
        let tables = prepared.selectedTables.filter { !prepared.tables[$0].issues.isEmpty }
        guard !tables.isEmpty else { return (nil, []) }
        let writer = try writesFile(prepared)
            ? ParquetFileWriter(in: try root.directory(QualityTruth.directory, create: true), name: fileName, schema: schema,
                                options: WriterOptions(codec: .zstd, zstdLevel: 3, checksum: true))
            : nil
        defer { writer?.abandon() }
        var chunk = Chunk(schema: schema, capacity: 8192)
        var issues: [JSONValue] = []
        var key: [UInt8] = []
        for t in tables {
            let table = prepared.tables[t]
            for (i, issue) in table.issues.enumerated() {
                let q = issue.spec
                var inline: [JSONValue] = []
                var inlineSources: [JSONValue] = []
                let small = issue.selector.count <= inlineLimit
                // A shard other than 0 writes no file: it walks only the selectors it lists inline.
                if writer != nil || small {
                    try issue.selector.forEachRow { (row) throws(ColumnarError) in
                        key.removeAll(keepingCapacity: true)
                        table.keyGenerator.appendText(row, to: &key)
                        var sourceKey: [UInt8]?
                        if let source = issue.source {
                            var text: [UInt8] = []
                            table.keyGenerator.appendText(source.row(for: row), to: &text)
                            sourceKey = text
                        }
                        if small {
                            inline.append(.string(String(decoding: key, as: UTF8.self)))
                            if let sourceKey { inlineSources.append(.string(String(decoding: sourceKey, as: UTF8.self))) }
                        }
                        guard let writer else { return }
                        chunk.columns[0].append(table.name)
                        chunk.columns[1].append(Int32(i))
                        chunk.columns[2].append(q.kind.rawValue)
                        if let c = q.column { chunk.columns[3].append(c) } else { chunk.columns[3].appendNull() }
                        chunk.columns[4].append(Int64(row))
                        chunk.columns[5].append(bytes: key)
                        if let sourceKey { chunk.columns[6].append(bytes: sourceKey) } else { chunk.columns[6].appendNull() }
                        if chunk.isFull {
                            try writer.write(chunk)
                            chunk.reset()
                        }
                    }
                }
                let written = tallies[t]?[i] ?? 0
                var pairs: [(String, JSONValue)] = [
                    ("table", .string(table.name)), ("issue", .int(Int64(i))), ("kind", .string(q.kind.rawValue)),
                    ("column", q.column.map(JSONValue.string) ?? .null), ("rate", .double(q.rate)),
                    ("rows", .int(Int64(table.rowCount))), ("affected_rows", .int(Int64(issue.selector.count))),
                    ("affected_rows_written", .int(Int64(written))),
                    ("rate_measured", .double(rateMeasured(written: Int64(written), rows: Int64(table.rowCount)))),
                ]
                if let v = q.value { pairs.append(("value", .string(v))) }
                if let f = q.format { pairs.append(("format", .string(f.rawValue))) }
                if let lo = q.min, let hi = q.max { pairs.append(("range", .array([.double(lo), .double(hi)]))) }
                if !q.also.isEmpty { pairs.append(("also", .array(q.also.map(JSONValue.string)))) }
                if q.propagate { pairs.append(("propagate", .bool(true))) }
                if let note = q.note { pairs.append(("note", .string(note))) }
                if small {
                    pairs.append(("keys", .array(inline)))
                    if issue.source != nil { pairs.append(("source_keys", .array(inlineSources))) }
                }
                issues.append(.object(pairs))
            }
        }
        let path = "\(directory)/\(fileName)"
        let section = JSONValue.object([("ground_truth", .string(path)), ("key_columns", .object(tables.map {
            (prepared.tables[$0].name, .string(prepared.tables[$0].spec.keyColumn))
        })), ("issues", .array(issues))])
        guard let writer else { return (section, []) }
        if chunk.rowCount > 0 { try writer.write(chunk) }
        let summary = try writer.close()
        return (section, [OtherFileRecord(path: path, bytes: summary.bytes, sha256: summary.sha256 ?? "")])
    }

    /// Whether this run writes the ground-truth file: a full run, or shard 0 of a sharded one.
    static func writesFile(_ prepared: StreamGenEngine.Prepared) -> Bool { prepared.options.shard.writesSharedFiles }

    /// The share of a table's rows an issue was written to, to six decimals.
    static func rateMeasured(written: Int64, rows: Int64) -> Double {
        rows > 0 ? (Double(written) / Double(rows) * 1e6).rounded() / 1e6 : 0
    }

    /// The merged run's section from its shards' (`names` for messages): alike but for the rows
    /// each shard wrote with each issue, which are summed. Nil when the shards have none.
    static func mergeSections(_ sections: [JSONValue?], names: [String]) throws(ManifestError) -> JSONValue? {
        guard let first = sections.first, let first else {
            if sections.contains(where: { $0 != nil }) { throw ManifestError("\(names[0]) has no quality section, and other shards do") }
            return nil
        }
        func withoutCounts(_ section: JSONValue) -> JSONValue? {
            guard case .object(var pairs) = section, let i = pairs.firstIndex(where: { $0.0 == "issues" }), let issues = pairs[i].1.array else { return nil }
            pairs[i].1 = .array(issues.map { issue in
                guard case .object(let fields) = issue else { return issue }
                return .object(fields.filter { $0.0 != "affected_rows_written" && $0.0 != "rate_measured" })
            })
            return .object(pairs)
        }
        guard let shape = withoutCounts(first), case .object(var pairs) = first, let at = pairs.firstIndex(where: { $0.0 == "issues" }),
              var issues = pairs[at].1.array
        else { throw ManifestError("\(names[0]): the quality section has no issues") }
        var written = [Int64](repeating: 0, count: issues.count)
        for (section, name) in zip(sections, names) {
            guard let section, withoutCounts(section) == shape, let list = section["issues"]?.array, list.count == issues.count else {
                throw ManifestError("\(name)'s quality section differs from \(names[0])'s: the shards are not of one run")
            }
            for (k, issue) in list.enumerated() {
                guard let n = issue["affected_rows_written"]?.int, n >= 0 else { throw ManifestError("\(name): an issue without affected_rows_written") }
                written[k] += n
            }
        }
        for k in issues.indices {
            guard case .object(var fields) = issues[k], let rows = issues[k]["rows"]?.int else { continue }
            for f in fields.indices {
                if fields[f].0 == "affected_rows_written" { fields[f].1 = .int(written[k]) }
                if fields[f].0 == "rate_measured" { fields[f].1 = .double(rateMeasured(written: written[k], rows: rows)) }
            }
            issues[k] = .object(fields)
        }
        pairs[at].1 = .array(issues)
        return .object(pairs)
    }
}
