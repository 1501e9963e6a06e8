import Columnar

/// What bronze adds to the engine's run: `<table dir>/<file>_metadata.json` beside every table
/// (spec 004 §2.2 step 5: dataset name, created_at, row count, size, schema with nullability,
/// statistics), and the cross-table checks of §4.2 in `validate`.
struct BronzeExtras: DeclarativeExtras {
    func metadataPath(_ table: CompiledTable) -> RelativePath {
        // Safe: table names and file names are checked when the pack compiles.
        try! RelativePath(components: [table.name, "\(table.spec.fileName ?? table.name)_metadata.json"])
    }

    func sidecarPaths(_ prepared: StreamGenEngine.Prepared) -> [RelativePath] {
        prepared.selectedTables.map { metadataPath(prepared.tables[$0]) }
    }

    /// The metadata of each table, every figure from the rows as written: nulls per column
    /// (and so `nullable`), and min, max and mean of each numeric column (integers, decimals,
    /// booleans; dates, times and text have none, as in the spec's script).
    func sidecarFiles(_ run: CompletedRun) throws(ColumnarError) -> [(path: RelativePath, bytes: [UInt8])] {
        var result: [(path: RelativePath, bytes: [UInt8])] = []
        var created: [UInt8] = []
        appendISOTimestamp(microsSinceEpoch: min(max(run.createdAt, 0), Manifest.latestSeconds) * 1_000_000, utc: true, to: &created)
        for t in run.prepared.selectedTables {
            let table = run.prepared.tables[t]
            let files = run.files.ofTable(table.name)
            let figures = run.figures[t] ?? []
            var schema: [JSONValue] = []
            var statistics: [(String, JSONValue)] = []
            for (i, column) in table.fileSchema.columns.enumerated() {
                let f = i < figures.count ? figures[i] : ColumnFigures()
                let spec = table.spec.column(named: column.name)
                schema.append(.object([
                    ("name", .string(column.name)), ("type", .string(spec?.declaredType ?? column.type.description)), ("nullable", .bool(f.nulls > 0)),
                ]))
                var numeric: (min: Double, max: Double, mean: Double)?
                switch column.type {
                case .int32, .int64, .boolean:
                    if let lo = f.integerMin, let hi = f.integerMax, f.values > 0 { numeric = (Double(lo), Double(hi), Double(f.integerSum) / Double(f.values)) }
                case .decimal(_, let scale):
                    let factor = Generator.powersOf10[scale]
                    if let lo = f.integerMin, let hi = f.integerMax, f.values > 0 {
                        numeric = (Double(lo) / factor, Double(hi) / factor, Double(f.integerSum) / Double(f.values) / factor)
                    }
                case .double:
                    if let lo = f.doubleMin, let hi = f.doubleMax, f.values > 0 { numeric = (lo, hi, f.compensatedDoubleSum / Double(f.values)) }
                default:
                    break
                }
                statistics.append((column.name, .object([
                    ("min", numeric.map { .double($0.min) } ?? .null), ("max", numeric.map { .double($0.max) } ?? .null),
                    ("mean", numeric.map { .double($0.mean) } ?? .null), ("null_count", .int(f.nulls)),
                ])))
            }
            let document = JSONValue.object([
                ("dataset_name", .string("bronze.\(table.name)")),
                ("created_at", .string(String(decoding: created, as: UTF8.self))),
                ("row_count", .int(files.reduce(0) { $0 + $1.rows })),
                ("size_bytes", .int(files.reduce(0) { $0 + $1.bytes })),
                ("files", .array(files.map { .string(String($0.path.dropFirst(table.name.count + 1))) })),
                ("schema", .array(schema)),
                ("statistics", .object(statistics)),
                ("quality_issues", .array(table.issues.map { .string($0.spec.label) })),
            ])
            result.append((metadataPath(table), Array(document.serialized().utf8) + [10]))
        }
        return result
    }

    /// Spec 004 §4.2: every customer's lifetime value at least their orders' total; the orders'
    /// categories all the products' but for the declared mismatches; tiers in their bands.
    func validate(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport {
        let dataset = try DatasetDirectory.open(directory, create: false, access: .read)
        var report = ValidationReport(directory: directory, title: "bronze cross-dataset checks")
        var data = DatasetReader(root: dataset.root, manifest: manifest)
        let names = Set(manifest.tables.map(\.name))
        do {
            if names.isSuperset(of: ["orders", "customers"]) {
                let customers = try data.column("customers", "customer_id")
                let ltv = try data.column("customers", "total_lifetime_value")
                let tiers = try data.column("customers", "loyalty_tier")
                let buyers = try data.column("orders", "customer_id")
                let totals = try data.column("orders", "total_amount")
                var spent: [UInt64: Int64] = [:]
                for i in 0..<buyers.count { if let c = buyers.hash(i), totals.valid[i] { spent[c, default: 0] += totals.integers[i] } }
                var below = 0
                var outOfBand = 0
                for i in 0..<customers.count {
                    guard let c = customers.hash(i), ltv.valid[i] else { continue }
                    if ltv.integers[i] < spent[c, default: 0] { below += 1 }
                    let v = Double(ltv.integers[i]) / 100
                    let band = BronzePack.tierThresholds.filter { v > $0 }.count
                    if tiers.string(i) != BronzePack.tiers[band] { outOfBand += 1 }
                }
                report.check("§4.2 customers' lifetime value ≥ the sum of their orders' totals", below == 0, "\(below) customers below")
                report.check("loyalty tiers in their lifetime-value bands", outOfBand == 0, "\(outOfBand) customers outside")
            }
            if names.isSuperset(of: ["orders", "products"]) {
                let productCategories = try data.column("products", "category")
                let orderCategories = try data.column("orders", "category")
                let known = Set((0..<productCategories.count).compactMap { productCategories.string($0) })
                let unmatched = Set((0..<orderCategories.count).compactMap { orderCategories.string($0) }).subtracting(known)
                let declared = Set(manifest.quality?["issues"]?.array?.filter {
                    $0["table"]?.string == "orders" && $0["kind"]?.string == "mismatched_lookup"
                }.compactMap { $0["value"]?.string } ?? [])
                report.check("§4.2 order categories are the products' but for the declared mismatches", unmatched == declared,
                             "unmatched: \(unmatched.sorted().joined(separator: ", ")); declared: \(declared.sorted().joined(separator: ", "))")
            }
        } catch {
            throw .output("validating \(directory): \(error)")
        }
        return report
    }
}
