#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the rows of a fact table fall in time.
///
/// The run's days get row counts in proportion to `Seasonality.weight` (largest remainder, so the
/// counts add up exactly); rows are numbered day after day, so a table's row index is also its
/// time order. Within a day, row j of n lands at the inverse of the hour-of-day distribution at
/// (j + u) / n, u uniform in [0, 1): monotone in j, so every file of a shard is sorted by time
/// by construction, and still jittered like real arrivals.
public struct Timeline: Sendable, Hashable {
    /// The first day, as days since 1970-01-01.
    public let startDay: Int64
    /// `offsets[d]` is the first row of day d; `offsets[days]` is the row count.
    public let offsets: [Int]
    /// The cumulative hour-of-day distribution: 25 values from 0 to 1.
    let hourCDF: [Double]

    public static let microsPerDay: Int64 = 86_400_000_000
    static let microsPerHour: Double = 3_600_000_000

    public init(startDay: Int64, days: Int, rows: Int, seasonality: Seasonality) {
        precondition(days >= 1 && rows >= 0)
        self.startDay = startDay
        var weights = (0..<days).map { seasonality.weight(day: startDay + Int64($0), index: $0) }
        var total = weights.reduce(0, +)
        if !total.isFinite {
            // A steep daily trend over many days overflows: take the weights relative to the
            // largest, in logarithms, so that they stay finite and keep their ratios.
            let logs = (0..<days).map { seasonality.logWeight(day: startDay + Int64($0), index: $0) }
            let top = logs.max() ?? 0
            weights = logs.map { exp($0 - top) }
            total = weights.reduce(0, +)
        }
        var counts = [Int](repeating: 0, count: days)
        if total > 0 {
            var remainders: [(Double, Int)] = []
            var assigned = 0
            for d in 0..<days {
                let exact = Double(rows) * weights[d] / total
                counts[d] = Int(exact.rounded(.down))
                assigned += counts[d]
                remainders.append((exact - Double(counts[d]), d))
            }
            // Largest remainders first, earlier days first among equals: deterministic.
            remainders.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
            for i in 0..<(rows - assigned) { counts[remainders[i % days].1] += 1 }
        } else {
            counts[0] = rows
        }
        var offsets = [0]
        for c in counts { offsets.append(offsets.last! + c) }
        self.offsets = offsets
        var cdf = [0.0]
        let hourTotal = seasonality.hourOfDay.reduce(0, +)
        for w in seasonality.hourOfDay { cdf.append(cdf.last! + w / hourTotal) }
        cdf[24] = 1
        hourCDF = cdf
    }

    public var days: Int { offsets.count - 1 }
    public var rowCount: Int { offsets[days] }

    /// The rows of day `d`.
    public func rows(ofDay d: Int) -> Range<Int> { offsets[d]..<offsets[d + 1] }

    /// The day index (0-based) holding `row`; `hint` is a day to try first.
    @inline(__always)
    public func day(ofRow row: Int, hint: Int = 0) -> Int {
        if hint < days && offsets[hint] <= row && row < offsets[hint + 1] { return hint }
        var lo = 0
        var hi = days  // offsets[lo] <= row < offsets[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if offsets[mid] <= row { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// The timestamp of `row` in µs since the epoch, given u uniform in [0, 1).
    @inline(__always)
    public func micros(ofRow row: Int, day d: Int, jitter u: Double) -> Int64 {
        let start = offsets[d]
        let n = offsets[d + 1] - start
        let position = (Double(row - start) + u) / Double(n)
        var hour = Int(position * 24)
        if hour > 23 { hour = 23 }
        while hour > 0 && position < hourCDF[hour] { hour -= 1 }
        while hour < 23 && position >= hourCDF[hour + 1] { hour += 1 }
        let width = hourCDF[hour + 1] - hourCDF[hour]
        var fraction = width > 0 ? (position - hourCDF[hour]) / width : 0
        if fraction >= 1 { fraction = 0x1.fffffffffffffp-1 }
        let intoDay = Int64((Double(hour) + fraction) * Timeline.microsPerHour)
        return (startDay + Int64(d)) * Timeline.microsPerDay + min(intoDay, Timeline.microsPerDay - 1)
    }
}
