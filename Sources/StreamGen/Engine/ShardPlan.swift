/// One unit of work: a range of one table's rows, written to its own files.
public struct Shard: Sendable, Hashable {
    /// The table's position in the run's table list.
    public let table: Int
    /// The rows, as indices into the table (its time order for fact tables).
    public let rows: Range<Int>
    /// For tables partitioned by event date: the day (0-based) all these rows fall on.
    public let day: Int?
    /// The file number in each directory this shard writes to (`part-00003`).
    public let part: Int
}

/// The run's shards, fixed by the configuration alone (tables, row counts, days, target shard
/// size, layout): never by the thread count or the machine. Shard k of the plan is the same
/// work on every machine, which is what makes `--shard i/N` add up to a full run.
public struct ShardPlan: Sendable, Hashable {
    public let shards: [Shard]

    /// The default target: 1 Mi rows per shard.
    public static let defaultTargetRows = 1 << 20

    /// Splits each table of `selected` (positions in `tables`) into shards of at most
    /// `targetRows` rows, of near-equal size. A table partitioned by event date gets at least
    /// one shard per day, so a day's files come from its own shards. With `flat`, each table is
    /// one shard (one file).
    init(tables: [CompiledTable], selected: [Int]? = nil, targetRows: Int, flat: Bool) {
        var shards: [Shard] = []
        for t in selected ?? Array(tables.indices) {
            let table = tables[t]
            let n = table.rowCount
            if flat {
                shards.append(Shard(table: t, rows: 0..<n, day: nil, part: 0))
                continue
            }
            if table.datePartition != nil, let timeline = table.timeline {
                for d in 0..<timeline.days {
                    for (p, range) in ShardPlan.split(timeline.rows(ofDay: d), target: targetRows).enumerated() {
                        shards.append(Shard(table: t, rows: range, day: d, part: p))
                    }
                }
            } else {
                for (p, range) in ShardPlan.split(0..<n, target: targetRows).enumerated() {
                    shards.append(Shard(table: t, rows: range, day: nil, part: p))
                }
            }
        }
        self.shards = shards
    }

    /// `range` in ceil(count / target) parts whose sizes differ by at most one row; an empty
    /// range stays one empty part (so an empty table still writes its schema).
    static func split(_ range: Range<Int>, target: Int) -> [Range<Int>] {
        let n = range.count
        if n == 0 { return [range] }
        let parts = (n + target - 1) / target
        return (0..<parts).map { p in
            (range.lowerBound + n * p / parts)..<(range.lowerBound + n * (p + 1) / parts)
        }
    }

    /// The shards that process `index` of `count` runs: every count-th, starting at index.
    public func selection(index: Int, count: Int) -> [Int] {
        stride(from: index, to: shards.count, by: count).map { $0 }
    }
}
