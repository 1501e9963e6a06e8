import Columnar

/// The ecommerce pack (spec 000): six related tables from one session simulation, and the six
/// anomaly scenarios a data-observability team tests its monitors against.
///
/// Every value is a pure function of the seed and the entity it belongs to: user `i`, product
/// `p`, session `s` of the run. A scenario draws its own decisions from streams of its own, so it
/// shares every row of the baseline except those its anomaly touches.
public struct EcommerceModel: Sendable {
    public let seed: UInt64
    /// The first day of the simulation (days since the epoch).
    public let startDay: Int64
    public let days: Int
    public let scale: Double
    public let scenario: EcommerceScenario

    let users: UserModel
    let catalog: Catalog
    let plan: SessionPlan
    let key: StreamKey
    /// Streams of the sessions, of this scenario's decisions, and of deleted users' ids.
    let sessionKey: StreamKey
    let scenarioKey: StreamKey
    let deletedUserKey: StreamKey

    public static let defaultStartDay: Int64 = 19730  // 2024-01-08, a Monday, as the spec's example
    public static let defaultDays = 7

    /// Scale-1 volumes of spec §2.1.
    static let baseUsers = 10_000
    static let baseProducts = 500
    /// Spec §2.2: events per weekday, Monday first, at scale 1.
    static let weekdayEvents: [Double] = [65_000, 60_000, 62_000, 68_000, 80_000, 85_000, 75_000]
    /// Spec §2.2's hourly curve (UTC): peaks 10:00-14:00 and 19:00-21:00, trough 02:00-06:00.
    static let hourWeights: [Double] = [
        2.4, 1.6, 1.0, 0.8, 0.8, 1.0, 1.6, 2.6, 3.8, 4.8, 5.8, 6.2,
        6.3, 6.1, 5.6, 5.0, 4.8, 5.0, 5.5, 6.0, 6.1, 5.7, 4.5, 3.4,
    ]
    /// Spec §4.1's countries and weights.
    static let countries = ["US", "GB", "DE", "FR", "CA", "AU", "JP", "BR", "IN", "MX"]
    static let countryWeights: [Double] = [0.35, 0.15, 0.10, 0.08, 0.07, 0.05, 0.05, 0.05, 0.05, 0.05]
    /// The countries whose tracking the volume-drop scenario blocks.
    static let euCountries: Set<String> = ["DE", "FR", "GB", "IT", "ES", "NL"]
    /// Whether `countries[i]` is one of `euCountries`.
    static let isEU: [Bool] = countries.map(euCountries.contains)
    static let devices = ["mobile", "desktop", "tablet"]
    static let deviceWeights: [Double] = [0.55, 0.35, 0.10]

    public init(seed: UInt64, startDay: Int64, days: Int, scale: Double, scenario: EcommerceScenario) {
        self.seed = seed
        self.startDay = startDay
        self.days = days
        self.scale = scale
        self.scenario = scenario
        key = StreamKey(seed: seed).adding("ecommerce")
        sessionKey = key.adding("session")
        scenarioKey = key.adding("scenario").adding(scenario.name)
        deletedUserKey = key.adding("deleted-users")
        let clock = HourCurve(weights: Self.hourWeights)
        users = UserModel(key: key.adding("users"), count: max(1, Int((Double(Self.baseUsers) * scale).rounded())),
                          startDay: startDay, days: days, curve: clock)
        catalog = Catalog(key: key.adding("products"), count: Self.baseProducts, startDay: startDay, days: days, scale: scale)
        plan = SessionPlan(startDay: startDay, days: days, scale: scale, users: users)
    }

    /// Microseconds since the epoch at the start of day index `d` (0-based) of the period.
    func dayStart(_ d: Int) -> Int64 { (startDay + Int64(d)) * 86_400_000_000 }
    var periodEnd: Int64 { dayStart(days) }

    /// The 0-based day of the period holding `micros`.
    func dayIndex(_ micros: Int64) -> Int { Int((micros - dayStart(0)) / 86_400_000_000) }

    /// The expected events of day `d` at this scale (before any scenario).
    func expectedEvents(day d: Int) -> Double {
        Self.weekdayEvents[weekday(startDay + Int64(d))] * scale
    }
}

/// Monday = 0 … Sunday = 6.
func weekday(_ day: Int64) -> Int { Int(((day + 3) % 7 + 7) % 7) }

/// The spec's fixture scenarios: the clean baseline and six anomalies (spec §3).
public enum EcommerceScenario: String, Sendable, Hashable, CaseIterable {
    case baseline
    case nullSpike = "null_spike"
    case volumeDrop = "volume_drop"
    case schemaDrift = "schema_drift"
    case duplicates
    case lateArriving = "late_arriving"
    case orphanedRecords = "orphaned_records"

    public var name: String { rawValue }

    public var summary: String {
        switch self {
        case .baseline: return "Clean data, no anomalies"
        case .nullSpike: return "Mobile app bug causes NULL user_id in orders"
        case .volumeDrop: return "CDN misconfiguration blocks the tracking pixel for EU users"
        case .schemaDrift: return "New product import job writes prices as strings"
        case .duplicates: return "Checkout retry without idempotency duplicates order items"
        case .lateArriving: return "Offline mobile events from day 2 uploaded on day 5"
        case .orphanedRecords: return "User deletion job ran before order archival: orphaned orders"
        }
    }

    /// The last 1-based day the anomaly touches: the period must reach it.
    public var lastDay: Int {
        switch self {
        case .baseline: return 1
        case .nullSpike: return 5
        case .volumeDrop: return 6
        case .schemaDrift: return 4
        case .duplicates: return 7
        case .lateArriving: return 5
        case .orphanedRecords: return 4
        }
    }
}

/// Piecewise-uniform time of day from 24 hourly weights.
struct HourCurve: Sendable {
    let cumulative: [Double]
    let weights: [Double]

    init(weights: [Double]) {
        let total = weights.reduce(0, +)
        self.weights = weights.map { $0 / total }
        var c = [0.0]
        for w in self.weights { c.append(c.last! + w) }
        c[24] = 1
        cumulative = c
    }

    /// Microseconds into the day at quantile `u` in [0, 1).
    func micros(at u: Double) -> Int64 {
        var h = 0
        while h < 23 && cumulative[h + 1] <= u { h += 1 }
        let within = min(max((u - cumulative[h]) / weights[h], 0), 0.999_999_999)
        return Int64((Double(h) + within) * 3_600_000_000)
    }
}

/// Users: the first 70 % existed before the period (created 1-365 days before it), the rest sign
/// up during it, in time order, following the period's daily and hourly traffic.
struct UserModel: Sendable {
    let key: StreamKey
    let count: Int
    let returning: Int
    let startDay: Int64
    let days: Int
    let curve: HourCurve
    /// The first new-user index of each day, and one past the last.
    let newByDay: [Int]
    let countries = AliasTable(weights: EcommerceModel.countryWeights)
    let devices = AliasTable(weights: EcommerceModel.deviceWeights)

    init(key: StreamKey, count: Int, startDay: Int64, days: Int, curve: HourCurve) {
        self.key = key
        self.count = count
        self.startDay = startDay
        self.days = days
        self.curve = curve
        returning = Int((Double(count) * 0.7).rounded())
        let weights = (0..<days).map { EcommerceModel.weekdayEvents[weekday(startDay + Int64($0))] }
        let total = weights.reduce(0, +)
        var bounds = [returning]
        var running = 0.0
        for w in weights {
            running += w
            bounds.append(returning + Int((Double(count - returning) * running / total).rounded()))
        }
        bounds[days] = count
        newByDay = bounds
    }

    struct User {
        let id: (UInt64, UInt64)
        let createdAt: Int64
        let country: Int
        let device: Int
        let isPremium: Bool
        let emailDraw: UInt64
    }

    func user(_ i: Int) -> User {
        var rng = key.cell(i)
        let id = uuid4(&rng)
        let createdAt: Int64
        if i < returning {
            let daysBefore = rng.nextInt(in: 1...365)
            createdAt = (startDay - daysBefore) * 86_400_000_000 + Int64(rng.nextIndex(86_400)) * 1_000_000 + Int64(rng.nextIndex(1_000_000))
            _ = rng.next()
        } else {
            createdAt = newUserCreatedAt(i, &rng)
        }
        let country = countries.sample(&rng)
        let device = devices.sample(&rng)
        let premium = rng.nextBool(probability: 0.08)
        return User(id: id, createdAt: createdAt, country: country, device: device, isPremium: premium, emailDraw: rng.next())
    }

    /// The day a new user signs up, and when: the (j+u)/n quantile of that day's hourly curve,
    /// so new users are in time order.
    private func newUserCreatedAt(_ i: Int, _ rng: inout SplitMix64) -> Int64 {
        var d = 0
        while d < days - 1 && newByDay[d + 1] <= i { d += 1 }
        let first = newByDay[d]
        let n = max(newByDay[d + 1] - first, 1)
        let u = (Double(i - first) + rng.nextDouble()) / Double(n)
        _ = rng.next()
        return (startDay + Int64(d)) * 86_400_000_000 + curve.micros(at: u)
    }

    /// How many users exist at `micros`: every returning user plus the new users created by then.
    func existing(at micros: Int64) -> Int {
        var low = returning
        var high = count
        while low < high {  // the first new user created after `micros`
            let mid = (low + high) / 2
            if user(mid).createdAt <= micros { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// A UUID v4 from two draws.
@inline(__always)
func uuid4(_ rng: inout SplitMix64) -> (UInt64, UInt64) {
    let high = (rng.next() & ~0xF000) | 0x4000
    let low = (rng.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
    return (high, low)
}

/// The category tree (10 top-level, 40 subcategories) and the product catalog.
struct Catalog: Sendable {
    struct Category: Sendable {
        let id: Int32
        let name: String
        let parent: Int32?
        let slug: String
        /// `name`'s UTF-8 bytes and the category's page, `/c/<slug>`, for its events.
        let nameBytes: [UInt8]
        let page: [UInt8]

        init(id: Int32, name: String, parent: Int32?, slug: String) {
            self.id = id
            self.name = name
            self.parent = parent
            self.slug = slug
            nameBytes = Array(name.utf8)
            page = Array("/c/\(slug)".utf8)
        }
    }

    /// A class, not a struct: a session's product events hand one reference around rather than
    /// copying (and retaining) its four byte arrays per event.
    final class Product: Sendable {
        let id: (UInt64, UInt64)
        let idText: [UInt8]
        let name: String
        /// `name`'s UTF-8 bytes and the product's page, `/p/<slug>`: built once, copied into events.
        let nameBytes: [UInt8]
        let page: [UInt8]
        let category: Int32
        let priceCents: Int64
        let costCents: Int64?
        let stock: Int32
        let isActive: Bool
        let createdAt: Int64
        /// Added by the import job that starts on day 4 (the schema-drift scenario's products).
        let isImported: Bool
        /// In the drift scenario, this product's price is written with a currency suffix.
        let usdSuffix: Bool

        init(id: (UInt64, UInt64), idText: [UInt8], name: String, page: [UInt8], category: Int32, priceCents: Int64, costCents: Int64?,
             stock: Int32, isActive: Bool, createdAt: Int64, isImported: Bool, usdSuffix: Bool) {
            self.id = id
            self.idText = idText
            self.name = name
            self.nameBytes = Array(name.utf8)
            self.page = page
            self.category = category
            self.priceCents = priceCents
            self.costCents = costCents
            self.stock = stock
            self.isActive = isActive
            self.createdAt = createdAt
            self.isImported = isImported
            self.usdSuffix = usdSuffix
        }
    }

    static let tree: [(String, [String])] = [
        ("Electronics", ["Phones", "Laptops", "Audio", "Cameras"]),
        ("Home & Kitchen", ["Cookware", "Furniture", "Bedding", "Decor"]),
        ("Clothing", ["Men", "Women", "Kids", "Shoes"]),
        ("Sports & Outdoors", ["Fitness", "Camping", "Cycling", "Team Sports"]),
        ("Books", ["Fiction", "Non-Fiction", "Children's Books", "Comics"]),
        ("Beauty", ["Skincare", "Makeup", "Fragrance", "Hair Care"]),
        ("Toys & Games", ["Board Games", "Puzzles", "Building Sets", "Outdoor Toys"]),
        ("Garden", ["Plants", "Tools", "Grills", "Lighting"]),
        ("Office", ["Stationery", "Desks", "Printers", "Storage"]),
        ("Pet Supplies", ["Dogs", "Cats", "Aquarium", "Birds"]),
    ]

    let categories: [Category]
    let products: [Product]
    /// Popularity of the products that exist from the start (Zipf weights over a shuffled rank).
    let popularity: AliasTable
    /// The products existing from the start; imported ones follow, in creation order.
    let established: Int

    init(key: StreamKey, count: Int, startDay: Int64, days: Int, scale: Double) {
        var cats: [Category] = []
        var next: Int32 = 1
        var subcategories: [Int32] = []
        for (top, subs) in Self.tree {
            let parent = next
            cats.append(Category(id: parent, name: top, parent: nil, slug: slugify(top)))
            next += 1
            for sub in subs {
                cats.append(Category(id: next, name: sub, parent: parent, slug: slugify(top) + "-" + slugify(sub)))
                subcategories.append(next)
                next += 1
            }
        }
        categories = cats

        // 72 % of the catalog exists before the period; the import job that starts on day 4
        // adds the other 28 % between then and the end of the period (when the period has a day 4).
        let imported = days >= 4 ? Int((Double(count) * SpecFigures.schemaDriftShare).rounded()) : 0
        established = count - imported
        let importStart = (startDay + 3) * 86_400_000_000
        let importSpan = (startDay + Int64(days)) * 86_400_000_000 - importStart
        var list: [Product] = []
        for p in 0..<count {
            var rng = key.cell(p)
            let id = uuid4(&rng)
            var text: [UInt8] = []
            appendUUIDText(id, to: &text)
            var name = Words.brands.word(rng.nextIndex(Words.brands.count)) + " "
            name += Words.productAdjectives.word(rng.nextIndex(Words.productAdjectives.count)) + " "
            if rng.nextBool(probability: 0.5) { name += Words.productMaterials.word(rng.nextIndex(Words.productMaterials.count)) + " " }
            name += Words.productNouns.word(rng.nextIndex(Words.productNouns.count))
            let category = subcategories[rng.nextIndex(subcategories.count)]
            // Prices from 9.99 to 999.99, log-normal around 45, ending in .99 or .49.
            let raw = Distributions.logNormal(mu: 3.8, sigma: 1.0, &rng)
            let dollars = Int64(min(max(raw, 9), 999))
            let price = dollars * 100 + (rng.nextBool(probability: 0.8) ? 99 : 49)
            let margin = 0.35 + 0.35 * rng.nextDouble()
            let cost: Int64? = rng.nextBool(probability: 0.97) ? Int64((Double(price) * (1 - margin)).rounded()) : nil
            let stockBase = Double(rng.nextInt(in: 0...500))
            let stock = Int32(min(stockBase * scale, Double(Int32.max)))
            let active = rng.nextBool(probability: 0.95)
            let createdAt: Int64
            let isImported = p >= count - imported
            if isImported {
                let k = p - (count - imported)
                createdAt = importStart + Int64((Double(k) + rng.nextDouble()) / Double(imported) * Double(importSpan))
            } else {
                createdAt = (startDay - rng.nextInt(in: 1...730)) * 86_400_000_000 + Int64(rng.nextIndex(86_400)) * 1_000_000
            }
            let suffix = rng.nextBool(probability: 0.45)
            let page = Array(("/p/" + slugify(name) + "-" + String(p + 1)).utf8)
            list.append(Product(id: id, idText: text, name: name, page: page, category: category, priceCents: price, costCents: cost,
                                stock: stock, isActive: active, createdAt: createdAt, isImported: isImported, usdSuffix: suffix))
        }
        products = list
        // Popularity: Zipf(1.0) over a seeded shuffle of the established products.
        var ranks = Array(0..<established)
        var shuffle = key.adding("popularity").cell(0)
        if ranks.count > 1 {
            for i in stride(from: ranks.count - 1, to: 0, by: -1) { ranks.swapAt(i, shuffle.nextIndex(i + 1)) }
        }
        var weights = [Double](repeating: 0, count: max(established, 1))
        for (rank, p) in ranks.enumerated() { weights[p] = 1 / Double(rank + 1) }
        popularity = AliasTable(weights: weights)
    }

    /// A product that exists at `micros`: an established one by popularity, or, with a share in
    /// proportion to their number, one of the imported products created by then.
    func pick(at micros: Int64, _ rng: inout SplitMix64) -> Int {
        // Imported products are in creation order: the first one created after `micros`.
        var available = established
        var high = products.count
        while available < high {
            let mid = (available + high) / 2
            if products[mid].createdAt <= micros { available = mid + 1 } else { high = mid }
        }
        let newOnes = available - established
        if newOnes > 0 && rng.nextBool(probability: 0.6 * Double(newOnes) / Double(available)) {
            return established + rng.nextIndex(newOnes)
        }
        return popularity.sample(&rng)
    }
}

/// Lowercase letters and digits, words joined by `-`.
func slugify(_ text: String) -> String {
    var out = ""
    var dash = false
    for c in text.lowercased().unicodeScalars {
        if (c >= "a" && c <= "z") || (c >= "0" && c <= "9") {
            if dash && !out.isEmpty { out.append("-") }
            out.unicodeScalars.append(c)
            dash = false
        } else if c != "'" {
            dash = true
        }
    }
    return out
}

/// How many sessions each day has, and how they are cut into shards.
struct SessionPlan: Sendable {
    struct Shard: Sendable {
        let day: Int
        /// Session indices within the day.
        let sessions: Range<Int>
        /// The run-wide index of the day's first session.
        let dayBase: Int
    }

    /// Regular sessions per day, then that day's sign-up sessions.
    let regular: [Int]
    let signups: [Int]
    let shards: [Shard]
    /// The hourly curve regular sessions start on.
    let curve: HourCurve

    /// Events one session averages (measured on the model, see `EcommerceTests`), used to turn
    /// the spec's daily event volumes into sessions.
    static let eventsPerSession = 13.6
    /// Sessions per shard: about 128 Ki events, one file per day at scale 1.
    static let sessionsPerShard = 10_000

    init(startDay: Int64, days: Int, scale: Double, users: UserModel) {
        var regular: [Int] = []
        var signups: [Int] = []
        var shards: [Shard] = []
        var base = 0
        for d in 0..<days {
            let target = EcommerceModel.weekdayEvents[weekday(startDay + Int64(d))] * scale
            let s = users.newByDay[d + 1] - users.newByDay[d]
            let r = max(0, Int((target / Self.eventsPerSession).rounded()) - s)
            regular.append(r)
            signups.append(s)
            let total = r + s
            let parts = max(1, (total + Self.sessionsPerShard - 1) / Self.sessionsPerShard)
            for k in 0..<parts {
                let lo = total * k / parts
                let hi = total * (k + 1) / parts
                shards.append(Shard(day: d, sessions: lo..<hi, dayBase: base))
            }
            base += total
        }
        self.regular = regular
        self.signups = signups
        self.shards = shards
        curve = users.curve
    }
}
