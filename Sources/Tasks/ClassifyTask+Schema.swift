import Datasets
import Experiments
import Tracking
import Foundation
import Learning

extension ClassifyTask {
  /// The `classify` settings exactly as `docs/ARCHITECTURE.md` lists them, with the tutorial's values as defaults.
  /// Nested objects have no default of their own: an omitted object gets its fields' defaults.
  public var settingsSchema: [Field] {
    [
      Field("data", .object([
        Field("source", .string(choices: ["synthetic", "aave"]), default: "synthetic",
              help: "synthetic (generated market) or aave (the Giza-export CSVs in data.dir)"),
        Field("dir", .string(), default: "../../shared/data/aave",
              help: "source aave: directory of the Giza-export tables, relative to the experiment file"),
        Field("features", .string(choices: ["per-token", "tutorial"]), default: "per-token",
              help: "per-token rolling windows (default) or the tutorial's cross-token windows, kept for reproduction"),
        Field("test_days", .int(min: 0), default: 40, help: "the last N days are the test set"),
        Field("scaling", .string(choices: ["minmax", "standard", "none"]), default: "minmax",
              help: "feature scaling, fitted on training rows only"),
        Field("synthetic", .object([
          Field("seed", .int(min: 0), default: 7, help: "seed of the synthetic market"),
          Field("days", .int(min: 60, max: 20_000), default: 730, help: "simulated days"),
        ]), help: "source synthetic: generator parameters"),
      ]), help: "where the liquidation panel comes from"),
      Field("features", .oneOf([.string(), .list(of: .string())]), default: "3d",
            help: "3d | 7d | a list of feature names | a key of feature_sets"),
      Field("feature_sets", .dictionary(of: .list(of: .string())), default: .map([:]),
            help: "name -> list of feature names"),
      Field("model", .object([
        Field("type", .string(choices: ["mlp", "logistic"]), default: "mlp", help: "mlp | logistic"),
        Field("hidden", .list(of: .int(min: 1, max: 4096), nonEmpty: false), default: [32, 16],
              help: "hidden layer widths (mlp)"),
        Field("activation", .string(choices: ["relu", "tanh"]), default: "relu", help: "hidden-layer activation"),
        Field("lr", .double(min: 0, exclusiveMin: true), default: 1.0e-4, help: "Adam learning rate"),
        Field("betas", .list(of: .double(min: 0, max: 1)), default: [0.9, 0.999], help: "Adam betas (two values)"),
        Field("eps", .double(min: 0, exclusiveMin: true), default: 1.0e-8, help: "Adam epsilon"),
        Field("weight_decay", .double(min: 0), default: 0, help: "L2 added to the gradient (PyTorch Adam)"),
        Field("epochs", .int(min: 1, max: 100_000), default: 30, help: "epochs per fit"),
        Field("batch_size", .int(min: 1, max: 1_000_000), default: 32, help: "rows per mini-batch"),
      ]), help: "the classifier and its optimiser"),
      Field("validation", .object([
        Field("scheme", .string(choices: ["kfold", "timeseries"]), default: "kfold",
              help: "kfold (sequential, no shuffle) | timeseries (expanding window over days)"),
        Field("folds", .int(min: 2, max: 1000), default: 5, help: "number of folds"),
        Field("carry_model", .bool, default: false,
              help: "true: the tutorial's single model and optimiser trained across folds, then tested"),
      ]), help: "validation before the final fit"),
      Field("oversampling", .string(choices: ["none", "random", "smote", "class_weight"]), default: "none",
            help: "rebalancing of training folds only"),
      Field("oversampling_ratio", .double(min: 0, max: 1, exclusiveMin: true), default: 1.0,
            help: "minority/majority after resampling"),
      Field("smote_k", .int(min: 1, max: 1000), default: 5, help: "SMOTE neighbours"),
      Field("threshold", .oneOf([.double(min: 0, max: 1, exclusiveMin: true), .string(choices: ["tune"])]),
            default: 0.5, help: "a number in (0,1) or tune (max F1 on validation folds)"),
    ]
  }

  /// The metrics and series this task reports (``ClassifyOutputs/declarations``).
  public var metrics: [MetricDeclaration] { ClassifyOutputs.declarations }

  public var defaultMetric: String { ClassifyOutputs.defaultRanking }
}

/// The `classify` settings of one trial, typed. Parsing assumes the spec layer already validated types and ranges
/// (it fills defaults); it re-checks what the schema cannot express.
struct ClassifySettings: Sendable, Hashable {
  enum Source: Sendable, Hashable {
    case synthetic(seed: UInt64, days: Int)
    case aave(directory: URL)
  }

  var source: Source
  var pipeline: PanelPipeline
  var testDays: Int
  var scaling: Scaling
  var features: [String]
  var classifier: ClassifierConfig

  init(_ s: Value, baseDirectory: URL) throws {
    func string(_ path: String, _ fallback: String) -> String { s[path: path]?.string ?? fallback }
    func int(_ path: String, _ fallback: Int) -> Int { s[path: path]?.int ?? fallback }
    func double(_ path: String, _ fallback: Double) -> Double { s[path: path]?.double ?? fallback }

    switch string("data.source", "synthetic") {
    case "aave":
      source = .aave(directory: ClassifySettings.resolve(string("data.dir", "../../shared/data/aave"),
                                                          against: baseDirectory))
    case "synthetic":
      source = .synthetic(seed: UInt64(max(0, int("data.synthetic.seed", 7))), days: int("data.synthetic.days", 730))
    case let other:
      throw TrialFailure("data.source: expected synthetic or aave, got '\(other)'")
    }
    guard let pipeline = PanelPipeline(rawValue: string("data.features", "per-token")) else {
      throw TrialFailure("data.features: expected per-token or tutorial, got '\(string("data.features", ""))'")
    }
    self.pipeline = pipeline
    testDays = int("data.test_days", 40)
    guard let scaling = Scaling(rawValue: string("data.scaling", "minmax")) else {
      throw TrialFailure("data.scaling: expected minmax, standard or none")
    }
    self.scaling = scaling

    // features: a key of feature_sets, a built-in set name, one feature name, or a list of names.
    let sets = s[path: "feature_sets"]?.map ?? [:]
    switch s[path: "features"] ?? "3d" {
    case .string(let name):
      if let list = sets[name]?.list {
        features = list.compactMap(\.string)
      } else if let builtIn = FeatureSets.builtIn[name] {
        features = builtIn
      } else {
        features = [name]
      }
    case .list(let names):
      features = names.compactMap(\.string)
    default:
      throw TrialFailure("features: expected 3d, 7d, a list of feature names or a key of feature_sets")
    }
    if features.isEmpty { throw TrialFailure("features: the feature list is empty") }

    var c = ClassifierConfig()
    switch string("model.type", "mlp") {
    case "logistic": c.modelType = .logistic
    default: c.modelType = .mlp
    }
    c.hidden = (s[path: "model.hidden"]?.list ?? [32, 16]).compactMap(\.int)
    c.activation = Activation(rawValue: string("model.activation", "relu")) ?? .relu
    c.learningRate = double("model.lr", 1e-4)
    let betas = (s[path: "model.betas"]?.list ?? [0.9, 0.999]).compactMap(\.double)
    guard betas.count == 2, betas.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
      throw TrialFailure("model.betas: expected two numbers in [0, 1), got \(s[path: "model.betas"]?.display ?? "?")")
    }
    c.betas = betas
    c.epsilon = double("model.eps", 1e-8)
    c.weightDecay = double("model.weight_decay", 0)
    c.training = TrainingOptions(epochs: max(1, int("model.epochs", 30)), batchSize: max(1, int("model.batch_size", 32)))
    c.validation = ValidationScheme(rawValue: string("validation.scheme", "kfold")) ?? .kfold
    c.folds = int("validation.folds", 5)
    c.carryModel = s[path: "validation.carry_model"]?.bool ?? false
    guard let oversampling = Oversampling(rawValue: string("oversampling", "none")) else {
      throw TrialFailure("oversampling: expected none, random, smote or class_weight")
    }
    c.oversampling = oversampling
    c.oversamplingRatio = double("oversampling_ratio", 1)
    c.smoteK = int("smote_k", 5)
    switch s[path: "threshold"] {
    case .string("tune"): c.threshold = .tune
    case let v?:
      guard let t = v.double, t > 0, t < 1 else {
        throw TrialFailure("threshold: expected a number in (0, 1) or tune, got \(v.display)")
      }
      c.threshold = .fixed(t)
    case nil: c.threshold = .fixed(0.5)
    }
    classifier = c
  }

  /// `path` as a file URL, relative paths resolved against `base` (the experiment file's directory).
  static func resolve(_ path: String, against base: URL) -> URL {
    let expanded = (path as NSString).expandingTildeInPath
    let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : base.appendingPathComponent(expanded)
    return url.standardizedFileURL
  }
}

extension ClassifyTask {
  /// Rules the schema cannot express, reported by the planner at the offending setting:
  /// `model.betas` must be two numbers in [0, 1); `threshold` must be below 1; `features` must name a built-in set,
  /// a key of `feature_sets`, or known feature names (``FeatureSets/all``); every `feature_sets` entry must list
  /// known feature names.
  public func check(settings: Value) -> [SettingProblem] {
    var problems: [SettingProblem] = []
    if let betas = settings[path: "model.betas"]?.list {
      let values = betas.compactMap(\.double)
      if values.count != 2 || values.count != betas.count || !values.allSatisfy({ $0 >= 0 && $0 < 1 }) {
        problems.append(SettingProblem("model.betas", "expected two numbers in [0, 1), got \(settings[path: "model.betas"]?.display ?? "?")"))
      }
    }
    if let t = settings[path: "threshold"]?.double, t >= 1 {
      problems.append(SettingProblem("threshold", "must be in (0, 1) or tune, got \(t)"))
    }
    let sets = settings[path: "feature_sets"]?.map ?? [:]
    for (name, list) in sets.sorted(by: { $0.key < $1.key }) {
      for feature in (list.list ?? []).compactMap(\.string) where !FeatureSets.all.contains(feature) {
        problems.append(SettingProblem("feature_sets.\(name)", ClassifyTask.unknownFeature(feature)))
      }
    }
    switch settings[path: "features"] {
    case .string(let name)?:
      if sets[name] == nil && FeatureSets.builtIn[name] == nil && !FeatureSets.all.contains(name) {
        let choices = (FeatureSets.builtIn.keys.sorted() + sets.keys.sorted()).joined(separator: ", ")
        problems.append(SettingProblem("features", "'\(name)' is not a feature set (\(choices)) nor a feature name"))
      }
    case .list(let names)?:
      for feature in names.compactMap(\.string) where !FeatureSets.all.contains(feature) {
        problems.append(SettingProblem("features", ClassifyTask.unknownFeature(feature)))
      }
    default: break
    }
    return problems
  }

  static func unknownFeature(_ name: String) -> String {
    "unknown feature '\(name)'; valid features: \(FeatureSets.all.joined(separator: ", "))"
  }
}
