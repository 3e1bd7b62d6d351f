import Foundation
import Tracking

/// The best finished run for each metric an experiment's task reports, kept as experiment tags
/// (`best.<metric>` = `run <id> <axis=value ...> <metric>=<value>`), so a store answers "which order has the lowest
/// AIC, which the lowest holdout RMSE" without a query. Ties keep the lower run id.
public enum ExperimentLeaders {
  /// The experiment tag holding the current plan's trial keys (comma-separated). Runs of trials no longer in the
  /// plan (an axis value was edited away) stay in the store but are left out of leaders and reports.
  public static let planKeysTag = "almanac.plan_keys"

  /// The current plan's keys recorded on an experiment, or nil when none were recorded.
  public static func planKeys(of experiment: ExperimentRecord) -> Set<String>? {
    guard let text = experiment.tags[planKeysTag], !text.isEmpty else { return nil }
    return Set(text.split(separator: ",").map(String.init))
  }

  /// One leader.
  public struct Leader: Sendable, Hashable {
    public var metric: String
    public var goal: MetricGoal
    public var runID: Int64
    public var trialKey: String
    public var value: Double
    /// The run's values of the sweep axes (`p=1, d=1, q=2`).
    public var label: String

    public var tagValue: String { "run \(runID) \(label.isEmpty ? "" : "(\(label)) ")\(metric)=\(value)" }
  }

  /// Computes the leaders among FINISHED, non-superseded runs; metrics that are NaN in a run are ignored for it.
  public static func compute(runs: [RunRecord], goals: [String: MetricGoal], axes: [String]) -> [Leader] {
    var leaders: [Leader] = []
    for (metric, goal) in goals.sorted(by: { $0.key < $1.key }) {
      var best: RunRecord?
      var bestValue = 0.0
      for run in runs where run.status == .finished && !run.superseded {
        guard let value = run.metrics[metric], !value.isNaN else { continue }
        let better = goal == .maximize ? value > bestValue : value < bestValue
        if best == nil || better {
          best = run
          bestValue = value
        }
      }
      guard let best else { continue }
      let label = axes.filter { $0 != "seeds" }.compactMap { axis in best.params[axis].map { "\(axis)=\($0)" } }
        .joined(separator: ", ")
      leaders.append(Leader(metric: metric, goal: goal, runID: best.id, trialKey: best.trialKey, value: bestValue,
                            label: label))
    }
    return leaders
  }

  /// Recomputes the leaders of `experiment` and stores them as its tags.
  @discardableResult
  public static func update(store: TrackingStore, experiment: RunnerExperiment, goals: [String: MetricGoal]) throws
    -> [Leader]
  {
    guard let record = try store.experiment(named: experiment.name) else { return [] }
    let runs = try store.runs(experimentID: record.id, query: RunQuery(trialKeys: planKeys(of: record)))
    let leaders = compute(runs: runs, goals: goals, axes: experiment.axes)
    var tags = record.tags
    for leader in leaders { tags["best.\(leader.metric)"] = leader.tagValue }
    try store.upsertExperiment(
      ExperimentDefinition(name: record.name, task: record.task, filePath: record.filePath, spec: record.spec,
                           notes: record.notes, tags: tags))
    return leaders
  }
}
