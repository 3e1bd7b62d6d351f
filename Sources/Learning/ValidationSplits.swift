/// One validation fold: row indices to train on and to validate on.
public struct Fold: Sendable, Hashable {
  public var train: [Int]
  public var validation: [Int]
  public init(train: [Int], validation: [Int]) {
    self.train = train
    self.validation = validation
  }
}

/// The validation scheme used before the final fit.
public enum ValidationScheme: String, Sendable, CaseIterable {
  /// scikit-learn `KFold(shuffle=False)`: consecutive blocks in row order.
  case kfold
  /// scikit-learn `TimeSeriesSplit` over distinct days: expanding window, validation always after training.
  case timeseries
}

public enum ValidationSplits {
  /// scikit-learn `KFold(n_splits: k, shuffle=False)`: fold sizes `n / k`, the first `n % k` folds one row larger;
  /// fold i validates on its block and trains on every other row (in row order).
  /// Requires `2 <= k <= n`; otherwise returns `[]`.
  public static func kFold(count n: Int, folds k: Int) -> [Fold] {
    guard k >= 2, k <= n else { return [] }
    var folds: [Fold] = []
    var start = 0
    for i in 0..<k {
      let size = n / k + (i < n % k ? 1 : 0)
      let val = Array(start..<(start + size))
      let train = Array(0..<start) + Array((start + size)..<n)
      folds.append(Fold(train: train, validation: val))
      start += size
    }
    return folds
  }

  /// scikit-learn `TimeSeriesSplit(n_splits: k)` applied to the sorted distinct values of `days`, so that rows of
  /// one day never straddle training and validation: with `D` distinct days and `s = D / (k + 1)`, fold i validates
  /// on days `[D - (k - i) s, D - (k - i - 1) s)` and trains on every earlier day. Row indices keep their order.
  /// Requires `2 <= k` and `k + 1 <= D`; otherwise returns `[]`.
  public static func timeSeries(days: [Int], folds k: Int) -> [Fold] {
    let distinct = Array(Set(days)).sorted()
    let d = distinct.count
    guard k >= 2, k + 1 <= d else { return [] }
    let size = d / (k + 1)
    var rank: [Int: Int] = [:]
    for (i, day) in distinct.enumerated() { rank[day] = i }
    var folds: [Fold] = []
    for i in 0..<k {
      let valStart = d - (k - i) * size
      let valEnd = valStart + size
      var train: [Int] = []
      var val: [Int] = []
      for (row, day) in days.enumerated() {
        let r = rank[day, default: 0]
        if r < valStart { train.append(row) } else if r < valEnd { val.append(row) }
      }
      folds.append(Fold(train: train, validation: val))
    }
    return folds
  }
}
