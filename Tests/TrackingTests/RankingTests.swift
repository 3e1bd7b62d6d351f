import AlmanacCore
import Foundation
import Testing

@testable import Tracking

/// The one definition of "best": configurations compared by the mean of the metric over their finished replicates.
@Suite("Ranking: the best configuration")
struct RankingTests {
  static func run(_ id: Int64, _ params: [String: String], _ value: Double, status: RunStatus = .finished,
                  superseded: Bool = false) -> RunRecord
  {
    RunRecord(id: id, experimentID: 1, trialKey: "k\(id)", trialIndex: Int(id), status: status,
              startTime: Date(timeIntervalSince1970: 0), superseded: superseded, params: params,
              metrics: ["f1": value, "loss": -value])
  }

  @Test("the best configuration is the best mean over replicates, not the best single run")
  func meanNotSingleRun() throws {
    let runs = [
      // a: one lucky replicate (0.9) but mean 0.5; b: steady, mean 0.6.
      Self.run(1, ["features": "a"], 0.9), Self.run(2, ["features": "a"], 0.1), Self.run(3, ["features": "a"], 0.5),
      Self.run(4, ["features": "b"], 0.6), Self.run(5, ["features": "b"], 0.55), Self.run(6, ["features": "b"], 0.65),
    ]
    let best = try #require(Ranking.best(runs, metric: "f1", goal: .maximize, axes: ["features", "seeds"]))
    #expect(best.label == "features=b" && best.n == 3 && abs(best.mean - 0.6) < 1e-12 && best.runIDs == [4, 5, 6])
    let lowest = try #require(Ranking.best(runs, metric: "loss", goal: .minimize, axes: ["features"]))
    #expect(lowest.label == "features=b")
    #expect(best.summary.hasPrefix("0.6") && best.summary.contains("(mean of 3) with features=b (runs 4, 5, 6)"))
  }

  @Test("failed, superseded and NaN runs do not count; ties go to the smaller label; nothing finite gives nil")
  func exclusionsAndTies() {
    let runs = [
      Self.run(1, ["x": "2"], 0.7), Self.run(2, ["x": "1"], 0.7), Self.run(3, ["x": "3"], 0.99, status: .failed),
      Self.run(4, ["x": "4"], 0.99, superseded: true), Self.run(5, ["x": "5"], .nan),
    ]
    let best = Ranking.best(runs, metric: "f1", goal: .maximize, axes: ["x"])
    #expect(best?.label == "x=1")
    #expect(Ranking.best([Self.run(1, [:], .nan)], metric: "f1", goal: .maximize, axes: []) == nil)
    #expect(Ranking.best([], metric: "f1", goal: .maximize, axes: []) == nil)
  }

  @Test("order puts configurations without a value last and never prefers NaN")
  func order() {
    let items: [(String, [Double])] = [("c", []), ("a", [1, 2]), ("b", [3]), ("d", [.nan])]
    let ordered = Ranking.order(items, goal: .maximize, stats: { SampleStats($0.1) }, label: \.0).map(\.0)
    #expect(ordered == ["b", "a", "c", "d"])
    #expect(MetricGoal.maximize.prefers(1, over: .nan) && !MetricGoal.minimize.prefers(.nan, over: 1))
    #expect(MetricGoal.minimize.prefers(1, over: 2) && !MetricGoal.maximize.prefers(1, over: 2))
  }

  @Test("the store writes best.<metric> tags for every ranked metric, from the current plan only")
  func leadersInTheStore() throws {
    let store = try StoreFixture.makeStore("leaders")
    let catalog = MetricCatalog(
      declared: [MetricDeclaration("score", goal: .maximize), MetricDeclaration("loss", goal: .minimize),
                 MetricDeclaration("count")], selected: ["score"])
    let plan = (0..<3).map { PlanEntry(key: "k\($0)", index: $0) }
    let id = try store.upsertExperiment(ExperimentDefinition(name: "lead", task: "t", plan: plan, metrics: catalog))
    let claims = (0..<4).map { TrialClaim(key: "k\($0)", index: $0, seed: 0, params: ["x": "\($0)"]) }
    let claimed = try store.claim(experimentID: id, trials: claims, owner: .current()).claimed
    try store.record(claimed.map {
      RunResult(runID: $0.runID, status: .finished,
                metrics: ["score": Double($0.index), "loss": Double(10 - $0.index), "count": 1])
    })
    let leaders = try store.updateLeaders(experimentID: id, axes: ["x"])
    // k3 (score 3) is not in the plan: the best current configuration is x=2.
    #expect(leaders.map(\.metric) == ["score", "loss"])
    #expect(leaders.map(\.label) == ["x=2", "x=2"])
    let tags = try store.requireExperiment(named: "lead").tags
    #expect(tags["best.score"]?.hasPrefix("2.0 with x=2 (run ") == true)
    #expect(tags["best.count"] == nil)
  }
}

@Suite("Ranking.Tracker: the incremental best")
struct RankingTrackerTests {
  @Test("after every added run the tracker's best equals Ranking.best over all runs added so far")
  func matchesTheFullComputation() throws {
    var g = SplitMix64(seed: 11)
    var runs: [RunRecord] = []
    var tracker = Ranking.Tracker(metric: "f1", goal: .maximize, axes: ["x"])
    for id in 0..<400 {
      // 12 configurations, values in a narrow range so the leader changes often; some NaN and failed runs.
      let x = String(g.next() % 12)
      let roll = g.next() % 20
      let value = roll == 0 ? Double.nan : Double(g.next() % 1000) / 1000
      let run = RankingTests.run(Int64(id), ["x": x], value, status: roll == 1 ? .failed : .finished)
      runs.append(run)
      tracker.add(run)
      let expected = Ranking.best(runs, metric: "f1", goal: .maximize, axes: ["x"])
      #expect(tracker.best?.label == expected?.label && tracker.best?.n == expected?.n, "after run \(id)")
      if let a = tracker.best?.mean, let b = expected?.mean { #expect(a == b, "after run \(id)") }
    }
    let minimised = Ranking.Tracker(metric: "loss", goal: .minimize, axes: ["x"], runs: runs)
    #expect(minimised.best?.label == Ranking.best(runs, metric: "loss", goal: .minimize, axes: ["x"])?.label)
  }
}
