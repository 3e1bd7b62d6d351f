import AlmanacCore
import Experiments
import Tracking

extension SampleStats {
  /// `0.7123 ± 0.0100` (the sd with the mean's decimals), `0.7123 ± —` when n = 1, `—` when n = 0.
  var display: String {
    guard n > 0 else { return "—" }
    return Format.metric(mean) + " ± " + (n > 1 ? Format.metric(sd, like: mean) : "—")
  }
}

/// Trials that share every non-replicate parameter.
struct ConfigurationGroup: Sendable {
  /// The varying, non-replicate parameters that define the group, in display order.
  var params: [(key: String, value: String)]
  /// Every trial of the group (all statuses) in input order.
  var trials: [TrialRecord]
  var finished: [TrialRecord] { trials.filter { $0.status == .finished } }
  /// 1-based leaderboard rank (groups without a finished value of the ranking metric come last, unranked).
  var rank: Int = 0
  /// Per-metric statistics over the finished replicates.
  var stats: [String: SampleStats] = [:]

  /// `3d, smote` (values only) or `(single configuration)`.
  var shortLabel: String {
    params.isEmpty ? "(single configuration)" : params.map(\.value).joined(separator: ", ")
  }

  /// `features=3d, oversampling=smote`.
  var longLabel: String {
    params.isEmpty ? "(single configuration)" : params.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
  }

  func stat(_ metric: String) -> SampleStats { stats[metric] ?? SampleStats([]) }

  /// The replicate of this configuration drawn where a chart shows one trial (curves, a confusion matrix): the
  /// finished trial with the best value of `metric` (ties: smallest key), or nil.
  func bestTrial(_ metric: String, goal: MetricGoal) -> TrialRecord? {
    finished.filter { ($0.metrics[metric] ?? .nan).isFinite }.min { a, b in
      let x = a.metrics[metric] ?? .nan
      let y = b.metrics[metric] ?? .nan
      if x != y { return goal.prefers(x, over: y) }
      return a.key < b.key
    }
  }
}

/// The leaderboard model: configurations grouped, ranked, with per-axis effects.
struct Leaderboard: Sendable {
  /// Parameter keys that vary across trials (replicate keys excluded): sweep axes first in file order, then the rest
  /// sorted.
  var varyingKeys: [String]
  /// Ranked groups first (best first), then groups with no finished value of the ranking metric.
  var groups: [ConfigurationGroup]
  var rankingMetric: String
  var goal: MetricGoal

  var ranked: [ConfigurationGroup] { groups.filter { $0.rank > 0 } }
  var best: ConfigurationGroup? { groups.first { $0.rank == 1 } }

  init(trials: [TrialRecord], sweepAxes: [String], rankingMetric: String, goal: MetricGoal, metrics: [String]) {
    self.rankingMetric = rankingMetric
    self.goal = goal
    // Keys whose value differs between trials (a key missing in some trials also varies).
    var valuesByKey: [String: Set<String>] = [:]
    for t in trials {
      for (k, v) in t.params where !TrialRecord.replicateParameterNames.contains(k) {
        valuesByKey[k, default: []].insert(v)
      }
    }
    let varying = Set(
      valuesByKey.compactMap { k, vs -> String? in
        vs.count > 1 || trials.contains { $0.params[k] == nil } ? k : nil
      })
    var keys = sweepAxes.filter { varying.contains($0) }
    var seen = Set(keys)
    for k in varying.sorted() where !seen.contains(k) {
      keys.append(k)
      seen.insert(k)
    }
    varyingKeys = keys

    // Group in first-appearance order.
    var index: [[String]: Int] = [:]
    var groups: [ConfigurationGroup] = []
    for t in trials {
      let signature = keys.map { t.params[$0] ?? "—" }
      if let i = index[signature] {
        groups[i].trials.append(t)
      } else {
        index[signature] = groups.count
        groups.append(ConfigurationGroup(params: zip(keys, signature).map { ($0, $1) }, trials: [t]))
      }
    }
    let statMetrics = Set(metrics + [rankingMetric])
    for i in groups.indices {
      let finished = groups[i].finished
      for m in statMetrics { groups[i].stats[m] = SampleStats(finished.map { $0.metrics[m] ?? .nan }) }
    }
    // Rank: the one definition of "best" (``Ranking``): mean over replicates in the goal's direction, ties by label.
    var sorted = Ranking.order(groups, goal: goal, stats: { $0.stat(rankingMetric) }, label: \.longLabel)
    var rank = 0
    for i in sorted.indices where sorted[i].stat(rankingMetric).n > 0 {
      rank += 1
      sorted[i].rank = rank
    }
    self.groups = sorted
  }

  /// The group of trials that are best by `metric` (mean over replicates), for charts that pick "the best order by
  /// AIC" and similar.
  func bestGroup(by metric: String, goal: MetricGoal) -> ConfigurationGroup? {
    Ranking.order(groups, goal: goal, stats: { $0.stat(metric) }, label: \.longLabel).first { $0.stat(metric).n > 0 }
  }
}

/// One row of an effect table: the trials whose `axis` parameter has `value`.
struct EffectRow: Sendable {
  var value: String
  /// Finished trials with this value.
  var n: Int
  /// Per-metric mean over those trials (all replicates and all values of the other axes).
  var means: [String: Double]
}

/// The average effect of one sweep axis.
struct EffectTable: Sendable {
  var axis: String
  /// Rows in first-appearance order of the axis values; the first row is the reference for differences.
  var rows: [EffectRow]

  init(axis: String, trials: [TrialRecord], metrics: [String]) {
    self.axis = axis
    var order: [String] = []
    var byValue: [String: [TrialRecord]] = [:]
    for t in trials {
      guard let v = t.params[axis] else { continue }
      if byValue[v] == nil { order.append(v) }
      byValue[v, default: []].append(t)
    }
    rows = order.map { v in
      let finished = byValue[v, default: []].filter { $0.status == .finished }
      var means: [String: Double] = [:]
      for m in metrics { means[m] = SampleStats(finished.map { $0.metrics[m] ?? .nan }).mean }
      return EffectRow(value: v, n: finished.count, means: means)
    }
  }
}
