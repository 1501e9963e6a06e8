/// Which rows of a column hold a value, one bit per row (LSB-first in 64-bit words).
///
/// The bitmap is not materialised until the first null: a column with no nulls costs one branch
/// per appended value and no memory.
struct ValidityBitmap: Sendable, Hashable {
    /// Bit `r % 64` of `words[r / 64]` is set when row `r` is valid. Empty while `nullCount == 0`.
    private(set) var words: [UInt64] = []
    /// The number of null rows.
    private(set) var nullCount = 0

    /// Records a valid value at `row` (the column's count before the append).
    @inline(__always)
    mutating func appendValid(row: Int) {
        if nullCount > 0 { setBit(row) }
    }

    /// Records a null at `row` (the column's count before the append).
    mutating func appendNull(row: Int) {
        if nullCount == 0 {
            // Materialise: every row so far was valid.
            words.removeAll(keepingCapacity: true)
            words.append(contentsOf: repeatElement(~0, count: row / 64))
            if row % 64 != 0 { words.append((1 << UInt64(row % 64)) - 1) }
        }
        nullCount += 1
        let word = row / 64
        if word == words.count { words.append(0) }
        words[word] &= ~(1 << UInt64(row % 64))
    }

    @inline(__always)
    private mutating func setBit(_ row: Int) {
        let word = row / 64
        if word == words.count { words.append(0) }
        words[word] |= 1 << UInt64(row % 64)
    }

    /// Whether row `row` holds a value.
    @inline(__always)
    func isValid(_ row: Int) -> Bool {
        nullCount == 0 || (words[row / 64] >> UInt64(row % 64)) & 1 == 1
    }

    /// The number of nulls among rows `range`.
    func nullCount(in range: Range<Int>) -> Int {
        if nullCount == 0 || range.isEmpty { return 0 }
        var valid = 0
        var row = range.lowerBound
        while row < range.upperBound {
            let bit = row % 64
            let take = min(64 - bit, range.upperBound - row)
            let mask: UInt64 = take == 64 ? ~0 : ((1 << UInt64(take)) - 1) << UInt64(bit)
            valid += (words[row / 64] & mask).nonzeroBitCount
            row += take
        }
        return range.count - valid
    }

    /// Forgets every row, keeping the allocated words.
    mutating func reset() {
        words.removeAll(keepingCapacity: true)
        nullCount = 0
    }
}
