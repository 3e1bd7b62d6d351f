import Datasets
import Experiments
import Foundation

extension ClassifyTask {
  /// The panel of one trial's data settings as CSV (what `almanac export panel` writes).
  public struct PanelExport: Sendable {
    /// The CSV text (``LiquidationPanel/csvText(features:)``).
    public var text: String
    public var rows: Int
    public var positives: Int
    /// The feature columns written, in order.
    public var features: [String]
    /// First and last day of the panel (days since 1970-01-01).
    public var firstDay: Int
    public var lastDay: Int
  }

  /// The panel that a trial with `settings` would build (`data.*`), as CSV with columns `day`, `token`, `label` and
  /// every feature of the panel, or, with `usedFeaturesOnly`, the features the trial's `features` setting selects.
  /// Read back with `data.source: csv` (`time: day`, `group: token`, `label: label`), it gives the same panel and
  /// so the same trial results.
  ///
  /// - Throws: ``SettingsError`` for settings that do not validate, ``TrialFailure`` (a missing data directory or
  ///   file, an unknown feature), ``CSVError`` from a CSV source, ``DatasetError``.
  public static func panelCSV(settings: Value, baseDirectory: URL, usedFeaturesOnly: Bool = false) throws
    -> PanelExport
  {
    let s = try ClassifySettings(settings, baseDirectory: baseDirectory)
    let panel = try panel(source: s.source, pipeline: s.pipeline)
    var features = panel.featureNames
    if usedFeaturesOnly, let selected = s.features {
      do {
        features = try FeatureSets.resolve(selected, available: panel.featureNames)
      } catch let error as DatasetError {
        throw TrialFailure("features: \(error.description)")
      }
    }
    return PanelExport(
      text: try panel.csvText(features: features), rows: panel.count, positives: Int(panel.labels.reduce(0, +)),
      features: features, firstDay: panel.days.first ?? 0, lastDay: panel.days.last ?? 0)
  }
}
