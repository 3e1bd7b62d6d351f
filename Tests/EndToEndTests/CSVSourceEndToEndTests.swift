import Foundation
import Testing
import _TestSupport

/// `data.source: csv` through the real binary: `almanac export panel` writes a panel, `almanac run` reads it back, a
/// trial on a bad file is FAILED with the file's position while the sweep goes on, and `almanac validate` reports a
/// missing column at its setting with exit code 2.
@Suite(.serialized) struct CSVSourceEndToEndTests {
  static let builtIn = """
    name: csv-source-e2e
    task: classify
    data:
      source: synthetic
      synthetic: {seed: 2, days: 120}
    features: [price, return_7d]
    model: {type: logistic, epochs: 2}
    validation: {folds: 2}

    """

  static let fromCSV = """
    name: csv-source-e2e
    task: classify
    data:
      source: csv
      csv: {path: panel.csv, label: label, time: day, group: token}
    features: all
    model: {type: logistic, epochs: 2}
    validation: {folds: 2}
    sweep:
      data.csv.path: [panel.csv, bad.csv]

    """

  @Test func exportRunAndFailures() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-csv")
    defer { try? FileManager.default.removeItem(at: dir) }
    try Self.builtIn.write(to: dir.appendingPathComponent("builtin.yaml"), atomically: true, encoding: .utf8)
    let export = try AlmanacProcess.run(
      ["export", "panel", "builtin.yaml", "--used-features", "--out", "panel.csv"], in: dir)
    #expect(export.status == 0, "\(export.stderr)")
    #expect(export.stdout.hasPrefix("wrote panel.csv: "), "\(export.stdout)")
    #expect(export.stdout.contains(", 2 features, days "), "\(export.stdout)")
    let text = try String(contentsOf: dir.appendingPathComponent("panel.csv"), encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.first == "day,token,label,price,return_7d")
    // bad.csv: the third data row's label is 2 (line 4, the label after "YYYY-MM-DD,TOKEN,").
    var cells = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let labelColumn = cells[0].utf8.count + cells[1].utf8.count + 3
    cells[2] = "2"
    lines[3] = cells.joined(separator: ",")
    try lines.joined(separator: "\n").write(to: dir.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)

    try Self.fromCSV.write(to: dir.appendingPathComponent("csv.yaml"), atomically: true, encoding: .utf8)
    let run = try AlmanacProcess.run(["run", "csv.yaml", "--no-report"], in: dir)
    #expect(run.status == 1, "one trial fails: \(run.stderr)")
    #expect(
      run.stderr.contains(
        "bad.csv:4:\(labelColumn): error: unexpected label '2' in column 'label'; expected 0 or 1 (or true/false)"),
      "\(run.stderr)")
    let runs = try AlmanacProcess.run(["runs", "csv.yaml", "--format", "csv"], in: dir)
    #expect(runs.stdout.contains("FINISHED") && runs.stdout.contains("FAILED"), "\(runs.stdout)")

    // Only classify experiments have a panel.
    let forecast = TestSupport.repositoryRoot.appendingPathComponent("experiments/rates-synthetic-arima.yaml").path
    let wrongTask = try AlmanacProcess.run(["export", "panel", forecast, "--out", "f.csv"], in: dir)
    #expect(wrongTask.status == 2)
    #expect(wrongTask.stderr.contains("export panel needs a classify experiment, got task 'forecast'"), "\(wrongTask.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("f.csv").path))

    // A missing column is found before anything runs, at its setting.
    let typo = Self.fromCSV.replacingOccurrences(of: "group: token", with: "group: tokn")
    try typo.write(to: dir.appendingPathComponent("typo.yaml"), atomically: true, encoding: .utf8)
    let validate = try AlmanacProcess.run(["validate", "typo.yaml"], in: dir)
    #expect(validate.status == 2)
    #expect(
      validate.stderr.contains(
        "typo.yaml:5:58: error: no column 'tokn' in panel.csv (did you mean 'token'?); its header has: 'day', "
          + "'token', 'label', 'price', 'return_7d'"),
      "\(validate.stderr)")
  }
}
