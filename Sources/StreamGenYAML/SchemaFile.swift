import Foundation
import Columnar
import StreamGen
import Yams

/// A problem in a schema file, located by line and column.
public struct SchemaFileError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let message: String

    public var description: String {
        if let line, let column { return "\(file):\(line):\(column): \(message)" }
        return "\(file): \(message)"
    }
}

/// Reads user-written YAML schemas (`streamgen generate --schema FILE`) into a `PackSpec`.
/// The format is documented in the README; every error names the file, line and field.
public enum SchemaFile {
    /// Loads and checks `path`: the YAML, then the tables as the engine compiles them.
    public static func load(path: String) throws(SchemaFileError) -> PackSpec {
        try loadWithLocations(path: path).pack
    }

    /// The largest schema file read: 16 MiB.
    static let maximumFileBytes = 16 << 20

    /// Loads `path` and keeps where each table, column and field was written, so that an error
    /// found later (compiling at the run's scale) can still point at its line.
    public static func loadWithLocations(path: String) throws(SchemaFileError) -> LoadedSchema {
        try parseWithLocations(try readText(path: path, what: "schema"), file: path)
    }

    /// The text of `path`: a regular file of at most 16 MiB of UTF-8.
    static func readText(path: String, what: String) throws(SchemaFileError) -> String {
        let data: Data
        do {
            let url = URL(fileURLWithPath: path)
            let values = try url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            guard values.isRegularFile == true else {
                throw SchemaFileError(file: path, line: nil, column: nil, message: "not a regular file")
            }
            guard (values.fileSize ?? 0) <= maximumFileBytes else {
                throw SchemaFileError(file: path, line: nil, column: nil, message: "the \(what) file is larger than \(maximumFileBytes >> 20) MiB")
            }
            data = try Data(contentsOf: url)
        } catch let error as SchemaFileError {
            throw error
        } catch {
            throw SchemaFileError(file: path, line: nil, column: nil, message: "cannot read the \(what) file: \(error.localizedDescription)")
        }
        let bytes = [UInt8](data)
        if let (line, column) = firstInvalidUTF8(bytes) {
            throw SchemaFileError(file: path, line: line, column: column, message: "the file is not valid UTF-8 text (a byte sequence at this place is not UTF-8)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses schema text; `file` names it in messages.
    public static func parse(_ text: String, file: String) throws(SchemaFileError) -> PackSpec {
        try parseWithLocations(text, file: file).pack
    }

    static func parseWithLocations(_ text: String, file: String) throws(SchemaFileError) -> LoadedSchema {
        var reader = Reader(file: file)
        let pack = try reader.pack(text)
        let loaded = LoadedSchema(pack: pack, file: file, marks: reader.marks)
        // Semantic checks (types, references, partitions, sort keys, ranges) as a run would make them.
        let shape = RunShape(seed: 0, startDay: pack.defaultStartDay, days: pack.defaultDays, scale: 1)
        do {
            _ = try PackCompiler(pack: pack, shape: shape, partitioned: true).compileAll()
        } catch {
            throw loaded.locate(error)
        }
        return loaded
    }

    /// The line and column (1-based) of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (Int, Int)? {
        var line = 1, column = 1
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var length = 0
            if b < 0x80 { length = 1 } else if b >= 0xC2 && b <= 0xDF { length = 2 } else if b >= 0xE0 && b <= 0xEF { length = 3 }
            else if b >= 0xF0 && b <= 0xF4 { length = 4 }
            guard length > 0, i + length <= bytes.count else { return (line, column) }
            if length > 1 {
                let scalar = Array(bytes[i..<(i + length)])
                var iterator = scalar.makeIterator()
                var decoder = UTF8()
                guard case .scalarValue = decoder.decode(&iterator), iterator.next() == nil else { return (line, column) }
            }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += length
        }
        return nil
    }
}

/// A schema file as read, with the places of its tables, columns and fields.
public struct LoadedSchema: Sendable {
    public let pack: PackSpec
    let file: String
    let marks: [String: SourceMark]

    /// The error placed at the line of the table, column or field it names.
    public func locate(_ error: SpecError) -> SchemaFileError {
        let keys = [
            [error.table, error.column, error.field].compactMap { $0 }.joined(separator: "/"),
            [error.table, error.column].compactMap { $0 }.joined(separator: "/"),
            error.table ?? "",
        ]
        let mark = keys.lazy.compactMap { marks[$0] }.first
        return SchemaFileError(file: file, line: mark?.line, column: mark?.column, message: error.description)
    }
}

/// A line and column in a schema file.
struct SourceMark: Sendable {
    let line: Int
    let column: Int
    init?(_ mark: Mark?) {
        guard let mark else { return nil }
        line = mark.line
        column = mark.column
    }
}

private struct Reader {
    let file: String
    /// Where each table, column and field was written, for messages from the compiler.
    var marks: [String: SourceMark] = [:]
    /// Nodes read so far: YAML aliases can make a small file a huge tree, which is refused.
    let budget = NodeBudget()

    init(file: String) { self.file = file }

    func fail(_ node: Node?, _ message: String) -> SchemaFileError {
        SchemaFileError(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }

    func mapping(_ node: Node, _ what: String, allowed: Set<String>) throws(SchemaFileError) -> [(String, Node)] {
        guard case .mapping(let m) = node else { throw fail(node, "\(what) must be a mapping") }
        try spend(node, m.count)
        var pairs: [(String, Node)] = []
        for (k, v) in m {
            guard let key = k.string else { throw fail(k, "\(what): keys must be text") }
            guard allowed.contains(key) else {
                throw fail(k, "\(what): unknown field '\(key)' (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            pairs.append((key, v))
        }
        return pairs
    }

    func string(_ node: Node, _ what: String) throws(SchemaFileError) -> String {
        guard case .scalar(let s) = node else { throw fail(node, "\(what) must be text") }
        return s.string
    }

    func int(_ node: Node, _ what: String) throws(SchemaFileError) -> Int64 {
        guard case .scalar(let s) = node else { throw fail(node, "\(what) must be an integer") }
        let text = s.string.replacingOccurrences(of: "_", with: "")
        if let v = Int64(text) { return v }
        if let n = parseCount(text) { return Int64(n) }
        if let d = Double(text), d.isFinite, d == d.rounded() {
            guard abs(d) < 9.2e18 else { throw fail(node, "\(what) \(s.string) is past the 64-bit integer range") }
            return Int64(d)
        }
        throw fail(node, "\(what) must be an integer, not '\(s.string)'")
    }

    func double(_ node: Node, _ what: String) throws(SchemaFileError) -> Double {
        guard case .scalar(let s) = node, let v = Double(s.string), v.isFinite else { throw fail(node, "\(what) must be a number") }
        return v
    }

    func bool(_ node: Node, _ what: String) throws(SchemaFileError) -> Bool {
        guard let b = node.bool else { throw fail(node, "\(what) must be true or false") }
        return b
    }

    func spend(_ node: Node, _ n: Int) throws(SchemaFileError) {
        budget.nodes += n + 1
        if budget.nodes > NodeBudget.limit {
            throw fail(node, "the schema has more than \(NodeBudget.limit) YAML nodes (aliases that repeat large parts?)")
        }
    }

    func list(_ node: Node, _ what: String) throws(SchemaFileError) -> [Node] {
        guard case .sequence(let s) = node else { throw fail(node, "\(what) must be a list") }
        try spend(node, s.count)
        return Array(s)
    }

    func strings(_ node: Node, _ what: String) throws(SchemaFileError) -> [String] {
        if case .scalar(let s) = node { return [s.string] }
        var out: [String] = []
        for item in try list(node, what) { out.append(try string(item, what)) }
        return out
    }

    func day(_ node: Node, _ what: String) throws(SchemaFileError) -> Int64 {
        let text = try string(node, what)
        guard let d = parseISODate(text) else { throw fail(node, "\(what) '\(text)' is not a date (YYYY-MM-DD)") }
        return d
    }

    func instant(_ node: Node, _ what: String) throws(SchemaFileError) -> Int64 {
        let text = try string(node, what)
        if let d = parseISODate(text) { return d * 86_400_000_000 }
        if text.count >= 19, let d = parseISODate(String(text.prefix(10))) {
            let parts = text.dropFirst(11).prefix(8).split(separator: ":").compactMap { Int64($0) }
            if parts.count == 3 { return ((d * 86_400) + parts[0] * 3600 + parts[1] * 60 + parts[2]) * 1_000_000 }
        }
        throw fail(node, "\(what) '\(text)' is not a date or a UTC time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)")
    }

    mutating func pack(_ text: String) throws(SchemaFileError) -> PackSpec {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw fail(nil, "the file is empty") }
            root = node
        } catch let error as SchemaFileError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error)
        } catch {
            throw fail(nil, "not valid YAML: \(error)")
        }
        var name = String(file.split(separator: "/").last?.split(separator: ".").first ?? "schema")
        var start: Int64 = 19_723
        var days = 30
        var tables: [TableSpec] = []
        var sawTables = false
        var nameNode: Node?
        for (key, value) in try mapping(root, "the schema", allowed: ["name", "description", "start", "days", "tables"]) {
            switch key {
            case "name":
                name = try string(value, "name")
                nameNode = value
            case "description": _ = try string(value, "description")
            case "start": start = try day(value, "start")
            case "days":
                let d = try int(value, "days")
                guard (1...100_000).contains(d) else { throw fail(value, "days must be between 1 and 100000") }
                days = Int(d)
            case "tables":
                sawTables = true
                for item in try list(value, "tables") { tables.append(try table(item)) }
            default: break
            }
        }
        guard sawTables, !tables.isEmpty else { throw fail(root, "the schema declares no tables (add a 'tables:' list)") }
        // A manifest names its dataset's pack: `validate`, `append` and `manifest merge` must not
        // take a schema's dataset for a built-in pack's.
        if Packs.named(name) != nil {
            throw fail(nameNode ?? root, "the schema's name '\(name)' is a built-in pack's (\(Packs.names))\(nameNode == nil ? ", taken from the file's name" : ""); give it another with 'name:'")
        }
        return PackSpec(name: name, summary: "tables from \(file)", tables: tables, defaultStartDay: start, defaultDays: days)
    }

    func yamlError(_ error: YamlError) -> SchemaFileError { SchemaFile.yamlError(error, file: file) }
}

extension SchemaFile {
    static func yamlError(_ error: YamlError, file: String) -> SchemaFileError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return SchemaFileError(file: file, line: mark.line, column: mark.column, message: "not valid YAML: \(problem)")
        default:
            return SchemaFileError(file: file, line: nil, column: nil, message: "not valid YAML: \(error)")
        }
    }
}

extension Reader {
    static let tableKeys: Set<String> = ["name", "rows", "rows_per_day", "scales", "partition_by", "sort_by", "seasonality", "columns", "description",
                                         "quality", "key", "file"]

    mutating func table(_ node: Node) throws(SchemaFileError) -> TableSpec {
        let pairs = try mapping(node, "a table", allowed: Reader.tableKeys)
        guard let nameNode = pairs.first(where: { $0.0 == "name" })?.1 else { throw fail(node, "a table needs a 'name'") }
        let name = try string(nameNode, "name")
        marks[name] = SourceMark(node.mark)
        var rows: RowCount?
        var columns: [ColumnSpec] = []
        var spec = TableSpec(name: name, rows: .total(0), columns: [])
        for (key, value) in pairs {
            marks["\(name)/\(key)"] = SourceMark(value.mark)
            switch key {
            case "rows", "rows_per_day":
                if rows != nil { throw fail(value, "table '\(name)': give either rows or rows_per_day, not both") }
                let n = try int(value, key)
                guard (0...Int64(PackCompiler.maximumRows)).contains(n) else {
                    throw fail(value, "table '\(name)': \(key) must be between 0 and \(PackCompiler.maximumRows) (2^37)")
                }
                rows = key == "rows" ? .total(Int(n)) : .perDay(Int(n))
            case "scales": spec.scales = try bool(value, "scales")
            case "partition_by": spec.partitionBy = try strings(value, "partition_by")
            case "sort_by": spec.sortBy = try strings(value, "sort_by")
            case "seasonality": spec.seasonality = try seasonality(value)
            case "columns":
                for item in try list(value, "columns") { columns.append(try column(item, table: name)) }
            case "quality":
                for item in try list(value, "quality") { spec.quality.append(try quality(item, table: name)) }
            case "key": spec.key = try string(value, "key")
            case "file":
                let file = try string(value, "file")
                guard isSafeFileName(file) else { throw fail(value, "table '\(name)': file is a name of letters, digits, '_' and '-'") }
                spec.fileName = file
            default: break
            }
        }
        guard let rows else { throw fail(node, "table '\(name)' needs 'rows' (a total) or 'rows_per_day'") }
        spec.rows = rows
        spec.columns = columns
        return spec
    }

    static let qualityKeys: Set<String> = ["kind", "column", "rate", "value", "format", "min", "max", "also", "propagate", "note"]

    /// One entry of a table's `quality` list: `{kind: null, column: phone, rate: 0.05}`.
    mutating func quality(_ node: Node, table: String) throws(SchemaFileError) -> QualitySpec {
        var a: [String: Node] = [:]
        for (k, v) in try mapping(node, "a quality issue", allowed: Reader.qualityKeys) { a[k] = v }
        guard let kindNode = a["kind"] else { throw fail(node, "table '\(table)': a quality issue needs a 'kind'") }
        let kindText = try string(kindNode, "kind")
        guard let kind = QualitySpec.Kind(rawValue: kindText) else {
            throw fail(kindNode, "table '\(table)': unknown quality kind '\(kindText)' (known: \(QualitySpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let rateNode = a["rate"] else { throw fail(node, "table '\(table)': a quality issue needs a 'rate' (a share of the rows, as 0.02)") }
        let rate = try double(rateNode, "rate")
        guard rate > 0 && rate <= 1 else { throw fail(rateNode, "table '\(table)': rate must be above 0 and at most 1") }
        var q = QualitySpec(kind, column: try a["column"].map { (n) throws(SchemaFileError) in try string(n, "column") }, rate: rate)
        q.value = try a["value"].map { (n) throws(SchemaFileError) in try string(n, "value") }
        if let f = a["format"] {
            let text = try string(f, "format")
            guard let format = QualitySpec.Format(rawValue: text) else {
                throw fail(f, "table '\(table)': format is one of \(QualitySpec.Format.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            q.format = format
        }
        q.min = try a["min"].map { (n) throws(SchemaFileError) in try double(n, "min") }
        q.max = try a["max"].map { (n) throws(SchemaFileError) in try double(n, "max") }
        q.also = try a["also"].map { (n) throws(SchemaFileError) in try strings(n, "also") } ?? []
        q.propagate = try a["propagate"].map { (n) throws(SchemaFileError) in try bool(n, "propagate") } ?? false
        q.note = try a["note"].map { (n) throws(SchemaFileError) in try string(n, "note") }
        marks["\(table)/\(q.column ?? "")/quality"] = SourceMark(node.mark)
        if q.column == nil { marks["\(table)/quality"] = SourceMark(node.mark) }
        return q
    }

    func seasonality(_ node: Node) throws(SchemaFileError) -> Seasonality {
        if case .scalar(let s) = node {
            switch s.string {
            case "web": return .web
            case "business": return .business
            case "uniform": return .uniform
            default: throw fail(node, "seasonality '\(s.string)' is unknown (known: web, business, uniform, or a mapping)")
            }
        }
        var result = Seasonality.uniform
        for (key, value) in try mapping(node, "seasonality", allowed: ["base", "hour_of_day", "day_of_week", "month_of_year", "holidays", "daily_trend"]) {
            func weights() throws(SchemaFileError) -> [Double] {
                var out: [Double] = []
                for item in try list(value, key) { out.append(try double(item, key)) }
                return out
            }
            switch key {
            case "base":
                let base = try seasonality(value)
                result = Seasonality(hourOfDay: base.hourOfDay, dayOfWeek: base.dayOfWeek, monthOfYear: base.monthOfYear,
                                     holidays: base.holidays, dailyTrend: result.dailyTrend)
            case "hour_of_day": result.hourOfDay = try weights()
            case "day_of_week": result.dayOfWeek = try weights()
            case "month_of_year": result.monthOfYear = try weights()
            case "holidays": result.holidays = try bool(value, key)
            case "daily_trend": result.dailyTrend = try double(value, key)
            default: break
            }
        }
        if let problem = result.problem() { throw fail(node, "seasonality: \(problem)") }
        return result
    }

    mutating func column(_ node: Node, table: String) throws(SchemaFileError) -> ColumnSpec {
        let pairs = try mapping(node, "a column", allowed: ["name", "type", "generator", "null_rate", "description", "hidden"])
        guard let nameNode = pairs.first(where: { $0.0 == "name" })?.1 else { throw fail(node, "table '\(table)': a column needs a 'name'") }
        let name = try string(nameNode, "name")
        marks["\(table)/\(name)"] = SourceMark(node.mark)
        var type: ColumnType?
        var generator: GeneratorSpec?
        var nullRate = 0.0
        var hidden = false
        for (key, value) in pairs {
            marks["\(table)/\(name)/\(key)"] = SourceMark(value.mark)
            switch key {
            case "type":
                let text = try string(value, "type")
                guard let t = parseType(text) else {
                    throw fail(value, "table '\(table)', column '\(name)': unknown type '\(text)' (known: \(Reader.typeNames))")
                }
                type = t
            case "generator": generator = try self.generator(value, table: table, column: name)
            case "null_rate":
                nullRate = try double(value, "null_rate")
                guard (0...1).contains(nullRate) else { throw fail(value, "table '\(table)', column '\(name)': null_rate must be between 0 and 1") }
            case "hidden": hidden = try bool(value, "hidden")
            default: break
            }
        }
        guard let type else { throw fail(node, "table '\(table)', column '\(name)' needs a 'type'") }
        guard let generator else { throw fail(node, "table '\(table)', column '\(name)' needs a 'generator'") }
        return ColumnSpec(name, type, generator, nullRate: nullRate, hidden: hidden)
    }

    static let typeNames = "boolean, int32, int64, double, string, json, uuid, uuid16, date, timestamp, timestamp_local, decimal(P,S), binary"

    func parseType(_ text: String) -> ColumnType? {
        guard let type = ColumnType(parsing: text) else { return nil }
        if case .fixedBinary = type { return nil }  // no generator makes fixed-length binary
        return type
    }

    static let generatorNames = [
        "sequence", "uniform_int", "uniform", "normal", "lognormal", "poisson", "zipf", "bernoulli", "choice", "uuid", "text",
        "sentence", "template", "email", "json", "event_time", "event_date", "timestamp_between", "date_between", "after",
        "reference", "lookup", "product", "scaled", "constant", "by_value", "formula", "chance", "null", "copy", "shifted",
        "between_columns", "band",
    ]

    func generator(_ node: Node, table: String, column: String) throws(SchemaFileError) -> GeneratorSpec {
        budget.depth += 1
        defer { budget.depth -= 1 }
        guard budget.depth <= NodeBudget.maximumDepth else {
            throw fail(node, "generators nest more than \(NodeBudget.maximumDepth) deep (json inside json, by_value inside by_value)")
        }
        let at = "table '\(table)', column '\(column)', generator"
        var name: String
        var params: Node?
        switch node {
        case .scalar(let s):
            name = s.string
        case .mapping(let m):
            guard m.count == 1, let (k, v) = m.first.map({ ($0.key, $0.value) }), let key = k.string else {
                throw fail(node, "\(at): write one generator, as `uniform_int: {min: 1, max: 9}`")
            }
            name = key
            params = v
        default:
            throw fail(node, "\(at): a generator is a name or a one-key mapping")
        }
        if params == nil, TextKind(rawValue: name) != nil {
            return .text(TextKind(rawValue: name)!)
        }
        func p(_ allowed: Set<String>, required: Set<String> = []) throws(SchemaFileError) -> [String: Node] {
            guard let params else {
                if required.isEmpty { return [:] }
                throw fail(node, "\(at) '\(name)' needs \(required.sorted().joined(separator: ", "))")
            }
            var out: [String: Node] = [:]
            for (k, v) in try mapping(params, "\(at) '\(name)'", allowed: allowed) { out[k] = v }
            for r in required where out[r] == nil { throw fail(params, "\(at) '\(name)' needs '\(r)'") }
            return out
        }
        func optionalDouble(_ x: Node?, _ what: String) throws(SchemaFileError) -> Double? { try x.map { (n) throws(SchemaFileError) in try double(n, what) } }
        func optionalInt(_ x: Node?, _ what: String) throws(SchemaFileError) -> Int? { try x.map { (n) throws(SchemaFileError) in Int(try int(n, what)) } }
        switch name {
        case "sequence":
            let a = try p(["start", "step"])
            return .sequence(start: try a["start"].map { (n) throws(SchemaFileError) in try int(n, "start") } ?? 1,
                             step: try a["step"].map { (n) throws(SchemaFileError) in try int(n, "step") } ?? 1)
        case "uniform_int":
            let a = try p(["min", "max"], required: ["min", "max"])
            return .uniformInt(min: try int(a["min"]!, "min"), max: try int(a["max"]!, "max"))
        case "uniform":
            let a = try p(["min", "max", "decimals"], required: ["min", "max"])
            return .uniformDouble(min: try double(a["min"]!, "min"), max: try double(a["max"]!, "max"), decimals: try optionalInt(a["decimals"], "decimals"))
        case "normal":
            let a = try p(["mean", "stddev", "min", "max", "decimals"], required: ["mean", "stddev"])
            return .normal(mean: try double(a["mean"]!, "mean"), stddev: try double(a["stddev"]!, "stddev"),
                           min: try optionalDouble(a["min"], "min"), max: try optionalDouble(a["max"], "max"), decimals: try optionalInt(a["decimals"], "decimals"))
        case "lognormal":
            let a = try p(["mu", "sigma", "median", "min", "max", "decimals"], required: ["sigma"])
            let mu: Double
            if let m = a["median"] {
                let median = try double(m, "median")
                guard median > 0 else { throw fail(m, "\(at): median must be above 0") }
                mu = log(median)
            } else if let m = a["mu"] {
                mu = try double(m, "mu")
            } else {
                throw fail(params, "\(at) 'lognormal' needs 'mu' or 'median'")
            }
            return .logNormal(mu: mu, sigma: try double(a["sigma"]!, "sigma"), min: try optionalDouble(a["min"], "min"),
                              max: try optionalDouble(a["max"], "max"), decimals: try optionalInt(a["decimals"], "decimals"))
        case "poisson":
            let a = try p(["lambda", "offset"], required: ["lambda"])
            return .poisson(lambda: try double(a["lambda"]!, "lambda"), offset: try a["offset"].map { (n) throws(SchemaFileError) in try int(n, "offset") } ?? 0)
        case "zipf":
            let a = try p(["n", "exponent"], required: ["n", "exponent"])
            return .zipf(n: Int(try int(a["n"]!, "n")), exponent: try double(a["exponent"]!, "exponent"))
        case "bernoulli":
            if let params, case .scalar = params { return .bernoulli(p: try double(params, "p")) }
            let a = try p(["p"], required: ["p"])
            return .bernoulli(p: try double(a["p"]!, "p"))
        case "choice":
            if let params, case .sequence = params { return .choice(values: try strings(params, "choice"), weights: nil) }
            let a = try p(["values", "weights"], required: ["values"])
            var weights: [Double]?
            if let w = a["weights"] {
                weights = []
                for item in try list(w, "weights") { weights!.append(try double(item, "weights")) }
            }
            return .choice(values: try strings(a["values"]!, "values"), weights: weights)
        case "uuid": return .uuid
        case "text":
            guard let params else { throw fail(node, "\(at) 'text' needs a kind") }
            let kind = try string(params, "text")
            guard let k = TextKind(rawValue: kind) else {
                throw fail(params, "\(at): unknown text kind '\(kind)' (known: \(TextKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return .text(k)
        case "sentence":
            let a = try p(["min_words", "max_words"])
            return .sentence(minWords: try optionalInt(a["min_words"], "min_words") ?? 6, maxWords: try optionalInt(a["max_words"], "max_words") ?? 14)
        case "template":
            guard let params else { throw fail(node, "\(at) 'template' needs its text") }
            return .template(try string(params, "template"))
        case "email":
            let a = try p(["first_name", "last_name"])
            return .email(firstName: try a["first_name"].map { (n) throws(SchemaFileError) in try string(n, "first_name") },
                          lastName: try a["last_name"].map { (n) throws(SchemaFileError) in try string(n, "last_name") })
        case "json":
            guard let params, case .mapping(let m) = params, !m.isEmpty else {
                throw fail(node, "\(at) 'json' needs a mapping of keys to generators")
            }
            var fields: [JSONField] = []
            for (k, v) in m {
                guard let key = k.string else { throw fail(k, "\(at): json keys must be text") }
                fields.append(JSONField(key, try generator(v, table: table, column: column)))
            }
            return .json(fields: fields)
        case "event_time": return .eventTime
        case "event_date": return .eventDate
        case "timestamp_between":
            let a = try p(["start", "end"])
            return .timestampBetween(startMicros: try a["start"].map { (n) throws(SchemaFileError) in try instant(n, "start") },
                                     endMicros: try a["end"].map { (n) throws(SchemaFileError) in try instant(n, "end") })
        case "date_between":
            let a = try p(["start", "end"])
            return .dateBetween(startDay: try a["start"].map { (n) throws(SchemaFileError) in try day(n, "start") },
                                endDay: try a["end"].map { (n) throws(SchemaFileError) in try day(n, "end") })
        case "after":
            let a = try p(["column", "min", "max"], required: ["column", "min", "max"])
            return .after(column: try string(a["column"]!, "column"), min: try int(a["min"]!, "min"), max: try int(a["max"]!, "max"))
        case "reference":
            if let params, case .scalar(let s) = params {
                let parts = s.string.split(separator: ".")
                guard parts.count == 2 else { throw fail(params, "\(at): write reference as TABLE.COLUMN or {table, column, pick}") }
                return .reference(table: String(parts[0]), column: String(parts[1]), pick: .uniform)
            }
            let a = try p(["table", "column", "pick", "exponent", "top", "share"], required: ["table", "column"])
            var pick = Pick.uniform
            if let pickNode = a["pick"] {
                switch try string(pickNode, "pick") {
                case "uniform": pick = .uniform
                case "zipf": pick = .zipf(exponent: try optionalDouble(a["exponent"], "exponent") ?? 1)
                case "pareto": pick = .pareto(top: try optionalDouble(a["top"], "top") ?? 0.2, share: try optionalDouble(a["share"], "share") ?? 0.8)
                default: throw fail(pickNode, "\(at): pick is 'uniform', 'zipf' or 'pareto'")
                }
            }
            return .reference(table: try string(a["table"]!, "table"), column: try string(a["column"]!, "column"), pick: pick)
        case "lookup":
            let a = try p(["via", "column"], required: ["via", "column"])
            return .lookup(via: try string(a["via"]!, "via"), column: try string(a["column"]!, "column"))
        case "product":
            if let params, case .sequence = params { return .product(columns: try strings(params, "product"), decimals: nil) }
            let a = try p(["columns", "decimals"], required: ["columns"])
            return .product(columns: try strings(a["columns"]!, "columns"), decimals: try optionalInt(a["decimals"], "decimals"))
        case "scaled":
            let a = try p(["column", "min", "max", "decimals"], required: ["column", "min", "max"])
            return .scaled(column: try string(a["column"]!, "column"), min: try double(a["min"]!, "min"), max: try double(a["max"]!, "max"),
                           decimals: try optionalInt(a["decimals"], "decimals"))
        case "constant":
            guard let params else { throw fail(node, "\(at) 'constant' needs a value") }
            return .constant(try string(params, "constant"))
        case "by_value":
            let a = try p(["column", "cases", "otherwise"], required: ["column", "cases"])
            guard case .mapping(let m) = a["cases"]!, !m.isEmpty else { throw fail(a["cases"], "\(at): cases is a mapping of values to generators") }
            var cases: [ValueCase] = []
            for (k, v) in m {
                guard let value = k.string else { throw fail(k, "\(at): case values must be text") }
                cases.append(ValueCase(value, try generator(v, table: table, column: column)))
            }
            return .byValue(column: try string(a["column"]!, "column"), cases: cases,
                            otherwise: try a["otherwise"].map { (n) throws(SchemaFileError) in try generator(n, table: table, column: column) })
        case "formula":
            if let params, case .scalar = params { return .formula(try string(params, "formula"), decimals: nil) }
            let a = try p(["expression", "decimals"], required: ["expression"])
            return .formula(try string(a["expression"]!, "expression"), decimals: try optionalInt(a["decimals"], "decimals"))
        case "chance":
            let a = try p(["p", "then", "otherwise"], required: ["p", "then", "otherwise"])
            return .chance(p: try double(a["p"]!, "p"), then: try generator(a["then"]!, table: table, column: column),
                           otherwise: try generator(a["otherwise"]!, table: table, column: column))
        case "null": return .null
        case "copy":
            guard let params else { throw fail(node, "\(at) 'copy' needs a column") }
            return .copy(column: try string(params, "copy"))
        case "shifted":
            let a = try p(["column", "by", "unit"], required: ["column", "by"])
            let unitText = try a["unit"].map { (n) throws(SchemaFileError) in try string(n, "unit") } ?? "seconds"
            guard let unit = TimeUnit(rawValue: unitText) else {
                throw fail(a["unit"], "\(at): unit is one of \(TimeUnit.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return .shifted(column: try string(a["column"]!, "column"), by: try string(a["by"]!, "by"), unit: unit)
        case "between_columns":
            let a = try p(["start", "end"], required: ["start", "end"])
            return .betweenColumns(start: try string(a["start"]!, "start"), end: try string(a["end"]!, "end"))
        case "band":
            let a = try p(["column", "thresholds", "labels"], required: ["column", "thresholds", "labels"])
            var thresholds: [Double] = []
            for item in try list(a["thresholds"]!, "thresholds") { thresholds.append(try double(item, "thresholds")) }
            return .band(column: try string(a["column"]!, "column"), thresholds: thresholds, labels: try strings(a["labels"]!, "labels"))
        default:
            throw fail(node, "\(at): unknown generator '\(name)' (known: \(Reader.generatorNames.joined(separator: ", ")), or a text kind: \(TextKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }
}

/// Counts the YAML nodes a reader visits.
final class NodeBudget {
    static let limit = 1_000_000
    static let maximumDepth = 16
    var nodes = 0
    var depth = 0
}

/// A table's file name: letters, digits, `_` and `-`.
func isSafeFileName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 100 && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
}
