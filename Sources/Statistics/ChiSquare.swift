/// The chi-square distribution with `df` > 0 degrees of freedom: F(x) = P(df/2, x/2), the regularised lower
/// incomplete gamma function. NaN for NaN input or df <= 0; x <= 0 gives cdf 0 and sf 1.
public enum ChiSquare {
  /// P(X <= x).
  public static func cdf(_ x: Double, df: Double) -> Double {
    guard !x.isNaN, df > 0 else { return .nan }
    if x <= 0 { return 0 }
    return SpecialFunctions.regularizedGamma(a: df / 2, x: x / 2).lower
  }

  /// P(X > x), accurate in the upper tail.
  public static func sf(_ x: Double, df: Double) -> Double {
    guard !x.isNaN, df > 0 else { return .nan }
    if x <= 0 { return 1 }
    return SpecialFunctions.regularizedGamma(a: df / 2, x: x / 2).upper
  }
}
