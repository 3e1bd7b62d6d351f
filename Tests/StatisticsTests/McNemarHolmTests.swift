import Statistics
import Testing

/// McNemar's test against statsmodels 0.15 `mcnemar` (exact and chi-square with continuity correction), and Holm's
/// adjustment against statsmodels `multipletests(method="holm")` (`Fixtures/mcnemar.json`, `Fixtures/holm.json`).
@Suite struct McNemarHolmTests {
  /// Relative tolerance against statsmodels.
  static let tolerance = 1e-10

  @Test func mcnemarMatchesStatsmodels() throws {
    let cases = try Fixture.cases("mcnemar")
    #expect(cases.count == 8)
    for c in cases {
      let table = try #require(c["table"] as? [[Int]])
      let b = table[0][1]
      let cc = table[1][0]
      for exact in [true, false] {
        let ref = try #require(c[exact ? "exact" : "chi2"] as? [String: Any])
        let r = try McNemarTest(b: b, c: cc, exact: exact)
        if !exact && b + cc == 0 {
          // Documented deviation: statsmodels reports infinity and p = 0 with no discordant pairs.
          #expect(Fixture.number(ref["statistic"]) == .infinity)
          #expect(r.statistic.isNaN && r.pValue == 1)
          continue
        }
        #expect(close(r.statistic, Fixture.number(ref["statistic"]), relative: Self.tolerance), "\(table) \(exact)")
        #expect(close(r.pValue, Fixture.number(ref["pvalue"]), relative: Self.tolerance), "\(table) \(exact) p")
      }
    }
  }

  @Test func mcnemarFromPredictions() throws {
    let labels = [true, true, false, false, true]
    let first = [true, true, false, true, false]   // right, right, right, wrong, wrong
    let second = [false, true, true, true, true]   // wrong, right, wrong, wrong, right
    let r = try McNemarTest(labels: labels, first: first, second: second)
    #expect(r.b == 2 && r.c == 1)
    #expect(throws: StatisticsError.self) { try McNemarTest(labels: [true], first: [true, false], second: [true]) }
    #expect(throws: StatisticsError.self) { try McNemarTest(b: -1, c: 2) }
  }

  @Test func holmMatchesStatsmodels() throws {
    let cases = try Fixture.cases("holm")
    #expect(cases.count == 6)
    for c in cases {
      let p = Fixture.numbers(c["p"])
      let r = try HolmAdjustment(pValues: p)
      let expected = Fixture.numbers(c["adjusted"])
      for (a, e) in zip(r.adjusted, expected) { #expect(close(a, e, relative: 1e-14), "\(p)") }
      #expect(r.rejected == (c["reject"] as? [Bool]), "\(p)")
    }
  }

  @Test func holmEdgeCases() throws {
    #expect(try HolmAdjustment(pValues: []).adjusted.isEmpty)
    // NaN stays NaN, is not rejected and does not count in m (as R's p.adjust).
    let r = try HolmAdjustment(pValues: [0.01, .nan, 0.02])
    #expect(r.adjusted[0] == 0.02 && r.adjusted[1].isNaN && r.adjusted[2] == 0.02)
    #expect(r.rejected == [true, false, true])
    #expect(throws: StatisticsError.self) { try HolmAdjustment(pValues: [1.5]) }
    #expect(throws: StatisticsError.self) { try HolmAdjustment(pValues: [0.1], alpha: 0) }
  }
}
