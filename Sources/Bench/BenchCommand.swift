import ArgumentParser

/// `streamgen-bench`: StreamGen's throughput benchmarks.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamgen-bench",
        abstract: "Measure StreamGen's throughput and memory against peers run on the same machine.",
        subcommands: [GenerateBench.self, ScalingBench.self, PeersBench.self, WriterBench.self]
    )
}
