import Statistics
import Testing

/// Paired t-test and the corrected resampled t-test against scipy.stats 1.17 (`Fixtures/ttest_rel.json`).
@Suite struct PairedTTestTests {
  /// Relative tolerance against scipy (statistic, p-value, interval bounds).
  static let tolerance = 1e-10

  static let alternatives: [(String, Alternative)] = [("two-sided", .twoSided), ("less", .less), ("greater", .greater)]

  @Test func matchesScipyTtestRel() throws {
    let cases = try Fixture.cases("ttest_rel")
    #expect(cases.count == 7)
    for c in cases {
      let name = try #require(c["name"] as? String)
      let x = Fixture.numbers(c["x"])
      let y = Fixture.numbers(c["y"])
      for (key, alternative) in Self.alternatives {
        let ref = try #require(c[key] as? [String: Any])
        let r = try PairedTTest(x, y, alternative: alternative)
        #expect(close(r.statistic, Fixture.number(ref["statistic"]), relative: Self.tolerance), "\(name) \(key) t")
        #expect(close(r.degreesOfFreedom, Fixture.number(ref["df"]), relative: 0), "\(name) \(key) df")
        #expect(close(r.pValue, Fixture.number(ref["pvalue"]), relative: Self.tolerance, absolute: 1e-300),
                "\(name) \(key) p: \(r.pValue) vs \(ref["pvalue"] ?? "")")
        if alternative == .twoSided {
          #expect(close(r.confidenceInterval.lower, Fixture.number(ref["ci_low"]), relative: Self.tolerance), "\(name) lo")
          #expect(close(r.confidenceInterval.upper, Fixture.number(ref["ci_high"]), relative: Self.tolerance), "\(name) hi")
        }
      }
    }
  }

  @Test func correctedResampledMatchesRescaledScipy() throws {
    let cases = try Fixture.cases("ttest_rel", key: "corrected")
    #expect(cases.count == 3)
    for c in cases {
      let r = try CorrectedResampledTTest(Fixture.numbers(c["x"]), Fixture.numbers(c["y"]),
                                          testSize: try #require(c["n_test"] as? Int),
                                          trainSize: try #require(c["n_train"] as? Int))
      #expect(close(r.test.statistic, Fixture.number(c["statistic"]), relative: Self.tolerance))
      #expect(r.test.degreesOfFreedom == Fixture.number(c["df"]))
      #expect(close(r.test.pValue, Fixture.number(c["pvalue"]), relative: Self.tolerance))
      #expect(close(r.test.confidenceInterval.lower, Fixture.number(c["ci_low"]), relative: Self.tolerance))
      #expect(close(r.test.confidenceInterval.upper, Fixture.number(c["ci_high"]), relative: Self.tolerance))
      // The correction only widens: the corrected p-value is never below the ordinary one.
      let plain = try PairedTTest(Fixture.numbers(c["x"]), Fixture.numbers(c["y"]))
      #expect(r.test.pValue >= plain.pValue)
    }
  }

  @Test func emptyAndInvalidInput() throws {
    let empty = try PairedTTest([], [])
    #expect(empty.count == 0)
    #expect(empty.statistic.isNaN && empty.pValue.isNaN && empty.confidenceInterval.lower.isNaN)
    #expect(throws: StatisticsError.self) { try PairedTTest([1, 2], [1]) }
    #expect(throws: StatisticsError.self) { try PairedTTest([1, 2], [1, 3], confidenceLevel: 1) }
    #expect(throws: StatisticsError.self) { try CorrectedResampledTTest([1, 2], [1, 3], testSize: 0, trainSize: 5) }
  }

  @Test func constantDifferencesGiveInfiniteT() throws {
    let r = try PairedTTest(differences: [0.25, 0.25, 0.25])
    #expect(r.statistic == .infinity)
    #expect(r.pValue == 0)
    #expect(r.confidenceInterval.lower == 0.25 && r.confidenceInterval.upper == 0.25)
    #expect(r.confidenceInterval.excludes(0))
  }
}
