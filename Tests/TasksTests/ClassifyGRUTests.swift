import AlmanacCore
import Datasets
import Experiments
import Foundation
import Learning
import Testing
import _TestSupport

@testable import Tasks

/// `model.type: gru` through the classify task: settings, the time-ordered validation rule, sequences from the panel,
/// and a trial's outcome. The GRU's numerics are checked against PyTorch in `LearningTests/GRUTests`, the sequences
/// in `DatasetsTests/PanelSequencesTests`.
@Suite("classify with a GRU")
struct ClassifyGRUTests {
  let task = ClassifyTask()

  static func settings(_ overrides: [String: Value] = [:]) -> Value {
    var all: [String: Value] = [
      "model.type": "gru", "features": "daily", "model.gru.window": 5, "model.gru.hidden": 6, "model.epochs": 2,
      "validation.scheme": "timeseries", "validation.folds": 2,
    ]
    all.merge(overrides) { _, new in new }
    return classifySettings(all)
  }

  @Test("A synthetic GRU trial reports every metric, trains every fold and the final fit, and repeats bit for bit")
  func syntheticTrial() throws {
    let a = try task.run(classifyTrial(Self.settings()), context: classifyContext)
    let b = try task.run(classifyTrial(Self.settings()), context: classifyContext)
    #expect(a.metrics == b.metrics)
    for metric in ["roc_auc", "pr_auc", "f1", "log_loss", "cv_loss"] {
      let value = try #require(a.metrics[metric], "missing \(metric)")
      #expect(value.isFinite, "\(metric) = \(value)")
    }
    // 2 folds + the final fit, 2 epochs each; one validation loss per fold.
    #expect(a.series.filter { $0.key == ClassifyOutputs.trainLoss }.count == 6)
    #expect(a.series.filter { $0.key == ClassifyOutputs.validationLoss }.count == 2)
    #expect(a.tags["features"] == FeatureSets.base.joined(separator: ","))
    // The test predictions cover every test row of the split.
    let settings = try ClassifySettings(Self.settings(), baseDirectory: classifyContext.baseDirectory)
    let split = try ClassifyTask.panel(source: settings.source, pipeline: settings.pipeline)
      .split(testDays: settings.testDays, features: FeatureSets.base, scaling: .minmax)
    #expect(a.series.filter { $0.key == ClassifyOutputs.testScore }.count == split.testCount)
  }

  @Test("The window, hidden size and layers reach the model: each changes the outcome")
  func settingsReachTheModel() throws {
    let base = try task.run(classifyTrial(Self.settings()), context: classifyContext).metrics["log_loss"]
    for override: [String: Value] in [["model.gru.window": 2], ["model.gru.hidden": 4], ["model.gru.layers": 2]] {
      let changed = try task.run(classifyTrial(Self.settings(override)), context: classifyContext).metrics["log_loss"]
      #expect(changed != base, "\(override) did not change the outcome")
    }
  }

  @Test("gru needs time-ordered folds: kfold is refused at validation.scheme; the other models keep kfold")
  func timeOrderedFolds() {
    #expect(task.check(settings: Self.settings()).isEmpty)
    let problems = task.check(settings: Self.settings(["validation.scheme": "kfold"]))
    #expect(problems.map(\.path) == ["validation.scheme"])
    #expect(problems.first?.message.contains("timeseries") == true)
    #expect(task.check(settings: Self.settings(["model.type": "mlp", "validation.scheme": "kfold"])).isEmpty)
  }

  @Test("Out-of-range GRU settings are the schema's to refuse, at their position in the file")
  func bounds() {
    #expect(
      parseErrors("name: x\ntask: classify\nmodel:\n  gru: {window: 0}\n")?
        .hasPrefix("x.yaml:4:17: error: 'model.gru.window' must be between 1 and 366, got 0") == true)
    #expect(
      parseErrors("name: x\ntask: classify\nmodel:\n  gru: {layers: 9}\n")?
        .hasPrefix("x.yaml:4:17: error: 'model.gru.layers' must be between 1 and 8, got 9") == true)
  }

  @Test("A GRU over the CSV example: groups play the tokens' part")
  func csvSource() throws {
    let settings = Self.settings([
      "data.source": "csv",
      "data.csv": ["path": "../examples/data/synthetic-panel.csv", "label": "label", "time": "day", "group": "token"],
      "features": "all",
    ])
    #expect(task.check(settings: settings, baseDirectory: classifyContext.baseDirectory).isEmpty)
    let outcome = try task.run(classifyTrial(settings), context: classifyContext)
    #expect(outcome.metrics["roc_auc"].map { $0.isFinite } == true)
  }
}
