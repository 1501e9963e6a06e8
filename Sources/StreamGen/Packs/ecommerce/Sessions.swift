import Columnar

/// What one shard of sessions produced: events by the day of their partition, orders, their
/// items, what each user spent, and the ground truth of the scenario's anomaly.
struct SessionShardOutput {
    /// Events by partition day (the day of `inserted_at`), in session order: day `d`'s chunk at
    /// index `d`, nil while no event has landed on it.
    var events: [Chunk?]
    var orders = Chunk(schema: EcommerceTables.orders, capacity: 1024)
    var items = Chunk(schema: EcommerceTables.orderItems, capacity: 2048)
    /// (user index, cents) per order placed by a known user: lifetime values are summed from these.
    var spend: [(Int32, Int64)] = []
    var truth = AnomalyTally()
    /// Events generated per created_at day (index) before any scenario removed some.
    var eventsByDay: [Int]
    /// A census run's findings (nothing else is filled then).
    var census: ShardCensus?

    init(days: Int, census: Bool = false) {
        events = Array(repeating: nil, count: days)
        eventsByDay = Array(repeating: 0, count: days)
        self.census = census ? ShardCensus(days: days) : nil
    }

    /// The partition days that received events, in order, with their chunks.
    var eventChunks: some Sequence<(day: Int, chunk: Chunk)> {
        events.enumerated().lazy.compactMap { day, chunk in chunk.map { (day, $0) } }
    }
}

/// What an anomaly touched: the affected rows and ids, the population its severity is measured
/// against, and the affected count per day.
struct AnomalyTally {
    var affected = 0
    var population = 0
    var lists: [String: [String]] = [:]
    var byDay: [Int: Int] = [:]
    /// The business impact a demo quotes: the orders the anomaly reaches and their money (cents):
    /// revenue without a user, untracked, or counted twice, as the scenario has it.
    var impactOrders = 0
    var impactCents: Int64 = 0

    /// One affected row on `day`, its id in `list`.
    mutating func record(_ list: String, _ id: (UInt64, UInt64), day: Int) {
        affected += 1
        byDay[day, default: 0] += 1
        add(list, id)
    }

    mutating func add(_ list: String, _ id: (UInt64, UInt64)) {
        var text: [UInt8] = []
        appendUUIDText(id, to: &text)
        lists[list, default: []].append(String(decoding: text, as: UTF8.self))
    }

    mutating func merge(_ other: AnomalyTally) {
        affected += other.affected
        population += other.population
        for (k, v) in other.lists { lists[k, default: []].append(contentsOf: v) }
        for (k, v) in other.byDay { byDay[k, default: 0] += v }
        impactOrders += other.impactOrders
        impactCents += other.impactCents
    }
}

/// Simulates sessions (spec §4.3, §4.4): landing, a browse loop of searches, category pages and
/// product views, cart changes, then maybe a checkout that completes into an order.
struct SessionSimulator {
    let model: EcommerceModel
    var out: SessionShardOutput
    /// The scenario's decisions, drawn from the census (empty while the census runs).
    let plan: AnomalyPlan
    /// A census counts the scenario's population and candidates and writes no rows.
    let isCensus: Bool

    private let referrers = AliasTable(weights: Words.referrerWeights)
    private let actions = AliasTable(weights: [0.2, 0.3, 0.5])
    private let quantities = AliasTable(weights: [0.75, 0.18, 0.07])
    private let payments = AliasTable(weights: [0.68, 0.20, 0.10, 0.02])
    private let sources = ["browse", "home", "recommendation", "sale"]
    private static let landings = ["/", "/sale", "/new-arrivals"].map { Array($0.utf8) }
    private let landingTitles = ["Home", "Sale", "New Arrivals"]
    private let loginMethods = ["password", "google", "apple", "magic_link"]
    private let errors: [(String, String)] = [
        ("timeout", "Request timed out after 30s"), ("server_error", "Internal server error"),
        ("not_found", "Page not found"), ("payment_declined", "Card was declined"), ("validation", "Invalid postal code"),
    ]
    private static let checkoutSteps = ["shipping", "payment", "review"]
    private static let checkoutPages = checkoutSteps.map { Array("/checkout/\($0)".utf8) }
    /// Search terms (product nouns, lowercased) and their result pages, `/search?q=term+words`.
    private static let searchTerms = (0..<Words.productNouns.count).map { Array(Words.productNouns.word($0).lowercased().utf8) }
    private static let searchPages = searchTerms.map { Array("/search?q=".utf8) + $0.map { $0 == UInt8(ascii: " ") ? UInt8(ascii: "+") : $0 } }
    /// The app versions of app sessions (codes into `EcommerceTables.appVersions`): 2.3.0
    /// mostly, some users on older releases.
    private static let appVersions: [UInt32] = [2, 2, 2, 2, 1, 2, 0, 2]
    private static let brokenRelease: UInt32 = 3

    // Per-session state.
    private var ids = SplitMix64(state: 0)
    private var anomaly = SplitMix64(state: 0)
    private var sessionID: (UInt64, UInt64) = (0, 0)
    private var userID: (UInt64, UInt64)?
    private var userIndex: Int?
    private var device = 0
    private var country = 0
    private var platform: UInt32 = 0
    private var app = false
    private var version: UInt32?
    private var global = 0
    private var ended = false
    private var lateInsert: Int64?
    /// late_arriving: the session's day-2 events so far, and from which of them they arrive late.
    private var dayTwoEvents = 0
    private var lateFrom = Int.max
    private var lateCandidate = false
    /// volume_drop: per day, the EU events this shard still drops and those it has still to see.
    private var dropLeft: [Int: (drop: Int, of: Int)] = [:]
    private var dropStream = SplitMix64(state: 0)
    private var eventIndex: Int64 = 0
    private var page: [UInt8] = []
    private var previousPage: [UInt8] = []
    private var externalReferrer: Int?
    /// An emptied events chunk of an earlier shard, filled again before any new one is allocated.
    private var spareEvents: Chunk?

    /// - Parameter spareEvents: an emptied events chunk to reuse (a worker hands back its last
    ///   shard's largest), so that a run does not grow a new chunk per shard by doubling, which
    ///   copies it several times and leaves the smaller buffers behind as heap fragments.
    init(model: EcommerceModel, plan: AnomalyPlan = .empty, shard: Int = 0, census: Bool = false, spareEvents: Chunk? = nil) {
        self.model = model
        self.plan = plan
        self.isCensus = census
        self.out = SessionShardOutput(days: model.days, census: census)
        self.spareEvents = spareEvents
        if shard < plan.shardQuotas.count { dropLeft = plan.shardQuotas[shard] }
        dropStream = model.scenarioKey.adding("drop").cell(shard)
    }

    mutating func run(_ shard: SessionPlan.Shard) {
        for s in shard.sessions { session(day: shard.day, index: s, global: shard.dayBase + s) }
    }

    /// Simulates shard `k`; the output's chunks are then uniquely the caller's, to reuse.
    static func simulate(_ k: Int, model: EcommerceModel, plan: AnomalyPlan, spareEvents: consuming Chunk?) -> SessionShardOutput {
        var simulator = SessionSimulator(model: model, plan: plan, shard: k, spareEvents: spareEvents)
        simulator.run(model.plan.shards[k])
        return simulator.out
    }

    /// Counts shard `k`'s part of the scenario's population and its candidates, writing nothing:
    /// the same sessions as `simulate`, draw for draw.
    static func census(_ k: Int, model: EcommerceModel) -> ShardCensus {
        var simulator = SessionSimulator(model: model, shard: k, census: true)
        simulator.run(model.plan.shards[k])
        return simulator.out.census!
    }

    /// Session `index` of day `d` (run-wide index `global`).
    mutating func session(day d: Int, index: Int, global: Int) {
        let plan = model.plan
        self.global = global
        var rng = model.sessionKey.cell(global)
        ids = SplitMix64(state: rng.next())
        anomaly = model.scenarioKey.cell(global)
        sessionID = uuid4(&ids)
        ended = false
        eventIndex = 0
        previousPage.removeAll(keepingCapacity: true)
        externalReferrer = rng.nextBool(probability: 0.35) ? nil : referrers.sample(&rng)

        var time: Int64
        var signupUser: Int?
        if index < plan.regular[d] {
            let u = (Double(index) + rng.nextDouble()) / Double(max(plan.regular[d], 1))
            time = model.dayStart(d) + model.users.curve.micros(at: u)
        } else {
            let j = model.users.newByDay[d] + index - plan.regular[d]
            signupUser = j
            let created = model.users.user(j).createdAt
            time = max(created - 5_000_000 - Int64(rng.nextIndex(60)) * 1_000_000, model.dayStart(0))
            _ = rng.next()
        }

        // Who: a sign-up, an identified returning visitor, or an anonymous one (30 %).
        userID = nil
        userIndex = nil
        if let j = signupUser {
            let user = model.users.user(j)
            device = user.device
            country = user.country
        } else if rng.nextBool(probability: 0.30) {
            device = model.users.devices.sample(&rng)
            country = model.users.countries.sample(&rng)
        } else {
            let i = pickUser(at: time, &rng)
            let user = model.users.user(i)
            userID = user.id
            userIndex = i
            device = user.device
            country = user.country
        }
        app = device == 0 || (device == 2 && rng.nextBool(probability: 0.5))
        let appVersion = Self.appVersions[rng.nextIndex(Self.appVersions.count)]
        platform = app ? (rng.nextBool(probability: 0.55) ? 1 : 2) : 0
        version = app ? appVersion : nil
        if model.scenario == .nullSpike && !isCensus && device == 0 { version = nullSpikeVersion(at: time) ?? appVersion }

        // late_arriving: day 2's mobile sessions drawn by the plan were queued offline and
        // uploaded on day 5 (the last session drawn only from part-way through).
        lateInsert = nil
        dayTwoEvents = 0
        lateFrom = Int.max
        lateCandidate = model.scenario == .lateArriving && d == 1 && device == 0
        if lateCandidate && !isCensus, let pick = self.plan.pick(global) {
            lateInsert = model.dayStart(4) + Int64((6 + 16 * anomaly.nextDouble()) * 3_600_000_000)
            lateFrom = Int(pick.weight - pick.take)
        }

        // Landing.
        let landing = rng.nextIndex(3)
        let title = landingTitles[landing]
        setPage(Self.landings[landing])
        emit(0, at: time) { p, page in p.jsonOpen("page"); p.jsonString(page); p.jsonKey("title"); p.jsonString(title) }
        time += Int64(5 + rng.nextIndex(26)) * 1_000_000

        if let j = signupUser {
            let user = model.users.user(j)
            time = max(time, user.createdAt)
            userID = user.id
            userIndex = j
            setPage("/signup")
            let method = loginMethods[rng.nextIndex(3)]
            emit(10, at: user.createdAt) { p, _ in p.jsonOpen("method"); p.jsonString(method) }
            time += Int64(10 + rng.nextIndex(40)) * 1_000_000
        } else if userID != nil && rng.nextBool(probability: 0.2) {
            setPage("/login")
            let method = loginMethods[rng.nextIndex(4)]
            emit(11, at: time) { p, _ in p.jsonOpen("method"); p.jsonString(method) }
            time += Int64(5 + rng.nextIndex(20)) * 1_000_000
        }

        // Browse loop: 1-10 steps of search (20 %), category page (30 %) or product view (50 %).
        var cart: [(product: Int, quantity: Int)] = []
        if userID != nil && rng.nextBool(probability: 0.18) {  // a cart saved from an earlier visit
            for _ in 0..<(1 + rng.nextIndex(4)) {
                let product = model.catalog.pick(at: time, &rng)
                if !cart.contains(where: { $0.product == product }) { cart.append((product, 1)) }
            }
        }
        let steps = 1 + rng.nextIndex(10)
        for _ in 0..<steps {
            var viewed: Int?
            var source = sources[rng.nextIndex(sources.count)]
            switch actions.sample(&rng) {
            case 0:
                let term = rng.nextIndex(Self.searchTerms.count)
                let word = Self.searchTerms[term]
                let results = rng.nextIndex(51)
                setPage(Self.searchPages[term])
                emit(1, at: time) { p, _ in p.jsonOpen("query"); p.jsonString(word); p.jsonKey("results_count"); p.jsonInt(results) }
                if results > 0 && rng.nextBool(probability: 0.55) {
                    time += Int64(3 + rng.nextIndex(20)) * 1_000_000
                    let product = model.catalog.pick(at: time, &rng)
                    let position = 1 + rng.nextIndex(min(results, 10))
                    let idText = model.catalog.products[product].idText
                    emit(2, at: time) { p, _ in
                        p.jsonOpen("query"); p.jsonString(word); p.jsonKey("product_id"); p.jsonString(idText); p.jsonKey("position"); p.jsonInt(position)
                    }
                    viewed = product
                    source = "search"
                }
            case 1:
                let category = model.catalog.categories[rng.nextIndex(model.catalog.categories.count)]
                setPage(category.page)
                emit(0, at: time) { p, page in p.jsonOpen("page"); p.jsonString(page); p.jsonKey("title"); p.jsonString(category.nameBytes) }
            default:
                viewed = model.catalog.pick(at: time, &rng)
            }
            if let product = viewed {
                let item = model.catalog.products[product]
                time += Int64(2 + rng.nextIndex(8)) * 1_000_000
                setPage(item.page)
                emit(0, at: time) { p, page in p.jsonOpen("page"); p.jsonString(page); p.jsonKey("title"); p.jsonString(item.nameBytes) }
                emit(3, at: time + 400_000) { p, _ in p.jsonOpen("product_id"); p.jsonString(item.idText); p.jsonKey("source"); p.jsonString(source) }
                if rng.nextBool(probability: 0.30) {
                    let quantity = 1 + quantities.sample(&rng)
                    // A product already in the cart gets its quantity raised: one line per product.
                    if let line = cart.firstIndex(where: { $0.product == product }) {
                        cart[line].quantity += quantity
                    } else {
                        cart.append((product, quantity))
                    }
                    emit(4, at: time + Int64(10 + rng.nextIndex(51)) * 1_000_000) { p, _ in
                        p.jsonOpen("product_id"); p.jsonString(item.idText); p.jsonKey("quantity"); p.jsonInt(quantity)
                    }
                    time += 60_000_000
                }
            }
            if !cart.isEmpty && rng.nextBool(probability: 0.05) {
                let removed = cart.remove(at: rng.nextIndex(cart.count))
                let idText = model.catalog.products[removed.product].idText
                time += Int64(5 + rng.nextIndex(20)) * 1_000_000
                setPage("/cart")
                emit(5, at: time) { p, _ in p.jsonOpen("product_id"); p.jsonString(idText) }
            }
            if rng.nextBool(probability: 0.012) {
                let (kind, message) = errors[rng.nextIndex(errors.count)]
                emit(13, at: time + 1_000_000) { p, page in
                    p.jsonOpen("error_type"); p.jsonString(kind); p.jsonKey("message"); p.jsonString(message); p.jsonKey("page"); p.jsonString(page)
                }
            }
            time += Int64(20 + rng.nextIndex(161)) * 1_000_000
        }

        // Checkout: 40 % of carts on average, bigger carts more often; 60 % of checkouts complete.
        if !cart.isEmpty && rng.nextBool(probability: min(0.95, 0.205 * Double(cart.count))) {
            var subtotal: Int64 = 0
            var quantity = 0
            for line in cart {
                subtotal += model.catalog.products[line.product].priceCents * Int64(line.quantity)
                quantity += line.quantity
            }
            let cartValue = subtotal
            let itemCount = quantity
            setPage("/checkout")
            emit(6, at: time) { p, _ in p.jsonOpen("cart_value"); p.jsonMoney(cartValue); p.jsonKey("item_count"); p.jsonInt(itemCount) }
            let completes = rng.nextBool(probability: 0.6)
            let lastStep = completes ? 3 : 1 + rng.nextIndex(3)
            // An anonymous visitor signs in to pay, almost always (guest checkout is rare).
            if userID == nil && rng.nextBool(probability: 0.996) {
                time += Int64(10 + rng.nextIndex(30)) * 1_000_000
                let i = pickUser(at: time, &rng)
                userID = model.users.user(i).id
                userIndex = i
                setPage("/login")
                let method = loginMethods[rng.nextIndex(4)]
                emit(11, at: time) { p, _ in p.jsonOpen("method"); p.jsonString(method) }
            }
            for step in 1...lastStep {
                time += Int64(15 + rng.nextIndex(76)) * 1_000_000
                let name = Self.checkoutSteps[step - 1]
                setPage(Self.checkoutPages[step - 1])
                emit(7, at: time) { p, _ in p.jsonOpen("step"); p.jsonInt(step); p.jsonKey("step_name"); p.jsonString(name) }
            }
            time += Int64(10 + rng.nextIndex(31)) * 1_000_000
            if completes {
                placeOrder(cart: cart, subtotal: subtotal, at: time, &rng)
            } else {
                emit(9, at: time) { p, _ in p.jsonOpen("step"); p.jsonInt(lastStep); p.jsonKey("cart_value"); p.jsonMoney(cartValue) }
            }
        }
        if userID != nil && rng.nextBool(probability: 0.08) {
            time += Int64(5 + rng.nextIndex(30)) * 1_000_000
            setPage("/account")
            emit(12, at: time) { p, _ in p.jsonOpen(nil) }
        }
        if isCensus && lateCandidate && dayTwoEvents > 0 {
            out.census!.candidates.append(.init(session: global, day: 1, weight: dayTwoEvents))
        }
    }

    /// null_spike: the release a mobile session starting at `time` runs. A session the plan
    /// names places an order in the window: it runs 2.3.1 if the plan drew it, its usual release
    /// otherwise; of the others, those in the window run 2.3.1 as often as the release's adoption.
    private mutating func nullSpikeVersion(at time: Int64) -> UInt32? {
        if let pick = plan.pick(global) { return pick.selected ? Self.brokenRelease : nil }
        let windowStart = model.dayStart(2) + SpecFigures.nullSpikeStartHour * 3_600_000_000
        guard time >= windowStart && time < model.dayStart(5) - 3_600_000_000 else { return nil }
        return anomaly.nextBool(probability: SpecFigures.brokenReleaseAdoption) ? Self.brokenRelease : nil
    }

    /// A user who exists at `micros`, older accounts more active: index ⌊n·u^1.5⌋.
    private func pickUser(at micros: Int64, _ rng: inout SplitMix64) -> Int {
        let n = model.users.existing(at: micros)
        let u = rng.nextDouble()
        return min(n - 1, Int(Double(n) * u * u.squareRoot()))
    }

    /// Spec §4.4: items from the cart, a discount on 20 % of orders, 5.99 shipping under 50.00.
    private mutating func placeOrder(cart: [(product: Int, quantity: Int)], subtotal: Int64, at time: Int64, _ rng: inout SplitMix64) {
        guard !ended, time < model.periodEnd else { ended = true; return }
        let orderID = uuid4(&ids)
        let discount: Int64 = rng.nextBool(probability: 0.20) ? Int64((Double(subtotal) * (0.05 + 0.20 * rng.nextDouble())).rounded()) : 0
        let shipping: Int64 = subtotal < 5_000 ? 599 : 0
        let total = subtotal - discount + shipping
        var orderIDText: [UInt8] = []
        appendUUIDText(orderID, to: &orderIDText)
        let tracked = emit(8, at: time) { p, _ in p.jsonOpen("order_id"); p.jsonString(orderIDText); p.jsonKey("total"); p.jsonMoney(total) }

        // Status as of the end of the period: paid within minutes, shipped in 12-48 h, delivered
        // 1-4 days later; 3 % cancelled, 2 % still pending.
        let snapshot = model.periodEnd - 1
        let fate = rng.nextDouble()
        let paidAt = time + Int64(5 + rng.nextIndex(600)) * 1_000_000
        let shippedAt = paidAt + Int64(12 + rng.nextIndex(37)) * 3_600_000_000
        let deliveredAt = shippedAt + Int64(24 + rng.nextIndex(73)) * 3_600_000_000
        let cancelledAt = paidAt + Int64(1 + rng.nextIndex(24)) * 3_600_000_000
        let (status, updated): (Int, Int64)
        if fate < 0.02 || paidAt > snapshot {
            (status, updated) = (0, time)
        } else if fate < 0.05 {
            (status, updated) = cancelledAt <= snapshot ? (4, cancelledAt) : (1, paidAt)
        } else if deliveredAt <= snapshot {
            (status, updated) = (3, deliveredAt)
        } else if shippedAt <= snapshot {
            (status, updated) = (2, shippedAt)
        } else {
            (status, updated) = (1, paidAt)
        }
        let payment = payments.sample(&rng)
        var userForOrder = userID
        let day = model.dayIndex(time)
        let pick = plan.pick(global)

        // The scenarios that touch orders: a census counts their population and candidates.
        switch model.scenario {
        case .nullSpike:
            let windowStart = model.dayStart(2) + SpecFigures.nullSpikeStartHour * 3_600_000_000
            if time >= windowStart && time < model.dayStart(5) {
                out.truth.population += 1
                if isCensus {
                    out.census!.population[day] += 1
                    if userForOrder == nil {
                        out.census!.guests[day] += 1
                    } else if device == 0 {
                        out.census!.candidates.append(.init(session: global, day: day, weight: 1))
                    }
                } else if version == Self.brokenRelease && userForOrder != nil {
                    // The broken release loses the user's context at checkout, every time.
                    userForOrder = nil
                    out.truth.record("affected_order_ids", orderID, day: day)
                    out.truth.impactOrders += 1
                    out.truth.impactCents += total
                }
            }
        case .orphanedRecords:
            if day == 3 {
                out.truth.population += 1
                if isCensus {
                    out.census!.population[day] += 1
                    if userForOrder != nil { out.census!.candidates.append(.init(session: global, day: day, weight: 1)) }
                } else if pick?.selected == true {
                    var deleted = model.deletedUserKey.cell(Int(truncatingIfNeeded: orderID.0 >> 1))
                    userForOrder = uuid4(&deleted)
                    out.truth.record("affected_order_ids", orderID, day: 3)
                    out.truth.impactOrders += 1
                    out.truth.impactCents += total
                }
            }
        case .duplicates:
            if SpecFigures.duplicateShares.contains(where: { $0.day == day }) {
                out.truth.population += day == 5 ? 1 : 0
                if isCensus {
                    out.census!.population[day] += 1
                    out.census!.candidates.append(.init(session: global, day: day, weight: 1))
                }
            }
        default:
            break
        }
        if isCensus {
            // The ids the rows would take, drawn all the same: later events' draws follow them.
            for _ in cart { _ = uuid4(&ids) }
            return
        }
        if model.scenario == .volumeDrop && !tracked {
            // The checkout_completed event was lost with the tracking pixel: an untracked order.
            out.truth.impactOrders += 1
            out.truth.impactCents += total
        }

        let o = OrderRow(id: orderID, user: userForOrder, status: status, total: total, discount: discount, shipping: shipping,
                         payment: payment, createdAt: time, updatedAt: updated, session: sessionID, device: device, app: app,
                         version: version, platform: platform)
        o.append(to: &out.orders)
        if let i = userIndex { out.spend.append((Int32(i), total)) }

        // duplicates: a retry re-inserts every item of 14.7 % of day 6's orders (0.1 % of day 7's).
        let duplicate = model.scenario == .duplicates && pick?.selected == true
        if duplicate {
            out.truth.record("affected_order_ids", orderID, day: day)
            out.truth.impactOrders += 1
        }
        for line in cart {
            let product = model.catalog.products[line.product]
            let itemID = uuid4(&ids)
            appendItem(itemID, order: orderIDText, product: product.idText, quantity: line.quantity, price: product.priceCents, at: time)
            if duplicate {
                let copy = uuid4(&anomaly)
                appendItem(copy, order: orderIDText, product: product.idText, quantity: line.quantity, price: product.priceCents, at: time)
                out.truth.add("duplicate_order_item_ids", copy)
                out.truth.impactCents += product.priceCents * Int64(line.quantity)
            }
            if model.scenario == .schemaDrift && product.isImported {
                // An item priced from the import job's text: what downstream price maths trips on.
                out.truth.impactOrders += 1
                out.truth.impactCents += product.priceCents * Int64(line.quantity)
            }
        }
    }

    private mutating func appendItem(_ id: (UInt64, UInt64), order: [UInt8], product: [UInt8], quantity: Int, price: Int64, at time: Int64) {
        out.items.columns[0].appendBuilding { appendUUIDText(id, to: &$0) }
        out.items.columns[1].append(bytes: order)
        out.items.columns[2].append(bytes: product)
        out.items.columns[3].append(Int32(quantity))
        out.items.columns[4].append(price)
        out.items.columns[5].append(time)
    }

    private mutating func setPage(_ path: StaticString) {
        page.removeAll(keepingCapacity: true)
        path.withUTF8Buffer { page.append(contentsOf: $0) }
    }

    private mutating func setPage(_ path: [UInt8]) {
        page.removeAll(keepingCapacity: true)
        page.append(contentsOf: path)
    }

    /// Appends one event of type `type` at `time`, its properties written by `properties`;
    /// applies the volume-drop and late-arrival scenarios. Returns whether the event was written.
    @discardableResult
    private mutating func emit(_ type: Int, at time: Int64, _ properties: (inout [UInt8], [UInt8]) -> Void) -> Bool {
        guard !ended else { return false }
        guard time < model.periodEnd else { ended = true; return false }
        let id = uuid4(&ids)
        let lag = Int64(200_000 + Int(ids.next() % 5_000_000))
        let day = model.dayIndex(time)
        var inserted = min(time + lag, model.dayStart(day + 1) - 1)
        out.eventsByDay[day] += 1
        if model.scenario == .lateArriving && day == 1 {
            out.truth.population += 1
            if lateCandidate { dayTwoEvents += 1 }
            if let late = lateInsert, dayTwoEvents > lateFrom {
                inserted = late + eventIndex * 1_000
                out.truth.record("affected_event_ids", id, day: day)
            }
        }
        eventIndex += 1
        if model.scenario == .volumeDrop && SpecFigures.volumeDropDays.contains(day) && EcommerceModel.isEU[country] {
            out.truth.population += 1
            if isCensus {
                out.census!.population[day] += 1
            } else if let left = dropLeft[day], left.of > 0 {
                // Selection sampling: exactly the shard's quota of its EU events on this day.
                let drop = left.drop > 0 && (left.of <= left.drop || dropStream.nextDouble() < Double(left.drop) / Double(left.of))
                dropLeft[day] = (left.drop - (drop ? 1 : 0), left.of - 1)
                if drop {
                    out.truth.record("dropped_event_ids", id, day: day)
                    keepPreviousPage()
                    return false
                }
            }
        }
        if isCensus {
            if model.scenario == .lateArriving && day == 1 { out.census!.population[1] += 1 }
            keepPreviousPage()
            return true
        }
        let partition = model.dayIndex(inserted)
        var chunk = out.events[partition].take() ?? spareEvents.take() ?? Chunk(schema: EcommerceTables.events, capacity: 16_384)
        chunk.columns[0].appendBuilding { appendUUIDText(id, to: &$0) }
        if let user = userID { chunk.columns[1].appendBuilding { appendUUIDText(user, to: &$0) } } else { chunk.columns[1].appendNull() }
        chunk.columns[2].appendBuilding { appendUUIDText(sessionID, to: &$0) }
        chunk.columns[3].appendCode(UInt32(type))
        chunk.columns[4].appendBuilding { json in  // written straight into the column
            properties(&json, page)
            json.append(UInt8(ascii: "}"))
        }
        chunk.columns[5].append(bytes: page)
        if !previousPage.isEmpty {
            chunk.columns[6].append(bytes: previousPage)
        } else if let r = externalReferrer {
            chunk.columns[6].appendBuilding { Words.referrers.append(r, to: &$0) }
        } else {
            chunk.columns[6].appendNull()
        }
        chunk.columns[7].appendCode(UInt32(device))
        chunk.columns[8].appendCode(UInt32(country))
        chunk.columns[9].append(time)
        chunk.columns[10].append(inserted)
        chunk.columns[11].appendCode(platform)
        chunk.columns[12].appendCode(app ? 1 : 0)
        if let version { chunk.columns[13].appendCode(version) } else { chunk.columns[13].appendNull() }
        keepPreviousPage()
        out.events[partition] = consume chunk
        return true
    }

    /// The current page becomes the next event's referrer. Copied, not shared: a shared buffer
    /// would be reallocated by the next `setPage` (copy on write), once per event.
    private mutating func keepPreviousPage() {
        previousPage.removeAll(keepingCapacity: true)
        previousPage.append(contentsOf: page)
    }
}

/// One row of `orders`.
private struct OrderRow {
    let id: (UInt64, UInt64)
    let user: (UInt64, UInt64)?
    let status: Int
    let total: Int64
    let discount: Int64
    let shipping: Int64
    let payment: Int
    let createdAt: Int64
    let updatedAt: Int64
    let session: (UInt64, UInt64)
    let device: Int
    let app: Bool
    let version: UInt32?
    let platform: UInt32

    func append(to chunk: inout Chunk) {
        chunk.columns[0].appendBuilding { appendUUIDText(id, to: &$0) }
        if let user { chunk.columns[1].appendBuilding { appendUUIDText(user, to: &$0) } } else { chunk.columns[1].appendNull() }
        chunk.columns[2].appendCode(UInt32(status))
        chunk.columns[3].append(total)
        chunk.columns[4].append(discount)
        chunk.columns[5].append(shipping)
        chunk.columns[6].appendCode(UInt32(payment))
        chunk.columns[7].append(createdAt)
        chunk.columns[8].append(updatedAt)
        chunk.columns[9].appendBuilding { appendUUIDText(session, to: &$0) }
        chunk.columns[10].appendCode(UInt32(device))
        chunk.columns[11].appendCode(app ? 1 : 0)
        if let version { chunk.columns[12].appendCode(version) } else { chunk.columns[12].appendNull() }
        chunk.columns[13].appendCode(platform)
    }
}

/// Small JSON writers over a byte buffer; the object's closing brace is added by the caller.
extension Array where Element == UInt8 {
    /// `{"key":` (or `{` alone for an empty object).
    mutating func jsonOpen(_ key: StaticString?) {
        append(UInt8(ascii: "{"))
        if let key {
            append(UInt8(ascii: "\""))
            key.withUTF8Buffer { append(contentsOf: $0) }
            append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
    }

    /// `,"key":`
    mutating func jsonKey(_ key: StaticString) {
        append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: "\"")])
        key.withUTF8Buffer { append(contentsOf: $0) }
        append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// A JSON string of UTF-8 bytes.
    mutating func jsonString(_ bytes: [UInt8]) { appendJSONString(bytes, to: &self) }

    mutating func jsonString(_ text: String) { appendJSONString(text, to: &self) }

    mutating func jsonInt(_ value: Int) { appendDecimalDigits(Int64(value), to: &self) }

    /// Cents as a JSON number with two decimals: 1234 → 12.34.
    mutating func jsonMoney(_ cents: Int64) { appendDecimal(unscaled: cents, scale: 2, to: &self) }
}
