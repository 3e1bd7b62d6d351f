import AlmanacCore

/// The model family.
public enum ModelType: String, Sendable, CaseIterable {
  /// ``FeedForwardNetwork`` with the configured hidden layers.
  case mlp
  /// Logistic regression: the same network with no hidden layer, trained by the same loop.
  case logistic
  /// ``GradientBoostedTrees`` with ``ClassifierConfig/trees`` (scikit-learn's HistGradientBoostingClassifier).
  case gbdt
  /// ``GRUNetwork`` over sequences with ``ClassifierConfig/recurrent`` (`torch.nn.GRU` + a sigmoid head), run by
  /// ``ClassifierEvaluation/runRecurrent(config:train:trainY:trainDays:test:testY:generator:isCancelled:)``.
  case gru
}

/// How predictions become classes.
public enum ThresholdRule: Sendable, Hashable {
  /// Predict 1 when `p >= value`.
  case fixed(Double)
  /// The threshold maximising F1 on the out-of-fold validation predictions (see ``ClassifierEvaluation/tunedThreshold``).
  case tune
}

/// Everything that defines one classification run (the `classify` task's `model`, `validation`, `oversampling` and
/// `threshold` settings). Defaults are the tutorial's: 10-32-16-1 relu, Adam lr 1e-4, 30 epochs, batch 32, 5 folds.
public struct ClassifierConfig: Sendable, Hashable {
  public var modelType: ModelType = .mlp
  public var hidden: [Int] = [32, 16]
  public var activation: Activation = .relu
  public var learningRate: Double = 1e-4
  public var betas: [Double] = [0.9, 0.999]
  public var epsilon: Double = 1e-8
  public var weightDecay: Double = 0
  public var training = TrainingOptions()
  public var validation: ValidationScheme = .kfold
  public var folds: Int = 5
  /// The tutorial's flaw, kept for reproduction: one model and one Adam optimiser trained through every fold, and
  /// that carried model (not a refit) scored on the test set.
  public var carryModel: Bool = false
  public var oversampling: Oversampling = .none
  public var oversamplingRatio: Double = 1
  public var smoteK: Int = 5
  public var threshold: ThresholdRule = .fixed(0.5)
  /// The settings of `gbdt` models (the network settings above are ignored for them, and so is ``carryModel``).
  public var trees = GradientBoostingConfig()
  /// The settings of `gru` models (hidden size and layers; the training, Adam and validation settings above apply).
  public var recurrent = RecurrentConfig()

  public init() {}

  var hiddenLayers: [Int] { modelType == .logistic ? [] : hidden }

  /// Adam with this configuration's learning rate, betas, epsilon and weight decay, for `parameterCount` parameters.
  func makeOptimizer(parameterCount: Int) -> Adam {
    let b = betas.count == 2 ? (betas[0], betas[1]) : (0.9, 0.999)
    return Adam(
      parameterCount: parameterCount, learningRate: learningRate, betas: b, epsilon: epsilon,
      weightDecay: weightDecay)
  }
}

/// What a run produced.
public struct ClassifierReport: Sendable {
  /// Loss of every training epoch (gbdt: of every boosting iteration), counted across folds and then the final fit.
  public var trainLoss: [Double]
  /// Validation loss per fold (mean BCE over batches of `batchSize`, as the tutorial computes it).
  public var validationLoss: [Double]
  /// Mean of ``validationLoss`` (the tutorial's `cv_avg`).
  public var cvLoss: Double
  /// P(y = 1) for each test row, from the final model.
  public var testProbabilities: [Float]
  /// Threshold applied to the test probabilities.
  public var threshold: Double
  public var metrics: ClassificationMetrics
  public var roc: ROCCurve
  public var precisionRecall: PrecisionRecallCurve
  /// Rows each fit trained on after rebalancing: one entry per fold, then the final fit (absent with `carryModel`).
  public var trainingRowCounts: [Int]
  /// Validation rows of each fold (never rebalanced).
  public var validationRowCounts: [Int]
  /// Rebalancing and metric warnings, de-duplicated, in order of appearance.
  public var warnings: [String]
}

/// An error for people (bad shapes, too few rows for the folds).
public struct LearningError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// Validation, final fit and test scoring of one classifier configuration.
public enum ClassifierEvaluation {
  /// Runs `config` on the training rows (validation folds, then a final fit on all of them — or, with
  /// `carryModel`, the carried model) and scores the test rows.
  ///
  /// Rebalancing applies to each fold's training rows and to the final training set only. Randomness (initial
  /// weights, batch order, resampling) comes from `generator` in a fixed order, so a run repeats bit for bit.
  ///
  /// - Parameters:
  ///   - trainDays: day of each training row (needed by the `timeseries` scheme; may be empty for `kfold`).
  /// - Throws: ``LearningError`` when shapes disagree or there are too few rows (or days) for the folds.
  public static func run(
    config: ClassifierConfig, trainX: Matrix, trainY: [Float], trainDays: [Int] = [],
    testX: Matrix, testY: [Float], generator: inout SplitMix64,
    isCancelled: () -> Bool = { false }
  ) throws -> ClassifierReport {
    guard trainX.rows == trainY.count, testX.rows == testY.count else {
      throw LearningError("training or test features and labels have different row counts")
    }
    guard trainX.columns == testX.columns, trainX.columns > 0 else {
      throw LearningError("training and test rows need the same, non-zero number of features")
    }
    let folds = try Self.folds(config: config, rows: trainX.rows, days: trainDays)
    if config.modelType == .gru {
      throw LearningError("gru models train on sequences: use ClassifierEvaluation.runRecurrent")
    }
    if config.modelType == .gbdt {
      return try runTrees(
        config: config, folds: folds, trainX: trainX, trainY: trainY, testX: testX, testY: testY,
        generator: &generator, isCancelled: isCancelled)
    }
    var warnings: [String] = []
    var trainLoss: [Double] = []
    var trainingRowCounts: [Int] = []
    let trainer = NetworkTrainer(
      network: FeedForwardNetwork(
        inputSize: trainX.columns, hidden: config.hiddenLayers, activation: config.activation),
      options: config.training)
    let results = runFolds(
      config: config, folds: folds, trainY: trainY, generator: &generator, isCancelled: isCancelled,
      makeModel: { g -> (FeedForwardNetwork, Adam) in
        let network = FeedForwardNetwork(
          inputSize: trainX.columns, hidden: config.hiddenLayers, activation: config.activation, generator: &g)
        return (network, config.makeOptimizer(parameterCount: network.parameters.count))
      },
      fit: { model, rows, g in
        let x = rows.map { trainX.rows($0) } ?? trainX
        let y = rows.map { $0.map { trainY[$0] } } ?? trainY
        let data = Rebalancer.apply(
          config.oversampling, x: x, y: y, ratio: config.oversamplingRatio, k: config.smoteK, generator: &g)
        warnings += data.warnings
        trainingRowCounts.append(data.x.rows)
        trainLoss += trainer.train(
          network: &model.0, optimizer: &model.1, x: data.x, y: data.y, sampleWeights: data.weights, generator: &g,
          isCancelled: isCancelled)
      },
      predict: { model, rows in model.0.predict(rows.map { trainX.rows($0) } ?? testX) })
    return finish(
      config: config, trainLoss: trainLoss, folds: results, testY: testY, trainingRowCounts: trainingRowCounts,
      warnings: warnings)
  }

  /// The validation folds of `config` over `rows` training rows (`days`: the day of each row, for `timeseries`).
  ///
  /// - Throws: ``LearningError`` when there are too few rows (or days) for the folds, or days are missing.
  static func folds(config: ClassifierConfig, rows: Int, days: [Int]) throws -> [Fold] {
    switch config.validation {
    case .kfold:
      let folds = ValidationSplits.kFold(count: rows, folds: config.folds)
      if folds.isEmpty {
        throw LearningError("kfold needs 2 <= folds <= training rows; got folds \(config.folds), rows \(rows)")
      }
      return folds
    case .timeseries:
      guard days.count == rows else {
        throw LearningError("timeseries validation needs the day of every training row")
      }
      let folds = ValidationSplits.timeSeries(days: days, folds: config.folds)
      if folds.isEmpty {
        throw LearningError(
          "timeseries needs 2 <= folds and folds + 1 <= distinct training days; got folds "
            + "\(config.folds), \(Set(days).count) days")
      }
      return folds
    }
  }

  /// What the fold protocol of ``runFolds(config:folds:trainY:generator:isCancelled:makeModel:fit:predict:)``
  /// produced: per fold the validation loss and rows, the out-of-fold predictions, and the test predictions.
  struct FoldResults {
    var validationLoss: [Double] = []
    var oofProbabilities: [Double] = []
    var oofTruth: [Float] = []
    var validationRowCounts: [Int] = []
    var testProbabilities: [Float] = []
  }

  /// The protocol the network and the GRU share. A first model is made before the folds; each fold after the first
  /// gets a fresh one unless `carryModel`; the model is fitted on the fold's training rows and predicts its
  /// validation rows (validation loss: BCE over batches of `batchSize`, as the tutorial computes it). Then, unless
  /// `carryModel`, a fresh model is fitted on every training row; that model (or the carried one) predicts the test
  /// rows. Models are made from `generator` at those points only, so the order of draws is fixed.
  ///
  /// - Parameters:
  ///   - fit: fits the model on the training rows given (nil: every training row).
  ///   - predict: probabilities of the training rows given (nil: the test rows).
  static func runFolds<Model>(
    config: ClassifierConfig, folds: [Fold], trainY: [Float], generator: inout SplitMix64, isCancelled: () -> Bool,
    makeModel: (inout SplitMix64) -> Model, fit: (inout Model, [Int]?, inout SplitMix64) -> Void,
    predict: (Model, [Int]?) -> [Float]
  ) -> FoldResults {
    var results = FoldResults()
    var model = makeModel(&generator)
    for (i, fold) in folds.enumerated() {
      if isCancelled() { break }
      if i > 0 && !config.carryModel { model = makeModel(&generator) }
      fit(&model, fold.train, &generator)
      let p = predict(model, fold.validation)
      let vy = fold.validation.map { trainY[$0] }
      results.validationLoss.append(batchedBCE(probabilities: p, labels: vy, batchSize: config.training.batchSize))
      results.oofProbabilities += p.map(Double.init)
      results.oofTruth += vy
      results.validationRowCounts.append(fold.validation.count)
    }
    if !config.carryModel {
      model = makeModel(&generator)
      fit(&model, nil, &generator)
    }
    results.testProbabilities = predict(model, nil)
    return results
  }

  /// The threshold, test metrics and curves of a network or GRU run.
  static func finish(
    config: ClassifierConfig, trainLoss: [Double], folds: FoldResults, testY: [Float], trainingRowCounts: [Int],
    warnings: [String]
  ) -> ClassifierReport {
    finish(
      config: config, trainLoss: trainLoss, validationLoss: folds.validationLoss, oofTruth: folds.oofTruth,
      oofProbabilities: folds.oofProbabilities, testProbabilities: folds.testProbabilities.map(Double.init),
      testY: testY, trainingRowCounts: trainingRowCounts, validationRowCounts: folds.validationRowCounts,
      warnings: warnings)
  }

  /// Threshold, test metrics and curves, shared by every model type.
  static func finish(
    config: ClassifierConfig, trainLoss: [Double], validationLoss: [Double], oofTruth: [Float],
    oofProbabilities: [Double], testProbabilities testD: [Double], testY: [Float],
    trainingRowCounts: [Int], validationRowCounts: [Int], warnings: [String]
  ) -> ClassifierReport {
    var warnings = warnings
    let threshold: Double
    switch config.threshold {
    case .fixed(let t): threshold = t
    case .tune:
      if let t = tunedThreshold(truth: oofTruth, probabilities: oofProbabilities) {
        threshold = t
      } else {
        threshold = 0.5
        warnings.append("threshold tune: no positive validation rows; used 0.5")
      }
    }
    let metrics = ClassificationMetrics(truth: testY, probabilities: testD, threshold: threshold)
    warnings += metrics.warnings
    var seen = Set<String>()
    let unique = warnings.filter { seen.insert($0).inserted }
    let finite = validationLoss.filter { !$0.isNaN }
    return ClassifierReport(
      trainLoss: trainLoss, validationLoss: validationLoss,
      cvLoss: finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count),
      testProbabilities: testD.map { Float($0) }, threshold: threshold, metrics: metrics,
      roc: ROCCurve(truth: testY, scores: testD.map { $0.isNaN ? 0 : $0 }),
      precisionRecall: PrecisionRecallCurve(truth: testY, scores: testD.map { $0.isNaN ? 0 : $0 }),
      trainingRowCounts: trainingRowCounts, validationRowCounts: validationRowCounts, warnings: unique)
  }

  /// The threshold that maximises F1 when predicting `p >= t`, searched over the distinct probabilities (ties in F1
  /// go to the higher threshold). Nil when there are no positive rows.
  public static func tunedThreshold(truth: [Float], probabilities: [Double]) -> Double? {
    let c = ThresholdCounts(truth: truth, scores: probabilities.map { $0.isNaN ? 0 : $0 })
    guard let positives = c.tps.last, positives > 0 else { return nil }
    var best = -1.0
    var bestT = 0.5
    for k in c.tps.indices {
      let f1 = 2 * c.tps[k] / (2 * c.tps[k] + c.fps[k] + (positives - c.tps[k]))
      if f1 > best {
        best = f1
        bestT = c.thresholds[k]
      }
    }
    return bestT
  }
}
