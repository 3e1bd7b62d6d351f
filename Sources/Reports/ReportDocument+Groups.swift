import Experiments
import Foundation
import Tracking

/// Groups in a report: when a sweep axis changes the data (a `data.*` setting, such as the asset), metrics such as
/// RMSE or AIC are not comparable across its values, so each value gets its own leaderboard, heat maps and forecast
/// chart, and a summary table lists the best configuration per group. The `report.group_by` setting overrides the
/// choice: comma-separated dotted settings, or `none` for one leaderboard over everything.
struct ReportGroup: Sendable {
  /// `data.synthetic.token=USDC` (several keys joined by `, `).
  var label: String
  /// The group's values of the grouping keys, in key order.
  var values: [String]
  /// The group's own document (its trials only; the grouping keys are no longer sweep axes).
  var document: ReportDocument
}

extension ReportInput {
  /// The param naming the grouping keys (``ReportDocument`` reads it from the trials).
  static let groupByParam = "report.group_by"

  /// The settings whose values split the trials into groups: `report.group_by` when the trials set it (`none`: no
  /// groups), else every sweep axis under `data.`. Empty when there would be fewer than two groups.
  var groupKeys: [String] {
    let written = trials.lazy.compactMap { $0.params[ReportInput.groupByParam] }.first { !$0.isEmpty }
    var keys: [String]
    if let written {
      if written.trimmingCharacters(in: .whitespaces) == "none" { return [] }
      keys = written.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    } else {
      keys = experiment.sweepAxes.filter { $0.hasPrefix("data.") }
    }
    let distinct = Set(trials.map { t in keys.map { t.params[$0] ?? "" } })
    return distinct.count > 1 ? keys : []
  }
}

extension ReportDocument {
  /// The groups of `input` (``ReportInput/groupKeys``) in order of first appearance, each with its own document;
  /// empty when the report is not grouped. Chart and data names get a `g<i>_` prefix so groups do not collide.
  static func groups(_ input: ReportInput, options: ReportOptions) -> [ReportGroup] {
    let keys = input.groupKeys
    guard !keys.isEmpty else { return [] }
    var order: [[String]] = []
    var trialsByValues: [[String]: [TrialRecord]] = [:]
    for t in input.trials {
      let values = keys.map { t.params[$0] ?? "" }
      if trialsByValues[values] == nil { order.append(values) }
      trialsByValues[values, default: []].append(t)
    }
    return order.enumerated().map { i, values in
      var experiment = input.experiment
      experiment.sweepAxes = experiment.sweepAxes.filter { !keys.contains($0) }
      var document = ReportDocument(
        ReportInput(experiment: experiment, trials: trialsByValues[values] ?? []),
        options: options, grouped: false)
      let prefix = "g\(i + 1)_"
      document.charts = document.charts.map { $0.prefixed(prefix) }
      let label = zip(keys, values).map { "\($0)=\($1)" }.joined(separator: ", ")
      return ReportGroup(label: label, values: values, document: document)
    }
  }

  /// The summary table (best configuration per group) and one section per group: its leaderboard and charts.
  func groupSections(state: (Chart) -> ChartState) -> [String] {
    guard !groups.isEmpty else { return [] }
    let metric = input.experiment.rankingMetric
    var out = [
      "## Groups", "",
      "The trials are grouped by " + input.groupKeys.map { Markdown.code($0) }.joined(separator: ", ")
        + " (the sweep changes the data, or `report.group_by` says so), so each group is ranked on its own: "
        + "\(Markdown.cell(metric)) is not comparable across series. Set `report.group_by` to choose the "
        + "grouping settings, or `none` for one leaderboard.", "",
    ]
    let metrics = tableMetrics
    var rows: [[String]] = []
    for g in groups {
      let board = g.document.leaderboard
      guard let best = board.best else {
        rows.append([Markdown.cell(g.label), "—", "0"] + metrics.map { _ in "—" })
        continue
      }
      let config = best.params.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
      rows.append(
        [
          Markdown.cell(g.label), Markdown.cell(config.isEmpty ? "(single configuration)" : config),
          "\(board.ranked.count)",
        ]
          + metrics.map { m in
            let stat = best.stat(m)
            return stat.n > 1 ? stat.display : Format.metric(stat.mean)
          })
    }
    out.append(
      Markdown.table(
        ["group", "best configuration", "ranked"] + metrics.map { Markdown.cell($0) }, rows,
        align: ["l", "l", "r"] + metrics.map { _ in "r" }))
    out.append("")
    for g in groups {
      out.append("## Group " + Markdown.cell(g.label))
      out.append("")
      out += g.document.leaderboardLines(level: "###")
      out += g.document.randomWalkSection()
      out += g.document.chartLines(state: state, level: "###")
    }
    return out
  }
}

extension Chart {
  /// The chart with `prefix` before its name and its data files' names (and the references to them in the script).
  func prefixed(_ prefix: String) -> Chart {
    var c = self
    c.name = prefix + name
    c.data = data.map { .init(name: prefix + $0.name, content: $0.content) }
    c.body = body.map { line in
      data.reduce(line) { $0.replacingOccurrences(of: "data/" + $1.name, with: "data/" + prefix + $1.name) }
    }
    return c
  }
}
