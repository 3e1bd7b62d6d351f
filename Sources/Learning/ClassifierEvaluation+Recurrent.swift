import AlmanacCore

/// The settings of `gru` models (``ClassifierConfig/recurrent``); the window is the ``SequenceMatrix``'s.
public struct RecurrentConfig: Sendable, Hashable {
  /// Hidden units per GRU layer (default 32; 1...1024).
  public var hidden: Int = 32
  /// Stacked GRU layers (default 1; 1...8).
  public var layers: Int = 1

  public init() {}

  /// Throws ``LearningError`` when a setting is out of bounds.
  public func validate() throws {
    guard (1...1024).contains(hidden) else { throw LearningError("gru hidden must be in 1...1024; got \(hidden)") }
    guard (1...8).contains(layers) else { throw LearningError("gru layers must be in 1...8; got \(layers)") }
  }
}

/// Rebalanced sequences: the rows to train on and optional per-row loss weights.
public struct RebalancedSequences: Sendable {
  public var x: SequenceMatrix
  public var y: [Float]
  public var weights: [Float]?
  public var warnings: [String]
}

extension ClassifierEvaluation {
  /// Same contract as ``run(config:trainX:trainY:trainDays:testX:testY:generator:isCancelled:)`` (validation folds
  /// from `config.validation` / `trainDays`, oversampling, final fit or carried model, threshold, metrics, curves,
  /// warnings) for `config.modelType == .gru`: a ``GRUNetwork`` with `config.recurrent`'s hidden size and layers,
  /// trained by ``GRUTrainer`` with `config.training`, Adam with `config`'s learning rate, betas, epsilon and weight
  /// decay. The network settings `hidden` and `activation` do not apply.
  ///
  /// Randomness comes from `generator` in a fixed order: initial weights of the first model, then per fold the
  /// rebalancing draws and the batch permutations, a new model's weights before each later fold (unless
  /// `carryModel`), and the same for the final fit. A run repeats bit for bit for a seed.
  ///
  /// Rebalancing (training rows only, see ``rebalance(_:x:y:ratio:k:generator:)``): `random` copies minority
  /// sequences with their lengths; `class_weight` weights rows; `smote` interpolates the flattened sequences of a
  /// minority row and one of its `k` nearest minority neighbours (Euclidean over all `window x features` values,
  /// padding included) and gives the synthetic row the *shorter* of the two lengths, with zero padding, so that every
  /// valid step of a synthetic sequence interpolates two observed steps.
  ///
  /// - Throws: ``LearningError`` when shapes disagree (rows, features, window), a recurrent setting is out of bounds,
  ///   or there are too few rows (or days) for the folds.
  public static func runRecurrent(
    config: ClassifierConfig, train: SequenceMatrix, trainY: [Float], trainDays: [Int] = [],
    test: SequenceMatrix, testY: [Float], generator: inout SplitMix64, isCancelled: () -> Bool = { false }
  ) throws -> ClassifierReport {
    guard config.modelType == .gru else {
      throw LearningError("runRecurrent runs gru models; got \(config.modelType.rawValue)")
    }
    try config.recurrent.validate()
    guard train.isConsistent, test.isConsistent else {
      throw LearningError("training or test sequences are inconsistent (value count, lengths outside 1...window)")
    }
    guard train.rows == trainY.count, test.rows == testY.count else {
      throw LearningError("training or test sequences and labels have different row counts")
    }
    guard train.features == test.features, train.window == test.window else {
      throw LearningError(
        "training and test sequences need the same window and features; got \(train.window) x \(train.features) "
          + "and \(test.window) x \(test.features)")
    }
    let folds = try Self.folds(config: config, rows: train.rows, days: trainDays)
    var warnings: [String] = []
    var trainLoss: [Double] = []
    var trainingRowCounts: [Int] = []
    let recurrent = config.recurrent
    let trainer = GRUTrainer(
      network: GRUNetwork(inputSize: train.features, hidden: recurrent.hidden, layers: recurrent.layers),
      window: train.window, options: config.training)
    let results = runFolds(
      config: config, folds: folds, trainY: trainY, generator: &generator, isCancelled: isCancelled,
      makeModel: { g -> (GRUNetwork, Adam) in
        let network = GRUNetwork(
          inputSize: train.features, hidden: recurrent.hidden, layers: recurrent.layers, generator: &g)
        return (network, config.makeOptimizer(parameterCount: network.parameters.count))
      },
      fit: { model, rows, g in
        let x = rows.map { train.rows($0) } ?? train
        let y = rows.map { $0.map { trainY[$0] } } ?? trainY
        let data = rebalance(
          config.oversampling, x: x, y: y, ratio: config.oversamplingRatio, k: config.smoteK, generator: &g)
        warnings += data.warnings
        trainingRowCounts.append(data.x.rows)
        trainLoss += trainer.train(
          network: &model.0, optimizer: &model.1, x: data.x, y: data.y, sampleWeights: data.weights, generator: &g,
          isCancelled: isCancelled)
      },
      predict: { model, rows in model.0.predict(rows.map { train.rows($0) } ?? test) })
    return finish(
      config: config, trainLoss: trainLoss, folds: results, testY: testY, trainingRowCounts: trainingRowCounts,
      warnings: warnings)
  }

  /// ``Rebalancer/apply(_:x:y:ratio:k:generator:)`` for sequences, with the same minority choice, row counts
  /// (``Rebalancer/rowsToAdd(minority:majority:ratio:)``), class weights (``Rebalancer/classWeights(y:ratio:)``),
  /// draws from `generator` in the same order, and warnings. `random` appends copies of minority rows with their
  /// lengths. `smote` works on the flattened sequences (``Rebalancer/nearestNeighbours(_:k:)`` over all
  /// `window x features` values): a synthetic row is `x + u (nn - x)` on the steps valid in both rows, its length the
  /// shorter of the two, its padding zero.
  public static func rebalance(
    _ method: Oversampling, x: SequenceMatrix, y: [Float], ratio: Double = 1, k: Int = 5,
    generator: inout SplitMix64
  ) -> RebalancedSequences {
    precondition(x.rows == y.count, "rebalance: x and y lengths differ")
    switch Rebalancer.plan(method, y: y, ratio: ratio, k: k, generator: &generator) {
    case .keep(let warnings):
      return RebalancedSequences(x: x, y: y, weights: nil, warnings: warnings)
    case .weights(let weights):
      return RebalancedSequences(x: x, y: y, weights: weights, warnings: [])
    case .append(let rows, let label, let warnings):
      let newX: SequenceMatrix
      switch rows {
      case .copies(let picks): newX = x.rows(picks)
      case .smote(let minority, let count, let k):
        newX = smote(x.rows(minority), count: count, k: k, generator: &generator)
      }
      return RebalancedSequences(
        x: x.appending(newX), y: y + [Float](repeating: label, count: newX.rows), weights: nil, warnings: warnings)
    }
  }

  /// `count` SMOTE sequences from the rows of `minority` (the draws of ``Rebalancer/smote(_:count:k:generator:)``).
  static func smote(_ minority: SequenceMatrix, count: Int, k: Int, generator: inout SplitMix64) -> SequenceMatrix {
    let m = minority.rows
    let d = minority.rowStride
    let f = minority.features
    let window = minority.window
    precondition(k >= 1 && k < m, "smote: need 1 <= k < minority rows")
    let neighbours = Rebalancer.nearestNeighbours(minority.flattened, k: k)
    var out = [Float](repeating: 0, count: count * d)
    var lengths = [Int](repeating: 1, count: count)
    minority.values.withUnsafeBufferPointer { v in
      for i in 0..<count {
        let s = generator.nextIndex(below: m * k)
        let row = s / k
        let nn = neighbours[row * k + s % k]
        let u = Float(generator.nextUnit())
        let len = min(minority.lengths[row], minority.lengths[nn])
        lengths[i] = len
        for c in ((window - len) * f)..<d {
          let a = v[row * d + c]
          out[i * d + c] = a + u * (v[nn * d + c] - a)
        }
      }
    }
    return SequenceMatrix(rows: count, window: window, features: f, values: out, lengths: lengths)
  }
}
