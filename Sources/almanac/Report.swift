import ArgumentParser
import Experiments
import Foundation
import Reports
import Tracking

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write an experiment's report: a Markdown README with gnuplot charts, their data and scripts.",
    discussion: """
      The report is a self-contained folder (relative links only) that reads well on GitHub, offline, and in a pull \
      request. Without gnuplot the tables are still written, with a note on how to install it.
      """)

  @Argument(help: "An experiment file or experiment name.") var experiment: String
  @Option(help: "Output folder (default: reports/<experiment name>).") var out: String?
  @Option(help: "The SQLite store.") var db: String?
  @Flag(help: "Also render PNG copies of the charts.") var png = false
  @Option(help: "The document: markdown (README.md) or html (report.html, one self-contained page); repeat for both.")
  var format: [ReportFormat] = [.markdown]

  func run() throws {
    try reportingErrors {
      let selection = try ExperimentSelection.resolve(file: experiment, experiment: nil, db: db)
      let command =
        experiment.hasSuffix(".yaml") || experiment.hasSuffix(".yml")
        ? "almanac run \(experiment)" : "almanac report \(experiment)"
      try writeReport(
        experiment: selection.experiment.name, store: selection.store,
        outDirectory: out.map { URL(fileURLWithPath: $0) }, png: png, command: command,
        formats: Set(format))
    }
  }
}

/// Loads the experiment's current results and writes its report; warns (exit 0) when gnuplot is missing.
func writeReport(
  experiment: String, store: TrackingStore, outDirectory: URL?, png: Bool, command: String,
  formats: Set<ReportFormat> = [.markdown], announce: Bool = true
) throws {
  let input = try ReportInput.load(store: store, experimentName: experiment, reproduceCommand: command)
  let directory = outDirectory ?? URL(fileURLWithPath: "reports").appendingPathComponent(experiment)
  var isDirectory: ObjCBool = false
  if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
    throw InputError("the report folder \(directory.path) is a file: give --out a folder (it is created if missing)")
  }
  let started = Date()
  let summary = try ReportWriter.write(input, to: directory, options: ReportOptions(png: png, formats: formats))
  for warning in summary.warnings { Terminal.warning(warning) }
  let elapsed = Date().timeIntervalSince(started)
  guard announce else { return }
  Terminal.error(
    "report: \(summary.documents.map(\.path).joined(separator: ", ")) (\(summary.charts.count) charts, \(String(format: "%.2f", elapsed)) s)"
  )
}

extension ReportFormat: ExpressibleByArgument {}
