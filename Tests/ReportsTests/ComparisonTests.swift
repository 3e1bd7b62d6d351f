import AlmanacCore
import Experiments
import Foundation
@testable import Reports
import Statistics
import Testing
import Tracking
import _ReportsTestSupport
import _TestSupport

/// Paired effects, baseline rows, the random-walk section and `almanac compare`'s tests (issue 11), against scipy
/// 1.17 and statsmodels 0.14 (`Fixtures/comparisons.json`, written by `Fixtures/comparisons.py`).
@Suite("Comparisons in reports and between runs")
struct ComparisonTests {
  struct Paired: Decodable {
    var mean: Double
    var t: Double
    var t_p: Double
    var ci: [Double]
    var wilcoxon_p: Double
    var holm: Double
  }
  struct McNemarCase: Decodable {
    var labels: [Int]
    var a: [Int]
    var b: [Int]
    var b_count: Int
    var c_count: Int
    var p: Double
  }
  struct Fixture: Decodable {
    var f1: [String: [Double]]
    var features: Paired
    var lr: Paired
    var mcnemar: McNemarCase
  }

  static func fixture() throws -> Fixture {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/comparisons", withExtension: "json"))
    return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
  }

  /// The fixture's sweep as trials, in plan order (3d before 7d, 1e-3 before 1e-2, so those are the references).
  static func trials(_ f: Fixture, extra: [String: Double] = [:]) -> [TrialRecord] {
    var out: [TrialRecord] = []
    for features in ["3d", "7d"] {
      for lr in ["1e-3", "1e-2"] {
        for (r, v) in (f.f1["\(features)|\(lr)"] ?? []).enumerated() {
          var metrics = extra
          metrics["f1"] = v
          out.append(TrialRecord(key: "\(features)-\(lr)-\(r)", status: .finished,
                                 params: ["features": features, "model.lr": lr, "epochs": "30", "seed": "\(r)"],
                                 metrics: metrics, replicate: r))
        }
      }
    }
    return out
  }

  @Test("paired Δ, t interval, t and Wilcoxon p and Holm match scipy/statsmodels (tolerance 1e-9)")
  func pairedEffects() throws {
    let f = try Self.fixture()
    let effects = PairedEffects.compute(axes: ["features", "model.lr"], trials: Self.trials(f), metric: "f1",
                                        goal: .maximize)
    #expect(effects.map(\.value) == ["7d", "1e-2"])
    for (effect, reference) in zip(effects, [f.features, f.lr]) {
      #expect(effect.n == 12)
      #expect(abs(effect.mean - reference.mean) < 1e-9)
      let t = try #require(effect.t)
      #expect(abs(t.statistic - reference.t) < 1e-9)
      #expect(abs(t.pValue - reference.t_p) < 1e-9)
      #expect(abs(t.confidenceInterval.lower - reference.ci[0]) < 1e-9)
      #expect(abs(t.confidenceInterval.upper - reference.ci[1]) < 1e-9)
      #expect(abs((effect.wilcoxon?.pValue ?? .nan) - reference.wilcoxon_p) < 1e-9)
      #expect(abs(effect.holm - reference.holm) < 1e-9)
      let boot = try #require(effect.bootstrap)
      #expect(boot.lower < effect.mean && effect.mean < boot.upper)
    }
    #expect(effects[0].verdict.contains("better than the reference"))
    #expect(effects[1].verdict == "no detectable difference at this sample size")
  }

  @Test("pairs need every other setting and the replicate equal; an unmatched trial is left out")
  func pairing() throws {
    let f = try Self.fixture()
    var trials = Self.trials(f)
    // A 7d trial with a different epoch count has no 3d partner.
    trials.append(TrialRecord(key: "odd", status: .finished,
                              params: ["features": "7d", "model.lr": "1e-3", "epochs": "60", "seed": "0"],
                              metrics: ["f1": 0.9], replicate: 0))
    // A failed trial never pairs.
    trials[0].status = .failed
    let effect = PairedEffect(axis: "features", reference: "3d", value: "7d", metric: "f1", goal: .maximize,
                              trials: trials)
    #expect(effect.n == 11)
    #expect(effect.pairs.allSatisfy { $0.reference.replicate == $0.value.replicate
      && $0.reference.params["model.lr"] == $0.value.params["model.lr"] })
  }

  @Test("a t-test and Wilcoxon that disagree are said to disagree")
  func disagreement() {
    // One large negative outlier drags the mean below 0 while 12 of 14 differences are positive
    // (scipy 1.17: ttest_1samp p = 0.532, wilcoxon p = 0.0166).
    let deltas = [0.01, 0.012, 0.011, 0.013, 0.009, 0.014, 0.0105, 0.0125, 0.0115, 0.0135, 0.0095, 0.0145, -0.005, -0.4]
    let trials = deltas.enumerated().flatMap { r, d in
      [TrialRecord(key: "a\(r)", status: .finished, params: ["w": "3d"], metrics: ["f1": 0.5], replicate: r),
       TrialRecord(key: "b\(r)", status: .finished, params: ["w": "7d"], metrics: ["f1": 0.5 + d], replicate: r)]
    }
    let e = PairedEffects.compute(axes: ["w"], trials: trials, metric: "f1", goal: .maximize)[0]
    #expect((e.t?.pValue ?? 0) > 0.05 && (e.wilcoxon?.pValue ?? 1) < 0.05)
    #expect(e.verdict.contains("Wilcoxon (p < 0.05, unadjusted) disagrees"))
  }

  @Test("edge cases: no trials, NaN metrics left out of pairs, identical results (zero differences)")
  func edgeCases() {
    #expect(PairedEffects.compute(axes: ["w"], trials: [], metric: "f1", goal: .maximize).isEmpty)
    func trials(_ b: [Double]) -> [TrialRecord] {
      b.enumerated().flatMap { r, v in
        [TrialRecord(key: "a\(r)", status: .finished, params: ["w": "x"], metrics: ["f1": 0.5], replicate: r),
         TrialRecord(key: "b\(r)", status: .finished, params: ["w": "y"], metrics: ["f1": v], replicate: r)]
      }
    }
    let withNaN = PairedEffects.compute(axes: ["w"], trials: trials([0.6, .nan, 0.7]), metric: "f1", goal: .maximize)
    #expect(withNaN[0].n == 2 && withNaN[0].deltas.allSatisfy(\.isFinite))
    let same = PairedEffects.compute(axes: ["w"], trials: trials([0.5, 0.5, 0.5]), metric: "f1", goal: .maximize)[0]
    #expect(same.n == 3 && same.mean == 0 && same.holm.isNaN)
    #expect(same.verdict == "no detectable difference at this sample size")
    let missing = PairedEffects.compute(axes: ["w"], trials: trials([0.6]), metric: "roc_auc", goal: .maximize)[0]
    #expect(missing.n == 0 && missing.verdict.hasPrefix("no pairs"))
  }

  @Test("one pair: no test, and the verdict falls back to the per-trial intervals")
  func onePair() {
    let trials = [
      TrialRecord(key: "a", status: .finished, params: ["features": "3d"],
                  metrics: ["f1": 0.40, "f1.lo95": 0.30, "f1.hi95": 0.50]),
      TrialRecord(key: "b", status: .finished, params: ["features": "7d"],
                  metrics: ["f1": 0.45, "f1.lo95": 0.36, "f1.hi95": 0.55]),
    ]
    let effects = PairedEffects.compute(axes: ["features"], trials: trials, metric: "f1", goal: .maximize)
    #expect(effects.count == 1 && effects[0].n == 1 && effects[0].t == nil)
    #expect(effects[0].holm.isNaN)
    #expect(effects[0].verdict.hasPrefix("one pair: no paired test; per-trial 95% intervals"))
    #expect(effects[0].verdict.hasSuffix("which overlap"))
  }

  @Test("the leaderboard shows baseline rows and the effect table the paired differences")
  func reportSections() throws {
    let f = try Self.fixture()
    let baselines = ["baseline.always_positive.f1": 0.4, "baseline.persistence.f1": 0.2]
    let input = ReportInput(
      experiment: ReportExperiment(name: "paired", task: .classify, reproduceCommand: "almanac run x",
                                   date: SyntheticReport.date, rankingMetric: "f1", goal: .maximize,
                                   sweepAxes: ["features", "model.lr"], tableMetrics: ["f1"]),
      trials: Self.trials(f, extra: baselines))
    let md = ReportDocument(input, options: ReportOptions()).markdown { _ in .rendered }
    #expect(md.contains("| *baseline: always positive* |  | 24 | 0.4000 |"))
    #expect(md.contains("| *baseline: persistence* |  | 24 | 0.2000 |"))
    #expect(md.contains("Paired differences in **f1** (value − 3d):"))
    #expect(md.contains("| 7d | 12 | +0.0383 | [+0.0254, +0.0513] |"))
    #expect(md.contains("no detectable difference at this sample size"))
    #expect(!md.contains("Test-set uncertainty"), "no trial has intervals")
    var withIntervals = Self.trials(f)
    for i in withIntervals.indices {
      withIntervals[i].metrics["f1.lo95"] = (withIntervals[i].metrics["f1"] ?? 0) - 0.1
      withIntervals[i].metrics["f1.hi95"] = (withIntervals[i].metrics["f1"] ?? 0) + 0.1
    }
    let md2 = ReportDocument(ReportInput(experiment: input.experiment, trials: withIntervals),
                             options: ReportOptions()).markdown { _ in .rendered }
    #expect(md2.contains("*Test-set uncertainty of the best trial (`7d-1e-2-3`, ★ configuration): f1 0.5200 "
      + "[0.4200, 0.6200]"))
  }

  @Test("forecast reports say which configurations beat the random walk, Holm-adjusted")
  func randomWalkSection() {
    func trial(_ p: String, dmP: Double, skill: Double) -> TrialRecord {
      TrialRecord(key: p, status: .finished, params: ["p": p],
                  metrics: ["aic": Double(p) ?? 0, "rmse": skill * 0.01, "baseline.random_walk.rmse": 0.01,
                            "skill_rw": skill, "mase": skill, "dm_rw_stat": -2, "dm_rw_p": dmP])
    }
    let input = ReportInput(
      experiment: ReportExperiment(name: "orders", task: .forecast, reproduceCommand: "almanac run x",
                                   date: SyntheticReport.date, rankingMetric: "aic", goal: .minimize,
                                   sweepAxes: ["p"], tableMetrics: ["aic", "rmse"]),
      trials: [trial("0", dmP: 0.001, skill: 0.8), trial("1", dmP: 0.03, skill: 0.9), trial("2", dmP: 0.5, skill: 1.1)])
    let md = ReportDocument(input, options: ReportOptions()).markdown { _ in .rendered }
    // Holm over 3: 0.003, 0.06, 0.5: only p = 0 survives.
    #expect(md.contains("**1 of 3 configurations beat the random walk significantly** (one-sided Diebold–Mariano, "
      + "squared loss, Holm-adjusted p < 0.05): p=0."))
    #expect(md.contains("| 0 | 0.008 | 0.0100 | 0.8000 | 0.8000 | -2 | 0.001 | 0.003 | **beats the random walk** |"))
    #expect(md.contains("| 1 | 0.009 | 0.0100 | 0.9000 | 0.9000 | -2 | 0.030 | 0.060 | lower RMSE, not significant |"))
    #expect(md.contains("*baseline: random walk*"))
  }

  @Test("McNemar between two classifiers matches statsmodels (exact); identical runs show no difference")
  func classifierComparison() throws {
    let m = try Self.fixture().mcnemar
    let labels = m.labels.map { $0 == 1 }
    let days = labels.indices.map { $0 / 3 }
    let c = try ClassifierComparison(labels: labels, days: days, scoresA: m.a.map(Double.init),
                                     scoresB: m.b.map(Double.init), thresholdA: 0.5, thresholdB: 0.5,
                                     replicates: 500, generator: SplitMix64(seed: 1))
    #expect(c.mcnemar.b == m.b_count && c.mcnemar.c == m.c_count)
    #expect(abs(c.mcnemar.pValue - m.p) < 1e-12)
    #expect(c.metrics.map(\.name) == ["f1", "roc_auc", "pr_auc"])
    let same = try ClassifierComparison(labels: labels, days: days, scoresA: m.a.map(Double.init),
                                        scoresB: m.a.map(Double.init), thresholdA: 0.5, thresholdB: 0.5,
                                        replicates: 200, generator: SplitMix64(seed: 1))
    #expect(same.mcnemar.pValue == 1)
    #expect(same.metrics.allSatisfy { $0.difference.difference == 0 && $0.difference.pValue == 1 })
    #expect(RunComparison.render(.classify(same), a: 1, b: 2).contains("no detectable difference"))
    #expect(throws: ComparisonError.self) {
      try ClassifierComparison(labels: labels, days: days, scoresA: [0.1], scoresB: [0.2], thresholdA: 0.5,
                               thresholdB: 0.5, generator: SplitMix64(seed: 1))
    }
  }

  @Test("Diebold–Mariano between two forecasts is the kernel's, two-sided, squared loss, h = 1")
  func forecastComparison() throws {
    let actual = (0..<40).map { 0.03 + 0.001 * sin(Double($0)) }
    let a = actual.enumerated().map { $1 + 0.0005 * cos(Double($0) * 1.7) }
    let b = actual.enumerated().map { $1 + 0.0011 * cos(Double($0) * 0.9 + 1) }
    let c = try ForecastComparison(actual: actual, forecastA: a, forecastB: b)
    let dm = try DieboldMarianoTest(errors: zip(actual, a).map { $0 - $1 }, zip(actual, b).map { $0 - $1 })
    #expect(c.dm.statistic == dm.statistic && c.dm.pValue == dm.pValue)
    #expect(c.rmse.a < c.rmse.b)
    #expect(RunComparison.render(.forecast(c), a: 3, b: 4).contains("run 3 (A) vs run 4 (B)"))
  }

  @Test("almanac compare reads both runs' stored predictions from the store; different test rows are refused")
  func compareFromStore() throws {
    let m = try Self.fixture().mcnemar
    let dir = try TestSupport.temporaryDirectory("compare-store")
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    let id = try store.upsertExperiment(ExperimentDefinition(
      name: "pair", task: "classify", filePath: "x.yaml", notes: "",
      metrics: MetricCatalog(declared: ClassifyOutputs.declarations, selected: ["f1"])))
    let claims = (0..<3).map {
      TrialClaim(key: "k\($0)", index: $0, seed: UInt64($0), params: ["n": "\($0)", "validation.scheme": "kfold"])
    }
    let claimed = try store.claim(experimentID: id, trials: claims, owner: .current()).claimed.sorted { $0.key < $1.key }
    func points(_ key: String, _ values: [Double]) -> [MetricPoint] {
      values.enumerated().map { MetricPoint(key: key, step: $0, value: $1) }
    }
    let labels = m.labels.map(Double.init)
    let days = labels.indices.map { Double($0 / 3) }
    let scores = [m.a.map(Double.init), m.b.map(Double.init), m.b.map(Double.init)]
    let foldLosses = [[0.50, 0.52, 0.47, 0.55, 0.49], [0.45, 0.50, 0.46, 0.52, 0.44], [0.5, 0.5, 0.5, 0.5, 0.5]]
    let results = claimed.enumerated().map { i, run in
      RunResult(runID: run.runID, status: .finished, error: nil, metrics: ["f1": 0.5],
                series: points("test_score", scores[i]) + points("test_label", i == 2 ? labels.map { 1 - $0 } : labels)
                  + points("test_day", days) + points("val_loss", foldLosses[i]),
                tags: ["threshold": "0.5"])
    }
    try store.record(results)
    let ids = claimed.map(\.runID)
    guard case .classify(let c) = try RunComparison.compare(store: store, ids[0], ids[1], replicates: 200) else {
      Issue.record("expected a classify comparison")
      return
    }
    #expect(c.mcnemar.b == m.b_count && c.mcnemar.c == m.c_count && abs(c.mcnemar.pValue - m.p) < 1e-12)
    #expect(c.rows == labels.count && c.days == 20)
    // k-fold in both runs: the corrected resampled t-test over the five folds (n_test / n_train = 1/4), checked
    // against the paired t of the same differences with the variance inflated by (1/k + 1/(k-1)) / (1/k).
    let folds = try #require(c.folds)
    let d = zip(foldLosses[0], foldLosses[1]).map { $0 - $1 }
    let mean = d.reduce(0, +) / 5
    let variance = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
    let t = mean / ((1.0 / 5 + 1.0 / 4) * variance).squareRoot()
    #expect(abs(folds.test.meanDifference - mean) < 1e-12 && abs(folds.test.statistic - t) < 1e-9)
    #expect(folds.test.degreesOfFreedom == 4)
    #expect(throws: ComparisonError.self) { try RunComparison.compare(store: store, ids[0], ids[2]) }
  }
}
