// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "StreamGen",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Columnar", targets: ["Columnar"]),
        .library(name: "StreamGen", targets: ["StreamGen"]),
        .executable(name: "streamgen", targets: ["StreamGenCLI"]),
        .executable(name: "streamgen-bench", targets: ["Bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        .systemLibrary(
            name: "CSnappy",
            pkgConfig: "snappy",
            providers: [.apt(["libsnappy-dev"]), .brew(["snappy"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]
        ),
        .systemLibrary(
            name: "CPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(name: "Columnar", dependencies: ["CZstd", "CSnappy", "CCrypto"]),
        .target(name: "StreamGen", dependencies: ["Columnar", "CPQ"]),
        .target(
            name: "StreamGenYAML",
            dependencies: ["StreamGen", "Columnar", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "StreamGenCLI",
            dependencies: [
                "StreamGen",
                "StreamGenYAML",
                "Columnar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "Columnar",
                "StreamGen",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["Columnar"], path: "Tests/TestSupport"),
        .testTarget(name: "ColumnarTests", dependencies: ["Columnar", "TestSupport"]),
        .testTarget(name: "InteropTests", dependencies: ["Columnar", "TestSupport"]),
        .testTarget(name: "StreamGenTests", dependencies: ["StreamGen", "StreamGenYAML", "Columnar", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
