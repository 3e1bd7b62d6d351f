import Foundation
import Testing
@testable import Experiments
@testable import Tracking

@Suite struct ExperimentLeadersTests {
  func run(_ id: Int64, _ status: RunStatus = .finished, superseded: Bool = false, p: String,
           _ metrics: [String: Double]) -> RunRecord
  {
    RunRecord(id: id, experimentID: 1, trialKey: "k\(id)", trialIndex: Int(id), status: status, startTime: Date(),
              endTime: Date(), error: nil, seed: 0, ownerHost: "h", ownerPID: 1, superseded: superseded,
              params: ["p": p, "q": "0"], metrics: metrics)
  }

  @Test func picksTheBestFinishedRunPerMetricInItsDirection() {
    let runs = [
      run(1, p: "0", ["aic": -10, "rmse": 0.5]),
      run(2, p: "1", ["aic": -12, "rmse": .nan]),
      run(3, .failed, p: "2", ["aic": -99]),
      run(4, superseded: true, p: "3", ["aic": -50, "rmse": 0.01]),
      run(5, p: "4", ["aic": -12, "rmse": 0.4, "f1": 0.3]),
    ]
    let leaders = ExperimentLeaders.compute(
      runs: runs, goals: ["aic": .minimize, "rmse": .minimize, "f1": .maximize, "absent": .maximize],
      axes: ["p", "seeds"])
    let byMetric = Dictionary(uniqueKeysWithValues: leaders.map { ($0.metric, $0) })
    #expect(byMetric["aic"]?.runID == 2)  // tie with run 5 keeps the lower id; failed and superseded runs ignored
    #expect(byMetric["rmse"]?.runID == 5)  // NaN ignored
    #expect(byMetric["f1"]?.runID == 5)
    #expect(byMetric["absent"] == nil)
    #expect(byMetric["aic"]?.tagValue == "run 2 (p=1) aic=-12.0")
  }
}
