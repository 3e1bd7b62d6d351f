import AlmanacCore
import Forecasting
import Foundation
import Testing
import _TestSupport

/// R 4.2.2 `stats::arima` on series with missing values (NA) and seasonal models
/// (`Fixtures/r_seasonal_missing.txt`, written by `Fixtures/make_r_seasonal_missing.R`).
@Suite(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
struct ARIMASeasonalMissingTests {
  static let cases = RFixtureCase.load("r_seasonal_missing.txt")

  static func order(_ c: RFixtureCase) -> ARIMAOrder {
    let o = c.ints("order")
    return ARIMAOrder(p: o[0], d: o[1], q: o[2], P: o[3], D: o[4], Q: o[5], period: o[6])
  }

  static func fit(_ c: RFixtureCase, polish: Bool) throws -> ARIMAFit {
    let y = try #require(try c.series())
    let method = try #require(ARIMAMethod(rawValue: c.words("method").first?.lowercased() ?? ""))
    return try ARIMA.fit(y, order: order(c),
                         options: ARIMAOptions(method: method, includeMean: c.words("mean").first == "TRUE",
                                               polish: polish))
  }

  @Test func fixtureHasMissingAndSeasonalCases() {
    #expect(Self.cases.count >= 20)
    #expect(Self.cases.filter { !$0.ints("na").isEmpty }.count >= 10)
    #expect(Self.cases.filter { $0.ints("order")[6] == 12 }.count >= 8)
  }

  /// Tolerance 1e-3 on coefficients and log-likelihood, 1e-3 relative on sigma2, nobs exact (R's optimiser path:
  /// `polish: false`).
  @Test(arguments: cases)
  func coefficientsAndLikelihood(_ c: RFixtureCase) throws {
    let fit = try Self.fit(c, polish: false)
    #expect(fit.coefficientNames == c.words("names"), "\(c)")
    let reference = c.numbers("coef")
    for (i, name) in c.words("names").enumerated() {
      let ours = try #require(fit.coefficient(name))
      #expect(abs(ours - reference[i]) < 1e-3, "\(c) \(name): \(ours) vs R \(reference[i])")
    }
    #expect(abs(fit.loglik - c.number("loglik")) < 1e-3, "\(c) loglik \(fit.loglik) vs R \(c.number("loglik"))")
    #expect(abs(fit.sigma2 - c.number("sigma2")) / c.number("sigma2") < 1e-3, "\(c) sigma2 \(fit.sigma2)")
    #expect(fit.nUsed == c.ints("nobs").first, "\(c) nobs \(fit.nUsed)")
    #expect(fit.missingCount == c.ints("na").count)
  }

  /// Forecasts and their standard errors (R's `predict`), within 1e-3 relative to the forecast's scale.
  @Test(arguments: cases.filter { $0.words("method").first != "CSS" })
  func forecastsAndStandardErrors(_ c: RFixtureCase) throws {
    let fit = try Self.fit(c, polish: false)
    let pred = c.numbers("pred")
    let se = c.numbers("predse")
    let f = try fit.forecast(steps: pred.count)
    for h in pred.indices {
      #expect(abs(f.mean[h] - pred[h]) < 1e-3 * max(1, abs(pred[h])), "\(c) pred[\(h)] \(f.mean[h]) vs R \(pred[h])")
      #expect(abs(f.standardError[h] - se[h]) < 1e-3 * max(1e-2, se[h]) + 1e-6, "\(c) se[\(h)] \(f.standardError[h]) vs R \(se[h])")
    }
  }

  /// Residuals: NaN exactly where the series is missing (R's `residuals` gives NA there), R's values elsewhere.
  @Test(arguments: cases.filter { $0.words("method").first != "CSS" })
  func residualsAreMissingWhereTheSeriesIs(_ c: RFixtureCase) throws {
    let fit = try Self.fit(c, polish: false)
    let y = try #require(try c.series())
    #expect(fit.residuals.count == y.count)
    for i in y.indices { #expect(fit.residuals[i].isNaN == y[i].isNaN, "\(c) residual \(i)") }
    for (i, r) in c.numbers("resid_head").enumerated() {
      if r.isNaN { #expect(fit.residuals[i].isNaN) } else {
        #expect(abs(fit.residuals[i] - r) < 2e-3 * max(1, abs(r)), "\(c) residual \(i): \(fit.residuals[i]) vs R \(r)")
      }
    }
  }

  /// The default polishing pass never ends below R's likelihood.
  @Test(arguments: cases.filter { $0.words("method").first != "CSS" })
  func polishingNeverLowersTheLikelihood(_ c: RFixtureCase) throws {
    let fit = try Self.fit(c, polish: true)
    #expect(fit.loglik >= c.number("loglik") - 1e-3, "\(c) polished \(fit.loglik) vs R \(c.number("loglik"))")
  }
}

/// Missing values and seasonal orders without reference data: edge cases.
@Suite struct ARIMAMissingEdgeTests {
  static func wave(_ n: Int) -> [Double] { (0..<n).map { Foundation.sin(Double($0) * 0.7) + 0.1 * Double($0 % 5) } }

  @Test func allMissingIsTooShort() {
    let y = [Double](repeating: .nan, count: 30)
    #expect(throws: ARIMAError.self) { try ARIMA.fit(y, order: ARIMAOrder(p: 1, d: 0, q: 0)) }
  }

  @Test func leadingAndTrailingMissingValuesFitAndForecast() throws {
    var y = Self.wave(80)
    y[0] = .nan
    y[1] = .nan
    y[79] = .nan
    let fit = try ARIMA.fit(y, order: ARIMAOrder(p: 1, d: 1, q: 1))
    #expect(fit.nUsed == 77 - 1)
    #expect(fit.loglik.isFinite)
    let f = try fit.forecast(steps: 3)
    #expect(f.mean.allSatisfy(\.isFinite) && f.standardError.allSatisfy { $0 > 0 })
    // The step after the missing last point is two steps after the last observation: a wider interval than one step.
    #expect(f.standardError[0] > 1.01 * fit.sigma2.squareRoot())
  }

  @Test func missingValuesInAConstantSeriesStillFailAsConstant() {
    var y = [Double](repeating: 2, count: 40)
    y[5] = .nan
    #expect(throws: ARIMAError.constantSeries(d: 0)) { try ARIMA.fit(y, order: ARIMAOrder(p: 1, d: 0, q: 0)) }
  }

  @Test(arguments: [
    ARIMAOrder(p: 1, d: 0, q: 0, P: 1, D: 0, Q: 0, period: 1),
    ARIMAOrder(p: 0, d: 0, q: 0, P: 11, D: 0, Q: 0, period: 4),
    ARIMAOrder(p: 0, d: 0, q: 0, P: 0, D: 1, Q: 0, period: 1001),
    ARIMAOrder(p: 1, d: 0, q: 0, P: 3, D: 0, Q: 0, period: 24),
  ])
  func outOfBoundSeasonalOrdersAreRejected(_ order: ARIMAOrder) {
    #expect(!order.isValid)
    #expect(throws: ARIMAError.invalidOrder(order)) { try ARIMA.fit(Self.wave(200), order: order) }
  }

  @Test func seasonalOrderDescriptionIsRsNotation() {
    #expect(ARIMAOrder(p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, period: 12).description == "(0,1,1)(0,1,1)[12]")
    #expect(ARIMAOrder(p: 1, d: 0, q: 2).description == "(1,0,2)")
  }

  @Test func seasonalDifferencingPropagatesMissingValues() {
    let x: [Double] = [1, 2, .nan, 4, 5, 7, 8]
    let w = ARIMA.difference(x, lag: 3, times: 1)
    #expect(w.count == 4)
    #expect(w[0] == 3 && w[1] == 3 && w[2].isNaN && w[3] == 4)
    #expect(ARIMA.difference([1, 2], lag: 3, times: 1).isEmpty)
  }

  @Test func horizonOutsideBoundsIsAnError() throws {
    let fit = try ARIMA.fit(Self.wave(60), order: ARIMAOrder(p: 1, d: 0, q: 0))
    #expect(throws: ARIMAError.invalidHorizon(-1)) { try fit.forecast(steps: -1) }
    #expect(throws: ARIMAError.invalidHorizon(ARIMAFit.maxSteps + 1)) { try fit.forecast(steps: ARIMAFit.maxSteps + 1) }
    #expect(try fit.forecast(steps: 0).mean.isEmpty)
  }
}

/// Warm starts (``ARIMAOptions/startValues``) reach the same optimum as a cold fit.
@Suite struct WarmStartTests {
  static func series() -> [Double] {
    var rng = SplitMix64(seed: 11)
    var e = 0.0
    var x = 0.0
    return (0..<300).map { _ in
      let shock = rng.nextGaussian()
      x += shock + 0.4 * e
      e = shock
      return x
    }
  }

  @Test func warmStartFromAShorterFitReachesTheSameOptimum() throws {
    let y = Self.series()
    let order = ARIMAOrder(p: 1, d: 1, q: 1)
    let cold = try ARIMA.fit(y, order: order)
    let previous = try ARIMA.fit(Array(y.dropLast()), order: order)
    var options = ARIMAOptions()
    options.startValues = previous.coefficients
    let warm = try ARIMA.fit(y, order: order, options: options)
    #expect(abs(warm.loglik - cold.loglik) < 1e-6)
    for (a, b) in zip(warm.coefficients, cold.coefficients) { #expect(abs(a - b) < 1e-3) }
    #expect(warm.evaluations < cold.evaluations, "warm \(warm.evaluations) vs cold \(cold.evaluations) evaluations")
  }

  @Test func unusableStartValuesAreIgnoredWithANote() throws {
    var options = ARIMAOptions()
    options.startValues = [2.0, 0.1]  // non-stationary AR
    let fit = try ARIMA.fit(Self.series(), order: ARIMAOrder(p: 1, d: 1, q: 1), options: options)
    #expect(fit.notes.contains { $0.hasPrefix("start values ignored") })
    options.startValues = [0.1]  // wrong count
    #expect(try ARIMA.fit(Self.series(), order: ARIMAOrder(p: 1, d: 1, q: 1), options: options).notes
      .contains { $0.hasPrefix("start values ignored") })
  }

  @Test func rollingOriginWithWarmStartsMatchesRefitting() throws {
    let y = Self.series()
    let order = ARIMAOrder(p: 1, d: 1, q: 1)
    let options = ARIMAOptions(standardErrors: false)
    let cold = try RollingOrigin.oneStepForecasts(y, holdout: 10, refitEvery: 1, order: order, options: options)
    let warm = try RollingOrigin.oneStepForecasts(y, holdout: 10, refitEvery: 1, order: order, options: options,
                                                  warmStart: true)
    #expect(cold.fits == 10 && warm.fits == 10)
    for (a, b) in zip(cold.forecast.mean, warm.forecast.mean) { #expect(abs(a - b) < 1e-4 * max(1, abs(a))) }
  }
}
