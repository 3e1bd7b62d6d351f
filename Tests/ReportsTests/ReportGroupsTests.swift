import Experiments
import Foundation
@testable import Reports
import Testing
import Tracking
import _ReportsTestSupport

/// Reports of sweeps whose axis changes the data (issue 12): one section per group, each with its own leaderboard
/// and charts, and a summary table of the best configuration per group.
@Suite struct ReportGroupsTests {
  /// Two assets, each a forecast grid (SyntheticReport.forecast with different seeds), swept over
  /// `data.synthetic.token`; `groupBy` is the trials' `report.group_by` param.
  static func twoAssets(groupBy: String? = nil) -> ReportInput {
    var trials: [TrialRecord] = []
    var experiment = SyntheticReport.forecast(seed: 11).experiment
    for (token, seed) in [("USDC", UInt64(11)), ("WETH", UInt64(12))] {
      for var t in SyntheticReport.forecast(seed: seed).trials {
        t.key = token.lowercased() + "-" + t.key
        t.params["data.synthetic.token"] = token
        if let groupBy { t.params[ReportInput.groupByParam] = groupBy }
        if token == "WETH", let aic = t.metrics["aic"] { t.metrics["aic"] = aic + 5_000 }  // another scale
        trials.append(t)
      }
    }
    experiment.sweepAxes = ["data.synthetic.token", "p", "d", "q"]
    return ReportInput(experiment: experiment, trials: trials)
  }

  @Test func aDataAxisGivesOneSectionPerGroup() throws {
    let input = Self.twoAssets()
    #expect(input.groupKeys == ["data.synthetic.token"])
    let document = ReportDocument(input, options: ReportOptions())
    #expect(document.groups.map(\.label) == ["data.synthetic.token=USDC", "data.synthetic.token=WETH"])
    let markdown = document.markdown { _ in .rendered }
    #expect(markdown.contains("## Groups"))
    #expect(markdown.contains("## Group data.synthetic.token=USDC") && markdown.contains("## Group data.synthetic.token=WETH"))
    #expect(!markdown.contains("\n## Leaderboard"), "no leaderboard across assets")
    #expect(markdown.components(separatedBy: "### Leaderboard").count == 3)
    // Each group's best is its own: the WETH best is ranked within WETH (its AIC is 5000 higher than every USDC one).
    for g in document.groups {
      let best = try #require(g.document.leaderboard.best)
      #expect(best.trials.allSatisfy { $0.params["data.synthetic.token"] == g.values[0] })
      let own = g.document.input.trials.compactMap { $0.status == .finished ? $0.metrics["aic"] : nil }
      #expect(best.stat("aic").mean == own.min())
      #expect(!g.document.leaderboard.varyingKeys.contains("data.synthetic.token"))
    }
    // Summary: one row per group with its best configuration.
    let summary = try #require(markdown.components(separatedBy: "## Group data").first)
    #expect(summary.contains("| data.synthetic.token=USDC |") || summary.contains("data.synthetic.token=USDC"))
    // Every group has heat maps and a forecast chart; names are unique across groups and the scripts read their
    // own data files.
    let names = document.charts.map(\.name)
    #expect(Set(names).count == names.count)
    for prefix in ["g1_", "g2_"] {
      #expect(names.contains { $0.hasPrefix(prefix + "aic_heatmap") } && names.contains { $0.hasPrefix(prefix + "forecast_best") })
    }
    for chart in document.charts {
      for file in chart.data { #expect(chart.script.contains("data/" + file.name), "\(chart.name)") }
      #expect(!chart.script.contains("'data/aic_heatmap"), "unprefixed data reference in \(chart.name)")
    }
  }

  @Test func groupBySettingOverridesTheChoice() {
    #expect(Self.twoAssets(groupBy: "none").groupKeys.isEmpty)
    let none = ReportDocument(Self.twoAssets(groupBy: "none"), options: ReportOptions())
    #expect(none.groups.isEmpty && none.markdown { _ in .rendered }.contains("\n## Leaderboard"))
    let byD = Self.twoAssets(groupBy: "d")
    #expect(byD.groupKeys == ["d"])
    #expect(ReportDocument(byD, options: ReportOptions()).groups.map(\.label) == ["d=0", "d=1"])
    // A sweep without a data axis is not grouped.
    let plain = SyntheticReport.forecast()
    #expect(plain.groupKeys.isEmpty && ReportDocument(plain, options: ReportOptions()).groups.isEmpty)
  }
}

/// The forecast chart: dated (history, forecast, both bands) when the trial stored times, by step otherwise.
@Suite struct ForecastChartTimeAxisTests {
  @Test func datedWhenTimesAreStoredElseByStep() throws {
    let input = SyntheticReport.forecast()
    let board = Leaderboard(trials: input.trials, sweepAxes: input.experiment.sweepAxes,
                            rankingMetric: "aic", goal: .minimize, metrics: ["aic"])
    var trial = try #require(input.trials.first { $0.status == .finished })
    let dated = try #require(ReportDocument.forecastChart(trial, name: "f", by: "AIC", board: board,
                                                          axis: .percentAPR))
    #expect(dated.script.contains("set xdata time") && dated.script.contains("title 'history'"))
    #expect(dated.script.contains("95% interval") && dated.script.contains("80% interval"))
    // 96 hourly history points stored, 48 steps forecast: 96 shown (2 × 48); 144 hours span six days: dates.
    let content = try #require(dated.data.first?.content)
    let blocks = content.components(separatedBy: "\n\n\n")
    #expect(blocks.count == 2)
    #expect(blocks[0].split(separator: "\n").filter { !$0.hasPrefix("#") }.count == 96)
    #expect(dated.script.contains("%Y-%m-%d"))
    // The first history line: time and value × 100 (% APR).
    let first = try #require(blocks[0].split(separator: "\n").first { !$0.hasPrefix("#") })
    #expect(first.hasPrefix("1735689600 "))
    trial.series["forecast_time"] = nil
    let byStep = try #require(ReportDocument.forecastChart(trial, name: "f", by: "AIC", board: board,
                                                           axis: .percentAPR))
    #expect(byStep.script.contains("holdout step") && !byStep.script.contains("xdata time"))
  }
}
