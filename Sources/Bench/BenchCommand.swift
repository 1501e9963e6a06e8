import ArgumentParser

/// `streamgen-bench`: StreamGen's throughput benchmarks.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamgen-bench",
        abstract: "Measure StreamGen's throughput and memory against peers run on the same machine.",
        subcommands: [WriterBench.self, EngineBench.self, EcommerceBench.self]
    )
}
