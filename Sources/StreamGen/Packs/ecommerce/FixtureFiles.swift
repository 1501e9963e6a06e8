import Columnar

/// The anomaly each scenario injects, as spec §5.2's manifest describes it.
struct AnomalyDescription {
    let type: String
    let table: String
    let column: String?
    let startDay: Int
    let endDay: Int
    let rootCause: String
    let pattern: String
    let confidence: Double
    /// The ground-truth list whose length is `affected_row_count`.
    let primaryList: String
    let details: [(String, JSONValue)]

    static func of(_ scenario: EcommerceScenario, days: Int) -> AnomalyDescription? {
        switch scenario {
        case .baseline:
            return nil
        case .nullSpike:
            return AnomalyDescription(
                type: "null_spike", table: "orders", column: "user_id", startDay: 3, endDay: 5,
                rootCause: "Mobile app v2.3.1 bug - checkout API not passing user context", pattern: "NULL_SPIKE", confidence: 0.95,
                primaryList: "affected_order_ids",
                details: [("starts_at", .string("day 3 14:00 UTC")), ("device_type", .string("mobile")), ("app_version", .string("2.3.1")),
                          ("expected_null_rate", .double(0.40)),
                          ("expected_null_rate_by_day", .object(SpecFigures.nullSpikeRates.map { (String($0.day + 1), .double($0.share)) })),
                          ("baseline_null_rate", .double(0.001))])
        case .volumeDrop:
            return AnomalyDescription(
                type: "volume_drop", table: "events", column: nil, startDay: 5, endDay: 6,
                rootCause: "CDN misconfiguration blocked the tracking pixel for EU users", pattern: "VOLUME_DROP", confidence: 0.9,
                primaryList: "dropped_event_ids",
                details: [("countries", .array(EcommerceModel.euCountries.sorted().map { .string($0) })), ("expected_drop", .double(SpecFigures.volumeDropShare)),
                          ("orders_affected", .bool(false))])
        case .schemaDrift:
            return AnomalyDescription(
                type: "schema_drift", table: "products", column: "price", startDay: 4, endDay: days,
                rootCause: "New product import job doesn't cast types properly, starts inserting '29.99' as string", pattern: "SCHEMA_DRIFT",
                confidence: 0.95, primaryList: "affected_product_ids",
                details: [("from_type", .string("DECIMAL(10,2)")), ("to_type", .string("VARCHAR")), ("example", .string("29.99 USD"))])
        case .duplicates:
            return AnomalyDescription(
                type: "duplicates", table: "order_items", column: "order_id", startDay: 6, endDay: 7,
                rootCause: "Retry logic in checkout service doesn't check for idempotency; a network timeout caused duplicate inserts",
                pattern: "DUPLICATE_RECORDS", confidence: 0.9, primaryList: "duplicate_order_item_ids",
                details: [("key", .array([.string("order_id"), .string("product_id")])), ("expected_order_share_day_6", .double(SpecFigures.duplicateShares[0].share)),
                          ("expected_order_share_day_7", .double(SpecFigures.duplicateShares[1].share))])
        case .lateArriving:
            return AnomalyDescription(
                type: "late_arriving", table: "events", column: "created_at", startDay: 2, endDay: 5,
                rootCause: "Mobile app queues events offline, batch uploaded when the user reconnects after a 3-day flight",
                pattern: "LATE_ARRIVING_DATA", confidence: 0.85, primaryList: "affected_event_ids",
                details: [("created_day", .int(2)), ("inserted_day", .int(5)), ("expected_share_of_day_2", .double(SpecFigures.lateShare)),
                          ("partition_column", .string("date = inserted_at::DATE"))])
        case .orphanedRecords:
            return AnomalyDescription(
                type: "orphaned_records", table: "orders", column: "user_id", startDay: 4, endDay: 4,
                rootCause: "User deletion job ran before order archival job, orphaned orders", pattern: "REFERENTIAL_INTEGRITY",
                confidence: 0.95, primaryList: "affected_order_ids",
                details: [("references", .string("users.user_id")), ("expected_share_of_day_4", .double(SpecFigures.orphanShare))])
        }
    }
}

extension FixtureWriter {
    /// Lists longer than this go to `ground_truth.parquet` instead of the manifest.
    static let inlineLimit = 1000

    /// The ground truth's file, in the run's format.
    var groundTruthFile: String { "ground_truth." + options.format.fileExtension }

    /// Writes the ground truth, `load_duckdb.sql` and `schema.sql`; returns the manifest.
    func finish() throws(ColumnarError) -> JSONValue {
        let tally = truth.withLock { $0 }
        let files = records.withLock { $0 }.sorted { $0.path < $1.path }
        let scenario = model.scenario
        let description = AnomalyDescription.of(scenario, days: model.days)

        // Ground truth.
        var groundTruth: [(String, JSONValue)] = []
        if let description {
            let lists = tally.lists.keys.sorted()
            let large = lists.filter { tally.lists[$0]!.count > Self.inlineLimit }
            if !large.isEmpty {
                let schema = EcommerceTables.groundTruth
                let w = try makeWriter(groundTruthFile, schema: schema)
                defer { w.abandon() }
                var chunk = Chunk(schema: schema, capacity: 65_536)
                for name in large {
                    for id in tally.lists[name]! {
                        chunk.columns[0].append(name)
                        chunk.columns[1].append(id)
                        if chunk.isFull {
                            try w.write(chunk)
                            chunk.reset()
                        }
                    }
                }
                if chunk.rowCount > 0 { try w.write(chunk) }
                let summary = try w.close()
                others.withLock { $0.append(OtherFileRecord(path: groundTruthFile, bytes: summary.bytes, sha256: summary.sha256 ?? "")) }
            }
            groundTruth.append(("affected_row_count", .int(Int64(tally.lists[description.primaryList]?.count ?? 0))))
            for name in lists {
                let ids = tally.lists[name]!
                if ids.count > Self.inlineLimit {
                    groundTruth.append((name + "_file", .string(groundTruthFile)))
                    groundTruth.append((name + "_count", .int(Int64(ids.count))))
                } else {
                    groundTruth.append((name, .array(ids.map { .string($0) })))
                }
            }
            groundTruth.append(("population", .int(Int64(tally.population))))
            groundTruth.append(("affected_in_population", .int(Int64(tally.affected))))
            groundTruth.append(("affected_by_day", .object(tally.byDay.keys.sorted().map { (String($0 + 1), .int(Int64(tally.byDay[$0]!))) })))
        }

        // Tables.
        var tables: [(String, JSONValue)] = []
        for name in EcommerceTables.names {
            let ext = options.format.fileExtension
            let mine = files.ofTable(name)
            let glob = flat ? "\(name).\(ext)" : (name == "events" ? "events/*/*.\(ext)" : "\(name)/*.\(ext)")
            tables.append((name, .object([
                ("row_count", .int(mine.reduce(0) { $0 + $1.rows })),
                ("file", .string(glob)),
                ("files", .array(mine.map { f in
                    .object([("path", .string(f.path)), ("rows", .int(f.rows)), ("bytes", .int(f.bytes)), ("sha256", .string(f.sha256))])
                })),
            ])))
        }

        var anomalies: [JSONValue] = []
        if let d = description {
            var pairs: [(String, JSONValue)] = [
                ("type", .string(d.type)), ("table", .string(d.table)), ("column", d.column.map { .string($0) } ?? .null),
                ("start_day", .int(Int64(d.startDay))), ("end_day", .int(Int64(d.endDay))),
                ("severity", .double(((severity ?? 0) * 1000).rounded() / 1000)),
                ("root_cause", .string(d.rootCause)),
                ("expected_detection", .object([("pattern_type", .string(d.pattern)), ("confidence", .double(d.confidence))])),
            ]
            pairs += d.details
            if let hints = investigation(tally) { pairs.append(("investigation", hints)) }
            anomalies.append(.object(pairs))
        }
        let counted = eventsByDay.withLock { $0 }
        let createdAt = options.createdAt ?? FileSystem.now()
        var created: [UInt8] = []
        appendISOTimestamp(microsSinceEpoch: createdAt * 1_000_000, utc: true, to: &created)
        let manifest = JSONValue.object([
            ("name", .string(scenario.name)),
            ("description", .string(scenario.summary)),
            ("created_at", .string(String(decoding: created, as: UTF8.self))),
            ("simulation_period", .object([
                ("start", .string(formatISODate(model.startDay))), ("end", .string(formatISODate(model.startDay + Int64(model.days) - 1))),
            ])),
            ("tables", .object(tables)),
            ("anomalies", .array(anomalies)),
            ("ground_truth", .object(groundTruth)),
            ("generator", .object([
                ("tool", .string("streamgen")), ("version", .string(ColumnarVersion.version)), ("pack", .string("ecommerce")),
                ("scenario", .string(scenario.name)), ("seed", .int(Int64(bitPattern: options.seed))), ("scale", .double(options.scale)),
                ("days", .int(Int64(options.days))), ("layout", .string(options.layout.rawValue)),
                ("compression", .string(options.codec.name)), ("zstd_level", .int(Int64(options.zstdLevel))),
                ("events_generated_by_day", .array((0..<model.days).map { .int(Int64(counted[$0])) })),
                ("events_expected_by_day", .array((0..<model.days).map { .int(Int64(model.expectedEvents(day: $0).rounded())) })),
                ("command_line", .array(options.commandLine.map { .string($0) })),
            ])),
        ])
        try writeOther("load_duckdb.sql", Array(duckdbScript().utf8))
        try writeOther("schema.sql", Array(EcommerceTables.postgresSchemaSQL(scenario).utf8))
        if options.format == .csv {
            let tables = EcommerceTables.postgresTables(scenario).map { t in
                PostgresScripts.TableFiles(table: t, fileColumns: EcommerceTables.schema(of: t.name).columns.map(\.name),
                                           files: files.ofTable(t.name))
            }
            try writeOther(PostgresScripts.loadFileName, Array(PostgresScripts.load("StreamGen ecommerce fixture \(scenario.name) (seed \(options.seed))", tables: tables).utf8))
        }
        if options.format == .delta {
            let logs: [OtherFileRecord]
            do { logs = try DeltaLog.write(engineManifest(files: files, created: createdAt), root: root) } catch { throw .invalidData("\(error)") }
            others.withLock { $0 += logs }
        }
        guard case .object(var pairs) = manifest else { return manifest }
        pairs.append(("streamgen", engineManifest(files: files, created: createdAt).json()))
        return .object(pairs)
    }

    /// The engine's manifest of this fixture, which the spec's document carries under
    /// `"streamgen"`: what `status`, `--overwrite` and `clean` read, as for every pack.
    /// A shard's manifest (`shard`) lists its own files and its partial file.
    func engineManifest(files: [FileRecord], created: Int64, shard: ShardSelection? = nil) -> Manifest {
        var tables: [TableRecord] = []
        for name in EcommerceTables.names {
            let mine = files.ofTable(name)
            let schema = EcommerceTables.schema(of: name)
            let partitioned = name == "events" && !flat
            tables.append(TableRecord(
                name: name, plannedRows: mine.reduce(0) { $0 + $1.rows }, schema: schema.columns.map(ColumnRecord.init(column:)),
                partitionBy: partitioned ? [ColumnRecord(name: "date", type: "date")] : [], sortBy: [], files: mine))
        }
        var manifest = Manifest(
            toolVersion: ColumnarVersion.version, status: .complete, error: nil, createdAt: created, commandLine: self.options.commandLine,
            pack: EcommercePack.name, seed: self.options.seed, options: recordedOptions, shard: shard.map { ($0.index, $0.count) },
            shardsInPlan: model.plan.shards.count, tables: tables)
        manifest.otherFiles = others.withLock { $0 }.sorted { $0.path < $1.path }
        return manifest
    }

    /// The options the engine's manifest records: what `manifest merge` plans the run again from.
    var recordedOptions: [(String, JSONValue)] {
        [
            ("scenario", .string(model.scenario.name)), ("start", .string(formatISODate(model.startDay))), ("days", .int(Int64(model.days))),
            ("scale", .double(options.scale)), ("layout", .string(options.layout.rawValue)), ("format", .string(options.format.rawValue)),
            ("compression", .string(options.codec.name)), ("zstd_level", .int(Int64(options.zstdLevel))),
        ]
    }

    /// `load_duckdb.sql`: spec §6.1's loading, with this layout's paths, then §7's checks.
    func duckdbScript() -> String {
        var s = """
            -- Load the StreamGen ecommerce fixture '\(model.scenario.name)' into DuckDB.
            -- Run it from this fixture's directory:  duckdb demo.duckdb < load_duckdb.sql

            """
        let drift = model.scenario == .schemaDrift
        for name in EcommerceTables.names {
            let source = EcommerceRun.duckdbSource(name, layout: options.layout, format: options.format, priceType: drift ? "'VARCHAR'" : nil, fixture: nil)
            s += "CREATE OR REPLACE TABLE \(name) AS SELECT * FROM \(source);\n"
        }
        s += """

            -- Spec section 7: row counts, NULLs, referential integrity, daily and hourly volumes.
            SELECT 'users' AS tbl, COUNT(*) AS cnt FROM users
            UNION ALL SELECT 'orders', COUNT(*) FROM orders
            UNION ALL SELECT 'order_items', COUNT(*) FROM order_items
            UNION ALL SELECT 'events', COUNT(*) FROM events;

            SELECT 'orders.user_id' AS col, COUNT(*) AS total,
                   SUM(CASE WHEN user_id IS NULL THEN 1 ELSE 0 END) AS nulls
            FROM orders;

            SELECT COUNT(*) AS orphaned_orders
            FROM orders o LEFT JOIN users u ON o.user_id = u.user_id
            WHERE o.user_id IS NOT NULL AND u.user_id IS NULL;

            SELECT DATE_TRUNC('day', created_at) AS day, COUNT(*) AS events FROM events GROUP BY 1 ORDER BY 1;

            SELECT EXTRACT(HOUR FROM created_at) AS hour, COUNT(*) AS events FROM events GROUP BY 1 ORDER BY 1;

            """
        let priceTypeQuery = options.format == .csv ? "-- (CSV: the import file's prices are text such as '92.99 USD'.)"
            : "SELECT file_name, name, type FROM parquet_schema('\(flat ? "products.parquet" : "products/*.parquet")') WHERE name = 'price';"
        switch model.scenario {
        case .baseline:
            break
        case .nullSpike:
            s += """
                -- The anomaly: NULL user_id in orders from day 3 14:00 UTC to day 5, mobile app 2.3.1 only.
                SELECT DATE_TRUNC('day', created_at) AS day,
                       ROUND(100.0 * SUM(CASE WHEN user_id IS NULL THEN 1 ELSE 0 END) / COUNT(*), 1) AS null_pct
                FROM orders GROUP BY 1 ORDER BY 1;
                SELECT device_type, app_version, COUNT(*) AS null_user_orders
                FROM orders WHERE user_id IS NULL GROUP BY 1, 2 ORDER BY 3 DESC;

                """
        case .volumeDrop:
            s += """
                -- The anomaly: EU events drop about 80 % on days 5 and 6; orders do not.
                SELECT DATE_TRUNC('day', created_at) AS day, country, COUNT(*) AS events
                FROM events WHERE country IN ('DE', 'FR', 'GB', 'IT', 'ES', 'NL')
                GROUP BY 1, 2 ORDER BY 1, 2;
                SELECT DATE_TRUNC('day', created_at) AS day, COUNT(*) AS orders FROM orders GROUP BY 1 ORDER BY 1;

                """
        case .schemaDrift:
            s += """
                -- The anomaly: from day 4 the import job writes price as text, some with ' USD'.
                \(priceTypeQuery)
                SELECT price, created_at FROM products WHERE TRY_CAST(price AS DECIMAL(10,2)) IS NULL ORDER BY created_at LIMIT 10;

                """
        case .duplicates:
            s += """
                -- The anomaly: (order_id, product_id) repeated on day 6; totals no longer match the items.
                SELECT DATE_TRUNC('day', created_at) AS day, COUNT(DISTINCT order_id) AS orders_with_duplicates
                FROM (SELECT order_id, product_id, MIN(created_at) AS created_at FROM order_items
                      GROUP BY 1, 2 HAVING COUNT(*) > 1)
                GROUP BY 1 ORDER BY 1;

                """
        case .lateArriving:
            s += """
                -- The anomaly: day 2's events inserted on day 5 (the partition is the insertion date).
                SELECT inserted_at::DATE AS inserted, created_at::DATE AS created, COUNT(*) AS events
                FROM events GROUP BY 1, 2 HAVING inserted <> created ORDER BY 1, 2;

                """
        case .orphanedRecords:
            s += """
                -- The anomaly: day 4 orders whose user_id is not in users.
                SELECT DATE_TRUNC('day', o.created_at) AS day, COUNT(*) AS orphaned
                FROM orders o LEFT JOIN users u ON o.user_id = u.user_id
                WHERE o.user_id IS NOT NULL AND u.user_id IS NULL GROUP BY 1 ORDER BY 1;

                """
        }
        return s
    }
}

extension FixtureWriter {
    /// What a demo presenter and a detector's test harness need besides the ground truth: the
    /// queries that reveal the anomaly (DuckDB SQL over the tables `load_duckdb.sql` creates; a
    /// query with `returns` gives exactly those figures on this fixture), the smoking-gun column
    /// and value, the dimensions it correlates with, and its impact as the demo script quotes it.
    func investigation(_ tally: AnomalyTally) -> JSONValue? {
        func date(_ d: Int) -> String { formatISODate(model.startDay + Int64(d)) }
        func money(_ cents: Int64) -> JSONValue { .double(Double(cents) / 100) }
        func grouped(_ n: Int) -> String { StreamGen.grouped(Int64(n)) }
        func dollars(_ cents: Int64) -> String { "$" + StreamGen.grouped((cents + 50) / 100) }
        func query(_ purpose: String, _ sql: String, returns: [(String, JSONValue)]? = nil) -> JSONValue {
            var pairs: [(String, JSONValue)] = [("purpose", .string(purpose)), ("sql", .string(sql))]
            if let returns { pairs.append(("returns", .object(returns))) }
            return .object(pairs)
        }
        func dimension(_ table: String, _ column: String, _ values: [String]) -> JSONValue {
            .object([("table", .string(table)), ("column", .string(column)), ("values", .array(values.map { .string($0) }))])
        }
        let eu = EcommerceModel.euCountries.sorted()
        let euList = eu.map { "'\($0)'" }.joined(separator: ", ")
        let smokingGun: JSONValue
        var dimensions: [JSONValue] = []
        var queries: [JSONValue] = []
        var impact: [(String, JSONValue)] = []
        switch model.scenario {
        case .baseline:
            return nil
        case .nullSpike:
            let start = "\(date(2)) \(SpecFigures.nullSpikeStartHour):00:00"
            smokingGun = .object([("table", .string("events")), ("column", .string("app_version")), ("value", .string("2.3.1")),
                                  ("also", .string("orders.app_version = '2.3.1': every such order has user_id NULL"))])
            dimensions = [dimension("events", "device_type", ["mobile"]), dimension("events", "channel", ["app"]),
                          dimension("events", "platform", ["ios", "android"]), dimension("events", "app_version", ["2.3.1"]),
                          dimension("orders", "device_type", ["mobile"]), dimension("orders", "created_at", ["\(start) to \(date(5)) 00:00:00"])]
            queries = [
                query("the spike: NULL user_id per day", """
                    SELECT created_at::DATE AS day, COUNT(*) AS orders, COUNT(*) FILTER (WHERE user_id IS NULL) AS null_user_orders,
                           ROUND(100.0 * COUNT(*) FILTER (WHERE user_id IS NULL) / COUNT(*), 1) AS null_pct
                    FROM orders GROUP BY 1 ORDER BY 1
                    """),
                query("the correlation: which release the NULL orders' sessions ran, from the events", """
                    SELECT e.device_type, e.platform, e.app_version, COUNT(DISTINCT o.order_id) AS null_user_orders
                    FROM orders o JOIN events e ON e.session_id = o.session_id
                    WHERE o.user_id IS NULL AND o.created_at >= TIMESTAMP '\(start)'
                    GROUP BY ALL ORDER BY null_user_orders DESC
                    """),
                query("the impact: orders the release left without a user although the session's events know who it was", """
                    SELECT COUNT(*) AS affected_orders, SUM(o.total_amount) AS revenue
                    FROM orders o
                    WHERE o.user_id IS NULL AND o.app_version = '2.3.1'
                      AND EXISTS (SELECT 1 FROM events e WHERE e.session_id = o.session_id AND e.user_id IS NOT NULL)
                    """, returns: [("affected_orders", .int(Int64(tally.impactOrders))), ("revenue", money(tally.impactCents))]),
                query("the repair: each affected order's user, recovered from its session's events", """
                    SELECT o.order_id, MIN(e.user_id) AS user_id
                    FROM orders o JOIN events e ON e.session_id = o.session_id AND e.user_id IS NOT NULL
                    WHERE o.user_id IS NULL AND o.app_version = '2.3.1' GROUP BY 1
                    """),
            ]
            impact = [("statement", .string("This affected \(grouped(tally.impactOrders)) orders, representing \(dollars(tally.impactCents)) in revenue that can't be attributed to users."))]
        case .volumeDrop:
            smokingGun = .object([("table", .string("events")), ("column", .string("country")), ("values", .array(eu.map { .string($0) })),
                                  ("days", .array([.string(date(4)), .string(date(5))]))])
            dimensions = [dimension("events", "country", eu), dimension("events", "created_at", [date(4), date(5)])]
            queries = [
                query("the drop: events per day, EU against the rest", """
                    SELECT created_at::DATE AS day, COUNT(*) FILTER (WHERE country IN (\(euList))) AS eu_events,
                           COUNT(*) FILTER (WHERE country NOT IN (\(euList)) OR country IS NULL) AS other_events
                    FROM events GROUP BY 1 ORDER BY 1
                    """),
                query("orders are server-side: their volume does not drop", "SELECT created_at::DATE AS day, COUNT(*) AS orders FROM orders GROUP BY 1 ORDER BY 1"),
                query("the impact: orders whose checkout_completed event never arrived", """
                    SELECT COUNT(*) AS untracked_orders, SUM(total_amount) AS revenue FROM orders o
                    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_type = 'checkout_completed' AND e.session_id = o.session_id)
                    """, returns: [("untracked_orders", .int(Int64(tally.impactOrders))), ("revenue", money(tally.impactCents))]),
            ]
            impact = [("statement", .string("The tracking pixel lost \(grouped(tally.affected)) EU events on \(date(4)) and \(date(5)); \(grouped(tally.impactOrders)) orders worth \(dollars(tally.impactCents)) have no checkout_completed event, so funnel dashboards under-report EU conversion."))]
        case .schemaDrift:
            let suffixed = model.catalog.products.filter { $0.isImported && $0.usdSuffix }.count
            smokingGun = .object([("table", .string("products")), ("column", .string("price")), ("value", .string("% USD")),
                                  ("also", .string("the price column's Parquet type differs between products files"))])
            dimensions = [dimension("products", "created_at", ["from \(date(3))"])]
            queries = ([
                options.format == .csv ? nil : query("the drift: the price column's type per file", "SELECT file_name, type, logical_type FROM parquet_schema('\(flat ? "products.parquet" : "products/*.parquet")') WHERE name = 'price'"),
                query("prices that no longer cast to DECIMAL(10,2)", "SELECT COUNT(*) AS text_prices FROM products WHERE TRY_CAST(price AS DECIMAL(10,2)) IS NULL",
                      returns: [("text_prices", .int(Int64(suffixed)))]),
                query("the impact: order items priced from the import job's products", """
                    SELECT COUNT(*) AS affected_items, SUM(quantity * unit_price) AS revenue FROM order_items
                    WHERE product_id IN (SELECT product_id FROM products WHERE created_at >= TIMESTAMP '\(date(3)) 00:00:00')
                    """, returns: [("affected_items", .int(Int64(tally.impactOrders))), ("revenue", money(tally.impactCents))]),
            ] as [JSONValue?]).compactMap { $0 }
            impact = [("statement", .string("\(tally.affected) products from the import job carry text prices, \(suffixed) of them with ' USD'; \(grouped(tally.impactOrders)) order items worth \(dollars(tally.impactCents)) depend on them."))]
        case .duplicates:
            smokingGun = .object([("table", .string("order_items")), ("columns", .array([.string("order_id"), .string("product_id")])),
                                  ("value", .string("COUNT(*) > 1"))])
            dimensions = [dimension("order_items", "created_at", [date(5), date(6)])]
            queries = [
                query("the duplicates: orders with a repeated (order_id, product_id) per day", """
                    SELECT created_at::DATE AS day, COUNT(DISTINCT order_id) AS orders_with_duplicates
                    FROM (SELECT order_id, product_id, MIN(created_at) AS created_at FROM order_items GROUP BY 1, 2 HAVING COUNT(*) > 1)
                    GROUP BY 1 ORDER BY 1
                    """),
                query("the impact: affected orders and the revenue the copies count twice", """
                    SELECT COUNT(DISTINCT order_id) AS affected_orders, SUM((n - 1) * quantity * unit_price) AS revenue
                    FROM (SELECT order_id, product_id, COUNT(*) AS n, MIN(quantity) AS quantity, MIN(unit_price) AS unit_price
                          FROM order_items GROUP BY 1, 2 HAVING COUNT(*) > 1)
                    """, returns: [("affected_orders", .int(Int64(tally.impactOrders))), ("revenue", money(tally.impactCents))]),
            ]
            impact = [("statement", .string("\(grouped(tally.impactOrders)) orders have duplicated items: revenue summed from order_items is overstated by \(dollars(tally.impactCents))."))]
        case .lateArriving:
            smokingGun = .object([("table", .string("events")), ("column", .string("inserted_at")), ("value", .string(date(4))),
                                  ("also", .string("created_at on \(date(1)), in the \(date(4)) partition"))])
            dimensions = [dimension("events", "device_type", ["mobile"]), dimension("events", "channel", ["app"]),
                          dimension("events", "created_at", [date(1)])]
            queries = [
                query("the late arrivals: events by insertion and creation day", """
                    SELECT inserted_at::DATE AS inserted, created_at::DATE AS created, COUNT(*) AS events
                    FROM events GROUP BY 1, 2 HAVING inserted <> created ORDER BY 1, 2
                    """),
                query("the impact: events and sessions that arrived days late", """
                    SELECT COUNT(*) AS late_events, COUNT(DISTINCT session_id) AS sessions
                    FROM events WHERE inserted_at::DATE <> created_at::DATE
                    """, returns: [("late_events", .int(Int64(tally.affected))), ("sessions", .int(Int64(plan.sessions.count)))]),
            ]
            impact = [("statement", .string("\(grouped(tally.affected)) of \(date(1))'s events from \(grouped(plan.sessions.count)) mobile sessions arrived on \(date(4)): any report on \(date(1)) run before then was short by them."))]
        case .orphanedRecords:
            smokingGun = .object([("table", .string("orders")), ("column", .string("user_id")), ("value", .string("NOT IN (SELECT user_id FROM users)"))])
            dimensions = [dimension("orders", "created_at", [date(3)])]
            queries = [
                query("the orphans per day", """
                    SELECT o.created_at::DATE AS day, COUNT(*) AS orphaned_orders FROM orders o LEFT JOIN users u ON o.user_id = u.user_id
                    WHERE o.user_id IS NOT NULL AND u.user_id IS NULL GROUP BY 1 ORDER BY 1
                    """),
                query("the impact: orphaned orders and their revenue", """
                    SELECT COUNT(*) AS affected_orders, SUM(o.total_amount) AS revenue FROM orders o LEFT JOIN users u ON o.user_id = u.user_id
                    WHERE o.user_id IS NOT NULL AND u.user_id IS NULL
                    """, returns: [("affected_orders", .int(Int64(tally.impactOrders))), ("revenue", money(tally.impactCents))]),
            ]
            impact = [("statement", .string("\(grouped(tally.impactOrders)) orders worth \(dollars(tally.impactCents)) reference deleted users: every JOIN of orders to users drops them."))]
        }
        var impactPairs: [(String, JSONValue)] = []
        if model.scenario != .lateArriving {
            impactPairs.append((model.scenario == .schemaDrift ? "affected_order_items" : model.scenario == .volumeDrop ? "untracked_orders" : "affected_orders",
                                .int(Int64(tally.impactOrders))))
            impactPairs.append(("revenue", money(tally.impactCents)))
            impactPairs.append(("currency", .string("USD")))
        } else {
            impactPairs.append(("late_events", .int(Int64(tally.affected))))
            impactPairs.append(("sessions", .int(Int64(plan.sessions.count))))
        }
        return .object([
            ("dialect", .string("duckdb")),
            ("smoking_gun", smokingGun),
            ("correlated_dimensions", .array(dimensions)),
            ("impact", .object(impactPairs + impact)),
            ("queries", .array(queries)),
        ])
    }
}
