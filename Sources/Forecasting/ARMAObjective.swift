import AlmanacCore

/// The two objective functions R's `arima` minimises, on an already differenced series `w` (length `m`), with all
/// buffers allocated once so that evaluations allocate nothing.
///
/// Parameter vector layout (``ARMALayout``): `[ar1...arp, ma1...maq, sar1...sarP, sma1...smaQ, mu]`, where `mu`
/// (present when `hasMean`) is the intercept for d + D = 0 or the drift for d + D = 1 (the differenced series then
/// has mean `mu * meanScale`, `meanScale` = 1 for d = 1 and s for D = 1); the model is ARMA(p + sP, q + sQ) with the
/// expanded polynomials for `w - mu * meanScale`. In this type `p` and `q` are the expanded degrees.
///
/// - CSS (conditional sum of squares): residuals `e_t = z_t - sum phi_j z_(t-j) - sum theta_j e_(t-j)` for
///   `t >= p` with earlier residuals taken as zero; objective `0.5 log(ssq / nu)`. As R's `ARIMA_CSS`, a missing
///   value (NaN) makes every residual that involves it NaN (through the MA recursion, all later ones), and NaN
///   residuals are left out of `ssq` and of `nu` (the count of the others).
/// - Exact Gaussian likelihood by the Kalman filter on Harvey's state space with the stationary initial covariance
///   `Q0`; sigma2 concentrated out: objective `0.5 (log(ssq / m) + sumlog / m)` where `ssq = sum v_t^2 / F_t`,
///   `sumlog = sum log F_t` (innovations `v_t`, variances `F_t` in units of sigma2). The filter runs the
///   Chandrasekhar recursions (O(r) per observation, see ``exactChandrasekhar(_:transformed:)``); once the
///   covariance stops changing (change below 1e-9) only the state is updated.
/// - With missing values the exact likelihood is R's ``ARIMALikelihood`` on the undifferenced series instead
///   (`original`), over the observed points: objective `0.5 (log(ssq / nu) + sumlog / nu)`.
///
/// Not thread-safe: one instance per fit.
final class ARMAObjective {
  let p: Int
  let q: Int
  let r: Int
  let m: Int
  let hasMean: Bool
  let layout: ARMALayout
  /// Multiplier of `mu` in the differenced series (1, or s for a drift with D = 1).
  let meanScale: Double
  /// Whether `mu` is a drift (time trend on the undifferenced series) rather than an intercept.
  let drift: Bool
  var parameterCount: Int { layout.count + (hasMean ? 1 : 0) }
  /// Whether transformed evaluations also map the MA part through the invertibility transform (default false: R
  /// transforms only the AR part).
  var transformMA = false
  /// Number of objective evaluations so far.
  private(set) var evaluations = 0
  /// Sum over exact evaluations of the step at which the filter reached its steady state (diagnostics).
  private(set) var steadyAt = 0

  private let w: UnsafeMutablePointer<Double>
  private let phi: UnsafeMutablePointer<Double>
  private let theta: UnsafeMutablePointer<Double>
  private let work: UnsafeMutablePointer<Double>
  private let a: UnsafeMutablePointer<Double>
  private let anew: UnsafeMutablePointer<Double>
  /// Filtered covariance, stride r + 1 with a zero last row and column.
  private let pExt: UnsafeMutablePointer<Double>
  private let phiPad: UnsafeMutablePointer<Double>
  /// Largest change of the predicted covariance below which the filter is taken to be in its steady state.
  static let defaultSteadyTolerance = 1e-9
  /// Size of the covariance change below which the filter is taken as steady (0: never; tests compare recursions).
  var steadyTolerance = ARMAObjective.defaultSteadyTolerance
  private let pNew: UnsafeMutablePointer<Double>
  private let vMatrix: UnsafeMutablePointer<Double>
  private let resid: UnsafeMutablePointer<Double>
  /// `w - mu` for the current CSS evaluation.
  private let centredW: UnsafeMutablePointer<Double>
  /// Whether the differenced series has missing values (NaN).
  private let wHasMissing: Bool
  private let q0: StationaryCovariance
  /// Transformed ARMA parameters (scratch for the seasonal expansion).
  private let staged: UnsafeMutablePointer<Double>
  /// The Kalman filter of R on the undifferenced series, when it has missing values.
  let missingFilter: ARIMALikelihood?

  /// `differenced`: the series after differencing (NaN where missing); `original`: the undifferenced series when it
  /// has missing values (the exact likelihood then runs R's filter on it), with `delta` R's differencing polynomial.
  init(
    differenced series: [Double], layout: ARMALayout, hasMean: Bool, meanScale: Double = 1, drift: Bool = false,
    original: [Double]? = nil, delta: [Double] = []
  ) {
    self.layout = layout
    self.p = layout.pFull
    self.q = layout.qFull
    self.r = max(p, q + 1)
    self.m = series.count
    self.hasMean = hasMean
    self.meanScale = meanScale
    self.drift = drift
    staged = .allocate(capacity: max(1, layout.count))
    missingFilter = original.map { ARIMALikelihood(series: $0, delta: delta, r: max(layout.pFull, layout.qFull + 1)) }
    w = .allocate(capacity: max(1, m))
    for i in 0..<m { w[i] = series[i] }
    phi = .allocate(capacity: max(1, r))
    theta = .allocate(capacity: max(1, r))
    work = .allocate(capacity: max(1, r, q))
    a = .allocate(capacity: r + 1)
    anew = .allocate(capacity: r)
    pExt = .allocate(capacity: (r + 1) * (r + 1))
    phiPad = .allocate(capacity: r)
    pNew = .allocate(capacity: r * r)
    vMatrix = .allocate(capacity: max(r * r, 2 * r + 2))
    resid = .allocate(capacity: max(1, m))
    centredW = .allocate(capacity: max(1, m))
    wHasMissing = series.contains { $0.isNaN }
    q0 = StationaryCovariance(r: r)
    phi.initialize(repeating: 0, count: max(1, r))
    theta.initialize(repeating: 0, count: max(1, r))
  }

  /// A non-seasonal ARMA(p, q) on `series` (complete data).
  convenience init(differenced series: [Double], p: Int, q: Int, hasMean: Bool) {
    self.init(differenced: series, layout: ARMALayout(ARIMAOrder(p: p, d: 0, q: q)), hasMean: hasMean)
  }

  deinit {
    w.deallocate()
    phi.deallocate()
    theta.deallocate()
    work.deallocate()
    a.deallocate()
    anew.deallocate()
    pExt.deallocate()
    phiPad.deallocate()
    pNew.deallocate()
    vMatrix.deallocate()
    resid.deallocate()
    q0.deallocate()
    centredW.deallocate()
    staged.deallocate()
  }

  /// Loads phi (optionally through the PACF transform) and theta (zero-padded to r - 1) from `params`; returns the
  /// mean of the differenced series (`mu * meanScale`, 0 without a mean).
  @inline(__always) private func load(_ params: UnsafeMutableBufferPointer<Double>, transformed: Bool) -> Double {
    guard let base = params.baseAddress else { return 0 }
    if layout.isSeasonal {
      for i in 0..<layout.count { staged[i] = base[i] }
      if transformed {
        for block in layout.arBlocks where block.count > 0 {
          ARMAParameters.pacfToAR(base + block.offset, staged + block.offset, work, count: block.count)
        }
        if transformMA {
          for block in layout.maBlocks where block.count > 0 {
            ARMAParameters.pacfToAR(base + block.offset, staged + block.offset, work, count: block.count)
            for i in 0..<block.count { staged[block.offset + i] = -staged[block.offset + i] }
          }
        }
      }
      for i in 0..<max(0, r - 1) { theta[i] = 0 }
      layout.expand(staged, phi: phi, theta: theta)
      return hasMean ? base[layout.count] * meanScale : 0
    }
    if p > 0 {
      if transformed {
        ARMAParameters.pacfToAR(base, phi, work, count: p)
      } else {
        for i in 0..<p { phi[i] = base[i] }
      }
    }
    for i in 0..<max(0, r - 1) { theta[i] = i < q ? base[p + i] : 0 }
    if transformed && transformMA && q > 0 {
      // Invertible MA: theta = -(AR coefficients of the PACF transform), so 1 + theta z has its roots outside
      // the unit circle (statsmodels' enforce_invertibility).
      ARMAParameters.pacfToAR(base + p, theta, work, count: q)
      for i in 0..<q { theta[i] = -theta[i] }
    }
    return hasMean ? base[p + q] * meanScale : 0
  }

  /// CSS objective `0.5 log(ssq / nu)` for untransformed parameters (R's `armaCSS`).
  func cssObjective(_ params: UnsafeMutableBufferPointer<Double>) -> Double {
    let s = css(params)
    return 0.5 * Math.log(s.ssq / Double(s.count))
  }

  /// Conditional sum of squares and the number of residuals in it; fills the residual buffer.
  func css(_ params: UnsafeMutableBufferPointer<Double>) -> (ssq: Double, count: Int) {
    evaluations += 1
    let mu = load(params, transformed: false)
    var ssq = 0.0
    var nu = 0
    for l in 0..<min(p, m) { resid[l] = 0 }
    let z = centredW
    for l in 0..<m { z[l] = w[l] - mu }
    // The AR part as p passes over the whole series (vectorisable), then the MA recursion: per residual the same
    // operations in the same order as one loop would do.
    for l in p..<max(p, m) { resid[l] = z[l] }
    for j in 0..<p {
      let c = phi[j]
      let shift = j &+ 1
      var l = p
      while l < m {
        resid[l] -= c * z[l &- shift]
        l &+= 1
      }
    }
    var l = p
    while l < m {
      var e = resid[l]
      let lags = min(l &- p, q)
      for j in 0..<lags { e -= theta[j] * resid[l &- j &- 1] }
      resid[l] = e
      if wHasMissing {
        if !e.isNaN {
          ssq += e * e
          nu += 1
        }
      } else {
        ssq += e * e
      }
      l += 1
    }
    if !wHasMissing { nu = max(0, m - p) }
    return (ssq, nu)
  }

  /// CSS residuals of the last ``css(_:)`` call (first p are zero).
  func cssResiduals() -> [Double] { (0..<m).map { resid[$0] } }

  /// Exact-likelihood objective (R's `armafn`): `0.5 (log(ssq/m) + sumlog/m)`, or `Double.greatestFiniteMagnitude`
  /// when the AR part is not stationary (no stationary initial covariance).
  func exactObjective(_ params: UnsafeMutableBufferPointer<Double>, transformed: Bool) -> Double {
    guard let s = exact(params, transformed: transformed), s.count > 0 else { return .greatestFiniteMagnitude }
    let n = Double(s.count)
    let value = 0.5 * (Math.log(s.ssq / n) + s.sumlog / n)
    return value.isFinite ? value : .greatestFiniteMagnitude
  }

  /// Runs the Kalman filter: `ssq = sum v^2/F`, `sumlog = sum log F` and the number of observations in them;
  /// nil when Q0 does not exist. With missing values R's filter on the undifferenced series (``ARIMALikelihood``).
  func exact(_ params: UnsafeMutableBufferPointer<Double>, transformed: Bool)
    -> (ssq: Double, sumlog: Double, count: Int)?
  {
    if let filter = missingFilter {
      evaluations += 1
      let mu = load(params, transformed: transformed)
      guard q0.compute(phi: phi, p: p, theta: theta, out: pNew) else { return nil }
      let raw = drift ? mu / meanScale : mu
      let s = filter.evaluate(phi: phi, p: p, theta: theta, q0: pNew, mu: raw, drift: drift)
      return (s.ssq, s.sumlog, s.nu)
    }
    guard let s = exactChandrasekhar(params, transformed: transformed) else { return nil }
    return (s.ssq, s.sumlog, m)
  }

  /// The exact likelihood by the Chandrasekhar recursions (Morf, Sidhu and Kailath 1974; Herbst 2015), O(r) per
  /// observation. With the stationary start `P1 = Q0` and `Q0 = T Q0 T' + R R'`, the first covariance change is
  /// `P2 - P1 = -k1 k1' / F1` (rank one), and rank one it stays: with `k = T P Z'`, `a = Z w`,
  /// `F' = F + m a^2`, `k' = k + m a T w`, `w' = T w - k a / F`, `m' = m F / F'`. The state prediction is
  /// `x' = T x + k v / F`. When `|m| |w|^2 < 1e-9` the covariance has stopped changing and only the state moves.
  func exactChandrasekhar(_ params: UnsafeMutableBufferPointer<Double>, transformed: Bool)
    -> (ssq: Double, sumlog: Double)?
  {
    evaluations += 1
    let mu = load(params, transformed: transformed)
    guard q0.compute(phi: phi, p: p, theta: theta, out: pNew) else { return nil }
    for i in 0..<r { phiPad[i] = i < p ? phi[i] : 0 }
    // Reuse buffers: a = predicted state (r + 1, zero pad), anew = k, vMatrix[0...r] = w, vMatrix[r+1...] = T w.
    let kv = anew
    let wv = vMatrix
    let tw = vMatrix + (r + 1)
    var f = pNew[0]
    let c0 = pNew[0]
    for i in 0..<r { kv[i] = phiPad[i] * c0 + (i < r - 1 ? pNew[i + 1] : 0) }
    for i in 0..<r { wv[i] = kv[i] }
    wv[r] = 0
    var mm = -1 / f
    for i in 0...r { a[i] = 0 }
    var ssq = 0.0
    var sumlog = 0.0
    var gainProduct = 1.0
    var steady = false
    var l = 0
    while l < m {
      let v = (w[l] - mu) - a[0]
      let inverseGain = 1 / f
      ssq += v * v * inverseGain
      gainProduct *= f
      if gainProduct > 1e200 || !(f >= 1) {
        sumlog += Math.log(gainProduct)
        gainProduct = 1
      }
      let x0 = a[0]
      let step = v * inverseGain
      for i in 0..<r { a[i] = a[i &+ 1] + phiPad[i] * x0 + kv[i] * step }
      if !steady {
        let aw = wv[0]
        var norm = 0.0
        for i in 0..<r { tw[i] = phiPad[i] * aw + wv[i &+ 1] }
        let scale = aw * inverseGain
        let kStep = mm * aw
        for i in 0..<r {
          let ki = kv[i]
          let wi = tw[i] - ki * scale
          wv[i] = wi
          norm += wi * wi
          kv[i] = ki + kStep * tw[i]
        }
        let fNew = f + mm * aw * aw
        mm = mm * f / fNew
        f = fNew
        if abs(mm) * norm < steadyTolerance {
          steady = true
          steadyAt += l
        }
      }
      l &+= 1
    }
    sumlog += Math.log(gainProduct)
    return (ssq, sumlog)
  }

  /// The same likelihood by the Riccati (covariance) recursion, O(r^2) per observation; kept to cross-check
  /// ``exactChandrasekhar(_:transformed:)``.
  func exactRiccati(_ params: UnsafeMutableBufferPointer<Double>, transformed: Bool) -> (ssq: Double, sumlog: Double)? {
    evaluations += 1
    let mu = load(params, transformed: transformed)
    guard q0.compute(phi: phi, p: p, theta: theta, out: pNew) else { return nil }
    // V = R R' with R = (1, theta1, ..., theta(r-1)).
    for j in 0..<r {
      let rj = j == 0 ? 1 : theta[j - 1]
      for i in 0..<r { vMatrix[i + r * j] = (i == 0 ? 1 : theta[i - 1]) * rj }
    }
    for i in 0..<r { a[i] = 0 }
    for i in 0..<r { phiPad[i] = i < p ? phi[i] : 0 }
    let s = r + 1
    pExt.update(repeating: 0, count: s * s)
    var ssq = 0.0
    var sumlog = 0.0
    var steady = false
    var gain = 0.0
    var gainProduct = 1.0
    a[r] = 0
    var l = 0
    while l < m {
      if steady {
        // Steady state: constant gain K = Pnew[., 0] / F; one fused pass, a <- T a + K v.
        let inverseGain = 1 / gain
        sumlog += Double(m - l) * Math.log(gain)
        while l < m {
          let a0 = a[0]
          let v = (w[l] - mu) - (a[1] + phiPad[0] * a0)
          ssq += v * v * inverseGain
          let k = v * inverseGain
          for i in 0..<r { a[i] = a[i + 1] + phiPad[i] * a0 + pNew[i] * k }
          l += 1
        }
        break
      }
      let a0 = a[0]
      for i in 0..<r { anew[i] = a[i + 1] + phiPad[i] * a0 }
      if l > 0 && !steady {
        // Pnew = T P T' + V, exploiting T's companion structure. P is stored with stride r + 1 and a zero last
        // row and column, and phi is zero-padded to r, so the update has no branches; only j <= i is computed.
        let p00 = pExt[0]
        var change = 0.0
        for j in 0..<r {
          let phj = phiPad[j]
          let pj0 = pExt[j &+ 1]
          let column = r &* j
          let extColumn = s &* (j &+ 1)
          for i in j..<r {
            let t =
              vMatrix[i &+ column] + phiPad[i] * (phj * p00 + pj0) + phj * pExt[i &+ 1]
              + pExt[i &+ 1 &+ extColumn]
            let delta = t - pNew[i &+ column]
            change += delta * delta
            pNew[i &+ column] = t
            pNew[j &+ r &* i] = t
          }
        }
        if change < steadyTolerance * steadyTolerance {
          steady = true
          steadyAt += l
        }
      }
      gain = pNew[0]
      // sum log F as the log of a running product (F >= 1 for this state space), flushed before it can overflow:
      // one log per many steps instead of one per step.
      gainProduct *= gain
      if gainProduct > 1e200 || !(gain >= 1) {
        sumlog += Math.log(gainProduct)
        gainProduct = 1
      }
      let v = (w[l] - mu) - anew[0]
      ssq += v * v / gain
      let k = v / gain
      for i in 0..<r { a[i] = anew[i] + pNew[i] * k }
      if !steady {
        for j in 0..<r {
          let mj = pNew[j] / gain
          let column = r &* j
          for i in j..<r {
            let v = pNew[i &+ column] - pNew[i] * mj
            pExt[i &+ s &* j] = v
            pExt[j &+ s &* i] = v
          }
        }
      }
      l += 1
    }
    sumlog += Math.log(gainProduct)
    return (ssq, sumlog)
  }
}
