import AlmanacCore
import Foundation
import Experiments

/// ARIMA orders read from a trial's `p`, `d` and `q` parameters.
struct Order: Hashable, Sendable {
  var p: Int
  var d: Int
  var q: Int

  init(p: Int, d: Int, q: Int) {
    self.p = p
    self.d = d
    self.q = q
  }

  init?(_ t: TrialRecord) {
    guard let p = t.params["p"].flatMap({ Int($0) }), let q = t.params["q"].flatMap({ Int($0) }) else { return nil }
    self.p = p
    self.q = q
    d = t.params["d"].flatMap { Int($0) } ?? 0
  }

  var label: String { "ARIMA(\(p),\(d),\(q))" }
}

extension Double {
  /// ⌊log10 x⌋ for x > 0 (0 otherwise).
  var log10Floor: Double {
    guard self > 0, isFinite else { return 0 }
    var e = 0.0
    var x = self
    while x >= 10 {
      x /= 10
      e += 1
    }
    while x < 1 {
      x *= 10
      e -= 1
    }
    return e
  }
}

extension ReportDocument {
  /// Forecast charts, each only when its data exists.
  static func forecastCharts(_ input: ReportInput, _ board: Leaderboard, _ options: ReportOptions) -> [Chart] {
    var charts: [Chart] = []
    let axis = input.experiment.valueAxis
    // Heat maps compare orders at the best configuration's other settings (AIC is not comparable across
    // transforms or data choices).
    let fixed = (board.best?.params ?? []).filter { !ForecastOutputs.orderSettings.contains($0.key) }
    let comparable = input.trials.filter { t in fixed.allSatisfy { t.params[$0.key] == $0.value } }
    let fixedText = fixed.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    charts += heatMaps(
      comparable, metric: ForecastOutputs.aic, title: "AIC", unitScale: 1, unit: "", format: "%.1f",
      fixed: fixedText)
    charts += heatMaps(
      comparable, metric: ForecastOutputs.rmse, title: "holdout RMSE", unitScale: axis.scale,
      unit: axis.unit, format: nil, fixed: fixedText)
    // Best orders by AIC and by RMSE (one chart when the same trial wins both).
    var picks: [(String, TrialRecord)] = []
    for (metric, label) in [(ForecastOutputs.aic, "AIC"), (ForecastOutputs.rmse, "RMSE")] {
      guard let g = board.bestGroup(by: metric, goal: .minimize), let t = g.bestTrial(metric, goal: .minimize) else {
        continue
      }
      if let i = picks.firstIndex(where: { $0.1.key == t.key }) {
        picks[i].0 += " and \(label)"
      } else {
        picks.append((label, t))
      }
    }
    for (label, trial) in picks {
      let name = "forecast_best_" + label.lowercased().replacingOccurrences(of: " and ", with: "_")
      if let c = forecastChart(trial, name: name, by: label, board: board, axis: axis) { charts.append(c) }
    }
    if let best = board.best, let trial = best.bestTrial(board.rankingMetric, goal: board.goal),
      let c = residualACF(trial, group: best, board: board)
    {
      charts.append(c)
    }
    return charts
  }

  /// One heat map of `metric` over p × q per value of d (mean over the finished replicates of each order among
  /// `trials`; `fixed` describes the other settings those trials share). Cells with trials but no finished value are
  /// marked `failed`; cells without trials stay blank.
  static func heatMaps(
    _ trials: [TrialRecord], metric: String, title: String, unitScale: Double, unit: String,
    format: String?, fixed: String
  ) -> [Chart] {
    let withOrder = trials.compactMap { t in Order(t).map { ($0, t) } }
    let ps = Set(withOrder.map(\.0.p))
    let qs = Set(withOrder.map(\.0.q))
    guard ps.count * qs.count > 1, let pMin = ps.min(), let pMax = ps.max(), let qMin = qs.min(), let qMax = qs.max(),
      withOrder.contains(where: { ($0.1.metrics[metric] ?? .nan).isFinite })
    else { return [] }
    var byOrder: [Order: [TrialRecord]] = [:]
    for (o, t) in withOrder { byOrder[o, default: []].append(t) }
    var charts: [Chart] = []
    for d in Set(withOrder.map(\.0.d)).sorted() {
      var cells: [(Int, Int, Double)] = []
      var failed: [(Int, Int)] = []
      for p in pMin...pMax {
        for q in qMin...qMax {
          guard let ts = byOrder[Order(p: p, d: d, q: q)] else { continue }
          let values: [Double] = ts.filter { $0.status == .finished }.map { ($0.metrics[metric] ?? .nan) * unitScale }
          let s = SampleStats(values)
          if s.n > 0 { cells.append((p, q, s.mean)) } else { failed.append((p, q)) }
        }
      }
      guard let best = cells.min(by: { $0.2 < $1.2 }) else { continue }
      // Default label format: three significant digits of the smallest magnitude in the map.
      let smallest = cells.map { abs($0.2) }.filter { $0 > 0 }.min() ?? 1
      let places = max(0, min(8, 2 - Int((smallest.isFinite ? smallest : 1).log10Floor)))
      let labelFormat = format ?? "%.\(places)f"
      let unitText = unit.isEmpty ? "" : " (\(unit))"
      var data = [
        "# \(metric)\(unitText) over p x q for d = \(d): mean over finished trials with that order",
        "# index 0 columns: p q \(metric); index 1: the lowest cell; index 2 (if any): p q of orders whose "
          + "trials all failed",
      ]
      data += cells.map { "\($0.0) \($0.1) \(Format.data($0.2))" }
      data += ["", "", "\(best.0) \(best.1) \(Format.data(best.2))"]
      if !failed.isEmpty { data += ["", ""] + failed.map { "\($0.0) \($0.1)" } }
      let name = "\(metric)_heatmap_d\(d)"
      let titleLines =
        ["\(title)\(unitText) over p × q, d = \(d) (lower is better; blank: not run)"]
        + (fixed.isEmpty ? [] : [fixed])
      let file = GnuplotText.literal("data/\(name).dat")
      var body = [
        "set title " + GnuplotText.lines(titleLines),
        "set xlabel \(GnuplotText.literal("p (AR order)"))",
        "set ylabel \(GnuplotText.literal("q (MA order)"))",
        "set cblabel \(GnuplotText.literal(title + unitText)) offset 2.5,0",
        "set rmargin 12",
        "set xrange [\(Double(pMin) - 0.5):\(Double(pMax) + 0.5)]",
        "set yrange [\(Double(qMin) - 0.5):\(Double(qMax) + 0.5)]",
        "set xtics 1 nomirror",
        "set ytics 1 nomirror",
        "set palette defined (0 '#ffffcc', 0.5 '#a1dab4', 1 '#41b6c4')",
        "set key outside top center horizontal",
      ]
      var clauses = [
        "\(file) index 0 using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 border rgb '#ffffff' fc palette notitle",
        "'' index 0 using 1:2:(sprintf('\(labelFormat)', $3)) with labels tc rgb '#000000' font ',10' notitle",
      ]
      if !failed.isEmpty {
        clauses.append("'' index 2 using 1:2:('failed') with labels tc rgb '#c00000' font ',10' title 'failed'")
      }
      clauses.insert(
        "'' index 1 using 1:2:(0.48):(0.48) with boxxyerror fs empty border rgb '#e15759' lw 3 lc rgb '#e15759' title \(GnuplotText.literal("lowest \(title)"))",
        at: 2)
      body.append("plot " + clauses.joined(separator: ", \\\n     "))
      let caption =
        "Mean \(metric)\(Markdown.cell(unitText)) over replicates, by AR order p and MA order q for d = \(d)"
        + (fixed.isEmpty ? "" : " at the best configuration's other settings (\(Markdown.cell(fixed)))")
        + "; the lowest cell is outlined (p = \(best.0), q = \(best.1): "
        + "\(Format.metric(best.2))). " + (failed.isEmpty ? "" : "\(failed.count) order(s) failed in every trial. ")
        + "Blank cells were not run."
      charts.append(
        Chart(
          name: name, title: "\(title) over p × q (d = \(d))", caption: caption,
          data: [.init(name: "\(name).dat", content: data.joined(separator: "\n") + "\n")],
          body: body, width: 760, height: 600))
    }
    return charts
  }

  static let bandSeries = ForecastOutputs.bands

  static func forecastChart(
    _ trial: TrialRecord, name: String, by label: String, board: Leaderboard,
    axis: ValueAxis
  ) -> Chart? {
    if let dated = datedForecastChart(trial, name: name, by: label, board: board, axis: axis) { return dated }
    var columns: [String: [Int: Double]] = [:]
    var steps = Set<Int>()
    for key in bandSeries {
      for p in trial.series[key] ?? [] {
        columns[key, default: [:]][p.step] = p.value * axis.scale
        steps.insert(p.step)
      }
    }
    guard columns[ForecastOutputs.forecast] != nil || columns[ForecastOutputs.actual] != nil, !steps.isEmpty else {
      return nil
    }
    let order = Order(trial)
    let model = order?.label ?? "trial \(trial.key)"
    var data = [
      GnuplotText.comment(
        "holdout forecast of trial \(trial.key) (\(model)), values × \(Format.data(axis.scale)) = \(axis.label)"),
      "# columns: step " + bandSeries.joined(separator: " "),
    ]
    for s in steps.sorted() {
      data.append((["\(s)"] + bandSeries.map { Format.data(columns[$0]?[s] ?? .nan) }).joined(separator: " "))
    }
    let file = GnuplotText.literal("data/\(name).dat")
    var clauses: [String] = []
    if columns[ForecastOutputs.lower95] != nil, columns[ForecastOutputs.upper95] != nil {
      clauses.append(
        "using 1:6:7 with filledcurves fc rgb '#4e79a7' fs transparent solid 0.18 noborder title '95% interval'")
    }
    if columns[ForecastOutputs.lower80] != nil, columns[ForecastOutputs.upper80] != nil {
      clauses.append(
        "using 1:4:5 with filledcurves fc rgb '#4e79a7' fs transparent solid 0.35 noborder title '80% interval'")
    }
    if columns[ForecastOutputs.forecast] != nil {
      clauses.append("using 1:3 with lines lw 2 lc rgb '#1f4e79' title 'forecast'")
    }
    if columns[ForecastOutputs.actual] != nil {
      clauses.append("using 1:2 with lines lw 1.5 lc rgb '#222222' title 'actual'")
    }
    clauses = clauses.enumerated().map { i, c in (i == 0 ? file : "''") + " " + c }
    var body = ChartStyle.common
    body += [
      "set title \(GnuplotText.literal("Best order by \(label): \(model), holdout forecast vs actual"))",
      "set xlabel \(GnuplotText.literal("holdout step (observations after the training window)"))",
      "set ylabel \(GnuplotText.literal(axis.label))",
      "set key outside top center horizontal",
      "plot " + clauses.joined(separator: ", \\\n     "),
    ]
    let setting = otherSettings(board, trial)
    let caption =
      "\(model)\(setting), trial `\(trial.key)`: point forecast over the holdout with 80% and 95% "
      + "prediction intervals, against the actual series, in \(Markdown.cell(axis.label))."
    return Chart(
      name: name, title: "Forecast of the best order by \(label)", caption: caption,
      data: [.init(name: "\(name).dat", content: data.joined(separator: "\n") + "\n")], body: body,
      width: 1000)
  }

  /// The number of observations the fit used (R's `nobs`, after differencing): the trial's `nobs` metric when it
  /// has one, else recovered from R's information criteria, AIC = −2 log L + 2k and BIC = −2 log L + k log n with
  /// k = (number of `coef.*` metrics) + 1 (σ²), so n = exp((BIC − AIC)/k + 2), rounded when within 0.01 of an
  /// integer. Nil when neither is available or the result is not a positive finite number.
  static func observationCount(_ trial: TrialRecord) -> (n: Double, derived: Bool)? {
    if let n = ["nobs", "n_obs"].lazy.compactMap({ trial.metrics[$0] }).first(where: { $0.isFinite && $0 > 0 }) {
      return (n, false)
    }
    let k = Double(trial.metrics.keys.filter { $0.hasPrefix("coef.") }.count + 1)
    guard let aic = trial.metrics[ForecastOutputs.aic], let bic = trial.metrics[ForecastOutputs.bic], aic.isFinite,
      bic.isFinite
    else {
      return nil
    }
    let n = Foundation.exp((bic - aic) / k + 2)
    guard n.isFinite, n >= 2 else { return nil }
    return (abs(n - n.rounded()) < 0.01 ? n.rounded() : n, true)
  }

  /// Residual autocorrelations with the ±1.96/√n white-noise bounds (n from ``observationCount(_:)``).
  static func residualACF(_ trial: TrialRecord, group: ConfigurationGroup, board: Leaderboard) -> Chart? {
    let acf = (trial.series[ForecastOutputs.residualACF] ?? []).filter { $0.value.isFinite }.sorted {
      $0.step < $1.step
    }
    guard !acf.isEmpty else { return nil }
    let count = observationCount(trial)
    let n = count?.n
    let bound = n.map { 1.96 / $0.squareRoot() }
    var data = [GnuplotText.comment("residual autocorrelation of trial \(trial.key)"), "# columns: lag acf"]
    data += acf.map { "\($0.step) \(Format.data($0.value))" }
    let model = Order(trial)?.label ?? "trial \(trial.key)"
    let file = GnuplotText.literal("data/residual_acf.dat")
    var body = ChartStyle.common
    body += [
      "set title \(GnuplotText.literal("Residual autocorrelation of the best order by \(board.rankingMetric): \(model)"))",
      "set xlabel \(GnuplotText.literal("lag (observations)"))",
      "set ylabel \(GnuplotText.literal("autocorrelation of residuals"))",
      "set xzeroaxis lt 1 lc rgb '#444444'",
      "set key outside top center horizontal",
    ]
    var clauses = ["\(file) using 1:2 with impulses lw 3 lc rgb '\(ChartStyle.color(0))' title 'ACF'"]
    if let b = bound {
      clauses.append(
        "\(Format.data(b)) with lines dt 2 lw 1.5 lc rgb '#e15759' title \(GnuplotText.literal("±1.96/√n (n = \(Format.metric(n ?? .nan)))"))"
      )
      clauses.append("\(Format.data(-b)) with lines dt 2 lw 1.5 lc rgb '#e15759' notitle")
    }
    if let maxLag = acf.last?.step {
      body.append("set xrange [\(Double(acf[0].step) - 0.5):\(Double(maxLag) + 0.5)]")
      body.append("set xtics 1 nomirror" + (maxLag > 30 ? " 5" : ""))
    }
    body.append("plot " + clauses.joined(separator: ", \\\n     "))
    let boundText =
      bound.map {
        "dashed lines at ±1.96/√n = ±\(Format.metric($0)) mark approximate 95% bounds for white noise (n = "
          + Format.metric(n ?? .nan) + ((count?.derived ?? false) ? " observations, from BIC − AIC)" : " observations)")
      } ?? "no bounds drawn: the trial recorded neither `nobs` nor both AIC and BIC"
    let caption = "Autocorrelation of the residuals of \(model), trial `\(trial.key)`; \(boundText)."
    return Chart(
      name: "residual_acf", title: "Residual autocorrelation of the best order", caption: caption,
      data: [.init(name: "residual_acf.dat", content: data.joined(separator: "\n") + "\n")], body: body)
  }

  /// History points shown before the forecast: twice the forecast length, at least 48, at most what the trial stored.
  static func historyShown(steps: Int, stored: Int) -> Int { min(stored, max(48, 2 * steps)) }

  /// The forecast on a time axis: the last part of the fitted history, the held-out values (if any), the point
  /// forecast and both bands, at the times the trial stored (`history_time`, `forecast_time`, Unix seconds, drawn as
  /// UTC dates). Nil when the trial has no times (older runs: the step chart is drawn instead).
  static func datedForecastChart(
    _ trial: TrialRecord, name: String, by label: String, board: Leaderboard,
    axis: ValueAxis
  ) -> Chart? {
    func values(_ key: String) -> [Int: Double] {
      var out: [Int: Double] = [:]
      for p in trial.series[key] ?? [] { out[p.step] = p.value }
      return out
    }
    let forecastTimes = values(ForecastOutputs.forecastTime)
    let historyTimes = values(ForecastOutputs.historyTime)
    let history = values(ForecastOutputs.history)
    let forecast = values(ForecastOutputs.forecast)
    guard !forecastTimes.isEmpty, !forecast.isEmpty, forecastTimes.values.allSatisfy(\.isFinite) else { return nil }
    let steps = forecast.keys.sorted()
    let historySteps = history.keys.sorted().filter { historyTimes[$0]?.isFinite == true }
    let shown = Array(historySteps.suffix(historyShown(steps: steps.count, stored: historySteps.count)))
    let order = Order(trial)
    let model = order?.label ?? "trial \(trial.key)"
    let bands = bandSeries.map { values($0) }
    var data = [
      GnuplotText.comment(
        "forecast of trial \(trial.key) (\(model)), values × \(Format.data(axis.scale)) = \(axis.label)"),
      "# index 0 (history before the forecast): time(unix s) value",
      "# index 1 (forecast steps): time(unix s) " + bandSeries.joined(separator: " "),
    ]
    for s in shown {
      data.append("\(Format.data(historyTimes[s] ?? .nan)) \(Format.data((history[s] ?? .nan) * axis.scale))")
    }
    if shown.isEmpty { data.append("NaN NaN") }
    data += ["", ""]
    for s in steps {
      data.append(
        ([Format.data(forecastTimes[s] ?? .nan)]
          + bands.map { Format.data(($0[s] ?? .nan) * axis.scale) }).joined(separator: " "))
    }
    // Dates alone when the chart spans five days or more; with hours below that.
    let allTimes = shown.compactMap { historyTimes[$0] } + steps.compactMap { forecastTimes[$0] }
    let span = (allTimes.max() ?? 0) - (allTimes.min() ?? 0)
    let file = GnuplotText.literal("data/\(name).dat")
    var clauses: [String] = []
    let has = { (key: String) in !(trial.series[key] ?? []).isEmpty }
    if has(ForecastOutputs.lower95), has(ForecastOutputs.upper95) {
      clauses.append(
        "index 1 using 1:6:7 with filledcurves fc rgb '#4e79a7' fs transparent solid 0.18 noborder title '95% interval'"
      )
    }
    if has(ForecastOutputs.lower80), has(ForecastOutputs.upper80) {
      clauses.append(
        "index 1 using 1:4:5 with filledcurves fc rgb '#4e79a7' fs transparent solid 0.35 noborder title '80% interval'"
      )
    }
    clauses.append("index 1 using 1:3 with lines lw 2 lc rgb '#1f4e79' title 'forecast'")
    if !shown.isEmpty {
      clauses.append("index 0 using 1:2 with lines lw 1.5 lc rgb '#222222' title 'history'")
    }
    if has(ForecastOutputs.actual) {
      clauses.append("index 1 using 1:2 with lines lw 1.5 lc rgb '#e15759' title 'actual (held out)'")
    }
    clauses = clauses.enumerated().map { i, c in (i == 0 ? file : "''") + " " + c }
    let heldOut = has(ForecastOutputs.actual)
    var body = ChartStyle.common
    body += [
      "set title \(GnuplotText.literal("Best order by \(label): \(model), " + (heldOut ? "holdout forecast vs actual" : "forecast beyond the data")))",
      "set xdata time",
      "set timefmt '%s'",
      "set format x '\(span < 5 * 86_400 ? "%m-%d %H:%M" : "%Y-%m-%d")'",
      "set xtics rotate by -30",
      "set rmargin 6",
      "set xlabel \(GnuplotText.literal("date (UTC)"))",
      "set ylabel \(GnuplotText.literal(axis.label))",
      "set key outside top center horizontal",
      "plot " + clauses.joined(separator: ", \\\n     "),
    ]
    let setting = otherSettings(board, trial)
    let caption =
      "\(model)\(setting), trial `\(trial.key)`: the last \(shown.count) fitted points, then the point "
      + "forecast of \(steps.count) steps with 80% and 95% prediction intervals"
      + (heldOut ? " against the held-out values" : "") + ", in \(Markdown.cell(axis.label)), by date (UTC)."
    return Chart(
      name: name, title: "Forecast of the best order by \(label)", caption: caption,
      data: [.init(name: "\(name).dat", content: data.joined(separator: "\n") + "\n")], body: body,
      width: 1000)
  }
}

extension ReportDocument {
  /// ` (data.filter.symbol=USDC, transform=log)`: the trial's values of the varying settings other than the order,
  /// for chart captions; empty when there are none.
  static func otherSettings(_ board: Leaderboard, _ trial: TrialRecord) -> String {
    let others = board.varyingKeys.filter { !ForecastOutputs.orderSettings.contains($0) }.compactMap { k in
      trial.params[k].map { "\(k)=\($0)" }
    }
    return others.isEmpty ? "" : " (" + Markdown.cell(others.joined(separator: ", ")) + ")"
  }
}
