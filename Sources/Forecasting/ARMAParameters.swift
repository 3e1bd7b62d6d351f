import AlmanacCore

/// Reparametrisations and root checks for ARMA coefficients, following R's `stats::arima` conventions.
///
/// The AR polynomial is `1 - phi1 z - ... - phip z^p`, the MA polynomial `1 + theta1 z + ... + thetaq z^q`.
enum ARMAParameters {
  /// Maps unconstrained reals to the coefficients of a stationary AR(p): `u_k = tanh(raw_k)` are taken as partial
  /// autocorrelations and turned into AR coefficients by the Durbin-Levinson recursion
  /// `phi(k)_j = phi(k-1)_j - u_k phi(k-1)_{k-j}`, `phi(k)_k = u_k`. Any finite input gives a stationary AR part.
  /// `raw` and `out` hold `count` values; `work` is scratch of the same size. No allocation.
  @inline(__always)
  static func pacfToAR(
    _ raw: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>,
    _ work: UnsafeMutablePointer<Double>, count p: Int
  ) {
    for j in 0..<p {
      let u = Math.tanh(raw[j])
      out[j] = u
      work[j] = u
    }
    var j = 1
    while j < p {
      let u = out[j]
      for k in 0..<j { work[k] -= u * out[j - k - 1] }
      for k in 0..<j { out[k] = work[k] }
      j += 1
    }
  }

  /// Convenience array form of ``pacfToAR(_:_:_:count:)``.
  static func pacfToAR(_ raw: [Double]) -> [Double] {
    let p = raw.count
    if p == 0 { return [] }
    var out = [Double](repeating: 0, count: p)
    var work = [Double](repeating: 0, count: p)
    raw.withUnsafeBufferPointer { r in
      out.withUnsafeMutableBufferPointer { o in
        work.withUnsafeMutableBufferPointer { w in
          // Non-empty buffers (p > 0) always have a base address.
          if let rb = r.baseAddress, let ob = o.baseAddress, let wb = w.baseAddress {
            pacfToAR(rb, ob, wb, count: p)
          }
        }
      }
    }
    return out
  }

  /// Inverse of ``pacfToAR(_:)``: runs Durbin-Levinson backwards,
  /// `phi(k-1)_j = (phi(k)_j + u_k phi(k)_{k-j}) / (1 - u_k^2)`, then `atanh`. Returns nil when the AR part is not
  /// stationary (some partial autocorrelation has |u| >= 1) or the input is not finite.
  static func arToPACF(_ phi: [Double]) -> [Double]? {
    let p = phi.count
    var cur = phi
    var u = [Double](repeating: 0, count: p)
    var k = p - 1
    while k >= 0 {
      let a = cur[k]
      guard a.isFinite, abs(a) < 1 else { return nil }
      u[k] = a
      if k > 0 {
        var next = [Double](repeating: 0, count: k)
        for j in 0..<k { next[j] = (cur[j] + a * cur[k - j - 1]) / (1 - a * a) }
        cur = next
      }
      k -= 1
    }
    return u.map { Math.atanh($0) }
  }

  /// True when the AR polynomial `1 - phi1 z - ... - phip z^p` has all roots outside the unit circle.
  static func isStationary(_ phi: [Double]) -> Bool {
    var p = phi.count
    while p > 0 && phi[p - 1] == 0 { p -= 1 }
    if p == 0 { return true }
    return arToPACF(Array(phi[0..<p])) != nil
  }

  /// R's `maInvert`: reflects roots of `1 + theta1 z + ... + thetaq z^q` that lie inside the unit circle to `1/root`,
  /// which gives the invertible MA with the same autocovariances. Returns the input unchanged when already invertible.
  static func invertMA(_ theta: [Double]) -> [Double] {
    let q = theta.count
    var q0 = q
    while q0 > 0 && theta[q0 - 1] == 0 { q0 -= 1 }
    if q0 == 0 { return theta }
    var coefficients = [1.0]
    coefficients.append(contentsOf: theta[0..<q0])
    var roots = Polynomial.roots(coefficients)
    guard roots.contains(where: { $0.modulus < 1 }) else { return theta }
    if q0 == 1 {
      var out = [Double](repeating: 0, count: q)
      out[0] = 1 / theta[0]
      return out
    }
    for i in roots.indices where roots[i].modulus < 1 { roots[i] = Complex(1, 0) / roots[i] }
    // Rebuild prod (1 - z / root) as coefficients in increasing powers.
    var x: [Complex] = [Complex(1, 0)]
    for root in roots {
      var next = x + [Complex(0, 0)]
      for k in 0..<x.count { next[k + 1] = next[k + 1] - x[k] / root }
      x = next
    }
    var out = [Double](repeating: 0, count: q)
    for k in 0..<q0 { out[k] = x[k + 1].re }
    return out
  }

  /// Smallest root modulus of `1 + c1 z + ... + cn z^n` (trailing zero coefficients dropped); infinity when the
  /// polynomial is constant. For an AR part pass `-phi`, for an MA part `theta`.
  static func smallestRootModulus(_ c: [Double]) -> Double {
    var n = c.count
    while n > 0 && c[n - 1] == 0 { n -= 1 }
    if n == 0 { return .infinity }
    return Polynomial.roots([1.0] + c[0..<n]).reduce(Double.infinity) { min($0, $1.modulus) }
  }

  /// True when every root of `1 + theta1 z + ... + thetaq z^q` has modulus > 1.
  static func isInvertible(_ theta: [Double]) -> Bool {
    var q0 = theta.count
    while q0 > 0 && theta[q0 - 1] == 0 { q0 -= 1 }
    if q0 == 0 { return true }
    return Polynomial.roots([1.0] + theta[0..<q0]).allSatisfy { $0.modulus > 1 }
  }
}

/// A minimal complex number for polynomial roots.
struct Complex: Sendable, Equatable {
  var re: Double
  var im: Double
  init(_ re: Double, _ im: Double) {
    self.re = re
    self.im = im
  }
  var modulus: Double { (re * re + im * im).squareRoot() }
  static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
  static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
  static func * (a: Complex, b: Complex) -> Complex {
    Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
  }
  static func / (a: Complex, b: Complex) -> Complex {
    let d = b.re * b.re + b.im * b.im
    return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
  }
}

enum Polynomial {
  /// Roots of `c0 + c1 z + ... + cn z^n` (cn != 0) by Aberth-Ehrlich iteration from points on a circle.
  /// Accurate to about 1e-12 for the low degrees ARIMA uses.
  static func roots(_ c: [Double]) -> [Complex] {
    var n = c.count - 1
    while n > 0 && c[n] == 0 { n -= 1 }
    if n <= 0 { return [] }
    if n == 1 { return [Complex(-c[0] / c[1], 0)] }
    let lead = c[n]
    let monic = (0...n).map { c[$0] / lead }
    // Cauchy bound for the root radius.
    var bound = 0.0
    for k in 0..<n { bound = max(bound, abs(monic[k])) }
    let radius = 0.5 * (1 + bound)
    var z = (0..<n).map { k -> Complex in
      let angle = 2 * Double.pi * Double(k) / Double(n) + 0.4
      return Complex(radius * Math.cos(angle), radius * Math.sin(angle))
    }
    func evaluate(_ x: Complex) -> (Complex, Complex) {
      var value = Complex(monic[n], 0)
      var derivative = Complex(0, 0)
      var k = n - 1
      while k >= 0 {
        derivative = derivative * x + value
        value = value * x + Complex(monic[k], 0)
        k -= 1
      }
      return (value, derivative)
    }
    for _ in 0..<500 {
      var maxStep = 0.0
      for i in 0..<n {
        let (v, dv) = evaluate(z[i])
        if v.re == 0 && v.im == 0 { continue }
        let ratio = v / dv
        var sum = Complex(0, 0)
        for j in 0..<n where j != i { sum = sum + Complex(1, 0) / (z[i] - z[j]) }
        let step = ratio / (Complex(1, 0) - ratio * sum)
        z[i] = z[i] - step
        maxStep = max(maxStep, step.modulus / max(1, z[i].modulus))
      }
      if maxStep < 1e-15 { break }
    }
    return z
  }
}
