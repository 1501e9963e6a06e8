import Columnar

/// `streamgen validate` for any declarative dataset (devapp, bronze, a YAML schema's), from its
/// manifest and ground truth alone: every file intact, row counts as planned, keys and foreign
/// keys, nullability, and each declared quality issue measured on the data and held against its
/// ground truth row for row.
enum DeclarativeValidation {
    /// Row counts may differ from the plan by this share (spec 004 §4.1).
    static let rowTolerance = 0.05

    static func run(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport {
        let dataset = try DatasetDirectory.open(directory, create: false, access: .read)
        var report = ValidationReport(directory: directory, title: "\(manifest.pack) (\(manifest.tables.count) tables)")
        var data = DatasetReader(root: dataset.root, manifest: manifest)
        do {
            guard try data.checkFiles(&report) else { return report }
            if manifest.tables.contains(where: { $0.files.contains { !$0.path.hasSuffix(".parquet") } }) {
                report.check("contents", true, "CSV files: their bytes are checked above; keys, foreign keys and issues are checked on Parquet datasets")
                return report
            }
            try check(&data, manifest, &report)
        } catch {
            throw .output("validating \(directory): \(error)")
        }
        return report
    }

    private static func check(_ data: inout DatasetReader, _ manifest: Manifest, _ report: inout ValidationReport) throws(ColumnarError) {
        // Row counts.
        var counts: [String] = []
        for table in manifest.tables {
            let rows = try data.rowCount(table.name)
            let off = table.plannedRows > 0 ? abs(Double(rows - table.plannedRows)) / Double(table.plannedRows) : (rows == 0 ? 0 : 1)
            report.check("\(table.name): row count within 5 % of the plan", rows == table.rows && off <= rowTolerance,
                         "\(grouped(rows)) rows, planned \(grouped(table.plannedRows))")
            counts.append("\(table.name) \(rows)")
        }
        let truth = try data.groundTruth()
        // Per table: nullability, keys, foreign keys, lookups, issues.
        for table in manifest.tables {
            let issues = truth.issues.filter { $0.table == table.name }
            let keyColumn = truth.keyColumns[table.name] ?? table.schema.first?.name ?? ""
            guard table.schema.contains(where: { $0.name == keyColumn }) else { continue }
            let keys = try data.column(table.name, keyColumn)
            // Nullability as declared.
            for c in table.schema where !c.nullable {
                let values = try data.column(table.name, c.name)
                let nulls = values.valid.filter { !$0 }.count
                if nulls > 0 { report.check("\(table.name).\(c.name): not null", false, "\(nulls) nulls") }
            }
            let keyNulls = keys.valid.filter { !$0 }.count
            report.check("\(table.name).\(keyColumn): every row has its key", keyNulls == 0, "\(keyNulls) null keys")
            // Duplicated keys: only the rows `duplicate_rows` (or `duplicate_key` on the key) lists.
            let keyHashes = (0..<keys.count).map { keys.hash($0) }
            var seen: [UInt64: Int] = [:]
            for h in keyHashes { if let h { seen[h, default: 0] += 1 } }
            let repeated = Set(seen.filter { $0.value > 1 }.map(\.key))
            let expectedRepeats = Set(issues.filter { $0.kind == .duplicateRows || ($0.kind == .duplicateKey && $0.column == keyColumn) }
                .flatMap(\.keys))
            report.check("\(table.name).\(keyColumn): repeated keys are exactly the declared duplicates", repeated == expectedRepeats,
                         "\(repeated.count) repeated, \(expectedRepeats.count) declared")
            // Foreign keys: misses are exactly the declared orphans.
            for c in table.schema {
                guard let reference = c.references else { continue }
                let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2, manifest.tables.contains(where: { $0.name == parts[0] }) else { continue }
                let targets = Set(try data.hashes(parts[0], parts[1]).compactMap { $0 })
                let values = try data.column(table.name, c.name)
                var misses = Set<UInt64>()
                var missCount = 0
                for i in 0..<values.count {
                    guard let v = values.hash(i), !targets.contains(v) else { continue }
                    missCount += 1
                    if let k = keyHashes[i] { misses.insert(k) }
                }
                let declared = Set(issues.filter { $0.kind == .orphanReference && $0.column == c.name }.flatMap(\.keys))
                report.check("\(table.name).\(c.name) → \(reference): misses are exactly the declared orphans", misses == declared,
                             "\(missCount) rows miss, \(declared.count) declared")
            }
            // Lookups: values that differ from the referenced row's are exactly the declared mismatches.
            for c in table.schema {
                guard let lookup = c.lookup else { continue }
                let parts = lookup.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2, let via = table.schema.first(where: { $0.name == parts[0] }), let reference = via.references else { continue }
                let target = reference.split(separator: ".", maxSplits: 1).map(String.init)
                guard target.count == 2, manifest.tables.contains(where: { $0.name == target[0] }) else { continue }
                let targetKeys = try data.hashes(target[0], target[1])
                let targetValues = try data.hashes(target[0], parts[1])
                var valueOf: [UInt64: UInt64?] = [:]
                var ambiguous = Set<UInt64>()
                for i in targetKeys.indices {
                    guard let k = targetKeys[i] else { continue }
                    if let seen = valueOf[k], seen != targetValues[i] { ambiguous.insert(k) }
                    valueOf[k] = targetValues[i]
                }
                // A key that names rows with other values (a name two products share) decides nothing.
                for k in ambiguous { valueOf[k] = nil }
                let vias = try data.hashes(table.name, via.name)
                let values = try data.hashes(table.name, c.name)
                var differing = Set<UInt64>()
                var count = 0
                for i in values.indices {
                    guard let v = vias[i], let expected = valueOf[v] else { continue }  // an orphan has nothing to match
                    if expected != values[i] {
                        count += 1
                        if let k = keyHashes[i] { differing.insert(k) }
                    }
                }
                let declared = Set(issues.filter { $0.kind == .mismatchedLookup && $0.column == c.name }.flatMap(\.keys))
                report.check("\(table.name).\(c.name) = \(target[0]).\(parts[1]) via \(via.name), but for the declared mismatches",
                             differing == declared, "\(count) rows differ, \(declared.count) declared")
            }
            for issue in issues { try checkIssue(issue, table: table, keyHashes: keyHashes, data: &data, report: &report) }
        }
        if !truth.issues.isEmpty {
            report.check("ground truth read", true, "\(truth.issues.count) issues, \(truth.issues.reduce(0) { $0 + $1.keys.count }) affected rows")
        }
    }

    /// One issue measured on the data: its rate, and its rows against the ground truth's.
    private static func checkIssue(_ issue: GroundTruth.Issue, table: TableRecord, keyHashes: [UInt64?], data: inout DatasetReader,
                                   report: inout ValidationReport) throws(ColumnarError)
    {
        let name = "\(table.name): \(issue.label)"
        let rows = keyHashes.count
        let expected = Set(issue.keys)
        let measured = rows > 0 ? Double(issue.affected) / Double(issue.rows) : 0
        report.check("\(name): exact share", abs(measured - issue.rate) <= 0.5 / Double(max(issue.rows, 1)) + 1e-12,
                     "\(issue.affected) of \(issue.rows) rows (\(percent(measured)), declared \(percent(issue.rate)))")
        guard let column = issue.column, table.schema.contains(where: { $0.name == column }) else {
            if issue.kind == .duplicateRows {
                var counts: [UInt64: Int] = [:]
                for h in keyHashes { if let h { counts[h, default: 0] += 1 } }
                let twice = Set(counts.filter { $0.value == 2 }.map(\.key))
                report.check("\(name): the rows written twice are the ground truth's", twice == expected, "\(twice.count) keys twice")
            }
            return
        }
        let values = try data.column(table.name, column)
        var found = Set<UInt64>()
        var count = 0
        func mark(_ i: Int) {
            count += 1
            if let k = keyHashes[i] { found.insert(k) }
        }
        switch issue.kind {
        case .null:
            for i in 0..<values.count where !values.valid[i] { mark(i) }
            report.check("\(name): null exactly on the ground truth's rows", found == expected, "\(count) nulls")
        case .invalidValue:
            let literal = issue.value.flatMap { values.hash(literal: $0, type: table.schema.first { $0.name == column }?.type ?? "") }
            for i in 0..<values.count where values.hash(i) == literal && literal != nil { mark(i) }
            report.check("\(name): '\(issue.value ?? "")' exactly on the ground truth's rows", found == expected, "\(count) rows hold it")
        case .outOfRange:
            let type = table.schema.first { $0.name == column }?.type ?? ""
            let scale = type.hasPrefix("decimal(") ? Int(type.split(separator: ",").last?.dropLast() ?? "0") ?? 0 : 0
            let factor = Generator.powersOf10[min(scale, 18)]
            for i in 0..<values.count where values.valid[i] {
                let v = values.doubles.isEmpty ? Double(values.integers[i]) / factor : values.doubles[i]
                if let lo = issue.min, let hi = issue.max, v >= lo - 1e-9, v <= hi + 1e-9, expected.contains(keyHashes[i] ?? 0) { mark(i) }
            }
            report.check("\(name): the ground truth's rows hold values in \(issue.min ?? 0)...\(issue.max ?? 0)", found == expected,
                         "\(count) rows in range")
        case .malformed:
            let format = issue.format ?? .text
            for i in 0..<values.count where !Malformed.isWellFormed(values.string(i), format) { mark(i) }
            report.check("\(name): the malformed \(format.rawValue) values are the ground truth's rows", found == expected, "\(count) malformed")
        case .duplicateKey:
            var counts: [UInt64: Int] = [:]
            for i in 0..<values.count { if let h = values.hash(i) { counts[h, default: 0] += 1 } }
            var onShared = 0
            for i in 0..<values.count where expected.contains(keyHashes[i] ?? 0) {
                if let h = values.hash(i), counts[h, default: 0] > 1 { onShared += 1 }
            }
            report.check("\(name): every ground-truth row shares its value with another row", onShared == issue.affected,
                         "\(onShared) of \(issue.affected)")
        case .orphanReference, .mismatchedLookup, .duplicateRows:
            break  // checked with the foreign keys, the lookups and the keys
        }
    }

    static func percent(_ x: Double) -> String {
        var out: [UInt8] = []
        appendRounded(x * 100, decimals: 3, to: &out)
        return String(decoding: out, as: UTF8.self) + " %"
    }
}

/// The shapes a malformed value breaks, as checks.
enum Malformed {
    static func isWellFormed(_ value: String?, _ format: QualitySpec.Format) -> Bool {
        guard let value else { return true }  // a null is not malformed
        switch format {
        case .email:
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !value.contains(" "), !value.contains(",") else { return false }
            let domain = parts[1]
            return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".")
        case .phone:
            let digits = value.filter(\.isNumber).count
            return digits >= 7 && value.allSatisfy { $0.isNumber || "+-(). x".contains($0) }
        case .date:
            return parseISODate(value) != nil
        case .text:
            return !value.trimmingCharacters(in: " ").isEmpty && !["?", "NULL", "#VALUE!"].contains(value) && !value.contains("\u{FFFD}")
        }
    }
}

extension String {
    /// Without leading and trailing characters of `set`.
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

/// The ground truth as a validator reads it back: per issue, the affected keys (hashed).
struct GroundTruth {
    struct Issue {
        let table: String
        let index: Int
        let kind: QualitySpec.Kind
        let column: String?
        let rate: Double
        let rows: Int
        let affected: Int
        let value: String?
        let format: QualitySpec.Format?
        let min: Double?
        let max: Double?
        var keys: [UInt64] = []
        var label: String { "\(kind.rawValue)\(column.map { " \($0)" } ?? "")" }
    }
    var issues: [Issue] = []
    var keyColumns: [String: String] = [:]
}

/// Reads a dataset's tables back, column by column, through its descriptor.
struct DatasetReader {
    let root: DirectoryHandle
    let manifest: Manifest
    private var cache: [String: ColumnValues] = [:]

    init(root: DirectoryHandle, manifest: Manifest) {
        self.root = root
        self.manifest = manifest
    }

    /// Every file regular, of the manifest's size and SHA-256; false (with the check failed)
    /// when one is not.
    func checkFiles(_ report: inout ValidationReport) throws(ColumnarError) -> Bool {
        var bad: [String] = []
        var count = 0
        let paths = manifest.tables.flatMap { $0.files.map { ($0.path, $0.bytes, $0.sha256) } } + manifest.otherFiles.map { ($0.path, $0.bytes, $0.sha256) }
        for (text, bytes, sha) in paths {
            count += 1
            guard let path = try? RelativePath(validating: text), let file = try? root.openFile(path), file.size == bytes,
                  (try? file.sha256()) == sha
            else {
                bad.append(text)
                continue
            }
        }
        report.check("files intact: present, sizes and SHA-256 as the manifest records", bad.isEmpty,
                     bad.isEmpty ? "\(count) files" : "missing, resized or altered: \(bad.prefix(3).joined(separator: ", "))\(bad.count > 3 ? " and \(bad.count - 3) more" : "")")
        return bad.isEmpty
    }

    func files(_ table: String) -> [RelativePath] {
        (manifest.tables.first { $0.name == table }?.files ?? []).compactMap { try? RelativePath(validating: $0.path) }
    }

    func rowCount(_ table: String) throws(ColumnarError) -> Int64 {
        var rows: Int64 = 0
        for path in files(table) where path.name.hasSuffix(".parquet") { rows += try ParquetReader(file: try root.openFile(path)).rowCount }
        return rows
    }

    /// A column of every file of a table, in file order (a partition column from the paths).
    mutating func column(_ table: String, _ name: String) throws(ColumnarError) -> ColumnValues {
        let id = "\(table).\(name)"
        if let c = cache[id] { return c }
        guard let record = manifest.tables.first(where: { $0.name == table }) else { throw .invalidData("no table '\(table)'") }
        var result: ColumnValues?
        for (file, path) in zip(record.files, files(table)) {
            let reader = try ParquetReader(file: try root.openFile(path))
            var values: ColumnValues
            if reader.column(named: name) != nil {
                values = try reader.read(name)
            } else if let partition = file.partition[name] {
                values = ColumnValues(physicalType: .byteArray)
                for _ in 0..<reader.rowCount { values.append(bytes: Array(partition.utf8)) }
            } else {
                throw .invalidData("\(path) has no column '\(name)'")
            }
            if result == nil { result = values } else { result!.append(contentsOf: values) }
        }
        let column = result ?? ColumnValues(physicalType: .byteArray)
        cache[id] = column
        return column
    }

    /// A column's values hashed (nil for nulls).
    mutating func hashes(_ table: String, _ name: String) throws(ColumnarError) -> [UInt64?] {
        let values = try column(table, name)
        return (0..<values.count).map { values.hash($0) }
    }

    /// The issues the manifest's quality section declares, with their keys from the ground truth file.
    func groundTruth() throws(ColumnarError) -> GroundTruth {
        var truth = GroundTruth()
        guard let section = manifest.quality else { return truth }
        if case .object(let pairs)? = section["key_columns"] { for (t, v) in pairs { truth.keyColumns[t] = v.string } }
        for i in section["issues"]?.array ?? [] {
            guard let table = i["table"]?.string, let kind = i["kind"]?.string.flatMap(QualitySpec.Kind.init(rawValue:)) else { continue }
            let range = i["range"]?.array
            truth.issues.append(GroundTruth.Issue(
                table: table, index: Int(i["issue"]?.int ?? 0), kind: kind, column: i["column"]?.string, rate: i["rate"]?.doubleValue ?? 0,
                rows: Int(i["rows"]?.int ?? 0), affected: Int(i["affected_rows"]?.int ?? 0), value: i["value"]?.string,
                format: i["format"]?.string.flatMap(QualitySpec.Format.init(rawValue:)), min: range?.first?.doubleValue, max: range?.last?.doubleValue))
        }
        guard let file = section["ground_truth"]?.string, let path = try? RelativePath(validating: file) else { return truth }
        let reader = try ParquetReader(file: try root.openFile(path))
        let tables = try reader.read("table"), issues = try reader.read("issue"), keys = try reader.read("key")
        var index: [String: Int] = [:]
        for (n, issue) in truth.issues.enumerated() { index["\(issue.table)#\(issue.index)"] = n }
        for r in 0..<keys.count {
            guard let n = index["\(tables.string(r) ?? "")#\(issues.integer(r) ?? -1)"] else { continue }
            truth.issues[n].keys.append(DatasetReader.hash(bytes: keys.bytes[r]))
        }
        return truth
    }

    static func hash(bytes: [UInt8]) -> UInt64 { SplitMix64.mix(StreamKey.hash(String(decoding: bytes, as: UTF8.self))) }
}

extension ColumnValues {
    /// Row `i` as a hash that equal values share (nil for a null). Byte values hash as the
    /// ground truth's keys do.
    func hash(_ i: Int) -> UInt64? {
        guard valid[i] else { return nil }
        switch physicalType {
        case .byteArray, .fixedLenByteArray: return DatasetReader.hash(bytes: bytes[i])
        case .double, .float: return SplitMix64.mix(doubles[i].bitPattern)
        default: return DatasetReader.hash(bytes: Array(String(integers[i]).utf8))
        }
    }

    /// The hash a literal value would have in a column of `type` (decimals scaled).
    func hash(literal: String, type: String) -> UInt64? {
        switch physicalType {
        case .byteArray, .fixedLenByteArray: return DatasetReader.hash(bytes: Array(literal.utf8))
        case .double, .float: return Double(literal).map { SplitMix64.mix($0.bitPattern) }
        default:
            guard let v = Double(literal) else { return nil }
            let scale = type.hasPrefix("decimal(") ? Int(type.split(separator: ",").last?.dropLast() ?? "0") ?? 0 : 0
            let unscaled = (v * Generator.powersOf10[min(scale, 18)]).rounded()
            return DatasetReader.hash(bytes: Array(String(Int64(unscaled)).utf8))
        }
    }
}
