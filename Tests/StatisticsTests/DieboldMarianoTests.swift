import Statistics
import Testing

/// Diebold-Mariano with the HLN correction against R 4.2.2 `forecast::dm.test` (forecast 8.20,
/// `Fixtures/dm.json`, gen_dm.R): h = 1, 2, 3, 5, power 1 and 2, three alternatives, both variance estimators,
/// including a series where R falls back to h = 1 because the variance estimate is negative.
@Suite struct DieboldMarianoTests {
  /// Relative tolerance against R.
  static let tolerance = 1e-10

  @Test func matchesForecastDmTest() throws {
    let cases = try Fixture.cases("dm")
    #expect(cases.count == 4)
    var fallbacks = 0
    for c in cases {
      let name = try #require(c["name"] as? String)
      let e1 = Fixture.numbers(c["e1"])
      let e2 = Fixture.numbers(c["e2"])
      for row in try #require(c["rows"] as? [[String: Any]]) {
        let h = try #require(row["h"] as? Int)
        let power = Fixture.number(row["power"])
        let alternative: Alternative = switch row["alternative"] as? String {
        case "less": .less
        case "greater": .greater
        default: .twoSided
        }
        let estimator = try #require(DieboldMarianoTest.VarianceEstimator(rawValue: row["varestimator"] as? String ?? ""))
        let r = try DieboldMarianoTest(errors: e1, e2, alternative: alternative, horizon: h, power: power,
                                       varianceEstimator: estimator)
        let label = "\(name) h \(h) power \(power) \(alternative) \(estimator)"
        #expect(close(r.statistic, Fixture.number(row["statistic"]), relative: Self.tolerance), "\(label)")
        #expect(close(r.pValue, Fixture.number(row["pvalue"]), relative: Self.tolerance), "\(label) p")
        #expect((r.horizonUsed != h) == (row["fell_back"] as? Bool), "\(label) fallback")
        if r.horizonUsed != h { fallbacks += 1 }
      }
    }
    #expect(fallbacks > 0, "the fixture exercises R's fallback to h = 1")
  }

  @Test func edgeCases() throws {
    #expect(throws: StatisticsError.self) { try DieboldMarianoTest(errors: [1, 2], [1]) }
    #expect(throws: StatisticsError.self) { try DieboldMarianoTest(errors: [1], [1]) }
    #expect(throws: StatisticsError.self) { try DieboldMarianoTest(errors: [1, 2, 3], [1, 2, 4], horizon: 3) }
    #expect(throws: StatisticsError.self) { try DieboldMarianoTest(errors: [1, 2, 3], [1, 2, 4], power: 0) }
    // Identical forecasts: zero variance (R stops); NaN here.
    let same = try DieboldMarianoTest(errors: [1, -2, 3], [1, -2, 3])
    #expect(same.statistic.isNaN && same.pValue.isNaN)
    let withNaN = try DieboldMarianoTest(errors: [1, .nan, 3], [1, 2, 3])
    #expect(withNaN.pValue.isNaN)
  }
}
