import AlmanacCore

/// When early stopping is on (scikit-learn's `early_stopping`).
public enum EarlyStopping: String, Sendable, Hashable, CaseIterable {
  /// On when the training set has more than 10,000 rows (scikit-learn's default `'auto'`).
  case auto
  case on
  case off
}

/// Class weights multiplied into the sample weights (scikit-learn's `class_weight`).
public enum TreeClassWeight: String, Sendable, Hashable, CaseIterable {
  case none
  /// `n / (2 * n_c)` for class c (`compute_sample_weight('balanced')`); 1 when only one class is present.
  case balanced
}

/// The settings of ``GradientBoostedTrees`` (scikit-learn `HistGradientBoostingClassifier` names and defaults).
public struct GradientBoostingConfig: Sendable, Hashable {
  /// Shrinkage of every leaf value, > 0 (default 0.1).
  public var learningRate: Double = 0.1
  /// Boosting iterations (trees) at most, >= 1 (default 100).
  public var maxIter: Int = 100
  /// Leaves per tree at most, >= 2, or nil for no limit (default 31).
  public var maxLeafNodes: Int? = 31
  /// Depth (edges from the root) at most, >= 1, or nil for no limit (default nil).
  public var maxDepth: Int? = nil
  /// Training rows per leaf at least, >= 1 (default 20).
  public var minSamplesLeaf: Int = 20
  /// L2 penalty on leaf values, >= 0 (default 0).
  public var l2Regularization: Double = 0
  /// Bins for non-missing values per feature, 2...255 (default 255).
  public var maxBins: Int = 255
  public var earlyStopping: EarlyStopping = .auto
  /// Share of the training rows held out (stratified) to score early stopping, in (0, 1); nil scores the training
  /// loss instead (default 0.1).
  public var validationFraction: Double? = 0.1
  /// Stop when none of the last `nIterNoChange` scores beats the one before them by more than ``tol`` (>= 1,
  /// default 10).
  public var nIterNoChange: Int = 10
  /// >= 0 (default 1e-7).
  public var tol: Double = 1e-7
  public var classWeight: TreeClassWeight = .none

  public init() {}

  /// Throws a ``LearningError`` naming the first setting out of its bounds.
  public func validate() throws {
    func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
      if !ok { throw LearningError(message()) }
    }
    try check(learningRate > 0 && learningRate.isFinite, "learning_rate must be > 0, got \(learningRate)")
    try check(maxIter >= 1, "max_iter must be >= 1, got \(maxIter)")
    try check(maxLeafNodes.map { $0 >= 2 } ?? true, "max_leaf_nodes must be >= 2, got \(maxLeafNodes ?? 0)")
    try check(maxDepth.map { $0 >= 1 } ?? true, "max_depth must be >= 1, got \(maxDepth ?? 0)")
    try check(minSamplesLeaf >= 1, "min_samples_leaf must be >= 1, got \(minSamplesLeaf)")
    try check(
      l2Regularization >= 0 && l2Regularization.isFinite,
      "l2_regularization must be >= 0, got \(l2Regularization)")
    try check((2...255).contains(maxBins), "max_bins must be in 2...255, got \(maxBins)")
    try check(
      validationFraction.map { $0 > 0 && $0 < 1 } ?? true,
      "validation_fraction must be in (0, 1), got \(validationFraction ?? 0)")
    try check(nIterNoChange >= 1, "n_iter_no_change must be >= 1, got \(nIterNoChange)")
    try check(tol >= 0 && tol.isFinite, "tol must be >= 0, got \(tol)")
  }
}

/// A gradient-boosted tree classifier for binary labels, histogram-based like scikit-learn 1.9's
/// `HistGradientBoostingClassifier` with `loss='log_loss'`.
///
/// The raw score of a row is `baseline + sum of the trees' values` (log-odds); `P(y = 1) = 1 / (1 + exp(-raw))`.
/// Training: features binned by ``BinMapper`` (fitted on the training rows, weighted when weights are given);
/// baseline `logit(weighted mean of y)` (clipped to [1e-15·2.2, 1 - ...] as scikit-learn's `10 * eps`); then, per
/// iteration, gradients `w (p - y)` and hessians `w p (1 - p)` (scikit-learn's `cgrad_hess_half_binomial`: from
/// `exp(-raw)`, or first order below -37; stored in Float, as scikit-learn's float32) and one
/// tree grown by ``TreeGrower``'s rules, its leaves added to the raw scores.
///
/// Early stopping (``EarlyStopping``) scores `-mean weighted log loss` before the first tree and after each one,
/// on a held-out validation split or (``GradientBoostingConfig/validationFraction`` nil) on the training rows, and
/// stops when none of the last `n_iter_no_change` scores improves on the score before them by more than `tol`
/// (scikit-learn's `scoring='loss'`). The validation split is stratified: `ceil(fraction * n)` rows, shared between
/// the classes in proportion (largest remainders first), drawn by a Fisher–Yates shuffle of each class's rows with
/// the caller's `SplitMix64`. scikit-learn draws the same kind of split with NumPy's generator
/// (`train_test_split(stratify=y)`), so the rows differ and results with early stopping agree only in distribution;
/// without early stopping there is no randomness and the trees equal scikit-learn's.
///
/// Inputs: labels in {0, 1}; features may be NaN (missing values get their own bin and learn their direction);
/// infinite features are rejected. Empty training data is an error.
public struct GradientBoostedTrees: Sendable, Hashable {
  public var config: GradientBoostingConfig
  public var mapper: BinMapper
  /// The raw score before any tree.
  public var baseline: Double
  public var trees: [BoostedTree]
  /// `-loss` before the first tree and after each (with early stopping only, as scikit-learn's `train_score_`).
  public var trainScore: [Double]
  /// The same on the validation split (early stopping with a validation fraction).
  public var validationScore: [Double]
  /// Mean weighted training log loss after each tree (always recorded; the classify task's `train_loss` series).
  public var trainLoss: [Double]

  /// Number of trees (scikit-learn's `n_iter_`).
  public var iterations: Int { trees.count }

  /// Fits on (`x`, `y`) with optional per-row `sampleWeights` (>= 0, multiplied by the class weights).
  ///
  /// - Parameter generator: used only for the early-stopping validation split.
  /// - Parameter isCancelled: polled before each iteration; a cancelled fit keeps the trees grown so far.
  /// - Throws: ``LearningError`` for bad settings, empty data, labels other than 0/1, infinite features, negative
  ///   or all-zero weights, or too few rows for the validation split.
  public static func fit(
    x: Matrix, y: [Float], sampleWeights: [Float]? = nil, config: GradientBoostingConfig,
    generator: inout SplitMix64, isCancelled: () -> Bool = { false }
  ) throws
    -> GradientBoostedTrees
  {
    try fit(
      x: x, y: y, sampleWeights: sampleWeights, config: config, generator: &generator, isCancelled: isCancelled,
      fastPaths: kernelsVectorised)
  }

  /// ``fit(x:y:sampleWeights:config:generator:isCancelled:)`` with the grower's fast paths chosen (see
  /// ``TreeGrower/fastPaths``; both choices give bit-identical models).
  static func fit(
    x: Matrix, y: [Float], sampleWeights: [Float]?, config: GradientBoostingConfig,
    generator: inout SplitMix64, isCancelled: () -> Bool, fastPaths: Bool
  ) throws
    -> GradientBoostedTrees
  {
    try config.validate()
    guard x.rows == y.count else { throw LearningError("gbdt: \(x.rows) feature rows but \(y.count) labels") }
    guard x.rows > 0, x.columns > 0 else { throw LearningError("gbdt: no training rows or no features") }
    guard y.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw LearningError("gbdt: labels must be 0 or 1") }
    guard x.values.allSatisfy({ !$0.isInfinite }) else { throw LearningError("gbdt: features must be finite or NaN") }
    var weights: [Double]? = try sampleWeights.map { w in
      guard w.count == y.count else { throw LearningError("gbdt: one sample weight per row") }
      guard w.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
        throw LearningError("gbdt: sample weights must be finite and >= 0")
      }
      return w.map(Double.init)
    }
    if config.classWeight == .balanced {
      let n = Double(y.count)
      let positives = Double(y.reduce(0) { $0 + Int($1) })
      let classes = (positives > 0 ? 1.0 : 0) + (positives < n ? 1.0 : 0)
      let wp = n / (classes * positives)
      let wn = n / (classes * (n - positives))
      let cw = y.map { $0 == 1 ? wp : wn }
      weights = weights.map { zip($0, cw).map { $0 * $1 } } ?? cw
    }

    let early: Bool
    switch config.earlyStopping {
    case .auto: early = x.rows > 10_000
    case .on: early = true
    case .off: early = false
    }
    var trainRows = Array(0..<x.rows)
    var validationRows: [Int] = []
    if early, let fraction = config.validationFraction {
      (trainRows, validationRows) = stratifiedSplit(y: y, fraction: fraction, generator: &generator)
      guard !trainRows.isEmpty, !validationRows.isEmpty else {
        throw LearningError("gbdt: \(x.rows) rows are too few for a validation fraction of \(fraction)")
      }
    }
    let subset = trainRows.count == x.rows
    let xTrain = subset ? x : x.rows(trainRows)
    let yTrain = subset ? y.map(Double.init) : trainRows.map { Double(y[$0]) }
    let wTrain = weights.map { w in subset ? w : trainRows.map { w[$0] } }
    let xVal = x.rows(validationRows)
    let yVal = validationRows.map { Double(y[$0]) }
    let wVal = weights.map { w in validationRows.map { w[$0] } }
    if let wTrain, !(wTrain.reduce(0, +) > 0) { throw LearningError("gbdt: the training weights sum to 0") }

    let n = xTrain.rows
    let p = xTrain.columns
    var columns = [[Double]](repeating: [], count: p)
    for f in 0..<p { columns[f] = (0..<n).map { Double(xTrain.values[$0 * p + f]) } }
    let (mapper, binned) = BinMapper.fitTransform(columns: columns, weights: wTrain, maxBins: config.maxBins)
    let binnedVal = mapper.transform(xVal)
    let hasMissing = (0..<p).map { f in binned[(f * n)..<((f + 1) * n)].contains(UInt8(mapper.missingBin)) }

    // Baseline: logit of the weighted mean label, clipped to [10 eps, 1 - 10 eps].
    let mean: Double
    if let wTrain {
      var s = 0.0
      var sw = 0.0
      for i in 0..<n {
        s += yTrain[i] * wTrain[i]
        sw += wTrain[i]
      }
      mean = s / sw
    } else {
      mean = yTrain.reduce(0, +) / Double(n)
    }
    let eps = 10 * Double.ulpOfOne
    let clipped = min(max(mean, eps), 1 - eps)
    let baseline = Math.log(clipped / (1 - clipped))

    var model = GradientBoostedTrees(
      config: config, mapper: mapper, baseline: baseline, trees: [], trainScore: [],
      validationScore: [], trainLoss: [])
    var raw = [Double](repeating: baseline, count: n)
    var rawVal = [Double](repeating: baseline, count: xVal.rows)
    // Each row's gradient and hessian, rounded to Float (as scikit-learn's float32) and widened back to Double.
    var pairs = [SIMD2<Double>](repeating: .zero, count: n)
    let grower = TreeGrower(
      binned: binned, rows: n, features: p, mapper: mapper, hasMissing: hasMissing,
      config: config, fastPaths: fastPaths)
    let useValidation = !validationRows.isEmpty

    func shouldStop(_ scores: [Double]) -> Bool {
      let reference = config.nIterNoChange + 1
      if scores.count < reference { return false }
      let referenceScore = scores[scores.count - reference] + config.tol
      return !scores[(scores.count - reference + 1)...].contains { $0 > referenceScore }
    }
    if early {
      model.trainScore.append(-meanLogLoss(y: yTrain, raw: raw, weights: wTrain))
      if useValidation { model.validationScore.append(-meanLogLoss(y: yVal, raw: rawVal, weights: wVal)) }
    }
    // Without early stopping, the training loss of tree t is summed in the gradient pass of iteration t + 1 (which
    // computes exp(-raw) anyway): log(1 + exp(-raw)) + (1 - y) raw, or exp(raw) - y raw below -37. Unweighted, the
    // logarithms are taken of products of eight factors 1 + exp(-raw) (each <= 1.2e16, so a product cannot overflow):
    // one libm log per eight rows, within about 2^-49 of the sum of the eight, so the mean loss is within a few
    // units of 2^-52 of the row-by-row sum. Weighted, each row's log1p(exp(-raw)) (libm's log of 1 + exp(-raw) when
    // exp(-raw) >= 1, which is cheaper and there within an ulp or so of a result >= log 2).
    var pendingLoss = false
    binnedVal.withUnsafeBufferPointer { bv in
      for _ in 0..<config.maxIter {
        if isCancelled() { break }
        var lossSum = 0.0
        var weightSum = 0.0
        var product = 1.0
        var factors = 0
        let recordLoss = pendingLoss
        let weighted = wTrain != nil
        pairs.withUnsafeMutableBufferPointer { gh in
          for i in 0..<n {
            let yi = yTrain[i]
            let ri = raw[i]
            let gi: Double
            let hi: Double
            let li: Double
            if ri > -37 {
              let e = Math.exp(-ri)
              gi = ((1 - yi) - yi * e) / (1 + e)
              hi = e / ((1 + e) * (1 + e))
              if !recordLoss {
                li = 0
              } else if weighted {
                li = (e < 1 ? Math.log1p(e) : Math.log(1 + e)) + (1 - yi) * ri
              } else {
                product *= 1 + e
                factors &+= 1
                if factors == 8 {
                  lossSum += Math.log(product)
                  product = 1
                  factors = 0
                }
                li = (1 - yi) * ri
              }
            } else {
              let e = Math.exp(ri)
              gi = e - yi
              hi = e
              li = e - yi * ri
            }
            if let wTrain {
              let w = wTrain[i]
              gh[i] = SIMD2(Double(Float(w * gi)), Double(Float(w * hi)))
              lossSum += w * li
              weightSum += w
            } else {
              gh[i] = SIMD2(Double(Float(gi)), Double(Float(hi)))
              lossSum += li
            }
          }
          if factors > 0 { lossSum += Math.log(product) }
          if let p = gh.baseAddress { grower.grow(pairs: p) }
        }
        if recordLoss {
          model.trainLoss.append(lossSum / (wTrain == nil ? Double(n) : weightSum))
          pendingLoss = false
        }
        let tree = grower.makeTree()
        model.trees.append(tree)
        raw.withUnsafeMutableBufferPointer { r in
          if let rp = r.baseAddress { grower.addLeafValues(to: rp) }
        }
        if early {
          let loss = meanLogLoss(y: yTrain, raw: raw, weights: wTrain)
          model.trainLoss.append(loss)
          model.trainScore.append(-loss)
          if useValidation {
            if let base = bv.baseAddress {
              for r in 0..<xVal.rows {
                rawVal[r] += tree.value(binned: base, row: r, rows: xVal.rows, missingBin: mapper.missingBin)
              }
            }
            model.validationScore.append(-meanLogLoss(y: yVal, raw: rawVal, weights: wVal))
            if shouldStop(model.validationScore) { break }
          } else if shouldStop(model.trainScore) {
            break
          }
        } else {
          pendingLoss = true
        }
      }
    }
    if pendingLoss { model.trainLoss.append(meanLogLoss(y: yTrain, raw: raw, weights: wTrain)) }
    return model
  }

  /// Raw scores (log-odds) of every row of `x` (`x.columns` must equal the training columns). Empty input gives
  /// `[]`; NaN features follow each split's learned direction.
  public func decisionFunction(_ x: Matrix) -> [Double] {
    precondition(
      x.columns == mapper.thresholds.count,
      "gbdt: \(x.columns) columns, the model was fitted on \(mapper.thresholds.count)")
    var out = [Double](repeating: baseline, count: x.rows)
    x.values.withUnsafeBufferPointer { v in
      guard let base = v.baseAddress else { return }
      for tree in trees {
        for r in 0..<x.rows { out[r] += tree.value(base + r * x.columns) }
      }
    }
    return out
  }

  /// `P(y = 1)` for every row of `x`: `1 / (1 + exp(-raw))`.
  public func predictProbability(_ x: Matrix) -> [Double] {
    decisionFunction(x).map { 1 / (1 + Math.exp(-$0)) }
  }

  /// scikit-learn's `closs_half_binomial`: `log(1 + exp(raw)) - y raw`, piecewise for accuracy.
  @inline(__always)
  static func logLoss(y: Double, raw: Double) -> Double {
    let l: Double
    if raw <= -37 {
      l = Math.exp(raw)
    } else if raw <= -2 {
      l = Math.log1p(Math.exp(raw))
    } else if raw <= 18 {
      l = Math.log(1 + Math.exp(raw))
    } else if raw <= 33.3 {
      l = raw + Math.exp(-raw)
    } else {
      l = raw
    }
    return l - y * raw
  }

  /// Weighted mean log loss (NaN for no rows).
  static func meanLogLoss(y: [Double], raw: [Double], weights: [Double]?) -> Double {
    var s = 0.0
    var sw = 0.0
    for i in y.indices {
      let w = weights?[i] ?? 1
      s += w * logLoss(y: y[i], raw: raw[i])
      sw += w
    }
    return s / sw
  }

  /// A stratified split: `ceil(fraction * n)` validation rows, allocated to the classes in proportion to their size
  /// (floors first, the remaining rows to the largest fractional parts, ties to the lower label), each class's rows
  /// shuffled by Fisher–Yates with `generator` and the first ones held out. Both index lists are in row order.
  static func stratifiedSplit(y: [Float], fraction: Double, generator: inout SplitMix64)
    -> (train: [Int], validation: [Int])
  {
    let n = y.count
    let nTest = Int((fraction * Double(n)).rounded(.up))
    let classes: [[Int]] = [y.indices.filter { y[$0] == 0 }, y.indices.filter { y[$0] == 1 }]
    var take = classes.map { Int((Double(nTest) * Double($0.count) / Double(n)).rounded(.down)) }
    var remaining = nTest - take.reduce(0, +)
    let order = [0, 1].sorted {
      let a = Double(nTest) * Double(classes[$0].count) / Double(n) - Double(take[$0])
      let b = Double(nTest) * Double(classes[$1].count) / Double(n) - Double(take[$1])
      return a != b ? a > b : $0 < $1
    }
    for c in order where remaining > 0 && take[c] < classes[c].count {
      take[c] += 1
      remaining -= 1
    }
    var validation: [Int] = []
    for c in 0..<2 {
      var rows = classes[c]
      for i in rows.indices.reversed() where i > 0 {
        rows.swapAt(i, generator.nextIndex(below: i + 1))
      }
      validation += rows.prefix(take[c])
    }
    validation.sort()
    let held = Set(validation)
    return (y.indices.filter { !held.contains($0) }, validation)
  }
}
