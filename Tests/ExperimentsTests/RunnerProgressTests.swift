import Foundation
import Testing
import Tracking
import _TestSupport

@testable import Experiments

@Suite("Runner progress and provenance")
struct RunnerProgressTests {
  static func state(done: Int, toRun: Int, failed: Int = 0, elapsed: Double, best: Double?) -> RunnerProgressState {
    RunnerProgressState(
      experimentName: "exp", planned: 50, toRun: toRun, finished: done - failed, failed: failed, killed: 0,
      elapsed: elapsed, metric: "f1", goal: .maximize,
      best: best.map { RunnerBest(metric: "f1", goal: .maximize, mean: $0, n: 1, label: "x=1", runIDs: [7]) })
  }

  @Test("ETA is elapsed / done * remaining; nil before the first trial")
  func eta() {
    #expect(Self.state(done: 0, toRun: 40, elapsed: 3, best: nil).eta == nil)
    let s = Self.state(done: 10, toRun: 40, elapsed: 5, best: nil)
    #expect(abs((s.eta ?? -1) - 15) < 1e-12)
  }

  @Test(
    "numbers and durations format for people",
    arguments: [
      (0.45213, "0.4521"), (1.1, "1.1"), (2, "2"), (0, "0"), (-0.25, "-0.25"), (.nan, "nan"),
      (.infinity, "inf"), (1.5e-5, "1.5e-05"), (12_345_678, "1.235e+07"),
    ] as [(Double, String)])
  func numbers(value: Double, text: String) {
    #expect(RunnerFormat.number(value) == text)
  }

  @Test(
    "durations",
    arguments: [(0.42, "0.4s"), (9.96, "10.0s"), (12.4, "12s"), (75, "1:15"), (3723, "1:02:03")] as [(Double, String)])
  func durations(seconds: Double, text: String) {
    #expect(RunnerFormat.duration(seconds) == text)
  }

  @Test("the terminal status line shows done/total, failures, elapsed, ETA and the best value")
  func statusLine() {
    let line = Self.state(done: 3, toRun: 40, failed: 1, elapsed: 6, best: 0.61234).statusLine
    #expect(line == "[ 3/40] exp  1 failed  6.0s elapsed  ETA 1:14  best f1 0.6123")
  }

  @Test("one plain line per ended trial, and the summary names the best configuration")
  func trialLines() {
    let failed = RunnerTrialEvent(
      runID: 5, trialKey: "00ff", trialIndex: 0, status: .failed, metric: nil, error: "boom", wallTime: 0.5, log: [])
    #expect(failed.line(state: Self.state(done: 1, toRun: 2, failed: 1, elapsed: 1, best: nil))
      == "[1/2] FAILED trial 00ff (run 5) 0.50s: boom")
    let finished = RunnerTrialEvent(
      runID: 6, trialKey: "0100", trialIndex: 1, status: .finished, metric: 0.5, error: nil, wallTime: 1.25, log: [])
    #expect(finished.line(state: Self.state(done: 2, toRun: 2, failed: 1, elapsed: 2, best: 0.5))
      == "[2/2] FINISHED trial 0100 (run 6) f1=0.5 best=0.5 1.25s")
    var summary = RunnerSummary(
      experimentID: 1, experimentName: "exp", planned: 2, finished: 1, failed: 1, killed: 0, skippedFinished: 0,
      skippedRunning: 0, reclaimed: 0, superseded: 0, interrupted: false, best: nil, elapsed: 2, message: nil)
    summary.best = RunnerBest(metric: "f1", goal: .maximize, mean: 0.5, n: 3, label: "x=1", runIDs: [6, 7, 8])
    #expect(summary.description == "1 finished, 1 failed, 0 killed in 2.0s; best f1 = 0.5 (mean of 3) with x=1")
  }

  @Test("provenance: git commit and dirty flag of the experiment's directory; 'none' outside a repository")
  func provenance() throws {
    let outside = try TestSupport.temporaryDirectory("nogit")
    let plain = RunnerProvenance.collect(directory: outside)
    #expect(plain["almanac.git.commit"] == "none" && plain["almanac.git.dirty"] == "unknown")
    #expect(plain["almanac.version"] == RunnerProvenance.almanacVersion && plain["almanac.swift"] != nil)

    let repo = try TestSupport.temporaryDirectory("git")
    func git(_ args: String...) throws -> String {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      p.arguments = ["git", "-C", repo.path, "-c", "user.name=t", "-c", "user.email=t@example.com"] + args
      let out = Pipe()
      p.standardOutput = out
      p.standardError = FileHandle.nullDevice
      try p.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      p.waitUntilExit()
      return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard (try? git("init", "-q")) != nil,
      FileManager.default.fileExists(atPath: repo.appendingPathComponent(".git").path)
    else { return }  // no git on this machine: provenance records "none", checked above
    let file = repo.appendingPathComponent("exp.yaml")
    try Data("name: a\n".utf8).write(to: file)
    _ = try git("add", "exp.yaml")
    _ = try git("commit", "-q", "-m", "init")
    let head = try git("rev-parse", "HEAD")
    #expect(head.count == 40)
    let clean = RunnerProvenance.collect(directory: repo)
    #expect(clean["almanac.git.commit"] == head && clean["almanac.git.dirty"] == "false")
    try Data("name: b\n".utf8).write(to: file)
    #expect(RunnerProvenance.collect(directory: repo)["almanac.git.dirty"] == "true")
  }
}
