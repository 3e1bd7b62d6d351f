import Foundation
import Tracking

/// A validated experiment file: the generic keys, the task's settings with every default filled in, and the sweep.
///
/// Made by ``ExperimentParser``; turned into trials by ``ExperimentPlan``.
public struct ExperimentSpec: Sendable {
  /// `name:` (`[A-Za-z0-9._-]+`).
  public var name: String
  /// `notes:` (Markdown), empty when absent.
  public var notes: String
  /// `task:`.
  public var taskName: String
  /// The task `task:` names.
  public var task: any TrialTask
  /// `seed:` (default 0), the experiment seed every trial seed derives from.
  public var seed: UInt64
  /// `metrics:`; the first ranks trials. Defaults to the task's ``TrialTask/defaultMetric``.
  public var metrics: [String]
  /// The task settings (every top-level key that is not generic) after validation, with defaults filled in and
  /// before sweep overrides. Always a `.map`.
  public var settings: Value
  /// Sweep axes in file order (a `seeds` axis, if any, keeps its written position here; the plan still puts it
  /// innermost).
  public var axes: [SweepAxis]
  /// The experiment file.
  public var fileURL: URL
  /// The file as diagnostics name it (usually the path the user typed).
  public var displayPath: String
  /// The experiment file's text as read.
  public var source: String
  /// Non-fatal diagnostics (for example a setting that a sweep overrides).
  public var warnings: [Diagnostic]
  /// Where the file writes each setting, by dotted path (every map key, at any depth); a swept key maps to its
  /// sweep axis entry. Used to locate problems found after parsing (task checks, missing inputs).
  public var settingPositions: [String: SourcePosition]

  public init(
    name: String, notes: String = "", task: any TrialTask, seed: UInt64 = 0, metrics: [String],
    settings: Value, axes: [SweepAxis] = [], fileURL: URL, displayPath: String? = nil, source: String = "",
    warnings: [Diagnostic] = [], settingPositions: [String: SourcePosition] = [:]
  ) {
    self.name = name
    self.notes = notes
    self.taskName = task.name
    self.task = task
    self.seed = seed
    self.metrics = metrics
    self.settings = settings
    self.axes = axes
    self.fileURL = fileURL
    self.displayPath = displayPath ?? fileURL.path
    self.source = source
    self.warnings = warnings
    self.settingPositions = settingPositions
  }

  /// Where the file sets `path` or, failing that, its nearest written parent; nil when the file does not write it.
  public func position(ofSetting path: String) -> SourcePosition? {
    var parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    while !parts.isEmpty {
      if let p = settingPositions[parts.joined(separator: ".")] { return p }
      parts.removeLast()
    }
    return nil
  }

  /// The metric that ranks trials (the first of ``metrics``).
  public var rankingMetric: String { metrics.first ?? task.defaultMetric }

  /// Whether larger values of ``rankingMetric`` are better (from the task's `metricGoals`, maximise if unknown).
  public var rankingGoal: MetricGoal { task.metricGoals[rankingMetric] ?? .maximize }

  /// The directory relative data paths resolve against: the experiment file's directory.
  public var baseDirectory: URL { fileURL.deletingLastPathComponent() }

  /// The `seeds` axis, if the sweep has one.
  public var seedsAxis: SweepAxis? { axes.first { $0.kind == .seeds } }

  /// Replicate numbers (`[0]` without a `seeds` axis).
  public var replicates: [Int] { seedsAxis?.replicates ?? [0] }
}
