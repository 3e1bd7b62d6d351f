/// Student's paired t-test on differences d_i = x_i - y_i (scipy.stats.ttest_rel).
///
/// t = mean(d) / (s_d / sqrt(n)) with s_d the sample standard deviation (n - 1 denominator), on n - 1 degrees of
/// freedom; the confidence interval of the mean difference is mean(d) ± t_{(1+level)/2, n-1} s_d / sqrt(n),
/// always two-sided (scipy reports a one-sided bound for one-sided alternatives; the report needs the two-sided one).
///
/// Assumes the differences are independent draws from one normal distribution (the test is robust to mild
/// non-normality for n >= 15 or so). Edge cases, as scipy: n < 2 gives NaN statistic, p and interval (df = n - 1);
/// all differences equal and non-zero gives t = ±infinity, p = 0 (two-sided) and a zero-width interval; all
/// differences zero gives t = NaN, p = NaN and the interval [0, 0]; any NaN gives NaN everywhere (df too).
public struct PairedTTest: Sendable, Hashable {
  /// Number of pairs.
  public var count: Int
  /// mean(x - y).
  public var meanDifference: Double
  /// s_d / sqrt(n).
  public var standardError: Double
  /// The t statistic.
  public var statistic: Double
  /// n - 1 (NaN when the input has NaN).
  public var degreesOfFreedom: Double
  public var alternative: Alternative
  public var pValue: Double
  /// Two-sided interval for the mean difference at `confidenceLevel`.
  public var confidenceInterval: ConfidenceInterval

  /// Tests x against y pair by pair. Throws when the lengths differ or the level is outside (0, 1).
  public init(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided, confidenceLevel: Double = 0.95) throws
  {
    guard x.count == y.count else { throw StatisticsError.lengthMismatch("paired t-test", x.count, y.count) }
    try self.init(differences: zip(x, y).map { $0 - $1 }, alternative: alternative, confidenceLevel: confidenceLevel)
  }

  /// Tests whether the mean of `differences` is 0.
  public init(differences d: [Double], alternative: Alternative = .twoSided, confidenceLevel: Double = 0.95) throws {
    try StatisticsError.checkLevel(confidenceLevel)
    try self.init(
      differences: d, varianceFactor: 1 / Double(max(d.count, 1)), alternative: alternative,
      confidenceLevel: confidenceLevel)
  }

  /// The common computation: standard error = sqrt(varianceFactor * s_d^2) (1/n for the ordinary test).
  init(differences d: [Double], varianceFactor: Double, alternative: Alternative, confidenceLevel: Double) throws {
    count = d.count
    self.alternative = alternative
    let m = Descriptive.mean(d)
    meanDifference = m
    let hasNaN = d.contains(where: \.isNaN)
    degreesOfFreedom = hasNaN ? .nan : Double(d.count - 1)
    guard d.count >= 2, !hasNaN else {
      standardError = .nan
      statistic = .nan
      pValue = .nan
      confidenceInterval = .undefined(level: confidenceLevel)
      return
    }
    let se = (varianceFactor * Descriptive.sampleVariance(d, mean: m)).squareRoot()
    standardError = se
    let t = m / se
    statistic = t
    let df = degreesOfFreedom
    switch alternative {
    case .twoSided: pValue = t.isNaN ? .nan : 2 * StudentT.cdf(-abs(t), df: df)
    case .less: pValue = StudentT.cdf(t, df: df)
    case .greater: pValue = StudentT.sf(t, df: df)
    }
    let q = StudentT.quantile((1 + confidenceLevel) / 2, df: df)
    confidenceInterval = ConfidenceInterval(lower: m - q * se, upper: m + q * se, level: confidenceLevel)
  }
}
