import ArgumentParser
import Experiments
import Foundation
import Tasks
import Tracking

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run an experiment's plan in parallel, resuming where an earlier run stopped, then write its report.",
    discussion: """
      Trials already FINISHED in the store are skipped (--rerun runs them again). A trial that fails is recorded \
      FAILED and the sweep goes on; the exit status is 1 when any trial failed. Ctrl-C stops cleanly: in-flight \
      trials are marked KILLED and the next run picks them up.
      """)

  @Argument(help: "Experiment files (YAML), run one after another.", completion: .file(extensions: ["yaml", "yml"]))
  var files: [String]

  @Option(name: .shortAndLong, help: "Parallel trials (default: the number of cores).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "The SQLite store (default: almanac.db beside each experiment file).")
  var db: String?

  @Flag(help: "Run trials again even when they already finished.")
  var rerun = false

  @Flag(help: "Do not write the report after the run.")
  var noReport = false

  @Option(help: "Where to write reports (default: reports/<experiment name>).")
  var reportsDir: String = "reports"

  @Flag(help: "Also render PNG copies of the report's charts.")
  var png = false

  @Flag(name: .shortAndLong, help: "Print a line for every trial.")
  var verbose = false

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    guard !files.isEmpty else { throw ValidationError("name at least one experiment file") }
  }

  func run() throws {
    // Validate every file before running anything: bad input writes nothing to the store.
    let plans = try reportingErrors {
      try files.map { try ExperimentPlan.load(fileURL: URL(fileURLWithPath: $0), tasks: TaskRegistry.tasks()) }
    }
    var anyFailed = false
    for plan in plans {
      for warning in plan.spec.warnings { Terminal.error(warning.rendered(colored: Terminal.colorStderr)) }
      let storeURL = StoreLocation.url(db: db, experimentFile: plan.spec.fileURL)
      let store = try reportingRuntimeErrors { try TrackingStore(at: storeURL) }
      let summary = try reportingRuntimeErrors {
        let runner = Runner(
          store: store, options: RunnerOptions(jobs: jobs, rerun: rerun, handleSignals: true))
        return try runner.run(
          experiment: plan.runnerExperiment, trials: plan.trials, task: plan.spec.task,
          provenance: plan.provenanceTags, progress: makeDefaultProgress(verbose: verbose))
      }
      if summary.interrupted { throw ExitCode(130) }
      try reportingRuntimeErrors {
        let leaders = try ExperimentLeaders.update(
          store: store, experiment: plan.runnerExperiment, goals: plan.spec.task.metricGoals)
        let shown = Set(plan.spec.metrics)
        for leader in leaders where shown.contains(leader.metric) {
          print("best \(leader.metric): \(leader.tagValue)")
        }
      }
      if summary.failed > 0 { anyFailed = true }
      if !noReport {
        try reportingRuntimeErrors {
          try writeReport(
            experiment: plan.spec.name, store: store,
            outDirectory: URL(fileURLWithPath: reportsDir).appendingPathComponent(plan.spec.name), png: png,
            command: "almanac run \(plan.spec.displayPath)")
        }
      }
    }
    if anyFailed { throw ExitCode(1) }
  }
}

extension ExperimentPlan {
  /// What the runner stores about the experiment.
  var runnerExperiment: RunnerExperiment {
    RunnerExperiment(
      name: spec.name, taskName: spec.taskName, specText: spec.source, fileURL: spec.fileURL, notes: spec.notes,
      rankingMetric: spec.rankingMetric, axes: axes.flatMap { $0.kind == .seeds ? ["seeds"] : $0.keys },
      tags: [
        "almanac.metrics": spec.metrics.joined(separator: ","), "almanac.file": spec.displayPath,
        ExperimentLeaders.planKeysTag: trials.map(\.key).joined(separator: ","),
      ])
  }

  /// Data fingerprints for every run's provenance: `almanac.data.<path>.sha256`.
  var provenanceTags: [String: String] {
    var tags: [String: String] = [:]
    for (path, sha) in inputFingerprints { tags["almanac.data.\(ExperimentParser.displayPath(for: URL(fileURLWithPath: path))).sha256"] = sha }
    return tags
  }
}

/// Where the store lives when `--db` is not given.
enum StoreLocation {
  static func url(db: String?, experimentFile: URL?) -> URL {
    if let db { return URL(fileURLWithPath: db) }
    if let experimentFile { return experimentFile.deletingLastPathComponent().appendingPathComponent("almanac.db") }
    return URL(fileURLWithPath: "almanac.db")
  }

  /// For commands that name an experiment rather than a file: `--db`, else `almanac.db` in the current directory,
  /// else `experiments/almanac.db`.
  static func url(db: String?) -> URL {
    if let db { return URL(fileURLWithPath: db) }
    for candidate in ["almanac.db", "experiments/almanac.db"] where FileManager.default.fileExists(atPath: candidate) {
      return URL(fileURLWithPath: candidate)
    }
    return URL(fileURLWithPath: "almanac.db")
  }
}
