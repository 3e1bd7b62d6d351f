import AlmanacCore

/// How training rows are rebalanced before fitting. Applied to training folds only, never to validation or test rows.
public enum Oversampling: String, Sendable, CaseIterable {
  case none
  /// imbalanced-learn `RandomOverSampler`: minority rows drawn uniformly with replacement and appended.
  case random
  /// imbalanced-learn `SMOTE`: synthetic minority rows `x + u (nn - x)`, `u ~ U(0, 1)`, `nn` one of the `k` nearest
  /// minority neighbours of `x` (Euclidean, self excluded), appended after the original rows.
  case smote
  /// No new rows: per-row BCE weights in scikit-learn's 'balanced' style (see ``Rebalancer/classWeights``).
  case classWeight = "class_weight"
}

/// The result of rebalancing: the rows to train on and optional per-row loss weights.
public struct RebalancedData: Sendable {
  public var x: Matrix
  public var y: [Float]
  /// Per-row BCE weights (class_weight only).
  public var weights: [Float]?
  /// Warnings for people (for example too few minority rows for SMOTE).
  public var warnings: [String]
}

/// Rebalancing of binary training data (labels 0/1) with imbalanced-learn semantics.
public enum Rebalancer {
  /// Number of minority rows to add so that minority/majority reaches `ratio` after resampling:
  /// `Int(ratio * n_majority - n_minority)` (imbalanced-learn's float `sampling_strategy`; 1.0 = 'auto').
  /// Never negative.
  public static func rowsToAdd(minority: Int, majority: Int, ratio: Double) -> Int {
    max(0, Int(ratio * Double(majority) - Double(minority)))
  }

  /// Rebalances (`x`, `y`). The minority class is the less frequent label (ties: nothing to do).
  /// Data with a single class, or empty data, is returned unchanged (with a warning for a single class).
  ///
  /// - Parameters:
  ///   - ratio: minority/majority after resampling (> 0, default 1).
  ///   - k: SMOTE neighbours (default 5); reduced to `n_minority - 1` with a warning when the minority is smaller,
  ///     and random oversampling is used when the minority has a single row.
  public static func apply(
    _ method: Oversampling, x: Matrix, y: [Float], ratio: Double = 1, k: Int = 5,
    generator: inout SplitMix64
  ) -> RebalancedData {
    precondition(x.rows == y.count, "Rebalancer: x and y lengths differ")
    switch plan(method, y: y, ratio: ratio, k: k, generator: &generator) {
    case .keep(let warnings):
      return RebalancedData(x: x, y: y, weights: nil, warnings: warnings)
    case .weights(let weights):
      return RebalancedData(x: x, y: y, weights: weights, warnings: [])
    case .append(let rows, let label, let warnings):
      let newX: Matrix
      switch rows {
      case .copies(let picks): newX = x.rows(picks)
      case .smote(let minority, let count, let k):
        newX = smote(x.rows(minority), count: count, k: k, generator: &generator)
      }
      return RebalancedData(
        x: x.appending(newX), y: y + [Float](repeating: label, count: newX.rows), weights: nil, warnings: warnings)
    }
  }

  /// What rebalancing does to a training set, decided from its labels alone, so that matrices and sequences
  /// (``ClassifierEvaluation/rebalance(_:x:y:ratio:k:generator:)``) share one rule, one order of random draws and
  /// the same warnings.
  public enum Plan: Sendable, Equatable {
    /// Leave the rows as they are (nothing to do, or a single class: the warnings say why).
    case keep(warnings: [String])
    /// Per-row loss weights (`class_weight`).
    case weights([Float])
    /// Append minority rows with `label`.
    case append(Rows, label: Float, warnings: [String])

    /// The rows `append` adds.
    public enum Rows: Sendable, Equatable {
      /// Copies of these rows (random oversampling; already drawn).
      case copies([Int])
      /// `count` SMOTE rows from these minority rows with `k` neighbours; the caller draws them after the plan
      /// (``smote(_:count:k:generator:)``'s draws).
      case smote(minority: [Int], count: Int, k: Int)
    }
  }

  /// The plan for rebalancing labels `y`. The minority class is the less frequent label (ties: nothing to do); data
  /// with a single class, or empty data, is kept (with a warning for a single class). Random picks are drawn here;
  /// SMOTE draws are left to the caller, in that order.
  public static func plan(
    _ method: Oversampling, y: [Float], ratio: Double = 1, k: Int = 5, generator: inout SplitMix64
  ) -> Plan {
    var warnings: [String] = []
    if method == .none || y.isEmpty { return .keep(warnings: []) }
    let positives = y.indices.filter { y[$0] >= 0.5 }
    let negatives = y.indices.filter { y[$0] < 0.5 }
    if positives.isEmpty || negatives.isEmpty {
      return .keep(warnings: ["\(method.rawValue): training rows hold one class only; nothing to rebalance"])
    }
    let minorityIsPositive = positives.count <= negatives.count
    let minority = minorityIsPositive ? positives : negatives
    let majority = minorityIsPositive ? negatives : positives
    let minorityLabel: Float = minorityIsPositive ? 1 : 0
    if method == .classWeight {
      let w = classWeights(y: y, ratio: ratio)
      return .weights(y.map { $0 >= 0.5 ? w.positive : w.negative })
    }
    let add = rowsToAdd(minority: minority.count, majority: majority.count, ratio: ratio)
    if add == 0 { return .keep(warnings: warnings) }
    var method = method
    if method == .smote && minority.count < 2 {
      warnings.append("smote: a single minority row; used random oversampling instead")
      method = .random
    }
    switch method {
    case .random:
      var picks: [Int] = []
      picks.reserveCapacity(add)
      for _ in 0..<add { picks.append(minority[generator.nextIndex(below: minority.count)]) }
      return .append(.copies(picks), label: minorityLabel, warnings: warnings)
    default:
      var kk = k
      if minority.count - 1 < k {
        kk = minority.count - 1
        warnings.append("smote: \(minority.count) minority rows; k_neighbors reduced from \(k) to \(kk)")
      }
      return .append(.smote(minority: minority, count: add, k: kk), label: minorityLabel, warnings: warnings)
    }
  }

  /// sklearn `compute_class_weight('balanced')` scaled to a target ratio: the majority class gets
  /// `n / (2 n_majority)` and the minority `ratio * n_majority / n_minority` times that, so that with `ratio = 1` each
  /// class weighs `n / (2 n_class)` and the classes' total weights are equal. One class only: both weights 1.
  public static func classWeights(y: [Float], ratio: Double = 1) -> (negative: Float, positive: Float) {
    let p = Double(y.lazy.filter { $0 >= 0.5 }.count)
    let n = Double(y.count) - p
    guard p > 0, n > 0 else { return (1, 1) }
    let total = p + n
    if p <= n {
      let wMaj = total / (2 * n)
      return (Float(wMaj), Float(ratio * n / p * wMaj))
    } else {
      let wMaj = total / (2 * p)
      return (Float(ratio * p / n * wMaj), Float(wMaj))
    }
  }

  /// `count` SMOTE samples from the rows of `minority` (imbalanced-learn `_make_samples`): a uniform draw over the
  /// (row, neighbour) pairs, then `x + u (nn - x)` with `u ~ U(0, 1)`. Neighbours are the `k` nearest other rows by
  /// Euclidean distance (ties by row order).
  public static func smote(_ minority: Matrix, count: Int, k: Int, generator: inout SplitMix64) -> Matrix {
    let m = minority.rows
    let d = minority.columns
    precondition(k >= 1 && k < m, "smote: need 1 <= k < minority rows")
    let neighbours = nearestNeighbours(minority, k: k)
    var out = [Float]()
    out.reserveCapacity(count * d)
    minority.values.withUnsafeBufferPointer { v in
      for _ in 0..<count {
        let s = generator.nextIndex(below: m * k)
        let row = s / k
        let nn = neighbours[row * k + s % k]
        let u = Float(generator.nextUnit())
        for c in 0..<d {
          let a = v[row * d + c]
          out.append(a + u * (v[nn * d + c] - a))
        }
      }
    }
    return Matrix(rows: count, columns: d, values: out)
  }

  /// Indices of the `k` nearest other rows of each row (row-major `[m x k]`), by squared Euclidean distance,
  /// ties broken by lower index. Brute force, O(m² d).
  public static func nearestNeighbours(_ x: Matrix, k: Int) -> [Int] {
    let m = x.rows
    let d = x.columns
    var result = [Int](repeating: 0, count: m * k)
    var dist = [Double](repeating: 0, count: m)
    x.values.withUnsafeBufferPointer { v in
      for i in 0..<m {
        for j in 0..<m {
          var s: Double = 0
          for c in 0..<d {
            let t = Double(v[i * d + c]) - Double(v[j * d + c])
            s += t * t
          }
          dist[j] = s
        }
        let order = (0..<m).filter { $0 != i }.sorted { dist[$0] < dist[$1] || (dist[$0] == dist[$1] && $0 < $1) }
        for t in 0..<k { result[i * k + t] = order[t] }
      }
    }
    return result
  }
}
