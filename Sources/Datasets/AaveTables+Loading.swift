import AlmanacCore
import Foundation

extension AaveTables {
  /// The files ``load(directory:)`` reads, in the Giza-export schema (see `../shared/README.md`).
  public enum FileName {
    public static let liquidationsV2 = "aave_liquidations_v2.csv"
    public static let liquidationsV3 = "aave_liquidations_v3.csv"
    public static let depositsBorrowsV2 = "aave_daily_deposits_borrows_v2.csv"
    public static let depositsBorrowsV3 = "aave_daily_deposits_borrows_v3.csv"
    public static let tokenDaily = "tokens_daily_volume.csv"
  }

  /// Loads the Giza-export tables from a directory: `aave_liquidations_v2/_v3.csv` (`day` as a nanosecond epoch or
  /// a date), `aave_daily_deposits_borrows_v2/_v3.csv` and `tokens_daily_volume.csv` (`tokens_ohcl.csv` is not
  /// needed and ignored).
  ///
  /// Rows keep the files' order, v2 before v3. Empty numeric cells become NaN. All or nothing: the first problem
  /// throws a ``CSVError`` naming file, line and column, and no table is returned.
  public static func load(directory: URL) throws -> AaveTables {
    // The five files are read and parsed concurrently, each into its own slot; errors are reported in file order.
    enum Part {
      case liquidations([Liquidation])
      case depositsBorrows([DepositsBorrows])
      case tokenDaily([TokenDaily])
    }
    let jobs: [(name: String, parse: @Sendable (CSVTable) throws -> Part)] = [
      (FileName.liquidationsV2, { .liquidations(try loadLiquidations($0, version: 2)) }),
      (FileName.liquidationsV3, { .liquidations(try loadLiquidations($0, version: 3)) }),
      (FileName.depositsBorrowsV2, { .depositsBorrows(try loadDepositsBorrows($0, version: 2)) }),
      (FileName.depositsBorrowsV3, { .depositsBorrows(try loadDepositsBorrows($0, version: 3)) }),
      (FileName.tokenDaily, { .tokenDaily(try loadTokenDaily($0)) }),
    ]
    let results = ResultSlots<Part>(count: jobs.count)
    DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
      results.set(i, Result { try jobs[i].parse(CSVTable(contentsOf: directory.appendingPathComponent(jobs[i].name))) })
    }
    var liquidations: [Liquidation] = []
    var depositsBorrows: [DepositsBorrows] = []
    var tokenDaily: [TokenDaily] = []
    for result in results.values {
      switch try result.get() {
      case .liquidations(let rows): liquidations += rows
      case .depositsBorrows(let rows): depositsBorrows += rows
      case .tokenDaily(let rows): tokenDaily += rows
      }
    }
    return AaveTables(liquidations: liquidations, depositsBorrows: depositsBorrows, tokenDaily: tokenDaily)
  }

  /// Rows of an `aave_liquidations_v*.csv` table.
  public static func loadLiquidations(_ t: CSVTable, version: Int) throws -> [Liquidation] {
    let day = try t.days("day")
    let liquidator = try t.strings("liquidator"), user = try t.strings("user")
    let tokenCol = try t.strings("token_col"), tokenDebt = try t.strings("token_debt")
    let colAddress = try t.strings("col_contract_address"), debtAddress = try t.strings("debt_contract_address")
    let collateralAmount = try t.doubles("collateral_amount"), colValue = try t.doubles("col_value_USD")
    let colCurrent = try t.doubles("col_current_value_USD")
    let debtAmount = try t.doubles("debt_amount"), debtValue = try t.doubles("debt_value_USD")
    let debtCurrent = try t.doubles("debt_current_value_USD")
    return (0..<t.rowCount).map { r in
      Liquidation(
        day: day[r], version: version, liquidator: liquidator[r], user: user[r], tokenCol: tokenCol[r],
        tokenDebt: tokenDebt[r], colContractAddress: colAddress[r], collateralAmount: collateralAmount[r],
        colValueUSD: colValue[r], colCurrentValueUSD: colCurrent[r], debtContractAddress: debtAddress[r],
        debtAmount: debtAmount[r], debtValueUSD: debtValue[r], debtCurrentValueUSD: debtCurrent[r])
    }
  }

  /// Rows of an `aave_daily_deposits_borrows_v*.csv` table.
  public static func loadDepositsBorrows(_ t: CSVTable, version: Int) throws -> [DepositsBorrows] {
    let day = try t.days("day"), symbol = try t.strings("symbol"), address = try t.strings("contract_address")
    let deposits = try t.doubles("deposits_volume"), borrows = try t.doubles("borrows_volume")
    return (0..<t.rowCount).map { r in
      DepositsBorrows(
        day: day[r], version: version, symbol: symbol[r], contractAddress: address[r], depositsVolume: deposits[r],
        borrowsVolume: borrows[r])
    }
  }

  /// Rows of `tokens_daily_volume.csv`.
  public static func loadTokenDaily(_ t: CSVTable) throws -> [TokenDaily] {
    let day = try t.days("date"), price = try t.doubles("price"), marketCap = try t.doubles("market_cap")
    let volume = try t.doubles("volumes_last_24h"), token = try t.strings("token")
    return (0..<t.rowCount).map { r in
      TokenDaily(day: day[r], price: price[r], marketCap: marketCap[r], volumesLast24h: volume[r], token: token[r])
    }
  }
}

/// Fixed slots written concurrently, one writer per slot, read after all writers finished (guarded by ``Locked``).
final class ResultSlots<T: Sendable>: Sendable {
  private let slots: Locked<[Result<T, any Error>?]>

  init(count: Int) { slots = Locked(Array(repeating: nil, count: count)) }

  func set(_ i: Int, _ value: Result<T, any Error>) { slots.withLock { $0[i] = value } }

  /// All slots in order (a missing slot, which cannot happen after `concurrentPerform`, is skipped).
  var values: [Result<T, any Error>] { slots.withLock { $0.compactMap { $0 } } }
}
