import AlmanacCore

/// The one definition of "best" in Almanac, used by the runner's progress line, the `best.<metric>` experiment tags,
/// `almanac runs` and the report's leaderboard:
///
/// **A configuration** is a set of trials that share every setting and differ only in their replicate (`seeds`).
/// **The best configuration by a metric** is the one whose mean of that metric over its FINISHED replicates (finite
/// values only) is largest for a maximised metric or smallest for a minimised one (``MetricGoal/prefers(_:over:)``).
/// Configurations with no finite value come last; ties go to the smaller label (the axis values as text), so the
/// order never depends on the order runs were read in.
public enum Ranking {
  /// `items` ordered best first by the mean in `stats`, then by `label`.
  public static func order<T>(
    _ items: [T], goal: MetricGoal, stats: (T) -> SampleStats, label: (T) -> String
  ) -> [T] {
    let keyed = items.map { (item: $0, stats: stats($0), label: label($0)) }
    return keyed.sorted { a, b in
      if (a.stats.n > 0) != (b.stats.n > 0) { return a.stats.n > 0 }
      if a.stats.n > 0, a.stats.mean != b.stats.mean { return goal.prefers(a.stats.mean, over: b.stats.mean) }
      return a.label < b.label
    }.map(\.item)
  }

  /// One configuration of runs: the FINISHED runs that share every param.
  public struct Configuration: Sendable, Hashable {
    /// The runs' shared params.
    public var params: [String: String]
    public var runs: [RunRecord]
    /// `p=1, d=1, q=2`: the values of `axes` (dotted keys; `seeds` ignored), or `(single configuration)`.
    public var label: String

    /// Mean and sd of `metric` over the runs.
    public func stats(_ metric: String) -> SampleStats { SampleStats(runs.map { $0.metrics[metric] ?? .nan }) }
  }

  /// The FINISHED runs of `runs` grouped into configurations (in order of first appearance).
  public static func configurations(_ runs: [RunRecord], axes: [String]) -> [Configuration] {
    var index: [[String: String]: Int] = [:]
    var groups: [Configuration] = []
    for run in runs where run.status == .finished && !run.superseded {
      if let i = index[run.params] {
        groups[i].runs.append(run)
      } else {
        index[run.params] = groups.count
        groups.append(Configuration(params: run.params, runs: [run], label: label(run.params, axes: axes)))
      }
    }
    return groups
  }

  /// `p=1, d=1, q=2` for the axes present in `params` (`seeds` skipped), or `(single configuration)`.
  public static func label(_ params: [String: String], axes: [String]) -> String {
    let parts = axes.filter { $0 != "seeds" }.compactMap { axis in params[axis].map { "\(axis)=\($0)" } }
    return parts.isEmpty ? "(single configuration)" : parts.joined(separator: ", ")
  }

  /// The best configuration by `metric` among `runs`, or nil when no FINISHED run has a finite value of it.
  public static func best(_ runs: [RunRecord], metric: String, goal: MetricGoal, axes: [String]) -> Leader? {
    let ordered = order(configurations(runs, axes: axes), goal: goal, stats: { $0.stats(metric) }, label: \.label)
    guard let top = ordered.first else { return nil }
    let stats = top.stats(metric)
    guard stats.n > 0 else { return nil }
    return Leader(
      metric: metric, goal: goal, mean: stats.mean, n: stats.n, label: top.label,
      runIDs: top.runs.map(\.id))
  }

  /// ``best(_:metric:goal:axes:)`` kept up to date as finished runs arrive one by one, for the runner's progress line:
  /// adding a run updates its configuration's statistics and compares it with the current best, so the cost per run
  /// does not grow with the number of runs (a full rescan happens only when the best configuration's mean worsens).
  /// After every ``add(_:)``, ``best`` equals ``Ranking/best(_:metric:goal:axes:)`` over all runs added.
  public struct Tracker: Sendable {
    public let metric: String
    public let goal: MetricGoal
    public let axes: [String]
    private var groups: [[String: String]: Configuration] = [:]
    private var bestParams: [String: String]?
    public private(set) var best: Leader?

    public init(metric: String, goal: MetricGoal, axes: [String], runs: [RunRecord] = []) {
      self.metric = metric
      self.goal = goal
      self.axes = axes
      for run in runs where run.status == .finished && !run.superseded { insert(run) }
      rescan()
    }

    /// Adds one run (ignored unless FINISHED and not superseded).
    public mutating func add(_ run: RunRecord) {
      guard run.status == .finished, !run.superseded else { return }
      let previous = bestParams.flatMap { groups[$0]?.stats(metric) }
      insert(run)
      guard let group = groups[run.params] else { return }
      if run.params == bestParams, let previous {
        let now = group.stats(metric)
        // Still at least as good: nothing else can have overtaken it. Worse: another configuration may lead now.
        if now.n > 0 && (now.mean == previous.mean || goal.prefers(now.mean, over: previous.mean)) {
          best = Self.leader(group, metric: metric, goal: goal)
        } else {
          rescan()
        }
        return
      }
      let current = bestParams.flatMap { groups[$0] }
      let contenders = [current, group].compactMap { $0 }
      let first = Ranking.order(contenders, goal: goal, stats: { $0.stats(metric) }, label: \.label).first
      if let first, first.stats(metric).n > 0, first.params != bestParams {
        bestParams = first.params
        best = Self.leader(first, metric: metric, goal: goal)
      }
    }

    private mutating func insert(_ run: RunRecord) {
      if groups[run.params] == nil {
        groups[run.params] = Configuration(params: run.params, runs: [], label: label(run.params, axes: axes))
      }
      groups[run.params]?.runs.append(run)
    }

    private mutating func rescan() {
      let ordered = Ranking.order(Array(groups.values), goal: goal, stats: { $0.stats(metric) }, label: \.label)
      guard let top = ordered.first, top.stats(metric).n > 0 else {
        bestParams = nil
        best = nil
        return
      }
      bestParams = top.params
      best = Self.leader(top, metric: metric, goal: goal)
    }

    private static func leader(_ group: Configuration, metric: String, goal: MetricGoal) -> Leader {
      let stats = group.stats(metric)
      return Leader(
        metric: metric, goal: goal, mean: stats.mean, n: stats.n, label: group.label,
        runIDs: group.runs.map(\.id))
    }
  }

  /// The best configuration by one metric.
  public struct Leader: Sendable, Hashable {
    public var metric: String
    public var goal: MetricGoal
    /// Mean over the configuration's finished replicates.
    public var mean: Double
    /// Replicates with a finite value.
    public var n: Int
    public var label: String
    /// The configuration's runs (one per replicate).
    public var runIDs: [Int64]

    public init(metric: String, goal: MetricGoal, mean: Double, n: Int, label: String, runIDs: [Int64]) {
      self.metric = metric
      self.goal = goal
      self.mean = mean
      self.n = n
      self.label = label
      self.runIDs = runIDs
    }

    /// `0.5123 (mean of 5) with features=7d, oversampling=smote (runs 3, 9, 15, 21, 27)`; the value as stored.
    public var summary: String {
      let runs = runIDs.count == 1 ? "run \(runIDs[0])" : "runs " + runIDs.map(String.init).joined(separator: ", ")
      return "\(mean)" + (n > 1 ? " (mean of \(n))" : "") + " with \(label) (\(runs))"
    }
  }
}
