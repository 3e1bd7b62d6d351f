import Experiments
import Foundation
@testable import Tasks
import Testing
import _TestSupport

/// Every order of `experiments/rates-synthetic-arima.yaml`'s grid (p 0-3, d 0-1, q 0-3 on the synthetic USDC rate)
/// fits and forecasts: no trial of the embedded default experiment fails.
@Suite struct ForecastGridTests {
  @Test func embeddedExperimentGridFits() throws {
    let task = ForecastTask()
    let base = ForecastTaskTests.settings(["data.source": "synthetic", "data.last": 0, "holdout": 60])
    var failures: [String] = []
    for p in 0...3 {
      for d in 0...1 {
        for q in 0...3 {
          let s = base.setting("p", to: .int(p)).setting("d", to: .int(d)).setting("q", to: .int(q))
          do {
            let outcome = try task.run(ForecastTaskTests.trial(s), context: ForecastTaskTests.context)
            #expect(outcome.metrics["aic"]?.isFinite == true && outcome.metrics["rmse"]?.isFinite == true)
          } catch {
            failures.append("(\(p),\(d),\(q)): \(error)")
          }
        }
      }
    }
    #expect(failures.isEmpty, "\(failures)")
  }
}
