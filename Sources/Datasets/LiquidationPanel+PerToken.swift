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
    let nameIndex = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
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

      func set(_ name: String, _ i: Int, _ v: Double) {
        if let c = nameIndex[name] { values[c][rows[i]] = v }
      }
      for i in 0..<n {
        seriesRowOfFrameRow[rows[i]] = rows[i]
        set("deposits_volume", i, dep[i])
        set("borrows_volume", i, b[i])
        set("price", i, p[i])
        set("market_cap", i, mc[i])
        set("volumes_last_24h", i, vol[i])
        for k in [3, 7] {
          let s = windowStart(i, k)
          let m = Double(i - s + 1)
          set("deposits_volume_avg_\(k)d", i, dep[s...i].reduce(0, +) / m)
          set("borrows_volume_avg_\(k)d", i, b[s...i].reduce(0, +) / m)
          set("market_cap_avg_\(k)d", i, mc[s...i].reduce(0, +) / m)
          set("volumes_last_24h_avg_\(k)d", i, vol[s...i].reduce(0, +) / m)
          let window = r1[s...i].compactMap { $0 }
          set(k == 3 ? "volatility_3day" : "volatility_7day", i, Self.sampleStd(window))
        }
        set("daily_return", i, r1[i] ?? 0)
        set("return_1d", i, r1[i] ?? 0)
        set("return_3d", i, logReturn(i, 3) ?? 0)
        set("return_7d", i, logReturn(i, 7) ?? 0)
        let peak = p[windowStart(i, 7)...i].max() ?? 0
        set("drawdown_7d", i, p[i] > 0 && peak > 0 ? p[i] / peak - 1 : 0)
        set("borrow_deposit_ratio", i, dep[i] != 0 ? b[i] / dep[i] : 0)
        for k in [1, 3] {
          let change = lag(i, k).map { Math.log1p(b[i]) - Math.log1p(b[$0]) } ?? 0
          set("borrows_change_\(k)d", i, change)
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
