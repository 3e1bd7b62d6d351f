import Experiments
import Foundation
import Reports
import _ReportsTestSupport
import Tracking

/// `almanac-bench report [--out DIR] [--png] [--no-gnuplot] [--repeat N]`: times `ReportWriter.write` on synthetic
/// 500-trial classification and forecast sweeps (all charts drawn by one gnuplot process when it is installed;
/// `--no-gnuplot` times the Swift side alone: tables, data files and scripts; `--store` first writes the trials
/// into a fresh SQLite store and times `ReportInput.load` + `ReportWriter.write`, as `almanac report` does).
func reportBenchmark(_ args: ArraySlice<String>) throws {
  var out: URL?
  var png = false
  var gnuplotPath: String?
  var viaStore = false
  var repeats = 3
  var it = args.makeIterator()
  while let a = it.next() {
    switch a {
    case "--out": out = it.next().map { URL(fileURLWithPath: $0) }
    case "--png": png = true
    case "--no-gnuplot": gnuplotPath = "/nonexistent/gnuplot"
    case "--store": viaStore = true
    case "--repeat": repeats = it.next().flatMap { Int($0) } ?? repeats
    default:
      print("usage: almanac-bench report [--out DIR] [--png] [--no-gnuplot] [--store] [--repeat N]")
      exit(2)
    }
  }
  let base = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("almanac-report-bench-\(getpid())")
  defer { if out == nil { try? FileManager.default.removeItem(at: base) } }
  let inputs: [(String, ReportInput)] = [
    (
      "classify",
      SyntheticReport.classification(
        features: ["1d", "3d", "7d", "14d", "30d"], learningRates: 5,
        replicates: 5, failures: 6)
    ),
    (
      "forecast",
      SyntheticReport.forecast(
        maxP: 4, maxD: 1, maxQ: 4, transforms: ["log", "none"], replicates: 5,
        horizon: 100)
    ),
  ]
  for (name, input) in inputs {
    let dir = base.appendingPathComponent(name)
    let store = viaStore ? try writeStore(input, at: base.appendingPathComponent("\(name).db")) : nil
    var times: [Double] = []
    var summary: ReportSummary?
    for _ in 0..<max(1, repeats) {
      let start = DispatchTime.now().uptimeNanoseconds
      let source =
        try store.map {
          try ReportInput.load(store: $0, experimentName: input.experiment.name, reproduceCommand: "almanac run x")
        } ?? input
      summary = try ReportWriter.write(source, to: dir, options: ReportOptions(png: png, gnuplotPath: gnuplotPath))
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let s = summary
    print(
      String(
        format: "report %@%@: %d trials, %d charts, gnuplot %@: best %.3f s, median %.3f s (%d runs)%@",
        name, viaStore ? " (load from store + write)" : "", input.trials.count,
        s?.charts.filter { $0.hasSuffix(".svg") }.count ?? 0, s?.gnuplot ?? "absent", times.min() ?? 0,
        times.sorted()[times.count / 2], times.count,
        out == nil ? "" : " -> \(dir.path)"))
    if gnuplotPath == nil { for w in s?.warnings ?? [] { print("  warning: \(w)") } }
  }
}

/// Writes `input`'s trials into a new store as the runner would (claim, then one batched record).
private func writeStore(_ input: ReportInput, at url: URL) throws -> TrackingStore {
  try? FileManager.default.removeItem(at: url)
  let store = try TrackingStore(at: url)
  let declared = input.experiment.task == .classify ? ClassifyOutputs.declarations : ForecastOutputs.declarations
  let id = try store.upsertExperiment(
    ExperimentDefinition(
      name: input.experiment.name, task: input.experiment.task.rawValue,
      plan: input.trials.enumerated().map { PlanEntry(key: $1.key, index: $0) },
      metrics: MetricCatalog(declared: declared, selected: [input.experiment.rankingMetric])))
  let claims = input.trials.enumerated().map { i, t in
    TrialClaim(key: t.key, index: i, seed: UInt64(i), params: t.params.filter { $0.key != "seed" })
  }
  let claimed = try store.claim(experimentID: id, trials: claims, owner: .current()).claimed
  let byKey = Dictionary(uniqueKeysWithValues: input.trials.map { ($0.key, $0) })
  let axes = input.experiment.sweepAxes.joined(separator: ",")
  try store.record(
    claimed.compactMap { run -> RunResult? in
      guard let t = byKey[run.key] else { return nil }
      let points = t.series.flatMap { key, values in
        values.map { MetricPoint(key: key, step: $0.step, value: $0.value) }
      }
      return RunResult(
        runID: run.runID, status: t.status == .finished ? .finished : (t.status == .failed ? .failed : .killed),
        error: t.error, metrics: t.metrics, series: points,
        tags: [TagKey.replicate: "\(t.replicate)", TagKey.axes: axes])
    })
  return store
}
