/// The binomial distribution Bin(n, p): the number of successes in n independent trials of probability p.
///
/// P(X <= k) = I_{1-p}(n - k, k + 1) (regularised incomplete beta), as scipy.stats.binom. A non-integer k is floored
/// (as scipy); k < 0 gives cdf 0, k >= n gives cdf 1. NaN when p is outside [0, 1], NaN, or n < 0.
public enum Binomial {
  /// P(X <= k).
  public static func cdf(_ k: Double, n: Int, p: Double) -> Double {
    guard n >= 0, p >= 0, p <= 1, !k.isNaN else { return .nan }
    let k = k.rounded(.down)
    if k < 0 { return 0 }
    if k >= Double(n) { return 1 }
    return SpecialFunctions.regularizedBeta(a: Double(n) - k, b: k + 1, x: 1 - p, y: p).lower
  }

  /// P(X > k), accurate in the upper tail.
  public static func sf(_ k: Double, n: Int, p: Double) -> Double {
    guard n >= 0, p >= 0, p <= 1, !k.isNaN else { return .nan }
    let k = k.rounded(.down)
    if k < 0 { return 1 }
    if k >= Double(n) { return 0 }
    return SpecialFunctions.regularizedBeta(a: Double(n) - k, b: k + 1, x: 1 - p, y: p).upper
  }
}
