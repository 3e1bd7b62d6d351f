import AlmanacCore

/// Fitting ARIMA models.
public enum ARIMA {
  /// Fits ARIMA(p, d, q)(P, D, Q)[s] to `series` like R's `arima`: seasonal then regular differences, then the
  /// ARMA with multiplicative polynomials `(1 - phi(B))(1 - Phi(B^s))` and `(1 + theta(B))(1 + Theta(B^s))` (with a
  /// mean when d = D = 0 and `includeMean`, with a drift when there is one difference and `drift`) by CSS, exact ML
  /// or CSS then ML.
  ///
  /// - Missing values are NaN. As R: differencing propagates them; CSS leaves out every residual that involves one;
  ///   exact ML runs the Kalman filter on the undifferenced series, which predicts across a missing point without an
  ///   update, so the likelihood is over the observed points and `nUsed` = observed count - (d + sD).
  /// - Exact ML maximises the Gaussian likelihood computed by a Kalman filter started at the stationary covariance;
  ///   sigma2 is concentrated out. The AR and seasonal AR parts are optimised through R's transform (tanh of partial
  ///   autocorrelations, then Durbin-Levinson), each on its own, so every iterate is stationary; MA roots inside the
  ///   unit circle are reflected afterwards (R's `maInvert`, each MA part on its own).
  /// - CSS-ML starts ML at the CSS estimate when CSS converged; when that start is not stationary (R stops with an
  ///   error here) we start from zero instead and say so in ``ARIMAFit/notes``.
  ///
  /// The steps are ``prepare(_:order:options:)``, ``conditionalSumOfSquares(_:)``, then for ML
  /// ``maximumLikelihood(_:from:notes:)``, ``polish(_:_:notes:)``, ``untransform(_:_:notes:)`` and
  /// ``finishML(_:coefficients:estimate:notes:)``.
  ///
  /// Throws ``ARIMAError`` for an invalid order, an empty series, an infinite value (with its index), a series too
  /// short for the order, or one that is constant after differencing.
  public static func fit(_ series: [Double], order: ARIMAOrder, options: ARIMAOptions = ARIMAOptions()) throws
    -> ARIMAFit
  {
    let problem = try prepare(series, order: order, options: options)
    var notes: [String] = []
    var start = problem.initial
    if options.method != .css, let given = options.startValues {
      if given.count == problem.k, given.allSatisfy(\.isFinite),
        problem.layout.arBlocks.allSatisfy({ block in
          ARMAParameters.isStationary(Array(given[block.offset..<(block.offset + block.count)]))
        })
      {
        var estimate = try maximumLikelihood(problem, from: given, notes: &notes)
        try options.cancellation.check()
        if options.polish && problem.k > 0 && estimate.value.isFinite { polish(problem, &estimate, notes: &notes) }
        let coefficients = untransform(problem, estimate.x, notes: &notes)
        return try finishML(problem, coefficients: coefficients, estimate: estimate, notes: notes)
      }
      notes.append(
        "start values ignored: \(given.count) values for \(problem.k) coefficients, or not finite, or a "
          + "non-stationary AR part")
    }
    if options.method == .css || options.method == .cssML {
      let css = conditionalSumOfSquares(problem)
      try options.cancellation.check()
      if options.method == .css { return try finishCSS(problem, css: css) }
      start = try cssStart(problem, css: css, notes: &notes)
    }
    var estimate = try maximumLikelihood(problem, from: start, notes: &notes)
    try options.cancellation.check()
    if options.polish && problem.k > 0 && estimate.value.isFinite { polish(problem, &estimate, notes: &notes) }
    try options.cancellation.check()
    let coefficients = untransform(problem, estimate.x, notes: &notes)
    return try finishML(problem, coefficients: coefficients, estimate: estimate, notes: notes)
  }

  // MARK: - Steps

  /// Validated input and everything the estimation stages share.
  struct Problem {
    let series: [Double]
    let order: ARIMAOrder
    let options: ARIMAOptions
    let layout: ARMALayout
    /// R's `Delta`.
    let delta: [Double]
    /// The differenced series (NaN where missing).
    let w: [Double]
    let missingCount: Int
    let hasMean: Bool
    /// Whether the mean is a drift (a time trend) rather than an intercept.
    let drift: Bool
    /// Estimated coefficients.
    let k: Int
    /// R's `n.used`: observed values minus `d + sD`.
    let nUsed: Int
    /// Start values (zeros, and the mean of the differenced series for the mean) and R's `parscale`.
    let initial: [Double]
    let parscale: [Double]
    let objective: ARMAObjective
  }

  /// The current ML estimate (parameters in the optimiser's coordinates: AR parts through the PACF transform).
  struct Estimate {
    var x: [Double]
    var value: Double
    var converged: Bool
    var iterations: Int
  }

  /// Step 1: checks the order and the series, differences it, and sets the start values and scales as R does
  /// (the mean's start is the regression of the differenced series on the differenced regressor, `na.omit`).
  static func prepare(_ series: [Double], order: ARIMAOrder, options: ARIMAOptions) throws -> Problem {
    guard order.isValid else { throw ARIMAError.invalidOrder(order) }
    guard !series.isEmpty else { throw ARIMAError.emptySeries }
    if let i = series.firstIndex(where: { $0.isInfinite }) { throw ARIMAError.nonFinite(index: i, value: series[i]) }
    let layout = ARMALayout(order)
    let seasonalDifferences = order.period > 1 ? order.D : 0
    let w = difference(difference(series, times: order.d), lag: layout.s, times: seasonalDifferences)
    let missingCount = series.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
    let delta = ARMALayout.delta(d: order.d, D: seasonalDifferences, s: layout.s)
    let drift = order.hasOneDifference
    let hasMean = (delta.isEmpty && options.includeMean) || (drift && options.drift)
    let k = layout.count + (hasMean ? 1 : 0)
    let needed = max(k + 2, layout.pFull + 2)
    let nUsed = series.count - missingCount - delta.count
    guard nUsed >= needed else { throw ARIMAError.tooShort(count: max(0, nUsed), needed: needed, order: order) }
    let observed = w.filter { !$0.isNaN }
    guard observed.count >= 2 else { throw ARIMAError.tooShort(count: observed.count, needed: needed, order: order) }
    guard let first = observed.first, observed.contains(where: { $0 != first }) else {
      throw ARIMAError.constantSeries(d: order.d + seasonalDifferences)
    }
    let meanScale = drift && order.d == 0 ? Double(layout.s) : 1
    var initial = [Double](repeating: 0, count: k)
    var parscale = [Double](repeating: 1, count: k)
    if hasMean {
      let m = Double(observed.count)
      let mean = observed.reduce(0, +) / m
      let variance = observed.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (m - 1)
      initial[k - 1] = mean / meanScale
      parscale[k - 1] = 10 * (variance / m).squareRoot() / meanScale
    }
    // R's filter on the undifferenced series (diffuse prior for the differencing states) with missing values, and
    // with seasonal differences, where its kappa = 1e6 approximation moves the log-likelihood by about 3e-3 from
    // the exact differenced likelihood (airline model); otherwise the exact likelihood of the differenced series
    // (the two agree to about 1e-5 for d <= 2).
    let useRFilter = missingCount > 0 || seasonalDifferences > 0
    let objective = ARMAObjective(
      differenced: w, layout: layout, hasMean: hasMean, meanScale: meanScale,
      drift: drift && hasMean, original: useRFilter ? series : nil, delta: delta)
    return Problem(
      series: series, order: order, options: options, layout: layout, delta: delta, w: w,
      missingCount: missingCount, hasMean: hasMean, drift: drift && hasMean, k: k, nUsed: nUsed,
      initial: initial, parscale: parscale, objective: objective)
  }

  /// Step 2 (CSS and CSS-ML): minimises R's conditional sum of squares from the start values.
  static func conditionalSumOfSquares(_ problem: Problem) -> BFGSResult {
    BFGS.minimize(
      problem.initial, parscale: problem.parscale, maxIterations: problem.options.maxIterations,
      cancellation: problem.options.cancellation,
      reltol: problem.options.reltol
    ) { problem.objective.cssObjective($0) }
  }

  /// The CSS fit (method `css`): sigma2 is the CSS mean square, the log-likelihood R's CSS value with `n.used`.
  static func finishCSS(_ problem: Problem, css: BFGSResult) throws -> ARIMAFit {
    let objective = problem.objective
    var buffer = css.x
    let s = buffer.withUnsafeMutableBufferPointer { objective.css($0) }
    let nUsed = Double(problem.nUsed)
    let sigma2 = s.ssq / Double(s.count)
    let loglik = -0.5 * (nUsed * Math.log(sigma2) + nUsed + nUsed * Math.log(2 * Double.pi))
    let residuals = [Double](repeating: 0, count: problem.delta.count) + objective.cssResiduals()
    var standardErrors = [Double](repeating: .nan, count: problem.k)
    if problem.options.standardErrors {
      let h = BFGS.hessian(at: css.x, parscale: problem.parscale, cancellation: problem.options.cancellation) {
        objective.cssObjective($0)
      }
      try problem.options.cancellation.check()
      standardErrors = standardErrorsFrom(hessian: h, scale: nUsed)
    }
    return try finish(
      problem, coefficients: css.x, standardErrors: standardErrors, sigma2: sigma2, loglik: loglik,
      converged: css.converged, iterations: css.iterations, cssResiduals: residuals, notes: [])
  }

  /// Step 3 (CSS-ML): the CSS estimate as ML start when it converged and its AR parts are stationary; zeros
  /// otherwise (with a note; R stops with an error for a non-stationary CSS start, and so do we with
  /// ``ARIMAOptions/failOnNonStationaryStart``).
  static func cssStart(_ problem: Problem, css: BFGSResult, notes: inout [String]) throws -> [Double] {
    var start = problem.initial
    if css.converged {
      start = css.x
    } else {
      notes.append("CSS did not converge in \(css.iterations) iterations; ML started from zero")
    }
    for block in problem.layout.arBlocks where block.count > 0 {
      if !ARMAParameters.isStationary(Array(start[block.offset..<(block.offset + block.count)])) {
        if problem.options.failOnNonStationaryStart {
          throw ARIMAError.nonStationary(
            "CSS start values \(Array(start[block.offset..<(block.offset + block.count)]))")
        }
        notes.append("CSS start has a non-stationary AR part; ML started from zero")
        return problem.initial
      }
    }
    return start
  }

  /// Step 4: exact ML as R's pass (BFGS on the transformed AR parts, MA parts made invertible at the start), and
  /// with `zeroStart` a second pass from zero.
  static func maximumLikelihood(_ problem: Problem, from initial: [Double], notes: inout [String]) throws -> Estimate {
    let options = problem.options
    let objective = problem.objective
    var start = initial
    for block in problem.layout.arBlocks where block.count > 0 {
      let range = block.offset..<(block.offset + block.count)
      guard let pacf = ARMAParameters.arToPACF(Array(start[range])) else {
        throw ARIMAError.nonStationary("start values \(Array(start[range]))")
      }
      start.replaceSubrange(range, with: pacf)
    }
    for block in problem.layout.maBlocks where block.count > 0 {
      let range = block.offset..<(block.offset + block.count)
      start.replaceSubrange(range, with: ARMAParameters.invertMA(Array(start[range])))
    }
    var ml = BFGS.minimize(
      start, parscale: problem.parscale, maxIterations: options.maxIterations,
      cancellation: problem.options.cancellation,
      reltol: options.reltol
    ) { objective.exactObjective($0, transformed: true) }
    var iterations = ml.iterations
    if options.zeroStart && options.method == .cssML && problem.k > 0 && start != problem.initial {
      // A second start from zero ARMA coefficients (R's method "ML" start); the CSS start can sit in the basin
      // of a worse local maximum. Kept only when clearly better.
      let alternative = BFGS.minimize(
        problem.initial, parscale: problem.parscale, maxIterations: options.maxIterations,
        cancellation: problem.options.cancellation,
        reltol: options.reltol
      ) { objective.exactObjective($0, transformed: true) }
      iterations += alternative.iterations
      if alternative.value < ml.value - 1e-7 {
        notes.append(
          "ML from zero start values beat the CSS start by \(Double(problem.nUsed) * (ml.value - alternative.value)) in loglik"
        )
        ml = alternative
      }
    }
    return Estimate(x: ml.x, value: ml.value, converged: ml.converged, iterations: iterations)
  }

  /// Maps MA blocks of `x` from the invertible (PACF) coordinates back to MA coefficients.
  private static func maFromPACF(_ layout: ARMALayout, _ x: [Double]) -> [Double] {
    var out = x
    for block in layout.maBlocks where block.count > 0 {
      let range = block.offset..<(block.offset + block.count)
      out.replaceSubrange(range, with: ARMAParameters.pacfToAR(Array(x[range])).map { -$0 })
    }
    return out
  }

  /// Step 5: R's BFGS can stop where its first step from a restart is too small to register, or wander where the
  /// MA part is not invertible. A second pass with step-scaled restarts, with the MA parts also kept invertible
  /// through the PACF transform (as statsmodels does), either confirms the optimum or moves on; kept only when it
  /// raises the likelihood. Then, when the model has both AR and MA parts and an AR root lies within 1% of the unit
  /// circle (a flat likelihood with several maxima), a pass from zero ARMA coefficients.
  static func polish(_ problem: Problem, _ estimate: inout Estimate, notes: inout [String]) {
    let options = problem.options
    let objective = problem.objective
    let layout = problem.layout
    var polishStart = estimate.x
    var maTransformed = false
    if layout.q + layout.Q > 0 {
      var candidate = estimate.x
      var ok = true
      for block in layout.maBlocks where block.count > 0 {
        let range = block.offset..<(block.offset + block.count)
        let theta = ARMAParameters.invertMA(Array(estimate.x[range]))
        guard let raw = ARMAParameters.arToPACF(theta.map { -$0 }), raw.allSatisfy({ $0.isFinite && abs($0) < 20 })
        else {
          ok = false
          break
        }
        candidate.replaceSubrange(range, with: raw)
      }
      if ok {
        polishStart = candidate
        maTransformed = true
      }
    }
    objective.transformMA = maTransformed
    let again = BFGS.minimize(
      polishStart, parscale: problem.parscale, maxIterations: 2 * options.maxIterations,
      cancellation: problem.options.cancellation,
      reltol: options.polishReltol, scaledRestart: true
    ) {
      objective.exactObjective($0, transformed: true)
    }
    objective.transformMA = false
    estimate.iterations += again.iterations
    if again.value < estimate.value - 1e-9 * abs(estimate.value) {
      estimate.x = maTransformed ? maFromPACF(layout, again.x) : again.x
      estimate.converged = again.converged
      estimate.value = again.value
    }
    let best = estimate.value
    let phiSoFar = layout.expand(arFromPACF(layout, estimate.x)).phi
    let nearBoundary = ARMAParameters.smallestRootModulus(phiSoFar.map { -$0 }) < Self.boundaryModulus
    guard options.zeroPolish && layout.p + layout.P > 0 && layout.q + layout.Q > 0 && nearBoundary else { return }
    // From zero ARMA coefficients (statsmodels' fallback start), with both the AR and the MA parts kept
    // stationary/invertible through the PACF transform: first to R's tolerance with forward-difference gradients
    // (half the evaluations of central ones; an exploratory run), then, only when it has found a higher maximum,
    // polished to `polishReltol`.
    objective.transformMA = true
    var fromZero = BFGS.minimize(
      problem.initial, parscale: problem.parscale, maxIterations: options.maxIterations,
      cancellation: problem.options.cancellation,
      reltol: options.reltol, scaledRestart: true, forwardDifferences: true
    ) {
      objective.exactObjective($0, transformed: true)
    }
    estimate.iterations += fromZero.iterations
    if fromZero.value.isFinite && fromZero.value < best - 1e-9 * abs(best) {
      let finish = BFGS.minimize(
        fromZero.x, parscale: problem.parscale, maxIterations: 2 * options.maxIterations,
        cancellation: problem.options.cancellation,
        reltol: options.polishReltol, scaledRestart: true
      ) {
        objective.exactObjective($0, transformed: true)
      }
      estimate.iterations += finish.iterations
      if finish.value <= fromZero.value { fromZero = finish }
    }
    objective.transformMA = false
    if fromZero.value.isFinite && fromZero.value < best - 1e-9 * abs(best) {
      notes.append(
        "ML from zero start values (invertible MA) beat the CSS start by "
          + "\(Double(problem.nUsed) * (best - fromZero.value)) in loglik")
      estimate.x = maFromPACF(layout, fromZero.x)
      estimate.converged = fromZero.converged
      estimate.value = fromZero.value
    }
  }

  /// AR blocks of `x` mapped from PACF coordinates to AR coefficients.
  private static func arFromPACF(_ layout: ARMALayout, _ x: [Double]) -> [Double] {
    var out = x
    for block in layout.arBlocks where block.count > 0 {
      let range = block.offset..<(block.offset + block.count)
      out.replaceSubrange(range, with: ARMAParameters.pacfToAR(Array(x[range])))
    }
    return out
  }

  /// Step 6: AR parts back from the transform; MA parts with roots inside the unit circle reflected (R's
  /// `maInvert`, with a note).
  static func untransform(_ problem: Problem, _ x: [Double], notes: inout [String]) -> [Double] {
    var coefficients = arFromPACF(problem.layout, x)
    for block in problem.layout.maBlocks where block.count > 0 {
      let range = block.offset..<(block.offset + block.count)
      let theta = Array(coefficients[range])
      let inverted = ARMAParameters.invertMA(theta)
      if inverted != theta {
        notes.append("MA part was not invertible; roots reflected inside-out (R's maInvert)")
        coefficients.replaceSubrange(range, with: inverted)
      }
    }
    return coefficients
  }

  /// Step 7: the likelihood, sigma2 (`ssq / n.used`) and standard errors at the final coefficients.
  static func finishML(_ problem: Problem, coefficients: [Double], estimate: Estimate, notes: [String]) throws
    -> ARIMAFit
  {
    let objective = problem.objective
    var buffer = coefficients
    guard let s = buffer.withUnsafeMutableBufferPointer({ objective.exact($0, transformed: false) }), s.count > 0 else {
      throw ARIMAError.nonStationary("ML estimate \(Array(coefficients[0..<problem.layout.p]))")
    }
    let nUsed = Double(problem.nUsed)
    let count = Double(s.count)
    let sigma2 = s.ssq / nUsed
    let value = 0.5 * (Math.log(s.ssq / count) + s.sumlog / count)
    let loglik = -0.5 * (2 * nUsed * value + nUsed + nUsed * Math.log(2 * Double.pi))
    var standardErrors = [Double](repeating: .nan, count: problem.k)
    if problem.options.standardErrors && problem.k > 0 {
      let h = BFGS.hessian(at: coefficients, parscale: problem.parscale, cancellation: problem.options.cancellation) {
        objective.exactObjective($0, transformed: false)
      }
      try problem.options.cancellation.check()
      standardErrors = standardErrorsFrom(hessian: h, scale: nUsed)
    }
    return try finish(
      problem, coefficients: coefficients, standardErrors: standardErrors, sigma2: sigma2,
      loglik: loglik, converged: estimate.converged, iterations: estimate.iterations,
      cssResiduals: nil, notes: notes)
  }

  /// Root modulus below which a fitted AR or MA part counts as near the unit circle (triggers the zero-start pass).
  static let boundaryModulus = 1.01

  /// `var = (H * n_used)^-1`; NaN where a variance is negative or the Hessian is singular (R gives NaN too).
  static func standardErrorsFrom(hessian h: [[Double]], scale: Double) -> [Double] {
    let scaled = h.map { $0.map { $0 * scale } }
    guard let inv = BFGS.invert(scaled) else { return [Double](repeating: .nan, count: h.count) }
    return (0..<h.count).map { inv[$0][$0] >= 0 ? inv[$0][$0].squareRoot() : .nan }
  }

  /// Information criteria, residuals and the filter state after the series (for forecasts).
  private static func finish(
    _ problem: Problem, coefficients: [Double], standardErrors: [Double], sigma2: Double,
    loglik: Double, converged: Bool, iterations: Int, cssResiduals: [Double]?,
    notes: [String]
  ) throws -> ARIMAFit {
    let layout = problem.layout
    let order = problem.order
    let (p, q, P, Q) = (layout.p, layout.q, layout.P, layout.Q)
    var names = layout.names
    if problem.hasMean { names.append(problem.drift ? "drift" : "intercept") }
    let ar = Array(coefficients[0..<p])
    let ma = Array(coefficients[p..<(p + q)])
    let sar = Array(coefficients[(p + q)..<(p + q + P)])
    let sma = Array(coefficients[(p + q + P)..<(p + q + P + Q)])
    let (phi, theta) = layout.expand(Array(coefficients[0..<layout.count]))
    let mean = problem.hasMean ? coefficients[layout.count] : 0
    let k = Double(coefficients.count + 1)
    let n = Double(problem.nUsed)
    let aic = problem.options.method == .css ? Double.nan : -2 * loglik + 2 * k
    let aicc = n - k - 1 > 0 ? aic + 2 * k * (k + 1) / (n - k - 1) : .nan
    let bic = aic + k * (Math.log(n) - 2)
    var state: ARIMAStateSpace?
    var residuals = cssResiduals ?? []
    var notes = notes
    do {
      var ss = try ARIMAStateSpace(phi: phi, theta: theta, delta: problem.delta)
      let filtered = ss.filterFromStart(
        centred(
          problem.series, mean: mean, drift: problem.drift, hasMean: problem.hasMean,
          start: 1))
      if cssResiduals == nil { residuals = filtered }
      state = ss
    } catch {
      notes.append("AR part is not stationary: no forecasts")
      if cssResiduals == nil { throw ARIMAError.nonStationary("fitted AR \(phi)") }
    }
    return ARIMAFit(
      order: order, method: problem.options.method, coefficientNames: names, coefficients: coefficients,
      standardErrors: standardErrors, ar: ar, ma: ma, seasonalAR: sar, seasonalMA: sma, phi: phi,
      theta: theta, mean: mean, hasMean: problem.hasMean, sigma2: sigma2, loglik: loglik, aic: aic,
      aicc: aicc, bic: bic, nUsed: problem.nUsed, missingCount: problem.missingCount,
      converged: converged, iterations: iterations, evaluations: problem.objective.evaluations,
      residuals: residuals, notes: notes, series: problem.series, state: state, delta: problem.delta)
  }

  /// The series minus its mean (an intercept) or minus `drift * t` with t counted from `start` (a drift).
  static func centred(_ x: [Double], mean: Double, drift: Bool, hasMean: Bool, start: Int) -> [Double] {
    guard hasMean else { return x }
    if !drift { return x.map { $0 - mean } }
    return x.enumerated().map { $0.element - mean * Double(start + $0.offset) }
  }

  /// `times`-fold first differences: length `x.count - times` (empty when too short). NaN propagates (R's `diff`).
  public static func difference(_ x: [Double], times: Int) -> [Double] {
    difference(x, lag: 1, times: times)
  }

  /// `times`-fold differences at `lag` (R's `diff(x, lag, differences)`): length `x.count - lag * times` (empty
  /// when too short). A difference involving a NaN is NaN.
  public static func difference(_ x: [Double], lag: Int, times: Int) -> [Double] {
    var w = x
    for _ in 0..<times {
      guard w.count > lag else { return [] }
      w = (lag..<w.count).map { w[$0] - w[$0 - lag] }
    }
    return w
  }
}
