// swift-tools-version: 6.2
import PackageDescription

// Micro-benchmarks of StreamGen's hot loops, with ordo-one/benchmark. A package of its own (as
// swift-nio's Benchmarks/), so that building and testing StreamGen never builds its dependencies.
// Run: `make bench-micro` (figures, then the malloc-count gate against Thresholds/).
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
        ),
        .executableTarget(
            name: "GeneratorBenchmarks",
            dependencies: [
                .product(name: "StreamGen", package: "StreamGen"),
                .product(name: "Columnar", package: "StreamGen"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/GeneratorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
