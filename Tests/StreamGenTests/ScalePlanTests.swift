import Columnar
import Foundation
@testable import StreamGen
import Testing
import TestSupport

/// docs/SCALE.md's billion-row plans, planned here without writing them: shard counts, rows per
/// machine, files and their sizes (bytes per row from a small run written now). If the engine's
/// plan or the files' encoding drifts from what the document says, these fail.
@Suite("1 B rows on 16 machines × 8 cores, planned (docs/SCALE.md)", .serialized)
struct ScalePlanTests {
    static let machines = 16
    static let cores = 8

    /// What a table's files will be at full size: its plan shards, files, and the mean file.
    struct TablePlan {
        let rows: Int
        let shards: Int
        let files: Int
        let mibPerFile: Double
    }

    /// Plans `options` and sizes its files from `sample` (the same pack written small, whose
    /// shards hold each table's whole partition spread): bytes per row and files per shard.
    static func plan(_ options: GenerateOptions, sample: Manifest, samplePrepared: StreamGenEngine.Prepared) throws -> [String: TablePlan] {
        let prepared = try StreamGenEngine.prepare(options)
        var result: [String: TablePlan] = [:]
        for t in prepared.selectedTables {
            let table = prepared.tables[t]
            let shards = prepared.plan.shards.filter { $0.table == t }
            let measured = try #require(sample.tables.first { $0.name == table.name })
            let sampleShards = samplePrepared.plan.shards.filter { samplePrepared.tables[$0.table].name == table.name }.count
            let filesPerShard = Double(measured.files.count) / Double(sampleShards)
            let bytesPerRow = Double(measured.bytes) / Double(measured.rows)
            let rows = shards.reduce(0) { $0 + $1.rows.count }
            let files = Int((Double(shards.count) * filesPerShard).rounded())
            result[table.name] = TablePlan(rows: rows, shards: shards.count, files: files,
                                           mibPerFile: Double(rows) * bytesPerRow / Double(files) / 1_048_576)
        }
        return result
    }

    static func within(_ value: Double, _ expected: Double, _ share: Double) -> Bool { abs(value - expected) <= expected * share }

    @Test("devapp, 1 B rows of fake_analytics: 1,575 plan shards, every machine of 16 within 2 % of its share; files as SCALE.md sizes them, at the default --shard-rows and at 16 Mi")
    func devappBillion() async throws {
        // The sample: 1 M analytics rows, each table's shards as large as the default's.
        let dir = try Runs.temporary("plan-sample")
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = GenerateOptions(pack: DevAppPack.spec, outDirectory: dir.path)
        s.rows = 1_000_000
        s.createdAt = 86_400
        let samplePrepared = try StreamGenEngine.prepare(s)
        let sample = try await StreamGenEngine.generate(s)

        var o = GenerateOptions(pack: DevAppPack.spec, outDirectory: "/nonexistent/plan-only")
        o.rows = 1_000_000_000
        let prepared = try StreamGenEngine.prepare(o)
        #expect(prepared.plan.shards.count == 1_575)
        #expect(prepared.plan.shards.allSatisfy { $0.rows.count <= ShardPlan.defaultTargetRows })
        #expect(prepared.plannedRows == 1_650_000_000)
        // --shard i/16: every machine gets about 1/16 of the rows, and enough shards for 8 cores.
        var perMachine: [Int] = []
        for i in 0..<Self.machines {
            var m = o
            m.shard = try ShardSelection(index: i, count: Self.machines)
            let p = try StreamGenEngine.prepare(m)
            perMachine.append(p.plannedRows)
            #expect(p.shardIndices.count >= 8 * Self.cores, "machine \(i): \(p.shardIndices.count) shards")
        }
        #expect(perMachine.reduce(0, +) == 1_650_000_000)
        let share = 1_650_000_000.0 / Double(Self.machines)
        #expect(perMachine.allSatisfy { Self.within(Double($0), share, 0.02) }, "\(perMachine)")

        let plan = try Self.plan(o, sample: sample, samplePrepared: samplePrepared)
        let analytics = try #require(plan["fake_analytics"])
        #expect(analytics.shards == 954 && analytics.rows == 1_000_000_000)
        #expect(analytics.files == 954 * 90, "\(analytics.files)")
        #expect(Self.within(analytics.mibPerFile, 0.15, 0.25), "fake_analytics: \(analytics.mibPerFile) MiB a file")
        let orders = try #require(plan["fake_orders"])
        #expect(orders.shards == 477 && orders.files == 477 * 5)
        #expect(Self.within(orders.mibPerFile, 4.8, 0.25), "fake_orders: \(orders.mibPerFile) MiB a file")

        // SCALE.md's advice for fewer, larger files: --shard-rows 16Mi (16 × the rows a file holds,
        // 12 bytes a row of partition index per worker: 192 MiB).
        o.shardRows = 16 << 20
        let large = try Self.plan(o, sample: sample, samplePrepared: samplePrepared)
        let big = try #require(large["fake_analytics"])
        #expect(big.shards == 60 && big.files == 60 * 90, "\(big.shards) shards, \(big.files) files")
        #expect(Self.within(big.mibPerFile, 2.4, 0.3), "fake_analytics at 16 Mi: \(big.mibPerFile) MiB a file")
        #expect(large.values.reduce(0) { $0 + $1.shards } >= Self.machines * Self.cores / 2)
    }

    @Test("ecommerce at scale 2,020: 1 B events in 7,355 session shards, ≈ 136 k events (≈ 8 MiB) per file, 892 to 1,263 files a day")
    func ecommerceBillion() throws {
        let scale1 = EcommerceModel(seed: 42, startDay: EcommerceModel.defaultStartDay, days: 7, scale: 1, scenario: .baseline)
        let perScale = (0..<7).reduce(0.0) { $0 + scale1.expectedEvents(day: $1) }
        let scale = (1e9 / perScale).rounded()
        #expect(scale == 2_020, "1 B events is scale \(scale)")
        let model = EcommerceModel(seed: 42, startDay: EcommerceModel.defaultStartDay, days: 7, scale: scale, scenario: .baseline)
        let sessions = model.plan.shards.reduce(0) { $0 + $1.sessions.count }
        let events = Double(sessions) * SessionPlan.eventsPerSession
        #expect(Self.within(events, 1e9, 0.01), "\(events) events")
        #expect(model.plan.shards.count == 7_355, "\(model.plan.shards.count) shards")
        #expect(model.users.count == 20_200_000)
        let perShard = events / Double(model.plan.shards.count)
        #expect(Self.within(perShard, 136_000, 0.02), "\(perShard) events a shard")
        // Plan shards a day (Monday first): each writes its day's events file, and a small next-day one when its sessions run past midnight.
        let perDay = (0..<7).map { d in model.plan.shards.filter { $0.day == d }.count }
        #expect(perDay == [966, 892, 921, 1_010, 1_189, 1_263, 1_114], "\(perDay)")
        // Bytes per event as written at scale 100 here (62.3): a shard's day file of ≈ 8 MiB.
        #expect(Self.within(perShard * 62.3 / 1_048_576, 8.1, 0.05))
    }
}
