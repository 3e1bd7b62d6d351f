import AlmanacCore

extension SyntheticMarket {
  /// Aave's piecewise-linear interest-rate model (`DefaultReserveInterestRateStrategy` of Aave v3.0), in decimal APR.
  ///
  /// With utilisation `U` (total debt / total supply, clamped to [0, 1]), optimal utilisation `U*`, and
  /// `E = (U - U*) / (1 - U*)` above the kink:
  /// - variable borrow rate `base + slope1 * U / U*` for `U <= U*`, else `base + slope1 + slope2 * E`;
  /// - stable borrow rate `(slope1 + baseStableOffset) + stableSlope1 * U / U*` for `U <= U*`, else
  ///   `(slope1 + baseStableOffset) + stableSlope1 + stableSlope2 * E` (the stable-to-total-debt excess offset never
  ///   applies here: the synthetic market has no stable debt, as stable borrowing was closed on Aave v3 Ethereum);
  /// - supply (liquidity) rate `variable * U * (1 - reserveFactor)` (the overall borrow rate is the variable rate
  ///   when there is no stable debt).
  /// NaN utilisation gives NaN rates; negative utilisation is treated as 0 and utilisation above 1 as 1.
  public struct InterestRateModel: Sendable, Hashable {
    public var optimalUtilisation: Double
    public var baseVariableRate: Double
    public var variableSlope1: Double
    public var variableSlope2: Double
    public var stableSlope1: Double
    public var stableSlope2: Double
    public var baseStableOffset: Double
    public var reserveFactor: Double

    public init(
      optimalUtilisation: Double, baseVariableRate: Double, variableSlope1: Double, variableSlope2: Double,
      stableSlope1: Double, stableSlope2: Double, baseStableOffset: Double, reserveFactor: Double
    ) {
      self.optimalUtilisation = optimalUtilisation
      self.baseVariableRate = baseVariableRate
      self.variableSlope1 = variableSlope1
      self.variableSlope2 = variableSlope2
      self.stableSlope1 = stableSlope1
      self.stableSlope2 = stableSlope2
      self.baseStableOffset = baseStableOffset
      self.reserveFactor = reserveFactor
    }

    /// The three rates at utilisation `u` (see the type's documentation).
    public func rates(utilisation u: Double) -> (variableBorrow: Double, stableBorrow: Double, supply: Double) {
      let u = u.isNaN ? u : Swift.min(Swift.max(u, 0), 1)
      let uStar = optimalUtilisation
      let baseStable = variableSlope1 + baseStableOffset
      let variable: Double
      let stable: Double
      if u > uStar {
        let excess = (u - uStar) / (1 - uStar)
        variable = baseVariableRate + variableSlope1 + variableSlope2 * excess
        stable = baseStable + stableSlope1 + stableSlope2 * excess
      } else {
        variable = baseVariableRate + variableSlope1 * u / uStar
        stable = baseStable + stableSlope1 * u / uStar
      }
      return (variable, stable, variable * u * (1 - reserveFactor))
    }
  }

  /// How an asset's price moves.
  public enum PriceKind: Sendable, Hashable {
    /// Loads on the common market factor with the given beta, plus its own GARCH(1,1) noise.
    case volatile(beta: Double, idiosyncraticVolatility: Double)
    /// Tracks another asset's price times `exp(d)`, `d` a mean-reverting discount with rare widenings (stETH/ETH).
    case tracking(String)
    /// Pegged at 1 USD with small AR(1) noise and rare short de-pegs.
    case stable
  }

  /// One asset of the synthetic market: its symbols, contract, rate model, risk parameters and size.
  public struct Asset: Sendable, Hashable {
    /// Symbol as in the Aave tables (`stETH` keeps its case there).
    public var symbol: String
    public var contractAddress: String
    public var kind: PriceKind
    public var rateModel: InterestRateModel
    /// Liquidation threshold (collateral weight in the health factor).
    public var liquidationThreshold: Double
    /// Liquidation bonus paid to liquidators on seized collateral (0.05 = 5 %).
    public var liquidationBonus: Double
    /// Price on the first day (USD).
    public var initialPrice: Double
    /// Circulating supply (tokens) for the market cap.
    public var circulatingSupply: Double
    /// Tokens supplied to the Aave reserve on the first day.
    public var reserveSupply: Double
    /// Long-run utilisation the reserve mean-reverts to.
    public var targetUtilisation: Double
    /// Whether the asset is listed on v3 as well as v2 (stETH is v2 only, like the real export).
    public var onV3: Bool

    /// The token symbol as the CoinGecko-derived daily table writes it (upper case).
    public var dailySymbol: String { symbol.uppercased() }
  }

  /// The default assets, with Aave v3 Ethereum parameters (sources in `docs/synthetic-market.md`).
  public static let defaultAssets: [Asset] = [
    Asset(
      symbol: "WETH", contractAddress: "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",
      kind: .volatile(beta: 1.0, idiosyncraticVolatility: 0.008),
      rateModel: InterestRateModel(
        optimalUtilisation: 0.80, baseVariableRate: 0, variableSlope1: 0.033,
        variableSlope2: 0.80, stableSlope1: 0.04, stableSlope2: 0.80,
        baseStableOffset: 0.03, reserveFactor: 0.15),
      liquidationThreshold: 0.83, liquidationBonus: 0.05, initialPrice: 1200, circulatingSupply: 120_000_000,
      reserveSupply: 900_000, targetUtilisation: 0.55, onV3: true),
    Asset(
      symbol: "WBTC", contractAddress: "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599",
      kind: .volatile(beta: 0.8, idiosyncraticVolatility: 0.012),
      rateModel: InterestRateModel(
        optimalUtilisation: 0.45, baseVariableRate: 0, variableSlope1: 0.04,
        variableSlope2: 3.00, stableSlope1: 0.07, stableSlope2: 3.00,
        baseStableOffset: 0.02, reserveFactor: 0.20),
      liquidationThreshold: 0.78, liquidationBonus: 0.05, initialPrice: 16_500, circulatingSupply: 19_300_000,
      reserveSupply: 40_000, targetUtilisation: 0.20, onV3: true),
    Asset(
      symbol: "LINK", contractAddress: "0x514910771af9ca656af840dff83e8264ecf986ca",
      kind: .volatile(beta: 1.2, idiosyncraticVolatility: 0.025),
      rateModel: InterestRateModel(
        optimalUtilisation: 0.45, baseVariableRate: 0, variableSlope1: 0.07,
        variableSlope2: 3.00, stableSlope1: 0.07, stableSlope2: 3.00,
        baseStableOffset: 0.02, reserveFactor: 0.20),
      liquidationThreshold: 0.68, liquidationBonus: 0.07, initialPrice: 5.5, circulatingSupply: 510_000_000,
      reserveSupply: 20_000_000, targetUtilisation: 0.08, onV3: true),
    Asset(
      symbol: "stETH", contractAddress: "0xae7ab96520de3a18e5e111b5eaab095312d7fe84",
      kind: .tracking("WETH"),
      rateModel: InterestRateModel(
        optimalUtilisation: 0.45, baseVariableRate: 0.0025, variableSlope1: 0.045,
        variableSlope2: 0.80, stableSlope1: 0.04, stableSlope2: 0.80,
        baseStableOffset: 0.03, reserveFactor: 0.15),
      liquidationThreshold: 0.81, liquidationBonus: 0.06, initialPrice: 1190, circulatingSupply: 9_000_000,
      reserveSupply: 1_000_000, targetUtilisation: 0.05, onV3: false),
    Asset(
      symbol: "USDC", contractAddress: "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
      kind: .stable,
      rateModel: InterestRateModel(
        optimalUtilisation: 0.90, baseVariableRate: 0, variableSlope1: 0.04,
        variableSlope2: 0.60, stableSlope1: 0.005, stableSlope2: 0.60,
        baseStableOffset: 0.01, reserveFactor: 0.10),
      liquidationThreshold: 0.80, liquidationBonus: 0.045, initialPrice: 1, circulatingSupply: 44_000_000_000,
      reserveSupply: 1_500_000_000, targetUtilisation: 0.78, onV3: true),
    Asset(
      symbol: "USDT", contractAddress: "0xdac17f958d2ee523a2206206994597c13d831ec7",
      kind: .stable,
      rateModel: InterestRateModel(
        optimalUtilisation: 0.90, baseVariableRate: 0, variableSlope1: 0.04,
        variableSlope2: 0.60, stableSlope1: 0.04, stableSlope2: 0.72,
        baseStableOffset: 0.01, reserveFactor: 0.10),
      liquidationThreshold: 0.76, liquidationBonus: 0.045, initialPrice: 1, circulatingSupply: 66_000_000_000,
      reserveSupply: 900_000_000, targetUtilisation: 0.80, onV3: true),
    Asset(
      symbol: "DAI", contractAddress: "0x6b175474e89094c44da98b954eedeac495271d0f",
      kind: .stable,
      rateModel: InterestRateModel(
        optimalUtilisation: 0.80, baseVariableRate: 0, variableSlope1: 0.04,
        variableSlope2: 0.75, stableSlope1: 0.005, stableSlope2: 0.75,
        baseStableOffset: 0.01, reserveFactor: 0.10),
      liquidationThreshold: 0.80, liquidationBonus: 0.05, initialPrice: 1, circulatingSupply: 5_500_000_000,
      reserveSupply: 500_000_000, targetUtilisation: 0.70, onV3: true),
  ]

  /// The asset for `symbol` (case-insensitive match against ``defaultAssets``), or a generic volatile asset with
  /// LINK-like parameters and an address derived from the symbol when it is unknown.
  static func asset(for symbol: String) -> Asset {
    if let known = defaultAssets.first(where: { $0.symbol.lowercased() == symbol.lowercased() }) { return known }
    var generic = defaultAssets[2]
    generic.symbol = symbol
    var g = SplitMix64(seed: SplitMix64.derive(0, "synthetic-asset-" + symbol))
    generic.contractAddress = hexAddress(&g)
    generic.kind = .volatile(beta: 1.1, idiosyncraticVolatility: 0.03)
    generic.initialPrice = 10
    return generic
  }

  /// A 20-byte lower-case hex address (`0x` + 40 digits) drawn from `g`.
  static func hexAddress(_ g: inout SplitMix64) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var bytes: [UInt8] = [0x30, 0x78]
    bytes.reserveCapacity(42)
    for _ in 0..<3 {
      let word = g.next()
      for k in 0..<16 where bytes.count < 42 { bytes.append(digits[Int((word >> (60 - 4 * UInt64(k))) & 0xF)]) }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
