import AlmanacCore
import Forecasting
import Foundation
import Testing
import _TestSupport

/// `forecast::auto.arima` (forecast 8.20, R 4.2.2) choices on the series of `../shared/data`
/// (`Fixtures/r_auto_arima.txt`, written by `Fixtures/make_r_auto_arima.R`).
@Suite(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
struct AutoARIMAReferenceTests {
  static let cases = RFixtureCase.load("r_auto_arima.txt")

  static func search(_ c: RFixtureCase) throws -> AutoARIMAResult {
    let y = try #require(try c.series())
    return try AutoARIMA.search(y, options: AutoARIMAOptions(period: c.ints("frequency").first ?? 1))
  }

  @Test func fixtureHasAtLeastFiveSeries() {
    #expect(Self.cases.count >= 5)
    #expect(Self.cases.filter { !$0.ints("na").isEmpty }.count >= 3, "series with missing values")
    #expect(Self.cases.contains { $0.words("data").first?.hasPrefix("rates/") == true })
  }

  /// The chosen order exactly (p, d, q, P, D, Q, period and whether there is a constant); its AICc and
  /// log-likelihood within 1e-3; its coefficients within 1e-3.
  @Test(arguments: cases)
  func sameChoiceAsR(_ c: RFixtureCase) throws {
    let result = try Self.search(c)
    let o = c.ints("order")
    let expected = ARIMAOrder(p: o[0], d: o[1], q: o[2], P: o[3], D: o[4], Q: o[5], period: o[6])
    let normalised = expected.period > 1 ? expected : ARIMAOrder(p: o[0], d: o[1], q: o[2])
    #expect(result.order == normalised, "\(c): chose \(result.order) constant \(result.constant), R \(normalised)")
    let names = c.words("names")
    #expect(result.constant == (names.contains("intercept") || names.contains("drift")), "\(c) constant")
    #expect(abs(result.criterion - c.number("aicc")) < 1e-3, "\(c) AICc \(result.criterion) vs R \(c.number("aicc"))")
    #expect(abs(result.fit.loglik - c.number("loglik")) < 1e-3, "\(c) loglik \(result.fit.loglik) vs R \(c.number("loglik"))")
    for (i, name) in names.enumerated() {
      let ours = try #require(result.fit.coefficient(name))
      #expect(abs(ours - c.numbers("coef")[i]) < 1e-3, "\(c) \(name) \(ours) vs R \(c.numbers("coef")[i])")
    }
  }

  /// The path: the same models in the same order as R's trace (order and constant), with the same criteria to 1e-2
  /// (R prints 4 decimals; `Inf` where R rejected a model).
  @Test(arguments: cases)
  func samePathAsR(_ c: RFixtureCase) throws {
    let result = try Self.search(c)
    // R's trace lists the search, then (with approximation) the refit message and the final model: compare the
    // search part, `path` lines up to as many as we tried.
    let reference = c.paths.map { line -> (String, Double) in
      let parts = line.components(separatedBy: " : ")
      return (parts[0], parts.count > 1 ? (parts[1] == "Inf" ? .infinity : Double(parts[1]) ?? .nan) : .nan)
    }
    let ours = result.path.map { ($0.description, $0.criterion) }
    #expect(ours.count <= reference.count)
    for (i, step) in ours.enumerated() where i < reference.count {
      #expect(step.0 == reference[i].0, "\(c) step \(i): \(step.0) vs R \(reference[i].0)")
      if reference[i].1.isInfinite {
        #expect(step.1.isInfinite, "\(c) step \(i) \(step.0): \(step.1) vs R Inf")
      } else {
        #expect(abs(step.1 - reference[i].1) < 1e-2, "\(c) step \(i) \(step.0): \(step.1) vs R \(reference[i].1)")
      }
    }
  }

  /// `ndiffs` (KPSS) and `nsdiffs` (seasonal strength of STL) as R computes them.
  @Test(arguments: cases)
  func differencingTests(_ c: RFixtureCase) throws {
    let y = try #require(try c.series())
    let period = c.ints("frequency").first ?? 1
    if period > 1 {
      let strength = try #require(UnitRootTests.seasonalStrength(y, period: period))
      // With missing values forecast fills them by `na.interp` (STL-based) and we linearly: a looser tolerance.
      let tolerance = c.ints("na").isEmpty ? 1e-6 : 1e-2
      #expect(abs(strength - c.number("seas_strength")) < tolerance, "\(c) strength \(strength)")
      #expect(UnitRootTests.nsdiffs(y, period: period) == c.ints("nsdiffs").first)
      let D = c.ints("order")[4]
      let dx = D > 0 ? ARIMA.difference(y, lag: period, times: D) : y
      #expect(UnitRootTests.ndiffs(dx) == c.ints("ndiffs").first)
    } else {
      #expect(UnitRootTests.ndiffs(y) == c.ints("ndiffs").first)
    }
  }
}

/// Edge cases of the search (no reference program needed).
@Suite struct AutoARIMAEdgeTests {
  @Test func constantSeriesIsAnError() {
    #expect(throws: AutoARIMA.Failure.constantSeries) { try AutoARIMA.search([Double](repeating: 1, count: 50)) }
  }

  @Test func emptyAndAllMissingAreTooShort() {
    #expect(throws: AutoARIMA.Failure.tooShort(0)) { try AutoARIMA.search([]) }
    #expect(throws: AutoARIMA.Failure.tooShort(0)) { try AutoARIMA.search([.nan, .nan]) }
  }

  @Test func outOfBoundSettingsAreRejected() {
    #expect(throws: AutoARIMA.Failure.invalidOptions) {
      try AutoARIMA.search([1, 2, 3, 4, 5, 4, 3], options: AutoARIMAOptions(maxP: 11))
    }
    #expect(!AutoARIMAOptions(period: 0).isValid)
    #expect(!AutoARIMAOptions(maxModels: 0).isValid)
    #expect(AutoARIMAOptions().isValid)
  }

  /// White noise with missing values: a model is found, the path starts with R's start models and no model is
  /// fitted twice.
  @Test func whiteNoiseWithMissingValues() throws {
    var rng = SplitMix64(seed: 3)
    var y = (0..<120).map { _ in rng.nextGaussian() }
    y[10] = .nan
    y[50] = .nan
    let result = try AutoARIMA.search(y)
    #expect(result.order.d == 0)
    #expect(result.path.first?.order == ARIMAOrder(p: 2, d: 0, q: 2))
    #expect(Set(result.path.map { "\($0.order) \($0.constant)" }).count == result.path.count)
    #expect(result.fit.loglik.isFinite)
  }

  @Test func kpssOfAConstantIsNotAReason() {
    #expect(UnitRootTests.ndiffs([2, 2, 2, 2, 2]) == 0)
    #expect(UnitRootTests.ndiffs([]) == 0)
    #expect(UnitRootTests.kpssPValue(0.1) == 0.1 && UnitRootTests.kpssPValue(5) == 0.01)
    #expect(abs(UnitRootTests.kpssPValue(0.463) - 0.05) < 1e-12)
  }

  @Test func stlNeedsTwoPeriodsAndFiniteValues() {
    #expect(STL.decompose([1, 2, 3, 4], period: 4, sWindow: 11) == nil)
    #expect(UnitRootTests.seasonalStrength([1, 2, 3, 4, 5], period: 4) == nil)
    let wave = (0..<40).map { Double($0 % 4) }
    #expect(STL.decompose([.nan] + wave, period: 4, sWindow: 11) == nil)
    #expect(STL.decompose([.infinity] + wave, period: 4, sWindow: 11) == nil)
    #expect(UnitRootTests.seasonalStrength([Double](repeating: 3, count: 40), period: 4) == nil)
    #expect(UnitRootTests.nsdiffs([Double](repeating: 3, count: 40), period: 4) == 0)
    // A pure seasonal pattern is all season: strength 1, one seasonal difference.
    #expect(UnitRootTests.seasonalStrength(wave, period: 4).map { $0 > 0.99 } == true)
    #expect(UnitRootTests.nsdiffs(wave, period: 4) == 1)
  }
}
