import AlmanacCore
import Foundation
import GRDB

extension TagKey {
  /// Experiment tag of a shard store (`I/N`, written by `almanac run --shard`); a merge does not copy it.
  public static let shard = "almanac.shard"
}

/// A trial FINISHED in two places (two shards, or a shard and the target): the earliest run is kept as the trial's
/// result, the other is copied too but marked `superseded` (kept for the record, hidden from listings).
public struct MergeDuplicate: Sendable, Hashable, CustomStringConvertible {
  public var experiment: String
  public var trialKey: String
  /// The run id (in the merged store) that stays the trial's result.
  public var keptRunID: Int64
  /// The run id (in the merged store) marked superseded.
  public var supersededRunID: Int64

  public var description: String {
    "\(experiment) trial \(trialKey) FINISHED twice: kept run \(keptRunID) (the earliest), run \(supersededRunID) "
      + "marked superseded"
  }
}

/// What merging one shard store did.
public struct ShardMergeSummary: Sendable {
  public var shard: URL
  /// Experiments found in the shard, by name.
  public var experiments: [String] = []
  /// Runs copied into the target.
  public var runsCopied = 0
  /// Runs found already in the target (same experiment, trial key, start time and owner session): not copied again.
  public var runsAlreadyMerged = 0
  /// Runs still RUNNING in the shard (its runner was stopped, or is still going): not copied; run the shard again
  /// (it takes them over) and merge again.
  public var runsStillRunning = 0
  public var duplicates: [MergeDuplicate] = []
  public var params = 0
  /// Scalar metric rows plus series points copied.
  public var metricPoints = 0
  public var tags = 0
  public var artifacts = 0
  /// Artifact files copied beside the target (files missing in the shard are skipped).
  public var artifactFilesCopied = 0
  public var elapsed: TimeInterval = 0

  public init(shard: URL) { self.shard = shard }

  public var isEmpty: Bool { experiments.isEmpty }
}

/// Why a merge was refused. Nothing is written to the target when any shard is refused.
public enum MergeError: ClassifiedError, Sendable, Equatable {
  /// The shard is the target itself.
  case sameStore(path: String)
  /// The shard cannot be read as a store (not a database, damaged, truncated).
  case corruptShard(path: String, reason: String)
  /// The shard's experiment has another task or experiment-file text than the target's (or another shard's).
  case definitionDiffers(experiment: String, shard: String, other: String, what: String)
  /// The shard's plan membership differs from the target's (or another shard's).
  case planDiffers(experiment: String, shard: String, other: String, detail: String)
  /// The shard's schema is not this build's (older or newer Almanac).
  case schemaMismatch(path: String, reason: String)

  public var failureKind: FailureKind {
    switch self {
    case .corruptShard, .schemaMismatch: return .environment
    default: return .badInput
    }
  }

  public var description: String {
    switch self {
    case .sameStore(let path):
      return "cannot merge the store \(path) into itself"
    case .corruptShard(let path, let reason):
      return "the shard \(path) is not a readable Almanac store (\(reason)); nothing was merged: "
        + "run its shard again (`almanac run FILE --shard I/N`) or leave it out"
    case .definitionDiffers(let experiment, let shard, let other, let what):
      return "experiment '\(experiment)' in \(shard) has another \(what) than in \(other): shards of different "
        + "experiment files cannot be merged (nothing was merged)"
    case .planDiffers(let experiment, let shard, let other, let detail):
      return "experiment '\(experiment)' in \(shard) has another plan than in \(other) (\(detail)): shards of "
        + "different plans cannot be merged (nothing was merged)"
    case .schemaMismatch(let path, let reason):
      return "the shard \(path) \(reason); nothing was merged"
    }
  }
}

extension TrackingStore {
  /// What a shard holds about one experiment, read before anything is written.
  struct ShardExperiment {
    var shardID: Int64
    var name: String
    var task: String
    var spec: String
    var plan: [String: Int]
  }

  /// Merges shard stores into this store (see docs/cluster.md).
  ///
  /// Every shard is checked first (readable, sound by `PRAGMA quick_check`, this build's schema, and for every
  /// experiment the same task, experiment-file text and plan membership as the target and the other shards); if
  /// any is refused, nothing is written. Then each shard is copied in ONE IMMEDIATE transaction: experiments,
  /// experiment tags (not `almanac.shard` nor `best.*`, which are recomputed), plan membership, metric
  /// declarations, and every run that is not RUNNING with its params, metrics, series, tags and artifacts (and the
  /// artifact files when present).
  ///
  /// Idempotent: a run already in the target (same experiment, trial key, start time and owner session) is not
  /// copied again, so merging a shard twice changes nothing. A trial FINISHED in two places keeps the earliest run
  /// (by start time, then owner session) as its result; the other is copied with `superseded = 1` and reported in
  /// ``ShardMergeSummary/duplicates``.
  public func merge(shards: [URL]) throws -> [ShardMergeSummary] {
    guard access == .readWrite else { throw StoreError.readOnly(path: fileURL.path, reason: "opened read-only") }
    var known: [String: (source: String, experiment: ShardExperiment)] = [:]
    for (name, experiment) in try currentExperiments() { known[name] = (fileURL.path, experiment) }
    var checked: [(URL, [ShardExperiment])] = []
    for shard in shards {
      let url = shard.standardizedFileURL
      if Self.sameFile(url, fileURL) { throw MergeError.sameStore(path: url.path) }
      let experiments = try Self.readShard(url)
      for experiment in experiments {
        if let (source, other) = known[experiment.name] {
          try Self.compare(experiment, shard: url.path, with: other, source: source)
        } else {
          known[experiment.name] = (url.path, experiment)
        }
      }
      checked.append((url, experiments))
    }
    var summaries: [ShardMergeSummary] = []
    for (url, experiments) in checked {
      summaries.append(try mergeChecked(url, experiments: experiments))
    }
    // Leaders (`best.<metric>` tags) are recomputed for experiments that received runs.
    let changed = Set(zip(checked, summaries).filter { $0.1.runsCopied > 0 }.flatMap { $0.0.1.map(\.name) })
    for name in changed.sorted() {
      guard let experiment = try experiment(named: name) else { continue }
      try updateLeaders(experimentID: experiment.id, axes: try axes(experimentID: experiment.id))
    }
    return summaries
  }

  /// The experiments of this store as a merge compares them.
  func currentExperiments() throws -> [String: ShardExperiment] {
    try reading { db in try Self.experiments(db, schema: "main") }
  }

  static func experiments(_ db: Database, schema: String) throws -> [String: ShardExperiment] {
    var result: [String: ShardExperiment] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT experiment_id, name, task, spec FROM \(schema).experiments") {
      let id: Int64 = row["experiment_id"]
      var plan: [String: Int] = [:]
      for p in try Row.fetchAll(
        db, sql: "SELECT trial_key, trial_index FROM \(schema).plan_trials WHERE experiment_id = ?", arguments: [id])
      {
        plan[p["trial_key"]] = p["trial_index"]
      }
      let name: String = row["name"]
      result[name] = ShardExperiment(shardID: id, name: name, task: row["task"], spec: row["spec"], plan: plan)
    }
    return result
  }

  /// Opens a shard read-only and checks it; returns its experiments (none for an empty file or an empty store).
  static func readShard(_ url: URL) throws -> [ShardExperiment] {
    let path = url.path
    guard FileManager.default.fileExists(atPath: path) else {
      throw StoreError.cannotOpen(path: path, reason: "no such file")
    }
    var config = Configuration()
    config.readonly = true
    do {
      let queue = try DatabaseQueue(path: path, configuration: config)
      defer { try? queue.close() }
      return try queue.read { db -> [ShardExperiment] in
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard check == ["ok"] else {
          throw MergeError.corruptShard(path: path, reason: "quick_check: " + check.prefix(3).joined(separator: "; "))
        }
        guard try db.tableExists("experiments") else {
          let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
          if tables == 0 { return [] }  // an empty file: an empty shard
          throw MergeError.corruptShard(path: path, reason: "it has no Almanac tables")
        }
        let applied = try migrator.appliedIdentifiers(db)
        let known = migrator.migrations
        if let unknown = applied.first(where: { !known.contains($0) }) {
          throw MergeError.schemaMismatch(
            path: path, reason: "was written by a newer Almanac (migration '\(unknown)'): merge with that Almanac")
        }
        if let missing = known.first(where: { !applied.contains($0) }) {
          throw MergeError.schemaMismatch(
            path: path,
            reason: "was written by an older Almanac (missing migration '\(missing)'): open it once for writing "
              + "with this Almanac (for example `almanac run FILE --shard I/N`, which finds nothing left to do)")
        }
        return try experiments(db, schema: "main").values.sorted { $0.name < $1.name }
      }
    } catch let error as DatabaseError {
      throw MergeError.corruptShard(path: path, reason: error.message ?? "\(error.resultCode)")
    }
  }

  static func compare(_ experiment: ShardExperiment, shard: String, with other: ShardExperiment, source: String)
    throws
  {
    if experiment.task != other.task {
      throw MergeError.definitionDiffers(
        experiment: experiment.name, shard: shard, other: source,
        what: "task ('\(experiment.task)' vs '\(other.task)')")
    }
    if experiment.spec != other.spec {
      throw MergeError.definitionDiffers(
        experiment: experiment.name, shard: shard, other: source, what: "experiment file text")
    }
    guard !experiment.plan.isEmpty, !other.plan.isEmpty, experiment.plan != other.plan else { return }
    let onlyHere = experiment.plan.keys.filter { other.plan[$0] == nil }.count
    let onlyThere = other.plan.keys.filter { experiment.plan[$0] == nil }.count
    var parts = ["\(experiment.plan.count) vs \(other.plan.count) trials"]
    if onlyHere > 0 { parts.append("\(onlyHere) trials only in the shard") }
    if onlyThere > 0 { parts.append("\(onlyThere) trials only in the other") }
    let reordered = experiment.plan.filter { key, index in other.plan[key].map { $0 != index } ?? false }.count
    if reordered > 0 { parts.append("\(reordered) trials at another position") }
    throw MergeError.planDiffers(
      experiment: experiment.name, shard: shard, other: source, detail: parts.joined(separator: ", "))
  }

  static func sameFile(_ a: URL, _ b: URL) -> Bool {
    if a.standardizedFileURL.path == b.standardizedFileURL.path { return true }
    let fm = FileManager.default
    guard let x = try? fm.attributesOfItem(atPath: a.path), let y = try? fm.attributesOfItem(atPath: b.path) else {
      return false
    }
    return (x[.systemNumber] as? NSNumber) == (y[.systemNumber] as? NSNumber)
      && (x[.systemFileNumber] as? NSNumber) == (y[.systemFileNumber] as? NSNumber)
  }

  /// The sweep axes recorded on the experiment's runs (`almanac.axes`), for recomputing leaders.
  func axes(experimentID: Int64) throws -> [String] {
    try reading { db in
      let value = try String.fetchOne(
        db,
        sql: """
          SELECT t.value FROM tags t JOIN runs r ON r.run_id = t.run_id
          WHERE r.experiment_id = ? AND t.key = ? LIMIT 1
          """, arguments: [experimentID, TagKey.axes])
      return value.map { $0.split(separator: ",").map(String.init) } ?? []
    }
  }

  /// Copies one checked shard in one transaction.
  func mergeChecked(_ url: URL, experiments: [ShardExperiment]) throws -> ShardMergeSummary {
    var summary = ShardMergeSummary(shard: url)
    summary.experiments = experiments.map(\.name)
    let started = Date()
    guard !experiments.isEmpty else { return summary }
    var files: [(from: URL, to: URL)] = []
    let shardDirectory = url.deletingLastPathComponent()
    try writing { db in
      try db.execute(sql: "ATTACH DATABASE ? AS shard", arguments: [url.path])
      defer { try? db.execute(sql: "DETACH DATABASE shard") }
      try db.inTransaction(.immediate) {
        summary = ShardMergeSummary(shard: url)
        summary.experiments = experiments.map(\.name)
        files = []
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS merge_map (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)")
        for experiment in experiments {
          try db.execute(sql: "DELETE FROM temp.merge_map")
          let targetID = try Self.mergeExperiment(db, experiment)
          try Self.mergeRuns(db, experiment: experiment, targetID: targetID, summary: &summary)
          try Self.mergeChildren(db, summary: &summary)
          for (target, source) in try Self.mergeArtifacts(db, experiment: experiment.name, summary: &summary) {
            files.append((shardDirectory.appendingPathComponent(source), directory.appendingPathComponent(target)))
          }
        }
        try db.execute(sql: "DROP TABLE temp.merge_map")
        return .commit
      }
    }
    summary.artifactFilesCopied = Self.copyFiles(files)
    summary.elapsed = Date().timeIntervalSince(started)
    return summary
  }

  /// Creates or updates the target experiment and copies its tags, plan membership and metric declarations.
  static func mergeExperiment(_ db: Database, _ experiment: ShardExperiment) throws -> Int64 {
    try db.execute(
      sql: """
        INSERT INTO main.experiments (name, task, file_path, spec, notes, creation_time, last_update_time)
        SELECT name, task, file_path, spec, notes, creation_time, last_update_time FROM shard.experiments
        WHERE experiment_id = ?
        ON CONFLICT(name) DO UPDATE SET
          creation_time = min(creation_time, excluded.creation_time),
          last_update_time = max(last_update_time, excluded.last_update_time)
        """, arguments: [experiment.shardID])
    guard
      let id = try Int64.fetchOne(
        db, sql: "SELECT experiment_id FROM main.experiments WHERE name = ?", arguments: [experiment.name])
    else {
      throw StoreError.database(
        path: db.description, reason: "experiment \(experiment.name) was not found after its insert during a merge")
    }
    try db.execute(
      sql: """
        INSERT OR IGNORE INTO main.experiment_tags (experiment_id, key, value)
        SELECT ?, key, value FROM shard.experiment_tags
        WHERE experiment_id = ? AND key != ? AND key NOT LIKE 'best.%'
        """, arguments: [id, experiment.shardID, TagKey.shard])
    try db.execute(
      sql: """
        INSERT OR IGNORE INTO main.plan_trials (experiment_id, trial_key, trial_index)
        SELECT ?, trial_key, trial_index FROM shard.plan_trials WHERE experiment_id = ?
        """, arguments: [id, experiment.shardID])
    try db.execute(
      sql: """
        INSERT OR IGNORE INTO main.experiment_metrics (experiment_id, name, position, kind, goal, listed, help, selected)
        SELECT ?, name, position, kind, goal, listed, help, selected FROM shard.experiment_metrics
        WHERE experiment_id = ?
        """, arguments: [id, experiment.shardID])
    return id
  }

  /// Copies the shard's runs that are not RUNNING and not already in the target, filling `temp.merge_map`.
  static func mergeRuns(
    _ db: Database, experiment: ShardExperiment, targetID: Int64, summary: inout ShardMergeSummary
  ) throws {
    let existing = try db.cachedStatement(
      sql: """
        SELECT run_id, status, superseded, start_time, owner_session FROM main.runs
        WHERE experiment_id = ? AND trial_key = ?
        """)
    let supersede = try db.cachedStatement(sql: "UPDATE main.runs SET superseded = 1 WHERE run_id = ?")
    let insert = try db.cachedStatement(
      sql: """
        INSERT INTO main.runs (experiment_id, trial_key, trial_index, status, start_time, end_time, error, owner_host,
          owner_pid, owner_session, heartbeat, seed, superseded)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    let map = try db.cachedStatement(sql: "INSERT INTO temp.merge_map (src, dst) VALUES (?, ?)")
    let cursor = try Row.fetchCursor(
      db,
      sql: """
        SELECT run_id, trial_key, trial_index, status, start_time, end_time, error, owner_host, owner_pid,
          owner_session, heartbeat, seed, superseded
        FROM shard.runs WHERE experiment_id = ? ORDER BY start_time, run_id
        """, arguments: [experiment.shardID])
    while let run = try cursor.next() {
      let status: String = run["status"]
      if status == RunStatus.running.rawValue {
        summary.runsStillRunning += 1
        continue
      }
      let key: String = run["trial_key"]
      let start: Int64 = run["start_time"]
      let session: String = run["owner_session"]
      var superseded: Int = run["superseded"]
      var currentFinished: (id: Int64, start: Int64, session: String)?
      var runningInTarget = false
      var present = false
      for row in try Row.fetchAll(existing, arguments: [targetID, key]) {
        let rowStart: Int64 = row["start_time"]
        let rowSession: String = row["owner_session"]
        if rowStart == start && rowSession == session {
          present = true
          break
        }
        let rowStatus: String = row["status"]
        let rowSuperseded: Int = row["superseded"]
        guard rowSuperseded == 0 else { continue }
        if rowStatus == RunStatus.finished.rawValue { currentFinished = (row["run_id"], rowStart, rowSession) }
        if rowStatus == RunStatus.running.rawValue { runningInTarget = true }
      }
      if present {
        summary.runsAlreadyMerged += 1
        continue
      }
      var pendingDuplicate: (keepNew: Bool, other: Int64)?
      if status == RunStatus.finished.rawValue && superseded == 0 {
        if let current = currentFinished {
          let newIsEarlier = (start, session) < (current.start, current.session)
          if newIsEarlier {
            try supersede.execute(arguments: [current.id])
          } else {
            superseded = 1
          }
          pendingDuplicate = (newIsEarlier, current.id)
        } else if runningInTarget {
          superseded = 1
        }
      }
      try insert.execute(arguments: [
        targetID, key, run["trial_index"] as Int, status, start, run["end_time"] as Int64?, run["error"] as String?,
        run["owner_host"] as String, run["owner_pid"] as Int64, session, run["heartbeat"] as Int64,
        run["seed"] as String, superseded,
      ])
      let newID = db.lastInsertedRowID
      try map.execute(arguments: [run["run_id"] as Int64, newID])
      summary.runsCopied += 1
      if let duplicate = pendingDuplicate {
        summary.duplicates.append(
          MergeDuplicate(
            experiment: experiment.name, trialKey: key, keptRunID: duplicate.keepNew ? newID : duplicate.other,
            supersededRunID: duplicate.keepNew ? duplicate.other : newID))
      }
    }
  }

  /// Copies params, scalar metrics, series and tags of the mapped runs (bulk `INSERT ... SELECT`).
  static func mergeChildren(_ db: Database, summary: inout ShardMergeSummary) throws {
    try db.execute(
      sql: """
        INSERT OR REPLACE INTO main.params (run_id, key, value)
        SELECT m.dst, p.key, p.value FROM shard.params p JOIN temp.merge_map m ON m.src = p.run_id
        """)
    summary.params += db.changesCount
    try db.execute(
      sql: """
        INSERT INTO main.metrics (run_id, key, value, step, timestamp, is_series)
        SELECT m.dst, x.key, x.value, x.step, x.timestamp, x.is_series
        FROM shard.metrics x JOIN temp.merge_map m ON m.src = x.run_id
        """)
    summary.metricPoints += db.changesCount
    summary.metricPoints +=
      try Int.fetchOne(
        db, sql: "SELECT coalesce(sum(s.count), 0) FROM shard.series s JOIN temp.merge_map m ON m.src = s.run_id") ?? 0
    try db.execute(
      sql: """
        INSERT OR REPLACE INTO main.series (run_id, key, count, steps, vals, timestamp)
        SELECT m.dst, s.key, s.count, s.steps, s.vals, s.timestamp
        FROM shard.series s JOIN temp.merge_map m ON m.src = s.run_id
        """)
    try db.execute(
      sql: """
        INSERT OR REPLACE INTO main.tags (run_id, key, value)
        SELECT m.dst, t.key, t.value FROM shard.tags t JOIN temp.merge_map m ON m.src = t.run_id
        """)
    summary.tags += db.changesCount
  }

  /// Copies artifact rows, rewriting `artifacts/<experiment>/run-<src>/...` to the new run id. Returns
  /// (target path, shard path) of the files to copy.
  static func mergeArtifacts(_ db: Database, experiment: String, summary: inout ShardMergeSummary) throws
    -> [(target: String, source: String)]
  {
    let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO main.artifacts (run_id, path) VALUES (?, ?)")
    var files: [(target: String, source: String)] = []
    for row in try Row.fetchAll(
      db, sql: "SELECT m.src, m.dst, a.path FROM shard.artifacts a JOIN temp.merge_map m ON m.src = a.run_id")
    {
      let src: Int64 = row["src"]
      let dst: Int64 = row["dst"]
      let path: String = row["path"]
      let oldPrefix = "artifacts/\(experiment)/run-\(src)/"
      var newPath = path
      if path.hasPrefix(oldPrefix) {
        newPath = "artifacts/\(experiment)/run-\(dst)/" + path.dropFirst(oldPrefix.count)
        files.append((newPath, path))
      }
      try insert.execute(arguments: [dst, newPath])
      summary.artifacts += db.changesCount
    }
    return files
  }

  /// Copies artifact files that exist in the shard and not yet beside the target; returns how many were copied.
  static func copyFiles(_ files: [(from: URL, to: URL)]) -> Int {
    let fm = FileManager.default
    var copied = 0
    for (from, to) in files where fm.fileExists(atPath: from.path) && !fm.fileExists(atPath: to.path) {
      do {
        try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(at: from, to: to)
        copied += 1
      } catch {
        continue
      }
    }
    return copied
  }

  // MARK: Shard progress

  /// Progress of one experiment in a store: trials of the recorded plan, and how many of them have a current
  /// FINISHED run, a FAILED or KILLED last run, or a RUNNING run (`almanac slurm status`).
  public func planProgress(experimentNamed name: String, keys: Set<String>? = nil) throws -> PlanProgress? {
    try reading { db in
      guard
        let id = try Int64.fetchOne(db, sql: "SELECT experiment_id FROM experiments WHERE name = ?", arguments: [name])
      else { return nil }
      var progress = PlanProgress()
      let plan = Set(
        try String.fetchAll(db, sql: "SELECT trial_key FROM plan_trials WHERE experiment_id = ?", arguments: [id]))
      let wanted = keys ?? plan
      progress.trials = wanted.count
      var state: [String: String] = [:]
      for row in try Row.fetchAll(
        db,
        sql:
          "SELECT trial_key, status FROM runs WHERE experiment_id = ? AND superseded = 0 ORDER BY start_time, run_id",
        arguments: [id])
      {
        let key: String = row["trial_key"]
        guard wanted.contains(key) else { continue }
        let status: String = row["status"]
        if state[key] == RunStatus.finished.rawValue { continue }
        state[key] = status
      }
      for status in state.values {
        switch status {
        case RunStatus.finished.rawValue: progress.finished += 1
        case RunStatus.running.rawValue: progress.running += 1
        case RunStatus.failed.rawValue: progress.failed += 1
        default: progress.killed += 1
        }
      }
      progress.finishedTwice =
        try Int.fetchOne(
          db,
          sql: """
            SELECT count(*) FROM (SELECT trial_key FROM runs WHERE experiment_id = ? AND status = 'FINISHED'
            AND superseded = 0 GROUP BY trial_key HAVING count(*) > 1)
            """, arguments: [id]) ?? 0
      return progress
    }
  }
}

/// Counts of a plan's trials by the state of their latest run (a FINISHED run wins).
public struct PlanProgress: Sendable, Hashable {
  public var trials = 0
  public var finished = 0
  public var failed = 0
  public var killed = 0
  public var running = 0
  /// Trials with more than one current FINISHED run (never, given the store's unique index).
  public var finishedTwice = 0
  public init() {}
  /// Trials with no run yet.
  public var notStarted: Int { max(0, trials - finished - failed - killed - running) }
}
