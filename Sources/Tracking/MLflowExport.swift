import Foundation

/// Exports an experiment of the store to MLflow: into an SQLite file that MLflow opens
/// (``exportSQLite(store:experimentName:to:options:)``) or to a running tracking server through its REST API
/// (``exportREST(store:experimentName:server:options:)``).
///
/// What is written, for each exported run (see ``exportedRunIDs(_:experimentID:)`` for which runs):
/// - the MLflow run: status, start and end time, lifecycle `active`, name (`mlflow.runName`: the values of the sweep
///   axes), artifact URI;
/// - params: every resolved setting (dotted keys);
/// - metrics: scalars at step 0 and every series point at its step, with the store's timestamps (the metric history
///   of a series is its points in step order; `latest_metrics` holds the point with the largest step);
/// - tags: every run tag of the store, MLflow's own `mlflow.runName`, `mlflow.source.name` (the experiment file),
///   `mlflow.source.type` (`LOCAL`), `mlflow.source.git.commit` (from `almanac.git.commit`), `mlflow.note.content`
///   (the error of a failed run), and `almanac.trial_key`, `almanac.run_id`, `almanac.kind` = `trial`;
/// - artifacts: the run's artifact files and its log (`almanac.log` as `log.txt`).
///
/// The report folder, when given, becomes the artifacts of one more run named `report` (`almanac.kind` = `report`).
/// Run ids are derived from the experiment's name and the store's trial key and run id, so exporting again updates
/// the same runs; runs exported before that are no longer exported (a rerun superseded them) are marked `deleted`.
///
/// Keys MLflow would reject (characters outside `[A-Za-z0-9_ ./-]`, `..` path components) are rewritten by
/// ``mlflowKey(_:)``; values longer than MLflow's limits are cut (``MLflowLimits``).
public enum MLflowExport {}

/// How an export is done.
public struct MLflowExportOptions: Sendable {
  /// Where artifact folders go (`<root>/<experiment id>/<run id>/artifacts`); nil: `mlartifacts` beside the SQLite
  /// file. Ignored by the REST export (the server stores them).
  public var artifactRoot: URL?
  /// A report folder logged as the artifacts of the `report` run; nil: no report run.
  public var reportDirectory: URL?
  /// The time recorded as the deletion time of runs no longer exported.
  public var now: Date

  public init(artifactRoot: URL? = nil, reportDirectory: URL? = nil, now: Date = Date()) {
    self.artifactRoot = artifactRoot
    self.reportDirectory = reportDirectory
    self.now = now
  }
}

/// What an export wrote.
public struct MLflowExportSummary: Sendable {
  /// The SQLite file, or the server's URL.
  public var target: String
  /// MLflow's id of the experiment.
  public var experimentID: String
  /// MLflow run ids of the exported trial runs, in plan order.
  public var runIDs: [String]
  /// MLflow run id of the report run (nil without a report folder).
  public var reportRunID: String?
  /// Runs exported earlier and no longer exported, now marked deleted.
  public var deletedRuns: Int
  public var params: Int
  /// Metric points (scalars and series points).
  public var metricPoints: Int
  public var tags: Int
  /// Artifact files copied or uploaded.
  public var artifactFiles: Int
}

/// Errors of an export.
public enum MLflowExportError: Error, CustomStringConvertible, Sendable {
  case unknownExperiment(name: String, known: [String])
  /// The target file exists but is not an MLflow tracking database this exporter can write.
  case incompatibleTarget(path: String, reason: String)
  case cannotWriteArtifacts(path: String, reason: String)
  /// The tracking server answered with an error or could not be reached.
  case server(url: String, reason: String)

  public var description: String {
    switch self {
    case .unknownExperiment(let name, let known):
      return "error: no experiment named '\(name)' in the store"
        + (known.isEmpty ? "" : " (it has: \(known.joined(separator: ", ")))")
    case .incompatibleTarget(let path, let reason):
      return "\(path): error: not an MLflow tracking database Almanac can write: \(reason)"
    case .cannotWriteArtifacts(let path, let reason):
      return "\(path): error: cannot write artifacts: \(reason)"
    case .server(let url, let reason):
      return "\(url): error: MLflow tracking server: \(reason)"
    }
  }
}

/// MLflow's limits on names and values (those of its REST validation, the strictest of the versions checked).
public enum MLflowLimits {
  public static let keyLength = 250
  public static let paramValueLength = 6000
  public static let tagValueLength = 5000
  public static let experimentTagValueLength = 5000
  /// Metrics, params and tags in one `runs/log-batch` request.
  public static let batchMetrics = 1000
  public static let batchParams = 100
  public static let batchTags = 100
}
