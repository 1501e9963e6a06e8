#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `devapp` pack (spec 002): four development tables with partition and sort keys, users
/// referenced by orders and analytics, products by orders.
public enum DevAppPack {
    public static let pack = DeclarativePack(spec: spec)
    public static let departments = ["Engineering", "Marketing", "Sales", "HR", "Finance"]
    public static let statuses = ["pending", "processing", "shipped", "delivered", "cancelled"]

    public static let spec = PackSpec(
        name: "devapp",
        summary: "fake_users, fake_orders, fake_analytics, fake_products: development tables with partition and sort keys",
        tables: [users, orders, analytics, products],
        defaultStartDay: 19_723,  // 2024-01-01
        defaultDays: 30
    )

    static let users = TableSpec(
        name: "fake_users", rows: .total(1_000),
        columns: [
            ColumnSpec("id", .int64, .sequence(start: 1, step: 1)),
            ColumnSpec("first_name", .string, .text(.firstName)),
            ColumnSpec("last_name", .string, .text(.lastName)),
            ColumnSpec("email", .string, .email(firstName: "first_name", lastName: "last_name")),
            ColumnSpec("age", .int32, .normal(mean: 38, stddev: 11, min: 18, max: 70, decimals: 0)),
            ColumnSpec("department", .string, .choice(values: departments, weights: [35, 15, 25, 10, 15])),
            ColumnSpec("salary", .int64, .byValue(column: "department", cases: [
                ValueCase("Engineering", salary(median: 128_000)),
                ValueCase("Finance", salary(median: 96_000)),
                ValueCase("Sales", salary(median: 78_000)),
                ValueCase("Marketing", salary(median: 82_000)),
                ValueCase("HR", salary(median: 70_000)),
            ], otherwise: nil)),
            ColumnSpec("created_at", .timestampUTC, .timestampBetween(startMicros: nil, endMicros: nil)),
            ColumnSpec("is_active", .boolean, .bernoulli(p: 0.86)),
        ],
        partitionBy: ["department"], sortBy: ["id"]
    )

    static func salary(median: Double) -> GeneratorSpec {
        .logNormal(mu: log(median), sigma: 0.28, min: 32_000, max: 450_000, decimals: 0)
    }

    static let orders = TableSpec(
        name: "fake_orders", rows: .total(5_000),
        columns: [
            ColumnSpec("id", .int64, .sequence(start: 1, step: 1)),
            ColumnSpec("user_id", .int64, .reference(table: "fake_users", column: "id", pick: .zipf(exponent: 0.8))),
            ColumnSpec("product_name", .string, .reference(table: "fake_products", column: "name", pick: .zipf(exponent: 1.0))),
            ColumnSpec("quantity", .int32, .poisson(lambda: 0.7, offset: 1)),
            ColumnSpec("unit_price", .double, .lookup(via: "product_name", column: "price")),
            ColumnSpec("total_amount", .double, .product(columns: ["quantity", "unit_price"], decimals: 2)),
            ColumnSpec("order_date", .timestampUTC, .eventTime),
            ColumnSpec("status", .string, .choice(values: statuses, weights: [6, 9, 17, 60, 8])),
            ColumnSpec("shipping_address", .string, .text(.address)),
        ],
        partitionBy: ["status"], sortBy: ["order_date", "id"]
    )

    static let analytics = TableSpec(
        name: "fake_analytics", rows: .total(10_000),
        columns: [
            ColumnSpec("id", .int64, .sequence(start: 1, step: 1)),
            ColumnSpec("event_date", .timestampUTC, .eventTime),
            ColumnSpec("user_id", .int64, .reference(table: "fake_users", column: "id", pick: .zipf(exponent: 1.0))),
            ColumnSpec("page_path", .string, .text(.urlPath)),
            ColumnSpec("session_duration", .int32, .logNormal(mu: log(150), sigma: 1.0, min: 1, max: 7_200, decimals: 0)),
            ColumnSpec("page_views", .int32, .poisson(lambda: 2.5, offset: 1)),
            ColumnSpec("bounce_rate", .double, .normal(mean: 0.42, stddev: 0.18, min: 0, max: 1, decimals: 4)),
            ColumnSpec("conversion", .boolean, .bernoulli(p: 0.032)),
            ColumnSpec("device_type", .string, .text(.deviceType)),
            ColumnSpec("browser", .string, .text(.browser)),
            ColumnSpec("country", .string, .text(.country)),
        ],
        partitionBy: ["country", "device_type"], sortBy: ["event_date"]
    )

    static let products = TableSpec(
        name: "fake_products", rows: .total(500),
        columns: [
            ColumnSpec("id", .int64, .sequence(start: 1, step: 1)),
            ColumnSpec("name", .string, .text(.productName)),
            ColumnSpec("description", .string, .sentence(minWords: 8, maxWords: 20)),
            ColumnSpec("category", .string, .text(.productCategory)),
            ColumnSpec("brand", .string, .text(.brand)),
            ColumnSpec("price", .double, .logNormal(mu: log(35), sigma: 0.9, min: 2.99, max: 2_999, decimals: 2)),
            ColumnSpec("cost", .double, .scaled(column: "price", min: 0.35, max: 0.75, decimals: 2)),
            ColumnSpec("stock_quantity", .int32, .logNormal(mu: 4.5, sigma: 1.2, min: 0, max: 5_000, decimals: 0)),
            ColumnSpec("weight", .double, .logNormal(mu: 0.3, sigma: 1.0, min: 0.05, max: 60, decimals: 2)),
            ColumnSpec("dimensions", .string, .template("{int:5-120} x {int:5-80} x {int:2-60} cm")),
            ColumnSpec("is_featured", .boolean, .bernoulli(p: 0.1)),
            ColumnSpec("created_at", .timestampUTC, .timestampBetween(startMicros: nil, endMicros: nil)),
        ],
        partitionBy: ["category"], sortBy: ["id"]
    )
}

