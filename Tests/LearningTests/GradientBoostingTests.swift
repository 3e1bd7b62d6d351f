import AlmanacCore
import Testing

@testable import Learning

/// Leaf values, raw scores, probabilities and scores agree with scikit-learn within this absolute tolerance (the
/// gradients are float32 in both; the remaining differences are the order of a few Double additions).
private let tolerance = 1e-6

private func config(_ c: TreeCase) -> GradientBoostingConfig {
  var g = GradientBoostingConfig()
  g.learningRate = c.learningRate
  g.maxIter = c.maxIter
  g.maxLeafNodes = c.maxLeafNodes
  g.maxDepth = c.maxDepth
  g.minSamplesLeaf = c.minSamplesLeaf
  g.l2Regularization = c.l2Regularization
  g.maxBins = c.maxBins
  g.earlyStopping = c.earlyStoppingOnTrainingLoss ? .on : .off
  g.validationFraction = c.earlyStoppingOnTrainingLoss ? nil : 0.1
  g.nIterNoChange = c.nIterNoChange
  g.tol = c.tol
  g.classWeight = c.balanced ? .balanced : .none
  return g
}

private func fitFixture(_ c: TreeCase) throws -> GradientBoostedTrees {
  let x = Matrix(rows: TreeFixture.trainRows, columns: TreeFixture.columns, doubles: TreeFixture.trainX)
  let w: [Float]? = c.weighted ? TreeFixture.sampleWeights.map { Float($0) } : nil
  var g = SplitMix64(seed: 0)
  return try GradientBoostedTrees.fit(x: x, y: TreeFixture.trainY.map { Float($0) }, sampleWeights: w,
                                      config: config(c), generator: &g)
}

@Suite("Gradient-boosted trees equal scikit-learn 1.9 HistGradientBoostingClassifier")
struct GradientBoostingReferenceTests {
  @Test("Bin thresholds and binned values equal _BinMapper's", arguments: TreeFixture.binCases)
  func binEdges(c: BinCase) {
    let n = TreeFixture.binRows
    let p = TreeFixture.binColumns
    let columns = (0..<p).map { f in (0..<n).map { TreeFixture.binX[$0 * p + f] } }
    let mapper = BinMapper.fit(columns: columns, weights: c.weighted ? TreeFixture.binWeights : nil,
                               maxBins: c.maxBins)
    #expect(mapper.thresholds.count == c.thresholds.count)
    for (f, (got, want)) in zip(mapper.thresholds, c.thresholds).enumerated() {
      #expect(got == want, "feature \(f)")
    }
    // The fixture is row-major; transform is feature-major.
    let binned = mapper.transform(Matrix(rows: n, columns: p, doubles: TreeFixture.binX))
    var mismatches = 0
    for r in 0..<n {
      for f in 0..<p where Int(binned[f * n + r]) != c.binned[r * p + f] { mismatches += 1 }
    }
    #expect(mismatches == 0)
  }

  @Test(
    "fitTransform's one sort and walk give transform's bins; the radix order is a stable comparison sort's",
    arguments: [false, true])
  func fitTransformEqualsFitThenTransform(weighted: Bool) {
    var g = SplitMix64(seed: weighted ? 7 : 8)
    let n = 3000
    let p = 6
    // Continuous, a few distinct values (midpoint thresholds), both zeros with negatives, NaN, beyond ALMOST_INF
    // (as Float, 3e38 is not, so values up to 1e38 and -1e38), and subnormal magnitudes.
    var values = [Float](repeating: 0, count: n * p)
    for r in 0..<n {
      let u = g.nextUnit()
      values[r * p + 0] = Float(g.nextGaussian() * 1e3)
      values[r * p + 1] = Float((g.nextUnit() * 6).rounded(.down)) - 2
      values[r * p + 2] = u < 0.2 ? 0 : u < 0.4 ? -0.0 : Float(g.nextGaussian())
      values[r * p + 3] = u < 0.3 ? .nan : Float(g.nextUnit())
      values[r * p + 4] = u < 0.1 ? 1e38 : u < 0.2 ? -1e38 : Float(g.nextGaussian()) * 1e30
      values[r * p + 5] = Float(g.nextGaussian() * 1e-40)
    }
    let x = Matrix(rows: n, columns: p, values: values)
    let weights: [Double]? = weighted ? (0..<n).map { _ in g.nextUnit() < 0.1 ? 0 : g.nextUnit() } : nil
    let columns = (0..<p).map { f in (0..<n).map { Double(values[$0 * p + f]) } }
    let (mapper, binned) = BinMapper.fitTransform(columns: columns, weights: weights, maxBins: 255)
    // The walk against the binary search of transform (for every value, the number of thresholds below it).
    #expect(binned == mapper.transform(x))
    #expect(mapper.thresholds.allSatisfy { $0.count > 1 })
    for f in 0..<p {
      let stable = columns[f].indices.filter { !columns[f][$0].isNaN }.sorted {
        columns[f][$0] < columns[f][$1] || (columns[f][$0] == columns[f][$1] && $0 < $1)
      }
      #expect(BinMapper.sortedOrder(columns[f]).map(Int.init) == stable, "feature \(f)")
    }
    // Values that are not all Floats take the 64-bit keys.
    let doubles: [Double] = (0..<n).map { i in
      let u = g.nextUnit()
      return u < 0.1 ? 0 : u < 0.2 ? -0.0 : u < 0.25 ? .nan : u < 0.4 ? Double(i % 7) : g.nextGaussian() * 0x1p-1030
    }
    let stable = doubles.indices.filter { !doubles[$0].isNaN }.sorted {
      doubles[$0] < doubles[$1] || (doubles[$0] == doubles[$1] && $0 < $1)
    }
    #expect(BinMapper.sortedOrder(doubles).map(Int.init) == stable)
  }

  @Test("Baseline, first trees (splits, thresholds, leaf values) and predictions", arguments: TreeFixture.treeCases)
  func firstTrees(c: TreeCase) throws {
    let model = try fitFixture(c)
    #expect(abs(model.baseline - c.baseline) <= 1e-12)
    #expect(model.iterations == c.nIter)
    for (t, want) in c.trees.enumerated() {
      guard t < model.trees.count else {
        Issue.record("tree \(t) missing")
        continue
      }
      let got = model.trees[t].nodes
      #expect(got.count == want.count, "tree \(t): node count")
      for (i, (a, b)) in zip(got, want).enumerated() {
        #expect(a.isLeaf == b.isLeaf, "tree \(t) node \(i): leaf")
        #expect(a.count == b.count, "tree \(t) node \(i): count")
        if b.isLeaf {
          #expect(abs(a.value - b.value) <= tolerance, "tree \(t) node \(i): leaf value \(a.value) vs \(b.value)")
        } else {
          #expect(a.feature == b.feature, "tree \(t) node \(i): feature")
          #expect(a.threshold == b.threshold, "tree \(t) node \(i): threshold \(a.threshold) vs \(b.threshold)")
          #expect(a.binThreshold == b.binThreshold, "tree \(t) node \(i): bin")
          #expect(a.missingGoesLeft == b.missingGoesLeft, "tree \(t) node \(i): missing direction")
          #expect(a.left == b.left && a.right == b.right, "tree \(t) node \(i): children")
        }
      }
    }
    let test = Matrix(rows: TreeFixture.testRows, columns: TreeFixture.columns, doubles: TreeFixture.testX)
    let raw = model.decisionFunction(test)
    let proba = model.predictProbability(test)
    for i in raw.indices {
      #expect(abs(raw[i] - c.raw[i]) <= tolerance, "row \(i): raw \(raw[i]) vs \(c.raw[i])")
      #expect(abs(proba[i] - c.probability[i]) <= tolerance, "row \(i): probability")
    }
    #expect(model.trainScore.count == c.trainScore.count)
    for (a, b) in zip(model.trainScore, c.trainScore) { #expect(abs(a - b) <= tolerance) }
  }
}

@Suite("Gradient-boosted trees: edge cases and settings")
struct GradientBoostingEdgeTests {
  private func fit(_ x: Matrix, _ y: [Float], _ configure: (inout GradientBoostingConfig) -> Void = { _ in },
                   seed: UInt64 = 0) throws -> GradientBoostedTrees
  {
    var c = GradientBoostingConfig()
    c.maxIter = 10
    configure(&c)
    var g = SplitMix64(seed: seed)
    return try GradientBoostedTrees.fit(x: x, y: y, config: c, generator: &g)
  }

  @Test("Empty data, mismatched shapes, bad labels, infinite features and bad weights are errors")
  func badInput() {
    var g = SplitMix64(seed: 0)
    let c = GradientBoostingConfig()
    #expect(throws: LearningError.self) {
      try GradientBoostedTrees.fit(x: Matrix(rows: 0, columns: 2), y: [], config: c, generator: &g)
    }
    #expect(throws: LearningError.self) {
      try GradientBoostedTrees.fit(x: Matrix(rows: 2, columns: 1, values: [1, 2]), y: [0], config: c, generator: &g)
    }
    #expect(throws: LearningError.self) {
      try GradientBoostedTrees.fit(x: Matrix(rows: 2, columns: 1, values: [1, 2]), y: [0, 2], config: c,
                                   generator: &g)
    }
    #expect(throws: LearningError.self) {
      try GradientBoostedTrees.fit(x: Matrix(rows: 2, columns: 1, values: [1, .infinity]), y: [0, 1], config: c,
                                   generator: &g)
    }
    #expect(throws: LearningError.self) {
      try GradientBoostedTrees.fit(x: Matrix(rows: 2, columns: 1, values: [1, 2]), y: [0, 1], sampleWeights: [1, -1],
                                   config: c, generator: &g)
    }
    #expect(throws: LearningError.self) {
      try GradientBoostedTrees.fit(x: Matrix(rows: 2, columns: 1, values: [1, 2]), y: [0, 1], sampleWeights: [0, 0],
                                   config: c, generator: &g)
    }
  }

  @Test("Every setting out of its bounds is an error naming it")
  func settingBounds() {
    let cases: [(String, (inout GradientBoostingConfig) -> Void)] = [
      ("learning_rate", { $0.learningRate = 0 }), ("max_iter", { $0.maxIter = 0 }),
      ("max_leaf_nodes", { $0.maxLeafNodes = 1 }), ("max_depth", { $0.maxDepth = 0 }),
      ("min_samples_leaf", { $0.minSamplesLeaf = 0 }), ("l2_regularization", { $0.l2Regularization = -1 }),
      ("max_bins", { $0.maxBins = 256 }), ("validation_fraction", { $0.validationFraction = 1 }),
      ("n_iter_no_change", { $0.nIterNoChange = 0 }), ("tol", { $0.tol = -1 }),
    ]
    for (name, change) in cases {
      var c = GradientBoostingConfig()
      change(&c)
      #expect(throws: LearningError.self) { try c.validate() }
      #expect((try? c.validate()) == nil)
      do { try c.validate() } catch { #expect("\(error)".hasPrefix(name), "\(error)") }
    }
    #expect((try? GradientBoostingConfig().validate()) != nil)
  }

  @Test("Constant features give single-leaf trees: every prediction is the baseline")
  func constantFeatures() throws {
    let x = Matrix(rows: 60, columns: 2, values: [Float](repeating: 3, count: 120))
    let y: [Float] = (0..<60).map { $0 % 3 == 0 ? 1 : 0 }
    let model = try fit(x, y)
    #expect(model.trees.allSatisfy { $0.nodes.count == 1 && $0.nodes[0].value == 0 })
    #expect(abs(model.baseline - Math.log(20.0 / 40.0)) < 1e-12)
    let p = model.predictProbability(x)
    #expect(p.allSatisfy { abs($0 - 1.0 / 3) < 1e-12 })
  }

  @Test("One class only: the baseline is logit(10 eps) (or its mirror) and trees add nothing")
  func oneClass() throws {
    let x = Matrix(rows: 50, columns: 1, values: (0..<50).map { Float($0) })
    let zeros = try fit(x, [Float](repeating: 0, count: 50))
    let eps = 10 * Double.ulpOfOne
    #expect(abs(zeros.baseline - Math.log(eps / (1 - eps))) < 1e-9)
    #expect(zeros.predictProbability(x).allSatisfy { $0 < 1e-14 })
    let ones = try fit(x, [Float](repeating: 1, count: 50))
    #expect(ones.predictProbability(x).allSatisfy { $0 > 1 - 1e-14 })
  }

  @Test("NaN features: an all-NaN column is ignored, NaN rows learn a direction, NaN at prediction is allowed")
  func nanFeatures() throws {
    var values: [Float] = []
    var y: [Float] = []
    for i in 0..<200 {
      let informative: Float = i % 4 == 0 ? .nan : Float(i % 10)
      values += [informative, .nan]
      y.append(i % 4 == 0 || i % 10 >= 5 ? 1 : 0)
    }
    let x = Matrix(rows: 200, columns: 2, values: values)
    let model = try fit(x, y) { $0.minSamplesLeaf = 5 }
    #expect(model.mapper.thresholds[1].isEmpty)
    #expect(model.trees.allSatisfy { $0.nodes.allSatisfy { $0.isLeaf || $0.feature == 0 } })
    let p = model.predictProbability(Matrix(rows: 3, columns: 2, values: [.nan, .nan, 1, .nan, 8, 0]))
    #expect(p[0] > 0.5 && p[1] < 0.5 && p[2] > 0.5)
    #expect(model.predictProbability(Matrix(rows: 0, columns: 2)).isEmpty)
  }

  @Test("The training-loss series has one value per tree: the log loss of the model's own scores")
  func trainingLoss() throws {
    var g = SplitMix64(seed: 4)
    let n = 300
    let x = Matrix(rows: n, columns: 2, values: (0..<(n * 2)).map { _ in Float(g.nextGaussian()) })
    let y: [Float] = (0..<n).map { x[$0, 0] + 0.5 * Float(g.nextGaussian()) > 0.2 ? 1 : 0 }
    let w: [Float] = (0..<n).map { Float(1 + $0 % 3) }
    for weights in [nil, w] {
      var c = GradientBoostingConfig()
      c.maxIter = 12
      var s = SplitMix64(seed: 0)
      let model = try GradientBoostedTrees.fit(x: x, y: y, sampleWeights: weights, config: c, generator: &s)
      #expect(model.trainLoss.count == 12)
      // Every tree's loss, from the scores of the model cut after that tree (300 rows: 37 products of eight factors
      // and one of four in the unweighted sums; the last loss is computed after the loop).
      for t in 0..<12 {
        var staged = model
        staged.trees = Array(model.trees.prefix(t + 1))
        let expected = GradientBoostedTrees.meanLogLoss(
          y: y.map(Double.init), raw: staged.decisionFunction(x), weights: weights?.map(Double.init))
        #expect(abs(model.trainLoss[t] - expected) < 1e-12, "tree \(t)")
      }
    }
  }

  @Test("max_depth, max_leaf_nodes and min_samples_leaf bound every tree")
  func treeShapeBounds() throws {
    var g = SplitMix64(seed: 3)
    let n = 400
    let x = Matrix(rows: n, columns: 3, values: (0..<(n * 3)).map { _ in Float(g.nextGaussian()) })
    let y: [Float] = (0..<n).map { x[$0, 0] * x[$0, 1] + 0.3 * x[$0, 2] > 0 ? 1 : 0 }
    let deep = try fit(x, y) {
      $0.maxDepth = 2
      $0.maxLeafNodes = nil
      $0.minSamplesLeaf = 1
    }
    #expect(deep.trees.allSatisfy { $0.depth <= 2 && $0.leafCount <= 4 })
    let wide = try fit(x, y) {
      $0.maxLeafNodes = 5
      $0.minSamplesLeaf = 30
    }
    #expect(wide.trees.allSatisfy { $0.leafCount <= 5 })
    #expect(wide.trees.allSatisfy { $0.nodes.allSatisfy { !$0.isLeaf || $0.count >= 30 } })
  }

  @Test("Early stopping on a validation split: deterministic per seed, stratified, stops before max_iter")
  func earlyStopping() throws {
    var g = SplitMix64(seed: 11)
    let n = 600
    let x = Matrix(rows: n, columns: 2, values: (0..<(n * 2)).map { _ in Float(g.nextGaussian()) })
    let y: [Float] = (0..<n).map { _ in g.nextUnit() < 0.3 ? 1 : 0 }  // labels are noise: stop early
    let configure: (inout GradientBoostingConfig) -> Void = {
      $0.maxIter = 200
      $0.earlyStopping = .on
    }
    let a = try fit(x, y, configure, seed: 5)
    let b = try fit(x, y, configure, seed: 5)
    #expect(a == b)
    #expect(a.iterations < 200)
    #expect(a.validationScore.count == a.iterations + 1)
    var s = SplitMix64(seed: 1)
    let (train, validation) = GradientBoostedTrees.stratifiedSplit(y: y, fraction: 0.1, generator: &s)
    #expect(validation.count == 60 && train.count == 540 && Set(train).isDisjoint(with: validation))
    let positives = Double(y.reduce(0, +))
    let heldPositives = Double(validation.filter { y[$0] == 1 }.count)
    #expect(abs(heldPositives - 60 * positives / 600) < 1)
    let off = try fit(x, y) { $0.maxIter = 30 }  // auto: off below 10,000 rows
    #expect(off.iterations == 30 && off.validationScore.isEmpty)
  }

  @Test("Sample weights equal repeated rows; balanced class weights raise the minority's probability")
  func weights() throws {
    var g = SplitMix64(seed: 8)
    let n = 120
    let base = (0..<(n * 2)).map { _ in Float((g.nextGaussian() * 4).rounded() / 4) }
    let y: [Float] = (0..<n).map { base[$0 * 2] + 0.5 * base[$0 * 2 + 1] > 0.8 ? 1 : 0 }
    var c = GradientBoostingConfig()
    c.maxIter = 5
    c.minSamplesLeaf = 1
    c.maxBins = 255
    // Weight 2 on the first 30 rows vs those rows repeated: the same sums in every histogram (counts aside,
    // min_samples_leaf = 1 makes them irrelevant), the same weighted quantiles (few distinct values: midpoints).
    var w = [Float](repeating: 1, count: n)
    for i in 0..<30 { w[i] = 2 }
    let x = Matrix(rows: n, columns: 2, values: base)
    var s1 = SplitMix64(seed: 0)
    let weighted = try GradientBoostedTrees.fit(x: x, y: y, sampleWeights: w, config: c, generator: &s1)
    let repeated = x.appending(x.rows(0..<30))
    var s2 = SplitMix64(seed: 0)
    let copies = try GradientBoostedTrees.fit(x: repeated, y: y + Array(y[0..<30]), config: c, generator: &s2)
    let pw = weighted.predictProbability(x)
    let pc = copies.predictProbability(x)
    for i in 0..<n { #expect(abs(pw[i] - pc[i]) < 1e-5) }
    c.classWeight = .balanced
    var s3 = SplitMix64(seed: 0)
    let balanced = try GradientBoostedTrees.fit(x: x, y: y, config: c, generator: &s3)
    let positives = Double(y.reduce(0, +))
    #expect(abs(balanced.baseline) < 1e-9, "balanced weights make the weighted mean label 1/2")
    #expect(positives < Double(n) / 2)
  }
}
