import AlmanacCore
import Testing

@testable import Learning

@Suite("ClassifierEvaluation with gbdt")
struct ClassifierTreesTests {
  private func data(_ n: Int, seed: UInt64) -> (Matrix, [Float]) {
    var g = SplitMix64(seed: seed)
    let x = Matrix(rows: n, columns: 3, values: (0..<(n * 3)).map { _ in Float(g.nextGaussian()) })
    let y: [Float] = (0..<n).map { x[$0, 0] - 0.7 * x[$0, 1] + 0.3 * Float(g.nextGaussian()) > 0.8 ? 1 : 0 }
    return (x, y)
  }

  @Test("Folds, rebalancing, threshold and metrics as for the network; one loss per tree across fits",
        arguments: [Oversampling.none, .random, .smote, .classWeight])
  func evaluation(oversampling: Oversampling) throws {
    let (x, y) = data(400, seed: 1)
    let (tx, ty) = data(150, seed: 2)
    var c = ClassifierConfig()
    c.modelType = .gbdt
    c.trees.maxIter = 20
    c.oversampling = oversampling
    c.threshold = .tune
    var g = SplitMix64(seed: 9)
    let r = try ClassifierEvaluation.run(config: c, trainX: x, trainY: y, testX: tx, testY: ty, generator: &g)
    #expect(r.trainLoss.count == 6 * 20)
    #expect(r.validationLoss.count == 5 && r.validationLoss.allSatisfy { $0.isFinite && $0 > 0 })
    #expect(r.trainingRowCounts.count == 6 && r.validationRowCounts == [80, 80, 80, 80, 80])
    if oversampling == .random || oversampling == .smote { #expect(r.trainingRowCounts[5] > 400) }
    #expect(r.metrics.rocAUC > 0.85)
    #expect(r.testProbabilities.count == 150)
    var g2 = SplitMix64(seed: 9)
    let again = try ClassifierEvaluation.run(config: c, trainX: x, trainY: y, testX: tx, testY: ty, generator: &g2)
    #expect(again.testProbabilities == r.testProbabilities)
  }

  @Test("carry_model is ignored with a warning; bad tree settings fail the run with the setting's name")
  func carryModelAndBadSettings() throws {
    let (x, y) = data(200, seed: 3)
    var c = ClassifierConfig()
    c.modelType = .gbdt
    c.trees.maxIter = 5
    c.carryModel = true
    var g = SplitMix64(seed: 0)
    let r = try ClassifierEvaluation.run(config: c, trainX: x, trainY: y, testX: x, testY: y, generator: &g)
    #expect(r.warnings.contains { $0.contains("carry_model") })
    #expect(r.trainingRowCounts.count == 6)
    c.trees.maxBins = 300
    #expect(throws: LearningError.self) {
      try ClassifierEvaluation.run(config: c, trainX: x, trainY: y, testX: x, testY: y, generator: &g)
    }
  }
}
