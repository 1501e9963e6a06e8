import Columnar
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The generators of the bronze pack that its tables' relationships need beyond the
// declarative ones: funnels within a table, an order's product chosen by its revenue, tiers that
// follow how often a customer is picked, and aggregates of other tables.

// MARK: - Weighted integers and categories

/// An integer among `values`, weighted: star ratings, satisfaction scores.
final class WeightedIntegerGenerator: Generator, @unchecked Sendable {
    let values: [Int64]
    let table: AliasTable
    init(key: StreamKey, values: [Int64], weights: [Double]) {
        self.values = values
        self.table = AliasTable(weights: weights)
        super.init(kind: .integer, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        var rng = key.cell(row)
        return values[table.sample(&rng)]
    }
    override var bounds: ClosedRange<Double>? { Double(values.min()!)...Double(values.max()!) }
}

/// A product name that fits its category: "Aurora Wireless Earbuds", from the row's brand and
/// the category's adjectives and nouns.
final class CategoryProductNameGenerator: Generator, @unchecked Sendable {
    let category: Generator
    let brand: Generator
    /// Per category code: adjectives and nouns.
    let words: [(WordList, WordList)]
    init(key: StreamKey, category: Generator, brand: Generator, words: [(WordList, WordList)]) {
        self.category = category
        self.brand = brand
        self.words = words
        super.init(kind: .text, key: key)
    }
    override func appendText(_ row: Int, to out: inout [UInt8]) {
        var rng = key.cell(row)
        let (adjectives, nouns) = words[category.code(row) % words.count]
        brand.appendText(row, to: &out)
        out.append(0x20)
        adjectives.append(rng.nextIndex(adjectives.count), to: &out)
        out.append(0x20)
        nouns.append(rng.nextIndex(nouns.count), to: &out)
    }
}

/// A value of a fixed list chosen by a Swift function of the row: a campaign's status from its
/// dates, a customer's tier from how often it is picked.
final class ComputedCategoryGenerator: Generator, @unchecked Sendable {
    let values: [String]
    let words: WordList
    let compute: @Sendable (Int) -> Int
    init(key: StreamKey, values: [String], compute: @escaping @Sendable (Int) -> Int) {
        self.values = values
        self.words = WordList(values.joined(separator: "|"))
        self.compute = compute
        super.init(kind: .text, key: key)
    }
    override var categories: [String]? { values }
    override func code(_ row: Int) -> Int { compute(row) }
    override func appendText(_ row: Int, to out: inout [UInt8]) { words.append(code(row), to: &out) }
}

/// An integer (a time, a day) computed by a Swift function of the row.
final class ComputedIntegerGenerator: Generator, @unchecked Sendable {
    let compute: @Sendable (Int) -> Int64
    let range: ClosedRange<Double>?
    init(key: StreamKey, kind: ValueKind, bounds: ClosedRange<Double>?, compute: @escaping @Sendable (Int) -> Int64) {
        self.compute = compute
        self.range = bounds
        super.init(kind: kind, key: key)
    }
    override func int64(_ row: Int) -> Int64 { compute(row) }
    override var bounds: ClosedRange<Double>? { range }
}

// MARK: - Orders: a product chosen by the order's revenue

/// The products' prices in ascending order, for finding the product nearest a price.
final class PriceIndex: Sendable {
    /// (price in cents, product row), sorted by price then row.
    let entries: [(cents: Int64, row: Int32)]

    init(price: Generator, rows: Int) {
        var entries: [(cents: Int64, row: Int32)] = []
        entries.reserveCapacity(rows)
        for r in 0..<rows { entries.append(((price.double(r) * 100).rounded().clampedToInt64, Int32(r))) }
        entries.sort { $0.cents != $1.cents ? $0.cents < $1.cents : $0.row < $1.row }
        self.entries = entries
    }

    /// The product whose price is nearest `cents` (ties: the cheaper; among equal prices one
    /// drawn by `u` in [0, 1)).
    func nearest(_ cents: Int64, _ u: Double) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].cents < cents { lo = mid + 1 } else { hi = mid }
        }
        var i = Swift.min(lo, entries.count - 1)
        if i > 0 && abs(entries[i - 1].cents - cents) <= abs(entries[i].cents - cents) { i -= 1 }
        // Neighbours a few cents away count as the same price: spread the picks among them.
        var first = i, last = i
        while first > 0 && entries[i].cents - entries[first - 1].cents <= 50 && i - first < 16 { first -= 1 }
        while last + 1 < entries.count && entries[last + 1].cents - entries[i].cents <= 50 && last - i < 16 { last += 1 }
        return Int(entries[first + Int(u * Double(last - first + 1))].row)
    }
}

extension Double {
    var clampedToInt64: Int64 { isFinite ? Int64(Swift.min(Swift.max(self, -9.0e18), 9.0e18)) : 0 }
}

/// An order's product: the one priced nearest the order's target revenue over its drawn
/// quantity, so that quantity × price follows the revenue distribution the spec gives while
/// the price is a real product's.
final class RevenueProductPicker: PickingGenerator, @unchecked Sendable {
    let revenue: Generator
    let quantity: Generator
    let index: PriceIndex

    init(key: StreamKey, productID: Generator, productRows: Int, price: Generator, target: Generator, quantity: Generator) {
        self.revenue = target
        self.quantity = quantity
        self.index = PriceIndex(price: price, rows: productRows)
        super.init(key: key, target: productID, targetTable: "products", targetRows: productRows)
    }

    override func pickedRow(_ row: Int) -> Int {
        var rng = key.cell(row)
        let cents = (revenue.double(row) * 100 / Swift.max(quantity.double(row), 1)).rounded().clampedToInt64
        return index.nearest(cents, rng.nextDouble())
    }
}

/// The quantity that brings the order nearest its target revenue at the picked product's price:
/// 1 to 9, and at most $5,000 in all.
final class RevenueQuantityGenerator: Generator, @unchecked Sendable {
    let target: Generator
    let price: Generator
    init(key: StreamKey, target: Generator, price: Generator) {
        self.target = target
        self.price = price
        super.init(kind: .integer, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        let p = Swift.max(price.double(row), 0.01)
        var q = Swift.min(Swift.max((target.double(row) / p).rounded(), 1), 9)
        while q > 1 && q * p > 5000 { q -= 1 }
        return Int64(q)
    }
    override var bounds: ClosedRange<Double>? { 1...9 }
}

// MARK: - Customers: tiers by pick frequency, aggregates of other tables

/// An aggregate of a column of another table, grouped by that table's foreign key into this
/// one: the sum of a customer's order totals, the time of their first activity. Computed once,
/// on first use, over every row the other table writes (duplicates included), in parallel; the
/// result is an array of one value per row of this table (8 bytes a row), never the other table.
final class TableAggregate: Sendable {
    enum Operation: Sendable { case sum, minimum }

    private let compute: @Sendable () -> [Int64]
    private let state = Mutex<[Int64]?>(nil)
    /// A group's value with no rows: 0 for a sum, Int64.max for a minimum.
    private let empty: Int64

    /// `value(row)` of each row of the other table is added into `group(row)`.
    init(rows: Int, groups: Int, operation: Operation, duplicates: QuotaSelector?, group: @escaping @Sendable (Int) -> Int,
         value: @escaping @Sendable (Int) -> Int64)
    {
        let empty: Int64 = operation == .sum ? 0 : .max
        self.empty = empty
        compute = {
            let parts = Swift.max(1, Swift.min(FileSystem.coreCount(), (rows + 65_535) / 65_536))
            let partials = Mutex<[[Int64]]>([])
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                var local = [Int64](repeating: empty, count: groups)
                let range = (rows * p / parts)..<(rows * (p + 1) / parts)
                for r in range {
                    let g = group(r)
                    guard g >= 0 && g < groups else { continue }
                    let v = value(r)
                    let times = duplicates?.contains(r) == true ? 2 : 1
                    for _ in 0..<times {
                        local[g] = operation == .sum ? local[g] &+ v : Swift.min(local[g], v)
                    }
                }
                partials.withLock { $0.append(local) }
            }
            var total = [Int64](repeating: empty, count: groups)
            for part in partials.withLock({ $0 }) {
                for g in 0..<groups { total[g] = operation == .sum ? total[g] &+ part[g] : Swift.min(total[g], part[g]) }
            }
            return total
        }
    }

    /// The aggregate of row `row` of this table.
    func value(_ row: Int) -> Int64 {
        state.withLock { values in
            if values == nil { values = compute() }
            return row >= 0 && row < values!.count ? values![row] : empty
        }
    }
}

/// A `TableAggregate`'s value as a column: a sum in the unit given (cents as dollars), or a
/// first time (µs), null where the group has no rows (for a minimum).
final class AggregateGenerator: Generator, @unchecked Sendable {
    let aggregate: TableAggregate
    let divisor: Double
    let operation: TableAggregate.Operation
    init(key: StreamKey, kind: ValueKind, aggregate: TableAggregate, operation: TableAggregate.Operation, divisor: Double) {
        self.aggregate = aggregate
        self.operation = operation
        self.divisor = divisor
        super.init(kind: kind, key: key)
    }
    override func int64(_ row: Int) -> Int64 { aggregate.value(row) }
    override func double(_ row: Int) -> Double { Double(aggregate.value(row)) / divisor }
    override var decimals: Int { divisor == 100 ? 2 : 0 }
    override var canBeNull: Bool { operation == .minimum }
    override func isNull(_ row: Int) -> Bool { operation == .minimum && aggregate.value(row) == .max }
}

/// Each row's position when the rows are ordered by `value` (then by row): computed once, on
/// first use (4 bytes a row).
final class LazyPositions: Sendable {
    private let state = Mutex<[Int32]?>(nil)
    private let compute: @Sendable () -> [Int32]

    init(rows: Int, value: @escaping @Sendable (Int) -> Double) {
        compute = {
            let values = (0..<rows).map(value)
            let order = (0..<rows).sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }
            var positions = [Int32](repeating: 0, count: rows)
            for (p, r) in order.enumerated() { positions[r] = Int32(p) }
            return positions
        }
    }

    func position(_ row: Int) -> Int {
        state.withLock { p in
            if p == nil { p = compute() }
            return row >= 0 && row < p!.count ? Int(p![row]) : 0
        }
    }
}

/// A customer's sign-up day: uniform from `earliest` to the day of their first activity (or
/// the run's last day when they have none), so nobody orders before existing.
final class SignupGenerator: Generator, @unchecked Sendable {
    let firstActivity: Generator
    let earliest: Int64
    let latest: Int64
    init(key: StreamKey, firstActivity: Generator, earliest: Int64, latest: Int64) {
        self.firstActivity = firstActivity
        self.earliest = earliest
        self.latest = latest
        super.init(kind: .date, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        var last = latest
        if !firstActivity.isNull(row) {
            let micros = firstActivity.int64(row)
            last = Swift.min(last, micros >= 0 ? micros / Timeline.microsPerDay : (micros + 1) / Timeline.microsPerDay - 1)
        }
        var rng = key.cell(row)
        return rng.nextInt(in: earliest...Swift.max(earliest, last))
    }
    override var bounds: ClosedRange<Double>? { Double(earliest)...Double(latest) }
}

// MARK: - Funnels within a table

/// Rows in blocks that follow a funnel: block b of `size` rows holds `counts[0]` first steps
/// (impressions, views), then `counts[1]` second steps, and so on; every later-step row has a
/// parent row of the step it follows, distinct within the block, drawn from the block's stream.
/// Shares are exact (16 impressions, 3 clicks, 1 conversion in every 20 rows) and a click always
/// has its impression, a conversion its click.
struct FunnelLayout: Sendable {
    let steps: [String]
    let counts: [Int]
    /// For each step but the first, the step its rows follow.
    let parents: [Int]
    let size: Int
    let key: StreamKey
    /// The first position of each step in a block.
    let offsets: [Int]
    /// Per step, the multipliers coprime with its count (for the parents' bijection).
    let units: [[Int]]

    init(steps: [String], counts: [Int], parents: [Int], key: StreamKey) {
        self.steps = steps
        self.counts = counts
        self.parents = parents
        self.size = counts.reduce(0, +)
        self.key = key
        var o = [0]
        for c in counts.dropLast() { o.append(o.last! + c) }
        offsets = o
        units = counts.map { n in (1...Swift.max(n, 1)).filter { gcd($0, n) == 1 } }
    }

    /// The step of row `row`.
    @inline(__always)
    func step(_ row: Int) -> Int {
        let position = row % size
        var s = 0
        while s + 1 < counts.count && position >= offsets[s + 1] { s += 1 }
        return s
    }

    /// The row that row `row` follows (itself for a first step). Children of one step take
    /// distinct parents: the parent step's positions are shuffled per block (and per parent
    /// step), and the k-th child takes the k-th of them, after the children of earlier steps
    /// with the same parent step.
    func parent(_ row: Int) -> Int {
        let s = step(row)
        guard s > 0 else { return row }
        let p = parents[s - 1]
        let block = row / size
        var k = row % size - offsets[s]
        for earlier in 1..<s where parents[earlier - 1] == p { k += counts[earlier] }
        let n = counts[p]
        // Distinct parents: an affine bijection k ↦ (a·k + b) mod n of the parent step's
        // positions, a and b drawn from the block's stream (a coprime with n).
        var rng = key.cell(block &* 8 &+ p)
        let a = units[p][rng.nextIndex(units[p].count)]
        let b = rng.nextIndex(n)
        return block * size + offsets[p] + (a * (k % n) + b) % n
    }

    /// The first-step row at the root of row `row`'s funnel.
    func origin(_ row: Int) -> Int {
        var r = row
        while step(r) > 0 { r = parent(r) }
        return r
    }
}

/// The funnel step's name: impression, click, conversion.
func funnelStepGenerator(_ layout: FunnelLayout, key: StreamKey) -> Generator {
    ComputedCategoryGenerator(key: key, values: layout.steps) { layout.step($0) }
}

/// A column that a funnel's later steps take from its first: the user, the device, the session.
final class FunnelSiblingGenerator: MappedGenerator, @unchecked Sendable {
    let layout: FunnelLayout
    init(key: StreamKey, layout: FunnelLayout, source: Generator) {
        self.layout = layout
        super.init(key: key, source: source)
    }
    override func sourceRow(_ row: Int) -> Int { layout.origin(row) }
}

/// A foreign key that a funnel's later steps take from its first, as a reference (lookups
/// through it reach the first step's row of the other table).
final class FunnelPickerGenerator: PickingGenerator, @unchecked Sendable {
    let layout: FunnelLayout
    let base: PickingGenerator
    init(key: StreamKey, layout: FunnelLayout, base: PickingGenerator) {
        self.layout = layout
        self.base = base
        super.init(key: key, target: base.target, targetTable: base.targetTable, targetRows: base.targetRows)
    }
    override func pickedRow(_ row: Int) -> Int { base.pickedRow(layout.origin(row)) }
    override var isHighCardinality: Bool { base.isHighCardinality }
}

/// A funnel step's time: the first step's own, each later step its parent's plus a delay drawn
/// for the step (seconds, in `delays[step - 1]`), never past `ceiling` (µs), when given.
final class FunnelTimeGenerator: Generator, @unchecked Sendable {
    let layout: FunnelLayout
    let first: Generator
    let delays: [ClosedRange<Int64>]
    let ceiling: Generator?
    init(key: StreamKey, layout: FunnelLayout, first: Generator, delays: [ClosedRange<Int64>], ceiling: Generator?) {
        self.layout = layout
        self.first = first
        self.delays = delays
        self.ceiling = ceiling
        super.init(kind: .timestamp, key: key)
    }
    override func int64(_ row: Int) -> Int64 {
        let s = layout.step(row)
        guard s > 0 else { return first.int64(row) }
        let before = int64(layout.parent(row))
        var rng = key.cell(row)
        var t = before + rng.nextInt(in: delays[s - 1]) * 1_000_000
        if let ceiling { t = Swift.max(before, Swift.min(t, ceiling.int64(row))) }
        return t
    }
    override var bounds: ClosedRange<Double>? {
        guard let b = first.bounds else { return nil }
        return b.lowerBound...(b.upperBound + Double(delays.map(\.upperBound).reduce(0, +)) * 1e6)
    }
    override var isHighCardinality: Bool { true }
}
