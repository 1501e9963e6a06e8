#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a run's thread time went, in nanoseconds summed over threads.
///
/// Writers fill in `encoding`, `compressing`, `writing` and `checksumming` (see
/// `ParquetFileWriter.timing`); the engine adds `generating` (filling chunks) and `waiting` (a
/// worker blocked on the pipeline, idle while others finish, or a thread with no shard to run). Each stage is timed at chunk or
/// page granularity with a monotonic clock read, never per row, so timing costs nothing measurable.
public struct StageTimes: Sendable, Hashable {
    /// Producing values into chunks.
    public var generating: UInt64 = 0
    /// Turning chunks into page bytes: levels, dictionaries, PLAIN and RLE encoding, statistics,
    /// page headers and the footer.
    public var encoding: UInt64 = 0
    /// The codec (snappy or zstd) on page bodies.
    public var compressing: UInt64 = 0
    /// `write(2)`, and closing, syncing and renaming files.
    public var writing: UInt64 = 0
    /// The running SHA-256 of each file's bytes.
    public var checksumming: UInt64 = 0
    /// Workers blocked on the pipeline, or with no shard left while others finish.
    public var waiting: UInt64 = 0

    public init(
        generating: UInt64 = 0, encoding: UInt64 = 0, compressing: UInt64 = 0, writing: UInt64 = 0,
        checksumming: UInt64 = 0, waiting: UInt64 = 0
    ) {
        self.generating = generating
        self.encoding = encoding
        self.compressing = compressing
        self.writing = writing
        self.checksumming = checksumming
        self.waiting = waiting
    }

    /// The stages' names and times, in the order reports list them.
    public var stages: [(name: String, nanoseconds: UInt64)] {
        [("generating", generating), ("encoding", encoding), ("compressing", compressing),
         ("writing", writing), ("checksumming", checksumming), ("waiting", waiting)]
    }

    /// The sum of every stage.
    public var total: UInt64 { generating + encoding + compressing + writing + checksumming + waiting }

    /// The writer's share: encoding, compressing, writing and checksumming.
    public var writer: UInt64 { encoding + compressing + writing + checksumming }

    public static func += (lhs: inout StageTimes, rhs: StageTimes) {
        lhs.generating += rhs.generating
        lhs.encoding += rhs.encoding
        lhs.compressing += rhs.compressing
        lhs.writing += rhs.writing
        lhs.checksumming += rhs.checksumming
        lhs.waiting += rhs.waiting
    }
}

/// A monotonic clock in nanoseconds (`CLOCK_MONOTONIC`, read through the vDSO: about 20 ns).
public enum MonotonicClock {
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// Nanoseconds since `start`.
    @inline(__always)
    public static func since(_ start: UInt64) -> UInt64 { nanoseconds() &- start }
}
