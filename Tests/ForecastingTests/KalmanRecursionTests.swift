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
