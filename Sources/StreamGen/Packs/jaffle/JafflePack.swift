import Columnar
import Synchronization

/// The jaffle pack (spec 001): the dbt seeds of "jaffle shop goes online" — training and
/// validation data, website and app sessions, three ad platforms — as the tree stands after
/// `--days-back` days, or written day by day with a command run after each (`--each-day`).
public struct JafflePack: Pack {
    public static let pack = JafflePack()

    public let name = "jaffle"
    public let summary = "Jaffle shop goes online (spec 001): dbt seeds — customers, orders, payments and signups (training, and validation with anomalies), website and app sessions, Google, Facebook and Instagram ads; day by day with --each-day"
    public let accepts: Set<GenerateOption> = [.csv, .eachDay, .chunkRows, .sink, .shard]
    public let parameters = ["days-back", "data"]
    /// `--end` alone sets the period; a start a long way back keeps the CLI's check quiet.
    public var defaultStartDay: Int64 { 0 }

    public static let defaultDaysBack = 30

    public var description: PackDescription {
        PackDescription(
            period: "--days-back 30 training days ending the day before --end (default: today, UTC, or SOURCE_DATE_EPOCH's day); the validation batch and the ads' last rows on --end",
            tables: [
                .init(name: "training/raw_customers_training", rows: "16–66 a day", details: "id, first_name, last_name"),
                .init(name: "training/raw_orders_training", rows: "283–333 a day", details: "id, user_id, order_date, status"),
                .init(name: "training/raw_payments_training", rows: "1–2 per order", details: "id, order_id, payment_method, amount (cents)"),
                .init(name: "training/raw_signups_training", rows: "one per customer", details: "id, user_id, user_email, hashed_password, signup_date"),
                .init(name: "validation/raw_*_validation", rows: "training + 600 customers, 1,200 order rows", details: "the anomalies listed in the manifest"),
                .init(name: "sessions/stg_website_sessions", rows: "one per ordering customer", details: "1–24 h before the first order"),
                .init(name: "sessions/stg_app_sessions", rows: "≈ 60 % of ordering customers"),
                .init(name: "ads/stg_{google,facebook,instagram}_ads", rows: "100 ads × 31–61 days each", details: "ad_id, date, utm_medium, utm_campain, cost"),
            ],
            scenarios: [],
            notes: ["--days-back N, --end DATE, --data training|validation|sessions|ads|all, --format csv|parquet, --scale",
                    "--each-day 'COMMAND' writes day by day and runs COMMAND after each (STREAMGEN_DAY, STREAMGEN_RUN_STARTED_AT, STREAMGEN_VALIDATION)"])
    }

    /// The run a request asks for.
    func plan(_ request: GenerateRequest) throws(GenerateError) -> JafflePlan {
        if request.startDay != nil { throw .invalidOption("--start does not apply to the jaffle pack: it counts --days-back from --end") }
        if request.days != nil && request.endDay == nil { throw .invalidOption("--days does not apply to the jaffle pack: give --days-back N") }
        var daysBack = JafflePack.defaultDaysBack
        if let text = request.parameters["days-back"] {
            guard let n = Int(text), (1...36_500).contains(n) else { throw .invalidOption("--days-back '\(text)': a whole number of days from 1 to 36500") }
            daysBack = n
        }
        var parts = Set(JafflePart.allCases)
        if let text = request.parameters["data"] {
            var chosen = Set<JafflePart>()
            for word in text.split(separator: ",") {
                let w = String(word)
                if w == "all" { chosen = Set(JafflePart.allCases); continue }
                if w == "marketing" { chosen.insert(.sessions); chosen.insert(.ads); continue }
                guard let p = JafflePart(rawValue: w) else {
                    throw .invalidOption("--data '\(text)': training, validation, sessions (or marketing, with ads), ads or all")
                }
                chosen.insert(p)
            }
            guard !chosen.isEmpty else { throw .invalidOption("--data '\(text)': name at least one part") }
            parts = chosen
        }
        let now = request.createdAt ?? FileSystem.now()
        let end = request.endDay ?? Int64((Double(now) / 86_400).rounded(.down))
        guard end - Int64(daysBack) >= -719_162 + 31, end <= 2_932_896 else { throw .invalidOption("--end \(formatISODate(end)): the period leaves the years 1 to 9999") }
        let scale = request.scale ?? 1
        guard scale <= 1_000_000 else { throw .invalidOption("--scale \(scale): at most 1000000 for the jaffle pack") }
        var model = JaffleModel(seed: request.seed ?? 42, scale: scale, startDay: end - Int64(daysBack), endDay: end)
        if let rows = request.chunkRows {
            guard (1...(1 << 20)).contains(rows) else { throw .invalidOption("--chunk-rows \(rows): between 1 and 1048576") }
            model.sliceRows = rows
        }
        let format: OutputFormat = request.format ?? .csv
        if format == .csv, let codec = request.codec, codec != .uncompressed {
            throw .invalidOption("--compression \(codec.name) applies to Parquet; the jaffle pack writes CSV seeds unless --format parquet")
        }
        return JafflePlan(model: model, daysBack: daysBack, parts: parts, format: format, request: request)
    }

    public func generate(_ request: GenerateRequest, progress: RunProgress) async throws(GenerateError) -> GenerateReport {
        try request.check(against: self)
        let plan = try plan(request)
        if request.shard != nil && request.afterEachDay != nil {
            throw .invalidOption("--each-day runs its command on the whole tree after each day, and a --shard writes only its own days; run --each-day on one machine")
        }
        if request.sink != nil && request.afterEachDay != nil {
            throw .invalidOption("--sink loads the run in one transaction at its end, so --each-day's command would not see the day's rows in the database; run the loop over the files")
        }
        return try await PostgresLoad.around(request, tables: { JaffleTables.postgresTables(plan.parts) }, pack: name, seed: plan.model.seed,
                                             options: { plan.options(runStartedAt: request.createdAt ?? FileSystem.now()) },
                                             threads: request.threads ?? FileSystem.coreCount()) { (load) throws(GenerateError) in
            let journal = Journal(pack: name, pid: FileSystem.processID(), startedAt: FileSystem.now(), commandLine: request.commandLine,
                                  shard: request.shard, claims: try plan.claims())
            let dataset: DatasetDirectory
            if let shard = request.shard {
                // Beside the other shards: its own earlier output is replaced, theirs left alone.
                dataset = try OutputDirectory.prepare(request.outDirectory, overwrite: request.overwrite, shard: shard,
                                                      tableNames: JafflePart.allCases.map(\.rawValue) + [JafflePlan.partialDirectory, PostgresScripts.loadFileName],
                                                      format: plan.format, journal: journal)
            } else {
                dataset = try OutputDirectory.openEmpty(request)
                try dataset.write(journal)
            }
            return try await JaffleRun(plan: plan, dataset: dataset, journal: journal, progress: progress, load: load).run()
        }
    }

    public func validate(_ directory: String, manifest: Manifest) throws(GenerateError) -> ValidationReport {
        try JaffleValidation.run(directory, manifest: manifest)
    }

    public func completeMerge(_ manifest: inout Manifest, shards: [Manifest], dataset: DatasetDirectory) throws(ManifestError)
        -> (partials: [String], journal: Journal?)
    {
        try JaffleShards.complete(&manifest, shards: shards, dataset: dataset)
    }
}

/// The parts `--data` chooses from.
enum JafflePart: String, CaseIterable, Sendable, Comparable {
    case training, validation, sessions, ads
    static func < (a: JafflePart, b: JafflePart) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// The jaffle tables: their part (the seeds folder), name, columns, and the column whose day
/// partitions the Parquet files.
enum JaffleTables {
    struct Table: Sendable {
        let part: JafflePart
        let name: String
        let schema: Schema
        /// Whether Parquet files go in `day=YYYY-MM-DD` partitions (the table has a date).
        let dated: Bool
    }

    static let timestamp = ColumnType.timestamp(isAdjustedToUTC: false)
    static let customers = try! Schema([Column("id", .int64), Column("first_name", .string), Column("last_name", .string)])
    static let orders = try! Schema([Column("id", .int64), Column("user_id", .int64), Column("order_date", timestamp), Column("status", .string)])
    static let payments = try! Schema([Column("id", .int64), Column("order_id", .int64), Column("payment_method", .string), Column("amount", .int64)])
    static let signups = try! Schema([Column("id", .int64), Column("user_id", .int64), Column("user_email", .string, .optional),
                                      Column("hashed_password", .string), Column("signup_date", timestamp)])
    static let sessions = try! Schema([Column("session_id", .string), Column("customer_id", .int64), Column("started_at", timestamp),
                                       Column("ended_at", timestamp), Column("utm_source", .string), Column("ad_id", .string)])
    static let ads = try! Schema([Column("ad_id", .string), Column("date", .date), Column("utm_medium", .string), Column("utm_campain", .string),
                                  Column("cost", .decimal(precision: 10, scale: 2))])

    static func raw(_ part: JafflePart) -> [Table] {
        let s = part.rawValue
        return [Table(part: part, name: "raw_customers_\(s)", schema: customers, dated: false),
                Table(part: part, name: "raw_orders_\(s)", schema: orders, dated: true),
                Table(part: part, name: "raw_payments_\(s)", schema: payments, dated: false),
                Table(part: part, name: "raw_signups_\(s)", schema: signups, dated: true)]
    }

    /// Every table, in the order of the manifest: training, validation, sessions, ads.
    static let all: [Table] = raw(.training) + raw(.validation) + [
        Table(part: .sessions, name: "stg_website_sessions", schema: sessions, dated: true),
        Table(part: .sessions, name: "stg_app_sessions", schema: sessions, dated: true),
    ] + JaffleModel.platforms.map { Table(part: .ads, name: "stg_\($0)_ads", schema: ads, dated: true) }
}

extension JaffleTables {
    /// The tables of `parts` as PostgreSQL holds them (`--sink`). The training seeds keep their
    /// keys, references and accepted values; the validation seeds' anomalies break some on
    /// purpose, and those are left out with a note saying which.
    static func postgresTables(_ parts: Set<JafflePart>) -> [PostgresTable] {
        var result: [PostgresTable] = []
        func table(_ t: Table, key: [String]) -> PostgresTable {
            PostgresTable(name: t.name, columns: t.schema.columns.map { .init(name: $0.name, type: $0.type, notNull: !$0.isOptional) }, primaryKey: key)
        }
        let statuses = "status IN (\(JaffleModel.statuses.map(quoteLiteral).joined(separator: ", ")))"
        for part in [JafflePart.training, .validation] where parts.contains(part) {
            let s = part.rawValue
            let tables = raw(part)
            let validation = part == .validation
            let customers = table(tables[0], key: ["id"])
            var orders = table(tables[1], key: ["id"])
            orders.foreignKeys = [.init(["user_id"], references: customers.name, ["id"])]
            var payments = table(tables[2], key: ["id"])
            var signups = table(tables[3], key: ["id"])
            if validation {
                orders.primaryKey = nil
                orders.notes.append("No primary key on id: duplicate_order_id writes new orders twice under one id.")
                orders.notes.append("No check on status: lost_status writes the status 'lost', which is not an accepted one.")
                payments.notes.append("No foreign key on order_id → raw_orders_\(s).id: that id is not unique (duplicate_order_id).")
                payments.notes.append("No check on amount: zero_amount writes payments of 0.")
                signups.notes.append("No foreign key on user_id → raw_customers_\(s).id: orphan_signup writes signups of customers that do not exist.")
            } else {
                orders.checks = [statuses]
                payments.foreignKeys = [.init(["order_id"], references: orders.name, ["id"])]
                payments.checks = ["amount > 0"]
                signups.foreignKeys = [.init(["user_id"], references: customers.name, ["id"])]
            }
            result += [customers, orders, payments, signups]
        }
        for t in all where parts.contains(t.part) && t.part == .sessions {
            var sessions = table(t, key: ["session_id"])
            sessions.checks = ["ended_at >= started_at"]
            result.append(sessions)
        }
        for t in all where parts.contains(t.part) && t.part == .ads {
            var ads = table(t, key: ["ad_id", "date"])
            ads.checks = ["cost >= 0"]
            result.append(ads)
        }
        return result
    }
}

/// A jaffle run's settings.
struct JafflePlan: Sendable {
    let model: JaffleModel
    let daysBack: Int
    let parts: Set<JafflePart>
    let format: OutputFormat
    let request: GenerateRequest

    var tables: [JaffleTables.Table] { JaffleTables.all.filter { parts.contains($0.part) } }
    var csv: Bool { format == .csv }
    var shard: ShardSelection? { request.shard }

    /// The first day any table has rows on: the ads' lead before the training days.
    static func firstDay(startDay: Int64) -> Int64 { startDay - JaffleModel.adLeadDays.upperBound }

    /// Whether this process writes day `day`'s rows: every day in a whole run; with `--shard
    /// i/N`, the days N apart from the i-th after `firstDay` (the end day's validation batch with
    /// its day). Every shard still simulates every training day: a day's ids and first orders
    /// continue from the days before it.
    func owns(_ day: Int64) -> Bool {
        guard let shard else { return true }
        return Int((day - JafflePlan.firstDay(startDay: model.startDay)) % Int64(shard.count)) == shard.index
    }

    /// Where a CSV shard's rows of `t` go: a headerless segment the merge continues the table's
    /// file with, day by day (`JaffleShards`).
    func segmentPath(_ t: JaffleTables.Table, _ shard: ShardSelection) -> String { JafflePlan.segmentPath(t.name, shard) }

    static func segmentPath(_ table: String, _ shard: ShardSelection) -> String {
        "\(partialDirectory)/\(table).shard-\(Manifest.pad(shard.index))-of-\(Manifest.pad(shard.count)).csv"
    }

    static let partialDirectory = ShardCompletion.partialDirectory

    /// A CSV shard's index of its segments: the bytes and rows each day took.
    static func segmentIndexPath(_ shard: ShardSelection) -> String {
        "\(partialDirectory)/segments.shard-\(Manifest.pad(shard.index))-of-\(Manifest.pad(shard.count)).json"
    }

    /// The path of a table's file: `training/raw_orders_training.csv`, or for Parquet one file
    /// per day, `training/raw_orders_training/day=2024-01-05/part-00000.parquet` (undated
    /// tables: `training/raw_customers_training/2024-01-05.parquet`).
    func path(_ t: JaffleTables.Table, day: Int64) -> String {
        if csv { return "\(t.part.rawValue)/\(t.name).csv" }
        return t.dated ? "\(t.part.rawValue)/\(t.name)/day=\(formatISODate(day))/part-00000.parquet"
            : "\(t.part.rawValue)/\(t.name)/\(formatISODate(day)).parquet"
    }

    /// Every file the run may create, for its journal.
    func claims() throws(GenerateError) -> [Journal.Claim] {
        var paths = Set<String>()
        for t in tables {
            if csv, let shard {
                paths.insert(segmentPath(t, shard))
                continue
            }
            let first = t.part == .ads ? model.firstAdDay : model.startDay
            for day in first...model.endDay where owns(day) { paths.insert(path(t, day: day)) }
        }
        if csv, let shard { paths.insert(JafflePlan.segmentIndexPath(shard)) }
        if owns(model.endDay) { paths.insert(JaffleRun.truthPath) }
        paths.insert(PostgresScripts.schemaFileName)
        if csv { paths.insert(PostgresScripts.loadFileName) }
        do {
            return try paths.sorted().map { .file(try RelativePath(validating: $0)) }
        } catch {
            throw .output("a jaffle path: \(error)")
        }
    }

    /// The options the manifest records.
    func options(runStartedAt: Int64) -> [(String, JSONValue)] {
        [("days_back", .int(Int64(daysBack))), ("start", .string(formatISODate(model.startDay))), ("end", .string(formatISODate(model.endDay))),
         ("scale", .double(model.scale)), ("format", .string(format.rawValue)), ("data", .array(parts.sorted().map { .string($0.rawValue) })),
         ("each_day", .bool(request.afterEachDay != nil)), ("run_started_at", .string(formatNaiveTimestamp(seconds: runStartedAt)))]
    }
}

/// One table's files: a CSV file continued day after day, or a Parquet file per day.
final class JaffleTableOutput {
    let table: JaffleTables.Table
    let plan: JafflePlan
    let root: DirectoryHandle
    let options: WriterOptions
    private var csvWriter: CSVFileWriter?
    /// The Parquet file of the day being written.
    private var parquet: (writer: ParquetFileWriter, day: Int64, path: String)?
    private var csvCommitted = false
    /// A CSV shard's segment (`JafflePlan.segmentPath`), and per day the bytes and rows it took.
    private var segment: CSVFileWriter?
    private(set) var segmentDays: [(day: Int64, offset: Int64, bytes: Int64, rows: Int64)] = []
    private(set) var segmentRecord: OtherFileRecord?
    /// With `--sink`: the table's rows on their way to PostgreSQL, the whole run in one stream.
    private let sink: PostgresTableWriter?
    /// False with `--no-files`: the rows go to `sink` only.
    private let keepsFiles: Bool
    private(set) var files: [FileRecord] = []
    private(set) var rows: Int64 = 0
    /// The closed writers' stage times, and their pages' bytes before compression.
    private(set) var times = StageTimes()
    private(set) var uncompressedBytes: Int64 = 0

    init(_ table: JaffleTables.Table, plan: JafflePlan, root: DirectoryHandle, options: WriterOptions, load: PostgresLoad?) throws(ColumnarError) {
        self.table = table
        self.plan = plan
        self.root = root
        self.options = options
        sink = try load.map { (load) throws(ColumnarError) in try load.writer(table: table.name, schema: table.schema) }
        keepsFiles = load?.keepsFiles ?? true
    }

    /// Sends the last of the table's rows to PostgreSQL.
    func closeSink() throws(ColumnarError) {
        _ = try sink?.close()
    }

    func directory(of path: String) throws(ColumnarError) -> (DirectoryHandle, String) {
        let p = try RelativePath.checked(path)
        return (try root.directory(p.directoryComponents, create: true), p.name)
    }

    /// Appends a day's rows. A Parquet file is closed at once unless `more` of the day's rows
    /// follow (the validation batch comes in slices), so one day's file is open at a time.
    func write(_ chunk: Chunk, day: Int64, more: Bool = false) throws(ColumnarError) {
        rows += Int64(chunk.rowCount)
        if chunk.rowCount > 0 { try sink?.write(chunk) }
        guard keepsFiles else { return }
        if plan.csv, let shard = plan.shard {
            return try writeSegment(chunk, day: day, shard: shard)
        }
        if plan.csv {
            if csvWriter == nil {
                let (dir, name) = try directory(of: plan.path(table, day: day))
                csvWriter = csvCommitted ? try CSVFileWriter(continuing: name, in: dir, schema: table.schema, checksum: true, timestamps: .seconds)
                    : try CSVFileWriter(in: dir, name: name, schema: table.schema, checksum: true, timestamps: .seconds)
            }
            try csvWriter!.write(chunk)
            return
        }
        guard chunk.rowCount > 0 else { return }
        if let open = parquet, open.day != day { try closeParquet() }
        if parquet == nil {
            let path = plan.path(table, day: day)
            let (dir, name) = try directory(of: path)
            parquet = (try ParquetFileWriter(in: dir, name: name, schema: table.schema, options: options), day, path)
        }
        try parquet!.writer.write(chunk)
        if !more { try closeParquet() }
    }

    /// A CSV shard's rows: appended to its segment, each day's bytes and rows noted for the merge.
    private func writeSegment(_ chunk: Chunk, day: Int64, shard: ShardSelection) throws(ColumnarError) {
        if segment == nil {
            let (dir, name) = try directory(of: plan.segmentPath(table, shard))
            segment = try CSVFileWriter(segment: name, in: dir, schema: table.schema, checksum: true, timestamps: .seconds)
        }
        guard chunk.rowCount > 0, let w = segment else { return }
        let before = w.byteCount
        try w.write(chunk)
        let added = w.byteCount - before
        if let last = segmentDays.last, last.day == day {
            segmentDays[segmentDays.count - 1].bytes += added
            segmentDays[segmentDays.count - 1].rows += Int64(chunk.rowCount)
        } else {
            segmentDays.append((day, before, added, Int64(chunk.rowCount)))
        }
    }

    /// Closes the day's Parquet file (a day's rows may come in several chunks).
    private func closeParquet() throws(ColumnarError) {
        guard let open = parquet else { return }
        parquet = nil
        let s = try open.writer.close()
        times += open.writer.timing
        uncompressedBytes += s.uncompressedBytes
        files.append(FileRecord(path: open.path, rows: s.rows, bytes: s.bytes, sha256: s.sha256 ?? "",
                                partition: table.dated ? ["day": formatISODate(open.day)] : [:], shard: 0))
    }

    /// Makes what was written so far visible under the file's name (a CSV file with at least
    /// its header); the next day's rows continue it.
    func checkpoint() throws(ColumnarError) {
        guard keepsFiles else {
            // `--no-files`: the file the rows would be in, for the manifest.
            files = [FileRecord(path: plan.path(table, day: plan.model.endDay), rows: rows, bytes: 0, sha256: "", partition: [:], shard: 0)]
            return
        }
        guard plan.csv else { return try closeParquet() }
        if let shard = plan.shard {
            if segment == nil {
                let (dir, name) = try directory(of: plan.segmentPath(table, shard))
                segment = try CSVFileWriter(segment: name, in: dir, schema: table.schema, checksum: true, timestamps: .seconds)
            }
            guard let w = segment else { return }
            segment = nil
            let s = try w.close()
            times += w.timing
            segmentRecord = OtherFileRecord(path: plan.segmentPath(table, shard), bytes: s.bytes, sha256: s.sha256 ?? "")
            return
        }
        if csvWriter == nil && !csvCommitted {
            let (dir, name) = try directory(of: plan.path(table, day: plan.model.endDay))
            csvWriter = try CSVFileWriter(in: dir, name: name, schema: table.schema, checksum: true, timestamps: .seconds)
        }
        guard let w = csvWriter else { return }
        csvWriter = nil
        let s = try w.close()
        times += w.timing
        csvCommitted = true
        files = [FileRecord(path: plan.path(table, day: plan.model.endDay), rows: rows, bytes: s.bytes, sha256: s.sha256 ?? "", partition: [:], shard: 0)]
    }

    func abandon() {
        sink?.abandon()
        segment?.abandon()
        segment = nil
        csvWriter?.abandon()
        csvWriter = nil
        parquet?.writer.abandon()
        parquet = nil
    }
}

/// The three platforms' ads, day after day.
final class JaffleAdsWriter: @unchecked Sendable {
    // Unchecked: a run hands it to one task at a time (the ads' own thread, or the run's).
    let model: JaffleModel
    let outputs: [JaffleTableOutput]
    let progress: RunProgress
    let ads: [[JaffleModel.Ad]]
    /// Whether a day's rows are this process's (`JafflePlan.owns`).
    let owns: @Sendable (Int64) -> Bool
    private(set) var through: Int64
    private let stopped = Atomic<Bool>(false)

    /// Makes `write` stop at the next day.
    func stop() { stopped.store(true, ordering: .relaxed) }

    init(model: JaffleModel, outputs: [JaffleTableOutput], progress: RunProgress, owns: @escaping @Sendable (Int64) -> Bool) {
        self.model = model
        self.owns = owns
        self.outputs = outputs
        self.progress = progress
        ads = (0..<3).map { p in (1...model.adsPerPlatform).map { model.ad(platform: p, $0) } }
        through = model.firstAdDay - 1
    }

    /// Nanoseconds spent in `write`.
    private(set) var elapsed: UInt64 = 0

    /// The rows of the days after those written, through `last`, a slice of ads at a time.
    func write(through last: Int64) throws(ColumnarError) {
        guard last > through else { return }
        let started = MonotonicClock.nanoseconds()
        defer { elapsed &+= MonotonicClock.since(started) }
        let step = model.sliceRows
        var id: [UInt8] = []
        for day in (through + 1)...last {
            if progress.isCancelled || stopped.load(ordering: .relaxed) { throw .invalidData("interrupted") }
            guard owns(day) else { continue }
            for p in 0..<3 {
                let live = ads[p].indices.filter { ads[p][$0].startDay <= day }
                for start in stride(from: 0, to: Swift.max(live.count, 1), by: step) {
                    let slice = live[start..<Swift.min(start + step, live.count)]
                    var c = Chunk(schema: JaffleTables.ads, capacity: Swift.max(1, slice.count))
                    for i in slice {
                        let ad = ads[p][i]
                        JaffleRun.setID(&id, JaffleModel.platformPrefix[p], i + 1)
                        c.columns[0].append(bytes: id)
                        c.columns[1].append(Int32(day))
                        c.columns[2].append(JaffleModel.media[ad.medium])
                        c.columns[3].append(JaffleModel.campaigns[ad.campaign])
                        c.columns[4].append(model.adCost(platform: p, i + 1, base: ad.baseCents, day: day))
                    }
                    progress.rowsDone.add(c.rowCount, ordering: .relaxed)
                    try outputs[p].write(c, day: day, more: start + step < live.count)
                }
            }
        }
        through = last
    }
}

/// A run: the training days in order, the ads up to each, and the validation batch last.
final class JaffleRun {
    static let truthPath = "_quality/anomalies.csv"

    let plan: JafflePlan
    let dataset: DatasetDirectory
    let journal: Journal
    let progress: RunProgress
    var model: JaffleModel { plan.model }
    var outputs: [String: JaffleTableOutput] = [:]
    var state = JaffleState()
    var truth = JaffleTruth()
    /// The ads' files, when the run writes them.
    var adsWriter: JaffleAdsWriter?
    var others: [OtherFileRecord] = []
    let runStartedAt: Int64
    /// The last day whose rows are in the files.
    var lastDayWritten: Int64?

    init(plan: JafflePlan, dataset: DatasetDirectory, journal: Journal, progress: RunProgress, load: PostgresLoad? = nil) throws(GenerateError) {
        self.plan = plan
        self.dataset = dataset
        self.journal = journal
        self.progress = progress
        runStartedAt = plan.request.createdAt ?? FileSystem.now()
        let options = WriterOptions(codec: plan.request.codec ?? .zstd, zstdLevel: plan.request.zstdLevel, rowGroupRowLimit: GenerateOptions.rowGroupRows,
                                    rowGroupByteLimit: 16 << 20, keyValueMetadata: [KeyValue("streamgen.pack", "jaffle")], checksum: true)
        do throws(ColumnarError) {
            for t in plan.tables { outputs[t.name] = try JaffleTableOutput(t, plan: plan, root: dataset.root, options: options, load: load) }
        } catch {
            throw .runFailed("the jaffle run cannot load into PostgreSQL: \(error)")
        }
        if plan.parts.contains(.ads) {
            adsWriter = JaffleAdsWriter(model: plan.model, outputs: JaffleModel.platforms.map { outputs["stg_\($0)_ads"]! }, progress: progress,
                                        owns: { [plan] in plan.owns($0) })
        }
    }

    var needsSimulation: Bool { !plan.parts.isDisjoint(with: [.training, .validation, .sessions]) }

    func run() async throws(GenerateError) -> GenerateReport {
        let started = MonotonicClock.nanoseconds()
        var waited: UInt64 = 0
        let eachDay = plan.request.afterEachDay
        progress.rowsTotal.add(Int(Double(plan.daysBack) * 450 * model.scale) + model.adsPerPlatform * 3 * (plan.daysBack + 45), ordering: .relaxed)
        // A run written in one go writes the ads on a second thread (their rows depend on
        // nothing of the training days); day by day, each step writes its day's.
        var adsAlongside: Task<ColumnarError?, Never>?
        if eachDay == nil, let ads = adsWriter, needsSimulation, (plan.request.threads ?? FileSystem.coreCount()) > 1 {
            let end = model.endDay
            adsAlongside = Task.detached {
                do throws(ColumnarError) { try ads.write(through: end) } catch { return error }
                return nil
            }
        }
        /// Runs `body`; on failure stops the ads' thread and removes what the run wrote.
        func step(_ body: () throws(ColumnarError) -> Void) async throws(GenerateError) {
            do {
                if progress.isCancelled { throw ColumnarError.invalidData("interrupted") }
                try body()
            } catch {
                adsWriter?.stop()
                _ = await adsAlongside?.value
                abandon()
                if progress.isCancelled { throw .interrupted("the jaffle run was \(progress.cancellationReason ?? "interrupted"); what it had written was removed") }
                throw .runFailed("the jaffle run failed: \(error); what it had written was removed")
            }
        }
        try await step { () throws(ColumnarError) in try writeScripts() }
        for day in model.trainingDays {
            try await step { () throws(ColumnarError) in
                if needsSimulation {
                    // A shard simulates every day (ids and first orders run on) and writes its own.
                    let batch = model.trainingBatch(day, state: &state)
                    if plan.owns(day) { try writeTraining(batch) }
                }
                if eachDay != nil {
                    // The tree as it stands after this day: a run ending the next day, less
                    // that run's validation batch.
                    try writeAds(through: day + 1)
                    try checkpoint()
                }
            }
            lastDayWritten = day
            if let eachDay {
                do {
                    try await eachDay(DayCheckpoint(day: day, validation: false, runStartedAt: runStartedAt, directory: plan.request.outDirectory))
                } catch {
                    try finish(failure: "\(error)")
                    throw error
                }
            }
        }
        let waitStarted = MonotonicClock.nanoseconds()
        if let adsAlongside, let error = await adsAlongside.value {
            try await step { () throws(ColumnarError) in throw error }
        }
        waited = MonotonicClock.since(waitStarted)
        try await step { () throws(ColumnarError) in
            try writeAds(through: model.endDay)
            if needsSimulation {
                let owned = plan.owns(model.endDay)
                try model.validationBatch(state: &state, truth: &truth) { (b) throws(ColumnarError) in
                    guard owned else { return }
                    try write(b, parts: ["validation"], more: true)
                    progress.rowsDone.add(b.customers.id.count + b.signups.id.count + b.orders.id.count + b.payments.id.count, ordering: .relaxed)
                }
            }
            try checkpoint()
            for o in outputs.values { try o.closeSink() }
        }
        lastDayWritten = model.endDay
        if eachDay == nil {
            // Where the time went: the writers' stages, and the rows' simulation for the rest
            // (the run's thread, and the ads' when they had their own).
            var times = StageTimes()
            for o in outputs.values { times += o.times }
            let busy = MonotonicClock.since(started) &- waited &+ (adsAlongside != nil ? adsWriter?.elapsed ?? 0 : 0)
            times.generating = busy &- Swift.min(times.writer, busy)
            progress.add(times)
            progress.uncompressedBytesDone.add(Int(outputs.values.reduce(0) { $0 + $1.uncompressedBytes }), ordering: .relaxed)
        }
        let manifest = try finish(failure: nil)
        if let eachDay {
            try await eachDay(DayCheckpoint(day: model.endDay, validation: true, runStartedAt: runStartedAt, directory: plan.request.outDirectory))
        }
        return GenerateReport(datasets: [GenerateReport.Dataset(
            directory: plan.request.outDirectory, tables: manifest.tables.map { (name: $0.name, rows: $0.rows, files: $0.files.count, bytes: $0.bytes) },
            note: plan.parts.contains(.validation) ? "\(truth.ids.values.reduce(0) { $0 + $1.count }) anomalous ids in the validation files" : nil)])
    }

    func output(_ name: String) -> JaffleTableOutput? { outputs[name] }

    /// A training day goes to the training files, the validation files (their first rows are
    /// the training rows) and the sessions. Each table's chunk is built once.
    func writeTraining(_ b: JaffleBatch) throws(ColumnarError) {
        try write(b, parts: ["training", "validation"])
        if let o = output("stg_website_sessions") { try o.write(sessionChunk(b.web, prefix: UInt8(ascii: "w")), day: b.day) }
        if let o = output("stg_app_sessions") { try o.write(sessionChunk(b.app, prefix: UInt8(ascii: "a")), day: b.day) }
        progress.rowsDone.add(b.customers.id.count * 2 + b.orders.id.count + b.payments.id.count + b.web.id.count + b.app.id.count, ordering: .relaxed)
    }

    /// Writes the batch's rows of each table to its outputs in `parts`, in chunks of at most
    /// `model.sliceRows` rows (each built once), so a day's memory is a slice's.
    func write(_ b: JaffleBatch, parts: [String], more: Bool = false) throws(ColumnarError) {
        func each(_ kind: String, _ count: Int, _ chunk: (Range<Int>) -> Chunk) throws(ColumnarError) {
            let targets = parts.compactMap { output("raw_\(kind)_\($0)") }
            guard !targets.isEmpty else { return }
            if count == 0 && plan.csv {
                for o in targets { try o.write(chunk(0..<0), day: b.day, more: more) }
                return
            }
            for start in stride(from: 0, to: count, by: model.sliceRows) {
                let c = chunk(start..<Swift.min(start + model.sliceRows, count))
                let last = start + model.sliceRows >= count
                for o in targets { try o.write(c, day: b.day, more: more || !last) }
            }
        }
        try each("customers", b.customers.id.count) { customerChunk(b.customers, $0) }
        try each("orders", b.orders.id.count) { orderChunk(b.orders, $0) }
        try each("payments", b.payments.id.count) { paymentChunk(b.payments, $0) }
        try each("signups", b.signups.id.count) { signupChunk(b.signups, $0, shared: b.sharedEmail) }
    }

    func writeAds(through last: Int64) throws(ColumnarError) { try adsWriter?.write(through: last) }

    func checkpoint() throws(ColumnarError) {
        for t in plan.tables { try outputs[t.name]!.checkpoint() }
    }

    /// The seeds' DDL, and for CSV seeds the psql script that loads them. Neither depends on the
    /// rows (a CSV seed is one file, whatever the days), so they are written first and every
    /// `--each-day` snapshot has them as the one-shot run does.
    func writeScripts() throws(ColumnarError) {
        let title = "StreamGen jaffle (seed \(model.seed))"
        let tables = JaffleTables.postgresTables(plan.parts)
        others.append(try dataset.root.writeOtherFile(try RelativePath.checked(PostgresScripts.schemaFileName),
                                                      Array(PostgresScripts.schema(title, tables: tables, csv: plan.csv).utf8)))
        guard plan.csv else { return }
        let byName = Dictionary(uniqueKeysWithValues: plan.tables.map { ($0.name, $0) })
        let entries = tables.map { t in
            PostgresScripts.TableFiles(table: t, fileColumns: t.columns.map(\.name),
                                       paths: byName[t.name].map { [(plan.path($0, day: model.endDay), [:])] } ?? [])
        }
        others.append(try dataset.root.writeOtherFile(try RelativePath.checked(PostgresScripts.loadFileName),
                                                      Array(PostgresScripts.load(title, tables: entries).utf8)))
    }

    func abandon() {
        for o in outputs.values { o.abandon() }
        dataset.removeWritten(outputs.values.flatMap { $0.files.map(\.path) } + others.map(\.path), journal: journal)
    }

    // MARK: Chunks

    static let blank: [UInt8] = [0x20, 0x20]

    func customerChunk(_ t: JaffleBatch.Customers, _ rows: Range<Int>) -> Chunk {
        var c = Chunk(schema: JaffleTables.customers, capacity: Swift.max(1, rows.count))
        for i in rows {
            c.columns[0].append(t.id[i])
            let first = t.first[i] < 0 ? JaffleRun.blank : JaffleModel.firstNameBytes[Int(t.first[i])]
            c.columns[1].append(bytes: first)
            c.columns[2].append(bytes: t.last[i] == JaffleBatch.firstNameAsLast ? first : JaffleModel.initials[Int(t.last[i])])
        }
        return c
    }

    static let statusText = JaffleModel.statuses + ["lost"]

    func orderChunk(_ t: JaffleBatch.Orders, _ rows: Range<Int>) -> Chunk {
        var c = Chunk(schema: JaffleTables.orders, capacity: Swift.max(1, rows.count))
        for i in rows {
            c.columns[0].append(t.id[i])
            c.columns[1].append(t.user[i])
            c.columns[2].append(t.at[i] * 1_000_000)
            c.columns[3].append(JaffleRun.statusText[t.status[i]])
        }
        return c
    }

    func paymentChunk(_ t: JaffleBatch.Payments, _ rows: Range<Int>) -> Chunk {
        var c = Chunk(schema: JaffleTables.payments, capacity: Swift.max(1, rows.count))
        for i in rows {
            c.columns[0].append(t.id[i])
            c.columns[1].append(t.order[i])
            c.columns[2].append(JaffleModel.methods[t.method[i]])
            c.columns[3].append(t.amount[i])
        }
        return c
    }

    func signupChunk(_ t: JaffleBatch.Signups, _ rows: Range<Int>, shared: [UInt8]) -> Chunk {
        var c = Chunk(schema: JaffleTables.signups, capacity: Swift.max(1, rows.count))
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        var email: [UInt8] = []
        for i in rows {
            let id = Int(t.id[i])
            let customer = model.customer(id)
            c.columns[0].append(t.id[i])
            c.columns[1].append(t.id[i])
            switch t.email[i] {
            case 0:
                email.removeAll(keepingCapacity: true)
                model.appendDefaultEmail(id, customer, to: &email)
                c.columns[2].append(bytes: email)
            case 2: c.columns[2].append(bytes: shared)
            default: c.columns[2].appendNull()
            }
            hex.removeAll(keepingCapacity: true)
            JaffleModel.appendHash(customer, to: &hex)
            c.columns[3].append(bytes: hex)
            c.columns[4].append(t.at[i] * 1_000_000)
        }
        return c
    }

    /// `prefix` then `n` in decimal, into `buffer` (reused row after row).
    static func setID(_ buffer: inout [UInt8], _ prefix: UInt8, _ n: Int) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(prefix)
        var v = UInt64(n)
        appendDigits(&v, minimumWidth: 1, to: &buffer)
    }

    func sessionChunk(_ t: JaffleBatch.Sessions, prefix: UInt8) -> Chunk {
        var c = Chunk(schema: JaffleTables.sessions, capacity: Swift.max(1, t.id.count))
        var id: [UInt8] = []
        var ad: [UInt8] = []
        for i in t.id.indices {
            JaffleRun.setID(&id, prefix, Int(t.id[i]))
            c.columns[0].append(bytes: id)
            c.columns[1].append(t.customer[i])
            c.columns[2].append(t.start[i] * 1_000_000)
            c.columns[3].append(t.end[i] * 1_000_000)
            c.columns[4].append(JaffleModel.platforms[t.platform[i]])
            JaffleRun.setID(&ad, JaffleModel.platformPrefix[t.platform[i]], t.ad[i])
            c.columns[5].append(bytes: ad)
        }
        return c
    }

    // MARK: The manifest

    /// The anomalies as the manifest lists them; ids in full up to 1,000 per kind, all of them
    /// in `_quality/anomalies.csv`.
    func anomaliesJSON() -> JSONValue {
        .array(JaffleTruth.Kind.allCases.compactMap { kind -> JSONValue? in
            guard let ids = truth.ids[kind] else { return nil }
            let place = kind.place
            var fields: [(String, JSONValue)] = [
                ("kind", .string(kind.rawValue)), ("description", .string(kind.summary)), ("table", .string(place.table)),
                ("file", .string(plan.csv ? "validation/\(place.table).csv" : "validation/\(place.table)/")), ("column", .string(place.column)),
                ("ids_are", .string(place.ids)), ("count", .int(Int64(ids.count))),
            ]
            fields.append(("ids", ids.count <= 1000 ? .array(ids.map { .int(Int64($0)) }) : .string(JaffleRun.truthPath)))
            return .object(fields)
        })
    }

    /// Writes the ground truth and the manifest (complete, or failed with `failure`), removes the
    /// journal, and returns the manifest.
    @discardableResult
    func finish(failure: String?) throws(GenerateError) -> Manifest {
        do throws(ColumnarError) {
            if failure == nil && plan.parts.contains(.validation) && plan.owns(model.endDay) {
                var text = Array("kind,table_name,column_name,id\n".utf8)
                for kind in JaffleTruth.Kind.allCases {
                    for id in truth.ids[kind] ?? [] {
                        text += Array("\(kind.rawValue),\(kind.place.table),\(kind.place.column),\(id)\n".utf8)
                    }
                }
                others.append(try dataset.root.writeOtherFile(try RelativePath.checked(JaffleRun.truthPath), text))
            }
        } catch {
            throw .runFailed("writing the jaffle ground truth failed: \(error)")
        }
        let tables = plan.tables.map { t -> TableRecord in
            let o = outputs[t.name]!
            return TableRecord(name: t.name, plannedRows: o.rows, schema: t.schema.columns.map(ColumnRecord.init(column:)),
                               partitionBy: !plan.csv && t.dated ? [ColumnRecord(name: "day", type: "date")] : [], sortBy: [],
                               files: o.files.sorted { $0.path < $1.path })
        }
        var options = plan.options(runStartedAt: runStartedAt)
        if plan.parts.contains(.validation) && failure == nil { options.append(("anomalies", anomaliesJSON())) }
        if failure != nil { options.append(("last_day_written", lastDayWritten.map { .string(formatISODate($0)) } ?? .null)) }
        var m = Manifest(toolVersion: StreamGenEngine.version, status: failure == nil ? .complete : .failed, error: failure,
                         createdAt: plan.request.createdAt ?? FileSystem.now(), commandLine: plan.request.commandLine, pack: "jaffle",
                         seed: model.seed, options: options, shard: plan.shard.map { ($0.index, $0.count) }, shardsInPlan: 1, tables: tables)
        if plan.csv, let shard = plan.shard, failure == nil {
            do throws(ColumnarError) { others += try JaffleShards.writeSegmentIndex(self, shard: shard) } catch {
                throw .runFailed("writing the jaffle shard's segment index failed: \(error)")
            }
        }
        m.otherFiles = others.sorted { $0.path < $1.path }
        do {
            if let shard = plan.shard {
                try m.write(to: dataset.root, name: Manifest.shardFileName(index: shard.index, count: shard.count))
            } else {
                try m.write(to: dataset.root, name: Manifest.fileName)
            }
            if failure == nil && plan.shard == nil { try dataset.root.writeAtomically(Manifest.successFileName, []) }
        } catch {
            throw .runFailed("writing the jaffle manifest into \(plan.request.outDirectory) failed: \(error); `streamgen clean` removes what was written")
        }
        dataset.remove(journal)
        return m
    }
}
