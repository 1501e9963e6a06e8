// swift-tools-version: 6.2
import PackageDescription

// Micro-benchmarks of the Columnar hot paths, with ordo-one/benchmark. A package of its own
// (as swift-nio's Benchmarks/), so that building and testing StreamGen never builds its dependencies.
// Run: `make bench-micro` (or `swift package --package-path Benchmarks benchmark`).
let package = Package(
    name: "StreamGenBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "StreamGen", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ColumnarBenchmarks",
            dependencies: [
                .product(name: "Columnar", package: "StreamGen"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ColumnarBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
