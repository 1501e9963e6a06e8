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

    /// PostgreSQL DDL for the fixture (spec §1.2, plus the context columns).
    static func postgresDDL(priceAsText: Bool) -> String {
        """
        -- StreamGen ecommerce fixture: PostgreSQL schema (spec section 1.2, plus context columns).
        CREATE TABLE users (
            user_id         VARCHAR(36) PRIMARY KEY,
            email           VARCHAR(255) NOT NULL,
            created_at      TIMESTAMP NOT NULL,
            country         VARCHAR(2),
            device_type     VARCHAR(20),
            is_premium      BOOLEAN DEFAULT FALSE,
            lifetime_value  DECIMAL(10,2)
        );

        CREATE TABLE categories (
            category_id     INTEGER PRIMARY KEY,
            name            VARCHAR(100) NOT NULL,
            parent_id       INTEGER REFERENCES categories(category_id),
            slug            VARCHAR(100) NOT NULL
        );

        CREATE TABLE products (
            product_id      VARCHAR(36) PRIMARY KEY,
            name            VARCHAR(255) NOT NULL,
            category_id     INTEGER REFERENCES categories(category_id),
            price           \(priceAsText ? "VARCHAR(32)  " : "DECIMAL(10,2)") NOT NULL,\(priceAsText ? "  -- schema_drift: the import job's string prices" : "")
            cost            DECIMAL(10,2),
            stock_qty       INTEGER NOT NULL DEFAULT 0,
            is_active       BOOLEAN DEFAULT TRUE,
            created_at      TIMESTAMP NOT NULL
        );

        -- No foreign key on orders.user_id: fixtures may hold orphaned orders on purpose.
        CREATE TABLE orders (
            order_id        VARCHAR(36) PRIMARY KEY,
            user_id         VARCHAR(36),
            status          VARCHAR(20) NOT NULL,
            total_amount    DECIMAL(10,2) NOT NULL,
            discount_amount DECIMAL(10,2) DEFAULT 0,
            shipping_cost   DECIMAL(10,2) DEFAULT 0,
            payment_method  VARCHAR(20),
            created_at      TIMESTAMP NOT NULL,
            updated_at      TIMESTAMP NOT NULL,
            session_id      VARCHAR(36) NOT NULL,
            device_type     VARCHAR(20),
            channel         VARCHAR(10) NOT NULL,
            app_version     VARCHAR(20),
            platform        VARCHAR(10) NOT NULL
        );

        -- order_item_id stays unique in every scenario: the duplicates scenario repeats
        -- (order_id, product_id) under new ids.
        CREATE TABLE order_items (
            order_item_id   VARCHAR(36) PRIMARY KEY,
            order_id        VARCHAR(36) REFERENCES orders(order_id),
            product_id      VARCHAR(36) REFERENCES products(product_id),
            quantity        INTEGER NOT NULL,
            unit_price      DECIMAL(10,2) NOT NULL,
            created_at      TIMESTAMP NOT NULL
        );

        CREATE TABLE events (
            event_id         VARCHAR(36) PRIMARY KEY,
            user_id          VARCHAR(36),
            session_id       VARCHAR(36) NOT NULL,
            event_type       VARCHAR(50) NOT NULL,
            event_properties JSON,
            page_url         VARCHAR(500),
            referrer         VARCHAR(500),
            device_type      VARCHAR(20),
            country          VARCHAR(2),
            created_at       TIMESTAMP NOT NULL,
            inserted_at      TIMESTAMP NOT NULL,
            platform         VARCHAR(10) NOT NULL,
            channel          VARCHAR(10) NOT NULL,
            app_version      VARCHAR(20)
        );

        """
    }
}
