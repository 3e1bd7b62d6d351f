import AlmanacCore
import Datasets
import Experiments
import Foundation
import Learning

/// `task: classify`: liquidation-day classification on the Aave panel (real export or synthetic market, or a user's
/// CSV table read into the same panel: `data.source: csv`, docs/csv-source.md) with a feed-forward network or
/// logistic regression, validated by folds, refitted, and scored on the last `test_days`.
///
/// Per trial: the panel (cached across trials, see ``panelCache``) is split in time with scaling fitted on training
/// rows, the classifier is validated (`validation.*`), refitted on all training rows (or carried, with
/// `carry_model`), and scored on the test rows. Randomness comes only from the trial's seed.
///
/// Outcome: the metrics of ``ClassifyOutputs``; series `train_loss` (step = epoch from 1, counted across folds and the
/// final fit), `val_loss` (step = fold from 1), `roc_fpr`/`roc_tpr` and `pr_recall`/`pr_precision` (step = curve point
/// from 0) on the test set; the test predictions `test_score`, `test_label`, `test_day`, `test_group` (step = test
/// row); bootstrap intervals `<metric>.lo95`/`.hi95` and baselines `baseline.<rule>.<metric>`
/// (``ClassifyTask/intervalMetrics(probabilities:labels:days:threshold:generator:)``,
/// ``ClassifyTask/baselineMetrics(_:)``); tags `warnings` (joined by "; ", when any), `threshold`, `features`, `rows`.
public struct ClassifyTask: TrialTask {
  public init() {}

  public var name: String { "classify" }

  /// The five Giza-export CSVs of `data.dir` for `data.source: aave`; the file of `data.csv.path` for csv (none when
  /// `data.csv` is missing: ``check(settings:baseDirectory:)`` reports that); none for synthetic data.
  public func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] {
    let s = try ValidatedSettings(settings, schema: Self.schema)
    if try s.choice("data.source", as: ClassifySettings.DataSource.self) == .csv,
      s.value[path: "data.csv.path"] == nil || s.value[path: "data.csv.label"] == nil
    {
      return []
    }
    switch try ClassifySettings.source(s, baseDirectory: baseDirectory) {
    case .aave(let dir): return ClassifyTask.aaveFileNames.map { dir.appendingPathComponent($0) }
    case .csv(let file, _): return [file]
    case .synthetic: return []
    }
  }

  static let aaveFileNames = [
    AaveTables.FileName.liquidationsV2, AaveTables.FileName.liquidationsV3, AaveTables.FileName.depositsBorrowsV2,
    AaveTables.FileName.depositsBorrowsV3, AaveTables.FileName.tokenDaily,
  ]

  public func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
    let settings = try ClassifySettings(trial.settings, baseDirectory: context.baseDirectory)
    let panel: LiquidationPanel
    do {
      panel = try ClassifyTask.panel(source: settings.source, pipeline: settings.pipeline)
    } catch let error as CSVError {
      throw TrialFailure(error.description)
    }
    if context.isCancelled() { throw TrialFailure("cancelled") }
    let split: PanelSplit
    do {
      split = try panel.split(
        testDays: settings.testDays, features: settings.features ?? panel.featureNames, scaling: settings.scaling)
    } catch let error as DatasetError {
      throw TrialFailure("\(ClassifyTask.settingName(for: error)): \(error.description)")
    }
    var generator = trial.makeGenerator()
    let report: ClassifierReport
    do {
      if settings.classifier.modelType == .gru {
        let (train, test) = split.sequences(window: settings.window)
        report = try ClassifierEvaluation.runRecurrent(
          config: settings.classifier, train: SequenceMatrix(train), trainY: split.trainY.map(Float.init),
          trainDays: split.trainDays, test: SequenceMatrix(test), testY: split.testY.map(Float.init),
          generator: &generator, isCancelled: context.isCancelled)
      } else {
        report = try ClassifierEvaluation.run(
          config: settings.classifier,
          trainX: Matrix(rows: split.trainCount, columns: split.featureCount, doubles: split.trainX),
          trainY: split.trainY.map(Float.init), trainDays: split.trainDays,
          testX: Matrix(rows: split.testCount, columns: split.featureCount, doubles: split.testX),
          testY: split.testY.map(Float.init), generator: &generator, isCancelled: context.isCancelled)
      }
    } catch let error as LearningError {
      throw TrialFailure(error.description)
    }
    if context.isCancelled() { throw TrialFailure("cancelled") }
    for w in report.warnings { context.log("warning: \(w)") }
    return ClassifyTask.outcome(report, split: split, trialSeed: trial.seed)
  }

  static func settingName(for error: DatasetError) -> String {
    switch error {
    case .unknownFeature: return "features"
    case .invalidTestDays, .emptySplit: return "data.test_days"
    case .noLiquidations, .reservedColumnName: return "data"
    @unknown default: return "data"
    }
  }

  static func outcome(_ r: ClassifierReport, split: PanelSplit, trialSeed: UInt64) -> TrialOutcome {
    let m = r.metrics
    var metrics: [String: Double] = [
      ClassifyOutputs.accuracy: m.accuracy, ClassifyOutputs.precision: m.precision, ClassifyOutputs.recall: m.recall,
      ClassifyOutputs.f1: m.f1, ClassifyOutputs.rocAUC: m.rocAUC, ClassifyOutputs.prAUC: m.averagePrecision,
      ClassifyOutputs.logLoss: m.logLoss, ClassifyOutputs.brier: m.brier, ClassifyOutputs.tp: Double(m.confusion.tp),
      ClassifyOutputs.fp: Double(m.confusion.fp), ClassifyOutputs.tn: Double(m.confusion.tn),
      ClassifyOutputs.fn: Double(m.confusion.fn), ClassifyOutputs.cvLoss: r.cvLoss,
    ]
    let probabilities = r.testProbabilities.map(Double.init)
    var generator = bootstrapGenerator(trialSeed: trialSeed)
    // Undefined bounds and baseline metrics (NaN) are left out: the store would keep them as missing anyway.
    metrics.merge(
      intervalMetrics(
        probabilities: probabilities, labels: split.testY.map(Float.init),
        days: split.testDays, threshold: r.threshold, generator: &generator
      )
      .filter { !$0.value.isNaN }
    ) { a, _ in a }
    metrics.merge(baselineMetrics(split).filter { !$0.value.isNaN }) { a, _ in a }
    var series: [SeriesPoint] = []
    series.reserveCapacity(
      r.trainLoss.count + r.validationLoss.count + 2 * (r.roc.fpr.count + r.precisionRecall.recall.count))
    for (i, v) in r.trainLoss.enumerated() {
      series.append(SeriesPoint(key: ClassifyOutputs.trainLoss, step: i + 1, value: v))
    }
    for (i, v) in r.validationLoss.enumerated() {
      series.append(SeriesPoint(key: ClassifyOutputs.validationLoss, step: i + 1, value: v))
    }
    for (i, (f, t)) in zip(r.roc.fpr, r.roc.tpr).enumerated() {
      series.append(SeriesPoint(key: ClassifyOutputs.rocFPR, step: i, value: f))
      series.append(SeriesPoint(key: ClassifyOutputs.rocTPR, step: i, value: t))
    }
    for (i, (rc, p)) in zip(r.precisionRecall.recall, r.precisionRecall.precision).enumerated() {
      series.append(SeriesPoint(key: ClassifyOutputs.prRecall, step: i, value: rc))
      series.append(SeriesPoint(key: ClassifyOutputs.prPrecision, step: i, value: p))
    }
    series += predictionSeries(probabilities: probabilities, split: split)
    var tags: [String: String] = [
      "threshold": "\(r.threshold)",
      "features": split.featureNames.joined(separator: ","),
      "rows": "train \(split.trainCount) (\(Int(split.trainY.reduce(0, +))) positive), "
        + "test \(split.testCount) (\(Int(split.testY.reduce(0, +))) positive)",
    ]
    if !r.warnings.isEmpty { tags["warnings"] = r.warnings.joined(separator: "; ") }
    return TrialOutcome(metrics: metrics, series: series, tags: tags)
  }
}

// MARK: - Panel cache

extension ClassifyTask {
  /// Panels by data source and pipeline, built once per process and shared by every trial (a failed build is not
  /// cached).
  static let panelCache = MemoCache<PanelKey, LiquidationPanel>()

  /// The panel for a data source and pipeline, from ``panelCache``.
  ///
  /// A CSV panel is keyed by its settings and the file's size and modification time (the pipeline does not apply),
  /// so a file rewritten in place is read again; its errors are ``CSVError``s located in the file.
  static func panel(source: ClassifySettings.Source, pipeline: PanelPipeline) throws -> LiquidationPanel {
    var key = PanelKey(source: source, pipeline: pipeline)
    if case .csv(let file, _) = source {
      key.pipeline = .perToken
      let attributes = (try? FileManager.default.attributesOfItem(atPath: file.path)) ?? [:]
      let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
      let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
      key.fileVersion = "\(size)@\(modified)"
    }
    return try panelCache.value(for: key) {
      let tables: AaveTables
      switch source {
      case .csv(let file, let options):
        guard FileManager.default.fileExists(atPath: file.path) else {
          throw TrialFailure("data.csv.path: no file at \(file.path)")
        }
        return try LiquidationPanel.read(csv: file, options: options)
      case .synthetic(let seed, let days):
        tables = SyntheticMarket.generate(SyntheticMarket.Config(seed: seed, days: days)).tables
      case .aave(let directory):
        guard FileManager.default.fileExists(atPath: directory.path) else {
          throw TrialFailure("data.dir: no directory at \(directory.path)")
        }
        tables = try AaveTables.load(directory: directory)
      }
      do {
        return try LiquidationPanel.build(from: tables, pipeline: pipeline)
      } catch let error as DatasetError {
        throw TrialFailure("data: \(error.description)")
      }
    }
  }

  struct PanelKey: Hashable, Sendable {
    var source: ClassifySettings.Source
    var pipeline: PanelPipeline
    /// For a CSV source: the file's size and modification time.
    var fileVersion: String? = nil
  }
}

extension SequenceMatrix {
  /// The panel's sequences (``PanelSequences``, doubles) as the recurrent model's float input.
  init(_ sequences: PanelSequences) {
    self.init(
      rows: sequences.rows, window: sequences.window, features: sequences.features,
      values: sequences.values.map { Float($0) }, lengths: sequences.lengths)
  }
}
