import Columnar

/// `streamgen validate DIR`: spec §7's checks on an ecommerce fixture as written on disk, and its
/// anomaly's verification against the manifest's ground truth.
///
/// A baseline passes when it is clean. A scenario passes when its anomaly is present with the
/// spec's magnitude on its days, matches the ground truth row for row, and nothing else is wrong.
struct FixtureValidation {
    var report: ValidationReport
    /// The fixture directory, read through its descriptor (no link followed).
    let root: DirectoryHandle

    mutating func check(_ name: String, _ passed: Bool, _ measured: String) {
        report.check(name, passed, measured)
    }

    /// Validates the fixture in `directory`.
    static func run(_ directory: String) throws(GenerateError) -> ValidationReport {
        let dataset = try DatasetDirectory.open(directory, create: false, access: .read)
        let manifest: JSONValue
        do {
            manifest = try JSONValue.parse(String(decoding: try dataset.root.read(Manifest.fileName, limit: 256 << 20), as: UTF8.self))
        } catch {
            throw .output("cannot read \(directory)/\(Manifest.fileName): \(error)")
        }
        guard case .string(let name)? = manifest["name"], case .string("ecommerce")? = manifest["generator"]?["pack"],
              let scenario = EcommerceScenario(rawValue: name)
        else {
            throw .output("\(directory)/\(Manifest.fileName) is not a StreamGen ecommerce fixture manifest")
        }
        var v = FixtureValidation(report: ValidationReport(directory: directory, title: "ecommerce fixture \(name)"), root: dataset.root)
        do { try v.validate(manifest, scenario) } catch { throw .output("validating \(directory): \(error)") }
        return v.report
    }

    // MARK: - The checks

    private mutating func validate(_ manifest: JSONValue, _ scenario: EcommerceScenario) throws(ColumnarError) {
        let days = Int(manifest["generator"]?["days"]?.intValue ?? 0)
        guard case .string(let startText)? = manifest["simulation_period"]?["start"], let startDay = parseISODate(startText), days > 0 else {
            throw .invalidData("the manifest has no simulation period")
        }
        let start = startDay * 86_400_000_000
        let end = (startDay + Int64(days)) * 86_400_000_000
        func day(_ micros: Int64) -> Int { Int((micros - start) / 86_400_000_000) }
        let expected = manifest["generator"]?["events_expected_by_day"]?.arrayValue?.compactMap(\.intValue) ?? []

        // Files, byte for byte, and row counts. A file whose SHA-256 differs from the manifest's
        // is corrupt or altered: nothing else is read from a fixture that has one.
        var filesOf: [String: [RelativePath]] = [:]
        var missing: [String] = []
        var altered: [String] = []
        var countMismatch: [String] = []
        func intact(_ f: JSONValue) throws(ColumnarError) -> RelativePath? {
            guard case .string(let text)? = f["path"], let path = try? RelativePath(validating: text) else {
                missing.append("\(f["path"]?.string ?? "?") (not a path inside the fixture)")
                return nil
            }
            guard let file = try? root.openFile(path), file.size == f["bytes"]?.intValue else { missing.append(text); return nil }
            if try file.sha256() != f["sha256"]?.string { altered.append(text); return nil }
            return path
        }
        var fileCount = 0
        for table in EcommerceTables.names {
            guard let entry = manifest["tables"]?[table], let files = entry["files"]?.arrayValue else {
                throw .invalidData("the manifest lists no files for '\(table)'")
            }
            for f in files {
                guard let path = try intact(f) else { continue }
                filesOf[table, default: []].append(path)
                fileCount += 1
            }
        }
        for f in manifest["streamgen"]?["other_files"]?.arrayValue ?? [] where try intact(f) != nil { fileCount += 1 }
        check("files present with their sizes", missing.isEmpty, missing.isEmpty ? "all \(fileCount) files" : "missing or resized: \(missing.prefix(3).joined(separator: ", "))")
        check("files intact: SHA-256 as the manifest records", altered.isEmpty, altered.isEmpty ? "\(fileCount) files checked" : "altered or corrupt: \(altered.prefix(3).joined(separator: ", "))\(altered.count > 3 ? " and \(altered.count - 3) more" : "")")
        guard missing.isEmpty && altered.isEmpty else { return }
        for table in EcommerceTables.names {
            var rows: Int64 = 0
            for path in filesOf[table] ?? [] { rows += try FixtureFile(path, table: table, in: root).rowCount }
            if rows != manifest["tables"]?[table]?["row_count"]?.intValue { countMismatch.append("\(table) \(rows) vs \(manifest["tables"]?[table]?["row_count"]?.intValue ?? -1)") }
        }
        check("row counts match the manifest", countMismatch.isEmpty, countMismatch.isEmpty ? "6 tables" : countMismatch.joined(separator: "; "))

        func read(_ table: String, _ columns: [String], _ each: (String, [String: ColumnValues]) throws(ColumnarError) -> Void) throws(ColumnarError) {
            for file in filesOf[table] ?? [] {
                let path = file.description
                let reader = try FixtureFile(file, table: table, in: root)
                try each(path, try reader.read(columns))
            }
        }
        let truth = try groundTruth(manifest)

        // Dimensions.
        var categoryIDs = Set<Int64>()
        var parents: [Int64] = []
        try read("categories", ["category_id", "parent_id"]) { _, v in
            for i in 0..<v["category_id"]!.count {
                categoryIDs.insert(v["category_id"]!.integers[i])
                if let p = v["parent_id"]!.integer(i) { parents.append(p) }
            }
        }
        var productIDs = Set<[UInt8]>()
        var badCategory = 0
        var priceTypes: [String: Int] = [:]
        var textPrices = 0
        var suffixed = 0
        var productCount = 0
        for path in filesOf["products"] ?? [] {
            let reader = try FixtureFile(path, table: "products", in: root)
            let type = try reader.priceType()
            priceTypes[type, default: 0] += Int(reader.rowCount)
            let columns = try reader.read(["product_id", "category_id", "price"])
            let ids = columns["product_id"]!, cats = columns["category_id"]!, price = columns["price"]!
            for i in 0..<ids.count {
                productIDs.insert(ids.bytes[i])
                if let c = cats.integer(i), !categoryIDs.contains(c) { badCategory += 1 }
                productCount += 1
                if type == "string", let text = price.string(i) {
                    if text.hasSuffix(" USD") { suffixed += 1 }
                    textPrices += 1
                }
            }
        }
        let orphanParents = parents.filter { !categoryIDs.contains($0) }.count
        check("categories: 50, parents resolve", categoryIDs.count == 50 && orphanParents == 0, "\(categoryIDs.count) categories, \(orphanParents) unresolved parent_id")
        check("products.category_id resolves", badCategory == 0, "\(badCategory) unresolved")

        var users: [[UInt8]: Int64] = [:]
        try read("users", ["user_id", "created_at"]) { _, v in
            for i in 0..<v["user_id"]!.count { users[v["user_id"]!.bytes[i]] = v["created_at"]!.integers[i] }
        }

        // Orders and items.
        var orderTotals: [[UInt8]: Int64] = [:]
        var orderDay: [[UInt8]: Int] = [:]
        var ordersPerDay = [Int](repeating: 0, count: days)
        var nullInWindow = 0, ordersInWindow = 0, nullOutside = 0, ordersOutside = 0, nullWindowMobile = 0
        var nullByDay = [Int](repeating: 0, count: days), windowOrdersByDay = [Int](repeating: 0, count: days)
        var brokenReleaseOrders = 0, brokenReleaseWithUser = 0
        var nullIDs = Set<String>()
        var orphanIDs = Set<String>()
        var orphansPerDay = [Int](repeating: 0, count: days)
        var badUpdate = 0
        let windowStart = start + 2 * 86_400_000_000 + 14 * 3_600_000_000
        let windowEnd = start + 5 * 86_400_000_000
        try read("orders", ["order_id", "user_id", "total_amount", "discount_amount", "shipping_cost", "created_at", "updated_at", "device_type", "app_version"]) { _, v in
            let ids = v["order_id"]!, user = v["user_id"]!, created = v["created_at"]!, device = v["device_type"]!, version = v["app_version"]!
            for i in 0..<ids.count {
                let t = created.integers[i]
                let d = day(t)
                if (0..<days).contains(d) { ordersPerDay[d] += 1 }
                orderDay[ids.bytes[i]] = d
                orderTotals[ids.bytes[i]] = v["total_amount"]!.integers[i] - v["shipping_cost"]!.integers[i] + v["discount_amount"]!.integers[i]
                if v["updated_at"]!.integers[i] < t { badUpdate += 1 }
                let inWindow = t >= windowStart && t < windowEnd
                if inWindow { ordersInWindow += 1; windowOrdersByDay[d] += 1 } else { ordersOutside += 1 }
                if version.string(i) == "2.3.1" {
                    brokenReleaseOrders += 1
                    if user.valid[i] { brokenReleaseWithUser += 1 }
                }
                if user.valid[i] {
                    if users[user.bytes[i]] == nil {
                        orphansPerDay[max(0, min(days - 1, d))] += 1
                        orphanIDs.insert(ids.string(i)!)
                    }
                } else if inWindow {
                    nullInWindow += 1
                    nullByDay[d] += 1
                    if device.string(i) == "mobile" { nullWindowMobile += 1 }
                    nullIDs.insert(ids.string(i)!)
                } else {
                    nullOutside += 1
                }
            }
        }
        check("orders.updated_at >= created_at", badUpdate == 0, "\(badUpdate) orders updated before created")

        var itemSums: [[UInt8]: Int64] = [:]
        var pairs: [[UInt8]: Int] = [:]
        var duplicateRows = 0
        var duplicatedOrders = Set<[UInt8]>()
        var badOrderRef = 0, badProductRef = 0
        try read("order_items", ["order_id", "product_id", "quantity", "unit_price"]) { _, v in
            let order = v["order_id"]!, product = v["product_id"]!
            for i in 0..<order.count {
                if orderTotals[order.bytes[i]] == nil { badOrderRef += 1 }
                if !productIDs.contains(product.bytes[i]) { badProductRef += 1 }
                itemSums[order.bytes[i], default: 0] += v["quantity"]!.integers[i] * v["unit_price"]!.integers[i]
                let key = order.bytes[i] + product.bytes[i]
                pairs[key, default: 0] += 1
                if pairs[key]! > 1 {
                    duplicateRows += 1
                    duplicatedOrders.insert(order.bytes[i])
                }
            }
        }
        let distinctItems = pairs.count
        let perOrder = Double(distinctItems) / Double(max(orderTotals.count, 1))
        check("order_items about \(SpecFigures.itemsPerOrder) per order (spec 2.1: 12,500 for 5,000)", abs(perOrder - SpecFigures.itemsPerOrder) <= 0.04 * SpecFigures.itemsPerOrder,
              "\(round2(perOrder)) (\(distinctItems) distinct items, \(orderTotals.count) orders)")
        check("order_items.order_id resolves", badOrderRef == 0, "\(badOrderRef) unresolved")
        check("order_items.product_id resolves", badProductRef == 0, "\(badProductRef) unresolved")
        let mismatched = orderTotals.filter { itemSums[$0.key] != $0.value }.map(\.key)
        let unexplained = mismatched.filter { !duplicatedOrders.contains($0) }.count
        check("total_amount = items - discount + shipping", unexplained == 0,
              "\(mismatched.count) of \(orderTotals.count) orders differ, \(unexplained) not explained by duplicate items")

        // Events.
        var eventsPerDay = [Int](repeating: 0, count: days)
        var euPerDay = [Int](repeating: 0, count: days)
        var hours = [Int](repeating: 0, count: 24)
        var outside = 0, beforeUser = 0, unknownUser = 0, anonymous = 0, total = 0
        var misplaced = 0, late = 0
        var lateIDs = Set<String>()
        var brokenEvents = 0, brokenEventsOffMobileWindow = 0, webWithVersion = 0
        let wantLateIDs = truth["affected_event_ids"] != nil
        try read("events", ["event_id", "user_id", "created_at", "inserted_at", "country", "device_type", "channel", "app_version"]) { path, v in
            var partition: Int?
            for segment in path.split(separator: "/") where segment.hasPrefix("date=") {
                if let d = parseISODate(String(segment.dropFirst(5))) { partition = Int(d - startDay) }
            }
            let user = v["user_id"]!, created = v["created_at"]!, inserted = v["inserted_at"]!, country = v["country"]!
            let device = v["device_type"]!, channel = v["channel"]!, version = v["app_version"]!
            for i in 0..<user.count {
                let t = created.integers[i]
                total += 1
                if let release = version.string(i) {
                    if release == "2.3.1" {
                        brokenEvents += 1
                        // The broken release is out from day 3 14:00 to the end of day 5, on phones.
                        if device.string(i) != "mobile" || t < windowStart - 3_600_000_000 || t >= windowEnd + 3_600_000_000 { brokenEventsOffMobileWindow += 1 }
                    }
                    if channel.string(i) != "app" { webWithVersion += 1 }
                }
                guard t >= start && t < end else { outside += 1; continue }
                let d = day(t)
                eventsPerDay[d] += 1
                if let c = country.string(i), EcommerceModel.euCountries.contains(c) { euPerDay[d] += 1 }
                hours[Int((t - start) % 86_400_000_000 / 3_600_000_000)] += 1
                if user.valid[i] {
                    if let c = users[user.bytes[i]] { if c > t { beforeUser += 1 } } else { unknownUser += 1 }
                } else {
                    anonymous += 1
                }
                let insertedDay = day(inserted.integers[i])
                if insertedDay != d || (partition != nil && partition != insertedDay) {
                    misplaced += 1
                    if d == 1 && insertedDay == 4 && (partition == nil || partition == 4) {
                        late += 1
                        if wantLateIDs { lateIDs.insert(v["event_id"]!.string(i) ?? "") }
                    }
                }
            }
        }
        check("events fall inside the period", outside == 0, "\(outside) outside \(startText) + \(days) days")
        check("events.user_id resolves", unknownUser == 0, "\(unknownUser) of \(total - anonymous) identified events")
        check("no event before its user's created_at", beforeUser == 0, "\(beforeUser) events")
        let anonShare = Double(anonymous) / Double(max(total, 1))
        check("anonymous events (NULL user_id) at a realistic rate", anonShare > 0.1 && anonShare < 0.4, percent(anonShare))
        check("events.app_version only on the app channel", webWithVersion == 0, "\(webWithVersion) web events with an app version")

        // Daily volume against the spec's weekday pattern (the volume drop's days are checked below).
        var worst = 0.0
        var dailyText: [String] = []
        for d in 0..<days where d < expected.count {
            let ratio = Double(eventsPerDay[d]) / Double(max(expected[d], 1))
            dailyText.append("\(eventsPerDay[d])")
            if scenario == .volumeDrop && (d == 4 || d == 5) { continue }
            worst = max(worst, abs(ratio - 1))
        }
        check("events per day within 10 % of the spec's weekday volumes", worst <= 0.10, "\(dailyText.joined(separator: ", ")); worst deviation \(percent(worst))")
        let peak = Double([10, 11, 12, 13, 19, 20].reduce(0) { $0 + hours[$1] }) / 6
        let trough = Double([2, 3, 4, 5].reduce(0) { $0 + hours[$1] }) / 4
        check("hourly curve: peaks 10-14 and 19-21 UTC, trough 02-06", peak >= 3 * trough,
              "peak hours average \(Int(peak)), trough hours \(Int(trough)) (\(round2(peak / max(trough, 1)))x)")
        let orderRates = (0..<min(days, expected.count)).map { Double(ordersPerDay[$0]) / Double(max(expected[$0], 1)) }
        check("orders per day about 1 % of expected events (orders unaffected by tracking)",
              orderRates.allSatisfy { $0 > 0.006 && $0 < 0.016 }, ordersPerDay.map(String.init).joined(separator: ", "))

        // Each anomaly: present where the manifest says, absent elsewhere.
        let nullRate = Double(nullInWindow) / Double(max(ordersInWindow, 1))
        let nullRateOutside = Double(nullOutside) / Double(max(ordersOutside, 1))
        if scenario == .nullSpike {
            for (d, share) in SpecFigures.nullSpikeRates where d < days {
                let rate = Double(nullByDay[d]) / Double(max(windowOrdersByDay[d], 1))
                check("null_spike: orders.user_id NULL on day \(d + 1)\(d == 2 ? " from 14:00 UTC" : "") at \(percent(share)) (spec 3.1)",
                      spec(share, rate, windowOrdersByDay[d]), "\(percent(rate)) of \(windowOrdersByDay[d]) orders\(tolerance(share, windowOrdersByDay[d]))")
            }
            check("null_spike: NULLs outside the window at the baseline rate", nullRateOutside <= 0.005, percent(nullRateOutside))
            check("null_spike: the window's NULLs come from mobile", Double(nullWindowMobile) >= 0.95 * Double(nullInWindow), "\(nullWindowMobile) of \(nullInWindow)")
            check("null_spike: every order from app 2.3.1 lost its user (the smoking gun)", brokenReleaseOrders > 0 && brokenReleaseWithUser == 0,
                  "\(brokenReleaseOrders) orders from 2.3.1, \(brokenReleaseWithUser) with a user_id")
            check("null_spike: events carry app 2.3.1 on phones, from day 3 14:00 to day 5 only", brokenEvents > 0 && brokenEventsOffMobileWindow == 0,
                  "\(brokenEvents) events from 2.3.1, \(brokenEventsOffMobileWindow) elsewhere")
            // The window also holds the baseline's rare guest checkouts, which are not the anomaly's.
            let listed = truth["affected_order_ids"] ?? []
            let guests = nullIDs.subtracting(listed).count
            check("null_spike: ground truth matches", !listed.isEmpty && listed.isSubset(of: nullIDs) && Double(guests) <= max(3, 0.005 * Double(ordersInWindow)),
                  "\(nullIDs.count) NULL orders in the window: \(listed.count) in the ground truth, \(guests) guest checkouts")
        } else {
            check("orders.user_id NULL at the baseline rate only", max(nullRate, nullRateOutside) <= 0.005, "\(percent(nullRate)) in day 3-5 window, \(percent(nullRateOutside)) elsewhere")
            check("no app 2.3.1 (null_spike's release) outside its scenario", brokenEvents == 0 && brokenReleaseOrders == 0, "\(brokenEvents) events, \(brokenReleaseOrders) orders")
        }

        let orphanTotal = orphansPerDay.reduce(0, +)
        if scenario == .orphanedRecords {
            let share = Double(orphansPerDay[3]) / Double(max(ordersPerDay[3], 1))
            check("orphaned_records: \(percent(SpecFigures.orphanShare)) of day 4 orders reference missing users (spec 3.6)",
                  spec(SpecFigures.orphanShare, share, ordersPerDay[3]), "\(percent(share)) of \(ordersPerDay[3])\(tolerance(SpecFigures.orphanShare, ordersPerDay[3]))")
            check("orphaned_records: no orphans on other days", orphanTotal == orphansPerDay[3], "\(orphanTotal - orphansPerDay[3]) elsewhere")
            check("orphaned_records: ground truth matches", truthMatches(truth["affected_order_ids"], orphanIDs), "\(orphanIDs.count) orphaned orders")
        } else {
            check("orders.user_id resolves (referential integrity)", orphanTotal == 0, "\(orphanTotal) orphaned orders")
        }

        var dupPerDay = [Int](repeating: 0, count: days)
        for o in duplicatedOrders { if let d = orderDay[o], (0..<days).contains(d) { dupPerDay[d] += 1 } }
        if scenario == .duplicates {
            let share6 = Double(dupPerDay[5]) / Double(max(ordersPerDay[5], 1))
            let share7 = Double(dupPerDay[6]) / Double(max(ordersPerDay[6], 1))
            let (s6, s7) = (SpecFigures.duplicateShares[0].share, SpecFigures.duplicateShares[1].share)
            check("duplicates: \(percent(s6)) of day 6 orders have duplicated items (spec 3.4)", spec(s6, share6, ordersPerDay[5]),
                  "\(percent(share6)) of \(ordersPerDay[5])\(tolerance(s6, ordersPerDay[5]))")
            check("duplicates: day 7's residual at \(percent(s7)), none before day 6", spec(s7, share7, ordersPerDay[6]) && dupPerDay[0..<5].allSatisfy { $0 == 0 },
                  "day 7 \(dupPerDay[6]) of \(ordersPerDay[6]) (\(percent(share7))), days 1-5 \(dupPerDay[0..<5].reduce(0, +))")
            check("duplicates: ground truth matches", duplicateRows == truth["duplicate_order_item_ids"]?.count ?? -1,
                  "\(duplicateRows) duplicate rows; \(truth["duplicate_order_item_ids"]?.count ?? 0) in the ground truth")
        } else {
            check("(order_id, product_id) unique in order_items", duplicateRows == 0, "\(duplicateRows) duplicate rows")
        }

        if scenario == .lateArriving {
            let share = Double(late) / Double(max(eventsPerDay[1], 1))
            check("late_arriving: \(percent(SpecFigures.lateShare)) of day 2's events inserted on day 5 (spec 3.5)", spec(SpecFigures.lateShare, share, eventsPerDay[1]),
                  "\(late) of \(eventsPerDay[1]) events, \(percent(share))\(tolerance(SpecFigures.lateShare, eventsPerDay[1]))")
            check("late_arriving: nothing else arrives late", misplaced == late, "\(misplaced - late) other events")
            check("late_arriving: ground truth matches", truthMatches(truth["affected_event_ids"], lateIDs), "\(late) late events")
        } else {
            check("every event in its insertion day's partition, inserted the day it happened", misplaced == 0, "\(misplaced) events")
        }

        if scenario == .volumeDrop {
            let normal = (0..<days).filter { $0 != 4 && $0 != 5 }.map { Double(euPerDay[$0]) / Double(max(expected[$0], 1)) }
            let baseline = normal.reduce(0, +) / Double(max(normal.count, 1))
            let dropped = [4, 5].map { Double(euPerDay[$0]) / Double(max(expected[$0], 1)) / max(baseline, 1e-9) }
            let drop = 1 - dropped.reduce(0, +) / 2
            check("volume_drop: EU events visibly down on days 5-6 against the other days", abs(drop - SpecFigures.volumeDropShare) <= 0.06, percent(drop))
            let droppedByDay = manifest["ground_truth"]?["affected_by_day"]
            for d in SpecFigures.volumeDropDays where d < days {
                let lost = Int(droppedByDay?[String(d + 1)]?.intValue ?? 0)
                let generatedEU = euPerDay[d] + lost
                let share = Double(lost) / Double(max(generatedEU, 1))
                check("volume_drop: \(percent(SpecFigures.volumeDropShare)) of day \(d + 1)'s EU events lost (spec 3.2)", spec(SpecFigures.volumeDropShare, share, generatedEU),
                      "\(lost) of \(generatedEU) (\(percent(share)))\(tolerance(SpecFigures.volumeDropShare, generatedEU))")
            }
            let others = [4, 5].map { Double(eventsPerDay[$0] - euPerDay[$0]) / Double(max(expected[$0], 1)) }
            let otherNormal = (0..<days).filter { $0 != 4 && $0 != 5 }.map { Double(eventsPerDay[$0] - euPerDay[$0]) / Double(max(expected[$0], 1)) }
            let ref = otherNormal.reduce(0, +) / Double(max(otherNormal.count, 1))
            let otherChange = others.map { abs($0 / ref - 1) }.max() ?? 0
            check("volume_drop: other countries unaffected", otherChange <= 0.08, "largest change \(percent(otherChange))")
            let listed = truth["dropped_event_ids"]?.count ?? 0
            let generated = manifest["generator"]?["events_generated_by_day"]?.arrayValue?.compactMap(\.intValue) ?? []
            let absent = generated.count == days ? (0..<days).reduce(0) { $0 + Int(generated[$1]) - eventsPerDay[$1] } : -1
            check("volume_drop: ground truth lists every missing event", listed == absent && listed > 0,
                  "\(absent) events missing against the generated volume; \(listed) in the ground truth")
        }

        let decimalOnly = priceTypes.keys.allSatisfy { $0 == "decimal(10,2)" }
        if scenario == .schemaDrift {
            let share = Double(textPrices) / Double(max(productCount, 1))
            let imported = truth["affected_product_ids"]?.count ?? 0
            let importShare = Double(imported) / Double(max(productCount, 1))
            let typed = priceTypes.keys.sorted().map { "\($0) \(priceTypes[$0]!)" }.joined(separator: ", ")
            check("schema_drift: products.price has changed type", priceTypes["string"] != nil, typed)
            check("schema_drift: \(percent(SpecFigures.schemaDriftShare)) of products carry string prices (spec 3.3)",
                  spec(SpecFigures.schemaDriftShare, importShare, productCount) && suffixed > 0,
                  "\(imported) imported products (\(percent(importShare))), \(suffixed) with ' USD'; \(percent(share)) of rows typed string")
        } else {
            check("products.price is DECIMAL(10,2) in every file", decimalOnly, priceTypes.keys.sorted().joined(separator: ", "))
        }
    }

    /// Ground-truth id lists: inline in the manifest, or in `ground_truth.parquet`.
    private func groundTruth(_ manifest: JSONValue) throws(ColumnarError) -> [String: Set<String>] {
        var lists: [String: Set<String>] = [:]
        guard case .object(let pairs)? = manifest["ground_truth"] else { return lists }
        var fromFile: [String] = []
        for (key, value) in pairs {
            if case .array(let items) = value { lists[key] = Set(items.compactMap { if case .string(let s) = $0 { return s }; return nil }) }
            if key.hasSuffix("_file") { fromFile.append(String(key.dropLast(5))) }
        }
        if !fromFile.isEmpty {
            let name = (try? root.openFile("ground_truth.csv")) != nil ? "ground_truth.csv" : "ground_truth.parquet"
            let reader = try FixtureFile(try! RelativePath(components: [name]), table: "ground_truth", in: root)  // Safe: fixed names.
            let list = try reader.read("list"), id = try reader.read("id")
            for i in 0..<list.count { lists[list.string(i)!, default: []].insert(id.string(i)!) }
        }
        return lists
    }

    private func truthMatches(_ expected: Set<String>?, _ found: Set<String>) -> Bool {
        guard let expected else { return false }
        return expected == found
    }

    private func percent(_ x: Double) -> String { "\((x * 1000).rounded() / 10) %" }

    /// Whether `measured` is on the spec's `share` of `population` (see `SpecFigures.tolerance`).
    private func spec(_ share: Double, _ measured: Double, _ population: Int) -> Bool {
        population > 0 && abs(measured - share) <= SpecFigures.tolerance(share, population: population)
    }

    private func tolerance(_ share: Double, _ population: Int) -> String {
        let t = SpecFigures.tolerance(share, population: population)
        return "; spec \(percent(share)) ± \((t * 10_000).rounded() / 100) pt"
    }
    private func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
}

extension JSONValue {
    var intValue: Int64? {
        switch self {
        case .int(let v): return v
        case .double(let v): return Int64(exactly: v.rounded())
        default: return nil
        }
    }

    var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
}
