/// How the liquidation panel's derived features are computed. Both use the same merged rows, label and split.
public enum PanelPipeline: String, Sendable, CaseIterable, Hashable {
  /// Rolling means, returns and volatilities within each token, over calendar-day windows in date order: no window
  /// and no return crosses from one token to another. The default.
  case perToken = "per-token"
  /// The tutorial's computation, reproduced exactly: every rolling window and log return runs over the merged
  /// frame's rows in its order, mixing tokens. Kept to reproduce the tutorial's numbers.
  case tutorial
}

/// Errors building or splitting the panel.
public enum DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A feature name that the panel does not have; `valid` lists the names it has.
  case unknownFeature(String, valid: [String])
  /// The liquidation table has no row with a collateral and debt token of the tutorial's lists.
  case noLiquidations
  /// The split leaves no training rows (or no test rows).
  case emptySplit(train: Int, test: Int, testDays: Int)
  /// `testDays` is negative.
  case invalidTestDays(Int)
  /// A feature named like one of the CSV export's leading columns (``LiquidationPanel/csvLeadingColumns``).
  case reservedColumnName(String)

  public var description: String {
    switch self {
    case .unknownFeature(let name, let valid):
      return "unknown feature '\(name)'; valid features: \(valid.joined(separator: ", "))"
    case .noLiquidations:
      return "no liquidation has a collateral token in \(TutorialFilter.collateralTokens.joined(separator: ", ")) "
        + "and a debt token in \(TutorialFilter.debtTokens.joined(separator: ", ")); cannot build the panel"
    case .emptySplit(let train, let test, let testDays):
      return "test_days \(testDays) leaves \(train) training and \(test) test rows; both must be non-empty"
    case .invalidTestDays(let n):
      return "test_days must be >= 0, got \(n)"
    case .reservedColumnName(let name):
      return "a feature is named '\(name)', a column the CSV export writes itself "
        + "(\(LiquidationPanel.csvLeadingColumns.joined(separator: ", ")))"
    }
  }
}

/// The tutorial's token lists (its `load_and_df_processing`).
public enum TutorialFilter {
  /// Liquidations are kept when their collateral token is one of these...
  public static let collateralTokens = ["WETH", "USDC", "LINK", "WBTC", "stETH"]
  /// ...and their debt token one of these.
  public static let debtTokens = ["USDC", "USDT", "DAI", "WETH", "WBTC"]
  /// Deposits/borrows symbols kept (case-sensitive, as the tutorial's `token_list`).
  public static let symbols = ["WETH", "USDC", "LINK", "WBTC", "stETH", "USDT", "DAI"]
  /// Token daily rows kept (the same list upper-cased).
  public static let upperSymbols = symbols.map { $0.uppercased() }
  /// Days of deposits and token data kept before the earliest liquidation day (warm-up for the windows).
  public static let warmUpDays = 7
}

/// One row per debt token and day (plus the tutorial's duplicates), with a binary label and feature columns.
///
/// Rows: the tutorial's merge (see `docs/data.md`): liquidations with the tutorial's tokens summed per
/// (day, collateral, debt token); days without a liquidation filled per debt token from the earliest liquidation
/// day with zero debt; outer joins with deposits/borrows (v2 + v3 summed per day and symbol) and token daily data
/// from 7 days before that day, NaN -> 0, symbols upper-cased; rows before the earliest liquidation day dropped
/// after the features are computed. A (day, token) with liquidations against several collateral tokens keeps one row
/// per collateral token, as the tutorial does. Rows are ordered by (day, token).
///
/// Label: 1 when the row's summed `debt_value_USD` is non-zero, else 0.
///
/// A panel can also come from a user's CSV table (``init(csv:options:)``, docs/csv-source.md): its time as the days,
/// its group as the tokens, its label and feature columns.
public struct LiquidationPanel: Sendable {
  /// How the derived features were computed.
  public var pipeline: PanelPipeline
  /// Day of each row (days since 1970-01-01).
  public var days: [Int]
  /// Upper-case debt token of each row.
  public var tokens: [String]
  /// 0 or 1 per row.
  public var labels: [Double]
  /// Names of the feature columns, in order.
  public var featureNames: [String]
  /// Feature columns, parallel to ``featureNames``, each with one value per row.
  public var columns: [[Double]]
  /// The earliest liquidation day (the first day of the panel).
  public var earliestDay: Int

  public init(
    pipeline: PanelPipeline, days: [Int], tokens: [String], labels: [Double], featureNames: [String],
    columns: [[Double]], earliestDay: Int
  ) {
    self.pipeline = pipeline
    self.days = days
    self.tokens = tokens
    self.labels = labels
    self.featureNames = featureNames
    self.columns = columns
    self.earliestDay = earliestDay
  }

  /// Number of rows.
  public var count: Int { days.count }

  /// The values of one feature; throws ``DatasetError/unknownFeature(_:valid:)`` for a name the panel lacks.
  public func column(_ name: String) throws -> [Double] {
    guard let i = featureNames.firstIndex(of: name) else {
      throw DatasetError.unknownFeature(name, valid: featureNames)
    }
    return columns[i]
  }

  /// Builds the panel from the tables.
  ///
  /// - Throws: ``DatasetError/noLiquidations`` when no liquidation passes the tutorial's token filters.
  public static func build(from tables: AaveTables, pipeline: PanelPipeline = .perToken) throws -> LiquidationPanel {
    let frame = try MergedFrame(tables)
    switch pipeline {
    case .tutorial: return frame.tutorialPanel()
    case .perToken: return frame.perTokenPanel()
    }
  }
}
