/// The figures of a column's values as written: rows, nulls, and for numbers (integers,
/// decimals as their unscaled integers, dates, timestamps, doubles) the minimum, maximum and an
/// exact sum. Gathered chunk by chunk from the buffers that are written, and merged across files.
public struct ColumnFigures: Sendable, Hashable {
    public var rows: Int64 = 0
    public var nulls: Int64 = 0
    /// Integer-backed values: exact.
    public var integerMin: Int64?
    public var integerMax: Int64?
    public var integerSum: Int128 = 0
    /// Double values: the sum is compensated (Kahan–Neumaier).
    public var doubleMin: Double?
    public var doubleMax: Double?
    public var doubleSum: Double = 0
    private var compensation: Double = 0

    public init() {}

    /// Figures as recorded elsewhere (a shard's manifest), the double sum's compensation included.
    public init(rows: Int64, nulls: Int64, integerMin: Int64?, integerMax: Int64?, integerSum: Int128, doubleMin: Double?, doubleMax: Double?,
                doubleSum: Double, doubleCompensation: Double) {
        self.rows = rows
        self.nulls = nulls
        self.integerMin = integerMin
        self.integerMax = integerMax
        self.integerSum = integerSum
        self.doubleMin = doubleMin
        self.doubleMax = doubleMax
        self.doubleSum = doubleSum
        self.compensation = doubleCompensation
    }

    /// The running compensation of the double sum (what `compensatedDoubleSum` adds).
    public var doubleCompensation: Double { compensation }

    /// The values counted (not null).
    public var values: Int64 { rows - nulls }

    /// The sum of double values, compensated.
    public var compensatedDoubleSum: Double { doubleSum + compensation }

    /// Adds rows `range` of `buffer`.
    public mutating func add(_ buffer: ColumnBuffer, rows range: Range<Int>) {
        rows += Int64(range.count)
        for row in range where !buffer.isValid(row) { nulls += 1 }
        switch buffer.storage {
        case .int32:
            for row in range where buffer.isValid(row) { addInteger(Int64(buffer.int32s[row])) }
        case .int64:
            for row in range where buffer.isValid(row) { addInteger(buffer.int64s[row]) }
        case .double:
            for row in range where buffer.isValid(row) { addDouble(buffer.doubles[row]) }
        case .boolean:
            for row in range where buffer.isValid(row) { addInteger(buffer.bools[row] ? 1 : 0) }
        case .byteArray, .fixedLenByteArray, .codes:
            break
        }
    }

    @inline(__always)
    mutating func addInteger(_ v: Int64) {
        integerMin = Swift.min(integerMin ?? v, v)
        integerMax = Swift.max(integerMax ?? v, v)
        integerSum += Int128(v)
    }

    @inline(__always)
    mutating func addDouble(_ v: Double) {
        doubleMin = Swift.min(doubleMin ?? v, v)
        doubleMax = Swift.max(doubleMax ?? v, v)
        let t = doubleSum + v
        compensation += abs(doubleSum) >= abs(v) ? (doubleSum - t) + v : (v - t) + doubleSum
        doubleSum = t
    }

    /// Adds another file's figures.
    public mutating func merge(_ other: ColumnFigures) {
        rows += other.rows
        nulls += other.nulls
        if let v = other.integerMin { integerMin = Swift.min(integerMin ?? v, v) }
        if let v = other.integerMax { integerMax = Swift.max(integerMax ?? v, v) }
        integerSum += other.integerSum
        if let v = other.doubleMin { doubleMin = Swift.min(doubleMin ?? v, v) }
        if let v = other.doubleMax { doubleMax = Swift.max(doubleMax ?? v, v) }
        let t = doubleSum + other.doubleSum
        compensation += (abs(doubleSum) >= abs(other.doubleSum) ? (doubleSum - t) + other.doubleSum : (other.doubleSum - t) + doubleSum) + other.compensation
        doubleSum = t
    }
}
