import Columnar

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The retail pack's dimensions and series, each a pure function of the dataset's seed and the
/// row: a store's region or a product's launch day is recomputed wherever it is needed.
struct RetailModel: Sendable {
    let config: RetailConfig
    /// The seed of the dimensions (the first segment's): an append keeps it.
    let seed: UInt64
    /// The dataset's first day: trends count from it in every segment.
    let originDay: Int64
    let stores: Int
    let products: Int
    /// The (store, product) series left out (`missing_combinations_pct`): an exact share.
    let missing: QuotaSelector
    let key: StreamKey

    init(config: RetailConfig, seed: UInt64, originDay: Int64) {
        self.config = config
        self.seed = seed
        self.originDay = originDay
        self.stores = config.stores
        self.products = config.products
        key = StreamKey(seed: seed).adding("retail")
        missing = QuotaSelector(key: key.adding("missing"), rows: config.stores * config.products, rate: config.missingCombinationsShare)
    }

    var seriesCount: Int { stores * products }

    func isActive(series k: Int) -> Bool { !missing.contains(k) }

    // MARK: Stores

    struct Store: Sendable {
        let id: Int32
        let code: String
        let name: String
        let region: Int
        let type: Int
        let city: String
        let openedDay: Int64
        /// Demand relative to an average store.
        let factor: Double
        /// Prices relative to the product's base price.
        let priceIndex: Double
    }

    static let typeFactors: [String: Double] = ["supermarket": 1.2, "express": 0.6, "warehouse": 1.5, "hypermarket": 1.8, "online": 1.0]

    func store(_ i: Int) -> Store {
        var rng = key.adding("store").cell(i)
        let region = rng.nextIndex(config.regions.count)
        let type = rng.nextIndex(config.storeTypes.count)
        var city: [UInt8] = []
        let place = rng.nextIndex(USPlaces.table.count)
        city.append(contentsOf: USPlaces.table[place].city.utf8)
        let width = Swift.max(4, String(stores).count)
        var code: [UInt8] = Array("S".utf8)
        var n = UInt64(i + 1)
        appendDigits(&n, minimumWidth: width, to: &code)
        let typeName = config.storeTypes[type]
        let factor = (RetailModel.typeFactors[typeName] ?? 1) * exp(0.3 * Distributions.standardNormal(&rng) - 0.045)
        let priceIndex = 1 + 0.05 * (2 * rng.nextDouble() - 1)
        let opened = originDay - 365 - Int64(rng.nextIndex(3_650))
        let cityName = String(decoding: city, as: UTF8.self)
        return Store(id: Int32(i + 1), code: String(decoding: code, as: UTF8.self),
                     name: "\(cityName) \(typeName.prefix(1).uppercased())\(typeName.dropFirst())", region: region, type: type, city: cityName,
                     openedDay: opened, factor: factor, priceIndex: priceIndex)
    }

    // MARK: Products

    struct Product: Sendable {
        let id: Int32
        let sku: String
        let name: String
        let category: Int
        let brand: Int
        let basePriceCents: Int64
        let launchDay: Int64
        let discontinuedDay: Int64?
        let factor: Double
    }

    static let nouns = ["Cola", "Lemonade", "Sparkling Water", "Iced Tea", "Chips", "Pretzels", "Crackers", "Yogurt", "Cheddar",
                        "Milk", "Butter", "Ice Cream", "Frozen Pizza", "Peas", "Cookies", "Granola", "Juice", "Coffee", "Chocolate", "Nuts"]
    static let sizes = ["250ml", "330ml", "500ml", "1L", "150g", "200g", "400g", "1kg", "6-pack", "12-pack"]

    func product(_ j: Int) -> Product {
        var rng = key.adding("product").cell(j)
        let category = rng.nextIndex(config.categories.count)
        let brand = rng.nextIndex(config.brands.count)
        let noun = RetailModel.nouns[rng.nextIndex(RetailModel.nouns.count)]
        let size = RetailModel.sizes[rng.nextIndex(RetailModel.sizes.count)]
        let price = (exp(log(4.5) + 0.7 * Distributions.standardNormal(&rng)) * 100).rounded()
        let cents = Int64(Swift.min(Swift.max(price, 49), 19_999)) / 10 * 10 + 9  // x.x9
        let days = Int64(config.days)
        var launch = originDay - 30 - Int64(rng.nextIndex(1_000))
        if rng.nextDouble() < config.launchShare && days > 28 { launch = originDay + Int64(rng.nextIndex(Int(days - 14))) }
        var discontinued: Int64?
        if rng.nextDouble() < config.endOfLifeShare && days > 120 {
            let d = originDay + 60 + Int64(rng.nextIndex(Int(days - 60)))
            if d >= launch + 90 { discontinued = d }
        }
        var sku: [UInt8] = Array("SKU-".utf8)
        var n = UInt64(j + 1)
        appendDigits(&n, minimumWidth: Swift.max(5, String(products).count), to: &sku)
        return Product(
            id: Int32(j + 1), sku: String(decoding: sku, as: UTF8.self), name: "\(config.brands[brand]) \(noun) \(size)", category: category,
            brand: brand, basePriceCents: cents, launchDay: launch, discontinuedDay: discontinued,
            factor: exp(0.5 * Distributions.standardNormal(&rng) - 0.125))
    }

    // MARK: Calendar

    /// The holiday of `day`: the configuration's list when it has one, US retail holidays otherwise.
    func holiday(_ day: Int64) -> (name: String, multiplier: Double)? {
        if let list = config.holidays {
            return list.first { $0.day == day }.map { ($0.name, $0.multiplier) }
        }
        let m = Holidays.multiplier(day: day)
        if let name = Holidays.name(day: day) { return (name, m) }
        return nil
    }

    /// The demand multiplier of day `day` common to every series: trend, week, month, holiday.
    func dayMultiplier(_ day: Int64) -> Double {
        let t = Double(day - originDay)
        var m: Double
        switch config.trend {
        case .none: m = 1
        case .linear: m = Swift.max(0, 1 + config.trendSlope / 100 * t)
        case .exponential: m = exp(t * log1p(config.trendSlope / 100))
        }
        let weekday = Int(((day % 7) + 7 + 3) % 7)
        m *= config.weeklySeasonality[weekday]
        if weekday >= 5 { m *= config.weekendSpike }
        let (_, month, _) = civilDate(daysSinceEpoch: day)
        m *= config.monthlySeasonality[month] ?? 1
        if let list = config.holidays {
            if let h = list.first(where: { $0.day == day }) { m *= h.multiplier }
        } else {
            m *= Holidays.multiplier(day: day)
        }
        return m.isFinite ? Swift.min(m, 1e6) : 1e6
    }
}

/// What a series carries from one segment to the next: stock, the order on its way, unmet
/// demand, the demand rate the reorder policy follows, the price in effect and its window.
struct SeriesState: Sendable, Hashable {
    var onHand: Int64
    var onOrder: Int64
    var arrivalDay: Int64
    var backlog: Int64
    var priceCents: Int64
    var priceFrom: Int64
    var priceUntil: Int64
    /// Units a day, smoothed over the last weeks' demand.
    var demandRate: Double
}

/// One segment of days (the first run, or an append) of one shard of series.
struct RetailSegment: Sendable, Hashable {
    let startDay: Int64
    let endDay: Int64
    let seed: UInt64
    /// `p20240101-20241231`: the prefix of the segment's file names.
    var tag: String {
        func compact(_ d: Int64) -> String { formatISODate(d).filter { $0 != "-" } }
        return "p\(compact(startDay))-\(compact(endDay))"
    }
    var days: Int { Int(endDay - startDay + 1) }
}

/// The rows a shard writes, handed over chunk by chunk.
protocol RetailSink {
    mutating func sales(day: Int64, store: Int32, product: Int32, quantity: Int64, unitPriceCents: Int64, promotion: Int64?) throws(ColumnarError)
    mutating func inventory(day: Int64, store: Int32, product: Int32, onHand: Int64, onOrder: Int64, stockout: Bool, unmet: Int64) throws(ColumnarError)
    mutating func price(store: Int32, product: Int32, cents: Int64, from: Int64, to: Int64) throws(ColumnarError)
    mutating func promotion(id: Int64, store: Int32, product: Int32, name: String, discountBasisPoints: Int64, from: Int64, to: Int64) throws(ColumnarError)
}

/// A series as the daily loop reads it: plain values only, no strings, no arrays of its own.
struct HotSeries {
    let k: Int
    let store: Int32
    let product: Int32
    let base: Double
    let lead: Int64
    let safety: Double
    let cover: Double
    let launch: Int64
    let end: Int64
    let basePrice: Int64
    let first: Int64
    let last: Int64
    let promotions: Range<Int>
    let gaps: Range<Int>
}

/// A series' fixed figures: its demand level and its reorder policy.
struct SeriesPlan: Sendable {
    let k: Int
    let store: RetailModel.Store
    let product: RetailModel.Product
    /// Units a day at multiplier 1.
    let base: Double
    let leadTime: Int64
    /// Days of demand kept beyond the lead time before reordering.
    let safetyDays: Double
    /// Days of demand an order covers.
    let coverDays: Double
    /// The first state of a series that has none yet.
    let initialOnHandDays: Double
    let firstPriceDays: Int64
}

/// A series' promotions and gaps inside one segment.
struct SegmentPlan: Sendable {
    /// Discounts in basis points (1500: 15 %).
    var promotions: [(id: Int64, from: Int64, to: Int64, discount: Int64)] = []
    var gaps: [ClosedRange<Int64>] = []
    /// The days the series sells in the segment: from its launch to the day before it ends.
    var alive: ClosedRange<Int64>?

    /// Rows the series writes in the segment: alive days outside every gap.
    var rows: Int {
        guard let alive else { return 0 }
        var count = alive.count
        var covered: [ClosedRange<Int64>] = gaps.compactMap { $0.clamped(to: alive).isEmpty ? nil : $0.clamped(to: alive) }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<Int64>] = []
        for g in covered {
            if let last = merged.last, g.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...Swift.max(last.upperBound, g.upperBound)
            } else {
                merged.append(g)
            }
        }
        covered = merged
        for g in covered { count -= g.count }
        return count
    }
}

extension RetailModel {
    func seriesPlan(_ k: Int, store: Store, product: Product) -> SeriesPlan {
        var rng = key.adding("series").cell(k)
        return SeriesPlan(k: k, store: store, product: product, base: config.baseDemand * store.factor * product.factor,
                          leadTime: Int64(2 + rng.nextIndex(4)), safetyDays: 3 + 3 * rng.nextDouble(), coverDays: 14 + 7 * rng.nextDouble(),
                          initialOnHandDays: 10 + 10 * rng.nextDouble(), firstPriceDays: 30 + Int64(rng.nextIndex(90)))
    }

    /// The promotion id of a window: the series (1-based) times a million, plus its first day
    /// counted from the dataset's origin: unique across every segment.
    func promotionID(series k: Int, start: Int64) -> Int64 { Int64(k + 1) * 1_000_000 + (start - originDay) }

    func segmentPlan(_ plan: SeriesPlan, segment: RetailSegment) -> SegmentPlan {
        var out = SegmentPlan()
        let p = plan.product
        let first = Swift.max(segment.startDay, p.launchDay), last = Swift.min(segment.endDay, (p.discontinuedDay ?? .max) - 1)
        guard last >= first else { return out }
        out.alive = first...last
        var rng = StreamKey(seed: segment.seed).adding("retail").adding(UInt64(bitPattern: segment.startDay)).adding("plan").cell(plan.k)
        let span = Int(last - first + 1)
        if config.promotionProbability > 0 {
            // Windows of 7 to 14 days, one per slot of span / count days, never overlapping.
            let length = 7 + rng.nextIndex(8)
            let count = Int((config.promotionProbability * Double(span) / Double(length)).rounded())
            for c in 0..<count {
                let slotStart = first + Int64(span * c / count), slotEnd = first + Int64(span * (c + 1) / count) - 1
                let l = Int64(Swift.min(length, Int(slotEnd - slotStart + 1)))
                guard l >= 1 else { continue }
                let start = slotStart + Int64(rng.nextIndex(Int(slotEnd - slotStart - l + 2)))
                let discount = RetailModel.discounts[rng.nextIndex(RetailModel.discounts.count)]
                out.promotions.append((promotionID(series: plan.k, start: start), start, start + l - 1, discount))
            }
        }
        if span > 20 {
            for _ in 0..<config.randomGapsPerSeries {
                let length = Int64(3 + rng.nextIndex(8))
                let start = first + Int64(rng.nextIndex(Int(Int64(span) - length)))
                out.gaps.append(start...(start + length - 1))
            }
        }
        return out
    }

    /// In basis points: 10 % to 30 %.
    static let discounts: [Int64] = [1000, 1500, 2000, 2500, 3000]

    /// The price less a discount, in cents, rounded half up as SQL's round(price * (1 - pct), 2) does.
    @inline(__always)
    static func discounted(_ cents: Int64, basisPoints: Int64) -> Int64 { (cents * (10_000 - basisPoints) + 5_000) / 10_000 }

    /// The series of `range` that exist, with their stores and products (each made once).
    func plans(_ range: Range<Int>) -> [SeriesPlan] {
        var stores: [Int: Store] = [:]
        var products: [Int: Product] = [:]
        var out: [SeriesPlan] = []
        for k in range where isActive(series: k) {
            let si = k / self.products, pj = k % self.products
            let s: Store
            if let cached = stores[si] { s = cached } else { s = store(si); stores[si] = s }
            let p: Product
            if let cached = products[pj] { p = cached } else { p = product(pj); products[pj] = p }
            out.append(seriesPlan(k, store: s, product: p))
        }
        return out
    }

    /// The price-elasticity factor of a price against the product's base price.
    func priceFactor(_ cents: Int64, base: Int64) -> Double {
        exp(config.priceElasticity * log(Swift.max(Double(cents) / Double(base), 1e-6)))
    }

    /// Simulates `segment` for the series of `plans`, day after day, series after series within a
    /// day, so the sales and inventory rows come out sorted by (date, store, product). `states`
    /// holds each series' state on entry (nil: a new series) and on exit.
    func simulate<S: RetailSink>(_ plans: [SeriesPlan], segment: RetailSegment, states: inout [SeriesState?], sink: inout S,
                                 shouldStop: () -> Bool) throws(ColumnarError) {
        let segmentKey = StreamKey(seed: segment.seed).adding("retail").adding(UInt64(bitPattern: segment.startDay)).adding("day")
        var segmentPlans: [SegmentPlan] = []
        segmentPlans.reserveCapacity(plans.count)
        var priceFactors: [Double] = []
        priceFactors.reserveCapacity(plans.count)
        for (i, plan) in plans.enumerated() {
            let p = plan.product
            let sp = segmentPlan(plan, segment: segment)
            segmentPlans.append(sp)
            if states[i] == nil {
                let start = Swift.max(segment.startDay, p.launchDay)
                states[i] = SeriesState(onHand: Int64((plan.base * plan.initialOnHandDays).rounded()), onOrder: 0, arrivalDay: 0, backlog: 0,
                                        priceCents: Int64((Double(p.basePriceCents) * plan.store.priceIndex).rounded()), priceFrom: start,
                                        priceUntil: start + plan.firstPriceDays - 1, demandRate: plan.base)
            }
            priceFactors.append(priceFactor(states[i]!.priceCents, base: p.basePriceCents))
            for promo in sp.promotions {
                try sink.promotion(id: promo.id, store: plan.store.id, product: p.id, name: "\(promo.discount / 100)% off \(p.name)",
                                   discountBasisPoints: promo.discount, from: promo.from, to: promo.to)
            }
        }
        var hot: [HotSeries] = []
        hot.reserveCapacity(plans.count)
        var promotionList: [(id: Int64, from: Int64, to: Int64, discount: Int64)] = []
        var gapList: [ClosedRange<Int64>] = []
        for (i, plan) in plans.enumerated() {
            let sp = segmentPlans[i]
            let p0 = promotionList.count, g0 = gapList.count
            promotionList += sp.promotions
            gapList += sp.gaps
            hot.append(HotSeries(k: plan.k, store: plan.store.id, product: plan.product.id, base: plan.base, lead: plan.leadTime, safety: plan.safetyDays,
                           cover: plan.coverDays, launch: plan.product.launchDay, end: plan.product.discontinuedDay ?? .max,
                           basePrice: plan.product.basePriceCents, first: sp.alive?.lowerBound ?? 1, last: sp.alive?.upperBound ?? 0,
                           promotions: p0..<promotionList.count, gaps: g0..<gapList.count))
        }
        var promoIndex = hot.map(\.promotions.lowerBound)
        var current = states.map { $0! }
        let lift = config.promotionLift, sigma = config.noiseSigma, ramp = Int64(config.newProductRampDays)
        let noiseShift = sigma * sigma / 2, backlog = config.stockoutBehavior == .backlog
        let anomalyProbability = config.anomalyProbability, anomalyMagnitude = config.anomalyMagnitude, stockoutProbability = config.stockoutProbability
        for day in segment.startDay...segment.endDay {
            if shouldStop() { throw .invalidData("stopped") }
            let common = dayMultiplier(day)
            let dayKey = segmentKey.adding(UInt64(bitPattern: day))
            for i in hot.indices {
                let h = hot[i]
                guard day >= h.first && day <= h.last else { continue }
                var state = current[i]
                var rng = dayKey.cell(h.k)
                // The price in effect: a new window when the last one ends.
                if day > state.priceUntil {
                    if state.priceUntil >= state.priceFrom {
                        try sink.price(store: h.store, product: h.product, cents: state.priceCents, from: state.priceFrom, to: state.priceUntil)
                    }
                    let change = 0.92 + 0.18 * rng.nextDouble()
                    state.priceCents = Swift.max(9, Int64((Double(state.priceCents) * change / 10).rounded()) * 10 + 9)
                    state.priceFrom = day
                    state.priceUntil = day + 30 + Int64(rng.nextIndex(90))
                    priceFactors[i] = priceFactor(state.priceCents, base: h.basePrice)
                }
                var promotion = -1
                while promoIndex[i] < h.promotions.upperBound && promotionList[promoIndex[i]].to < day { promoIndex[i] += 1 }
                if promoIndex[i] < h.promotions.upperBound && promotionList[promoIndex[i]].from <= day { promotion = promoIndex[i] }
                // Demand: the day's multipliers, the promotion, the price, the product's life, noise and the odd spike.
                var demand = h.base * common * priceFactors[i]
                if promotion >= 0 { demand *= lift }
                let age = day - h.launch
                if age < ramp { demand *= Double(age + 1) / Double(ramp) }
                if h.end - day <= 60 { demand *= 0.2 + 0.8 * Double(h.end - day - 1) / 60 }
                if sigma > 0 { demand *= exp(sigma * Distributions.standardNormal(&rng) - noiseShift) }
                if rng.nextDouble() < anomalyProbability {
                    demand *= rng.nextBool(probability: 0.5) ? anomalyMagnitude : 1 / anomalyMagnitude
                }
                let drawn = Distributions.poisson(lambda: Swift.min(demand, 1e8), &rng)
                let wanted = drawn + (backlog ? state.backlog : 0)
                // Inventory: the order arrives, sales are capped by stock, a reorder below the point.
                if state.onOrder > 0 && day >= state.arrivalDay {
                    state.onHand += state.onOrder
                    state.onOrder = 0
                }
                let stockout = state.onHand == 0
                let sold = Swift.min(wanted, state.onHand)
                state.onHand -= sold
                let unmet = wanted - sold
                state.backlog = backlog ? Swift.min(unmet, Int64(state.demandRate * 30) + 1) : 0
                state.demandRate += (Double(drawn) - state.demandRate) / 14
                let reorderPoint = state.demandRate * (Double(h.lead) + h.safety)
                if state.onOrder == 0 && Double(state.onHand) <= reorderPoint {
                    state.onOrder = Swift.max(1, Int64((state.demandRate * h.cover).rounded(.up)))
                    // A late order: the supplier falls short, and the shelf may run empty.
                    let late = rng.nextDouble() < stockoutProbability ? Int64(4 + rng.nextIndex(8)) : 0
                    state.arrivalDay = day + h.lead + late
                }
                current[i] = state
                if !h.gaps.isEmpty && gapList[h.gaps].contains(where: { $0.contains(day) }) { continue }
                let discount = promotion >= 0 ? promotionList[promotion].discount : 0
                let unitCents = RetailModel.discounted(state.priceCents, basisPoints: discount)
                try sink.sales(day: day, store: h.store, product: h.product, quantity: sold, unitPriceCents: unitCents,
                               promotion: promotion >= 0 ? promotionList[promotion].id : nil)
                try sink.inventory(day: day, store: h.store, product: h.product, onHand: state.onHand, onOrder: state.onOrder,
                                   stockout: stockout, unmet: unmet)
            }
        }
        for i in states.indices { states[i] = current[i] }
        // The price windows still open at the segment's end, cut there; the next segment goes on from the day after.
        for (i, plan) in plans.enumerated() {
            guard var state = states[i], let alive = segmentPlans[i].alive, state.priceFrom <= alive.upperBound else { continue }
            try sink.price(store: plan.store.id, product: plan.product.id, cents: state.priceCents, from: state.priceFrom, to: alive.upperBound)
            state.priceFrom = segment.endDay + 1
            states[i] = state
        }
    }
}
