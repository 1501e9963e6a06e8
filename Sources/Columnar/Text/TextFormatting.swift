// Value-to-text formatting that appends ASCII to a byte buffer, with no String or Foundation in
// between: used by the CSV writer and by generators that build text values in place.

/// Appends the decimal digits of `value` (with a leading `-` when negative).
@inlinable
package func appendDecimalDigits(_ value: Int64, to out: inout [UInt8]) {
    var magnitude = value.magnitude
    if value < 0 { out.append(UInt8(ascii: "-")) }
    appendDigits(&magnitude, minimumWidth: 1, to: &out)
}

/// Appends the digits of `magnitude`, left-padded with zeros to `minimumWidth`.
@inlinable
package func appendDigits(_ magnitude: inout UInt64, minimumWidth: Int, to out: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
        var n = 0
        repeat {
            digits[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            n += 1
        } while magnitude > 0
        while n < minimumWidth {
            digits[n] = UInt8(ascii: "0")
            n += 1
        }
        while n > 0 {
            n -= 1
            out.append(digits[n])
        }
    }
}

/// Appends a decimal given as its unscaled integer and scale, exactly: `(-1234, 2)` → `-12.34`.
@inlinable
package func appendDecimal(unscaled: Int64, scale: Int, to out: inout [UInt8]) {
    if scale == 0 {
        appendDecimalDigits(unscaled, to: &out)
        return
    }
    var divisor: UInt64 = 1
    for _ in 0..<scale { divisor *= 10 }
    let magnitude = unscaled.magnitude
    if unscaled < 0 { out.append(UInt8(ascii: "-")) }
    var whole = magnitude / divisor
    var fraction = magnitude % divisor
    appendDigits(&whole, minimumWidth: 1, to: &out)
    out.append(UInt8(ascii: "."))
    appendDigits(&fraction, minimumWidth: scale, to: &out)
}

/// The proleptic Gregorian (year, month, day) of `days` since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
@inlinable
package func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = Int(doy - (153 * mp + 2) / 5 + 1)
    let month = Int(mp < 10 ? mp + 3 : mp - 9)
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

/// The days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
@inlinable
package func daysSinceEpoch(year: Int64, month: Int, day: Int) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let m = Int64(month)
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// Appends an ISO-8601 date, `YYYY-MM-DD`.
@inlinable
package func appendISODate(daysSinceEpoch days: Int64, to out: inout [UInt8]) {
    let (year, month, day) = civilDate(daysSinceEpoch: days)
    if year < 0 { out.append(UInt8(ascii: "-")) }
    var y = year.magnitude
    var m = UInt64(month)
    var d = UInt64(day)
    appendDigits(&y, minimumWidth: 4, to: &out)
    out.append(UInt8(ascii: "-"))
    appendDigits(&m, minimumWidth: 2, to: &out)
    out.append(UInt8(ascii: "-"))
    appendDigits(&d, minimumWidth: 2, to: &out)
}

/// Appends an ISO-8601 timestamp with microseconds, `YYYY-MM-DDTHH:MM:SS.ffffff`, then `Z` when `utc`.
@inlinable
package func appendISOTimestamp(microsSinceEpoch micros: Int64, utc: Bool, to out: inout [UInt8]) {
    let perDay: Int64 = 86_400_000_000
    var days = micros / perDay
    var rest = micros % perDay
    if rest < 0 {
        rest += perDay
        days -= 1
    }
    appendISODate(daysSinceEpoch: days, to: &out)
    out.append(UInt8(ascii: "T"))
    var hours = UInt64(rest / 3_600_000_000)
    var minutes = UInt64(rest / 60_000_000 % 60)
    var seconds = UInt64(rest / 1_000_000 % 60)
    var fraction = UInt64(rest % 1_000_000)
    appendDigits(&hours, minimumWidth: 2, to: &out)
    out.append(UInt8(ascii: ":"))
    appendDigits(&minutes, minimumWidth: 2, to: &out)
    out.append(UInt8(ascii: ":"))
    appendDigits(&seconds, minimumWidth: 2, to: &out)
    out.append(UInt8(ascii: "."))
    appendDigits(&fraction, minimumWidth: 6, to: &out)
    if utc { out.append(UInt8(ascii: "Z")) }
}

/// The lowercase hex digit of `nibble` (0...15), without a table lookup.
@inlinable @inline(__always)
package func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble &+ (nibble < 10 ? 48 : 87)
}

/// Appends `bytes` as lowercase hexadecimal.
@inlinable
package func appendHex(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    out.reserveCapacity(out.count + 2 * bytes.count)
    for b in bytes {
        out.append(hexDigit(b >> 4))
        out.append(hexDigit(b & 0x0F))
    }
}

/// Appends 16 bytes as a canonical UUID, `8-4-4-4-12` lowercase hex digits.
@inlinable
package func appendUUID(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    precondition(bytes.count == 16, "a UUID has 16 bytes")
    appendUUID(high: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)),
               low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)), to: &out)
}

/// Appends the UUID whose first 8 bytes are `high` and last 8 are `low` (most significant byte
/// first), as `8-4-4-4-12` lowercase hex digits.
///
/// Eight digits are formed at once in one 64-bit word (SWAR): the nibbles are spread one per
/// byte, and each byte gets `'0'`, plus 39 more where the nibble is 10 or over (`'a' - '0' - 10`).
/// The 36 characters are put together in a stack buffer and appended with one copy: UUID columns
/// are among the widest a generator writes, and per-character appends cost a capacity check each.
@inlinable
package func appendUUID(high: UInt64, low: UInt64, to out: inout [UInt8]) {
    var text: (UInt64, UInt64, UInt64, UInt64, UInt32) = (0, 0, 0, 0, 0)
    withUnsafeMutableBytes(of: &text) { t in
        let dash = UInt8(ascii: "-")
        let b = hexDigits(UInt32(truncatingIfNeeded: high))
        let c = hexDigits(UInt32(truncatingIfNeeded: low >> 32))
        t.storeBytes(of: hexDigits(UInt32(truncatingIfNeeded: high >> 32)), as: UInt64.self)  // 0..<8
        t[8] = dash
        t.storeBytes(of: b, toByteOffset: 9, as: UInt64.self)  // 9..<17; 13 becomes the dash
        t[13] = dash
        t.storeBytes(of: UInt32(truncatingIfNeeded: b.littleEndian >> 32).littleEndian, toByteOffset: 14, as: UInt32.self)
        t[18] = dash
        t.storeBytes(of: c, toByteOffset: 19, as: UInt64.self)  // 19..<27; 23 becomes the dash
        t[23] = dash
        t.storeBytes(of: UInt32(truncatingIfNeeded: c.littleEndian >> 32).littleEndian, toByteOffset: 24, as: UInt32.self)
        t.storeBytes(of: hexDigits(UInt32(truncatingIfNeeded: low)), toByteOffset: 28, as: UInt64.self)  // 28..<36
    }
    withUnsafeBytes(of: &text) { out.append(contentsOf: $0) }
}

/// The eight lowercase hex digits of `value`, most significant first in memory order.
@inlinable @inline(__always)
func hexDigits(_ value: UInt32) -> UInt64 {
    var x = UInt64(value)
    x = (x | x << 16) & 0x0000_FFFF_0000_FFFF
    x = (x | x << 8) & 0x00FF_00FF_00FF_00FF
    x = (x | x << 4) & 0x0F0F_0F0F_0F0F_0F0F  // nibble k (from the least significant) in byte k
    let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
    x = x &+ 0x3030_3030_3030_3030 &+ letters &* 39
    return x.bigEndian  // byte 7, the most significant digit, first in memory
}

/// Parses `YYYY-MM-DD` into days since the epoch, checking the calendar.
public func parseISODate(_ text: String) -> Int64? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
          let y = Int64(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), (1...31).contains(d)
    else { return nil }
    let days = daysSinceEpoch(year: y, month: m, day: d)
    let back = civilDate(daysSinceEpoch: days)
    guard back.year == y && back.month == m && back.day == d else { return nil }  // 2024-02-30
    return days
}
