import AlmanacCore
import Forecasting
import Testing

@Suite("ARIMA fits stop when cancelled")
struct ARIMACancellationTests {
  static var series: [Double] {
    var g = SplitMix64(seed: 11)
    var y = [Double]()
    var previous = 0.0
    for _ in 0..<300 {
      previous = 0.6 * previous + g.nextGaussian()
      y.append(previous)
    }
    return y
  }

  @Test(arguments: [ARIMAMethod.css, .ml, .cssML])
  func aCancelledTokenThrowsCancelled(method: ARIMAMethod) {
    var options = ARIMAOptions(method: method)
    options.cancellation = CancellationToken()
    options.cancellation.cancel()
    #expect(throws: Cancelled.self) { try ARIMA.fit(Self.series, order: ARIMAOrder(p: 2, d: 0, q: 1), options: options) }
  }

  @Test func theDefaultNeverCancels() throws {
    let fit = try ARIMA.fit(Self.series, order: ARIMAOrder(p: 1, d: 0, q: 0))
    #expect(fit.loglik.isFinite)
  }
}
