import Columnar

/// `--scenario rag-agent`: the part of spec 003's RAG + agent workflow that is data. A corpus of
/// Markdown documents about the generated stores, products, promotions and holidays (every fact
/// as the tables have it), an index of the documents, and questions that each name the facts the
/// answer must contain and the documents it must cite. Indexing them and running the agent are
/// the host application's.
enum RetailDocuments {
    /// Documents per kind, at most: a corpus for an agent test, not a copy of the tables.
    static let maximumStores = 50
    static let maximumProducts = 200
    static let maximumPromotionStores = 20
    /// Products whose promotions a store's promotion document lists.
    static let maximumPromotionProducts = 200

    static func storeIDs(_ model: RetailModel) -> Range<Int> { 0..<Swift.min(model.stores, maximumStores) }
    static func productIDs(_ model: RetailModel) -> Range<Int> { 0..<Swift.min(model.products, maximumProducts) }
    static func promotionStoreIDs(_ model: RetailModel) -> Range<Int> { 0..<Swift.min(model.stores, maximumPromotionStores) }

    /// Every file name the corpus has, inside `rag/`.
    static func fileNames(_ model: RetailModel) -> [String] {
        var names = ["documents.jsonl", "questions.jsonl", "holidays.md"]
        for i in storeIDs(model) { names.append("store-\(model.store(i).code).md") }
        for j in productIDs(model) { names.append("product-\(model.product(j).sku).md") }
        for i in promotionStoreIDs(model) { names.append("promotions-\(model.store(i).code).md") }
        return names
    }

    struct Document {
        let id: String
        let kind: String
        let title: String
        let text: String
    }

    struct Question {
        let id: String
        let text: String
        let facts: [String]
        let cite: [String]
    }

    static func money(_ cents: Int64) -> String {
        let c = abs(cents)
        return "$\(c / 100).\(c % 100 < 10 ? "0" : "")\(c % 100)"
    }

    /// The corpus of `segment` (the first): file name → bytes.
    static func files(_ model: RetailModel, segment: RetailSegment) -> [(String, [UInt8])] {
        let config = model.config
        var documents: [Document] = []
        var questions: [Question] = []
        var rng = model.key.adding("rag").cell(0)
        func pick<T>(_ items: [T], _ n: Int) -> [T] {
            var pool = items
            var out: [T] = []
            while out.count < n && !pool.isEmpty { out.append(pool.remove(at: rng.nextIndex(pool.count))) }
            return out
        }
        // Stores.
        let stores = storeIDs(model).map(model.store)
        for s in stores {
            let region = config.regions[s.region], type = config.storeTypes[s.type]
            documents.append(Document(id: "store-\(s.code)", kind: "store", title: "Store \(s.code): \(s.name)", text: """
                # Store \(s.code): \(s.name)

                \(s.name) is a \(type) store in \(s.city), in the \(region) region. It opened on \(formatISODate(s.openedDay)).

                | Field | Value |
                |---|---|
                | Store id | \(s.id) |
                | Store code | \(s.code) |
                | Region | \(region) |
                | Type | \(type) |
                | City | \(s.city) |
                | Opened | \(formatISODate(s.openedDay)) |

                """))
        }
        for s in pick(stores, 5) {
            questions.append(Question(id: "", text: "In which region is store \(s.code), and what type of store is it?",
                                      facts: [config.regions[s.region], config.storeTypes[s.type]], cite: ["store-\(s.code)"]))
        }
        // Products.
        let products = productIDs(model).map(model.product)
        for p in products {
            let category = config.categories[p.category], brand = config.brands[p.brand]
            var life = "It has been sold since \(formatISODate(p.launchDay))"
            if let end = p.discontinuedDay { life += " and is discontinued from \(formatISODate(end)) (its last day of sales is \(formatISODate(end - 1)))" }
            documents.append(Document(id: "product-\(p.sku)", kind: "product", title: "\(p.sku): \(p.name)", text: """
                # \(p.sku): \(p.name)

                \(p.name) is a \(category) product of the \(brand) brand, with a base price of \(money(p.basePriceCents)). \(life).

                | Field | Value |
                |---|---|
                | Product id | \(p.id) |
                | SKU | \(p.sku) |
                | Category | \(category) |
                | Brand | \(brand) |
                | Base price | \(money(p.basePriceCents)) |
                | Launched | \(formatISODate(p.launchDay)) |
                | Discontinued | \(p.discontinuedDay.map(formatISODate) ?? "no") |

                """))
        }
        for p in pick(products, 5) {
            questions.append(Question(id: "", text: "What brand and category is \(p.sku), and what is its base price?",
                                      facts: [config.brands[p.brand], config.categories[p.category], money(p.basePriceCents)], cite: ["product-\(p.sku)"]))
        }
        if let p = products.first(where: { $0.launchDay >= model.originDay }) {
            questions.append(Question(id: "", text: "When was \(p.sku) (\(p.name)) launched?", facts: [formatISODate(p.launchDay)], cite: ["product-\(p.sku)"]))
        }
        if let p = products.first(where: { $0.discontinuedDay != nil }), let end = p.discontinuedDay {
            questions.append(Question(id: "", text: "From which day is \(p.sku) discontinued?", facts: [formatISODate(end)], cite: ["product-\(p.sku)"]))
        }
        // Promotions, per store.
        var promotionFacts: [(store: RetailModel.Store, product: RetailModel.Product, id: Int64, from: Int64, to: Int64, discount: Int64)] = []
        for i in promotionStoreIDs(model) {
            let s = model.store(i)
            let first = i * model.products
            let plans = model.plans(first..<(first + Swift.min(model.products, maximumPromotionProducts)))
            var rows = ""
            var count = 0
            for plan in plans {
                for promo in model.segmentPlan(plan, segment: segment).promotions {
                    rows += "| \(promo.id) | \(plan.product.sku) | \(plan.product.name) | \(promo.discount / 100) % | \(formatISODate(promo.from)) | \(formatISODate(promo.to)) |\n"
                    count += 1
                    promotionFacts.append((s, plan.product, promo.id, promo.from, promo.to, promo.discount))
                }
            }
            let scope = model.products > maximumPromotionProducts ? " (its first \(maximumPromotionProducts) products)" : ""
            documents.append(Document(id: "promotions-\(s.code)", kind: "promotions", title: "Promotions at \(s.code)", text: """
                # Promotions at store \(s.code) (\(s.name))

                From \(formatISODate(segment.startDay)) to \(formatISODate(segment.endDay)), store \(s.code) ran \(count) promotion(s)\(scope). During a promotion the product sells at its price less the discount.

                | Promotion | SKU | Product | Discount | From | To |
                |---|---|---|---|---|---|
                \(rows)
                """))
        }
        for f in pick(promotionFacts, 5) {
            questions.append(Question(id: "", text: "What discount did store \(f.store.code) give on \(f.product.sku) in the promotion starting \(formatISODate(f.from)), and when did it end?",
                                      facts: ["\(f.discount / 100) %", formatISODate(f.to)], cite: ["promotions-\(f.store.code)"]))
        }
        // Holidays.
        var holidayRows = ""
        var best: (day: Int64, name: String, multiplier: Double)?
        for d in segment.startDay...segment.endDay {
            guard let h = model.holiday(d) else { continue }
            holidayRows += "| \(formatISODate(d)) | \(h.name) | \(h.multiplier) |\n"
            if best == nil || h.multiplier > best!.multiplier { best = (d, h.name, h.multiplier) }
        }
        documents.append(Document(id: "holidays", kind: "holidays", title: "Holidays and their effect on demand", text: """
            # Holidays from \(formatISODate(segment.startDay)) to \(formatISODate(segment.endDay))

            On these days demand is the usual day's times the multiplier (above 1: busier; below 1: quieter).

            | Date | Holiday | Demand multiplier |
            |---|---|---|
            \(holidayRows)
            """))
        if let best {
            questions.append(Question(id: "", text: "Which holiday in the period lifts demand the most, on which date, and by what multiplier?",
                                      facts: [best.name, formatISODate(best.day), "\(best.multiplier)"], cite: ["holidays"]))
        }
        // The files.
        var out: [(String, [UInt8])] = []
        var index = ""
        for d in documents {
            let name = d.id == "holidays" ? "holidays.md" : "\(d.id).md"
            out.append((name, Array(d.text.utf8)))
            index += JSONValue.object([("id", .string(d.id)), ("path", .string("rag/\(name)")), ("kind", .string(d.kind)), ("title", .string(d.title))])
                .serialized(compact: true) + "\n"
        }
        var lines = ""
        for (n, q) in questions.enumerated() {
            var digits: [UInt8] = []
            var number = UInt64(n + 1)
            appendDigits(&number, minimumWidth: 3, to: &digits)
            lines += JSONValue.object([
                ("id", .string("q" + String(decoding: digits, as: UTF8.self))), ("question", .string(q.text)),
                ("answer_facts", .array(q.facts.map(JSONValue.string))), ("cite", .array(q.cite.map(JSONValue.string))),
            ]).serialized(compact: true) + "\n"
        }
        out.append(("documents.jsonl", Array(index.utf8)))
        out.append(("questions.jsonl", Array(lines.utf8)))
        return out
    }
}
