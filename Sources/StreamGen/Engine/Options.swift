import Columnar
import Synchronization

/// Everything a `generate` run is asked to do.
public struct GenerateOptions: Sendable {
    public var pack: PackSpec
    public var seed: UInt64 = 42
    /// The first day (days since the epoch); the pack's default when nil.
    public var startDay: Int64?
    /// The number of days; the pack's default when nil.
    public var days: Int?
    /// Multiplies every scaling table's scale-1 row count.
    public var scale: Double = 1
    /// Sets the row count of the pack's largest table instead of `scale` (the others follow in
    /// proportion).
    public var rows: Int?
    /// Only these tables (others are still referenced, never written); all when nil.
    public var tables: [String]?
    public var format: OutputFormat = .parquet
    public var layout: OutputLayout = .hive
    public var codec: CompressionCodec = .zstd
    public var zstdLevel: Int32 = Compressor.defaultZstdLevel
    /// Rows per chunk: the unit of generation and of the memory budget.
    public var chunkRows: Int = Chunk.defaultCapacity
    /// The target rows per shard: the unit of parallel work and of `--shard`.
    public var shardRows: Int = ShardPlan.defaultTargetRows
    /// Shards run at once; all cores when nil.
    public var threads: Int?
    /// The memory ceiling in bytes.
    public var memoryLimit: Int = 512 << 20
    /// Run only shard `index` of `count`.
    public var shard: ShardSelection?
    public var outDirectory: String
    public var overwrite = false
    /// Whether the tables' declared data-quality issues are written (false: `--clean`).
    public var quality = true
    /// What the pack adds to the run (sidecar files); set by `DeclarativePack`.
    var extras: DeclarativeExtras?
    /// Recorded in the manifest.
    public var commandLine: [String] = []
    /// The manifest's `created_at` in seconds; now when nil (`SOURCE_DATE_EPOCH` sets it).
    public var createdAt: Int64?

    public init(pack: PackSpec, outDirectory: String) {
        self.pack = pack
        self.outDirectory = outDirectory
    }

    /// The row-group limits every file uses: fixed, so that bytes never depend on the machine.
    static let rowGroupRows = 1 << 20
    static let rowGroupBytes = 32 << 20
    /// What the process needs besides its workers: code, word lists, plan, manifest.
    static let baseMemory = 40 << 20
}

/// `--shard i/N`.
public struct ShardSelection: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(GenerateError) {
        guard count >= 1 else { throw .invalidOption("--shard \(index)/\(count): the shard count must be at least 1") }
        guard index >= 0 && index < count else {
            throw .invalidOption("--shard \(index)/\(count): the index must be between 0 and \(count - 1)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/N`.
    public init(parsing text: String) throws(GenerateError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw .invalidOption("--shard '\(text)': expected INDEX/COUNT, as in 0/3")
        }
        try self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }
}

/// Counters a caller can poll while a run goes on.
public final class RunProgress: Sendable {
    public let rowsDone = Atomic<Int>(0)
    public let rowsTotal = Atomic<Int>(0)
    public let filesDone = Atomic<Int>(0)
    public let bytesDone = Atomic<Int>(0)
    /// The bytes of the files written so far before compression (`FileSummary.uncompressedBytes`).
    public let uncompressedBytesDone = Atomic<Int>(0)
    /// Where the workers' time went so far; workers add to it file by file.
    public let stages = Mutex(StageTimes())

    /// The signal that stopped the run, 0 while it goes on.
    private let cancelSignal = Atomic<Int32>(0)
    public init() {}

    /// Adds a file's or a worker's times.
    public func add(_ times: StageTimes) { stages.withLock { $0 += times } }

    /// Asks the run to stop: workers finish the chunk in hand, abandon their open files (their
    /// temporary files go), and the run writes a failed manifest. Called from a signal handler's
    /// queue; the first signal wins.
    public func cancel(signal: Int32) {
        _ = cancelSignal.compareExchange(expected: 0, desired: max(signal, 1), ordering: .relaxed)
    }

    /// Whether `cancel` was called.
    public var isCancelled: Bool { cancelSignal.load(ordering: .relaxed) != 0 }

    /// The signal `cancel` was given, if any.
    public var cancelledBy: Int32? {
        let s = cancelSignal.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// "interrupted by SIGINT", once cancelled.
    var cancellationReason: String? {
        guard let s = cancelledBy else { return nil }
        let name = [2: "SIGINT", 15: "SIGTERM", 1: "SIGHUP"][s] ?? "signal \(s)"
        return "interrupted by \(name)"
    }
}

/// The idle time of a pool of workers: each worker reports when it stops, and once all have,
/// `idle` is threads × the pool's wall time less the workers' lifetimes: workers out of work
/// waiting for the last one, and threads that had no worker at all (fewer shards than threads,
/// or the memory limit holding some back).
final class WorkerPoolClock: Sendable {
    private let start = MonotonicClock.nanoseconds()
    private let threads: Int
    private let lifetimes = Atomic<Int>(0)

    /// - Parameter threads: the threads the run was given, whether or not each gets a worker.
    init(threads: Int) { self.threads = threads }

    /// Called by each worker as it stops.
    func workerStopped() { lifetimes.add(Int(MonotonicClock.since(start)), ordering: .relaxed) }

    /// The pool's idle time as waiting; read once every worker has stopped.
    var idle: StageTimes {
        let total = UInt64(threads) * MonotonicClock.since(start)
        let busy = UInt64(lifetimes.load(ordering: .relaxed))
        return StageTimes(waiting: total > busy ? total - busy : 0)
    }
}

/// Why a run did not complete.
public enum GenerateError: Error, Sendable, CustomStringConvertible {
    /// An option is invalid: the message names it.
    case invalidOption(String)
    /// A table declaration is invalid.
    case spec(SpecError)
    /// The output directory cannot be used.
    case output(String)
    /// Writing failed part-way: complete files stay, the manifest says `failed`, no `_SUCCESS`.
    case runFailed(String)
    /// A signal stopped the run (`RunProgress.cancel`); the manifest says `failed`.
    case interrupted(String)

    public var description: String {
        switch self {
        case .invalidOption(let m): return m
        case .spec(let e): return "invalid table declaration: \(e)"
        case .output(let m): return m
        case .runFailed(let m): return m
        case .interrupted(let m): return m
        }
    }
}

/// Parses a row count: `1000`, `10k`, `10M`, `1.5B`, `1e6`, `1_000_000`.
public func parseCount(_ text: String) -> Int? {
    var t = text.filter { $0 != "_" && $0 != "," }
    var factor = 1.0
    if let last = t.last {
        switch last {
        case "k", "K": factor = 1e3
        case "m", "M": factor = 1e6
        case "b", "B", "g", "G": factor = 1e9
        default: break
        }
        if factor != 1 { t.removeLast() }
    }
    guard !t.isEmpty, let v = Double(t), v.isFinite, v >= 0 else { return nil }
    let n = (v * factor).rounded()
    guard n <= 1e15, n == v * factor || factor != 1 else { return nil }
    return Int(n)
}

/// Parses a size: `512MiB`, `512M`, `2GiB`, `2G`, `1048576`, `64KiB`. Units are binary.
public func parseSize(_ text: String) -> Int? {
    let lower = text.lowercased().filter { $0 != " " }
    let units: [(String, Double)] = [
        ("kib", 0x1p10), ("mib", 0x1p20), ("gib", 0x1p30), ("tib", 0x1p40),
        ("kb", 0x1p10), ("mb", 0x1p20), ("gb", 0x1p30), ("tb", 0x1p40),
        ("k", 0x1p10), ("m", 0x1p20), ("g", 0x1p30), ("t", 0x1p40), ("b", 1),
    ]
    var number = lower
    var factor = 1.0
    for (suffix, f) in units where lower.hasSuffix(suffix) {
        number = String(lower.dropLast(suffix.count))
        factor = f
        break
    }
    guard !number.isEmpty, let v = Double(number), v.isFinite, v > 0, v * factor < 1e18 else { return nil }
    return Int(v * factor)
}

extension Optional where Wrapped == ShardSelection {
    /// Whether this run writes the files that depend on no shard's rows (dimensions, the
    /// quality ground truth): a whole run, or shard 0 of a sharded one.
    var writesSharedFiles: Bool { map { $0.index == 0 } ?? true }
}
