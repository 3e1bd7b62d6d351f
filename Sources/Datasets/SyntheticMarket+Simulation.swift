import AlmanacCore

extension SyntheticMarket {
  /// Model constants (documented in `docs/synthetic-market.md`). Daily units unless stated.
  enum Constants {
    // Common market factor: GARCH(1,1) on daily log returns, long-run daily volatility `marketVolatility`.
    static let marketVolatility = 0.028
    static let garchAlpha = 0.08
    static let garchBeta = 0.88
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
    static let arrivalsPerDay = 25.0
    static let meanLifetimeDays = 150.0
    static let initialPositions = 2500
    static let sameDayLiquidation = 0.6
    static let closeFactor = 0.5
    static let fullCloseBelowHealth = 0.95
    static let careHealth = 1.12
    static let restoredHealth = 1.35
    static let liquidators = 30
  }

  /// Weights for drawing a new position's collateral, and its debt given a volatile or a stablecoin collateral.
  static let collateralWeights: [String: Double] = [
    "WETH": 0.40, "stETH": 0.12, "WBTC": 0.15, "LINK": 0.08, "USDC": 0.15, "DAI": 0.05, "USDT": 0.05,
  ]
  static let debtWeightsVolatileCollateral: [String: Double] = [
    "USDC": 0.40, "USDT": 0.25, "DAI": 0.15, "WETH": 0.10, "WBTC": 0.05, "LINK": 0.05,
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
    /// Daily probability of topping up collateral when the health factor is between 1 and `careHealth`.
    var care: Double
    /// Health factor fell below 1 yesterday and the position was not liquidated yet.
    var pending: Bool
  }

  struct Simulation {
    let config: Config
    let assets: [Asset]
    /// Index of the asset each tracking asset follows (or -1).
    let reference: [Int]
    var g: SplitMix64

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
      outputCount = list.count
      assets = all
      reference = all.map { asset in
        if case .tracking(let ref) = asset.kind { return all.firstIndex { $0.symbol == ref } ?? -1 }
        return -1
      }
      g = SplitMix64(seed: config.seed)
    }

    /// The first `outputCount` assets are written; the rest are only simulated.
    let outputCount: Int

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

    mutating func run() -> Output {
      let days = Swift.max(config.days, 0)
      let n = assets.count
      typealias C = Constants
      var liquidations: [Liquidation] = []
      var depositsBorrows: [DepositsBorrows] = []
      var tokenDaily: [TokenDaily] = []
      var rates: [DailyRate] = []
      var utilisationSeries = [[Double]](repeating: [], count: n)
      depositsBorrows.reserveCapacity(days * outputCount * 2)
      tokenDaily.reserveCapacity(days * outputCount)
      rates.reserveCapacity(days * outputCount)
      guard days > 0, n > 0 else { return Output(tables: AaveTables(liquidations: [], depositsBorrows: [], tokenDaily: []), rates: [], utilisation: [:]) }

      let isStable = assets.map { $0.kind == .stable }
      // Price state.
      var logPrice = assets.map { Math.log($0.initialPrice) }
      var previousLogPrice = logPrice
      var dailyReturn = [Double](repeating: 0, count: n)
      var idioVariance = assets.map { asset -> Double in
        if case .volatile(_, let v) = asset.kind { return v * v }
        return 0
      }
      var idioShock = [Double](repeating: 0, count: n)
      var discount = [Double](repeating: C.trackMean, count: n)
      var pegDeviation = [Double](repeating: 0, count: n)
      let marketLongRun = C.marketVolatility * C.marketVolatility
      var marketVariance = marketLongRun
      var marketShock = 0.0
      var marketLog = 0.0
      var marketHistory: [Double] = [0]
      marketHistory.reserveCapacity(days)
      for i in 0..<n where reference[i] >= 0 {
        logPrice[i] = logPrice[reference[i]] + discount[i]
      }
      var price = assets.map(\.initialPrice)
      for i in 0..<n where reference[i] >= 0 { price[i] = Math.exp(logPrice[i]) }
      var circulating = assets.map(\.circulatingSupply)

      // Reserve state.
      var supply = assets.map(\.reserveSupply)
      var previousSupply = supply
      var logitU = assets.map { logit($0.targetUtilisation) }
      var previousBorrow = zip(supply, logitU).map { $0 * logistic($1) }
      var liquidityIndex = [Double](repeating: 1, count: n)
      var borrowIndex = [Double](repeating: 1, count: n)
      var variableRate = [Double](repeating: 0, count: n)
      var newDebtUSD = [Double](repeating: 0, count: n)
      var debtAccrual = [Double](repeating: 1, count: n)

      // Borrowers.
      var users: [String] = []
      var liquidatorAddresses: [String] = []
      for _ in 0..<C.liquidators { liquidatorAddresses.append(SyntheticMarket.hexAddress(&g)) }
      var positions: [Position] = []
      positions.reserveCapacity(4096)
      let collateralWeight = (0..<outputCount).map { SyntheticMarket.collateralWeights[assets[$0].symbol] ?? 0.05 }
      let debtWeightVolatile = (0..<outputCount).map {
        SyntheticMarket.debtWeightsVolatileCollateral[assets[$0].symbol] ?? (isStable[$0] ? 0.1 : 0.03)
      }
      let debtWeightStable = (0..<outputCount).map {
        SyntheticMarket.debtWeightsStableCollateral[assets[$0].symbol] ?? (isStable[$0] ? 0.02 : 0.1)
      }

      let lastDayPrices: [Double]
      var openInitial = true
      for t in 0..<days {
        let day = config.startDay + t
        let v3Share = 0.3 + 0.4 * Double(t) / Double(Swift.max(days - 1, 1))
        var crashToday = false

        // 1. Prices.
        if t > 0 {
          previousLogPrice = logPrice
          marketVariance = marketLongRun * (1 - C.garchAlpha - C.garchBeta) + C.garchAlpha * marketShock * marketShock
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
              idioVariance[i] = longRun * (1 - C.idioAlpha - C.idioBeta) + C.idioAlpha * idioShock[i] * idioShock[i]
                + C.idioBeta * idioVariance[i]
              idioShock[i] = idioVariance[i].squareRoot() * g.nextGaussian()
              logPrice[i] += beta * (marketShock + C.marketDrift) + idioShock[i] - 0.5 * (beta * beta * marketVariance + idioVariance[i])
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
        }
        marketHistory.append(marketLog)

        // 2. Reserves: utilisation responds to yesterday's rates, then today's rates and indexes.
        for i in 0..<n {
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
            rates.append(DailyRate(day: day, symbol: assets[i].symbol, contractAddress: assets[i].contractAddress,
                                   stableBorrowRate: r.stableBorrow, variableBorrowRate: r.variableBorrow,
                                   supplyRate: r.supply, liquidityIndex: liquidityIndex[i],
                                   variableBorrowIndex: borrowIndex[i]))
          }
        }

        // 3. Borrowers: accrue, manage, liquidate, leave.
        for i in 0..<n { newDebtUSD[i] = 0 }
        var k = 0
        while k < positions.count {
          var position = positions[k]
          if t > 0 { position.debtAmount *= debtAccrual[position.debt] }
          let c = position.collateral
          let d = position.debt
          let collateralUSD = position.collateralAmount * price[c]
          let debtUSD = position.debtAmount * price[d]
          let health = debtUSD > 0 ? collateralUSD * assets[c].liquidationThreshold / debtUSD : .infinity
          var remove = false
          if health < 1 {
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
              liquidations.append(Liquidation(
                day: day, version: position.version, liquidator: liquidatorAddresses[who], user: users[position.user],
                tokenCol: assets[c].symbol, tokenDebt: assets[d].symbol,
                colContractAddress: assets[c].contractAddress, collateralAmount: seize,
                colValueUSD: seize * price[c], colCurrentValueUSD: .nan,
                debtContractAddress: assets[d].contractAddress, debtAmount: repay, debtValueUSD: repay * price[d],
                debtCurrentValueUSD: .nan))
              if position.collateralAmount <= 1e-12 * Swift.max(seize, 1) || position.debtAmount <= 0
                || g.nextUnit() < 0.3
              {
                remove = true
              }
            } else {
              position.pending = true
            }
          } else {
            position.pending = false
            if health < C.careHealth && g.nextUnit() < position.care {
              position.collateralAmount = C.restoredHealth * debtUSD / (assets[c].liquidationThreshold * price[c])
            }
            if g.nextUnit() < 1 / C.meanLifetimeDays { remove = true }
          }
          if remove {
            positions[k] = positions[positions.count - 1]
            positions.removeLast()
          } else {
            positions[k] = position
            k += 1
          }
        }

        // 4. New borrowers: more after rallies, fewer when the debt's rate is above its kink.
        let momentum = Swift.min(Swift.max(marketLog - marketHistory[Swift.max(0, marketHistory.count - 15)], -0.3), 0.3)
        let arrivals = openInitial ? C.initialPositions : poisson(C.arrivalsPerDay * Math.exp(4 * momentum))
        openInitial = false
        for _ in 0..<arrivals {
          guard let c = pick(collateralWeight) else { break }
          let weights = (0..<outputCount).map { j -> Double in
            if j == c || reference[j] == c || reference[c] == j { return 0 }
            return isStable[c] ? debtWeightStable[j] : debtWeightVolatile[j]
          }
          guard let d = pick(weights) else { continue }
          let model = assets[d].rateModel
          if variableRate[d] > model.baseVariableRate + model.variableSlope1 && g.nextUnit() < 0.7 { continue }
          let sizeUSD = Swift.min(Math.exp(Math.log(15_000) + 1.4 * g.nextGaussian()), 5e7)
          let bothStable = isStable[c] && isStable[d]
          let health = bothStable ? 1.02 + exponential(mean: 0.05) : 1.06 + exponential(mean: 0.5)
          let debtUSD = sizeUSD * assets[c].liquidationThreshold / health
          let user: Int
          if !users.isEmpty && g.nextUnit() < 0.2 {
            user = g.nextIndex(below: users.count)
          } else {
            users.append(SyntheticMarket.hexAddress(&g))
            user = users.count - 1
          }
          let onV3 = assets[c].onV3 && assets[d].onV3
          positions.append(Position(
            user: user, collateral: c, debt: d, version: onV3 && g.nextUnit() < v3Share ? 3 : 2,
            collateralAmount: sizeUSD / price[c], debtAmount: debtUSD / price[d], care: 0.2 + 0.7 * g.nextUnit(),
            pending: false))
          if t > 0 { newDebtUSD[d] += debtUSD }
        }

        // 5. Daily rows: deposits/borrows (v2 and v3) and token daily data.
        for i in 0..<outputCount {
          let asset = assets[i]
          let activity = 1 + 10 * Swift.abs(dailyReturn[i])
          let borrow = supply[i] * logistic(logitU[i])
          let deposits = price[i] * (Swift.max(0, supply[i] - previousSupply[i])
            + supply[i] * C.turnover * logNormal(sigma: 0.6) * activity)
          let borrows = price[i] * (Swift.max(0, borrow - previousBorrow[i])
            + borrow * C.turnover * logNormal(sigma: 0.6) * activity) + newDebtUSD[i]
          previousBorrow[i] = borrow
          let share = asset.onV3 ? v3Share : 0
          depositsBorrows.append(DepositsBorrows(
            day: day, version: 2, symbol: asset.symbol, contractAddress: asset.contractAddress,
            depositsVolume: deposits * (1 - share) * logNormal(sigma: 0.25),
            borrowsVolume: borrows * (1 - share) * logNormal(sigma: 0.25)))
          if asset.onV3 {
            depositsBorrows.append(DepositsBorrows(
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
          tokenDaily.append(TokenDaily(
            day: day, price: price[i], marketCap: marketCap,
            volumesLast24h: marketCap * turnoverShare * logNormal(sigma: 0.35) * (1 + 15 * Swift.abs(dailyReturn[i])),
            token: asset.dailySymbol))
        }
      }

      // Current values are at the last simulated day's prices (the export's "current" columns).
      lastDayPrices = price
      for k in liquidations.indices {
        guard let c = assets.firstIndex(where: { $0.symbol == liquidations[k].tokenCol }),
          let d = assets.firstIndex(where: { $0.symbol == liquidations[k].tokenDebt })
        else { continue }
        liquidations[k].colCurrentValueUSD = liquidations[k].collateralAmount * lastDayPrices[c]
        liquidations[k].debtCurrentValueUSD = liquidations[k].debtAmount * lastDayPrices[d]
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
