import Columnar

/// The ground truth of a run's data-quality issues: per issue, what it is, how many rows it was
/// to affect and how many it did as written, and which rows, by key.
///
/// The manifest's `quality` section lists the issues, with the affected keys inline when there
/// are at most 1,000; `_quality/ground_truth.parquet` holds every affected row of every issue
/// (`table`, `issue`, `kind`, `column`, `row`, `key`, `source_key`), streamed from the issues'
/// selectors without holding them. A `--shard` run writes none: the merged run's would.
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
        guard prepared.options.shard == nil, !tables.isEmpty else { return (nil, []) }
        let dir = try root.directory(QualityTruth.directory, create: true)
        let writer = try ParquetFileWriter(in: dir, name: fileName, schema: schema,
                                           options: WriterOptions(codec: .zstd, zstdLevel: 3, checksum: true))
        defer { writer.abandon() }
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
                try issue.selector.forEachRow { (row) throws(ColumnarError) in
                    key.removeAll(keepingCapacity: true)
                    table.keyGenerator.appendText(row, to: &key)
                    chunk.columns[0].append(table.name)
                    chunk.columns[1].append(Int32(i))
                    chunk.columns[2].append(q.kind.rawValue)
                    if let c = q.column { chunk.columns[3].append(c) } else { chunk.columns[3].appendNull() }
                    chunk.columns[4].append(Int64(row))
                    chunk.columns[5].append(bytes: key)
                    if small { inline.append(.string(String(decoding: key, as: UTF8.self))) }
                    if let source = issue.source {
                        var sourceKey: [UInt8] = []
                        table.keyGenerator.appendText(source.row(for: row), to: &sourceKey)
                        chunk.columns[6].append(bytes: sourceKey)
                        if small { inlineSources.append(.string(String(decoding: sourceKey, as: UTF8.self))) }
                    } else {
                        chunk.columns[6].appendNull()
                    }
                    if chunk.isFull {
                        try writer.write(chunk)
                        chunk.reset()
                    }
                }
                let written = tallies[t]?[i] ?? 0
                var pairs: [(String, JSONValue)] = [
                    ("table", .string(table.name)), ("issue", .int(Int64(i))), ("kind", .string(q.kind.rawValue)),
                    ("column", q.column.map(JSONValue.string) ?? .null), ("rate", .double(q.rate)),
                    ("rows", .int(Int64(table.rowCount))), ("affected_rows", .int(Int64(issue.selector.count))),
                    ("affected_rows_written", .int(Int64(written))),
                    ("rate_measured", .double(table.rowCount > 0 ? (Double(written) / Double(table.rowCount) * 1e6).rounded() / 1e6 : 0)),
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
        if chunk.rowCount > 0 { try writer.write(chunk) }
        let summary = try writer.close()
        let path = "\(directory)/\(fileName)"
        let section = JSONValue.object([("ground_truth", .string(path)), ("key_columns", .object(tables.map {
            (prepared.tables[$0].name, .string(prepared.tables[$0].spec.keyColumn))
        })), ("issues", .array(issues))])
        return (section, [OtherFileRecord(path: path, bytes: summary.bytes, sha256: summary.sha256 ?? "")])
    }
}
