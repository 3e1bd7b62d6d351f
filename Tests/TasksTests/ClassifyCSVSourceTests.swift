import AlmanacCore
import Datasets
import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Tasks

/// `data.source: csv` for `classify`: the exported synthetic panel gives the same results as the built-in source,
/// plan-time errors are located in the experiment file, data errors fail the trial with a located message, and the
/// committed example CSV is what the generator writes today.
@Suite("classify: data.source csv")
struct ClassifyCSVSourceTests {
  let task = ClassifyTask()

  /// `settings` with the panel read from `path` (the export's columns).
  func csvSettings(_ settings: Value, path: String = "panel.csv") -> Value {
    settings.setting("data.source", to: "csv").setting(
      "data.csv", to: ["path": .string(path), "time": "day", "group": "token", "label": "label"])
  }

  func expectSameOutcome(_ a: TrialOutcome, _ b: TrialOutcome) {
    #expect(a.metrics.mapValues(\.bitPattern) == b.metrics.mapValues(\.bitPattern))
    #expect(a.series.count == b.series.count)
    #expect(zip(a.series, b.series).allSatisfy { $0.key == $1.key && $0.step == $1.step
      && $0.value.bitPattern == $1.value.bitPattern })
    #expect(a.tags == b.tags)
  }

  @Test(
    "A CSV export of the synthetic panel gives exactly the metrics of the built-in source",
    arguments: [
      [:], ["model.type": "gbdt", "validation.scheme": "timeseries"],
      ["features": ["price", "return_7d", "drawdown_7d"], "oversampling": "smote", "threshold": "tune"],
      ["data.features": "tutorial", "features": "7d", "model.type": "logistic", "data.scaling": "standard"],
    ] as [[String: Value]])
  func exportedPanelGivesTheSameMetrics(overrides: [String: Value]) throws {
    let dir = try TestSupport.temporaryDirectory("csv-equality")
    defer { try? FileManager.default.removeItem(at: dir) }
    let builtIn = classifySettings(overrides)
    let export = try ClassifyTask.panelCSV(settings: builtIn, baseDirectory: dir)
    try Data(export.text.utf8).write(to: dir.appendingPathComponent("panel.csv"))
    // The export has every feature; name the built-in set's columns (with csv, a set name means the CSV's columns).
    var csv = csvSettings(builtIn)
    if case .string(let set)? = builtIn[path: "features"], let columns = FeatureSets.builtIn[set] {
      csv = csv.setting("features", to: .list(columns.map(Value.string)))
    }
    let context = TrialContext(baseDirectory: dir, artifactDirectory: dir)
    let a = try task.run(classifyTrial(builtIn, seed: 11), context: context)
    let b = try task.run(classifyTrial(csv, seed: 11), context: context)
    #expect(a.metrics["f1"] != nil && a.metrics["roc_auc"] != nil)
    expectSameOutcome(a, b)
    #expect(task.check(settings: csv, baseDirectory: dir).isEmpty)
  }

  @Test("With only the used features exported, the default features (3d) mean every CSV column")
  func defaultFeaturesMeanEveryColumn() throws {
    let dir = try TestSupport.temporaryDirectory("csv-default-features")
    defer { try? FileManager.default.removeItem(at: dir) }
    let builtIn = classifySettings()
    let export = try ClassifyTask.panelCSV(settings: builtIn, baseDirectory: dir, usedFeaturesOnly: true)
    #expect(export.features == FeatureSets.threeDay)
    #expect(export.text.hasPrefix("day,token,label," + FeatureSets.threeDay.joined(separator: ",") + "\n"))
    try Data(export.text.utf8).write(to: dir.appendingPathComponent("panel.csv"))
    let context = TrialContext(baseDirectory: dir, artifactDirectory: dir)
    let a = try task.run(classifyTrial(builtIn, seed: 5), context: context)
    for features: Value in ["3d", "all"] {
      let b = try task.run(classifyTrial(csvSettings(builtIn).setting("features", to: features), seed: 5), context: context)
      expectSameOutcome(a, b)
    }
  }

  @Test("Input files: the CSV, resolved against the experiment file's directory; none without data.csv")
  func inputFiles() throws {
    let base = URL(fileURLWithPath: "/repo/experiments")
    let files = try task.inputFiles(settings: csvSettings(classifySettings(), path: "../data/mine.csv"), baseDirectory: base)
    #expect(files.map(\.path) == ["/repo/data/mine.csv"])
    #expect(try task.inputFiles(settings: classifySettings(["data.source": "csv"]), baseDirectory: base).isEmpty)
  }

  @Test("A data error fails the trial with the file's position; the panel of a rewritten file is read again")
  func dataErrorsFailTheTrial() throws {
    let dir = try TestSupport.temporaryDirectory("csv-trial-error")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("panel.csv")
    var rows = ["day,token,label,x"]
    let first = CSVDate.days(year: 2024, month: 1, day: 1)
    for d in 0..<60 { rows.append("\(CSVDate.isoDate(first + d)),A,\(d % 3 == 0 ? 1 : 0),\(d)") }
    rows[5] = "2024-01-05,A,2,4"
    try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: url)
    let settings = csvSettings(classifySettings(["data.test_days": 5]))
      .setting("features", to: "all")
    let context = TrialContext(baseDirectory: dir, artifactDirectory: dir)
    #expect(task.check(settings: settings, baseDirectory: dir).isEmpty, "the header is fine")
    let failure = #expect(throws: TrialFailure.self) { try task.run(classifyTrial(settings), context: context) }
    #expect(
      failure?.description
        == "\(url.path):6:14: error: unexpected label '2' in column 'label'; expected 0 or 1 (or true/false); set "
        + "data.csv.positive to name the value that counts as 1")
    rows[5] = "2024-01-05,A,1,4"
    try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: url)
    let outcome = try task.run(classifyTrial(settings), context: context)
    #expect(outcome.tags["features"] == "x")
    #expect(outcome.tags["rows"]?.hasPrefix("train ") == true)
  }

  @Test("Named features are the only columns read: a text cell in one is an error at its position")
  func namedFeaturesAreRead() throws {
    let dir = try TestSupport.temporaryDirectory("csv-named")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("t.csv")
    var rows = ["y,x,note,z"]
    for i in 0..<50 { rows.append("\(i % 2),\(i),\(i == 7 ? "n/a" : String(i)),\(i == 9 ? "" : String(i))") }
    try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: url)
    let base = classifySettings(["data.test_days": 9, "model.type": "logistic"]).setting("data.source", to: "csv")
      .setting("data.csv", to: ["path": "t.csv", "label": "y"])
    let context = TrialContext(baseDirectory: dir, artifactDirectory: dir)
    let failure = #expect(throws: TrialFailure.self) {
      try task.run(classifyTrial(base.setting("features", to: ["x", "note"])), context: context)
    }
    #expect(failure?.description == "\(url.path):9:5: error: expected a number in column 'note', found 'n/a'")
    // Only x is read: the empty cell of z does not matter.
    let outcome = try task.run(classifyTrial(base.setting("features", to: ["x"])), context: context)
    #expect(outcome.tags["features"] == "x")
    // With all, note is numeric by its first cell and its text cell is an error; z's empty cell too, after it.
    let all = #expect(throws: TrialFailure.self) {
      try task.run(classifyTrial(base.setting("features", to: "all")), context: context)
    }
    #expect(all?.description == "\(url.path):9:5: error: expected a number in column 'note', found 'n/a'")
  }

  @Test("Without a time column, test_days counts rows and the row order is the time")
  func rowNumberTime() throws {
    let dir = try TestSupport.temporaryDirectory("csv-rows")
    defer { try? FileManager.default.removeItem(at: dir) }
    var rows = ["x,y"]
    for i in 0..<100 { rows.append("\(Double(i) / 10),\(i % 4 == 0 ? "yes" : "no")") }
    try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("rows.csv"))
    let settings = classifySettings(["data.test_days": 19, "features": "all"]).setting("data.source", to: "csv")
      .setting("data.csv", to: ["path": "rows.csv", "label": "y", "positive": "yes"])
    let outcome = try task.run(classifyTrial(settings), context: TrialContext(baseDirectory: dir, artifactDirectory: dir))
    #expect(outcome.tags["rows"] == "train 80 (20 positive), test 20 (5 positive)")
    let days = outcome.series.filter { $0.key == "test_day" }.map(\.value)
    #expect(days == (80..<100).map(Double.init))
  }

  // MARK: - Plan time

  /// The first line of each diagnostic when planning `yaml` beside the files `files` (name -> contents).
  func planErrors(_ yaml: String, files: [String: String] = [:]) throws -> [String] {
    let dir = try TestSupport.temporaryDirectory("csv-plan")
    defer { try? FileManager.default.removeItem(at: dir) }
    for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
    let url = dir.appendingPathComponent("x.yaml")
    try Data(yaml.utf8).write(to: url)
    do {
      let spec = try ExperimentParser.parse(fileURL: url, tasks: [task], displayPath: "x.yaml")
      _ = try ExperimentPlan(spec: spec)
      return []
    } catch let error as ExperimentError {
      return error.rendered().split(separator: "\n").map(String.init).filter { $0.hasPrefix("x.yaml:") }
        .map { $0.replacingOccurrences(of: dir.path, with: "DIR") }
    }
  }

  static let header = "day,token,label,price,volume,note\n2024-01-01,A,1,1,2,x\n"
  static let columns = "'day', 'token', 'label', 'price', 'volume', 'note'"

  @Test("Missing columns, unknown features and role conflicts are reported by validate, at their setting")
  func planTimeErrors() throws {
    let yaml = """
      name: csv-check
      task: classify
      data:
        source: csv
        csv:
          path: panel.csv
          label: lable
          time: day
          group: tokne
      features: [price, volum]

      """
    #expect(
      try planErrors(yaml, files: ["panel.csv": Self.header]) == [
        "x.yaml:7:12: error: no column 'lable' in panel.csv (did you mean 'label'?); its header has: \(Self.columns)",
        "x.yaml:9:12: error: no column 'tokne' in panel.csv (did you mean 'token'?); its header has: \(Self.columns)",
      ])
    let features = yaml.replacingOccurrences(of: "lable", with: "label").replacingOccurrences(of: "tokne", with: "token")
    #expect(
      try planErrors(features, files: ["panel.csv": Self.header]) == [
        "x.yaml:10:11: error: no column 'volum' in panel.csv (did you mean 'volume'?); the columns that can be features are: "
          + "'price', 'volume', 'note'"
      ])
    let label = features.replacingOccurrences(of: "volum]", with: "label]")
    #expect(
      try planErrors(label, files: ["panel.csv": Self.header]) == [
        "x.yaml:10:11: error: 'label' is the label column (data.csv.label), not a feature; the columns that can be features are: "
          + "'price', 'volume', 'note'"
      ])
    let sevenDay = features.replacingOccurrences(of: "[price, volum]", with: "7d")
    #expect(
      try planErrors(sevenDay, files: ["panel.csv": Self.header]) == [
        "x.yaml:10:11: error: '7d' is a feature set of the Aave panel; with data.source csv use all, a key of "
          + "feature_sets or the CSV's columns that can be features: 'price', 'volume', 'note'"
      ])
    let sets = features.replacingOccurrences(of: "[price, volum]", with: "mine\nfeature_sets:\n  mine: [price, day]")
    #expect(
      try planErrors(sets, files: ["panel.csv": Self.header]) == [
        "x.yaml:12:9: error: 'day' is the time column, not a feature; the columns that can be features are: 'price', 'volume', 'note'"
      ])
    let conflict = features.replacingOccurrences(of: "    group: token", with: "    group: day")
    #expect(
      try planErrors(conflict, files: ["panel.csv": Self.header]) == [
        "x.yaml:9:12: error: column 'day' cannot be both the time and the group"
      ])
    #expect(try planErrors(features.replacingOccurrences(of: "volum]", with: "volume]"), files: ["panel.csv": Self.header]) == [])
    // A wide header is cut after 20 columns.
    let wide = "day,token,label," + (1...27).map { "c\($0)" }.joined(separator: ",") + "\n"
    let listed = (["day", "token", "label"] + (1...17).map { "c\($0)" }).map { "'\($0)'" }.joined(separator: ", ")
    #expect(
      try planErrors(features.replacingOccurrences(of: "volum]", with: "c1]").replacingOccurrences(of: "price", with: "c40"),
                     files: ["panel.csv": wide]) == [
        "x.yaml:10:11: error: no column 'c40' in panel.csv (did you mean 'c4'?); the columns that can be features are: "
          + (1...20).map { "'c\($0)'" }.joined(separator: ", ") + ", ... (7 more columns)"
      ])
    #expect(
      try planErrors(yaml, files: ["panel.csv": wide]).first
        == "x.yaml:7:12: error: no column 'lable' in panel.csv (did you mean 'label'?); its header has: \(listed), ... "
        + "(10 more columns)")
  }

  @Test("A missing file, a missing data.csv, a header that does not parse and a missing label key, located")
  func planTimeFileErrors() throws {
    let yaml = """
      name: csv-check
      task: classify
      data:
        source: csv
        csv: {path: data/panel.csv, label: label}

      """
    #expect(
      try planErrors(yaml) == [
        "x.yaml:5:15: error: input directory not found: data/panel.csv (resolved to DIR/data)"
      ])
    #expect(
      try planErrors(yaml.replacingOccurrences(of: "data/panel.csv", with: "panel.csv")) == [
        "x.yaml:5:15: error: input file not found: panel.csv (resolved to DIR/panel.csv)"
      ])
    #expect(
      try planErrors(yaml.replacingOccurrences(of: "data/panel.csv", with: "panel.csv"), files: ["panel.csv": ""]) == [
        "x.yaml:5:15: error: DIR/panel.csv:1:1: error: the file is empty; expected a header line"
      ])
    #expect(
      try planErrors("name: csv-check\ntask: classify\ndata:\n  source: csv\n") == [
        "x.yaml:4:11: error: data.source csv needs data.csv with at least path and label"
      ])
    #expect(
      try planErrors("name: csv-check\ntask: classify\ndata:\n  source: csv\n  csv: {path: p.csv}\n").first?
        .hasPrefix("x.yaml:5:8: error: missing required key 'data.csv.label'") == true)
  }

  @Test("An experiment without data.csv resolves without it, so the trial keys of existing experiments stay the same")
  func trialKeysOfOtherSourcesAreUnchanged() throws {
    let url = URL(fileURLWithPath: "/tmp/x.yaml")
    let plain = try ExperimentParser.parse(source: "name: x\ntask: classify\n", fileURL: url, tasks: [task])
    #expect(plain.settings[path: "data.csv"] == nil)
    #expect(plain.settings[path: "data.source"] == "synthetic")
    let csv = try ExperimentParser.parse(
      source: "name: x\ntask: classify\ndata:\n  csv: {path: p.csv, label: y}\n", fileURL: url, tasks: [task])
    #expect(csv.settings[path: "data.csv"] == ["path": "p.csv", "label": "y", "exclude": []])
  }

  @Test("The built-in set names keep their meaning for the Aave sources, and `all` is every feature")
  func allFeatures() throws {
    #expect(task.check(settings: classifySettings(["features": "all"])).isEmpty)
    let outcome = try task.run(classifyTrial(classifySettings(["features": "all", "model.type": "logistic"])),
                               context: classifyContext)
    #expect(outcome.tags["features"] == FeatureSets.all.joined(separator: ","))
    #expect(task.check(settings: classifySettings(["features": "14d"])).map(\.message).first?.contains("all, 3d, 7d") == true)
  }

  // MARK: - The example

  static let exampleGenerator = TestSupport.repositoryRoot.appendingPathComponent("examples/data/synthetic-panel.yaml")
  static let exampleCSV = TestSupport.repositoryRoot.appendingPathComponent("examples/data/synthetic-panel.csv")
  static let exampleExperiment = TestSupport.repositoryRoot
    .appendingPathComponent("experiments/liquidations-csv-example.yaml")

  @Test("The committed example CSV is what `almanac export panel` writes today, and stays small")
  func exampleDoesNotDrift() throws {
    let plan = try ExperimentPlan.load(fileURL: Self.exampleGenerator, tasks: [task])
    let trial = try #require(plan.trials.first)
    let export = try ClassifyTask.panelCSV(
      settings: trial.settings, baseDirectory: plan.spec.baseDirectory, usedFeaturesOnly: true)
    let committed = try String(contentsOf: Self.exampleCSV, encoding: .utf8)
    #expect(
      committed == export.text,
      """
      examples/data/synthetic-panel.csv differs from what the generator writes; regenerate it with
      almanac export panel examples/data/synthetic-panel.yaml --used-features --out examples/data/synthetic-panel.csv
      """)
    #expect(committed.utf8.count < 400_000)
  }

  @Test("The example experiment validates, and its first trial equals the generator's on the built-in source")
  func exampleExperimentValidates() throws {
    let plan = try ExperimentPlan.load(fileURL: Self.exampleExperiment, tasks: [task])
    #expect(plan.trials.count >= 1)
    #expect(plan.inputFingerprints.keys.contains(Self.exampleCSV.standardizedFileURL.path))
    let generator = try ExperimentPlan.load(fileURL: Self.exampleGenerator, tasks: [task])
    let csvTrial = try #require(plan.trials.first)
    let builtInTrial = try #require(generator.trials.first)
    // Same model settings, only the data source differs.
    var aligned = csvTrial.settings.setting("data", to: builtInTrial.settings[path: "data"] ?? .null)
    aligned = aligned.setting("features", to: builtInTrial.settings[path: "features"] ?? .null)
    #expect(aligned == builtInTrial.settings)
    let a = try task.run(
      classifyTrial(csvTrial.settings, seed: 3),
      context: TrialContext(baseDirectory: plan.spec.baseDirectory, artifactDirectory: plan.spec.baseDirectory))
    let b = try task.run(
      classifyTrial(builtInTrial.settings, seed: 3),
      context: TrialContext(baseDirectory: generator.spec.baseDirectory, artifactDirectory: generator.spec.baseDirectory))
    expectSameOutcome(a, b)
  }
}
