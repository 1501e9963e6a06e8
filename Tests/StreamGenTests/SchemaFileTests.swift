import Columnar
import StreamGen
import StreamGenYAML
import Testing
import Foundation
import TestSupport

@Suite("YAML schema files")
struct SchemaFileTests {
    static let example = """
        name: shop
        start: 2024-03-01
        days: 7
        tables:
          - name: customers
            rows: 2000
            partition_by: [country]
            sort_by: [id]
            columns:
              - {name: id, type: int64, generator: sequence}
              - {name: name, type: string, generator: full_name}
              - {name: email, type: string, generator: email}
              - {name: country, type: string, generator: {text: country}}
              - {name: tier, type: string, generator: {choice: {values: [free, pro, team], weights: [80, 15, 5]}}, null_rate: 0.02}
              - {name: signed_up, type: date, generator: {date_between: {start: 2022-01-01, end: 2024-03-01}}}
              - {name: seats, type: int32, generator: {by_value: {column: tier, cases: {team: {uniform_int: {min: 3, max: 50}}}, otherwise: {uniform_int: {min: 1, max: 1}}}}}
          - name: orders
            rows_per_day: 500
            partition_by: [order_date]
            sort_by: [ordered_at, id]
            seasonality: {base: web, daily_trend: 0.01}
            columns:
              - {name: id, type: int64, generator: {sequence: {start: 1000, step: 1}}}
              - {name: customer_id, type: int64, generator: {reference: {table: customers, column: id, pick: zipf, exponent: 1.1}}}
              - {name: customer_country, type: string, generator: {lookup: {via: customer_id, column: country}}}
              - {name: ordered_at, type: timestamp, generator: event_time}
              - {name: order_date, type: date, generator: event_date}
              - {name: shipped_at, type: timestamp, generator: {after: {column: ordered_at, min: 3600, max: 259200}}, null_rate: 0.1}
              - {name: quantity, type: int32, generator: {poisson: {lambda: 1.5, offset: 1}}}
              - {name: price, type: "decimal(10,2)", generator: {lognormal: {median: 25, sigma: 0.8, min: 1, decimals: 2}}}
              - {name: total, type: double, generator: {product: {columns: [quantity, price], decimals: 2}}}
              - {name: sku, type: string, generator: {template: "SKU-{upper:2}{digits:5}"}}
              - {name: meta, type: json, generator: {json: {source: {choice: [web, app]}, score: {uniform: {min: 0, max: 1, decimals: 3}}}}}
              - {name: id_uuid, type: uuid, generator: uuid}
        """

    @Test("a complete schema loads: tables, types, generators, partitions")
    func loads() throws {
        let pack = try SchemaFile.parse(Self.example, file: "shop.yaml")
        #expect(pack.name == "shop")
        #expect(pack.defaultDays == 7)
        #expect(pack.defaultStartDay == parseISODate("2024-03-01"))
        #expect(pack.tables.map(\.name) == ["customers", "orders"])
        let orders = pack.tables[1]
        #expect(orders.rows == .perDay(500))
        #expect(orders.partitionBy == ["order_date"])
        #expect(orders.column(named: "price")?.type == .decimal(precision: 10, scale: 2))
        #expect(orders.column(named: "shipped_at")?.nullRate == 0.1)
        #expect(orders.column(named: "customer_id")?.generator == .reference(table: "customers", column: "id", pick: .zipf(exponent: 1.1)))
        #expect(pack.tables[0].column(named: "name")?.generator == .text(.fullName))
    }

    func failure(_ yaml: String) -> SchemaFileError? {
        do {
            _ = try SchemaFile.parse(yaml, file: "bad.yaml")
            return nil
        } catch { return error }
    }

    @Test("bad schemas: the message names the file, line and field")
    func errors() {
        let head = "tables:\n  - name: t\n    rows: 10\n    columns:\n"
        let unknownType = failure(head + "      - {name: id, type: int65, generator: sequence}\n")
        #expect(unknownType?.line == 5, "\(String(describing: unknownType))")
        #expect(unknownType?.description.hasPrefix("bad.yaml:5:") == true)
        #expect(unknownType?.message.contains("unknown type 'int65'") == true)

        let unknownGenerator = failure(head + "      - {name: id, type: int64, generator: sequense}\n")
        #expect(unknownGenerator?.line == 5)
        #expect(unknownGenerator?.message.contains("unknown generator 'sequense'") == true)

        let missingTable = failure(head + "      - {name: id, type: int64, generator: sequence}\n      - name: u\n        type: int64\n        generator: {reference: users.id}\n")
        #expect(missingTable?.line == 8, "\(String(describing: missingTable))")
        #expect(missingTable?.message.contains("'users'") == true)

        let badPartition = failure("tables:\n  - name: t\n    rows: 10\n    partition_by: [region]\n    columns:\n      - {name: id, type: int64, generator: sequence}\n")
        #expect(badPartition?.line == 4, "\(String(describing: badPartition))")
        #expect(badPartition?.message.contains("'region'") == true)

        let unknownField = failure(head + "      - {name: id, type: int64, generator: sequence, nulls: 0.1}\n")
        #expect(unknownField?.message.contains("unknown field 'nulls'") == true)

        let syntax = failure("tables:\n  - name: [unclosed\n")
        #expect(syntax?.line != nil && syntax?.message.contains("not valid YAML") == true)

        let noRows = failure("tables:\n  - name: t\n    columns:\n      - {name: id, type: int64, generator: sequence}\n")
        #expect(noRows?.message.contains("needs 'rows'") == true)

        // A built-in pack's name would make the dataset's manifest claim that pack.
        let builtIn = failure("name: bronze\n" + head + "      - {name: id, type: int64, generator: sequence}\n")
        #expect(builtIn?.line == 1 && builtIn?.message.contains("'bronze' is a built-in pack's") == true, "\(String(describing: builtIn))")
    }
}

@Suite("The README's YAML example")
struct ReadmeExampleTests {
    @Test("the complete example in the README loads and matches the tested one")
    func readmeExample() throws {
        let readme = try String(contentsOf: Interop.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```yaml\n"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let yaml = String(readme[start.upperBound..<end.lowerBound])
        let documented = try SchemaFile.parse(yaml, file: "README.md")
        let tested = try SchemaFile.parse(SchemaFileTests.example, file: "shop.yaml")
        #expect(documented.tables == tested.tables)
        #expect(documented.defaultStartDay == tested.defaultStartDay && documented.defaultDays == tested.defaultDays)
    }
}
