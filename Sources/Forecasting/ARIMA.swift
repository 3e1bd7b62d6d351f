import AlmanacCore

/// Orders of an ARIMA(p, d, q) model.
public struct ARIMAOrder: Sendable, Hashable, CustomStringConvertible {
  public var p: Int
  public var d: Int
  public var q: Int
  public init(p: Int, d: Int, q: Int) {
    self.p = p
    self.d = d
    self.q = q
  }
  public var description: String { "(\(p),\(d),\(q))" }
}

/// Estimation method, as R's `arima(method =)`.
public enum ARIMAMethod: String, Sendable, CaseIterable {
  /// Conditional sum of squares for start values, then exact maximum likelihood (R's default).
  case cssML = "css-ml"
  /// Exact Gaussian maximum likelihood by the Kalman filter, started from zero coefficients.
  case ml
  /// Conditional sum of squares only (no AIC).
  case css
}

/// Options for ``ARIMA/fit(_:order:options:)``.
public struct ARIMAOptions: Sendable {
  public var method: ARIMAMethod
  /// Estimate a mean (reported as `intercept`) when d = 0. Default true. Ignored when d > 0.
  public var includeMean: Bool
  /// Estimate a drift (the mean of the differenced series, reported as `drift`) when d = 1. Default false.
  public var drift: Bool
  /// BFGS iteration limit for each optimisation stage (R's `optim` default: 100).
  public var maxIterations: Int
  /// Relative convergence tolerance of BFGS (R's default sqrt(machine epsilon)).
  public var reltol: Double
  /// Compute coefficient standard errors (a numerical Hessian: about 4k^2 extra likelihood evaluations).
  public var standardErrors: Bool
  /// After R's BFGS pass, run a second BFGS pass whose restarts take steps of at least 0.1 (scaled units) and keep
  /// it when it raises the likelihood (default true; false reproduces R's optimiser path exactly).
  public var polish: Bool
  /// Relative convergence tolerance of the polishing pass (default 1e-10).
  public var polishReltol: Double
  /// For CSS-ML, also run ML from zero ARMA coefficients and keep the higher likelihood (default false).
  public var zeroStart: Bool
  /// With `polish`, when p > 0, q > 0 and the estimate has an AR root of modulus below 1.01, also optimise from zero
  /// ARMA coefficients (AR and MA kept stationary/invertible by the PACF transform) and keep that when it raises the
  /// likelihood (default true; only used when `polish` is true, so `polish: false` still follows R's path).
  public var zeroPolish: Bool
  /// Polled once per optimiser iteration; when cancelled, ``ARIMA/fit(_:order:options:)`` throws ``Cancelled``.
  public var cancellation: CancellationToken = .never

  public init(method: ARIMAMethod = .cssML, includeMean: Bool = true, drift: Bool = false, maxIterations: Int = 100,
              reltol: Double = 1.490116119384765625e-8, standardErrors: Bool = true,
              polish: Bool = true, zeroStart: Bool = false, zeroPolish: Bool = true)
  {
    self.polish = polish
    self.zeroPolish = zeroPolish
    polishReltol = 1e-10
    self.zeroStart = zeroStart
    self.method = method
    self.includeMean = includeMean
    self.drift = drift
    self.maxIterations = maxIterations
    self.reltol = reltol
    self.standardErrors = standardErrors
  }
}

/// Why a fit or forecast could not be made.
public enum ARIMAError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidOrder(ARIMAOrder)
  case emptySeries
  case nonFinite(index: Int, value: Double)
  case tooShort(count: Int, needed: Int, order: ARIMAOrder)
  case constantSeries(d: Int)
  case nonStationary(String)
  case nonPositiveForLog(index: Int, value: Double)

  public var description: String {
    switch self {
    case .invalidOrder(let o): "invalid ARIMA order \(o): p, d and q must be >= 0 and d <= 3"
    case .emptySeries: "the series is empty"
    case .nonFinite(let i, let v): "the series has a non-finite value \(v) at index \(i); drop or interpolate missing values first"
    case .tooShort(let n, let needed, let o):
      "the series is too short for ARIMA\(o): \(n) points after differencing, need at least \(needed)"
    case .constantSeries(let d):
      d == 0 ? "the series is constant: no variance to model" : "the series is constant after differencing \(d) time(s)"
    case .nonStationary(let what): "non-stationary AR part: \(what)"
    case .nonPositiveForLog(let i, let v): "log transform needs positive values; value \(v) at index \(i)"
    }
  }
}

/// A fitted ARIMA model (R `stats::arima` semantics). Coefficients are ordered ar1..arp, ma1..maq, then `intercept`
/// (d = 0 with a mean) or `drift` (d = 1 with drift).
public struct ARIMAFit: Sendable {
  public var order: ARIMAOrder
  public var method: ARIMAMethod
  public var coefficientNames: [String]
  public var coefficients: [Double]
  /// Square roots of the diagonal of the inverse Hessian of `-loglik` (numerical, untransformed parameters); NaN
  /// where the Hessian is not positive definite (as R gives NaN) or when not requested.
  public var standardErrors: [Double]
  public var ar: [Double]
  public var ma: [Double]
  /// The intercept (d = 0) or drift (d = 1), 0 when not estimated.
  public var mean: Double
  public var hasMean: Bool
  /// Innovation variance: `ssq / n_used` for ML, the CSS mean square for CSS.
  public var sigma2: Double
  public var loglik: Double
  /// `-2 loglik + 2 (k + 1)` with k estimated coefficients; NaN for CSS (as R).
  public var aic: Double
  /// `aic + 2 k' (k' + 1) / (n_used - k' - 1)`, k' = k + 1.
  public var aicc: Double
  /// `aic + k' (log n_used - 2)`.
  public var bic: Double
  /// Observations used: series length minus d.
  public var nUsed: Int
  /// Whether the final optimisation stage met its convergence test.
  public var converged: Bool
  /// BFGS iterations of the ML stage (all its passes; the CSS stage for `css`).
  public var iterations: Int
  /// Likelihood evaluations over all stages (including numerical derivatives).
  public var evaluations: Int
  /// Residuals, one per observation: Kalman innovations scaled to the data's units (R's `residuals.Arima`); for
  /// `css` the CSS residuals (zero for the first p + d).
  public var residuals: [Double]
  /// Remarks about the fit, for example a non-stationary CSS start replaced by zeros.
  public var notes: [String]
  /// The series the model was fitted to (after any transform).
  public var series: [Double]
  /// Filter state after the series, for forecasting.
  var state: ARIMAStateSpace?

  /// Number of estimated coefficients.
  public var parameterCount: Int { coefficients.count }

  /// Coefficient by name (`ar1`, `ma2`, `intercept`, `drift`).
  public func coefficient(_ name: String) -> Double? {
    coefficientNames.firstIndex(of: name).map { coefficients[$0] }
  }
}

/// Fitting ARIMA models.
public enum ARIMA {
  /// Fits ARIMA(p, d, q) to `series` like R's `arima`: differences d times, then fits the ARMA(p, q) (with a mean
  /// when d = 0 and `includeMean`, with a drift when d = 1 and `drift`) by CSS, exact ML or CSS then ML.
  ///
  /// - Exact ML maximises the Gaussian likelihood computed by a Kalman filter started at the stationary covariance;
  ///   sigma2 is concentrated out. AR coefficients are optimised through R's transform (tanh of partial
  ///   autocorrelations, then Durbin-Levinson), so every iterate is stationary; MA roots inside the unit circle are
  ///   reflected afterwards (R's `maInvert`).
  /// - CSS-ML starts ML at the CSS estimate when CSS converged; when that start is not stationary (R stops with an
  ///   error here) we start from zero instead and say so in ``ARIMAFit/notes``.
  ///
  /// Throws ``ARIMAError`` for an empty series, NaN or infinite values (with their index), a series too short for
  /// the order, or one that is constant after differencing.
  public static func fit(_ series: [Double], order: ARIMAOrder, options: ARIMAOptions = ARIMAOptions()) throws -> ARIMAFit {
    let (p, d, q) = (order.p, order.d, order.q)
    guard p >= 0, q >= 0, d >= 0, d <= 3, p <= 50, q <= 50 else { throw ARIMAError.invalidOrder(order) }
    guard !series.isEmpty else { throw ARIMAError.emptySeries }
    if let i = series.firstIndex(where: { !$0.isFinite }) { throw ARIMAError.nonFinite(index: i, value: series[i]) }
    let w = difference(series, times: d)
    let hasMean = (d == 0 && options.includeMean) || (d == 1 && options.drift)
    let k = p + q + (hasMean ? 1 : 0)
    let needed = max(k + 2, p + 2)
    guard w.count >= needed else { throw ARIMAError.tooShort(count: w.count, needed: needed, order: order) }
    guard let first = w.first, w.contains(where: { $0 != first }) else { throw ARIMAError.constantSeries(d: d) }
    let m = w.count
    let objective = ARMAObjective(differenced: w, p: p, q: q, hasMean: hasMean)
    var notes: [String] = []

    var initial = [Double](repeating: 0, count: k)
    var parscale = [Double](repeating: 1, count: k)
    if hasMean {
      let mean = w.reduce(0, +) / Double(m)
      let variance = w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(m - 1)
      initial[k - 1] = mean
      parscale[k - 1] = 10 * (variance / Double(m)).squareRoot()
    }
    let zeroStart = initial

    var coefficients: [Double]
    var converged: Bool
    var iterations: Int
    var sigma2: Double
    var loglik: Double
    var residuals: [Double]
    var standardErrors = [Double](repeating: .nan, count: k)
    let nUsed = Double(m)

    if options.method == .css || options.method == .cssML {
      let css = BFGS.minimize(initial, parscale: parscale, maxIterations: options.maxIterations,
                              cancellation: options.cancellation, reltol: options.reltol) {
        objective.cssObjective($0)
      }
      try options.cancellation.check()
      if options.method == .css {
        coefficients = css.x
        converged = css.converged
        iterations = css.iterations
        var buffer = coefficients
        let s = buffer.withUnsafeMutableBufferPointer { objective.css($0) }
        sigma2 = s.ssq / Double(s.count)
        loglik = -0.5 * (nUsed * Math.log(sigma2) + nUsed + nUsed * Math.log(2 * Double.pi))
        residuals = [Double](repeating: 0, count: d) + objective.cssResiduals()
        if options.standardErrors {
          let h = BFGS.hessian(at: coefficients, parscale: parscale, cancellation: options.cancellation) {
            objective.cssObjective($0)
          }
          try options.cancellation.check()
          standardErrors = standardErrorsFrom(hessian: h, scale: nUsed)
        }
        return try finish(series: series, order: order, options: options, hasMean: hasMean, coefficients: coefficients,
                          standardErrors: standardErrors, sigma2: sigma2, loglik: loglik, nUsed: m,
                          converged: converged, iterations: iterations, evaluations: objective.evaluations,
                          cssResiduals: residuals, notes: notes)
      }
      if css.converged {
        initial = css.x
      } else {
        notes.append("CSS did not converge in \(css.iterations) iterations; ML started from zero")
      }
      if p > 0 && !ARMAParameters.isStationary(Array(initial[0..<p])) {
        notes.append("CSS start has a non-stationary AR part; ML started from zero")
        initial = zeroStart
      }
    }

    // Exact ML on transformed AR parameters.
    var start = initial
    if p > 0 {
      guard let pacf = ARMAParameters.arToPACF(Array(start[0..<p])) else {
        throw ARIMAError.nonStationary("start values \(Array(start[0..<p]))")
      }
      for i in 0..<p { start[i] = pacf[i] }
    }
    if q > 0 {
      let inverted = ARMAParameters.invertMA(Array(start[p..<(p + q)]))
      for i in 0..<q { start[p + i] = inverted[i] }
    }
    var ml = BFGS.minimize(start, parscale: parscale, maxIterations: options.maxIterations,
                           cancellation: options.cancellation, reltol: options.reltol) {
      objective.exactObjective($0, transformed: true)
    }
    var iterationsSoFar = ml.iterations
    if options.zeroStart && options.method == .cssML && k > 0 && start != zeroStart {
      // A second start from zero ARMA coefficients (R's method "ML" start); the CSS start can sit in the basin
      // of a worse local maximum. Kept only when clearly better.
      let alternative = BFGS.minimize(zeroStart, parscale: parscale, maxIterations: options.maxIterations,
                                      cancellation: options.cancellation, reltol: options.reltol) {
        objective.exactObjective($0, transformed: true)
      }
      iterationsSoFar += alternative.iterations
      if alternative.value < ml.value - 1e-7 {
        notes.append("ML from zero start values beat the CSS start by \(Double(m) * (ml.value - alternative.value)) in loglik")
        ml = alternative
      }
    }
    converged = ml.converged
    iterations = iterationsSoFar
    coefficients = ml.x
    if options.polish && k > 0 && ml.value.isFinite {
      // R's BFGS can stop where its first step from a restart is too small to register, or wander where the MA
      // part is not invertible. A second pass with step-scaled restarts, with the MA part also kept invertible
      // through the PACF transform (as statsmodels does), either confirms the optimum or moves on. Kept only when
      // it raises the likelihood.
      var polishStart = ml.x
      var maTransformed = false
      if q > 0 {
        let theta = ARMAParameters.invertMA(Array(ml.x[p..<(p + q)]))
        if let raw = ARMAParameters.arToPACF(theta.map { -$0 }), raw.allSatisfy({ $0.isFinite && abs($0) < 20 }) {
          for i in 0..<q { polishStart[p + i] = raw[i] }
          maTransformed = true
        }
      }
      objective.transformMA = maTransformed
      let again = BFGS.minimize(polishStart, parscale: parscale, maxIterations: 2 * options.maxIterations,
                                cancellation: options.cancellation, reltol: options.polishReltol, scaledRestart: true) {
        objective.exactObjective($0, transformed: true)
      }
      objective.transformMA = false
      iterations += again.iterations
      var best = ml.value
      if again.value < ml.value - 1e-9 * abs(ml.value) {
        coefficients = again.x
        if maTransformed {
          let theta = ARMAParameters.pacfToAR(Array(again.x[p..<(p + q)]))
          for i in 0..<q { coefficients[p + i] = -theta[i] }
        }
        converged = again.converged
        best = again.value
      }
      // The estimate so far is suspect when the model has both an AR and an MA part and an AR root lies within 1%
      // of the unit circle. There the likelihood is flat and has several maxima (for example an AR root near -1
      // almost cancelling an MA root), and the CSS start can sit in the basin of a lower one.
      let phiSoFar = p > 0 ? ARMAParameters.pacfToAR(Array(coefficients[0..<p])) : []
      let nearBoundary = ARMAParameters.smallestRootModulus(phiSoFar.map { -$0 }) < Self.boundaryModulus
      if options.zeroPolish && p > 0 && q > 0 && nearBoundary {
        // A third pass from zero ARMA coefficients (statsmodels' fallback start), with both the AR and the MA part
        // kept stationary/invertible through the PACF transform: first to R's tolerance with forward-difference
        // gradients (half the evaluations of central ones; an exploratory run), then, only when it has
        // found a higher maximum, polished to `polishReltol`. Kept only when it raises the likelihood.
        objective.transformMA = q > 0
        var fromZero = BFGS.minimize(zeroStart, parscale: parscale, maxIterations: options.maxIterations,
                                     cancellation: options.cancellation, reltol: options.reltol, scaledRestart: true,
                                     forwardDifferences: true) {
          objective.exactObjective($0, transformed: true)
        }
        iterations += fromZero.iterations
        if fromZero.value.isFinite && fromZero.value < best - 1e-9 * abs(best) {
          let finish = BFGS.minimize(fromZero.x, parscale: parscale, maxIterations: 2 * options.maxIterations,
                                     cancellation: options.cancellation, reltol: options.polishReltol,
                                     scaledRestart: true) {
            objective.exactObjective($0, transformed: true)
          }
          iterations += finish.iterations
          if finish.value <= fromZero.value { fromZero = finish }
        }
        objective.transformMA = false
        if fromZero.value.isFinite && fromZero.value < best - 1e-9 * abs(best) {
          notes.append("ML from zero start values (invertible MA) beat the CSS start by "
            + "\(Double(m) * (best - fromZero.value)) in loglik")
          coefficients = fromZero.x
          if q > 0 {
            let theta = ARMAParameters.pacfToAR(Array(fromZero.x[p..<(p + q)]))
            for i in 0..<q { coefficients[p + i] = -theta[i] }
          }
          converged = fromZero.converged
        }
      }
    }
    try options.cancellation.check()
    if p > 0 {
      let phi = ARMAParameters.pacfToAR(Array(coefficients[0..<p]))
      for i in 0..<p { coefficients[i] = phi[i] }
    }
    if q > 0 {
      let theta = Array(coefficients[p..<(p + q)])
      let inverted = ARMAParameters.invertMA(theta)
      if inverted != theta {
        notes.append("MA part was not invertible; roots reflected inside-out (R's maInvert)")
        for i in 0..<q { coefficients[p + i] = inverted[i] }
      }
    }
    var buffer = coefficients
    guard let s = buffer.withUnsafeMutableBufferPointer({ objective.exact($0, transformed: false) }) else {
      throw ARIMAError.nonStationary("ML estimate \(Array(coefficients[0..<p]))")
    }
    sigma2 = s.ssq / nUsed
    let value = 0.5 * (Math.log(s.ssq / nUsed) + s.sumlog / nUsed)
    loglik = -0.5 * (2 * nUsed * value + nUsed + nUsed * Math.log(2 * Double.pi))
    if options.standardErrors && k > 0 {
      let h = BFGS.hessian(at: coefficients, parscale: parscale, cancellation: options.cancellation) {
        objective.exactObjective($0, transformed: false)
      }
      try options.cancellation.check()
      standardErrors = standardErrorsFrom(hessian: h, scale: nUsed)
    }
    return try finish(series: series, order: order, options: options, hasMean: hasMean, coefficients: coefficients,
                      standardErrors: standardErrors, sigma2: sigma2, loglik: loglik, nUsed: m, converged: converged,
                      iterations: iterations, evaluations: objective.evaluations, cssResiduals: nil, notes: notes)
  }

  /// Root modulus below which a fitted AR or MA part counts as near the unit circle (triggers the zero-start pass).
  static let boundaryModulus = 1.01

  /// `var = (H * n_used)^-1`; NaN where a variance is negative or the Hessian is singular (R gives NaN too).
  static func standardErrorsFrom(hessian h: [[Double]], scale: Double) -> [Double] {
    let scaled = h.map { $0.map { $0 * scale } }
    guard let inv = BFGS.invert(scaled) else { return [Double](repeating: .nan, count: h.count) }
    return (0..<h.count).map { inv[$0][$0] >= 0 ? inv[$0][$0].squareRoot() : .nan }
  }

  private static func finish(series: [Double], order: ARIMAOrder, options: ARIMAOptions, hasMean: Bool,
                             coefficients: [Double], standardErrors: [Double], sigma2: Double, loglik: Double,
                             nUsed: Int, converged: Bool, iterations: Int, evaluations: Int, cssResiduals: [Double]?,
                             notes: [String]) throws -> ARIMAFit
  {
    let (p, d, q) = (order.p, order.d, order.q)
    var names = (0..<p).map { "ar\($0 + 1)" } + (0..<q).map { "ma\($0 + 1)" }
    if hasMean { names.append(d == 0 ? "intercept" : "drift") }
    let ar = Array(coefficients[0..<p])
    let ma = Array(coefficients[p..<(p + q)])
    let mean = hasMean ? coefficients[p + q] : 0
    let k = Double(coefficients.count + 1)
    let n = Double(nUsed)
    let aic = options.method == .css ? Double.nan : -2 * loglik + 2 * k
    let aicc = n - k - 1 > 0 ? aic + 2 * k * (k + 1) / (n - k - 1) : .nan
    let bic = aic + k * (Math.log(n) - 2)
    var state: ARIMAStateSpace?
    var residuals = cssResiduals ?? []
    var notes = notes
    do {
      var ss = try ARIMAStateSpace(phi: ar, theta: ma, d: d)
      let filtered = ss.filter(centred(series, mean: mean, order: order, hasMean: hasMean, start: 1))
      if cssResiduals == nil { residuals = filtered }
      state = ss
    } catch {
      notes.append("AR part is not stationary: no forecasts")
      if cssResiduals == nil { throw ARIMAError.nonStationary("fitted AR \(ar)") }
    }
    return ARIMAFit(order: order, method: options.method, coefficientNames: names, coefficients: coefficients,
                    standardErrors: standardErrors, ar: ar, ma: ma, mean: mean, hasMean: hasMean, sigma2: sigma2,
                    loglik: loglik, aic: aic, aicc: aicc, bic: bic, nUsed: nUsed, converged: converged,
                    iterations: iterations, evaluations: evaluations, residuals: residuals, notes: notes,
                    series: series, state: state)
  }

  /// The series minus its mean (d = 0) or minus `drift * t` with t counted from `start` (d = 1).
  static func centred(_ x: [Double], mean: Double, order: ARIMAOrder, hasMean: Bool, start: Int) -> [Double] {
    guard hasMean else { return x }
    if order.d == 0 { return x.map { $0 - mean } }
    return x.enumerated().map { $0.element - mean * Double(start + $0.offset) }
  }

  /// `times`-fold first differences: length `x.count - times` (empty when too short).
  public static func difference(_ x: [Double], times: Int) -> [Double] {
    var w = x
    for _ in 0..<times {
      guard w.count > 1 else { return [] }
      w = (1..<w.count).map { w[$0] - w[$0 - 1] }
    }
    return w
  }
}
