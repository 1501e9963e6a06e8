// PLAIN encoding (Encodings.md): fixed-width numbers little-endian back to back; BYTE_ARRAY as a
// 4-byte little-endian length then the bytes; FIXED_LEN_BYTE_ARRAY as the raw bytes.

/// Appends one fixed-width value little-endian.
@inlinable
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
}

/// Appends fixed-width values little-endian (a memcpy on little-endian hosts).
@inlinable
func appendPlain<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, to out: inout [UInt8]) {
    #if _endian(little)
    out.append(contentsOf: UnsafeRawBufferPointer(values))
    #else
    for v in values { appendLittleEndian(v, to: &out) }
    #endif
}

/// Appends doubles as their IEEE 754 bit patterns, little-endian.
@inlinable
func appendPlain(_ values: UnsafeBufferPointer<Double>, to out: inout [UInt8]) {
    #if _endian(little)
    out.append(contentsOf: UnsafeRawBufferPointer(values))
    #else
    for v in values { appendLittleEndian(v.bitPattern, to: &out) }
    #endif
}

/// Appends one BYTE_ARRAY value: its length as a 4-byte little-endian integer, then its bytes.
@inlinable
func appendPlainByteArray(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    appendLittleEndian(UInt32(value.count), to: &out)
    out.append(contentsOf: value)
}

/// The little-endian bytes of a fixed-width value (for statistics).
@inlinable
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// Compares two byte strings as unsigned bytes, shorter-is-smaller on a common prefix.
/// Returns a negative number, zero, or a positive number.
@inline(__always)
package func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
        let c = system_memcmp(pa, pb, n)
        if c != 0 { return c }
    }
    return a.count - b.count
}
