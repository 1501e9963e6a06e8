import Columnar

/// `streamgen validate` on a jaffle dataset: the files as the manifest records them, then the
/// model run again from the manifest's seed, scale and days: every table's row count and every
/// anomaly's ids must be what the run wrote.
enum JaffleValidation {
    static func run(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport {
        let dataset = try DatasetDirectory.open(directory, create: false, access: .read)
        func option(_ key: String) -> JSONValue? { manifest.options.first { $0.0 == key }?.1 }
        guard let start = option("start")?.string.flatMap(parseISODate), let end = option("end")?.string.flatMap(parseISODate), end > start,
              end - start <= 36_500, let scale = option("scale")?.doubleValue, scale > 0, scale <= 1_000_000,
              let parts = option("data")?.array?.compactMap({ $0.string.flatMap(JafflePart.init(rawValue:)) }), !parts.isEmpty
        else { throw .output("'\(directory)': the manifest does not record a jaffle run (start, end, scale, data)") }
        var report = ValidationReport(directory: directory, title: "jaffle (\(formatISODate(start)) to \(formatISODate(end)), scale \(scale))")
        let data = DatasetReader(root: dataset.root, manifest: manifest)
        do {
            guard try data.checkFiles(&report) else { return report }
        } catch {
            throw .output("validating \(directory): \(error)")
        }
        let model = JaffleModel(seed: manifest.seed, scale: scale, startDay: start, endDay: end)
        var state = JaffleState()
        var expected: [String: Int64] = [:]
        var truth = JaffleTruth()
        func count(_ b: JaffleBatch, _ part: String) {
            expected["raw_customers_\(part)", default: 0] += Int64(b.customers.id.count)
            expected["raw_orders_\(part)", default: 0] += Int64(b.orders.id.count)
            expected["raw_payments_\(part)", default: 0] += Int64(b.payments.id.count)
            expected["raw_signups_\(part)", default: 0] += Int64(b.signups.id.count)
        }
        for day in model.trainingDays {
            let b = model.trainingBatch(day, state: &state)
            count(b, "training")
            count(b, "validation")
            expected["stg_website_sessions", default: 0] += Int64(b.web.id.count)
            expected["stg_app_sessions", default: 0] += Int64(b.app.id.count)
        }
        model.validationBatch(state: &state, truth: &truth) { (b) throws(Never) in count(b, "validation") }
        for p in 0..<3 {
            var rows: Int64 = 0
            for n in 1...model.adsPerPlatform { rows += end - model.ad(platform: p, n).startDay + 1 }
            expected["stg_\(JaffleModel.platforms[p])_ads"] = rows
        }
        var wrong: [String] = []
        for t in manifest.tables where expected[t.name] != t.rows { wrong.append("\(t.name) \(t.rows) rows, the model \(expected[t.name] ?? 0)") }
        let names = Set(manifest.tables.map(\.name))
        let missing = JaffleTables.all.filter { parts.contains($0.part) && !names.contains($0.name) }.map(\.name)
        report.check("every table of the parts written (\(parts.map(\.rawValue).joined(separator: ", ")))", missing.isEmpty,
                     missing.isEmpty ? "\(names.count) tables" : "missing: \(missing.joined(separator: ", "))")
        report.check("row counts as the model gives them", wrong.isEmpty,
                     wrong.isEmpty ? "\(manifest.tables.count) tables, \(grouped(manifest.tables.reduce(0) { $0 + $1.rows })) rows" : wrong.prefix(3).joined(separator: "; "))
        if parts.contains(.validation) {
            var differ: [String] = []
            let listed = option("anomalies")?.array ?? []
            for kind in JaffleTruth.Kind.allCases {
                let ids = truth.ids[kind] ?? []
                let entry = listed.first { $0["kind"]?.string == kind.rawValue }
                let recorded = entry?["count"]?.int ?? 0
                if recorded != Int64(ids.count) { differ.append("\(kind.rawValue): manifest \(recorded), model \(ids.count)") }
                if let list = entry?["ids"]?.array, list.compactMap(\.int) != ids.map(Int64.init) { differ.append("\(kind.rawValue): other ids") }
            }
            report.check("anomalies: kinds, counts and ids as the model gives them", differ.isEmpty,
                         differ.isEmpty ? JaffleTruth.Kind.allCases.map { "\($0.rawValue) \(truth.ids[$0]?.count ?? 0)" }.joined(separator: ", ")
                             : differ.prefix(3).joined(separator: "; "))
        }
        return report
    }
}
