/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
/// 2014): a 64-bit state advanced by the golden-ratio increment and passed through a variant-13
/// finaliser. It passes BigCrush, costs one add and two multiply-xorshift rounds per draw, and is
/// the generator behind every value StreamGen writes.
///
/// StreamGen never runs one long stream. Every cell has a stream of its own, started by
/// `StreamKey.cell(_:row:)`, so that any value can be recomputed from (seed, pack, table, column,
/// row) alone, in any order, on any machine. The streams are pinned by golden-value tests:
/// changing this file changes every dataset.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    /// The golden-ratio increment, 2^64 / φ, odd.
    public static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inline(__always)
    public init(state: UInt64) { self.state = state }

    /// SplitMix64's output function (Stafford's variant 13): a bijection on 64-bit values with
    /// full avalanche. Also the mixing function of `StreamKey`.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= Self.gamma
        return Self.mix(state)
    }

    /// A double uniform in [0, 1), from the top 53 bits.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A double uniform in (0, 1]: safe under `log`.
    @inline(__always)
    public mutating func nextOpenDouble() -> Double {
        Double((next() >> 11) + 1) * 0x1.0p-53
    }

    /// An integer uniform in `0..<bound` by Lemire's multiply-shift (the bias, under bound / 2^64,
    /// is far below anything a dataset can show; the draw count stays fixed at one).
    @inline(__always)
    public mutating func nextIndex(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// An integer uniform in `range`.
    @inline(__always)
    public mutating func nextInt(in range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int64(bitPattern: next()) }  // the full 64-bit range
        return range.lowerBound &+ Int64(bitPattern: next().multipliedFullWidth(by: span).high)
    }

    /// `true` with probability `p`.
    @inline(__always)
    public mutating func nextBool(probability p: Double) -> Bool {
        nextDouble() < p
    }
}

/// How StreamGen derives the seed of every stream from the user's `--seed`.
///
/// Keys are chained: `StreamKey(seed).adding("devapp").adding("fake_users").adding("email")` names
/// the email column of devapp's users; `cell(row:)` then starts the stream of one row. Each step
/// is `mix(key ^ mix(part))`, so keys that differ in any part are unrelated, and the order of the
/// parts matters.
public struct StreamKey: Hashable, Sendable {
    public let value: UInt64

    public init(seed: UInt64) { value = SplitMix64.mix(seed &+ SplitMix64.gamma) }

    init(value: UInt64) { self.value = value }

    /// The key of a named sub-stream: a pack, a table, a column, a role.
    public func adding(_ name: String) -> StreamKey {
        adding(StreamKey.hash(name))
    }

    /// The key of a numbered sub-stream: a day, a part.
    public func adding(_ part: UInt64) -> StreamKey {
        StreamKey(value: SplitMix64.mix(value ^ SplitMix64.mix(part &+ SplitMix64.gamma)))
    }

    /// The stream of one row under this key: a pure function of (key, row).
    @inline(__always)
    public func cell(_ row: Int) -> SplitMix64 {
        SplitMix64(state: SplitMix64.mix(value &+ UInt64(bitPattern: Int64(row)) &* SplitMix64.gamma))
    }

    /// FNV-1a over the UTF-8 bytes: names become stream parts the same on every platform
    /// (Swift's `hashValue` is randomly seeded per process and is never used).
    public static func hash(_ name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return h
    }
}
