import Foundation
import Tracking

/// Where the runner reports progress. Every method is called on the runner's writer thread, in order.
public protocol RunnerProgress: AnyObject, Sendable {
  /// Before the first trial: the plan size and how many trials will be attempted.
  func runnerDidStart(_ state: RunnerProgressState)
  /// After each trial's result is committed.
  func trialDidEnd(_ trial: RunnerTrialEvent, state: RunnerProgressState)
  /// A line for people (nothing to do, interrupted, reclaimed runs, ...).
  func runnerMessage(_ message: String)
  /// At the end.
  func runnerDidFinish(_ summary: RunnerSummary)
  /// About once a second while trials run, so that elapsed time and ETA can move during long trials.
  /// The default does nothing.
  func runnerDidTick(_ state: RunnerProgressState)
}

extension RunnerProgress {
  public func runnerDidTick(_ state: RunnerProgressState) {}
}

/// One ended trial.
public struct RunnerTrialEvent: Sendable {
  public var runID: Int64
  public var trialKey: String
  public var trialIndex: Int
  /// FINISHED, FAILED or KILLED.
  public var status: RunStatus
  /// The ranking metric's value (nil when missing; NaN possible).
  public var metric: Double?
  public var error: String?
  /// Seconds the task ran.
  public var wallTime: TimeInterval
  public var log: [String]
  /// The trial's settings as params (groups it into its configuration for the best-so-far).
  public var params: [String: String] = [:]
}

/// Counters and timing for renderers.
public struct RunnerProgressState: Sendable {
  public var experimentName: String
  /// Trials in the plan.
  public var planned: Int
  /// Trials this invocation expects to run (plan minus already finished).
  public var toRun: Int
  public var finished: Int
  public var failed: Int
  public var killed: Int
  /// Seconds since the invocation started.
  public var elapsed: TimeInterval
  /// The ranking metric and which way is better.
  public var metric: String
  public var goal: MetricGoal
  public var best: RunnerBest?

  /// Trials ended in this invocation.
  public var done: Int { finished + failed + killed }

  /// Estimated seconds left: elapsed / done * (toRun - done); nil before the first trial ends.
  public var eta: TimeInterval? {
    guard done > 0, toRun >= done else { return nil }
    return elapsed / Double(done) * Double(toRun - done)
  }
}

extension RunnerProgressState {
  /// The status line a terminal redraws, without control characters:
  /// `[ 12/40] name  1 failed  0:14 elapsed  ETA 0:32  best f1 0.4521`.
  public var statusLine: String {
    let width = String(toRun).count
    let doneText = String(repeating: " ", count: max(0, width - String(done).count)) + String(done)
    var line = "[\(doneText)/\(toRun)] \(experimentName)"
    if failed > 0 { line += "  \(failed) failed" }
    if killed > 0 { line += "  \(killed) killed" }
    line += "  \(RunnerFormat.duration(elapsed)) elapsed"
    if let eta, done < toRun { line += "  ETA \(RunnerFormat.duration(eta))" }
    if let best { line += "  best \(best.metric) \(RunnerFormat.number(best.mean))" }
    return line
  }
}

extension RunnerTrialEvent {
  /// One plain line for an ended trial:
  /// `[12/40] FINISHED trial 3fa9c2d1e0b4a7f2 (run 17) f1=0.4521 best=0.4600 1.23s`.
  public func line(state: RunnerProgressState) -> String {
    var line = "[\(state.done)/\(state.toRun)] \(status.rawValue) trial \(trialKey) (run \(runID))"
    if let metric { line += " \(state.metric)=\(RunnerFormat.number(metric))" }
    if let best = state.best { line += " best=\(RunnerFormat.number(best.mean))" }
    line += " " + String(format: "%.2fs", wallTime)
    if let error { line += ": \(error)" }
    return line
  }
}

/// Number and duration formatting shared by the progress lines, the summary and the command line.
public enum RunnerFormat {
  /// Up to 4 significant decimals (`0.4521`, `1234.5`, `nan`).
  public static func number(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x != 0 && (abs(x) < 1e-3 || abs(x) >= 1e6) { return String(format: "%.4g", x) }
    return String(format: "%.4f", x).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
  }

  /// `0.4s`, `12s`, `3:07`, `1:02:03`.
  public static func duration(_ seconds: TimeInterval) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    if seconds < 10 { return String(format: "%.1fs", seconds) }
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s)s" }
    if s < 3600 { return String(format: "%d:%02d", s / 60, s % 60) }
    return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
  }
}
