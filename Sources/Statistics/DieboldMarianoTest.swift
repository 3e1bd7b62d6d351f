import AlmanacCore

/// The Diebold-Mariano test of equal forecast accuracy with the Harvey, Leybourne & Newbold (1997) small-sample
/// correction, exactly as R's `forecast::dm.test` (forecast 8.20).
///
/// With loss differentials d_t = |e1_t|^power - |e2_t|^power (t = 1..n), the autocovariances
/// gamma_k = (1/n) sum_{t=1}^{n-k} (d_t - mean d)(d_{t+k} - mean d) (R's `acf(type = "covariance")`) give the
/// long-run variance of the mean V = (gamma_0 + 2 sum_{k=1}^{h-1} w_k gamma_k) / n with w_k = 1 (`acf`, the default)
/// or w_k = 1 - k/h (`bartlett`). The statistic is mean(d) / sqrt(V) times the HLN factor
/// sqrt((n + 1 - 2h + h(h - 1)/n) / n), referred to Student's t with n - 1 degrees of freedom.
/// When V <= 0 and h > 1, R warns and restarts with h = 1 (so does this; `horizonUsed` says so).
///
/// Reading it: `less` tests whether the first forecast is more accurate (smaller loss), `greater` whether the second
/// is; a negative statistic favours the first. Assumes the loss differential is covariance-stationary and that
/// forecast errors are at most (h - 1)-dependent (h-step forecasts); it compares the two forecasts, not the models
/// that made them (for nested models, such as an ARIMA against the random walk it contains, it is undersized:
/// conservative, Clark & McCracken 2001). Edge cases: NaN in the errors, or V = 0 with h = 1 (for
/// example identical forecasts; R stops with "Variance of DM statistic is zero") give statistic and p NaN.
public struct DieboldMarianoTest: Sendable, Hashable {
  /// The long-run variance estimator.
  public enum VarianceEstimator: String, Sendable, Hashable {
    case acf
    case bartlett
  }

  public var statistic: Double
  public var pValue: Double
  /// Number of forecast errors n.
  public var count: Int
  /// The horizon requested.
  public var horizon: Int
  /// The horizon used: `horizon`, or 1 when the variance estimate was not positive.
  public var horizonUsed: Int
  public var power: Double
  public var alternative: Alternative
  public var varianceEstimator: VarianceEstimator

  /// - Parameters:
  ///   - e1, e2: the two forecasts' errors on the same targets (actual minus forecast; the sign is irrelevant).
  ///   - horizon: the forecast horizon h >= 1 (h < n).
  ///   - power: the loss exponent (1 absolute, 2 squared; > 0).
  public init(
    errors e1: [Double], _ e2: [Double], alternative: Alternative = .twoSided, horizon: Int = 1,
    power: Double = 2, varianceEstimator: VarianceEstimator = .acf
  ) throws {
    guard e1.count == e2.count else { throw StatisticsError.lengthMismatch("Diebold-Mariano test", e1.count, e2.count) }
    guard e1.count >= 2 else {
      throw StatisticsError.invalidArgument("Diebold-Mariano test needs at least 2 errors, got \(e1.count)")
    }
    guard horizon >= 1, horizon < e1.count else {
      throw StatisticsError.invalidArgument("horizon must be in 1..<\(e1.count), got \(horizon)")
    }
    guard power > 0 else { throw StatisticsError.invalidArgument("power must be > 0, got \(power)") }
    count = e1.count
    self.horizon = horizon
    self.power = power
    self.alternative = alternative
    self.varianceEstimator = varianceEstimator
    let d = zip(e1, e2).map { Math.pow(abs($0), power) - Math.pow(abs($1), power) }
    guard !d.contains(where: \.isNaN) else {
      (statistic, pValue, horizonUsed) = (.nan, .nan, horizon)
      return
    }
    let n = Double(d.count)
    let m = Descriptive.mean(d)
    func autocovariance(_ k: Int) -> Double {
      var s = 0.0
      for t in 0..<(d.count - k) { s += (d[t] - m) * (d[t + k] - m) }
      return s / n
    }
    func variance(_ h: Int) -> Double {
      var v = autocovariance(0)
      if h > 1 {
        for k in 1..<h {
          let w = varianceEstimator == .acf ? 1 : 1 - Double(k) / Double(h)
          v += 2 * w * autocovariance(k)
        }
      }
      return v / n
    }
    var h = horizon
    var v = variance(h)
    if !(v > 0) && h > 1 {
      h = 1
      v = variance(1)
    }
    horizonUsed = h
    guard v > 0 else {
      (statistic, pValue) = (.nan, .nan)
      return
    }
    let hd = Double(h)
    let k = ((n + 1 - 2 * hd + (hd / n) * (hd - 1)) / n).squareRoot()
    let s = m / v.squareRoot() * k
    statistic = s
    switch alternative {
    case .twoSided: pValue = 2 * StudentT.cdf(-abs(s), df: n - 1)
    case .less: pValue = StudentT.cdf(s, df: n - 1)
    case .greater: pValue = StudentT.sf(s, df: n - 1)
    }
  }
}
