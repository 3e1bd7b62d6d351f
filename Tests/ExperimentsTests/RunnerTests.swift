import Foundation
import Testing
import Tracking
import _TestSupport

@testable import Experiments

@Suite("Runner")
struct RunnerTests {
  @Test("runs every trial once, records metrics, series, artifacts and provenance, then resumes with nothing to do")
  func runAndResume() throws {
    let store = try RunnerFixture.store("runner-resume")
    let task = RunnerTestTask()
    let trials = RunnerFixture.trials(0..<12)
    let progress = RecordingProgress()
    let runner = Runner(store: store, options: RunnerFixture.options())
    let summary = try runner.run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task,
      provenance: ["almanac.data.rates.csv.sha256": "abc123"], progress: progress)
    #expect(summary.finished == 12 && summary.failed == 0 && summary.killed == 0 && !summary.interrupted)
    #expect(summary.best?.mean == 1.1 && summary.best?.metric == "score" && summary.best?.label == "x=11")
    #expect(task.log.total == 12 && task.log.perKey.values.allSatisfy { $0 == 1 })

    let statuses = try RunnerFixture.statuses(store, experiment: "runner-test")
    #expect(statuses.count == 12 && statuses.values.allSatisfy { $0 == [.finished] })
    let e = try #require(try store.experiment(named: "runner-test"))
    #expect(e.task == "test" && e.notes == "notes" && e.spec.hasPrefix("name: runner-test"))
    let runs = try store.runs(experimentID: e.id)
    for run in runs {
      let trial = trials[run.trialIndex]
      #expect(run.trialKey == trial.key && run.seed == trial.seed)
      #expect(run.metrics["score"] == Double(run.trialIndex) / 10)
      #expect(run.metrics["nan_metric"]?.isNaN == true)
      #expect(run.params == ["x": String(run.trialIndex), "fail": "false", "model.lr": "0.001"])
      let detail = try #require(try store.runDetail(id: run.id))
      #expect(detail.series.count == 1 && detail.series[0].count == 3 && detail.series[0].lastStep == 2)
      #expect(detail.series[0].last == Double(run.trialIndex) / 4)
      let tags = detail.tags
      #expect(tags["almanac.seed"] == String(trial.seed))
      #expect(tags["almanac.version"] == RunnerProvenance.almanacVersion)
      #expect(tags["almanac.swift"] == RunnerProvenance.swiftVersion)
      #expect(tags["almanac.host"] == RunOwner.currentHostName())
      #expect(tags["almanac.git.commit"] != nil && tags["almanac.git.dirty"] != nil)
      #expect(tags["almanac.data.rates.csv.sha256"] == "abc123")
      #expect(tags["almanac.axes"] == "x" && tags["almanac.task"] == "test" && tags["almanac.replicate"] == "0")
      #expect(tags["parity"] == (run.trialIndex % 2 == 0 ? "even" : "odd"))
      #expect(Double(tags["almanac.wall_time_s"] ?? "") ?? -1 >= 0)
      #expect(tags["almanac.log"] == "trial \(trial.key) x=\(run.trialIndex)")
      #expect(detail.artifacts == ["artifacts/runner-test/run-\(run.id)/out.txt"])
      let file = store.directory.appendingPathComponent(detail.artifacts[0])
      #expect(try String(contentsOf: file, encoding: .utf8) == "x=\(run.trialIndex)\n")
    }
    // Progress: one event per trial, `done` counts up to 12, best is monotone.
    #expect(progress.events.count == 12)
    #expect(progress.states.map(\.done) == Array(1...12))
    #expect(progress.startState?.toRun == 12 && progress.startState?.planned == 12)
    let bests = progress.states.compactMap { $0.best?.mean }
    #expect(bests == bests.sorted() && bests.last == 1.1)
    #expect(progress.summary?.finished == 12)

    // Unchanged plan: nothing to do, nothing executed.
    let again = try Runner(store: store, options: RunnerFixture.options()).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task)
    #expect(again.message == "nothing to do: 12 trials already finished")
    #expect(again.finished == 0 && again.skippedFinished == 12 && again.best?.mean == 1.1)
    #expect(again.description.hasPrefix("nothing to do: 12 trials already finished; best score = 1.1"))
    #expect(task.log.total == 12)

    // Three more trials: only those run.
    let grown = try Runner(store: store, options: RunnerFixture.options()).run(
      experiment: RunnerFixture.experiment(), trials: RunnerFixture.trials(0..<15), task: task)
    #expect(grown.finished == 3 && grown.skippedFinished == 12 && grown.message == nil)
    #expect(task.log.total == 15 && task.log.perKey.values.allSatisfy { $0 == 1 })
    #expect(try store.integrityCheck() == ["ok"])
  }

  @Test("a throwing task fails only its trial (FAILED with the message); failed trials are retried next time")
  func failedTrials() throws {
    let store = try RunnerFixture.store("runner-failed")
    let task = RunnerTestTask()
    let trials = RunnerFixture.trials(0..<10, failing: { $0 % 4 == 1 })
    let summary = try Runner(store: store, options: RunnerFixture.options(jobs: 2)).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task)
    #expect(summary.finished == 7 && summary.failed == 3 && !summary.interrupted)
    let e = try #require(try store.experiment(named: "runner-test"))
    let failed = try store.runs(experimentID: e.id, query: RunQuery(filter: try RunFilter("status = \"FAILED\"")))
    #expect(failed.map(\.trialIndex) == [1, 5, 9])
    #expect(failed.allSatisfy { $0.error == "x = \($0.trialIndex) is not allowed" && $0.metrics.isEmpty })
    // Second invocation: finished trials are skipped, failed ones are attempted again (and fail again).
    let again = try Runner(store: store, options: RunnerFixture.options(jobs: 2)).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task)
    #expect(again.finished == 0 && again.failed == 3 && again.skippedFinished == 7)
    #expect(task.log.total == 13)
    let statuses = try RunnerFixture.statuses(store, experiment: "runner-test")
    #expect(statuses[trials[1].key] == [.failed, .failed])
    #expect(statuses[trials[0].key] == [.finished])
  }

  @Test(
    "cancelling mid-run keeps finished trials, marks in-flight and queued ones KILLED; the next run completes the plan")
  func cancelMidRun() throws {
    let store = try RunnerFixture.store("runner-cancel")
    let cancellation = RunCancellation()
    let blocking = RunnerTestTask(blockFrom: 4)
    let trials = RunnerFixture.trials(0..<10)
    let progress = RecordingProgress()
    // Cancel once trials 0-3 are committed and two blocking trials are running.
    let watcher = Thread {
      while progress.events.count < 4 || blocking.log.total < 6 { usleep(1000) }
      cancellation.cancel()
    }
    watcher.start()
    let summary = try Runner(store: store, options: RunnerFixture.options(jobs: 2), cancellation: cancellation).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: blocking, progress: progress)
    #expect(summary.interrupted)
    #expect(summary.finished == 4)
    let statuses = try RunnerFixture.statuses(store, experiment: "runner-test")
    #expect((0..<4).allSatisfy { statuses[trials[$0].key] == [.finished] })
    let killed = statuses.filter { $0.value == [.killed] }.count
    #expect(killed >= 2 && summary.killed == killed)
    #expect(!statuses.values.contains { $0.contains(.running) })
    let e = try #require(try store.experiment(named: "runner-test"))
    let killedRuns = try store.runs(experimentID: e.id, query: RunQuery(filter: try RunFilter("status = 'KILLED'")))
    #expect(killedRuns.allSatisfy { ($0.error ?? "").hasPrefix("interrupted") })
    #expect(killedRuns.filter { $0.trialIndex >= 4 }.count == killed)

    // Resume without blocking: the rest runs, each trial FINISHED exactly once.
    let task = RunnerTestTask()
    let resumed = try Runner(store: store, options: RunnerFixture.options(jobs: 2)).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task)
    #expect(resumed.finished == 6 && resumed.skippedFinished == 4 && !resumed.interrupted)
    let after = try RunnerFixture.statuses(store, experiment: "runner-test")
    #expect(after.values.allSatisfy { $0.filter { $0 == .finished }.count == 1 && !$0.contains(.running) })
    #expect(try store.integrityCheck() == ["ok"])
  }

  @Test("after kill -9 (RUNNING rows of a dead pid) the next run reclaims them and finishes each trial exactly once")
  func crashRecovery() throws {
    let store = try RunnerFixture.store("runner-crash")
    let trials = RunnerFixture.trials(0..<8)
    let id = try store.upsertExperiment(ExperimentDefinition(name: "runner-test", task: "test"))
    // A "crashed" runner: a pid that has exited, same host. It finished trials 0-1 and left 2-5 RUNNING.
    let dead = Process()
    dead.executableURL = URL(fileURLWithPath: "/bin/true")
    try dead.run()
    dead.waitUntilExit()
    let owner = RunOwner(host: RunOwner.currentHostName(), pid: dead.processIdentifier, session: "crashed")
    let claimed = try store.claim(
      experimentID: id, trials: trials[0..<6].map { TrialClaim(key: $0.key, index: $0.index, seed: $0.seed) },
      owner: owner
    ).claimed
    try store.record(claimed.prefix(2).map { RunResult(runID: $0.runID, status: .finished, metrics: ["score": 0]) })

    let task = RunnerTestTask()
    let summary = try Runner(store: store, options: RunnerFixture.options(jobs: 2)).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task)
    #expect(summary.reclaimed == 4 && summary.finished == 6 && summary.skippedFinished == 2)
    #expect(Set(task.log.perKey.keys) == Set(trials[2...].map(\.key)))
    let statuses = try RunnerFixture.statuses(store, experiment: "runner-test")
    for (i, trial) in trials.enumerated() {
      let s = statuses[trial.key] ?? []
      #expect(s.filter { $0 == .finished }.count == 1)
      #expect(!s.contains(.running))
      #expect(s.filter { $0 == .killed }.count == ((2..<6).contains(i) ? 1 : 0))
    }
    #expect(try store.integrityCheck() == ["ok"])
  }

  @Test("two runners with separate connections share one plan: no trial runs twice, nothing is locked")
  func twoRunnersConcurrently() throws {
    let dir = try TestSupport.temporaryDirectory("runner-two")
    let url = dir.appendingPathComponent("almanac.db")
    let stores = [try TrackingStore(at: url), try TrackingStore(at: url)]
    let trials = RunnerFixture.trials(0..<60)
    let log = ExecutionLog()
    let task = RunnerTestTask(log: log, sleepMicroseconds: 3000)
    let results = RunnerResults()
    let group = DispatchGroup()
    for store in stores {
      group.enter()
      Thread {
        defer { group.leave() }
        results.append(
          Result {
            var options = RunnerFixture.options(jobs: 2)
            options.claimChunk = 3
            return try Runner(store: store, options: options).run(
              experiment: RunnerFixture.experiment(), trials: trials, task: task)
          })
      }.start()
    }
    group.wait()
    let summaries = try results.all.map { try $0.get() }
    #expect(summaries.count == 2)
    #expect(summaries.map(\.finished).reduce(0, +) == 60)
    #expect(log.total == 60 && log.perKey.count == 60)
    let statuses = try RunnerFixture.statuses(stores[0], experiment: "runner-test")
    #expect(statuses.count == 60 && statuses.values.allSatisfy { $0 == [.finished] })
    #expect(try stores[1].integrityCheck() == ["ok"])
  }

  @Test("rerun supersedes finished runs and runs every trial again")
  func rerun() throws {
    let store = try RunnerFixture.store("runner-rerun")
    let task = RunnerTestTask()
    let trials = RunnerFixture.trials(0..<5)
    _ = try Runner(store: store, options: RunnerFixture.options()).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task)
    let again = try Runner(store: store, options: RunnerFixture.options(rerun: true)).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task)
    #expect(again.finished == 5 && again.superseded == 5 && again.skippedFinished == 0)
    #expect(task.log.total == 10)
    let e = try #require(try store.experiment(named: "runner-test"))
    #expect(try store.runs(experimentID: e.id).count == 5)
    #expect(try store.runs(experimentID: e.id, query: RunQuery(includeSuperseded: true)).count == 10)
  }

  @Test("an empty plan has nothing to do; duplicate keys run once")
  func emptyAndDuplicates() throws {
    let store = try RunnerFixture.store("runner-empty")
    let task = RunnerTestTask()
    let empty = try Runner(store: store).run(experiment: RunnerFixture.experiment(), trials: [], task: task)
    #expect(empty.message == "nothing to do: the plan has no trials")
    let t = RunnerFixture.trials(0..<3)
    let dup = try Runner(store: store, options: RunnerFixture.options()).run(
      experiment: RunnerFixture.experiment(), trials: t + t, task: task)
    #expect(dup.planned == 3 && dup.finished == 3 && task.log.total == 3)
  }
}

/// Collects results from threads. `@unchecked Sendable`: guarded by `lock`.
final class RunnerResults: @unchecked Sendable {
  private let lock = NSLock()
  private var results: [Result<RunnerSummary, any Error>] = []
  func append(_ r: Result<RunnerSummary, any Error>) { lock.withLock { results.append(r) } }
  var all: [Result<RunnerSummary, any Error>] { lock.withLock { results } }
}

@Suite("Runner signals")
struct RunnerSignalTests {
  @Test("SIGINT during a run (handleSignals) stops it: finished trials kept, in-flight ones KILLED")
  func sigint() throws {
    let store = try RunnerFixture.store("runner-sigint")
    let cancellation = RunCancellation()
    let task = RunnerTestTask(blockFrom: 2)
    let trials = RunnerFixture.trials(0..<6)
    let progress = RecordingProgress()
    let delivered = ExecutionLog()
    let watcherDone = DispatchSemaphore(value: 0)
    let watcher = Thread {
      defer { watcherDone.signal() }
      while progress.events.count < 2 || task.log.total < 4 { usleep(1000) }
      kill(getpid(), SIGINT)
      for _ in 0..<5000 where !cancellation.isCancelled { usleep(1000) }
      if cancellation.isCancelled { delivered.started("yes") } else { cancellation.cancel() }
    }
    watcher.start()
    var options = RunnerFixture.options(jobs: 2)
    options.handleSignals = true
    let summary = try Runner(store: store, options: options, cancellation: cancellation).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: task, progress: progress)
    watcherDone.wait()
    #expect(delivered.perKey["yes"] == 1, "SIGINT did not reach the runner's signal source")
    #expect(summary.interrupted && summary.finished == 2 && summary.killed == 4)
    let statuses = try RunnerFixture.statuses(store, experiment: "runner-test")
    #expect(statuses.values.filter { $0 == [.killed] }.count == 4)
  }
}

@Suite("Runner heartbeats")
struct RunnerHeartbeatTests {
  /// Trial 0 sleeps 2.5 s while short trials keep the writer busy committing; the heartbeat (every 0.1 s) must still
  /// refresh trial 0's RUNNING row, so another owner probing at 1.6 s with a 1 s staleness limit sees it as alive.
  struct SlowFirstTask: TrialTask {
    var name = "test"
    var settingsSchema: [Field] = []
    var metrics: [MetricDeclaration] = [MetricDeclaration("score", goal: .maximize)]
    var defaultMetric = "score"
    func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] { [] }
    func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
      usleep(trial.index == 0 ? 2_500_000 : 15_000)
      return TrialOutcome(metrics: ["score": 1])
    }
  }

  @Test("a long trial's heartbeat stays fresh while other results are committed")
  func heartbeatDuringLongTrial() throws {
    let store = try RunnerFixture.store("runner-heartbeat")
    // 149 short trials keep the other worker (and the writer's commits) busy for about 2.2 s.
    let trials = RunnerFixture.trials(0..<150)
    let observed = RunnerResults()
    let probe = Thread {
      usleep(1_600_000)
      let other = RunOwner(host: "elsewhere.example", pid: 1, session: "probe")
      do {
        guard let e = try store.experiment(named: "runner-test") else { return }
        let claim = try store.claim(
          experimentID: e.id, trials: [TrialClaim(key: trials[0].key, index: 0, seed: trials[0].seed)], owner: other,
          staleAfter: 1.0)
        observed.append(
          .success(
            RunnerSummary(
              experimentID: e.id, experimentName: "", planned: 0, finished: claim.claimed.count, failed: 0,
              killed: 0, skippedFinished: claim.alreadyFinished.count, skippedRunning: claim.runningElsewhere.count,
              reclaimed: claim.reclaimedRunIDs.count, superseded: 0, interrupted: false, best: nil, elapsed: 0,
              message: nil)))
      } catch {
        observed.append(.failure(error))
      }
    }
    probe.start()
    var options = RunnerFixture.options(jobs: 2)
    options.heartbeatInterval = 0.1
    options.staleAfter = 1.0
    let progress = RecordingProgress()
    let summary = try Runner(store: store, options: options).run(
      experiment: RunnerFixture.experiment(), trials: trials, task: SlowFirstTask(), progress: progress)
    // About one tick per second of a 2.5 s run, with elapsed time moving forward.
    let ticks = progress.ticks.map(\.elapsed)
    #expect(ticks.count >= 1 && ticks == ticks.sorted() && (ticks.first ?? 0) >= 1)
    while observed.all.isEmpty { usleep(10_000) }
    let probeResult = try #require(try observed.all.first?.get())
    #expect(probeResult.skippedRunning == 1 && probeResult.reclaimed == 0 && probeResult.finished == 0)
    #expect(summary.finished == 150)
  }
}
