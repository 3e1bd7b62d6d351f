import Foundation

/// An experiment's current results, as reports read them.
public struct ExperimentResults: Sendable {
  public var experiment: ExperimentRecord
  public var metrics: MetricCatalog
  /// One entry per trial of the current plan that has ended, in plan order: its current FINISHED run, or (when it
  /// has none) its latest FAILED or KILLED attempt. Trials that are only RUNNING are left out.
  public var trials: [TrialResult]
}

/// One trial's chosen run with its tags (without the log) and, when FINISHED, its series.
public struct TrialResult: Sendable {
  public var run: RunRecord
  public var tags: [String: String]
  /// Series by key, each sorted by step (empty unless the run FINISHED).
  public var series: [String: [MetricPoint]]
}

extension TrackingStore {
  /// The current results of the experiment named `name` (see ``ExperimentResults``).
  /// - Throws: ``TrackingError/unknownExperiment(name:store:known:)``, or a ``StoreError``.
  public func results(experimentNamed name: String) throws -> ExperimentResults {
    let experiment = try requireExperiment(named: name)
    let runs = try self.runs(experimentID: experiment.id, query: RunQuery(scope: .currentPlan))
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
    let tags = try self.tags(runIDs: selected.map(\.id))
    let series = try self.series(runIDs: selected.filter { $0.status == .finished }.map(\.id))
    return ExperimentResults(
      experiment: experiment, metrics: try metricCatalog(experimentID: experiment.id),
      trials: selected.map { TrialResult(run: $0, tags: tags[$0.id] ?? [:], series: series[$0.id] ?? [:]) })
  }

  /// The best configuration (``Ranking``) of the current plan for every ranked scalar metric the experiment
  /// declares, written as `best.<metric>` experiment tags. Returns the leaders in declaration order.
  @discardableResult
  public func updateLeaders(experimentID: Int64, axes: [String]) throws -> [Ranking.Leader] {
    let catalog = try metricCatalog(experimentID: experimentID)
    let runs = try self.runs(experimentID: experimentID, query: RunQuery(scope: .currentPlan, statuses: [.finished]))
    let leaders = catalog.rankedScalars.compactMap { metric -> Ranking.Leader? in
      guard let goal = catalog.goal(of: metric) else { return nil }
      return Ranking.best(runs, metric: metric, goal: goal, axes: axes)
    }
    try writing { db in
      try db.inTransaction(.immediate) {
        for leader in leaders {
          try db.execute(
            sql: "INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)",
            arguments: [experimentID, TagKey.best(leader.metric), leader.summary])
        }
        return .commit
      }
    }
    return leaders
  }
}
