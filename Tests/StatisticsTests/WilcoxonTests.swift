import Statistics
import Testing

/// Wilcoxon signed-rank test against scipy.stats.wilcoxon 1.17 with its defaults (`Fixtures/wilcoxon.json`),
/// covering each branch of scipy's `auto` rule: exact (n <= 50, no ties or zeros), permutation (n <= 13 with ties
/// or zeros), normal approximation (n > 50, or 14..50 with ties or zeros).
@Suite struct WilcoxonTests {
  /// Relative tolerance against scipy for statistic and p-value.
  static let tolerance = 1e-10

  @Test func matchesScipy() throws {
    let cases = try Fixture.cases("wilcoxon")
    #expect(cases.count == 15)
    for c in cases {
      let name = try #require(c["name"] as? String)
      let d = Fixture.numbers(c["d"])
      for (key, alternative) in PairedTTestTests.alternatives {
        let ref = try #require(c[key] as? [String: Any])
        let r = WilcoxonSignedRank(differences: d, alternative: alternative)
        #expect(r.method.rawValue == c["method"] as? String, "\(name): method \(r.method)")
        #expect(close(r.statistic, Fixture.number(ref["statistic"]), relative: Self.tolerance), "\(name) \(key) statistic")
        #expect(close(r.pValue, Fixture.number(ref["pvalue"]), relative: Self.tolerance),
                "\(name) \(key) p \(r.pValue) vs \(ref["pvalue"] ?? "")")
      }
    }
  }

  @Test func pairedFormAndEdgeCases() throws {
    let r = try WilcoxonSignedRank([3, 4, 5], [1, 1, 1])
    #expect(r.rankSumPositive == 6 && r.rankSumNegative == 0)
    #expect(throws: StatisticsError.self) { try WilcoxonSignedRank([1], [1, 2]) }
    let empty = WilcoxonSignedRank(differences: [])
    #expect(empty.statistic.isNaN && empty.pValue.isNaN)
    let withNaN = WilcoxonSignedRank(differences: [1, .nan, 2])
    #expect(withNaN.pValue.isNaN)
  }
}
