import Columnar

/// Orders a file's rows by sort keys whose values do not follow the row number.
///
/// Rows are index-addressable, so sorting a file means sorting its row numbers: each row's keys
/// are encoded into one byte string that compares like the keys (big-endian integers with the
/// sign bit flipped, doubles in their total order, text as bytes then a 0 byte), and the row
/// numbers are sorted by those strings, ties by row number. Only the keys are held, never rows.
struct RowSorter {
    let keys: [Generator]
    /// The table's rows (text lengths are sampled among them).
    var rows = 1

    /// The bytes a row's keys take, for the memory budget (text estimated from a sample).
    func estimatedKeyBytes() -> Int {
        var total = 0
        for key in keys {
            switch key.kind {
            case .text: total += key.averageTextLength(rows: rows) + 1
            case .uuid: total += 16
            default: total += 8
            }
        }
        return total + 8
    }

    /// `rows` sorted by the keys, then by row number.
    func sorted(_ rows: [Int]) -> [Int] {
        // One integer key (a time, a date, an id): sort (key, row) pairs directly.
        if keys.count == 1, [.integer, .boolean, .timestamp, .date].contains(keys[0].kind) {
            let key = keys[0]
            var pairs = rows.map { (key.int64($0), $0) }
            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            return pairs.map(\.1)
        }
        var arena: [UInt8] = []
        var offsets: [Int] = [0]
        offsets.reserveCapacity(rows.count + 1)
        for row in rows {
            for key in keys { append(key, row, to: &arena) }
            offsets.append(arena.count)
        }
        var order = Array(0..<rows.count)
        arena.withUnsafeBytes { bytes in
            let base = bytes.baseAddress!
            order.sort { a, b in
                let c = compareBytes(UnsafeRawBufferPointer(start: base + offsets[a], count: offsets[a + 1] - offsets[a]),
                                     UnsafeRawBufferPointer(start: base + offsets[b], count: offsets[b + 1] - offsets[b]))
                return c != 0 ? c < 0 : rows[a] < rows[b]
            }
        }
        return order.map { rows[$0] }
    }

    private func append(_ key: Generator, _ row: Int, to out: inout [UInt8]) {
        switch key.kind {
        case .integer, .boolean, .timestamp, .date:
            appendBigEndian(UInt64(bitPattern: key.int64(row)) ^ (1 << 63), to: &out)
        case .double:
            let bits = key.double(row).bitPattern
            appendBigEndian(bits >> 63 == 1 ? ~bits : bits | (1 << 63), to: &out)
        case .uuid:
            let (high, low) = key.uuid(row)
            appendBigEndian(high, to: &out)
            appendBigEndian(low, to: &out)
        case .text:
            key.appendText(row, to: &out)
            out.append(0)
        }
    }

    private func appendBigEndian(_ v: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }
}
