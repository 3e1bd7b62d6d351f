import Foundation
import Reports

/// `almanac-bench report [--out DIR] [--png] [--no-gnuplot] [--repeat N]`: times `ReportWriter.write` on synthetic
/// 500-trial classification and forecast sweeps (all charts drawn by one gnuplot process when it is installed;
/// `--no-gnuplot` times the Swift side alone: tables, data files and scripts).
func reportBenchmark(_ args: ArraySlice<String>) throws {
  var out: URL?
  var png = false
  var gnuplotPath: String?
  var repeats = 3
  var it = args.makeIterator()
  while let a = it.next() {
    switch a {
    case "--out": out = it.next().map { URL(fileURLWithPath: $0) }
    case "--png": png = true
    case "--no-gnuplot": gnuplotPath = "/nonexistent/gnuplot"
    case "--repeat": repeats = it.next().flatMap { Int($0) } ?? repeats
    default:
      print("usage: almanac-bench report [--out DIR] [--png] [--no-gnuplot] [--repeat N]")
      exit(2)
    }
  }
  let base = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("almanac-report-bench-\(getpid())")
  defer { if out == nil { try? FileManager.default.removeItem(at: base) } }
  let inputs: [(String, ReportInput)] = [
    ("classify", SyntheticReport.classification(features: ["1d", "3d", "7d", "14d", "30d"], learningRates: 5,
                                                replicates: 5, failures: 6)),
    ("forecast", SyntheticReport.forecast(maxP: 4, maxD: 1, maxQ: 4, transforms: ["log", "none"], replicates: 5,
                                          horizon: 100)),
  ]
  for (name, input) in inputs {
    let dir = base.appendingPathComponent(name)
    var times: [Double] = []
    var summary: ReportSummary?
    for _ in 0..<max(1, repeats) {
      let start = DispatchTime.now().uptimeNanoseconds
      summary = try ReportWriter.write(input, to: dir, options: ReportOptions(png: png, gnuplotPath: gnuplotPath))
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let s = summary
    print(String(format: "report %@: %d trials, %d charts, gnuplot %@: best %.3f s, median %.3f s (%d runs)%@",
                 name, input.trials.count, s?.charts.count ?? 0, s?.gnuplot ?? "absent", times.min() ?? 0,
                 times.sorted()[times.count / 2], times.count,
                 out == nil ? "" : " -> \(dir.path)"))
    if gnuplotPath == nil { for w in s?.warnings ?? [] { print("  warning: \(w)") } }
  }
}
