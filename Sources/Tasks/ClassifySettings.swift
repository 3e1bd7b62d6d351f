import Datasets
import Experiments
import Foundation
import Learning

/// The `classify` settings of one trial, typed: read once from the validated settings (``ValidatedSettings``), so
/// every default and every list of choices stays in ``ClassifyTask/schema``.
struct ClassifySettings: Sendable, Hashable {
  /// Where the panel comes from (`data.source`); its raw values are the schema's choices.
  enum DataSource: String, Sendable, CaseIterable {
    case synthetic, aave, csv
  }

  /// The `features` word for every feature of the panel (any source).
  static let allFeatures = "all"

  /// The word `threshold` accepts besides a number.
  enum ThresholdKeyword: String, Sendable, CaseIterable {
    /// Max F1 on the validation folds.
    case tune
  }

  /// A data source with its parameters (the panel cache key).
  enum Source: Sendable, Hashable {
    case synthetic(seed: UInt64, days: Int)
    case aave(directory: URL)
    /// `data.csv`: the file (resolved) and how its columns are read.
    case csv(file: URL, options: CSVPanelOptions)
  }

  /// The largest seed: 2^53 - 1, the largest integer every JSON reader (doubles) keeps exactly.
  static let maximumSeed = 9_007_199_254_740_991
  /// The longest feature list: far more than the features that exist (``FeatureSets/all``).
  static let maximumFeatures = 1000
  /// The longest GRU window: a year of days (memory per trial is rows x window x features floats).
  static let maximumWindow = 366

  var source: Source
  var pipeline: PanelPipeline
  var testDays: Int
  var scaling: Scaling
  /// The features the model uses; nil for every feature of the panel (`features: all`, and the default `3d` with
  /// `data.source: csv`).
  var features: [String]?
  var classifier: ClassifierConfig
  /// `model.gru.window`: the days of history each sequence holds (read by `gru` models only).
  var window: Int

  /// Reads `settings` after validating them against ``ClassifyTask/schema`` (throws ``SettingsError`` when they do
  /// not validate); `baseDirectory` resolves `data.dir`.
  init(_ settings: Value, baseDirectory: URL) throws {
    let s = try ValidatedSettings(settings, schema: ClassifyTask.schema)
    source = try Self.source(s, baseDirectory: baseDirectory)
    pipeline = try s.choice("data.features")
    testDays = try s.int("data.test_days")
    scaling = try s.choice("data.scaling")
    features = try Self.features(s, source: source)
    // A CSV source reads only the columns the model uses when they are named (so a text cell in one is an error at
    // its position rather than an unknown feature); `all` reads every numeric column.
    if case .csv(let file, var options) = source, options.features == nil, let features {
      options.features = features
      source = .csv(file: file, options: options)
    }

    var c = ClassifierConfig()
    c.modelType = try s.choice("model.type")
    c.hidden = try s.ints("model.hidden")
    c.activation = try s.choice("model.activation")
    c.learningRate = try s.double("model.lr")
    c.betas = try s.doubles("model.betas")
    guard c.betas.count == 2 else {
      throw TrialFailure("model.betas: expected two numbers in [0, 1), got \(c.betas.count)")
    }
    c.epsilon = try s.double("model.eps")
    c.weightDecay = try s.double("model.weight_decay")
    c.training = TrainingOptions(epochs: try s.int("model.epochs"), batchSize: try s.int("model.batch_size"))
    c.trees = try Self.trees(s)
    c.recurrent.hidden = try s.int("model.gru.hidden")
    c.recurrent.layers = try s.int("model.gru.layers")
    window = try s.int("model.gru.window")
    c.validation = try s.choice("validation.scheme")
    c.folds = try s.int("validation.folds")
    c.carryModel = try s.bool("validation.carry_model")
    c.oversampling = try s.choice("oversampling")
    c.oversamplingRatio = try s.double("oversampling_ratio")
    c.smoteK = try s.int("smote_k")
    c.threshold = try Self.threshold(s)
    classifier = c
  }

  /// `model.gbdt` as the trees' configuration (0 means "no limit" for the leaf and depth caps).
  static func trees(_ s: ValidatedSettings) throws -> GradientBoostingConfig {
    var t = GradientBoostingConfig()
    t.learningRate = try s.double("model.gbdt.learning_rate")
    t.maxIter = try s.int("model.gbdt.max_iter")
    let leaves = try s.int("model.gbdt.max_leaf_nodes")
    t.maxLeafNodes = leaves == 0 ? nil : leaves
    let depth = try s.int("model.gbdt.max_depth")
    t.maxDepth = depth == 0 ? nil : depth
    t.minSamplesLeaf = try s.int("model.gbdt.min_samples_leaf")
    t.l2Regularization = try s.double("model.gbdt.l2_regularization")
    t.maxBins = try s.int("model.gbdt.max_bins")
    t.earlyStopping = try s.choice("model.gbdt.early_stopping")
    t.validationFraction = try s.value("model.gbdt.validation_fraction").double
    t.nIterNoChange = try s.int("model.gbdt.n_iter_no_change")
    t.tol = try s.double("model.gbdt.tol")
    t.classWeight = try s.choice("model.gbdt.class_weight")
    return t
  }

  /// `data.source` with its parameters; `data.dir` resolved against `baseDirectory`.
  static func source(_ s: ValidatedSettings, baseDirectory: URL) throws -> Source {
    switch try s.choice("data.source", as: DataSource.self) {
    case .aave:
      return .aave(directory: resolve(try s.string("data.dir"), against: baseDirectory))
    case .synthetic:
      return .synthetic(
        seed: UInt64(clamping: try s.int("data.synthetic.seed")),
        days: try s.int("data.synthetic.days"))
    case .csv:
      guard let path = s.value[path: "data.csv.path"]?.string, let label = s.value[path: "data.csv.label"]?.string
      else { throw TrialFailure("data.source: csv needs data.csv with at least path and label") }
      let options = CSVPanelOptions(
        label: label, positive: s.value[path: "data.csv.positive"].flatMap(csvText),
        features: try s.value[path: "data.csv.features"].map { _ in try s.strings("data.csv.features") },
        exclude: try s.strings("data.csv.exclude"), time: s.value[path: "data.csv.time"]?.string,
        group: s.value[path: "data.csv.group"]?.string)
      return .csv(file: resolve(path, against: baseDirectory), options: options)
    }
  }

  /// A `data.csv.positive` value as the text it is compared with: a string as written, an integer in decimal.
  static func csvText(_ v: Value) -> String? {
    if case .int(let i) = v { return String(i) }
    return v.string
  }

  /// `features`: a key of `feature_sets`, `all`, a built-in set name, one feature name, or a list of names; nil
  /// means every feature of the panel. With `data.source: csv` the built-in sets (Aave panel columns) do not apply:
  /// `3d`, the default, means every feature column of the CSV, and any other name is a column name.
  static func features(_ s: ValidatedSettings, source: Source) throws -> [String]? {
    let features: [String]
    switch try s.value("features") {
    case .string(let name):
      var csv = false
      if case .csv = source { csv = true }
      if case .list(let list)? = try s.dictionary("feature_sets")[name] {
        features = list.compactMap(\.string)
      } else if name == allFeatures || (csv && name == ClassifyTask.defaultFeatures) {
        return nil
      } else if !csv, let builtIn = FeatureSets.builtIn[name] {
        features = builtIn
      } else {
        features = [name]
      }
    case .list(let names):
      features = names.compactMap(\.string)
    case let other:
      throw SettingsError.wrongType(
        path: "features", requested: "a string or a list of strings",
        declared: other.display)
    }
    if features.isEmpty { throw TrialFailure("features: the feature list is empty") }
    return features
  }

  /// `threshold`: a number in (0, 1), or `tune`.
  static func threshold(_ s: ValidatedSettings) throws -> ThresholdRule {
    let value = try s.value("threshold")
    if let t = value.double { return .fixed(t) }
    switch value.string.flatMap(ThresholdKeyword.init(rawValue:)) {
    case .tune?: return .tune
    case nil: throw SettingsError.notAChoice(path: "threshold", value: value.display, type: "\(ThresholdKeyword.self)")
    }
  }

  /// `path` as a file URL, relative paths resolved against `base` (the experiment file's directory).
  static func resolve(_ path: String, against base: URL) -> URL {
    let expanded = (path as NSString).expandingTildeInPath
    let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : base.appendingPathComponent(expanded)
    return url.standardizedFileURL
  }
}
