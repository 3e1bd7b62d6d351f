// swift-tools-version: 6.1
//
// Almanac: a command-line research notebook runner for DeFi risk and rate models.
// Data flows one way: experiment file -> validated spec -> plan of trials -> runner -> task -> store -> report.

import Foundation
import PackageDescription

/// Numeric kernels are compiled with optimisation even in debug builds: `swift test` trains networks and fits
/// ARIMA grids on real data, which unoptimised Swift runs 20-50x slower.
///
/// `ALMANAC_AVX512=1` in the environment selects the fast path: every target is compiled for `skylake-avx512` (the
/// AVX-512 subset of every Intel server core since 2017 and AMD Zen 4; the binary then needs such a CPU) and the
/// kernels use sixteen-lane vectors and fused multiply-add (`Sources/Learning/Lanes.swift`), so results agree with the
/// default build's within float rounding, not bit for bit. Use a separate scratch path:
/// `ALMANAC_AVX512=1 swift build -c release --scratch-path .build-avx512` (`scripts/test-avx512` tests it).
let avx512 = ProcessInfo.processInfo.environment["ALMANAC_AVX512"].map { !$0.isEmpty && $0 != "0" } ?? false
let targetCPU: [SwiftSetting] =
  avx512 ? [.unsafeFlags(["-target-cpu", "skylake-avx512"])] : []
let optimizedKernel: [SwiftSetting] =
  [.unsafeFlags(["-O"], .when(configuration: .debug))] + (avx512 ? [.define("ALMANAC_AVX512")] : [])

/// The tree grower keeps its nodes, heap and buffers in one class; Swift checks every access to a class's stored
/// property for overlapping writes at run time, which cost 2-5% of a tree fit (`perf record` on `almanac-bench trees`,
/// see benchmarks/README.md). Release builds of Learning skip those run-time checks; the debug build, which the tests
/// use, keeps them.
let uncheckedExclusivity: [SwiftSetting] =
  [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
  name: "Almanac",
  platforms: [.macOS(.v13)],
  products: [
    // MARK: - Public API
    .executable(name: "almanac", targets: ["almanac"]),
    .library(name: "Experiments", targets: ["Experiments"]),
    .library(name: "Datasets", targets: ["Datasets"]),
    .library(name: "Learning", targets: ["Learning"]),
    .library(name: "Forecasting", targets: ["Forecasting"]),
    .library(name: "Statistics", targets: ["Statistics"]),
    .library(name: "Tracking", targets: ["Tracking"]),
    .library(name: "Reports", targets: ["Reports"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    .package(url: "https://github.com/onevcat/Rainbow", from: "4.0.0"),
  ],
  targets: [
    // MARK: - Numeric kernels (standard library only)
    .target(name: "AlmanacCore", swiftSettings: optimizedKernel),
    .target(name: "Learning", dependencies: ["AlmanacCore"], swiftSettings: optimizedKernel + uncheckedExclusivity),
    .target(name: "Forecasting", dependencies: ["AlmanacCore"], swiftSettings: optimizedKernel),
    .target(name: "Datasets", dependencies: ["AlmanacCore"], swiftSettings: optimizedKernel),
    .target(name: "Statistics", dependencies: ["AlmanacCore"], swiftSettings: optimizedKernel),

    // MARK: - Experiments, tracking, tasks, reports
    .target(name: "Tracking", dependencies: [
      "AlmanacCore", .product(name: "GRDB", package: "GRDB.swift"),
    ]),
    .target(name: "Experiments", dependencies: ["AlmanacCore", "Tracking", "Yams"]),
    .target(name: "Tasks", dependencies: ["Experiments", "Datasets", "Learning", "Forecasting", "Statistics"]),
    .target(name: "Reports", dependencies: ["AlmanacCore", "Tracking", "Experiments", "Statistics", "Learning"]),

    // MARK: - Command-line tool (thin)
    .executableTarget(name: "almanac", dependencies: [
      "Experiments", "Tasks", "Reports", "Tracking", "Datasets", "Rainbow",
      .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),

    // MARK: - Benchmarks (print ratios against the reference programs)
    .executableTarget(
      name: "almanac-bench",
      dependencies: [
        "Experiments", "Tasks", "Reports", "Tracking", "Datasets", "Learning", "Forecasting", "_ReportsTestSupport",
      ],
      path: "benchmarks/Sources"),

    // MARK: - Tests
    .target(name: "_TestSupport", dependencies: ["AlmanacCore"], path: "Tests/_TestSupport"),
    .target(name: "_ReportsTestSupport", dependencies: ["Reports", "Experiments", "Tracking"],
            path: "Tests/_ReportsTestSupport"),
    .testTarget(name: "AlmanacCoreTests", dependencies: ["AlmanacCore", "_TestSupport"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "_TestSupport"]),
    .testTarget(name: "LearningTests", dependencies: ["Learning", "Datasets", "_TestSupport"]),
    .testTarget(name: "ForecastingTests", dependencies: ["Forecasting", "_TestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "StatisticsTests", dependencies: ["Statistics", "_TestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "TrackingTests", dependencies: ["Tracking", "_TestSupport"]),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "_TestSupport"]),
    .testTarget(name: "TasksTests", dependencies: ["Tasks", "Statistics", "_TestSupport"]),
    .testTarget(name: "ReportsTests", dependencies: ["Reports", "Tracking", "Statistics", "_TestSupport", "_ReportsTestSupport"],
                resources: [.copy("Golden"), .copy("Fixtures")]),
    .testTarget(name: "EndToEndTests", dependencies: ["_TestSupport", "Tracking"]),  // Tracking: cluster tests read merged stores
    .testTarget(name: "AlmanacCLITests", dependencies: ["almanac", "Experiments", "Tracking", "_TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)

// The fast path compiles every target of the package for the same CPU.
for target in package.targets where !targetCPU.isEmpty {
  target.swiftSettings = (target.swiftSettings ?? []) + targetCPU
}
