import Experiments
import Foundation
@testable import Reports
import AlmanacCore
import Testing
import Tracking
import _ReportsTestSupport
import _TestSupport

@Suite("Loading from the store")
struct StoreLoadTests {
  /// Writes `handMadeInput()` into a fresh store the way the runner does (claim, then record with its tags).
  static func makeStore(selected: [String] = ["f1"]) throws -> (TrackingStore, ReportInput, URL) {
    let dir = try TestSupport.temporaryDirectory("report-store")
    let store = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    let input = handMadeInput()
    let id = try store.upsertExperiment(ExperimentDefinition(
      name: "hand-made", task: "classify", filePath: "experiments/hand-made.yaml", notes: "Some *notes*.",
      metrics: MetricCatalog(declared: ClassifyOutputs.declarations, selected: selected)))
    let claims = input.trials.enumerated().map { i, t in
      TrialClaim(key: t.key, index: i, seed: UInt64(i), params: t.params.filter { $0.key != "seed" })
    }
    let claimed = try store.claim(experimentID: id, trials: claims, owner: .current()).claimed
    let byKey = Dictionary(uniqueKeysWithValues: input.trials.map { ($0.key, $0) })
    var results: [RunResult] = []
    for run in claimed {
      guard let t = byKey[run.key] else { continue }
      var tags = ["almanac.replicate": "\(t.replicate)", "almanac.axes": "features,oversampling,seeds",
                  "almanac.git.commit": "0123abcd", "almanac.git.dirty": "true",
                  "almanac.data.data/aave/liquidations.csv.sha256": "ff00"]
      tags["almanac.seed"] = "\(run.seed)"
      // Series written out of step order on purpose.
      let series = t.status == .finished
        ? [MetricPoint(key: "val_loss", step: 1, value: 0.3), MetricPoint(key: "val_loss", step: 0, value: 0.4)] : []
      results.append(RunResult(runID: run.runID, status: t.status == .finished ? .finished : .failed, error: t.error,
                               metrics: t.metrics, series: series, tags: tags))
    }
    try store.record(results)
    return (store, input, dir)
  }

  @Test("runs, params, metrics, series and provenance tags map onto ReportInput")
  func load() throws {
    let (store, original, dir) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = try ReportInput.load(store: store, experimentName: "hand-made", reproduceCommand: "almanac run x",
                                     date: SyntheticReport.date)
    let e = input.experiment
    #expect(e.task == .classify)
    #expect(e.notes == "Some *notes*.")
    #expect(e.filePath == "experiments/hand-made.yaml")
    #expect(e.rankingMetric == "f1" && e.goal == .maximize)
    #expect(e.sweepAxes == ["features", "oversampling"])
    #expect(e.git == GitState(commit: "0123abcd", dirty: true))
    #expect(e.dataFingerprints == ["data/aave/liquidations.csv": "ff00"])
    #expect(input.trials.map(\.key) == original.trials.map(\.key))
    for (loaded, written) in zip(input.trials, original.trials) {
      #expect(loaded.status == written.status)
      #expect(loaded.replicate == written.replicate)
      #expect(loaded.metrics == written.metrics)
      #expect(loaded.params["features"] == written.params["features"])
      #expect(loaded.params["seed"] == nil)
      if written.status == .finished {
        #expect(loaded.series["val_loss"] == [StepValue(step: 0, value: 0.4), StepValue(step: 1, value: 0.3)])
      } else {
        #expect(loaded.error == written.error)
      }
    }
    // Same leaderboard as the in-memory input.
    let doc = ReportDocument(input, options: ReportOptions())
    #expect(doc.leaderboard.ranked.map(\.shortLabel) == ["7d, smote", "3d, smote", "7d, none", "3d, none"])
    #expect(doc.leaderboard.varyingKeys == ["features", "oversampling"])
  }

  @Test("a retried trial reports its FINISHED run, not the earlier failure")
  func retried() throws {
    let (store, _, dir) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(at: dir) }
    let experiment = try #require(try store.experiment(named: "hand-made"))
    let failedKey = String(format: "%016x", 5)
    let again = try store.claim(experimentID: experiment.id,
                                trials: [TrialClaim(key: failedKey, index: 5, seed: 5,
                                                    params: ["features": "3d", "oversampling": "smote"])],
                                owner: .current()).claimed
    let run = try #require(again.first)
    try store.record([RunResult(runID: run.runID, status: .finished, metrics: ["f1": 0.9, "precision": 0.8])])
    let input = try ReportInput.load(store: store, experimentName: "hand-made", reproduceCommand: "x")
    let trial = try #require(input.trials.first { $0.key == failedKey })
    #expect(trial.status == .finished && trial.metrics["f1"] == 0.9)
    #expect(input.trials.count == 10)
  }

  @Test("an unknown experiment names the ones the store has")
  func unknown() throws {
    let (store, _, dir) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(at: dir) }
    #expect {
      _ = try ReportInput.load(store: store, experimentName: "nope", reproduceCommand: "x")
    } throws: { error in
      "\(error)".contains("no experiment named 'nope'") && "\(error)".contains("hand-made")
    }
  }

  @Test("the ranking metric, its direction and the table columns come from the declarations the runner recorded")
  func goals() throws {
    let (store, _, dir) = try Self.makeStore(selected: ["log_loss", "f1"])
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = try ReportInput.load(store: store, experimentName: "hand-made", reproduceCommand: "x")
    #expect(input.experiment.rankingMetric == "log_loss" && input.experiment.goal == .minimize)
    #expect(input.experiment.tableMetrics == ["accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc",
                                              "log_loss", "brier"])
  }
}
