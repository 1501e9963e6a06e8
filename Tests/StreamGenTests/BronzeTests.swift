import Foundation
import StreamGen
import StreamGenYAML
import TestSupport
import Testing

/// The bronze pack (spec 004) measured by DuckDB and pyarrow (`tools/interop/bronze.py`), and its
/// quality issues held against their ground truth.
@Suite("bronze (spec 004) read back by DuckDB and pyarrow", .serialized)
struct BronzeTests {
    static func streamgen(_ arguments: [String], in box: Sandbox) throws -> Interop.Result { try box.run(arguments) }

    static func number(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? Double(v as? String ?? "") ?? .nan }
    static func numbers(_ v: Any?) -> [Double] { (v as? [Any] ?? []).map(number) }
    static func shares(_ v: Any?) -> [String: Double] { (v as? [String: Any] ?? [:]).mapValues(number) }

    /// |measured − expected| ≤ tolerance, with the figures in the message.
    static func near(_ measured: Double, _ expected: Double, _ tolerance: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(measured - expected) <= tolerance, "\(what): \(measured), expected \(expected) ± \(tolerance)", sourceLocation: sourceLocation)
    }

    static func nearShares(_ measured: [String: Double], _ expected: [String: Double], _ tolerance: Double, _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Set(measured.keys) == Set(expected.keys), "\(what): \(measured.keys.sorted())", sourceLocation: sourceLocation)
        for (k, v) in expected { near(measured[k] ?? -1, v, tolerance, "\(what) \(k)", sourceLocation: sourceLocation) }
    }

    static let expectedColumns: [String: [String]] = [
        "orders": ["order_id", "customer_id", "product_id", "order_date", "quantity", "unit_price", "total_amount", "region", "category",
                   "status", "discount_amount", "tax_amount", "shipping_cost"],
        "customers": ["customer_id", "name", "email", "phone", "signup_date", "loyalty_tier", "total_lifetime_value", "segment",
                      "address_city", "address_state", "address_country", "date_of_birth", "gender", "preferred_contact_method"],
        "products": ["product_id", "product_name", "category", "subcategory", "brand", "price", "cost", "margin_pct", "stock_quantity",
                     "supplier_id", "created_at", "is_active", "rating_avg", "review_count"],
        "marketing_campaigns": ["campaign_id", "campaign_name", "channel", "start_date", "end_date", "budget", "target_audience", "objective",
                                "status", "owner"],
        "marketing_events": ["event_id", "campaign_id", "event_date", "event_type", "user_id", "cost", "revenue", "device_type", "browser", "location"],
        "user_interactions": ["interaction_id", "user_id", "product_id", "interaction_type", "timestamp", "rating", "session_id",
                              "duration_seconds", "referrer", "device_type"],
        "support_tickets": ["ticket_id", "customer_id", "created_at", "resolved_at", "category", "priority", "status", "satisfaction_score",
                            "resolution_time_hours", "agent_id", "channel"],
    ]

    @Test("tables, types, distributions, funnels, keys, every quality issue on its ground truth's rows, metadata as DuckDB measures")
    func bronze() throws {
        let box = try Sandbox("bronze")
        defer { box.remove() }
        let generated = try Self.streamgen(["generate", "bronze", "--out", "b"], in: box)
        try #require(generated.passed, "\(generated.output)")
        // Section 8's layout.
        let tree = Set(box.tree("b"))
        for path in ["orders/orders.parquet", "orders/orders_metadata.json", "customers/customers.parquet", "products/products.parquet",
                     "marketing_campaigns/campaigns.parquet", "marketing_events/events.parquet", "marketing_events/events_metadata.json",
                     "user_interactions/interactions.parquet", "support_tickets/tickets.parquet", "_quality/ground_truth.parquet",
                     "manifest.json", "_SUCCESS"] {
            #expect(tree.contains(path), "missing \(path)")
        }
        let m = try Interop.runScript("bronze.py", [box.path("b")])
        let tables = try #require(m["tables"] as? [String: [String: Any]])
        // Row counts (orders: 100,000 plus the 1 % written twice) and columns in the spec's order.
        let rows: [String: Int] = ["orders": 101_000, "customers": 10_000, "products": 1_000, "marketing_campaigns": 50,
                                   "marketing_events": 500_000, "user_interactions": 200_000, "support_tickets": 5_000]
        for (table, n) in rows {
            #expect(tables[table]?["rows"] as? Int == n, "\(table) rows")
            #expect(tables[table]?["pyarrow_rows"] as? Int == n, "\(table) pyarrow rows")
            #expect(tables[table]?["columns"] as? [String] == Self.expectedColumns[table], "\(table) columns")
        }
        let orderTypes = try #require(tables["orders"]?["duckdb_types"] as? [String: String])
        #expect(orderTypes["order_id"] == "VARCHAR" && orderTypes["order_date"] == "TIMESTAMP WITH TIME ZONE" && orderTypes["quantity"] == "INTEGER")
        #expect(orderTypes["unit_price"] == "DECIMAL(10,2)" && orderTypes["total_amount"] == "DECIMAL(12,2)")
        let productTypes = try #require(tables["products"]?["duckdb_types"] as? [String: String])
        #expect(productTypes["margin_pct"] == "DECIMAL(5,2)" && productTypes["rating_avg"] == "DECIMAL(3,2)" && productTypes["created_at"] == "DATE")
        #expect(productTypes["is_active"] == "BOOLEAN")
        #expect((tables["marketing_events"]?["duckdb_types"] as? [String: String])?["cost"] == "DECIMAL(10,4)")
        #expect((tables["customers"]?["duckdb_types"] as? [String: String])?["signup_date"] == "DATE")

        let f = try #require(m["figures"] as? [String: Any])
        #expect((f["id_formats"] as? [String]) == ["ORD-00000001", "CUST-00000001", "PROD-00000001", "CAMP-00000001", "EVT-00000001", "INT-00000001", "TKT-00000001"])
        // Orders.
        Self.near(Self.numbers(f["weekday_share"])[0], 0.60, 0.01, "weekday share")
        Self.near(Self.numbers(f["novdec_lift"])[0], 1.30, 0.05, "Nov–Dec lift per day")
        #expect(Set(Self.numbers(f["top_hours"]).map { Int($0) }) == [12, 13, 18, 19], "peak hours \(f["top_hours"] ?? "")")
        #expect((f["order_range"] as? [String]) == ["2023-01-01", "2025-11-15"])
        Self.nearShares(Self.shares(f["orders.region"]), ["North": 0.30, "South": 0.25, "East": 0.25, "West": 0.20], 0.01, "regions")
        Self.nearShares(Self.shares(f["orders.status"]), ["completed": 0.85, "cancelled": 0.10, "pending": 0.05], 0.01, "statuses")
        Self.near(Self.numbers(f["top20_share"])[0], 0.80, 0.03, "top 20 % of customers' share of orders")
        let revenue = Self.numbers(f["revenue"])
        Self.near(revenue[0], 125, 12.5, "mean order total")
        Self.near(revenue[1], 150, 22.5, "order total standard deviation")
        #expect(revenue[2] >= 5 && revenue[3] <= 5_000, "totals \(revenue)")
        #expect(Self.numbers(f["quantity"]) == [1, 9])
        let discount = Self.numbers(f["discount"])
        Self.near(discount[0], 0.20, 0.01, "share of orders with a discount")
        #expect(discount[1] >= 0.045 && discount[2] <= 0.305, "discount share of the gross \(discount)")
        #expect(Self.numbers(f["total_rule_misses"]) == [0], "total_amount = quantity × unit_price − discount_amount")
        #expect(Self.numbers(f["tax_rule_misses"]) == [0], "tax = 8 % of the gross")
        #expect(Self.numbers(f["unit_price_misses"]) == [0], "unit_price is the product's price")
        let shipping = Self.numbers(f["shipping"])
        #expect(shipping[0] >= 5 && shipping[1] <= 25)
        // Customers.
        Self.nearShares(Self.shares(f["customers.loyalty_tier"]), ["bronze": 0.50, "silver": 0.30, "gold": 0.15, "platinum": 0.05], 0.01, "tiers")
        let bands = try #require(f["tier_bands"] as? [String: [Any]])
        #expect(Self.number(bands["bronze"]?[0]) >= 50 && Self.number(bands["bronze"]?[1]) <= 500)
        #expect(Self.number(bands["silver"]?[0]) > 500 && Self.number(bands["silver"]?[1]) <= 2_000)
        #expect(Self.number(bands["gold"]?[0]) > 2_000 && Self.number(bands["gold"]?[1]) <= 10_000)
        #expect(Self.number(bands["platinum"]?[0]) > 10_000)
        #expect(Self.numbers(f["ltv_below_orders"]) == [0], "§4.2: lifetime value ≥ the sum of the customer's orders")
        Self.nearShares(Self.shares(f["customers.segment"]), ["regular": 0.60, "high_value": 0.20, "at_risk": 0.15, "churned": 0.05], 0.015, "segments")
        Self.nearShares(Self.shares(f["customers.gender"]), ["Male": 0.48, "Female": 0.48, "Other": 0.02, "Prefer not to say": 0.02], 0.015, "gender")
        Self.nearShares(Self.shares(f["customers.preferred_contact_method"]), ["email": 0.60, "phone": 0.30, "sms": 0.10], 0.015, "contact")
        #expect(Self.numbers(f["age"]) == [18, 80])
        #expect((f["signup_range"] as? [String])?.first == "2020-01-01")
        #expect(Self.numbers(f["orders_before_signup"]) == [0], "nobody orders before signing up")
        let places = f["city_state_pairs"] as? [Any] ?? []
        #expect(Self.number(places[0]) == Self.number(places[1]) && Self.number(places[0]) > 50, "every city names one state: \(places)")
        #expect(places.count == 4 && places[2] as? String == "USA" && places[3] as? String == "USA")
        // Products.
        Self.nearShares(Self.shares(f["products.category"]), ["Electronics": 0.25, "Clothing": 0.25, "Home": 0.20, "Books": 0.15, "Sports": 0.15], 0.03, "categories")
        let ranges = try #require(f["price_ranges"] as? [String: [Any]])
        for (category, (lo, hi)) in ["Electronics": (50.0, 2_000.0), "Clothing": (20, 300), "Home": (15, 500), "Books": (10, 50), "Sports": (25, 800)] {
            let r = Self.numbers(ranges[category])
            #expect(r.count == 3 && r[0] >= lo && r[1] <= hi && r[2] >= 20 && r[2] <= 50, "\(category): \(r)")
        }
        #expect(Self.numbers(f["margin_rule_misses"]) == [0], "margin_pct = (price − cost) / price × 100, to the cent")
        #expect(Self.numbers(f["negative_margin_cost_above_price"]) == [10, 10], "negative margins come with costs above prices")
        Self.near(Self.numbers(f["active_share"])[0], 0.90, 0.03, "active products")
        let ratingRange = Self.numbers(f["rating_range"])
        #expect(ratingRange[0] >= 1 && ratingRange[1] <= 5)
        for pair in f["product_names"] as? [[Any]] ?? [] {
            let (category, name) = (pair[0] as? String ?? "", pair[1] as? String ?? "")
            let nouns = ["Electronics": ["Headphones", "Earbuds", "Speaker", "Monitor", "Laptop", "Tablet", "Smartwatch", "Camera", "Keyboard", "Mouse", "Router", "Charger", "Drone", "Projector", "Soundbar"],
                         "Books": ["Garden", "River", "Kingdom", "Mind", "Universe", "City", "Ocean", "Machine", "Forest", "Empire", "Island", "Algorithm"]]
            if let words = nouns[category] { #expect(words.contains { name.hasSuffix($0) }, "\(category) product named \(name)") }
        }
        // Campaigns and events.
        let campaigns = f["campaigns"] as? [Any] ?? []
        #expect(Self.number(campaigns[0]) >= 7 && Self.number(campaigns[1]) <= 90, "campaign lengths \(campaigns)")
        #expect(Self.number(campaigns[2]) >= 5_000 && Self.number(campaigns[3]) <= 100_000, "budgets \(campaigns)")
        #expect((campaigns[4] as? String ?? "") >= "2024-01-01")
        #expect(Self.numbers(f["campaign_status_misses"]) == [0], "status consistent with the dates")
        #expect(Self.numbers(f["events_outside_campaign"]) == [0], "events inside their campaign's dates")
        Self.nearShares(Self.shares(f["marketing_events.event_type"]), ["impression": 0.80, "click": 0.15, "conversion": 0.05], 0.0001, "event types")
        let funnel = Self.numbers(f["funnel"])
        Self.near(funnel[0], 0.18, 0.01, "CTR")
        Self.near(funnel[1], 0.33, 0.01, "CVR")
        let costs = try #require(f["event_costs"] as? [String: [Any]])
        #expect(Array(Self.numbers(costs["impression"]).prefix(3)) == [0.01, 0.05, 0])
        #expect(Array(Self.numbers(costs["click"]).prefix(3)) == [0.5, 5, 0])
        let conversion = Self.numbers(costs["conversion"])
        #expect(conversion[0] == 0 && conversion[1] == 0 && conversion[2] == 25_000 && conversion[3] >= 10 && conversion[4] <= 500, "\(conversion)")
        // Interactions and tickets.
        Self.nearShares(Self.shares(f["user_interactions.interaction_type"]), ["view": 0.70, "cart": 0.15, "purchase": 0.08, "rating": 0.05, "wishlist": 0.02], 0.0001, "interaction types")
        let interactionFunnel = Self.numbers(f["interaction_funnel"])
        Self.near(interactionFunnel[0], 0.21, 0.01, "views → carts")
        Self.near(interactionFunnel[1], 0.53, 0.01, "carts → purchases")
        let ratings = Self.shares(f["ratings"])
        let rated = ["1", "2", "3", "4", "5"].reduce(0) { $0 + (ratings[$1] ?? 0) }
        Self.nearShares(["5": (ratings["5"] ?? 0) / rated, "4": (ratings["4"] ?? 0) / rated, "3": (ratings["3"] ?? 0) / rated,
                         "2": (ratings["2"] ?? 0) / rated, "1": (ratings["1"] ?? 0) / rated],
                        ["5": 0.40, "4": 0.30, "3": 0.15, "2": 0.10, "1": 0.05], 0.02, "ratings")
        #expect(Self.numbers(f["ratings_off_type"]) == [0], "ratings only on rating rows")
        #expect(Self.numbers(f["duration"]) == [10, 1_800, 0], "durations only on views, 10 s to 30 min")
        #expect(Self.numbers(f["tickets"]) == [0, 0, 0], "resolved_at and satisfaction null unless resolved; hours = resolved − created")
        let hours = try #require(f["ticket_hours"] as? [String: [Any]])
        for (priority, (lo, hi)) in ["low": (24.0, 72.0), "medium": (12, 48), "high": (4, 24), "critical": (1, 8)] {
            let r = Self.numbers(hours[priority])
            #expect(r[0] >= lo && r[1] <= hi, "\(priority) hours \(r)")
        }
        Self.nearShares(Self.shares(f["support_tickets.status"]), ["closed": 0.70, "resolved": 0.15, "in_progress": 0.10, "open": 0.05], 0.02, "ticket statuses")
        Self.nearShares(Self.shares(f["support_tickets.priority"]), ["low": 0.40, "medium": 0.35, "high": 0.20, "critical": 0.05], 0.02, "priorities")
        Self.nearShares(Self.shares(f["support_tickets.category"]), ["product_issue": 0.40, "billing": 0.25, "shipping": 0.20, "account": 0.15], 0.02, "ticket categories")
        Self.nearShares(Self.shares(f["satisfaction"]), ["5": 0.30, "4": 0.35, "3": 0.20, "2": 0.10, "1": 0.05], 0.02, "satisfaction")

        // Every quality issue at its rate, on exactly the rows its ground truth lists.
        let issues = try #require(m["issues"] as? [[String: Any]])
        let rates: [String: Double] = [
            "orders.null": 0.02, "orders.duplicate_rows": 0.01, "orders.invalid_value": 0.005, "orders.mismatched_lookup": 0.03,
            "customers.null": 0.05, "customers.malformed": 0.02, "customers.duplicate_key": 0.01, "products.null": 0.03,
            "products.out_of_range": 0.01, "marketing_events.orphan_reference": 0.01, "marketing_events.null": 0.02,
            "user_interactions.orphan_reference": 0.05, "user_interactions.null": 0.03,
        ]
        #expect(issues.count == rates.count)
        let baseRows: [String: Double] = ["orders": 100_000, "customers": 10_000, "products": 1_000, "marketing_events": 500_000, "user_interactions": 200_000]
        for issue in issues {
            let table = issue["table"] as? String ?? "", kind = issue["kind"] as? String ?? ""
            let truth = Self.number(issue["truth"]), distinct = Self.number(issue["distinct_found"])
            let rate = rates["\(table).\(kind)"] ?? -1
            #expect(truth == (rate * (baseRows[table] ?? 0)).rounded(), "\(table) \(kind): ground truth \(truth) rows at \(rate)")
            if kind == "duplicate_key" {
                // The affected rows and the rows they copied share their emails.
                #expect(distinct >= truth && distinct <= 2 * truth, "\(table) \(kind): \(distinct) rows share an email")
            } else {
                #expect(issue["same_rows"] as? Bool == true, "\(table) \(kind): the rows found are not the ground truth's (\(distinct) found)")
            }
        }
        // Foreign keys resolve but for the declared orphans.
        let misses = try #require(m["foreign_key_misses"] as? [String: [String]])
        #expect(misses["orders.customer_id"]?.isEmpty == true && misses["orders.product_id"]?.isEmpty == true)
        #expect(misses["support_tickets.customer_id"]?.isEmpty == true)
        #expect(misses["marketing_events.campaign_id"]?.count == 5_000 && misses["user_interactions.product_id"]?.count == 10_000)
        // Metadata equal to DuckDB's figures over the same files.
        let metadata = try #require(m["metadata"] as? [String: [String: Any]])
        #expect(metadata.count == 7)
        for (table, meta) in metadata {
            #expect(meta["dataset_name"] as? String == "bronze.\(table)")
            #expect((meta["mismatches"] as? [String])?.isEmpty == true, "\(table): \(meta["mismatches"] ?? "")")
        }
        #expect((metadata["orders"]?["types"] as? [String: String])?["total_amount"] == "DECIMAL(12,2)")
        #expect((metadata["orders"]?["types"] as? [String: String])?["order_id"] == "VARCHAR(50)")
        // Section 6's use cases give answers.
        let queries = try #require(m["queries"] as? [String: [[Any]]])
        #expect(queries["daily_sales_by_region"]?.count == 8)
        #expect(queries["campaign_roi_by_channel"]?.count == 5)
        #expect(queries["campaign_roi_by_channel"]?.allSatisfy { Self.number($0[1]) > 1 } == true, "revenue over cost by channel")
        #expect(queries["purchases_per_product"]?.count == 5)
        let c360 = try #require(queries["customer_360"])
        let spend = Dictionary(uniqueKeysWithValues: c360.map { ($0[0] as? String ?? "", Self.number($0[2])) })
        #expect(spend["bronze"]! < spend["silver"]! && spend["silver"]! < spend["gold"]! && spend["gold"]! < spend["platinum"]!, "spend by tier \(spend)")

        // validate: every rule passes.
        let validated = try box.run(["validate", "b"])
        #expect(validated.passed, "\(validated.output.suffix(2000))")
        #expect(validated.output.contains("§4.2 customers' lifetime value"))
    }

    @Test("--clean: the same values without any issue; validate finds none; a corrupted file fails validate")
    func clean() throws {
        let box = try Sandbox("bronze-clean")
        defer { box.remove() }
        try #require(try box.run(["generate", "bronze", "--clean", "--out", "c"]).passed)
        try #require(try box.run(["generate", "bronze", "--out", "d"]).passed)
        let m = try Interop.runScript("bronze.py", [box.path("c")])
        let tables = try #require(m["tables"] as? [String: [String: Any]])
        #expect(tables["orders"]?["rows"] as? Int == 100_000)
        for issue in try #require(m["issues"] as? [[String: Any]]) {
            #expect(Self.number(issue["found"]) == 0 || issue["kind"] as? String == "duplicate_key" && Self.number(issue["found"]) <= 4,
                    "--clean: \(issue["table"] ?? "") \(issue["kind"] ?? "") found \(issue["found"] ?? "")")
        }
        let f = try #require(m["figures"] as? [String: Any])
        let funnel = Self.numbers(f["funnel"])
        #expect(funnel[2] == 0 && funnel[3] == 0, "every click has its impression, every conversion its click: \(funnel)")
        #expect(Self.numbers(f["interaction_funnel"])[2] == 0, "every cart has its view")
        #expect(!box.tree("c").contains("_quality/ground_truth.parquet"))
        // Every other value unchanged: the products differ only on the issues' rows.
        let diff = try Interop.runScript("compare.py", [box.path("c/products/products.parquet"), box.path("d/products/products.parquet"), "product_id"])
        #expect(diff["differing_rows"] as? Int == 40, "products differing between --clean and not: \(diff)")  // 30 null ratings, 10 negative margins
        #expect((diff["differing_columns"] as? [String])?.sorted() == ["cost", "margin_pct", "rating_avg"], "\(diff)")
        let validated = try box.run(["validate", "c"])
        #expect(validated.passed, "\(validated.output.suffix(1500))")
        // One flipped byte fails validate.
        let file = URL(fileURLWithPath: box.path("c/orders/orders.parquet"))
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count / 3] ^= 0x01
        try Data(bytes).write(to: file)
        let broken = try box.run(["validate", "c"])
        #expect(broken.exitCode == 1 && broken.output.contains("FAIL  files intact"), "\(broken.output.suffix(500))")
    }

    @Test("the same bytes for 1 and 2 threads; a scale of 0.5 keeps every share")
    func determinism() throws {
        let box = try Sandbox("bronze-threads")
        defer { box.remove() }
        try #require(try box.run(["generate", "bronze", "--threads", "1", "--scale", "0.5", "--out", "one"]).passed)
        try #require(try box.run(["generate", "bronze", "--threads", "2", "--scale", "0.5", "--out", "two"]).passed)
        let one = try Runs.tree(box.inside.appendingPathComponent("one"))
        let two = try Runs.tree(box.inside.appendingPathComponent("two"))
        #expect(one.keys.sorted() == two.keys.sorted())
        for (path, data) in one where path != "manifest.json" { #expect(two[path] == data, "\(path) differs") }
        let v = try box.run(["validate", "one"])
        #expect(v.passed, "\(v.output.suffix(1500))")
        let m = try Interop.runScript("bronze.py", [box.path("one")])
        #expect((m["tables"] as? [String: [String: Any]])?["customers"]?["rows"] as? Int == 5_000)
        let f = try #require(m["figures"] as? [String: Any])
        Self.near(Self.numbers(f["top20_share"])[0], 0.80, 0.03, "80/20 at scale 0.5")
        #expect(Self.numbers(f["ltv_below_orders"]) == [0])
    }

    @Test("--shard 0/3, 1/3, 2/3 then manifest merge: the full run's directory byte for byte (ground truth, quality section, metadata files), for bronze and a YAML schema with issues")
    func shardsMergeToFullRun() throws {
        for (label, arguments) in [("bronze", ["generate", "bronze", "--scale", "0.5", "--shard-rows", "20000", "--out", "out"]),
                                   ("yaml", ["generate", "--schema", "q.yaml", "--shard-rows", "500", "--out", "out"])] {
            let full = try Sandbox("\(label)-full"), split = try Sandbox("\(label)-split")
            defer { full.remove(); split.remove() }
            for box in [full, split] { try Data(Self.qualitySchema.utf8).write(to: URL(fileURLWithPath: box.path("q.yaml"))) }
            let direct = try full.run(arguments)
            try #require(direct.passed, "\(label): \(direct.output)")
            for i in [2, 0, 1] {
                let r = try split.run(arguments + ["--shard", "\(i)/3"])
                #expect(r.passed, "\(label) shard \(i): \(r.output)")
            }
            // Shard 0 wrote the ground truth; the metadata waits for every shard's figures.
            #expect(FileManager.default.fileExists(atPath: split.path("out/_quality/ground_truth.parquet")), "\(label)")
            #expect(!FileManager.default.fileExists(atPath: split.path("out/orders/orders_metadata.json")), "\(label)")
            let merged = try split.run(["manifest", "merge", "out"])
            #expect(merged.passed, "\(label): \(merged.output)")
            let want = try Runs.tree(full.inside.appendingPathComponent("out"))
            let got = try Runs.mergedTree(split.inside.appendingPathComponent("out"))
            #expect(Set(got.keys) == Set(want.keys), "\(label): \(Set(got.keys).symmetricDifference(want.keys).sorted())")
            for (path, data) in want { #expect(got[path] == data, "\(label): \(path) differs") }
            if label == "bronze" {
                #expect(want.keys.contains("orders/orders_metadata.json") && want.keys.filter { $0.hasPrefix("orders/part-") }.count > 1,
                        "\(want.keys.sorted().prefix(20))")
            }
            let shard0 = try String(contentsOf: URL(fileURLWithPath: split.path("out/manifest-shard-00000-of-00003.json")), encoding: .utf8)
            #expect(shard0.contains("\"affected_rows_written\"") && (label != "bronze" || shard0.contains("\"partial_figures\"")), "\(label)")
            let v = try split.run(["validate", "out"])
            #expect(v.passed, "\(label): \(v.output.suffix(1500))")
        }
    }

    static let qualitySchema = """
        name: quality
        days: 10
        tables:
          - name: accounts
            rows: 400
            key: account_id
            columns:
              - {name: account_id, type: string, generator: {template: "ACC-{row:6}"}}
              - {name: first, type: string, generator: first_name, hidden: true}
              - {name: last, type: string, generator: last_name, hidden: true}
              - {name: email, type: string, generator: {email: {first_name: first, last_name: last}}}
              - {name: phone, type: string, generator: phone}
              - {name: plan, type: string, generator: {choice: [free, pro, team]}}
            quality:
              - {kind: null, column: phone, rate: 0.05}
              - {kind: malformed, column: email, rate: 0.03, format: email}
              - {kind: duplicate_key, column: email, rate: 0.02}
          - name: payments
            rows: 2000
            key: payment_id
            sort_by: [paid_at]
            columns:
              - {name: payment_id, type: int64, generator: sequence}
              - {name: account_id, type: string, generator: {reference: {table: accounts, column: account_id, pick: pareto}}}
              - {name: plan, type: string, generator: {lookup: {via: account_id, column: plan}}}
              - {name: paid_at, type: timestamp, generator: event_time}
              - {name: amount, type: "decimal(10,2)", generator: {uniform: {min: 5, max: 500, decimals: 2}}}
              - {name: fee, type: "decimal(10,2)", generator: {formula: {expression: "round(amount * 0.029 + 0.3, 2)", decimals: 2}}}
              - {name: refunded_at, type: timestamp, generator: {chance: {p: 0.1, then: {after: {column: paid_at, min: 3600, max: 864000}}, otherwise: null}}}
              - {name: size, type: string, generator: {band: {column: amount, thresholds: [50, 200], labels: [small, medium, large]}}}
            quality:
              - {kind: duplicate_rows, rate: 0.01}
              - {kind: invalid_value, column: amount, rate: 0.005, value: "-1"}
              - {kind: out_of_range, column: fee, rate: 0.01, min: 1000, max: 2000}
              - {kind: orphan_reference, column: account_id, rate: 0.02}
              - {kind: mismatched_lookup, column: plan, rate: 0.03}
        """

    @Test("a YAML schema declares every quality kind; validate holds each against its ground truth; a misplaced issue is refused by line")
    func yamlQuality() throws {
        let box = try Sandbox("yaml-quality")
        defer { box.remove() }
        let file = box.path("q.yaml")
        try Self.qualitySchema.write(toFile: file, atomically: true, encoding: .utf8)
        let generated = try box.run(["generate", "--schema", "q.yaml", "--out", "q"])
        try #require(generated.passed, "\(generated.output)")
        let validated = try box.run(["validate", "q"])
        #expect(validated.passed, "\(validated.output)")
        for name in ["null phone", "malformed email", "duplicate_key email", "duplicate_rows", "invalid_value amount", "out_of_range fee",
                     "payments.account_id → accounts.account_id: misses are exactly the declared orphans",
                     "payments.plan = accounts.plan via account_id"] {
            #expect(validated.output.contains(name), "validate does not check \(name)")
        }
        let manifest = try String(contentsOfFile: box.path("q/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"affected_rows\": 20") && manifest.contains("\"kind\": \"orphan_reference\""))
        let read = try Interop.readDataset(box.path("q"), queries: [
            "nulls": "SELECT count(*) FROM accounts WHERE phone IS NULL",
            "rows": "SELECT count(*) FROM payments",
            "negative": "SELECT count(*) FROM payments WHERE amount = -1",
            "fees": "SELECT count(*) FROM payments WHERE fee >= 1000",
            "orphans": "SELECT count(*) FROM payments WHERE account_id NOT IN (SELECT account_id FROM accounts)",
            "refunds": "SELECT count(refunded_at), count(*) FILTER (WHERE refunded_at <= paid_at) FROM payments",
            "bands": "SELECT count(*) FROM payments WHERE amount > 0 AND size <> CASE WHEN amount <= 50 THEN 'small' WHEN amount <= 200 THEN 'medium' ELSE 'large' END",
        ])
        let q = try #require(read["queries"] as? [String: [[Any]]])
        #expect(Self.number(q["nulls"]?[0][0]) == 20)
        #expect(Self.number(q["rows"]?[0][0]) == 2_020)
        #expect(Self.number(q["negative"]?[0][0]) >= 10)
        #expect(Self.number(q["fees"]?[0][0]) >= 20)
        #expect(Self.number(q["orphans"]?[0][0]) >= 40)
        Self.near(Self.number(q["refunds"]?[0][0]), 202, 60, "refunded payments")
        #expect(Self.number(q["refunds"]?[0][1]) == 0)
        #expect(Self.number(q["bands"]?[0][0]) == 0)
        // Issues that cannot apply are refused with file, line and column.
        let bad: [(String, String)] = [
            ("{kind: malformed, column: plan2, rate: 0.1}", "no column 'plan2'"),
            ("{kind: orphan_reference, column: plan, rate: 0.1}", "not a reference"),
            ("{kind: invalid_value, column: payment_id, rate: 0.1, value: abc}", "gives integer values"),
            ("{kind: null, column: paid_at, rate: 0.1}", "sort or partition key"),
            ("{kind: out_of_range, column: account_id, rate: 0.1, min: 1, max: 2}", "not numeric"),
            ("{kind: null, column: amount, rate: 1.5}", "rate must be above 0"),
            ("{kind: sideways, column: amount, rate: 0.1}", "unknown quality kind"),
        ]
        for (i, (entry, message)) in bad.enumerated() {
            let text = Self.qualitySchema.replacingOccurrences(of: "      - {kind: duplicate_rows, rate: 0.01}", with: "      - \(entry)")
            try text.write(toFile: box.path("bad\(i).yaml"), atomically: true, encoding: .utf8)
            let result = try box.run(["generate", "--schema", "bad\(i).yaml", "--out", "bad\(i)"])
            expectCleanFailure(result, entry, message: message)
            #expect(result.output.contains("bad\(i).yaml:"), "\(entry): no line: \(result.output)")
        }
    }
}
