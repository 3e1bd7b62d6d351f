/// Row-window statistics with pandas' exact arithmetic, for the tutorial pipeline.
///
/// `Series.rolling(window: w, min_periods: 1)` over rows in order. Both kernels are transcriptions of pandas 3.x
/// `_libs/window/aggregations.pyx` (`roll_mean`, `roll_var`), so the tutorial's features agree with pandas to the
/// last bit, not merely to a tolerance:
/// - inputs that are ±infinity are treated as NaN (pandas' `Rolling._prep_values`); NaN inputs are skipped;
/// - the mean is a Kahan-compensated running sum with separate compensations for additions and removals, clamped
///   to 0 when its sign disagrees with all the window's values; a window with no finite value gives NaN;
/// - the variance is Welford's update with Kahan compensation, recomputed from scratch for a window when an update
///   loses more than three significant digits; ddof 1, so a window with fewer than two values gives NaN;
/// - the standard deviation is the square root of the variance, with a negative variance giving 0 (`zsqrt`).
enum PandasRolling {
  /// Rolling mean, window `w` rows (the current row and the `w - 1` before it), min_periods 1.
  static func mean(_ input: [Double], window w: Int) -> [Double] {
    let values = input.map { $0.isInfinite ? Double.nan : $0 }
    var out = [Double](repeating: .nan, count: values.count)
    var nobs = 0, negCount = 0, consecutiveSame = 0
    var sum = 0.0, compensationAdd = 0.0, compensationRemove = 0.0
    var previous = Double.nan
    func add(_ v: Double) {
      guard !v.isNaN else { return }
      nobs += 1
      let y = v - compensationAdd
      let t = sum + y
      compensationAdd = t - sum - y
      sum = t
      if v.sign == .minus { negCount += 1 }
      if v == previous { consecutiveSame += 1 } else { consecutiveSame = 1 }
      previous = v
    }
    func remove(_ v: Double) {
      guard !v.isNaN else { return }
      nobs -= 1
      let y = -v - compensationRemove
      let t = sum + y
      compensationRemove = t - sum - y
      sum = t
      if v.sign == .minus { negCount -= 1 }
    }
    for i in 0..<values.count {
      if i == 0 {
        previous = values[0]
        add(values[0])
      } else {
        if i - w >= 0 { remove(values[i - w]) }
        add(values[i])
      }
      if nobs > 0 {
        var r = sum / Double(nobs)
        if consecutiveSame >= nobs {
          r = previous
        } else if negCount == 0, r < 0 {
          r = 0
        } else if negCount == nobs, r > 0 {
          r = 0
        }
        out[i] = r
      }
    }
    return out
  }

  /// Rolling sample variance (ddof 1), window `w` rows, min_periods 1.
  static func variance(_ input: [Double], window w: Int) -> [Double] {
    let values = input.map { $0.isInfinite ? Double.nan : $0 }
    let invCondTol = Double.ulpOfOne * 1e3
    var out = [Double](repeating: .nan, count: values.count)
    var nobs = 0.0, mean = 0.0, ssqdm = 0.0, compensationAdd = 0.0, compensationRemove = 0.0
    var unstable = false
    func add(_ v: Double) {
      guard !v.isNaN else { return }
      let previousM2 = ssqdm
      nobs += 1
      let previousMean = mean - compensationAdd
      let y = v - compensationAdd
      let t = y - mean
      compensationAdd = t + mean - y
      mean = nobs != 0 ? mean + t / nobs : 0
      ssqdm = ssqdm + (v - previousMean) * (v - mean)
      if previousM2 * invCondTol > ssqdm { unstable = true }
    }
    func remove(_ v: Double) {
      guard !v.isNaN else { return }
      let previousM2 = ssqdm
      nobs -= 1
      if nobs != 0 {
        let previousMean = mean - compensationRemove
        let y = v - compensationRemove
        let t = y - mean
        compensationRemove = t + mean - y
        mean = mean - t / nobs
        ssqdm = ssqdm - (v - previousMean) * (v - mean)
        if previousM2 * invCondTol > ssqdm { unstable = true }
      } else {
        mean = 0
        ssqdm = 0
        unstable = false
      }
    }
    for i in 0..<values.count {
      let s = max(0, i - w + 1)
      let recompute = i == 0
      if !recompute {
        if i - w >= 0 { remove(values[i - w]) }
        add(values[i])
      }
      if recompute || unstable {
        nobs = 0
        mean = 0
        ssqdm = 0
        compensationAdd = 0
        compensationRemove = 0
        for j in s...i { add(values[j]) }
        unstable = false
      }
      if nobs >= 1, nobs > 1 { out[i] = ssqdm / (nobs - 1) }
    }
    return out
  }

  /// Rolling sample standard deviation: `sqrt` of ``variance(_:window:)``, negative variances giving 0.
  static func std(_ input: [Double], window w: Int) -> [Double] {
    variance(input, window: w).map { $0.isNaN ? .nan : ($0 < 0 ? 0 : $0.squareRoot()) }
  }
}
