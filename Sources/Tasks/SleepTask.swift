import Experiments
import Foundation
import Tracking

/// A test-only task (registered with `ALMANAC_ENABLE_TEST_TASKS=1`): sleeps, optionally fails, and reports a metric
/// computed from its settings, so end-to-end tests can kill, interrupt and race real `almanac` processes.
///
/// Settings (``schema``): `ms` (sleep per trial), `x` (a number), `fail_when_x` (fail trials whose `x` equals it),
/// `marker_dir`. Metric `score = x + replicate / 1000`.
public struct SleepTask: TrialTask {
  public init() {}
  public var name: String { "_sleep" }
  public var settingsSchema: [Field] { Self.schema }

  /// The word `fail_when_x` accepts besides a number.
  enum FailKeyword: String, Sendable, CaseIterable {
    case never
  }

  static let schema: [Field] = [
    Field("ms", .int(min: 0, max: 600_000), default: 10, help: "milliseconds to sleep per trial (at most 10 minutes)"),
    Field("x", .double(min: -1e12, max: 1e12), default: 0, help: "a number that becomes the score"),
    Field(
      "fail_when_x", .oneOf([.double(min: -1e12, max: 1e12), .choice(FailKeyword.self)]), default: "never",
      help: "fail the trials whose x equals this"),
    Field("marker_dir", .string(), default: "", help: "if set, append the trial key to a file there when finished"),
  ]
  public var metrics: [MetricDeclaration] {
    [
      MetricDeclaration("score", goal: .maximize, listed: true, help: "x plus replicate/1000"),
      MetricDeclaration("curve", .series, help: "x and 2x"),
    ]
  }
  public var defaultMetric: String { "score" }
  public func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] { [] }

  public func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
    let settings = try ValidatedSettings(trial.settings, schema: Self.schema)
    let ms = try settings.int("ms")
    let x = try settings.double("x")
    var slept = 0
    while slept < ms {
      if context.isCancelled() { throw TrialFailure("cancelled") }
      let step = min(5, ms - slept)
      usleep(UInt32(step * 1000))
      slept += step
    }
    if let failX = try settings.value("fail_when_x").double, failX == x {
      throw TrialFailure("x = \(x) is configured to fail")
    }
    let dir = try settings.string("marker_dir")
    if !dir.isEmpty {
      // One file per execution (key and a process-wide unique string), so concurrent workers never share a file.
      let name = "\(trial.key)-\(ProcessInfo.processInfo.globallyUniqueString).done"
      try Data(trial.key.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
    }
    return TrialOutcome(
      metrics: ["score": x + Double(trial.replicate) / 1000],
      series: [SeriesPoint(key: "curve", step: 0, value: x), SeriesPoint(key: "curve", step: 1, value: 2 * x)])
  }
}
