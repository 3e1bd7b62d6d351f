/// Seasonal-trend decomposition by loess (Cleveland, Cleveland, McRae and Terpenning 1990), a port of R's
/// `stats::stl` (its Fortran `stl.f`) without the robustness iterations (`robust = FALSE`: inner = 2, outer = 0),
/// which is what `forecast::mstl` runs for a series with one seasonal period.
public enum STL {
  /// Seasonal, trend and remainder components.
  public struct Decomposition: Sendable {
    public var seasonal: [Double]
    public var trend: [Double]
    public var remainder: [Double]
  }

  /// R's `nextodd`: rounds, then adds one to an even value.
  static func nextOdd(_ x: Double) -> Int {
    var k = Int(x.rounded(.toNearestOrEven))
    if k % 2 == 0 { k += 1 }
    return k
  }

  /// R's `stl(x, s.window = sWindow)` with its defaults: s.degree 0, t.window
  /// `nextodd(ceiling(1.5 period / (1 - 1.5 / s.window)))`, t.degree 1, l.window `nextodd(period)`, l.degree 1,
  /// jumps `ceiling(window / 10)`, inner 2, outer 0. Nil when `period < 2` or the series has fewer than two periods
  /// or a NaN.
  public static func decompose(_ x: [Double], period: Int, sWindow: Int) -> Decomposition? {
    let n = x.count
    guard period >= 2, n > 2 * period, sWindow >= 1, !x.contains(where: { !$0.isFinite }) else { return nil }
    let tWindow = nextOdd((1.5 * Double(period) / (1 - 1.5 / Double(sWindow))).rounded(.up))
    let lWindow = nextOdd(Double(period))
    func jump(_ w: Int) -> Int { Int((Double(w) / 10).rounded(.up)) }
    var seasonal = [Double](repeating: 0, count: n)
    var trend = [Double](repeating: 0, count: n)
    run(
      x, np: period, ns: sWindow, nt: tWindow, nl: lWindow, isdeg: 0, itdeg: 1, ildeg: 1, nsjump: jump(sWindow),
      ntjump: jump(tWindow), nljump: jump(lWindow), ni: 2, season: &seasonal, trend: &trend)
    let remainder = (0..<n).map { x[$0] - seasonal[$0] - trend[$0] }
    return Decomposition(seasonal: seasonal, trend: trend, remainder: remainder)
  }

  /// `stl` with outer = 0 (no robustness weights).
  static func run(
    _ y: [Double], np: Int, ns: Int, nt: Int, nl: Int, isdeg: Int, itdeg: Int, ildeg: Int,
    nsjump: Int, ntjump: Int, nljump: Int, ni: Int, season: inout [Double], trend: inout [Double]
  ) {
    func odd(_ v: Int) -> Int { v % 2 == 0 ? v + 1 : v }
    let newns = odd(max(3, ns))
    let newnt = odd(max(3, nt))
    let newnl = odd(max(3, nl))
    let newnp = max(2, np)
    let n = y.count
    for i in 0..<n { trend[i] = 0 }
    let rw = [Double](repeating: 1, count: n)
    let size = n + 2 * newnp
    var w1 = [Double](repeating: 0, count: size)
    var w2 = [Double](repeating: 0, count: size)
    var w3 = [Double](repeating: 0, count: size)
    var w4 = [Double](repeating: 0, count: size)
    var w5 = [Double](repeating: 0, count: size)
    for _ in 0..<ni {
      for i in 0..<n { w1[i] = y[i] - trend[i] }
      seasonalSmooth(
        w1, n: n, np: newnp, ns: newns, isdeg: isdeg, nsjump: nsjump, rw: rw, season: &w2,
        work1: &w3, work2: &w4, work3: &w5, work4: &season)
      lowPass(w2, n: n + 2 * newnp, np: newnp, trend: &w3, work: &w1)
      var ys = [Double](repeating: 0, count: n)
      loess(Array(w3[0..<n]), n: n, len: newnl, ideg: ildeg, njump: nljump, userw: false, rw: rw, ys: &ys, res: &w5)
      for i in 0..<n { w1[i] = ys[i] }
      for i in 0..<n { season[i] = w2[newnp + i] - w1[i] }
      for i in 0..<n { w1[i] = y[i] - season[i] }
      var t = [Double](repeating: 0, count: n)
      loess(Array(w1[0..<n]), n: n, len: newnt, ideg: itdeg, njump: ntjump, userw: false, rw: rw, ys: &t, res: &w3)
      for i in 0..<n { trend[i] = t[i] }
    }
  }

  /// `stlss`: smooths each cycle-subseries and extends it one period at each end (`season` gets n + 2 np values).
  static func seasonalSmooth(
    _ y: [Double], n: Int, np: Int, ns: Int, isdeg: Int, nsjump: Int, rw: [Double],
    season: inout [Double], work1: inout [Double], work2: inout [Double],
    work3: inout [Double], work4: inout [Double]
  ) {
    for j in 0..<np {
      let k = (n - (j + 1)) / np + 1
      var sub = [Double](repeating: 0, count: k)
      for i in 0..<k { sub[i] = y[i * np + j] }
      var smooth = [Double](repeating: 0, count: k + 2)
      var inner = [Double](repeating: 0, count: k)
      var res = [Double](repeating: 0, count: k)
      loess(sub, n: k, len: ns, ideg: isdeg, njump: nsjump, userw: false, rw: rw, ys: &inner, res: &res)
      for i in 0..<k { smooth[i + 1] = inner[i] }
      let nright = min(ns, k)
      if let v = estimate(
        sub, n: k, len: ns, ideg: isdeg, xs: 0, nleft: 1, nright: nright, w: &res, userw: false, rw: rw)
      {
        smooth[0] = v
      } else {
        smooth[0] = smooth[1]
      }
      let nleft = max(1, k - ns + 1)
      if let v = estimate(
        sub, n: k, len: ns, ideg: isdeg, xs: Double(k + 1), nleft: nleft, nright: k, w: &res,
        userw: false, rw: rw)
      {
        smooth[k + 1] = v
      } else {
        smooth[k + 1] = smooth[k]
      }
      for m in 0..<(k + 2) { season[m * np + j] = smooth[m] }
    }
  }

  /// `stlfts`: moving averages of lengths np, np and 3.
  static func lowPass(_ x: [Double], n: Int, np: Int, trend: inout [Double], work: inout [Double]) {
    movingAverage(x, n: n, len: np, into: &trend)
    movingAverage(trend, n: n - np + 1, len: np, into: &work)
    movingAverage(work, n: n - 2 * np + 2, len: 3, into: &trend)
  }

  /// `stlma`: the `n - len + 1` moving averages of length `len`.
  static func movingAverage(_ x: [Double], n: Int, len: Int, into ave: inout [Double]) {
    let newn = n - len + 1
    guard newn > 0 else { return }
    let flen = Double(len)
    var v = 0.0
    for i in 0..<len { v += x[i] }
    ave[0] = v / flen
    if newn > 1 {
      var k = len
      var m = 0
      for j in 1..<newn {
        v = v - x[m] + x[k]
        ave[j] = v / flen
        k += 1
        m += 1
      }
    }
  }

  /// `stless`: loess of degree `ideg` with window `len`, evaluated every `njump` points and interpolated linearly.
  static func loess(
    _ y: [Double], n: Int, len: Int, ideg: Int, njump: Int, userw: Bool, rw: [Double],
    ys: inout [Double], res: inout [Double]
  ) {
    if n < 2 {
      ys[0] = y[0]
      return
    }
    let newnj = min(njump, n - 1)
    var nleft = 0
    var nright = 0
    if len >= n {
      nleft = 1
      nright = n
      var i = 1
      while i <= n {
        ys[i - 1] =
          estimate(
            y, n: n, len: len, ideg: ideg, xs: Double(i), nleft: nleft, nright: nright, w: &res,
            userw: userw, rw: rw) ?? y[i - 1]
        i += newnj
      }
    } else if newnj == 1 {
      let nsh = (len + 1) / 2
      nleft = 1
      nright = len
      for i in 1...n {
        if i > nsh && nright != n {
          nleft += 1
          nright += 1
        }
        ys[i - 1] =
          estimate(
            y, n: n, len: len, ideg: ideg, xs: Double(i), nleft: nleft, nright: nright, w: &res,
            userw: userw, rw: rw) ?? y[i - 1]
      }
    } else {
      let nsh = (len + 1) / 2
      var i = 1
      while i <= n {
        if i < nsh {
          nleft = 1
          nright = len
        } else if i >= n - nsh + 1 {
          nleft = n - len + 1
          nright = n
        } else {
          nleft = i - nsh + 1
          nright = len + i - nsh
        }
        ys[i - 1] =
          estimate(
            y, n: n, len: len, ideg: ideg, xs: Double(i), nleft: nleft, nright: nright, w: &res,
            userw: userw, rw: rw) ?? y[i - 1]
        i += newnj
      }
    }
    if newnj != 1 {
      var i = 1
      while i <= n - newnj {
        let delta = (ys[i + newnj - 1] - ys[i - 1]) / Double(newnj)
        for j in (i + 1)..<(i + newnj) { ys[j - 1] = ys[i - 1] + delta * Double(j - i) }
        i += newnj
      }
      let k = ((n - 1) / newnj) * newnj + 1
      if k != n {
        ys[n - 1] =
          estimate(
            y, n: n, len: len, ideg: ideg, xs: Double(n), nleft: nleft, nright: nright, w: &res,
            userw: userw, rw: rw) ?? y[n - 1]
        if k != n - 1 {
          let delta = (ys[n - 1] - ys[k - 1]) / Double(n - k)
          for j in (k + 1)..<n { ys[j - 1] = ys[k - 1] + delta * Double(j - k) }
        }
      }
    }
  }

  /// `stlest`: the local (tricube-weighted, degree 0 or 1) fit at `xs` over points `nleft...nright` (1-based);
  /// nil when every weight is zero.
  static func estimate(
    _ y: [Double], n: Int, len: Int, ideg: Int, xs: Double, nleft: Int, nright: Int,
    w: inout [Double], userw: Bool, rw: [Double]
  ) -> Double? {
    let range = Double(n) - 1
    var h = max(xs - Double(nleft), Double(nright) - xs)
    if len > n { h += Double((len - n) / 2) }
    let h9 = 0.999 * h
    let h1 = 0.001 * h
    var a = 0.0
    for j in nleft...nright {
      w[j - 1] = 0
      let r = abs(Double(j) - xs)
      if r <= h9 {
        if r <= h1 {
          w[j - 1] = 1
        } else {
          let u = r / h
          let c = 1 - u * u * u
          w[j - 1] = c * c * c
        }
        if userw { w[j - 1] *= rw[j - 1] }
        a += w[j - 1]
      }
    }
    guard a > 0 else { return nil }
    for j in nleft...nright { w[j - 1] /= a }
    if h > 0 && ideg > 0 {
      var mean = 0.0
      for j in nleft...nright { mean += w[j - 1] * Double(j) }
      var b = xs - mean
      var c = 0.0
      for j in nleft...nright { c += w[j - 1] * (Double(j) - mean) * (Double(j) - mean) }
      if c.squareRoot() > 0.001 * range {
        b /= c
        for j in nleft...nright { w[j - 1] *= b * (Double(j) - mean) + 1 }
      }
    }
    var ys = 0.0
    for j in nleft...nright { ys += w[j - 1] * y[j - 1] }
    return ys
  }
}
