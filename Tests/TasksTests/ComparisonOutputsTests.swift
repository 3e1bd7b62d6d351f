import AlmanacCore
import Experiments
import Foundation
import Learning
import Statistics
import Testing
import _TestSupport

@testable import Tasks

/// What the tasks store for comparisons (issue 11): the classify test predictions, day-resampled intervals and
/// baselines; the forecast baselines, skill, MASE and Diebold-Mariano test against the random walk. The statistics
/// themselves are checked against scipy, statsmodels and R in StatisticsTests; these tests check that the tasks feed
/// them the right rows and store what they return.
@Suite("comparison outputs of the tasks")
struct ComparisonOutputsTests {
  func series(_ outcome: TrialOutcome, _ key: String) -> [Double] {
    outcome.series.filter { $0.key == key }.sorted { $0.step < $1.step }.map(\.value)
  }

  @Test("classify stores its test predictions; the stored rows reproduce the trial's metrics exactly")
  func classifyPredictions() throws {
    let outcome = try ClassifyTask().run(classifyTrial(classifySettings()), context: classifyContext)
    let scores = series(outcome, "test_score")
    let labels = series(outcome, "test_label")
    let days = series(outcome, "test_day")
    let groups = series(outcome, "test_group")
    #expect(!scores.isEmpty)
    #expect(labels.count == scores.count && days.count == scores.count && groups.count == scores.count)
    #expect(labels.allSatisfy { $0 == 0 || $0 == 1 })
    #expect(Set(days).count == 41, "test_days 40 spans 41 calendar days")
    let m = ClassificationMetrics(truth: labels.map(Float.init), probabilities: scores, threshold: 0.5)
    // Exact: the same Float probabilities widened to Double.
    #expect(m.f1 == outcome.metrics["f1"] && m.rocAUC == outcome.metrics["roc_auc"])
    #expect(Double(m.confusion.tp) == outcome.metrics["tp"])
  }

  @Test("classify intervals: the BCa day bootstrap seeded from the trial seed, as one ClusterBootstrap per metric")
  func classifyIntervals() throws {
    let trial = classifyTrial(classifySettings(), seed: 11)
    let outcome = try ClassifyTask().run(trial, context: classifyContext)
    let scores = series(outcome, "test_score")
    let labels = series(outcome, "test_label").map(Float.init)
    let days = series(outcome, "test_day").map { Int($0) }
    // The f1 interval alone from the same generator state (ClusterBootstrap.intervals promises equality).
    var g = ClassifyTask.bootstrapGenerator(trialSeed: 11)
    let f1 = try ClusterBootstrap(groups: days, replicates: ClassifyTask.bootstrapReplicates, method: .bca,
                                  generator: &g) { rows in
      ClassificationMetrics(truth: rows.map { labels[$0] }, probabilities: rows.map { scores[$0] }, threshold: 0.5).f1
    }
    #expect(outcome.metrics["f1.lo95"] == f1.result.interval.lower)
    #expect(outcome.metrics["f1.hi95"] == f1.result.interval.upper)
    for name in ["f1", "precision", "recall", "roc_auc", "pr_auc"] {
      guard let lo = outcome.metrics[name + ".lo95"], let hi = outcome.metrics[name + ".hi95"],
            let v = outcome.metrics[name] else { continue }
      #expect(lo <= hi, "\(name): \(lo) > \(hi)")
      #expect(lo <= v + 1e-12 && v <= hi + 1e-12, "\(name) \(v) outside its interval [\(lo), \(hi)]")
    }
    #expect(outcome.metrics["roc_auc.lo95"] != nil && outcome.metrics["pr_auc.hi95"] != nil)
  }

  @Test("classify baselines follow the closed forms on the stored test labels")
  func classifyBaselines() throws {
    let outcome = try ClassifyTask().run(classifyTrial(classifySettings()), context: classifyContext)
    let labels = series(outcome, "test_label")
    let pi = labels.reduce(0, +) / Double(labels.count)
    let tol = 1e-12
    #expect(abs(try #require(outcome.metrics["baseline.always_positive.f1"]) - 2 * pi / (1 + pi)) < tol)
    #expect(abs(try #require(outcome.metrics["baseline.always_positive.precision"]) - pi) < tol)
    #expect(outcome.metrics["baseline.always_positive.recall"] == 1)
    #expect(outcome.metrics["baseline.always_positive.roc_auc"] == 0.5)
    #expect(abs(try #require(outcome.metrics["baseline.prevalence.pr_auc"]) - pi) < tol)
    #expect(outcome.metrics["baseline.prevalence.roc_auc"] == 0.5)
    let persistence = try #require(outcome.metrics["baseline.persistence.f1"])
    #expect(persistence >= 0 && persistence <= 1)
    // Persistence recomputed from the stored rows (test rows only, so the first test day has no yesterday and
    // can only differ there).
    let days = series(outcome, "test_day").map { Int($0) }
    let groups = series(outcome, "test_group").map { Int($0) }
    let firstDay = days.min() ?? 0
    let recomputed = try ClassificationBaseline.persistence(labels: labels.map { $0 > 0.5 }, groups: groups, days: days)
    #expect(recomputed.uncovered >= days.filter { $0 == firstDay }.count, "without history the first day has no yesterday")
    let storedRecall = try #require(outcome.metrics["baseline.persistence.recall"])
    #expect(storedRecall >= recomputed.recall - 1e-12, "history can only add correct positives on the first day")
  }

  @Test("forecast holdout: random-walk baselines, skill, MASE and the DM test from the stored forecasts")
  func forecastHoldout() throws {
    let s = ForecastTaskTests.settings(["data.source": "synthetic", "data.last": 400, "holdout": 30, "p": 1, "d": 1,
                                        "q": 1])
    let outcome = try ForecastTask().run(ForecastTaskTests.trial(s), context: ForecastTaskTests.context)
    let values = try ForecastTask.load(try SeriesRequest(settings: s, baseDirectory: ForecastTaskTests.context.baseDirectory))
    let train = Array(values.dropLast(30))
    let actual = series(outcome, "actual")
    let forecast = Array(series(outcome, "forecast").prefix(30))
    #expect(actual == Array(values.suffix(30)))
    let last = try #require(train.last)
    func rmse(_ f: [Double]) -> Double { (zip(f, actual).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 30).squareRoot() }
    let rw = rmse([Double](repeating: last, count: 30))
    let tol = 1e-12
    #expect(abs(try #require(outcome.metrics["baseline.random_walk.rmse"]) - rw) < tol)
    let slope = (last - train[0]) / Double(train.count - 1)
    #expect(abs(try #require(outcome.metrics["baseline.random_walk_drift.rmse"])
      - rmse((1...30).map { last + Double($0) * slope })) < tol)
    #expect(abs(try #require(outcome.metrics["skill_rw"]) - rmse(forecast) / rw) < tol)
    let scale = zip(train.dropFirst(), train).map { abs($0 - $1) }.reduce(0, +) / Double(train.count - 1)
    let mae = zip(forecast, actual).map { abs($0 - $1) }.reduce(0, +) / 30
    #expect(abs(try #require(outcome.metrics["mase"]) - mae / scale) < 1e-9)
    let dm = try DieboldMarianoTest(errors: zip(actual, forecast).map { $0 - $1 }, actual.map { $0 - last },
                                    alternative: .less, horizon: 1, power: 2)
    #expect(outcome.metrics["dm_rw_stat"] == dm.statistic && outcome.metrics["dm_rw_p"] == dm.pValue)
  }

  @Test("forecast rolling: the random walk is the previous actual value")
  func forecastRolling() throws {
    let s = ForecastTaskTests.settings(["data.source": "synthetic", "data.last": 300, "holdout": 20,
                                        "evaluation": "rolling", "refit_every": 5, "p": 1, "d": 1, "q": 0])
    let outcome = try ForecastTask().run(ForecastTaskTests.trial(s), context: ForecastTaskTests.context)
    let values = try ForecastTask.load(try SeriesRequest(settings: s, baseDirectory: ForecastTaskTests.context.baseDirectory))
    let previous = Array(values.dropLast().suffix(20))
    let actual = Array(values.suffix(20))
    let rw = (zip(previous, actual).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 20).squareRoot()
    #expect(abs(try #require(outcome.metrics["baseline.random_walk.rmse"]) - rw) < 1e-12)
    let p = try #require(outcome.metrics["dm_rw_p"])
    #expect(p >= 0 && p <= 1)
  }
}
