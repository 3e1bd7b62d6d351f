import AlmanacCore

extension SyntheticMarket {
  /// Model constants (documented in `docs/synthetic-market.md`). Daily units unless stated.
  enum Constants {
    // Common market factor: GARCH(1,1) on daily log returns, long-run daily volatility `marketVolatility`.
    static let marketVolatility = 0.025
    static let garchAlpha = 0.10
    static let garchBeta = 0.87
    static let idioAlpha = 0.05
    static let idioBeta = 0.90
    // Jumps of the market factor: crash with probability `crashProbability` per day, size -(crashMin + Exp(crashMean)).
    static let crashProbability = 0.012
    static let crashMin = 0.06
    static let crashMean = 0.05
    static let rallyProbability = 0.006
    static let rallyMin = 0.05
    static let rallyMean = 0.03
    /// Daily drift of the market factor: compensates the jumps' mean (-0.00084) and adds 0.0002 (about 7 %/year).
    static let marketDrift = 0.00104
    // stETH/ETH discount d: AR(1) toward `trackMean`, rare widenings.
    static let trackPhi = 0.9
    static let trackMean = -0.002
    static let trackNoise = 0.0008
    static let trackShockProbability = 0.004
    // Stablecoin deviation e from the peg: AR(1), rare de-pegs (more likely on market crash days).
    static let pegPhi = 0.6
    static let pegNoise = 0.0006
    static let depegProbability = 0.0015
    static let depegMin = 0.015
    static let depegMean = 0.03
    // Reserve utilisation, in logit space x = log(U / (1 - U)).
    static let utilisationReversion = 0.05
    static let utilisationNoise = 0.06
    static let rateAversion = 1.5
    static let borrowSurgeProbability = 0.01
    static let supplyNoise = 0.012
    static let turnover = 0.004
    // Borrowers.
    static let arrivalsPerDay = 30.0
    static let meanLifetimeDays = 90.0
    static let initialPositions = 2000
    /// Arrivals scale with exp(momentumSensitivity x the market factor's 14-day log return), the return clipped to
    /// [momentumFloor, momentumCap]: more after rallies, and still some after crashes (dip buyers).
    static let momentumSensitivity = 4.0
    static let momentumFloor = -0.15
    static let momentumCap = 0.3
    static let sameDayLiquidation = 0.15
    static let closeFactor = 0.5
    static let fullCloseBelowHealth = 0.95
    static let careHealth = 1.12
    /// Share of borrowers who never top up collateral (they still re-lever).
    static let passiveShare = 0.1
    /// Upper limit of the health factor a careful borrower tops up to (otherwise halfway to the re-levering band).
    static let restoredHealth = 1.35
    /// Share of the way from 1 to a borrower's target health factor below which a careful borrower tops up (when
    /// that is below `careHealth`).
    static let careFraction = 0.6
    /// A borrower re-levers back to its target health factor when HF exceeds target x (1 + releverageBand).
    static let releverageBand = 0.10
    /// Daily re-levering probability of a borrower: uniform on [0, releverageMax].
    static let releverageMax = 0.3
    /// Initial (target) health factor: `targetHealthMin + Exp(targetHealthMean)`.
    static let targetHealthMin = 1.05
    static let targetHealthMean = 0.4
    /// Borrowers scale their buffer above HF 1 by the conditional daily volatility of log(P_col / P_debt) over the
    /// market factor's long-run volatility, clamped to [bufferScaleMin, bufferScaleMax] (1 for stablecoin pairs).
    static let bufferScaleMin = 0.4
    static let bufferScaleMax = 1.3
    static let leaveAfterLiquidation = 0.3
    static let sizeMedianUSD = 15_000.0
    static let sizeSigma = 1.4
    static let liquidators = 30
  }

  /// Weights for drawing a new position's collateral, and its debt given a volatile or a stablecoin collateral.
  static let collateralWeights: [String: Double] = [
    "WETH": 0.40, "stETH": 0.12, "WBTC": 0.15, "LINK": 0.08, "USDC": 0.15, "DAI": 0.05, "USDT": 0.05,
  ]
  static let debtWeightsVolatileCollateral: [String: Double] = [
    "USDC": 0.35, "USDT": 0.20, "DAI": 0.12, "WETH": 0.20, "WBTC": 0.10, "LINK": 0.03,
  ]
  static let debtWeightsStableCollateral: [String: Double] = [
    "WETH": 0.55, "WBTC": 0.25, "LINK": 0.10, "USDC": 0.04, "USDT": 0.04, "DAI": 0.02,
  ]

  struct Position {
    var user: Int
    var collateral: Int
    var debt: Int
    var version: Int
    var collateralAmount: Double
    var debtAmount: Double
    /// Daily probability of topping up collateral when the health factor is between 1 and the care threshold
    /// (0 for passive borrowers).
    var care: Double
    /// The health factor the borrower opened at and steers back to.
    var target: Double
    /// Daily probability of borrowing more when HF is above `target * (1 + releverageBand)`.
    var releverage: Double
    /// Health factor fell below 1 yesterday and the position was not liquidated yet.
    var pending: Bool
  }

  /// One run of the model: the state of prices, reserves and borrowers, advanced one day at a time by named steps
  /// (``run()`` reads as the day's recipe). Every random draw comes from `g`, in a fixed order, so a config gives
  /// bit-identical output (a fingerprint test pins it).
  struct Simulation {
    typealias C = Constants

    let config: Config
    let assets: [Asset]
    /// Index of the asset each tracking asset follows (or -1).
    let reference: [Int]
    /// The first `outputCount` assets are written; the rest are only simulated.
    let outputCount: Int
    /// The random source of the draw helpers: the market stream, swapped with `borrowerStream` while the borrowers
    /// act (steps 3 and 4 of a day), so that borrower parameters never change the price and reserve paths.
    var g: SplitMix64
    var borrowerStream: SplitMix64

    // Fixed per run.
    let isStable: [Bool]
    /// Long-run daily variance of the market factor.
    let marketLongRun = C.marketVolatility * C.marketVolatility
    /// Weights for a new position's collateral, and its debt given a volatile or a stablecoin collateral.
    let collateralWeight: [Double]
    let debtWeightVolatile: [Double]
    let debtWeightStable: [Double]

    // Prices.
    var logPrice: [Double]
    var previousLogPrice: [Double]
    var dailyReturn: [Double]
    var idioVariance: [Double]
    var idioShock: [Double]
    /// stETH/ETH-style discount of each tracking asset (log units).
    var discount: [Double]
    /// Stablecoin deviation from the peg.
    var pegDeviation: [Double]
    var marketVariance: Double
    var marketShock = 0.0
    var marketLog = 0.0
    /// The market factor's log level at the end of each day (with a leading 0).
    var marketHistory: [Double] = [0]
    var price: [Double]
    var circulating: [Double]

    // Reserves.
    var supply: [Double]
    var previousSupply: [Double]
    var logitU: [Double]
    var previousBorrow: [Double]
    var liquidityIndex: [Double]
    var borrowIndex: [Double]
    var variableRate: [Double]
    var utilisationSeries: [[Double]]
    /// New debt taken today per asset, in USD (re-levering and new positions after day 0).
    var newDebtUSDByAsset: [Double]
    /// One day's growth factor of a variable-rate debt, per asset.
    var debtAccrual: [Double]
    /// Loading on the market factor and idiosyncratic variance of each asset's log price (a tracking asset's are its
    /// reference's; stablecoins 0).
    var factorBeta: [Double]
    var ownVariance: [Double]

    // Borrowers.
    var users: [String] = []
    var liquidatorAddresses: [String] = []
    var positions: [Position] = []

    // Output rows.
    var liquidations: [Liquidation] = []
    var depositsBorrows: [DepositsBorrows] = []
    var tokenDaily: [TokenDaily] = []
    var rates: [DailyRate] = []

    init(config: Config) {
      self.config = config
      var seen = Set<String>()
      var list: [Asset] = []
      for symbol in config.tokens {
        let asset = SyntheticMarket.asset(for: symbol)
        if seen.insert(asset.symbol).inserted { list.append(asset) }
      }
      // Tracked assets not requested are simulated (their price drives the tracker) but not written.
      var hidden: [Asset] = []
      for asset in list {
        if case .tracking(let ref) = asset.kind, !seen.contains(ref) {
          hidden.append(SyntheticMarket.asset(for: ref))
          seen.insert(ref)
        }
      }
      let all = list + hidden
      let n = all.count
      let outputCount = list.count
      self.outputCount = outputCount
      assets = all
      let reference = all.map { asset in
        if case .tracking(let ref) = asset.kind { return all.firstIndex { $0.symbol == ref } ?? -1 }
        return -1
      }
      self.reference = reference
      g = SplitMix64(seed: config.seed)
      borrowerStream = SplitMix64(seed: SplitMix64.derive(config.seed, "synthetic-borrowers"))

      let isStable = all.map { $0.kind == .stable }
      self.isStable = isStable
      collateralWeight = (0..<outputCount).map { SyntheticMarket.collateralWeights[all[$0].symbol] ?? 0.05 }
      debtWeightVolatile = (0..<outputCount).map {
        SyntheticMarket.debtWeightsVolatileCollateral[all[$0].symbol] ?? (isStable[$0] ? 0.1 : 0.03)
      }
      debtWeightStable = (0..<outputCount).map {
        SyntheticMarket.debtWeightsStableCollateral[all[$0].symbol] ?? (isStable[$0] ? 0.02 : 0.1)
      }

      // Price state: tracking assets start at their reference's price times the mean discount.
      var logPrice = all.map { Math.log($0.initialPrice) }
      previousLogPrice = logPrice
      dailyReturn = [Double](repeating: 0, count: n)
      idioVariance = all.map { asset -> Double in
        if case .volatile(_, let v) = asset.kind { return v * v }
        return 0
      }
      idioShock = [Double](repeating: 0, count: n)
      let discount = [Double](repeating: C.trackMean, count: n)
      self.discount = discount
      pegDeviation = [Double](repeating: 0, count: n)
      marketVariance = C.marketVolatility * C.marketVolatility
      for i in 0..<n where reference[i] >= 0 {
        logPrice[i] = logPrice[reference[i]] + discount[i]
      }
      self.logPrice = logPrice
      var price = all.map(\.initialPrice)
      for i in 0..<n where reference[i] >= 0 { price[i] = Math.exp(logPrice[i]) }
      self.price = price
      circulating = all.map(\.circulatingSupply)

      // Reserve state.
      let supply = all.map(\.reserveSupply)
      self.supply = supply
      previousSupply = supply
      let logitU = all.map { logit($0.targetUtilisation) }
      self.logitU = logitU
      previousBorrow = zip(supply, logitU).map { $0 * logistic($1) }
      liquidityIndex = [Double](repeating: 1, count: n)
      borrowIndex = [Double](repeating: 1, count: n)
      variableRate = [Double](repeating: 0, count: n)
      utilisationSeries = [[Double]](repeating: [], count: n)
      newDebtUSDByAsset = [Double](repeating: 0, count: n)
      debtAccrual = [Double](repeating: 1, count: n)
      factorBeta = [Double](repeating: 0, count: n)
      ownVariance = [Double](repeating: 0, count: n)
    }

    // MARK: - Random draws

    mutating func exponential(mean: Double) -> Double { -mean * Math.log(1 - g.nextUnit()) }

    mutating func logNormal(sigma: Double) -> Double { Math.exp(sigma * g.nextGaussian() - 0.5 * sigma * sigma) }

    mutating func poisson(_ lambda: Double) -> Int {
      if lambda <= 0 { return 0 }
      if lambda > 50 { return Swift.max(0, Int((lambda + lambda.squareRoot() * g.nextGaussian()).rounded())) }
      let limit = Math.exp(-lambda)
      var k = 0
      var p = g.nextUnit()
      while p > limit {
        k += 1
        p *= g.nextUnit()
      }
      return k
    }

    mutating func pick(_ weights: [Double]) -> Int? {
      let total = weights.reduce(0, +)
      guard total > 0 else { return nil }
      var u = g.nextUnit() * total
      for (i, w) in weights.enumerated() where w > 0 {
        if u < w { return i }
        u -= w
      }
      return weights.lastIndex { $0 > 0 }
    }

    // MARK: - Run

    /// Simulates `config.days` days from `config.startDay`. Zero or negative days, or no assets, give empty output.
    mutating func run() -> Output {
      let days = Swift.max(config.days, 0)
      guard days > 0, !assets.isEmpty else {
        return Output(
          tables: AaveTables(liquidations: [], depositsBorrows: [], tokenDaily: []), rates: [],
          utilisation: [:])
      }
      depositsBorrows.reserveCapacity(days * outputCount * 2)
      tokenDaily.reserveCapacity(days * outputCount)
      rates.reserveCapacity(days * outputCount)
      marketHistory.reserveCapacity(days)
      positions.reserveCapacity(4096)
      for _ in 0..<C.liquidators { liquidatorAddresses.append(SyntheticMarket.hexAddress(&g)) }

      for t in 0..<days {
        let day = config.startDay + t
        let v3Share = 0.3 + 0.4 * Double(t) / Double(Swift.max(days - 1, 1))
        // 1. Prices (day 0 keeps the initial prices).
        let crashToday = t > 0 ? movePrices() : false
        marketHistory.append(marketLog)
        // 2. Reserves: utilisation responds to yesterday's rates, then today's rates and indexes.
        updateReserves(t: t, day: day, crashToday: crashToday)
        swap(&g, &borrowerStream)
        // 3. Borrowers: accrue, manage, liquidate, leave.
        measureBorrowerRisk()
        manageBorrowers(t: t, day: day)
        // 4. New borrowers: the initial book on day 0, then arrivals that follow the market's momentum.
        openPositions(t: t, count: t == 0 ? C.initialPositions : arrivals(), v3Share: v3Share)
        swap(&g, &borrowerStream)
        // 5. Daily rows: deposits/borrows (v2 and v3) and token daily data.
        appendDailyRows(day: day, v3Share: v3Share)
      }
      return finish()
    }

    // MARK: - Day steps

    /// Step 1: the market factor (GARCH(1,1) plus crash and rally jumps), each volatile asset's own GARCH shock, the
    /// trackers' discounts and the stablecoins' peg deviations; then prices and daily log returns. Returns whether
    /// the market crashed today.
    mutating func movePrices() -> Bool {
      let n = assets.count
      var crashToday = false
      previousLogPrice = logPrice
      marketVariance =
        marketLongRun * (1 - C.garchAlpha - C.garchBeta) + C.garchAlpha * marketShock * marketShock
        + C.garchBeta * marketVariance
      var jump = 0.0
      let u = g.nextUnit()
      if u < C.crashProbability {
        jump = -Swift.min(C.crashMin + exponential(mean: C.crashMean), 0.45)
        crashToday = true
      } else if u < C.crashProbability + C.rallyProbability {
        jump = C.rallyMin + exponential(mean: C.rallyMean)
      }
      marketShock = marketVariance.squareRoot() * g.nextGaussian() + jump
      marketLog += marketShock + C.marketDrift
      for i in 0..<n {
        switch assets[i].kind {
        case .volatile(let beta, let vol):
          let longRun = vol * vol
          idioVariance[i] =
            longRun * (1 - C.idioAlpha - C.idioBeta) + C.idioAlpha * idioShock[i] * idioShock[i]
            + C.idioBeta * idioVariance[i]
          idioShock[i] = idioVariance[i].squareRoot() * g.nextGaussian()
          logPrice[i] +=
            beta * (marketShock + C.marketDrift) + idioShock[i] - 0.5 * (beta * beta * marketVariance + idioVariance[i])
        case .tracking:
          discount[i] = C.trackPhi * discount[i] + (1 - C.trackPhi) * C.trackMean + C.trackNoise * g.nextGaussian()
          let p = crashToday ? 5 * C.trackShockProbability : C.trackShockProbability
          if g.nextUnit() < p { discount[i] -= 0.01 + exponential(mean: 0.015) }
          discount[i] = Swift.max(discount[i], -0.3)
        case .stable:
          pegDeviation[i] = C.pegPhi * pegDeviation[i] + C.pegNoise * g.nextGaussian()
          let p = crashToday ? 5 * C.depegProbability : C.depegProbability
          if g.nextUnit() < p { pegDeviation[i] -= C.depegMin + exponential(mean: C.depegMean) }
          pegDeviation[i] = Swift.max(pegDeviation[i], -0.2)
        }
      }
      for i in 0..<n {
        if reference[i] >= 0 { logPrice[i] = logPrice[reference[i]] + discount[i] }
        if isStable[i] {
          price[i] = 1 + pegDeviation[i]
          logPrice[i] = Math.log(price[i])
        } else {
          price[i] = Math.exp(logPrice[i])
        }
        dailyReturn[i] = logPrice[i] - previousLogPrice[i]
      }
      return crashToday
    }

    /// Step 2: each reserve's utilisation (logit AR(1) toward its target, pushed down by rates above the kink, up by
    /// borrow surges and, for stablecoins, by crashes), supply, circulating supply, yesterday's interest into the
    /// indexes; then today's rates (and a rate row for written assets).
    mutating func updateReserves(t: Int, day: Int, crashToday: Bool) {
      for i in 0..<assets.count {
        let model = assets[i].rateModel
        if t > 0 {
          let optimalRate = model.baseVariableRate + model.variableSlope1
          var x = logitU[i]
          x += C.utilisationReversion * (logit(assets[i].targetUtilisation) - x)
          x -= C.rateAversion * Swift.max(0, variableRate[i] - optimalRate)
          x += C.utilisationNoise * g.nextGaussian()
          if g.nextUnit() < C.borrowSurgeProbability { x += 0.5 + exponential(mean: 0.5) }
          if crashToday && isStable[i] { x += 0.3 }
          logitU[i] = Swift.min(Swift.max(x, -9), 9)
          previousSupply[i] = supply[i]
          let target = model.rates(utilisation: assets[i].targetUtilisation).supply
          let yieldPull = 0.05 * (model.rates(utilisation: logistic(logitU[i])).supply - target)
          let priceFlight = isStable[i] ? 0 : 0.2 * Swift.min(dailyReturn[i], 0)
          supply[i] *= Math.exp(0.0004 + yieldPull + priceFlight + C.supplyNoise * g.nextGaussian())
          circulating[i] *= Math.exp((isStable[i] ? 0.002 : 0.0002) * g.nextGaussian())
          // Interest accrues over the previous day at the previous day's rates.
          let r = model.rates(utilisation: utilisationSeries[i][t - 1])
          liquidityIndex[i] *= 1 + r.supply / 365
          debtAccrual[i] = Math.exp(r.variableBorrow / 365)
          borrowIndex[i] *= debtAccrual[i]
        }
        let u = logistic(logitU[i])
        utilisationSeries[i].append(u)
        let r = model.rates(utilisation: u)
        variableRate[i] = r.variableBorrow
        if i < outputCount {
          rates.append(
            DailyRate(
              day: day, symbol: assets[i].symbol, contractAddress: assets[i].contractAddress,
              stableBorrowRate: r.stableBorrow, variableBorrowRate: r.variableBorrow,
              supplyRate: r.supply, liquidityIndex: liquidityIndex[i],
              variableBorrowIndex: borrowIndex[i]))
        }
      }
    }

    /// Step 3a: clears today's new debt and takes each asset's market loading and own variance (a tracker's are its
    /// reference's), from which borrowers size their health buffers.
    mutating func measureBorrowerRisk() {
      for i in 0..<assets.count {
        newDebtUSDByAsset[i] = 0
        let source = reference[i] >= 0 ? reference[i] : i
        if case .volatile(let beta, _) = assets[source].kind {
          factorBeta[i] = beta
          ownVariance[i] = idioVariance[source]
        }
      }
    }

    /// How far above HF 1 borrowers of collateral `c` and debt `d` keep their buffer, relative to a pair as volatile
    /// as the market: the conditional daily volatility of log(P_c / P_d) over the market factor's long-run
    /// volatility, clamped to [bufferScaleMin, bufferScaleMax] (1 for stablecoin pairs). More leverage in calm
    /// markets and on correlated pairs.
    func bufferScale(_ c: Int, _ d: Int) -> Double {
      if isStable[c] && isStable[d] { return 1 }
      let db = factorBeta[c] - factorBeta[d]
      let variance = db * db * marketVariance + ownVariance[c] + ownVariance[d]
      return Swift.min(Swift.max((variance / marketLongRun).squareRoot(), C.bufferScaleMin), C.bufferScaleMax)
    }

    /// Step 3b: every open position accrues interest, then is liquidated (below HF 1: today with probability
    /// `sameDayLiquidation`, else the next day), topped up, re-levered, or closed.
    mutating func manageBorrowers(t: Int, day: Int) {
      var k = 0
      while k < positions.count {
        var position = positions[k]
        if t > 0 { position.debtAmount *= debtAccrual[position.debt] }
        let remove = manage(&position, day: day)
        if remove {
          positions[k] = positions[positions.count - 1]
          positions.removeLast()
        } else {
          positions[k] = position
          k += 1
        }
      }
    }

    /// One position's day (step 3b); returns whether it leaves the book.
    mutating func manage(_ position: inout Position, day: Int) -> Bool {
      let c = position.collateral
      let d = position.debt
      let collateralUSD = position.collateralAmount * price[c]
      let debtUSD = position.debtAmount * price[d]
      let health = debtUSD > 0 ? collateralUSD * assets[c].liquidationThreshold / debtUSD : .infinity
      var remove = false
      // A position found below HF 1 at yesterday's close is liquidated today whatever today's price does
      // (keepers act before the day's move); one crossing today is liquidated today with probability
      // `sameDayLiquidation`.
      if position.pending || health < 1 {
        if position.pending || g.nextUnit() < C.sameDayLiquidation {
          let full = position.version == 3 && health < C.fullCloseBelowHealth
          var repay = position.debtAmount * (full ? 1 : C.closeFactor)
          var seize = repay * price[d] * (1 + assets[c].liquidationBonus) / price[c]
          if seize >= position.collateralAmount {
            seize = position.collateralAmount
            repay = seize * price[c] / ((1 + assets[c].liquidationBonus) * price[d])
          }
          position.collateralAmount -= seize
          position.debtAmount -= repay
          position.pending = false
          let who = Int(Double(C.liquidators) * g.nextUnit() * g.nextUnit())
          liquidations.append(
            Liquidation(
              day: day, version: position.version, liquidator: liquidatorAddresses[who], user: users[position.user],
              tokenCol: assets[c].symbol, tokenDebt: assets[d].symbol,
              colContractAddress: assets[c].contractAddress, collateralAmount: seize,
              colValueUSD: seize * price[c], colCurrentValueUSD: .nan,
              debtContractAddress: assets[d].contractAddress, debtAmount: repay, debtValueUSD: repay * price[d],
              debtCurrentValueUSD: .nan))
          if position.collateralAmount <= 1e-12 * Swift.max(seize, 1) || position.debtAmount <= 0
            || g.nextUnit() < C.leaveAfterLiquidation
          {
            remove = true
          }
        } else {
          position.pending = true
        }
      } else {
        position.pending = false
        let appetite = bufferScale(c, d)
        let target = 1 + (position.target - 1) * appetite
        let careBelow = Swift.min(C.careHealth, 1 + C.careFraction * (target - 1))
        if health < careBelow {
          if g.nextUnit() < position.care {
            let restore = Swift.min(target * (1 + 0.5 * C.releverageBand * appetite), C.restoredHealth)
            position.collateralAmount = restore * debtUSD / (assets[c].liquidationThreshold * price[c])
          }
        } else if health > target * (1 + C.releverageBand * appetite) && g.nextUnit() < position.releverage {
          // Re-lever: borrow back to the target health factor (leverage builds up after rallies).
          let targetDebtUSD = collateralUSD * assets[c].liquidationThreshold / target
          newDebtUSDByAsset[d] += targetDebtUSD - debtUSD
          position.debtAmount = targetDebtUSD / price[d]
        }
        if g.nextUnit() < 1 / C.meanLifetimeDays { remove = true }
      }
      return remove
    }

    /// Step 4a: today's number of new borrowers, Poisson with a mean that rises after rallies (the market factor's
    /// 14-day log return, clipped).
    mutating func arrivals() -> Int {
      let momentum = Swift.min(
        Swift.max(
          marketLog - marketHistory[Swift.max(0, marketHistory.count - 15)],
          C.momentumFloor), C.momentumCap)
      return poisson(C.arrivalsPerDay * Math.exp(C.momentumSensitivity * momentum))
    }

    /// Step 4b: opens `count` positions (fewer when the debt's rate is above its kink): collateral and debt drawn
    /// by weight, a log-normal size, a target health factor, a new or returning user, v2 or v3.
    mutating func openPositions(t: Int, count: Int, v3Share: Double) {
      for _ in 0..<count {
        guard let c = pick(collateralWeight) else { break }
        let weights = (0..<outputCount).map { j -> Double in
          if j == c || reference[j] == c || reference[c] == j { return 0 }
          return isStable[c] ? debtWeightStable[j] : debtWeightVolatile[j]
        }
        guard let d = pick(weights) else { continue }
        let model = assets[d].rateModel
        if variableRate[d] > model.baseVariableRate + model.variableSlope1 && g.nextUnit() < 0.7 { continue }
        let sizeUSD = Swift.min(Math.exp(Math.log(C.sizeMedianUSD) + C.sizeSigma * g.nextGaussian()), 5e7)
        let bothStable = isStable[c] && isStable[d]
        let health =
          bothStable
          ? 1.02 + exponential(mean: 0.05) : C.targetHealthMin + exponential(mean: C.targetHealthMean)
        let debtUSD = sizeUSD * assets[c].liquidationThreshold / health
        let user: Int
        if !users.isEmpty && g.nextUnit() < 0.2 {
          user = g.nextIndex(below: users.count)
        } else {
          users.append(SyntheticMarket.hexAddress(&g))
          user = users.count - 1
        }
        let onV3 = assets[c].onV3 && assets[d].onV3
        let passive = g.nextUnit() < C.passiveShare
        positions.append(
          Position(
            user: user, collateral: c, debt: d, version: onV3 && g.nextUnit() < v3Share ? 3 : 2,
            collateralAmount: sizeUSD / price[c], debtAmount: debtUSD / price[d],
            care: passive ? 0 : 0.3 + 0.7 * g.nextUnit(),
            target: health, releverage: C.releverageMax * g.nextUnit(), pending: false))
        if t > 0 { newDebtUSDByAsset[d] += debtUSD }
      }
    }

    /// Step 5: the day's deposits/borrows rows (split between v2 and v3) and token daily rows of written assets.
    mutating func appendDailyRows(day: Int, v3Share: Double) {
      for i in 0..<outputCount {
        let asset = assets[i]
        // Activity rises on big moves: the asset's own for volatile assets, the market's for stablecoins (flight to
        // stables, collateral top-ups and liquidations are paid in them).
        let move = isStable[i] ? Swift.abs(marketShock) : Swift.abs(dailyReturn[i])
        let activity = 1 + 10 * move
        let borrow = supply[i] * logistic(logitU[i])
        let deposits =
          price[i]
          * (Swift.max(0, supply[i] - previousSupply[i])
            + supply[i] * C.turnover * logNormal(sigma: 0.6) * activity)
        let borrows =
          price[i]
          * (Swift.max(0, borrow - previousBorrow[i])
            + borrow * C.turnover * logNormal(sigma: 0.6) * activity) + newDebtUSDByAsset[i]
        previousBorrow[i] = borrow
        let share = asset.onV3 ? v3Share : 0
        depositsBorrows.append(
          DepositsBorrows(
            day: day, version: 2, symbol: asset.symbol, contractAddress: asset.contractAddress,
            depositsVolume: deposits * (1 - share) * logNormal(sigma: 0.25),
            borrowsVolume: borrows * (1 - share) * logNormal(sigma: 0.25)))
        if asset.onV3 {
          depositsBorrows.append(
            DepositsBorrows(
              day: day, version: 3, symbol: asset.symbol, contractAddress: asset.contractAddress,
              depositsVolume: deposits * share * logNormal(sigma: 0.25),
              borrowsVolume: borrows * share * logNormal(sigma: 0.25)))
        }
        let turnoverShare: Double
        switch asset.kind {
        case .volatile: turnoverShare = 0.04
        case .tracking: turnoverShare = 0.005
        case .stable: turnoverShare = 0.08
        }
        let marketCap = circulating[i] * price[i]
        tokenDaily.append(
          TokenDaily(
            day: day, price: price[i], marketCap: marketCap,
            volumesLast24h: marketCap * turnoverShare * logNormal(sigma: 0.35) * (1 + 15 * move),
            token: asset.dailySymbol))
      }
    }

    /// The output: liquidations' current values at the last simulated day's prices (the export's "current"
    /// columns), and the tables.
    func finish() -> Output {
      var liquidations = self.liquidations
      let index = Dictionary(assets.enumerated().map { ($1.symbol, $0) }, uniquingKeysWith: { first, _ in first })
      for k in liquidations.indices {
        guard let c = index[liquidations[k].tokenCol], let d = index[liquidations[k].tokenDebt] else { continue }
        liquidations[k].colCurrentValueUSD = liquidations[k].collateralAmount * price[c]
        liquidations[k].debtCurrentValueUSD = liquidations[k].debtAmount * price[d]
      }
      var utilisation: [String: [Double]] = [:]
      for i in 0..<outputCount { utilisation[assets[i].symbol] = utilisationSeries[i] }
      return Output(
        tables: AaveTables(liquidations: liquidations, depositsBorrows: depositsBorrows, tokenDaily: tokenDaily),
        rates: rates, utilisation: utilisation)
    }
  }
}

@inline(__always) private func logit(_ u: Double) -> Double { Math.log(u / (1 - u)) }
@inline(__always) private func logistic(_ x: Double) -> Double { 1 / (1 + Math.exp(-x)) }
