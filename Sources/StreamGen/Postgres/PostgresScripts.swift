import Columnar

/// The SQL files a run writes beside its tables for PostgreSQL users who load by hand:
/// `schema.sql` (the DDL, re-runnable) and, for CSV output, `load_postgres.sql`, which
/// `psql -f` runs as is: no DuckDB, no CSV detour, no fixes by hand.
enum PostgresScripts {
    static let schemaFileName = "schema.sql"
    static let loadFileName = "load_postgres.sql"

    /// `schema.sql`: each table's DDL with its keys and constraints (and why some are missing),
    /// in dependency order, each `CREATE TABLE IF NOT EXISTS`.
    static func schema(_ title: String, tables: [PostgresTable], csv: Bool) -> String {
        var header = sqlComment("\(title): PostgreSQL schema.") + "\n"
        header += csv ? "-- load_postgres.sql beside it creates these tables and loads the CSV files into them.\n"
            : "-- `streamgen generate … --sink postgres://…` loads the rows with these keys; --format csv writes a load_postgres.sql too.\n"
        return header + "\n" + PostgresTable.dependencyOrder(tables).map { $0.ddl() }.joined(separator: "\n")
    }

    /// One table's CSV files (path and Hive partition values), with the columns in the order
    /// the files have them.
    struct TableFiles {
        var table: PostgresTable
        var fileColumns: [String]
        var files: [(path: String, partition: [String: String])]

        init(table: PostgresTable, fileColumns: [String], files: [FileRecord]) {
            self.init(table: table, fileColumns: fileColumns, paths: files.map { ($0.path, $0.partition) })
        }

        init(table: PostgresTable, fileColumns: [String], paths: [(path: String, partition: [String: String])]) {
            self.table = table
            self.fileColumns = fileColumns
            self.files = paths
        }
    }

    /// `load_postgres.sql` for CSV files: in one transaction it replaces the tables (so it can be
    /// run again), copies every file in with `\copy` (a Hive partition column, which the files
    /// leave out, from the folder's value as the column's default while its files load), adds
    /// the keys and constraints once the rows are in, and analyzes the tables.
    static func load(_ title: String, tables: [TableFiles]) -> String {
        let ordered = PostgresTable.dependencyOrder(tables.map(\.table))
        let byName = Dictionary(tables.map { ($0.table.name, $0) }, uniquingKeysWith: { a, _ in a })
        var lines = [
            sqlComment("\(title): loads this directory's CSV files into PostgreSQL."),
            "-- Run it from this directory (its \\copy paths are relative):",
            "--   psql \"postgres://user@host/db\" -f \(loadFileName)",
            "--   psql \"postgres://user@host/db\" -v schema=NAME -f \(loadFileName)    (into schema NAME, created when missing)",
            "-- It can be run again: the tables are dropped and loaded anew in one transaction, so a failure leaves them as they were.",
            "\\set ON_ERROR_STOP on",
            "SET client_min_messages = warning;",
            "\\if :{?schema}",
            "CREATE SCHEMA IF NOT EXISTS :\"schema\";",
            "SET search_path = :\"schema\";",
            "\\endif",
            "SET client_encoding = 'UTF8';",
            "SET datestyle = 'ISO, YMD';",
            "SET TIME ZONE 'UTC';",
            "BEGIN;",
            "DROP TABLE IF EXISTS \(ordered.reversed().map { quoteIdentifier($0.name) }.joined(separator: ", "));",
        ]
        var after: [String] = []
        var foreign: [String] = []
        for table in ordered {
            guard let entry = byName[table.name] else { continue }
            // bytea goes in as the files' hex text, then is converted in place.
            var staged = table
            var binary: [String] = []
            for i in staged.columns.indices {
                switch staged.columns[i].type {
                case .binary, .fixedBinary:
                    binary.append(staged.columns[i].name)
                    staged.columns[i].sqlType = "TEXT"
                default:
                    break
                }
            }
            lines.append(staged.createStatement(schema: nil, as: table.name) + ";")
            let name = quoteIdentifier(table.name)
            let present = Set(table.columns.map(\.name))
            let columns = entry.fileColumns.filter(present.contains).map(quoteIdentifier).joined(separator: ", ")
            var defaults: [String: String] = [:]
            for file in entry.files.sorted(by: { $0.path < $1.path }) {
                for (column, value) in file.partition.sorted(by: { $0.key < $1.key }) where present.contains(column) && !entry.fileColumns.contains(column) {
                    if defaults[column] != value {
                        lines.append("ALTER TABLE \(name) ALTER COLUMN \(quoteIdentifier(column)) SET DEFAULT \(quoteLiteral(value));")
                        defaults[column] = value
                    }
                }
                lines.append("\\copy \(name) (\(columns)) FROM \(quoteLiteral(file.path)) WITH (FORMAT csv, HEADER true)")
            }
            for column in defaults.keys.sorted() { lines.append("ALTER TABLE \(name) ALTER COLUMN \(quoteIdentifier(column)) DROP DEFAULT;") }
            for column in binary {
                lines.append("ALTER TABLE \(name) ALTER COLUMN \(quoteIdentifier(column)) TYPE BYTEA USING decode(\(quoteIdentifier(column)), 'hex');")
            }
            let (own, fk) = table.constraintStatements(schema: nil)
            after += own.map { $0 + ";" }
            foreign += fk.map { $0 + ";" }
            if !table.notes.isEmpty { after.append("COMMENT ON TABLE \(name) IS \(quoteLiteral(table.notes.joined(separator: " ")));") }
        }
        lines += after + foreign
        lines.append("COMMIT;")
        lines += ordered.filter { byName[$0.name] != nil }.map { "ANALYZE \(quoteIdentifier($0.name));" }
        return lines.joined(separator: "\n") + "\n"
    }
}
