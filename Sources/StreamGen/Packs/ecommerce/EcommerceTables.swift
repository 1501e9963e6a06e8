import Columnar

/// The six tables' file schemas: spec §1.2's columns and types, then the context columns a root
/// cause is found with (`inserted_at`, platform, channel and app version on events; session, device,
/// channel, app version and platform on orders).
public enum EcommerceTables {
    public static let names = ["users", "categories", "products", "orders", "order_items", "events"]

    static let eventTypes = [
        "page_view", "search", "search_click", "product_view", "product_add_to_cart", "product_remove_from_cart",
        "checkout_started", "checkout_step", "checkout_completed", "checkout_abandoned",
        "user_signup", "user_login", "user_logout", "error",
    ]
    static let statuses = ["pending", "paid", "shipped", "delivered", "cancelled"]
    static let paymentMethods = ["card", "paypal", "applepay", "crypto"]
    static let channels = ["web", "app"]
    /// Where a session runs: the website, or the iOS or Android app.
    static let platforms = ["web", "ios", "android"]
    /// The app's releases: 2.3.0 current, some users on older ones; 2.3.1 is null_spike's broken
    /// release, out from day 3 14:00 UTC to the end of day 5.
    static let appVersions = ["2.1.9", "2.2.4", "2.3.0", "2.3.1"]

    static let timestamp = ColumnType.timestamp(isAdjustedToUTC: false)
    static let money = ColumnType.decimal(precision: 10, scale: 2)

    static func dictionary(_ values: [String]) -> ValueDictionary {
        // The lists are fixed, distinct and short: construction cannot fail.
        try! ValueDictionary(values)
    }

    static let users = try! Schema([
        Column("user_id", .uuid(.string), encoding: .plain),
        Column("email", .string, encoding: .plain),
        Column("created_at", timestamp),
        Column("country", .string, .optional, dictionary: dictionary(EcommerceModel.countries)),
        Column("device_type", .string, .optional, dictionary: dictionary(EcommerceModel.devices)),
        Column("is_premium", .boolean),
        Column("lifetime_value", money, .optional),
    ])

    static let categories = try! Schema([
        Column("category_id", .int32),
        Column("name", .string),
        Column("parent_id", .int32, .optional),
        Column("slug", .string),
    ])

    /// Products; `priceAsText` is the schema-drift scenario's import job, which writes prices as strings.
    static func products(priceAsText: Bool) -> Schema {
        try! Schema([
            Column("product_id", .uuid(.string), encoding: .plain),
            Column("name", .string),
            Column("category_id", .int32, .optional),
            Column("price", priceAsText ? .string : money),
            Column("cost", money, .optional),
            Column("stock_qty", .int32),
            Column("is_active", .boolean, .optional),
            Column("created_at", timestamp),
        ])
    }

    static let orders = try! Schema([
        Column("order_id", .uuid(.string), encoding: .plain),
        Column("user_id", .uuid(.string), .optional),
        Column("status", .string, dictionary: dictionary(statuses)),
        Column("total_amount", money),
        Column("discount_amount", money, .optional),
        Column("shipping_cost", money, .optional),
        Column("payment_method", .string, .optional, dictionary: dictionary(paymentMethods)),
        Column("created_at", timestamp),
        Column("updated_at", timestamp),
        Column("session_id", .uuid(.string), encoding: .plain),
        Column("device_type", .string, .optional, dictionary: dictionary(EcommerceModel.devices)),
        Column("channel", .string, dictionary: dictionary(channels)),
        Column("app_version", .string, .optional, dictionary: dictionary(appVersions)),
        Column("platform", .string, dictionary: dictionary(platforms)),
    ])

    static let orderItems = try! Schema([
        Column("order_item_id", .uuid(.string), encoding: .plain),
        Column("order_id", .uuid(.string)),
        Column("product_id", .uuid(.string)),
        Column("quantity", .int32),
        Column("unit_price", money),
        Column("created_at", timestamp),
    ])

    static let events = try! Schema([
        Column("event_id", .uuid(.string), encoding: .plain),
        Column("user_id", .uuid(.string), .optional),
        Column("session_id", .uuid(.string)),
        Column("event_type", .string, dictionary: dictionary(eventTypes)),
        Column("event_properties", .json, .optional),
        Column("page_url", .string, .optional),
        Column("referrer", .string, .optional),
        Column("device_type", .string, .optional, dictionary: dictionary(EcommerceModel.devices)),
        Column("country", .string, .optional, dictionary: dictionary(EcommerceModel.countries)),
        Column("created_at", timestamp),
        Column("inserted_at", timestamp),
        Column("platform", .string, dictionary: dictionary(platforms)),
        Column("channel", .string, dictionary: dictionary(channels)),
        Column("app_version", .string, .optional, dictionary: dictionary(appVersions)),
    ])

    /// The file schema of `table` (products with DECIMAL prices).
    static func schema(of table: String) -> Schema {
        switch table {
        case "users": return users
        case "categories": return categories
        case "products": return products(priceAsText: false)
        case "orders": return orders
        case "order_items": return orderItems
        case "ground_truth": return groundTruth
        default: return events
        }
    }

    /// `ground_truth.parquet` (or `.csv`): the id lists too long for the manifest.
    static let groundTruth = try! Schema([Column("list", .string), Column("id", .uuid(.string), encoding: .plain)])

    /// The fixture's tables in PostgreSQL: spec §1.2's types and keys, plus the context columns,
    /// in dependency order. A scenario whose anomaly breaks a constraint leaves it out, with a note.
    static func postgresTables(_ scenario: EcommerceScenario) -> [PostgresTable] {
        typealias C = PostgresTable.Column
        // Ids compare byte by byte: a key index on them builds about 3 times faster than under
        // a language collation (en_US, C.UTF-8), and joins with other text columns still match.
        let id = "VARCHAR(36) COLLATE \"C\""
        func text(_ name: String, _ n: Int, notNull: Bool = true) -> C { C(name: name, type: .string, notNull: notNull, sqlType: "VARCHAR(\(n))", wire: .text) }
        func uuid(_ name: String, notNull: Bool = true) -> C { C(name: name, type: .uuid(.string), notNull: notNull, sqlType: id, wire: .text) }
        func money(_ name: String, notNull: Bool = true) -> C { C(name: name, type: Self.money, notNull: notNull, sqlType: "DECIMAL(10,2)") }
        func time(_ name: String) -> C { C(name: name, type: timestamp, notNull: true) }

        let users = PostgresTable(name: "users", columns: [
            uuid("user_id"), text("email", 255), time("created_at"), text("country", 2, notNull: false), text("device_type", 20, notNull: false),
            C(name: "is_premium", type: .boolean, notNull: false), money("lifetime_value", notNull: false),
        ], primaryKey: ["user_id"])
        var categories = PostgresTable(name: "categories", columns: [
            C(name: "category_id", type: .int32, notNull: true), text("name", 100), C(name: "parent_id", type: .int32, notNull: false), text("slug", 100),
        ], primaryKey: ["category_id"])
        categories.foreignKeys = [.init(["parent_id"], references: "categories", ["category_id"])]
        let drift = scenario == .schemaDrift
        var products = PostgresTable(name: "products", columns: [
            uuid("product_id"), text("name", 255), C(name: "category_id", type: .int32, notNull: false),
            drift ? C(name: "price", type: Self.money, notNull: true, sqlType: "VARCHAR(32)", wire: .text) : money("price"),
            money("cost", notNull: false), C(name: "stock_qty", type: .int32, notNull: true), C(name: "is_active", type: .boolean, notNull: false),
            time("created_at"),
        ], primaryKey: ["product_id"])
        products.foreignKeys = [.init(["category_id"], references: "categories", ["category_id"])]
        if drift { products.notes.append("schema_drift: price is text, as the day-4 import job writes it (\"92.99 USD\"); the catalog's prices are written as text too.") }
        var orders = PostgresTable(name: "orders", columns: [
            uuid("order_id"), uuid("user_id", notNull: false), text("status", 20), money("total_amount"), money("discount_amount", notNull: false),
            money("shipping_cost", notNull: false), text("payment_method", 20, notNull: false), time("created_at"), time("updated_at"),
            uuid("session_id"), text("device_type", 20, notNull: false), text("channel", 10), text("app_version", 20, notNull: false), text("platform", 10),
        ], primaryKey: ["order_id"])
        if scenario == .orphanedRecords {
            orders.notes.append("orphaned_records: no foreign key on user_id, whose orphaned orders reference users that do not exist.")
        } else {
            orders.foreignKeys = [.init(["user_id"], references: "users", ["user_id"])]
        }
        var items = PostgresTable(name: "order_items", columns: [
            uuid("order_item_id"), uuid("order_id"), uuid("product_id"), C(name: "quantity", type: .int32, notNull: true), money("unit_price"),
            time("created_at"),
        ], primaryKey: ["order_item_id"])
        items.foreignKeys = [.init(["order_id"], references: "orders", ["order_id"]), .init(["product_id"], references: "products", ["product_id"])]
        if scenario == .duplicates { items.notes.append("duplicates: a retry re-inserts order items under new order_item_ids, so (order_id, product_id) repeats.") }
        let events = PostgresTable(name: "events", columns: [
            uuid("event_id"), uuid("user_id", notNull: false), uuid("session_id"), text("event_type", 50),
            C(name: "event_properties", type: .json, notNull: false, sqlType: "JSON", wire: .text), text("page_url", 500, notNull: false),
            text("referrer", 500, notNull: false), text("device_type", 20, notNull: false), text("country", 2, notNull: false),
            time("created_at"), time("inserted_at"), text("platform", 10), text("channel", 10), text("app_version", 20, notNull: false),
        ], primaryKey: ["event_id"])
        return [users, categories, products, orders, items, events]
    }

    /// `schema.sql`: the fixture's PostgreSQL DDL (spec §1.2, plus the context columns), re-runnable.
    static func postgresSchemaSQL(_ scenario: EcommerceScenario) -> String {
        "-- StreamGen ecommerce fixture (\(scenario.name)): PostgreSQL schema (spec section 1.2, plus context columns).\n\n"
            + postgresTables(scenario).map { $0.ddl() }.joined(separator: "\n")
    }
}
