import AlmanacCore
import Experiments

/// Per-step mean of one series over a group's finished trials.
struct MeanCurve: Sendable {
  var group: ConfigurationGroup
  /// (step, mean, sample sd or NaN, n), sorted by step.
  var points: [(step: Int, stats: SampleStats)]

  init(group: ConfigurationGroup, series key: String) {
    self.group = group
    var byStep: [Int: [Double]] = [:]
    for t in group.finished {
      for p in t.series[key] ?? [] { byStep[p.step, default: []].append(p.value) }
    }
    points = byStep.keys.sorted().map { ($0, SampleStats(byStep[$0, default: []])) }.filter { $0.stats.n > 0 }
  }
}

/// Joins two series of one trial on their step (points present in both), sorted by step.
func joinSeries(_ trial: TrialRecord, _ x: String, _ y: String) -> [(Double, Double)] {
  var ys: [Int: Double] = [:]
  for p in trial.series[y] ?? [] { ys[p.step] = p.value }
  return (trial.series[x] ?? []).sorted { $0.step < $1.step }.compactMap { p in
    guard let v = ys[p.step], p.value.isFinite, v.isFinite else { return nil }
    return (p.value, v)
  }
}

/// `#1 3d, smote` for legends and tics (at most `max` characters).
func groupLegend(_ g: ConfigurationGroup, max: Int = 40) -> String {
  Format.truncate((g.rank > 0 ? "#\(g.rank) " : "") + g.shortLabel, max)
}

extension ReportDocument {
  /// Classification charts, each only when its data exists.
  static func classificationCharts(_ input: ReportInput, _ board: Leaderboard, _ options: ReportOptions) -> [Chart] {
    var charts: [Chart] = []
    let top = Array(board.ranked.prefix(max(1, options.chartConfigurations)))
    if let c = metricBars(top, board) { charts.append(c) }
    if let c = lossCurves(
      top, key: ClassifyOutputs.trainLoss, name: "train_loss", title: "Training loss by epoch",
      xlabel: "epoch (counted across folds)", ylabel: "training loss", points: false)
    {
      charts.append(c)
    }
    if let c = lossCurves(
      top, key: ClassifyOutputs.validationLoss, name: "val_loss", title: "Validation loss by fold",
      xlabel: "fold", ylabel: "validation loss", points: true)
    {
      charts.append(c)
    }
    if let best = board.best, let trial = best.bestTrial(board.rankingMetric, goal: board.goal) {
      let who = "best trial `\(trial.key)` (\(Markdown.cell(best.longLabel)), replicate \(trial.replicate))"
      if let c = curve(
        trial, x: ClassifyOutputs.rocFPR, y: ClassifyOutputs.rocTPR, name: "roc", title: "ROC curve of the best trial",
        xlabel: "false positive rate", ylabel: "true positive rate", area: trial.metrics[ClassifyOutputs.rocAUC],
        areaName: "AUC", diagonal: true, who: who)
      {
        charts.append(c)
      }
      if let c = curve(
        trial, x: ClassifyOutputs.prRecall, y: ClassifyOutputs.prPrecision, name: "pr",
        title: "Precision-recall curve of the best trial", xlabel: "recall", ylabel: "precision",
        area: trial.metrics[ClassifyOutputs.prAUC], areaName: "average precision", diagonal: false, who: who)
      {
        charts.append(c)
      }
      if let c = confusion(trial, who: who) { charts.append(c) }
    }
    return charts
  }

  static let barMetrics = ClassifyOutputs.barMetrics

  static func metricBars(_ top: [ConfigurationGroup], _ board: Leaderboard) -> Chart? {
    let metrics = barMetrics.filter { m in top.contains { $0.stat(m).n > 0 } }
    guard !top.isEmpty, !metrics.isEmpty else { return nil }
    var data = [
      "# Test-set metrics by configuration: mean and sample sd (n - 1) over finished replicates; sd 0 when n = 1.",
      "# columns: row rank n " + metrics.map { "\($0) \($0)_sd" }.joined(separator: " "),
    ]
    for (i, g) in top.enumerated() { data.append(GnuplotText.comment("row \(i): #\(g.rank) \(g.longLabel)")) }
    for (i, g) in top.enumerated() {
      var row = ["\(i)", "\(g.rank)", "\(g.stat(board.rankingMetric).n)"]
      for m in metrics {
        let s = g.stat(m)
        row += [Format.data(s.mean), Format.data(s.n > 1 ? s.sd : 0)]
      }
      data.append(row.joined(separator: " "))
    }
    let tics = top.enumerated().map { i, g in "\(GnuplotText.literal(groupLegend(g, max: 28))) \(i)" }
    var body = ChartStyle.common
    body += [
      "set title \(GnuplotText.literal("Test-set metrics by configuration (mean ± sd over replicates)"))",
      "set ylabel \(GnuplotText.literal("score (0 to 1)"))",
      "set xlabel \(GnuplotText.literal("configuration (leaderboard rank)"))",
      "set yrange [0:1.05]",
      "set style data histograms",
      "set style histogram errorbars gap 1.5 lw 1",
      "set style fill solid 0.85 border rgb '#333333'",
      "set boxwidth 0.9",
      "set key outside top center horizontal",
      "set xtics (\(tics.joined(separator: ", "))) " + (top.count > 3 ? "rotate by 30 right" : "norotate"),
      "set lmargin 16",
    ]
    let file = GnuplotText.literal("data/metric_bars.dat")
    let clauses = metrics.enumerated().map { j, m in
      let col = 4 + 2 * j
      return
        "\(j == 0 ? file : "''") using \(col):\(col + 1) title \(GnuplotText.literal(m)) lc rgb '\(ChartStyle.color(j))'"
    }
    body.append("plot " + clauses.joined(separator: ", \\\n     "))
    let caption =
      "Test-set \(metrics.joined(separator: ", ")) of the top \(top.count) configurations by "
      + "\(Markdown.cell(board.rankingMetric)) (bars: mean over replicates; error bars: ± one sample sd)."
    return Chart(
      name: "metric_bars", title: "Test-set metrics by configuration", caption: caption,
      data: [.init(name: "metric_bars.dat", content: data.joined(separator: "\n") + "\n")], body: body,
      height: top.count > 3 ? 600 : 540)
  }

  static func lossCurves(
    _ top: [ConfigurationGroup], key: String, name: String, title: String, xlabel: String,
    ylabel: String, points: Bool
  ) -> Chart? {
    let curves = top.prefix(8).map { MeanCurve(group: $0, series: key) }.filter { !$0.points.isEmpty }
    guard !curves.isEmpty else { return nil }
    // Training restarts each fold unless the model is carried across folds: break the line there (a blank line
    // inside a block lifts gnuplot's pen).
    func foldLength(_ g: ConfigurationGroup) -> Int? {
      guard !points, let t = g.finished.first, t.params["validation.carry_model"] != "true",
        let epochs = t.params["model.epochs"].flatMap({ Int($0) }), epochs > 0
      else { return nil }
      return epochs
    }
    var data = [
      "# \(key): per-step mean and sample sd over finished replicates; one block (index) per configuration",
      "# columns: step mean sd n",
    ]
    for (i, c) in curves.enumerated() {
      if i > 0 { data += ["", ""] }
      data.append(GnuplotText.comment("index \(i): #\(c.group.rank) \(c.group.longLabel)"))
      let fold = foldLength(c.group)
      let first = c.points.first?.step ?? 0
      for (j, p) in c.points.enumerated() {
        if let f = fold, j > 0, (p.step - first) / f != (c.points[j - 1].step - first) / f { data.append("") }
        data.append("\(p.step) \(Format.data(p.stats.mean)) \(Format.data(p.stats.sd)) \(p.stats.n)")
      }
    }
    var body = ChartStyle.common
    body += [
      "set title \(GnuplotText.literal(title + " (mean over replicates)"))",
      "set xlabel \(GnuplotText.literal(xlabel))",
      "set ylabel \(GnuplotText.literal(ylabel))",
      "set key outside right top",
    ]
    if points { body += ["set xtics 1", "set offsets 0.25, 0.25, 0, 0"] }
    let file = GnuplotText.literal("data/\(name).dat")
    let style = points ? "with linespoints pt 7 ps 0.8" : "with lines"
    let clauses = curves.enumerated().map { i, c in
      "\(i == 0 ? file : "''") index \(i) using 1:2 \(style) lw 2 lc rgb '\(ChartStyle.color(i))' title \(GnuplotText.literal(groupLegend(c.group)))"
    }
    body.append("plot " + clauses.joined(separator: ", \\\n     "))
    let caption =
      "Mean `\(key)` per \(points ? "fold" : "epoch") of the top \(curves.count) configurations "
      + "(legend: leaderboard rank and parameter values)."
    return Chart(
      name: name, title: title, caption: caption,
      data: [.init(name: "\(name).dat", content: data.joined(separator: "\n") + "\n")], body: body,
      width: 1000)
  }

  static func curve(
    _ trial: TrialRecord, x: String, y: String, name: String, title: String, xlabel: String,
    ylabel: String, area: Double?, areaName: String, diagonal: Bool, who: String
  ) -> Chart? {
    let points = joinSeries(trial, x, y)
    guard points.count >= 2 else { return nil }
    var data = [GnuplotText.comment("\(x) \(y) of trial \(trial.key), joined on step"), "# columns: \(x) \(y)"]
    data += points.map { "\(Format.data($0.0)) \(Format.data($0.1))" }
    var body = ChartStyle.common
    let areaText = area.flatMap { $0.isFinite ? ", \(areaName) = \(Format.metric($0))" : nil } ?? ""
    body += [
      "set title \(GnuplotText.lines([title, "trial \(trial.key)\(areaText)"]))",
      "set xlabel \(GnuplotText.literal(xlabel))",
      "set ylabel \(GnuplotText.literal(ylabel))",
      "set xrange [0:1]",
      "set yrange [0:1.02]",
      "set size ratio 1",
      "set grid xtics ytics lc rgb '#dddddd' lt 1",
      diagonal ? "set key bottom right" : "set key top right",
    ]
    let file = GnuplotText.literal("data/\(name).dat")
    var clauses = [
      "\(file) using 1:2 with lines lw 2 lc rgb '\(ChartStyle.color(0))' title \(GnuplotText.literal(name == "roc" ? "ROC" : "precision-recall"))"
    ]
    if diagonal {
      clauses.append("x with lines dt 2 lc rgb '#888888' title 'chance'")
    } else if let tp = trial.metrics[ClassifyOutputs.tp], let fn = trial.metrics[ClassifyOutputs.fn],
      let fp = trial.metrics[ClassifyOutputs.fp],
      let tn = trial.metrics[ClassifyOutputs.tn], tp + fn + fp + tn > 0
    {
      let prevalence = (tp + fn) / (tp + fn + fp + tn)
      clauses.append(
        "\(Format.data(prevalence)) with lines dt 2 lc rgb '#888888' title \(GnuplotText.literal("chance (prevalence \(Format.metric(prevalence)))"))"
      )
    }
    body.append("plot " + clauses.joined(separator: ", \\\n     "))
    return Chart(
      name: name, title: title, caption: "\(title) on the test set: \(who).",
      data: [.init(name: "\(name).dat", content: data.joined(separator: "\n") + "\n")], body: body,
      width: 640, height: 600)
  }

  static func confusion(_ trial: TrialRecord, who: String) -> Chart? {
    guard let tp = trial.metrics[ClassifyOutputs.tp], let fp = trial.metrics[ClassifyOutputs.fp],
      let tn = trial.metrics[ClassifyOutputs.tn],
      let fn = trial.metrics[ClassifyOutputs.fn], [tp, fp, tn, fn].allSatisfy(\.isFinite)
    else { return nil }
    let total = max(tp + fp + tn + fn, 1)
    let cells: [(Int, Int, Double)] = [(0, 0, tn), (1, 0, fp), (0, 1, fn), (1, 1, tp)]
    var data = [
      GnuplotText.comment("confusion matrix of trial \(trial.key) on the test set"),
      "# columns: predicted actual count share (0 = negative, 1 = positive)",
    ]
    data += cells.map { "\($0.0) \($0.1) \(Format.data($0.2)) \(Format.data($0.2 / total))" }
    var body = [
      "set title \(GnuplotText.lines(["Confusion matrix of the best trial", "trial \(trial.key): test rows (share of all)"]))",
      "set xlabel \(GnuplotText.literal("predicted class"))",
      "set ylabel \(GnuplotText.literal("actual class"))",
      "set xrange [-0.5:1.5]",
      "set yrange [1.5:-0.5]",
      "set xtics ('negative (0)' 0, 'positive (1)' 1) nomirror",
      "set ytics ('negative (0)' 0, 'positive (1)' 1) nomirror",
      "set size ratio 1",
      "set palette defined (0 '#f7fbff', 1 '#9ecae1', 2 '#4292c6')",
      "set cbrange [0:*]",
      "unset key",
    ]
    let file = GnuplotText.literal("data/confusion.dat")
    body.append(
      "plot \(file) using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 border rgb '#ffffff' fc palette, \\\n"
        + "     '' using 1:2:(sprintf('%d (%.1f%%)', int($3), 100 * $4)) with labels font ',14' tc rgb '#000000'")
    let caption =
      "Counts on the test set with share of all test rows, \(who); TP \(Format.metric(tp)), "
      + "FP \(Format.metric(fp)), TN \(Format.metric(tn)), FN \(Format.metric(fn))."
    return Chart(
      name: "confusion", title: "Confusion matrix of the best trial", caption: caption,
      data: [.init(name: "confusion.dat", content: data.joined(separator: "\n") + "\n")], body: body,
      width: 640, height: 580)
  }
}
