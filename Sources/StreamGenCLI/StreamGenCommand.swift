import ArgumentParser
import Columnar
import StreamGen

/// `streamgen`: the command-line front of the StreamGen library.
@main
struct StreamGenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamgen",
        abstract: "Generate realistic, relational, anomaly-seeded synthetic datasets as Parquet or CSV.",
        version: "streamgen \(StreamGenInfo.version)",
        subcommands: [Inspect.self]
    )
}

/// `streamgen inspect FILE`: what a Parquet file's footer says.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a Parquet file's schema, row groups, encodings and statistics.",
        discussion: """
            Decodes the footer with StreamGen's own Thrift reader. Works on any Parquet file.

              $ streamgen inspect out/streamgen-zstd-0.parquet
            """)

    @Argument(help: "The Parquet file.")
    var file: String

    func run() throws {
        let footer: ThriftValue
        do {
            footer = try ParquetFooter.read(path: file)
        } catch {
            throw CommandFailure("\(error)")
        }
        print(FooterReport(footer).render(file: file))
    }
}

/// A failure to report as `Error: <message>` with exit status 1, without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
