/// Accumulates a column chunk's min, max and null count in the column type's sort order.
///
/// Orders (PARQUET.md §6): signed for INT32/INT64 and everything stored on them (DATE, TIMESTAMP,
/// DECIMAL); IEEE order without NaN for DOUBLE; false < true; unsigned byte-wise for byte arrays.
struct ColumnStatistics {
    var nullCount: Int64 = 0
    private(set) var hasValue = false
    private var minInt = Int64.max, maxInt = Int64.min
    private var minDouble = Double.infinity, maxDouble = -Double.infinity
    private var sawNonNaN = false
    private var minBool = true, maxBool = false
    private var minBytes: [UInt8] = [], maxBytes: [UInt8] = []

    /// The longest min/max written for byte arrays; longer values are truncated (as arrow-rs: 64).
    static let truncationLength = 64

    mutating func reset() {
        self = ColumnStatistics(reusing: self)
    }

    private init(reusing old: ColumnStatistics) {
        minBytes = old.minBytes
        maxBytes = old.maxBytes
        minBytes.removeAll(keepingCapacity: true)
        maxBytes.removeAll(keepingCapacity: true)
    }

    init() {}

    @inline(__always)
    mutating func update(_ value: Int64) {
        hasValue = true
        if value < minInt { minInt = value }
        if value > maxInt { maxInt = value }
    }

    @inline(__always)
    mutating func update(_ value: Double) {
        hasValue = true
        if value.isNaN { return }
        sawNonNaN = true
        if value < minDouble { minDouble = value }
        if value > maxDouble { maxDouble = value }
    }

    @inline(__always)
    mutating func update(_ value: Bool) {
        hasValue = true
        if !value { minBool = false } else { maxBool = true }
    }

    @inline(__always)
    mutating func update(bytes value: UnsafeRawBufferPointer) {
        if !hasValue {
            hasValue = true
            minBytes.append(contentsOf: value)
            maxBytes.append(contentsOf: value)
            return
        }
        if minBytes.withUnsafeBytes({ compareBytes(value, $0) }) < 0 {
            minBytes.removeAll(keepingCapacity: true)
            minBytes.append(contentsOf: value)
        }
        if maxBytes.withUnsafeBytes({ compareBytes(value, $0) }) > 0 {
            maxBytes.removeAll(keepingCapacity: true)
            maxBytes.append(contentsOf: value)
        }
    }

    /// The Thrift `Statistics` for a chunk of `physicalType`.
    func thrift(physicalType: PhysicalType) -> Statistics {
        var stats = Statistics(nullCount: nullCount)
        guard hasValue else { return stats }
        switch physicalType {
        case .int32:
            stats.minValue = littleEndianBytes(Int32(truncatingIfNeeded: minInt))
            stats.maxValue = littleEndianBytes(Int32(truncatingIfNeeded: maxInt))
        case .int64:
            stats.minValue = littleEndianBytes(minInt)
            stats.maxValue = littleEndianBytes(maxInt)
        case .double, .float:
            guard sawNonNaN else { return stats }
            // -0.0 and +0.0 compare equal: widen the bounds so that both are inside them.
            let lower = minDouble == 0 ? -0.0 : minDouble
            let upper = maxDouble == 0 ? 0.0 : maxDouble
            stats.minValue = littleEndianBytes(lower.bitPattern)
            stats.maxValue = littleEndianBytes(upper.bitPattern)
        case .boolean:
            stats.minValue = [minBool ? 1 : 0]
            stats.maxValue = [maxBool ? 1 : 0]
        case .byteArray, .fixedLenByteArray:
            let limit = ColumnStatistics.truncationLength
            if physicalType == .byteArray && minBytes.count > limit {
                stats.minValue = Array(minBytes.prefix(limit))
                stats.isMinValueExact = false
            } else {
                stats.minValue = minBytes
                stats.isMinValueExact = true
            }
            if physicalType == .byteArray && maxBytes.count > limit {
                // A prefix with its last byte incremented is larger than every value it stands for.
                var upper = Array(maxBytes.prefix(limit))
                while let last = upper.last, last == 0xFF { upper.removeLast() }
                if upper.isEmpty {
                    // No finite upper bound: write neither bound.
                    stats.minValue = nil
                    stats.isMinValueExact = nil
                } else {
                    upper[upper.count - 1] += 1
                    stats.maxValue = upper
                    stats.isMaxValueExact = false
                }
            } else {
                stats.maxValue = maxBytes
                stats.isMaxValueExact = true
            }
        }
        return stats
    }
}
