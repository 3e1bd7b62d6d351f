import AlmanacCore
import Experiments
import Foundation
import Learning
import Statistics
import Tracking

/// Paired tests between two classifiers scored on the same test rows: McNemar's exact test on the thresholded
/// predictions, and paired day-resampled bootstraps (BCa) of the F1, ROC-AUC and PR-AUC differences A − B.
public struct ClassifierComparison: Sendable {
  public var rows: Int
  public var days: Int
  public var thresholds: (a: Double, b: Double)
  public var mcnemar: McNemarTest
  /// The metric name (``ClassifyOutputs``), its value for A and B, and the paired bootstrap of A − B.
  public var metrics: [(name: String, a: Double, b: Double, difference: PairedBootstrap)]
  /// With k-fold validation in both runs (same k): the corrected resampled t-test (Nadeau & Bengio 2003) of the
  /// per-fold validation losses A − B, n_test / n_train = 1 / (k − 1); nil otherwise.
  public var folds: CorrectedResampledTTest?

  /// - Parameters:
  ///   - labels: the shared test labels; `days`: each row's day (resampled together).
  ///   - generator: seeds the bootstrap; each metric uses the same resamples (a copy of the same state).
  public init(
    labels: [Bool], days: [Int], scoresA: [Double], scoresB: [Double], thresholdA: Double,
    thresholdB: Double, replicates: Int = 2000, generator: SplitMix64
  ) throws {
    guard labels.count == days.count, labels.count == scoresA.count, labels.count == scoresB.count else {
      throw ComparisonError(
        "labels, days and scores have different lengths (\(labels.count), \(days.count), "
          + "\(scoresA.count), \(scoresB.count))")
    }
    rows = labels.count
    self.days = Set(days).count
    thresholds = (thresholdA, thresholdB)
    mcnemar = try McNemarTest(
      labels: labels, first: scoresA.map { $0 >= thresholdA },
      second: scoresB.map { $0 >= thresholdB })
    let truth = labels.map { $0 ? Float(1) : 0 }
    func value(_ name: String, _ m: ClassificationMetrics) -> Double {
      switch name {
      case ClassifyOutputs.f1: return m.f1
      case ClassifyOutputs.rocAUC: return m.rocAUC
      default: return m.averagePrecision
      }
    }
    func metric(_ name: String, _ scores: [Double], _ threshold: Double) -> ([Int]) -> Double {
      { rows in
        value(
          name,
          ClassificationMetrics(
            truth: rows.map { truth[$0] }, probabilities: rows.map { scores[$0] },
            threshold: threshold))
      }
    }
    metrics = []
    for name in [ClassifyOutputs.f1, ClassifyOutputs.rocAUC, ClassifyOutputs.prAUC] {
      var g = generator
      let all = Array(labels.indices)
      let boot = try PairedBootstrap(
        groups: days, replicates: replicates, method: .bca, generator: &g,
        metricA: metric(name, scoresA, thresholdA),
        metricB: metric(name, scoresB, thresholdB))
      metrics.append((name, metric(name, scoresA, thresholdA)(all), metric(name, scoresB, thresholdB)(all), boot))
    }
  }
}

/// The Diebold–Mariano test between two forecasts of the same actual values (squared loss, h = 1, HLN correction,
/// two-sided), with each forecast's RMSE.
public struct ForecastComparison: Sendable {
  public var count: Int
  public var rmse: (a: Double, b: Double)
  public var dm: DieboldMarianoTest

  public init(actual: [Double], forecastA: [Double], forecastB: [Double]) throws {
    guard actual.count == forecastA.count, actual.count == forecastB.count else {
      throw ComparisonError(
        "actual values and forecasts have different lengths (\(actual.count), "
          + "\(forecastA.count), \(forecastB.count))")
    }
    count = actual.count
    let ea = zip(actual, forecastA).map { $0 - $1 }
    let eb = zip(actual, forecastB).map { $0 - $1 }
    func rootMeanSquare(_ e: [Double]) -> Double {
      (e.map { $0 * $0 }.reduce(0, +) / Double(max(e.count, 1))).squareRoot()
    }
    rmse = (rootMeanSquare(ea), rootMeanSquare(eb))
    dm = try DieboldMarianoTest(errors: ea, eb, alternative: .twoSided, horizon: 1, power: 2)
  }
}

/// Two runs that cannot be compared (different tasks, test rows or holdouts; missing predictions).
public struct ComparisonError: ClassifiedError {
  public var description: String
  public var failureKind: FailureKind { .badInput }
  public init(_ description: String) { self.description = description }
}

/// `almanac compare RUN RUN`: the paired tests between two runs, from the predictions they stored.
public enum RunComparison {
  public enum Result: Sendable {
    case classify(ClassifierComparison)
    case forecast(ForecastComparison)
  }

  /// Loads both runs' stored predictions and runs the tests. Classify runs need `test_score`, `test_label` and
  /// `test_day` on identical test rows (labels and days equal); forecast runs need `forecast` and identical `actual`
  /// series. The bootstrap seed is derived from the two run ids, so the output is reproducible.
  public static func compare(store: TrackingStore, _ a: Int64, _ b: Int64, replicates: Int = 2000) throws -> Result {
    var details: [RunDetail] = []
    for id in [a, b] {
      guard let d = try store.runDetail(id: id) else {
        throw TrackingError.unknownRun(id: id, store: store.fileURL.path)
      }
      details.append(d)
    }
    let series = try store.series(runIDs: [a, b])
    func values(_ id: Int64, _ key: String) -> [Double] {
      (series[id]?[key] ?? []).sorted { $0.step < $1.step }.map(\.value)
    }
    let classify = [a, b].map { !values($0, ClassifyOutputs.testScore).isEmpty }
    let forecast = [a, b].map {
      !values($0, ForecastOutputs.forecast).isEmpty && !values($0, ForecastOutputs.actual).isEmpty
    }
    if classify[0] && classify[1] {
      let labels = values(a, ClassifyOutputs.testLabel)
      let days = values(a, ClassifyOutputs.testDay)
      guard labels == values(b, ClassifyOutputs.testLabel), days == values(b, ClassifyOutputs.testDay),
        labels.count == days.count
      else {
        throw ComparisonError(
          "runs \(a) and \(b) were not scored on the same test rows (their test_label or "
            + "test_day series differ): a paired test needs the same rows")
      }
      func threshold(_ d: RunDetail) -> Double { d.tags["threshold"].flatMap(Double.init) ?? 0.5 }
      var comparison = try ClassifierComparison(
        labels: labels.map { $0 > 0.5 }, days: days.map { Int($0) }, scoresA: values(a, ClassifyOutputs.testScore),
        scoresB: values(b, ClassifyOutputs.testScore), thresholdA: threshold(details[0]),
        thresholdB: threshold(details[1]), replicates: replicates,
        generator: SplitMix64(seed: SplitMix64.derive(0, "compare:\(a):\(b)")))
      // Fold-level evidence: both runs validated by k-fold with the same k (their val_loss has one point per fold).
      let foldsA = values(a, ClassifyOutputs.validationLoss)
      let foldsB = values(b, ClassifyOutputs.validationLoss)
      let kfold = details.allSatisfy { $0.run.params["validation.scheme"] == "kfold" }
      if kfold, foldsA.count == foldsB.count, foldsA.count >= 2 {
        comparison.folds = try? CorrectedResampledTTest(
          foldsA, foldsB, testSize: 1, trainSize: foldsA.count - 1)
      }
      return .classify(comparison)
    }
    if forecast[0] && forecast[1] {
      let actual = values(a, ForecastOutputs.actual)
      guard actual == values(b, ForecastOutputs.actual) else {
        throw ComparisonError("runs \(a) and \(b) forecast different holdouts (their actual series differ)")
      }
      return .forecast(
        try ForecastComparison(
          actual: actual,
          forecastA: Array(values(a, ForecastOutputs.forecast).prefix(actual.count)),
          forecastB: Array(values(b, ForecastOutputs.forecast).prefix(actual.count))))
    }
    throw ComparisonError(
      "runs \(a) and \(b) have no stored predictions of the same kind (classify runs need "
        + "test_score, test_label and test_day, recorded since the comparisons were added: rerun older trials with "
        + "--rerun; forecast runs need forecast and actual)")
  }

  /// The tests as text for the terminal.
  public static func render(_ result: Result, a: Int64, b: Int64) -> String {
    var out = ""
    switch result {
    case .classify(let c):
      out += "paired tests, run \(a) (A) vs run \(b) (B): \(c.rows) test rows on \(c.days) days\n"
      out +=
        "  McNemar (exact, thresholds \(Format.metric(c.thresholds.a)) / \(Format.metric(c.thresholds.b))): "
        + "A right and B wrong on \(c.mcnemar.b) rows, the reverse on \(c.mcnemar.c); \(pText(c.mcnemar.pValue))\n"
      out +=
        "  paired bootstrap over days (\(c.metrics.first?.difference.bootstrap.result.replicates ?? 0) replicates, BCa):\n"
      var rows: [[String]] = [["  metric", "A", "B", "A − B", "95% CI", "p"]]
      for m in c.metrics {
        rows.append([
          "  " + m.name, Format.metric(m.a), Format.metric(m.b), Format.signed(m.difference.difference, like: m.a),
          Format.interval(m.difference.interval, like: m.a), Format.pValue(m.difference.pValue),
        ])
      }
      out += columns(rows)
      if let f = c.folds {
        out +=
          "  corrected resampled t-test over \(f.test.count) folds (Nadeau & Bengio), validation loss A − B: "
          + "\(Format.signed(f.test.meanDifference, like: f.test.meanDifference)) "
          + "\(Format.interval(f.test.confidenceInterval, like: f.test.meanDifference)), \(pText(f.test.pValue))\n"
      }
      let significant = c.metrics.filter { $0.difference.interval.excludes(0) }.map(\.name)
      out +=
        significant.isEmpty && c.mcnemar.pValue >= 0.05
        ? "no detectable difference at this sample size (no interval excludes 0, McNemar p >= 0.05)\n"
        : "differences detected: "
          + (significant + (c.mcnemar.pValue < 0.05 ? ["error rate (McNemar)"] : []))
          .joined(separator: ", ") + " (each test at 5%, not adjusted for multiplicity)\n"
    case .forecast(let f):
      out +=
        "Diebold–Mariano, run \(a) (A) vs run \(b) (B): \(f.count) forecasts, squared loss, h = 1, HLN correction\n"
      out += "  rmse A \(Format.metric(f.rmse.a)), rmse B \(Format.metric(f.rmse.b))\n"
      out += "  DM = \(Format.metric(f.dm.statistic)) (negative favours A), two-sided \(pText(f.dm.pValue))\n"
      out +=
        f.dm.pValue < 0.05
        ? "  \(f.dm.statistic < 0 ? "A" : "B") forecasts significantly better (5%)\n"
        : "  no detectable difference in accuracy at this sample size\n"
    }
    return out
  }

  /// `p = 0.042` or `p < 0.001`.
  private static func pText(_ p: Double) -> String {
    let s = Format.pValue(p)
    return s.hasPrefix("<") ? "p " + s : "p = " + s
  }

  private static func columns(_ rows: [[String]]) -> String {
    let widths = (0..<(rows.first?.count ?? 0)).map { i in rows.map { $0[i].count }.max() ?? 0 }
    return rows.map { row in
      row.enumerated().map { i, cell in
        i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
      }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
  }
}
