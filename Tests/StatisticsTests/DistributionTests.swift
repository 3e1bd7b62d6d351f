import Statistics
import Testing

/// Distribution functions against scipy.stats 1.17 (`Fixtures/distributions.json`, gen_fixtures.py): normal,
/// Student t (df 0.1 to 1e6), chi-square and binomial CDF, survival function and quantile.
@Suite struct DistributionTests {
  /// Relative tolerance against scipy: 1e-10 for every value (the brief's target), tighter than that where noted.
  static let tolerance = 1e-10

  @Test func matchesScipy() throws {
    let rows = try Fixture.cases("distributions", key: "rows")
    #expect(rows.count > 500)
    var worst = (0.0, "")
    for row in rows {
      let dist = try #require(row["dist"] as? String)
      let fn = try #require(row["fn"] as? String)
      let x = Fixture.number(row["x"])
      let expected = Fixture.number(row["value"])
      let df = Fixture.number(row["df"])
      let actual: Double
      switch (dist, fn) {
      case ("normal", "cdf"): actual = Normal.cdf(x)
      case ("normal", "sf"): actual = Normal.sf(x)
      case ("normal", "quantile"): actual = Normal.quantile(x)
      case ("t", "cdf"): actual = StudentT.cdf(x, df: df)
      case ("t", "sf"): actual = StudentT.sf(x, df: df)
      case ("t", "quantile"): actual = StudentT.quantile(x, df: df)
      case ("chi2", "cdf"): actual = ChiSquare.cdf(x, df: df)
      case ("chi2", "sf"): actual = ChiSquare.sf(x, df: df)
      case ("binom", "cdf"):
        actual = Binomial.cdf(x, n: try #require(row["n"] as? Int), p: Fixture.number(row["p"]))
      case ("binom", "sf"):
        actual = Binomial.sf(x, n: try #require(row["n"] as? Int), p: Fixture.number(row["p"]))
      default:
        Issue.record("unknown fixture row \(dist) \(fn)")
        continue
      }
      let label = "\(dist).\(fn)(\(x), df \(df), n \(row["n"] ?? "-"), p \(row["p"] ?? "-"))"
      // Values below 1e-300 are compared absolutely (scipy and we both underflow differently there).
      #expect(close(actual, expected, relative: Self.tolerance, absolute: 1e-300), "\(label): \(actual) vs \(expected)")
      if expected != 0, expected.isFinite {
        let e = abs(actual - expected) / abs(expected)
        if e > worst.0 { worst = (e, label) }
      }
    }
    print("DistributionTests: worst relative error \(worst.0) at \(worst.1)")
  }

  @Test func edgeCases() {
    #expect(Normal.quantile(0) == -.infinity)
    #expect(Normal.quantile(1) == .infinity)
    #expect(Normal.quantile(1.5).isNaN)
    #expect(Normal.cdf(.nan).isNaN)
    #expect(StudentT.cdf(.nan, df: 3).isNaN)
    #expect(StudentT.cdf(1, df: 0).isNaN)
    #expect(StudentT.cdf(1, df: -2).isNaN)
    #expect(StudentT.cdf(-.infinity, df: 3) == 0)
    #expect(StudentT.cdf(.infinity, df: 3) == 1)
    #expect(StudentT.cdf(0, df: 3) == 0.5)
    #expect(StudentT.quantile(0.5, df: 7) == 0)
    #expect(StudentT.quantile(0, df: 7) == -.infinity)
    #expect(StudentT.quantile(.nan, df: 7).isNaN)
    // df = infinity is the normal distribution.
    #expect(StudentT.cdf(1.3, df: .infinity) == Normal.cdf(1.3))
    #expect(ChiSquare.sf(0, df: 1) == 1)
    #expect(ChiSquare.cdf(-1, df: 1) == 0)
    #expect(ChiSquare.cdf(.nan, df: 1).isNaN)
    #expect(Binomial.cdf(-1, n: 5, p: 0.5) == 0)
    #expect(Binomial.cdf(5, n: 5, p: 0.5) == 1)
    #expect(Binomial.cdf(2, n: 5, p: 1.5).isNaN)
    #expect(Binomial.cdf(0, n: 0, p: 0.5) == 1)
  }

  /// The quantile inverts the CDF to near machine precision across df, including non-integer df.
  @Test(arguments: [0.3, 1, 2.5, 7, 40, 3000])
  func quantileInvertsCDF(df: Double) {
    for p in [1e-9, 0.01, 0.2, 0.5001, 0.8, 0.99, 0.999_999] {
      let t = StudentT.quantile(p, df: df)
      #expect(close(StudentT.cdf(t, df: df), p, relative: 1e-12), "df \(df) p \(p): t \(t)")
    }
  }
}
