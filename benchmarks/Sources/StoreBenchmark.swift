import Foundation
import Tracking

/// `almanac-bench store [--runs 1000] [--steps 1000] [--batch 20]`: logs runs x steps series points through the
/// tracking store's batched writer (claims, then `record` with `batch` runs per transaction) into a temporary
/// database and prints points per second. Target: well over 100,000 points/s.
enum StoreBenchmark {
  static func run(_ args: ArraySlice<String>) throws {
    var runs = 1000
    var steps = 1000
    var batch = 20
    var it = args.makeIterator()
    while let flag = it.next() {
      guard let value = it.next().flatMap({ Int($0) }), value > 0 else {
        throw BenchmarkUsage("\(flag) needs a positive integer")
      }
      switch flag {
      case "--runs": runs = value
      case "--steps": steps = value
      case "--batch": batch = value
      default: throw BenchmarkUsage("unknown option \(flag); expected --runs, --steps or --batch")
      }
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-bench-store-\(getpid())")
    try? FileManager.default.removeItem(at: dir)
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try TrackingStore(at: dir.appendingPathComponent("bench.db"))
    let experiment = try store.upsertExperiment(ExperimentDefinition(name: "bench", task: "bench"))
    let owner = RunOwner.current()
    let trials = (0..<runs).map { TrialClaim(key: String(format: "%016x", $0), index: $0, seed: UInt64($0)) }

    // Results are prepared before timing: the benchmark measures the store, not building arrays.
    let claimStart = Date()
    let claimed = try store.claim(experimentID: experiment, trials: trials, owner: owner).claimed
    let claimSeconds = Date().timeIntervalSince(claimStart)
    let results = claimed.map { run in
      RunResult(
        runID: run.runID, status: .finished, metrics: ["score": Double(run.index)],
        series: (0..<steps).map { MetricPoint(key: "train_loss", step: $0, value: 1 / Double($0 + 1)) })
    }

    let start = Date()
    let cpuStart = cpuSeconds()
    var i = 0
    while i < results.count {
      try store.record(Array(results[i..<min(i + batch, results.count)]))
      i += batch
    }
    let seconds = Date().timeIntervalSince(start)
    let cpu = cpuSeconds() - cpuStart
    let points = runs * (steps + 1)
    let finished = try store.runs(experimentID: experiment, query: RunQuery(scope: .all, statuses: [.finished]))
    let lastSeries = try finished.last.map { try store.series(runID: $0.id, key: "train_loss") } ?? []
    precondition(
      finished.count == runs && lastSeries.count == steps,
      "stored \(finished.count) runs and \(lastSeries.count) points, expected \(runs) and \(steps)")
    let fileSize = (try? FileManager.default.attributesOfItem(atPath: store.fileURL.path)[.size] as? Int) ?? 0
    print("store: claimed \(runs) runs in \(String(format: "%.3f", claimSeconds)) s")
    print(
      "store: \(points) metric points (\(runs) runs x \(steps) steps + 1 scalar) in \(String(format: "%.3f", seconds)) s"
        + " with \(batch) runs per transaction")
    print(
      "store: \(Int(Double(points) / seconds)) points/s wall-clock (target > 100000); db \(fileSize / 1_048_576) MiB + WAL"
    )
    print(
      "store: \(Int(Double(points) / cpu)) points per CPU-second (\(String(format: "%.3f", cpu)) s user+sys; "
        + "the wall-clock figure is lower when other processes share the cores)")
  }
}

/// User + system CPU time of this process, seconds (getrusage).
private func cpuSeconds() -> Double {
  var usage = rusage()
  #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  #else
    getrusage(RUSAGE_SELF, &usage)
  #endif
  func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
  return s(usage.ru_utime) + s(usage.ru_stime)
}

struct BenchmarkUsage: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = "almanac-bench store: \(description)" }
}
