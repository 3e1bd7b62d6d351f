/// The Giza-export Aave tables, in memory, in the schema of the CSV files (see `../shared/README.md`).
///
/// Days are whole days since 1970-01-01 (UTC). Both the real export (loaded by `AaveTables.load(directory:)`) and the
/// synthetic market (`SyntheticMarket`) produce this type, so everything downstream works on either.
public struct AaveTables: Sendable {
  /// One row per liquidation, v2 and v3 together (see ``Liquidation/version``).
  public var liquidations: [Liquidation]
  /// Daily deposit and borrow volumes per symbol (USD), v2 and v3 rows kept separate.
  public var depositsBorrows: [DepositsBorrows]
  /// Daily price, market cap and 24h volume per token (upper-case symbols).
  public var tokenDaily: [TokenDaily]

  public init(liquidations: [Liquidation], depositsBorrows: [DepositsBorrows], tokenDaily: [TokenDaily]) {
    self.liquidations = liquidations
    self.depositsBorrows = depositsBorrows
    self.tokenDaily = tokenDaily
  }
}

/// A row of `aave_liquidations_v2.csv` / `_v3.csv`.
public struct Liquidation: Sendable, Hashable {
  public var day: Int
  /// Protocol version, 2 or 3 (which file the row came from).
  public var version: Int
  public var liquidator: String
  public var user: String
  public var tokenCol: String
  public var tokenDebt: String
  public var colContractAddress: String
  public var collateralAmount: Double
  public var colValueUSD: Double
  public var colCurrentValueUSD: Double
  public var debtContractAddress: String
  public var debtAmount: Double
  public var debtValueUSD: Double
  public var debtCurrentValueUSD: Double

  public init(
    day: Int, version: Int, liquidator: String, user: String, tokenCol: String, tokenDebt: String,
    colContractAddress: String, collateralAmount: Double, colValueUSD: Double, colCurrentValueUSD: Double,
    debtContractAddress: String, debtAmount: Double, debtValueUSD: Double, debtCurrentValueUSD: Double
  ) {
    self.day = day
    self.version = version
    self.liquidator = liquidator
    self.user = user
    self.tokenCol = tokenCol
    self.tokenDebt = tokenDebt
    self.colContractAddress = colContractAddress
    self.collateralAmount = collateralAmount
    self.colValueUSD = colValueUSD
    self.colCurrentValueUSD = colCurrentValueUSD
    self.debtContractAddress = debtContractAddress
    self.debtAmount = debtAmount
    self.debtValueUSD = debtValueUSD
    self.debtCurrentValueUSD = debtCurrentValueUSD
  }
}

/// A row of `aave_daily_deposits_borrows_v2.csv` / `_v3.csv`.
public struct DepositsBorrows: Sendable, Hashable {
  public var day: Int
  public var version: Int
  public var symbol: String
  public var contractAddress: String
  public var depositsVolume: Double
  public var borrowsVolume: Double

  public init(
    day: Int, version: Int, symbol: String, contractAddress: String, depositsVolume: Double,
    borrowsVolume: Double
  ) {
    self.day = day
    self.version = version
    self.symbol = symbol
    self.contractAddress = contractAddress
    self.depositsVolume = depositsVolume
    self.borrowsVolume = borrowsVolume
  }
}

/// A row of `tokens_daily_volume.csv`.
public struct TokenDaily: Sendable, Hashable {
  public var day: Int
  public var price: Double
  public var marketCap: Double
  public var volumesLast24h: Double
  public var token: String

  public init(day: Int, price: Double, marketCap: Double, volumesLast24h: Double, token: String) {
    self.day = day
    self.price = price
    self.marketCap = marketCap
    self.volumesLast24h = volumesLast24h
    self.token = token
  }
}

/// A row of a daily rates table in the schema of `aave_v3_daily_rates_2023.csv` (rates as decimal APR).
public struct DailyRate: Sendable, Hashable {
  public var day: Int
  public var symbol: String
  public var contractAddress: String
  public var stableBorrowRate: Double
  public var variableBorrowRate: Double
  public var supplyRate: Double
  public var liquidityIndex: Double
  public var variableBorrowIndex: Double

  public init(
    day: Int, symbol: String, contractAddress: String, stableBorrowRate: Double, variableBorrowRate: Double,
    supplyRate: Double, liquidityIndex: Double, variableBorrowIndex: Double
  ) {
    self.day = day
    self.symbol = symbol
    self.contractAddress = contractAddress
    self.stableBorrowRate = stableBorrowRate
    self.variableBorrowRate = variableBorrowRate
    self.supplyRate = supplyRate
    self.liquidityIndex = liquidityIndex
    self.variableBorrowIndex = variableBorrowIndex
  }
}
