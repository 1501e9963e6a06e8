#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Weighted choice among `n` outcomes in O(1) per draw: Vose's alias method. Built once in O(n).
public struct AliasTable: Sendable, Hashable {
    /// The probability of keeping column `i` rather than taking its alias.
    let keep: [Double]
    let alias: [Int32]

    /// The number of outcomes.
    public var count: Int { keep.count }

    /// - Precondition: at least one weight, all finite and ≥ 0, with a positive sum.
    public init(weights: [Double]) {
        precondition(!weights.isEmpty, "a weighted choice needs at least one weight")
        let total = weights.reduce(0, +)
        precondition(total > 0 && total.isFinite && weights.allSatisfy { $0 >= 0 }, "weights must be ≥ 0 with a positive sum")
        let n = weights.count
        var scaled = weights.map { $0 * Double(n) / total }
        var keep = [Double](repeating: 1, count: n)
        var alias = [Int32](repeating: 0, count: n)
        var small: [Int] = []
        var large: [Int] = []
        for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast(), let l = large.last {
            keep[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // What remains (either list) keeps itself: exact up to rounding.
        for i in large { keep[i] = 1; alias[i] = Int32(i) }
        for i in small { keep[i] = 1; alias[i] = Int32(i) }
        self.keep = keep
        self.alias = alias
    }

    /// Draws an outcome index, using one 64-bit draw: the high bits pick the column, the low 53
    /// decide between it and its alias.
    ///
    /// Past 2^11 outcomes the column's bits would overlap the low 53, so a second draw decides.
    @inline(__always)
    public func sample(_ rng: inout SplitMix64) -> Int {
        let bits = rng.next()
        let column = Int(truncatingIfNeeded: bits.multipliedFullWidth(by: UInt64(keep.count)).high)
        let u = keep.count <= 1 << 11 ? Double(bits & 0x1F_FFFF_FFFF_FFFF) * 0x1.0p-53 : rng.nextDouble()
        return u < keep[column] ? column : Int(alias[column])
    }
}

/// Continuous and discrete distributions over a `SplitMix64` stream. Each uses a fixed or
/// bounded number of draws; since every cell has its own stream, none of them can shift another
/// column's values.
public enum Distributions {
    /// A standard normal by Marsaglia's polar method: pairs of draws until one falls in the unit
    /// disc (1.27 pairs on average), then one `log` and one square root, no trigonometry.
    @inline(__always)
    public static func standardNormal(_ rng: inout SplitMix64) -> Double {
        while true {
            let x = 2 * rng.nextDouble() - 1
            let y = 2 * rng.nextDouble() - 1
            let s = x * x + y * y
            if s < 1 && s > 0 { return x * (-2 * log(s) / s).squareRoot() }
        }
    }

    @inline(__always)
    public static func normal(mean: Double, stddev: Double, _ rng: inout SplitMix64) -> Double {
        mean + stddev * standardNormal(&rng)
    }

    /// exp(N(mu, sigma)): mu and sigma are the mean and deviation of the logarithm.
    @inline(__always)
    public static func logNormal(mu: Double, sigma: Double, _ rng: inout SplitMix64) -> Double {
        exp(mu + sigma * standardNormal(&rng))
    }

    @inline(__always)
    public static func exponential(rate: Double, _ rng: inout SplitMix64) -> Double {
        -log(rng.nextOpenDouble()) / rate
    }

    /// Poisson(λ): Knuth's product of uniforms below λ = 30, Hörmann's transformed rejection
    /// (PTRS, 1993) above, whose expected draw count stays near 2.2 whatever λ.
    public static func poisson(lambda: Double, _ rng: inout SplitMix64) -> Int64 {
        poisson(lambda: lambda, expMinusLambda: exp(-lambda), &rng)
    }

    /// Poisson(λ) with exp(-λ) computed once by the caller.
    @inline(__always)
    public static func poisson(lambda: Double, expMinusLambda limit: Double, _ rng: inout SplitMix64) -> Int64 {
        if lambda <= 0 { return 0 }
        if lambda < 30 {
            var product = rng.nextDouble()
            var k: Int64 = 0
            while product > limit {
                k += 1
                product *= rng.nextDouble()
            }
            return k
        }
        let slam = lambda.squareRoot()
        let loglam = log(lambda)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.02483 * b
        let invalpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = rng.nextDouble() - 0.5
            let v = rng.nextDouble()
            let us = 0.5 - abs(u)
            let k = floor((2 * a / us + b) * u + lambda + 0.43)
            if !k.isFinite || k > 9e18 { continue }  // us == 0: a draw of exactly 0 or 1
            if us >= 0.07 && v <= vr { return Int64(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1) {
                return Int64(k)
            }
        }
    }
}

/// Zipf over 1...n with exponent s > 0 (rank k has weight k^-s), by Hörmann and Derflinger's
/// rejection-inversion (1996): O(1) expected time and no table, so n can be a billion users.
public struct Zipf: Sendable, Hashable {
    public let n: Int
    public let exponent: Double
    let hIntegralX1: Double
    let hIntegralN: Double
    let s: Double

    /// - Precondition: n ≥ 1, exponent > 0.
    public init(n: Int, exponent: Double) {
        precondition(n >= 1 && exponent > 0, "Zipf needs n ≥ 1 and an exponent > 0")
        self.n = n
        self.exponent = exponent
        hIntegralX1 = Zipf.hIntegral(1.5, exponent) - 1
        hIntegralN = Zipf.hIntegral(Double(n) + 0.5, exponent)
        s = 2 - Zipf.hIntegralInverse(Zipf.hIntegral(2.5, exponent) - Zipf.h(2, exponent), exponent)
    }

    /// A rank in 1...n.
    public func sample(_ rng: inout SplitMix64) -> Int {
        while true {
            let u = hIntegralN + rng.nextDouble() * (hIntegralX1 - hIntegralN)
            let x = Zipf.hIntegralInverse(u, exponent)
            // Clamped before the conversion: x can exceed Int's range (or be NaN) for huge n.
            let rounded = x + 0.5
            let k = rounded >= 1 ? (rounded < Double(n) ? Int(rounded) : n) : 1
            if Double(k) - x <= s || u >= Zipf.hIntegral(Double(k) + 0.5, exponent) - Zipf.h(Double(k), exponent) {
                return k
            }
        }
    }

    static func h(_ x: Double, _ e: Double) -> Double { exp(-e * log(x)) }

    /// The generalised harmonic number H(m, s) = Σ_{k=1}^{m} k^-s: the first 64 terms summed,
    /// the rest by Euler–Maclaurin (integral, half the end terms, the first derivative term).
    static func harmonic(_ m: Int, _ s: Double) -> Double {
        let exact = Swift.min(m, 64)
        var sum = 0.0
        for k in 1...Swift.max(exact, 1) where k <= m { sum += exp(-s * log(Double(k))) }
        guard m > exact else { return sum }
        let a = Double(exact), b = Double(m)
        let integral = abs(s - 1) < 1e-12 ? log(b / a) : (exp((1 - s) * log(b)) - exp((1 - s) * log(a))) / (1 - s)
        let ends = (exp(-s * log(b)) - exp(-s * log(a))) / 2
        let derivative = s / 12 * (exp(-(s + 1) * log(a)) - exp(-(s + 1) * log(b)))
        return sum + integral + ends + derivative
    }

    /// The exponent with which the top `top` share of n ranks (the first ⌈top·n⌉) draws `share`
    /// of the samples: 0.2 and 0.8 give the 80/20 rule for this n. Found by bisection; the share
    /// grows with the exponent.
    public static func exponent(n: Int, top: Double, share: Double) -> Double {
        let m = Swift.max(1, Swift.min(n, Int((Double(n) * top).rounded(.up))))
        func shareOf(_ s: Double) -> Double { harmonic(m, s) / harmonic(n, s) }
        var lo = 1e-3, hi = 8.0
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if shareOf(mid) < share { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    static func hIntegral(_ x: Double, _ e: Double) -> Double {
        let logX = log(x)
        return helper2((1 - e) * logX) * logX
    }

    static func hIntegralInverse(_ x: Double, _ e: Double) -> Double {
        var t = x * (1 - e)
        if t < -1 { t = -1 }
        return exp(helper1(t) * x)
    }

    /// log(1 + x) / x, stable near 0.
    static func helper1(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x))
    }

    /// (exp(x) - 1) / x, stable near 0.
    static func helper2(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x))
    }
}
