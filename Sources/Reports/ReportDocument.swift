import Experiments
import Tracking
import Foundation

/// What happened to a chart when the report was written.
enum ChartState: Sendable, Hashable {
  /// The SVG exists.
  case rendered
  /// gnuplot is not installed: the script and data are there to run later.
  case noGnuplot
  /// gnuplot ran but did not produce the SVG.
  case failed
}

/// The report's content before anything touches the disk: tables, charts and the Markdown they make.
struct ReportDocument: Sendable {
  var input: ReportInput
  var options: ReportOptions
  var leaderboard: Leaderboard
  var effects: [EffectTable]
  var charts: [Chart]
  /// Key metrics shown in tables, ranking metric first.
  var tableMetrics: [String]
  /// Paired differences of the ranking metric per sweep axis, Holm-adjusted together (``PairedEffects``).
  var pairedEffects: [PairedEffect]
  /// The comparison axes (each `zip` group as one axis) and, for a group's axis, the keys it stands for.
  var comparisonAxes: (axes: [String], members: [String: [String]])
  /// One document per group when a sweep axis changes the data (ReportDocument+Groups.swift); empty otherwise.
  var groups: [ReportGroup] = []

  /// `grouped`: split into ``groups`` when ``ReportInput/groupKeys`` asks for it (false for a group's own document).
  init(_ input: ReportInput, options: ReportOptions, grouped: Bool = true) {
    self.input = input
    self.options = options
    let e = input.experiment
    let finished = input.trials.filter { $0.status == .finished }
    let known =
      e.tableMetrics.isEmpty
      ? Array(Set(finished.flatMap(\.metrics.keys))).sorted().prefix(8).map { $0 } : e.tableMetrics
    var metrics = [e.rankingMetric]
    for m in known where m != e.rankingMetric && finished.contains(where: { $0.metrics[m] != nil }) {
      metrics.append(m)
    }
    tableMetrics = metrics
    let board = Leaderboard(
      trials: input.trials, sweepAxes: e.sweepAxes, rankingMetric: e.rankingMetric,
      goal: e.goal, metrics: metrics)
    leaderboard = board
    let zipped = ZipAxes(groups: e.zipGroups, axes: e.sweepAxes, trials: input.trials)
    comparisonAxes = (zipped.axes, zipped.members)
    effects = zipped.axes.filter { !TrialRecord.replicateParameterNames.contains($0) }.compactMap { axis in
      let table = EffectTable(axis: axis, trials: zipped.trials, metrics: metrics)
      return table.rows.count > 1 ? table : nil
    }
    pairedEffects = PairedEffects.compute(
      axes: effects.map(\.axis), trials: zipped.trials, metric: e.rankingMetric,
      goal: e.goal, members: zipped.members)
    switch e.task {
    case .classify: charts = Self.classificationCharts(input, board, options)
    case .forecast: charts = Self.forecastCharts(input, board, options)
    case .other: charts = []
    }
    if grouped {
      groups = Self.groups(input, options: options)
      if !groups.isEmpty { charts = groups.flatMap(\.document.charts) }
    }
    for i in charts.indices { charts[i].source = Format.truncate(Format.oneLine(e.name), 80) }
  }

  // MARK: Markdown

  /// The README. `state` says, per chart name, whether its SVG exists; `gnuplotNote` is shown when charts are
  /// missing.
  func markdown(state: (Chart) -> ChartState) -> String {
    var out: [String] = []
    let e = input.experiment
    out.append("# " + Markdown.cell(e.name))
    out.append("")
    let notes = e.notes.trimmingCharacters(in: .whitespacesAndNewlines)
    if !notes.isEmpty {
      out.append(notes)
      out.append("")
    }
    out += header()
    out += failures()
    if groups.isEmpty {
      out += leaderboardLines()
      out += randomWalkSection()
      out += effectSections()
      out += chartLines(state: state)
    } else {
      out += groupSections(state: state)
    }
    out.append("---")
    out.append("")
    out.append(
      "*Written by Almanac. Every chart is drawn by `charts/<name>.gp` from `data/<name>.dat`; run "
        + "`gnuplot charts/<name>.gp` from this folder to redraw one (see docs/reports.md).*")
    return out.joined(separator: "\n") + "\n"
  }

  private var counts: (finished: Int, failed: Int, killed: Int) {
    var c = (0, 0, 0)
    for t in input.trials {
      switch t.status {
      case .finished: c.0 += 1
      case .failed: c.1 += 1
      case .killed: c.2 += 1
      }
    }
    return c
  }

  private func header() -> [String] {
    let e = input.experiment
    var rows: [[String]] = [
      ["Date", Format.date(e.date)],
      ["Task", e.task.rawValue],
    ]
    if let f = e.filePath { rows.append(["Experiment file", Markdown.code(f)]) }
    if let g = e.git {
      rows.append(["Git commit", Markdown.code(g.commit) + (g.dirty ? " (dirty: uncommitted changes)" : "")])
    } else {
      rows.append(["Git commit", "unknown (not a git work tree)"])
    }
    rows.append([
      "Ranking metric",
      Markdown.cell(e.rankingMetric)
        + (e.goal == .maximize ? " (higher is better)" : " (lower is better)"),
    ])
    if !e.sweepAxes.isEmpty {
      let zipped = comparisonAxes
      rows.append([
        "Sweep axes",
        zipped.axes.map { axis in
          zipped.members[axis].map { "zip(" + $0.map { Markdown.code($0) }.joined(separator: ", ") + ")" }
            ?? Markdown.code(axis)
        }.joined(separator: ", "),
      ])
    }
    let c = counts
    rows.append([
      "Trials", "\(c.finished) finished, \(c.failed) failed, \(c.killed) killed (\(input.trials.count) total)",
    ])
    var out = [Markdown.table(["", ""], rows), ""]
    out.append("Reproduce:")
    out.append("")
    out.append(Markdown.codeBlock(e.reproduceCommand.trimmingCharacters(in: .whitespacesAndNewlines), language: "sh"))
    out.append("")
    if !e.dataFingerprints.isEmpty {
      out.append("Data:")
      out.append("")
      out.append(
        Markdown.table(
          ["file", "SHA-256"],
          e.dataFingerprints.keys.sorted().map { path in
            [Markdown.code(path), Markdown.code(e.dataFingerprints[path] ?? "")]
          }))
      out.append("")
    }
    return out
  }

  private func failures() -> [String] {
    let failed = input.trials.filter { $0.status != .finished }
    guard !failed.isEmpty else { return [] }
    let limit = 50
    var out = ["## Failures", ""]
    let keys = leaderboard.varyingKeys
    out.append(
      Markdown.table(
        ["trial", "configuration", "status", "message"],
        failed.prefix(limit).map { t in
          let config = keys.compactMap { k in t.params[k].map { "\(k)=\($0)" } }.joined(separator: ", ")
          let message = Format.truncate(Format.oneLine(t.error ?? ""), 300)
          return [
            Markdown.code(t.key), Markdown.cell(config.isEmpty ? "—" : config),
            t.status.rawValue, message.isEmpty ? "—" : Markdown.cell(message),
          ]
        }))
    if failed.count > limit { out += ["", "*… and \(failed.count - limit) more failed or killed trials.*"] }
    out.append("")
    return out
  }

  /// The leaderboard under a heading of `level` (`##`, or `###` inside a group).
  func leaderboardLines(level: String = "##") -> [String] {
    let board = leaderboard
    let ranked = board.ranked
    var out = [level + " Leaderboard", ""]
    guard !ranked.isEmpty else {
      out += ["No finished trial has a value of \(Markdown.code(board.rankingMetric)).", ""]
      return out
    }
    let replicated = ranked.contains { $0.trials.count > 1 }
    out.append(
      "Configurations ranked by **\(Markdown.cell(board.rankingMetric))** "
        + (board.goal == .maximize ? "(higher is better)" : "(lower is better)")
        + (replicated
          ? "; replicates collapsed: mean ± sample sd (n − 1) over finished replicates, `—` when n = 1"
          : "; one trial per configuration, so values are single results")
        + ". ★ marks the best.")
    out.append("")
    let top = ranked.prefix(max(1, options.topN))
    var header = ["rank"] + board.varyingKeys.map { Markdown.cell($0) } + ["n"]
    header += tableMetrics.map { $0 == board.rankingMetric ? "**\(Markdown.cell($0))**" : Markdown.cell($0) }
    let rows = top.map { g -> [String] in
      var row = [g.rank == 1 ? "★ 1" : "\(g.rank)"]
      row += g.params.map { Markdown.cell($0.value) }
      let done = g.finished.count
      row.append(done == g.trials.count ? "\(done)" : "\(done)/\(g.trials.count)")
      row += tableMetrics.map { m in
        let stat = g.stat(m)
        let s = replicated || stat.n == 0 ? stat.display : Format.metric(stat.mean)
        return m == board.rankingMetric && g.rank == 1 ? "**\(s)**" : s
      }
      return row
    }
    let align: [Character] = ["r"] + board.varyingKeys.map { _ in "l" } + ["r"] + tableMetrics.map { _ in "r" }
    let baselines = baselineRows()
    out.append(Markdown.table(header, rows + baselines, align: align))
    if !baselines.isEmpty { out += ["", baselineNote] }
    if let note = intervalNote() { out += ["", note] }
    if ranked.count > top.count {
      let rest = ranked.dropFirst(top.count).map { $0.stat(board.rankingMetric).mean }.sorted()
      let median = rest.count % 2 == 1 ? rest[rest.count / 2] : (rest[rest.count / 2 - 1] + rest[rest.count / 2]) / 2
      out += [
        "",
        "*… and \(rest.count) more configurations (ranks \(top.count + 1)–\(ranked.count)): "
          + "\(Markdown.cell(board.rankingMetric)) from \(Format.metric(rest.first ?? .nan)) to "
          + "\(Format.metric(rest.last ?? .nan)), median \(Format.metric(median)).*",
      ]
    }
    let unranked = board.groups.count - ranked.count
    if unranked > 0 {
      out += [
        "",
        "*\(unranked) configuration(s) have no finished trial with a value of "
          + "\(Markdown.cell(board.rankingMetric)) and are not ranked.*",
      ]
    }
    out.append("")
    return out
  }

  private func effectSections() -> [String] {
    guard !effects.isEmpty else { return [] }
    var out = [
      "## Effect of each sweep axis", "",
      "The first table of each axis averages every finished trial with that value (all replicates and all "
        + "values of the other axes); Δ is the raw difference from the axis's first value. The second "
        + "compares paired trials. " + pairedExplanation, "",
    ]
    for table in effects {
      guard let reference = table.rows.first else { continue }
      out.append("### " + Markdown.cell(table.axis))
      out.append("")
      let header = [Markdown.cell(table.axis), "trials"] + tableMetrics.map { Markdown.cell($0) + " (Δ)" }
      let rows = table.rows.enumerated().map { i, r -> [String] in
        [Markdown.cell(r.value) + (i == 0 ? " (reference)" : ""), "\(r.n)"]
          + tableMetrics.map { m in
            let v = r.means[m] ?? .nan
            if i == 0 || !v.isFinite { return Format.metric(v) }
            return Format.metric(v) + " (" + Format.signed(v - (reference.means[m] ?? .nan), like: v) + ")"
          }
      }
      out.append(Markdown.table(header, rows, align: ["l", "r"] + tableMetrics.map { _ in "r" }))
      out.append("")
      out += pairedSection(axis: table.axis)
    }
    return out
  }

  /// The charts under a heading of `level` (`##`, or `###` inside a group), each under `level#`.
  func chartLines(state: (Chart) -> ChartState, level: String = "##") -> [String] {
    var out = [level + " Charts", ""]
    guard !charts.isEmpty else {
      out += ["No chart: the trials recorded none of the series or metrics the charts draw.", ""]
      return out
    }
    let states = charts.map(state)
    if states.contains(.noGnuplot) {
      out += [
        "> **Charts not drawn: gnuplot was not found.** Install it (`scripts/setup`, or "
          + "`apt-get install gnuplot-nox` on Debian/Ubuntu, `brew install gnuplot` on macOS) and run "
          + "`almanac report` again, or draw a chart by hand from this folder with `gnuplot charts/<name>.gp`.", "",
      ]
    } else if states.contains(.failed) {
      out += [
        "> **Some charts could not be drawn** (gnuplot failed; see the warning printed by `almanac report`). "
          + "Their scripts and data are below.", "",
      ]
    }
    for (chart, s) in zip(charts, states) {
      out.append(level + "# " + chart.title)
      out.append("")
      if s == .rendered {
        out.append("![\(Markdown.cell(chart.title))](\(chart.svgPath))")
        out.append("")
      }
      out.append(chart.caption)
      out.append("")
      let data = chart.data.map { "[data/\($0.name)](data/\($0.name))" }.joined(separator: ", ")
      out.append(
        "Script: [\(chart.scriptPath)](\(chart.scriptPath)) · data: \(data)"
          + (s == .rendered && options.png ? " · PNG: [\(chart.pngPath)](\(chart.pngPath))" : ""))
      out.append("")
    }
    return out
  }

  /// Every chart's commands in one stream for a single gnuplot process.
  var combinedScript: String {
    var lines: [String] = []
    for chart in charts {
      lines.append("reset")
      lines.append(chart.script)
      if options.png { lines += chart.pngCommands }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
