import Columnar
import Foundation
import TestSupport
import Testing

/// Writes files with the real writers and has pyarrow and DuckDB read them back
/// (`tools/interop/check.py`): values, logical types, nullability, statistics, pruning.
@Suite("Parquet read back by pyarrow and DuckDB", .serialized)
struct ParquetInteropTests {
    /// Runs the checker over `tables`, each written as Parquet into a fresh directory.
    func check(_ tables: [TestTable], label: String, chunkCapacity: Int = 1000) throws {
        let directory = try Interop.makeTemporaryDirectory(label)
        defer { try? FileManager.default.removeItem(at: directory) }
        var expectations: [[String: Any]] = []
        for table in tables {
            let path = directory.appendingPathComponent("\(table.name).parquet").path
            try table.writeParquet(to: path, chunkCapacity: chunkCapacity)
            var expectation = table.expectation(file: path)
            expectation["row_group_row_limit"] = table.options.rowGroupRowLimit
            expectation["key_value"] = Dictionary(uniqueKeysWithValues: table.options.keyValueMetadata.map { ($0.key, $0.value) })
            expectations.append(expectation)
        }
        let result = try Interop.check(expectations, in: directory)
        #expect(result.passed, "\(result.output)")
        #expect(result.output.contains("interop: \(tables.count) files"), "\(result.output)")
    }

    @Test("every type × required/optional × codec × dictionary, plain and fallback")
    func typeMatrix() throws {
        var tables: [TestTable] = []
        var rng = TestRNG(seed: 1)
        for (t, type) in RandomTables.types.enumerated() {
            for repetition in [Repetition.required, .optional] {
                for codec in CompressionCodec.allCases {
                    for mode in ["dictionary", "plain", "fallback"] {
                        let column = Column("v", type, repetition, encoding: mode == "plain" ? .plain : .automatic)
                        // Low cardinality, so that "dictionary" stays dictionary-encoded; "fallback"
                        // switches to PLAIN part-way through the chunk through a tiny dictionary limit.
                        var pool: [TestValue] = (0..<6).map { _ in RandomTables.randomValue(column, &rng) }
                        if repetition == .optional { pool.append(.null) }
                        let values = (0..<1500).map { i in pool[(i * 7 + i / 5) % pool.count] }
                        let options = WriterOptions(
                            codec: codec, rowGroupRowLimit: 700, dataPageSizeLimit: 512, dataPageRowLimit: 100,
                            dictionaryPageSizeLimit: mode == "fallback" ? 24 : 1 << 20)
                        let schema = try Schema([Column("row", .int64), column])
                        let rows = (0..<1500).map { TestValue.int(Int64($0)) }
                        tables.append(TestTable(
                            name: "t\(t)-\(repetition)-\(codec.name)-\(mode)", schema: schema,
                            columns: [rows, values], options: options))
                    }
                }
            }
        }
        try check(tables, label: "matrix", chunkCapacity: 512)
    }

    @Test("value dictionaries (caller-coded columns) for every byte-array type")
    func valueDictionaries() throws {
        var tables: [TestTable] = []
        for type in [ColumnType.string, .json, .uuid(.string), .binary] {
            for repetition in [Repetition.required, .optional] {
                var words = ["mobile", "desktop", "tablet", "épsilon", "", "zeta"]
                if type == .json { words = words.map { "{\"device\":\"\($0)\"}" } }
                let entries = words.map { Array($0.utf8) }
                let column = Column("device", type, repetition, dictionary: try ValueDictionary(bytes: entries))
                let values: [TestValue] = (0..<5000).map { i in
                    repetition == .optional && i % 9 == 0 ? .null : .code(UInt32((i * 31) % 6))
                }
                tables.append(TestTable(
                    name: "coded-\(type.description)-\(repetition)", schema: try Schema([column]), columns: [values],
                    options: WriterOptions(codec: .zstd, rowGroupRowLimit: 2000, dataPageRowLimit: 700)))
            }
        }
        // One entry only: bit width 0.
        let single = Column("one", .string, dictionary: try ValueDictionary(["only"]))
        tables.append(TestTable(name: "coded-single", schema: try Schema([single]),
                                columns: [[TestValue](repeating: .code(0), count: 100)]))
        try check(tables, label: "coded")
    }

    @Test("edge cases: 0 rows, 1 row, all nulls, extremes, empty/long/non-ASCII strings, many row groups and pages")
    func edgeCases() throws {
        let everything = try Schema([
            Column("i64", .int64, .optional), Column("i32", .int32), Column("d", .double, .optional),
            Column("s", .string, .optional), Column("dec", .decimal(precision: 18, scale: 3), .optional),
            Column("day", .date), Column("ts", .timestampUTC, .optional), Column("b", .boolean, .optional),
        ])
        func table(_ name: String, _ rows: [[TestValue]], options: WriterOptions = WriterOptions()) -> TestTable {
            let columns = (0..<everything.count).map { c in rows.map { $0[c] } }
            return TestTable(name: name, schema: everything, columns: columns, options: options)
        }
        let extremes: [[TestValue]] = [
            [.int(.min), .int(Int64(Int32.min)), .double(-.infinity), .bytes([]), .int(-999_999_999_999_999_999), .int(-719_162), .int(-62_135_596_800_000_000), .bool(false)],
            [.int(.max), .int(Int64(Int32.max)), .double(.nan), .bytes(Array("日本語 🙂 épsilon".utf8)), .int(999_999_999_999_999_999), .int(2_932_896), .int(253_402_300_799_999_999), .bool(true)],
            [.int(0), .int(0), .double(-0.0), .bytes(Array(String(repeating: "ÿ", count: 100).utf8)), .int(-1), .int(-1), .int(-1), .null],
            [.null, .int(-1), .double(0.0), .bytes(Array(String(repeating: "long text ", count: 50).utf8)), .null, .int(0), .null, .null],
        ]
        let allNull = (0..<300).map { i in [TestValue.null, .int(Int64(i)), .null, .null, .null, .int(Int64(i)), .null, .null] }
        let many = (0..<5000).map { i -> [TestValue] in
            let n = Int64(i)
            let text: TestValue = .bytes(Array("s\(i % 1234)".utf8))
            let timestamp: TestValue = .int(1_704_067_200_000_000 + n * 1_000_000)
            return [.int(n * 1_000_003), .int(n % 100), .double(Double(i) / 7), text,
                    .int(n * 37 - 90_000), .int(n % 400 - 200), timestamp, .bool(i % 3 == 0)]
        }
        try check([
            table("zero-rows", []),
            table("one-row", [extremes[1]]),
            table("extremes", extremes),
            table("all-null", allNull),
            table("many-groups-and-pages", many,
                  options: WriterOptions(codec: .snappy, rowGroupRowLimit: 1024, dataPageSizeLimit: 2048, dataPageRowLimit: 300)),
            table("byte-limited-groups", many, options: WriterOptions(codec: .zstd, rowGroupByteLimit: 8 * 1024)),
        ], label: "edges", chunkCapacity: 777)
    }

    @Test("runs of equal strings, nulls inside the runs, across pages and chunks")
    func equalRuns() throws {
        // The writer reuses the code of a value equal to the row before it: runs of 1-12 (a
        // session's id on its events), broken by nulls, and runs that cross page (97 rows) and
        // chunk (250 rows) boundaries, with values of the same length that differ in one byte.
        var rng = TestRNG(seed: 7)
        var values: [TestValue] = []
        var run = 0
        while values.count < 4000 {
            let length = 1 + Int(rng.next() % 12)
            let id = Array("session-\(String(format: "%04d", run % 700))-".utf8) + [UInt8(ascii: "a") + UInt8(run % 26)]
            for _ in 0..<length { values.append(rng.next() % 7 == 0 ? .null : .bytes(id)) }
            run += 1
        }
        let schema = try Schema([Column("session", .string, .optional)])
        let options = WriterOptions(codec: .snappy, rowGroupRowLimit: 1500, dataPageRowLimit: 97)
        try check([TestTable(name: "runs", schema: schema, columns: [values], options: options)], label: "runs", chunkCapacity: 250)
    }

    @Test("a chunk that starts dictionary-encoded and falls back to PLAIN part-way", arguments: CompressionCodec.allCases)
    func midChunkFallback(codec: CompressionCodec) throws {
        // 2000 rows from 3 values (dictionary pays off), then 3000 distinct values (it outgrows 1 kB).
        let schema = try Schema([Column("s", .string, .optional), Column("n", .int64), Column("d", .double)])
        let rows = 5000
        let s: [TestValue] = (0..<rows).map { i in
            i % 11 == 0 ? .null : .bytes(Array((i < 2000 ? "v\(i % 3)" : "unique-\(i)").utf8))
        }
        let n: [TestValue] = (0..<rows).map { i in .int(i < 2000 ? Int64(i % 3) : Int64(i) * 1_000_003) }
        let d: [TestValue] = (0..<rows).map { i in .double(i < 2000 ? Double(i % 3) : Double(i) / 3) }
        let options = WriterOptions(codec: codec, dataPageRowLimit: 500, dictionaryPageSizeLimit: 1000)
        try check([TestTable(name: "mixed-\(codec.name)", schema: schema, columns: [s, n, d], options: options)], label: "mixed")
    }

    @Test("200 seeded random schemas and data sets")
    func randomTables() throws {
        try check((0..<200).map { RandomTables.table(seed: UInt64($0) &* 7919 &+ 11) }, label: "random", chunkCapacity: 613)
    }
}

@Suite("CSV read back by Python's csv module and DuckDB")
struct CSVInteropTests {
    @Test("every type, nulls, quoting, non-ASCII")
    func everyType() throws {
        let directory = try Interop.makeTemporaryDirectory("csv")
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = TestRNG(seed: 99)
        var columns: [Column] = []
        var values: [[TestValue]] = []
        for (i, type) in RandomTables.types.enumerated() {
            for repetition in [Repetition.required, .optional] {
                let column = Column("c\(i)_\(repetition)", type, repetition)
                columns.append(column)
                values.append((0..<400).map { row in
                    if repetition == .optional && row % 5 == 0 { return .null }
                    // NUL bytes are legal in Parquet strings but not in CSV text.
                    var value = RandomTables.randomValue(column, &rng)
                    if case .bytes(let b) = value, type.description == "string" { value = .bytes(b.filter { $0 != 0 }) }
                    if case .double(let d) = value, d.isNaN { value = .double(1.5) }
                    return value
                })
            }
        }
        let table = TestTable(name: "csv", schema: try Schema(columns), columns: values)
        let path = directory.appendingPathComponent("all.csv").path
        let writer = try CSVFileWriter(path: path, schema: table.schema)
        for chunk in table.chunks(capacity: 128) { try writer.write(chunk) }
        let summary = try writer.close()
        #expect(summary.rows == 400)
        let result = try Interop.check([table.expectation(file: path, format: "csv")], in: directory)
        #expect(result.passed, "\(result.output)")
    }
}
