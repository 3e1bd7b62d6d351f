import AlmanacCore
import Foundation
import Testing
import _TestSupport

@testable import Datasets

/// The per-token pipeline: values against an independent pandas formulation (groupby token, time-based windows) on
/// ../shared/data/aave, and the property that no window or return crosses tokens.
@Suite struct PerTokenPanelTests {
  static func relativeClose(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 1e-9 * max(abs(a), abs(b)) || abs(a - b) < 1e-12
  }

  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func valuesMatchPandasPerTokenComputation() throws {
    let dir = try #require(TestSupport.sharedDirectory).appendingPathComponent("data/aave")
    let panel = try LiquidationPanel.build(from: AaveTables.load(directory: dir))
    #expect(panel.pipeline == .perToken)
    let columns = try PanelFixtures.perTokenColumns.map { try panel.column($0) }
    for fixture in PanelFixtures.perTokenRows {
      let row = try #require(
        panel.days.indices.first {
          CSVDate.isoDate(panel.days[$0]) == fixture.day && panel.tokens[$0] == fixture.token
        })
      for (c, name) in PanelFixtures.perTokenColumns.enumerated() {
        #expect(
          Self.relativeClose(columns[c][row], fixture.values[c]),
          "\(fixture.day) \(fixture.token) \(name): \(columns[c][row]) vs pandas \(fixture.values[c])")
      }
    }
  }

  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func sameRowsLabelsAndSplitAsTheTutorial() throws {
    let tables = try AaveTables.load(directory: #require(TestSupport.sharedDirectory).appendingPathComponent("data/aave"))
    let perToken = try LiquidationPanel.build(from: tables, pipeline: .perToken)
    let tutorial = try LiquidationPanel.build(from: tables, pipeline: .tutorial)
    #expect(perToken.days == tutorial.days)
    #expect(perToken.tokens == tutorial.tokens)
    #expect(perToken.labels == tutorial.labels)
    let split = try perToken.split(testDays: 40, features: ["3d"], scaling: .minmax)
    #expect(split.trainCount == 2428 && split.testCount == 313)
    // Nothing NaN or infinite in any per-token feature.
    for (name, column) in zip(perToken.featureNames, perToken.columns) {
      let finite = column.allSatisfy { $0.isFinite }
      #expect(finite, "\(name) has non-finite values")
    }
  }

  /// Changing every other token's data must leave one token's per-token features unchanged (and does change the
  /// tutorial's, whose windows mix tokens).
  @Test func noWindowCrossesTokens() throws {
    let tables = SmallMarket.tables()
    var perturbed = tables
    for i in perturbed.tokenDaily.indices where perturbed.tokenDaily[i].token != "USDC" {
      perturbed.tokenDaily[i].price *= 3.7
      perturbed.tokenDaily[i].marketCap *= 11
      perturbed.tokenDaily[i].volumesLast24h += 1e6
    }
    for i in perturbed.depositsBorrows.indices where perturbed.depositsBorrows[i].symbol != "USDC" {
      perturbed.depositsBorrows[i].depositsVolume *= 5
      perturbed.depositsBorrows[i].borrowsVolume += 123
    }
    func usdcColumns(_ p: LiquidationPanel) -> [[Double]] {
      let rows = p.tokens.indices.filter { p.tokens[$0] == "USDC" }
      return p.columns.map { c in rows.map { c[$0] } }
    }
    let a = try LiquidationPanel.build(from: tables, pipeline: .perToken)
    let b = try LiquidationPanel.build(from: perturbed, pipeline: .perToken)
    #expect(usdcColumns(a) == usdcColumns(b))
    let ta = try LiquidationPanel.build(from: tables, pipeline: .tutorial)
    let tb = try LiquidationPanel.build(from: perturbed, pipeline: .tutorial)
    #expect(try ta.column("market_cap_avg_3d") != tb.column("market_cap_avg_3d"))
    #expect(usdcColumns(ta) != usdcColumns(tb))
  }

  /// Per-token features against a straightforward computation from the raw tables of one token.
  @Test func valuesMatchAStraightforwardComputation() throws {
    let tables = SmallMarket.tables()
    let panel = try LiquidationPanel.build(from: tables, pipeline: .perToken)
    for token in ["USDC", "WETH"] {
      // The token's daily series straight from the tables (every day has token and deposit rows in SmallMarket).
      let daily = tables.tokenDaily.filter { $0.token == token }.sorted { $0.day < $1.day }
      let price = Dictionary(uniqueKeysWithValues: daily.map { ($0.day, $0.price) })
      let cap = Dictionary(uniqueKeysWithValues: daily.map { ($0.day, $0.marketCap) })
      var deposits: [Int: Double] = [:], borrows: [Int: Double] = [:]
      for r in tables.depositsBorrows where r.symbol == token {
        deposits[r.day, default: 0] += r.depositsVolume
        borrows[r.day, default: 0] += r.borrowsVolume
      }
      let rows = panel.tokens.indices.filter { panel.tokens[$0] == token }
      #expect(!rows.isEmpty)
      for row in rows {
        let d = panel.days[row]
        func mean(_ m: [Int: Double], _ k: Int) -> Double {
          let values = ((d - k + 1)...d).compactMap { m[$0] }
          return values.reduce(0, +) / Double(values.count)
        }
        func r1(_ day: Int) -> Double? {
          guard let p = price[day], let q = price[day - 1] else { return nil }
          return log(p / q)
        }
        let returns7 = ((d - 6)...d).compactMap { r1($0) }
        let mean7 = returns7.reduce(0, +) / Double(returns7.count)
        let vol7 =
          returns7.count < 2
          ? 0 : (returns7.map { ($0 - mean7) * ($0 - mean7) }.reduce(0, +) / Double(returns7.count - 1)).squareRoot()
        let peak = ((d - 6)...d).compactMap { price[$0] }.max() ?? 0
        let expected: [String: Double] = [
          "deposits_volume_avg_3d": mean(deposits, 3), "borrows_volume_avg_7d": mean(borrows, 7),
          "market_cap_avg_7d": mean(cap, 7), "return_1d": r1(d) ?? 0,
          "return_3d": price[d - 3].map { log((price[d] ?? 0) / $0) } ?? 0, "volatility_7day": vol7,
          "drawdown_7d": (price[d] ?? 0) / peak - 1,
          "borrow_deposit_ratio": (borrows[d] ?? 0) / (deposits[d] ?? 1),
          "borrows_change_1d": borrows[d - 1].map { log1p(borrows[d] ?? 0) - log1p($0) } ?? 0,
        ]
        for (name, value) in expected {
          let got = try panel.column(name)[row]
          #expect(Self.relativeClose(got, value), "\(token) \(CSVDate.isoDate(d)) \(name): \(got) vs \(value)")
        }
      }
    }
  }

  @Test func noMatchingLiquidationsIsAnError() {
    var tables = SmallMarket.tables()
    tables.liquidations = tables.liquidations.map { var l = $0; l.tokenDebt = "GHO"; return l }
    #expect(throws: DatasetError.noLiquidations) { try LiquidationPanel.build(from: tables) }
    #expect(DatasetError.noLiquidations.description.hasPrefix("no liquidation has a collateral token in WETH, USDC"))
  }

  @Test func unknownFeatureListsValidNames() throws {
    let panel = try LiquidationPanel.build(from: SmallMarket.tables(), pipeline: .tutorial)
    #expect(throws: DatasetError.unknownFeature("return_7d", valid: FeatureSets.tutorial)) {
      try panel.split(testDays: 5, features: ["price", "return_7d"], scaling: .none)
    }
    let error = DatasetError.unknownFeature("pricee", valid: ["price", "market_cap"])
    #expect(error.description == "unknown feature 'pricee'; valid features: price, market_cap")
  }
}

/// A small hand-made market (three tokens, 30 days) for property tests that need no ../shared.
enum SmallMarket {
  static func tables() -> AaveTables {
    let start = CSVDate.days(year: 2023, month: 3, day: 1)
    var rng = SplitMix64(seed: 42)
    var liquidations: [Liquidation] = []
    var deposits: [DepositsBorrows] = []
    var daily: [TokenDaily] = []
    let tokens = [("USDC", 1.0), ("WETH", 1800.0), ("DAI", 1.0)]
    for offset in -8..<30 {
      let day = start + offset
      for (t, p0) in tokens {
        let price = p0 * (1 + 0.05 * (rng.nextUnit() - 0.5)) * (1 + 0.002 * Double(offset))
        daily.append(
          TokenDaily(day: day, price: price, marketCap: 1e9 * (1 + rng.nextUnit()), volumesLast24h: 1e7 * rng.nextUnit(), token: t))
        for version in [2, 3] {
          deposits.append(
            DepositsBorrows(
              day: day, version: version, symbol: t, contractAddress: "0x", depositsVolume: 1e6 * (1 + rng.nextUnit()),
              borrowsVolume: 5e5 * rng.nextUnit()))
        }
        if offset >= 0, rng.nextUnit() < 0.3 {
          liquidations.append(
            Liquidation(
              day: day, version: 2, liquidator: "a", user: "b", tokenCol: t == "WETH" ? "USDC" : "WETH", tokenDebt: t,
              colContractAddress: "0x", collateralAmount: 1, colValueUSD: 100, colCurrentValueUSD: 100,
              debtContractAddress: "0x", debtAmount: 1, debtValueUSD: 90 * (1 + rng.nextUnit()), debtCurrentValueUSD: 90))
        }
      }
    }
    // Make sure the earliest liquidation is on the first day.
    liquidations.append(
      Liquidation(
        day: start, version: 3, liquidator: "a", user: "b", tokenCol: "WETH", tokenDebt: "DAI", colContractAddress: "0x",
        collateralAmount: 1, colValueUSD: 10, colCurrentValueUSD: 10, debtContractAddress: "0x", debtAmount: 1,
        debtValueUSD: 9, debtCurrentValueUSD: 9))
    return AaveTables(liquidations: liquidations, depositsBorrows: deposits, tokenDaily: daily)
  }
}
