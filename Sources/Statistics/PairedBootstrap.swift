import AlmanacCore

/// A paired bootstrap of the difference of one metric between two classifiers (or forecasts) on the same rows:
/// each replicate resamples groups (days) once and evaluates both on that same resample, so the interval reflects
/// the uncertainty of the difference, not of each metric separately (which would be far wider when the two are
/// correlated).
///
/// difference = metricA(rows) - metricB(rows); the interval is a ``ClusterBootstrap`` interval of that difference.
/// The p-value for "no difference" is the two-sided bootstrap p-value
/// p = min(1, 2 min(#{Delta*_b <= 0} + 1, #{Delta*_b >= 0} + 1) / (B + 1)) over the defined replicates: roughly the
/// smallest (1 - level) at which the percentile interval excludes 0, with the +1 that keeps it above 0.
///
/// Assumes independent groups, as ``ClusterBootstrap``; it says nothing about other test periods.
public struct PairedBootstrap: Sendable, Hashable {
  /// The bootstrap of the difference A - B.
  public var bootstrap: ClusterBootstrap
  /// Two-sided p-value for a zero difference.
  public var pValue: Double

  public var difference: Double { bootstrap.result.estimate }
  public var interval: ConfidenceInterval { bootstrap.result.interval }

  public init<Group: Hashable>(
    groups: [Group], replicates: Int = 2000, method: BootstrapInterval.Method = .bca,
    level: Double = 0.95, generator: inout SplitMix64,
    metricA: ([Int]) -> Double, metricB: ([Int]) -> Double
  ) throws {
    bootstrap = try ClusterBootstrap(
      groups: groups, replicates: replicates, method: method, level: level,
      generator: &generator
    ) { rows in metricA(rows) - metricB(rows) }
    var atMost = 0
    var atLeast = 0
    var defined = 0
    for v in bootstrap.distribution where !v.isNaN {
      defined += 1
      if v <= 0 { atMost += 1 }
      if v >= 0 { atLeast += 1 }
    }
    pValue = defined == 0 ? .nan : min(1, 2 * Double(min(atMost, atLeast) + 1) / Double(defined + 1))
  }
}
