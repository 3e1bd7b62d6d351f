import AlmanacCore

extension ClusterBootstrap {
  /// Intervals for several metrics computed on the same resamples (for example F1, precision, recall, ROC-AUC and
  /// PR-AUC of one trial): one resampling pass, `metrics` returning `metricCount` values per row multiset, in a fixed
  /// order. Each interval is what ``init(groups:replicates:method:level:generator:metric:)`` would give for that
  /// metric alone from the same generator state. A metric closure returning the wrong count throws.
  public static func intervals<Group: Hashable>(
    groups: [Group], metricCount: Int, replicates: Int = 2000,
    method: BootstrapInterval.Method = .bca, level: Double = 0.95,
    generator: inout SplitMix64,
    metrics: ([Int]) -> [Double]
  ) throws -> [BootstrapInterval] {
    guard (1...1_000_000).contains(replicates) else {
      throw StatisticsError.invalidArgument("bootstrap replicates must be in 1...1000000, got \(replicates)")
    }
    guard metricCount >= 1 else {
      throw StatisticsError.invalidArgument("metricCount must be >= 1, got \(metricCount)")
    }
    try StatisticsError.checkLevel(level)
    let members = Self.members(of: groups)
    func evaluate(_ rows: [Int]) throws -> [Double] {
      let values = metrics(rows)
      guard values.count == metricCount else {
        throw StatisticsError.invalidArgument("metrics returned \(values.count) values, expected \(metricCount)")
      }
      return values
    }
    let estimates = groups.isEmpty ? [Double](repeating: .nan, count: metricCount) : try evaluate(Array(groups.indices))
    var distributions = [[Double]](repeating: [], count: metricCount)
    if !members.isEmpty {
      var rows: [Int] = []
      rows.reserveCapacity(groups.count)
      for k in 0..<metricCount { distributions[k].reserveCapacity(replicates) }
      for _ in 0..<replicates {
        Self.draw(members: members, generator: &generator, into: &rows)
        let values = try evaluate(rows)
        for k in 0..<metricCount { distributions[k].append(values[k]) }
      }
    }
    var jackknife = [[Double]](repeating: [], count: metricCount)
    if method == .bca && members.count >= 2 {
      for left in members.indices {
        var rows: [Int] = []
        for (k, m) in members.enumerated() where k != left { rows.append(contentsOf: m) }
        let values = try evaluate(rows)
        for k in 0..<metricCount { jackknife[k].append(values[k]) }
      }
    }
    return try (0..<metricCount).map { k in
      if method == .bca && jackknife[k].count < 2 {
        var r = try BootstrapInterval(
          estimate: estimates[k], distribution: distributions[k], method: .percentile,
          level: level)
        r.method = .bca
        r.interval = .undefined(level: level)
        return r
      }
      return try BootstrapInterval(
        estimate: estimates[k], distribution: distributions[k], jackknife: jackknife[k],
        method: method, level: level)
    }
  }
}
