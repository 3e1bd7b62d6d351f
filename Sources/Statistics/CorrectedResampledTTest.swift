/// The corrected resampled t-test of Nadeau & Bengio (2003, Machine Learning 52:239-281) for comparing two
/// learners over k train/test splits of one data set (k-fold cross-validation folds or repeated random splits).
///
/// With per-split differences d_j (j = 1..k) the ordinary paired t-test uses Var(mean d) = s_d^2 / k, which ignores
/// that the training sets overlap and so rejects far too often. Nadeau & Bengio replace it by
/// (1/k + n_test / n_train) s_d^2, giving t = mean(d) / sqrt((1/k + n_test/n_train) s_d^2) on k - 1 degrees of
/// freedom; the interval is mean(d) ± t_{(1+level)/2, k-1} times that standard error. For k-fold, n_test / n_train
/// = 1 / (k - 1). Checked against scipy.stats (ttest_rel rescaled by sqrt((1/k) / (1/k + n_test/n_train)), t sf).
///
/// Assumes the splits are exchangeable and the learners are trained independently on each; it is a heuristic
/// correction (conservative for random subsampling, approximately right for k-fold), not an exact test. Edge cases
/// as ``PairedTTest``: fewer than 2 splits, NaN, or all differences zero give NaN.
public struct CorrectedResampledTTest: Sendable, Hashable {
  /// The corrected test; its `standardError`, `statistic`, `pValue` and interval include the correction.
  public var test: PairedTTest
  /// n_test / n_train, the correction's ratio.
  public var testTrainRatio: Double

  /// - Parameters:
  ///   - x, y: the metric of each learner on each split (same split order).
  ///   - testSize, trainSize: rows in each split's test and training sets (> 0).
  public init(
    _ x: [Double], _ y: [Double], testSize: Int, trainSize: Int, alternative: Alternative = .twoSided,
    confidenceLevel: Double = 0.95
  ) throws {
    guard x.count == y.count else {
      throw StatisticsError.lengthMismatch("corrected resampled t-test", x.count, y.count)
    }
    guard testSize > 0, trainSize > 0 else {
      throw StatisticsError.invalidArgument("test and training sizes must be > 0, got \(testSize) and \(trainSize)")
    }
    try StatisticsError.checkLevel(confidenceLevel)
    let ratio = Double(testSize) / Double(trainSize)
    testTrainRatio = ratio
    let d = zip(x, y).map { $0 - $1 }
    test = try PairedTTest(
      differences: d, varianceFactor: 1 / Double(max(d.count, 1)) + ratio,
      alternative: alternative, confidenceLevel: confidenceLevel)
  }
}
