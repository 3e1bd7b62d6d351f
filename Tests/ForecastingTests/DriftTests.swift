import Forecasting
import Foundation
import Testing
import _TestSupport

/// ARIMA(p, 1, q) with drift against statsmodels 0.15 `ARIMA(order, trend="t")` (recorded in
/// `Fixtures/statsmodels_drift.txt`; the series are read from ../shared): log-likelihood, coefficients, forecasts and
/// their standard errors (which include the integration and the drift).
@Suite(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
struct DriftTests {
  struct Case: Sendable, CustomStringConvertible {
    var dataset: String
    var order: ARIMAOrder
    var loglik: Double
    var params: [Double]
    var pred: [Double]
    var se: [Double]
    var description: String { "\(dataset) \(order)" }
  }

  static var cases: [Case] {
    guard let url = Bundle.module.url(forResource: "Fixtures/statsmodels_drift", withExtension: "txt"),
          let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
      let f = line.split(separator: " ").map(String.init)
      guard f.count > 6, let p = Int(f[1]), let d = Int(f[2]), let q = Int(f[3]) else { return nil }
      func numbers(after key: String) -> [Double] {
        guard let i = f.firstIndex(of: key) else { return [] }
        return Array(f[(i + 1)...].prefix { Double($0) != nil }.compactMap(Double.init))
      }
      return Case(dataset: f[0], order: ARIMAOrder(p: p, d: d, q: q), loglik: numbers(after: "loglik")[0],
                  params: numbers(after: "params"), pred: numbers(after: "pred"), se: numbers(after: "se"))
    }
  }

  @Test func fixtureHasBothCases() {
    #expect(Self.cases.map(\.description) == ["WWWusage (1,1,0)", "LakeHuron (1,1,1)"])
  }

  @Test(arguments: DriftTests.cases)
  func driftMatchesStatsmodels(_ c: Case) throws {
    let y = try RReferenceCase.series(c.dataset)
    // LakeHuron (1,1,1) has two likelihood basins (see docs/forecasting.md); statsmodels' start lands in the one the
    // zero start reaches, so compare there.
    let fit = try ARIMA.fit(y, order: c.order, options: ARIMAOptions(drift: true, zeroStart: true))
    #expect(fit.coefficientNames.last == "drift")
    // statsmodels: [drift, ar..., ma..., sigma2]; ours: [ar..., ma..., drift].
    let theirs = Array(c.params[1..<(c.params.count - 1)]) + [c.params[0]]
    for (i, value) in theirs.enumerated() {
      #expect(abs(fit.coefficients[i] - value) < 1e-3, "\(c) \(fit.coefficientNames[i]) \(fit.coefficients[i]) vs \(value)")
    }
    #expect(abs(fit.loglik - c.loglik) < 1e-3, "\(c) loglik \(fit.loglik) vs \(c.loglik)")
    let f = try fit.forecast(steps: c.pred.count)
    for h in 0..<c.pred.count {
      #expect(abs(f.mean[h] - c.pred[h]) / abs(c.pred[h]) < 1e-3, "\(c) pred[\(h)]")
      #expect(abs(f.standardError[h] - c.se[h]) / c.se[h] < 1e-3, "\(c) se[\(h)] \(f.standardError[h]) vs \(c.se[h])")
    }
  }
}
