import AlmanacCore

/// A synthetic Aave market: the embedded default dataset of Almanac (the real export may not be redistributed).
///
/// `generate` simulates, day by day and deterministically from a seed, the prices of volatile assets (GARCH(1,1)
/// volatility with crash jumps through a common market factor), stETH tracking ETH, stablecoins near their peg with
/// rare de-pegs, per-asset reserves whose utilisation mean-reverts and reacts to rates, Aave's piecewise-linear
/// interest rates and indexes, and a population of leveraged borrowers who are liquidated when their health factor
/// falls below 1. The result has the schema of the real Giza export (``AaveTables``) plus a daily rates table in
/// the schema of `aave_v3_daily_rates_2023.csv`. The model and its sources are described in
/// `docs/synthetic-market.md`.
public enum SyntheticMarket {
  /// What to simulate.
  public struct Config: Sendable, Hashable {
    /// Seed of the only random source (`SplitMix64`): the same config gives bit-identical output.
    public var seed: UInt64
    /// Number of simulated days (default 730). Zero or negative gives empty tables.
    public var days: Int
    /// Token symbols to output (default ``defaultTokens``). Unknown symbols become generic volatile assets with
    /// LINK-like parameters; matching is case-insensitive and the canonical spelling (`stETH`) is used.
    public var tokens: [String]
    /// First day, in whole days since 1970-01-01 (default 19358 = 2023-01-01, when the real export begins).
    public var startDay: Int

    public init(
      seed: UInt64, days: Int = 730, tokens: [String] = SyntheticMarket.defaultTokens,
      startDay: Int = 19358
    ) {
      self.seed = seed
      self.days = days
      self.tokens = tokens
      self.startDay = startDay
    }
  }

  /// The tokens of the real export the tutorial uses: volatile WETH, WBTC, LINK, stETH and stablecoins USDC, USDT, DAI.
  public static let defaultTokens = ["WETH", "WBTC", "LINK", "stETH", "USDC", "USDT", "DAI"]

  /// The simulated tables.
  public struct Output: Sendable {
    /// Liquidations (v2 and v3), daily deposits/borrows (v2 and v3) and token daily prices, market caps, volumes.
    public var tables: AaveTables
    /// One row per day and token: variable, stable and supply rates (decimal APR) and the liquidity and variable
    /// borrow indexes before that day's interest accrues (both start at 1 on the first day).
    public var rates: [DailyRate]
    /// The reserve utilisation behind `rates`, per symbol, one value per day.
    public var utilisation: [String: [Double]]

    public init(tables: AaveTables, rates: [DailyRate], utilisation: [String: [Double]]) {
      self.tables = tables
      self.rates = rates
      self.utilisation = utilisation
    }
  }

  /// Simulates the market described by `config` (see the type's documentation and `docs/synthetic-market.md`).
  ///
  /// Deterministic: the same `config` always gives identical output. Rows are ordered by day; within a day,
  /// by the order of `config.tokens`. Duplicate tokens are kept once.
  public static func generate(_ config: Config) -> Output {
    var simulation = Simulation(config: config)
    return simulation.run()
  }
}
