import ArgumentParser
import Experiments
import Foundation
import Reports
import Tasks
import Tracking

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
}

/// Opens the store and finds the experiment named by a file or `--experiment`.
struct ExperimentSelection {
  var store: TrackingStore
  var experiment: ExperimentRecord

  /// - Parameter access: read-only (listings, reports) unless the command writes.
  static func resolve(
    file: String?, experiment name: String?, db: String?,
    access: TrackingStore.Access = .readOnly
  ) throws -> ExperimentSelection {
    var experimentName = name
    var storeURL = StoreLocation.url(db: db)
    if let file {
      let fileURL = URL(fileURLWithPath: file)
      if file.hasSuffix(".yaml") || file.hasSuffix(".yml") || FileManager.default.fileExists(atPath: file) {
        let spec = try ExperimentParser.parse(fileURL: fileURL, tasks: TaskRegistry.tasks())
        experimentName = spec.name
        storeURL = StoreLocation.url(db: db, experimentFile: fileURL)
      } else {
        experimentName = file  // a bare experiment name
      }
    }
    guard FileManager.default.fileExists(atPath: storeURL.path) else {
      throw InputError("no store at \(storeURL.path) (run an experiment first, or pass --db)")
    }
    let store = try TrackingStore(at: storeURL, access: access)
    if let experimentName {
      return ExperimentSelection(store: store, experiment: try store.requireExperiment(named: experimentName))
    }
    let all = try store.experiments()
    guard all.count == 1, let only = all.first else {
      throw InputError(
        "name an experiment file or --experiment NAME (the store has: \(all.map(\.name).joined(separator: ", ")))")
    }
    return ExperimentSelection(store: store, experiment: only)
  }
}

struct Runs: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List an experiment's runs, filtered and sorted.",
    discussion: """
      --where takes comparisons joined by and/or/not: `f1 > 0.3 and params.features = "7d"`. Bare names are \
      metrics; params.X, metrics.X and tags.X name the others; status, key, seed and duration are run attributes. \
      --sort takes a field, descending with a leading '-' (write --sort=-f1) or a trailing 'desc'.
      """)

  @Argument(help: "An experiment file or experiment name.") var file: String?
  @Option(help: "Experiment name (instead of a file).") var experiment: String?
  @Option(name: .customLong("where"), help: "Filter expression.") var filter: String?
  @Option(help: "Sort field (-f1 for descending).") var sort: String?
  @Option(help: "At most this many runs.") var limit: Int?
  @Option(help: "table, csv or json.") var format: OutputFormat = .table
  @Option(help: "The SQLite store.") var db: String?
  @Flag(help: "Include runs replaced by a --rerun and runs of trials no longer in the experiment's plan.")
  var all = false
  @Flag(help: "One row per configuration: replicates (seeds) collapsed to n, mean and standard deviation.")
  var aggregate = false
  @Flag(
    help: "After the table, the baselines (rules without features on the same test rows or holdout), one row per rule.")
  var baselines = false

  func run() throws {
    try reportingErrors {
      let selection = try ExperimentSelection.resolve(file: file, experiment: experiment, db: db)
      let query = RunQuery(
        scope: all ? .all : .currentPlan, filter: try filter.map { try RunFilter($0) },
        sort: try sort.map { try RunSort($0) }, limit: limit, includeSuperseded: all)
      let runs = try selection.store.runs(experimentID: selection.experiment.id, query: query)
      let catalog = try selection.store.metricCatalog(experimentID: selection.experiment.id)
      // The sweep axes as the runner tagged them (`seeds` is not a param).
      let axesTag = try runs.first.flatMap { try selection.store.tags(runIDs: [$0.id])[$0.id]?[TagKey.axes] } ?? ""
      let axes = Set(axesTag.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
      let table = RunTable(runs: runs, metrics: catalog, axes: axes)
      print(
        aggregate ? table.renderAggregated(format) : table.render(format, color: Terminal.colorStdout),
        terminator: "")
      if baselines { print(table.renderBaselines(format), terminator: "") }
    }
  }
}

struct Show: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show one run: params, metrics, series summary, provenance and artifacts.")

  @Argument(help: "The run id (from `almanac runs`).") var runID: Int64
  @Option(help: "The SQLite store.") var db: String?

  func run() throws {
    try reportingErrors {
      let store = try TrackingStore(at: try existingStore(db), access: .readOnly)
      guard let detail = try store.runDetail(id: runID) else {
        throw TrackingError.unknownRun(id: runID, store: store.fileURL.path)
      }
      print(RunTable.describe(detail), terminator: "")
    }
  }
}

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compare runs side by side; rows that differ are marked. With two runs, the paired tests.",
    discussion: """
      With exactly two runs scored on the same test rows (classify) or holdout (forecast), the side-by-side table is \
      followed by paired tests from the stored predictions: McNemar's exact test and a paired day-resampled \
      bootstrap of the F1, ROC-AUC and PR-AUC differences for classify; the Diebold-Mariano test for forecast \
      (docs/reports.md, "How to read the comparisons").
      """)

  @Argument(help: "Two or more run ids.") var runs: [Int64]
  @Option(help: "The SQLite store.") var db: String?
  @Flag(help: "Show only the rows that differ.") var diffOnly = false

  func validate() throws {
    guard runs.count >= 2 else { throw ValidationError("name at least two runs to compare") }
  }

  func run() throws {
    try reportingErrors {
      let store = try TrackingStore(at: try existingStore(db), access: .readOnly)
      let details = try runs.map { id -> RunDetail in
        guard let detail = try store.runDetail(id: id) else {
          throw TrackingError.unknownRun(id: id, store: store.fileURL.path)
        }
        return detail
      }
      print(RunTable.compare(details, diffOnly: diffOnly, color: Terminal.colorStdout), terminator: "")
      if runs.count == 2 {
        print("")
        do {
          let result = try RunComparison.compare(store: store, runs[0], runs[1])
          print(RunComparison.render(result, a: runs[0], b: runs[1]), terminator: "")
        } catch let error as ComparisonError {
          print("no paired tests: \(error.description)")
        }
      }
    }
  }
}

func existingStore(_ db: String?) throws -> URL {
  let url = StoreLocation.url(db: db)
  guard FileManager.default.fileExists(atPath: url.path) else {
    throw InputError("no store at \(url.path) (pass --db PATH)")
  }
  return url
}
