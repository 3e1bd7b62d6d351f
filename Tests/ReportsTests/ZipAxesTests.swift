import Foundation
import Statistics
import Testing
import _ReportsTestSupport

@testable import Reports

/// A `zip` group is compared as one axis: its settings move together, so pairs differ in all of them and in nothing
/// else (the FF-vs-GRU sweep zips model.type, features and the window).
@Suite("zip groups in report comparisons")
struct ZipAxesTests {
  /// A zip of (model.type, features) over three configurations, crossed with an lr axis, 6 replicates each; f1 is
  /// made up so every difference is known: gru adds 0.05 + 0.01 r, the 7d network 0.01 r, lr 1e-2 adds 0.02.
  static func trials() -> [TrialRecord] {
    var out: [TrialRecord] = []
    for (model, features, shift) in [("mlp", "3d", 0.0), ("mlp", "7d", 0.0), ("gru", "daily", 0.05)] {
      for lr in ["1e-3", "1e-2"] {
        for r in 0..<6 {
          let f1 =
            0.3 + shift + (features == "3d" ? 0 : 0.01 * Double(r)) + (lr == "1e-2" ? 0.02 : 0)
            + 0.001 * Double(r * r % 5)
          out.append(
            TrialRecord(
              key: "\(model)-\(features)-\(lr)-\(r)", status: .finished,
              params: ["model.type": model, "features": features, "model.lr": lr, "seed": "\(r)"],
              metrics: ["f1": f1], replicate: r))
        }
      }
    }
    return out
  }

  @Test("The group becomes one axis whose pairs differ in the group's keys only")
  func pairsAcrossTheGroup() throws {
    let z = ZipAxes(
      groups: [["model.type", "features"]], axes: ["model.type", "features", "model.lr"], trials: Self.trials())
    #expect(z.axes == ["model.type + features", "model.lr"])
    #expect(z.members == ["model.type + features": ["model.type", "features"]])
    #expect(z.trials.first?.params["model.type + features"] == "mlp, 3d")
    let effects = PairedEffects.compute(
      axes: z.axes, trials: z.trials, metric: "f1", goal: .maximize, members: z.members)
    #expect(effects.map(\.value) == ["mlp, 7d", "gru, daily", "1e-2"])
    // Each group value pairs with the reference configuration at the same lr and replicate: 2 lr x 6 replicates.
    for effect in effects.prefix(2) {
      #expect(effect.n == 12)
      for pair in effect.pairs {
        #expect(pair.reference.params["model.lr"] == pair.value.params["model.lr"])
        #expect(pair.reference.replicate == pair.value.replicate)
        #expect(pair.reference.params["model.type + features"] == "mlp, 3d")
      }
    }
    let gru = effects[1]
    let expected = (0..<12).map { 0.05 + 0.01 * Double($0 % 6) }
    #expect(abs(gru.mean - expected.reduce(0, +) / 12) < 1e-12)
    let t = try PairedTTest(differences: gru.deltas)
    #expect(gru.t?.statistic == t.statistic)
    // Keys compared one by one find no pairs for gru: the zip never changes model.type or features alone.
    let separate = PairedEffects.compute(
      axes: ["model.type", "features"], trials: Self.trials(), metric: "f1", goal: .maximize)
    #expect(separate.filter { $0.value == "gru" || $0.value == "daily" }.map(\.n) == [0, 0])
  }

  @Test("Groups with a key that is not a sweep axis, or a single key, are ignored")
  func unusableGroups() {
    let z = ZipAxes(groups: [["model.type", "nope"], ["features"]], axes: ["model.type", "features"], trials: [])
    #expect(z.axes == ["model.type", "features"])
    #expect(z.members.isEmpty)
  }

  @Test("The report compares the group as one axis and lists it as a zip")
  func reportSections() {
    let input = ReportInput(
      experiment: ReportExperiment(
        name: "zip", task: .classify, reproduceCommand: "almanac run x", date: SyntheticReport.date,
        rankingMetric: "f1", goal: .maximize, sweepAxes: ["model.type", "features", "model.lr"],
        zipGroups: [["model.type", "features"]], tableMetrics: ["f1"]),
      trials: Self.trials())
    let md = ReportDocument(input, options: ReportOptions()).markdown { _ in .rendered }
    #expect(md.contains("| Sweep axes | zip(`model.type`, `features`), `model.lr` |"))
    #expect(md.contains("### model.type + features"))
    #expect(md.contains("Paired differences in **f1** (value − mlp, 3d):"))
    #expect(md.contains("| gru, daily | 12 | +0.0750 |"))
    // The leaderboard keeps one column per setting.
    #expect(md.contains("| rank | model.type | features | model.lr |"))
  }
}
