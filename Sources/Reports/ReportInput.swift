import Experiments
import Tracking
import Foundation

/// Everything a report shows, independent of where it came from (the store, a test, a benchmark).
///
/// Build one by hand, or from the store with ``ReportInput/load(store:experimentName:reproduceCommand:date:valueAxis:)``;
/// then hand it to ``ReportWriter/write(_:to:options:)``.
public struct ReportInput: Sendable {
  public var experiment: ReportExperiment
  /// Every trial attempt worth reporting, in plan order (the order decides "the first value" of each sweep axis in
  /// the effect tables). FINISHED trials feed the leaderboard and charts; FAILED and KILLED ones the failures table.
  public var trials: [TrialRecord]

  public init(experiment: ReportExperiment, trials: [TrialRecord]) {
    self.experiment = experiment
    self.trials = trials
  }
}

/// The kind of task an experiment ran; it decides which charts a report draws.
public enum ReportTaskKind: String, Sendable, Hashable, Codable {
  case classify, forecast
  /// Any other task (test tasks): tables only, every scalar metric, no charts.
  case other
}

/// Where the code that produced the results came from.
public struct GitState: Sendable, Hashable {
  /// The commit hash (any length; shown as given).
  public var commit: String
  /// True when the work tree had uncommitted changes.
  public var dirty: Bool
  public init(commit: String, dirty: Bool) {
    self.commit = commit
    self.dirty = dirty
  }
}

/// How forecast values (rates stored as decimal fractions) are drawn: plotted value = stored value × `scale`.
public struct ValueAxis: Sendable, Hashable {
  /// What the values are (for example `rate`).
  public var quantity: String
  /// The unit after scaling (for example `% APR`).
  public var unit: String
  /// Multiplier applied to stored values before plotting (100 turns a decimal APR into percent).
  public var scale: Double

  public init(quantity: String, unit: String, scale: Double) {
    self.quantity = quantity
    self.unit = unit
    self.scale = scale
  }

  /// Decimal APR stored, percent APR drawn (the default for Aave rates).
  public static let percentAPR = ValueAxis(quantity: "rate", unit: "% APR", scale: 100)

  /// `rate (% APR)`.
  public var label: String { unit.isEmpty ? quantity : "\(quantity) (\(unit))" }
}

/// The experiment-level facts shown in the report header.
public struct ReportExperiment: Sendable {
  /// The experiment's name (shown as the title; any characters are safe).
  public var name: String
  /// Markdown shown verbatim under the title.
  public var notes: String
  public var task: ReportTaskKind
  /// The experiment file, as the user should find it (relative to the repository when possible).
  public var filePath: String?
  /// The exact command that reproduces the results, shown in a code block.
  public var reproduceCommand: String
  /// The date printed in the report (pass a fixed one for reproducible output); rendered in UTC.
  public var date: Date
  public var git: GitState?
  /// Input file path -> SHA-256 hex digest.
  public var dataFingerprints: [String: String]
  /// The metric that ranks configurations (the first of `metrics:`).
  public var rankingMetric: String
  public var goal: MetricGoal
  /// The sweep axes as dotted parameter keys, in the experiment file's order (`seeds` excluded; each key of a
  /// `zip` group listed on its own).
  public var sweepAxes: [String]
  /// The keys of each `zip` group of the sweep (keys that move together): the comparisons treat each group as one
  /// axis (``ZipAxes``).
  public var zipGroups: [[String]]
  /// Units of forecast values (ignored for classification).
  public var valueAxis: ValueAxis
  /// The metrics shown as table columns after the ranking metric, in order (the task's listed declarations);
  /// empty: up to eight of the metrics the trials report, by name.
  public var tableMetrics: [String]

  public init(
    name: String, notes: String = "", task: ReportTaskKind, filePath: String? = nil,
    reproduceCommand: String, date: Date, git: GitState? = nil, dataFingerprints: [String: String] = [:],
    rankingMetric: String, goal: MetricGoal, sweepAxes: [String] = [], zipGroups: [[String]] = [],
    valueAxis: ValueAxis = .percentAPR, tableMetrics: [String] = []
  ) {
    self.zipGroups = zipGroups
    self.name = name
    self.notes = notes
    self.task = task
    self.filePath = filePath
    self.reproduceCommand = reproduceCommand
    self.date = date
    self.git = git
    self.dataFingerprints = dataFingerprints
    self.rankingMetric = rankingMetric
    self.goal = goal
    self.sweepAxes = sweepAxes
    self.valueAxis = valueAxis
    self.tableMetrics = tableMetrics
  }
}

/// The final status of a trial (RUNNING attempts are not reported).
public enum TrialStatus: String, Sendable, Hashable, Codable {
  case finished = "FINISHED"
  case failed = "FAILED"
  case killed = "KILLED"
}

/// One point of a series: `step` is an epoch, fold, forecast step, lag or curve point depending on the series.
public struct StepValue: Sendable, Hashable {
  public var step: Int
  public var value: Double
  public init(step: Int, value: Double) {
    self.step = step
    self.value = value
  }
}

/// One trial's results.
public struct TrialRecord: Sendable {
  /// The stable trial key (16 hex digits).
  public var key: String
  public var status: TrialStatus
  /// The failure message of a FAILED or KILLED trial.
  public var error: String?
  /// Dotted parameter key -> display string (for example `model.lr` -> `0.001`). Keys named in
  /// ``TrialRecord/replicateParameterNames`` are ignored when grouping replicates.
  public var params: [String: String]
  /// Scalar metrics; NaN means "not available" and is left out of means.
  public var metrics: [String: Double]
  /// Series metrics by key, each sorted or not (the report sorts by step).
  public var series: [String: [StepValue]]
  /// 0-based replicate number.
  public var replicate: Int

  public init(
    key: String, status: TrialStatus, error: String? = nil, params: [String: String],
    metrics: [String: Double] = [:], series: [String: [StepValue]] = [:], replicate: Int = 0
  ) {
    self.key = key
    self.status = status
    self.error = error
    self.params = params
    self.metrics = metrics
    self.series = series
    self.replicate = replicate
  }

  /// Parameter keys that identify a replicate rather than a configuration.
  public static let replicateParameterNames: Set<String> = ["seed", "seeds", "replicate", "trial_seed"]
}
