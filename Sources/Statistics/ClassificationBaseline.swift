/// Rules that use no features, scored on the same test rows as a classifier: a model that does not beat them has
/// learnt nothing from its features. Metrics follow scikit-learn's definitions (positive class = true; a zero
/// denominator gives 0, as `zero_division="warn"`).
///
/// - ``alwaysPositive(labels:)``: predicts every row positive (score 1). With test prevalence pi: precision = pi,
///   recall = 1, F1 = 2 pi / (1 + pi), accuracy = pi; its constant score ranks nothing: ROC-AUC = 0.5,
///   PR-AUC (average precision) = pi.
/// - ``prevalence(labels:rate:)``: the stratified guess: each row is predicted positive independently with
///   probability q (the training prevalence; the test prevalence when not given), and scored q. Its metrics are the
///   expected values over the random predictions: precision = pi, recall = q, F1 = 2 pi q / (pi + q) (= pi when
///   q = pi), accuracy = pi q + (1 - pi)(1 - q), ROC-AUC = 0.5, PR-AUC = pi. It is the floor any ranking must beat:
///   PR-AUC = prevalence.
/// - ``persistence(labels:groups:days:historyLabels:historyGroups:historyDays:)``: tomorrow's label is today's,
///   per group (token): the row (g, d) is predicted positive when group g has a positive row on day d - 1 (in the
///   test rows or the history, typically the training rows); when g has no row on day d - 1 the prediction is
///   negative and the row counts in `uncovered`. Scores are 0/1, so ROC-AUC = (1 + TPR - FPR) / 2 and
///   PR-AUC = R1 P1 + (1 - R1) pi, with (P1, R1) the precision and recall of the rule (pi when it predicts nothing).
///
/// Edge cases: empty labels give NaN metrics; a single-class test set gives ROC-AUC NaN (undefined, sklearn raises).
public struct ClassificationBaseline: Sendable, Hashable {
  public enum Rule: String, Sendable, Hashable, CaseIterable {
    case alwaysPositive = "always_positive"
    case prevalence
    case persistence
  }

  public var rule: Rule
  /// The rule's score for each test row (1 or 0; q for the prevalence rule).
  public var scores: [Double]
  public var precision: Double
  public var recall: Double
  public var f1: Double
  public var accuracy: Double
  public var rocAUC: Double
  /// Average precision (scikit-learn's PR-AUC).
  public var averagePrecision: Double
  /// Persistence only: test rows whose group has no row on the previous day (predicted negative).
  public var uncovered: Int

  /// Predicts every row positive.
  public static func alwaysPositive(labels: [Bool]) -> ClassificationBaseline {
    let n = labels.count
    let positives = labels.filter { $0 }.count
    let pi = n == 0 ? .nan : Double(positives) / Double(n)
    return ClassificationBaseline(
      rule: .alwaysPositive, scores: [Double](repeating: 1, count: n),
      precision: n == 0 ? .nan : pi, recall: n == 0 ? .nan : (positives > 0 ? 1 : 0),
      f1: n == 0 ? .nan : (positives > 0 ? 2 * pi / (1 + pi) : 0), accuracy: pi,
      rocAUC: singleClass(positives, n) ? .nan : 0.5, averagePrecision: pi, uncovered: 0)
  }

  /// The stratified guess with positive rate `rate` (in [0, 1]; default: the test prevalence).
  public static func prevalence(labels: [Bool], rate: Double? = nil) throws -> ClassificationBaseline {
    let n = labels.count
    let positives = labels.filter { $0 }.count
    let pi = n == 0 ? .nan : Double(positives) / Double(n)
    let q = rate ?? pi
    if let rate, !(rate >= 0 && rate <= 1) {
      throw StatisticsError.invalidArgument("prevalence rate must be in [0, 1], got \(rate)")
    }
    let f1 = pi + q > 0 ? 2 * pi * q / (pi + q) : 0
    return ClassificationBaseline(
      rule: .prevalence, scores: [Double](repeating: q, count: n),
      precision: q > 0 ? pi : 0, recall: positives > 0 ? q : 0, f1: n == 0 ? .nan : f1,
      accuracy: pi * q + (1 - pi) * (1 - q), rocAUC: singleClass(positives, n) ? .nan : 0.5,
      averagePrecision: pi, uncovered: 0)
  }

  /// Yesterday's label of the same group. `groups` and `days` (integer day numbers) locate each test row; the
  /// history arrays hold earlier rows (same meaning), for the first test day. Throws when lengths differ.
  public static func persistence<Group: Hashable>(
    labels: [Bool], groups: [Group], days: [Int],
    historyLabels: [Bool] = [], historyGroups: [Group] = [],
    historyDays: [Int] = []
  ) throws -> ClassificationBaseline {
    guard labels.count == groups.count, labels.count == days.count else {
      throw StatisticsError.lengthMismatch(
        "persistence baseline", labels.count, groups.count == labels.count ? days.count : groups.count)
    }
    guard historyLabels.count == historyGroups.count, historyLabels.count == historyDays.count else {
      throw StatisticsError.lengthMismatch("persistence baseline history", historyLabels.count, historyGroups.count)
    }
    var positiveOn: [Group: [Int: Bool]] = [:]
    for (label, (g, d)) in zip(historyLabels + labels, zip(historyGroups + groups, historyDays + days)) {
      positiveOn[g, default: [:]][d] = (positiveOn[g]?[d] ?? false) || label
    }
    var predictions: [Bool] = []
    var uncovered = 0
    for (g, d) in zip(groups, days) {
      if let yesterday = positiveOn[g]?[d - 1] {
        predictions.append(yesterday)
      } else {
        predictions.append(false)
        uncovered += 1
      }
    }
    var baseline = binary(rule: .persistence, labels: labels, predictions: predictions)
    baseline.uncovered = uncovered
    return baseline
  }

  /// Metrics of 0/1 predictions used as scores.
  static func binary(rule: Rule, labels: [Bool], predictions: [Bool]) -> ClassificationBaseline {
    var tp = 0, fp = 0, tn = 0, fn = 0
    for (y, p) in zip(labels, predictions) {
      switch (y, p) {
      case (true, true): tp += 1
      case (false, true): fp += 1
      case (false, false): tn += 1
      case (true, false): fn += 1
      }
    }
    let n = labels.count
    let positives = tp + fn
    let pi = n == 0 ? .nan : Double(positives) / Double(n)
    let precision = tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp)
    let recall = positives == 0 ? 0 : Double(tp) / Double(positives)
    let f1 = 2 * tp + fp + fn == 0 ? 0 : Double(2 * tp) / Double(2 * tp + fp + fn)
    let tpr = recall
    let fpr = fp + tn == 0 ? 0 : Double(fp) / Double(fp + tn)
    let ap = tp + fp == 0 ? pi : recall * precision + (1 - recall) * pi
    return ClassificationBaseline(
      rule: rule, scores: predictions.map { $0 ? 1 : 0 }, precision: n == 0 ? .nan : precision,
      recall: n == 0 ? .nan : recall, f1: n == 0 ? .nan : f1,
      accuracy: n == 0 ? .nan : Double(tp + tn) / Double(n),
      rocAUC: singleClass(positives, n) ? .nan : (1 + tpr - fpr) / 2, averagePrecision: ap, uncovered: 0)
  }

  static func singleClass(_ positives: Int, _ n: Int) -> Bool { positives == 0 || positives == n }
}
