import TestSupport
import Testing
@testable import Columnar

/// Decodes the RLE/bit-packed hybrid: the reference the encoder is checked against.
func decodeRLEHybrid(_ data: [UInt8], bitWidth: Int, count: Int) -> [UInt32] {
    var out: [UInt32] = []
    var i = 0
    func varint() -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = data[i]
            i += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }
    while out.count < count {
        let header = varint()
        if header & 1 == 0 {
            var value: UInt32 = 0
            for k in 0..<((bitWidth + 7) / 8) { value |= UInt32(data[i + k]) << (8 * UInt32(k)) }
            i += (bitWidth + 7) / 8
            out.append(contentsOf: repeatElement(value, count: Int(header >> 1)))
        } else {
            let values = Int(header >> 1) * 8
            var bitPos = 0
            for _ in 0..<values {
                var v: UInt32 = 0
                for b in 0..<bitWidth {
                    let bit = (data[i + (bitPos + b) / 8] >> UInt8((bitPos + b) % 8)) & 1
                    v |= UInt32(bit) << UInt32(b)
                }
                bitPos += bitWidth
                out.append(v)
            }
            i += values * bitWidth / 8
        }
    }
    return Array(out.prefix(count))
}

@Suite("Encodings")
struct EncodingTests {
    @Test("Encodings.md's bit-packed example: 0…7 at width 3 is 03 88 C6 FA")
    func bitPackedGolden() {
        var out: [UInt8] = []
        let values: [UInt32] = [0, 1, 2, 3, 4, 5, 6, 7]
        values.withUnsafeBufferPointer { appendRLEHybrid($0, bitWidth: 3, to: &out) }
        #expect(out == [0x03, 0x88, 0xC6, 0xFA])
    }

    @Test("100 repeats become one RLE run: varint(200), value")
    func rleRunGolden() {
        var out: [UInt8] = []
        let values = [UInt32](repeating: 5, count: 100)
        values.withUnsafeBufferPointer { appendRLEHybrid($0, bitWidth: 3, to: &out) }
        #expect(out == [0xC8, 0x01, 0x05])
    }

    @Test("a value of width 9 takes two bytes in an RLE run")
    func wideRun() {
        var out: [UInt8] = []
        let values = [UInt32](repeating: 300, count: 9)
        values.withUnsafeBufferPointer { appendRLEHybrid($0, bitWidth: 9, to: &out) }
        #expect(out == [0x12, 0x2C, 0x01])
    }

    @Test("random runs and literals round-trip at every bit width", arguments: [0, 1, 2, 3, 7, 8, 13, 20, 32])
    func roundTrip(width: Int) {
        var rng = TestRNG(seed: UInt64(width) &+ 17)
        for _ in 0..<60 {
            var values: [UInt32] = []
            let mask: UInt64 = width == 32 ? 0xFFFF_FFFF : (1 << UInt64(width)) - 1
            while values.count < Int(rng.next() % 400) {
                let v = UInt32(rng.next() & mask)
                let repeats = rng.next() % 3 == 0 ? Int(rng.next() % 30) : 1
                values.append(contentsOf: repeatElement(v, count: repeats))
            }
            var out: [UInt8] = []
            values.withUnsafeBufferPointer { appendRLEHybrid($0, bitWidth: width, to: &out) }
            #expect(decodeRLEHybrid(out, bitWidth: width, count: values.count) == values)
        }
    }

    @Test("definition levels carry a 4-byte little-endian length")
    func levelsLength() {
        var out: [UInt8] = [0xAA]
        let levels: [UInt8] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
        levels.withUnsafeBufferPointer { appendDefinitionLevels($0, to: &out) }
        #expect(out == [0xAA, 2, 0, 0, 0, 0x14, 0x01])
    }

    @Test("PLAIN booleans are bit-packed LSB first")
    func plainBooleans() {
        var out: [UInt8] = []
        let bits: [UInt8] = [1, 0, 1, 1, 0, 0, 0, 0, 1]
        bits.withUnsafeBufferPointer { appendPlainBooleans($0, to: &out) }
        #expect(out == [0b0000_1101, 0b0000_0001])
    }

    @Test("the hash dictionary gives first-seen codes and finds every value again")
    func hashDictionary() {
        var numbers = HashDictionary(keys: .numeric(width: 8))
        var strings = HashDictionary(keys: .byteArray)
        for round in 0..<2 {
            for i in 0..<5000 {
                #expect(numbers.code(numeric: UInt64(i * 7919)) == UInt32(i))
                let text = Array("value-\(i)".utf8)
                let code = text.withUnsafeBytes { strings.code(bytes: $0) }
                #expect(code == UInt32(i), "round \(round)")
            }
        }
        #expect(numbers.count == 5000 && numbers.plainSize == 40_000)
        let empty = [UInt8]().withUnsafeBytes { strings.code(bytes: $0) }
        #expect(empty == 5000)
    }

    @Test("keys of every length up to 40 that differ in one byte get their own codes")
    func hashDictionaryNearKeys() {
        // Word-at-a-time hashing and comparison read the last word overlapping the one before:
        // a difference in any byte, in either part, must still tell two keys apart.
        var strings = HashDictionary(keys: .byteArray)
        var expected: UInt32 = 0
        for length in 0...40 {
            let base = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            #expect(base.withUnsafeBytes { strings.code(bytes: $0) } == expected, "length \(length)")
            expected += 1
            for position in 0..<length {
                var key = base
                key[position] = UInt8(ascii: "b")
                #expect(key.withUnsafeBytes { strings.code(bytes: $0) } == expected, "length \(length), byte \(position)")
                expected += 1
            }
        }
        #expect(strings.count == Int(expected))
        // Found again, not added: 17 "a"s came after 1 + 2 + … + 17 keys of lengths 0…16.
        #expect([UInt8](repeating: UInt8(ascii: "a"), count: 17).withUnsafeBytes { strings.code(bytes: $0) } == 17 * 18 / 2)
        #expect(strings.count == Int(expected))
    }

    @Test("bit width of dictionary indices")
    func widths() {
        #expect(bitWidth(of: 0) == 0)
        #expect(bitWidth(of: 1) == 1)
        #expect(bitWidth(of: 2) == 2)
        #expect(bitWidth(of: 255) == 8)
        #expect(bitWidth(of: 256) == 9)
    }
}
