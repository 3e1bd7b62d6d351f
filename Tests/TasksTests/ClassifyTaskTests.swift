import AlmanacCore
import Datasets
import Dispatch
import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Tasks

/// Settings for a quick synthetic trial (small market, few epochs), with overrides at dotted paths.
func classifySettings(_ overrides: [String: Value] = [:]) -> Value {
  var v: Value = [
    "data": ["source": "synthetic", "features": "per-token", "test_days": 40, "scaling": "minmax",
             "synthetic": ["seed": 7, "days": 240]],
    "features": "3d",
    "model": ["type": "mlp", "hidden": [8], "epochs": 3, "batch_size": 32, "lr": 1.0e-3],
    "validation": ["scheme": "kfold", "folds": 3, "carry_model": false],
    "oversampling": "none",
    "threshold": 0.5,
  ]
  for (k, value) in overrides { v = v.setting(k, to: value) }
  return v
}

func classifyTrial(_ settings: Value, seed: UInt64 = 1) -> Trial {
  Trial(index: 0, key: "test", settings: settings, axisValues: [], replicate: 0, seed: seed)
}

let classifyContext = TrialContext(baseDirectory: TestSupport.repositoryRoot.appendingPathComponent("experiments"),
                                   artifactDirectory: FileManager.default.temporaryDirectory)

@Suite("classify task")
struct ClassifyTaskTests {
  let task = ClassifyTask()

  @Test("Schema has exactly the settings of ARCHITECTURE.md, and the metric goals")
  func schema() {
    #expect(task.name == "classify")
    #expect(task.settingsSchema.map(\.name) == [
      "data", "features", "feature_sets", "model", "validation", "oversampling", "oversampling_ratio", "smote_k",
      "threshold",
    ])
    func names(_ field: String) -> [String] {
      guard let f = task.settingsSchema.first(where: { $0.name == field }), case .object(let fields) = f.schema
      else { return [] }
      return fields.map(\.name)
    }
    #expect(names("data") == ["source", "dir", "features", "test_days", "scaling", "synthetic", "csv"])
    #expect(names("model") == ["type", "hidden", "activation", "lr", "betas", "eps", "weight_decay", "epochs",
                               "batch_size", "gru", "gbdt"])
    #expect(names("validation") == ["scheme", "folds", "carry_model"])
    #expect(task.defaultMetric == "f1")
    #expect(Set(task.metricGoals.keys) == ["accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss",
                                           "brier", "tp", "fp", "tn", "fn", "cv_loss"])
    #expect(task.metricGoals["log_loss"] == .minimize && task.metricGoals["brier"] == .minimize)
    #expect(task.metricGoals["roc_auc"] == .maximize)
  }

  @Test("Input files: the five CSVs of data.dir (relative to the experiment file) for aave, none for synthetic")
  func inputFiles() throws {
    let base = URL(fileURLWithPath: "/repo/experiments")
    let aave = try task.inputFiles(settings: classifySettings(["data.source": "aave", "data.dir": "../data/aave"]),
                                   baseDirectory: base)
    #expect(aave.map(\.lastPathComponent) == [
      "aave_liquidations_v2.csv", "aave_liquidations_v3.csv", "aave_daily_deposits_borrows_v2.csv",
      "aave_daily_deposits_borrows_v3.csv", "tokens_daily_volume.csv",
    ])
    #expect(aave.allSatisfy { $0.deletingLastPathComponent().path == "/repo/data/aave" })
    #expect(try task.inputFiles(settings: classifySettings(), baseDirectory: base).isEmpty)
  }

  @Test("A synthetic trial reports every metric, the series, and repeats bit for bit with its seed")
  func syntheticRun() throws {
    let a = try task.run(classifyTrial(classifySettings()), context: classifyContext)
    let comparisons = a.metrics.keys.filter { $0.hasPrefix("baseline.") || $0.hasSuffix(".lo95") || $0.hasSuffix(".hi95") }
    #expect(Set(a.metrics.keys).subtracting(comparisons) == Set(task.metricGoals.keys))
    #expect(Int(a.metrics["tp", default: 0] + a.metrics["fp", default: 0] + a.metrics["tn", default: 0]
      + a.metrics["fn", default: 0]) > 0)
    // 3 folds + final fit, 3 epochs each.
    #expect(a.series.filter { $0.key == "train_loss" }.map(\.step) == Array(1...12))
    #expect(a.series.filter { $0.key == "val_loss" }.count == 3)
    let fpr = a.series.filter { $0.key == "roc_fpr" }
    #expect(fpr.first?.value == 0 && fpr.last?.value == 1)
    #expect(a.series.filter { $0.key == "pr_recall" }.last?.value == 0)
    let b = try task.run(classifyTrial(classifySettings()), context: classifyContext)
    #expect(a.metrics == b.metrics)
    #expect(a.series == b.series)
    let c = try task.run(classifyTrial(classifySettings(), seed: 2), context: classifyContext)
    #expect(c.series.filter { $0.key == "train_loss" } != a.series.filter { $0.key == "train_loss" })
  }

  @Test("Variants run: logistic, tanh, timeseries, carry_model, smote, class_weight, tuned threshold, feature sets",
        arguments: [
          ["model.type": "logistic"], ["model.activation": "tanh"], ["validation.scheme": "timeseries"],
          ["validation.carry_model": true], ["oversampling": "smote"], ["oversampling": "class_weight"],
          ["oversampling": "random", "oversampling_ratio": 0.5], ["threshold": "tune"],
          ["features": "mine", "feature_sets": ["mine": ["price", "return_7d"]]],
          ["features": ["price", "borrows_volume"]], ["data.scaling": "standard"],
        ] as [[String: Value]])
  func variants(overrides: [String: Value]) throws {
    let o = try task.run(classifyTrial(classifySettings(overrides)), context: classifyContext)
    #expect(o.metrics["f1"].map { $0 >= 0 && $0 <= 1 } == true)
    #expect(o.metrics["log_loss"].map { $0.isFinite } == true)
    if overrides["validation.carry_model"] == true {
      #expect(o.series.filter { $0.key == "train_loss" }.count == 9)
    }
    if case .string("tune")? = overrides["threshold"] { #expect(o.tags["threshold"] != "0.5") }
  }

  @Test("Errors name the setting: unknown feature, bad betas, missing directory, too many folds")
  func errors() {
    func message(_ overrides: [String: Value]) -> String {
      do {
        _ = try task.run(classifyTrial(classifySettings(overrides)), context: classifyContext)
        return ""
      } catch {
        return "\(error)"
      }
    }
    #expect(message(["features": ["price", "nope"]]).contains("features: unknown feature 'nope'"))
    #expect(message(["model.betas": [0.9]]).contains("model.betas"))
    #expect(message(["data.source": "aave", "data.dir": "/nonexistent/aave"]).contains("data.dir"))
    #expect(message(["validation.folds": 100_000]).contains("folds"))
    #expect(message(["data.test_days": 10_000]).contains("data.test_days"), "longer than the panel")
    #expect(message(["data.test_days": 100_000]).contains("'data.test_days' must be between 0 and 36500"))
  }
}

@Suite("classify panel cache")
struct PanelCacheTests {
  @Test("Trials share one panel per data source and pipeline; a failed build is not cached")
  func shared() throws {
    let settings = classifySettings(["data.synthetic.seed": 4242, "data.synthetic.days": 200])
    let key = ClassifyTask.PanelKey(source: .synthetic(seed: 4242, days: 200), pipeline: .perToken)
    #expect(ClassifyTask.panelCache.cachedValue(for: key) == nil)
    let outcomes = OutcomeSlots(count: 4)
    DispatchQueue.concurrentPerform(iterations: 4) { i in
      outcomes.set(i, Result { try ClassifyTask().run(classifyTrial(settings, seed: UInt64(i)), context: classifyContext) })
    }
    for i in 0..<4 { #expect(throws: Never.self) { try outcomes.get(i).get() } }
    let panel = try #require(ClassifyTask.panelCache.cachedValue(for: key))
    #expect(panel.count > 0)
    let missing = classifySettings(["data.source": "aave", "data.dir": "/nonexistent/aave"])
    #expect(throws: TrialFailure.self) { try ClassifyTask().run(classifyTrial(missing), context: classifyContext) }
    #expect(ClassifyTask.panelCache.cachedValue(
      for: ClassifyTask.PanelKey(source: .aave(directory: URL(fileURLWithPath: "/nonexistent/aave")), pipeline: .perToken)) == nil)
  }
}

@Suite("classify cross-setting checks")
struct ClassifyCheckTests {
  @Test("Bad betas, unknown features and feature-set members are reported at their setting")
  func problems() {
    let task = ClassifyTask()
    #expect(task.check(settings: classifySettings()).isEmpty)
    #expect(task.check(settings: classifySettings(["features": "7d"])).isEmpty)
    #expect(task.check(settings: classifySettings(["features": "mine", "feature_sets": ["mine": ["price"]]])).isEmpty)
    #expect(task.check(settings: classifySettings(["model.betas": [0.9]])).map(\.path) == ["model.betas"])
    // A beta or a threshold out of range is the schema's to reject, at its position in the file (TaskSettingsTests);
    // a direct caller that skips validation is told why.
    #expect(parseErrors("name: x\ntask: classify\nmodel:\n  betas: [0.9, 1.0]\n")?
      .hasPrefix("x.yaml:4:16: error: 'model.betas[1]' must be >= 0 and < 1, got 1.0") == true)
    #expect(task.check(settings: classifySettings(["threshold": 1.0])).map(\.message)
      == ["invalid settings: 'threshold' must be a number in (0, 1) or 'tune', got 1.0"])
    #expect(task.check(settings: classifySettings(["features": "14d"])).map(\.path) == ["features"])
    #expect(task.check(settings: classifySettings(["features": ["price", "nope"]])).map(\.message)
      == [ClassifyTask.unknownFeature("nope")])
    #expect(task.check(settings: classifySettings(["feature_sets": ["x": ["nope"]]])).map(\.path) == ["feature_sets.x"])
  }
}
