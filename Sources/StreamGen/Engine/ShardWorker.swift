import Columnar

/// What every worker shares: the prepared run and the writer settings.
struct ShardContext: Sendable {
    let prepared: StreamGenEngine.Prepared
    var writerOptions: WriterOptions
    /// The output directory: every file is created below it, no link followed.
    let root: DirectoryHandle
    /// Whether workers gather `ColumnFigures` (for a pack's metadata files).
    let collectFigures: Bool
    /// The database the rows are loaded into besides the files, if any.
    let postgres: PostgresLoad?

    init(prepared: StreamGenEngine.Prepared, root: DirectoryHandle, postgres: PostgresLoad? = nil) {
        self.prepared = prepared
        self.postgres = postgres
        self.root = root
        self.collectFigures = prepared.options.extras != nil
        let o = prepared.options
        writerOptions = WriterOptions(
            codec: o.codec, zstdLevel: o.zstdLevel,
            rowGroupRowLimit: GenerateOptions.rowGroupRows, rowGroupByteLimit: GenerateOptions.rowGroupBytes,
            keyValueMetadata: [KeyValue("streamgen.pack", o.pack.name), KeyValue("streamgen.seed", String(o.seed))],
            checksum: true)
        writerOptions.jsonAsString = o.format == .delta
    }
}

/// One worker: runs shards one after another, each from generation to renamed files, reusing
/// its chunk, index buffer and compressor. Fill and write alternate on the worker's own thread:
/// the chunk being written is the only one the worker holds.
struct ShardWorker {
    let context: ShardContext
    private var compressor: Compressor?
    private var chunk: Chunk?
    private var chunkTable = -1
    private var indices: [Int] = []
    /// The directories this worker opened lately, by path below the output directory.
    private var directories: [String: DirectoryHandle] = [:]
    /// Where this worker's time went: generating (filling chunks, partitioning and sorting rows)
    /// and its writers' stages.
    private(set) var times = StageTimes()
    /// The uncompressed size of the files this worker wrote.
    private(set) var uncompressedBytes = 0
    /// Per table (its position), per quality issue: the rows written with the issue.
    private(set) var tallies: [Int: [Int]] = [:]
    /// Per table, per file column: figures of the values written (when the pack asks for them).
    private(set) var figures: [Int: [ColumnFigures]] = [:]
    /// The table of the shard being written.
    private var shardTable = 0

    init(context: ShardContext) {
        self.context = context
    }

    /// Generates and writes shard `s`; calls `record` for each file once it is complete.
    mutating func run(
        shard s: Int, record: (FileRecord) -> Void, rowsDone: (Int) -> Void, shouldStop: () -> Bool
    ) throws(ColumnarError) {
        let prepared = context.prepared
        let shard = prepared.plan.shards[s]
        let table = prepared.tables[shard.table]
        let options = prepared.options
        shardTable = shard.table
        if chunkTable != shard.table {
            chunk = nil  // release the last table's buffers before allocating
            chunk = Chunk(schema: table.fileSchema, capacity: options.chunkRows)
            chunkTable = shard.table
        }
        if compressor == nil && options.format.isParquet {
            compressor = Compressor(codec: options.codec, level: options.zstdLevel)
        }
        let ext = options.format.fileExtension

        if options.layout == .flat {
            try writeFile(relative: "\(table.name).\(ext)", partition: [:], shard: s, table: table, count: shard.rows.count,
                          row: { shard.rows.lowerBound + $0 }, record: record, rowsDone: rowsDone, shouldStop: shouldStop)
            return
        }
        let fileName = prepared.singleFileTables.contains(shard.table) ? "\(table.spec.fileName!).\(ext)" : HivePath.fileName(part: shard.part, format: options.format)
        let categorical = table.partitions.indices.filter { $0 != table.datePartition }
        if categorical.isEmpty {
            var directory = table.name
            var partition: [String: String] = [:]
            if let d = table.datePartition, let day = shard.day {
                let p = table.partitions[d]
                directory += "/\(p.name)=\(HivePath.escape(p.values[day]))"
                partition[p.name] = p.values[day]
            }
            try writeFile(relative: "\(directory)/\(fileName)", partition: partition, shard: s, table: table, count: shard.rows.count,
                          row: { shard.rows.lowerBound + $0 }, record: record, rowsDone: rowsDone, shouldStop: shouldStop)
            return
        }

        // Partition-major: group the shard's rows by partition (a stable counting sort on the
        // combined code), then write one partition file at a time, rows in index order.
        var radix: [Int] = []
        var combinations = 1
        for p in categorical {
            radix.append(combinations)
            combinations *= table.partitions[p].values.count
        }
        let partitioningStart = MonotonicClock.nanoseconds()
        let base = shard.rows.lowerBound
        let n = shard.rows.count
        var codes = [UInt32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: combinations + 1)
        for i in 0..<n {
            var code = 0
            for (k, p) in categorical.enumerated() { code += table.partitions[p].generator.code(base + i) * radix[k] }
            codes[i] = UInt32(code)
            counts[code + 1] += 1
        }
        for c in 0..<combinations { counts[c + 1] += counts[c] }
        var order = [Int32](repeating: 0, count: n)
        var cursor = counts
        for i in 0..<n {
            let c = Int(codes[i])
            order[cursor[c]] = Int32(i)
            cursor[c] += 1
        }
        codes = []
        times.generating += MonotonicClock.since(partitioningStart)
        for combined in 0..<combinations where counts[combined + 1] > counts[combined] {
            var directory = table.name
            var partition: [String: String] = [:]
            for (position, p) in table.partitions.enumerated() {
                let value: String
                if position == table.datePartition {
                    value = p.values[shard.day ?? 0]
                } else {
                    let k = categorical.firstIndex(of: position)!
                    value = p.values[(combined / radix[k]) % p.values.count]
                }
                directory += "/\(p.name)=\(HivePath.escape(value))"
                partition[p.name] = value
            }
            let start = counts[combined]
            try writeFile(relative: "\(directory)/\(fileName)", partition: partition, shard: s, table: table,
                          count: counts[combined + 1] - start, row: { base + Int(order[start + $0]) },
                          record: record, rowsDone: rowsDone, shouldStop: shouldStop)
        }
    }

    /// Counts, per issue of the table, the rows of a file that carry it (a row written twice
    /// counts once as the duplicate).
    private mutating func tally(table t: Int, count: Int, row: (Int) -> Int) {
        let table = context.prepared.tables[t]
        var counts = tallies[t] ?? [Int](repeating: 0, count: table.issues.count)
        for (i, issue) in table.issues.enumerated() {
            if issue.spec.kind == .duplicateRows {
                var previous = -1
                for k in 0..<count {
                    let r = row(k)
                    if r == previous { counts[i] += 1 }
                    previous = r
                }
            } else {
                for k in 0..<count where issue.selector.contains(row(k)) { counts[i] += 1 }
            }
        }
        tallies[t] = counts
    }

    /// Writes one file of `count` rows, row k being table row `row(k)`.
    private mutating func writeFile(
        relative: String, partition: [String: String], shard: Int, table: CompiledTable, count: Int, row: (Int) -> Int,
        record: (FileRecord) -> Void, rowsDone: (Int) -> Void, shouldStop: () -> Bool
    ) throws(ColumnarError) {
        let options = context.prepared.options
        let slash = relative.lastIndex(of: "/")
        let directoryPath = slash.map { String(relative[..<$0]) } ?? ""
        let name = slash.map { String(relative[relative.index(after: $0)...]) } ?? relative
        var row = row
        var count = count
        // Rows written twice (`duplicate_rows`): each right after its original.
        let expandedRows: [Int]?
        if let duplicates = table.duplicates {
            var list: [Int] = []
            list.reserveCapacity(count + count / 16)
            for k in 0..<count {
                let r = row(k)
                list.append(r)
                if duplicates.contains(r) { list.append(r) }
            }
            expandedRows = list
            count = list.count
            row = { expandedRows![$0] }
        } else {
            expandedRows = nil
        }
        if !table.issues.isEmpty { tally(table: shardTable, count: count, row: row) }
        // Sort keys not ordered by row number: sort this file's row numbers by their values.
        let sortedRows: [Int]?
        if let sorter = table.sorter {
            let sortStart = MonotonicClock.nanoseconds()
            sortedRows = sorter.sorted((0..<count).map(row))
            times.generating += MonotonicClock.since(sortStart)
            row = { sortedRows![$0] }
        } else {
            sortedRows = nil
        }
        func file() throws(ColumnarError) -> any TableFileWriter {
            let directory: DirectoryHandle
            if let open = directories[directoryPath] {
                directory = open
            } else {
                let components = directoryPath.isEmpty ? [] : directoryPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                directory = components.isEmpty ? context.root : try context.root.directory(components, create: true)
                if directories.count >= 64 { directories.removeAll() }  // bound the descriptors a worker keeps
                directories[directoryPath] = directory
            }
            switch options.format {
            case .parquet, .delta:
                return try ParquetFileWriter(in: directory, name: name, schema: table.fileSchema, options: context.writerOptions, compressor: compressor)
            case .csv:
                return try CSVFileWriter(in: directory, name: name, schema: table.fileSchema, checksum: true)
            }
        }
        let writer: any TableFileWriter
        if let load = context.postgres {
            writer = try load.writer(table: table.name, schema: table.fileSchema, constants: partition, path: relative, file: file)
        } else {
            writer = try file()
        }
        var done = 0
        let capacity = options.chunkRows
        if indices.count < capacity { indices = [Int](repeating: 0, count: capacity) }
        while done < count {
            if shouldStop() {
                writer.abandon()
                throw ColumnarError.invalidData("stopped: another shard failed")
            }
            let n = min(capacity, count - done)
            let fillStart = MonotonicClock.nanoseconds()
            for k in 0..<n { indices[k] = row(done + k) }
            chunk!.reset()
            indices.withUnsafeBufferPointer { all in
                let rows = UnsafeBufferPointer(rebasing: all[0..<n])
                for column in table.columns {
                    guard let fileIndex = column.fileIndex else { continue }
                    ChunkFiller.fill(&chunk!.columns[fileIndex], column, rows: rows)
                }
            }
            times.generating += MonotonicClock.since(fillStart)
            if context.collectFigures {
                var f = figures[shardTable] ?? [ColumnFigures](repeating: ColumnFigures(), count: table.fileSchema.columns.count)
                for c in f.indices { f[c].add(chunk!.columns[c], rows: 0..<n) }
                figures[shardTable] = f
            }
            try writer.write(chunk!, rows: 0..<n)
            done += n
            rowsDone(n)
        }
        let summary = try writer.close()
        times += writer.timing
        uncompressedBytes += Int(summary.uncompressedBytes)
        record(FileRecord(path: relative, rows: summary.rows, bytes: summary.bytes, sha256: summary.sha256 ?? "",
                          partition: partition, shard: shard))
    }
}
