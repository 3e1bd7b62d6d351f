import ArgumentParser
import Datasets
import Experiments
import Foundation
import Reports
import Tasks
import Tracking

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Export an experiment's results or data to other tools.",
    subcommands: [ExportMLflow.self, ExportPanel.self])
}

struct ExportPanel: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "panel",
    abstract: "Write the liquidation panel of a classify experiment's data settings as CSV.",
    discussion: """
      Columns: day (YYYY-MM-DD), token, label (0/1), then every feature of the panel (or, with --used-features, those \
      the experiment's `features` setting selects). The settings are the first trial's when the sweep varies them. \
      Values round-trip exactly: `data.source: csv` with `time: day`, `group: token`, `label: label` reads back the \
      same panel (docs/csv-source.md).
      """)

  @Argument(help: "A classify experiment file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
  var experiment: String
  @Option(help: "The CSV file to write (replaced if it exists).") var out: String
  @Flag(help: "Write only the feature columns the experiment's `features` setting selects.") var usedFeatures = false

  func run() throws {
    try reportingErrors {
      let plan = try ExperimentPlan.load(fileURL: URL(fileURLWithPath: experiment), tasks: TaskRegistry.tasks())
      guard plan.spec.taskName == ClassifyTask().name else {
        throw InputError("\(experiment): export panel needs a classify experiment, got task '\(plan.spec.taskName)'")
      }
      guard let trial = plan.trials.first else { throw InputError("\(experiment): the plan has no trial") }
      let export: ClassifyTask.PanelExport
      do {
        export = try ClassifyTask.panelCSV(
          settings: trial.settings, baseDirectory: plan.spec.baseDirectory, usedFeaturesOnly: usedFeatures)
      } catch let error as CSVError {
        throw InputError(error.description)
      }
      let url = URL(fileURLWithPath: out)
      try Data(export.text.utf8).write(to: url, options: .atomic)
      print(
        "wrote \(out): \(export.rows) rows (\(export.positives) positive), \(export.features.count) features, days "
          + "\(CSVDate.isoDate(export.firstDay)) .. \(CSVDate.isoDate(export.lastDay)), \(export.text.utf8.count) bytes "
          + "(settings of trial 0: \(trial.label))")
    }
  }
}

struct ExportMLflow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mlflow",
    abstract: "Export an experiment to MLflow: an SQLite file `mlflow ui` opens, or a running tracking server.",
    discussion: """
      --out writes (or updates) an MLflow SQLite file; browse it with \
      `mlflow ui --backend-store-uri sqlite:///mlflow.db`. Artifacts go to --artifacts (default: mlartifacts beside \
      the file). --to http://HOST:PORT logs the runs to a tracking server through its REST API instead. Exporting \
      again updates the same runs. The report (Markdown and one-file HTML) is logged as the artifacts of a run named \
      `report` unless --no-report is given.
      """)

  @Argument(help: "An experiment file or experiment name.") var experiment: String
  @Option(help: "The MLflow SQLite file to write (created or updated).") var out: String?
  @Option(help: "A running MLflow tracking server (http://HOST:PORT) instead of a file.") var to: String?
  @Option(help: "Where artifact folders go with --out (default: mlartifacts beside the file).") var artifacts: String?
  @Option(help: "The SQLite store.") var db: String?
  @Flag(help: "Do not write and log the report.") var noReport = false

  func validate() throws {
    if (out == nil) == (to == nil) { throw ValidationError("give exactly one of --out FILE and --to URL") }
    if let to, URL(string: to)?.scheme.map({ $0 == "http" || $0 == "https" }) != true {
      throw ValidationError("--to must be an http:// or https:// URL, got '\(to)'")
    }
  }

  func run() throws {
    let selection = try reportingErrors { try ExperimentSelection.resolve(file: experiment, experiment: nil, db: db) }
    try reportingErrors {
      let started = Date()
      let name = selection.experiment.name
      var reportDirectory: URL?
      let fm = FileManager.default
      defer { if let dir = reportDirectory { try? fm.removeItem(at: dir.deletingLastPathComponent()) } }
      if !noReport {
        let dir = fm.temporaryDirectory.appendingPathComponent("almanac-export-report-\(UUID().uuidString)")
          .appendingPathComponent(name)
        reportDirectory = dir
        try writeReport(
          experiment: name, store: selection.store, outDirectory: dir, png: false,
          command: "almanac report \(name)", formats: [.markdown, .html], announce: false)
      }
      let options = MLflowExportOptions(
        artifactRoot: artifacts.map { URL(fileURLWithPath: $0) }, reportDirectory: reportDirectory)
      let summary: MLflowExportSummary
      if let to, let server = URL(string: to) {
        summary = try MLflowExport.exportREST(
          store: selection.store, experimentName: name, server: server, options: options)
      } else {
        summary = try MLflowExport.exportSQLite(
          store: selection.store, experimentName: name, to: URL(fileURLWithPath: out ?? "mlflow.db"), options: options)
      }
      let elapsed = Date().timeIntervalSince(started)
      print(
        "exported \(summary.runIDs.count) runs of \(name) to \(summary.target) (experiment \(summary.experimentID)): "
          + "\(summary.params) params, \(summary.metricPoints) metric points, \(summary.tags) tags, "
          + "\(summary.artifactFiles) artifact files"
          + (summary.deletedRuns > 0 ? ", \(summary.deletedRuns) stale runs marked deleted" : "")
          + " in \(String(format: "%.2f", elapsed)) s")
      if to == nil {
        print(
          "browse: mlflow ui --backend-store-uri sqlite:///\(summary.target), then open "
            + "http://127.0.0.1:5000/#/experiments/\(summary.experimentID)/runs")
      }
    }
  }
}
