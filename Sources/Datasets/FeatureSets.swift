/// Names of the liquidation panel's features and the built-in feature sets.
///
/// Base columns (one value per token and day, from the merged tables): `deposits_volume`, `borrows_volume`, `price`,
/// `market_cap`, `volumes_last_24h`. Derived columns: 3- and 7-day rolling means of the volumes and market cap,
/// `daily_return`, `volatility_3day`, `volatility_7day` (both pipelines); `return_1d`, `return_3d`, `return_7d`,
/// `drawdown_7d`, `borrow_deposit_ratio`, `borrows_change_1d`, `borrows_change_3d` (per-token pipeline only).
/// ``LiquidationPanel`` documents how each is computed.
public enum FeatureSets {
  /// The five base columns.
  public static let base = ["deposits_volume", "borrows_volume", "price", "market_cap", "volumes_last_24h"]

  /// The tutorial's 3-day model inputs (`X3_train` in its `split_7_3`), in its order.
  public static let threeDay =
    base + [
      "deposits_volume_avg_3d", "borrows_volume_avg_3d", "market_cap_avg_3d", "volumes_last_24h_avg_3d",
      "volatility_3day",
    ]

  /// The tutorial's 7-day model inputs (`X7_train`), in its order.
  public static let sevenDay =
    base + [
      "deposits_volume_avg_7d", "borrows_volume_avg_7d", "market_cap_avg_7d", "volumes_last_24h_avg_7d",
      "volatility_7day",
    ]

  /// The tutorial pipeline's feature columns, in the order of its data frame (the 15 it scales, plus
  /// `daily_return`, which it computes but does not use).
  public static let tutorial =
    base + [
      "deposits_volume_avg_3d", "borrows_volume_avg_3d", "market_cap_avg_3d", "volumes_last_24h_avg_3d",
      "deposits_volume_avg_7d", "borrows_volume_avg_7d", "market_cap_avg_7d", "volumes_last_24h_avg_7d",
      "daily_return", "volatility_3day", "volatility_7day",
    ]

  /// The features only the per-token pipeline computes.
  public static let momentum = [
    "return_1d", "return_3d", "return_7d", "drawdown_7d", "borrow_deposit_ratio", "borrows_change_1d",
    "borrows_change_3d",
  ]

  /// Every feature name (the per-token pipeline provides all of them).
  public static let all = tutorial + momentum

  /// `"3d"` and `"7d"`: the tutorial's ten columns each; `"daily"`: the five base columns, one value per token and
  /// day with no window (the inputs of a recurrent model, which reads the days themselves as a sequence).
  public static let builtIn: [String: [String]] = ["3d": threeDay, "7d": sevenDay, "daily": base]

  /// The features of a built-in set name, or the names themselves when they are feature names; throws
  /// ``DatasetError/unknownFeature(_:valid:)`` otherwise.
  public static func resolve(_ names: [String], available: [String] = all) throws -> [String] {
    if names.count == 1, let set = builtIn[names[0]] { return set }
    for name in names where !available.contains(name) {
      throw DatasetError.unknownFeature(name, valid: available)
    }
    return names
  }
}
