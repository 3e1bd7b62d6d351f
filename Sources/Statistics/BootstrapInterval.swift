import AlmanacCore

/// A bootstrap confidence interval computed from a bootstrap distribution: percentile or BCa, with
/// scipy.stats.bootstrap's formulas (scipy 1.17, `_bca_interval`), the resampling being ours (``ClusterBootstrap``).
///
/// - percentile: the (1 - level)/2 and (1 + level)/2 quantiles of the bootstrap distribution;
/// - BCa (Efron & Tibshirani 1993, 14.3): bias z0 = Phi^-1(F), F = (#{theta*_b < theta} + #{theta*_b <= theta}) / 2B;
///   acceleration a = sum U_i^3 / (6 (sum U_i^2)^(3/2)) with U_i = mean(theta_(.)) - theta_(i) over the jackknife
///   (leave-one-out) values; the interval is the quantiles at Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q))) for
///   z_q = Phi^-1((1 -/+ level)/2).
/// Quantiles interpolate linearly between order statistics (numpy's default, Hyndman & Fan type 7).
///
/// Reading it: the percentile interval is simple but biased for skewed statistics and small samples; BCa corrects
/// the median bias and the skew (accurate to second order) and is the one to report. Neither fixes a sample that
/// does not represent the population: with fewer than about 10 independent units (rows, or days for the cluster
/// bootstrap) no bootstrap interval is trustworthy.
///
/// Edge cases: NaN replicates (a resample where the statistic is undefined, such as an AUC on one class) are left
/// out and counted in `undefinedReplicates`; with no defined replicate the interval is NaN. A constant bootstrap
/// distribution gives the zero-width interval [c, c] for both methods. BCa is NaN where scipy's is (theta outside
/// the bootstrap distribution so that z0 is infinite; a constant jackknife, so that a is 0/0).
public struct BootstrapInterval: Sendable, Hashable {
  public enum Method: String, Sendable, Hashable {
    case percentile
    case bca
  }

  /// The statistic on the original sample.
  public var estimate: Double
  public var interval: ConfidenceInterval
  public var method: Method
  /// Sample standard deviation of the defined replicates (scipy's `standard_error`).
  public var standardError: Double
  /// Replicates used (defined ones).
  public var replicates: Int
  /// Replicates dropped because the statistic was NaN on them.
  public var undefinedReplicates: Int
  /// The BCa bias correction z0 and acceleration a (NaN for the percentile method).
  public var biasCorrection: Double
  public var acceleration: Double

  /// The interval from a bootstrap distribution. `jackknife` (leave-one-unit-out values of the statistic) is needed
  /// for BCa and ignored for the percentile method.
  public init(estimate: Double, distribution: [Double], jackknife: [Double] = [], method: Method, level: Double = 0.95)
    throws
  {
    try StatisticsError.checkLevel(level)
    if method == .bca && jackknife.count < 2 {
      throw StatisticsError.invalidArgument("BCa needs at least 2 jackknife values, got \(jackknife.count)")
    }
    self.estimate = estimate
    self.method = method
    let sorted = distribution.filter { !$0.isNaN }.sorted()
    replicates = sorted.count
    undefinedReplicates = distribution.count - sorted.count
    biasCorrection = .nan
    acceleration = .nan
    let mean = Descriptive.mean(sorted)
    standardError = Descriptive.sampleVariance(sorted, mean: mean).squareRoot()
    guard let first = sorted.first, let last = sorted.last else {
      interval = .undefined(level: level)
      return
    }
    if first == last {
      interval = ConfidenceInterval(lower: first, upper: last, level: level)
      return
    }
    let alpha = (1 - level) / 2
    var probabilities = (alpha, 1 - alpha)
    if method == .bca {
      var below = 0
      var belowOrEqual = 0
      for v in sorted {
        if v < estimate { below += 1 }
        if v <= estimate { belowOrEqual += 1 }
      }
      let z0 = Normal.quantile(Double(below + belowOrEqual) / Double(2 * sorted.count))
      let jack = jackknife.filter { !$0.isNaN }
      let jackMean = Descriptive.mean(jack)
      var num = 0.0
      var den = 0.0
      for v in jack {
        let u = jackMean - v
        num += u * u * u
        den += u * u
      }
      let a = num / (6 * Math.pow(den, 1.5))
      biasCorrection = z0
      acceleration = a
      let zLow = Normal.quantile(alpha)
      let zHigh = -zLow
      let n1 = z0 + zLow
      let n2 = z0 + zHigh
      probabilities = (Normal.cdf(z0 + n1 / (1 - a * n1)), Normal.cdf(z0 + n2 / (1 - a * n2)))
    }
    interval = ConfidenceInterval(
      lower: Descriptive.quantile(sorted: sorted, probabilities.0),
      upper: Descriptive.quantile(sorted: sorted, probabilities.1), level: level)
  }
}
