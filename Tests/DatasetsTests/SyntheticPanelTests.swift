import Datasets
import Foundation
import Testing

/// The synthetic market as the liquidation experiment's default dataset: the per-token panel built from it must have
/// enough positives in training and in the last 40 days (the test set), and its labels must follow price drops.
@Suite struct SyntheticPanelTests {
  /// Positive share of the panel's rows: 15-35 % overall (the real tables give 22.7 % in training, 29.1 % in test)
  /// and at least 10 % in the test set (no calm end without liquidations), for the default 730-day configuration.
  @Test(arguments: [UInt64(1), 2, 3, 4, 5, 7])
  func panelHasEnoughPositives(seed: UInt64) throws {
    let output = SyntheticMarket.generate(.init(seed: seed))
    let panel = try LiquidationPanel.build(from: output.tables, pipeline: .perToken)
    let features = try #require(FeatureSets.builtIn["7d"])
    let split = try panel.split(testDays: 40, features: features, scaling: .minmax)
    let trainPositives = split.trainY.reduce(0, +)
    let testPositives = split.testY.reduce(0, +)
    let overall = (trainPositives + testPositives) / Double(split.trainCount + split.testCount)
    let test = testPositives / Double(split.testCount)
    #expect(split.testCount >= 41 * 7, "seed \(seed): \(split.testCount) test rows")
    #expect(overall >= 0.15 && overall <= 0.35, "seed \(seed): \(overall) of all rows positive")
    #expect(test >= 0.10, "seed \(seed): only \(test) of the last 40 days' rows positive")
    // Every label is 0 or 1; LINK and stETH are never a debt token of the tutorial's filter, so never positive.
    #expect(panel.labels.allSatisfy { $0 == 0 || $0 == 1 })
    for (token, label) in zip(panel.tokens, panel.labels) where token == "LINK" || token == "STETH" {
      #expect(label == 0)
    }
  }

  /// The key property in the panel's own terms: pooling the (day, token) keys of the stablecoin debt tokens (USDC,
  /// USDT, DAI), a key is at least 3 times as likely to be labelled positive the day after WETH's log return (from
  /// the panel's WETH `price` column) fell below -5 % as on other days. Default 730-day configuration.
  @Test(arguments: [UInt64(1), 2, 3, 4])
  func panelLabelsFollowPriceDrops(seed: UInt64) throws {
    let output = SyntheticMarket.generate(.init(seed: seed))
    let panel = try LiquidationPanel.build(from: output.tables, pipeline: .perToken)
    let price = try panel.column("price")
    var eth: [Int: Double] = [:]
    for i in 0..<panel.count where panel.tokens[i] == "WETH" { eth[panel.days[i]] = price[i] }
    // One label per (day, token): rows repeating a key (one per collateral token) share it.
    struct Key: Hashable {
      var day: Int
      var token: String
    }
    var label: [Key: Double] = [:]
    for i in 0..<panel.count where ["USDC", "USDT", "DAI"].contains(panel.tokens[i]) {
      label[Key(day: panel.days[i], token: panel.tokens[i])] = panel.labels[i]
    }
    var afterDrop = (positive: 0.0, rows: 0.0)
    var otherwise = (positive: 0.0, rows: 0.0)
    var dropDays = Set<Int>()
    for (key, positive) in label {
      let day = key.day
      guard let p1 = eth[day - 1], let p0 = eth[day - 2], p0 > 0, p1 > 0 else { continue }
      if log(p1 / p0) < -0.05 {
        dropDays.insert(day - 1)
        afterDrop.rows += 1
        afterDrop.positive += positive
      } else {
        otherwise.rows += 1
        otherwise.positive += positive
      }
    }
    #expect(dropDays.count >= 20, "seed \(seed): only \(dropDays.count) drops of more than 5 %")
    let pDrop = afterDrop.positive / afterDrop.rows
    let pOther = otherwise.positive / otherwise.rows
    #expect(pOther > 0.05, "seed \(seed): liquidations should also happen on ordinary days (\(pOther))")
    #expect(pDrop >= 3 * pOther, "seed \(seed): \(pDrop) of rows positive after drops vs \(pOther) otherwise")
  }
}
