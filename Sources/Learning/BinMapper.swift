/// Maps real-valued features to small integer bins, exactly as scikit-learn 1.9's `_BinMapper` (numerical features).
///
/// For each feature, missing values (NaN) are ignored, and so are rows of weight 0 when weights are given. Then:
/// - one distinct value (or none): no threshold, a single bin;
/// - at most `maxBins` distinct values: the midpoints `(v[i] + v[i+1]) / 2` of consecutive distinct values;
/// - more: the `maxBins - 1` quantiles at `i * (100 / maxBins)` percent, `i = 1..<maxBins`, by NumPy's
///   `averaged_inverted_cdf` method (unweighted) or scikit-learn's `_weighted_percentile(average=True)` (weighted),
///   with duplicates removed;
/// - thresholds are clipped above at 1e300 (scikit-learn's `ALMOST_INF`).
///
/// A value `x` goes to bin `i` when `thresholds[i - 1] < x <= thresholds[i]` (the number of thresholds below `x`);
/// NaN goes to the missing-values bin ``missingBin`` (= `maxBins`, whatever the feature), which is why at most 255
/// bins fit in a byte. scikit-learn subsamples 200,000 rows (with NumPy's generator) before computing quantiles of
/// larger data; Almanac always uses every row, so the two agree exactly up to 200,000 rows.
public struct BinMapper: Sendable, Hashable {
  /// Bins for non-missing values at most (2...255).
  public let maxBins: Int
  /// Upper bounds of the bins of each feature, increasing; `thresholds[f].count + 1` bins are used.
  public let thresholds: [[Double]]

  /// The bin of missing values (NaN), the same for every feature.
  public var missingBin: Int { maxBins }
  /// Number of bins used by non-missing values of each feature (`thresholds[f].count + 1`).
  public var nonMissingBinCounts: [Int] { thresholds.map { $0.count + 1 } }

  /// scikit-learn's `ALMOST_INF`: thresholds are clipped to it, so that +inf is only a "split on NaN" threshold.
  static let almostInfinity = 1e300

  public init(maxBins: Int, thresholds: [[Double]]) {
    precondition((2...255).contains(maxBins), "BinMapper: maxBins must be in 2...255")
    self.maxBins = maxBins
    self.thresholds = thresholds
  }

  /// Fits thresholds on `columns` (one array per feature, all of the same length), optionally weighted.
  ///
  /// - Parameters:
  ///   - maxBins: in 2...255 (scikit-learn's `max_bins`).
  ///   - weights: one non-negative weight per row, or nil.
  public static func fit(columns: [[Double]], weights: [Double]? = nil, maxBins: Int) -> BinMapper {
    fitTransform(columns: columns, weights: weights, maxBins: maxBins).mapper
  }

  /// ``fit(columns:weights:maxBins:)`` and the bins of the same rows, feature-major (as ``transform(_:)`` of the same
  /// values): each column is sorted once, and its bins follow from one walk of the sorted values against the
  /// thresholds instead of a search per value.
  public static func fitTransform(columns: [[Double]], weights: [Double]? = nil, maxBins: Int)
    -> (mapper: BinMapper, binned: [UInt8])
  {
    precondition((2...255).contains(maxBins), "BinMapper: maxBins must be in 2...255")
    let n = columns.first?.count ?? 0
    var binned = [UInt8](repeating: UInt8(maxBins), count: n * columns.count)
    var thresholds: [[Double]] = []
    thresholds.reserveCapacity(columns.count)
    for (f, values) in columns.enumerated() {
      precondition(values.count == n, "BinMapper: columns of different lengths")
      let order = sortedOrder(values)
      let t = self.thresholds(of: values, order: order, weights: weights, maxBins: maxBins)
      // Bin of a value: the number of thresholds below it (NaN rows keep the missing-values bin).
      binned.withUnsafeMutableBufferPointer { out in
        var j = 0
        for i in order {
          let v = values[Int(i)]
          while j < t.count && t[j] < v { j &+= 1 }
          out[f &* n &+ Int(i)] = UInt8(truncatingIfNeeded: j)
        }
      }
      thresholds.append(t)
    }
    return (BinMapper(maxBins: maxBins, thresholds: thresholds), binned)
  }

  /// The thresholds of one feature (see the type's documentation), from the rows of its non-missing values in
  /// increasing order (``sortedOrder(_:)``).
  private static func thresholds(of values: [Double], order: [Int32], weights: [Double]?, maxBins: Int) -> [Double] {
    precondition(weights.map { $0.count == values.count } ?? true, "BinMapper: one weight per value")
    // The non-missing values (and, when weighted, those of non-zero weight) in increasing order with their weights.
    var pairs: [(value: Double, weight: Double)] = []
    pairs.reserveCapacity(order.count)
    if let weights {
      for i in order where weights[Int(i)] != 0 { pairs.append((values[Int(i)], weights[Int(i)])) }
    } else {
      for i in order { pairs.append((values[Int(i)], 1)) }
    }
    var distinct: [Double] = []
    for p in pairs where distinct.last != p.value { distinct.append(p.value) }
    if distinct.count <= 1 { return [] }
    var result: [Double]
    if distinct.count <= maxBins {
      result = (0..<(distinct.count - 1)).map { (distinct[$0] + distinct[$0 + 1]) / 2 }
    } else {
      // np.linspace(0, 100, maxBins + 1)[1:-1]: i * step with step = 100 / maxBins.
      let step = 100 / Double(maxBins)
      let percentiles = (1..<maxBins).map { Double($0) * step }
      if weights == nil {
        result = percentiles.map { averagedInvertedCDF(sorted: pairs, percentile: $0) }
      } else {
        var cdf: [Double] = []
        cdf.reserveCapacity(pairs.count)
        var s = 0.0
        for p in pairs {
          s += p.weight
          cdf.append(s)
        }
        result = percentiles.map { weightedPercentile(sorted: pairs, cdf: cdf, percentile: $0) }
      }
      var unique: [Double] = []
      for t in result where unique.last != t { unique.append(t) }
      result = unique
    }
    return result.map { $0 > almostInfinity ? almostInfinity : $0 }
  }

  /// The rows of the values other than NaN, in increasing order of value, equal values in row order (as a stable
  /// comparison sort: -0 and +0 compare equal and keep their order). A least-significant-digit radix sort of the bit
  /// patterns mapped to order-preserving unsigned keys (both zeros to one key), a byte per pass, skipping the bytes
  /// that every key shares (the low 29 bits of a Double from a Float, for one); each pass is stable.
  static func sortedOrder(_ values: [Double]) -> [Int32] {
    // Values that are all Floats (as the features of a fit) sort on 32-bit keys: half the passes.
    if values.allSatisfy({ $0.isNaN || Double(Float($0)) == $0 }) {
      return radixOrder(values) { v -> UInt32 in
        if v == 0 { return 1 &<< 31 }
        let bits = Float(v).bitPattern
        return bits &>> 31 == 1 ? ~bits : bits | 1 &<< 31
      }
    }
    return radixOrder(values) { v -> UInt64 in
      if v == 0 { return 1 &<< 63 }
      let bits = v.bitPattern
      return bits &>> 63 == 1 ? ~bits : bits | 1 &<< 63
    }
  }

  /// ``sortedOrder(_:)`` by the order-preserving unsigned `key` of each value (equal values, equal keys).
  private static func radixOrder<Key: FixedWidthInteger & UnsignedInteger>(
    _ values: [Double], key: (Double) -> Key
  ) -> [Int32] {
    var keys: [Key] = []
    keys.reserveCapacity(values.count)
    var order: [Int32] = []
    order.reserveCapacity(values.count)
    for (i, v) in values.enumerated() where !v.isNaN {
      keys.append(key(v))
      order.append(Int32(truncatingIfNeeded: i))
    }
    let n = keys.count
    var keys2 = keys
    var order2 = order
    var starts = [Int](repeating: 0, count: 256)
    for shift in stride(from: 0, to: Key.bitWidth, by: 8) {
      let skip = starts.withUnsafeMutableBufferPointer { c in
        keys.withUnsafeBufferPointer { k in
          for b in 0..<256 { c[b] = 0 }
          for i in 0..<n { c[Int(truncatingIfNeeded: k[i] &>> shift & 0xff)] &+= 1 }
          if c.contains(n) { return true }
          var start = 0
          for b in 0..<256 {
            let count = c[b]
            c[b] = start
            start &+= count
          }
          return false
        }
      }
      if skip { continue }
      starts.withUnsafeMutableBufferPointer { c in
        keys.withUnsafeBufferPointer { k in
          order.withUnsafeBufferPointer { o in
            keys2.withUnsafeMutableBufferPointer { k2 in
              order2.withUnsafeMutableBufferPointer { o2 in
                for i in 0..<n {
                  let b = Int(truncatingIfNeeded: k[i] &>> shift & 0xff)
                  let at = c[b]
                  c[b] = at &+ 1
                  k2[at] = k[i]
                  o2[at] = o[i]
                }
              }
            }
          }
        }
      }
      swap(&keys, &keys2)
      swap(&order, &order2)
    }
    return order
  }

  /// `np.percentile(x, p, method="averaged_inverted_cdf")` of sorted values: virtual index `n p / 100 - 1`; the next
  /// order statistic, or the midpoint `b - (b - a) / 2` of two when the index is whole.
  private static func averagedInvertedCDF(sorted: [(value: Double, weight: Double)], percentile: Double) -> Double {
    let n = sorted.count
    let v = Double(n) * (percentile / 100) - 1
    if v >= Double(n - 1) { return sorted[n - 1].value }
    if v < 0 { return sorted[0].value }
    let lower = v.rounded(.down)
    let i = Int(lower)
    let a = sorted[i].value
    let b = sorted[i + 1].value
    // NumPy's _lerp with gamma 1 (b) or 0.5 (b - (b - a) * 0.5).
    return v - lower == 0 ? b - (b - a) * 0.5 : b
  }

  /// scikit-learn's `_weighted_percentile(x, w, p, average=True)` of sorted values with positive weights.
  private static func weightedPercentile(
    sorted: [(value: Double, weight: Double)], cdf: [Double],
    percentile: Double
  ) -> Double {
    let n = sorted.count
    guard let total = cdf.last else { return .nan }
    var target = percentile / 100 * total
    if target == 0 { target = target.nextUp }
    // searchsorted(cdf, target, side="left"): the first index with cdf[i] >= target.
    var lo = 0
    var hi = n
    while lo < hi {
      let mid = (lo + hi) / 2
      if cdf[mid] < target { lo = mid + 1 } else { hi = mid }
    }
    let i = min(lo, n - 1)
    let fractionAbove = cdf[i] - target
    if fractionAbove > Double.ulpOfOne { return sorted[i].value }
    let next = min(i + 1, n - 1)
    return (sorted[i].value + sorted[next].value) / 2
  }

  /// The bin of `value` for feature `feature`.
  @inline(__always)
  public func bin(_ value: Double, feature: Int) -> Int {
    if value.isNaN { return missingBin }
    return thresholds[feature].withUnsafeBufferPointer { Self.search($0, value) }
  }

  /// Number of thresholds `< value` (binary search over increasing thresholds; NaN is handled by the caller).
  @inline(__always)
  static func search(_ t: UnsafeBufferPointer<Double>, _ value: Double) -> Int {
    var left = 0
    var right = t.count
    while left < right {
      let middle = left &+ (right &- left &- 1) / 2
      if value <= t[middle] { right = middle } else { left = middle &+ 1 }
    }
    return left
  }

  /// Bins every row of `x` (row-major `rows x thresholds.count`), feature-major: bin of (row r, feature f) at
  /// `f * rows + r`.
  public func transform(_ x: Matrix) -> [UInt8] {
    precondition(x.columns == thresholds.count, "BinMapper: \(x.columns) columns, fitted on \(thresholds.count)")
    let n = x.rows
    var out = [UInt8](repeating: 0, count: n * x.columns)
    let missing = UInt8(missingBin)
    out.withUnsafeMutableBufferPointer { o in
      x.values.withUnsafeBufferPointer { v in
        for f in 0..<x.columns {
          thresholds[f].withUnsafeBufferPointer { t in
            for r in 0..<n {
              let value = v[r &* x.columns &+ f]
              o[f &* n &+ r] = value.isNaN ? missing : UInt8(truncatingIfNeeded: Self.search(t, Double(value)))
            }
          }
        }
      }
    }
    return out
  }
}
