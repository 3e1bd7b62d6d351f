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

  public init(
    name: String, task: String, filePath: String? = nil, spec: String = "", notes: String = "",
    tags: [String: String] = [:]
  ) {
    self.name = name
    self.task = task
    self.filePath = filePath
    self.spec = spec
    self.notes = notes
    self.tags = tags
  }
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
  /// A `--where` expression (see ``RunFilter``), or nil for all runs.
  public var filter: RunFilter?
  /// Sort field: a metric name, `params.x`, `tags.x` or an attribute; nil sorts by trial index.
  public var sort: RunSort?
  public var limit: Int?
  /// Include FINISHED runs that a rerun superseded (default false).
  public var includeSuperseded: Bool
  /// Only runs of these trial keys (nil: any). Applied in SQL, before sorting and the limit.
  public var trialKeys: Set<String>?

  public init(filter: RunFilter? = nil, sort: RunSort? = nil, limit: Int? = nil, includeSuperseded: Bool = false,
              trialKeys: Set<String>? = nil)
  {
    self.filter = filter
    self.sort = sort
    self.limit = limit
    self.includeSuperseded = includeSuperseded
    self.trialKeys = trialKeys
  }
}

/// Errors of the store other than SQLite's own.
public enum TrackingError: Error, CustomStringConvertible, Sendable {
  case invalidExperimentName(String)
  case unknownExperiment(String)
  case unknownRun(Int64)
  case invalidStatus(String)

  public var description: String {
    switch self {
    case .invalidExperimentName(let n):
      return "error: invalid experiment name '\(n)': expected letters, digits, '.', '_' or '-'"
    case .unknownExperiment(let n): return "error: no experiment named '\(n)' in the store"
    case .unknownRun(let id): return "error: no run with id \(id) in the store"
    case .invalidStatus(let s): return "error: invalid run status \(s)"
    }
  }
}
