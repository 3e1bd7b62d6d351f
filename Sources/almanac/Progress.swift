import AlmanacCore
import Experiments
import Foundation
import Tracking

/// Redraws one status line on stderr (for a terminal): `[ 12/40] name  1 failed  0:14 elapsed  ETA 0:32  best f1
/// 0.4521`; failed trials (every trial with `--verbose`) get a line of their own above it.
final class TerminalProgressRenderer: RunnerProgress, Sendable {
  /// Last redraw time; the runner calls from one thread, the lock keeps the type honest.
  private let lastDraw = Locked(Date.distantPast)
  private let output: FileHandle
  private let verbose: Bool

  init(output: FileHandle = .standardError, verbose: Bool = false) {
    self.output = output
    self.verbose = verbose
  }

  func runnerDidStart(_ state: RunnerProgressState) { draw(state, force: true) }

  func trialDidEnd(_ trial: RunnerTrialEvent, state: RunnerProgressState) {
    if trial.status == .failed || verbose {
      clear()
      write(trial.line(state: state) + "\n")
      if verbose { for line in trial.log { write("    \(line)\n") } }
    }
    draw(state, force: trial.status != .finished)
  }

  func runnerDidTick(_ state: RunnerProgressState) { draw(state, force: true) }

  func runnerMessage(_ message: String) {
    clear()
    write(message + "\n")
  }

  func runnerDidFinish(_ summary: RunnerSummary) {
    clear()
    write(summary.description + "\n")
  }

  private func draw(_ state: RunnerProgressState, force: Bool) {
    let now = Date()
    let due = lastDraw.withLock { last -> Bool in
      guard force || now.timeIntervalSince(last) >= 0.1 || state.done == state.toRun else { return false }
      last = now
      return true
    }
    if due { write("\r\u{1B}[2K" + state.statusLine) }
  }

  private func clear() { write("\r\u{1B}[2K") }

  private func write(_ text: String) { output.write(Data(text.utf8)) }
}

/// One plain line per ended trial on stderr (when stderr is not a terminal, e.g. in CI logs):
/// `[12/40] FINISHED trial 3fa9c2d1e0b4a7f2 (run 17) f1=0.4521 best=0.4600 1.23s`.
final class RunnerLineLogger: RunnerProgress, Sendable {
  private let output: FileHandle
  private let verbose: Bool

  init(output: FileHandle = .standardError, verbose: Bool = false) {
    self.output = output
    self.verbose = verbose
  }

  func runnerDidStart(_ state: RunnerProgressState) {
    write("\(state.experimentName): \(state.toRun) of \(state.planned) trials to run")
  }

  func trialDidEnd(_ trial: RunnerTrialEvent, state: RunnerProgressState) {
    write(trial.line(state: state))
    if verbose { for line in trial.log { write("    \(line)") } }
  }

  func runnerMessage(_ message: String) { write(message) }

  func runnerDidFinish(_ summary: RunnerSummary) { write(summary.description) }

  private func write(_ line: String) { output.write(Data((line + "\n").utf8)) }
}

/// The renderer for this process: a redrawn line when stderr is a terminal, plain lines otherwise.
func makeDefaultProgress(verbose: Bool = false) -> any RunnerProgress {
  Terminal.stderrIsTTY
    ? TerminalProgressRenderer(verbose: verbose) : RunnerLineLogger(verbose: verbose)
}
