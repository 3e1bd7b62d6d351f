import AlmanacCore

/// Orders of an ARIMA(p, d, q)(P, D, Q)[period] model (R's `order` and `seasonal = list(order, period)`).
/// The seasonal part is used only when `period > 1`; with `period <= 1`, P, D and Q must be 0.
public struct ARIMAOrder: Sendable, Hashable, CustomStringConvertible {
  public var p: Int
  public var d: Int
  public var q: Int
  /// Seasonal AR order.
  public var P: Int
  /// Seasonal differences (lag `period`), applied before the regular ones as R does.
  public var D: Int
  /// Seasonal MA order.
  public var Q: Int
  /// Seasonal period (1: no seasonal part).
  public var period: Int

  public init(p: Int, d: Int, q: Int, P: Int = 0, D: Int = 0, Q: Int = 0, period: Int = 1) {
    self.p = p
    self.d = d
    self.q = q
    self.P = P
    self.D = D
    self.Q = Q
    self.period = period
  }

  /// Whether the model has a seasonal part.
  public var isSeasonal: Bool { period > 1 && P + D + Q > 0 }
  /// `(p,d,q)`, or `(p,d,q)(P,D,Q)[s]` for a seasonal model (R's notation).
  public var description: String {
    isSeasonal ? "(\(p),\(d),\(q))(\(P),\(D),\(Q))[\(period)]" : "(\(p),\(d),\(q))"
  }
  /// Number of observations lost to differencing: `d + D * period` (the length of R's `Delta`).
  public var differencingLength: Int { d + (period > 1 ? D * period : 0) }
  /// Whether a mean term is a drift (one difference in all) rather than an intercept (none).
  var hasOneDifference: Bool { differencingLength > 0 && d + (period > 1 ? D : 0) == 1 }

  /// Largest state dimension `max(p + sP, q + sQ + 1)` accepted (the stationary covariance solve grows as its sixth
  /// power).
  public static let maxStateDimension = 60
  /// Largest `d + sD` accepted.
  public static let maxDifferencingLength = 400

  /// Whether the orders are within bounds: p, q <= 50; d <= 3; P, Q <= 10; D <= 2; period in 1...1000 (P, D, Q zero
  /// when period is 1); `max(p + sP, q + sQ + 1)` <= ``maxStateDimension``; `d + sD` <= ``maxDifferencingLength``.
  public var isValid: Bool {
    guard p >= 0, q >= 0, d >= 0, d <= 3, p <= 50, q <= 50, P >= 0, Q >= 0, D >= 0, P <= 10, Q <= 10, D <= 2,
      period >= 1, period <= 1000
    else { return false }
    if period == 1 && P + D + Q > 0 { return false }
    let s = period
    return max(p + s * P, q + s * Q + 1) <= Self.maxStateDimension && d + s * D <= Self.maxDifferencingLength
  }
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
  /// Estimate a mean (reported as `intercept`) when d = D = 0. Default true. Ignored otherwise.
  public var includeMean: Bool
  /// Estimate a drift (a linear time trend `drift * t`, t = 1, 2, ..., reported as `drift`; forecast::Arima's
  /// `include.drift`) when there is exactly one difference (d = 1, D = 0 or d = 0, D = 1). Default false.
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
  /// Polled once per optimiser iteration and once per Hessian row; when cancelled, ``ARIMA/fit(_:order:options:)``
  /// throws ``Cancelled``.
  public var cancellation: CancellationToken = .never
  /// For CSS-ML, throw ``ARIMAError/nonStationary(_:)`` when the CSS estimate has a non-stationary AR part, as R's
  /// `arima` stops there, instead of starting ML from zero (default false; ``AutoARIMA`` sets it, so that such
  /// models are rejected as R's `auto.arima` rejects them).
  public var failOnNonStationaryStart = false
  /// Warm start: for `ml` and `css-ml`, start ML at these coefficients (the layout of ``ARIMAFit/coefficients``,
  /// for example a previous fit on a shorter history) instead of at the CSS estimate or zero. Ignored (with a note)
  /// when the count differs, a value is not finite, or an AR part is not stationary. Default nil.
  public var startValues: [Double]? = nil

  public init(
    method: ARIMAMethod = .cssML, includeMean: Bool = true, drift: Bool = false, maxIterations: Int = 100,
    reltol: Double = 1.490116119384765625e-8, standardErrors: Bool = true,
    polish: Bool = true, zeroStart: Bool = false, zeroPolish: Bool = true
  ) {
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
  case invalidHorizon(Int)

  public var description: String {
    switch self {
    case .invalidOrder(let o):
      "invalid ARIMA order \(o) (period \(o.period)): orders must be >= 0 with p, q <= 50, d <= 3, P, Q <= 10, D <= 2, "
        + "period in 1...1000 (P, D, Q = 0 when it is 1), max(p + sP, q + sQ + 1) <= \(ARIMAOrder.maxStateDimension) "
        + "and d + sD <= \(ARIMAOrder.maxDifferencingLength)"
    case .emptySeries: "the series is empty"
    case .nonFinite(let i, let v):
      "the series has an infinite value \(v) at index \(i) (NaN means missing; infinity is not allowed)"
    case .tooShort(let n, let needed, let o):
      "the series is too short for ARIMA\(o): \(n) points after differencing, need at least \(needed)"
    case .constantSeries(let d):
      d == 0 ? "the series is constant: no variance to model" : "the series is constant after differencing \(d) time(s)"
    case .nonStationary(let what): "non-stationary AR part: \(what)"
    case .nonPositiveForLog(let i, let v): "log transform needs positive values; value \(v) at index \(i)"
    case .invalidHorizon(let h): "forecast horizon \(h) is outside 0...\(ARIMAFit.maxSteps)"
    }
  }
}

/// A fitted ARIMA model (R `stats::arima` semantics). Coefficients are ordered ar1..arp, ma1..maq, sar1..sarP,
/// sma1..smaQ, then `intercept` (d = D = 0 with a mean) or `drift` (one difference, with drift).
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
  /// Seasonal AR coefficients (empty when P = 0).
  public var seasonalAR: [Double]
  /// Seasonal MA coefficients (empty when Q = 0).
  public var seasonalMA: [Double]
  /// The expanded AR polynomial `phi` of degree p + sP (R's `model$phi`): `(1 - sum phi_i B^i)`.
  public var phi: [Double]
  /// The expanded MA polynomial `theta` of degree q + sQ (R's `model$theta`, without R's zero padding).
  public var theta: [Double]
  /// The intercept (d = D = 0) or drift (one difference), 0 when not estimated.
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
  /// Observations used (R's `nobs`): observed (non-NaN) values minus `d + sD`.
  public var nUsed: Int
  /// Missing (NaN) values in the fitted series.
  public var missingCount: Int
  /// Whether the final optimisation stage met its convergence test.
  public var converged: Bool
  /// BFGS iterations of the ML stage (all its passes; the CSS stage for `css`).
  public var iterations: Int
  /// Likelihood evaluations over all stages (including numerical derivatives).
  public var evaluations: Int
  /// Residuals, one per observation: Kalman innovations scaled to the data's units (R's `residuals.Arima`), NaN at
  /// missing values; for `css` the CSS residuals (zero for the first p + sP + d + sD, NaN where they involve a
  /// missing value).
  public var residuals: [Double]
  /// Remarks about the fit, for example a non-stationary CSS start replaced by zeros.
  public var notes: [String]
  /// The series the model was fitted to (after any transform).
  public var series: [Double]
  /// Filter state after the series, for forecasting.
  var state: ARIMAStateSpace?
  /// R's `Delta` (differencing polynomial) of the model.
  var delta: [Double]
  /// Whether `mean` is a drift (time trend) rather than an intercept.
  var meanIsDrift: Bool { hasMean && order.differencingLength > 0 }

  /// Number of estimated coefficients.
  public var parameterCount: Int { coefficients.count }

  /// Coefficient by name (`ar1`, `ma2`, `intercept`, `drift`).
  public func coefficient(_ name: String) -> Double? {
    coefficientNames.firstIndex(of: name).map { coefficients[$0] }
  }
}
