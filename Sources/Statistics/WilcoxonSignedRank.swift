/// The Wilcoxon signed-rank test on paired differences d_i = x_i - y_i, as scipy.stats.wilcoxon with its defaults
/// (`zero_method="wilcox"`, `correction=False`, `method="auto"`; scipy 1.17).
///
/// Zero differences are dropped; the |d_i| that remain (m of them) get average ranks; R+ and R- are the rank sums of
/// the positive and negative differences. The reported `statistic` is min(R+, R-) for the two-sided alternative and
/// R+ otherwise (scipy's convention). How the p-value is computed (`method`) follows scipy's `auto` rule, in terms of
/// n = the number of pairs including zeros:
/// 1. n > 50: normal approximation;
/// 2. n <= 50 with no ties and no zeros: the exact null distribution of R+ (all 2^m sign patterns equally likely);
/// 3. n <= 13 with ties or zeros: the exact permutation distribution of R+ over all sign flips, with the tied
///    (average) ranks as they are (scipy's `PermutationMethod`, which enumerates all 2^n flips when 2^n <= 9999);
/// 4. otherwise (14 <= n <= 50 with ties or zeros): normal approximation.
///
/// The normal approximation uses z = (R+ - m(m+1)/4) / sqrt((m(m+1)(2m+1) - sum(t^3 - t)/2) / 24), with t the sizes
/// of the groups of tied |d|, and no continuity correction. Exact two-sided p-values are 2 min(P(R+ >= r), P(R+ <= r))
/// capped at 1.
///
/// Assumes the differences are independent and symmetric about their median under the null; it tests the median
/// difference, is insensitive to outliers, and needs no normality. With m < 6 no two-sided p-value can reach 0.05.
/// Edge cases as scipy: empty input or any NaN gives NaN; all differences zero gives p = 1 when n <= 13 and NaN
/// (zero variance) otherwise; a single non-zero difference gives p = 1.
public struct WilcoxonSignedRank: Sendable, Hashable {
  /// How the p-value was computed (scipy's `auto` choice, see the type's documentation).
  public enum Method: String, Sendable, Hashable {
    case exact
    case permutation
    case asymptotic
  }

  /// Number of pairs, zeros included.
  public var count: Int
  /// Number of zero differences (dropped).
  public var zeros: Int
  /// Sum of the ranks of the positive differences.
  public var rankSumPositive: Double
  /// Sum of the ranks of the negative differences.
  public var rankSumNegative: Double
  /// min(R+, R-) for two-sided, R+ for one-sided alternatives.
  public var statistic: Double
  /// The normal score of R+ (NaN unless `method == .asymptotic`).
  public var z: Double
  public var method: Method
  public var alternative: Alternative
  public var pValue: Double

  /// Tests x against y pair by pair. Throws when the lengths differ.
  public init(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided) throws {
    guard x.count == y.count else {
      throw StatisticsError.lengthMismatch("Wilcoxon signed-rank test", x.count, y.count)
    }
    self.init(differences: zip(x, y).map { $0 - $1 }, alternative: alternative)
  }

  /// Tests whether `differences` are symmetric about 0.
  public init(differences d: [Double], alternative: Alternative = .twoSided) {
    count = d.count
    self.alternative = alternative
    let nonzero = d.filter { $0 != 0 }
    zeros = d.filter { $0 == 0 }.count
    z = .nan
    guard !d.isEmpty, !d.contains(where: \.isNaN) else {
      (rankSumPositive, rankSumNegative, statistic, pValue) = (.nan, .nan, .nan, .nan)
      method = d.count > 50 ? .asymptotic : .exact
      return
    }
    // Average ranks of |d| (ties share the mean of their positions), and the tie-group sizes.
    let order = nonzero.indices.sorted { abs(nonzero[$0]) < abs(nonzero[$1]) }
    var ranks = [Double](repeating: 0, count: nonzero.count)
    var tieTerm = 0.0
    var hasTies = false
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && abs(nonzero[order[j + 1]]) == abs(nonzero[order[i]]) { j += 1 }
      let rank = Double(i + j + 2) / 2
      for k in i...j { ranks[order[k]] = rank }
      let t = Double(j - i + 1)
      if t > 1 {
        hasTies = true
        tieTerm += t * t * t - t
      }
      i = j + 1
    }
    var rPlus = 0.0
    var rMinus = 0.0
    for (v, r) in zip(nonzero, ranks) {
      if v > 0 { rPlus += r } else { rMinus += r }
    }
    rankSumPositive = rPlus
    rankSumNegative = rMinus
    statistic = alternative == .twoSided ? min(rPlus, rMinus) : rPlus

    if d.count > 50 {
      method = .asymptotic
    } else if !hasTies && zeros == 0 {
      method = .exact
    } else if d.count <= 13 {
      method = .permutation
    } else {
      method = .asymptotic
    }

    switch method {
    case .asymptotic:
      let m = Double(nonzero.count)
      let mean = m * (m + 1) / 4
      let se = ((m * (m + 1) * (2 * m + 1) - tieTerm / 2) / 24).squareRoot()
      let score = (rPlus - mean) / se
      z = score
      switch alternative {
      case .twoSided: pValue = score.isNaN ? .nan : 2 * Normal.sf(abs(score))
      case .less: pValue = Normal.cdf(score)
      case .greater: pValue = Normal.sf(score)
      }
    case .exact, .permutation:
      // Null distribution of 2 R+ (doubled so that average ranks are integers): each non-zero difference adds its
      // doubled rank with probability 1/2.
      let doubled = ranks.map { Int(($0 * 2).rounded()) }
      let total = doubled.reduce(0, +)
      var counts = [Double](repeating: 0, count: total + 1)
      counts[0] = 1
      var reach = 0
      for r in doubled {
        reach += r
        var s = reach
        while s >= r {
          counts[s] += counts[s - r]
          s -= 1
        }
      }
      let all = counts.reduce(0, +)
      let observed = Int((rPlus * 2).rounded())
      // P(R+ <= r) and P(R+ >= r); exact integers in Double up to 2^53 (m <= 50).
      var below = 0.0
      for s in 0...min(observed, total) { below += counts[s] }
      var above = 0.0
      for s in max(observed, 0)...total { above += counts[s] }
      let cdf = below / all
      let sf = above / all
      switch alternative {
      case .twoSided: pValue = min(1, 2 * min(cdf, sf))
      case .less: pValue = cdf
      case .greater: pValue = sf
      }
    }
  }
}
