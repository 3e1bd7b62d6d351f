import AlmanacCore

/// Binary confusion counts for the positive class 1.
public struct ConfusionMatrix: Sendable, Hashable {
  public var tp: Int
  public var fp: Int
  public var tn: Int
  public var fn: Int

  /// Counts `prediction` against `truth` (both 0/1; any value >= 0.5 counts as 1).
  public init(truth: [Float], prediction: [Float]) {
    precondition(truth.count == prediction.count, "ConfusionMatrix: lengths differ")
    var tp = 0, fp = 0, tn = 0, fn = 0
    for (t, p) in zip(truth, prediction) {
      switch (t >= 0.5, p >= 0.5) {
      case (true, true): tp += 1
      case (false, true): fp += 1
      case (false, false): tn += 1
      case (true, false): fn += 1
      }
    }
    self.tp = tp
    self.fp = fp
    self.tn = tn
    self.fn = fn
  }

  public var total: Int { tp + fp + tn + fn }
}

/// Classification metrics with scikit-learn 1.9 semantics for the positive class 1.
///
/// - accuracy = (tp + tn) / n (NaN on empty input);
/// - precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2 tp / (2 tp + fp + fn): a zero denominator gives 0
///   and a warning string in ``warnings`` (sklearn's `zero_division="warn"`);
/// - ROC-AUC: trapezoidal area under the ROC curve over distinct score thresholds (ties form one step); NaN with a
///   warning when `truth` holds one class only (sklearn raises);
/// - average precision (`pr_auc`): `sum_n (R_n - R_{n-1}) P_n` over distinct thresholds (step, not trapezoid);
/// - log loss: mean of `-[y log p + (1 - y) log(1 - p)]` with p clipped to [eps, 1 - eps], eps = 2.22e-16 (float64);
/// - Brier score: mean of `(p - y)^2`.
public struct ClassificationMetrics: Sendable, Hashable {
  public var confusion: ConfusionMatrix
  public var accuracy: Double
  public var precision: Double
  public var recall: Double
  public var f1: Double
  public var rocAUC: Double
  public var averagePrecision: Double
  public var logLoss: Double
  public var brier: Double
  /// Human-readable warnings (zero division, single-class input).
  public var warnings: [String]

  /// - Parameters:
  ///   - truth: labels in {0, 1}.
  ///   - probabilities: predicted P(y = 1); NaN probabilities make the score-based metrics NaN.
  ///   - threshold: predict 1 when `p >= threshold` (default 0.5, as the tutorial's `pred >= 0.5`).
  public init(truth: [Float], probabilities: [Double], threshold: Double = 0.5) {
    precondition(truth.count == probabilities.count, "ClassificationMetrics: lengths differ")
    let predicted = probabilities.map { $0 >= threshold ? Float(1) : 0 }
    let c = ConfusionMatrix(truth: truth, prediction: predicted)
    confusion = c
    var warnings: [String] = []
    accuracy = c.total == 0 ? .nan : Double(c.tp + c.tn) / Double(c.total)
    if c.tp + c.fp == 0 {
      precision = 0
      warnings.append("precision is ill-defined and set to 0.0 due to no predicted samples")
    } else {
      precision = Double(c.tp) / Double(c.tp + c.fp)
    }
    if c.tp + c.fn == 0 {
      recall = 0
      warnings.append("recall is ill-defined and set to 0.0 due to no true samples")
    } else {
      recall = Double(c.tp) / Double(c.tp + c.fn)
    }
    if 2 * c.tp + c.fp + c.fn == 0 {
      f1 = 0
      warnings.append("F-score is ill-defined and set to 0.0 due to no true nor predicted samples")
    } else {
      f1 = Double(2 * c.tp) / Double(2 * c.tp + c.fp + c.fn)
    }
    if probabilities.contains(where: \.isNaN) {
      rocAUC = .nan
      averagePrecision = .nan
      logLoss = .nan
      brier = .nan
      warnings.append("NaN probabilities: score-based metrics are NaN")
      self.warnings = warnings
      return
    }
    let roc = ROCCurve(truth: truth, scores: probabilities)
    if roc.positives == 0 || roc.negatives == 0 {
      rocAUC = .nan
      warnings.append("ROC AUC is undefined: only one class present in y_true")
    } else {
      rocAUC = roc.area
    }
    let pr = PrecisionRecallCurve(truth: truth, scores: probabilities)
    if pr.positives == 0 {
      warnings.append("no positive class found in y_true, recall is set to one for all thresholds")
    }
    averagePrecision = pr.averagePrecision
    logLoss = ClassificationMetrics.logLoss(truth: truth, probabilities: probabilities)
    brier = ClassificationMetrics.brier(truth: truth, probabilities: probabilities)
    self.warnings = warnings
  }

  /// sklearn `log_loss` with `eps = finfo(float64).eps`; NaN on empty input.
  public static func logLoss(truth: [Float], probabilities: [Double]) -> Double {
    guard !truth.isEmpty else { return .nan }
    let eps = Double.ulpOfOne
    var s: Double = 0
    for (t, p0) in zip(truth, probabilities) {
      let p = min(max(p0, eps), 1 - eps)
      s -= t >= 0.5 ? Math.log(p) : Math.log(1 - p)
    }
    return s / Double(truth.count)
  }

  /// sklearn `brier_score_loss`: mean squared difference; NaN on empty input.
  public static func brier(truth: [Float], probabilities: [Double]) -> Double {
    guard !truth.isEmpty else { return .nan }
    var s: Double = 0
    for (t, p) in zip(truth, probabilities) { s += (p - Double(t)) * (p - Double(t)) }
    return s / Double(truth.count)
  }
}

/// Cumulative false and true positive counts at each distinct score, scores descending (sklearn
/// `_binary_clf_curve`): point k counts every row with score >= `thresholds[k]`.
struct ThresholdCounts {
  var fps: [Double] = []
  var tps: [Double] = []
  var thresholds: [Double] = []

  init(truth: [Float], scores: [Double]) {
    let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    var tp: Double = 0
    var fp: Double = 0
    for (k, i) in order.enumerated() {
      if truth[i] >= 0.5 { tp += 1 } else { fp += 1 }
      // A threshold ends where the next score differs (or at the end).
      if k == order.count - 1 || scores[order[k + 1]] != scores[i] {
        tps.append(tp)
        fps.append(fp)
        thresholds.append(scores[i])
      }
    }
  }
}

/// The ROC curve as sklearn's `roc_curve(drop_intermediate=True)`: a first point (0, 0) at threshold +inf, then one
/// point per distinct score, with collinear intermediate points dropped. `area` is the trapezoidal AUC.
/// With no positives (or no negatives) the corresponding rate is NaN, as in sklearn.
public struct ROCCurve: Sendable, Hashable {
  public var fpr: [Double]
  public var tpr: [Double]
  public var thresholds: [Double]
  public var positives: Int
  public var negatives: Int

  public init(truth: [Float], scores: [Double]) {
    let c = ThresholdCounts(truth: truth, scores: scores)
    var fps = c.fps
    var tps = c.tps
    var th = c.thresholds
    if fps.count > 2 {
      var keep = [0]
      for k in 1..<(fps.count - 1) {
        let d2f = fps[k + 1] - 2 * fps[k] + fps[k - 1]
        let d2t = tps[k + 1] - 2 * tps[k] + tps[k - 1]
        if d2f != 0 || d2t != 0 { keep.append(k) }
      }
      keep.append(fps.count - 1)
      fps = keep.map { fps[$0] }
      tps = keep.map { tps[$0] }
      th = keep.map { th[$0] }
    }
    fps.insert(0, at: 0)
    tps.insert(0, at: 0)
    th.insert(.infinity, at: 0)
    let p = tps.last ?? 0
    let n = fps.last ?? 0
    positives = Int(p)
    negatives = Int(n)
    fpr = fps.map { n > 0 ? $0 / n : .nan }
    tpr = tps.map { p > 0 ? $0 / p : .nan }
    thresholds = th
  }

  /// Trapezoidal area under (fpr, tpr) (sklearn `auc`).
  public var area: Double {
    var a: Double = 0
    for k in 1..<max(1, fpr.count) { a += (fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2 }
    return a
  }
}

/// The precision–recall curve as sklearn's `precision_recall_curve` (no dropping): points ordered by increasing
/// threshold (decreasing recall), then the final point (recall 0, precision 1). With no positives recall is 1 at
/// every threshold (sklearn's convention, with a warning).
public struct PrecisionRecallCurve: Sendable, Hashable {
  public var precision: [Double]
  public var recall: [Double]
  /// Increasing thresholds; `precision.count == thresholds.count + 1`.
  public var thresholds: [Double]
  public var positives: Int

  public init(truth: [Float], scores: [Double]) {
    let c = ThresholdCounts(truth: truth, scores: scores)
    let p = c.tps.last ?? 0
    positives = Int(p)
    var precision: [Double] = []
    var recall: [Double] = []
    for k in c.tps.indices {
      let ps = c.tps[k] + c.fps[k]
      precision.append(ps != 0 ? c.tps[k] / ps : 0)
      recall.append(p == 0 ? 1 : c.tps[k] / p)
    }
    self.precision = precision.reversed() + [1]
    self.recall = recall.reversed() + [0]
    thresholds = c.thresholds.reversed()
  }

  /// sklearn `average_precision_score`: `max(0, -sum(diff(recall) * precision[:-1]))`; 0 on empty input.
  public var averagePrecision: Double {
    var s: Double = 0
    for k in 0..<(recall.count - 1) { s += (recall[k + 1] - recall[k]) * precision[k] }
    return max(0, -s)
  }
}
