import AlmanacCore

/// R's `ARIMA_Like` (src/library/stats/src/arima.c): the Kalman filter on the undifferenced series with the
/// differencing in the state (`Delta`), the ARMA block started at the stationary covariance Q0 and the differencing
/// block at a diffuse prior of variance `kappa` = 1e6. Used when the series has missing values (NaN): at a missing
/// point the filter predicts but does not update, and an observation enters the likelihood only when its prediction
/// variance is below 1e4 (so the first `len(Delta)` observed values, whose prediction is diffuse, do not).
///
/// All buffers are allocated once; `evaluate` allocates nothing. Not thread-safe: one instance per fit.
final class ARIMALikelihood {
  let n: Int
  let r: Int
  let d: Int
  var rd: Int { r + d }
  private let y: UnsafeMutablePointer<Double>
  private let times: UnsafeMutablePointer<Double>
  private let delta: UnsafeMutablePointer<Double>
  private let a: UnsafeMutablePointer<Double>
  private let anew: UnsafeMutablePointer<Double>
  private let mVector: UnsafeMutablePointer<Double>
  private let pMatrix: UnsafeMutablePointer<Double>
  private let pNew: UnsafeMutablePointer<Double>
  private let mm: UnsafeMutablePointer<Double>
  /// The previous step's predicted covariance (steady-state test).
  private let pPrevious: UnsafeMutablePointer<Double>
  /// Index after the last missing value: from there on the covariance recursion is deterministic and converges.
  private let afterLastMissing: Int
  static let kappa = 1e6
  /// Largest change of the predicted covariance between steps below which it is taken as steady (and no longer
  /// updated; only after the last missing value). 0 turns the shortcut off.
  var steadyTolerance = 1e-12

  /// `series` may contain NaN (missing); `delta` is R's `Delta` (see ``ARMALayout/delta(d:D:s:)``); `r` the ARMA
  /// state dimension `max(pFull, qFull + 1)`.
  init(series: [Double], delta deltaValues: [Double], r: Int) {
    n = series.count
    self.r = r
    d = deltaValues.count
    let rd = r + d
    y = .allocate(capacity: max(1, n))
    times = .allocate(capacity: max(1, n))
    for i in 0..<n {
      y[i] = series[i]
      times[i] = Double(i + 1)
    }
    delta = .allocate(capacity: max(1, d))
    for i in 0..<d { delta[i] = deltaValues[i] }
    a = .allocate(capacity: rd)
    anew = .allocate(capacity: rd)
    mVector = .allocate(capacity: rd)
    pMatrix = .allocate(capacity: rd * rd)
    pNew = .allocate(capacity: rd * rd)
    mm = .allocate(capacity: rd * rd)
    pPrevious = .allocate(capacity: rd * rd)
    afterLastMissing = (series.lastIndex { $0.isNaN } ?? -1) + 1
  }

  deinit {
    y.deallocate()
    times.deallocate()
    delta.deallocate()
    a.deallocate()
    anew.deallocate()
    mVector.deallocate()
    pMatrix.deallocate()
    pNew.deallocate()
    mm.deallocate()
    pPrevious.deallocate()
  }

  /// Runs the filter for `phi[0..<p]`, `theta[0..<(r-1)]` (zero-padded), the stationary covariance `q0` (r x r,
  /// column-major) and the series minus `mu` (intercept) or minus `mu * t`, t = 1...n (`drift`). Returns R's
  /// `(ssq, sumlog, nu)`; with `residuals` (n values) also R's standardised innovations (NaN where missing).
  /// Afterwards ``state`` and ``covariance`` hold the filtered state after the last point.
  func evaluate(
    phi: UnsafePointer<Double>, p: Int, theta: UnsafePointer<Double>, q0: UnsafePointer<Double>,
    mu: Double, drift: Bool, residuals: UnsafeMutablePointer<Double>? = nil
  )
    -> (ssq: Double, sumlog: Double, nu: Int)
  {
    let rd = self.rd
    let q = r - 1
    for i in 0..<rd { a[i] = 0 }
    for i in 0..<(rd * rd) {
      pMatrix[i] = 0
      pNew[i] = 0
    }
    for j in 0..<r { for i in 0..<r { pNew[i + rd * j] = q0[i + r * j] } }
    for i in 0..<d { pNew[(r + i) + rd * (r + i)] = Self.kappa }
    var ssq = 0.0
    var sumlog = 0.0
    var nu = 0
    var canFreeze = false
    var steady = false
    var steadyGain = 1.0
    var steadyLog = 0.0
    var steadyRoot = 1.0
    for l in 0..<n {
      for i in 0..<r {
        var tmp = i < r - 1 ? a[i + 1] : 0
        if i < p { tmp += phi[i] * a[0] }
        anew[i] = tmp
      }
      if d > 0 {
        var i = r + 1
        while i < rd {
          anew[i] = a[i - 1]
          i += 1
        }
        var tmp = a[0]
        for k in 0..<d { tmp += delta[k] * a[r + k] }
        anew[r] = tmp
      }
      if steady {
        // Steady state (no missing value remains): the gain and the covariances no longer change.
        let centred = y[l] - (drift ? mu * times[l] : mu)
        var resid0 = centred - anew[0]
        for i in 0..<d { resid0 -= delta[i] * anew[r + i] }
        nu += 1
        ssq += resid0 * resid0 / steadyGain
        sumlog += steadyLog
        residuals?[l] = resid0 / steadyRoot
        let scale = resid0 / steadyGain
        for i in 0..<rd { a[i] = anew[i] + mVector[i] * scale }
        continue
      }
      if l > 0 {
        predictCovariance(phi: phi, p: p, theta: theta, q: q)
        if steadyTolerance > 0 && l > afterLastMissing + d {
          var change = 0.0
          for i in 0..<(rd * rd) { change = max(change, abs(pNew[i] - pPrevious[i])) }
          if change < steadyTolerance { canFreeze = true }
        }
        for i in 0..<(rd * rd) { pPrevious[i] = pNew[i] }
      }
      let value = y[l]
      if !value.isNaN {
        let centred = value - (drift ? mu * times[l] : mu)
        var resid0 = centred - anew[0]
        for i in 0..<d { resid0 -= delta[i] * anew[r + i] }
        var gain = pNew[0]
        for i in 0..<d { gain += delta[i] * pNew[r + i] }
        for i in 0..<rd {
          var tmp = pNew[i]
          for j in 0..<d { tmp += pNew[i + rd * (r + j)] * delta[j] }
          mVector[i] = tmp
        }
        for i in 0..<d { gain += delta[i] * mVector[r + i] }
        if gain < 1e4 {
          nu += 1
          ssq += resid0 * resid0 / gain
          sumlog += Math.log(gain)
          if canFreeze {
            steady = true
            steadyGain = gain
            steadyLog = Math.log(gain)
            steadyRoot = gain.squareRoot()
          }
        }
        residuals?[l] = resid0 / gain.squareRoot()
        for i in 0..<rd { a[i] = anew[i] + mVector[i] * resid0 / gain }
        for j in 0..<rd {
          for i in 0..<rd { pMatrix[i + rd * j] = pNew[i + rd * j] - mVector[i] * mVector[j] / gain }
        }
      } else {
        for i in 0..<rd { a[i] = anew[i] }
        for i in 0..<(rd * rd) { pMatrix[i] = pNew[i] }
        residuals?[l] = .nan
      }
    }
    return (ssq, sumlog, nu)
  }

  /// The filtered state mean after the last ``evaluate(phi:p:theta:q0:mu:drift:residuals:)`` (rd values).
  var state: [Double] { (0..<rd).map { a[$0] } }
  /// The filtered state covariance after the last evaluation (rd x rd, column-major).
  var covariance: [Double] { (0..<(rd * rd)).map { pMatrix[$0] } }

  /// `Pnew = T P T' + R R'`, exactly as R computes it (with and without a differencing block).
  @inline(__always)
  private func predictCovariance(phi: UnsafePointer<Double>, p: Int, theta: UnsafePointer<Double>, q: Int) {
    let rd = self.rd
    let P = pMatrix
    if d == 0 {
      for i in 0..<r {
        let vi: Double = i == 0 ? 1 : (i - 1 < q ? theta[i - 1] : 0)
        for j in 0..<r {
          var tmp = 0.0
          if j == 0 { tmp = vi } else if j - 1 < q { tmp = vi * theta[j - 1] }
          if i < p && j < p { tmp += phi[i] * phi[j] * P[0] }
          if i < r - 1 && j < r - 1 { tmp += P[i + 1 + r * (j + 1)] }
          if i < p && j < r - 1 { tmp += phi[i] * P[j + 1] }
          if j < p && i < r - 1 { tmp += phi[j] * P[i + 1] }
          pNew[i + r * j] = tmp
        }
      }
      return
    }
    // mm = T P
    for i in 0..<r {
      for j in 0..<rd {
        var tmp = 0.0
        if i < p { tmp += phi[i] * P[rd * j] }
        if i < r - 1 { tmp += P[i + 1 + rd * j] }
        mm[i + rd * j] = tmp
      }
    }
    for j in 0..<rd {
      var tmp = P[rd * j]
      for k in 0..<d { tmp += delta[k] * P[r + k + rd * j] }
      mm[r + rd * j] = tmp
    }
    if d > 1 {
      for i in 1..<d { for j in 0..<rd { mm[r + i + rd * j] = P[r + i - 1 + rd * j] } }
    }
    // Pnew = mm T'
    for i in 0..<r {
      for j in 0..<rd {
        var tmp = 0.0
        if i < p { tmp += phi[i] * mm[j] }
        if i < r - 1 { tmp += mm[rd * (i + 1) + j] }
        pNew[j + rd * i] = tmp
      }
    }
    for j in 0..<rd {
      var tmp = mm[j]
      for k in 0..<d { tmp += delta[k] * mm[rd * (r + k) + j] }
      pNew[j + rd * r] = tmp
    }
    if d > 1 {
      for i in 1..<d { for j in 0..<rd { pNew[j + rd * (r + i)] = mm[rd * (r + i - 1) + j] } }
    }
    for i in 0...q {
      let vi = i == 0 ? 1.0 : theta[i - 1]
      for j in 0...q { pNew[i + rd * j] += vi * (j == 0 ? 1.0 : theta[j - 1]) }
    }
  }
}
