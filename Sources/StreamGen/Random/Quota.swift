/// Exactly `count` rows of `rows`, picked without holding any of them: the rows are cut into
/// `count` strata of near-equal size (stratum s is rows ⌊s·n/k⌋ ..< ⌊(s+1)·n/k⌋) and each stratum
/// gives one row, at an offset drawn from the stream of (key, s).
///
/// Whether a row is picked is O(1) (two 128-bit multiply-divides and one draw), the picked rows
/// can be listed in order without scanning the others, and the count is exact: a quality issue
/// declared at 2 % of 100,000 rows affects 2,000 rows, for any seed. Since a table's rows are in
/// time order, the picks spread evenly over the run.
///
/// Several issues on one column share one set of strata (`group`): stratum s belongs to one of
/// them, dealt out evenly (each issue in turn takes its share of the strata the ones before it
/// left, by Bresenham's rule), so no row carries two issues of a column and each still affects
/// exactly its count.
struct QuotaSelector: Sendable, Hashable {
    let rows: Int
    /// The strata of the whole group.
    let strata: Int
    let key: StreamKey
    /// The counts of the group's selectors, in order, and which one this is.
    let group: [Int]
    let member: Int

    /// The rows this selector picks.
    var count: Int { group[member] }

    /// round(rate × rows) rows, rate clamped to [0, 1].
    init(key: StreamKey, rows: Int, rate: Double) {
        let n = max(rows, 0)
        self.init(key: key, rows: n, counts: [QuotaSelector.count(rows: n, rate: rate)], member: 0)
    }

    /// Member `member` of a group whose selectors pick `counts` rows (their sum at most `rows`).
    init(key: StreamKey, rows: Int, counts: [Int], member: Int) {
        self.key = key
        self.rows = max(rows, 0)
        self.group = counts
        self.member = member
        self.strata = Swift.min(counts.reduce(0, +), self.rows)
    }

    /// round(rate × rows), at most rows.
    static func count(rows: Int, rate: Double) -> Int {
        Swift.min(Int((Double(rows) * Swift.min(Swift.max(rate, 0), 1)).rounded()), rows)
    }

    /// The member that stratum `s` belongs to.
    func owner(_ s: Int) -> Int {
        var index = s
        var remaining = strata
        for (i, k) in group.enumerated() {
            if i == group.count - 1 || remaining == 0 { return i }
            // Of `remaining` strata numbered 0..., member i takes those where ⌊(j+1)k/R⌋ steps up.
            if QuotaSelector.mulDiv(index + 1, k, remaining) > QuotaSelector.mulDiv(index, k, remaining) { return i }
            index -= QuotaSelector.mulDiv(index, k, remaining) // renumber among those left
            remaining -= k
        }
        return group.count - 1
    }

    /// ⌊a·b/c⌋ without overflow, for a, b, c ≥ 0 and c > 0.
    @inline(__always)
    static func mulDiv(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let product = UInt64(a).multipliedFullWidth(by: UInt64(b))
        return Int(UInt64(c).dividingFullWidth(product).quotient)
    }

    /// The first row of stratum `s` (s in 0...strata).
    @inline(__always)
    func boundary(_ s: Int) -> Int { QuotaSelector.mulDiv(s, rows, strata) }

    /// The stratum holding `row`: the largest s with ⌊s·n/k⌋ ≤ row, which is ⌊((row+1)·k − 1)/n⌋.
    @inline(__always)
    func stratum(of row: Int) -> Int {
        let product = UInt64(row + 1).multipliedFullWidth(by: UInt64(strata))
        let (q, r) = UInt64(rows).dividingFullWidth(product)
        return r == 0 ? Int(q) - 1 : Int(q)
    }

    /// The row stratum `s` picks.
    @inline(__always)
    func chosen(_ s: Int) -> Int {
        let start = boundary(s)
        var rng = key.cell(s)
        return start + rng.nextIndex(boundary(s + 1) - start)
    }

    /// Whether `row` is one of the picked rows.
    @inline(__always)
    func contains(_ row: Int) -> Bool {
        guard count > 0, row >= 0, row < rows else { return false }
        let s = stratum(of: row)
        return chosen(s) == row && (group.count == 1 || owner(s) == member)
    }

    /// Whether any selector of the group picks `row`.
    @inline(__always)
    func groupContains(_ row: Int) -> Bool {
        guard strata > 0, row >= 0, row < rows else { return false }
        return chosen(stratum(of: row)) == row
    }

    /// The picked rows in order, one per owned stratum.
    func forEachRow<E: Error>(_ body: (Int) throws(E) -> Void) throws(E) {
        guard count > 0 else { return }
        for s in 0..<strata where group.count == 1 || owner(s) == member { try body(chosen(s)) }
    }

    /// The picked rows in `range`, in order.
    func rows(in range: Range<Int>) -> [Int] {
        guard count > 0, !range.isEmpty else { return [] }
        let lower = Swift.max(range.lowerBound, 0), upper = Swift.min(range.upperBound, rows)
        guard lower < upper else { return [] }
        var result: [Int] = []
        var s = stratum(of: lower)
        while s < strata && boundary(s) < upper {
            let r = chosen(s)
            if r >= lower && r < upper && (group.count == 1 || owner(s) == member) { result.append(r) }
            s += 1
        }
        return result
    }

    /// How many picked rows fall in `range`.
    func count(in range: Range<Int>) -> Int { rows(in: range).count }
}
