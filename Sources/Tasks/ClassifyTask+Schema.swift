import Datasets
import Experiments
import Tracking
import Foundation
import Learning

extension ClassifyTask {
  public var settingsSchema: [Field] { Self.schema }

  /// The `classify` settings (docs/ARCHITECTURE.md "Task settings / classify" is generated from this list), with the
  /// tutorial's values as defaults. Nested objects have no default of their own: an omitted object gets its fields'
  /// defaults. Every bound is far above what a study needs and keeps one trial's memory and time finite.
  static let schema: [Field] = [
    Field(
      "data",
      .object([
        Field(
          "source", .choice(ClassifySettings.DataSource.self), default: "synthetic",
          help: "synthetic (generated market), aave (the Giza-export CSVs in data.dir) or csv (your own table, "
            + "data.csv; docs/csv-source.md)"),
        Field(
          "dir", .string(), default: "../../shared/data/aave",
          help: "source aave: directory of the Giza-export tables, relative to the experiment file"),
        Field(
          "features", .choice(PanelPipeline.self), default: "per-token",
          help: "per-token rolling windows (default) or the tutorial's cross-token windows, kept for reproduction"),
        Field(
          "test_days", .int(min: 0, max: 36_500), default: 40,
          help: "the last N days are the test set (at most 100 years of days); csv: N units of data.csv.time "
            + "(days for dates), or the last N + 1 rows without a time column"),
        Field(
          "scaling", .choice(Scaling.self), default: "minmax",
          help: "feature scaling, fitted on training rows only"),
        Field(
          "synthetic",
          .object([
            Field(
              "seed", .int(min: 0, max: ClassifySettings.maximumSeed), default: 7,
              help: "seed of the synthetic market (at most 2^53 - 1, so it survives any JSON reader)"),
            Field(
              "days", .int(min: 60, max: 20_000), default: 730,
              help: "simulated days (the market's memory grows with the days; 20000 is 55 years)"),
          ]), help: "source synthetic: generator parameters"),
        Field(
          "csv",
          .object([
            Field(
              "path", .string(), required: true,
              help: "the CSV file (header line, comma-separated), relative to the experiment file"),
            Field(
              "label", .string(), required: true,
              help: "the label column: 0/1 (or true/false), or two values with positive naming the one that is 1"),
            Field(
              "positive",
              .oneOf([.string(), .int(min: -ClassifySettings.maximumSeed, max: ClassifySettings.maximumSeed)]),
              help: "the label value counted as 1, compared as text (an integer as its digits); the other rows must "
                + "all hold one other value. Omitted: labels are 0/1 or true/false"),
            Field(
              "features", .list(of: .string(), maxCount: ClassifySettings.maximumFeatures),
              help: "the feature columns; omitted: every named column besides label, time, group and exclude whose "
                + "first non-empty cell is a number"),
            Field(
              "exclude", .list(of: .string(), nonEmpty: false, maxCount: ClassifySettings.maximumFeatures),
              default: [], help: "columns never used as features (each must exist)"),
            Field(
              "time", .string(),
              help: "the time column: dates (YYYY-MM-DD[ HH:MM:SS], as days) or integers (at most 11 digits); "
                + "gives the test split and timeseries folds. Omitted: the row number"),
            Field(
              "group", .string(),
              help: "the group column (like tokens: windows and sequences never cross groups). Omitted: one group"),
          ]),
          help: "source csv: your own table; rows stably sorted by (time, group); every cell needs a value; "
            + "errors name file:line:column"),
      ]), help: "where the liquidation panel comes from"),
    Field(
      "features", .oneOf([.string(), .list(of: .string(), maxCount: ClassifySettings.maximumFeatures)]),
      default: .string(ClassifyTask.defaultFeatures),
      help:
        "a built-in set (3d, 7d, daily), all, a key of feature_sets, a feature name, or a list of feature names; with "
        + "data.source csv, names are CSV columns and 3d (the default) means all"),
    Field(
      "feature_sets", .dictionary(of: .list(of: .string(), maxCount: ClassifySettings.maximumFeatures)),
      default: .map([:]), help: "name -> list of feature names"),
    Field(
      "model",
      .object([
        Field(
          "type", .choice(ModelType.self), default: "mlp",
          help: "mlp: feed-forward network; logistic: logistic regression; gbdt: gradient-boosted trees "
            + "(scikit-learn's HistGradientBoostingClassifier; settings under model.gbdt); gru: a GRU over each "
            + "token's last model.gru.window days (torch.nn.GRU; needs validation.scheme timeseries)"),
        Field(
          "hidden", .list(of: .int(min: 1, max: 4096), nonEmpty: false, maxCount: 16), default: [32, 16],
          help: "hidden layer widths (mlp); at most 16 layers of 4096 units (about 270 million weights)"),
        Field("activation", .choice(Activation.self), default: "relu", help: "hidden-layer activation"),
        Field(
          "lr", .double(min: 0, max: 10, exclusiveMin: true), default: 1.0e-4,
          help: "Adam learning rate (at most 10, far above any useful step)"),
        Field(
          "betas", .list(of: .double(min: 0, max: 1, exclusiveMax: true), maxCount: 2), default: [0.9, 0.999],
          help: "Adam betas (two values)"),
        Field("eps", .double(min: 0, max: 1, exclusiveMin: true), default: 1.0e-8, help: "Adam epsilon"),
        Field(
          "weight_decay", .double(min: 0, max: 10), default: 0,
          help: "L2 added to the gradient (PyTorch Adam); at most 10, far above any useful penalty"),
        Field("epochs", .int(min: 1, max: 100_000), default: 30, help: "epochs per fit (bounds the trial's time)"),
        Field(
          "batch_size", .int(min: 1, max: 1_000_000), default: 32,
          help: "rows per mini-batch"),
        Field(
          "gru",
          .object([
            Field(
              "window", .int(min: 1, max: ClassifySettings.maximumWindow), default: 7, keyNeutral: true,
              help: "days of each token's history one sequence holds (calendar days; absent days are skipped); "
                + "at most a year, which with the features bounds a trial's memory"),
            Field(
              "hidden", .int(min: 1, max: 1024), default: 32, keyNeutral: true, help: "hidden units per GRU layer"),
            Field("layers", .int(min: 1, max: 8), default: 1, keyNeutral: true, help: "stacked GRU layers"),
          ]),
          help: "recurrent model (model.type gru): one sequence per row, within its token and its side of the "
            + "train/test split; lr, betas, eps, weight_decay, epochs and batch_size apply"),
        Field(
          "gbdt",
          .object([
            Field(
              "learning_rate", .double(min: 0, max: 10, exclusiveMin: true), default: 0.1,
              help: "shrinkage applied to each tree's leaf values"),
            Field("max_iter", .int(min: 1, max: 10_000), default: 100, help: "boosting iterations (trees) at most"),
            Field(
              "max_leaf_nodes", .int(min: 0, max: 65_536), default: 31,
              help: "leaves per tree at most (0: no limit; otherwise at least 2)"),
            Field("max_depth", .int(min: 0, max: 64), default: 0, help: "depth of a tree at most (0: no limit)"),
            Field("min_samples_leaf", .int(min: 1, max: 1_000_000), default: 20, help: "rows per leaf at least"),
            Field("l2_regularization", .double(min: 0, max: 1e6), default: 0, help: "L2 penalty on leaf values"),
            Field("max_bins", .int(min: 2, max: 255), default: 255, help: "histogram bins per feature (a byte each)"),
            Field(
              "early_stopping", .choice(EarlyStopping.self), default: "auto",
              help: "auto: on above 10,000 training rows (scikit-learn's rule)"),
            Field(
              "validation_fraction",
              .oneOf([
                .double(min: 0, max: 1, exclusiveMin: true, exclusiveMax: true),
                .string(choices: ["none"]),
              ]), default: 0.1,
              help: "share of training rows held out for early stopping (none: score the training loss)"),
            Field(
              "n_iter_no_change", .int(min: 1, max: 1000), default: 10,
              help: "iterations without improvement before early stopping"),
            Field("tol", .double(min: 0, max: 1), default: 1.0e-7, help: "improvement that counts for early stopping"),
            Field(
              "class_weight", .choice(TreeClassWeight.self), default: "none",
              help: "balanced: weight rows by n / (2 n_class)"),
          ]), help: "gradient-boosted trees (model.type gbdt)"),
      ]), help: "the classifier and its optimiser"),
    Field(
      "validation",
      .object([
        Field(
          "scheme", .choice(ValidationScheme.self), default: "kfold",
          help: "kfold: sequential folds, no shuffle; timeseries: expanding window over days"),
        Field("folds", .int(min: 2, max: 1000), default: 5, help: "number of folds (each fold is a fit)"),
        Field(
          "carry_model", .bool, default: false,
          help: "true: the tutorial's single model and optimiser trained across folds, then tested"),
      ]), help: "validation before the final fit"),
    Field("oversampling", .choice(Oversampling.self), default: "none", help: "rebalancing of training folds only"),
    Field(
      "oversampling_ratio", .double(min: 0, max: 1, exclusiveMin: true), default: 1.0,
      help: "minority/majority after resampling"),
    Field(
      "smote_k", .int(min: 1, max: 1000), default: 5,
      help: "SMOTE neighbours (each synthetic row searches them; 1000 keeps that search finite)"),
    Field(
      "threshold",
      .oneOf([
        .double(min: 0, max: 1, exclusiveMin: true, exclusiveMax: true),
        .choice(ClassifySettings.ThresholdKeyword.self),
      ]),
      default: 0.5,
      help: "decision threshold on the test probabilities; tune: the one with max F1 on the validation folds"),
  ]

  /// The metrics and series this task reports (``ClassifyOutputs/declarations``).
  public var metrics: [MetricDeclaration] { ClassifyOutputs.declarations }

  public var defaultMetric: String { ClassifyOutputs.defaultRanking }
}

extension ClassifyTask {
  /// The default of `features`: the tutorial's 3-day set (with `data.source: csv`, every feature column).
  static let defaultFeatures = "3d"

  public func check(settings: Value) -> [SettingProblem] { check(settings: settings, base: nil) }

  public func check(settings: Value, baseDirectory: URL) -> [SettingProblem] {
    check(settings: settings, base: baseDirectory)
  }

  /// Rules the schema cannot express, reported by the planner at the offending setting: `model.betas` must be two
  /// numbers (the schema bounds each to [0, 1)); `features` must name `all`, a built-in set, a key of
  /// `feature_sets`, or known feature names (``FeatureSets/all``); every `feature_sets` entry must list known feature
  /// names. With `data.source: csv` (``checkCSV(_:base:)``): `data.csv` must be given, and with a base directory the
  /// CSV's header is read so that every column the settings name exists and has one role.
  func check(settings: Value, base: URL?) -> [SettingProblem] {
    let s: ValidatedSettings
    let sets: [String: Value]
    let features: Value
    let betas: [Double]
    let source: ClassifySettings.DataSource
    do {
      s = try ValidatedSettings(settings, schema: Self.schema)
      sets = try s.dictionary("feature_sets")
      features = try s.value("features")
      betas = try s.doubles("model.betas")
      source = try s.choice("data.source")
    } catch {
      // The planner validates before it checks; a direct caller learns why the settings are unusable.
      return [SettingProblem("", "\(error)")]
    }
    var problems: [SettingProblem] = []
    if betas.count != 2 {
      problems.append(SettingProblem("model.betas", "expected two numbers in [0, 1), got \(betas.count)"))
    }
    if (try? s.int("model.gbdt.max_leaf_nodes")) == 1 {
      problems.append(
        SettingProblem("model.gbdt.max_leaf_nodes", "a tree needs at least 2 leaves (0: no limit), got 1"))
    }
    if (try? s.choice("model.type", as: ModelType.self)) == .gru,
      let scheme = try? s.choice("validation.scheme", as: ValidationScheme.self), scheme != .timeseries
    {
      problems.append(
        SettingProblem(
          "validation.scheme",
          "model.type gru needs time-ordered folds (timeseries): with \(scheme.rawValue), a fold would train on "
            + "sequences from after its validation days"))
    }
    if source == .csv {
      return problems + checkCSV(s, base: base)
    }
    for (name, list) in sets.sorted(by: { $0.key < $1.key }) {
      guard case .list(let items) = list else { continue }
      for feature in items.compactMap(\.string) where !FeatureSets.all.contains(feature) {
        problems.append(SettingProblem("feature_sets.\(name)", ClassifyTask.unknownFeature(feature)))
      }
    }
    switch features {
    case .string(let name):
      if sets[name] == nil && FeatureSets.builtIn[name] == nil && !FeatureSets.all.contains(name)
        && name != ClassifySettings.allFeatures
      {
        let choices = ([ClassifySettings.allFeatures] + FeatureSets.builtIn.keys.sorted() + sets.keys.sorted())
          .joined(separator: ", ")
        problems.append(SettingProblem("features", "'\(name)' is not a feature set (\(choices)) nor a feature name"))
      }
    case .list(let names):
      for feature in names.compactMap(\.string) where !FeatureSets.all.contains(feature) {
        problems.append(SettingProblem("features", ClassifyTask.unknownFeature(feature)))
      }
    default: break
    }
    return problems
  }

  /// The `data.source: csv` rules: `data.csv` is given; no column has two roles; and, when the file exists (a missing
  /// file is the planner's to report, at `data.csv.path`), every named column is in its header and every name of
  /// `features` and `feature_sets` is a possible feature column of it. Without `base` only the first two.
  func checkCSV(_ s: ValidatedSettings, base: URL?) -> [SettingProblem] {
    let source: ClassifySettings.Source
    do {
      source = try ClassifySettings.source(s, baseDirectory: base ?? URL(fileURLWithPath: "/"))
    } catch {
      return [SettingProblem("data.source", "data.source csv needs data.csv with at least path and label")]
    }
    guard case .csv(let file, let options) = source else { return [] }
    if let kind = options.conflictingRoles, let (_, role) = options.conflictingColumn {
      return [SettingProblem(Self.csvSetting(for: role), CSVError(file: "", line: 1, column: 1, kind: kind).message)]
    }
    guard base != nil else { return [] }
    guard FileManager.default.fileExists(atPath: file.path) else { return [] }
    let header: [String]
    do {
      header = try CSVTable.header(contentsOf: file)
    } catch {
      return [SettingProblem("data.csv.path", "\(error)")]
    }
    var problems: [SettingProblem] = []
    func missing(_ name: String, _ setting: String) {
      problems.append(
        SettingProblem(
          setting,
          "no column '\(name)' in \(file.lastPathComponent)\(Suggestion.didYouMean(name, in: header)); its header has: "
            + Self.columnList(header)))
    }
    for (name, role) in options.roles where !header.contains(name) { missing(name, Self.csvSetting(for: role)) }
    if !problems.isEmpty { return problems }

    // The names `features` may use: the listed feature columns, or every column without another role.
    let candidates = options.candidateFeatures(header: header)
    func unknown(_ name: String, _ setting: String) {
      let why: String
      if name == options.label {
        why = "'\(name)' is the label column (data.csv.label), not a feature"
      } else if name == options.time || name == options.group {
        why = "'\(name)' is the \(name == options.time ? "time" : "group") column, not a feature"
      } else if options.exclude.contains(name) {
        why = "'\(name)' is excluded (data.csv.exclude)"
      } else if header.contains(name) {
        why = "'\(name)' is not one of data.csv.features"
      } else {
        why = "no column '\(name)' in \(file.lastPathComponent)\(Suggestion.didYouMean(name, in: candidates))"
      }
      problems.append(
        SettingProblem(
          setting, why + "; the columns that can be features are: " + Self.columnList(candidates)))
    }
    let sets = (try? s.dictionary("feature_sets")) ?? [:]
    for (name, list) in sets.sorted(by: { $0.key < $1.key }) {
      for feature in list.list?.compactMap(\.string) ?? [] where !candidates.contains(feature) {
        unknown(feature, "feature_sets.\(name)")
      }
    }
    switch (try? s.value("features")) ?? .null {
    case .string(let name):
      if sets[name] == nil && name != ClassifySettings.allFeatures && name != Self.defaultFeatures
        && !candidates.contains(name)
      {
        if FeatureSets.builtIn[name] != nil {
          problems.append(
            SettingProblem(
              "features",
              "'\(name)' is a feature set of the Aave panel; with data.source csv use all, a key of feature_sets "
                + "or the CSV's columns that can be features: " + Self.columnList(candidates)))
        } else {
          unknown(name, "features")
        }
      }
    case .list(let names):
      for feature in names.compactMap(\.string) where !candidates.contains(feature) { unknown(feature, "features") }
    default: break
    }
    return problems
  }

  /// Column names for a message, each quoted, at most 20 of them.
  static func columnList(_ names: [String]) -> String {
    let shown = names.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
    return names.count > 20 ? shown + ", ... (\(names.count - 20) more columns)" : shown
  }

  /// The `data.csv` setting that gives a column a role.
  static func csvSetting(for role: CSVPanelOptions.Role) -> String {
    switch role {
    case .label: return "data.csv.label"
    case .time: return "data.csv.time"
    case .group: return "data.csv.group"
    case .feature: return "data.csv.features"
    case .excluded: return "data.csv.exclude"
    }
  }

  static func unknownFeature(_ name: String) -> String {
    "unknown feature '\(name)'; valid features: \(FeatureSets.all.joined(separator: ", "))"
  }
}
