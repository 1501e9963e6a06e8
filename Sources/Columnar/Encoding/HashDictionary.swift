/// A column chunk's dictionary under construction: distinct values in first-seen order, and an
/// open-addressing hash table (linear probing, load factor ≤ 1/2) from value to code.
///
/// Keys are either 64-bit patterns (INT32, INT64 and DOUBLE values, compared bit for bit) or byte
/// strings (BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY), kept in one arena. Swift's `Dictionary` costs
/// ~90 ns per insert here (SipHash, SWIFTPM.md §7); this table hashes with multiply-xorshift.
struct HashDictionary {
    enum Keys {
        /// Fixed-width numbers, PLAIN-encoded in `width` bytes (4 or 8).
        case numeric(width: Int)
        /// Variable-length byte strings (PLAIN with a 4-byte length prefix).
        case byteArray
        /// Byte strings of one fixed length (PLAIN without a prefix).
        case fixedLength(Int)
    }

    let keys: Keys
    private(set) var numericKeys: [UInt64] = []
    private(set) var arena: [UInt8] = []
    private(set) var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Entry index + 1 per slot; 0 is empty.
    private var slots: [UInt32] = []
    private var shift: UInt64 = 64
    /// The code of the last byte-string key looked up: a key equal to the one before it (a
    /// session's id on each of its events) is answered without hashing or probing.
    private var lastCode: Int?
    /// The size of the PLAIN-encoded dictionary page body.
    private(set) var plainSize = 0

    init(keys: Keys) {
        self.keys = keys
        resizeTable(to: 1024)
    }

    /// The number of distinct values.
    var count: Int {
        if case .numeric = keys { return numericKeys.count }
        return starts.count - 1
    }

    /// Forgets every value, keeping the memory.
    mutating func reset() {
        numericKeys.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        starts.append(0)
        hashes.removeAll(keepingCapacity: true)
        lastCode = nil
        for i in slots.indices { slots[i] = 0 }
        plainSize = 0
    }

    // MARK: Lookup and insert

    /// The code of a numeric value, inserting it if new.
    @inline(__always)
    mutating func code(numeric key: UInt64) -> UInt32 {
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = slots.count - 1
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if numericKeys[Int(entry - 1)] == key { return entry - 1 }
            slot = (slot + 1) & mask
        }
        let code = UInt32(numericKeys.count)
        numericKeys.append(key)
        if case .numeric(let width) = keys { plainSize += width }
        slots[slot] = code + 1
        if numericKeys.count * 2 > slots.count { resizeTable(to: slots.count * 2) }
        return code
    }

    /// The code of a byte-string value, inserting it if new.
    @inline(__always)
    mutating func code(bytes key: UnsafeRawBufferPointer) -> UInt32 {
        if let last = lastCode, withEntry(last, { bytesEqual($0, key) }) { return UInt32(last) }
        let hash = hashBytes(key)
        var slot = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = slots.count - 1
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let index = Int(entry - 1)
            if hashes[index] == hash {
                let start = starts[index]
                let length = starts[index + 1] - start
                if length == key.count {
                    let equal = arena.withUnsafeBytes { a in
                        bytesEqual(UnsafeRawBufferPointer(rebasing: a[start..<(start + length)]), key)
                    }
                    if equal {
                        lastCode = index
                        return UInt32(index)
                    }
                }
            }
            slot = (slot + 1) & mask
        }
        let code = UInt32(hashes.count)
        arena.append(contentsOf: key)
        starts.append(arena.count)
        hashes.append(hash)
        if case .byteArray = keys { plainSize += 4 }
        plainSize += key.count
        slots[slot] = code + 1
        lastCode = Int(code)
        if hashes.count * 2 > slots.count { resizeTable(to: slots.count * 2) }
        return code
    }

    /// The bytes of entry `code` (byte-string keys).
    func withEntry<R>(_ code: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[starts[code]..<starts[code + 1]])) }
    }

    /// Appends entry `code`, PLAIN-encoded.
    func appendPlainEntry(_ code: Int, to out: inout [UInt8]) {
        switch keys {
        case .numeric(let width):
            let key = numericKeys[code]
            if width == 4 {
                appendLittleEndian(UInt32(truncatingIfNeeded: key), to: &out)
            } else {
                appendLittleEndian(key, to: &out)
            }
        case .byteArray:
            withEntry(code) { appendPlainByteArray($0, to: &out) }
        case .fixedLength:
            withEntry(code) { out.append(contentsOf: $0) }
        }
    }

    /// Appends the dictionary page body: every entry, PLAIN-encoded, in code order.
    func appendPlain(to out: inout [UInt8]) {
        if case .fixedLength = keys {
            out.append(contentsOf: arena)  // the arena already is the PLAIN form
            return
        }
        for code in 0..<count { appendPlainEntry(code, to: &out) }
    }

    // MARK: Table

    private mutating func resizeTable(to capacity: Int) {
        slots = [UInt32](repeating: 0, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        let mask = capacity - 1
        for index in 0..<count {
            let h: UInt64
            if case .numeric = keys { h = numericKeys[index] } else { h = hashes[index] }
            var slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(index + 1)
        }
    }
}

/// A 64-bit hash of a byte string: 8 bytes at a time, multiply-rotate per word, xorshift-multiply
/// finish. Not cryptographic; good enough to spread generated values over a power-of-two table.
@inline(__always)
func hashBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    var h: UInt64 = 0x2545_F491_4F6C_DD1D ^ (UInt64(bytes.count) &* p1)
    var i = 0
    let n = bytes.count
    while i + 8 <= n {
        let k = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = ((h ^ (k &* p2)) << 31 | (h ^ (k &* p2)) >> 33) &* p1
        i += 8
    }
    if i < n {
        var k: UInt64 = 0
        if n >= 8 {
            // The last 8 bytes, overlapping words already hashed: one load instead of a byte loop.
            k = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            var shift: UInt64 = 0
            while i < n {
                k |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
        }
        h = ((h ^ (k &* p2)) << 31 | (h ^ (k &* p2)) >> 33) &* p1
    }
    h ^= h >> 33
    h = h &* p2
    h ^= h >> 29
    return h
}

/// Whether two byte strings are equal: 8 bytes at a time, the last word overlapping, inline rather
/// than a `memcmp` call (dictionary keys are mostly short: ids, paths, codes).
@inline(__always)
func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let n = a.count
    guard n == b.count else { return false }
    if n < 8 {
        for i in 0..<n where a[i] != b[i] { return false }
        return true
    }
    var i = 0
    while i + 8 < n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    return a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
}
