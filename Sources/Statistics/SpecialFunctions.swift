import AlmanacCore

/// The special functions behind every distribution in this module: log-gamma, log-beta and the regularised
/// incomplete beta and gamma functions with their inverses.
///
/// Each incomplete function returns the lower value and its complement computed separately, so that both tails keep
/// their relative accuracy (a p-value of 1e-12 is not computed as `1 - 0.999999999999`). Arguments that are NaN give
/// NaN; arguments outside the domain (a <= 0, x outside [0, 1]) give NaN.
///
/// Accuracy: about 1e-14 relative for moderate parameters (< 1e4); it degrades slowly (roughly eps times the
/// parameter) for larger ones. Checked against scipy.stats through the distributions (`DistributionTests`).
public enum SpecialFunctions {
  /// log(sqrt(2 pi)).
  static let logSqrt2Pi = 0.918_938_533_204_672_741_780_329_736_406

  /// The Stirling remainder lgamma(x) - ((x - 1/2) log x - x + log sqrt(2 pi)) for x >= 10, by its asymptotic series
  /// (Bernoulli numbers B_2k / (2k (2k - 1) x^(2k - 1))); truncation error < 1e-17 at x = 10.
  static func stirlingRemainder(_ x: Double) -> Double {
    let c: [Double] = [
      1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360_360, 1.0 / 156,
      -3617.0 / 122_400,
    ]
    let z = 1 / (x * x)
    var s = c[7]
    for k in stride(from: 6, through: 0, by: -1) { s = s * z + c[k] }
    return s / x
  }

  /// log Gamma(x) for x > 0 (Stirling's series at x >= 10, upward recurrence below; absolute error about 4e-15).
  /// NaN for x <= 0 or NaN; +infinity for x = +infinity.
  public static func logGamma(_ x: Double) -> Double {
    guard x > 0 else { return .nan }
    if x.isInfinite { return .infinity }
    if x >= 10 { return (x - 0.5) * Math.log(x) - x + logSqrt2Pi + stirlingRemainder(x) }
    var product = 1.0
    var y = x
    while y < 10 {
      product *= y
      y += 1
    }
    return logGamma(y) - Math.log(product)
  }

  /// log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b) for a, b > 0, with the large terms cancelled
  /// analytically when either argument is >= 10 (the arrangement of R's `lbeta`). NaN outside the domain.
  public static func logBeta(_ a: Double, _ b: Double) -> Double {
    guard a > 0, b > 0 else { return .nan }
    let p = min(a, b)
    let q = max(a, b)
    if q.isInfinite { return -.infinity }
    if p >= 10 {
      let corr = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(p + q)
      return -0.5 * Math.log(q) + logSqrt2Pi + corr + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q))
    }
    if q >= 10 {
      let corr = stirlingRemainder(q) - stirlingRemainder(p + q)
      return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q))
    }
    return logGamma(p) + logGamma(q) - logGamma(p + q)
  }

  /// log of x given x and y = 1 - x (both exact inputs): uses log1p(-y) when x is close to 1.
  @inline(__always) static func logOf(_ x: Double, complement y: Double) -> Double {
    x < 0.5 ? Math.log(x) : Math.log1p(-y)
  }

  // MARK: - Incomplete beta

  /// The regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b) and its complement 1 - I_x(a, b).
  ///
  /// Pass `y = 1 - x` computed from the same source as `x` when it is known more accurately than `1 - x` (for the
  /// Student t, y = t^2 / (df + t^2)); by default y = 1 - x. Continued fraction (modified Lentz) on the side where
  /// it converges, the other value as the complement. NaN when a <= 0, b <= 0, x outside [0, 1] or any NaN.
  public static func regularizedBeta(a: Double, b: Double, x: Double, y: Double? = nil) -> (
    lower: Double, upper: Double
  ) {
    let y = y ?? (1 - x)
    guard a > 0, b > 0, x >= 0, y >= 0, x <= 1, y <= 1 else { return (.nan, .nan) }
    if x == 0 { return (0, 1) }
    if y == 0 { return (1, 0) }
    let logFront = a * logOf(x, complement: y) + b * logOf(y, complement: x) - logBeta(a, b)
    let front = Math.exp(logFront)
    if x < (a + 1) / (a + b + 2) {
      let lower = front * betaContinuedFraction(a: a, b: b, x: x, y: y) / a
      return (lower, 1 - lower)
    } else {
      let upper = front * betaContinuedFraction(a: b, b: a, x: y, y: x) / b
      return (1 - upper, upper)
    }
  }

  /// The continued fraction of the incomplete beta function (Numerical Recipes `betacf`, modified Lentz). Its first
  /// denominator 1 - (a + b) x / (a + 1) is computed as ((1 - b) x + (a + 1) y) / (a + 1), which does not cancel
  /// when x is close to 1 and a is large (Student t with large df).
  static func betaContinuedFraction(a: Double, b: Double, x: Double, y: Double) -> Double {
    let tiny = 1e-300
    let eps = 1e-16
    let qab = a + b
    let qap = a + 1
    let qam = a - 1
    var c = 1.0
    var d = ((1 - b) * x + qap * y) / qap
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    var m = 1.0
    while m < 1e6 {
      let m2 = 2 * m
      var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
      d = 1 + aa * d
      if abs(d) < tiny { d = tiny }
      c = 1 + aa / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      h *= d * c
      aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
      d = 1 + aa * d
      if abs(d) < tiny { d = tiny }
      c = 1 + aa / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < eps { break }
      m += 1
    }
    return h
  }

  /// The x (and y = 1 - x, accurate on its own) with I_x(a, b) = p, given p and q = 1 - p (pass both when q is
  /// known more accurately than 1 - p).
  ///
  /// Newton-Halley iterations from the initial guess of Numerical Recipes' `invbetai`, kept inside a bisection
  /// bracket; x and y are updated separately so that whichever is small keeps its relative accuracy.
  /// p = 0 gives (0, 1), p = 1 gives (1, 0); NaN outside the domain.
  public static func inverseRegularizedBeta(p: Double, q: Double? = nil, a: Double, b: Double) -> (x: Double, y: Double)
  {
    let q = q ?? (1 - p)
    guard a > 0, b > 0, p >= 0, q >= 0, p <= 1, q <= 1 else { return (.nan, .nan) }
    if p == 0 { return (0, 1) }
    if q == 0 { return (1, 0) }
    if p > q {
      // Solve the complementary problem I_y(b, a) = q, whose target is the smaller one.
      let r = inverseLowerBeta(target: q, a: b, b: a)
      return (r.y, r.x)
    }
    return inverseLowerBeta(target: p, a: a, b: b)
  }

  /// Solves I_x(a, b) = target for target <= 1/2.
  static func inverseLowerBeta(target p: Double, a: Double, b: Double) -> (x: Double, y: Double) {
    // Initial guess (Numerical Recipes, 3rd ed., 6.4).
    var x: Double
    var y: Double
    if a >= 1 && b >= 1 {
      let t = (-2 * Math.log(p)).squareRoot()
      var z = (2.307_53 + t * 0.270_61) / (1 + t * (0.992_29 + t * 0.044_81)) - t
      z = -z
      let al = (z * z - 3) / 6
      let h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1))
      let w = z * (al + h).squareRoot() / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5.0 / 6 - 2 / (3 * h))
      let e = Math.exp(2 * w)
      x = a / (a + b * e)
      y = b * e / (a + b * e)
    } else {
      let lna = Math.log(a / (a + b))
      let lnb = Math.log(b / (a + b))
      let t = Math.exp(a * lna) / a
      let u = Math.exp(b * lnb) / b
      let w = t + u
      if p < t / w {
        x = Math.pow(a * w * p, 1 / a)
        y = 1 - x
      } else {
        y = Math.pow(b * w * (1 - p), 1 / b)
        x = 1 - y
      }
    }
    if !(x > 0 && x < 1 && y > 0 && y < 1) || x.isNaN || y.isNaN {
      x = 0.5
      y = 0.5
    }
    var lo = (x: 0.0, y: 1.0)
    var hi = (x: 1.0, y: 0.0)
    let logB = logBeta(a, b)
    for _ in 0..<300 {
      let value = regularizedBeta(a: a, b: b, x: x, y: y).lower
      let err = value - p
      if err == 0 { break }
      if err < 0 { lo = (x, y) } else { hi = (x, y) }
      let logDensity = (a - 1) * logOf(x, complement: y) + (b - 1) * logOf(y, complement: x) - logB
      let density = Math.exp(logDensity)
      var step = err / density
      let curvature = (a - 1) / x - (b - 1) / y
      let halley = 1 - 0.5 * step * curvature
      if halley > 0.5 && halley < 2 { step /= halley }
      var nx = x - step
      var ny = y + step
      if !(nx > lo.x && nx < hi.x) || !density.isFinite || step.isNaN {
        // Bisect (geometrically on the small side when the bracket spans orders of magnitude).
        if lo.x == 0 && hi.x < 0.5 {
          nx = hi.x / 16
          ny = 1 - nx
        } else if hi.y == 0 && lo.y < 0.5 {
          ny = lo.y / 16
          nx = 1 - ny
        } else {
          nx = (lo.x + hi.x) / 2
          ny = (lo.y + hi.y) / 2
        }
      }
      // Measure the change (and the bracket) on the smaller of x and y: near 1 the other cannot move by less than
      // an ulp of 1.
      let change = ny < nx ? abs(ny - y) : abs(nx - x)
      let converged = change <= 2e-16 * min(nx, ny)
      x = nx
      y = ny
      if converged { break }
      if (y < x ? lo.y - hi.y : hi.x - lo.x) <= 2e-16 * min(x, y) { break }
    }
    return (x, y)
  }

  // MARK: - Incomplete gamma

  /// The regularised incomplete gamma functions P(a, x) = gamma(a, x) / Gamma(a) and Q(a, x) = 1 - P(a, x), for
  /// a > 0, x >= 0 (series for x < a + 1, continued fraction otherwise; Numerical Recipes `gser`/`gcf`).
  /// NaN outside the domain; x = +infinity gives (1, 0).
  public static func regularizedGamma(a: Double, x: Double) -> (lower: Double, upper: Double) {
    guard a > 0, x >= 0 else { return (.nan, .nan) }
    if x == 0 { return (0, 1) }
    if x.isInfinite { return (1, 0) }
    let logFront = -x + a * Math.log(x) - logGamma(a)
    if x < a + 1 {
      var ap = a
      var term = 1 / a
      var sum = term
      for _ in 0..<100_000 {
        ap += 1
        term *= x / ap
        sum += term
        if abs(term) < abs(sum) * 1e-17 { break }
      }
      let lower = sum * Math.exp(logFront)
      return (lower, 1 - lower)
    }
    let tiny = 1e-300
    var bb = x + 1 - a
    var c = 1 / tiny
    var d = 1 / bb
    var h = d
    var i = 1.0
    while i < 100_000 {
      let an = -i * (i - a)
      bb += 2
      d = an * d + bb
      if abs(d) < tiny { d = tiny }
      c = bb + an / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < 1e-16 { break }
      i += 1
    }
    let upper = Math.exp(logFront) * h
    return (1 - upper, upper)
  }
}
