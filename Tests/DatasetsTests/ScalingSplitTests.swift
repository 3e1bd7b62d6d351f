import Foundation
import Testing
import _TestSupport

@testable import Datasets

/// Scaling against scikit-learn 1.9.1 values, the rolling kernels against pandas 3.1.1, and the split boundary.
/// Reference values were printed by the venv's scikit-learn/pandas for the inputs below (NaN cells ignored by the
/// fit and kept, a constant column, test values outside the training range).
@Suite struct ScalingSplitTests {
  static let train: [[Double]] = [[1, 5, 0, 1e10], [3, 5, .nan, 2e10], [2, 5, 4, 4e10], [7, 5, 1, 3e10]]
  static let test: [[Double]] = [[4, 6, 2, 5e10], [-1, 5, .nan, 0]]

  static func close(_ a: Double, _ b: Double) -> Bool {
    (a.isNaN && b.isNaN) || abs(a - b) <= 1e-12 * max(1, abs(b))
  }

  static func check(_ scaling: Scaling, train expectedTrain: [[Double]], test expectedTest: [[Double]]) {
    for c in 0..<4 {
      let fitted = scaling.fit(train.map { $0[c] })
      for (r, row) in train.enumerated() {
        #expect(close(fitted.apply(row[c]), expectedTrain[r][c]), "train \(r),\(c)")
      }
      for (r, row) in test.enumerated() {
        #expect(close(fitted.apply(row[c]), expectedTest[r][c]), "test \(r),\(c)")
      }
    }
  }

  @Test func minMaxMatchesScikitLearn() {
    Self.check(
      .minmax,
      train: [
        [0.0, 0.0, 0.0, 0.0], [0.33333333333333337, 0.0, .nan, 0.33333333333333337], [0.16666666666666666, 0.0, 1.0, 1.0],
        [0.9999999999999999, 0.0, 0.25, 0.6666666666666666],
      ],
      test: [[0.5, 1.0, 0.5, 1.3333333333333335], [-0.3333333333333333, 0.0, .nan, -0.33333333333333337]])
  }

  @Test func standardMatchesScikitLearn() {
    Self.check(
      .standard,
      train: [
        [-0.9878783399072131, 0.0, -0.9805806756909202, -1.3416407864998738],
        [-0.10976425998969035, 0.0, .nan, -0.4472135954999579],
        [-0.5488212999484517, 0.0, 1.372812945967288, 1.3416407864998738],
        [1.6464638998453551, 0.0, -0.3922322702763681, 0.4472135954999579],
      ],
      test: [
        [0.329292779969071, 1.0, 0.196116135138184, 2.2360679774997894],
        [-1.865992419824736, 0.0, .nan, -2.2360679774997894],
      ])
  }

  @Test func noneIsIdentity() {
    let fitted = Scaling.none.fit([1, 2, 3])
    #expect(fitted.apply(42.5) == 42.5)
  }

  @Test func emptyOrAllNaNColumnIsLeftUnchanged() {
    #expect(Scaling.minmax.fit([]).apply(3) == 3)
    #expect(Scaling.standard.fit([.nan, .nan]).apply(3) == 3)
  }

  @Test func rollingKernelsMatchPandasExactly() {
    let x: [Double] = [1, 2, .infinity, 4, 4, 4, 4, .nan, 1e10, 3, -2, -2]
    let mean: [Double] = [1.0, 1.5, 1.5, 3.0, 4.0, 4.0, 4.0, 4.0, 5000000002.0, 5000000001.5, 3333333333.6666665, -0.3333333333333333]
    let std: [Double] = [
      .nan, 0.7071067811865476, 0.7071067811865476, 1.4142135623730951, 0.0, 0.0, 0.0, 0.0, 7071067809.037048,
      7071067809.744155, 5773502691.607583, 2.8867513459481287,
    ]
    let m = PandasRolling.mean(x, window: 3), s = PandasRolling.std(x, window: 3)
    for i in x.indices {
      #expect(m[i].bitPattern == mean[i].bitPattern, "mean \(i): \(m[i]) vs pandas \(mean[i])")
      #expect((s[i].isNaN && std[i].isNaN) || s[i].bitPattern == std[i].bitPattern, "std \(i): \(s[i]) vs \(std[i])")
    }
    #expect(PandasRolling.mean([], window: 3).isEmpty)
  }

  // MARK: - Split

  static func panel(days: [Int]) -> LiquidationPanel {
    let n = days.count
    return LiquidationPanel(
      pipeline: .perToken, days: days, tokens: Array(repeating: "USDC", count: n),
      labels: (0..<n).map { Double($0 % 2) }, featureNames: ["price", "market_cap"],
      columns: [days.map { Double($0) }, days.map { Double($0 * $0) }], earliestDay: days.min() ?? 0)
  }

  @Test func testSetStartsAtLastDayMinusTestDays() throws {
    let p = Self.panel(days: Array(100...150))
    let s = try p.split(testDays: 40, features: ["price"], scaling: .none)
    #expect(s.testStartDay == 110)
    #expect(s.trainDays == Array(100...109))
    #expect(s.testDays == Array(110...150))  // 41 calendar days, as the tutorial's `>=` gives
    #expect(s.trainX == (100...109).map(Double.init))
    #expect(s.trainY.count == 10 && s.testY.count == 41)
  }

  @Test func scalingIsFittedOnTrainingRowsOnly() throws {
    let p = Self.panel(days: Array(0..<20))
    var q = p
    // Changing test rows must not change the fit or the scaled training rows.
    for i in q.days.indices where q.days[i] >= 9 { q.columns[0][i] *= 1000 }
    for scaling in Scaling.allCases {
      let a = try p.split(testDays: 10, features: ["price", "market_cap"], scaling: scaling)
      let b = try q.split(testDays: 10, features: ["price", "market_cap"], scaling: scaling)
      #expect(a.trainX == b.trainX)
      #expect(a.scalers == b.scalers)
    }
    let s = try p.split(testDays: 10, features: ["price"], scaling: .minmax)
    #expect(s.trainX.min() == 0 && s.trainX.max() == 1)
    #expect((s.testX.max() ?? 0) > 1)  // test rows beyond the training range are not clipped
  }

  @Test func rowMajorLayout() throws {
    let s = try Self.panel(days: Array(0..<5)).split(testDays: 0, features: ["market_cap", "price"], scaling: .none)
    #expect(s.featureNames == ["market_cap", "price"])
    #expect(s.trainX == [0, 0, 1, 1, 4, 2, 9, 3])
    #expect(s.testX == [16, 4])
  }

  @Test func emptySidesAndBadArgumentsThrow() {
    let p = Self.panel(days: Array(0..<5))
    #expect(throws: DatasetError.emptySplit(train: 0, test: 5, testDays: 10)) {
      try p.split(testDays: 10, features: ["price"], scaling: .none)
    }
    #expect(throws: DatasetError.invalidTestDays(-1)) { try p.split(testDays: -1, features: ["price"], scaling: .none) }
    #expect(
      DatasetError.emptySplit(train: 0, test: 5, testDays: 10).description
        == "test_days 10 leaves 0 training and 5 test rows; both must be non-empty")
  }

  @Test func builtInSetNamesResolve() throws {
    #expect(try FeatureSets.resolve(["3d"]) == FeatureSets.threeDay)
    #expect(try FeatureSets.resolve(["7d"]) == FeatureSets.sevenDay)
    #expect(try FeatureSets.resolve(["price", "return_7d"]) == ["price", "return_7d"])
    #expect(throws: DatasetError.unknownFeature("nope", valid: FeatureSets.all)) { try FeatureSets.resolve(["nope"]) }
    #expect(Set(FeatureSets.all).count == FeatureSets.all.count)
  }
}

@Suite struct DatasetDescriptionTests {
  @Test func describesSmallMarket() throws {
    let d = try DatasetDescription(tables: SmallMarket.tables(), pipeline: .tutorial, testDays: 10)
    #expect(d.tables.count == 5)
    #expect(d.tables[4].tokens == ["DAI", "USDC", "WETH"])
    #expect(d.trainRows + d.testRows == d.panelRows)
    #expect(d.rendered.contains("Liquidation panel (features: tutorial, test days: 10)"))
    #expect(d.rendered.contains("tokens_daily_volume"))
  }

  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func describesTheRealExport() throws {
    let dir = try #require(TestSupport.sharedDirectory).appendingPathComponent("data/aave")
    let d = try DatasetDescription(directory: dir, pipeline: .tutorial, testDays: 40)
    #expect(d.trainRows == 2428 && d.testRows == 313 && d.trainPositives == 552 && d.testPositives == 91)
    #expect(d.rendered.contains("train    2428  positives 552"))
    #expect(d.rendered.contains("test      313  positives 91"))
  }
}
