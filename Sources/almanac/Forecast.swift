import ArgumentParser
import Experiments
import Foundation
import Tasks
import Tracking

extension FutureForecast.Format: ExpressibleByArgument {}

struct Forecast: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print forecasts beyond the last observation, with 80% and 95% intervals, in rate units.",
    discussion: """
      From a forecast experiment file: the best configuration by the experiment's ranking metric (its first \
      replicate). From a run id: that run. The model is refitted on every point of the series (the order search \
      rerun for search: stepwise), then forecast --horizon steps (default: the run's horizon) with times that \
      continue the series' spacing. Run the experiment first (`almanac run FILE`).
      """)

  @Argument(help: "A forecast experiment file, or a run id (from `almanac runs`).") var source: String
  @Option(help: "Steps beyond the last observation (default: the run's horizon).") var horizon: Int?
  @Option(
    name: .customLong("where"),
    help: "With a file: rank only the runs this filter keeps (as `almanac runs --where`), e.g. one asset.")
  var filter: String?
  @Option(help: "table, csv or json.") var format: FutureForecast.Format = .table
  @Option(help: "The SQLite store.") var db: String?

  func validate() throws {
    if filter != nil, Int64(source) != nil {
      throw ValidationError("--where ranks the runs of an experiment file; a run id names the run already")
    }
    if let horizon, !(1...100_000).contains(horizon) {
      throw ValidationError("--horizon must be in 1...100000, got \(horizon)")
    }
  }

  func run() throws {
    try reportingErrors {
      let (run, baseDirectory) = try selectRun()
      let settings = FutureForecast.settings(fromParams: run.params)
      let forecast = try FutureForecast.make(settings: settings, baseDirectory: baseDirectory, horizon: horizon)
      print(forecast.render(format), terminator: "")
    }
  }

  /// The run and the directory its data paths are relative to.
  private func selectRun() throws -> (RunRecord, URL) {
    if let id = Int64(source) {
      let store = try TrackingStore(at: try existingStore(db), access: .readOnly)
      guard let detail = try store.runDetail(id: id) else {
        throw TrackingError.unknownRun(id: id, store: store.fileURL.path)
      }
      let experiment = try store.requireExperiment(named: detail.experimentName)
      try requireForecast(experiment.task, name: experiment.name)
      let base =
        experiment.filePath.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
        ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
      return (detail.run, base)
    }
    let fileURL = URL(fileURLWithPath: source)
    let spec = try ExperimentParser.parse(fileURL: fileURL, tasks: TaskRegistry.tasks())
    try requireForecast(spec.taskName, name: spec.name)
    let selection = try ExperimentSelection.resolve(file: source, experiment: nil, db: db)
    let query = RunQuery(scope: .currentPlan, filter: try filter.map { try RunFilter($0) })
    let runs = try selection.store.runs(experimentID: selection.experiment.id, query: query)
    let axes = spec.axes.flatMap(\.keys)
    guard let best = FutureForecast.bestRun(runs, metric: spec.rankingMetric, goal: spec.rankingGoal, axes: axes) else {
      throw InputError(
        "no finished run of \(spec.name)\(filter == nil ? "" : " matching --where") has a value of "
          + "\(spec.rankingMetric): run `almanac run \(source)` first")
    }
    return (best, spec.baseDirectory)
  }

  private func requireForecast(_ task: String, name: String) throws {
    guard task == "forecast" else {
      throw InputError("\(name) is a \(task) experiment; almanac forecast needs a forecast experiment")
    }
  }
}
