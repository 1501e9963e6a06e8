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

    /// PostgreSQL DDL: the spec's grain and check constraints, keys and foreign keys.
    static let postgresDDL = """
        -- StreamGen retail pack (spec 003): the seven tables with their grain and check constraints.
        CREATE TABLE IF NOT EXISTS store (store_id INTEGER PRIMARY KEY, store_code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
            region TEXT NOT NULL, store_type TEXT NOT NULL, city TEXT NOT NULL, opened_date DATE NOT NULL);
        CREATE TABLE IF NOT EXISTS product (product_id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
            category TEXT NOT NULL, brand TEXT NOT NULL, base_price NUMERIC(10,2) NOT NULL CHECK (base_price >= 0),
            launch_date DATE NOT NULL, discontinued_date DATE);
        CREATE TABLE IF NOT EXISTS calendar (date DATE PRIMARY KEY, day_of_week INTEGER NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),
            day_of_month INTEGER NOT NULL, week_of_year INTEGER NOT NULL, month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
            quarter INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4), year INTEGER NOT NULL, is_weekend BOOLEAN NOT NULL,
            is_holiday BOOLEAN NOT NULL, holiday_name TEXT);
        CREATE TABLE IF NOT EXISTS sales_daily (date DATE NOT NULL REFERENCES calendar(date), store_id INTEGER NOT NULL REFERENCES store,
            product_id INTEGER NOT NULL REFERENCES product, quantity INTEGER NOT NULL CHECK (quantity >= 0),
            unit_price NUMERIC(10,2) NOT NULL CHECK (unit_price >= 0), total_amount NUMERIC(14,2) NOT NULL, promotion_id BIGINT,
            UNIQUE (date, store_id, product_id));
        CREATE TABLE IF NOT EXISTS price_history (store_id INTEGER NOT NULL REFERENCES store, product_id INTEGER NOT NULL REFERENCES product,
            price NUMERIC(10,2) NOT NULL CHECK (price >= 0), valid_from DATE NOT NULL, valid_to DATE NOT NULL, CHECK (valid_to >= valid_from));
        CREATE TABLE IF NOT EXISTS promotion (promotion_id BIGINT PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store,
            product_id INTEGER NOT NULL REFERENCES product, name TEXT NOT NULL,
            discount_pct NUMERIC(5,4) NOT NULL CHECK (discount_pct BETWEEN 0 AND 1), start_date DATE NOT NULL, end_date DATE NOT NULL,
            CHECK (end_date >= start_date));
        CREATE TABLE IF NOT EXISTS inventory_snapshot_daily (date DATE NOT NULL REFERENCES calendar(date),
            store_id INTEGER NOT NULL REFERENCES store, product_id INTEGER NOT NULL REFERENCES product,
            on_hand_qty INTEGER NOT NULL CHECK (on_hand_qty >= 0), on_order_qty INTEGER NOT NULL, is_stockout BOOLEAN NOT NULL,
            unmet_demand_qty INTEGER NOT NULL, UNIQUE (date, store_id, product_id));

        """
}

/// Writes a shard's rows into its four fact files, chunk by chunk.
final class RetailFileSink: RetailSink {
    let sales: ParquetFileWriter
    let inventory: ParquetFileWriter
    let prices: ParquetFileWriter
    let promotions: ParquetFileWriter
    private var salesChunk = Chunk(schema: RetailTables.sales)
    private var inventoryChunk = Chunk(schema: RetailTables.inventory)
    private var priceChunk = Chunk(schema: RetailTables.price, capacity: 8192)
    private var promotionChunk = Chunk(schema: RetailTables.promotion, capacity: 8192)
    let progress: RunProgress

    init(sales: ParquetFileWriter, inventory: ParquetFileWriter, prices: ParquetFileWriter, promotions: ParquetFileWriter, progress: RunProgress) {
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

    private func flush(_ chunk: inout Chunk, _ writer: ParquetFileWriter) throws(ColumnarError) {
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
