import AlmanacCore

extension MergedFrame {
  /// The per-token pipeline: the same rows and labels as the tutorial, with every derived feature computed within
  /// one token's series of days (its rows of the merged frame, including the 7 warm-up days, one value per day).
  ///
  /// For token T on day d, with windows over T's calendar days [d - k + 1, d] that are present in the frame:
  /// - `x_avg_kd`: mean of x over the window (always at least the day itself), for the volumes and market cap;
  /// - `return_kd` = log(p_d / p_{d-k}) for k = 1, 3, 7, 0 when day d - k is absent or either price is not > 0;
  ///   `daily_return` = `return_1d`;
  /// - `volatility_kday`: sample standard deviation (ddof 1) of the `return_1d` values that exist in the window
  ///   (days with a valid previous-day price), 0 with fewer than two;
  /// - `drawdown_7d` = p_d / max(p over the 7-day window) - 1 (in [-1, 0]), 0 when p_d is not > 0;
  /// - `borrow_deposit_ratio` = borrows / deposits, 0 when deposits are 0;
  /// - `borrows_change_kd` = log(1 + b_d) - log(1 + b_{d-k}) for k = 1, 3, 0 when day d - k is absent.
  /// No value ever comes from another token's rows. Nothing is NaN or infinite for finite, non-negative inputs.
  func perTokenPanel() -> LiquidationPanel {
    // One series per token: its distinct days in order, with the frame row holding each day's values (rows that
    // repeat a (day, token) key share all base values).
    var byToken: [String: [Int]] = [:]
    for i in 0..<count {
      if let last = byToken[token[i]]?.last, day[last] == day[i] { continue }
      byToken[token[i], default: []].append(i)
    }
    let names = FeatureSets.all
    let C = PerTokenColumns(names)
    // Values per frame row for every feature (filled per token, then copied to duplicate rows).
    var values = [[Double]](repeating: [Double](repeating: 0, count: count), count: names.count)
    var seriesRowOfFrameRow = [Int](repeating: -1, count: count)

    for (_, rows) in byToken {
      let n = rows.count
      let days = rows.map { day[$0] }
      let dayPosition = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
      let p = rows.map { price[$0] }, b = rows.map { borrows[$0] }, dep = rows.map { deposits[$0] }
      let mc = rows.map { marketCap[$0] }, vol = rows.map { volume[$0] }

      func windowStart(_ i: Int, _ k: Int) -> Int {
        var s = i
        while s > 0, days[s - 1] > days[i] - k { s -= 1 }
        return s
      }
      func lag(_ i: Int, _ k: Int) -> Int? { dayPosition[days[i] - k] }
      func logReturn(_ i: Int, _ k: Int) -> Double? {
        guard let j = lag(i, k), p[i] > 0, p[j] > 0 else { return nil }
        return Math.log(p[i] / p[j])
      }
      let r1 = (0..<n).map { logReturn($0, 1) }

      for i in 0..<n {
        seriesRowOfFrameRow[rows[i]] = rows[i]
        let row = rows[i]
        values[C.deposits][row] = dep[i]
        values[C.borrows][row] = b[i]
        values[C.price][row] = p[i]
        values[C.marketCap][row] = mc[i]
        values[C.volume][row] = vol[i]
        for (w, k) in [3, 7].enumerated() {
          let s = windowStart(i, k)
          let m = Double(i - s + 1)
          values[C.averages[w][0]][row] = dep[s...i].reduce(0, +) / m
          values[C.averages[w][1]][row] = b[s...i].reduce(0, +) / m
          values[C.averages[w][2]][row] = mc[s...i].reduce(0, +) / m
          values[C.averages[w][3]][row] = vol[s...i].reduce(0, +) / m
          values[C.volatility[w]][row] = Self.sampleStd(r1[s...i].compactMap { $0 })
        }
        values[C.dailyReturn][row] = r1[i] ?? 0
        values[C.return1][row] = r1[i] ?? 0
        values[C.return3][row] = logReturn(i, 3) ?? 0
        values[C.return7][row] = logReturn(i, 7) ?? 0
        let peak = p[windowStart(i, 7)...i].max() ?? 0
        values[C.drawdown][row] = p[i] > 0 && peak > 0 ? p[i] / peak - 1 : 0
        values[C.ratio][row] = dep[i] != 0 ? b[i] / dep[i] : 0
        for (w, k) in [1, 3].enumerated() {
          values[C.borrowsChange[w]][row] = lag(i, k).map { Math.log1p(b[i]) - Math.log1p(b[$0]) } ?? 0
        }
      }
    }
    // Duplicate (day, token) rows take the values of the day's first row.
    for i in 0..<count where seriesRowOfFrameRow[i] < 0 {
      var j = i - 1
      while j >= 0, !(day[j] == day[i] && token[j] == token[i] && seriesRowOfFrameRow[j] >= 0) { j -= 1 }
      if j >= 0 {
        for c in 0..<names.count { values[c][i] = values[c][j] }
      }
    }
    let rows = keptRows
    let columns = values.map { column in rows.map { column[$0] } }
    return LiquidationPanel(
      pipeline: .perToken, days: rows.map { day[$0] }, tokens: rows.map { token[$0] }, labels: labels(rows),
      featureNames: names, columns: columns, earliestDay: earliestDay)
  }

  /// Sample standard deviation (ddof 1), two-pass; 0 for fewer than two values.
  static func sampleStd(_ x: [Double]) -> Double {
    guard x.count >= 2 else { return 0 }
    let mean = x.reduce(0, +) / Double(x.count)
    let ss = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return (ss / Double(x.count - 1)).squareRoot()
  }
}

/// Column positions of the per-token features in `FeatureSets.all`.
private struct PerTokenColumns {
  let deposits, borrows, price, marketCap, volume, dailyReturn, return1, return3, return7, drawdown, ratio: Int
  /// [window 3, window 7] x [deposits, borrows, market cap, volume]
  let averages: [[Int]]
  let volatility: [Int]
  let borrowsChange: [Int]

  init(_ names: [String]) {
    func at(_ name: String) -> Int { names.firstIndex(of: name) ?? 0 }
    deposits = at("deposits_volume")
    borrows = at("borrows_volume")
    price = at("price")
    marketCap = at("market_cap")
    volume = at("volumes_last_24h")
    dailyReturn = at("daily_return")
    return1 = at("return_1d")
    return3 = at("return_3d")
    return7 = at("return_7d")
    drawdown = at("drawdown_7d")
    ratio = at("borrow_deposit_ratio")
    averages = [3, 7].map { k in
      ["deposits_volume", "borrows_volume", "market_cap", "volumes_last_24h"].map { at("\($0)_avg_\(k)d") }
    }
    volatility = [at("volatility_3day"), at("volatility_7day")]
    borrowsChange = [at("borrows_change_1d"), at("borrows_change_3d")]
  }
}
