import Foundation
import GRDB

extension TrackingStore {
  // MARK: Experiments

  /// Creates the experiment named `definition.name`, or updates its task, file path, spec, notes and tags, and (when
  /// given) its plan membership and metric declarations, in one transaction. Returns its id. Throws ``TrackingError/invalidExperimentName(_:)`` unless the name matches `[A-Za-z0-9._-]+`.
  @discardableResult
  public func upsertExperiment(_ definition: ExperimentDefinition, now: Date = Date()) throws -> Int64 {
    guard Self.isValidExperimentName(definition.name) else {
      throw TrackingError.invalidExperimentName(definition.name)
    }
    let ms = Self.millis(now)
    return try writing { db in
      var id: Int64 = 0
      try db.inTransaction(.immediate) {
        let row = try Row.fetchOne(
          db,
          sql: """
            INSERT INTO experiments (name, task, file_path, spec, notes, creation_time, last_update_time)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET task = excluded.task, file_path = excluded.file_path,
              spec = excluded.spec, notes = excluded.notes, last_update_time = excluded.last_update_time
            RETURNING experiment_id
            """,
          arguments: [definition.name, definition.task, definition.filePath, definition.spec, definition.notes, ms, ms])
        id = row?["experiment_id"] ?? 0
        for (key, value) in definition.tags.sorted(by: { $0.key < $1.key }) {
          try db.execute(
            sql: "INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)",
            arguments: [id, key, value])
        }
        if let plan = definition.plan { try Self.replacePlan(db, experimentID: id, plan: plan) }
        if let metrics = definition.metrics { try Self.replaceMetrics(db, experimentID: id, catalog: metrics) }
        return .commit
      }
      return id
    }
  }

  /// Replaces the plan membership: deletes keys no longer in the plan and inserts new ones (unchanged keys are not
  /// rewritten, so re-recording a large plan costs a read, not a rewrite).
  static func replacePlan(_ db: Database, experimentID: Int64, plan: [PlanEntry]) throws {
    var recorded: [String: Int] = [:]
    for row in try Row.fetchAll(
      db, sql: "SELECT trial_key, trial_index FROM plan_trials WHERE experiment_id = ?", arguments: [experimentID])
    {
      recorded[row["trial_key"]] = row["trial_index"]
    }
    var wanted: [String: Int] = [:]
    for entry in plan where wanted[entry.key] == nil { wanted[entry.key] = entry.index }
    let delete = try db.cachedStatement(sql: "DELETE FROM plan_trials WHERE experiment_id = ? AND trial_key = ?")
    for key in recorded.keys where wanted[key] == nil { try delete.execute(arguments: [experimentID, key]) }
    let upsert = try db.cachedStatement(
      sql: "INSERT OR REPLACE INTO plan_trials (experiment_id, trial_key, trial_index) VALUES (?, ?, ?)")
    for (key, index) in wanted where recorded[key] != index {
      try upsert.execute(arguments: [experimentID, key, index])
    }
  }

  /// Replaces the experiment's metric declarations and selection.
  static func replaceMetrics(_ db: Database, experimentID: Int64, catalog: MetricCatalog) throws {
    try db.execute(sql: "DELETE FROM experiment_metrics WHERE experiment_id = ?", arguments: [experimentID])
    let insert = try db.cachedStatement(
      sql: """
        INSERT OR REPLACE INTO experiment_metrics (experiment_id, name, position, kind, goal, listed, help, selected)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """)
    let selected = Dictionary(catalog.selected.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    var names = Set<String>()
    for (position, declaration) in catalog.declared.enumerated() where names.insert(declaration.name).inserted {
      try insert.execute(arguments: [
        experimentID, declaration.name, position, declaration.kind.rawValue, declaration.goal?.rawValue,
        declaration.listed, declaration.help, selected[declaration.name],
      ])
    }
    // Selected names the task does not declare are kept (unranked) so the selection survives.
    for (rank, name) in catalog.selected.enumerated() where names.insert(name).inserted {
      try insert.execute(arguments: [experimentID, name, catalog.declared.count + rank, "scalar", nil, false, "", rank])
    }
  }

  /// The experiment's recorded metric declarations and selection (empty when none were recorded).
  public func metricCatalog(experimentID: Int64) throws -> MetricCatalog {
    try reading { db in
      var declared: [MetricDeclaration] = []
      var selected: [(Int, String)] = []
      for row in try Row.fetchAll(
        db, sql: "SELECT * FROM experiment_metrics WHERE experiment_id = ? ORDER BY position",
        arguments: [experimentID])
      {
        let name: String = row["name"]
        let goal: String? = row["goal"]
        declared.append(
          MetricDeclaration(
            name, MetricKind(rawValue: row["kind"]) ?? .scalar, goal: goal.flatMap(MetricGoal.init(rawValue:)),
            listed: row["listed"], help: row["help"]))
        if let rank: Int = row["selected"] { selected.append((rank, name)) }
      }
      return MetricCatalog(declared: declared, selected: selected.sorted { $0.0 < $1.0 }.map(\.1))
    }
  }

  /// The trial keys of the experiment's recorded plan, in plan order (empty when none was recorded).
  public func planKeys(experimentID: Int64) throws -> [String] {
    try reading { db in
      try String.fetchAll(
        db, sql: "SELECT trial_key FROM plan_trials WHERE experiment_id = ? ORDER BY trial_index, trial_key",
        arguments: [experimentID])
    }
  }

  /// True for names made of `[A-Za-z0-9._-]`, at least one character, other than `.` and `..` (the name is also a
  /// directory name under `artifacts/`).
  public static func isValidExperimentName(_ name: String) -> Bool {
    !name.isEmpty && name != "." && name != ".."
      && name.utf8.allSatisfy { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F
          || c == 0x2D
      }
  }

  // MARK: Claims

  /// Claims trials for `owner` in one IMMEDIATE transaction, walking `trials` in order until `limit` runs are claimed.
  ///
  /// For each trial key, looking at its current run (RUNNING, or FINISHED and not superseded):
  /// - none: a new RUNNING run is inserted (with the trial's params) and returned in ``ClaimResult/claimed``;
  /// - FINISHED: skipped (``ClaimResult/alreadyFinished``), unless `rerun` is true and the run belongs to another
  ///   session: then the old run is marked superseded (it stays FINISHED with its results, but no longer counts as the
  ///   trial's result and is hidden from listings by default) and a new run is claimed;
  /// - RUNNING under a live owner (including this session): skipped (``ClaimResult/runningElsewhere``);
  /// - RUNNING under a dead owner: that run is marked KILLED with the reason in `error`, and the trial is claimed.
  ///
  /// An owner is dead when its heartbeat is older than `staleAfter` seconds, or when it is on this host, is not this
  /// process, and `kill(pid, 0)` reports no such process.
  public func claim(
    experimentID: Int64, trials: [TrialClaim], owner: RunOwner, rerun: Bool = false, limit: Int = .max,
    staleAfter: TimeInterval = 120, now: Date = Date()
  ) throws -> ClaimResult {
    let ms = Self.millis(now)
    let staleBefore = ms - Int64(staleAfter * 1000)
    return try writing { db in
      var result = ClaimResult()
      try db.inTransaction(.immediate) {
        result = ClaimResult()
        let current = try db.cachedStatement(
          sql: """
            SELECT run_id, status, owner_host, owner_pid, owner_session, heartbeat FROM runs
            WHERE experiment_id = ? AND trial_key = ? AND superseded = 0 AND status IN ('RUNNING', 'FINISHED')
            """)
        let supersede = try db.cachedStatement(sql: "UPDATE runs SET superseded = 1 WHERE run_id = ?")
        let kill = try db.cachedStatement(
          sql: "UPDATE runs SET status = 'KILLED', end_time = ?, error = ? WHERE run_id = ? AND status = 'RUNNING'")
        let insert = try db.cachedStatement(
          sql: """
            INSERT INTO runs (experiment_id, trial_key, trial_index, status, start_time, owner_host, owner_pid,
              owner_session, heartbeat, seed)
            VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)
            """)
        let param = try db.cachedStatement(sql: "INSERT OR REPLACE INTO params (run_id, key, value) VALUES (?, ?, ?)")
        for trial in trials {
          if result.claimed.count >= limit { break }
          result.examined += 1
          if let row = try Row.fetchOne(current, arguments: [experimentID, trial.key]) {
            let runID: Int64 = row["run_id"]
            let status: String = row["status"]
            let session: String = row["owner_session"]
            if status == RunStatus.finished.rawValue {
              guard rerun, session != owner.session else {
                result.alreadyFinished.append(trial.key)
                continue
              }
              try supersede.execute(arguments: [runID])
              result.supersededRunIDs.append(runID)
            } else {
              let host: String = row["owner_host"]
              let pid: Int32 = row["owner_pid"]
              let heartbeat: Int64 = row["heartbeat"]
              if session == owner.session
                || Self.ownerIsAlive(host: host, pid: pid, heartbeat: heartbeat, staleBefore: staleBefore, me: owner)
              {
                result.runningElsewhere.append(trial.key)
                continue
              }
              let reason = "owner \(host) pid \(pid) is gone; trial reclaimed by \(owner.host) pid \(owner.pid)"
              try kill.execute(arguments: [ms, reason, runID])
              result.reclaimedRunIDs.append(runID)
            }
          }
          try insert.execute(arguments: [
            experimentID, trial.key, trial.index, ms, owner.host, owner.pid, owner.session, ms, String(trial.seed),
          ])
          let runID = db.lastInsertedRowID
          for (key, value) in trial.params {
            try param.execute(arguments: [runID, key, value])
          }
          result.claimed.append(ClaimedRun(runID: runID, key: trial.key, index: trial.index, seed: trial.seed))
        }
        return .commit
      }
      return result
    }
  }

  /// Whether the owner of a RUNNING row is alive: heartbeat not stale, and, on this host, the process exists.
  static func ownerIsAlive(host: String, pid: Int32, heartbeat: Int64, staleBefore: Int64, me: RunOwner) -> Bool {
    if heartbeat < staleBefore { return false }
    guard host == me.host, pid != me.pid else { return true }
    return processExists(pid)
  }

  /// `kill(pid, 0)`: true when the process exists (EPERM also means it exists, owned by another user).
  public static func processExists(_ pid: Int32) -> Bool {
    guard pid > 0 else { return false }
    if kill(pid, 0) == 0 { return true }
    return errno == EPERM
  }

  /// Refreshes the heartbeat of every RUNNING run of `owner` (its session). Returns the number of runs touched.
  @discardableResult
  public func heartbeat(owner: RunOwner, now: Date = Date()) throws -> Int {
    try writing { db in
      var count = 0
      try db.inTransaction(.immediate) {
        try db.execute(
          sql: "UPDATE runs SET heartbeat = ? WHERE status = 'RUNNING' AND owner_session = ?",
          arguments: [Self.millis(now), owner.session])
        count = db.changesCount
        return .commit
      }
      return count
    }
  }

  /// Marks RUNNING runs KILLED (runs in any other state are left alone). Returns the number of runs changed.
  @discardableResult
  public func markKilled(_ runIDs: [Int64], reason: String = "interrupted", now: Date = Date()) throws -> Int {
    guard !runIDs.isEmpty else { return 0 }
    return try writing { db in
      var count = 0
      try db.inTransaction(.immediate) {
        count = 0
        let kill = try db.cachedStatement(
          sql: "UPDATE runs SET status = 'KILLED', end_time = ?, error = ? WHERE run_id = ? AND status = 'RUNNING'")
        for id in runIDs {
          try kill.execute(arguments: [Self.millis(now), reason, id])
          count += db.changesCount
        }
        return .commit
      }
      return count
    }
  }
}
