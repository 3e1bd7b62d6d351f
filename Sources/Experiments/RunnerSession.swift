import Foundation
import Tracking

/// One invocation of ``Runner/run(experiment:trials:task:provenance:progress:)``: the writer loop.
struct RunnerSession {
  let store: TrackingStore
  let options: RunnerOptions
  let cancellation: RunCancellation
  let experiment: RunnerExperiment
  let trials: [Trial]
  let task: any TrialTask
  let progress: (any RunnerProgress)?
  /// The task's metric declarations and the experiment's selection (recorded with the experiment).
  let catalog: MetricCatalog
  let metric: String
  let goal: MetricGoal
  /// The best configuration so far over the plan's finished runs (earlier invocations and this one).
  var bestTracker: Ranking.Tracker
  let jobs: Int
  let chunk: Int
  let started = Date()
  /// Provenance tags shared by every run.
  let commonTags: [String: String]

  var experimentID: Int64 = 0
  var summary: RunnerSummary
  var state: RunnerProgressState
  var pending: [RunResult] = []
  var pendingEvents: [Int64: RunnerTrialEvent] = [:]
  var oldestPending: Date?
  var lastHeartbeat = Date()
  var lastTick = Date()

  init(
    store: TrackingStore, options: RunnerOptions, cancellation: RunCancellation, experiment: RunnerExperiment,
    trials: [Trial], task: any TrialTask, provenance: [String: String], progress: (any RunnerProgress)?
  ) throws {
    self.store = store
    self.options = options
    self.cancellation = cancellation
    self.experiment = experiment
    var seen = Set<String>()
    self.trials = trials.filter { seen.insert($0.key).inserted }
    self.task = task
    self.progress = progress
    self.catalog = MetricCatalog(
      declared: task.metrics,
      selected: experiment.selectedMetrics.isEmpty ? [task.defaultMetric] : experiment.selectedMetrics)
    self.metric = catalog.ranking ?? task.defaultMetric
    self.goal = catalog.goal(of: metric) ?? .maximize
    self.bestTracker = Ranking.Tracker(metric: metric, goal: goal, axes: experiment.axes)
    self.jobs = max(1, options.jobs)
    self.chunk = max(2, options.claimChunk ?? 2 * max(1, options.jobs))
    var tags = RunnerProvenance.collect(directory: experiment.baseDirectory)
    if !experiment.axes.isEmpty { tags[TagKey.axes] = experiment.axes.joined(separator: ",") }
    if !experiment.zipGroups.isEmpty {
      tags[TagKey.zipGroups] = experiment.zipGroups.map { $0.joined(separator: "+") }.joined(separator: ",")
    }
    tags[TagKey.task] = task.name
    for (k, v) in provenance { tags[k] = v }
    self.commonTags = tags
    self.summary = RunnerSummary(
      experimentID: 0, experimentName: experiment.name, planned: self.trials.count, finished: 0, failed: 0, killed: 0,
      skippedFinished: 0, skippedRunning: 0, reclaimed: 0, superseded: 0, interrupted: false, best: nil, elapsed: 0,
      message: nil)
    self.state = RunnerProgressState(
      experimentName: experiment.name, planned: self.trials.count, toRun: self.trials.count, finished: 0, failed: 0,
      killed: 0, elapsed: 0, metric: metric, goal: goal, best: nil)
  }

  // MARK: Main loop

  mutating func run() throws -> RunnerSummary {
    experimentID = try store.upsertExperiment(
      ExperimentDefinition(
        name: experiment.name, task: experiment.taskName, filePath: experiment.fileURL?.path,
        spec: experiment.specText, notes: experiment.notes, tags: experiment.tags,
        plan: experiment.plan ?? trials.map { PlanEntry(key: $0.key, index: $0.index) }, metrics: catalog))
    summary.experimentID = experimentID
    summary.best = try bestSoFar()
    state.best = summary.best

    let finishedBefore = try store.finishedKeys(experimentID: experimentID)
    let alreadyDone = options.rerun ? 0 : trials.reduce(0) { $0 + (finishedBefore.contains($1.key) ? 1 : 0) }
    state.toRun = trials.count - alreadyDone
    if state.toRun == 0 {
      summary.skippedFinished = alreadyDone
      summary.message =
        trials.isEmpty
        ? "nothing to do: the plan has no trials" : "nothing to do: \(alreadyDone) trials already finished"
      return try finish()
    }
    progress?.runnerDidStart(state)

    let claims = trials.map { trial in
      TrialClaim(key: trial.key, index: trial.index, seed: trial.seed, params: Self.params(of: trial))
    }
    let byKey = Dictionary(trials.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    let queue = RunnerQueue()
    let workers = DispatchGroup()
    startWorkers(queue: queue, group: workers)
    defer { queue.close() }

    var position = 0
    do {
      while true {
        if cancellation.isCancelled {
          try interrupt(queue: queue)
          break
        }
        if position < claims.count && queue.queuedCount < jobs {
          let window = Array(claims[position..<min(claims.count, position + max(chunk * 8, 256))])
          let result = try store.claim(
            experimentID: experimentID, trials: window, owner: options.owner, rerun: options.rerun, limit: chunk,
            staleAfter: options.staleAfter)
          position += result.examined
          summary.skippedFinished += result.alreadyFinished.count
          summary.skippedRunning += result.runningElsewhere.count
          summary.reclaimed += result.reclaimedRunIDs.count
          summary.superseded += result.supersededRunIDs.count
          if !result.reclaimedRunIDs.isEmpty {
            progress?.runnerMessage(
              "reclaimed \(result.reclaimedRunIDs.count) trial(s) left RUNNING by a runner that is gone")
          }
          // Trials another runner is running, or finished since the start, are not this invocation's to run.
          let finishedMeanwhile = result.alreadyFinished.filter { !finishedBefore.contains($0) }.count
          state.toRun = max(state.toRun - result.runningElsewhere.count - finishedMeanwhile, state.done)
          queue.enqueue(
            result.claimed.compactMap { claimed in
              byKey[claimed.key].map { trial in
                RunnerWorkItem(
                  trial: trial, runID: claimed.runID,
                  artifactDirectory: store.artifactDirectory(experiment: experiment.name, runID: claimed.runID))
              }
            })
          if !result.claimed.isEmpty || position < claims.count { continue }
        }
        let planDone = position >= claims.count
        if planDone && queue.isIdle && pending.isEmpty { break }
        let wait = min(options.flushInterval, options.heartbeatInterval)
        let completions = queue.waitForCompletions(until: Date().addingTimeInterval(max(0.01, wait)))
        for completion in completions { accept(completion) }
        if shouldFlush(force: planDone && queue.isIdle) { try flush() }
        try heartbeatIfDue()
        tickIfDue()
      }
    } catch {
      cancellation.cancel()
      queue.close()
      let stranded = queue.drainQueued().map(\.runID) + queue.inFlightIDs
      _ = try? store.markKilled(stranded, reason: "runner stopped by an error: \(error)")
      throw error
    }
    queue.close()
    if !cancellation.isForced { workers.wait() }
    return try finish()
  }

  /// Stops on cancellation: commits what completed before it, marks queued and in-flight runs KILLED, waits for
  /// workers to return (unless forced) and drops whatever they return.
  mutating func interrupt(queue: RunnerQueue) throws {
    summary.interrupted = true
    progress?.runnerMessage(
      "interrupted: stopping; in-flight trials are marked KILLED (interrupt again to stop waiting)")
    for completion in queue.waitForCompletions(until: Date()) { accept(completion) }
    let notStarted = queue.drainQueued().map(\.runID)
    try flush()
    let reason = "interrupted (SIGINT/SIGTERM or cancelled)"
    let killedQueued = try store.markKilled(notStarted, reason: reason + " before it started")
    let killedRunning = try store.markKilled(queue.inFlightIDs, reason: reason)
    summary.killed += killedQueued + killedRunning
    state.killed += killedQueued + killedRunning
    queue.close()
    while !cancellation.isForced {
      if queue.waitUntilIdle(until: Date().addingTimeInterval(0.2)) { break }
      try heartbeatIfDue()
    }
    // Late completions belong to runs already marked KILLED; recording them is a no-op by the store's rule.
    for completion in queue.waitForCompletions(until: Date()) { accept(completion) }
    try flush()
  }

  func startWorkers(queue: RunnerQueue, group: DispatchGroup) {
    let task = self.task
    let cancellation = self.cancellation
    let base = experiment.baseDirectory
    for i in 0..<jobs {
      group.enter()
      let thread = Thread {
        defer { group.leave() }
        while let item = queue.take() {
          queue.complete(Self.execute(item, task: task, base: base, cancellation: cancellation))
        }
      }
      thread.name = "almanac.worker.\(i)"
      thread.stackSize = 8 << 20
      thread.start()
    }
  }

  /// Runs one trial on a worker thread (never touches the store).
  static func execute(_ item: RunnerWorkItem, task: any TrialTask, base: URL, cancellation: RunCancellation)
    -> RunnerCompletion
  {
    let log = RunnerLogBuffer()
    let context = TrialContext(
      baseDirectory: base, artifactDirectory: item.artifactDirectory,
      isCancelled: { cancellation.isCancelled }, cancellation: cancellation.token, log: { log.append($0) })
    let started = Date()
    let result: RunnerCompletion.Result
    if cancellation.isCancelled {
      result = .failure("interrupted before it started")
    } else {
      do {
        result = .success(try task.run(item.trial, context: context))
      } catch let failure as TrialFailure {
        result = .failure(failure.description)
      } catch {
        result = .failure(String(describing: error))
      }
    }
    return RunnerCompletion(
      item: item, result: result, started: started, ended: Date(), cancelled: cancellation.isCancelled,
      log: log.all)
  }

  // MARK: Results

  /// Turns a completion into a pending result (committed by the next flush).
  mutating func accept(_ completion: RunnerCompletion) {
    let item = completion.item
    let wall = completion.ended.timeIntervalSince(completion.started)
    var tags = commonTags
    tags[TagKey.seed] = String(item.trial.seed)
    tags[TagKey.replicate] = String(item.trial.replicate)
    tags[TagKey.wallTime] = String(format: "%.6f", wall)
    if !completion.log.isEmpty { tags[TagKey.log] = completion.log.joined(separator: "\n") }
    var result = RunResult(runID: item.runID, status: .finished, endTime: completion.ended)
    var metricValue: Double?
    switch completion.result {
    case .success(let outcome):
      result.metrics = outcome.metrics
      result.series = outcome.series
      for (k, v) in outcome.tags where tags[k] == nil { tags[k] = v }
      result.artifacts = outcome.artifacts.map {
        store.relativePath(of: item.artifactDirectory.appendingPathComponent($0))
      }
      metricValue = outcome.metrics[metric]
    case .failure(let message):
      result.status = .failed
      result.error = message
    }
    if completion.cancelled {
      result.status = .killed
      result.error = "interrupted while running" + (result.error.map { ": \($0)" } ?? "")
    }
    result.tags = tags
    pending.append(result)
    pendingEvents[item.runID] = RunnerTrialEvent(
      runID: item.runID, trialKey: item.trial.key, trialIndex: item.trial.index, status: result.status,
      metric: metricValue, error: result.error, wallTime: wall, log: completion.log,
      params: Self.params(of: item.trial))
    if oldestPending == nil { oldestPending = Date() }
  }

  func shouldFlush(force: Bool) -> Bool {
    guard !pending.isEmpty else { return false }
    if force || pending.count >= options.flushBatch { return true }
    return Date().timeIntervalSince(oldestPending ?? Date()) >= options.flushInterval
  }

  /// Commits pending results in one transaction and reports them.
  mutating func flush() throws {
    guard !pending.isEmpty else { return }
    let written = try store.record(pending)
    pending.removeAll(keepingCapacity: true)
    oldestPending = nil
    for id in written {
      guard let event = pendingEvents[id] else { continue }
      switch event.status {
      case .finished:
        summary.finished += 1
        state.finished += 1
        if let value = event.metric {
          bestTracker.add(
            RunRecord(
              id: id, experimentID: experimentID, trialKey: event.trialKey, trialIndex: event.trialIndex,
              status: .finished, startTime: started, params: event.params, metrics: [metric: value]))
          state.best = bestTracker.best
          summary.best = state.best
        }
      case .failed:
        summary.failed += 1
        state.failed += 1
      case .killed, .running:
        summary.killed += 1
        state.killed += 1
      }
      state.elapsed = Date().timeIntervalSince(started)
      progress?.trialDidEnd(event, state: state)
    }
    pendingEvents.removeAll(keepingCapacity: true)
  }

  /// Lets the progress sink redraw elapsed time and ETA about once a second.
  mutating func tickIfDue() {
    guard let progress, Date().timeIntervalSince(lastTick) >= 1 else { return }
    lastTick = Date()
    state.elapsed = Date().timeIntervalSince(started)
    progress.runnerDidTick(state)
  }

  mutating func heartbeatIfDue() throws {
    guard Date().timeIntervalSince(lastHeartbeat) >= options.heartbeatInterval else { return }
    try store.heartbeat(owner: options.owner)
    lastHeartbeat = Date()
  }

  /// The best configuration of this plan's FINISHED runs from earlier invocations (``Ranking``); runs of trials no
  /// longer in the plan do not count.
  mutating func bestSoFar() throws -> RunnerBest? {
    bestTracker = Ranking.Tracker(
      metric: metric, goal: goal, axes: experiment.axes,
      runs: try store.runs(experimentID: experimentID, query: RunQuery(scope: .currentPlan, statuses: [.finished])))
    return bestTracker.best
  }

  mutating func finish() throws -> RunnerSummary {
    summary.leaders = try store.updateLeaders(experimentID: experimentID, axes: experiment.axes)
    summary.elapsed = Date().timeIntervalSince(started)
    progress?.runnerDidFinish(summary)
    return summary
  }

  /// The trial's settings as MLflow-style params: dotted paths; strings bare, everything else canonical JSON.
  static func params(of trial: Trial) -> [String: String] {
    var params: [String: String] = [:]
    for (path, value) in trial.settings.flattened() {
      params[path] = value.string ?? value.canonicalJSON
    }
    return params
  }
}
