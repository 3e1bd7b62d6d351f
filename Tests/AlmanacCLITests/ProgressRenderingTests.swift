@testable import Experiments
import Foundation
import Testing
import Tracking
import _TestSupport

@testable import almanac

/// The command line's own presentation: progress renderers (the terminal's redrawn line, plain lines for logs).
@Suite("Command-line progress")
struct ProgressRenderingTests {
  static func state(done: Int, toRun: Int, failed: Int = 0, elapsed: Double, best: Double?) -> RunnerProgressState {
    RunnerProgressState(
      experimentName: "exp", planned: 50, toRun: toRun, finished: done - failed, failed: failed, killed: 0,
      elapsed: elapsed, metric: "f1", goal: .maximize,
      best: best.map { RunnerBest(metric: "f1", goal: .maximize, mean: $0, n: 1, label: "x=1", runIDs: [7]) })
  }

  @Test("the line logger writes one line per trial and the summary")
  func lineLogger() throws {
    let dir = try TestSupport.temporaryDirectory("progress")
    let url = dir.appendingPathComponent("log.txt")
    #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
    let handle = try FileHandle(forWritingTo: url)
    let logger = RunnerLineLogger(output: handle)
    logger.runnerDidStart(Self.state(done: 0, toRun: 2, elapsed: 0, best: nil))
    logger.trialDidEnd(
      RunnerTrialEvent(
        runID: 5, trialKey: "00ff", trialIndex: 0, status: .failed, metric: nil, error: "boom",
        wallTime: 0.5, log: []),
      state: Self.state(done: 1, toRun: 2, failed: 1, elapsed: 1, best: nil))
    logger.trialDidEnd(
      RunnerTrialEvent(
        runID: 6, trialKey: "0100", trialIndex: 1, status: .finished, metric: 0.5, error: nil,
        wallTime: 1.25, log: []),
      state: Self.state(done: 2, toRun: 2, failed: 1, elapsed: 2, best: 0.5))
    try handle.close()
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(
      lines == [
        "exp: 2 of 50 trials to run",
        "[1/2] FAILED trial 00ff (run 5) 0.50s: boom",
        "[2/2] FINISHED trial 0100 (run 6) f1=0.5 best=0.5 1.25s",
      ])
  }

  @Test("the terminal renderer redraws one line in place and ends with the summary on its own line")
  func terminalRenderer() throws {
    let dir = try TestSupport.temporaryDirectory("progress-tty")
    let url = dir.appendingPathComponent("tty.txt")
    #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
    let handle = try FileHandle(forWritingTo: url)
    let renderer = TerminalProgressRenderer(output: handle)
    renderer.runnerDidStart(Self.state(done: 0, toRun: 2, elapsed: 0, best: nil))
    renderer.trialDidEnd(
      RunnerTrialEvent(
        runID: 5, trialKey: "00ff", trialIndex: 0, status: .failed, metric: nil, error: "boom", wallTime: 0.5, log: []),
      state: Self.state(done: 1, toRun: 2, failed: 1, elapsed: 1, best: nil))
    var summary = RunnerSummary(
      experimentID: 1, experimentName: "exp", planned: 2, finished: 1, failed: 1, killed: 0, skippedFinished: 0,
      skippedRunning: 0, reclaimed: 0, superseded: 0, interrupted: false, best: nil, elapsed: 2, message: nil)
    summary.best = RunnerBest(metric: "f1", goal: .maximize, mean: 0.5, n: 1, label: "x=1", runIDs: [6])
    renderer.runnerDidFinish(summary)
    try handle.close()
    let text = try String(contentsOf: url, encoding: .utf8)
    let clear = "\r\u{1B}[2K"
    #expect(
      text == clear + "[0/2] exp  0.0s elapsed" + clear + "[1/2] FAILED trial 00ff (run 5) 0.50s: boom\n" + clear
        + "[1/2] exp  1 failed  1.0s elapsed  ETA 1.0s" + clear
        + "1 finished, 1 failed, 0 killed in 2.0s; best f1 = 0.5 with x=1\n")
  }

}
