import Foundation
import Testing
import _TestSupport

/// `almanac forecast`, run as a user would: after `almanac run`, from the experiment file (best configuration) and
/// from a run id, in every format.
@Suite(.serialized) struct ForecastCommandEndToEndTests {
  static func csvRows(_ text: String) -> [[String]] {
    text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  }

  /// The shipped synthetic default, run in a scratch folder.
  @Test func forecastsTheSyntheticDefault() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-forecast-synthetic")
    let shipped = TestSupport.repositoryRoot.appendingPathComponent("experiments/rates-synthetic-arima.yaml")
    try FileManager.default.copyItem(at: shipped, to: dir.appendingPathComponent("f.yaml"))
    let run = try AlmanacProcess.run(["run", "f.yaml", "--no-report"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")

    let csv = try AlmanacProcess.run(["forecast", "f.yaml", "--horizon", "14", "--format", "csv"], in: dir)
    #expect(csv.status == 0, "\(csv.stderr)")
    let rows = Self.csvRows(csv.stdout)
    #expect(rows.count == 14)
    var previous = ""
    for row in rows {
      #expect(row.count == 7)
      guard row.count == 7 else { continue }
      let v = row[2...].compactMap(Double.init)
      #expect(v.count == 5 && v[3] < v[1] && v[1] < v[0] && v[0] < v[2] && v[2] < v[4], "\(row)")
      #expect(row[1].hasSuffix("T00:00:00Z") && row[1] > previous, "daily times after the last day: \(row[1])")
      previous = row[1]
    }
    // The default horizon is the experiment's holdout (60); JSON and table carry the same first value.
    let json = try AlmanacProcess.run(["forecast", "f.yaml", "--format", "json"], in: dir)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let items = try #require(object["rows"] as? [[String: Any]])
    #expect(items.count == 60)
    #expect(items.first?["forecast"] as? Double == rows.first.flatMap { Double($0[2]) })
    let table = try AlmanacProcess.run(["forecast", "f.yaml", "--horizon", "3"], in: dir)
    #expect(table.status == 0 && table.stdout.hasPrefix("ARIMA(") && table.stdout.split(separator: "\n").count == 5)

    // By run id: the run of the order the table names gives the same numbers.
    let runs = try AlmanacProcess.run(["runs", "f.yaml", "--format", "csv", "--sort", "aic", "--limit", "1"], in: dir)
    #expect(runs.status == 0, "\(runs.stderr)")
    let header = runs.stdout.split(separator: "\n").first?.split(separator: ",").map(String.init) ?? []
    let first = Self.csvRows(runs.stdout).first ?? []
    let idColumn = try #require(header.firstIndex(of: "id") ?? header.firstIndex(of: "run"))
    let byID = try AlmanacProcess.run(["forecast", first[idColumn], "--db", "almanac.db", "--horizon", "14",
                                       "--format", "csv"], in: dir)
    #expect(byID.status == 0, "\(byID.stderr)")
    #expect(byID.stdout == csv.stdout, "the best run by AIC is the one `forecast FILE` uses")

    let bad = try AlmanacProcess.run(["forecast", "f.yaml", "--horizon", "0"], in: dir)
    #expect(bad.status != 0 && bad.stderr.contains("--horizon"))
  }

  /// The shipped USDC experiment's settings on ../shared data, with a small grid (the full grid is the benchmark's).
  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository (real USDC rates)"))
  func forecastsTheUSDCSeries() throws {
    let shared = try #require(TestSupport.sharedDirectory)
    let dir = try TestSupport.temporaryDirectory("e2e-forecast-usdc")
    let shipped = try String(contentsOf: TestSupport.repositoryRoot
      .appendingPathComponent("experiments/usdc-borrow-rate-arima.yaml"), encoding: .utf8)
    var text = shipped.replacingOccurrences(of: "../../shared", with: shared.path)
    let sweep = try #require(text.range(of: "sweep:"))
    text = String(text[..<sweep.lowerBound]) + "sweep:\n  p: 0...1\n  d: [1]\n  q: 0...1\n"
    try text.write(to: dir.appendingPathComponent("u.yaml"), atomically: true, encoding: .utf8)
    let run = try AlmanacProcess.run(["run", "u.yaml", "--no-report"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")
    let csv = try AlmanacProcess.run(["forecast", "u.yaml", "--horizon", "24", "--format", "csv"], in: dir)
    #expect(csv.status == 0, "\(csv.stderr)")
    let rows = Self.csvRows(csv.stdout)
    #expect(rows.count == 24)
    for row in rows where row.count == 7 {
      let v = row[2...].compactMap(Double.init)
      // Rates in units of the file (a fraction per year): positive and below 1.
      #expect(v.count == 5 && v.allSatisfy { $0 > 0 && $0 < 1 } && v[3] < v[0] && v[0] < v[4], "\(row)")
      #expect(row[1].hasPrefix("2022-"), "after the last observation in 2022: \(row[1])")
    }
  }
}

/// The shipped multi-asset experiment: one report section per asset, and `almanac runs` shows the asset column even
/// when a filter keeps one asset.
@Suite struct MultiAssetReportEndToEndTests {
  @Test func reportHasOneSectionPerAsset() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-assets")
    let shipped = TestSupport.repositoryRoot.appendingPathComponent("experiments/rates-synthetic-assets.yaml")
    try FileManager.default.copyItem(at: shipped, to: dir.appendingPathComponent("a.yaml"))
    let run = try AlmanacProcess.run(["run", "a.yaml"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")
    let readme = try String(contentsOf: dir.appendingPathComponent("reports/rates-synthetic-assets/README.md"),
                            encoding: .utf8)
    for token in ["USDC", "DAI", "WETH", "WBTC"] {
      #expect(readme.contains("## Group data.synthetic.token=\(token)"), "section for \(token)")
    }
    #expect(readme.contains("## Groups") && readme.components(separatedBy: "### Leaderboard").count == 5)
    let runs = try AlmanacProcess.run(["runs", "a.yaml", "--where", "params.data.synthetic.token = \"DAI\""], in: dir)
    #expect(runs.status == 0, "\(runs.stderr)")
    #expect(runs.stdout.contains("params.data.synthetic.token") && runs.stdout.contains("9 runs"), "\(runs.stdout)")
    // The forecast of one asset: its best order by AIC, which `runs --where ... --sort aic` lists first.
    let dai = try AlmanacProcess.run(["forecast", "a.yaml", "--where", "params.data.synthetic.token = \"DAI\"",
                                      "--horizon", "4", "--format", "csv"], in: dir)
    #expect(dai.status == 0, "\(dai.stderr)")
    let best = try AlmanacProcess.run(["runs", "a.yaml", "--where", "params.data.synthetic.token = \"DAI\"",
                                       "--sort", "aic", "--limit", "1", "--format", "csv"], in: dir)
    let id = best.stdout.split(separator: "\n").dropFirst().first?.split(separator: ",").first.map(String.init) ?? ""
    let byID = try AlmanacProcess.run(["forecast", id, "--db", "almanac.db", "--horizon", "4", "--format", "csv"],
                                      in: dir)
    #expect(byID.status == 0 && byID.stdout == dai.stdout, "\(byID.stderr)")
    #expect(dai.stdout.split(separator: "\n").count == 5)
  }
}
