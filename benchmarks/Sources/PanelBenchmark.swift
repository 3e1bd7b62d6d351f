// almanac-bench panel [DIR] [--runs N]: load the Aave tables, merge and compute features (both pipelines), then
// split; prints the median wall time next to pandas' (REFERENCE.md issue "Aave data": 0.13 s for the tutorial's
// load + merge + features).
import Datasets
import Foundation

func panelBenchmark(_ args: ArraySlice<String>) throws {
  var runs = 7
  var directory: URL? = nil
  var rest = args[...]
  while let a = rest.first {
    rest = rest.dropFirst()
    if a == "--runs", let n = rest.first.flatMap({ Int($0) }) {
      runs = max(1, n)
      rest = rest.dropFirst()
    } else {
      directory = URL(fileURLWithPath: a)
    }
  }
  let dir =
    directory
    ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    .deletingLastPathComponent().appendingPathComponent("shared/data/aave")
  guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(AaveTables.FileName.tokenDaily).path) else {
    print("panel: skipped, no Aave tables at \(dir.path) (needs ../shared beside the repository)")
    return
  }
  func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
  }
  for pipeline in [PanelPipeline.tutorial, .perToken] {
    var times: [Double] = []
    var loadTimes: [Double] = []
    var summary = ""
    for _ in 0..<runs {
      var tables: AaveTables? = nil
      let load = try seconds { tables = try AaveTables.load(directory: dir) }
      let total =
        try load
        + seconds {
          guard let tables else { return }
          let panel = try LiquidationPanel.build(from: tables, pipeline: pipeline)
          let split = try panel.split(testDays: 40, features: ["7d"], scaling: .minmax)
          summary =
            "train \(split.trainCount) (\(Int(split.trainY.reduce(0, +))) positive), "
            + "test \(split.testCount) (\(Int(split.testY.reduce(0, +))) positive)"
        }
      loadTimes.append(load)
      times.append(total)
    }
    let median = { (x: [Double]) in x.sorted()[x.count / 2] }
    let m = median(times)
    print(
      String(
        format:
          "panel %-9@ load+merge+features+split: median %.4f s, min %.4f s over %d runs (load median %.4f s); "
          + "pandas 0.13 s; x%.1f faster",
        pipeline.rawValue, m, times.min() ?? m, runs, median(loadTimes), 0.13 / m))
    print("  \(summary)")
  }
}
