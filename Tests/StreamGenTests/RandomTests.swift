import Testing

@testable import StreamGen

#if canImport(Glibc)
import Glibc
#endif

/// The streams every dataset is made of. The golden values pin them: if one of these changes,
/// every dataset StreamGen has ever written changes with it.
@Suite("Random streams and distributions")
struct RandomTests {
    @Test("SplitMix64 matches the reference implementation (seed 0)")
    func splitMixReference() {
        // splitmix64.c (Vigna) with x = 0: the first three outputs.
        var rng = SplitMix64(state: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
    }

    /// The expected values were computed by an independent Python transcription of the
    /// documented derivation (FNV-1a names, `mix(key ^ mix(part + γ))`, cells at `mix(key + row·γ)`).
    @Test("stream keys: golden values for seed 42")
    func streamKeyGolden() {
        let key = StreamKey(seed: 42).adding("devapp").adding("fake_users").adding("email")
        var rng = key.cell(0)
        let first = rng.next()
        var other = key.cell(1)
        let second = other.next()
        #expect(StreamKey.hash("devapp") == 7_445_449_161_552_401_151)
        #expect(key.value == 15_189_476_877_822_124_956)
        #expect(first == 331_346_470_723_685_091)
        #expect(second == 8_997_468_428_098_948_901)
        // Order and names matter; the same path gives the same key.
        #expect(StreamKey(seed: 42).adding("a").adding("b") != StreamKey(seed: 42).adding("b").adding("a"))
        #expect(StreamKey(seed: 42).adding("a") == StreamKey(seed: 42).adding("a"))
        #expect(StreamKey(seed: 43).adding("a") != StreamKey(seed: 42).adding("a"))
    }

    @Test("cells are independent of the order they are computed in")
    func cellsAreIndexAddressable() {
        let key = StreamKey(seed: 7).adding("t")
        let forward = (0..<1000).map { row -> UInt64 in var r = key.cell(row); return r.next() }
        let backward = (0..<1000).reversed().map { row -> UInt64 in var r = key.cell(row); return r.next() }
        #expect(forward == backward.reversed())
        #expect(Set(forward).count == 1000)
    }

    @Test("uniform integers cover their range evenly")
    func uniformInts() {
        var counts = [Int](repeating: 0, count: 10)
        var rng = SplitMix64(state: 1)
        let n = 200_000
        for _ in 0..<n { counts[Int(rng.nextInt(in: 0...9))] += 1 }
        // Chi-square with 9 degrees of freedom: 27.9 is the 0.999 quantile.
        let expected = Double(n) / 10
        let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        #expect(chi2 < 27.9, "chi-square \(chi2), counts \(counts)")
        var full = SplitMix64(state: 2)
        for _ in 0..<1000 {
            let v = full.nextInt(in: Int64.min...Int64.max)
            _ = v
            let w = full.nextInt(in: -3...3)
            #expect((-3...3).contains(w))
        }
    }

    @Test("alias table: frequencies follow the weights")
    func aliasTable() {
        let weights = [50.0, 25, 12.5, 12.5, 0]
        let table = AliasTable(weights: weights)
        var counts = [Int](repeating: 0, count: weights.count)
        var rng = SplitMix64(state: 3)
        let n = 400_000
        for _ in 0..<n { counts[table.sample(&rng)] += 1 }
        for (i, w) in weights.enumerated() {
            let p = w / 100
            let observed = Double(counts[i]) / Double(n)
            #expect(abs(observed - p) < 4 * (p * (1 - p) / Double(n)).squareRoot() + 1e-9, "outcome \(i): \(observed) vs \(p)")
        }
        #expect(counts[4] == 0)
    }

    @Test("normal and log-normal: mean, deviation, median")
    func normal() {
        var rng = SplitMix64(state: 4)
        let n = 200_000
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<n {
            let x = Distributions.normal(mean: 10, stddev: 2, &rng)
            sum += x
            sumSquares += x * x
        }
        let mean = sum / Double(n)
        let sd = (sumSquares / Double(n) - mean * mean).squareRoot()
        #expect(abs(mean - 10) < 0.03)
        #expect(abs(sd - 2) < 0.03)
        var values = (0..<n).map { _ in Distributions.logNormal(mu: log(100), sigma: 0.5, &rng) }
        values.sort()
        #expect(abs(values[n / 2] - 100) < 1.5, "median \(values[n / 2])")
        #expect(values.allSatisfy { $0 > 0 })
    }

    @Test("Poisson: mean and variance equal λ, small and large λ")
    func poisson() {
        for lambda in [0.7, 3.0, 45.0, 1000.0] {
            var rng = SplitMix64(state: 5)
            let n = 100_000
            let xs = (0..<n).map { _ in Double(Distributions.poisson(lambda: lambda, &rng)) }
            let mean = xs.reduce(0, +) / Double(n)
            let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            #expect(abs(mean - lambda) < 5 * (lambda / Double(n)).squareRoot(), "λ \(lambda): mean \(mean)")
            #expect(abs(variance / lambda - 1) < 0.03, "λ \(lambda): variance \(variance)")
            #expect(xs.allSatisfy { $0 >= 0 })
        }
    }

    @Test("Zipf: rank frequencies follow k^-s")
    func zipf() {
        let n = 1000
        let s = 1.1
        let z = Zipf(n: n, exponent: s)
        let harmonic = (1...n).reduce(0.0) { $0 + pow(Double($1), -s) }
        var counts = [Int](repeating: 0, count: n + 1)
        var rng = SplitMix64(state: 6)
        let draws = 300_000
        for _ in 0..<draws {
            let k = z.sample(&rng)
            #expect((1...n).contains(k))
            counts[k] += 1
        }
        for k in [1, 2, 10] {
            let p = pow(Double(k), -s) / harmonic
            let observed = Double(counts[k]) / Double(draws)
            #expect(abs(observed - p) < 5 * (p * (1 - p) / Double(draws)).squareRoot(), "rank \(k): \(observed) vs \(p)")
        }
    }

    @Test("Bernoulli rate")
    func bernoulli() {
        var rng = SplitMix64(state: 8)
        let n = 200_000
        let hits = (0..<n).filter { _ in rng.nextBool(probability: 0.032) }.count
        #expect(abs(Double(hits) / Double(n) - 0.032) < 0.002)
    }
}
