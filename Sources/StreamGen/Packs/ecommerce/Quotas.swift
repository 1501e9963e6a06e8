import Columnar

/// Spec §3's magnitudes. Every fixture's anomaly lands on them for any seed: the run counts the
/// anomaly's population first (a census of the days it touches) and draws exactly the quota,
/// `round(share × population)`, rather than deciding row by row with a rate that wanders.
enum SpecFigures {
    /// null_spike (§3.1): the share of orders with NULL user_id per 0-based day of the window
    /// (day 3 from 14:00 UTC, days 4 and 5): 41.2 %, 39.8 %, 40.1 %.
    static let nullSpikeRates: [(day: Int, share: Double)] = [(2, 0.412), (3, 0.398), (4, 0.401)]
    static let nullSpikeSeverity = 0.41
    /// The hour of day 3 the broken app release ships.
    static let nullSpikeStartHour: Int64 = 14
    /// The share of mobile app sessions on the broken release while it is out (it decides the
    /// label of sessions that place no order in the window; those that do are drawn by quota).
    static let brokenReleaseAdoption = 0.727
    /// volume_drop (§3.2): EU events lost on 0-based days 4 and 5.
    static let volumeDropShare = 0.80
    static let volumeDropDays = [4, 5]
    /// schema_drift (§3.3): the share of products the day-4 import job adds, prices as text.
    static let schemaDriftShare = 0.28
    /// duplicates (§3.4): the share of orders whose items are inserted twice, per 0-based day.
    static let duplicateShares: [(day: Int, share: Double)] = [(5, 0.147), (6, 0.001)]
    /// late_arriving (§3.5): the share of day 2's events (0-based 1) inserted on day 5 (0-based 4).
    static let lateShare = 0.03
    /// orphaned_records (§3.6): the share of day 4's orders (0-based 3) whose user was deleted.
    static let orphanShare = 0.082
    /// §2.1: 12,500 items for 5,000 orders.
    static let itemsPerOrder = 2.5

    /// The quota of a share of `population`.
    static func quota(_ share: Double, of population: Int) -> Int { Int((share * Double(population)).rounded()) }

    /// How far `validate` lets a measured share be from the spec's: 1.5 points or 10 % of the
    /// figure, whichever is tighter, but never less than the rounding of one row in `population`
    /// (a quota of a small population cannot be nearer).
    static func tolerance(_ share: Double, population: Int) -> Double {
        max(min(0.015, 0.10 * share), 0.5 / Double(max(population, 1)) + 1e-12)
    }
}

/// What the census of one shard found: the anomaly's population per 0-based day, the sessions
/// that are candidates for it (in session order), and the window's orders already without a
/// user (null_spike's guest checkouts, which count towards the measured NULL rate).
struct ShardCensus: Sendable {
    /// 16 bytes: a census holds one per candidate session.
    struct Candidate: Sendable {
        /// Run-wide session index.
        let session: Int
        /// The 0-based day the candidate counts on.
        let day: Int32
        /// Rows it stands for (late_arriving: the session's day-2 events; otherwise 1).
        let weight: Int32

        init(session: Int, day: Int, weight: Int) {
            self.session = session
            self.day = Int32(day)
            self.weight = Int32(clamping: weight)
        }
    }
    var candidates: [Candidate] = []
    var population: [Int]
    var guests: [Int]

    init(days: Int) {
        population = Array(repeating: 0, count: days)
        guests = Array(repeating: 0, count: days)
    }
}

/// The scenario's decisions, drawn once from the census before the fixture is written: which
/// sessions the anomaly touches (sorted run-wide indices, with a value per session) and, for the
/// volume drop, how many EU events each shard loses per day.
struct AnomalyPlan: Sendable {
    /// Sorted run-wide session indices the plan names.
    let sessions: [Int]
    /// Per named session: whether the anomaly takes it, and for late_arriving how many of its day-2
    /// events (of `weight`) arrive late.
    let picks: [Pick]
    /// volume_drop: per shard, per 0-based day, (events to drop, EU events the shard has).
    let shardQuotas: [[Int: (drop: Int, of: Int)]]

    struct Pick: Sendable {
        let weight: Int32
        let take: Int32
        let selected: Bool
    }

    /// The most memory a scenario's census and plan can take at `scale`: a candidate (16 bytes
    /// while counted, 20 in the plan) per session that can hold the anomaly. late_arriving has
    /// the most, day 2's mobile sessions: about 2,500 at scale 1.
    static func memoryBound(scale: Double, scenarios: [EcommerceScenario]) -> Int {
        scenarios.allSatisfy({ $0 == .baseline || $0 == .schemaDrift }) ? 0 : Int((4_000 * scale).rounded(.up)) * 36
    }

    static let empty = AnomalyPlan(sessions: [], picks: [], shardQuotas: [])

    /// The plan's entry for run-wide session `s`, if any.
    func pick(_ s: Int) -> Pick? {
        var low = 0, high = sessions.count
        while low < high {
            let mid = (low + high) / 2
            if sessions[mid] < s { low = mid + 1 } else { high = mid }
        }
        return low < sessions.count && sessions[low] == s ? picks[low] : nil
    }

    /// The shards whose sessions can hold the scenario's population: the days it counts on, and
    /// the shards of the day before that can run past midnight into the first of them.
    static func censusShards(_ model: EcommerceModel) -> [Int] {
        let days: Set<Int>
        switch model.scenario {
        case .nullSpike: days = Set(SpecFigures.nullSpikeRates.map(\.day))
        case .orphanedRecords: days = [3]
        case .duplicates: days = Set(SpecFigures.duplicateShares.map(\.day))
        case .lateArriving: days = [1]
        case .volumeDrop: days = Set(SpecFigures.volumeDropDays)
        case .baseline, .schemaDrift: return []
        }
        guard let first = days.min() else { return [] }
        return model.plan.shards.indices.filter { k in
            let shard = model.plan.shards[k]
            return days.contains(shard.day) || (shard.day == first - 1 && model.plan.mayReachNextDay(shard))
        }
    }

    /// Draws the plan from the shards' censuses (`census[k]` for shard `k`, nil where none ran).
    /// Each quota is drawn by selection sampling (Knuth's algorithm S) over the candidates in
    /// session order: exactly `quota` of them, every subset equally likely, from one stream.
    static func draw(_ model: EcommerceModel, census: [ShardCensus?]) -> AnomalyPlan {
        var population = [Int](repeating: 0, count: model.days)
        var guests = [Int](repeating: 0, count: model.days)
        var candidates: [ShardCensus.Candidate] = []
        for c in census.compactMap({ $0 }) {
            for d in 0..<model.days {
                population[d] += c.population[d]
                guests[d] += c.guests[d]
            }
            candidates.append(contentsOf: c.candidates)
        }
        candidates.sort { $0.session < $1.session }
        var rng = model.scenarioKey.adding("quota").cell(0)

        switch model.scenario {
        case .volumeDrop:
            // Per day, the quota split over the shards by cumulative rounding (exact in total);
            // each shard then draws its share of its own events as it writes them.
            var quotas = [[Int: (drop: Int, of: Int)]](repeating: [:], count: model.plan.shards.count)
            for d in SpecFigures.volumeDropDays {
                let total = population[d]
                let quota = SpecFigures.quota(SpecFigures.volumeDropShare, of: total)
                var running = 0, given = 0
                for (k, c) in census.enumerated() {
                    guard let c, c.population[d] > 0 else { continue }
                    running += c.population[d]
                    let upTo = total == 0 ? 0 : Int((Double(quota) * Double(running) / Double(total)).rounded())
                    quotas[k][d] = (upTo - given, c.population[d])
                    given = upTo
                }
            }
            return AnomalyPlan(sessions: [], picks: [], shardQuotas: quotas)
        case .lateArriving:
            // Whole sessions' day-2 events, drawn until the quota of events is met; the last
            // session drawn contributes only its last events (its phone lost the network mid-way).
            var need = SpecFigures.quota(SpecFigures.lateShare, of: population[1])
            var remaining = candidates.reduce(0) { $0 + Int($1.weight) }
            var sessions: [Int] = [], picks: [Pick] = []
            for c in candidates where need > 0 {
                let weight = Int(c.weight)
                let take = remaining <= need || rng.nextDouble() < Double(need) / Double(remaining) ? min(weight, need) : 0
                remaining -= weight
                if take > 0 {
                    sessions.append(c.session)
                    picks.append(Pick(weight: c.weight, take: Int32(take), selected: true))
                    need -= take
                }
            }
            return AnomalyPlan(sessions: sessions, picks: picks, shardQuotas: [])
        default:
            var quota: [Int32: Int] = [:]
            switch model.scenario {
            case .nullSpike:
                // The measured NULL rate counts guest checkouts too: the quota tops them up.
                for (d, share) in SpecFigures.nullSpikeRates {
                    quota[Int32(d)] = max(0, SpecFigures.quota(share, of: population[d]) - guests[d])
                }
            case .orphanedRecords:
                quota[3] = SpecFigures.quota(SpecFigures.orphanShare, of: population[3])
            case .duplicates:
                for (d, share) in SpecFigures.duplicateShares { quota[Int32(d)] = SpecFigures.quota(share, of: population[d]) }
            default:
                break
            }
            var left: [Int32: Int] = [:]
            for c in candidates { left[c.day, default: 0] += 1 }
            var sessions: [Int] = [], picks: [Pick] = []
            // null_spike names the candidates it leaves too: they must not carry the broken release.
            let keepAll = model.scenario == .nullSpike
            for c in candidates {
                let need = quota[c.day] ?? 0
                let n = left[c.day]!
                let selected = need > 0 && (n <= need || rng.nextDouble() < Double(need) / Double(n))
                left[c.day] = n - 1
                if selected { quota[c.day] = need - 1 }
                if selected || keepAll {
                    sessions.append(c.session)
                    picks.append(Pick(weight: c.weight, take: selected ? c.weight : 0, selected: selected))
                }
            }
            return AnomalyPlan(sessions: sessions, picks: picks, shardQuotas: [])
        }
    }
}

extension SessionPlan {
    /// Whether a session of `shard` can still be running at midnight: it holds the day's sign-up
    /// sessions (at any hour), or its regular sessions start after 22:00 (a session lasts well
    /// under an hour).
    func mayReachNextDay(_ shard: Shard) -> Bool {
        let regular = self.regular[shard.day]
        if shard.sessions.upperBound > regular { return true }
        let lastStart = curve.micros(at: Double(shard.sessions.upperBound) / Double(max(regular, 1)))
        return lastStart >= 22 * 3_600_000_000
    }
}
