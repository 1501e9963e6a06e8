import Foundation
import TestSupport
import Testing

/// Seeded fuzzing of the binary: mutated YAML schemas and random argument combinations. Every
/// run must end without a signal (no trap, no hang), fail with a message when it fails, write
/// nothing outside the sandbox, and leave nothing complete-looking behind a failure.
@Suite("Safety: seeded fuzz of schemas and arguments", .serialized)
struct FuzzTests {
    /// A small deterministic generator (the test's own seed, not the engine's).
    struct Seeded {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(n, 1)))
        }
        mutating func pick<T>(_ items: [T]) -> T { items[next(items.count)] }
    }

    /// The README's complete example (its sizes do not matter: every run passes --rows and --days).
    static var baseSchema: String { SchemaFileTests.example }

    static let extremeNumbers = ["0", "-1", "1", "2147483648", "9223372036854775807", "-9223372036854775808", "99999999999999999999",
                                 "1e308", "-1e308", "1e-320", ".nan", ".inf", "-.inf", "0.5", "1e17", "137438953409", "3.7"]
    static let hostileWords = ["../x", "a/b", "", ".", "..", "x=y", "\\u0301", "é", String(repeating: "n", count: 300), "null", "~",
                               "\"", "{", "[", "a: b", "*anchor", "&anchor x", "!!binary aGk=", "<<", "|", "- -"]
    static let generatorNames = ["sequence", "uniform_int", "uniform", "normal", "lognormal", "poisson", "zipf", "bernoulli", "choice", "uuid",
                                 "text", "sentence", "template", "email", "json", "event_time", "event_date", "timestamp_between",
                                 "date_between", "after", "reference", "lookup", "product", "scaled", "constant", "by_value", "bogus"]
    static let typeNames = ["boolean", "int32", "int64", "double", "string", "json", "uuid", "uuid16", "date", "timestamp",
                            "timestamp_local", "decimal(18,18)", "decimal(1,0)", "decimal(19,2)", "binary", "fixed(4)", "float"]

    static func mutate(_ text: String, _ rng: inout Seeded) -> [UInt8] {
        var lines = text.components(separatedBy: "\n")
        for _ in 0..<(1 + rng.next(3)) {
            let i = rng.next(lines.count)
            switch rng.next(10) {
            case 0:  // a number token → an extreme value
                let parts = lines[i].split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                let numeric = parts.indices.filter { parts[$0].contains(where: \.isNumber) }
                if let k = numeric.isEmpty ? nil : numeric[rng.next(numeric.count)] {
                    var p = parts
                    let trailing = String(p[k].reversed().prefix { ",}]".contains($0) }.reversed())
                    p[k] = rng.pick(extremeNumbers) + trailing
                    lines[i] = p.joined(separator: " ")
                }
            case 1:  // a name or value → a hostile word
                if let range = lines[i].range(of: "name: ") {
                    let rest = lines[i][range.upperBound...]
                    let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
                    lines[i].replaceSubrange(range.upperBound..<end, with: "\"\(rng.pick(hostileWords))\"")
                }
            case 2:  // a type → another type
                if let range = lines[i].range(of: "type: ") {
                    let rest = lines[i][range.upperBound...]
                    let end = rest.firstIndex(of: ",") ?? rest.endIndex
                    lines[i].replaceSubrange(range.upperBound..<end, with: "\"\(rng.pick(typeNames))\"")
                }
            case 3:  // a generator → another generator
                if let range = lines[i].range(of: "generator: ") {
                    let rest = lines[i][range.upperBound...]
                    let end = rest.firstIndex(where: { $0 == "," || $0 == "}" || $0 == ":" }) ?? rest.endIndex
                    lines[i].replaceSubrange(range.upperBound..<end, with: rng.pick(generatorNames))
                }
            case 4: lines.remove(at: i)
            case 5: lines.insert(lines[i], at: i)
            case 6: lines.swapAt(i, rng.next(lines.count))
            case 7: lines[i] = String(repeating: " ", count: rng.next(9)) + lines[i].drop { $0 == " " }
            case 8:  // deep nesting
                lines.append("      - {name: deep, type: json, generator: " + String(repeating: "{json: {a: ", count: 5 + rng.next(40)) + "uuid"
                             + String(repeating: "}}", count: 5 + rng.next(40)) + "}")
            default:
                lines[i] += rng.pick([" &a", " *a", "\t", " #", ": x", "]", "}"])
            }
        }
        var bytes = [UInt8](lines.joined(separator: "\n").utf8)
        switch rng.next(8) {
        case 0 where !bytes.isEmpty: bytes = Array(bytes.prefix(rng.next(bytes.count)))  // truncated
        case 1 where !bytes.isEmpty:  // raw bytes: invalid UTF-8, NUL, controls
            bytes.insert(contentsOf: rng.pick([[0xC3, 0x28], [0xFF], [0], [0x1B, 0x5B], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]), at: rng.next(bytes.count))
        default: break
        }
        return bytes
    }

    /// Checks a finished run against the invariants; `out` is its output directory.
    static func check(_ result: Interop.Result, _ what: String, box: Sandbox, out: String?) {
        #expect(!result.signaled, "\(what): a signal or a hang: \(result.output.suffix(600))")
        if result.exitCode != 0 {
            #expect(result.output.contains("Error"), "\(what): failed without a message: \(result.output.suffix(400))")
            if let out {
                #expect(!FileManager.default.fileExists(atPath: box.path(out + "/_SUCCESS")), "\(what): _SUCCESS after a failure")
                if let manifest = try? String(contentsOfFile: box.path(out + "/manifest.json"), encoding: .utf8) {
                    #expect(manifest.contains("\"status\": \"failed\"") || !manifest.contains("streamgen_manifest"),
                            "\(what): a complete manifest after a failure")
                }
                #expect(!box.tree(out).contains { $0.hasSuffix(".tmp") }, "\(what): temporary files left")
            }
        }
    }

    /// Runs `jobs` four at a time.
    static func runAll(_ box: Sandbox, _ jobs: [(arguments: [String], out: String?)]) throws {
        var index = 0
        while index < jobs.count {
            let batch = jobs[index..<min(index + 4, jobs.count)]
            let children = try batch.map { job in
                try Interop.launch(Interop.streamgen, job.arguments, environment: ["SOURCE_DATE_EPOCH": "86400"], currentDirectory: box.inside.path)
            }
            for (job, child) in zip(batch, children) {
                check(child.finish(timeout: 90), "\(job.arguments)", box: box, out: job.out)
            }
            index += batch.count
        }
    }

    @Test("200 mutated YAML schemas")
    func schemas() throws {
        let box = try Sandbox("fuzz-yaml")
        defer { box.remove() }
        let before = try box.outsideSnapshot()
        var rng = Seeded(state: 2026)
        var jobs: [(arguments: [String], out: String?)] = []
        for i in 0..<200 {
            let file = box.path("s\(i).yaml")
            try Data(Self.mutate(Self.baseSchema, &rng)).write(to: URL(fileURLWithPath: file))
            // Every other run flat: fewer files for the same checks (partitions are checked when the schema loads).
            jobs.append((["generate", "--schema", "s\(i).yaml", "--rows", "300", "--days", "3", "--threads", "1", "--out", "o\(i)"]
                         + (i % 2 == 0 ? ["--layout", "flat"] : []), "o\(i)"))
        }
        try Self.runAll(box, jobs)
        #expect(try box.outsideSnapshot() == before)
    }

    @Test("100 argument combinations")
    func arguments() throws {
        let box = try Sandbox("fuzz-args")
        defer { box.remove() }
        let before = try box.outsideSnapshot()
        var rng = Seeded(state: 7)
        let options: [(String, [String])] = [
            ("--scale", ["0", "-1", "1e15", "nan", "inf", "0.01", "0.001", "abc", "1e-300"]),
            ("--days", ["0", "-1", "1", "3", "100001", "x", "7"]),
            ("--start", ["2024-01-01", "2024-02-30", "0000-01-01", "9999-12-31", "abc", "-1"]),
            ("--end", ["2024-01-03", "2023-01-01", "10000-01-01", "x"]),
            ("--rows", ["100", "0", "-5", "1e300", "ten", "1.5k"]),
            ("--tables", ["fake_users", "nope", ",", "", "fake_orders,fake_products"]),
            ("--seed", ["0", "-1", "18446744073709551615", "18446744073709551616", "x"]),
            ("--threads", ["1", "2", "0", "-1", "2000", "x"]),
            ("--memory-limit", ["64MiB", "1", "40MiB", "1e30", "-5", "1TiB"]),
            ("--format", ["parquet", "csv", "delta", ""]),
            ("--compression", ["zstd", "snappy", "none", "lz4"]),
            ("--zstd-level", ["1", "0", "23", "-5"]),
            ("--layout", ["hive", "flat", "x"]),
            ("--shard", ["0/2", "1/2", "2/2", "-1/3", "0/0", "a/b", "0/1000000000000"]),
            ("--chunk-rows", ["1", "0", "-1", "1048577", "100"]),
            ("--shard-rows", ["1", "0", "1e30", "100"]),
            ("--progress", ["json", "none", "auto", "x"]),
            ("--scenario", ["all", "null_spike", "bogus", ""]),
            ("--schema", ["missing.yaml", "", "/dev/null", "."]),
        ]
        var jobs: [(arguments: [String], out: String?)] = []
        for i in 0..<100 {
            let out = "o\(i)"
            switch rng.next(10) {
            case 0: jobs.append((rng.pick([["status", out], ["status", ".", "--verify"], ["clean", out, "--confirm"], ["validate", out],
                                           ["manifest", "merge", out], ["list"], ["inspect", "missing.parquet"], ["inspect", "/dev/null"],
                                           ["clean", "/", "--dry-run"], ["status", "/dev/zero"]]), nil))
                continue
            default: break
            }
            let pack = rng.pick(["devapp", "devapp", "devapp", "ecommerce", "nope"])
            var arguments = ["generate", pack, "--out", out]
            var names: Set<String> = []
            for _ in 0..<(1 + rng.next(5)) {
                let (name, values) = rng.pick(options)
                names.insert(name)
                arguments += [name, rng.pick(values)]
            }
            if rng.next(4) == 0 { arguments.append(rng.pick(["--overwrite", "--quiet", "--bogus"])) }
            if pack == "devapp" && !names.contains("--scale") && !names.contains("--rows") { arguments += ["--rows", "300"] }
            if pack == "ecommerce" && !names.contains("--scale") { arguments += ["--scale", "0.01"] }
            jobs.append((arguments, out))
        }
        try Self.runAll(box, jobs)
        #expect(try box.outsideSnapshot() == before)
    }
}
