@testable import StreamGen
import Testing

/// The SQL text StreamGen writes into files a user runs: nothing a name holds can leave its
/// comment or literal.
@Suite("SQL text in schema.sql and load_postgres.sql")
struct SQLTextTests {
    @Test("a YAML schema's name with line breaks stays inside its comment line")
    func commentLines() {
        #expect(sqlComment("shop\nDROP TABLE users; --\r\u{2028}x") == "-- shop DROP TABLE users; --  x")
        let script = PostgresScripts.schema("StreamGen shop\nDROP TABLE users;", tables: [], csv: false)
        #expect(!script.split(separator: "\n").contains { $0.hasPrefix("DROP") }, "\(script)")
        #expect(quoteLiteral("it's") == "'it''s'")
    }
}
