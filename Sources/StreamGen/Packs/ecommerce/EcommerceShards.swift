import Columnar
import Dispatch
import Synchronization

/// A sharded ecommerce run (`--shard i/N`), and the merge that finishes it into a single run's
/// bytes.
///
/// Shard i simulates the session shards k ≡ i (mod N), the census first as a full run does (it
/// decides which sessions an anomaly takes). It writes those shards' events files where a full
/// run writes them, and shard 0 the categories and products. What a single run appends to one
/// file in session-shard order — orders, order items, and in the flat layout the events — and
/// what it sums over every shard (the users' spend, the anomaly's tally, the events per day)
/// goes to the shard's *partial* file, `_partial/sessions-shard-i-of-N.bin`: one section per
/// session shard, in order.
///
/// `manifest merge` then reads the N partial files section by section in session-shard order
/// (shard k's section is in file k mod N), writes the orders, items (and flat events) files
/// from the very chunks a single run writes, sums the spend into the users' lifetime values,
/// and writes users, the ground truth, the SQL files and the manifest exactly as a single run's
/// last steps do; then it removes the partial files.
enum EcommerceShards {
    static let directory = ShardCompletion.partialDirectory

    static func partialPath(_ shard: ShardSelection) -> RelativePath {
        // Safe: fixed names and digits.
        try! RelativePath(components: [directory, "sessions-shard-\(Manifest.pad(shard.index))-of-\(Manifest.pad(shard.count)).bin"])
    }

    /// The session shards shard `shard` simulates, in order.
    static func own(_ shard: ShardSelection?, of model: EcommerceModel) -> [Int] {
        let all = model.plan.shards.indices
        guard let shard else { return Array(all) }
        return all.filter { $0 % shard.count == shard.index }
    }

    /// The partition days session shard `k`'s events may land on: its day, the ones either side
    /// (a session's start is drawn around its day's hours, and it may run past midnight), and
    /// for late_arriving's day-2 sessions the day they arrive. A shard checks each file it
    /// writes against these, the days its journal claims.
    static func eventDays(_ k: Int, model: EcommerceModel) -> [Int] {
        let d = model.plan.shards[k].day
        var days = [d - 1, d, d + 1]
        if model.scenario == .lateArriving && d == 1 { days.append(4) }
        return days.filter { $0 >= 0 && $0 < model.days }
    }

    /// The first bytes of a partial file.
    static let magic = Array("streamgen ecommerce partial 1\n".utf8)
    /// The largest section a merge accepts, uncompressed (a session shard's orders, items and,
    /// flat, events are a few tens of MiB).
    static let largestSection = 1 << 30

    // MARK: Sections

    /// A session shard's section: what the merge appends and sums for it.
    static func encode(_ output: SessionShardOutput, flat: Bool) -> [UInt8] {
        var out: [UInt8] = []
        output.orders.spill(into: &out)
        output.items.spill(into: &out)
        let events = flat ? Array(output.eventChunks) : []
        SpillCoding.put(UInt32(events.count), &out)
        for (day, chunk) in events {
            SpillCoding.put(UInt32(day), &out)
            chunk.spill(into: &out)
        }
        SpillCoding.put(UInt64(output.spend.count), &out)
        for (user, cents) in output.spend {
            SpillCoding.put(UInt32(bitPattern: user), &out)
            SpillCoding.put(UInt64(bitPattern: cents), &out)
        }
        let t = output.truth
        for v in [t.affected, t.population, t.impactOrders] { SpillCoding.put(UInt64(v), &out) }
        SpillCoding.put(UInt64(bitPattern: t.impactCents), &out)
        let lists = t.lists.keys.sorted()
        SpillCoding.put(UInt32(lists.count), &out)
        for name in lists {
            SpillCoding.put(name, &out)
            SpillCoding.put(UInt64(t.lists[name]!.count), &out)
            for id in t.lists[name]! { SpillCoding.put(id, &out) }
        }
        let days = t.byDay.keys.sorted()
        SpillCoding.put(UInt32(days.count), &out)
        for d in days {
            SpillCoding.put(UInt32(d), &out)
            SpillCoding.put(UInt64(t.byDay[d]!), &out)
        }
        SpillCoding.put(UInt32(output.eventsByDay.count), &out)
        for n in output.eventsByDay { SpillCoding.put(UInt64(n), &out) }
        return out
    }

    /// Reads a section back, every count checked against the model.
    static func decode(_ bytes: [UInt8], model: EcommerceModel, flat: Bool) throws(ColumnarError) -> SessionShardOutput {
        var r = SpillReader(bytes)
        var output = SessionShardOutput(days: model.days)
        output.orders = try Chunk(spilled: &r, schema: EcommerceTables.orders)
        output.items = try Chunk(spilled: &r, schema: EcommerceTables.orderItems)
        let chunks = Int(try r.u32())
        guard flat || chunks == 0, chunks <= model.days else { throw .invalidData("a section holds \(chunks) events chunks") }
        for _ in 0..<chunks {
            let day = Int(try r.u32())
            guard day < model.days, output.events[day] == nil else { throw .invalidData("a section's events chunk has day \(day)") }
            output.events[day] = try Chunk(spilled: &r, schema: EcommerceTables.events)
        }
        let spends = try r.u64()
        guard spends <= UInt64(r.remaining / 12) else { throw .invalidData("a section's spend list is cut short") }
        output.spend.reserveCapacity(Int(spends))
        for _ in 0..<spends {
            let user = Int32(bitPattern: try r.u32())
            let cents = Int64(bitPattern: try r.u64())
            guard user >= 0, Int(user) < model.users.count, (0...(1 << 40)).contains(cents) else {
                throw .invalidData("a section's spend names user \(user) with \(cents) cents")
            }
            output.spend.append((user, cents))
        }
        func count() throws(ColumnarError) -> Int {
            let v = try r.u64()
            guard v <= 1 << 40 else { throw .invalidData("a section's count \(v) is out of range") }
            return Int(v)
        }
        output.truth.affected = try count()
        output.truth.population = try count()
        output.truth.impactOrders = try count()
        output.truth.impactCents = Int64(bitPattern: try r.u64())
        guard (0...(1 << 50)).contains(output.truth.impactCents) else { throw .invalidData("a section's impact is out of range") }
        let lists = Int(try r.u32())
        guard lists <= 16 else { throw .invalidData("a section holds \(lists) id lists") }
        for _ in 0..<lists {
            let name = try r.string(limit: 64)
            let n = try r.u64()
            guard n <= UInt64(r.remaining / 4) else { throw .invalidData("a section's id list is cut short") }
            var ids: [String] = []
            ids.reserveCapacity(Int(n))
            for _ in 0..<n { ids.append(try r.string(limit: 64)) }
            output.truth.lists[name] = ids
        }
        let days = Int(try r.u32())
        guard days <= model.days else { throw .invalidData("a section counts \(days) days") }
        for _ in 0..<days {
            let d = Int(try r.u32())
            guard d < model.days + 1 else { throw .invalidData("a section counts day \(d)") }
            output.truth.byDay[d] = try count()
        }
        guard Int(try r.u32()) == model.days else { throw .invalidData("a section's events per day are not the run's days") }
        for d in 0..<model.days { output.eventsByDay[d] = try count() }
        guard r.remaining == 0 else { throw .invalidData("a section has \(r.remaining) bytes past its end") }
        return output
    }
}

/// A shard's partial file, written section after section (by the ordered sink, one caller at a
/// time) and renamed into place when complete.
final class PartialFileWriter: @unchecked Sendable {
    private let file: AtomicFile
    private let compressor = Compressor(codec: .zstd, level: 1)
    let path: RelativePath
    private let flat: Bool

    init(root: DirectoryHandle, shard: ShardSelection, flat: Bool) throws(ColumnarError) {
        path = EcommerceShards.partialPath(shard)
        file = try AtomicFile(directory: try root.directory(path.directoryComponents, create: true), name: path.name, checksum: true)
        self.flat = flat
        try file.write(EcommerceShards.magic)
    }

    /// Appends session shard `k`'s section: its index, compressed and uncompressed sizes, then
    /// the zstd frame.
    func append(_ k: Int, _ output: SessionShardOutput) throws(ColumnarError) {
        let payload = EcommerceShards.encode(output, flat: flat)
        let file = self.file
        try withBytes(payload) { (raw) throws(ColumnarError) in
            try compressor.withCompressed(raw) { (compressed) throws(ColumnarError) in
                var header: [UInt8] = []
                SpillCoding.put(UInt64(k), &header)
                SpillCoding.put(UInt64(compressed.count), &header)
                SpillCoding.put(UInt64(raw.count), &header)
                try file.write(header)
                try file.write(Array(compressed))
            }
        }
    }

    func commit() throws(ColumnarError) -> OtherFileRecord {
        let size = try file.commit(appending: [], sync: true)
        return OtherFileRecord(path: path.description, bytes: size, sha256: file.sha256 ?? "")
    }

    func abandon() { file.abandon() }
}

/// Reads one shard's partial file section by section, its SHA-256 checked against the shard
/// manifest's record first (the file is input: nothing is written from a changed one).
struct PartialFileReader {
    let file: ReadableFile
    let record: OtherFileRecord
    private var offset: Int64

    init(root: DirectoryHandle, record: OtherFileRecord) throws(ColumnarError) {
        self.record = record
        file = try root.openFile(try RelativePath.checked(record.path))
        guard file.size == record.bytes else { throw .invalidData("\(record.path) has \(file.size) bytes; its shard's manifest says \(record.bytes)") }
        guard try file.sha256() == record.sha256 else { throw .invalidData("\(record.path) changed since its shard wrote it (SHA-256 differs)") }
        offset = 0
        let magic = try read(EcommerceShards.magic.count)
        guard magic == EcommerceShards.magic else { throw .invalidData("\(record.path) is not a StreamGen ecommerce partial file") }
    }

    private mutating func read(_ n: Int) throws(ColumnarError) -> [UInt8] {
        let bytes = try file.read(count: n, at: offset)
        offset += Int64(n)
        return bytes
    }

    /// The next section, which must be session shard `k`'s.
    mutating func section(_ k: Int) throws(ColumnarError) -> [UInt8] {
        var header = SpillReader(try read(24))
        let index = try header.u64(), compressed = try header.u64(), size = try header.u64()
        guard index == UInt64(k) else { throw .invalidData("\(record.path) holds session shard \(index) where \(k) comes next") }
        guard compressed <= UInt64(file.size - offset), size <= UInt64(EcommerceShards.largestSection) else {
            throw .invalidData("\(record.path): session shard \(k)'s section is longer than the file or \(EcommerceShards.largestSection >> 20) MiB")
        }
        let frame = try read(Int(compressed))
        return try withBytes(frame) { (raw) throws(ColumnarError) in
            try Compressor.decompress(raw, codec: .zstd, uncompressedSize: Int(size))
        }
    }

    /// Checks that the file ended with its last section.
    func finish() throws(ColumnarError) {
        guard offset == file.size else { throw .invalidData("\(record.path) has bytes past its last section") }
    }
}

extension EcommerceRun {
    /// The merge's section phase on two threads: this one reads and decodes the sections in
    /// order, folds their tallies and writes the orders; a second writes the items (and, flat,
    /// the events) from a bounded hand-off in the same order. Each file gets the chunks a full
    /// run gives it, in its order, so the bytes are the same.
    static func appendSections(_ count: Int, readers: inout [PartialFileReader], model: EcommerceModel, writer: FixtureWriter,
                               sink: OrderedSink) throws(ColumnarError)
    {
        let handoff = ChunkHandoff(capacity: 8)
        let failure = Mutex<ColumnarError?>(nil)
        let writers = UncheckedWriters(items: sink.items!, events: sink.events)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var broken = false
            while let (events, chunk) = handoff.take() {
                guard !broken else { continue }
                do throws(ColumnarError) {
                    try (events ? writers.events! : writers.items).write(chunk)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    broken = true
                }
            }
            done.signal()
        }
        var produced: ColumnarError?
        do throws(ColumnarError) {
            for k in 0..<count {
                if let error = failure.withLock({ $0 }) { throw error }
                let bytes = try readers[k % readers.count].section(k)
                let output = try EcommerceShards.decode(bytes, model: model, flat: writer.flat)
                if output.orders.rowCount > 0 { try sink.orders!.write(output.orders) }
                if output.items.rowCount > 0 { handoff.put((false, output.items)) }
                if sink.events != nil { for (_, chunk) in output.eventChunks { handoff.put((true, chunk)) } }
                writer.fold(output)
            }
        } catch {
            produced = error
        }
        handoff.put(nil)
        done.wait()
        if let error = produced ?? failure.withLock({ $0 }) { throw error }
    }

    /// `manifest merge` of an ecommerce fixture's shards (`shards`, checked by the caller to be
    /// the N complete shards of one run, their listed files present): writes what a single run
    /// writes after its sessions and returns its engine manifest. `commandLine` and `createdAt`
    /// are the full run's. A merge that fails part-way leaves its journal, so `clean` or a new
    /// merge can take over.
    static func merge(_ dataset: DatasetDirectory, shards: [Manifest], commandLine: [String], createdAt: Int64) throws(ManifestError) -> Manifest {
        let shards = shards.sorted { ($0.shard?.index ?? 0) < ($1.shard?.index ?? 0) }
        let listed = shards.flatMap { $0.tables.flatMap { $0.files.map { ($0.path, $0.bytes) } } + $0.otherFiles.map { ($0.path, $0.bytes) } }
        try ManifestMerge.requirePresent(listed, root: dataset.root, directory: dataset.path)
        let first = shards[0]
        let recorded = JSONValue.object(first.options)
        var options = EcommerceOptions(outDirectory: dataset.path)
        guard let scenario = recorded["scenario"]?.string.flatMap(EcommerceScenario.init(rawValue:)),
              let start = recorded["start"]?.string.flatMap(parseISODate), let days = recorded["days"]?.int, let scale = recorded["scale"]?.doubleValue,
              let layout = recorded["layout"]?.string.flatMap(OutputLayout.init(rawValue:)),
              let format = recorded["format"]?.string.flatMap(OutputFormat.init(rawValue:)),
              let codec = recorded["compression"]?.string.flatMap({ CompressionCodec(name: $0) }), let level = recorded["zstd_level"]?.int
        else { throw ManifestError("the shards' manifests do not record an ecommerce run's options (scenario, start, days, scale, layout, format, compression)") }
        options.seed = first.seed
        options.startDay = start
        options.days = Int(clamping: days)
        options.scale = scale
        options.layout = layout
        options.format = format
        options.codec = codec
        options.zstdLevel = Int32(clamping: level)
        options.commandLine = commandLine
        options.createdAt = createdAt
        options.threads = 1
        do { try check(options) } catch { throw ManifestError("the shards record options no ecommerce run takes: \(error)") }
        let model = EcommerceModel(seed: options.seed, startDay: options.startDay, days: options.days, scale: options.scale, scenario: scenario)
        guard first.shardsInPlan == model.plan.shards.count else {
            throw ManifestError("the shards' plan has \(first.shardsInPlan) session shards where this StreamGen plans \(model.plan.shards.count); merge with the StreamGen that wrote them")
        }
        let count = first.shard?.count ?? 1
        var partials: [OtherFileRecord] = []
        for m in shards {
            let shard = try! ShardSelection(index: m.shard!.index, count: count)  // Safe: checked by the caller.
            guard m.otherFiles.count == 1, let partial = m.otherFiles.first, partial.path == EcommerceShards.partialPath(shard).description else {
                throw ManifestError("shard \(shard) lists other files than its partial file \(EcommerceShards.partialPath(shard))")
            }
            partials.append(partial)
        }
        let root = dataset.root
        let journal = Journal(pack: EcommercePack.name, pid: FileSystem.processID(), startedAt: FileSystem.now(), commandLine: commandLine, shard: nil,
                              claims: journalClaims(options))
        do throws(GenerateError) { try dataset.write(journal) } catch { throw ManifestError("\(error)") }

        // The census again: which sessions the anomaly took (the manifest's investigation quotes it).
        var census = [ShardCensus?](repeating: nil, count: model.plan.shards.count)
        let counted = AnomalyPlan.censusShards(model)
        for k in counted { census[k] = SessionSimulator.census(k, model: model) }
        let plan = counted.isEmpty ? AnomalyPlan.empty : AnomalyPlan.draw(model, census: census)

        let progress = RunProgress()
        let writer = FixtureWriter(model: model, plan: plan, options: options, root: root, directory: dataset.path, progress: progress, threads: 1)
        writer.records.withLock { records in for m in shards { records += m.tables.flatMap(\.files) } }
        let manifest: JSONValue
        do throws(ColumnarError) {
            writer.truth.withLock { $0.merge(writer.productsTally()) }
            var readers: [PartialFileReader] = []
            for p in partials { readers.append(try PartialFileReader(root: root, record: p)) }
            let sink = OrderedSink()
            try writer.openSinkFiles(sink, separate: true)
            try appendSections(model.plan.shards.count, readers: &readers, model: model, writer: writer, sink: sink)
            for i in readers.indices { try readers[i].finish() }
            try writer.closeSinkFiles(sink)
            try writer.writeUsers()
            manifest = try writer.finish()
            try root.writeAtomically(Manifest.fileName, Array(manifest.serialized().utf8) + [10])
            try root.writeAtomically(Manifest.successFileName, [])
            // A single run has no partial files; the shard manifests stay, as for every pack.
            let directory = try root.directory(EcommerceShards.directory, create: false)
            for p in partials { try directory.removeFile(try RelativePath.checked(p.path).name) }
            _ = root.removeDirectoryIfEmpty(EcommerceShards.directory)
        } catch {
            throw ManifestError("merging the ecommerce shards in '\(dataset.path)' failed: \(error); no manifest.json or _SUCCESS was written")
        }
        dataset.remove(journal)
        return try Manifest(json: manifest)
    }
}

/// Chunks handed from one thread to another in order, at most `capacity` waiting; nil ends it.
final class ChunkHandoff: Sendable {
    private let queue = Mutex<[(Bool, Chunk)?]>([])
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore

    init(capacity: Int) { free = DispatchSemaphore(value: capacity) }

    func put(_ item: (Bool, Chunk)?) {
        free.wait()
        queue.withLock { $0.append(item) }
        filled.signal()
    }

    func take() -> (Bool, Chunk)? {
        filled.wait()
        let item = queue.withLock { $0.removeFirst() }
        free.signal()
        return item
    }
}

/// The merge's items (and flat events) writers, handed to the one thread that writes them.
private struct UncheckedWriters: @unchecked Sendable {
    let items: any TableFileWriter
    let events: (any TableFileWriter)?
}
