// The RLE / bit-packing hybrid of Parquet's Encodings.md, used for definition levels and
// dictionary indices:
//
//   encoded-data   := run*
//   run            := rle-run | bit-packed-run
//   rle-run        := varint(count << 1)            value in ceil(bitWidth / 8) little-endian bytes
//   bit-packed-run := varint((groups << 1) | 1)     groups × 8 values, packed LSB-first
//
// A bit-packed run holds whole groups of 8 values; only the last run of the data may be padded
// with zeros (the page's value count says where the values stop).

/// The number of bits needed to store `maxValue` (0 for 0): the bit width of dictionary indices
/// for a dictionary of `maxValue + 1` entries.
@inlinable
func bitWidth(of maxValue: UInt32) -> Int {
    maxValue == 0 ? 0 : 32 - maxValue.leadingZeroBitCount
}

/// Appends `value` as an unsigned LEB128 varint.
@inlinable
func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}

/// Appends `values` encoded with the RLE/bit-packed hybrid at `bitWidth` bits per value.
///
/// Runs of 8 or more equal values become RLE runs; everything between them is bit-packed in
/// groups of 8. A literal stretch that is not a multiple of 8 long borrows the first values of the
/// following repeat so that only the final run is ever padded.
///
/// - Precondition: every value fits in `bitWidth` bits, and `bitWidth` is in 0...32.
/// - Complexity: O(n).
@inlinable
func appendRLEHybrid<T: FixedWidthInteger & UnsignedInteger>(
    _ values: UnsafeBufferPointer<T>,
    bitWidth: Int,
    to out: inout [UInt8]
) {
    let n = values.count
    let valueBytes = (bitWidth + 7) / 8
    var literalStart = 0
    var i = 0
    while i < n {
        let v = values[i]
        var j = i + 1
        while j < n && values[j] == v { j += 1 }
        if j - i >= 8 {
            // Complete the pending literal stretch to a multiple of 8 with values from this repeat.
            let literalCount = i - literalStart
            let pad = (8 - literalCount % 8) % 8
            let runStart = literalCount > 0 ? i + pad : i
            if j - runStart >= 8 {
                if runStart > literalStart {
                    appendBitPacked(values, literalStart..<runStart, bitWidth: bitWidth, to: &out)
                }
                appendVarint(UInt64(j - runStart) << 1, to: &out)
                var value = UInt64(v)
                for _ in 0..<valueBytes {
                    out.append(UInt8(truncatingIfNeeded: value))
                    value >>= 8
                }
                literalStart = j
            }
        }
        i = j
    }
    if literalStart < n {
        appendBitPacked(values, literalStart..<n, bitWidth: bitWidth, to: &out)
    }
}

/// Appends one bit-packed run holding `range` of `values`, zero-padded to whole groups of 8.
@inlinable
func appendBitPacked<T: FixedWidthInteger & UnsignedInteger>(
    _ values: UnsafeBufferPointer<T>,
    _ range: Range<Int>,
    bitWidth: Int,
    to out: inout [UInt8]
) {
    let groups = (range.count + 7) / 8
    appendVarint(UInt64(groups) << 1 | 1, to: &out)
    if bitWidth == 0 { return }
    var accumulator: UInt64 = 0
    var bits = 0
    let end = range.lowerBound + groups * 8
    for index in range.lowerBound..<end {
        let v: UInt64 = index < range.upperBound ? UInt64(values[index]) : 0
        accumulator |= v << UInt64(bits)
        bits += bitWidth
        while bits >= 8 {
            out.append(UInt8(truncatingIfNeeded: accumulator))
            accumulator >>= 8
            bits -= 8
        }
    }
}

/// Appends definition levels for one v1 data page: a 4-byte little-endian length, then the hybrid
/// encoding of `levels` (each 0 or 1) at bit width 1.
@inlinable
func appendDefinitionLevels(_ levels: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    let lengthAt = out.count
    out.append(contentsOf: [0, 0, 0, 0])
    appendRLEHybrid(levels, bitWidth: 1, to: &out)
    let length = UInt32(out.count - lengthAt - 4)
    for k in 0..<4 { out[lengthAt + k] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(k))) }
}

/// Appends `bits` (each 0 or 1) bit-packed LSB-first with no header: the PLAIN encoding of BOOLEAN.
@inlinable
func appendPlainBooleans(_ bits: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    var i = 0
    while i < bits.count {
        var byte: UInt8 = 0
        let end = min(i + 8, bits.count)
        for k in i..<end { byte |= (bits[k] & 1) << UInt8(k - i) }
        out.append(byte)
        i = end
    }
}
