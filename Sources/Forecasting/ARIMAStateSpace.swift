import AlmanacCore

/// R's `makeARIMA` state space for an ARIMA(p, d, q)(P, D, Q)[s] on the undifferenced series, used for residuals and
/// forecasts: state `(ARMA part of size r = max(p, q+1), last d values of the series)` (p, q the expanded degrees,
/// d the length of `Delta`), transition `T` with the ARMA companion block and the differencing recursion
/// `x_t = w_t + sum Delta_i x_(t-i)` (`Delta` from `(1 - B)^d (1 - B^s)^D`), observation
/// `Z = (1, 0, ..., 0, Delta)`, disturbance loading `(1, theta, 0)`. The ARMA block starts from the stationary
/// covariance Q0 and the differencing block from a diffuse prior of variance `kappa` (1e6), as R does.
struct ARIMAStateSpace: Sendable {
  let p: Int
  let r: Int
  let d: Int
  let phi: [Double]
  /// theta zero-padded to r - 1.
  let theta: [Double]
  let delta: [Double]
  var rd: Int { r + d }
  /// Filtered state mean and covariance (column-major, rd x rd).
  var a: [Double]
  var pMatrix: [Double]
  /// Initial predicted covariance (used at the first step).
  var pInitial: [Double]
  var steps = 0

  enum Failure: Error { case nonStationary }

  /// Non-seasonal convenience: `Delta` from `(1 - B)^d`.
  init(phi: [Double], theta rawTheta: [Double], d: Int, kappa: Double = 1e6) throws {
    try self.init(phi: phi, theta: rawTheta, delta: ARMALayout.delta(d: d, D: 0, s: 1), kappa: kappa)
  }

  /// `phi`, `theta`: the expanded AR and MA polynomials; `delta`: R's `Delta` (``ARMALayout/delta(d:D:s:)``).
  init(phi: [Double], theta rawTheta: [Double], delta: [Double], kappa: Double = 1e6) throws {
    p = phi.count
    r = max(phi.count, rawTheta.count + 1)
    self.d = delta.count
    self.phi = phi
    var padded = rawTheta
    while padded.count < r - 1 { padded.append(0) }
    theta = padded
    self.delta = delta
    let d = delta.count
    let rd = r + d
    a = [Double](repeating: 0, count: rd)
    pMatrix = [Double](repeating: 0, count: rd * rd)
    var pn = [Double](repeating: 0, count: rd * rd)
    let solver = StationaryCovariance(r: r)
    defer { solver.deallocate() }
    var q0 = [Double](repeating: 0, count: r * r)
    let ok = phi.withUnsafeBufferPointer { ph in
      padded.withUnsafeBufferPointer { th in
        q0.withUnsafeMutableBufferPointer { out -> Bool in
          guard let o = out.baseAddress else { return false }
          let zero = [0.0]
          return zero.withUnsafeBufferPointer { z -> Bool in
            guard let zb = z.baseAddress else { return false }
            return solver.compute(phi: ph.baseAddress ?? zb, p: phi.count, theta: th.baseAddress ?? zb, out: o)
          }
        }
      }
    }
    guard ok else { throw Failure.nonStationary }
    for j in 0..<r { for i in 0..<r { pn[i + rd * j] = q0[i + r * j] } }
    for i in 0..<d { pn[(r + i) + rd * (r + i)] = kappa }
    pInitial = pn
  }

  private func z(_ i: Int) -> Double { i == 0 ? 1 : (i >= r ? delta[i - r] : 0) }

  /// state' = T state.
  private func transition(_ s: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: rd)
    for i in 0..<r {
      var t = i < r - 1 ? s[i + 1] : 0
      if i < p { t += phi[i] * s[0] }
      out[i] = t
    }
    if d > 0 {
      var t = s[0]
      for k in 0..<d { t += delta[k] * s[r + k] }
      out[r] = t
      for k in 1..<max(1, d) { out[r + k] = s[r + k - 1] }
    }
    return out
  }

  /// T P T' + V for a column-major rd x rd matrix.
  private func propagate(_ m: [Double]) -> [Double] {
    let n = rd
    var tp = [Double](repeating: 0, count: n * n)
    for j in 0..<n {
      let column = transition(Array(m[(n * j)..<(n * j + n)]))
      for i in 0..<n { tp[i + n * j] = column[i] }
    }
    // (T (T P)')' = T P T' since P is symmetric: transform rows.
    var out = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      let row = (0..<n).map { tp[i + n * $0] }
      let t = transition(row)
      for j in 0..<n { out[i + n * j] = t[j] }
    }
    for i in 0..<r {
      let ri = i == 0 ? 1 : theta[i - 1]
      for j in 0..<r { out[i + n * j] += ri * (j == 0 ? 1 : theta[j - 1]) }
    }
    return out
  }

  /// Filters `x` (already centred by the mean or drift) from the current state, updating it in place, and returns
  /// R's residuals `v_t / sqrt(F_t)` (in the series' units, because F_t is in units of sigma2). A missing value
  /// (NaN) is predicted but not used to update the state (its residual is NaN), as R's `ARIMA_Like`.
  mutating func filter(_ x: [Double]) -> [Double] {
    var residuals = [Double](repeating: 0, count: x.count)
    let n = rd
    for (l, value) in x.enumerated() {
      let anew = transition(a)
      let pnew = steps == 0 ? pInitial : propagate(pMatrix)
      steps += 1
      if value.isNaN {
        a = anew
        pMatrix = pnew
        residuals[l] = .nan
        continue
      }
      var v = value
      for i in 0..<n { v -= z(i) * anew[i] }
      var mvec = [Double](repeating: 0, count: n)
      var gain = 0.0
      for i in 0..<n {
        var s = 0.0
        for j in 0..<n { s += pnew[i + n * j] * z(j) }
        mvec[i] = s
        gain += z(i) * s
      }
      residuals[l] = v / gain.squareRoot()
      for i in 0..<n { a[i] = anew[i] + mvec[i] * v / gain }
      for j in 0..<n { for i in 0..<n { pMatrix[i + n * j] = pnew[i + n * j] - mvec[i] * mvec[j] / gain } }
    }
    return residuals
  }

  /// ``filter(_:)`` from the initial state, computed by R's `ARIMA_Like` on flat buffers (``ARIMALikelihood``): the
  /// same recursion without an allocation per step (what a fit runs once over the whole series for residuals and
  /// the forecast state). Falls back to ``filter(_:)`` when the filter has already taken observations.
  mutating func filterFromStart(_ x: [Double]) -> [Double] {
    guard steps == 0, !x.isEmpty else { return filter(x) }
    let filter = ARIMALikelihood(series: x, delta: delta, r: r)
    var residuals = [Double](repeating: .nan, count: x.count)
    var q0 = [Double](repeating: 0, count: r * r)
    for j in 0..<r { for i in 0..<r { q0[i + r * j] = pInitial[i + rd * j] } }
    let phiPadded = phi.isEmpty ? [0.0] : phi
    let thetaPadded = theta.isEmpty ? [0.0] : theta
    phiPadded.withUnsafeBufferPointer { ph in
      thetaPadded.withUnsafeBufferPointer { th in
        q0.withUnsafeBufferPointer { q in
          residuals.withUnsafeMutableBufferPointer { out in
            if let phb = ph.baseAddress, let thb = th.baseAddress, let qb = q.baseAddress, let ob = out.baseAddress {
              _ = filter.evaluate(phi: phb, p: p, theta: thb, q0: qb, mu: 0, drift: false, residuals: ob)
            }
          }
        }
      }
    }
    a = filter.state
    pMatrix = filter.covariance
    steps = x.count
    return residuals
  }

  /// h-step predictions `Z a` and their variances `Z P Z'` (units of sigma2) from the current state (R's
  /// `KalmanForecast`).
  func forecast(steps h: Int) -> (mean: [Double], variance: [Double]) {
    var state = a
    var cov = pMatrix
    var mean: [Double] = []
    var variance: [Double] = []
    let n = rd
    for _ in 0..<h {
      state = transition(state)
      cov = propagate(cov)
      var fc = 0.0
      for i in 0..<n { fc += z(i) * state[i] }
      var v = 0.0
      for i in 0..<n { for j in 0..<n { v += z(i) * z(j) * cov[i + n * j] } }
      mean.append(fc)
      variance.append(v)
    }
    return (mean, variance)
  }
}
