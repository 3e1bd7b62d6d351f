/// The tutorial's merged data frame (its `load_and_df_processing`), before features: one row per (day, token) key
/// of the union of liquidation days, deposits/borrows and token data, ordered as pandas orders it.
///
/// Row order: pandas' outer merges sort the join keys lexicographically (day, then token by code point); rows
/// with the same key keep the left frame's order. The only repeated keys are liquidation rows of one debt token and
/// day against different collateral tokens; they keep the grouped order (by collateral token). pandas reaches them
/// through an unstable `sort_values('day')`, which may permute them, but such rows share every feature value and, in
/// the Giza export, the label, so the panel is the same either way.
struct MergedFrame {
  var day: [Int] = []
  var token: [String] = []
  var debtValueUSD: [Double] = []
  var deposits: [Double] = []
  var borrows: [Double] = []
  var price: [Double] = []
  var marketCap: [Double] = []
  var volume: [Double] = []
  var earliestDay = 0

  var count: Int { day.count }

  struct Key: Hashable, Comparable {
    var day: Int
    var token: String
    static func < (a: Key, b: Key) -> Bool {
      a.day != b.day ? a.day < b.day : a.token.unicodeScalars.lexicographicallyPrecedes(b.token.unicodeScalars)
    }
  }

  /// Kahan-compensated sum skipping NaN (pandas' groupby `sum`).
  struct KahanSum {
    var sum = 0.0
    var compensation = 0.0
    mutating func add(_ v: Double) {
      guard !v.isNaN else { return }
      let y = v - compensation
      let t = sum + y
      compensation = t - sum - y
      sum = t
    }
  }

  init(_ tables: AaveTables) throws {
    // 1. Liquidations with the tutorial's tokens, debt value summed per (day, token_col, token_debt).
    struct GroupKey: Hashable {
      var day: Int
      var tokenCol: String
      var tokenDebt: String
    }
    let collateral = Set(TutorialFilter.collateralTokens), debt = Set(TutorialFilter.debtTokens)
    var groupIndex: [GroupKey: Int] = [:]
    var groups: [(key: GroupKey, value: KahanSum)] = []
    for l in tables.liquidations where collateral.contains(l.tokenCol) && debt.contains(l.tokenDebt) {
      let k = GroupKey(day: l.day, tokenCol: l.tokenCol, tokenDebt: l.tokenDebt)
      if let g = groupIndex[k] {
        groups[g].value.add(l.debtValueUSD)
      } else {
        groupIndex[k] = groups.count
        var s = KahanSum()
        s.add(l.debtValueUSD)
        groups.append((k, s))
      }
    }
    guard !groups.isEmpty else { throw DatasetError.noLiquidations }
    groups.sort { a, b in
      if a.key.day != b.key.day { return a.key.day < b.key.day }
      if a.key.tokenCol != b.key.tokenCol {
        return a.key.tokenCol.unicodeScalars.lexicographicallyPrecedes(b.key.tokenCol.unicodeScalars)
      }
      return a.key.tokenDebt.unicodeScalars.lexicographicallyPrecedes(b.key.tokenDebt.unicodeScalars)
    }
    let earliest = groups.map(\.key.day).min() ?? 0
    earliestDay = earliest

    // 2. Left frame: the grouped debts plus zero rows for each debt token's missing days from the earliest day.
    var left: [(key: Key, debt: Double)] = groups.map { (Key(day: $0.key.day, token: $0.key.tokenDebt), $0.value.sum) }
    var tokenOrder: [String] = []
    var tokenDays: [String: Set<Int>] = [:]
    for (k, _) in left {
      if tokenDays[k.token] == nil { tokenOrder.append(k.token) }
      tokenDays[k.token, default: []].insert(k.day)
    }
    for t in tokenOrder {
      let present = tokenDays[t] ?? []
      let last = present.max() ?? earliest
      if last >= earliest {
        for d in earliest...last where !present.contains(d) { left.append((Key(day: d, token: t), 0)) }
      }
    }
    // Stable sort by key (Swift's sort is stable).
    left.sort { $0.key < $1.key }

    // 3. Deposits/borrows: v2 + v3 summed per (day, symbol), tutorial symbols, from 7 days before the earliest day.
    let firstDay = earliest - TutorialFilter.warmUpDays
    let symbols = Set(TutorialFilter.symbols)
    var db: [Key: (deposits: KahanSum, borrows: KahanSum)] = [:]
    for r in tables.depositsBorrows where r.day >= firstDay && symbols.contains(r.symbol) {
      let k = Key(day: r.day, token: r.symbol)
      var v = db[k] ?? (KahanSum(), KahanSum())
      v.deposits.add(r.depositsVolume)
      v.borrows.add(r.borrowsVolume)
      db[k] = v
    }

    // 4. Outer merge on (day, token_debt), keys sorted; NaN -> 0; symbols upper-cased.
    struct Row {
      var key: Key
      var debt: Double
      var deposits: Double
      var borrows: Double
    }
    var merged1: [Row] = []
    merged1.reserveCapacity(left.count + db.count)
    let rightKeys = db.keys.sorted()
    var li = 0, ri = 0
    while li < left.count || ri < rightKeys.count {
      let takeLeft: Bool
      let takeRight: Bool
      if li < left.count, ri < rightKeys.count {
        let lk = left[li].key, rk = rightKeys[ri]
        takeLeft = !(rk < lk)
        takeRight = !(lk < rk)
      } else {
        takeLeft = li < left.count
        takeRight = !takeLeft
      }
      if takeLeft {
        let key = left[li].key
        let right = takeRight ? db[rightKeys[ri]] : nil
        while li < left.count, left[li].key == key {
          merged1.append(
            Row(
              key: key, debt: left[li].debt, deposits: right?.deposits.sum ?? 0, borrows: right?.borrows.sum ?? 0))
          li += 1
        }
        if takeRight { ri += 1 }
      } else {
        let v = db[rightKeys[ri]]
        merged1.append(Row(key: rightKeys[ri], debt: 0, deposits: v?.deposits.sum ?? 0, borrows: v?.borrows.sum ?? 0))
        ri += 1
      }
    }
    for i in merged1.indices { merged1[i].key.token = merged1[i].key.token.uppercased() }
    merged1.sort { $0.key < $1.key }  // stable: equal keys keep their order

    // 5. Token daily data (upper-case symbols) from 7 days before the earliest day; outer merge again.
    let upper = Set(TutorialFilter.upperSymbols)
    var tokenRows: [(key: Key, row: TokenDaily)] = []
    for t in tables.tokenDaily where t.day >= firstDay && upper.contains(t.token) {
      tokenRows.append((Key(day: t.day, token: t.token), t))
    }
    tokenRows.sort { $0.key < $1.key }

    func zeroNaN(_ v: Double) -> Double { v.isNaN ? 0 : v }
    func append(_ key: Key, _ row: Row?, _ t: TokenDaily?) {
      day.append(key.day)
      token.append(key.token)
      debtValueUSD.append(zeroNaN(row?.debt ?? 0))
      deposits.append(zeroNaN(row?.deposits ?? 0))
      borrows.append(zeroNaN(row?.borrows ?? 0))
      price.append(zeroNaN(t?.price ?? 0))
      marketCap.append(zeroNaN(t?.marketCap ?? 0))
      volume.append(zeroNaN(t?.volumesLast24h ?? 0))
    }
    li = 0
    ri = 0
    while li < merged1.count || ri < tokenRows.count {
      if li < merged1.count, ri < tokenRows.count {
        let lk = merged1[li].key, rk = tokenRows[ri].key
        if lk < rk {
          append(lk, merged1[li], nil)
          li += 1
        } else if rk < lk {
          append(rk, nil, tokenRows[ri].row)
          ri += 1
        } else {
          // Many-to-many within one key: every left row with every right row, left-major.
          var lEnd = li
          while lEnd < merged1.count, merged1[lEnd].key == lk { lEnd += 1 }
          var rEnd = ri
          while rEnd < tokenRows.count, tokenRows[rEnd].key == rk { rEnd += 1 }
          for l in li..<lEnd {
            for r in ri..<rEnd { append(lk, merged1[l], tokenRows[r].row) }
          }
          li = lEnd
          ri = rEnd
        }
      } else if li < merged1.count {
        append(merged1[li].key, merged1[li], nil)
        li += 1
      } else {
        append(tokenRows[ri].key, nil, tokenRows[ri].row)
        ri += 1
      }
    }
  }

  /// Indices of the rows on or after the earliest liquidation day (the rows the panel keeps).
  var keptRows: [Int] { day.indices.filter { day[$0] >= earliestDay } }

  /// Labels of the kept rows: 1 when the debt value is non-zero.
  func labels(_ rows: [Int]) -> [Double] { rows.map { debtValueUSD[$0] != 0 ? 1 : 0 } }
}
