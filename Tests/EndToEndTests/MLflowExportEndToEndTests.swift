import Foundation
import Testing
import _TestSupport

/// `almanac export mlflow` read back by the real MLflow (client, `mlflow server` and its UI's run-list API).
///
/// Expected values come from Almanac's store as the real runner wrote it (dumped with plain SQL by
/// `Tests/Scripts/mlflow_check.py --almanac-store`), never from the export. Needs `scripts/install-mlflow`.
@Suite(.serialized) struct MLflowExportEndToEndTests {
  static let forecastExperiment = """
    name: e2e-mlflow-forecast
    notes: "ARIMA orders on the synthetic market's USDC borrow rate."
    task: forecast
    metrics: [aic, rmse]
    data:
      source: synthetic
      synthetic: {seed: 3, days: 240}
    transform: log
    holdout: 20
    sweep:
      p: 0...1
      d: 0...1
      q: 0...1
    """

  /// FINISHED and FAILED runs, replicates, a two-point series `curve` (steps 0, 1).
  static let sleepExperiment = """
    name: e2e-mlflow-sleep
    task: _sleep
    ms: 1
    fail_when_x: 2
    sweep:
      x: [1, 2, 3]
      seeds: 2
    """

  /// A directory with both experiment files run into `almanac.db` (no reports).
  static func runExperiments() throws -> URL {
    let dir = try TestSupport.temporaryDirectory("e2e-mlflow")
    try forecastExperiment.write(to: dir.appendingPathComponent("f.yaml"), atomically: true, encoding: .utf8)
    try sleepExperiment.write(to: dir.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
    let f = try AlmanacProcess.run(["run", "f.yaml", "--no-report"], in: dir)
    #expect(f.status == 0, "\(f.stderr)")
    let s = try AlmanacProcess.run(["run", "s.yaml", "--no-report"], in: dir)
    #expect(s.status == 1, "the x = 2 trials fail: \(s.stderr)")
    return dir
  }

  static func runs(_ view: [String: Any]) -> [[String: Any]] { view["runs"] as? [[String: Any]] ?? [] }
  static func store(_ view: [String: Any]) -> [[String: Any]] { view["store"] as? [[String: Any]] ?? [] }
  static func tags(_ run: [String: Any]) -> [String: String] { run["tags"] as? [String: String] ?? [:] }
  static func trialRuns(_ view: [String: Any]) -> [[String: Any]] {
    runs(view).filter { tags($0)["almanac.kind"] == "trial" }
  }

  /// MLflow's runs keyed by the store's run id (from the `almanac.run_id` tag).
  static func byStoreID(_ view: [String: Any]) -> [Int: [String: Any]] {
    var out: [Int: [String: Any]] = [:]
    for run in trialRuns(view) { if let id = tags(run)["almanac.run_id"].flatMap(Int.init) { out[id] = run } }
    return out
  }

  static func double(_ any: Any?) -> Double? {
    if let s = any as? String, s == "NaN" { return .nan }
    return (any as? NSNumber)?.doubleValue
  }

  static func int(_ any: Any?) -> Int64? { (any as? NSNumber)?.int64Value }

  /// Every store run is one MLflow run with the same status, times, params and scalar metrics; `series` keys have
  /// their full history (steps, values, timestamps).
  static func expectSameRuns(_ view: [String: Any], series: [String]) {
    let stored = store(view)
    let exported = byStoreID(view)
    #expect(!stored.isEmpty)
    #expect(trialRuns(view).count == stored.count, "one MLflow run per store run")
    #expect(exported.count == stored.count)
    let history = view["history"] as? [String: [String: [[Any]]]] ?? [:]
    for run in stored {
      guard let id = int(run["run_id"]).map(Int.init), let mlflow = exported[id] else {
        Issue.record("store run \(run["run_id"] ?? "?") is not in MLflow")
        continue
      }
      #expect(mlflow["status"] as? String == run["status"] as? String)
      #expect(int(mlflow["start_time"]) == int(run["start_time"]))
      #expect(int(mlflow["end_time"]) == int(run["end_time"]))
      #expect(mlflow["lifecycle_stage"] as? String == "active")
      #expect(mlflow["params"] as? [String: String] == run["params"] as? [String: String])
      #expect(tags(mlflow)["almanac.trial_key"] == run["trial_key"] as? String)
      let metrics = mlflow["metrics"] as? [String: Any] ?? [:]
      for (key, value) in run["metrics"] as? [String: Any] ?? [:] {
        let expected = double(value), actual = double(metrics[key])
        #expect(expected == actual || (expected?.isNaN == true && actual?.isNaN == true),
                "run \(id) metric \(key): store \(String(describing: expected)), MLflow \(String(describing: actual))")
      }
      let runSeries = run["series"] as? [String: [[Any]]] ?? [:]
      for key in series {
        guard let points = runSeries[key] else { continue }
        let runID = mlflow["run_id"] as? String ?? ""
        let got = history[runID]?[key] ?? []
        #expect(got.count == points.count, "run \(id) \(key): \(got.count) points in MLflow, \(points.count) stored")
        for (g, p) in zip(got, points) {
          #expect(int(g[0]) == int(p[0]), "step")
          #expect(double(g[1]) == double(p[1]), "value at step \(p[0])")
          #expect(int(g[2]) == int(p[2]), "timestamp")
        }
        // The latest value MLflow shows is the point with the largest step.
        if let last = points.max(by: { (int($0[0]) ?? 0) < (int($1[0]) ?? 0) }) {
          #expect(double(metrics[key]) == double(last[1]))
        }
      }
    }
  }

  @Test(.enabled(if: ExternalTools.mlflowAvailable, .init(rawValue: ExternalTools.mlflowMissing)))
  func exportedFileReadsBackThroughMLflowsClientSearchAndUI() throws {
    let dir = try Self.runExperiments()
    let out = dir.appendingPathComponent("mlflow.db")
    for file in ["f.yaml", "s.yaml"] {
      let export = try AlmanacProcess.run(["export", "mlflow", file, "--out", "mlflow.db"], in: dir)
      #expect(export.status == 0, "\(export.stderr)")
      #expect(export.stdout.contains("exported"), "\(export.stdout)")
    }
    let uri = "sqlite:///\(out.path)"
    let store = dir.appendingPathComponent("almanac.db").path

    // The forecast experiment: runs, params, metrics, the `forecast` series' full history; search by AIC.
    let firstLook = try ExternalTools.mlflowCheck([
      "--tracking-uri", uri, "--experiment", "e2e-mlflow-forecast", "--almanac-store", store,
      "--history", "forecast", "--history", "actual", "--artifacts",
    ])
    Self.expectSameRuns(firstLook, series: ["forecast", "actual"])
    #expect(Self.trialRuns(firstLook).count == 8)
    let aics = Self.store(firstLook).compactMap { run -> (Int, Double)? in
      guard let id = Self.int(run["run_id"]), let aic = Self.double((run["metrics"] as? [String: Any])?["aic"]),
            aic.isFinite else { return nil }
      return (Int(id), aic)
    }
    // A threshold between two clearly distinct AICs, below which no two AICs are (nearly) tied: the expected set and
    // order do not hinge on the last bits of a number (some orders fit the same model and tie).
    let sorted = aics.map(\.1).sorted()
    func apart(_ a: Double, _ b: Double) -> Bool { abs(b - a) > 1e-6 * max(abs(a), abs(b)) }
    let cut = try #require((1...(sorted.count / 2)).reversed().first { k in
      apart(sorted[k - 1], sorted[k]) && (0..<(k - 1)).allSatisfy { apart(sorted[$0], sorted[$0 + 1]) }
    })
    let threshold = (sorted[cut - 1] + sorted[cut]) / 2
    let searched = try ExternalTools.mlflowCheck([
      "--tracking-uri", uri, "--experiment", "e2e-mlflow-forecast",
      "--search-filter", "metrics.aic < \(threshold) and params.transform = 'log'", "--search-order", "metrics.aic ASC",
      "--search-metric", "aic",
    ])
    let byStore = Self.byStoreID(firstLook)
    let expectedOrder = aics.filter { $0.1 < threshold }.sorted { $0.1 < $1.1 }
      .compactMap { byStore[$0.0]?["run_id"] as? String }
    let search = searched["search"] as? [String: Any] ?? [:]
    #expect(!expectedOrder.isEmpty)
    #expect(search["run_ids"] as? [String] == expectedOrder, "search_runs filters by aic < \(threshold) and orders by aic")
    // The report run carries the one-file HTML report and the Markdown one.
    let report = Self.runs(firstLook).first { Self.tags($0)["almanac.kind"] == "report" }
    let reportFiles: [String] = (report?["artifacts"] as? [String]) ?? []
    #expect(reportFiles.contains("report.html") && reportFiles.contains("README.md"), "\(reportFiles)")
    #expect(reportFiles.contains { $0.hasPrefix("charts/") && $0.hasSuffix(".gp") })
    // Provenance as MLflow's own tags.
    for run in Self.trialRuns(firstLook) {
      let tags = Self.tags(run)
      #expect(tags["mlflow.source.name"] == "f.yaml")
      #expect(tags["mlflow.runName"] == run["run_name"] as? String)
      #expect(tags["mlflow.runName"]?.hasPrefix("p=") == true)
      #expect(tags["mlflow.source.git.commit"] == nil || tags["mlflow.source.git.commit"] == tags["almanac.git.commit"])
    }

    // The sleep experiment: FINISHED and FAILED statuses, the two-point `curve` series.
    let sleep = try ExternalTools.mlflowCheck([
      "--tracking-uri", uri, "--experiment", "e2e-mlflow-sleep", "--almanac-store", store, "--history", "curve",
    ])
    Self.expectSameRuns(sleep, series: ["curve"])
    let statuses = Self.trialRuns(sleep).compactMap { $0["status"] as? String }
    #expect(statuses.filter { $0 == "FINISHED" }.count == 4 && statuses.filter { $0 == "FAILED" }.count == 2)

    // Exporting again (into the file MLflow has meanwhile upgraded to its own schema) duplicates nothing.
    let again = try AlmanacProcess.run(["export", "mlflow", "f.yaml", "--out", "mlflow.db"], in: dir)
    #expect(again.status == 0, "\(again.stderr)")
    let secondLook = try ExternalTools.mlflowCheck([
      "--tracking-uri", uri, "--experiment", "e2e-mlflow-forecast", "--almanac-store", store, "--history", "forecast",
    ])
    Self.expectSameRuns(secondLook, series: ["forecast"])
    #expect(Set(Self.runs(secondLook).compactMap { $0["run_id"] as? String })
      == Set(Self.runs(firstLook).compactMap { $0["run_id"] as? String }))

    // The UI's run list: the server answers runs/search (the UI calls the ajax-api route) with the same runs.
    let server = try MLflowServer(database: out, artifacts: dir.appendingPathComponent("server-artifacts"), directory: dir)
    defer { server.stop() }
    let experimentID = (firstLook["experiment"] as? [String: Any])?["experiment_id"] as? String ?? ""
    let expectedIDs = Set(Self.runs(firstLook).compactMap { $0["run_id"] as? String })
    for route in ["api/2.0/mlflow/runs/search", "ajax-api/2.0/mlflow/runs/search"] {
      let (status, body) = ExternalTools.http(
        server.url.appendingPathComponent(route), method: "POST",
        json: ["experiment_ids": [experimentID], "max_results": 1000])
      #expect(status == 200, "\(route): \(String(decoding: body, as: UTF8.self).prefix(500))")
      let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
      let ids = Set((json["runs"] as? [[String: Any]] ?? []).compactMap { ($0["info"] as? [String: Any])?["run_id"] as? String })
      #expect(ids == expectedIDs, "\(route) lists the exported runs")
    }
    let (pageStatus, page) = ExternalTools.http(server.url)
    #expect(pageStatus == 200 && String(decoding: page, as: UTF8.self).lowercased().contains("mlflow"), "the UI page")
    // With a browser at hand: the UI's runs table, rendered, names every exported run.
    if let browser = ExternalTools.chromium {
      let dom = try ExternalTools.run(browser, [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--virtual-time-budget=20000", "--dump-dom", server.url.absoluteString + "/#/experiments/\(experimentID)/runs",
      ])
      for name in Self.runs(firstLook).compactMap({ $0["run_name"] as? String }) {
        #expect(dom.stdout.contains(name), "the UI's runs table lists \(name)")
      }
    }
  }

  @Test(.enabled(if: ExternalTools.mlflowAvailable, .init(rawValue: ExternalTools.mlflowMissing)))
  func exportToARunningServerThroughTheRESTAPI() throws {
    let dir = try Self.runExperiments()
    let server = try MLflowServer(
      database: dir.appendingPathComponent("server.db"), artifacts: dir.appendingPathComponent("server-artifacts"),
      directory: dir)
    defer { server.stop() }
    let target = server.url.absoluteString
    for _ in 0..<2 {
      // Twice: the second export finds the runs by their export id and duplicates nothing.
      let export = try AlmanacProcess.run(["export", "mlflow", "s.yaml", "--to", target], in: dir)
      #expect(export.status == 0, "\(export.stderr)")
    }
    let view = try ExternalTools.mlflowCheck([
      "--tracking-uri", target, "--experiment", "e2e-mlflow-sleep",
      "--almanac-store", dir.appendingPathComponent("almanac.db").path, "--history", "curve", "--artifacts",
    ])
    Self.expectSameRuns(view, series: ["curve"])
    #expect(Self.runs(view).count == 7, "six trial runs and the report run, once each")
    let report = Self.runs(view).first { Self.tags($0)["almanac.kind"] == "report" }
    let reportFiles: [String] = (report?["artifacts"] as? [String]) ?? []
    #expect(reportFiles.contains("report.html"), "\(reportFiles)")
    let failed = Self.trialRuns(view).filter { $0["status"] as? String == "FAILED" }
    #expect(failed.count == 2)
    #expect(failed.allSatisfy { Self.tags($0)["mlflow.note.content"]?.contains("configured to fail") == true })
  }
}
