import AlmanacCore

/// Information criterion for ``AutoARIMA``.
public enum InformationCriterion: String, Sendable, CaseIterable {
  case aicc, aic, bic
}

/// Settings of ``AutoARIMA/search(_:options:)``, with `forecast::auto.arima`'s defaults.
public struct AutoARIMAOptions: Sendable {
  /// Regular differences; nil: chosen by KPSS (`ndiffs`, ``kpssAlpha``) up to ``maxD``.
  public var d: Int?
  /// Seasonal differences; nil: chosen by the seasonal-strength heuristic (`nsdiffs(test = "seas")`) up to
  /// ``maxSeasonalD`` when ``period`` > 1.
  public var D: Int?
  /// Seasonal period (R's `frequency`); 1 for a non-seasonal search.
  public var period: Int
  public var maxP: Int
  public var maxQ: Int
  public var maxSeasonalP: Int
  public var maxSeasonalQ: Int
  /// Largest p + q + P + Q of the grid search (``stepwise`` false).
  public var maxOrder: Int
  public var maxD: Int
  public var maxSeasonalD: Int
  public var startP: Int
  public var startQ: Int
  public var startSeasonalP: Int
  public var startSeasonalQ: Int
  /// Only stationary models (d = D = 0).
  public var stationary: Bool
  public var criterion: InformationCriterion
  /// Hyndman-Khandakar stepwise search (true) or every order within the maxima (false, R's `search.arima`).
  public var stepwise: Bool
  /// Most models the stepwise search fits (R's `nmodels`).
  public var maxModels: Int
  /// Fit candidates by CSS with R's AIC offset and refit the best by CSS-ML; nil: R's rule (more than 150 points
  /// or a period above 12).
  public var approximation: Bool?
  public var allowDrift: Bool
  public var allowMean: Bool
  public var kpssAlpha: Double
  /// Handed to every candidate fit; once cancelled, the remaining candidates are rejected at their first
  /// optimiser iteration and ``AutoARIMA/search(_:options:)`` throws ``Cancelled``.
  public var cancellation: CancellationToken = .never

  public init(
    d: Int? = nil, D: Int? = nil, period: Int = 1, maxP: Int = 5, maxQ: Int = 5, maxSeasonalP: Int = 2,
    maxSeasonalQ: Int = 2, maxOrder: Int = 5, maxD: Int = 2, maxSeasonalD: Int = 1, startP: Int = 2,
    startQ: Int = 2, startSeasonalP: Int = 1, startSeasonalQ: Int = 1, stationary: Bool = false,
    criterion: InformationCriterion = .aicc, stepwise: Bool = true, maxModels: Int = 94,
    approximation: Bool? = nil, allowDrift: Bool = true, allowMean: Bool = true, kpssAlpha: Double = 0.05
  ) {
    self.d = d
    self.D = D
    self.period = period
    self.maxP = maxP
    self.maxQ = maxQ
    self.maxSeasonalP = maxSeasonalP
    self.maxSeasonalQ = maxSeasonalQ
    self.maxOrder = maxOrder
    self.maxD = maxD
    self.maxSeasonalD = maxSeasonalD
    self.startP = startP
    self.startQ = startQ
    self.startSeasonalP = startSeasonalP
    self.startSeasonalQ = startSeasonalQ
    self.stationary = stationary
    self.criterion = criterion
    self.stepwise = stepwise
    self.maxModels = maxModels
    self.approximation = approximation
    self.allowDrift = allowDrift
    self.allowMean = allowMean
    self.kpssAlpha = kpssAlpha
  }

  /// Whether every setting is within its bound: maxima in 0...10 (orders), 0...3 (d), 0...2 (D); starts >= 0;
  /// period in 1...1000; maxModels in 1...1000; maxOrder in 0...20; alpha in (0, 1); d and D, when given, in
  /// 0...3 and 0...2.
  public var isValid: Bool {
    let orders = [maxP, maxQ, maxSeasonalP, maxSeasonalQ]
    return orders.allSatisfy { (0...10).contains($0) } && (0...3).contains(maxD) && (0...2).contains(maxSeasonalD)
      && [startP, startQ, startSeasonalP, startSeasonalQ].allSatisfy { (0...10).contains($0) }
      && (1...1000).contains(period) && (1...1000).contains(maxModels) && (0...20).contains(maxOrder)
      && kpssAlpha > 0 && kpssAlpha < 1 && (d.map { (0...3).contains($0) } ?? true)
      && (D.map { (0...2).contains($0) } ?? true)
  }
}

/// One model the search tried: its order, whether it had a constant (mean or drift), and its criterion (infinity
/// when the fit failed or was rejected, as R's `trace` prints `Inf`).
public struct AutoARIMAStep: Sendable, Hashable, CustomStringConvertible {
  public var order: ARIMAOrder
  public var constant: Bool
  public var criterion: Double
  /// R's trace notation, for example `ARIMA(1,1,1)(0,1,1)[12]` or `ARIMA(1,0,0) with non-zero mean`.
  public var description: String {
    var text = "ARIMA\(order)"
    let differences = order.d + (order.period > 1 ? order.D : 0)
    if differences == 0 { text += constant ? " with non-zero mean" : " with zero mean" }
    if differences == 1 && constant { text += " with drift" }
    return text
  }
}

/// What ``AutoARIMA/search(_:options:)`` chose and how.
public struct AutoARIMAResult: Sendable {
  /// The chosen model, fitted by CSS-ML (R's path: no polishing pass).
  public var fit: ARIMAFit
  /// Its order, including d and D.
  public var order: ARIMAOrder
  /// Whether it has a mean (d + D = 0) or drift (d + D = 1).
  public var constant: Bool
  /// Its criterion (AICc unless chosen otherwise), on the full likelihood.
  public var criterion: Double
  /// Every model fitted during the search, in order (with approximation, their approximate criteria).
  public var path: [AutoARIMAStep]
  /// Whether candidates were compared by the CSS approximation.
  public var approximated: Bool
}

/// Automatic ARIMA order selection as `forecast::auto.arima` (Hyndman and Khandakar 2008), version 8.20.
public enum AutoARIMA {
  /// Why a search could not run.
  public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOptions
    case constantSeries
    case noSuitableModel
    case tooShort(Int)
    public var description: String {
      switch self {
      case .invalidOptions: "auto ARIMA settings out of bounds (see AutoARIMAOptions.isValid)"
      case .constantSeries: "the series is constant (after differencing): nothing to search"
      case .noSuitableModel: "no suitable ARIMA model found"
      case .tooShort(let n): "the series has \(n) observed values: too few to search"
      }
    }
  }

  /// Searches ARIMA orders for `series` (NaN = missing) as `auto.arima(ts(series, frequency = period))`:
  /// 1. D by `nsdiffs` (seasonal strength of an STL decomposition > 0.64) when `period > 1` and the series has more
  ///    than two periods, then d by `ndiffs` (KPSS at 5%) on the seasonally differenced series;
  /// 2. maxima cut to a third of the observed length (`max.P`, `max.Q` to a third of the number of periods), and p,
  ///    q below the period when a seasonal part is allowed;
  /// 3. a constant (mean for d + D = 0, drift for d + D = 1) is allowed only there;
  /// 4. with approximation (more than 150 points or a period above 12), candidates are fitted by CSS and compared
  ///    on `offset + nstar log(sigma2) + 2 npar`, where the offset comes from the CSS-ML (0,d,0)(0,D,0) fit;
  ///    the best are then refitted by CSS-ML in the order of their criterion until one is acceptable;
  /// 5. stepwise: start models (p,q,P,Q) = (2,2,1,1), (0,0,0,0), (1,0,1,0), (0,1,0,1), and without a constant
  ///    (0,0,0,0) (when that one wins, the moves that follow still carry the constant, as forecast 8.20 does); then the neighbour moves of `auto.arima` (P, Q by one, both, then p, q by one, both, then the
  ///    constant toggled), restarting from each improvement, at most ``AutoARIMAOptions/maxModels`` fits;
  /// 6. a model is rejected (criterion infinity) when its fit fails, a root of its AR or MA polynomial has modulus
  ///    below 1.01, or a coefficient variance is negative (R's `checkarima`), or when its CSS start is not
  ///    stationary (where R's `arima` stops with an error).
  /// Fits follow R's optimiser path (``ARIMAOptions/polish`` false), so that the criteria are R's.
  public static func search(_ series: [Double], options: AutoARIMAOptions = AutoARIMAOptions()) throws
    -> AutoARIMAResult
  {
    guard options.isValid else { throw Failure.invalidOptions }
    // Trim leading missing values; the length between the first and last observed value.
    guard let firstObserved = series.firstIndex(where: { !$0.isNaN }),
      let lastObserved = series.lastIndex(where: { !$0.isNaN })
    else { throw Failure.tooShort(0) }
    let x = Array(series[firstObserved...])
    let seriesLength = series[firstObserved...lastObserved].filter { !$0.isNaN }.count
    guard seriesLength >= 3 else { throw Failure.tooShort(seriesLength) }
    if UnitRootTests.isConstant(x) { throw Failure.constantSeries }
    var criterion = options.criterion
    if seriesLength <= 3 { criterion = .aic }
    let m = max(1, options.period)
    var maxP = min(options.maxP, seriesLength / 3)
    var maxQ = min(options.maxQ, seriesLength / 3)
    var maxSP = min(options.maxSeasonalP, seriesLength / 3 / m)
    var maxSQ = min(options.maxSeasonalQ, seriesLength / 3 / m)
    var d = options.d
    var D = options.D
    if options.stationary {
      d = 0
      D = 0
    }
    let seasonalD: Int
    if m == 1 {
      seasonalD = 0
      maxSP = 0
      maxSQ = 0
    } else if let given = D {
      seasonalD = given
    } else if x.count <= 2 * m {
      seasonalD = 0
    } else {
      seasonalD = UnitRootTests.nsdiffs(x, period: m, maxD: options.maxSeasonalD)
    }
    var dx = seasonalD > 0 ? ARIMA.difference(x, lag: m, times: seasonalD) : x
    let regularD = d ?? UnitRootTests.ndiffs(dx, alpha: options.kpssAlpha, maxD: options.maxD)
    if regularD > 0 { dx = ARIMA.difference(dx, times: regularD) }
    guard !dx.isEmpty else { throw Failure.tooShort(seriesLength) }
    if UnitRootTests.isConstant(dx) { throw Failure.constantSeries }
    if m > 1 {
      if maxSP > 0 { maxP = min(maxP, m - 1) }
      if maxSQ > 0 { maxQ = min(maxQ, m - 1) }
    }
    let approximation = options.approximation ?? (x.count > 150 || m > 12)
    var offset = 0.0
    if approximation {
      let white = ARIMAOrder(p: 0, d: regularD, q: 0, P: 0, D: m > 1 ? seasonalD : 0, Q: 0, period: m > 1 ? m : 1)
      if let fit = try? ARIMA.fit(x, order: white, options: ARIMAOptions(standardErrors: false, polish: false)) {
        offset = -2 * fit.loglik - Double(seriesLength) * Math.log(fit.sigma2)
      }
    }
    let allowDrift = options.allowDrift && regularD + seasonalD == 1
    let allowMean = options.allowMean && regularD + seasonalD == 0
    var searcher = Searcher(
      x: x, seriesLength: seriesLength, d: regularD, D: seasonalD, m: m, criterion: criterion,
      approximation: approximation, offset: offset)
    searcher.cancellation = options.cancellation
    if options.stepwise {
      searcher.stepwise(
        options: options, maxP: maxP, maxQ: maxQ, maxSP: maxSP, maxSQ: maxSQ,
        allowDrift: allowDrift, allowMean: allowMean)
    } else {
      searcher.grid(
        options: options, maxP: maxP, maxQ: maxQ, maxSP: maxSP, maxSQ: maxSQ,
        constant: allowDrift || allowMean)
    }
    try options.cancellation.check()
    guard var best = searcher.best else { throw Failure.noSuitableModel }
    if approximation {
      // Refit by CSS-ML in the order of the approximate criterion (stable for ties) until one is acceptable.
      let ranked = searcher.path.indices.sorted {
        searcher.path[$0].criterion != searcher.path[$1].criterion
          ? searcher.path[$0].criterion < searcher.path[$1].criterion : $0 < $1
      }
      var chosen: Candidate?
      for i in ranked {
        let step = searcher.path[i]
        let candidate = searcher.fit(order: step.order, constant: step.constant, approximation: false)
        if candidate.criterion < .infinity {
          chosen = candidate
          break
        }
      }
      try options.cancellation.check()
      guard let refit = chosen else { throw Failure.noSuitableModel }
      best = refit
    }
    guard let fit = best.fit, best.criterion < .infinity else { throw Failure.noSuitableModel }
    return AutoARIMAResult(
      fit: fit, order: best.order, constant: best.constant, criterion: best.criterion,
      path: searcher.path, approximated: approximation)
  }

  /// A fitted candidate and its criterion.
  struct Candidate {
    var order: ARIMAOrder
    var constant: Bool
    var criterion: Double
    var fit: ARIMAFit?
  }

  /// The search state (R's `results` matrix and `bestfit`).
  struct Searcher {
    let x: [Double]
    let seriesLength: Int
    let d: Int
    let D: Int
    let m: Int
    let criterion: InformationCriterion
    let approximation: Bool
    let offset: Double
    var path: [AutoARIMAStep] = []
    var best: Candidate?
    var cancellation: CancellationToken = .never

    init(
      x: [Double], seriesLength: Int, d: Int, D: Int, m: Int, criterion: InformationCriterion,
      approximation: Bool, offset: Double
    ) {
      self.x = x
      self.seriesLength = seriesLength
      self.d = d
      self.D = D
      self.m = m
      self.criterion = criterion
      self.approximation = approximation
      self.offset = offset
    }

    func order(_ p: Int, _ q: Int, _ P: Int, _ Q: Int) -> ARIMAOrder {
      ARIMAOrder(p: p, d: d, q: q, P: m > 1 ? P : 0, D: m > 1 ? D : 0, Q: m > 1 ? Q : 0, period: m)
    }

    /// R's `myarima`.
    func fit(order: ARIMAOrder, constant: Bool, approximation: Bool) -> Candidate {
      let differences = order.d + (order.period > 1 ? order.D : 0)
      var options = ARIMAOptions(
        method: approximation ? .css : .cssML, includeMean: constant && differences == 0,
        drift: constant && differences == 1, standardErrors: true, polish: false,
        zeroPolish: false)
      options.failOnNonStationaryStart = true
      options.cancellation = cancellation
      var rejected = Candidate(order: order, constant: constant, criterion: .infinity, fit: nil)
      guard let fit = try? ARIMA.fit(x, order: order, options: options) else { return rejected }
      rejected.fit = fit
      let nstar = Double(seriesLength - order.differencingLength)
      let npar = Double(fit.coefficients.count + 1)
      let aic = approximation ? offset + nstar * Math.log(fit.sigma2) + 2 * npar : fit.aic
      guard !aic.isNaN else { return rejected }
      let value: Double
      switch criterion {
      case .aic: value = aic
      case .bic: value = aic + npar * (Math.log(nstar) - 2)
      case .aicc: value = aic + 2 * npar * (npar + 1) / (nstar - npar - 1)
      }
      guard !value.isNaN else { return rejected }
      var minRoot = 2.0
      for (coefficients, sign) in [(fit.phi, -1.0), (fit.theta, 1.0)] {
        guard let last = coefficients.lastIndex(where: { abs($0) > 1e-8 }) else { continue }
        minRoot = min(minRoot, ARMAParameters.smallestRootModulus(coefficients[0...last].map { sign * $0 }))
      }
      if minRoot < 1 + 1e-2 || fit.standardErrors.contains(where: \.isNaN) { return rejected }
      return Candidate(order: order, constant: constant, criterion: value, fit: fit)
    }

    /// Whether (order, constant) has not been fitted yet (R's `newmodel`).
    func isNew(_ order: ARIMAOrder, _ constant: Bool) -> Bool {
      !path.contains { $0.order == order && $0.constant == constant }
    }

    /// Fits, records, and returns whether it beat the best so far (which it then becomes).
    mutating func tryModel(_ order: ARIMAOrder, _ constant: Bool) -> Bool {
      let candidate = fit(order: order, constant: constant, approximation: approximation)
      path.append(AutoARIMAStep(order: order, constant: constant, criterion: candidate.criterion))
      if best == nil || candidate.criterion < (best?.criterion ?? .infinity) {
        best = candidate
        return true
      }
      return false
    }

    mutating func stepwise(
      options: AutoARIMAOptions, maxP: Int, maxQ: Int, maxSP: Int, maxSQ: Int,
      allowDrift: Bool, allowMean: Bool
    ) {
      var constant = allowDrift || allowMean
      var startP = options.startP, startQ = options.startQ
      var startSP = options.startSeasonalP, startSQ = options.startSeasonalQ
      if x.count < 10 {
        startP = min(startP, 1)
        startQ = min(startQ, 1)
        startSP = 0
        startSQ = 0
      }
      var p = min(startP, maxP)
      var q = min(startQ, maxQ)
      var P = min(startSP, maxSP)
      var Q = min(startSQ, maxSQ)
      // The first model is the best whatever its criterion.
      let first = fit(order: order(p, q, P, Q), constant: constant, approximation: approximation)
      path.append(AutoARIMAStep(order: first.order, constant: constant, criterion: first.criterion))
      best = first
      if tryModel(order(0, 0, 0, 0), constant) { (p, q, P, Q) = (0, 0, 0, 0) }
      if maxP > 0 || maxSP > 0 {
        let ap = maxP > 0 ? 1 : 0, aP = m > 1 && maxSP > 0 ? 1 : 0
        if tryModel(order(ap, 0, aP, 0), constant) { (p, q, P, Q) = (ap, 0, aP, 0) }
      }
      if maxQ > 0 || maxSQ > 0 {
        let aq = maxQ > 0 ? 1 : 0, aQ = m > 1 && maxSQ > 0 ? 1 : 0
        if tryModel(order(0, aq, 0, aQ), constant) { (p, q, P, Q) = (0, aq, 0, aQ) }
      }
      if constant {
        // As forecast 8.20: the orders are reset when this model wins, but `constant` is not, so the neighbour
        // moves that follow keep the constant (the best model itself has none).
        if tryModel(order(0, 0, 0, 0), false) { (p, q, P, Q) = (0, 0, 0, 0) }
      }
      var k = path.count
      let nmodels = options.maxModels
      var startK = 0
      search: while startK < k && k < nmodels {
        startK = k
        let moves: [(Bool, Int, Int, Int, Int)] = [
          (P > 0, 0, 0, -1, 0), (Q > 0, 0, 0, 0, -1), (P < maxSP, 0, 0, 1, 0), (Q < maxSQ, 0, 0, 0, 1),
          (Q > 0 && P > 0, 0, 0, -1, -1), (Q < maxSQ && P > 0, 0, 0, -1, 1), (Q > 0 && P < maxSP, 0, 0, 1, -1),
          (Q < maxSQ && P < maxSP, 0, 0, 1, 1),
          (p > 0, -1, 0, 0, 0), (q > 0, 0, -1, 0, 0), (p < maxP, 1, 0, 0, 0), (q < maxQ, 0, 1, 0, 0),
          (q > 0 && p > 0, -1, -1, 0, 0), (q < maxQ && p > 0, -1, 1, 0, 0), (q > 0 && p < maxP, 1, -1, 0, 0),
          (q < maxQ && p < maxP, 1, 1, 0, 0),
        ]
        for (allowed, dp, dq, dP, dQ) in moves where allowed {
          let candidate = order(p + dp, q + dq, P + dP, Q + dQ)
          guard isNew(candidate, constant) else { continue }
          k += 1
          if k > nmodels { continue search }
          if tryModel(candidate, constant) {
            (p, q, P, Q) = (p + dp, q + dq, P + dP, Q + dQ)
            continue search
          }
        }
        if allowDrift || allowMean {
          let candidate = order(p, q, P, Q)
          if isNew(candidate, !constant) {
            k += 1
            if k > nmodels { continue search }
            if tryModel(candidate, !constant) { constant.toggle() }
          }
        }
      }
    }

    /// R's `search.arima`: every (p, q, P, Q) within the maxima with p + q + P + Q <= maxOrder, with and without
    /// a constant when one is allowed.
    mutating func grid(options: AutoARIMAOptions, maxP: Int, maxQ: Int, maxSP: Int, maxSQ: Int, constant: Bool) {
      for i in 0...maxP {
        for j in 0...maxQ {
          for I in 0...maxSP {
            for J in 0...maxSQ where i + j + I + J <= options.maxOrder {
              for K in (constant ? [true, false] : [false]) {
                _ = tryModel(order(i, j, I, J), K)
              }
            }
          }
        }
      }
    }
  }
}
