import Columnar

/// A pack's configuration file as read (`--config FILE`): scalars, lists and mappings, each with
/// the line and column it was written at, so that a pack can refuse a key by its place. The YAML
/// module builds it; packs read it without knowing YAML.
public indirect enum ConfigTree: Sendable {
    case scalar(String, ConfigPlace)
    case list([ConfigTree], ConfigPlace)
    case mapping([(key: String, value: ConfigTree)], ConfigPlace)

    public var place: ConfigPlace {
        switch self {
        case .scalar(_, let p), .list(_, let p), .mapping(_, let p): return p
        }
    }
}

/// Where a value of a configuration file was written.
public struct ConfigPlace: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

/// A configuration file that cannot be used: the message names the key and its place.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let place: ConfigPlace?
    public let message: String
    public init(_ place: ConfigPlace?, _ message: String) {
        self.place = place
        self.message = message
    }
    public var description: String { place.map { "\($0): \(message)" } ?? message }
}

/// Reading a `ConfigTree` with the checks every pack needs: known keys, numbers in range, dates.
struct ConfigReader {
    let path: String

    func fail(_ node: ConfigTree, _ message: String) -> ConfigError { ConfigError(node.place, path.isEmpty ? message : "\(path): \(message)") }

    /// The pairs of a mapping, refusing keys outside `allowed`.
    func mapping(_ node: ConfigTree, allowed: [String]) throws(ConfigError) -> [(key: String, value: ConfigTree)] {
        guard case .mapping(let pairs, _) = node else { throw fail(node, "must be a mapping") }
        for (key, value) in pairs where !allowed.contains(key) {
            throw ConfigError(value.place, "\(sub(key).path): unknown key (known: \(allowed.joined(separator: ", ")))")
        }
        return pairs
    }

    func sub(_ key: String) -> ConfigReader { ConfigReader(path: path.isEmpty ? key : "\(path).\(key)") }

    func string(_ node: ConfigTree) throws(ConfigError) -> String {
        guard case .scalar(let s, _) = node else { throw fail(node, "must be text") }
        return s
    }

    func number(_ node: ConfigTree, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard case .scalar(let s, _) = node, let v = Double(s), v.isFinite else { throw fail(node, "must be a number") }
        guard range.contains(v) else { throw fail(node, "\(s) is outside \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func integer(_ node: ConfigTree, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .scalar(let s, _) = node, let v = Int(s) else { throw fail(node, "must be a whole number") }
        guard range.contains(v) else { throw fail(node, "\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func date(_ node: ConfigTree) throws(ConfigError) -> Int64 {
        let text = try string(node)
        guard let d = parseISODate(text), (-719_162...2_932_896).contains(d) else { throw fail(node, "'\(text)' is not a date (YYYY-MM-DD)") }
        return d
    }

    func strings(_ node: ConfigTree) throws(ConfigError) -> [String] {
        guard case .list(let items, _) = node else { throw fail(node, "must be a list") }
        var out: [String] = []
        for item in items { out.append(try string(item)) }
        guard !out.isEmpty else { throw fail(node, "must not be empty") }
        guard Set(out).count == out.count else { throw fail(node, "values must be distinct") }
        return out
    }

    func numbers(_ node: ConfigTree, count: Int?, in range: ClosedRange<Double>) throws(ConfigError) -> [Double] {
        guard case .list(let items, _) = node else { throw fail(node, "must be a list") }
        if let count, items.count != count { throw fail(node, "needs \(count) numbers, not \(items.count)") }
        var out: [Double] = []
        for item in items { out.append(try number(item, in: range)) }
        return out
    }

    func bool(_ node: ConfigTree) throws(ConfigError) -> Bool {
        switch try string(node).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(node, "must be true or false")
        }
    }
}
