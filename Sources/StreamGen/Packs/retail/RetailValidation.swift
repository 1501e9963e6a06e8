import Columnar

/// `streamgen validate` on a retail dataset: spec 003's verification list (row counts as the
/// configuration gives them, foreign keys, every constraint, date coverage, sparsity at its
/// target), recomputed from the manifest's configuration and read back file by file, so memory
/// is one shard's files whatever the dataset's size.
struct RetailValidation {
    static func run(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport {
        let dataset = try DatasetDirectory.open(directory, create: false, access: .read)
        let recorded = try RetailJob.recorded(manifest)
        let config = recorded.config
        var report = ValidationReport(
            directory: directory,
            title: "retail (\(recorded.scenario.rawValue): \(config.stores) stores × \(config.products) products, \(recorded.segments.count) segment(s) from \(formatISODate(recorded.origin)) to \(formatISODate(recorded.segments.last?.endDay ?? recorded.origin)))")
        let data = DatasetReader(root: dataset.root, manifest: manifest)
        do {
            guard try data.checkFiles(&report) else { return report }
            var v = RetailValidation(root: dataset.root, manifest: manifest, recorded: recorded,
                                     model: RetailModel(config: config, seed: recorded.dimensionSeed, originDay: recorded.origin))
            try v.check(&report)
        } catch {
            throw .output("validating \(directory): \(error)")
        }
        return report
    }

    let root: DirectoryHandle
    let manifest: Manifest
    let recorded: RetailJob.Recorded
    let model: RetailModel
    var config: RetailConfig { model.config }

    init(root: DirectoryHandle, manifest: Manifest, recorded: RetailJob.Recorded, model: RetailModel) {
        self.root = root
        self.manifest = manifest
        self.recorded = recorded
        self.model = model
    }

    func present(_ table: String) -> Bool { !recorded.deleted.contains(table) }

    func reader(_ path: String) throws(ColumnarError) -> ParquetReader {
        try ParquetReader(file: try root.openFile(try RelativePath.checked(path)))
    }

    mutating func check(_ report: inout ValidationReport) throws(ColumnarError) {
        if !recorded.deleted.isEmpty {
            report.check("deleted tables", true, "\(recorded.deleted.joined(separator: ", ")) removed by `streamgen delete`; their checks are skipped")
        }
        for table in manifest.tables where present(table.name) {
            var rows: Int64 = 0
            for f in table.files { rows += try reader(f.path).rowCount }
            report.check("\(table.name): rows as the configuration gives them", rows == table.rows && rows == table.plannedRows,
                         "\(grouped(rows)) rows; the model plans \(grouped(table.plannedRows))")
        }
        if present("store") { try checkStores(&report) }
        if present("product") { try checkProducts(&report) }
        if present("calendar") { try checkCalendar(&report) }
        if present("sales_daily") { try checkFacts(&report) }
    }

    // MARK: Dimensions

    func file(_ table: String) -> [String] { manifest.tables.first { $0.name == table }?.files.map(\.path) ?? [] }

    func checkStores(_ report: inout ValidationReport) throws(ColumnarError) {
        guard let path = file("store").first else { return report.check("store: one file", false, "no file") }
        let r = try reader(path)
        let ids = try r.read("store_id"), codes = try r.read("store_code"), regions = try r.read("region"), types = try r.read("store_type")
        var wrong = 0
        for i in 0..<ids.count {
            let s = model.store(i)
            if ids.integers[i] != Int64(s.id) || codes.string(i) != s.code || regions.string(i) != config.regions[s.region]
                || types.string(i) != config.storeTypes[s.type]
            {
                wrong += 1
            }
        }
        let regionSet = Set((0..<regions.count).compactMap { regions.string($0) }), typeSet = Set((0..<types.count).compactMap { types.string($0) })
        report.check("store: ids 1…\(config.stores), codes, regions and types as configured", ids.count == config.stores && wrong == 0
                     && regionSet.isSubset(of: config.regions) && typeSet.isSubset(of: config.storeTypes) && Set(codes.bytes).count == codes.count,
                     "\(ids.count) stores, \(wrong) differ from the model; regions \(regionSet.sorted().joined(separator: "/")), types \(typeSet.sorted().joined(separator: "/"))")
    }

    func checkProducts(_ report: inout ValidationReport) throws(ColumnarError) {
        guard let path = file("product").first else { return report.check("product: one file", false, "no file") }
        let r = try reader(path)
        let ids = try r.read("product_id"), skus = try r.read("sku"), categories = try r.read("category"), brands = try r.read("brand")
        let prices = try r.read("base_price"), launches = try r.read("launch_date"), ends = try r.read("discontinued_date")
        var wrong = 0, negative = 0, launched = 0, discontinued = 0, badEnd = 0
        for j in 0..<ids.count {
            let p = model.product(j)
            if ids.integers[j] != Int64(p.id) || skus.string(j) != p.sku || categories.string(j) != config.categories[p.category]
                || brands.string(j) != config.brands[p.brand] || prices.integers[j] != p.basePriceCents || launches.integers[j] != p.launchDay
                || ends.integer(j) != p.discontinuedDay
            {
                wrong += 1
            }
            if prices.integers[j] < 0 { negative += 1 }
            if launches.integers[j] >= recorded.origin { launched += 1 }
            if let e = ends.integer(j) {
                discontinued += 1
                if e <= launches.integers[j] { badEnd += 1 }
            }
        }
        report.check("product: ids 1…\(config.products), SKUs, categories, brands, prices and dates as configured",
                     ids.count == config.products && wrong == 0 && Set(skus.bytes).count == skus.count,
                     "\(ids.count) products, \(wrong) differ from the model")
        report.check("product: base_price >= 0, discontinued after launch", negative == 0 && badEnd == 0,
                     "\(negative) negative prices, \(badEnd) ends before launch; \(launched) launched and \(discontinued) discontinued in the period")
    }

    func checkCalendar(_ report: inout ValidationReport) throws(ColumnarError) {
        var expected = recorded.origin
        var wrong = 0, rows = 0, holidays = 0
        var firstWrong: String?
        for path in file("calendar") {
            let r = try reader(path)
            let dates = try r.read("date"), dow = try r.read("day_of_week"), dom = try r.read("day_of_month"), week = try r.read("week_of_year")
            let month = try r.read("month"), quarter = try r.read("quarter"), year = try r.read("year"), weekend = try r.read("is_weekend")
            let holiday = try r.read("is_holiday"), name = try r.read("holiday_name")
            for i in 0..<dates.count {
                let d = dates.integers[i]
                let c = RetailCalendar(day: d, holiday: model.holiday(d)?.name)
                rows += 1
                let ok = d == expected && dow.integers[i] == Int64(c.dayOfWeek) && (0...6).contains(dow.integers[i])
                    && dom.integers[i] == Int64(c.dayOfMonth) && week.integers[i] == Int64(c.weekOfYear)
                    && month.integers[i] == Int64(c.month) && (1...12).contains(month.integers[i])
                    && quarter.integers[i] == Int64(c.quarter) && (1...4).contains(quarter.integers[i]) && year.integers[i] == c.year
                    && (weekend.integers[i] == 1) == (c.dayOfWeek >= 5) && (holiday.integers[i] == 1) == (c.holiday != nil)
                    && name.string(i) == c.holiday && (holiday.integers[i] == 1) == name.valid[i]
                if !ok {
                    wrong += 1
                    if firstWrong == nil { firstWrong = formatISODate(d) }
                }
                if holiday.integers[i] == 1 { holidays += 1 }
                expected = d + 1
            }
        }
        let last = recorded.segments.last?.endDay ?? recorded.origin
        report.check("calendar: every day once from \(formatISODate(recorded.origin)) to \(formatISODate(last)); day_of_week 0–6, month 1–12, quarter 1–4; holidays named",
                     wrong == 0 && expected == last + 1 && rows == Int(last - recorded.origin + 1),
                     "\(rows) days, \(holidays) holidays, \(wrong) wrong\(firstWrong.map { " (first \($0))" } ?? "")")
    }

    // MARK: Facts

    /// What the fact checks found, over every shard.
    struct Tally {
        var salesRows = 0
        var expectedRows = 0
        var filesWithWrongCount: [String] = []
        var unsorted = 0
        var outOfSegment = 0
        var foreign = 0
        var negative = 0
        var badTotal = 0
        var misaligned = 0
        var negativeStock = 0
        var stockouts = 0
        var stockoutSales = 0
        var badPriceWindow = 0
        var uncoveredDays = 0
        var priceRows = 0
        var badPrice = 0
        var promotionRows = 0
        var badPromotion = 0
        var duplicatePromotion = 0
        var badPromotionReference = 0
        var promotedRows = 0
        var seriesSeen = Set<Int>()
        var seriesExpected = Set<Int>()
    }

    mutating func checkFacts(_ report: inout ValidationReport) throws(ColumnarError) {
        var t = Tally()
        let n = model.seriesCount
        for (s, segment) in recorded.segments.enumerated() {
            let shardRows = recorded.segmentShardRows[s]
            let shards = RetailJob.shards(series: n, perShard: RetailJob.seriesPerShard(shardRows: shardRows, days: segment.days))
            for (i, range) in shards.enumerated() {
                try checkShard(segment, i, range, &t)
            }
        }
        report.check("sales_daily, inventory_snapshot_daily: rows per series as the configuration gives them (launches, ends, gaps)",
                     t.filesWithWrongCount.isEmpty && t.salesRows == t.expectedRows,
                     "\(grouped(Int64(t.salesRows))) rows, \(grouped(Int64(t.expectedRows))) expected\(t.filesWithWrongCount.isEmpty ? "" : "; differ: \(t.filesWithWrongCount.prefix(3).joined(separator: ", "))")")
        report.check("UNIQUE(date, store_id, product_id): rows strictly ordered inside each file, files on disjoint series and days", t.unsorted == 0 && t.outOfSegment == 0,
                     "\(t.unsorted) out of order or repeated, \(t.outOfSegment) outside their file's days or series")
        report.check("foreign keys: store_id → store, product_id → product, date → calendar, promotion_id → promotion", t.foreign == 0 && t.badPromotionReference == 0,
                     "\(t.foreign) rows reference no store, product or live series; \(t.badPromotionReference) promotion ids miss")
        report.check("sales_daily: quantity >= 0, unit_price >= 0, total_amount = quantity × unit_price", t.negative == 0 && t.badTotal == 0,
                     "\(t.negative) negative, \(t.badTotal) wrong totals")
        report.check("inventory_snapshot_daily: a row per sales row, on_hand_qty >= 0", t.misaligned == 0 && t.negativeStock == 0,
                     "\(t.misaligned) unmatched, \(t.negativeStock) negative stock")
        report.check("stockouts: no sales and nothing on hand on a stockout day", t.stockoutSales == 0,
                     "\(grouped(Int64(t.stockouts))) stockout days (\(percent(t.stockouts, t.salesRows))), \(t.stockoutSales) with sales")
        report.check("price_history: price >= 0, valid_to >= valid_from, windows covering each series' days without overlap",
                     t.badPriceWindow == 0 && t.uncoveredDays == 0, "\(grouped(Int64(t.priceRows))) windows, \(t.badPriceWindow) bad, \(t.uncoveredDays) days uncovered or covered twice")
        report.check("sales_daily.unit_price: the price in effect less the promotion's discount", t.badPrice == 0,
                     "\(t.badPrice) differ; \(grouped(Int64(t.promotedRows))) rows under a promotion (\(percent(t.promotedRows, t.salesRows)))")
        report.check("promotion: discount_pct in [0, 1], end_date >= start_date, inside the series' days, unique ids", t.badPromotion == 0 && t.duplicatePromotion == 0,
                     "\(grouped(Int64(t.promotionRows))) promotions, \(t.badPromotion) bad, \(t.duplicatePromotion) repeated ids")
        let target = QuotaSelector.count(rows: n, rate: config.missingCombinationsShare)
        let missing = n - t.seriesSeen.count
        let expectedMissing = n - t.seriesExpected.count
        report.check("sparsity: missing (store, product) series at the target \(formatShare(config.missingCombinationsShare))",
                     t.seriesSeen == t.seriesExpected && expectedMissing >= target,
                     "\(missing) of \(n) series missing (\(percent(missing, n))); \(target) left out by missing_combinations_pct, \(expectedMissing - target) without a live day")
    }

    func percent(_ a: Int, _ b: Int) -> String { b == 0 ? "0 %" : "\(((Double(a) / Double(b)) * 1000).rounded() / 10) %" }
    func formatShare(_ x: Double) -> String { "\((x * 1000).rounded() / 10) %" }

    func checkShard(_ segment: RetailSegment, _ shard: Int, _ range: Range<Int>, _ t: inout Tally) throws(ColumnarError) {
        let name = RetailJob.fileName(segment, shard: shard)
        let plans = model.plans(range)
        var local = [Int](repeating: -1, count: range.count)
        var segmentPlans: [SegmentPlan] = []
        var expected = 0
        for (i, plan) in plans.enumerated() {
            local[plan.k - range.lowerBound] = i
            let sp = model.segmentPlan(plan, segment: segment)
            segmentPlans.append(sp)
            expected += sp.rows
            if sp.rows > 0 { t.seriesExpected.insert(plan.k) }
        }
        t.expectedRows += expected
        let products = Int64(config.products)
        func series(_ store: Int64, _ product: Int64) -> Int? {
            guard (1...Int64(config.stores)).contains(store), (1...products).contains(product) else { return nil }
            let k = Int((store - 1) * products + (product - 1))
            guard range.contains(k), local[k - range.lowerBound] >= 0 else { return nil }
            return local[k - range.lowerBound]
        }
        // Promotions: by series, sorted by start.
        var promotions = [[(id: Int64, from: Int64, to: Int64, discount: Int64)]](repeating: [], count: plans.count)
        var promotionIDs = Set<Int64>()
        if present("promotion") {
            let r = try reader("promotion/\(name)")
            let ids = try r.read("promotion_id"), stores = try r.read("store_id"), prods = try r.read("product_id"), discounts = try r.read("discount_pct")
            let starts = try r.read("start_date"), ends = try r.read("end_date")
            t.promotionRows += ids.count
            for i in 0..<ids.count {
                guard let s = series(stores.integers[i], prods.integers[i]) else { t.foreign += 1; continue }
                let alive = segmentPlans[s].alive
                let from = starts.integers[i], to = ends.integers[i], d = discounts.integers[i]
                if !(0...10_000).contains(d) || to < from || alive.map({ !$0.contains(from) || !$0.contains(to) }) ?? true { t.badPromotion += 1 }
                if !promotionIDs.insert(ids.integers[i]).inserted { t.duplicatePromotion += 1 }
                promotions[s].append((ids.integers[i], from, to, d))
            }
            for s in promotions.indices { promotions[s].sort { $0.from < $1.from } }
        }
        // Price windows: by series, contiguous over its live days.
        var prices = [[(from: Int64, to: Int64, cents: Int64)]](repeating: [], count: plans.count)
        if present("price_history") {
            let r = try reader("price_history/\(name)")
            let stores = try r.read("store_id"), prods = try r.read("product_id"), cents = try r.read("price")
            let froms = try r.read("valid_from"), tos = try r.read("valid_to")
            t.priceRows += stores.count
            for i in 0..<stores.count {
                guard let s = series(stores.integers[i], prods.integers[i]) else { t.foreign += 1; continue }
                if cents.integers[i] < 0 || tos.integers[i] < froms.integers[i] { t.badPriceWindow += 1 }
                prices[s].append((froms.integers[i], tos.integers[i], cents.integers[i]))
            }
            for s in prices.indices {
                prices[s].sort { $0.from < $1.from }
                guard let alive = segmentPlans[s].alive else {
                    t.uncoveredDays += prices[s].count
                    continue
                }
                var next = alive.lowerBound
                for w in prices[s] {
                    if w.from != next { t.uncoveredDays += Int(abs(w.from - next)) }
                    next = w.to + 1
                }
                if next != alive.upperBound + 1 { t.uncoveredDays += Int(abs(alive.upperBound + 1 - next)) }
            }
        }
        // Sales and inventory, row by row.
        let sales = try reader("sales_daily/\(name)")
        let dates = try sales.read("date"), stores = try sales.read("store_id"), prods = try sales.read("product_id")
        let quantities = try sales.read("quantity"), units = try sales.read("unit_price"), totals = try sales.read("total_amount")
        let promos = try sales.read("promotion_id")
        let count = dates.count
        t.salesRows += count
        if count != expected { t.filesWithWrongCount.append("sales_daily/\(name) (\(count) rows, \(expected) expected)") }
        var inventory: [ColumnValues] = []
        if present("inventory_snapshot_daily") {
            let r = try reader("inventory_snapshot_daily/\(name)")
            for c in ["date", "store_id", "product_id", "on_hand_qty", "is_stockout"] { inventory.append(try r.read(c)) }
            if inventory[0].count != count { t.misaligned += abs(inventory[0].count - count) }
        }
        var priceCursor = [Int](repeating: 0, count: plans.count), promoCursor = [Int](repeating: 0, count: plans.count)
        var previous: (Int64, Int64, Int64)?
        for i in 0..<count {
            let d = dates.integers[i], st = stores.integers[i], pr = prods.integers[i]
            let key = (d, st, pr)
            if let p = previous, !(p < key) { t.unsorted += 1 }
            previous = key
            if d < segment.startDay || d > segment.endDay { t.outOfSegment += 1 }
            guard let s = series(st, pr) else { t.foreign += 1; continue }
            t.seriesSeen.insert(plans[s].k)
            if !(segmentPlans[s].alive?.contains(d) ?? false) || segmentPlans[s].gaps.contains(where: { $0.contains(d) }) { t.foreign += 1 }
            let q = quantities.integers[i], u = units.integers[i]
            if q < 0 || u < 0 { t.negative += 1 }
            if totals.integers[i] != q * u { t.badTotal += 1 }
            if inventory.count == 5 && i < inventory[0].count {
                if inventory[0].integers[i] != d || inventory[1].integers[i] != st || inventory[2].integers[i] != pr { t.misaligned += 1 }
                if inventory[3].integers[i] < 0 { t.negativeStock += 1 }
                if inventory[4].integers[i] == 1 {
                    t.stockouts += 1
                    if q != 0 || inventory[3].integers[i] != 0 { t.stockoutSales += 1 }
                }
            }
            // The promotion in effect, and the promotion the row names.
            var promo: (id: Int64, from: Int64, to: Int64, discount: Int64)?
            if present("promotion") {
                let list = promotions[s]
                while promoCursor[s] < list.count && list[promoCursor[s]].to < d { promoCursor[s] += 1 }
                if promoCursor[s] < list.count && list[promoCursor[s]].from <= d { promo = list[promoCursor[s]] }
                if promos.integer(i) != promo?.id { t.badPromotionReference += 1 }
            }
            if promos.valid[i] { t.promotedRows += 1 }
            if present("price_history") {
                let list = prices[s]
                while priceCursor[s] < list.count && list[priceCursor[s]].to < d { priceCursor[s] += 1 }
                if priceCursor[s] < list.count && list[priceCursor[s]].from <= d {
                    if u != RetailModel.discounted(list[priceCursor[s]].cents, basisPoints: promo?.discount ?? 0) { t.badPrice += 1 }
                } else {
                    t.badPrice += 1
                }
            }
        }
    }
}
