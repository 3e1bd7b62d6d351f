/// Small descriptive helpers shared by the tests in this module (two-pass, so constant data give exactly 0 spread).
enum Descriptive {
  /// Arithmetic mean; NaN on empty input or when any value is NaN.
  static func mean(_ x: [Double]) -> Double {
    guard !x.isEmpty else { return .nan }
    var s = 0.0
    for v in x { s += v }
    return s / Double(x.count)
  }

  /// Sample variance with n - 1 in the denominator; NaN for fewer than two values.
  static func sampleVariance(_ x: [Double], mean m: Double) -> Double {
    guard x.count > 1 else { return .nan }
    var s = 0.0
    for v in x { s += (v - m) * (v - m) }
    return s / Double(x.count - 1)
  }

  /// The p-quantile of ascending `sorted` values by linear interpolation between order statistics (Hyndman & Fan
  /// type 7; numpy's and scipy.stats.quantile's default `linear`): h = (n - 1) p, x[floor h] + (h - floor h)
  /// (x[floor h + 1] - x[floor h]). NaN for empty input or p outside [0, 1] or NaN.
  static func quantile(sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty, p >= 0, p <= 1 else { return .nan }
    let h = Double(sorted.count - 1) * p
    let lo = Int(h.rounded(.down))
    if lo >= sorted.count - 1 { return sorted[sorted.count - 1] }
    let frac = h - Double(lo)
    if frac == 0 { return sorted[lo] }
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo])
  }
}
