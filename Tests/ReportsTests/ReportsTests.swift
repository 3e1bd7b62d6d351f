import Experiments
import Foundation
@testable import Reports
import AlmanacCore
import Testing
import Tracking
import _ReportsTestSupport
import _TestSupport

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A small hand-made classification sweep whose group statistics were computed with pandas 3.1.1
/// (`df.groupby([...]).agg(['mean', 'std', 'count'])`, std with ddof = 1).
func handMadeInput(name: String = "hand-made", notes: String = "") -> ReportInput {
  let rows: [(String, String, Int, Double?, Double?)] = [
    ("3d", "none", 0, 0.60, 0.55), ("3d", "none", 1, 0.62, 0.57), ("3d", "none", 2, 0.58, 0.52),
    ("3d", "smote", 0, 0.66, 0.61), ("3d", "smote", 1, 0.64, 0.60), ("3d", "smote", 2, nil, nil),
    ("7d", "none", 0, 0.63, 0.59),
    ("7d", "smote", 0, 0.70, 0.66), ("7d", "smote", 1, 0.69, 0.64), ("7d", "smote", 2, 0.71, 0.69),
  ]
  let trials = rows.enumerated().map { i, r -> TrialRecord in
    let params = ["features": r.0, "oversampling": r.1, "seed": "\(r.2)", "model.epochs": "30"]
    guard let f1 = r.3, let precision = r.4 else {
      return TrialRecord(key: String(format: "%016x", i), status: .failed, error: "boom |pipe|\nsecond line",
                         params: params, replicate: r.2)
    }
    return TrialRecord(key: String(format: "%016x", i), status: .finished, params: params,
                       metrics: ["f1": f1, "precision": precision], replicate: r.2)
  }
  let experiment = ReportExperiment(
    name: name, notes: notes, task: .classify, reproduceCommand: "almanac run x.yaml",
    date: SyntheticReport.date, rankingMetric: "f1", goal: .maximize, sweepAxes: ["features", "oversampling"])
  return ReportInput(experiment: experiment, trials: trials)
}

@Suite("Statistics")
struct StatisticsTests {
  @Test("mean and sample sd match numpy (ddof = 1)")
  func meanAndSD() {
    // numpy: x = [1, 2, 4, 8]; x.mean() = 3.75, x.std(ddof=1) = 3.095695936834452
    let s = SampleStats([1, 2, 4, 8])
    #expect(s.n == 4)
    #expect(abs(s.mean - 3.75) < 1e-12)
    #expect(abs(s.sd - 3.095695936834452) < 1e-12)
  }

  @Test("NaN and infinities are dropped; n = 1 has no sd; empty has neither")
  func edgeCases() {
    let s = SampleStats([.nan, 2, .infinity, 4])
    #expect(s.n == 2)
    #expect(abs(s.mean - 3) < 1e-12)
    #expect(abs(s.sd - 2.0.squareRoot()) < 1e-12)
    let one = SampleStats([0.5])
    #expect(one.n == 1 && one.mean == 0.5 && one.sd.isNaN)
    #expect(one.display == "0.5000 ± —")
    let none = SampleStats([])
    #expect(none.n == 0 && none.mean.isNaN && none.display == "—")
    let constant = SampleStats([0.7, 0.7, 0.7])
    #expect(constant.sd == 0 && constant.mean == 0.7)
  }

  @Test("number formatting is fixed and locale-free", arguments: [
    (0.712345, "0.7123"), (1234.5678, "1234.6"), (-6228.04, "-6228.0"), (2.5, "2.500"), (0.00123, "0.00123"),
    (42.0, "42"), (0.0, "0"), (Double.nan, "—"),
  ])
  func formatting(value: Double, expected: String) {
    #expect(Format.metric(value) == expected)
  }
}

@Suite("Leaderboard")
struct LeaderboardTests {
  @Test("replicates collapse into configurations ranked by the mean (pandas groupby reference)")
  func grouping() throws {
    let input = handMadeInput()
    let board = Leaderboard(trials: input.trials, sweepAxes: ["features", "oversampling"], rankingMetric: "f1",
                            goal: .maximize, metrics: ["f1", "precision"])
    // seed varies but is a replicate key; model.epochs is constant: neither defines a configuration.
    #expect(board.varyingKeys == ["features", "oversampling"])
    #expect(board.groups.count == 4)
    let order = board.ranked.map(\.shortLabel)
    #expect(order == ["7d, smote", "3d, smote", "7d, none", "3d, none"])
    let best = try #require(board.best)
    // pandas: 7d/smote f1 mean 0.69999999999999984, std 0.01000000000000001; precision std 0.02516611478423579
    #expect(abs(best.stat("f1").mean - 0.7) < 1e-12)
    #expect(abs(best.stat("f1").sd - 0.01) < 1e-12)
    #expect(abs(best.stat("precision").sd - 0.02516611478423579) < 1e-12)
    let smote3d = board.groups[1]
    // pandas: 3d/smote f1 mean 0.65, std 0.01414213562373096, count 2 (the failed replicate is left out)
    #expect(smote3d.stat("f1").n == 2)
    #expect(abs(smote3d.stat("f1").sd - 0.01414213562373096) < 1e-12)
    #expect(smote3d.trials.count == 3)
    let single = board.groups[2]
    #expect(single.stat("f1").n == 1 && single.stat("f1").sd.isNaN)
    #expect(best.bestTrial("f1", goal: .maximize)?.metrics["f1"] == 0.71)
  }

  @Test("minimising metrics rank the smallest mean first")
  func minimise() {
    let input = handMadeInput()
    let board = Leaderboard(trials: input.trials, sweepAxes: [], rankingMetric: "f1", goal: .minimize,
                            metrics: ["f1"])
    #expect(board.best?.shortLabel == "3d, none")
  }

  @Test("effect tables average each axis value over everything else (pandas reference)")
  func effects() throws {
    let input = handMadeInput()
    let features = EffectTable(axis: "features", trials: input.trials, metrics: ["f1", "precision"])
    #expect(features.rows.map(\.value) == ["3d", "7d"])
    #expect(features.rows.map(\.n) == [5, 4])
    // pandas: groupby("features").mean(): 3d f1 0.62, precision 0.57; 7d f1 0.68249999999999988, 0.645
    #expect(abs((features.rows[0].means["f1"] ?? .nan) - 0.62) < 1e-12)
    #expect(abs((features.rows[1].means["f1"] ?? .nan) - 0.6825) < 1e-12)
    #expect(abs((features.rows[1].means["precision"] ?? .nan) - 0.645) < 1e-12)
    let os = EffectTable(axis: "oversampling", trials: input.trials, metrics: ["f1"])
    // pandas: none 0.60749999999999993, smote 0.67999999999999994
    #expect(abs((os.rows[0].means["f1"] ?? .nan) - 0.6075) < 1e-12)
    #expect(abs((os.rows[1].means["f1"] ?? .nan) - 0.68) < 1e-12)
  }
}

@Suite("Escaping")
struct EscapingTests {
  @Test("gnuplot literals double single quotes and drop control characters", arguments: [
    ("plain", "'plain'"),
    ("it's", "'it''s'"),
    ("a\nb\tc\r\u{7}d", "'a b c d'"),
    ("x\"; system(\"touch owned\"); \"", "'x\"; system(\"touch owned\"); \"'"),
    ("`touch owned` @GPVAL_TERM \\", "'`touch owned` @GPVAL_TERM \\'"),
  ])
  func literal(text: String, expected: String) {
    #expect(GnuplotText.literal(text) == expected)
  }

  @Test("Markdown cells keep the table shape")
  func cells() {
    #expect(Markdown.cell("a|b\nc") == "a\\|b c")
    #expect(Markdown.cell("<script>") == "&lt;script&gt;")
    #expect(Markdown.code("a`b") == "``a`b``")
  }

  @Test("the failures table and leaderboard have a constant column count despite pipes and newlines")
  func tableShape() {
    let doc = ReportDocument(handMadeInput(name: "a|b"), options: ReportOptions())
    let md = doc.markdown { _ in .rendered }
    #expect(md.hasPrefix("# a\\|b\n"))
    for table in md.components(separatedBy: "\n\n") where table.hasPrefix("|") {
      let counts = table.split(separator: "\n").map { line in
        line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
      }
      #expect(Set(counts).count == 1, "ragged table:\n\(table)")
    }
    #expect(md.contains("boom \\|pipe\\| second line"))
  }
}

@Suite("Golden reports")
struct GoldenTests {
  static let inputs: [(String, ReportInput)] = [
    ("classify", SyntheticReport.classification(learningRates: 2, replicates: 3, failures: 2)),
    ("forecast", SyntheticReport.forecast(maxP: 2, maxD: 1, maxQ: 2, transforms: ["log", "none"], horizon: 12)),
    ("handmade", handMadeInput(notes: "Notes with **Markdown**.")),
  ]

  @Test("README.md and every chart script match the golden files", arguments: ["classify", "forecast", "handmade"])
  func golden(name: String) throws {
    let input = try #require(Self.inputs.first { $0.0 == name }?.1)
    let doc = ReportDocument(input, options: ReportOptions())
    try Golden.reset(name)
    try Golden.check(doc.markdown { _ in .rendered }, "\(name)/README.md")
    for chart in doc.charts { try Golden.check(chart.script, "\(name)/\(chart.name).gp") }
    let expected = Golden.listing(name).filter { $0.hasSuffix(".gp") }
    #expect(doc.charts.map { "\($0.name).gp" }.sorted() == expected)
  }

  @Test("the same input always gives the same bytes")
  func deterministic() {
    let a = ReportDocument(SyntheticReport.classification(), options: ReportOptions())
    let b = ReportDocument(SyntheticReport.classification(), options: ReportOptions())
    #expect(a.markdown { _ in .rendered } == b.markdown { _ in .rendered })
    #expect(a.combinedScript == b.combinedScript)
  }
}

/// Whether a real gnuplot is installed.
let gnuplotPath = Gnuplot.locate()

/// True when `url` parses as XML.
func isWellFormedXML(_ url: URL) -> Bool {
  guard let parser = XMLParser(contentsOf: url) else { return false }
  return parser.parse()
}

@Suite("Writing reports")
struct WriterTests {
  @Test("with real gnuplot: every chart is a well-formed, non-empty SVG and every link resolves",
        .enabled(if: gnuplotPath != nil, "gnuplot is not installed (apt-get install gnuplot-nox)"),
        arguments: ["classify", "forecast"])
  func realGnuplot(kind: String) throws {
    let input = kind == "classify" ? SyntheticReport.classification() : SyntheticReport.forecast()
    let dir = try TestSupport.temporaryDirectory("report-\(kind)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let summary = try ReportWriter.write(input, to: dir, options: ReportOptions(png: true))
    #expect(summary.warnings.isEmpty, "\(summary.warnings)")
    let svgs = summary.charts.filter { $0.hasSuffix(".svg") }
    #expect(svgs.count == summary.scripts.count)
    #expect(svgs.count >= (kind == "classify" ? 6 : 6))
    for svg in svgs {
      let url = dir.appendingPathComponent(svg)
      let text = try String(contentsOf: url, encoding: .utf8)
      #expect(text.contains("<svg") && text.contains("</svg>"), "\(svg) is not an SVG document")
      #expect(text.contains("<path"), "\(svg) draws nothing")
      #expect(isWellFormedXML(url), "\(svg) is not well-formed XML")
      let png = dir.appendingPathComponent(svg.replacingOccurrences(of: ".svg", with: ".png"))
      let header = try Data(contentsOf: png).prefix(8)
      #expect(Array(header) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(png.lastPathComponent) is not a PNG")
    }
    // Every relative link in the README points at a file inside the folder.
    let readme = try String(contentsOf: summary.readme, encoding: .utf8)
    let links = readme.components(separatedBy: "](").dropFirst().compactMap { $0.split(separator: ")").first }
    #expect(!links.isEmpty)
    for link in links {
      #expect(!link.hasPrefix("/") && !link.contains(".."), "non-relative link \(link)")
      #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(String(link)).path), "broken \(link)")
    }
  }

  @Test("each chart script also runs on its own from the report folder",
        .enabled(if: gnuplotPath != nil, "gnuplot is not installed (apt-get install gnuplot-nox)"))
  func standaloneScript() throws {
    let dir = try TestSupport.temporaryDirectory("report-standalone")
    defer { try? FileManager.default.removeItem(at: dir) }
    let summary = try ReportWriter.write(SyntheticReport.forecast(), to: dir)
    let script = try #require(summary.scripts.first)
    let svg = dir.appendingPathComponent(script.replacingOccurrences(of: ".gp", with: ".svg"))
    try FileManager.default.removeItem(at: svg)
    let run = try Gnuplot.run(executable: try #require(gnuplotPath), script: String(contentsOf:
      dir.appendingPathComponent(script), encoding: .utf8), in: dir, timeout: 60)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(isWellFormedXML(svg))
  }

  @Test("hostile names draw as labels and run nothing",
        .enabled(if: gnuplotPath != nil, "gnuplot is not installed (apt-get install gnuplot-nox)"))
  func injection() throws {
    let dir = try TestSupport.temporaryDirectory("report-injection")
    defer { try? FileManager.default.removeItem(at: dir) }
    let hostile = "x\"; system(\"touch owned\"); \" `touch owned2` 'q' @GPVAL_PWD ^{up}_{down}\nnew line"
    var input = SyntheticReport.classification()
    input.experiment.name = hostile
    let hostileValue = "');system('touch owned3')#"
    for i in input.trials.indices where input.trials[i].params["features"] == "7d" {
      input.trials[i].params["features"] = hostileValue
    }
    // Titles of the curve charts carry the trial key; give the best trial a hostile one too.
    for i in input.trials.indices { input.trials[i].key += "`touch owned4`" }
    let summary = try ReportWriter.write(input, to: dir)
    #expect(summary.warnings.isEmpty, "\(summary.warnings)")
    for name in ["owned", "owned2", "owned3", "owned4"] {
      #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name) was created")
      #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/" + name))
    }
    let bars = try String(contentsOf: dir.appendingPathComponent("charts/metric_bars.svg"), encoding: .utf8)
    #expect(bars.contains("');system('touch owned3"), "the hostile parameter value is not drawn as a tic label")
    let loss = try String(contentsOf: dir.appendingPathComponent("charts/train_loss.svg"), encoding: .utf8)
    #expect(loss.contains(hostileValue), "the hostile parameter value is not drawn in the legend")
    // gnuplot's SVG writes quotes as they are and escapes only & and <.
    let flat = Format.oneLine(hostile).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    #expect(bars.contains(flat), "the hostile experiment name is not drawn as a label")
    let roc = try String(contentsOf: dir.appendingPathComponent("charts/roc.svg"), encoding: .utf8)
    #expect(roc.contains("`touch owned4`"))
    #expect(isWellFormedXML(dir.appendingPathComponent("charts/metric_bars.svg")))
  }

  @Test("without gnuplot the report still has its tables, scripts, data and an install note")
  func noGnuplot() throws {
    let dir = try TestSupport.temporaryDirectory("report-nognuplot")
    defer { try? FileManager.default.removeItem(at: dir) }
    let summary = try ReportWriter.write(SyntheticReport.forecast(), to: dir,
                                         options: ReportOptions(gnuplotPath: dir.path + "/no/such/gnuplot"))
    #expect(summary.gnuplot == nil)
    #expect(summary.charts.isEmpty)
    #expect(summary.warnings.count == 1)
    #expect(summary.warnings.first?.contains("apt-get install gnuplot-nox") == true)
    let readme = try String(contentsOf: summary.readme, encoding: .utf8)
    #expect(readme.contains("## Leaderboard"))
    #expect(readme.contains("gnuplot was not found"))
    #expect(readme.contains("scripts/setup"))
    #expect(!readme.contains(".svg)"))
    for file in summary.scripts + summary.dataFiles {
      #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file) missing")
    }
  }

  @Test("locating gnuplot: explicit paths must exist, bare names and the default search PATH")
  func locate() throws {
    #expect(Gnuplot.locate(explicitPath: "/no/such/gnuplot") == nil)
    #expect(Gnuplot.locate(environment: ["PATH": "/no/such/dir"]) == nil)
    #expect(Gnuplot.locate(explicitPath: "false", environment: ["PATH": "/no/such/dir:/bin:/usr/bin"]) != nil)
    #expect(Gnuplot.locate(explicitPath: "/bin/false") == "/bin/false")
  }

  @Test("a failing gnuplot becomes a warning, not an error")
  func failingGnuplot() throws {
    let dir = try TestSupport.temporaryDirectory("report-falsegnuplot")
    defer { try? FileManager.default.removeItem(at: dir) }
    let summary = try ReportWriter.write(handMadeInput(), to: dir, options: ReportOptions(gnuplotPath: "/bin/false"))
    #expect(summary.warnings.contains { $0.contains("exited with status 1") })
    let readme = try String(contentsOf: summary.readme, encoding: .utf8)
    #expect(readme.contains("Some charts could not be drawn"))
  }

  @Test("a report with no trials is still written")
  func empty() throws {
    let dir = try TestSupport.temporaryDirectory("report-empty")
    defer { try? FileManager.default.removeItem(at: dir) }
    var input = handMadeInput()
    input.trials = []
    let summary = try ReportWriter.write(input, to: dir)
    let readme = try String(contentsOf: summary.readme, encoding: .utf8)
    #expect(readme.contains("0 finished, 0 failed, 0 killed (0 total)"))
    #expect(readme.contains("No finished trial has a value of"))
    #expect(summary.scripts.isEmpty)
  }
}

@Suite("Forecast details")
struct ForecastDetailTests {
  @Test("n for the ACF bounds: recovered from R's AIC and BIC (k = coefficients + 1) equals R's nobs",
        .enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func observationsFromR() throws {
    // R 4.2.2 stats::arima fits recorded in ../shared/data/arima/expected_R_stats_arima.txt: each block has a line of
    // coefficient names, `... aic A  nobs N` and `BIC B`.
    let dir = try #require(TestSupport.sharedDirectory)
    let text = try String(contentsOf: dir.appendingPathComponent("data/arima/expected_R_stats_arima.txt"),
                          encoding: .utf8)
    var checked = 0
    for block in text.components(separatedBy: "=====").dropFirst() {
      let lines = block.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
      guard lines.count > 4, let stats = lines.first(where: { $0.contains("aic") && $0.contains("nobs") }),
            let bicLine = lines.first(where: { $0.first == "BIC" }),
            let aic = stats.firstIndex(of: "aic").flatMap({ Double(stats[$0 + 1]) }),
            let nobs = stats.firstIndex(of: "nobs").flatMap({ Double(stats[$0 + 1]) }),
            let bic = Double(bicLine[1]), aic.isFinite, bic.isFinite
      else { continue }
      var metrics = ["aic": aic, "bic": bic]
      for name in lines[1] { metrics["coef." + name] = 0 }
      let trial = TrialRecord(key: "k", status: .finished, params: [:], metrics: metrics)
      let n = try #require(ReportDocument.observationCount(trial))
      #expect(n.n == nobs && n.derived, "block \(lines[0].joined(separator: " ")): got \(n.n), R says \(nobs)")
      checked += 1
    }
    #expect(checked >= 3)
  }

  @Test("an explicit nobs metric wins; without AIC and BIC there is no n")
  func observations() {
    let trial = TrialRecord(key: "k", status: .finished, params: [:],
                            metrics: ["aic": 10, "bic": 20, "coef.ar1": 0.5, "nobs": 40])
    #expect(ReportDocument.observationCount(trial)?.n == 40)
    #expect(ReportDocument.observationCount(trial)?.derived == false)
    let none = TrialRecord(key: "k", status: .finished, params: [:], metrics: ["aic": 1])
    #expect(ReportDocument.observationCount(none) == nil)
  }
}
