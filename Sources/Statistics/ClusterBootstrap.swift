import AlmanacCore

/// The cluster (block) bootstrap: resamples whole groups of rows, such as all test rows of one day, with replacement,
/// so that rows that move together (same-day liquidations across tokens) stay together. With every row its own group
/// it is the ordinary row bootstrap.
///
/// Each replicate draws G groups uniformly with replacement from the G groups (``SplitMix64/nextIndex(below:)``),
/// concatenates their rows (in draw order, duplicates kept) and evaluates `metric` on those row indices. The jackknife
/// for BCa leaves out one group at a time. The interval is then ``BootstrapInterval``. For several metrics on the
/// same resamples use ``intervals(groups:metricCount:replicates:method:level:generator:metrics:)``; for the mean of
/// independent values, ``mean(of:replicates:method:level:generator:)``.
///
/// Assumes groups are independent and exchangeable (days far enough apart that their outcomes are unrelated);
/// with fewer than about 10 groups the interval is unreliable whatever the row count. Deterministic for a given
/// generator state. Empty input (no rows) gives NaN estimate and interval; BCa with a single group (no jackknife)
/// gives a NaN interval.
public struct ClusterBootstrap: Sendable, Hashable {
  /// The interval and its diagnostics.
  public var result: BootstrapInterval
  /// The bootstrap distribution (one value per replicate, NaN where the metric was undefined).
  public var distribution: [Double]
  /// Number of groups G.
  public var groupCount: Int

  /// - Parameters:
  ///   - groups: the group of each row (for example its day); rows with equal values form one group.
  ///   - replicates: bootstrap replicates B (1...1_000_000; 2000 or more for BCa).
  ///   - generator: the seeded generator, advanced by B G draws.
  ///   - metric: the statistic on a multiset of row indices into the caller's arrays.
  public init<Group: Hashable>(
    groups: [Group], replicates: Int = 2000, method: BootstrapInterval.Method = .bca,
    level: Double = 0.95, generator: inout SplitMix64,
    metric: ([Int]) -> Double
  ) throws {
    guard (1...1_000_000).contains(replicates) else {
      throw StatisticsError.invalidArgument("bootstrap replicates must be in 1...1000000, got \(replicates)")
    }
    try StatisticsError.checkLevel(level)
    let members = Self.members(of: groups)
    groupCount = members.count
    let all = Array(groups.indices)
    let estimate = all.isEmpty ? .nan : metric(all)
    var distribution = [Double](repeating: .nan, count: members.isEmpty ? 0 : replicates)
    if !members.isEmpty {
      var rows: [Int] = []
      rows.reserveCapacity(groups.count)
      for b in 0..<replicates {
        Self.draw(members: members, generator: &generator, into: &rows)
        distribution[b] = metric(rows)
      }
    }
    self.distribution = distribution
    let jackknife = method == .bca && members.count >= 2 ? Self.jackknife(members: members, metric: metric) : []
    if method == .bca && jackknife.count < 2 {
      result = try BootstrapInterval(estimate: estimate, distribution: distribution, method: .percentile, level: level)
      result.method = .bca
      result.interval = .undefined(level: level)
    } else {
      result = try BootstrapInterval(
        estimate: estimate, distribution: distribution, jackknife: jackknife,
        method: method, level: level)
    }
  }

  /// One resample: G groups drawn uniformly with replacement, their rows concatenated in draw order.
  static func draw(members: [[Int]], generator: inout SplitMix64, into rows: inout [Int]) {
    rows.removeAll(keepingCapacity: true)
    for _ in 0..<members.count { rows.append(contentsOf: members[generator.nextIndex(below: members.count)]) }
  }

  /// Row indices of each group, groups in order of first appearance.
  static func members<Group: Hashable>(of groups: [Group]) -> [[Int]] {
    var index: [Group: Int] = [:]
    var members: [[Int]] = []
    for (row, g) in groups.enumerated() {
      if let k = index[g] {
        members[k].append(row)
      } else {
        index[g] = members.count
        members.append([row])
      }
    }
    return members
  }

  /// Leave-one-group-out values of `metric`, groups in order of first appearance (for BCa's acceleration).
  public static func jackknife<Group: Hashable>(groups: [Group], metric: ([Int]) -> Double) -> [Double] {
    jackknife(members: members(of: groups), metric: metric)
  }

  static func jackknife(members: [[Int]], metric: ([Int]) -> Double) -> [Double] {
    members.indices.map { left in
      var rows: [Int] = []
      for (k, m) in members.enumerated() where k != left { rows.append(contentsOf: m) }
      return metric(rows)
    }
  }
}
