import Experiments
import Foundation
import Tracking

/// A test-only task (registered with `ALMANAC_ENABLE_TEST_TASKS=1`): sleeps, optionally fails, and reports a metric
/// computed from its settings, so end-to-end tests can kill, interrupt and race real `almanac` processes.
///
/// Settings: `ms` (sleep per trial, default 10), `x` (any number, default 0), `fail_when_x` (fail trials whose `x`
/// equals it). Metric `score = x + replicate / 1000`.
public struct SleepTask: TrialTask {
  public init() {}
  public var name: String { "_sleep" }
  public var settingsSchema: [Field] {
    [
      Field("ms", .int(min: 0, max: 600_000), default: 10, help: "milliseconds to sleep per trial"),
      Field("x", .double(), default: 0, help: "a number that becomes the score"),
      Field("fail_when_x", .oneOf([.double(), .string(choices: ["never"])]), default: "never",
            help: "fail the trials whose x equals this"),
      Field("marker_dir", .string(), default: "", help: "if set, append the trial key to a file there when finished"),
    ]
  }
  public var metrics: [MetricDeclaration] {
    [MetricDeclaration("score", goal: .maximize, listed: true, help: "x plus replicate/1000"),
     MetricDeclaration("curve", .series, help: "x and 2x")]
  }
  public var defaultMetric: String { "score" }
  public func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] { [] }

  public func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
    let ms = trial.settings[path: "ms"]?.int ?? 10
    let x = trial.settings[path: "x"]?.double ?? 0
    var slept = 0
    while slept < ms {
      if context.isCancelled() { throw TrialFailure("cancelled") }
      let step = min(5, ms - slept)
      usleep(UInt32(step * 1000))
      slept += step
    }
    if let failX = trial.settings[path: "fail_when_x"]?.double, failX == x {
      throw TrialFailure("x = \(x) is configured to fail")
    }
    if let dir = trial.settings[path: "marker_dir"]?.string, !dir.isEmpty {
      // One file per execution (key and a process-wide unique string), so concurrent workers never share a file.
      let name = "\(trial.key)-\(ProcessInfo.processInfo.globallyUniqueString).done"
      try Data(trial.key.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
    }
    return TrialOutcome(metrics: ["score": x + Double(trial.replicate) / 1000],
                        series: [SeriesPoint(key: "curve", step: 0, value: x), SeriesPoint(key: "curve", step: 1, value: 2 * x)])
  }
}
