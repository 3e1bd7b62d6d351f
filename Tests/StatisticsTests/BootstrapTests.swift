import AlmanacCore
import Statistics
import Testing

/// Bootstrap intervals. The formulas (percentile, BCa) are checked against scipy.stats.bootstrap 1.17 by feeding
/// scipy's own bootstrap distribution (`Fixtures/bootstrap.json`) and recomputing the jackknife here; the resampling
/// (ours, SplitMix64) is checked by its properties: determinism, whole groups, and the bootstrap variance of a mean
/// against its closed form.
@Suite struct BootstrapTests {
  /// Relative tolerance against scipy for interval bounds and standard error.
  static let tolerance = 1e-12

  static func statistic(_ name: String) -> ([Double]) -> Double {
    name == "median"
      ? { v in
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
      }
      : { v in v.reduce(0, +) / Double(v.count) }
  }

  @Test func intervalsMatchScipy() throws {
    let cases = try Fixture.cases("bootstrap")
    #expect(cases.count == 3)
    for c in cases {
      let name = try #require(c["name"] as? String)
      let data = Fixture.numbers(c["data"])
      let stat = Self.statistic(try #require(c["statistic"] as? String))
      let distribution = Fixture.numbers(c["distribution"])
      #expect(distribution.count == 1999)
      let jackknife = ClusterBootstrap.jackknife(groups: Array(data.indices)) { rows in stat(rows.map { data[$0] }) }
      for (key, method, level) in [("percentile", BootstrapInterval.Method.percentile, 0.95), ("BCa", .bca, 0.95),
                                   ("BCa90", .bca, 0.90)] {
        let ref = try #require(c[key] as? [String: Any])
        let r = try BootstrapInterval(estimate: stat(data), distribution: distribution, jackknife: jackknife,
                                      method: method, level: level)
        #expect(close(r.interval.lower, Fixture.number(ref["low"]), relative: Self.tolerance), "\(name) \(key) low")
        #expect(close(r.interval.upper, Fixture.number(ref["high"]), relative: Self.tolerance), "\(name) \(key) high")
        if ref["standard_error"] != nil {
          #expect(close(r.standardError, Fixture.number(ref["standard_error"]), relative: Self.tolerance))
        }
      }
    }
  }

  @Test func deterministicForASeed() throws {
    let values = (0..<30).map { Double($0 % 7) + 0.1 * Double($0) }
    let days = (0..<30).map { $0 / 3 }
    func run(_ seed: UInt64) throws -> ClusterBootstrap {
      var g = SplitMix64(seed: seed)
      return try ClusterBootstrap(groups: days, replicates: 500, generator: &g) { rows in
        rows.reduce(0) { $0 + values[$1] } / Double(rows.count)
      }
    }
    #expect(try run(1).distribution == run(1).distribution)
    #expect(try run(1).distribution != run(2).distribution)
    #expect(try run(1).groupCount == 10)
  }

  /// Every resample is made of whole groups, and the bootstrap variance of the mean of G equal-sized groups is
  /// (1/G) mean((m_g - mean m)^2) (m_g the group means): 20,000 replicates estimate it within 5 % (the Monte Carlo
  /// relative error is about sqrt(2 / 20000) = 1 %). The row bootstrap of the same data, whose rows within a day
  /// are identical, would claim a 5 times smaller variance.
  @Test func resamplesWholeGroupsWithTheRightVariance() throws {
    let groupCount = 20
    let size = 5
    var g = SplitMix64(seed: 99)
    let groupValues = (0..<groupCount).map { _ in g.nextGaussian() }
    let days = (0..<(groupCount * size)).map { $0 / size }
    let values = days.map { groupValues[$0] }
    var generator = SplitMix64(seed: 2024)
    var wholeGroups = true
    let boot = try ClusterBootstrap(groups: days, replicates: 20_000, method: .percentile, generator: &generator) { rows in
      var perDay = [Int](repeating: 0, count: groupCount)
      for r in rows { perDay[days[r]] += 1 }
      if perDay.contains(where: { $0 % size != 0 }) { wholeGroups = false }
      return rows.reduce(0) { $0 + values[$1] } / Double(rows.count)
    }
    #expect(wholeGroups)
    let mean = groupValues.reduce(0, +) / Double(groupCount)
    let expected = groupValues.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(groupCount) / Double(groupCount)
    let se = boot.result.standardError
    #expect(abs(se * se / expected - 1) < 0.05, "bootstrap variance \(se * se) vs \(expected)")
    #expect(boot.result.estimate == values.reduce(0, +) / Double(values.count))
    #expect(boot.result.interval.lower < boot.result.estimate && boot.result.estimate < boot.result.interval.upper)
  }

  @Test func emptyConstantAndUndefinedReplicates() throws {
    var g = SplitMix64(seed: 1)
    let empty = try ClusterBootstrap(groups: [Int](), replicates: 100, generator: &g) { _ in 1 }
    #expect(empty.result.estimate.isNaN && empty.result.interval.lower.isNaN)
    let constant = try ClusterBootstrap(groups: [1, 1, 2, 3, 3], replicates: 100, generator: &g) { _ in 0.7 }
    #expect(constant.result.interval.lower == 0.7 && constant.result.interval.upper == 0.7)
    // The metric is undefined (NaN) on resamples without group 0: those replicates are dropped and counted.
    let groups = [0, 1, 2, 3]
    let partial = try ClusterBootstrap(groups: groups, replicates: 400, method: .percentile, generator: &g) { rows in
      rows.contains(0) ? Double(rows.filter { $0 == 0 }.count) : .nan
    }
    #expect(partial.result.undefinedReplicates > 0)
    #expect(partial.result.replicates + partial.result.undefinedReplicates == 400)
    #expect(partial.result.interval.lower >= 1)
    // NaN in BCa input where scipy gives NaN: the estimate lies outside the bootstrap distribution.
    let outside = try BootstrapInterval(estimate: 10, distribution: [1, 2, 3], jackknife: [1, 2, 4], method: .bca)
    #expect(outside.interval.lower.isNaN)
    #expect(throws: StatisticsError.self) {
      try ClusterBootstrap(groups: [1, 2], replicates: 0, generator: &g) { _ in 1 }
    }
    #expect(throws: StatisticsError.self) {
      try BootstrapInterval(estimate: 1, distribution: [1, 2], jackknife: [1], method: .bca)
    }
  }

  /// The convenience for a mean is the row bootstrap of the mean, and its BCa interval holds the sample mean.
  @Test func meanConvenience() throws {
    let deltas = [0.02, -0.01, 0.03, 0.015, 0.0, 0.025, 0.01, -0.005, 0.02, 0.03, 0.012]
    var g1 = SplitMix64(seed: 8)
    var g2 = SplitMix64(seed: 8)
    let a = try ClusterBootstrap.mean(of: deltas, replicates: 999, generator: &g1)
    let b = try ClusterBootstrap(groups: Array(deltas.indices), replicates: 999, generator: &g2) { rows in
      rows.reduce(0) { $0 + deltas[$1] } / Double(rows.count)
    }
    #expect(a.distribution.count == 999)
    for (x, y) in zip(a.distribution, b.distribution) { #expect(close(x, y, relative: 1e-15)) }
    #expect(a.result.interval.lower < a.result.estimate && a.result.estimate < a.result.interval.upper)
    var g3 = SplitMix64(seed: 8)
    #expect(try ClusterBootstrap.mean(of: [], generator: &g3).result.estimate.isNaN)
  }

  /// Several metrics on shared resamples give, metric by metric, the single-metric intervals from the same seed.
  @Test func severalMetricsShareResamples() throws {
    let days = (0..<60).map { $0 / 4 }
    let x = (0..<60).map { Double(($0 * 37) % 11) }
    let mean: ([Int]) -> Double = { rows in rows.reduce(0) { $0 + x[$1] } / Double(rows.count) }
    let maximum: ([Int]) -> Double = { rows in rows.map { x[$0] }.max() ?? .nan }
    var g = SplitMix64(seed: 77)
    let both = try ClusterBootstrap.intervals(groups: days, metricCount: 2, replicates: 500, generator: &g) { rows in
      [mean(rows), maximum(rows)]
    }
    for (k, metric) in [mean, maximum].enumerated() {
      var g1 = SplitMix64(seed: 77)
      let single = try ClusterBootstrap(groups: days, replicates: 500, generator: &g1, metric: metric)
      // Field by field, NaN matching NaN (the maximum has a constant jackknife, so its BCa is NaN, as scipy's).
      let a = both[k]
      let b = single.result
      for (u, v) in [(a.estimate, b.estimate), (a.interval.lower, b.interval.lower), (a.interval.upper, b.interval.upper),
                     (a.standardError, b.standardError), (a.biasCorrection, b.biasCorrection),
                     (a.acceleration, b.acceleration)] {
        #expect(close(u, v, relative: 0), "metric \(k)")
      }
      #expect(a.replicates == b.replicates && a.undefinedReplicates == b.undefinedReplicates)
    }
    var g2 = SplitMix64(seed: 1)
    #expect(throws: StatisticsError.self) {
      try ClusterBootstrap.intervals(groups: days, metricCount: 2, generator: &g2) { _ in [1] }
    }
    #expect(try ClusterBootstrap.intervals(groups: [Int](), metricCount: 1, generator: &g2) { _ in [1] }[0].estimate.isNaN)
  }

  @Test func pairedBootstrapOfADifference() throws {
    var g = SplitMix64(seed: 5)
    let groups = (0..<40).map { $0 / 4 }
    let same = try PairedBootstrap(groups: groups, replicates: 300, generator: &g,
                                   metricA: { Double($0.count) }, metricB: { Double($0.count) })
    #expect(same.difference == 0 && same.interval.lower == 0 && same.interval.upper == 0)
    #expect(same.pValue == 1)
    // A shifts every row by 0.1: the difference is 0.1 on every resample, p = 2 / (B + 1).
    let x = (0..<40).map { Double($0 % 5) }
    let shifted = try PairedBootstrap(groups: groups, replicates: 299, method: .percentile, generator: &g,
                                      metricA: { rows in rows.reduce(0) { $0 + x[$1] + 0.1 } / Double(rows.count) },
                                      metricB: { rows in rows.reduce(0) { $0 + x[$1] } / Double(rows.count) })
    #expect(abs(shifted.difference - 0.1) < 1e-12)
    #expect(shifted.interval.excludes(0))
    #expect(abs(shifted.pValue - 2.0 / 300) < 1e-15)
  }
}
