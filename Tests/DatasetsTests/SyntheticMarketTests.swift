import Datasets
import Foundation
import Testing
import _TestSupport

/// Aave v3 Ethereum interest-rate parameters as published (see docs/synthetic-market.md for the sources), written out
/// here independently of `SyntheticMarket.defaultAssets`: U*, base, slope1, slope2, stable slope1, stable slope2,
/// base stable offset, reserve factor.
private let publishedParameters: [String: [Double]] = [
  "USDC": [0.90, 0, 0.04, 0.60, 0.005, 0.60, 0.01, 0.10],
  "USDT": [0.90, 0, 0.04, 0.60, 0.04, 0.72, 0.01, 0.10],
  "DAI": [0.80, 0, 0.04, 0.75, 0.005, 0.75, 0.01, 0.10],
  "WETH": [0.80, 0, 0.033, 0.80, 0.04, 0.80, 0.03, 0.15],
  "WBTC": [0.45, 0, 0.04, 3.00, 0.07, 3.00, 0.02, 0.20],
  "LINK": [0.45, 0, 0.07, 3.00, 0.07, 3.00, 0.02, 0.20],
  "stETH": [0.45, 0.0025, 0.045, 0.80, 0.04, 0.80, 0.03, 0.15],
]

/// The Aave v3 rate formulas written out directly (variable, stable, supply) for utilisation `u`.
private func aaveRates(_ p: [Double], _ u: Double) -> (Double, Double, Double) {
  let (uStar, base, s1, s2, ss1, ss2, offset, rf) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
  let variable = u <= uStar ? base + s1 * u / uStar : base + s1 + s2 * (u - uStar) / (1 - uStar)
  let stable = u <= uStar ? s1 + offset + ss1 * u / uStar : s1 + offset + ss1 + ss2 * (u - uStar) / (1 - uStar)
  return (variable, stable, variable * u * (1 - rf))
}

private func relativeClose(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
  Swift.abs(a - b) <= tolerance * Swift.max(1, Swift.abs(a), Swift.abs(b))
}

@Suite struct SyntheticMarketTests {
  @Test func sameSeedGivesIdenticalTables() {
    let a = SyntheticMarket.generate(.init(seed: 11, days: 200))
    let b = SyntheticMarket.generate(.init(seed: 11, days: 200))
    #expect(a.tables.liquidations == b.tables.liquidations)
    #expect(a.tables.depositsBorrows == b.tables.depositsBorrows)
    #expect(a.tables.tokenDaily == b.tables.tokenDaily)
    #expect(a.rates == b.rates)
    #expect(!a.tables.liquidations.isEmpty)
  }

  @Test func differentSeedsGiveDifferentTables() {
    let a = SyntheticMarket.generate(.init(seed: 11, days: 200))
    let b = SyntheticMarket.generate(.init(seed: 12, days: 200))
    #expect(a.tables.tokenDaily != b.tables.tokenDaily)
    #expect(a.tables.liquidations != b.tables.liquidations)
    #expect(a.rates != b.rates)
  }

  @Test func shapeOfTheTables() {
    let days = 100
    let out = SyntheticMarket.generate(.init(seed: 3, days: days))
    let tokens = SyntheticMarket.defaultTokens
    #expect(out.tables.tokenDaily.count == days * tokens.count)
    #expect(out.rates.count == days * tokens.count)
    // Every token has a v2 row each day; all but stETH (v2 only, like the real export) a v3 row.
    #expect(out.tables.depositsBorrows.filter { $0.version == 2 }.count == days * tokens.count)
    #expect(out.tables.depositsBorrows.filter { $0.version == 3 }.count == days * (tokens.count - 1))
    #expect(Set(out.tables.tokenDaily.map(\.token)) == Set(tokens.map { $0.uppercased() }))
    #expect(Set(out.tables.tokenDaily.map(\.day)) == Set(19358..<19358 + days))
    for row in out.tables.liquidations {
      #expect(row.tokenCol != row.tokenDebt)
      #expect(row.version == 2 || row.version == 3)
      #expect(row.collateralAmount > 0 && row.debtAmount > 0)
      #expect(row.liquidator.count == 42 && row.user.hasPrefix("0x"))
    }
    #expect(out.tables.depositsBorrows.allSatisfy { $0.depositsVolume >= 0 && $0.borrowsVolume >= 0 })
    #expect(out.tables.tokenDaily.allSatisfy { $0.price > 0 && $0.marketCap > 0 && $0.volumesLast24h > 0 })
  }

  @Test func emptyAndSubsetConfigurations() {
    let empty = SyntheticMarket.generate(.init(seed: 1, days: 0))
    #expect(empty.tables.liquidations.isEmpty && empty.tables.tokenDaily.isEmpty && empty.rates.isEmpty)
    // stETH without WETH: WETH is simulated (stETH tracks it) but not written.
    let subset = SyntheticMarket.generate(.init(seed: 1, days: 300, tokens: ["steth", "USDC"]))
    #expect(Set(subset.tables.tokenDaily.map(\.token)) == ["STETH", "USDC"])
    #expect(Set(subset.rates.map(\.symbol)) == ["stETH", "USDC"])
    #expect(subset.tables.liquidations.allSatisfy { Set([$0.tokenCol, $0.tokenDebt]) == ["stETH", "USDC"] })
  }

  /// Liquidated amounts are consistent with that day's prices and Aave's liquidation bonus (at most 7 %).
  @Test func liquidationValuesUseTheDaysPrices() {
    let out = SyntheticMarket.generate(.init(seed: 5, days: 400))
    var price: [String: Double] = [:]
    for row in out.tables.tokenDaily { price["\(row.token)@\(row.day)"] = row.price }
    #expect(out.tables.liquidations.count > 20)
    for row in out.tables.liquidations {
      let pc = price["\(row.tokenCol.uppercased())@\(row.day)"] ?? .nan
      let pd = price["\(row.tokenDebt.uppercased())@\(row.day)"] ?? .nan
      #expect(relativeClose(row.colValueUSD, row.collateralAmount * pc, 1e-12))
      #expect(relativeClose(row.debtValueUSD, row.debtAmount * pd, 1e-12))
      let premium = row.colValueUSD / row.debtValueUSD - 1
      #expect(premium > 0.04 && premium < 0.0700001)
    }
  }

  @Test(arguments: [UInt64(1), 2, 3])
  func ratesFollowThePiecewiseModel(seed: UInt64) throws {
    let out = SyntheticMarket.generate(.init(seed: seed, days: 730))
    var aboveKink = 0
    for symbol in SyntheticMarket.defaultTokens {
      let p = try #require(publishedParameters[symbol])
      let u = try #require(out.utilisation[symbol])
      let rows = out.rates.filter { $0.symbol == symbol }.sorted { $0.day < $1.day }
      #expect(rows.count == u.count && rows.count == 730)
      for (t, row) in rows.enumerated() {
        let (variable, stable, supply) = aaveRates(p, u[t])
        #expect(relativeClose(row.variableBorrowRate, variable, 1e-14))
        #expect(relativeClose(row.stableBorrowRate, stable, 1e-14))
        #expect(relativeClose(row.supplyRate, supply, 1e-14))
        if u[t] > p[0] { aboveKink += 1 }
        if t == 0 {
          #expect(row.liquidityIndex == 1 && row.variableBorrowIndex == 1)
        } else {
          // Liquidity index accrues linearly over a day, the variable borrow index compounds.
          let previous = rows[t - 1]
          #expect(relativeClose(row.liquidityIndex, previous.liquidityIndex * (1 + previous.supplyRate / 365), 1e-14))
          #expect(relativeClose(
            row.variableBorrowIndex, previous.variableBorrowIndex * exp(previous.variableBorrowRate / 365), 1e-14))
        }
      }
    }
    // Both branches of the model are exercised.
    #expect(aboveKink > 10)
  }

  /// The rate model reproduces Aave v3 Ethereum's on-chain stable borrow rates from its variable rates over the
  /// periods the parameters were in force (real export, `../shared/data/rates/aave_v3_daily_rates_2023.csv`).
  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"),
        arguments: [("LINK", "LINK", "2023-01-01", "2024-12-31"), ("wstETH", "stETH", "2023-01-01", "2024-12-31"),
                    ("USDC", "USDC", "2023-02-01", "2023-05-15"), ("DAI", "DAI", "2023-02-01", "2023-06-15"),
                    ("WBTC", "WBTC", "2023-06-01", "2024-12-31")])
  func modelMatchesOnChainStableRates(realSymbol: String, symbol: String, from: String, to: String) throws {
    let shared = try #require(TestSupport.sharedDirectory)
    let file = shared.appendingPathComponent("data/rates/aave_v3_daily_rates_2023.csv")
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").dropFirst()
    let model = try #require(SyntheticMarket.defaultAssets.first { $0.symbol == symbol }).rateModel
    var checked = 0
    for line in lines {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard cells[1] == realSymbol, cells[0] >= from, cells[0] <= to,
        let stable = Double(cells[3]), let variable = Double(cells[4])
      else { continue }
      // Days whose average lies near the kink may have crossed it intraday (the daily mean of a piecewise-linear
      // function is not on the line): keep days clearly below it.
      guard variable < model.baseVariableRate + 0.9 * model.variableSlope1 else { continue }
      let u = (variable - model.baseVariableRate) / model.variableSlope1 * model.optimalUtilisation
      #expect(Swift.abs(model.rates(utilisation: u).stableBorrow - stable) < 1e-9, "\(cells[0])")
      checked += 1
    }
    #expect(checked > 90)
  }

  @Test func stablecoinsStayNearThePeg() {
    for seed in UInt64(1)...5 {
      let out = SyntheticMarket.generate(.init(seed: seed, days: 730))
      for token in ["USDC", "USDT", "DAI"] {
        let prices = out.tables.tokenDaily.filter { $0.token == token }.map(\.price)
        let near = prices.filter { Swift.abs($0 - 1) <= 0.01 }.count
        #expect(Double(near) / Double(prices.count) >= 0.95, "\(token) seed \(seed)")
        #expect(prices.allSatisfy { $0 > 0.75 && $0 < 1.05 })
      }
    }
  }

  /// GARCH(1,1) clustering: squared daily ETH returns are autocorrelated (an i.i.d. series gives about 0 +- 0.04).
  @Test func volatilityClusters() {
    let prices = SyntheticMarket.generate(.init(seed: 2, days: 2000)).tables.tokenDaily
      .filter { $0.token == "WETH" }.map(\.price)
    let r2 = zip(prices.dropFirst(), prices).map { pow(log($0 / $1), 2) }
    let mean = r2.reduce(0, +) / Double(r2.count)
    var num = 0.0
    var den = 0.0
    for t in r2.indices {
      den += (r2[t] - mean) * (r2[t] - mean)
      if t > 0 { num += (r2[t] - mean) * (r2[t - 1] - mean) }
    }
    #expect(num / den > 0.1)
  }

  /// The key property: liquidations follow price drops. For a stablecoin debt token k, let L(t) = some liquidation
  /// with token_debt k on day t, and D(t) = WETH's daily log return on day t is below -5 %. Then
  /// P(L(t+1) | D(t)) / P(L(t+1) | not D(t)) >= 3, for each seed over four simulated years.
  @Test(arguments: [UInt64(1), 2, 3, 4])
  func liquidationsFollowPriceDrops(seed: UInt64) {
    let days = 1460
    let out = SyntheticMarket.generate(.init(seed: seed, days: days))
    let start = 19358
    var eth = [Double](repeating: .nan, count: days)
    for row in out.tables.tokenDaily where row.token == "WETH" { eth[row.day - start] = row.price }
    let drop = (0..<days).map { t in t > 0 && log(eth[t] / eth[t - 1]) < -0.05 }
    for token in ["USDC", "USDT", "DAI"] {
      var liquidated = [Bool](repeating: false, count: days)
      for row in out.tables.liquidations where row.tokenDebt == token { liquidated[row.day - start] = true }
      var afterDrop = (hits: 0, days: 0)
      var otherwise = (hits: 0, days: 0)
      for t in 1..<days - 1 {
        if drop[t] {
          afterDrop.days += 1
          afterDrop.hits += liquidated[t + 1] ? 1 : 0
        } else {
          otherwise.days += 1
          otherwise.hits += liquidated[t + 1] ? 1 : 0
        }
      }
      #expect(afterDrop.days >= 30, "too few drops to measure")
      let pDrop = Double(afterDrop.hits) / Double(afterDrop.days)
      let pOther = Double(otherwise.hits) / Double(otherwise.days)
      #expect(pOther > 0.01, "\(token): liquidations should also happen on ordinary days")
      #expect(pDrop >= 3 * pOther, "\(token) seed \(seed): \(pDrop) after drops vs \(pOther) otherwise")
    }
  }
}
