import Foundation
import StreamGen
import Yams

/// Reads a pack's configuration file (`--config FILE`, spec 003's `seed_config.yaml`) into a
/// `ConfigTree`, keeping the line and column of every value so the pack can name them in its
/// messages. The same limits as schema files: 16 MiB, UTF-8, a node budget against alias bombs,
/// a nesting limit.
public enum ConfigFile {
    public static func load(path: String) throws(SchemaFileError) -> ConfigTree {
        try parse(try SchemaFile.readText(path: path, what: "configuration"), file: path)
    }

    public static func parse(_ text: String, file: String) throws(SchemaFileError) -> ConfigTree {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SchemaFileError(file: file, line: nil, column: nil, message: "the configuration file is empty")
            }
            root = node
        } catch let error as SchemaFileError {
            throw error
        } catch let error as YamlError {
            throw SchemaFile.yamlError(error, file: file)
        } catch {
            throw SchemaFileError(file: file, line: nil, column: nil, message: "not valid YAML: \(error)")
        }
        let budget = NodeBudget()
        return try tree(root, file: file, budget: budget, depth: 0)
    }

    static func tree(_ node: Node, file: String, budget: NodeBudget, depth: Int) throws(SchemaFileError) -> ConfigTree {
        let place = ConfigPlace(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        budget.nodes += 1
        guard budget.nodes <= NodeBudget.limit else {
            throw SchemaFileError(file: file, line: place.line, column: place.column,
                                  message: "the configuration has more than \(NodeBudget.limit) YAML nodes (aliases that repeat large parts?)")
        }
        guard depth <= NodeBudget.maximumDepth else {
            throw SchemaFileError(file: file, line: place.line, column: place.column, message: "values nest more than \(NodeBudget.maximumDepth) deep")
        }
        switch node {
        case .scalar(let s):
            return .scalar(s.string, place)
        case .sequence(let items):
            var out: [ConfigTree] = []
            for item in items { out.append(try tree(item, file: file, budget: budget, depth: depth + 1)) }
            return .list(out, place)
        case .mapping(let pairs):
            var out: [(key: String, value: ConfigTree)] = []
            var seen = Set<String>()
            for (k, v) in pairs {
                guard case .scalar(let key) = k else {
                    throw SchemaFileError(file: file, line: k.mark?.line, column: k.mark?.column, message: "a key must be text")
                }
                guard seen.insert(key.string).inserted else {
                    throw SchemaFileError(file: file, line: k.mark?.line, column: k.mark?.column, message: "'\(key.string)' is given twice")
                }
                out.append((key.string, try tree(v, file: file, budget: budget, depth: depth + 1)))
            }
            return .mapping(out, place)
        case .alias:
            throw SchemaFileError(file: file, line: place.line, column: place.column, message: "an unresolved YAML alias")
        }
    }
}
