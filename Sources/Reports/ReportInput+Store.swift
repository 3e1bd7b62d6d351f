import AlmanacCore
import Experiments
import Foundation
import Tracking

extension ReportInput {
  /// Reads an experiment's current results from the store (``TrackingStore/results(experimentNamed:)``).
  ///
  /// Only the current plan's trials are reported; for each one its current FINISHED run, or its latest FAILED or
  /// KILLED attempt. The ranking metric, its direction and the table columns come from the metric declarations the
  /// runner recorded with the experiment. From the run tags: ``TagKey/replicate``, ``TagKey/axes`` (`seeds`
  /// dropped), the git state of the most recent run (`none` → no git state) and the data fingerprints.
  ///
  /// - Parameters:
  ///   - date: the date printed in the report (default now).
  /// - Throws: ``TrackingError/unknownExperiment(name:store:known:)``, or a ``StoreError``.
  public static func load(
    store: TrackingStore, experimentName: String, reproduceCommand: String, date: Date = Date(),
    valueAxis: ValueAxis = .percentAPR
  ) throws -> ReportInput {
    let results = try store.results(experimentNamed: experimentName)
    let experiment = results.experiment
    let trials = results.trials.map { result -> TrialRecord in
      let run = result.run
      let status: TrialStatus
      switch run.status {
      case .finished: status = .finished
      case .failed: status = .failed
      default: status = .killed
      }
      var series: [String: [StepValue]] = [:]
      for (key, points) in result.series { series[key] = points.map { StepValue(step: $0.step, value: $0.value) } }
      return TrialRecord(
        key: run.trialKey, status: status, error: run.error, params: run.params,
        metrics: status == .finished ? run.metrics : [:], series: series,
        replicate: result.tags[TagKey.replicate].flatMap { Int($0) } ?? 0)
    }

    // Experiment-level provenance from the most recent chosen run.
    let latest = results.trials.max { $0.run.id < $1.run.id }?.tags ?? [:]
    var git: GitState?
    if let commit = latest[TagKey.gitCommit], commit != "none", !commit.isEmpty {
      git = GitState(commit: commit, dirty: latest[TagKey.gitDirty] == "true")
    }
    var fingerprints: [String: String] = [:]
    for result in results.trials {
      for (key, value) in result.tags {
        if let path = TagKey.dataPath(fromFingerprintKey: key) { fingerprints[path] = value }
      }
    }
    let axes = (latest[TagKey.axes] ?? "").split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty && $0 != "seeds" }

    let zipGroups = (latest[TagKey.zipGroups] ?? "").split(separator: ",").map {
      $0.split(separator: "+").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }.filter { $0.count > 1 }

    let task = ReportTaskKind(rawValue: experiment.task) ?? .other
    let catalog = results.metrics
    let metric = catalog.ranking ?? Set(trials.flatMap(\.metrics.keys)).sorted().first ?? "score"
    let info = ReportExperiment(
      name: experiment.name, notes: experiment.notes, task: task,
      filePath: experiment.tags[TagKey.experimentFile] ?? experiment.filePath,
      reproduceCommand: reproduceCommand, date: date, git: git, dataFingerprints: fingerprints,
      rankingMetric: metric, goal: catalog.goal(of: metric) ?? .maximize, sweepAxes: axes, zipGroups: zipGroups,
      valueAxis: valueAxis,
      tableMetrics: catalog.listed)
    return ReportInput(experiment: info, trials: trials)
  }
}
