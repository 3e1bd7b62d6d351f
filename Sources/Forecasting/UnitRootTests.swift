import AlmanacCore

/// The differencing tests `forecast::auto.arima` runs: KPSS for d (`ndiffs`) and the seasonal-strength heuristic
/// for D (`nsdiffs(test = "seas")`).
public enum UnitRootTests {
  /// R's `forecast:::is.constant`: `all.equal(x, rep(x[1], n))`, i.e. the mean absolute difference from the first
  /// value relative to the mean absolute value is below 1.5e-8 (missing values left out).
  public static func isConstant(_ x: [Double]) -> Bool {
    let values = x.filter { !$0.isNaN }
    guard let first = values.first else { return true }
    var difference = 0.0
    var scale = 0.0
    for v in values {
      difference += abs(v - first)
      scale += abs(v)
    }
    if scale > 0 && scale.isFinite { return difference / scale < 1.5e-8 }
    return difference < 1.5e-8
  }

  /// The KPSS level-stationarity statistic as `urca::ur.kpss(x, type = "mu", use.lag = lags)`: partial sums of the
  /// demeaned series over `n^2` times the Newey-West long-run variance with Bartlett weights and `lags` lags.
  /// Missing values are left out.
  public static func kpss(_ series: [Double], lags: Int) -> Double {
    let y = series.filter { !$0.isNaN }
    let n = y.count
    guard n > 1 else { return .nan }
    let mean = y.reduce(0, +) / Double(n)
    let res = y.map { $0 - mean }
    var s = 0.0
    var numerator = 0.0
    for r in res {
      s += r
      numerator += s * s
    }
    numerator /= Double(n) * Double(n)
    var s2 = 0.0
    for r in res { s2 += r * r }
    s2 /= Double(n)
    var longRun = 0.0
    let l = min(max(0, lags), n - 1)
    if l > 0 {
      for lag in 1...l {
        var c = 0.0
        for t in lag..<n { c += res[t] * res[t - lag] }
        longRun += (1 - Double(lag) / Double(l + 1)) * c
      }
      longRun *= 2 / Double(n)
    }
    return numerator / (s2 + longRun)
  }

  /// Critical values of the KPSS level test (urca, Kwiatkowski et al. 1992 table 1) at 10%, 5%, 2.5% and 1%.
  static let kpssCritical: [(statistic: Double, level: Double)] = [
    (0.347, 0.10), (0.463, 0.05), (0.574, 0.025), (0.739, 0.01),
  ]

  /// The p-value `forecast` reads off the table: linear interpolation, clamped to [0.01, 0.1] (R's
  /// `approx(..., rule = 2)`).
  public static func kpssPValue(_ statistic: Double) -> Double {
    let table = kpssCritical
    guard let first = table.first, let last = table.last else { return .nan }
    if statistic <= first.statistic { return first.level }
    if statistic >= last.statistic { return last.level }
    for i in 1..<table.count where statistic <= table[i].statistic {
      let a = table[i - 1], b = table[i]
      return a.level + (b.level - a.level) * (statistic - a.statistic) / (b.statistic - a.statistic)
    }
    return last.level
  }

  /// `forecast::ndiffs(x, test = "kpss")`: differences while the KPSS test rejects level stationarity at `alpha`
  /// (clamped to [0.01, 0.1]), with `trunc(3 sqrt(n) / 13)` lags for the current length n, at most `maxD` times;
  /// stops early when the series becomes constant. Missing values are left out first.
  public static func ndiffs(_ series: [Double], alpha: Double = 0.05, maxD: Int = 2) -> Int {
    var x = series.filter { !$0.isNaN }
    let alpha = min(0.1, max(0.01, alpha))
    var d = 0
    if isConstant(x) || x.count < 2 { return d }
    func reject(_ x: [Double]) -> Bool? {
      let lags = Int((3 * Double(x.count).squareRoot() / 13).rounded(.towardZero))
      let statistic = kpss(x, lags: lags)
      guard statistic.isFinite else { return nil }
      return kpssPValue(statistic) < alpha
    }
    guard var differ = reject(x) else { return d }
    while differ && d < maxD {
      d += 1
      x = ARIMA.difference(x, times: 1)
      if isConstant(x) || x.count < 2 { return d }
      guard let next = reject(x) else { return d - 1 }
      differ = next
    }
    return d
  }

  /// `forecast:::seas.heuristic`: the seasonal strength `max(0, min(1, 1 - var(remainder) / var(remainder +
  /// seasonal)))` of `mstl(x)`, which for one period is `stl(x, s.window = 11)`. Nil when the series has at most
  /// two periods, or when the statistic is undefined (a constant series; R gives NA). Missing values are filled by linear interpolation first (`forecast` uses `na.interp`, an STL-based
  /// fill for seasonal series: the statistic can differ slightly when values are missing).
  public static func seasonalStrength(_ series: [Double], period: Int) -> Double? {
    let observed = series.filter { !$0.isNaN }.count
    guard period > 1, observed > 2 * period, !isConstant(series) else { return nil }
    let x = interpolateMissing(series)
    guard let stl = STL.decompose(x, period: period, sWindow: 11) else { return nil }
    let vRemainder = variance(stl.remainder)
    let vBoth = variance(zip(stl.remainder, stl.seasonal).map { $0 + $1 })
    let strength = 1 - vRemainder / vBoth
    guard strength.isFinite else { return nil }  // R gives NA (a constant series)
    return max(0, min(1, strength))
  }

  /// `forecast::nsdiffs(x, test = "seas")`: one seasonal difference when the seasonal strength exceeds 0.64, then
  /// again (up to `maxD`) while it does and at least two periods remain.
  public static func nsdiffs(_ series: [Double], period: Int, maxD: Int = 1) -> Int {
    var D = 0
    if isConstant(series) || period <= 1 || period >= series.count { return D }
    guard let strength = seasonalStrength(series, period: period) else { return D }
    var differ = strength > 0.64
    var x = series
    while differ && D < maxD {
      D += 1
      x = ARIMA.difference(x, lag: period, times: 1)
      if isConstant(x) { return D }
      if x.count >= 2 * period && D < maxD {
        differ = (seasonalStrength(x, period: period) ?? 0) > 0.64
      } else {
        differ = false
      }
    }
    return D
  }

  static func variance(_ x: [Double]) -> Double {
    let n = Double(x.count)
    let mean = x.reduce(0, +) / n
    return x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
  }

  /// Linear interpolation of NaN between observed neighbours; ends take the nearest observed value.
  static func interpolateMissing(_ x: [Double]) -> [Double] {
    let present = x.indices.filter { !x[$0].isNaN }
    guard let first = present.first, let last = present.last else { return x }
    var out = x
    for i in 0..<first { out[i] = x[first] }
    for i in (last + 1)..<max(last + 1, x.count) { out[i] = x[last] }
    var k = 0
    for i in first...last where x[i].isNaN {
      while present[k + 1] < i { k += 1 }
      let a = present[k], b = present[k + 1]
      out[i] = x[a] + (x[b] - x[a]) * Double(i - a) / Double(b - a)
    }
    return out
  }
}
