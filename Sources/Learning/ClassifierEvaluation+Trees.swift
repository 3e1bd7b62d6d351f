import AlmanacCore

extension ClassifierEvaluation {
  /// The `gbdt` model type: the same folds, rebalancing, threshold rule, metrics and curves as the network, with a
  /// fresh ``GradientBoostedTrees`` fitted on every fold's (rebalanced) training rows and a final one on all training
  /// rows. `train_loss` is the mean log loss after each boosting iteration (counted across fits, like epochs);
  /// `val_loss` is each fold's mean BCE (clamped like PyTorch's) over its validation rows. `carry_model` does not
  /// apply to trees and is ignored with a warning.
  static func runTrees(
    config: ClassifierConfig, folds: [Fold], trainX: Matrix, trainY: [Float], testX: Matrix,
    testY: [Float], generator: inout SplitMix64, isCancelled: () -> Bool
  ) throws
    -> ClassifierReport
  {
    try config.trees.validate()
    var warnings: [String] = []
    if config.carryModel { warnings.append("carry_model applies to networks only; ignored for gbdt") }
    var trainLoss: [Double] = []
    var validationLoss: [Double] = []
    var oofProbabilities: [Double] = []
    var oofTruth: [Float] = []
    var trainingRowCounts: [Int] = []
    var validationRowCounts: [Int] = []

    func fit(x: Matrix, y: [Float], _ g: inout SplitMix64) throws -> GradientBoostedTrees {
      let data = Rebalancer.apply(
        config.oversampling, x: x, y: y, ratio: config.oversamplingRatio,
        k: config.smoteK, generator: &g)
      warnings += data.warnings
      trainingRowCounts.append(data.x.rows)
      let model = try GradientBoostedTrees.fit(
        x: data.x, y: data.y, sampleWeights: data.weights,
        config: config.trees, generator: &g, isCancelled: isCancelled)
      trainLoss += model.trainLoss
      return model
    }

    for fold in folds {
      if isCancelled() { break }
      let model = try fit(x: trainX.rows(fold.train), y: fold.train.map { trainY[$0] }, &generator)
      let vx = trainX.rows(fold.validation)
      let vy = fold.validation.map { trainY[$0] }
      let p = model.predictProbability(vx)
      validationLoss.append(batchedBCE(probabilities: p.map { Float($0) }, labels: vy, batchSize: max(1, vx.rows)))
      oofProbabilities += p
      oofTruth += vy
      validationRowCounts.append(vx.rows)
    }
    let model = try fit(x: trainX, y: trainY, &generator)
    return finish(
      config: config, trainLoss: trainLoss, validationLoss: validationLoss, oofTruth: oofTruth,
      oofProbabilities: oofProbabilities, testProbabilities: model.predictProbability(testX),
      testY: testY, trainingRowCounts: trainingRowCounts, validationRowCounts: validationRowCounts,
      warnings: warnings)
  }
}
