import AlmanacCore
import Datasets
import Learning
import Testing
import _TestSupport

@Suite("Gradient-boosted trees on the real per-token panel")
struct GradientBoostingPanelTests {
  /// Mean test ROC-AUC over seeds 0-9 with early stopping on (default settings otherwise) is within 0.01 of
  /// scikit-learn's mean over random_state 0-9 (TreeFixture.panelMeanAUC, from the same exported panel). The
  /// validation splits differ (SplitMix64 vs NumPy), hence the comparison of means, not of single fits.
  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func rocAUCMatchesScikitLearn() throws {
    let shared = try #require(TestSupport.sharedDirectory)
    let tables = try AaveTables.load(directory: shared.appendingPathComponent("data/aave"))
    let panel = try LiquidationPanel.build(from: tables, pipeline: .perToken)
    let s = try panel.split(testDays: 40, features: [TreeFixture.panelFeatures], scaling: .none)
    let x = Matrix(rows: s.trainCount, columns: s.featureCount, doubles: s.trainX)
    let y = s.trainY.map(Float.init)
    let testX = Matrix(rows: s.testCount, columns: s.featureCount, doubles: s.testX)
    let testY = s.testY.map(Float.init)
    var config = GradientBoostingConfig()
    config.earlyStopping = .on
    var aucs: [Double] = []
    for seed in 0..<10 {
      var g = SplitMix64(seed: UInt64(seed))
      let model = try GradientBoostedTrees.fit(x: x, y: y, config: config, generator: &g)
      aucs.append(ROCCurve(truth: testY, scores: model.predictProbability(testX)).area)
    }
    let mean = aucs.reduce(0, +) / Double(aucs.count)
    #expect(abs(mean - TreeFixture.panelMeanAUC) < 0.01, "Almanac \(mean) vs scikit-learn \(TreeFixture.panelMeanAUC)")
  }
}
