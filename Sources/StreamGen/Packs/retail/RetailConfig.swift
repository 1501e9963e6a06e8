import Columnar

/// The retail pack's configuration: spec 003's `TimeSeriesConfig`, `RetailPatternConfig`,
/// dimensions, holidays and sparsity, with the spec's defaults. `--config FILE` reads its YAML
/// shape (`seed_config.yaml`, `config_holiday.yaml`); flags override the file.
public struct RetailConfig: Sendable, Hashable {
    public var stores = 10
    public var regions = ["North", "South", "East", "West"]
    public var storeTypes = ["supermarket", "express", "warehouse"]
    public var products = 50
    public var categories = ["Beverage", "Snack", "Dairy", "Frozen"]
    public var brands = ["BrandA", "BrandB", "Generic"]
    /// 2024-01-01 to 2024-12-31.
    public var startDay: Int64 = 19_723
    public var endDay: Int64 = 20_088
    public var seed: UInt64 = 42

    // TimeSeriesConfig
    public var baseDemand = 100.0
    public enum Trend: String, Sendable, Hashable, CaseIterable { case none, linear, exponential }
    public var trend = Trend.linear
    /// Per cent of change a day (0.1: +0.1 % a day).
    public var trendSlope = 0.1
    /// Monday first.
    public var weeklySeasonality = [0.8, 0.9, 1.0, 1.0, 1.1, 1.3, 1.2]
    /// Month (1–12) → multiplier; months not listed are 1.
    public var monthlySeasonality: [Int: Double] = [:]
    public var noiseSigma = 0.1
    public var anomalyProbability = 0.01
    public var anomalyMagnitude = 2.0

    // RetailPatternConfig
    public var promotionLift = 1.3
    public enum StockoutBehavior: String, Sendable, Hashable, CaseIterable { case zero, backlog }
    public var stockoutBehavior = StockoutBehavior.zero
    public var priceElasticity = -0.5
    public var newProductRampDays = 30
    public var weekendSpike = 1.2
    /// The share of series-days under a promotion.
    public var promotionProbability = 0.1
    /// The chance a replenishment order comes late (a supplier shortfall): stockouts follow.
    public var stockoutProbability = 0.05
    /// Shares of products launched, and discontinued, inside the period.
    public var launchShare = 0.06
    public var endOfLifeShare = 0.04

    /// Named days with their multipliers; US retail holidays when nil.
    public var holidays: [Holiday]?

    public struct Holiday: Sendable, Hashable {
        public var day: Int64
        public var name: String
        public var multiplier: Double
    }

    // Sparsity
    public var missingCombinationsShare = 0.0
    public var randomGapsPerSeries = 0

    public init() {}

    public var days: Int { Int(endDay - startDay + 1) }

    /// Checks that the values can be run; the message names the key.
    func check() throws(GenerateError) {
        func fail(_ m: String) -> GenerateError { .invalidOption(m) }
        guard endDay >= startDay else { throw fail("the end date \(formatISODate(endDay)) is before the start date \(formatISODate(startDay))") }
        guard days <= 36_600 else { throw fail("the date range spans \(days) days; at most 36600") }
        guard (1...1_000_000).contains(stores) else { throw fail("stores: between 1 and 1000000") }
        guard (1...10_000_000).contains(products) else { throw fail("products: between 1 and 10000000") }
        guard stores.multipliedReportingOverflow(by: products).partialValue <= 1 << 33 else {
            throw fail("\(stores) stores × \(products) products is more than 2^33 series")
        }
        guard weeklySeasonality.count == 7, weeklySeasonality.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw fail("weekly_seasonality needs 7 weights (Monday first), each ≥ 0")
        }
        for (name, p) in [("promotion_probability", promotionProbability), ("stockout_probability", stockoutProbability),
                          ("anomaly_probability", anomalyProbability), ("missing_combinations_pct", missingCombinationsShare),
                          ("launch_share", launchShare), ("end_of_life_share", endOfLifeShare)] where !(0...1).contains(p) {
            throw fail("\(name) \(p): a probability between 0 and 1")
        }
        guard baseDemand > 0 && baseDemand <= 1e6 else { throw fail("base_demand: above 0 and at most 1000000") }
        guard noiseSigma >= 0 && noiseSigma <= 3 else { throw fail("noise_sigma: between 0 and 3") }
        guard abs(trendSlope) <= 10 else { throw fail("trend_slope: between -10 and 10 (per cent a day)") }
        guard (0...3650).contains(newProductRampDays) else { throw fail("new_product_ramp_days: between 0 and 3650") }
        guard (0...100).contains(randomGapsPerSeries) else { throw fail("random_gaps_per_series: between 0 and 100") }
        guard priceElasticity.isFinite && abs(priceElasticity) <= 10 else { throw fail("price_elasticity: between -10 and 10") }
        guard promotionLift > 0 && promotionLift <= 20, weekendSpike > 0 && weekendSpike <= 20, anomalyMagnitude >= 1 && anomalyMagnitude <= 100 else {
            throw fail("promotion_lift and weekend_spike: above 0 and at most 20; anomaly_magnitude: 1 to 100")
        }
        if Set(regions).count != regions.count || Set(storeTypes).count != storeTypes.count || Set(categories).count != categories.count
            || Set(brands).count != brands.count || regions.isEmpty || storeTypes.isEmpty || categories.isEmpty || brands.isEmpty
        {
            throw fail("regions, types, categories and brands: non-empty lists of distinct values")
        }
    }

    /// The scenarios of the spec's table.
    public enum Scenario: String, Sendable, Hashable, CaseIterable {
        case retailStandard = "retail_standard"
        case holidayRush = "holiday_rush"
        case highVariance = "high_variance"
        case stockoutHeavy = "stockout_heavy"
        case newLaunches = "new_launches"
        case sparse
        case ragAgent = "rag-agent"
    }

    /// `config` with a scenario's changes (applied before the file and the flags).
    static func scenario(_ s: Scenario) -> RetailConfig {
        var c = RetailConfig()
        switch s {
        case .retailStandard, .ragAgent:
            break
        case .holidayRush:
            // The spec's config_holiday.yaml.
            c.stores = 15
            c.regions = ["North", "South", "East", "West", "Central"]
            c.products = 100
            c.categories = ["Beverage", "Snack", "Dairy", "Frozen", "Gift", "Seasonal"]
            c.startDay = parseISODate("2024-10-01")!
            c.endDay = parseISODate("2024-12-31")!
            c.baseDemand = 80
            c.trend = .exponential
            c.trendSlope = 0.02
            c.monthlySeasonality = [10: 1.0, 11: 1.3, 12: 1.8]
            c.promotionProbability = 0.25
            c.stockoutProbability = 0.15
            c.holidays = [
                Holiday(day: parseISODate("2024-11-28")!, name: "Thanksgiving", multiplier: 2.0),
                Holiday(day: parseISODate("2024-11-29")!, name: "Black Friday", multiplier: 3.0),
                Holiday(day: parseISODate("2024-12-24")!, name: "Christmas Eve", multiplier: 1.5),
                Holiday(day: parseISODate("2024-12-25")!, name: "Christmas Day", multiplier: 0.3),
            ]
            c.seed = 2024
        case .highVariance:
            c.noiseSigma = 0.45
            c.anomalyProbability = 0.05
            c.anomalyMagnitude = 3
        case .stockoutHeavy:
            c.stockoutProbability = 0.6
        case .newLaunches:
            c.launchShare = 0.4
            c.newProductRampDays = 45
        case .sparse:
            c.missingCombinationsShare = 0.5
            c.randomGapsPerSeries = 3
        }
        return c
    }

    static let keys = ["dimensions", "date_range", "time_series", "retail", "holidays", "sparsity", "seed"]

    /// Reads `tree` (the spec's YAML shape) over `self`.
    mutating func apply(_ tree: ConfigTree) throws(ConfigError) {
        let root = ConfigReader(path: "")
        for (key, value) in try root.mapping(tree, allowed: RetailConfig.keys) {
            let r = root.sub(key)
            switch key {
            case "dimensions":
                for (k, v) in try r.mapping(value, allowed: ["stores", "products"]) {
                    let d = r.sub(k)
                    for (field, node) in try d.mapping(v, allowed: k == "stores" ? ["count", "regions", "types"] : ["count", "categories", "brands"]) {
                        let f = d.sub(field)
                        switch (k, field) {
                        case ("stores", "count"): stores = try f.integer(node, in: 1...1_000_000)
                        case ("stores", "regions"): regions = try f.strings(node)
                        case ("stores", "types"): storeTypes = try f.strings(node)
                        case ("products", "count"): products = try f.integer(node, in: 1...10_000_000)
                        case ("products", "categories"): categories = try f.strings(node)
                        default: brands = try f.strings(node)
                        }
                    }
                }
            case "date_range":
                for (k, v) in try r.mapping(value, allowed: ["start", "end"]) {
                    if k == "start" { startDay = try r.sub(k).date(v) } else { endDay = try r.sub(k).date(v) }
                }
                if endDay < startDay { throw r.fail(value, "the end \(formatISODate(endDay)) is before the start \(formatISODate(startDay))") }
            case "time_series":
                let allowed = ["base_demand", "trend", "trend_slope", "weekly_seasonality", "monthly_seasonality", "noise_sigma",
                               "anomaly_probability", "anomaly_magnitude"]
                for (k, v) in try r.mapping(value, allowed: allowed) {
                    let f = r.sub(k)
                    switch k {
                    case "base_demand": baseDemand = try f.number(v, in: 1e-6...1e6)
                    case "trend":
                        let t = try f.string(v)
                        guard let trend = Trend(rawValue: t) else { throw f.fail(v, "'\(t)': none, linear or exponential") }
                        self.trend = trend
                    case "trend_slope": trendSlope = try f.number(v, in: -10...10)
                    case "weekly_seasonality": weeklySeasonality = try f.numbers(v, count: 7, in: 0...100)
                    case "monthly_seasonality":
                        guard case .mapping(let pairs, _) = v else { throw f.fail(v, "must map months (1–12) to multipliers") }
                        var months: [Int: Double] = [:]
                        for (m, w) in pairs {
                            guard let month = Int(m), (1...12).contains(month) else { throw ConfigError(w.place, "\(f.sub(m).path): months are 1 to 12") }
                            months[month] = try f.sub(m).number(w, in: 0...100)
                        }
                        monthlySeasonality = months
                    case "noise_sigma": noiseSigma = try f.number(v, in: 0...3)
                    case "anomaly_probability": anomalyProbability = try f.number(v, in: 0...1)
                    default: anomalyMagnitude = try f.number(v, in: 1...100)
                    }
                }
            case "retail":
                let allowed = ["promotion_probability", "stockout_probability", "promotion_lift", "stockout_behavior", "price_elasticity",
                               "new_product_ramp_days", "weekend_spike", "launch_share", "end_of_life_share"]
                for (k, v) in try r.mapping(value, allowed: allowed) {
                    let f = r.sub(k)
                    switch k {
                    case "promotion_probability": promotionProbability = try f.number(v, in: 0...1)
                    case "stockout_probability": stockoutProbability = try f.number(v, in: 0...1)
                    case "promotion_lift": promotionLift = try f.number(v, in: 1e-3...20)
                    case "stockout_behavior":
                        let t = try f.string(v)
                        guard let b = StockoutBehavior(rawValue: t) else { throw f.fail(v, "'\(t)': zero or backlog") }
                        stockoutBehavior = b
                    case "price_elasticity": priceElasticity = try f.number(v, in: -10...10)
                    case "new_product_ramp_days": newProductRampDays = try f.integer(v, in: 0...3650)
                    case "weekend_spike": weekendSpike = try f.number(v, in: 1e-3...20)
                    case "launch_share": launchShare = try f.number(v, in: 0...1)
                    default: endOfLifeShare = try f.number(v, in: 0...1)
                    }
                }
            case "holidays":
                guard case .list(let items, _) = value else { throw r.fail(value, "must be a list of {date, name, multiplier}") }
                var list: [Holiday] = []
                for item in items {
                    var h = Holiday(day: 0, name: "", multiplier: 1)
                    var sawDate = false
                    for (k, v) in try r.mapping(item, allowed: ["date", "name", "multiplier"]) {
                        switch k {
                        case "date": h.day = try r.sub(k).date(v); sawDate = true
                        case "name": h.name = try r.sub(k).string(v)
                        default: h.multiplier = try r.sub(k).number(v, in: 0...100)
                        }
                    }
                    guard sawDate, !h.name.isEmpty else { throw r.fail(item, "a holiday needs a date and a name") }
                    list.append(h)
                }
                holidays = list
            case "sparsity":
                for (k, v) in try r.mapping(value, allowed: ["missing_combinations_pct", "random_gaps_per_series"]) {
                    if k == "missing_combinations_pct" { missingCombinationsShare = try r.sub(k).number(v, in: 0...1) }
                    else { randomGapsPerSeries = try r.sub(k).integer(v, in: 0...100) }
                }
            default:
                seed = UInt64(try r.integer(value, in: 0...Int.max))
            }
        }
    }
}
