/// Where the parts of an ARIMA(p, d, q)(P, D, Q)[s] parameter vector live, and how they expand to the full AR and MA
/// polynomials, as R's `ARIMA_transPars`.
///
/// Layout (R's order): `ar1...arp, ma1...maq, sar1...sarP, sma1...smaQ`, then the mean (intercept or drift) when
/// there is one. The full polynomials are the products `(1 - phi(B))(1 - Phi(B^s))` and `(1 + theta(B))(1 + Theta(B^s))`,
/// of degrees `p + sP` and `q + sQ`.
struct ARMALayout: Sendable, Hashable {
  let p: Int
  let q: Int
  let P: Int
  let Q: Int
  /// Seasonal period (1 when there is no seasonal part).
  let s: Int

  init(_ order: ARIMAOrder) {
    p = order.p
    q = order.q
    P = order.P
    Q = order.Q
    s = max(1, order.period)
  }

  /// Degree of the full AR polynomial.
  var pFull: Int { p + s * P }
  /// Degree of the full MA polynomial.
  var qFull: Int { q + s * Q }
  /// Number of ARMA coefficients.
  var count: Int { p + q + P + Q }
  var isSeasonal: Bool { P + Q > 0 }
  /// (offset, length) of the non-seasonal and seasonal AR blocks.
  var arBlocks: [(offset: Int, count: Int)] { [(0, p), (p + q, P)] }
  /// (offset, length) of the non-seasonal and seasonal MA blocks.
  var maBlocks: [(offset: Int, count: Int)] { [(p, q), (p + q + P, Q)] }

  /// Coefficient names as R gives them.
  var names: [String] {
    (0..<p).map { "ar\($0 + 1)" } + (0..<q).map { "ma\($0 + 1)" } + (0..<P).map { "sar\($0 + 1)" }
      + (0..<Q).map { "sma\($0 + 1)" }
  }

  /// Expands untransformed parameters `params[0..<count]` into `phi[0..<pFull]` and `theta[0..<qFull]`.
  @inline(__always)
  func expand(_ params: UnsafePointer<Double>, phi: UnsafeMutablePointer<Double>, theta: UnsafeMutablePointer<Double>) {
    for i in 0..<pFull { phi[i] = i < p ? params[i] : 0 }
    for i in 0..<qFull { theta[i] = i < q ? params[p + i] : 0 }
    for j in 0..<P {
      let sar = params[p + q + j]
      phi[(j + 1) * s - 1] += sar
      for i in 0..<p { phi[(j + 1) * s + i] -= params[i] * sar }
    }
    for j in 0..<Q {
      let sma = params[p + q + P + j]
      theta[(j + 1) * s - 1] += sma
      for i in 0..<q { theta[(j + 1) * s + i] += params[p + i] * sma }
    }
  }

  /// Array form of ``expand(_:phi:theta:)``.
  func expand(_ params: [Double]) -> (phi: [Double], theta: [Double]) {
    var phi = [Double](repeating: 0, count: max(1, pFull))
    var theta = [Double](repeating: 0, count: max(1, qFull))
    var padded = params
    if padded.isEmpty { padded = [0] }
    padded.withUnsafeBufferPointer { pb in
      phi.withUnsafeMutableBufferPointer { ph in
        theta.withUnsafeMutableBufferPointer { th in
          if let b = pb.baseAddress, let f = ph.baseAddress, let t = th.baseAddress { expand(b, phi: f, theta: t) }
        }
      }
    }
    return (Array(phi[0..<pFull]), Array(theta[0..<qFull]))
  }

  /// The differencing polynomial as R's `Delta`: coefficients `delta` with `x_t = sum delta_i x_(t-i) + w_t`, from
  /// `(1 - B)^d (1 - B^s)^D`.
  static func delta(d: Int, D: Int, s: Int) -> [Double] {
    var poly = [1.0]
    func multiply(_ factor: [Double]) {
      var next = [Double](repeating: 0, count: poly.count + factor.count - 1)
      for i in poly.indices { for j in factor.indices { next[i + j] += poly[i] * factor[j] } }
      poly = next
    }
    for _ in 0..<d { multiply([1, -1]) }
    if s > 1 {
      for _ in 0..<D { multiply([1] + [Double](repeating: 0, count: s - 1) + [-1]) }
    }
    return poly.dropFirst().map { -$0 }
  }
}
