import AlmanacCore
import Foundation
import Testing
import Tracking
import _TestSupport

@testable import Experiments

/// Counts executions per trial key across threads. `@unchecked Sendable`: guarded by `lock`.
final class ExecutionLog: @unchecked Sendable {
  private let lock = NSLock()
  private var counts: [String: Int] = [:]
  private var startedTotal = 0

  func started(_ key: String) {
    lock.withLock {
      counts[key, default: 0] += 1
      startedTotal += 1
    }
  }
  var total: Int { lock.withLock { startedTotal } }
  var perKey: [String: Int] { lock.withLock { counts } }
}

/// A test task: `score = x / 10` (maximised), a `loss` series `x, x/2, x/4`, a written artifact; throws for trials
/// whose settings say `fail: true`; with `blockFrom` set, trials with `x >= blockFrom` spin until cancelled.
struct RunnerTestTask: TrialTask {
  var name = "test"
  var settingsSchema: [Field] = []
  var metrics: [MetricDeclaration] = [MetricDeclaration("score", goal: .maximize), MetricDeclaration("loss", goal: .minimize)]
  var defaultMetric = "score"
  var log = ExecutionLog()
  var blockFrom: Int?
  var sleepMicroseconds: UInt32 = 0

  func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] { [] }

  func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
    log.started(trial.key)
    let x = trial.settings[path: "x"]?.int ?? 0
    context.log("trial \(trial.key) x=\(x)")
    if sleepMicroseconds > 0 { usleep(sleepMicroseconds) }
    if let blockFrom, x >= blockFrom {
      while !context.isCancelled() { usleep(1000) }
      throw TrialFailure("stopped: cancelled")
    }
    if trial.settings[path: "fail"]?.bool == true {
      throw TrialFailure("x = \(x) is not allowed")
    }
    try FileManager.default.createDirectory(at: context.artifactDirectory, withIntermediateDirectories: true)
    try Data("x=\(x)\n".utf8).write(to: context.artifactDirectory.appendingPathComponent("out.txt"))
    let xd = Double(x)
    return TrialOutcome(
      metrics: ["score": xd / 10, "nan_metric": .nan],
      series: [0, 1, 2].map { SeriesPoint(key: "loss", step: $0, value: xd / Double(1 << $0)) },
      tags: ["parity": x % 2 == 0 ? "even" : "odd"], artifacts: ["out.txt"])
  }
}

enum RunnerFixture {
  /// `n` trials with settings `{x: i, fail: failing(i), model: {lr: 0.001}}`; keys are derived from i.
  static func trials(_ range: Range<Int>, failing: (Int) -> Bool = { _ in false }) -> [Trial] {
    range.map { i in
      let key = String(format: "%016llx", SplitMixKey.key(i))
      return Trial(
        index: i, key: key, settings: ["x": .int(i), "fail": .bool(failing(i)), "model": ["lr": 0.001]],
        axisValues: [AxisValue(key: "x", value: .int(i))], replicate: 0, seed: UInt64(i) &+ 0xF000_0000_0000_0000)
    }
  }

  static func experiment(_ name: String = "runner-test", file: URL? = nil) -> RunnerExperiment {
    RunnerExperiment(
      name: name, taskName: "test", specText: "name: \(name)\ntask: test\n", fileURL: file, notes: "notes",
      axes: ["x"])
  }

  static func store(_ label: String) throws -> TrackingStore {
    try TrackingStore(at: try TestSupport.temporaryDirectory(label).appendingPathComponent("almanac.db"))
  }

  static func options(jobs: Int = 3, rerun: Bool = false) -> RunnerOptions {
    RunnerOptions(jobs: jobs, rerun: rerun, flushInterval: 0.05, heartbeatInterval: 0.5)
  }

  /// Runs per status for each trial key (current and superseded runs).
  static func statuses(_ store: TrackingStore, experiment: String) throws -> [String: [RunStatus]] {
    let e = try #require(try store.experiment(named: experiment))
    var out: [String: [RunStatus]] = [:]
    for run in try store.runs(experimentID: e.id, query: RunQuery(includeSuperseded: true)) {
      out[run.trialKey, default: []].append(run.status)
    }
    return out
  }
}

enum SplitMixKey {
  static func key(_ i: Int) -> UInt64 { SplitMix64.derive(42, "trial-\(i)") }
}

/// Records every progress event. `@unchecked Sendable`: guarded by `lock`.
final class RecordingProgress: RunnerProgress, @unchecked Sendable {
  private let lock = NSLock()
  private var _events: [RunnerTrialEvent] = []
  private var _states: [RunnerProgressState] = []
  private var _messages: [String] = []
  private var _summary: RunnerSummary?
  private var _startState: RunnerProgressState?

  var events: [RunnerTrialEvent] { lock.withLock { _events } }
  var states: [RunnerProgressState] { lock.withLock { _states } }
  var messages: [String] { lock.withLock { _messages } }
  var summary: RunnerSummary? { lock.withLock { _summary } }
  var startState: RunnerProgressState? { lock.withLock { _startState } }

  func runnerDidStart(_ state: RunnerProgressState) { lock.withLock { _startState = state } }
  func trialDidEnd(_ trial: RunnerTrialEvent, state: RunnerProgressState) {
    lock.withLock {
      _events.append(trial)
      _states.append(state)
    }
  }
  func runnerMessage(_ message: String) { lock.withLock { _messages.append(message) } }
  func runnerDidFinish(_ summary: RunnerSummary) { lock.withLock { _summary = summary } }
  private var _ticks: [RunnerProgressState] = []
  var ticks: [RunnerProgressState] { lock.withLock { _ticks } }
  func runnerDidTick(_ state: RunnerProgressState) { lock.withLock { _ticks.append(state) } }
}
