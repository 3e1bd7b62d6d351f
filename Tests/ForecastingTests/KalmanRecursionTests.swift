import AlmanacCore
@testable import Forecasting
import Testing

/// The Chandrasekhar recursions the likelihood uses must give the same sums as the textbook Riccati covariance
/// recursion (Harvey's state space as in R's `ARIMA_Like`) for any stationary ARMA: to 1e-10 without the
/// steady-state switch, and to 1e-6 with it (each recursion freezes its gain at a slightly different step).
@Suite struct KalmanRecursionTests {
  @Test(arguments: [(1, 0), (0, 1), (2, 1), (3, 2), (5, 5), (1, 4), (4, 0)])
  func chandrasekharEqualsRiccati(_ order: (Int, Int)) {
    var rng = SplitMix64(seed: UInt64(17 + 10 * order.0 + order.1))
    let (p, q) = order
    for _ in 0..<5 {
      let series = (0..<400).map { _ in rng.nextGaussian() }
      let objective = ARMAObjective(differenced: series, p: p, q: q, hasMean: true)
      // Transformed AR parameters (always stationary), MA coefficients within (-0.9, 0.9).
      var params = (0..<p).map { _ in 2 * rng.nextUnit() - 1 } + (0..<q).map { _ in 1.8 * rng.nextUnit() - 0.9 }
      params.append(0.1)
      for (tolerance, agreement) in [(0.0, 1e-10), (ARMAObjective.defaultSteadyTolerance, 1e-6)] {
        objective.steadyTolerance = tolerance
        let fast = params.withUnsafeMutableBufferPointer { objective.exactChandrasekhar($0, transformed: true) }
        let slow = params.withUnsafeMutableBufferPointer { objective.exactRiccati($0, transformed: true) }
        guard let fast, let slow else {
          Issue.record("stationary parameters must have a likelihood")
          return
        }
        #expect(abs(fast.ssq - slow.ssq) <= agreement * slow.ssq, "\(order) ssq \(fast.ssq) vs \(slow.ssq)")
        #expect(abs(fast.sumlog - slow.sumlog) <= agreement * max(1, abs(slow.sumlog)),
                "\(order) sumlog \(fast.sumlog) vs \(slow.sumlog)")
      }
    }
  }
}

/// R's `ARIMA_Like` port (used with missing values) against the Chandrasekhar likelihood on complete data: the same
/// sums for d = 0 (both exact), and for d = 1 the diffuse start (kappa = 1e6) agrees with exact differencing to about
/// 1e-5 relative (R's approximation).
@Suite struct MissingFilterAgreementTests {
  @Test(arguments: [(1, 0, 0), (2, 0, 1), (0, 0, 2), (1, 1, 1), (0, 1, 1)])
  func rFilterEqualsDifferencedFilterOnCompleteData(_ order: (Int, Int, Int)) {
    let (p, d, q) = order
    var rng = SplitMix64(seed: UInt64(5 + 100 * p + 10 * d + q))
    var x = (0..<300).map { _ in rng.nextGaussian() }
    if d == 1 { for i in 1..<x.count { x[i] += x[i - 1] } }
    let layout = ARMALayout(ARIMAOrder(p: p, d: d, q: q))
    let w = ARIMA.difference(x, times: d)
    let delta = ARMALayout.delta(d: d, D: 0, s: 1)
    let plain = ARMAObjective(differenced: w, layout: layout, hasMean: false)
    plain.steadyTolerance = 0
    let kalman = ARMAObjective(differenced: w, layout: layout, hasMean: false, original: x, delta: delta)
    var params = (0..<p).map { _ in 2 * rng.nextUnit() - 1 } + (0..<q).map { _ in 1.6 * rng.nextUnit() - 0.8 }
    let a = params.withUnsafeMutableBufferPointer { plain.exact($0, transformed: true) }
    let b = params.withUnsafeMutableBufferPointer { kalman.exact($0, transformed: true) }
    guard let a, let b else {
      Issue.record("stationary parameters must have a likelihood")
      return
    }
    #expect(a.count == b.count, "observations in the likelihood")
    let tolerance = d == 0 ? 1e-9 : 1e-5
    #expect(abs(a.ssq - b.ssq) <= tolerance * a.ssq, "\(order) ssq \(a.ssq) vs \(b.ssq)")
    #expect(abs(a.sumlog - b.sumlog) <= tolerance * max(1, abs(a.sumlog)), "\(order) sumlog \(a.sumlog) vs \(b.sumlog)")
  }
}
