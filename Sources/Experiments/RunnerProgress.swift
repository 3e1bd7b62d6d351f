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

/// Redraws one status line on stderr (for a terminal): `[ 12/40] 1 failed  0:14 elapsed  ETA 0:32  best f1 0.4521`.
public final class TerminalProgressRenderer: RunnerProgress, @unchecked Sendable {
  // `@unchecked Sendable`: mutable state is guarded by `lock` (the runner calls from one thread anyway).
  private let lock = NSLock()
  private var lastDraw = Date.distantPast
  private let output: FileHandle
  private let verbose: Bool

  public init(output: FileHandle = .standardError, verbose: Bool = false) {
    self.output = output
    self.verbose = verbose
  }

  public func runnerDidStart(_ state: RunnerProgressState) {
    lock.withLock { draw(state, force: true) }
  }

  public func trialDidEnd(_ trial: RunnerTrialEvent, state: RunnerProgressState) {
    lock.withLock {
      if trial.status == .failed || verbose {
        clear()
        write(RunnerLineLogger.line(trial, state: state) + "\n")
        if verbose { for line in trial.log { write("    \(line)\n") } }
      }
      draw(state, force: trial.status != .finished)
    }
  }

  public func runnerDidTick(_ state: RunnerProgressState) {
    lock.withLock { draw(state, force: true) }
  }

  public func runnerMessage(_ message: String) {
    lock.withLock {
      clear()
      write(message + "\n")
    }
  }

  public func runnerDidFinish(_ summary: RunnerSummary) {
    lock.withLock {
      clear()
      write(summary.description + "\n")
    }
  }

  private func draw(_ state: RunnerProgressState, force: Bool) {
    let now = Date()
    guard force || now.timeIntervalSince(lastDraw) >= 0.1 || state.done == state.toRun else { return }
    lastDraw = now
    write("\r\u{1B}[2K" + Self.statusLine(state))
  }

  private func clear() { write("\r\u{1B}[2K") }

  private func write(_ text: String) { output.write(Data(text.utf8)) }

  /// The status line without control characters.
  public static func statusLine(_ state: RunnerProgressState) -> String {
    let width = String(state.toRun).count
    let done = String(repeating: " ", count: max(0, width - String(state.done).count)) + String(state.done)
    var line = "[\(done)/\(state.toRun)] \(state.experimentName)"
    if state.failed > 0 { line += "  \(state.failed) failed" }
    if state.killed > 0 { line += "  \(state.killed) killed" }
    line += "  \(RunnerFormat.duration(state.elapsed)) elapsed"
    if let eta = state.eta, state.done < state.toRun { line += "  ETA \(RunnerFormat.duration(eta))" }
    if let best = state.best { line += "  best \(best.metric) \(RunnerFormat.number(best.value))" }
    return line
  }
}

/// One plain line per ended trial on stderr (when stderr is not a terminal, e.g. in CI logs):
/// `[12/40] FINISHED trial 3fa9c2d1e0b4a7f2 (run 17) f1=0.4521 best=0.4600 1.23s`.
public final class RunnerLineLogger: RunnerProgress, @unchecked Sendable {
  // `@unchecked Sendable`: `output` is immutable; writes are serialised by `lock`.
  private let lock = NSLock()
  private let output: FileHandle
  private let verbose: Bool

  public init(output: FileHandle = .standardError, verbose: Bool = false) {
    self.output = output
    self.verbose = verbose
  }

  public func runnerDidStart(_ state: RunnerProgressState) {
    write("\(state.experimentName): \(state.toRun) of \(state.planned) trials to run")
  }

  public func trialDidEnd(_ trial: RunnerTrialEvent, state: RunnerProgressState) {
    write(Self.line(trial, state: state))
    if verbose { for line in trial.log { write("    \(line)") } }
  }

  public func runnerMessage(_ message: String) { write(message) }

  public func runnerDidFinish(_ summary: RunnerSummary) { write(summary.description) }

  private func write(_ line: String) { lock.withLock { output.write(Data((line + "\n").utf8)) } }

  /// The line for one ended trial.
  public static func line(_ trial: RunnerTrialEvent, state: RunnerProgressState) -> String {
    var line = "[\(state.done)/\(state.toRun)] \(trial.status.rawValue) trial \(trial.trialKey) (run \(trial.runID))"
    if let m = trial.metric { line += " \(state.metric)=\(RunnerFormat.number(m))" }
    if let best = state.best { line += " best=\(RunnerFormat.number(best.value))" }
    line += " " + String(format: "%.2fs", trial.wallTime)
    if let error = trial.error { line += ": \(error)" }
    return line
  }
}

/// Picks the renderer: ``TerminalProgressRenderer`` when stderr is a terminal, ``RunnerLineLogger`` otherwise.
public func makeDefaultProgress(verbose: Bool = false) -> any RunnerProgress {
  isatty(STDERR_FILENO) != 0
    ? TerminalProgressRenderer(verbose: verbose) : RunnerLineLogger(verbose: verbose)
}

/// Number and duration formatting shared by the renderers and the summary.
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
