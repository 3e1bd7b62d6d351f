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

/// The doubling iteration used for large states (seasonal models) solves the Lyapunov equation
/// `Q0 = T Q0 T' + R R'` (residual below 1e-10 relative), and refuses a non-stationary AR part.
@Suite struct StationaryCovarianceDoublingTests {
  @Test(arguments: [(13, 0), (14, 13), (25, 24), (26, 2)])
  func doublingSolvesTheLyapunovEquation(_ shape: (Int, Int)) {
    let (p, q) = shape
    let r = max(p, q + 1)
    var rng = SplitMix64(seed: UInt64(7 * p + q))
    // A stationary AR part: a seasonal-looking product through the PACF transform.
    let phi = ARMAParameters.pacfToAR((0..<p).map { _ in 1.2 * rng.nextUnit() - 0.6 })
    let theta = (0..<(r - 1)).map { i in i < q ? 0.8 * rng.nextUnit() - 0.4 : 0 }
    let solver = StationaryCovariance(r: r)
    defer { solver.deallocate() }
    #expect(solver.usesDoubling)
    var out = [Double](repeating: 0, count: r * r)
    let ok = phi.withUnsafeBufferPointer { ph in
      theta.withUnsafeBufferPointer { th in
        out.withUnsafeMutableBufferPointer { o in
          solver.compute(phi: ph.baseAddress ?? UnsafePointer(o.baseAddress!), p: p,
                         theta: th.baseAddress ?? UnsafePointer(o.baseAddress!), out: o.baseAddress!)
        }
      }
    }
    #expect(ok)
    func t(_ i: Int, _ j: Int) -> Double { (j == 0 && i < p ? phi[i] : 0) + (j == i + 1 ? 1 : 0) }
    func loading(_ i: Int) -> Double { i == 0 ? 1 : theta[i - 1] }
    var largest = 0.0
    var scale = 0.0
    for i in 0..<r {
      for j in 0..<r {
        var tqt = 0.0
        for k in 0..<r { for l in 0..<r { tqt += t(i, k) * out[k + r * l] * t(j, l) } }
        largest = max(largest, abs(out[i + r * j] - tqt - loading(i) * loading(j)))
        scale = max(scale, abs(out[i + r * j]))
      }
    }
    #expect(largest <= 1e-10 * scale, "residual \(largest) of \(scale)")
  }

  @Test func nonStationaryIsRefused() {
    let r = 14
    var phi = [Double](repeating: 0, count: 13)
    phi[12] = 1.01
    let theta = [Double](repeating: 0, count: r - 1)
    let solver = StationaryCovariance(r: r)
    defer { solver.deallocate() }
    var out = [Double](repeating: 0, count: r * r)
    let ok = phi.withUnsafeBufferPointer { ph in
      theta.withUnsafeBufferPointer { th in
        out.withUnsafeMutableBufferPointer { o in
          solver.compute(phi: ph.baseAddress!, p: 13, theta: th.baseAddress!, out: o.baseAddress!)
        }
      }
    }
    #expect(!ok)
  }
}
