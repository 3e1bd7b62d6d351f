import AlmanacCore

/// The standard normal distribution N(0, 1).
///
/// `cdf` and `sf` use the C library's `erfc` on the side where it keeps relative accuracy (so `sf(8)` is 6.2e-16,
/// not 0). NaN input gives NaN; ±infinity gives the limits.
public enum Normal {
  /// P(Z <= z).
  public static func cdf(_ z: Double) -> Double {
    0.5 * Math.erfc(-z / 2.0.squareRoot())
  }

  /// P(Z > z) = cdf(-z), accurate in the upper tail.
  public static func sf(_ z: Double) -> Double {
    0.5 * Math.erfc(z / 2.0.squareRoot())
  }

  /// The density exp(-z^2 / 2) / sqrt(2 pi).
  public static func pdf(_ z: Double) -> Double {
    Math.exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
  }

  /// The quantile z with P(Z <= z) = p (`AlmanacCore.Math.normalQuantile`: Acklam's approximation refined by a
  /// Halley step), computed as -quantile(1 - p) above 1/2 (1 - p is exact there) so that the refinement works on the
  /// small tail probability, where it keeps full precision. p = 0 gives -infinity, p = 1 gives +infinity, p outside
  /// [0, 1] or NaN gives NaN.
  public static func quantile(_ p: Double) -> Double {
    guard p >= 0, p <= 1 else { return .nan }
    if p == 0 { return -.infinity }
    if p == 1 { return .infinity }
    return p > 0.5 ? -Math.normalQuantile(1 - p) : Math.normalQuantile(p)
  }
}
