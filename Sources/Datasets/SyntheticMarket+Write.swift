import Foundation

extension SyntheticMarket {
  /// File names and headers of the real Giza export (`../shared/data/aave`) plus the daily rates table in the schema
  /// of `aave_v3_daily_rates_2023.csv`, as written by ``write(_:to:)``.
  public enum FileSchema {
    public static let liquidationsHeader = [
      "day", "liquidator", "user", "token_col", "token_debt", "col_contract_address", "collateral_amount",
      "col_value_USD", "col_current_value_USD", "debt_contract_address", "debt_amount", "debt_value_USD",
      "debt_current_value_USD",
    ]
    public static let depositsBorrowsHeader = [
      "day", "symbol", "contract_address", "deposits_volume", "borrows_volume",
    ]
    public static let tokenDailyHeader = ["date", "price", "market_cap", "volumes_last_24h", "token"]
    public static let ratesHeader = [
      "date", "symbol", "contract_address", "avg_stableBorrowRate", "avg_variableBorrowRate", "avg_supplyRate",
      "avg_liquidityIndex", "avg_variableBorrowIndex",
    ]
    public static func liquidationsFile(version: Int) -> String { "aave_liquidations_v\(version).csv" }
    public static func depositsBorrowsFile(version: Int) -> String { "aave_daily_deposits_borrows_v\(version).csv" }
    public static let tokenDailyFile = "tokens_daily_volume.csv"
    public static let ratesFile = "aave_daily_rates.csv"
  }

  /// Writes `output` into `directory` (created if missing) as the real export's files:
  /// `aave_liquidations_v2.csv` and `_v3.csv` (`day` as a nanosecond Unix epoch), `aave_daily_deposits_borrows_v2.csv`
  /// and `_v3.csv` and `tokens_daily_volume.csv` (ISO dates), plus `aave_daily_rates.csv`. Doubles are written in
  /// shortest round-trip form. Existing files of the same names are replaced.
  public static func write(_ output: Output, to directory: URL) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let tables = output.tables
    let f = CSVWriter.field
    for version in [2, 3] {
      var csv = CSVWriter(header: FileSchema.liquidationsHeader)
      for row in tables.liquidations where row.version == version {
        csv.append([
          String(row.day * 86_400 * 1_000_000_000), row.liquidator, row.user, row.tokenCol, row.tokenDebt,
          row.colContractAddress, f(row.collateralAmount), f(row.colValueUSD), f(row.colCurrentValueUSD),
          row.debtContractAddress, f(row.debtAmount), f(row.debtValueUSD), f(row.debtCurrentValueUSD),
        ])
      }
      try csv.write(to: directory.appendingPathComponent(FileSchema.liquidationsFile(version: version)))

      var flows = CSVWriter(header: FileSchema.depositsBorrowsHeader)
      for row in tables.depositsBorrows where row.version == version {
        flows.append([
          CSVWriter.isoDate(day: row.day), row.symbol, row.contractAddress, f(row.depositsVolume),
          f(row.borrowsVolume),
        ])
      }
      try flows.write(to: directory.appendingPathComponent(FileSchema.depositsBorrowsFile(version: version)))
    }
    var daily = CSVWriter(header: FileSchema.tokenDailyHeader)
    for row in tables.tokenDaily {
      daily.append([CSVWriter.isoDate(day: row.day), f(row.price), f(row.marketCap), f(row.volumesLast24h), row.token])
    }
    try daily.write(to: directory.appendingPathComponent(FileSchema.tokenDailyFile))
    var rates = CSVWriter(header: FileSchema.ratesHeader)
    for row in output.rates {
      rates.append([
        CSVWriter.isoDate(day: row.day), row.symbol, row.contractAddress, f(row.stableBorrowRate),
        f(row.variableBorrowRate), f(row.supplyRate), f(row.liquidityIndex), f(row.variableBorrowIndex),
      ])
    }
    try rates.write(to: directory.appendingPathComponent(FileSchema.ratesFile))
  }
}
