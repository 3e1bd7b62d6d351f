import Foundation

/// The life cycle of one run (one attempt at one trial), as in MLflow.
///
/// A run starts `RUNNING` when a runner claims its trial and ends `FINISHED` (the task returned), `FAILED` (the task
/// threw; ``RunRecord/error`` holds the message) or `KILLED` (interrupted, or its owner died and another runner
/// reclaimed the trial).
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable {
  case running = "RUNNING"
  case finished = "FINISHED"
  case failed = "FAILED"
  case killed = "KILLED"
}

/// The process that owns RUNNING rows: host name, process id and a per-runner session token.
///
/// Two runners in the same process (tests) have the same host and pid but different sessions. A RUNNING row's owner
/// is considered dead when it is on this host and `kill(pid, 0)` says the process is gone, or when its heartbeat is
/// older than the claim's `staleAfter` interval (owners on other hosts, pid reuse).
public struct RunOwner: Sendable, Hashable, CustomStringConvertible {
  public var host: String
  public var pid: Int32
  public var session: String

  public init(host: String, pid: Int32, session: String) {
    self.host = host
    self.pid = pid
    self.session = session
  }

  /// This process, with a fresh session token.
  public static func current() -> RunOwner {
    RunOwner(host: currentHostName(), pid: getpid(), session: UUID().uuidString.lowercased())
  }

  /// The host name as the OS reports it (`gethostname`), or `localhost` when that fails.
  public static func currentHostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.isEmpty ? "localhost" : name
  }

  public var description: String { "\(host):\(pid):\(session.prefix(8))" }
}

/// What a runner asks to claim: one trial of the plan.
public struct TrialClaim: Sendable, Hashable {
  /// The trial's stable key (unique within the experiment's plan).
  public var key: String
  /// Position of the trial in the plan.
  public var index: Int
  /// The trial seed (stored exactly, as a decimal string).
  public var seed: UInt64
  /// Params written with the new run row (MLflow logs params when a run starts).
  public var params: [String: String]

  public init(key: String, index: Int, seed: UInt64, params: [String: String] = [:]) {
    self.key = key
    self.index = index
    self.seed = seed
    self.params = params
  }
}

/// A run created by a claim.
public struct ClaimedRun: Sendable, Hashable {
  public var runID: Int64
  public var key: String
  public var index: Int
  public var seed: UInt64
}

/// The outcome of ``TrackingStore/claim(experimentID:trials:owner:rerun:limit:staleAfter:)``.
public struct ClaimResult: Sendable {
  /// New RUNNING runs, in plan order.
  public var claimed: [ClaimedRun] = []
  /// Keys skipped because a current FINISHED run exists (never filled when `rerun` is true).
  public var alreadyFinished: [String] = []
  /// Keys skipped because another live owner is running them.
  public var runningElsewhere: [String] = []
  /// Runs of dead owners that were marked KILLED before their trials were claimed again.
  public var reclaimedRunIDs: [Int64] = []
  /// FINISHED runs marked superseded by a rerun.
  public var supersededRunIDs: [Int64] = []
  /// How many of the input trials were examined (a prefix of the input; the rest were not looked at because
  /// `limit` claims were made).
  public var examined: Int = 0
}

/// One point of a metric: a scalar (step 0) or a point of a series.
public struct MetricPoint: Sendable, Hashable {
  public var key: String
  public var step: Int
  /// NaN is stored as NULL and read back as NaN.
  public var value: Double

  public init(key: String, step: Int, value: Double) {
    self.key = key
    self.step = step
    self.value = value
  }
}

/// The final state of one run, written by ``TrackingStore/record(_:)``.
public struct RunResult: Sendable {
  public var runID: Int64
  /// FINISHED, FAILED or KILLED (RUNNING is rejected).
  public var status: RunStatus
  public var endTime: Date
  /// The failure message (FAILED) or the reason (KILLED).
  public var error: String?
  /// Params added at the end (those given at claim time are already stored; a key given twice keeps the last value).
  public var params: [String: String]
  /// Scalar metrics (stored with step 0).
  public var metrics: [String: Double]
  /// Series points.
  public var series: [MetricPoint]
  public var tags: [String: String]
  /// Artifact paths relative to the store's directory.
  public var artifacts: [String]

  public init(
    runID: Int64, status: RunStatus, endTime: Date = Date(), error: String? = nil,
    params: [String: String] = [:], metrics: [String: Double] = [:], series: [MetricPoint] = [],
    tags: [String: String] = [:], artifacts: [String] = []
  ) {
    self.runID = runID
    self.status = status
    self.endTime = endTime
    self.error = error
    self.params = params
    self.metrics = metrics
    self.series = series
    self.tags = tags
    self.artifacts = artifacts
  }
}

/// The experiment row an upsert writes.
public struct ExperimentDefinition: Sendable, Hashable {
  /// `[A-Za-z0-9._-]+`, unique in the store.
  public var name: String
  public var task: String
  /// The experiment file's path as given on the command line (nil for programmatic experiments).
  public var filePath: String?
  /// The experiment file's text (YAML), kept so a report can show exactly what ran.
  public var spec: String
  /// Markdown notes from the file.
  public var notes: String
  /// Experiment tags (replaced key by key on upsert).
  public var tags: [String: String]
  /// The plan's trials (key and position): when given, replaces the recorded plan membership.
  public var plan: [PlanEntry]?
  /// The task's metric declarations and the experiment's selection: when given, replaces the recorded ones.
  public var metrics: MetricCatalog?

  public init(
    name: String, task: String, filePath: String? = nil, spec: String = "", notes: String = "",
    tags: [String: String] = [:], plan: [PlanEntry]? = nil, metrics: MetricCatalog? = nil
  ) {
    self.name = name
    self.task = task
    self.filePath = filePath
    self.spec = spec
    self.notes = notes
    self.tags = tags
    self.plan = plan
    self.metrics = metrics
  }
}

/// One trial of a plan: its key and its position.
public struct PlanEntry: Sendable, Hashable {
  public var key: String
  public var index: Int
  public init(key: String, index: Int) {
    self.key = key
    self.index = index
  }
}

/// The schema of a store as applied: migrations this build knows (applied and pending), migrations it does not know
/// (a newer Almanac wrote the store), and the version of the Almanac that last opened it for writing.
public struct SchemaStatus: Sendable, Hashable {
  public var applied: [String]
  public var pending: [String]
  public var unknown: [String]
  public var writtenBy: String?
  /// `2` for a store with both of today's migrations: the number of known migrations applied.
  public var version: Int { applied.count }
}

/// An experiment as stored.
public struct ExperimentRecord: Sendable, Hashable {
  public var id: Int64
  public var name: String
  public var task: String
  public var filePath: String?
  public var spec: String
  public var notes: String
  public var creationTime: Date
  public var lastUpdateTime: Date
  public var tags: [String: String]
}

/// One run with its params and scalar metrics (the rows of `almanac runs`).
public struct RunRecord: Sendable, Hashable {
  public var id: Int64
  public var experimentID: Int64
  public var trialKey: String
  public var trialIndex: Int
  public var status: RunStatus
  public var startTime: Date
  public var endTime: Date?
  public var error: String?
  public var seed: UInt64
  public var ownerHost: String
  public var ownerPID: Int32
  /// True when a later rerun replaced this FINISHED run.
  public var superseded: Bool
  public var params: [String: String]
  /// Scalar metrics; NaN where the stored value is NULL.
  public var metrics: [String: Double]

  public init(
    id: Int64, experimentID: Int64, trialKey: String, trialIndex: Int, status: RunStatus, startTime: Date,
    endTime: Date? = nil, error: String? = nil, seed: UInt64 = 0, ownerHost: String = "", ownerPID: Int32 = 0,
    superseded: Bool = false, params: [String: String] = [:], metrics: [String: Double] = [:]
  ) {
    self.id = id
    self.experimentID = experimentID
    self.trialKey = trialKey
    self.trialIndex = trialIndex
    self.status = status
    self.startTime = startTime
    self.endTime = endTime
    self.error = error
    self.seed = seed
    self.ownerHost = ownerHost
    self.ownerPID = ownerPID
    self.superseded = superseded
    self.params = params
    self.metrics = metrics
  }

  /// Wall-clock duration in seconds (nil while RUNNING).
  public var duration: Double? { endTime.map { $0.timeIntervalSince(startTime) } }
}

/// count/min/max/last of one series of a run. NaN points count but are ignored by min/max; `last` is the value at
/// the largest step (NaN if that point is NaN).
public struct SeriesSummary: Sendable, Hashable {
  public var key: String
  public var count: Int
  public var min: Double?
  public var max: Double?
  public var lastStep: Int
  public var last: Double

  /// The summary of `points` (sorted by step; the last point is the one at the largest step).
  public init(key: String, points: [MetricPoint]) {
    self.key = key
    count = points.count
    let finite = points.map(\.value).filter { !$0.isNaN }
    min = finite.min()
    max = finite.max()
    lastStep = points.last?.step ?? 0
    last = points.last?.value ?? .nan
  }
}

/// Everything about one run (`almanac show RUN`).
public struct RunDetail: Sendable {
  public var run: RunRecord
  public var experimentName: String
  public var series: [SeriesSummary]
  public var tags: [String: String]
  public var artifacts: [String]
}

/// Which runs a listing returns.
public struct RunQuery: Sendable {
  /// Runs of the experiment's current plan only (the plan recorded by the last `almanac run`; runs of trials whose
  /// axis value was edited away stay in the store), or every run.
  public enum Scope: Sendable, Hashable {
    case currentPlan
    case all
  }
  public var scope: Scope
  /// Only runs in these statuses (nil: any).
  public var statuses: Set<RunStatus>?
  /// A `--where` expression (see ``RunFilter``), or nil for all runs.
  public var filter: RunFilter?
  /// Sort field: a metric name, `params.x`, `tags.x` or an attribute; nil sorts by trial index.
  public var sort: RunSort?
  public var limit: Int?
  /// Include FINISHED runs that a rerun superseded (default false).
  public var includeSuperseded: Bool
  /// Only runs of these trial keys (nil: any). Applied in SQL, before sorting and the limit.
  public var trialKeys: Set<String>?

  public init(
    scope: Scope = .currentPlan, statuses: Set<RunStatus>? = nil, filter: RunFilter? = nil,
    sort: RunSort? = nil, limit: Int? = nil, includeSuperseded: Bool = false, trialKeys: Set<String>? = nil
  ) {
    self.scope = scope
    self.statuses = statuses
    self.filter = filter
    self.sort = sort
    self.limit = limit
    self.includeSuperseded = includeSuperseded
    self.trialKeys = trialKeys
  }
}
