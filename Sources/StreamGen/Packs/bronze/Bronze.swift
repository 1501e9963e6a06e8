import Columnar

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bronze pack (spec 004): seven bronze-layer tables for four analytics use cases (daily
/// sales, campaign performance, recommendation features, customer 360), each with the
/// data-quality issues section 1 lists, declared as data, and a metadata file beside it.
///
/// The run's period is the orders' (2023-01-01 to 2025-11-15 by default); `--start` and `--end`
/// move every date with it: sign-ups from three years before the start, campaigns in the last
/// 685 days.
public enum BronzePack {
    public static let pack = DeclarativePack(spec: spec, extras: BronzeExtras())

    public static let spec = PackSpec(
        name: "bronze",
        summary: "Bronze layer (spec 004): orders, customers, products, marketing_campaigns, marketing_events, user_interactions, support_tickets, with their data-quality issues and ground truth",
        tables: [orders, customers, products, campaigns, events, interactions, tickets],
        defaultStartDay: 19_358,  // 2023-01-01
        defaultDays: 1_050  // to 2025-11-15
    )

    public static let categories = ["Electronics", "Clothing", "Home", "Books", "Sports"]
    public static let tiers = ["bronze", "silver", "gold", "platinum"]
    static let tierThresholds: [Double] = [500, 2_000, 10_000]

    /// Days before the run's start that sign-ups begin (2020-01-01 for 2023-01-01).
    static let signupLeadDays: Int64 = 1_096
    /// The campaigns' window: the run's last this many days (2024-01-01 to 2025-11-15).
    static let campaignWindowDays: Int64 = 685

    static func custom(_ name: String, _ make: @escaping @Sendable (CustomContext) throws -> Generator) -> GeneratorSpec {
        .custom(CustomGenerator(name) { (c) throws(SpecError) in
            do { return try make(c) } catch let e as SpecError { throw e } catch { throw c.fail("\(error)") }
        })
    }

    /// Days uniform from the run's start plus `from` to its last day plus `to`.
    static func runDays(from: Int64, to: Int64) -> GeneratorSpec {
        custom("run days \(from)...\(to)") { c in
            let lo = c.shape.startDay + from, hi = Swift.max(lo, c.shape.lastDay + to)
            return BetweenGenerator(key: c.key, kind: .date, range: lo...hi)
        }
    }

    static func id(_ prefix: String) -> GeneratorSpec { .template("\(prefix)-{row:8}") }

    static func varchar(_ n: Int) -> String { "VARCHAR(\(n))" }

    static func column(_ name: String, _ type: ColumnType, _ declared: String, _ generator: GeneratorSpec) -> ColumnSpec {
        ColumnSpec(name, type, generator, declaredType: declared)
    }

    static func hidden(_ name: String, _ type: ColumnType, _ generator: GeneratorSpec) -> ColumnSpec {
        ColumnSpec(name, type, generator, hidden: true)
    }

    // MARK: orders

    /// Mon–Fri 60 %, Sat–Sun 40 % of orders; Nov–Dec +30 %; peaks 12–14 h and 18–20 h.
    static let orderSeasonality = Seasonality(
        hourOfDay: [1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 1.8, 2.6, 3.2, 3.6, 4.2, 7.5, 7.5, 4.4, 3.8, 3.8, 4.4, 7.2, 7.2, 4.6, 3.4, 2.4, 1.6],
        dayOfWeek: [12, 12, 12, 12, 12, 20, 20], monthOfYear: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.3, 1.3], holidays: false, dailyTrend: 0)

    /// Log-normal with mean 125 and standard deviation 150: σ² = ln(1 + (150/125)²), μ = ln 125 − σ²/2.
    static let revenueSigma = (log(1 + (150.0 / 125) * (150.0 / 125))).squareRoot()
    static let revenueMu = log(125.0) - revenueSigma * revenueSigma / 2

    static let money = ColumnType.decimal(precision: 10, scale: 2)

    static let orders = TableSpec(
        name: "orders", rows: .total(100_000),
        columns: [
            column("order_id", .string, varchar(50), id("ORD")),
            column("customer_id", .string, varchar(50), .reference(table: "customers", column: "customer_id", pick: .pareto(top: 0.2, share: 0.8))),
            column("product_id", .string, varchar(50), custom("product by revenue") { c in
                RevenueProductPicker(key: c.key, productID: try c.column("products", "product_id"), productRows: try c.rows("products"),
                                     price: try c.column("products", "price"), target: try c.sameRow("target_revenue"),
                                     quantity: try c.sameRow("quantity_draw"))
            }),
            column("order_date", .timestampUTC, "TIMESTAMP", .eventTime),
            column("quantity", .int32, "INTEGER", custom("quantity for revenue") { c in
                RevenueQuantityGenerator(key: c.key, target: try c.sameRow("target_revenue"), price: try c.sameRow("unit_price"))
            }),
            column("unit_price", money, "DECIMAL(10,2)", .lookup(via: "product_id", column: "price")),
            column("total_amount", .decimal(precision: 12, scale: 2), "DECIMAL(12,2)", .formula("gross - discount_amount", decimals: 2)),
            column("region", .string, varchar(50), .choice(values: ["North", "South", "East", "West"], weights: [30, 25, 25, 20])),
            column("category", .string, varchar(50), .lookup(via: "product_id", column: "category")),
            column("status", .string, varchar(20), .choice(values: ["completed", "cancelled", "pending"], weights: [85, 10, 5])),
            column("discount_amount", money, "DECIMAL(10,2)",
                   .chance(p: 0.2, then: .scaled(column: "gross", min: 0.05, max: 0.30, decimals: 2), otherwise: .formula("0", decimals: 2))),
            column("tax_amount", money, "DECIMAL(10,2)", .formula("round(gross * 0.08, 2)", decimals: 2)),
            column("shipping_cost", money, "DECIMAL(10,2)", .uniformDouble(min: 5, max: 25, decimals: 2)),
            hidden("target_revenue", .double, .logNormal(mu: revenueMu, sigma: revenueSigma, min: 5, max: 5_000, decimals: 2)),
            hidden("quantity_draw", .int32, .uniformInt(min: 1, max: 9)),
            hidden("gross", .double, .product(columns: ["quantity", "unit_price"], decimals: 2)),
        ],
        sortBy: ["order_date"], seasonality: orderSeasonality,
        quality: [
            QualitySpec(.null, column: "discount_amount", rate: 0.02, note: "the discount was applied but not recorded"),
            QualitySpec(.duplicateRows, column: nil, rate: 0.01, note: "the same order ingested twice (to test deduplication)"),
            QualitySpec(.invalidValue, column: "total_amount", rate: 0.005, value: "-100", note: "data-entry errors"),
            QualitySpec(.mismatchedLookup, column: "category", rate: 0.03, value: "MISMATCH", note: "the category does not match the product table"),
        ],
        key: "order_id", fileName: "orders"
    )

    // MARK: customers

    /// Shares of customers by tier (bronze first), assigned by how often orders pick them: the
    /// 5 % picked most are platinum.
    static let tierShares: [Double] = [0.50, 0.30, 0.15, 0.05]

    static let customers = TableSpec(
        name: "customers", rows: .total(10_000),
        columns: [
            column("customer_id", .string, varchar(50), id("CUST")),
            column("name", .string, varchar(100), .template("{column:first_name} {column:last_name}")),
            column("email", .string, varchar(100), .email(firstName: "first_name", lastName: "last_name")),
            column("phone", .string, varchar(20), .text(.phone)),
            column("signup_date", .date, "DATE", custom("sign-up before the first activity") { c in
                SignupGenerator(key: c.key, firstActivity: try c.sameRow("first_activity"), earliest: c.shape.startDay - signupLeadDays,
                                latest: c.shape.lastDay)
            }),
            column("loyalty_tier", .string, varchar(20), .band(column: "total_lifetime_value", thresholds: tierThresholds, labels: tiers)),
            column("total_lifetime_value", .decimal(precision: 12, scale: 2), "DECIMAL(12,2)",
                   .formula("max(ltv_floor, order_total)", decimals: 2)),
            column("segment", .string, varchar(50), .byValue(column: "loyalty_tier", cases: [
                ValueCase("platinum", .choice(values: ["high_value"], weights: nil)),
                ValueCase("gold", .choice(values: ["high_value", "regular", "at_risk", "churned"], weights: [60, 30, 7.5, 2.5])),
                ValueCase("silver", .choice(values: ["high_value", "regular", "at_risk", "churned"], weights: [20, 60, 15, 5])),
                ValueCase("bronze", .choice(values: ["regular", "at_risk", "churned"], weights: [75, 18.75, 6.25])),
            ], otherwise: nil)),
            column("address_city", .string, varchar(100), .choice(values: USPlaces.cities, weights: USPlaces.weights)),
            column("address_state", .string, varchar(50), .byValue(column: "address_city", cases: zip(USPlaces.cities, USPlaces.states).map {
                ValueCase($0.0, .constant($0.1))
            }, otherwise: nil)),
            column("address_country", .string, varchar(50), .constant("USA")),
            column("date_of_birth", .date, "DATE", birthDates),
            column("gender", .string, varchar(10), .choice(values: ["Male", "Female", "Other", "Prefer not to say"], weights: [48, 48, 2, 2])),
            column("preferred_contact_method", .string, varchar(20), .choice(values: ["email", "phone", "sms"], weights: [60, 30, 10])),
            hidden("first_name", .string, .text(.firstName)),
            hidden("last_name", .string, .text(.lastName)),
            hidden("rank_tier", .string, custom("tier by order total") { c in
                // The customers' positions by their orders' total (then row): the top 5 % are
                // platinum, the next 15 % gold, 30 % silver, the rest bronze, so the shares hold
                // and a tier's band is wide enough for what its customers spent.
                let spent = try c.sameRow("order_total")
                let rows = try c.rows("customers")
                let positions = LazyPositions(rows: rows) { spent.double($0) }
                let cumulative = [0.50, 0.80, 0.95]
                return ComputedCategoryGenerator(key: c.key, values: tiers) { row in
                    let share = (Double(positions.position(row)) + 0.5) / Double(Swift.max(rows, 1))
                    return share < cumulative[0] ? 0 : share < cumulative[1] ? 1 : share < cumulative[2] ? 2 : 3
                }
            }),
            hidden("ltv_floor", .double, .byValue(column: "rank_tier", cases: [
                ValueCase("bronze", .uniformDouble(min: 50, max: 500, decimals: 2)),
                ValueCase("silver", .uniformDouble(min: 500.01, max: 2_000, decimals: 2)),
                ValueCase("gold", .uniformDouble(min: 2_000.01, max: 10_000, decimals: 2)),
                ValueCase("platinum", .logNormal(mu: log(25_000), sigma: 0.6, min: 10_000.01, max: 2_000_000, decimals: 2)),
            ], otherwise: nil)),
            hidden("order_total", .double, custom("sum of the customer's order totals") { c in
                let pick = try c.column("orders", "customer_id")
                guard let reference = pick as? PickingGenerator else { throw c.fail("orders.customer_id is not a reference") }
                let total = try c.column("orders", "total_amount", written: true)
                let aggregate = TableAggregate(rows: try c.rows("orders"), groups: try c.rows("customers"), operation: .sum,
                                               duplicates: try c.duplicates("orders"), group: { reference.pickedRow($0) },
                                               value: { (total.double($0) * 100).rounded().clampedToInt64 })
                return AggregateGenerator(key: c.key, kind: .double, aggregate: aggregate, operation: .sum, divisor: 100)
            }),
            hidden("first_activity", .timestampUTC, custom("first order or ticket") { c in
                let rows = try c.rows("customers")
                let firstOrder = try firstTime(c, table: "orders", time: "order_date", groups: rows)
                let firstTicket = try firstTime(c, table: "support_tickets", time: "created_at", groups: rows)
                let both = TableAggregate(rows: rows, groups: rows, operation: .minimum, duplicates: nil, group: { $0 },
                                          value: { Swift.min(firstOrder.value($0), firstTicket.value($0)) })
                return AggregateGenerator(key: c.key, kind: .timestamp, aggregate: both, operation: .minimum, divisor: 1)
            }),
        ],
        sortBy: ["customer_id"],
        quality: [
            QualitySpec(.null, column: "phone", rate: 0.05, note: "no phone number given"),
            QualitySpec(.malformed, column: "email", rate: 0.02, format: .email, note: "invalid email formats"),
            QualitySpec(.duplicateKey, column: "email", rate: 0.01, also: ["name"], note: "the same person with a second account"),
        ],
        key: "customer_id", fileName: "customers"
    )

    /// The first time a customer appears in a table's `time` column, per customer row.
    static func firstTime(_ c: CustomContext, table: String, time: String, groups: Int) throws(SpecError) -> TableAggregate {
        guard let reference = try c.column(table, "customer_id") as? PickingGenerator else { throw c.fail("\(table).customer_id is not a reference") }
        let times = try c.column(table, time)
        return TableAggregate(rows: try c.rows(table), groups: groups, operation: .minimum, duplicates: nil,
                              group: { reference.pickedRow($0) }, value: { times.int64($0) })
    }

    // MARK: products

    static let products = TableSpec(
        name: "products", rows: .total(1_000),
        columns: [
            column("product_id", .string, varchar(50), id("PROD")),
            column("product_name", .string, varchar(200), custom("product name by category") { c in
                CategoryProductNameGenerator(key: c.key, category: try c.sameRow("category"), brand: try c.sameRow("brand"),
                                             words: ProductWords.byCategory)
            }),
            column("category", .string, varchar(50), .choice(values: categories, weights: [25, 25, 20, 15, 15])),
            column("subcategory", .string, varchar(50), .byValue(column: "category", cases: zip(categories, ProductWords.subcategories).map {
                ValueCase($0.0, .choice(values: $0.1, weights: nil))
            }, otherwise: nil)),
            column("brand", .string, varchar(100), .byValue(column: "category", cases: zip(categories, ProductWords.brands).map {
                ValueCase($0.0, .choice(values: $0.1, weights: nil))
            }, otherwise: nil)),
            column("price", money, "DECIMAL(10,2)", .byValue(column: "category", cases: [
                ValueCase("Electronics", priceRange(50, 2_000)), ValueCase("Clothing", priceRange(20, 300)),
                ValueCase("Home", priceRange(15, 500)), ValueCase("Books", priceRange(10, 50)), ValueCase("Sports", priceRange(25, 800)),
            ], otherwise: nil)),
            column("cost", money, "DECIMAL(10,2)", .formula("round(price * (1 - margin_pct / 100), 2)", decimals: 2)),
            column("margin_pct", .decimal(precision: 5, scale: 2), "DECIMAL(5,2)", .byValue(column: "category", cases: [
                ValueCase("Electronics", .uniformDouble(min: 20, max: 30, decimals: 2)),
                ValueCase("Clothing", .uniformDouble(min: 40, max: 50, decimals: 2)),
                ValueCase("Home", .uniformDouble(min: 30, max: 45, decimals: 2)),
                ValueCase("Books", .uniformDouble(min: 20, max: 35, decimals: 2)),
                ValueCase("Sports", .uniformDouble(min: 25, max: 40, decimals: 2)),
            ], otherwise: nil)),
            column("stock_quantity", .int32, "INTEGER", .logNormal(mu: log(120), sigma: 1.1, min: 0, max: 20_000, decimals: 0)),
            column("supplier_id", .string, varchar(50), .template("SUP-{int:1001-1150}")),
            column("created_at", .date, "DATE", runDays(from: -5 * 365, to: 0)),
            column("is_active", .boolean, "BOOLEAN", .bernoulli(p: 0.9)),
            column("rating_avg", .decimal(precision: 3, scale: 2), "DECIMAL(3,2)", .normal(mean: 4.05, stddev: 0.55, min: 1, max: 5, decimals: 2)),
            column("review_count", .int32, "INTEGER", .logNormal(mu: log(45), sigma: 1.3, min: 0, max: 50_000, decimals: 0)),
        ],
        sortBy: ["product_id"],
        quality: [
            QualitySpec(.null, column: "rating_avg", rate: 0.03, note: "new products, not rated yet"),
            QualitySpec(.outOfRange, column: "margin_pct", rate: 0.01, min: -30, max: -1, propagate: true,
                        note: "pricing errors: the cost follows, above the price"),
        ],
        key: "product_id", fileName: "products"
    )

    /// Prices between `lo` and `hi`, log-normal around their geometric mean (many cheap items,
    /// fewer dear ones).
    static func priceRange(_ lo: Double, _ hi: Double) -> GeneratorSpec {
        .logNormal(mu: log((lo * hi).squareRoot()), sigma: log(hi / lo) / 4, min: lo, max: hi, decimals: 2)
    }

    // MARK: marketing_campaigns

    static let campaigns = TableSpec(
        name: "marketing_campaigns", rows: .total(50),
        columns: [
            column("campaign_id", .string, varchar(50), id("CAMP")),
            column("campaign_name", .string, varchar(200), .template("{column:theme} - {column:channel} #{row}")),
            column("channel", .string, varchar(50), .choice(values: ["email", "social", "search", "display", "video"], weights: [30, 25, 20, 15, 10])),
            column("start_date", .date, "DATE", campaignStarts),
            column("end_date", .date, "DATE", .shifted(column: "start_date", by: "length_days", unit: .days)),
            column("budget", .decimal(precision: 12, scale: 2), "DECIMAL(12,2)", .uniformDouble(min: 5_000, max: 100_000, decimals: 2)),
            column("target_audience", .string, varchar(100), .choice(values: [
                "new visitors", "returning customers", "high-value customers", "lapsed customers", "students", "parents",
                "young professionals", "deal seekers", "fitness enthusiasts", "home owners",
            ], weights: nil)),
            column("objective", .string, varchar(50), .choice(values: ["awareness", "consideration", "conversion"], weights: [35, 30, 35])),
            column("status", .string, varchar(20), custom("status as of the run's last day") { c in
                let start = try c.sameRow("start_date"), end = try c.sameRow("end_date")
                let asOf = c.shape.lastDay
                let key = c.key
                // completed once ended; otherwise active, or paused (15 %).
                return ComputedCategoryGenerator(key: c.key, values: ["active", "completed", "paused"]) { row in
                    if end.int64(row) < asOf { return 1 }
                    if start.int64(row) > asOf { return 2 }
                    var rng = key.cell(row)
                    return rng.nextBool(probability: 0.15) ? 2 : 0
                }
            }),
            column("owner", .string, varchar(100), .text(.fullName)),
            hidden("theme", .string, .choice(values: [
                "Spring Sale", "Summer Kickoff", "Back to School", "Black Friday", "Holiday Gift Guide", "New Year Refresh",
                "Brand Awareness", "Product Launch", "Loyalty Rewards", "Flash Sale", "Clearance", "Retargeting",
            ], weights: nil)),
            hidden("length_days", .int32, .uniformInt(min: 6, max: 89)),
        ],
        sortBy: ["campaign_id"], key: "campaign_id", fileName: "campaigns"
    )

    // MARK: marketing_events

    static let eventFunnel: @Sendable (CustomContext) -> FunnelLayout = { c in
        FunnelLayout(steps: ["impression", "click", "conversion"], counts: [16, 3, 1], parents: [0, 1],
                     key: StreamKey(seed: c.shape.seed).adding("bronze").adding("marketing_events").adding("funnel"))
    }

    static func sibling(_ source: String, _ funnel: @escaping @Sendable (CustomContext) -> FunnelLayout) -> GeneratorSpec {
        custom("funnel sibling of \(source)") { c in FunnelSiblingGenerator(key: c.key, layout: funnel(c), source: try c.sameRow(source)) }
    }

    static let events = TableSpec(
        name: "marketing_events", rows: .total(500_000),
        columns: [
            column("event_id", .string, varchar(50), id("EVT")),
            column("campaign_id", .string, varchar(50), custom("campaign of the funnel") { c in
                guard let base = try c.sameRow("first_campaign") as? PickingGenerator else { throw c.fail("first_campaign is not a reference") }
                return FunnelPickerGenerator(key: c.key, layout: eventFunnel(c), base: base)
            }),
            column("event_date", .timestampUTC, "TIMESTAMP", custom("funnel time") { c in
                let end = try c.sameRow("campaign_end")
                let last = c.shape.lastDay
                // Inside the campaign's dates and the run's.
                let ceiling = ComputedIntegerGenerator(key: c.key, kind: .timestamp, bounds: nil) {
                    (Swift.min(end.int64($0), last) + 1) * Timeline.microsPerDay - 1
                }
                return FunnelTimeGenerator(key: c.key, layout: eventFunnel(c), first: try c.sameRow("impression_time"),
                                           delays: [5...1_800, 60...21_600], ceiling: ceiling)
            }),
            column("event_type", .string, varchar(20), custom("funnel step") { c in funnelStepGenerator(eventFunnel(c), key: c.key) }),
            column("user_id", .string, varchar(50), sibling("visitor", eventFunnel)),
            column("cost", .decimal(precision: 10, scale: 4), "DECIMAL(10,4)", .byValue(column: "event_type", cases: [
                ValueCase("impression", .uniformDouble(min: 0.01, max: 0.05, decimals: 4)),
                ValueCase("click", .uniformDouble(min: 0.5, max: 5, decimals: 4)),
                ValueCase("conversion", .formula("0", decimals: 4)),
            ], otherwise: nil)),
            column("revenue", money, "DECIMAL(10,2)", .byValue(column: "event_type", cases: [
                ValueCase("conversion", .uniformDouble(min: 10, max: 500, decimals: 2)),
            ], otherwise: .null)),
            column("device_type", .string, varchar(20), sibling("first_device", eventFunnel)),
            column("browser", .string, varchar(50), sibling("first_browser", eventFunnel)),
            column("location", .string, varchar(100), sibling("first_location", eventFunnel)),
            hidden("first_campaign", .string, .reference(table: "marketing_campaigns", column: "campaign_id", pick: .zipf(exponent: 0.6))),
            hidden("campaign_start", .date, .lookup(via: "campaign_id", column: "start_date")),
            hidden("campaign_end", .date, .lookup(via: "campaign_id", column: "end_date")),
            hidden("impression_time", .timestampUTC, .betweenColumns(start: "campaign_start", end: "campaign_last_day")),
            hidden("campaign_last_day", .date, custom("campaign end within the run") { c in
                let end = try c.sameRow("campaign_end")
                let last = c.shape.lastDay
                return ComputedIntegerGenerator(key: c.key, kind: .date, bounds: nil) { Swift.min(end.int64($0), last) }
            }),
            hidden("visitor", .string, .chance(p: 0.3, then: .reference(table: "customers", column: "customer_id", pick: .uniform),
                                               otherwise: .template("VIS-{digits:10}"))),
            hidden("first_device", .string, .text(.deviceType)),
            hidden("first_browser", .string, .text(.browser)),
            hidden("first_location", .string, .choice(values: USPlaces.locations, weights: USPlaces.weights)),
        ],
        sortBy: ["event_date"],
        quality: [
            QualitySpec(.orphanReference, column: "campaign_id", rate: 0.01, note: "events of campaigns not in the campaigns table"),
            QualitySpec(.null, column: "location", rate: 0.02, note: "location not resolved"),
        ],
        key: "event_id", fileName: "events"
    )

    // MARK: user_interactions

    static let interactionFunnel: @Sendable (CustomContext) -> FunnelLayout = { c in
        FunnelLayout(steps: ["view", "cart", "purchase", "rating", "wishlist"], counts: [70, 15, 8, 5, 2], parents: [0, 1, 2, 0],
                     key: StreamKey(seed: c.shape.seed).adding("bronze").adding("user_interactions").adding("funnel"))
    }

    static let interactions = TableSpec(
        name: "user_interactions", rows: .total(200_000),
        columns: [
            column("interaction_id", .string, varchar(50), id("INT")),
            column("user_id", .string, varchar(50), sibling("first_user", interactionFunnel)),
            column("product_id", .string, varchar(50), custom("product of the funnel") { c in
                guard let base = try c.sameRow("first_product") as? PickingGenerator else { throw c.fail("first_product is not a reference") }
                return FunnelPickerGenerator(key: c.key, layout: interactionFunnel(c), base: base)
            }),
            column("interaction_type", .string, varchar(20), custom("funnel step") { c in funnelStepGenerator(interactionFunnel(c), key: c.key) }),
            column("timestamp", .timestampUTC, "TIMESTAMP", custom("funnel time") { c in
                let last = (c.shape.lastDay + 1) * Timeline.microsPerDay - 1
                let ceiling = ComputedIntegerGenerator(key: c.key, kind: .timestamp, bounds: nil) { _ in last }
                // cart after its view, purchase after its cart, a rating 1–14 days after the purchase, a wishlist after its view.
                return FunnelTimeGenerator(key: c.key, layout: interactionFunnel(c), first: try c.sameRow("view_time"),
                                           delays: [10...1_800, 30...1_200, 86_400...1_209_600, 5...600], ceiling: ceiling)
            }),
            column("rating", .int32, "INTEGER", .byValue(column: "interaction_type", cases: [
                ValueCase("rating", custom("stars") { c in WeightedIntegerGenerator(key: c.key, values: [5, 4, 3, 2, 1], weights: [40, 30, 15, 10, 5]) }),
            ], otherwise: .null)),
            column("session_id", .string, varchar(50), sibling("first_session", interactionFunnel)),
            column("duration_seconds", .int32, "INTEGER", .byValue(column: "interaction_type", cases: [
                ValueCase("view", .logNormal(mu: log(75), sigma: 1.1, min: 10, max: 1_800, decimals: 0)),
            ], otherwise: .null)),
            column("referrer", .string, varchar(100), sibling("first_referrer", interactionFunnel)),
            column("device_type", .string, varchar(20), sibling("first_device", interactionFunnel)),
            hidden("first_user", .string, .chance(p: 0.8, then: .reference(table: "customers", column: "customer_id", pick: .pareto(top: 0.2, share: 0.6)),
                                                  otherwise: .template("GUEST-{digits:8}"))),
            hidden("first_product", .string, .reference(table: "products", column: "product_id", pick: .zipf(exponent: 0.8))),
            hidden("view_time", .timestampUTC, .eventTime),
            hidden("first_session", .string, .template("SES-{upper:4}{digits:8}")),
            hidden("first_referrer", .string, .choice(values: ["google", "direct", "email", "facebook", "instagram", "bing", "affiliate", "tiktok"],
                                                      weights: [38, 24, 12, 9, 7, 4, 4, 2])),
            hidden("first_device", .string, .text(.deviceType)),
        ],
        sortBy: ["timestamp"],
        quality: [
            QualitySpec(.orphanReference, column: "product_id", rate: 0.05, note: "interactions with deleted products"),
            QualitySpec(.null, column: "session_id", rate: 0.03, note: "session not tracked"),
        ],
        key: "interaction_id", fileName: "interactions"
    )

    // MARK: support_tickets

    static let unresolved: [String] = ["open", "in_progress"]

    static let tickets = TableSpec(
        name: "support_tickets", rows: .total(5_000),
        columns: [
            column("ticket_id", .string, varchar(50), id("TKT")),
            column("customer_id", .string, varchar(50), .reference(table: "customers", column: "customer_id", pick: .zipf(exponent: 0.7))),
            column("created_at", .timestampUTC, "TIMESTAMP", .eventTime),
            column("resolved_at", .timestampUTC, "TIMESTAMP", .byValue(column: "status", cases: unresolved.map { ValueCase($0, .null) },
                                                                      otherwise: .shifted(column: "created_at", by: "hours", unit: .hours))),
            column("category", .string, varchar(50), .choice(values: ["product_issue", "billing", "shipping", "account"], weights: [40, 25, 20, 15])),
            column("priority", .string, varchar(20), .choice(values: ["low", "medium", "high", "critical"], weights: [40, 35, 20, 5])),
            column("status", .string, varchar(20), .choice(values: ["closed", "resolved", "in_progress", "open"], weights: [70, 15, 10, 5])),
            column("satisfaction_score", .int32, "INTEGER", .byValue(column: "status", cases: unresolved.map { ValueCase($0, .null) },
                                                                     otherwise: custom("satisfaction") { c in
                WeightedIntegerGenerator(key: c.key, values: [5, 4, 3, 2, 1], weights: [30, 35, 20, 10, 5])
            })),
            column("resolution_time_hours", money, "DECIMAL(10,2)", .byValue(column: "status", cases: unresolved.map { ValueCase($0, .null) },
                                                                            otherwise: .copy(column: "hours"))),
            column("agent_id", .string, varchar(50), .template("AGT-{int:101-180}")),
            column("channel", .string, varchar(20), .choice(values: ["phone", "email", "chat", "self_service"], weights: [25, 35, 30, 10])),
            hidden("hours", .double, .byValue(column: "priority", cases: [
                ValueCase("low", .uniformDouble(min: 24, max: 72, decimals: 2)), ValueCase("medium", .uniformDouble(min: 12, max: 48, decimals: 2)),
                ValueCase("high", .uniformDouble(min: 4, max: 24, decimals: 2)), ValueCase("critical", .uniformDouble(min: 1, max: 8, decimals: 2)),
            ], otherwise: nil)),
        ],
        sortBy: ["created_at"], seasonality: .business, key: "ticket_id", fileName: "tickets"
    )
}

extension BronzePack {
    /// Dates of birth for ages 18 to 80 on the run's last day.
    static let birthDates = custom("date of birth, 18 to 80") { c in
        BetweenGenerator(key: c.key, kind: .date, range: (c.shape.lastDay - 80 * 365 - 20)...(c.shape.lastDay - 18 * 365 - 4))
    }

    /// Campaign starts in the campaigns' window.
    static let campaignStarts = custom("campaign start") { c in
        let lo = Swift.max(c.shape.startDay, c.shape.lastDay - campaignWindowDays + 1)
        return BetweenGenerator(key: c.key, kind: .date, range: lo...c.shape.lastDay)
    }
}
