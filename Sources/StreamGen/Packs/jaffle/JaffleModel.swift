import Columnar

/// The jaffle shop's model (spec 001, "jaffle shop goes online"): a day's new customers with
/// their signups, the day's orders and payments, the website and app sessions of the customers
/// who ordered for the first time that day, and three ad platforms' daily rows.
///
/// Every draw comes from a stream keyed by (seed, day) or (seed, entity id), so a day's batch
/// depends only on the seed, the day and the rows of the days before it in the run (its ids
/// continue theirs); the run's last day changes nothing before it.
struct JaffleModel: Sendable {
    let seed: UInt64
    let scale: Double
    /// The first training day; training runs to `endDay - 1`, the validation batch is `endDay`.
    let startDay: Int64
    let endDay: Int64
    /// Rows per chunk (`--chunk-rows`): a day's rows and the validation batch are built and
    /// written a slice at a time, so memory stays a slice's whatever the scale. The rows do not
    /// depend on it.
    var sliceRows = 65_536

    var key: StreamKey { StreamKey(seed: seed).adding("jaffle") }
    var trainingDays: ClosedRange<Int64> { startDay...(endDay - 1) }

    static let statuses = ["placed", "shipped", "completed", "return_pending", "returned"]
    /// Out of 100: most orders of a day are already completed or shipped.
    static let statusWeights = AliasTable(weights: [12, 18, 58, 5, 7])
    static let methods = ["credit_card", "coupon", "bank_transfer", "gift_card"]
    static let methodWeights = AliasTable(weights: [55, 15, 20, 10])
    static let platforms = ["google", "facebook", "instagram"]
    /// The first letter of an ad id on each platform (`g12`).
    static let platformPrefix: [UInt8] = [UInt8(ascii: "g"), UInt8(ascii: "f"), UInt8(ascii: "i")]
    static let media = ["cpc", "cpm", "display", "social", "video"]
    static let campaigns = ["brand_awareness", "summer_jaffles", "new_customer_promo", "retargeting", "lunch_rush", "weekend_special",
                            "delivery_launch", "loyalty_push"]
    /// Hours of the day an order is placed, weighted towards lunch and dinner.
    static let hourWeights = AliasTable(weights: [1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 9, 12, 14, 10, 7, 6, 7, 10, 13, 12, 9, 6, 3, 2])
    static let firstNames = [
        "Aaron", "Abigail", "Adam", "Adrian", "Alan", "Albert", "Alice", "Amanda", "Amy", "Andrea", "Andrew", "Angela", "Ann", "Anna",
        "Anthony", "Arthur", "Ashley", "Barbara", "Benjamin", "Betty", "Beverly", "Bobby", "Bonnie", "Brandon", "Brenda", "Brian",
        "Bruce", "Carl", "Carol", "Carolyn", "Catherine", "Charles", "Cheryl", "Christina", "Christopher", "Cynthia", "Daniel",
        "David", "Deborah", "Dennis", "Diana", "Diane", "Donald", "Donna", "Dorothy", "Douglas", "Edward", "Elizabeth", "Emily",
        "Eric", "Evelyn", "Frances", "Frank", "Gary", "George", "Gloria", "Gregory", "Harold", "Heather", "Helen", "Henry", "Jack",
        "Jacqueline", "James", "Jane", "Janet", "Jason", "Jean", "Jeffrey", "Jennifer", "Jeremy", "Jessica", "Jimmy", "Joan", "Joe",
        "John", "Jonathan", "Joseph", "Joshua", "Judith", "Julia", "Julie", "Justin", "Karen", "Kathleen", "Kathy", "Keith", "Kelly",
        "Kenneth", "Kevin", "Kimberly", "Larry", "Laura", "Lawrence", "Lillian", "Linda", "Lisa", "Louis", "Margaret", "Maria",
    ]
    static let initials: [[UInt8]] = (0..<26).map { [UInt8(ascii: "A") + UInt8($0), UInt8(ascii: ".")] }
    static let firstNameBytes: [[UInt8]] = firstNames.map { Array($0.utf8) }
    static let lowerFirstNames: [[UInt8]] = firstNames.map { Array($0.lowercased().utf8) }

    /// Scale-1 ranges of the original: new customers and orders per training day, ads per
    /// platform, ad start days before the run's first day, the validation batch.
    static let customersPerDay: ClosedRange<Int64> = 16...66
    static let ordersPerDay: ClosedRange<Int64> = 283...333
    static let adsPerPlatform = 100
    static let adLeadDays: ClosedRange<Int64> = 0...30
    static let validationCustomers = 600
    static let validationOrders = 600
    static let orphanSignups = 20

    func scaled(_ n: Int64) -> Int { Int((Double(n) * scale).rounded()) }
    func scaled(_ n: Int) -> Int { scaled(Int64(n)) }
    var adsPerPlatform: Int { Swift.max(1, scaled(JaffleModel.adsPerPlatform)) }

    /// New customers and orders on training day `day`.
    func dayCounts(_ day: Int64) -> (customers: Int, orders: Int) {
        var r = key.adding("counts").cell(Int(day))
        return (scaled(r.nextInt(in: JaffleModel.customersPerDay)), scaled(r.nextInt(in: JaffleModel.ordersPerDay)))
    }

    // MARK: Customers and signups

    struct Customer {
        var first: Int
        var initial: Int
        /// Seconds after midnight of the day it signed up.
        var signupSecond: Int64
        var emailEmpty: Bool
        var hash: SIMD4<UInt64>
    }

    func customer(_ id: Int) -> Customer {
        var r = key.adding("customer").cell(id)
        let first = r.nextIndex(JaffleModel.firstNames.count)
        let initial = r.nextIndex(26)
        let second = r.nextInt(in: 6 * 3600...22 * 3600)
        let empty = r.nextIndex(31) == 0
        return Customer(first: first, initial: initial, signupSecond: second, emailEmpty: empty, hash: SIMD4(r.next(), r.next(), r.next(), r.next()))
    }

    // MARK: Sessions

    struct Session {
        var hoursBefore: Int64
        var seconds: Int64
        var platform: Int
        var ad: Int
    }

    /// The customer's website session (`app == false`) or app session, or nil when it has none.
    func session(_ customer: Int, app: Bool) -> Session? {
        var r = key.adding(app ? "app_session" : "web_session").cell(customer)
        if app && !r.nextBool(probability: 0.6) { return nil }
        let hours = r.nextBool(probability: 0.7) ? r.nextInt(in: 1...6) : r.nextInt(in: 7...24)
        let seconds = r.nextInt(in: 60...45 * 60)
        let platform = (app ? 1 : 0) + r.nextIndex(2)
        return Session(hoursBefore: hours, seconds: seconds, platform: platform, ad: 1 + r.nextIndex(adsPerPlatform))
    }

    // MARK: Ads

    struct Ad {
        var startDay: Int64
        var medium: Int
        var campaign: Int
        var baseCents: Int64
    }

    func ad(platform: Int, _ n: Int) -> Ad {
        var r = key.adding("ad").adding(UInt64(platform)).cell(n)
        return Ad(startDay: startDay - r.nextInt(in: JaffleModel.adLeadDays), medium: r.nextIndex(JaffleModel.media.count),
                  campaign: r.nextIndex(JaffleModel.campaigns.count), baseCents: r.nextInt(in: 500...12_000))
    }

    /// The ad's cost on `day`: its base ± 30 %, in cents.
    func adCost(platform: Int, _ n: Int, base: Int64, day: Int64) -> Int64 {
        var r = key.adding("ad_cost").adding(UInt64(platform)).adding(UInt64(bitPattern: day)).cell(n)
        return (base * (70 + Int64(r.nextIndex(61))) + 50) / 100
    }

    /// The first day any ad runs.
    var firstAdDay: Int64 { startDay - JaffleModel.adLeadDays.upperBound }
}

/// One day's rows, column by column, before they become CSV text or Parquet chunks.
struct JaffleBatch {
    struct Customers {
        /// `first`: an index of `firstNames`, or -1 for a blank name; `last`: an initial
        /// (0...25), or `firstNameAsLast` for the first name again.
        var id: [Int64] = [], first: [Int16] = [], last: [Int16] = []
    }
    static let firstNameAsLast: Int16 = -1
    struct Signups {
        /// `email`: 0 the customer's own, 1 none, 2 the batch's shared one.
        var id: [Int64] = [], email: [UInt8] = [], at: [Int64] = []
    }
    struct Orders {
        var id: [Int64] = [], user: [Int64] = [], at: [Int64] = [], status: [Int] = []
    }
    struct Payments {
        var id: [Int64] = [], order: [Int64] = [], method: [Int] = [], amount: [Int64] = []
    }
    struct Sessions {
        var id: [Int64] = [], customer: [Int64] = [], start: [Int64] = [], end: [Int64] = [], platform: [Int] = [], ad: [Int] = []
    }
    var day: Int64
    var customers = Customers()
    var signups = Signups()
    var orders = Orders()
    var payments = Payments()
    var web = Sessions()
    var app = Sessions()
    /// The email signups with `email == 2` share.
    var sharedEmail: [UInt8] = []

    init(day: Int64) { self.day = day }
}

/// What a run carries from day to day: the ids so far, and who has ordered.
struct JaffleState {
    var customers = 0
    var orders = 0
    var payments = 0
    var webSessions = 0
    var appSessions = 0
    /// Customers (by id) who have placed an order.
    var ordered: [UInt64] = []

    mutating func markOrdered(_ id: Int) {
        let w = id >> 6
        if w >= ordered.count { ordered += [UInt64](repeating: 0, count: w - ordered.count + 1 + ordered.count / 2) }
        ordered[w] |= 1 << UInt64(id & 63)
    }

    func hasOrdered(_ id: Int) -> Bool {
        let w = id >> 6
        return w < ordered.count && ordered[w] & (1 << UInt64(id & 63)) != 0
    }
}

extension JaffleModel {
    /// Appends customer `id`'s signup (`email`: 0 its own address, 1 none, 2 the shared one).
    func appendSignup(_ id: Int, _ c: Customer, day: Int64, email: UInt8? = nil, to s: inout JaffleBatch.Signups) {
        s.id.append(Int64(id))
        s.email.append(email ?? (c.emailEmpty ? 1 : 0))
        s.at.append(day * 86_400 + c.signupSecond)
    }

    /// The customer's password hash: 64 hex digits.
    static func appendHash(_ c: Customer, to hex: inout [UInt8]) {
        for k in 0..<4 {
            let word = c.hash[k]
            for shift in stride(from: 60, through: 0, by: -4) {
                hex.append(hexDigit(UInt8((word >> UInt64(shift)) & 0xF)))
            }
        }
    }

    /// `{first}{last lowercased}{id}@example.com`: `annap.17@example.com`.
    func defaultEmail(_ id: Int, _ c: Customer) -> [UInt8] {
        var e: [UInt8] = []
        appendDefaultEmail(id, c, to: &e)
        return e
    }

    func appendDefaultEmail(_ id: Int, _ c: Customer, to e: inout [UInt8]) {
        e += JaffleModel.lowerFirstNames[c.first]
        e.append(UInt8(ascii: "a") + UInt8(c.initial))
        e.append(UInt8(ascii: "."))
        var n = UInt64(id)
        appendDigits(&n, minimumWidth: 1, to: &e)
        e += JaffleModel.emailDomain
    }

    static let emailDomain = Array("@example.com".utf8)

    /// The orders of a day (`count` of them, ids after `state.orders`) with their payments, for
    /// customers 1...`customers`; a customer who signed up today orders after signing up.
    /// Returns, for each order, its customer and time.
    func appendOrders(_ count: Int, day: Int64, stream: StreamKey, customers: Int, newFrom: Int, lost: Double = 0,
                      zeroAmount: Double = 0, state: inout JaffleState, into b: inout JaffleBatch) {
        guard customers > 0 else { return }
        for _ in 0..<count {
            state.orders += 1
            let id = state.orders
            var r = stream.cell(id)
            let user = 1 + r.nextIndex(customers)
            var second: Int64
            if user >= newFrom {
                let signed = customer(user).signupSecond
                second = signed + 60 + r.nextInt(in: 0...Swift.max(0, 86_399 - signed - 60))
            } else {
                second = Int64(JaffleModel.hourWeights.sample(&r)) * 3600 + r.nextInt(in: 0...3599)
            }
            let status = lost > 0 && r.nextBool(probability: lost) ? JaffleModel.statuses.count : JaffleModel.statusWeights.sample(&r)
            b.orders.id.append(Int64(id))
            b.orders.user.append(Int64(user))
            b.orders.at.append(day * 86_400 + second)
            b.orders.status.append(status)
            // One payment, or two; multiples of 100 cents, 100...2,900 each, 3,000 at most in all.
            let two = r.nextBool(probability: 0.3)
            let first = 100 * r.nextInt(in: 1...29)
            var amounts = [first]
            if two { amounts.append(100 * r.nextInt(in: 1...(30 - first / 100))) }
            for (k, amount) in amounts.enumerated() {
                state.payments += 1
                b.payments.id.append(Int64(state.payments))
                b.payments.order.append(Int64(id))
                b.payments.method.append(k == 1 && r.nextBool(probability: 0.5) ? 1 : JaffleModel.methodWeights.sample(&r))
                b.payments.amount.append(zeroAmount > 0 && r.nextBool(probability: zeroAmount) ? 0 : amount)
            }
        }
    }

    /// Training day `day`: its new customers and signups, orders and payments, and the sessions
    /// of the customers whose first order it is.
    func trainingBatch(_ day: Int64, state: inout JaffleState) -> JaffleBatch {
        var b = JaffleBatch(day: day)
        let (newCustomers, orders) = dayCounts(day)
        let firstNew = state.customers + 1
        for _ in 0..<newCustomers {
            state.customers += 1
            let id = state.customers
            let c = customer(id)
            b.customers.id.append(Int64(id))
            b.customers.first.append(Int16(c.first))
            b.customers.last.append(Int16(c.initial))
            appendSignup(id, c, day: day, to: &b.signups)
        }
        appendOrders(orders, day: day, stream: key.adding("order"), customers: state.customers, newFrom: firstNew, state: &state, into: &b)
        // Sessions: each customer ordering for the first time gets a website session and
        // perhaps an app session, some hours before that first order.
        var first: [Int: Int64] = [:]
        for (user, at) in zip(b.orders.user, b.orders.at) where !state.hasOrdered(Int(user)) {
            first[Int(user)] = Swift.min(first[Int(user)] ?? .max, at)
        }
        for user in first.keys.sorted() {
            state.markOrdered(user)
            let at = first[user]!
            for app in [false, true] {
                guard let s = session(user, app: app) else { continue }
                let start = at - s.hoursBefore * 3600
                if app {
                    state.appSessions += 1
                    b.app.id.append(Int64(state.appSessions))
                } else {
                    state.webSessions += 1
                    b.web.id.append(Int64(state.webSessions))
                }
                func add(_ t: inout JaffleBatch.Sessions) {
                    t.customer.append(Int64(user))
                    t.start.append(start)
                    t.end.append(start + s.seconds)
                    t.platform.append(s.platform)
                    t.ad.append(s.ad)
                }
                if app { add(&b.app) } else { add(&b.web) }
            }
        }
        return b
    }


    /// The anomalies the validation files add after the training rows (`endDay`), as the
    /// original does: new customers with a blank first name or their first name as last name,
    /// new orders each written twice with half of them `lost`, zero-amount payments, new
    /// signups sharing one email, customers without a signup, and signups of customers that do
    /// not exist. `emit` gets the batch in slices: customers and their signups, then orders and
    /// their payments, then the orphan signups.
    func validationBatch<E: Error>(state: inout JaffleState, truth: inout JaffleTruth, emit: (JaffleBatch) throws(E) -> Void) throws(E) {
        let day = endDay
        let v = key.adding("validation")
        let firstNew = state.customers + 1
        var shared: [UInt8]?
        var remaining = scaled(JaffleModel.validationCustomers)
        while remaining > 0 {
            var b = JaffleBatch(day: day)
            for _ in 0..<Swift.min(remaining, sliceRows) {
                state.customers += 1
                let id = state.customers
                let c = customer(id)
                var r = v.adding("customer").cell(id)
                var first = Int16(c.first)
                var last = Int16(c.initial)
                if r.nextBool(probability: 0.5) {
                    if r.nextBool(probability: 0.5) {
                        first = -1
                        truth.add(.blankFirstName, id)
                    } else {
                        last = JaffleBatch.firstNameAsLast
                        truth.add(.firstNameAsLastName, id)
                    }
                }
                b.customers.id.append(Int64(id))
                b.customers.first.append(first)
                b.customers.last.append(last)
                let kind = r.nextIndex(10)
                if kind == 0 {
                    truth.add(.customerWithoutSignup, id)
                } else if kind == 1 {
                    if shared == nil { shared = defaultEmail(id, c) }
                    appendSignup(id, c, day: day, email: 2, to: &b.signups)
                    truth.add(.sharedEmail, id)
                } else {
                    appendSignup(id, c, day: day, to: &b.signups)
                }
            }
            b.sharedEmail = shared ?? []
            remaining -= b.customers.id.count
            try emit(b)
        }
        remaining = scaled(JaffleModel.validationOrders)
        let stream = v.adding("order")
        while remaining > 0 {
            var b = JaffleBatch(day: day)
            let before = state.orders
            appendOrders(Swift.min(remaining, sliceRows), day: day, stream: stream, customers: state.customers, newFrom: firstNew,
                         lost: 0.5, zeroAmount: 0.1, state: &state, into: &b)
            if state.orders == before { break }  // no customer to order
            remaining -= state.orders - before
            for (id, status) in zip(b.orders.id, b.orders.status) where status == JaffleModel.statuses.count { truth.add(.lostStatus, Int(id)) }
            for (id, amount) in zip(b.payments.id, b.payments.amount) where amount == 0 { truth.add(.zeroAmount, Int(id)) }
            // Every new order id twice.
            for id in stride(from: before + 1, through: state.orders, by: 1) { truth.add(.duplicateOrderID, id) }
            let o = b.orders
            b.orders = JaffleBatch.Orders()
            for i in o.id.indices {
                for _ in 0..<2 {
                    b.orders.id.append(o.id[i])
                    b.orders.user.append(o.user[i])
                    b.orders.at.append(o.at[i])
                    b.orders.status.append(o.status[i])
                }
            }
            try emit(b)
        }
        // Signups of customers that do not exist: ids past every customer's.
        var b = JaffleBatch(day: day)
        for k in 1...Swift.max(1, scaled(JaffleModel.orphanSignups)) {
            let id = state.customers + k
            appendSignup(id, customer(id), day: day, to: &b.signups)
            truth.add(.orphanSignup, id)
        }
        try emit(b)
    }
}

/// The ground truth of the validation files: every anomaly's kind and the ids it affects.
struct JaffleTruth: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case blankFirstName = "blank_first_name"
        case firstNameAsLastName = "first_name_as_last_name"
        case customerWithoutSignup = "customer_without_signup"
        case lostStatus = "lost_status"
        case duplicateOrderID = "duplicate_order_id"
        case zeroAmount = "zero_amount"
        case sharedEmail = "shared_email"
        case orphanSignup = "orphan_signup"

        /// The table and column it is in, and what the ids are.
        var place: (table: String, column: String, ids: String) {
            switch self {
            case .blankFirstName: return ("raw_customers_validation", "first_name", "customer id")
            case .firstNameAsLastName: return ("raw_customers_validation", "last_name", "customer id")
            case .customerWithoutSignup: return ("raw_signups_validation", "user_id", "customer id (no signup row)")
            case .lostStatus: return ("raw_orders_validation", "status", "order id")
            case .duplicateOrderID: return ("raw_orders_validation", "id", "order id (each in two rows)")
            case .zeroAmount: return ("raw_payments_validation", "amount", "payment id")
            case .sharedEmail: return ("raw_signups_validation", "user_email", "signup id")
            case .orphanSignup: return ("raw_signups_validation", "user_id", "signup id (no such customer)")
            }
        }

        var summary: String {
            switch self {
            case .blankFirstName: return "a new customer whose first name is blank (\"  \")"
            case .firstNameAsLastName: return "a new customer whose last name is their first name"
            case .customerWithoutSignup: return "a new customer with no signup"
            case .lostStatus: return "a new order with status 'lost' (not an accepted status)"
            case .duplicateOrderID: return "a new order written twice under one id"
            case .zeroAmount: return "a payment of 0"
            case .sharedEmail: return "a new signup whose email another signup has"
            case .orphanSignup: return "a signup of a customer that does not exist"
            }
        }
    }

    var ids: [Kind: [Int]] = [:]

    mutating func add(_ kind: Kind, _ id: Int) { ids[kind, default: []].append(id) }
}
