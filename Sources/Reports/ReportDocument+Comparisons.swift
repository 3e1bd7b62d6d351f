import AlmanacCore
import Experiments
import Statistics
import Tracking

/// The comparisons of a report: baselines as leaderboard rows, paired effects per sweep axis, and (forecasts) each
/// order against the random walk.
extension ReportDocument {
  /// Baseline rules found in the finished trials' metrics (``Baselines``), known rules first.
  var baselineRules: [String] {
    let keys = input.trials.filter { $0.status == .finished }.flatMap(\.metrics.keys)
    return Baselines.rules(in: keys, known: ClassifyOutputs.baselineRules + ForecastOutputs.baselineRules)
  }

  /// Leaderboard rows for the baselines: the label in the first parameter column (or the rank column when there is
  /// none), the number of trials that scored it, and the mean over those trials of `baseline.<rule>.<metric>` in
  /// each metric column (`—` for metrics a baseline does not have).
  func baselineRows() -> [[String]] {
    let finished = input.trials.filter { $0.status == .finished }
    return baselineRules.map { rule in
      let label = "*baseline: \(Markdown.cell(Baselines.label(rule)))*"
      let keys = leaderboard.varyingKeys
      var row = [keys.isEmpty ? label : "—"] + keys.enumerated().map { i, _ in i == 0 ? label : "" }
      let scored = finished.filter { t in t.metrics.keys.contains { $0.hasPrefix(Baselines.key(rule, "")) } }
      row.append("\(scored.count)")
      row += tableMetrics.map { m in
        let stat = SampleStats(scored.map { $0.metrics[Baselines.key(rule, m)] ?? .nan })
        return stat.n == 0 ? "—" : Format.metric(stat.mean)
      }
      return row
    }
  }

  /// The sentence under a leaderboard that has baseline rows.
  var baselineNote: String {
    "*Rows marked baseline are rules that use no features, scored on the same "
      + (input.experiment.task == .forecast ? "holdout" : "test rows")
      + " (mean over the trials that recorded them): "
      + (input.experiment.task == .forecast
        ? "the random walk carries the last value forward; with drift it adds the average step."
        : "always positive predicts every row positive; prevalence guesses positive at the training rate "
          + "(its expected metrics); persistence predicts yesterday's label of the same token.")
      + " A configuration that does not beat them has learnt nothing usable from its features.*"
  }

  /// The per-trial bootstrap intervals (`<metric>.lo95`/`.hi95`) of the best configuration's best trial, as one
  /// sentence; nil when that trial has none.
  func intervalNote() -> String? {
    guard let best = leaderboard.best,
      let trial = best.bestTrial(leaderboard.rankingMetric, goal: leaderboard.goal)
    else { return nil }
    let parts = ClassifyOutputs.intervalMetrics.compactMap { m -> String? in
      guard let v = trial.metrics[m], let lo = trial.metrics[ClassifyOutputs.lower95(m)],
        let hi = trial.metrics[ClassifyOutputs.upper95(m)], lo.isFinite, hi.isFinite
      else { return nil }
      return "\(Markdown.cell(m)) \(Format.metric(v)) [\(Format.metric(lo, like: v)), \(Format.metric(hi, like: v))]"
    }
    guard !parts.isEmpty else { return nil }
    return "*Test-set uncertainty of the best trial (\(Markdown.code(trial.key)), ★ configuration): "
      + parts.joined(separator: ", ") + " — 95% bootstrap intervals over test days, from this one test period.*"
  }

  /// The paired-difference table of one axis (rows of ``pairedEffects`` for that axis).
  func pairedSection(axis: String) -> [String] {
    let rows = pairedEffects.filter { $0.axis == axis }
    guard let first = rows.first else { return [] }
    let metric = first.metric
    var out = ["Paired differences in **\(Markdown.cell(metric))** (value − \(Markdown.cell(first.reference))):", ""]
    let header = [
      Markdown.cell(axis), "pairs", "mean Δ", "t 95% CI", "bootstrap 95% CI", "t p", "Wilcoxon p",
      "Holm p", "verdict",
    ]
    let body = rows.map { e -> [String] in
      let like = e.deltas.map(abs).max() ?? e.mean
      return [
        Markdown.cell(e.value), "\(e.n)", Format.signed(e.mean, like: like),
        Format.interval(e.t?.confidenceInterval, like: like),
        e.n >= PairedEffect.bootstrapMinimum ? Format.interval(e.bootstrap, like: like) : "n < 10",
        Format.pValue(e.t?.pValue ?? .nan), Format.pValue(e.wilcoxon?.pValue ?? .nan), Format.pValue(e.holm),
        e.verdict,
      ]
    }
    out.append(Markdown.table(header, body, align: ["l", "r", "r", "r", "r", "r", "r", "r", "l"]))
    out.append("")
    return out
  }

  /// The explanation above the effect tables.
  var pairedExplanation: String {
    let replicated = input.trials.contains { $0.replicate > 0 }
    return "A pair is two finished trials that differ only in the axis value: every other setting and the replicate "
      + "are equal. Mean Δ is over the pairs, with the Student t interval and, from 10 pairs, the BCa bootstrap "
      + "interval of the mean; t and Wilcoxon are the paired t-test and the signed-rank test; Holm p adjusts the t "
      + "p-values across every paired table of this report. "
      + (replicated
        ? ""
        : "There are no replicates (one trial per cell), so the pairs run over the values of the "
          + "other axes: the test asks whether the difference is consistent across those settings. ")
      + "See docs/reports.md, \"How to read the comparisons\"."
  }

  /// Forecasts: each configuration against the random walk (rows in leaderboard order).
  func randomWalkSection() -> [String] {
    guard input.experiment.task == .forecast else { return [] }
    let rows: [(ConfigurationGroup, TrialRecord)] = leaderboard.groups.compactMap { g in
      guard let t = g.finished.first(where: { ($0.metrics[ForecastOutputs.skillRW] ?? .nan).isFinite }) else {
        return nil
      }
      return (g, t)
    }
    guard !rows.isEmpty else { return [] }
    let p = rows.map { $0.1.metrics[ForecastOutputs.dmRWPValue] ?? .nan }
    let holm = (try? HolmAdjustment(pValues: p))?.adjusted ?? p.map { _ in .nan }
    var out = ["## Against the random walk", ""]
    let winners = rows.indices.filter { holm[$0] < 0.05 }
    let labels = winners.map { Markdown.cell(rows[$0].0.longLabel) }
    out.append(
      winners.isEmpty
        ? "**No configuration beats the random walk significantly** (one-sided Diebold–Mariano, squared loss, "
          + "Holm-adjusted p < 0.05 over the \(rows.count) configurations)."
        : "**\(winners.count) of \(rows.count) configurations beat the random walk significantly** (one-sided "
          + "Diebold–Mariano, squared loss, Holm-adjusted p < 0.05): " + labels.joined(separator: "; ") + ".")
    out.append("")
    out.append(
      "Skill = RMSE / RMSE of the random walk on the same holdout (< 1 beats it); MASE scales the MAE by the "
        + "in-sample one-step naive MAE. DM < 0 favours the model; p is one-sided (the model is more accurate).")
    if rows.contains(where: { ($0.1.params["evaluation"] ?? "holdout") == "holdout" }) {
      out.append("")
      out.append(
        "> These forecasts come from one origin (`evaluation: holdout`, one multi-step forecast): their errors "
          + "are autocorrelated, which the h = 1 test ignores, so read these p-values as indicative; "
          + "`evaluation: rolling` (one-step forecasts) gives a test whose assumptions hold.")
    }
    out.append("")
    let keys = leaderboard.varyingKeys
    let header =
      keys.map { Markdown.cell($0) } + [
        "rmse", "random walk rmse", "skill", "MASE", "DM", "DM p", "Holm p",
        "verdict",
      ]
    let body = rows.enumerated().map { i, row -> [String] in
      let (g, t) = row
      let skill = t.metrics[ForecastOutputs.skillRW] ?? .nan
      let verdict =
        holm[i] < 0.05
        ? "**beats the random walk**"
        : (skill < 1 ? "lower RMSE, not significant" : "no better than the random walk")
      return g.params.map { Markdown.cell($0.value) } + [
        Format.metric(t.metrics[ForecastOutputs.rmse] ?? .nan),
        Format.metric(t.metrics[Baselines.key("random_walk", ForecastOutputs.rmse)] ?? .nan),
        Format.metric(skill), Format.metric(t.metrics[ForecastOutputs.mase] ?? .nan),
        Format.metric(t.metrics[ForecastOutputs.dmRWStatistic] ?? .nan), Format.pValue(p[i]), Format.pValue(holm[i]),
        verdict,
      ]
    }
    out.append(Markdown.table(header, body, align: keys.map { _ in "l" } + ["r", "r", "r", "r", "r", "r", "r", "l"]))
    out.append("")
    return out
  }
}
