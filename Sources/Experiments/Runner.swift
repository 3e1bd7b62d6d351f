import AlmanacCore
import Foundation
import Tracking

/// What the runner needs to know about the experiment besides its trials.
public struct RunnerExperiment: Sendable {
  /// `name:` of the experiment file (`[A-Za-z0-9._-]+`), the store's key for it.
  public var name: String
  /// `task:` of the experiment file.
  public var taskName: String
  /// The experiment file's text, stored with the experiment.
  public var specText: String
  /// The experiment file (nil for programmatic experiments). Its directory is the trials' base directory and the
  /// directory whose git commit is recorded.
  public var fileURL: URL?
  /// Markdown notes.
  public var notes: String
  /// The experiment file's `metrics:` (the first ranks); empty means the task's ``TrialTask/defaultMetric``.
  public var selectedMetrics: [String]
  /// The sweep axes' dotted keys, in order (stored as the `almanac.axes` tag of every run, for reports).
  public var axes: [String]
  /// The keys of each `zip` group of the sweep (stored as the `almanac.zip_groups` tag of every run, for reports).
  public var zipGroups: [[String]]
  /// Experiment tags.
  public var tags: [String: String]
  /// The full plan recorded as the experiment's plan membership, when it is more than the trials this invocation
  /// runs (a shard, `almanac run --shard I/N`, runs a part of the plan but records all of it so that a merge knows
  /// the plan). nil: the plan is the trials given to ``Runner/run(experiment:trials:task:provenance:progress:)``.
  public var plan: [PlanEntry]?

  public init(
    name: String, taskName: String, specText: String = "", fileURL: URL? = nil, notes: String = "",
    selectedMetrics: [String] = [], axes: [String] = [], zipGroups: [[String]] = [], tags: [String: String] = [:],
    plan: [PlanEntry]? = nil
  ) {
    self.plan = plan
    self.zipGroups = zipGroups
    self.name = name
    self.taskName = taskName
    self.specText = specText
    self.fileURL = fileURL
    self.notes = notes
    self.selectedMetrics = selectedMetrics
    self.axes = axes
    self.tags = tags
  }

  /// The directory relative data paths resolve against: the experiment file's directory, else the current one.
  public var baseDirectory: URL {
    fileURL?.deletingLastPathComponent() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  }
}

/// How the runner runs.
public struct RunnerOptions: Sendable {
  /// Worker threads (at least 1; default: the number of active processors).
  public var jobs: Int
  /// Run trials again even when they have a FINISHED run: the old run is kept but marked superseded
  /// (see ``TrackingStore/claim(experimentID:trials:owner:rerun:limit:staleAfter:now:)``).
  public var rerun: Bool
  /// Trials claimed per claim transaction (default `2 * jobs`, at least 2).
  public var claimChunk: Int?
  /// Results are committed when this many are waiting, ...
  public var flushBatch: Int
  /// ... or when the oldest waiting result is this old (seconds).
  public var flushInterval: TimeInterval
  /// How often the writer refreshes the heartbeat of this runner's RUNNING runs (seconds).
  public var heartbeatInterval: TimeInterval
  /// RUNNING runs whose heartbeat is older than this (seconds) are presumed dead and reclaimed. Keep it several
  /// heartbeat intervals long; owners on this host are also checked directly with `kill(pid, 0)`.
  public var staleAfter: TimeInterval
  /// Install SIGINT/SIGTERM handlers for the duration of the run (the CLI sets this; tests cancel directly).
  /// The first signal stops handing out trials and marks in-flight ones KILLED; a second one stops waiting for
  /// in-flight trials to return.
  public var handleSignals: Bool
  /// The owner recorded on claimed runs (default: this process with a fresh session).
  public var owner: RunOwner

  public init(
    jobs: Int = ProcessInfo.processInfo.activeProcessorCount, rerun: Bool = false, claimChunk: Int? = nil,
    flushBatch: Int = 256, flushInterval: TimeInterval = 0.5, heartbeatInterval: TimeInterval = 10,
    staleAfter: TimeInterval = 120, handleSignals: Bool = false, owner: RunOwner = .current()
  ) {
    self.jobs = jobs
    self.rerun = rerun
    self.claimChunk = claimChunk
    self.flushBatch = flushBatch
    self.flushInterval = flushInterval
    self.heartbeatInterval = heartbeatInterval
    self.staleAfter = staleAfter
    self.handleSignals = handleSignals
    self.owner = owner
  }
}

/// A cancellation flag shared by the runner, its workers, the trials (``TrialContext/isCancelled``) and the signal
/// handlers.
public final class RunCancellation: Sendable {
  private let state = Locked((cancelled: false, forced: false))
  /// Handed to every trial (``TrialContext/cancellation``): numeric kernels poll it and stop within a mini-batch or
  /// an optimiser iteration.
  public let token = CancellationToken()

  public init() {}

  /// Stop handing out trials; in-flight trials are marked KILLED and the runner waits for them to return.
  public func cancel() {
    state.withLock { $0.cancelled = true }
    token.cancel()
  }
  /// Like ``cancel()``, and also stop waiting for in-flight trials.
  public func force() {
    state.withLock { $0 = (true, true) }
    token.cancel()
  }
  public var isCancelled: Bool { state.withLock { $0.cancelled } }
  public var isForced: Bool { state.withLock { $0.forced } }
}

/// The best configuration so far by the ranking metric (``Ranking``: best mean over finished replicates).
public typealias RunnerBest = Ranking.Leader

/// What a runner invocation did.
public struct RunnerSummary: Sendable, CustomStringConvertible {
  public var experimentID: Int64
  public var experimentName: String
  /// Trials in the plan (distinct keys).
  public var planned: Int
  /// Runs this invocation recorded FINISHED, FAILED or KILLED.
  public var finished: Int
  public var failed: Int
  public var killed: Int
  /// Trials skipped because they already had a FINISHED run.
  public var skippedFinished: Int
  /// Trials skipped because another live runner was running them.
  public var skippedRunning: Int
  /// RUNNING runs of dead owners that were marked KILLED and run again.
  public var reclaimed: Int
  /// FINISHED runs superseded by `rerun`.
  public var superseded: Int
  /// True when SIGINT/SIGTERM (or ``RunCancellation/cancel()``) stopped the run early.
  public var interrupted: Bool
  /// The best configuration by the ranking metric among the plan's FINISHED runs (this and earlier invocations).
  public var best: RunnerBest?
  /// The best configuration by every ranked metric the task declares (also stored as `best.<metric>` tags),
  /// computed when the invocation ends.
  public var leaders: [Ranking.Leader] = []
  /// Wall time of the invocation, seconds.
  public var elapsed: TimeInterval
  /// Set when there was nothing to run, e.g. `nothing to do: 12 trials already finished`.
  public var message: String?

  public var description: String {
    var text: String
    if let message {
      text = message
    } else {
      text = "\(finished) finished, \(failed) failed, \(killed) killed"
      if skippedFinished > 0 { text += ", \(skippedFinished) already finished" }
      if skippedRunning > 0 { text += ", \(skippedRunning) running elsewhere" }
      if reclaimed > 0 { text += ", \(reclaimed) reclaimed from dead runners" }
      text += " in " + RunnerFormat.duration(elapsed)
      if interrupted { text += " (interrupted)" }
    }
    if let best {
      text +=
        "; best \(best.metric) = \(RunnerFormat.number(best.mean))"
        + (best.n > 1 ? " (mean of \(best.n))" : "") + " with \(best.label)"
    }
    return text
  }
}

/// Runs the trials of an experiment in parallel, resumably, recording every run in the store.
///
/// Threads: the caller's thread is the single writer (it alone talks to SQLite: claims, batched result commits,
/// heartbeats); `jobs` worker threads pull claimed trials from an in-memory queue, run the task and hand back the
/// outcome. Dedicated threads rather than `concurrentPerform`, because `concurrentPerform` caps its width at the
/// core count and `jobs` may exceed it.
///
/// Guarantees (given the store's unique index and claim rules): a trial with a FINISHED run is skipped (unless
/// ``RunnerOptions/rerun``); a trial RUNNING under a live owner (another process) is left to it; RUNNING runs of
/// dead owners are marked KILLED and run again, so after `kill -9` the next invocation completes the plan with each
/// trial FINISHED exactly once. A task that throws fails only its trial (FAILED, with the error's description).
public struct Runner: Sendable {
  public var store: TrackingStore
  public var options: RunnerOptions
  /// Cancel this to stop the run (the signal handlers do when ``RunnerOptions/handleSignals`` is set).
  public var cancellation: RunCancellation

  public init(
    store: TrackingStore, options: RunnerOptions = RunnerOptions(),
    cancellation: RunCancellation = RunCancellation()
  ) {
    self.store = store
    self.options = options
    self.cancellation = cancellation
  }

  /// Runs `trials` of `experiment` with `task`.
  ///
  /// - Parameters:
  ///   - provenance: extra tags for every run (for example `almanac.data.<file>.sha256`); the runner adds git
  ///     commit and dirty flag, host, Almanac and Swift versions, seed, replicate, axes and wall time.
  ///   - progress: receives events on the writer (calling) thread; nil for none.
  /// - Returns: the summary; ``RunnerSummary/interrupted`` is true after a cancellation.
  /// - Throws: the store's errors (a task's error never escapes: it fails its trial).
  public func run(
    experiment: RunnerExperiment, trials: [Trial], task: any TrialTask, provenance: [String: String] = [:],
    progress: (any RunnerProgress)? = nil
  ) throws -> RunnerSummary {
    var signals: RunnerSignals?
    if options.handleSignals { signals = RunnerSignals(cancellation: cancellation) }
    defer { signals?.restore() }
    var session = try RunnerSession(
      store: store, options: options, cancellation: cancellation, experiment: experiment, trials: trials, task: task,
      provenance: provenance, progress: progress)
    return try session.run()
  }
}
