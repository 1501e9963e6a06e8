import Columnar
import Synchronization

/// The retail tables' schemas: spec 003's seven, with their grain.
enum RetailTables {
    static let dimensions = ["store", "product", "calendar"]
    static let facts = ["sales_daily", "price_history", "promotion", "inventory_snapshot_daily"]
    static let names = ["store", "product", "calendar", "sales_daily", "price_history", "promotion", "inventory_snapshot_daily"]
    /// The tables each shard writes a file of, in `RetailFileSink.finish()`'s order.
    static let shardTables = ["sales_daily", "inventory_snapshot_daily", "price_history", "promotion"]

    static func sortKeys(_ table: String) -> [String] {
        switch table {
        case "sales_daily", "inventory_snapshot_daily": return ["date", "store_id", "product_id"]
        case "calendar": return ["date"]
        case "store": return ["store_id"]
        case "product": return ["product_id"]
        default: return []
        }
    }

    static let money = ColumnType.decimal(precision: 10, scale: 2)

    static let store = try! Schema([
        Column("store_id", .int32), Column("store_code", .string), Column("name", .string), Column("region", .string),
        Column("store_type", .string), Column("city", .string), Column("opened_date", .date),
    ])
    static let product = try! Schema([
        Column("product_id", .int32), Column("sku", .string), Column("name", .string), Column("category", .string), Column("brand", .string),
        Column("base_price", money), Column("launch_date", .date), Column("discontinued_date", .date, .optional),
    ])
    static let calendar = try! Schema([
        Column("date", .date), Column("day_of_week", .int32), Column("day_of_month", .int32), Column("week_of_year", .int32),
        Column("month", .int32), Column("quarter", .int32), Column("year", .int32), Column("is_weekend", .boolean),
        Column("is_holiday", .boolean), Column("holiday_name", .string, .optional),
    ])
    static let sales = try! Schema([
        Column("date", .date), Column("store_id", .int32), Column("product_id", .int32), Column("quantity", .int32),
        Column("unit_price", money), Column("total_amount", .decimal(precision: 14, scale: 2)), Column("promotion_id", .int64, .optional),
    ])
    static let inventory = try! Schema([
        Column("date", .date), Column("store_id", .int32), Column("product_id", .int32), Column("on_hand_qty", .int32),
        Column("on_order_qty", .int32), Column("is_stockout", .boolean), Column("unmet_demand_qty", .int32),
    ])
    static let price = try! Schema([
        Column("store_id", .int32), Column("product_id", .int32), Column("price", money), Column("valid_from", .date), Column("valid_to", .date),
    ])
    static let promotion = try! Schema([
        Column("promotion_id", .int64), Column("store_id", .int32), Column("product_id", .int32), Column("name", .string),
        Column("discount_pct", .decimal(precision: 5, scale: 4)), Column("start_date", .date), Column("end_date", .date),
    ])
    /// What an append continues from: one row per active series.
    static let state = try! Schema([
        Column("series", .int64), Column("on_hand", .int64), Column("on_order", .int64), Column("arrival_day", .int64),
        Column("backlog", .int64), Column("price_cents", .int64), Column("price_from", .int64), Column("price_until", .int64),
        Column("demand_rate", .double),
    ])

    static func schema(_ table: String) -> Schema {
        switch table {
        case "store": return store
        case "product": return product
        case "calendar": return calendar
        case "sales_daily": return sales
        case "price_history": return price
        case "promotion": return promotion
        default: return inventory
        }
    }

    /// The seven tables as PostgreSQL holds them: spec 003's grain and check constraints, keys and
    /// foreign keys (its table is a contract). price_history's key is (store_id, product_id,
    /// valid_from): a series' price window starts once, and an append that continues a window
    /// upserts its valid_to.
    static let postgresTables: [PostgresTable] = {
        func table(_ name: String, key: [String]? = nil, unique: [[String]] = [], checks: [String] = [], references: [String] = []) -> PostgresTable {
            var t = PostgresTable(name: name, columns: schema(name).columns.map { .init(name: $0.name, type: $0.type, notNull: !$0.isOptional) }, primaryKey: key)
            t.unique = unique
            t.checks = checks
            t.foreignKeys = references.map { column in
                column == "date" ? .init(["date"], references: "calendar", ["date"]) : .init([column], references: String(column.dropLast(3)), [column])
            }
            return t
        }
        let grain = [["date", "store_id", "product_id"]]
        return [
            table("store", key: ["store_id"], unique: [["store_code"]]),
            table("product", key: ["product_id"], unique: [["sku"]], checks: ["base_price >= 0"]),
            table("calendar", key: ["date"], checks: ["day_of_week BETWEEN 0 AND 6", "month BETWEEN 1 AND 12", "quarter BETWEEN 1 AND 4"]),
            table("sales_daily", unique: grain, checks: ["quantity >= 0", "unit_price >= 0"], references: ["date", "store_id", "product_id"]),
            table("price_history", unique: [["store_id", "product_id", "valid_from"]], checks: ["price >= 0", "valid_to >= valid_from"],
                  references: ["store_id", "product_id"]),
            table("promotion", key: ["promotion_id"], checks: ["discount_pct BETWEEN 0 AND 1", "end_date >= start_date"], references: ["store_id", "product_id"]),
            table("inventory_snapshot_daily", unique: grain, checks: ["on_hand_qty >= 0"], references: ["date", "store_id", "product_id"]),
        ]
    }()

    /// `schema.sql`: the seven tables' PostgreSQL DDL, re-runnable.
    static let postgresDDL = "-- StreamGen retail pack (spec 003): the seven tables with their grain and check constraints.\n\n"
        + postgresTables.map { $0.ddl() }.joined(separator: "\n")
}

/// Writes a shard's rows into its four fact files, chunk by chunk (and into PostgreSQL with
/// `--sink`: the writers are then `PostgresTableWriter`s around the files).
final class RetailFileSink: RetailSink {
    let sales: any TableFileWriter
    let inventory: any TableFileWriter
    let prices: any TableFileWriter
    let promotions: any TableFileWriter
    private var salesChunk = Chunk(schema: RetailTables.sales)
    private var inventoryChunk = Chunk(schema: RetailTables.inventory)
    private var priceChunk = Chunk(schema: RetailTables.price, capacity: 8192)
    private var promotionChunk = Chunk(schema: RetailTables.promotion, capacity: 8192)
    let progress: RunProgress

    init(sales: any TableFileWriter, inventory: any TableFileWriter, prices: any TableFileWriter, promotions: any TableFileWriter, progress: RunProgress) {
        self.sales = sales
        self.inventory = inventory
        self.prices = prices
        self.promotions = promotions
        self.progress = progress
    }

    func sales(day: Int64, store: Int32, product: Int32, quantity: Int64, unitPriceCents: Int64, promotion: Int64?) throws(ColumnarError) {
        salesChunk.columns[0].append(Int32(day))
        salesChunk.columns[1].append(store)
        salesChunk.columns[2].append(product)
        salesChunk.columns[3].append(Int32(clamping: quantity))
        salesChunk.columns[4].append(unitPriceCents)
        salesChunk.columns[5].append(unitPriceCents &* quantity)
        if let promotion { salesChunk.columns[6].append(promotion) } else { salesChunk.columns[6].appendNull() }
        if salesChunk.isFull { try flush(&salesChunk, sales) }
    }

    func inventory(day: Int64, store: Int32, product: Int32, onHand: Int64, onOrder: Int64, stockout: Bool, unmet: Int64) throws(ColumnarError) {
        inventoryChunk.columns[0].append(Int32(day))
        inventoryChunk.columns[1].append(store)
        inventoryChunk.columns[2].append(product)
        inventoryChunk.columns[3].append(Int32(clamping: onHand))
        inventoryChunk.columns[4].append(Int32(clamping: onOrder))
        inventoryChunk.columns[5].append(stockout)
        inventoryChunk.columns[6].append(Int32(clamping: unmet))
        if inventoryChunk.isFull { try flush(&inventoryChunk, inventory) }
    }

    func price(store: Int32, product: Int32, cents: Int64, from: Int64, to: Int64) throws(ColumnarError) {
        priceChunk.columns[0].append(store)
        priceChunk.columns[1].append(product)
        priceChunk.columns[2].append(cents)
        priceChunk.columns[3].append(Int32(from))
        priceChunk.columns[4].append(Int32(to))
        if priceChunk.isFull { try flush(&priceChunk, prices) }
    }

    func promotion(id: Int64, store: Int32, product: Int32, name: String, discountBasisPoints: Int64, from: Int64, to: Int64) throws(ColumnarError) {
        promotionChunk.columns[0].append(id)
        promotionChunk.columns[1].append(store)
        promotionChunk.columns[2].append(product)
        promotionChunk.columns[3].append(name)
        promotionChunk.columns[4].append(Int32(discountBasisPoints))
        promotionChunk.columns[5].append(Int32(from))
        promotionChunk.columns[6].append(Int32(to))
        if promotionChunk.isFull { try flush(&promotionChunk, promotions) }
    }

    private func flush(_ chunk: inout Chunk, _ writer: any TableFileWriter) throws(ColumnarError) {
        guard chunk.rowCount > 0 else { return }
        try writer.write(chunk)
        if writer === sales || writer === inventory { progress.rowsDone.add(chunk.rowCount, ordering: .relaxed) }
        chunk.reset()
    }

    /// Writes what is left and closes the four files.
    func finish() throws(ColumnarError) -> [FileSummary] {
        try flush(&salesChunk, sales)
        try flush(&inventoryChunk, inventory)
        try flush(&priceChunk, prices)
        try flush(&promotionChunk, promotions)
        return [try sales.close(), try inventory.close(), try prices.close(), try promotions.close()]
    }

    func abandon() {
        for w in [sales, inventory, prices, promotions] { w.abandon() }
    }
}

/// Which of the retail pack's tables a file belongs to: its first path component.
func retailTable(of path: String) -> String { String(path.split(separator: "/").first ?? "") }
