import AlmanacCore
import Foundation
import Tracking

/// A kind of work an experiment can declare with `task:` (`classify`, `forecast`, or a test-only task).
///
/// The runner calls ``run(_:context:)`` concurrently from several threads: implementations must be thread-safe.
/// A task that throws has its trial recorded FAILED with the error's description; the sweep continues.
public protocol TrialTask: Sendable {
  /// The value of `task:` in experiment files.
  var name: String { get }
  /// The task's settings: every top-level key of an experiment file other than the generic ones
  /// (`name`, `notes`, `task`, `seed`, `sweep`, `metrics`).
  var settingsSchema: [Field] { get }
  /// Every metric this task reports, declared once: name, scalar or series, direction (for ranked metrics) and a
  /// help line, in display order. The runner records the declarations with the experiment, so reports and listings
  /// read them from the store.
  var metrics: [MetricDeclaration] { get }
  /// The ranking metric when the experiment file has no `metrics:` key (one of the declared ranked metrics).
  var defaultMetric: String { get }
  /// Input files the trial reads, resolved against the experiment file's directory; their SHA-256s become part of
  /// every trial key and of each run's provenance. An empty list is fine for generated data (the generator's
  /// parameters are already in the settings).
  func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL]
  /// Runs one trial. Throw to fail it; check `context.isCancelled()` between expensive steps.
  func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome
  /// Checks that involve several settings at once (for example `include_mean` only when `d = 0`), beyond what
  /// ``settingsSchema`` can say. Called by the planner once per distinct resolved settings; each problem becomes a
  /// located error (at the setting's position in the file) and the plan is refused. Default: no problems.
  func check(settings: Value) -> [SettingProblem]
  /// As ``check(settings:)``, with the experiment file's directory for checks that read input files (the columns of
  /// a CSV the settings name). The planner calls this one. Default: ``check(settings:)``.
  func check(settings: Value, baseDirectory: URL) -> [SettingProblem]
}

extension TrialTask {
  public func check(settings: Value) -> [SettingProblem] { [] }
  public func check(settings: Value, baseDirectory: URL) -> [SettingProblem] { check(settings: settings) }

  /// The ranked scalar metrics and their directions (what `metrics:` may name), from ``metrics``.
  public var metricGoals: [String: MetricGoal] {
    var goals: [String: MetricGoal] = [:]
    for m in metrics where m.kind == .scalar && !m.name.hasSuffix("*") {
      if let goal = m.goal { goals[m.name] = goal }
    }
    return goals
  }
}

/// A problem ``TrialTask/check(settings:)`` finds in a combination of settings.
public struct SettingProblem: Sendable, Hashable {
  /// The dotted setting the problem is about; the diagnostic points at where the file sets it.
  public var path: String
  /// What is wrong and what was expected, for example `'include_mean' needs d = 0, got d = 1`.
  public var message: String
  public init(_ path: String, _ message: String) {
    self.path = path
    self.message = message
  }
}

/// One point of the plan: fully resolved settings plus identity.
public struct Trial: Sendable, Hashable {
  /// Position in the plan's stable order (0-based).
  public var index: Int
  /// Stable key: hash of the canonical resolved settings, the replicate number and the input-file fingerprints.
  public var key: String
  /// The full settings tree after defaults and sweep overrides (without the generic keys).
  public var settings: Value
  /// The sweep-axis values that define this trial, in axis order, as (dotted key, value).
  public var axisValues: [AxisValue]
  /// 0-based replicate number from the `seeds` axis (0 when there is none).
  public var replicate: Int
  /// The trial's seed, derived from the experiment seed and the trial key; stored with the run.
  public var seed: UInt64

  public init(index: Int, key: String, settings: Value, axisValues: [AxisValue], replicate: Int, seed: UInt64) {
    self.index = index
    self.key = key
    self.settings = settings
    self.axisValues = axisValues
    self.replicate = replicate
    self.seed = seed
  }

  /// A fresh generator for this trial (same stream every time).
  public func makeGenerator() -> SplitMix64 { SplitMix64(seed: seed) }
}

public struct AxisValue: Sendable, Hashable {
  public var key: String
  public var value: Value
  public init(key: String, value: Value) {
    self.key = key
    self.value = value
  }
}

/// What a running trial can see and use.
public struct TrialContext: Sendable {
  /// Directory of the experiment file; relative data paths resolve against it.
  public var baseDirectory: URL
  /// A directory the trial may write files into (created on demand by the task). Paths recorded in
  /// ``TrialOutcome/artifacts`` are relative to it.
  public var artifactDirectory: URL
  /// Polled by long-running tasks; true after SIGINT/SIGTERM.
  public var isCancelled: @Sendable () -> Bool
  /// The same signal as a token for numeric kernels (`ARIMAOptions.cancellation`, the trainer): they poll it at
  /// least once per optimiser iteration or mini-batch and stop with `Cancelled`.
  public var cancellation: CancellationToken
  /// A log line for the run (kept with the run, shown with --verbose).
  public var log: @Sendable (String) -> Void

  public init(
    baseDirectory: URL, artifactDirectory: URL, isCancelled: @escaping @Sendable () -> Bool = { false },
    cancellation: CancellationToken = .never, log: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.baseDirectory = baseDirectory
    self.artifactDirectory = artifactDirectory
    self.isCancelled = isCancelled
    self.cancellation = cancellation
    self.log = log
  }
}

/// One point of a series (per epoch, per fold, per forecast step, per curve point): the store's own point type, so
/// outcomes reach SQLite without conversion.
public typealias SeriesPoint = MetricPoint

/// What a finished trial produced.
public struct TrialOutcome: Sendable {
  /// Scalar metrics (f1, roc_auc, aic, rmse, ...). NaN is allowed and stored as NULL.
  public var metrics: [String: Double]
  /// Series metrics, stored with their step.
  public var series: [SeriesPoint]
  /// Free-form string tags (for example `converged=false`, `warning=...`).
  public var tags: [String: String]
  /// Files the trial wrote, relative to ``TrialContext/artifactDirectory``.
  public var artifacts: [String]

  public init(
    metrics: [String: Double] = [:], series: [SeriesPoint] = [], tags: [String: String] = [:],
    artifacts: [String] = []
  ) {
    self.metrics = metrics
    self.series = series
    self.tags = tags
    self.artifacts = artifacts
  }
}

/// An error a task throws to fail a trial with a message meant for people.
public struct TrialFailure: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

extension Trial {
  /// A short human label: the axis values, then the replicate number when it is not 0
  /// (`features=3d, p=0, replicate=1`); `default settings` for replicate 0 of a plan without a sweep.
  public var label: String {
    var parts = axisValues.map { "\($0.key)=\($0.value.display)" }
    if replicate != 0 { parts.append("replicate=\(replicate)") }
    return parts.isEmpty ? "default settings" : parts.joined(separator: ", ")
  }
}
