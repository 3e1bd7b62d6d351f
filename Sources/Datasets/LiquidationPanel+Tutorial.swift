import AlmanacCore

extension MergedFrame {
  /// The tutorial's `feature_engineering`, exactly: over the whole merged frame in row order (tokens interleaved),
  /// `x_avg_kd = x.rolling(k, min_periods=1).mean()` for the volumes and market cap (k = 3, 7),
  /// `daily_return = log(price / price.shift(1))` (NaN on the first row; ±inf or NaN where a price is 0),
  /// `volatility_kday = daily_return.rolling(k, min_periods=1).std()` (NaN when the window has fewer than two finite
  /// returns); then rows before the earliest liquidation day are dropped. Windows and returns therefore mix tokens:
  /// the flaw the per-token pipeline fixes.
  func tutorialPanel() -> LiquidationPanel {
    var all: [String: [Double]] = [
      "deposits_volume": deposits, "borrows_volume": borrows, "price": price, "market_cap": marketCap,
      "volumes_last_24h": volume,
    ]
    let averaged = [
      ("deposits_volume", deposits), ("borrows_volume", borrows), ("market_cap", marketCap),
      ("volumes_last_24h", volume),
    ]
    for k in [3, 7] {
      for (name, values) in averaged { all["\(name)_avg_\(k)d"] = PandasRolling.mean(values, window: k) }
    }
    var returns = [Double](repeating: .nan, count: count)
    for i in 1..<max(1, count) { returns[i] = Math.log(price[i] / price[i - 1]) }
    all["daily_return"] = returns
    all["volatility_3day"] = PandasRolling.std(returns, window: 3)
    all["volatility_7day"] = PandasRolling.std(returns, window: 7)

    let rows = keptRows
    let names = FeatureSets.tutorial
    let columns = names.map { name in
      let column = all[name] ?? []
      return rows.map { column[$0] }
    }
    return LiquidationPanel(
      pipeline: .tutorial, days: rows.map { day[$0] }, tokens: rows.map { token[$0] }, labels: labels(rows),
      featureNames: names, columns: columns, earliestDay: earliestDay)
  }
}
