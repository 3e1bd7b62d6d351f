/// Accuracy measures for forecasts, on whatever scale the inputs are in (the task passes rates, not logs).
///
/// All functions take equal-length arrays and return NaN for empty input or when any pair contains NaN.
public enum ForecastMetrics {
  /// Root mean squared error `sqrt(mean((f - a)^2))`.
  public static func rmse(forecast f: [Double], actual a: [Double]) -> Double {
    mean(zip(f, a).map { ($0 - $1) * ($0 - $1) }).squareRoot()
  }

  /// Mean absolute error `mean(|f - a|)`.
  public static func mae(forecast f: [Double], actual a: [Double]) -> Double {
    mean(zip(f, a).map { abs($0 - $1) })
  }

  /// Mean absolute percentage error in percent, `100 mean(|f - a| / |a|)`; infinite when an actual value is 0.
  public static func mape(forecast f: [Double], actual a: [Double]) -> Double {
    100 * mean(zip(f, a).map { abs($0 - $1) / abs($1) })
  }

  /// Sample autocorrelations at lags 1...maxLag (R's `acf`: `sum (x_t - m)(x_(t+k) - m) / sum (x_t - m)^2`).
  /// Lags at or beyond the length are NaN; a constant series gives NaN.
  public static func acf(_ x: [Double], maxLag: Int) -> [Double] {
    let n = x.count
    guard n > 0, maxLag > 0 else { return [] }
    let m = mean(x)
    let c0 = x.reduce(0) { $0 + ($1 - m) * ($1 - m) }
    return (1...maxLag).map { k in
      guard k < n, c0 > 0 else { return .nan }
      var s = 0.0
      for t in 0..<(n - k) { s += (x[t] - m) * (x[t + k] - m) }
      return s / c0
    }
  }

  static func mean(_ x: [Double]) -> Double {
    x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
  }
}
