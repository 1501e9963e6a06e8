import Columnar
import Testing

@testable import StreamGen

@Suite("Timelines, generators and table declarations")
struct GeneratorTests {
    let shape = RunShape(seed: 42, startDay: 19_723, days: 30, scale: 1)  // 2024-01-01

    @Test("timeline: day counts add up, weekends lighter, times ordered within the day")
    func timeline() {
        let t = Timeline(startDay: 19_723, days: 28, rows: 100_000, seasonality: .web)
        #expect(t.rowCount == 100_000)
        #expect(t.offsets.first == 0 && t.offsets.last == 100_000)
        // 2024-01-01 is a Monday: day 5 and 6 are the weekend.
        let monday = t.rows(ofDay: 7).count, sunday = t.rows(ofDay: 6).count
        #expect(Double(sunday) / Double(monday) < 0.85, "sunday \(sunday), monday \(monday)")
        var last = Int64.min
        var rng = SplitMix64(state: 9)
        var byHour = [Int](repeating: 0, count: 24)
        for row in 0..<t.rowCount {
            let d = t.day(ofRow: row)
            let micros = t.micros(ofRow: row, day: d, jitter: rng.nextDouble())
            #expect(micros >= last)
            #expect(micros / Timeline.microsPerDay == 19_723 + Int64(d))
            byHour[Int((micros % Timeline.microsPerDay) / 3_600_000_000)] += 1
            last = micros
        }
        // The evening peak (20:00) is busier than the night trough (03:00).
        #expect(byHour[20] > 5 * byHour[3], "\(byHour)")
    }

    @Test("month of year: the web curve's Q4 lift over a whole year")
    func monthOfYear() {
        let t = Timeline(startDay: parseISODate("2023-01-01")!, days: 365, rows: 1_000_000, seasonality: .web)
        func month(_ first: String, _ last: String) -> Int {
            t.offsets[Int(parseISODate(last)! - t.startDay) + 1] - t.offsets[Int(parseISODate(first)! - t.startDay)]
        }
        let february = Double(month("2023-02-01", "2023-02-28")) / 28, november = Double(month("2023-11-01", "2023-11-30")) / 30
        #expect(november / february > 1.25, "\(november) vs \(february) rows a day")
        let flat = Timeline(startDay: 0, days: 365, rows: 365_000, seasonality: .uniform)
        #expect((0..<365).allSatisfy { flat.rows(ofDay: $0).count == 1000 })
    }

    @Test("holidays: Black Friday and Cyber Monday 2024, Christmas")
    func holidays() {
        let thanksgiving = parseISODate("2024-11-28")!
        #expect(Holidays.multiplier(day: thanksgiving) == 0.7)
        #expect(Holidays.multiplier(day: thanksgiving + 1) == 2.5)
        #expect(Holidays.multiplier(day: parseISODate("2024-12-02")!) == 2.2)
        #expect(Holidays.multiplier(day: parseISODate("2024-12-25")!) == 0.5)
        #expect(Holidays.multiplier(day: parseISODate("2024-05-27")!) == 1.2)  // Memorial Day
        #expect(Holidays.multiplier(day: parseISODate("2024-03-12")!) == 1)
        let t = Timeline(startDay: parseISODate("2024-11-18")!, days: 14, rows: 100_000, seasonality: .web)
        #expect(t.rows(ofDay: 11).count > 2 * t.rows(ofDay: 4).count)  // Black Friday vs the Friday before
    }

    func compile(_ pack: PackSpec) throws(SpecError) -> [CompiledTable] {
        try PackCompiler(pack: pack, shape: shape, partitioned: true).compileAll()
    }

    func values(_ table: CompiledTable, _ column: String, rows: Range<Int>) -> [String] {
        let g = table.columns.first { $0.spec.name == column }!.generator
        return rows.map { row in
            var out: [UInt8] = []
            if g.kind == .text, let categories = g.categories { return categories[g.code(row)] }
            g.appendText(row, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    @Test("emails are unique per row and built from the row's names")
    func emails() throws {
        let tables = try compile(DevAppPack.spec)
        let users = tables[0]
        let emails = values(users, "email", rows: 0..<50_000)
        #expect(Set(emails).count == emails.count)
        let first = values(users, "first_name", rows: 0..<50)
        for (e, f) in zip(emails.prefix(50), first) {
            #expect(e.first == f.lowercased().first, "\(e) from \(f)")
            #expect(e.contains("@"))
        }
    }

    @Test("UUIDs are version 4, variant 1, and differ")
    func uuids() {
        let g = UUIDGenerator(key: StreamKey(seed: 1).adding("u"))
        var seen = Set<String>()
        for row in 0..<10_000 {
            var out: [UInt8] = []
            g.appendText(row, to: &out)
            let s = String(decoding: out, as: UTF8.self)
            #expect(s.count == 36)
            let parts = s.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(parts[2].first == "4")
            #expect("89ab".contains(parts[3].first!))
            seen.insert(s)
        }
        #expect(seen.count == 10_000)
    }

    @Test("templates: placeholders, literal braces and errors")
    func templates() throws {
        let parts = try TemplateGenerator.parse("SKU-{upper:3}-{digits:4} {{x}} #{row}").get()
        let g = TemplateGenerator(key: StreamKey(seed: 1), parts: parts)
        var out: [UInt8] = []
        g.appendText(41, to: &out)
        let s = String(decoding: out, as: UTF8.self)
        #expect(s.hasPrefix("SKU-"))
        #expect(s.hasSuffix(" {x} #42"))
        #expect(s.count == "SKU-ABC-1234 {x} #42".count)
        for bad in ["{nope}", "{digits:0}", "{int:9-1}", "open {", "close }"] {
            if case .success = TemplateGenerator.parse(bad) { Issue.record("'\(bad)' was accepted") }
        }
    }

    @Test("by_value: each category gets its own distribution")
    func byValue() throws {
        let users = try compile(DevAppPack.spec)[0]
        let department = users.columns.first { $0.spec.name == "department" }!.generator
        let salary = users.columns.first { $0.spec.name == "salary" }!.generator
        var sums: [String: (Double, Int)] = [:]
        for row in 0..<20_000 {
            let d = department.categories![department.code(row)]
            let s = sums[d] ?? (0, 0)
            sums[d] = (s.0 + Double(salary.int64(row)), s.1 + 1)
        }
        let mean = sums.mapValues { $0.0 / Double($0.1) }
        #expect(mean["Engineering"]! > 1.5 * mean["HR"]!, "\(mean)")
        #expect(mean.values.allSatisfy { (60_000...150_000).contains($0) }, "\(mean)")
    }

    @Test("references pick existing rows; lookups follow the same row")
    func references() throws {
        let tables = try compile(DevAppPack.spec)
        let orders = tables[1]
        let userIDs = orders.columns.first { $0.spec.name == "user_id" }!.generator
        let names = values(orders, "product_name", rows: 0..<2000)
        let prices = orders.columns.first { $0.spec.name == "unit_price" }!.generator
        let products = tables[3]
        let productName = products.columns.first { $0.spec.name == "name" }!.generator
        let productPrice = products.columns.first { $0.spec.name == "price" }!.generator
        var priceOf: [String: Set<Double>] = [:]
        for row in 0..<products.rowCount {
            var out: [UInt8] = []
            productName.appendText(row, to: &out)
            priceOf[String(decoding: out, as: UTF8.self), default: []].insert(productPrice.double(row))
        }
        for row in 0..<2000 {
            #expect((1...1000).contains(userIDs.int64(row)))
            #expect(priceOf[names[row]]?.contains(prices.double(row)) == true, "row \(row)")
        }
        // Zipf picks: the most frequent user is far above the average.
        var counts: [Int64: Int] = [:]
        for row in 0..<20_000 { counts[userIDs.int64(row), default: 0] += 1 }
        #expect(counts.values.max()! > 10 * 20)
    }

    @Test("declaration errors name the table, column and problem")
    func specErrors() {
        func error(_ tables: [TableSpec]) -> SpecError? {
            do {
                _ = try compile(PackSpec(name: "t", summary: "", tables: tables, defaultStartDay: 19_723, defaultDays: 3))
                return nil
            } catch { return error }
        }
        let id = ColumnSpec("id", .int64, .sequence(start: 1, step: 1))
        let e1 = error([TableSpec(name: "a", rows: .total(10), columns: [id, ColumnSpec("u", .int64, .reference(table: "users", column: "id", pick: .uniform))])])
        #expect(e1?.column == "u" && e1?.message.contains("'users'") == true, "\(String(describing: e1))")
        let e2 = error([TableSpec(name: "a", rows: .total(10), columns: [id], partitionBy: ["country"])])
        #expect(e2?.field == "partition_by" && e2?.message.contains("country") == true)
        let e3 = error([TableSpec(name: "a", rows: .total(10), columns: [id, ColumnSpec("x", .int64, .uniformInt(min: 0, max: 9), nullRate: 0.1)], sortBy: ["x"])])
        #expect(e3?.field == "sort_by" && e3?.message.contains("can be null") == true)
        let e4 = error([TableSpec(name: "a", rows: .total(10), columns: [ColumnSpec("x", .string, .uuid), ColumnSpec("y", .boolean, .uniformInt(min: 0, max: 9))])])
        #expect(e4?.column == "y" && e4?.field == "type")
        let e5 = error([TableSpec(name: "a", rows: .total(10), columns: [ColumnSpec("x", .int64, .uniformInt(min: 0, max: 9))], partitionBy: ["x"])])
        #expect(e5?.message.contains("no fixed set") == true)
        let e6 = error([TableSpec(name: "a/b", rows: .total(1), columns: [id])])
        #expect(e6?.field == "name")
        let tier = ColumnSpec("tier", .string, .choice(values: ["free", "pro"], weights: nil))
        let e7 = error([TableSpec(name: "a", rows: .total(10), columns: [tier, ColumnSpec("x", .int64, .byValue(
            column: "tier", cases: [ValueCase("gold", .uniformInt(min: 0, max: 1))], otherwise: nil))])])
        #expect(e7?.message.contains("never takes the value 'gold'") == true, "\(String(describing: e7))")
        let e8 = error([TableSpec(name: "a", rows: .total(10), columns: [tier, ColumnSpec("x", .int64, .byValue(
            column: "tier", cases: [ValueCase("pro", .uniformInt(min: 0, max: 1))], otherwise: nil))])])
        #expect(e8?.message.contains("no case for free") == true, "\(String(describing: e8))")
    }

    @Test("row counts, sizes, dates and shard selections parse; bad ones do not")
    func parsing() throws {
        #expect(parseCount("10M") == 10_000_000)
        #expect(parseCount("1.5B") == 1_500_000_000)
        #expect(parseCount("100k") == 100_000)
        #expect(parseCount("1_000") == 1000)
        #expect(parseCount("1e6") == 1_000_000)
        #expect(parseCount("ten") == nil && parseCount("-5") == nil && parseCount("1.5") == nil)
        #expect(parseSize("512MiB") == 512 << 20)
        #expect(parseSize("2G") == 2 << 30)
        #expect(parseSize("64kb") == 65536)
        #expect(parseSize("lots") == nil && parseSize("0") == nil && parseSize("-1M") == nil)
        #expect(parseISODate("2024-01-08") == 19_730)
        #expect(parseISODate("2024-02-30") == nil && parseISODate("2024-1-8") == nil && parseISODate("yesterday") == nil)
        #expect(try ShardSelection(parsing: "2/3") == ShardSelection(index: 2, count: 3))
        for bad in ["3/3", "-1/3", "1/0", "x", "1/2/3"] {
            #expect(throws: GenerateError.self) { try ShardSelection(parsing: bad) }
        }
    }

    @Test("shard plans: equal parts, one shard per day for date partitions, round-robin selections")
    func shardPlan() throws {
        #expect(ShardPlan.split(0..<10, target: 4).map(\.count) == [3, 3, 4])
        #expect(ShardPlan.split(5..<5, target: 4) == [5..<5])
        let events = TableSpec(name: "events", rows: .perDay(100), columns: [
            ColumnSpec("at", .timestampUTC, .eventTime), ColumnSpec("date", .date, .eventDate),
        ], partitionBy: ["date"], sortBy: ["at"])
        let tables = try compile(PackSpec(name: "p", summary: "", tables: [events], defaultStartDay: 19_723, defaultDays: 30))
        let plan = ShardPlan(tables: tables, targetRows: 60, flat: false)
        #expect(plan.shards.count > 30)
        #expect(plan.shards.reduce(0) { $0 + $1.rows.count } == 3000)
        for s in plan.shards { #expect(s.day != nil && tables[0].timeline!.rows(ofDay: s.day!).contains(s.rows.lowerBound)) }
        let union = (0..<3).flatMap { plan.selection(index: $0, count: 3) }.sorted()
        #expect(union == Array(plan.shards.indices))
    }

    @Test("json generator: numbers bare, text quoted and escaped, nested objects as objects")
    func jsonGenerator() throws {
        let pack = PackSpec(name: "j", summary: "", tables: [TableSpec(name: "t", rows: .total(10), columns: [
            ColumnSpec("doc", .json, .json(fields: [
                JSONField("n", .sequence(start: 5, step: 1)),
                JSONField("s", .template("say \"hi\"")),
                JSONField("inner", .json(fields: [JSONField("ok", .bernoulli(p: 1))])),
            ])),
        ])], defaultStartDay: 19_723, defaultDays: 1)
        let table = try compile(pack)[0]
        #expect(values(table, "doc", rows: 0..<2) == [#"{"n":5,"s":"say \"hi\"","inner":{"ok":true}}"#, #"{"n":6,"s":"say \"hi\"","inner":{"ok":true}}"#])
    }

    @Test("JSON: serialise, parse, round trip")
    func json() throws {
        let value = JSONValue.object([
            ("a", .int(-5)), ("b", .string("quote \" slash \\ newline \n é")), ("c", .array([.bool(true), .null, .double(1.5)])),
            ("d", .object([])),
        ])
        let text = value.serialized()
        #expect(try JSONValue.parse(text) == value)
        // The escapes, exactly: by name for \n \r \t, \u00XX for other controls, UTF-8 as is.
        var escaped: [UInt8] = []
        appendJSONString("q\" s\\ n\n r\r t\t c\u{01}\u{1F} é", to: &escaped)
        #expect(String(decoding: escaped, as: UTF8.self) == #""q\" s\\ n\n r\r t\t c\u0001\u001f é""#)
        escaped.removeAll()
        appendJSONString("plain /p/red-shoes-12", to: &escaped)
        #expect(String(decoding: escaped, as: UTF8.self) == #""plain /p/red-shoes-12""#)
        #expect(try JSONValue.parse("{\"x\": [1, 2.5e3, \"\\u00e9\\ud83d\\ude00\"]}")["x"]?.array?[2].string == "é😀")
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"x\": }") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1, 2") }
    }
}
