import Foundation
import GRDB

extension TrackingStore {
  // MARK: Experiments

  /// The experiment named `name`, or nil.
  public func experiment(named name: String) throws -> ExperimentRecord? {
    try pool.read { db in
      guard let row = try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE name = ?", arguments: [name]) else {
        return nil
      }
      return try Self.experiment(row, db)
    }
  }

  /// The experiment with id `id`, or nil.
  public func experiment(id: Int64) throws -> ExperimentRecord? {
    try pool.read { db in
      guard let row = try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE experiment_id = ?", arguments: [id])
      else { return nil }
      return try Self.experiment(row, db)
    }
  }

  /// Every experiment, by name.
  public func experiments() throws -> [ExperimentRecord] {
    try pool.read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM experiments ORDER BY name").map { try Self.experiment($0, db) }
    }
  }

  static func experiment(_ row: Row, _ db: Database) throws -> ExperimentRecord {
    let id: Int64 = row["experiment_id"]
    var tags: [String: String] = [:]
    for tagRow in try Row.fetchAll(
      db, sql: "SELECT key, value FROM experiment_tags WHERE experiment_id = ?", arguments: [id])
    {
      tags[tagRow["key"]] = tagRow["value"]
    }
    return ExperimentRecord(
      id: id, name: row["name"], task: row["task"], filePath: row["file_path"], spec: row["spec"],
      notes: row["notes"], creationTime: date(millis: row["creation_time"]),
      lastUpdateTime: date(millis: row["last_update_time"]), tags: tags)
  }

  // MARK: Runs

  /// Keys of the trials that have a current FINISHED run.
  public func finishedKeys(experimentID: Int64) throws -> Set<String> {
    try pool.read { db in
      Set(
        try String.fetchAll(
          db,
          sql: "SELECT trial_key FROM runs WHERE experiment_id = ? AND status = 'FINISHED' AND superseded = 0",
          arguments: [experimentID]))
    }
  }

  /// Number of runs of an experiment in each status (superseded runs excluded).
  public func statusCounts(experimentID: Int64) throws -> [RunStatus: Int] {
    try pool.read { db in
      var counts: [RunStatus: Int] = [:]
      for row in try Row.fetchAll(
        db,
        sql: "SELECT status, COUNT(*) AS n FROM runs WHERE experiment_id = ? AND superseded = 0 GROUP BY status",
        arguments: [experimentID])
      {
        if let status = RunStatus(rawValue: row["status"]) { counts[status] = row["n"] }
      }
      return counts
    }
  }

  /// The runs of an experiment with their params and scalar metrics, filtered, sorted (default: trial index, then
  /// run id) and limited as `query` says.
  public func runs(experimentID: Int64, query: RunQuery = RunQuery()) throws -> [RunRecord] {
    var sql = "SELECT runs.* FROM runs WHERE runs.experiment_id = ?"
    var arguments: [SQLArgument] = [.integer(experimentID)]
    if !query.includeSuperseded { sql += " AND runs.superseded = 0" }
    if let keys = query.trialKeys {
      // One bound JSON array, however many keys: never pasted into the SQL.
      sql += " AND runs.trial_key IN (SELECT value FROM json_each(?))"
      let json = try JSONSerialization.data(withJSONObject: keys.sorted())
      arguments.append(.text(String(decoding: json, as: UTF8.self)))
    }
    if let filter = query.filter {
      sql += " AND (\(filter.sql))"
      arguments += filter.arguments
    }
    if let sort = query.sort {
      sql += " ORDER BY \(sort.orderBy)"
      arguments += sort.orderByArguments
    } else {
      sql += " ORDER BY runs.trial_index, runs.run_id"
    }
    if let limit = query.limit {
      sql += " LIMIT ?"
      arguments.append(.integer(Int64(max(0, limit))))
    }
    let statementArguments = StatementArguments(arguments.map(\.databaseValue))
    return try pool.read { db in
      let rows = try Row.fetchAll(db, sql: sql, arguments: statementArguments)
      var runs = rows.map(Self.run)
      guard !runs.isEmpty else { return runs }
      var position: [Int64: Int] = [:]
      for (i, run) in runs.enumerated() { position[run.id] = i }
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT p.run_id, p.key, p.value FROM params p JOIN runs r ON r.run_id = p.run_id
          WHERE r.experiment_id = ?
          """, arguments: [experimentID])
      {
        if let i = position[row["run_id"]] { runs[i].params[row["key"]] = row["value"] }
      }
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT m.run_id, m.key, m.value FROM metrics m JOIN runs r ON r.run_id = m.run_id
          WHERE r.experiment_id = ? AND m.is_series = 0 ORDER BY m.step
          """, arguments: [experimentID])
      {
        if let i = position[row["run_id"]] {
          let value: Double? = row["value"]
          runs[i].metrics[row["key"]] = value ?? .nan
        }
      }
      return runs
    }
  }

  static func run(_ row: Row) -> RunRecord {
    let end: Int64? = row["end_time"]
    let statusText: String = row["status"]
    let seedText: String = row["seed"]
    let superseded: Int = row["superseded"]
    return RunRecord(
      id: row["run_id"], experimentID: row["experiment_id"], trialKey: row["trial_key"],
      trialIndex: row["trial_index"], status: RunStatus(rawValue: statusText) ?? .killed,
      startTime: date(millis: row["start_time"]), endTime: end.map(date(millis:)), error: row["error"],
      seed: UInt64(seedText) ?? 0, ownerHost: row["owner_host"], ownerPID: row["owner_pid"],
      superseded: superseded != 0, params: [:], metrics: [:])
  }

  /// Everything about one run, or nil when there is no such run.
  public func runDetail(id: Int64) throws -> RunDetail? {
    try pool.read { db in
      guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE run_id = ?", arguments: [id]) else {
        return nil
      }
      var run = Self.run(row)
      let experimentName =
        try String.fetchOne(
          db, sql: "SELECT name FROM experiments WHERE experiment_id = ?", arguments: [run.experimentID]) ?? ""
      for p in try Row.fetchAll(db, sql: "SELECT key, value FROM params WHERE run_id = ?", arguments: [id]) {
        run.params[p["key"]] = p["value"]
      }
      for m in try Row.fetchAll(
        db, sql: "SELECT key, value FROM metrics WHERE run_id = ? AND is_series = 0 ORDER BY step", arguments: [id])
      {
        let value: Double? = m["value"]
        run.metrics[m["key"]] = value ?? .nan
      }
      var series: [SeriesSummary] = []
      for s in try Row.fetchAll(
        db,
        sql: """
          SELECT key, COUNT(*) AS n, MIN(value) AS lo, MAX(value) AS hi, MAX(step) AS last_step,
            (SELECT m2.value FROM metrics m2 WHERE m2.run_id = m.run_id AND m2.is_series = 1 AND m2.key = m.key
             ORDER BY m2.step DESC, m2.rowid DESC LIMIT 1) AS last
          FROM metrics m WHERE run_id = ? AND is_series = 1 GROUP BY key ORDER BY key
          """, arguments: [id])
      {
        let last: Double? = s["last"]
        series.append(
          SeriesSummary(
            key: s["key"], count: s["n"], min: s["lo"], max: s["hi"], lastStep: s["last_step"], last: last ?? .nan))
      }
      var tags: [String: String] = [:]
      for t in try Row.fetchAll(db, sql: "SELECT key, value FROM tags WHERE run_id = ?", arguments: [id]) {
        tags[t["key"]] = t["value"]
      }
      let artifacts = try String.fetchAll(
        db, sql: "SELECT path FROM artifacts WHERE run_id = ? ORDER BY path", arguments: [id])
      return RunDetail(run: run, experimentName: experimentName, series: series, tags: tags, artifacts: artifacts)
    }
  }

  /// The points of one series of a run, by step (NaN where NULL).
  public func series(runID: Int64, key: String) throws -> [MetricPoint] {
    try pool.read { db in
      try Row.fetchAll(
        db, sql: "SELECT step, value FROM metrics WHERE run_id = ? AND is_series = 1 AND key = ? ORDER BY step, rowid",
        arguments: [runID, key]
      ).map { row in
        let value: Double? = row["value"]
        return MetricPoint(key: key, step: row["step"], value: value ?? .nan)
      }
    }
  }
}
