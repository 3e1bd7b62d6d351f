/// McNemar's test for two classifiers scored on the same rows (statsmodels.stats.contingency_tables.mcnemar).
///
/// Only the discordant rows matter: b = rows the first classifier gets right and the second wrong, c = the reverse.
/// Under the null (equal error rates) each discordant row is equally likely to fall either way, so b ~ Bin(b + c, 1/2).
/// - exact (default): statistic min(b, c), p = min(1, 2 P(Bin(b + c, 1/2) <= min(b, c)));
/// - chi-square: statistic (|b - c| - 1)^2 / (b + c) with the continuity correction (or (b - c)^2 / (b + c)
///   without), p from the chi-square distribution with 1 degree of freedom. Use it only when b + c >= 25 or so.
///
/// Assumes the rows are independent; it compares accuracy at one threshold, not ranking quality (use a paired
/// bootstrap of the AUC for that). Edge case: with no discordant rows (b + c = 0) the exact test gives p = 1 (as
/// statsmodels) and the chi-square test gives statistic NaN and p = 1 (statsmodels divides by zero and reports
/// statistic infinity and p = 0, which would call two identical classifiers different).
public struct McNemarTest: Sendable, Hashable {
  /// Rows the first classifier gets right and the second wrong.
  public var b: Int
  /// Rows the first classifier gets wrong and the second right.
  public var c: Int
  public var exact: Bool
  public var statistic: Double
  public var pValue: Double

  /// From the discordant counts (both >= 0).
  public init(b: Int, c: Int, exact: Bool = true, continuityCorrection: Bool = true) throws {
    guard b >= 0, c >= 0 else {
      throw StatisticsError.invalidArgument("McNemar counts must be >= 0, got \(b) and \(c)")
    }
    self.b = b
    self.c = c
    self.exact = exact
    let n = b + c
    if exact {
      statistic = Double(min(b, c))
      pValue = min(1, 2 * Binomial.cdf(statistic, n: n, p: 0.5))
    } else if n == 0 {
      statistic = .nan
      pValue = 1
    } else {
      let correction = continuityCorrection ? 1.0 : 0.0
      let diff = abs(Double(b - c)) - correction
      statistic = diff * diff / Double(n)
      pValue = ChiSquare.sf(statistic, df: 1)
    }
  }

  /// From labels and the two classifiers' thresholded predictions on the same rows. Throws when lengths differ.
  public init(labels: [Bool], first: [Bool], second: [Bool], exact: Bool = true, continuityCorrection: Bool = true)
    throws
  {
    guard labels.count == first.count, labels.count == second.count else {
      throw StatisticsError.lengthMismatch(
        "McNemar test", first.count, second.count == first.count ? labels.count : second.count)
    }
    var b = 0
    var c = 0
    for i in labels.indices {
      let right1 = first[i] == labels[i]
      let right2 = second[i] == labels[i]
      if right1 && !right2 { b += 1 }
      if !right1 && right2 { c += 1 }
    }
    try self.init(b: b, c: c, exact: exact, continuityCorrection: continuityCorrection)
  }
}
