import Experiments
import Foundation
import GRDB
import Tracking

/// Errors loading a report's input from the store.
public enum ReportLoadError: Error, CustomStringConvertible, Sendable {
  /// No experiment with that name; `known` lists the store's experiments.
  case noSuchExperiment(name: String, store: String, known: [String])

  public var description: String {
    switch self {
    case .noSuchExperiment(let name, let store, let known):
      return "\(store): error: no experiment named '\(name)'"
        + (known.isEmpty ? " (the store is empty: run `almanac run <file>` first)"
          : "; the store has: \(known.joined(separator: ", "))")
    }
  }
}

extension ReportInput {
  /// Metrics where smaller is better (used when no goal is given); every other metric is maximised.
  public static let minimisedMetrics: Set<String> = [
    "log_loss", "brier", "cv_loss", "loss", "aic", "aicc", "bic", "rmse", "mae", "mape", "sigma2",
  ]

  /// Reads an experiment's current results from the store.
  ///
  /// Runs of trials outside the plan recorded by the last `almanac run` (the experiment's
  /// ``ExperimentLeaders/planKeysTag``) are left out. For each trial key the current (non-superseded) FINISHED run is used; a trial without one is reported with its
  /// latest FAILED or KILLED run; trials that are only RUNNING are left out. Runs come in plan order (trial index).
  /// From the run tags written by the runner: `almanac.replicate` (→ ``TrialRecord/replicate``), `almanac.axes`
  /// (comma-separated sweep axes; `seeds` dropped), `almanac.git.commit`/`almanac.git.dirty` (of the most recent
  /// run; `none` → no git state) and `almanac.data.<path>.sha256` (→ data fingerprints).
  ///
  /// - Parameters:
  ///   - rankingMetric: the experiment's ranking metric (`metrics:`'s first entry, or the task's default); nil
  ///     picks `f1` for classify, `aic` for forecast, else the first metric name in sorted order.
  ///   - goal: its direction; nil looks it up in ``minimisedMetrics`` (pass the task's `metricGoals` value).
  ///   - date: the date printed in the report (default now).
  /// - Throws: ``ReportLoadError/noSuchExperiment(name:store:known:)``, or the store's error.
  public static func load(store: TrackingStore, experimentName: String, reproduceCommand: String,
                          rankingMetric: String? = nil, goal: MetricGoal? = nil, date: Date = Date(),
                          valueAxis: ValueAxis = .percentAPR) throws -> ReportInput
  {
    guard let experiment = try store.experiment(named: experimentName) else {
      throw ReportLoadError.noSuchExperiment(name: experimentName, store: store.fileURL.path,
                                             known: try store.experiments().map(\.name))
    }
    // Only the current plan's trials (runs of axis values edited away stay in the store but not in the report).
    let runs = try store.runs(
      experimentID: experiment.id, query: RunQuery(trialKeys: ExperimentLeaders.planKeys(of: experiment)))
    // One run per trial key: FINISHED wins, else the latest attempt; RUNNING alone is skipped.
    var chosen: [String: RunRecord] = [:]
    var order: [String] = []
    for run in runs where run.status != .running {
      if let current = chosen[run.trialKey] {
        if current.status == .finished { continue }
        if run.status == .finished || run.id > current.id { chosen[run.trialKey] = run }
      } else {
        chosen[run.trialKey] = run
        order.append(run.trialKey)
      }
    }
    let selected = order.compactMap { chosen[$0] }
    let ids = Set(selected.map(\.id))
    let finishedIDs = Set(selected.filter { $0.status == .finished }.map(\.id))

    // Tags and series of the chosen runs, two queries for the whole experiment.
    var tags: [Int64: [String: String]] = [:]
    var series: [Int64: [String: [StepValue]]] = [:]
    try store.pool.read { db in
      let tagRows = try Row.fetchCursor(
        db,
        sql: """
          SELECT t.run_id, t.key, t.value FROM tags t JOIN runs r ON r.run_id = t.run_id
          WHERE r.experiment_id = ? AND r.superseded = 0
            AND (t.key IN ('almanac.replicate', 'almanac.axes', 'almanac.git.commit', 'almanac.git.dirty')
                 OR t.key LIKE 'almanac.data.%')
          """, arguments: [experiment.id])
      while let row = try tagRows.next() {
        let id: Int64 = row["run_id"]
        if ids.contains(id) { tags[id, default: [:]][row["key"]] = row["value"] }
      }
      let pointRows = try Row.fetchCursor(
        db,
        sql: """
          SELECT m.run_id, m.key, m.step, m.value FROM metrics m JOIN runs r ON r.run_id = m.run_id
          WHERE r.experiment_id = ? AND r.superseded = 0 AND r.status = 'FINISHED' AND m.is_series = 1
          ORDER BY m.run_id, m.key, m.step, m.rowid
          """, arguments: [experiment.id])
      while let row = try pointRows.next() {
        let id: Int64 = row["run_id"]
        guard finishedIDs.contains(id) else { continue }
        let value: Double? = row["value"]
        series[id, default: [:]][row["key"], default: []].append(StepValue(step: row["step"], value: value ?? .nan))
      }
    }

    let trials = selected.map { run -> TrialRecord in
      let status: TrialStatus
      switch run.status {
      case .finished: status = .finished
      case .failed: status = .failed
      default: status = .killed
      }
      return TrialRecord(key: run.trialKey, status: status, error: run.error, params: run.params,
                         metrics: status == .finished ? run.metrics : [:], series: series[run.id] ?? [:],
                         replicate: tags[run.id]?["almanac.replicate"].flatMap { Int($0) } ?? 0)
    }

    // Experiment-level provenance from the most recent chosen run.
    let latest = selected.max { $0.id < $1.id }.flatMap { tags[$0.id] } ?? [:]
    var git: GitState?
    if let commit = latest["almanac.git.commit"], commit != "none", !commit.isEmpty {
      git = GitState(commit: commit, dirty: latest["almanac.git.dirty"] == "true")
    }
    var fingerprints: [String: String] = [:]
    for runTags in tags.values {
      for (k, v) in runTags where k.hasPrefix("almanac.data.") && k.hasSuffix(".sha256") {
        let path = String(k.dropFirst("almanac.data.".count).dropLast(".sha256".count))
        if !path.isEmpty { fingerprints[path] = v }
      }
    }
    let axes = (latest["almanac.axes"] ?? "").split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty && $0 != "seeds" }

    let task = ReportTaskKind(rawValue: experiment.task) ?? .other
    let metric = rankingMetric ?? {
      switch task {
      case .classify: return "f1"
      case .forecast: return "aic"
      case .other: return Set(trials.flatMap(\.metrics.keys)).sorted().first ?? "score"
      }
    }()
    let info = ReportExperiment(
      name: experiment.name, notes: experiment.notes, task: task, filePath: experiment.filePath,
      reproduceCommand: reproduceCommand, date: date, git: git, dataFingerprints: fingerprints,
      rankingMetric: metric, goal: goal ?? (minimisedMetrics.contains(metric) ? .minimize : .maximize),
      sweepAxes: axes, valueAxis: valueAxis)
    return ReportInput(experiment: info, trials: trials)
  }
}
