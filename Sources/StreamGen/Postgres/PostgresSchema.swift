import Columnar

/// A table as PostgreSQL holds it: columns with their SQL types, and the keys and constraints
/// that are added once the rows are in. One description gives the sink's DDL (`CREATE TABLE`
/// without constraints, then `ALTER TABLE … ADD`) and the `schema.sql` a user runs by hand.
public struct PostgresTable: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public var name: String
        /// `BIGINT`, `NUMERIC(10,2)`, `VARCHAR(36)`, `TIMESTAMPTZ`, …
        public var sqlType: String
        public var notNull: Bool
        /// The generated values' type, and how they travel in binary COPY.
        public var type: ColumnType
        public var wire: PostgresWireType

        public init(name: String, type: ColumnType, notNull: Bool, sqlType: String? = nil, wire: PostgresWireType? = nil) {
            self.name = name
            self.type = type
            self.notNull = notNull
            self.sqlType = sqlType ?? PostgresTable.defaultSQLType(type)
            self.wire = wire ?? PostgresWireType.default(for: type)
        }
    }

    public struct ForeignKey: Sendable, Hashable {
        public var columns: [String]
        public var table: String
        public var referenced: [String]
        public init(_ columns: [String], references table: String, _ referenced: [String]) {
            self.columns = columns
            self.table = table
            self.referenced = referenced
        }
    }

    public var name: String
    public var columns: [Column]
    public var primaryKey: [String]?
    public var unique: [[String]] = []
    /// SQL boolean expressions (`quantity >= 0`).
    public var checks: [String] = []
    public var foreignKeys: [ForeignKey] = []
    /// Why a constraint a reader would expect is not there (an anomaly that breaks it), written
    /// into the DDL as comments and onto the table as its `COMMENT`.
    public var notes: [String] = []

    public init(name: String, columns: [Column], primaryKey: [String]? = nil) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
    }

    /// The key rows are matched on by `--if-exists append`: the primary key, else the first
    /// unique constraint.
    public var grain: [String]? { primaryKey ?? unique.first }

    /// The SQL type StreamGen gives a column of `type` unless a pack says otherwise.
    public static func defaultSQLType(_ type: ColumnType) -> String {
        switch type {
        case .boolean: return "BOOLEAN"
        case .int32: return "INTEGER"
        case .int64: return "BIGINT"
        case .double: return "DOUBLE PRECISION"
        case .string: return "TEXT"
        case .json: return "JSONB"
        case .uuid: return "UUID"
        case .date: return "DATE"
        case .timestamp(let utc): return utc ? "TIMESTAMPTZ" : "TIMESTAMP"
        case .decimal(let p, let s): return "NUMERIC(\(p),\(s))"
        case .binary, .fixedBinary: return "BYTEA"
        }
    }

    /// `"schema"."table"`, or `"table"` for the search_path to resolve (a script's).
    static func qualifiedName(_ table: String, schema: String?) -> String {
        schema.map { "\(quoteIdentifier($0)).\(quoteIdentifier(table))" } ?? quoteIdentifier(table)
    }

    /// `CREATE TABLE name (…)`: columns and NOT NULL only; without `autovacuum`, a staging
    /// table autovacuum leaves alone while it fills.
    func createStatement(schema: String?, as tableName: String, unlogged: Bool = false, autovacuum: Bool = true) -> String {
        let body = columns.map { "\(quoteIdentifier($0.name)) \($0.sqlType)\($0.notNull ? " NOT NULL" : "")" }.joined(separator: ", ")
        return "CREATE \(unlogged ? "UNLOGGED " : "")TABLE \(Self.qualifiedName(tableName, schema: schema)) (\(body))\(autovacuum ? "" : " WITH (autovacuum_enabled = false)")"
    }

    /// The constraints as `ALTER TABLE` statements: keys and checks first, then foreign keys
    /// (whose referenced keys must exist). Without `schema` the names are left to the
    /// search_path (a script's).
    func constraintStatements(schema: String?) -> (own: [String], foreign: [String]) {
        func qualified(_ table: String) -> String { Self.qualifiedName(table, schema: schema) }
        let table = qualified(name)
        func list(_ names: [String]) -> String { names.map(quoteIdentifier).joined(separator: ", ") }
        var own: [String] = []
        if let pk = primaryKey { own.append("ALTER TABLE \(table) ADD CONSTRAINT \(quoteIdentifier(constraintName("pkey"))) PRIMARY KEY (\(list(pk)))") }
        for (i, u) in unique.enumerated() {
            own.append("ALTER TABLE \(table) ADD CONSTRAINT \(quoteIdentifier(constraintName("key\(i + 1)"))) UNIQUE (\(list(u)))")
        }
        for (i, c) in checks.enumerated() {
            own.append("ALTER TABLE \(table) ADD CONSTRAINT \(quoteIdentifier(constraintName("check\(i + 1)"))) CHECK (\(c))")
        }
        let foreign = foreignKeys.enumerated().map { i, fk in
            "ALTER TABLE \(table) ADD CONSTRAINT \(quoteIdentifier(constraintName("fkey\(i + 1)"))) FOREIGN KEY (\(list(fk.columns))) "
                + "REFERENCES \(qualified(fk.table)) (\(list(fk.referenced)))"
        }
        return (own, foreign)
    }

    /// `table_suffix`, within PostgreSQL's 63-byte names.
    func constraintName(_ suffix: String) -> String {
        let room = 63 - suffix.utf8.count - 1
        var base = name
        while base.utf8.count > room { base.removeLast() }
        return "\(base)_\(suffix)"
    }

    /// The table's DDL for `schema.sql` and `load_postgres.sql`: re-runnable (`IF NOT EXISTS`),
    /// constraints inline, notes as comments.
    public func ddl() -> String {
        var lines = notes.map(sqlComment)
        lines.append("CREATE TABLE IF NOT EXISTS \(quoteIdentifier(name)) (")
        var items = columns.map { "    \(quoteIdentifier($0.name)) \($0.sqlType)\($0.notNull ? " NOT NULL" : "")" }
        func list(_ names: [String]) -> String { names.map(quoteIdentifier).joined(separator: ", ") }
        if let pk = primaryKey { items.append("    PRIMARY KEY (\(list(pk)))") }
        for u in unique { items.append("    UNIQUE (\(list(u)))") }
        for c in checks { items.append("    CHECK (\(c))") }
        for fk in foreignKeys { items.append("    FOREIGN KEY (\(list(fk.columns))) REFERENCES \(quoteIdentifier(fk.table)) (\(list(fk.referenced)))") }
        lines.append(items.joined(separator: ",\n"))
        lines.append(");")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The tables in an order where each comes after those its foreign keys reference.
    static func dependencyOrder(_ tables: [PostgresTable]) -> [PostgresTable] {
        var done: [PostgresTable] = []
        var left = tables
        while !left.isEmpty {
            let names = Set(left.map(\.name))
            guard let next = left.firstIndex(where: { t in t.foreignKeys.allSatisfy { $0.table == t.name || !names.contains($0.table) } }) else {
                return done + left  // a cycle: constraints come last anyway
            }
            done.append(left.remove(at: next))
        }
        return done
    }
}

extension PostgresTable {
    /// The tables a declarative run writes, in dependency order. A foreign key stays only when
    /// the referenced table is loaded too and keeps its primary key.
    static func tables(of prepared: StreamGenEngine.Prepared) -> [PostgresTable] {
        let all = prepared.tables
        var tables = prepared.selectedTables.map { declarative(all[$0], all: all) }
        let keyed = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0.primaryKey) })
        for i in tables.indices {
            let kept = tables[i].foreignKeys.filter { fk in keyed[fk.table].flatMap { $0 } == fk.referenced }
            for fk in tables[i].foreignKeys where !kept.contains(fk) {
                let why = keyed[fk.table] == nil ? "\(fk.table) is not loaded by this run" : "\(fk.table) has no primary key"
                tables[i].notes.append("No foreign key on \(fk.columns.joined(separator: ", ")) → \(fk.table): \(why).")
            }
            tables[i].foreignKeys = kept
        }
        return dependencyOrder(tables)
    }

    /// The PostgreSQL table of a declarative table (devapp, bronze, YAML schemas): every column
    /// the table writes, partition columns included; the primary key on the table's key column
    /// when its values are unique by construction (a sequence or a UUID, or `key:` declared);
    /// a foreign key for each reference to another table's primary key. A quality issue that
    /// breaks one of these leaves it out, with a note.
    static func declarative(_ table: CompiledTable, all: [CompiledTable]) -> PostgresTable {
        let spec = table.spec
        var notes: [String] = []
        let columns = spec.columns.filter { !$0.hidden }.map { c in
            let file = table.fileSchema.columns.first { $0.name == c.name }
            var sqlType = c.declaredType.flatMap(Self.sqlType(declared:))
            // A declared length its own values do not fit (spec 004 declares gender VARCHAR(10)
            // and writes "Prefer not to say"): the length the values need, said in the comment.
            if let declared = sqlType, let limit = Self.varcharLength(declared), let longest = Self.longestValue(c.generator), longest.count > limit {
                sqlType = "VARCHAR(\(longest.count))"
                notes.append("\(c.name) is VARCHAR(\(longest.count)), not the declared \(declared): its value '\(longest)' has \(longest.count) characters.")
            }
            return Column(name: c.name, type: c.type, notNull: file.map { !$0.isOptional } ?? (c.nullRate == 0), sqlType: sqlType)
        }
        var result = PostgresTable(name: spec.name, columns: columns)
        result.notes = notes
        let issues = table.issues.map(\.spec)
        if let key = Self.uniqueKey(spec) {
            if let breaking = issues.first(where: { ($0.kind == .duplicateRows) || ($0.kind == .duplicateKey && $0.column == key) }) {
                result.notes.append("No primary key on \(key): the quality issue \(breaking.kind.rawValue) repeats it on purpose.")
            } else {
                result.primaryKey = [key]
            }
        }
        for c in spec.columns where !c.hidden {
            guard case .reference(let other, let column, _) = c.generator, other != spec.name,
                  let target = all.first(where: { $0.spec.name == other }), Self.uniqueKey(target.spec) == column else { continue }
            if issues.contains(where: { $0.kind == .orphanReference && $0.column == c.name }) {
                result.notes.append("No foreign key on \(c.name) → \(other).\(column): the quality issue orphan_reference writes orphans on purpose.")
            } else {
                result.foreignKeys.append(ForeignKey([c.name], references: other, [column]))
            }
        }
        return result
    }

    /// The column whose values are distinct by construction, if any.
    static func uniqueKey(_ spec: TableSpec) -> String? {
        if let key = spec.key { return key }
        guard let first = spec.columns.first(where: { !$0.hidden }) else { return nil }
        switch first.generator {
        case .sequence(_, let step) where step != 0: return first.name
        case .uuid: return first.name
        default: return nil
        }
    }

    /// n of `VARCHAR(n)` / `CHARACTER VARYING(n)`.
    static func varcharLength(_ sqlType: String) -> Int? {
        guard let open = sqlType.firstIndex(of: "("), sqlType.hasSuffix(")") else { return nil }
        return Int(sqlType[sqlType.index(after: open)..<sqlType.index(before: sqlType.endIndex)].filter { $0 != " " })
    }

    /// The longest value a generator of listed values writes (in characters), if it lists them.
    static func longestValue(_ generator: GeneratorSpec) -> String? {
        switch generator {
        case .choice(let values, _): return values.max { $0.count < $1.count }
        case .constant(let value): return value
        default: return nil
        }
    }

    /// A spec's declared SQL type when PostgreSQL has it as written (`VARCHAR(50)`, `TEXT`).
    static func sqlType(declared: String) -> String? {
        let upper = declared.uppercased()
        for prefix in ["VARCHAR", "CHARACTER VARYING", "TEXT"] where upper.hasPrefix(prefix) { return upper }
        return nil
    }
}
