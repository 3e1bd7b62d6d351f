import AlmanacCore

extension ClusterBootstrap {
  /// The bootstrap of the mean of independent values (each value its own group), for example the mean of paired
  /// differences over seeds: `ClusterBootstrap.mean(of: deltas, generator: &g).result.interval`.
  /// NaN values make the estimate and every replicate containing them NaN (so they are dropped); empty input gives
  /// NaN. Use it from about 10 values up; below that the t interval of ``PairedTTest`` is the honest one.
  public static func mean(
    of values: [Double], replicates: Int = 2000, method: BootstrapInterval.Method = .bca,
    level: Double = 0.95, generator: inout SplitMix64
  ) throws -> ClusterBootstrap {
    try ClusterBootstrap(
      groups: Array(values.indices), replicates: replicates, method: method, level: level,
      generator: &generator
    ) { rows in
      var s = 0.0
      for r in rows { s += values[r] }
      return s / Double(rows.count)
    }
  }
}
