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
    let folds: [Fold]
    switch config.validation {
    case .kfold:
      folds = ValidationSplits.kFold(count: train.rows, folds: config.folds)
      if folds.isEmpty {
        throw LearningError("kfold needs 2 <= folds <= training rows; got folds \(config.folds), rows \(train.rows)")
      }
    case .timeseries:
      guard trainDays.count == train.rows else {
        throw LearningError("timeseries validation needs the day of every training row")
      }
      folds = ValidationSplits.timeSeries(days: trainDays, folds: config.folds)
      if folds.isEmpty {
        throw LearningError(
          "timeseries needs 2 <= folds and folds + 1 <= distinct training days; got folds "
            + "\(config.folds), \(Set(trainDays).count) days")
      }
    }
    var warnings: [String] = []
    var trainLoss: [Double] = []
    var validationLoss: [Double] = []
    var oofProbabilities: [Double] = []
    var oofTruth: [Float] = []
    var trainingRowCounts: [Int] = []
    var validationRowCounts: [Int] = []

    func makeNetwork(_ g: inout SplitMix64) -> GRUNetwork {
      GRUNetwork(
        inputSize: train.features, hidden: config.recurrent.hidden, layers: config.recurrent.layers, generator: &g)
    }
    func makeOptimizer(_ n: GRUNetwork) -> Adam {
      let b = config.betas.count == 2 ? (config.betas[0], config.betas[1]) : (0.9, 0.999)
      return Adam(
        parameterCount: n.parameters.count, learningRate: config.learningRate, betas: b,
        epsilon: config.epsilon, weightDecay: config.weightDecay)
    }
    func fit(
      _ network: inout GRUNetwork, _ optimizer: inout Adam, trainer: GRUTrainer, x: SequenceMatrix, y: [Float],
      _ g: inout SplitMix64
    ) {
      let data = rebalance(
        config.oversampling, x: x, y: y, ratio: config.oversamplingRatio, k: config.smoteK, generator: &g)
      warnings += data.warnings
      trainingRowCounts.append(data.x.rows)
      trainLoss += trainer.train(
        network: &network, optimizer: &optimizer, x: data.x, y: data.y, sampleWeights: data.weights,
        generator: &g, isCancelled: isCancelled)
    }

    var network = makeNetwork(&generator)
    var optimizer = makeOptimizer(network)
    let trainer = GRUTrainer(network: network, window: train.window, options: config.training)
    for (i, fold) in folds.enumerated() {
      if isCancelled() { break }
      if i > 0 && !config.carryModel {
        network = makeNetwork(&generator)
        optimizer = makeOptimizer(network)
      }
      fit(
        &network, &optimizer, trainer: trainer, x: train.rows(fold.train), y: fold.train.map { trainY[$0] }, &generator)
      let vx = train.rows(fold.validation)
      let vy = fold.validation.map { trainY[$0] }
      let p = network.predict(vx)
      validationLoss.append(batchedBCE(probabilities: p, labels: vy, batchSize: config.training.batchSize))
      oofProbabilities += p.map(Double.init)
      oofTruth += vy
      validationRowCounts.append(vx.rows)
    }
    if !config.carryModel {
      network = makeNetwork(&generator)
      optimizer = makeOptimizer(network)
      fit(&network, &optimizer, trainer: trainer, x: train, y: trainY, &generator)
    }
    let testP = network.predict(test)
    return finish(
      config: config, trainLoss: trainLoss, validationLoss: validationLoss, oofTruth: oofTruth,
      oofProbabilities: oofProbabilities, testProbabilities: testP.map(Double.init), testY: testY,
      trainingRowCounts: trainingRowCounts, validationRowCounts: validationRowCounts, warnings: warnings)
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
    var warnings: [String] = []
    if method == .none || x.rows == 0 { return RebalancedSequences(x: x, y: y, weights: nil, warnings: []) }
    let positives = y.indices.filter { y[$0] >= 0.5 }
    let negatives = y.indices.filter { y[$0] < 0.5 }
    if positives.isEmpty || negatives.isEmpty {
      return RebalancedSequences(
        x: x, y: y, weights: nil,
        warnings: ["\(method.rawValue): training rows hold one class only; nothing to rebalance"])
    }
    let minorityIsPositive = positives.count <= negatives.count
    let minority = minorityIsPositive ? positives : negatives
    let majority = minorityIsPositive ? negatives : positives
    let minorityLabel: Float = minorityIsPositive ? 1 : 0
    if method == .classWeight {
      let w = Rebalancer.classWeights(y: y, ratio: ratio)
      return RebalancedSequences(x: x, y: y, weights: y.map { $0 >= 0.5 ? w.positive : w.negative }, warnings: [])
    }
    let add = Rebalancer.rowsToAdd(minority: minority.count, majority: majority.count, ratio: ratio)
    if add == 0 { return RebalancedSequences(x: x, y: y, weights: nil, warnings: warnings) }
    var method = method
    if method == .smote && minority.count < 2 {
      warnings.append("smote: a single minority row; used random oversampling instead")
      method = .random
    }
    let newX: SequenceMatrix
    switch method {
    case .random:
      var picks: [Int] = []
      picks.reserveCapacity(add)
      for _ in 0..<add { picks.append(minority[generator.nextIndex(below: minority.count)]) }
      newX = x.rows(picks)
    default:
      var kk = k
      if minority.count - 1 < k {
        kk = minority.count - 1
        warnings.append("smote: \(minority.count) minority rows; k_neighbors reduced from \(k) to \(kk)")
      }
      newX = smote(x.rows(minority), count: add, k: kk, generator: &generator)
    }
    return RebalancedSequences(
      x: x.appending(newX), y: y + [Float](repeating: minorityLabel, count: add), weights: nil, warnings: warnings)
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
