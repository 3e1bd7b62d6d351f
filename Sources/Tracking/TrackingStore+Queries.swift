import Foundation
import GRDB

extension TrackingStore {
  // MARK: Experiments

  /// The experiment named `name`, or nil.
  public func experiment(named name: String) throws -> ExperimentRecord? {
    try reading { db in
      guard let row = try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE name = ?", arguments: [name]) else {
        return nil
      }
      return try Self.experiment(row, db)
    }
  }

  /// The experiment named `name`; throws ``TrackingError/unknownExperiment(name:store:known:)`` (listing the
  /// store's experiments) when there is none.
  public func requireExperiment(named name: String) throws -> ExperimentRecord {
    if let record = try experiment(named: name) { return record }
    throw TrackingError.unknownExperiment(name: name, store: fileURL.path, known: try experiments().map(\.name))
  }

  /// Every experiment, by name.
  public func experiments() throws -> [ExperimentRecord] {
    try reading { db in
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
    try reading { db in
      Set(
        try String.fetchAll(
          db,
          sql: "SELECT trial_key FROM runs WHERE experiment_id = ? AND status = 'FINISHED' AND superseded = 0",
          arguments: [experimentID]))
    }
  }

  /// Number of runs of an experiment in each status (superseded runs excluded).
  public func statusCounts(experimentID: Int64) throws -> [RunStatus: Int] {
    try reading { db in
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
  /// run id) and limited as `query` says. Scope, status and trial keys apply in SQL, before sorting and the limit.
  public func runs(experimentID: Int64, query: RunQuery = RunQuery()) throws -> [RunRecord] {
    var sql = "SELECT runs.* FROM runs WHERE runs.experiment_id = ?"
    var arguments: [SQLArgument] = [.integer(experimentID)]
    if !query.includeSuperseded { sql += " AND runs.superseded = 0" }
    if query.scope == .currentPlan {
      // An experiment without a recorded plan (programmatic runs) has no restriction.
      sql += """
         AND (NOT EXISTS (SELECT 1 FROM plan_trials p WHERE p.experiment_id = runs.experiment_id)
              OR EXISTS (SELECT 1 FROM plan_trials p WHERE p.experiment_id = runs.experiment_id
                                                       AND p.trial_key = runs.trial_key))
        """
    }
    if let statuses = query.statuses {
      sql += " AND runs.status IN (SELECT value FROM json_each(?))"
      let json = try JSONSerialization.data(withJSONObject: statuses.map(\.rawValue).sorted())
      arguments.append(.text(String(decoding: json, as: UTF8.self)))
    }
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
    return try reading { db in
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
    try reading { db in
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
      for row in try Row.fetchAll(
        db, sql: "SELECT key, steps, vals FROM series WHERE run_id = ? ORDER BY key", arguments: [id])
      {
        let points = SeriesCodec.points(key: row["key"], steps: row["steps"], values: row["vals"])
        series.append(SeriesSummary(key: row["key"], points: points))
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

  /// The points of one series of a run, by step (NaN where NaN); empty when the run has no such series.
  public func series(runID: Int64, key: String) throws -> [MetricPoint] {
    try reading { db in
      guard
        let row = try Row.fetchOne(
          db, sql: "SELECT steps, vals FROM series WHERE run_id = ? AND key = ?", arguments: [runID, key])
      else { return [] }
      return SeriesCodec.points(key: key, steps: row["steps"], values: row["vals"])
    }
  }

  /// Every series of the given runs, by run id and key, each sorted by step.
  public func series(runIDs: [Int64]) throws -> [Int64: [String: [MetricPoint]]] {
    guard !runIDs.isEmpty else { return [:] }
    let json = String(decoding: try JSONSerialization.data(withJSONObject: runIDs), as: UTF8.self)
    return try reading { db in
      var out: [Int64: [String: [MetricPoint]]] = [:]
      let rows = try Row.fetchCursor(
        db, sql: "SELECT run_id, key, steps, vals FROM series WHERE run_id IN (SELECT value FROM json_each(?))",
        arguments: [json])
      while let row = try rows.next() {
        let key: String = row["key"]
        out[row["run_id"], default: [:]][key] = SeriesCodec.points(key: key, steps: row["steps"], values: row["vals"])
      }
      return out
    }
  }

  /// The tags of the given runs, by run id, without `almanac.log` (unless `includeLog`).
  public func tags(runIDs: [Int64], includeLog: Bool = false) throws -> [Int64: [String: String]] {
    guard !runIDs.isEmpty else { return [:] }
    let json = String(decoding: try JSONSerialization.data(withJSONObject: runIDs), as: UTF8.self)
    return try reading { db in
      var out: [Int64: [String: String]] = [:]
      let rows = try Row.fetchCursor(
        db,
        sql: "SELECT run_id, key, value FROM tags WHERE run_id IN (SELECT value FROM json_each(?))"
          + (includeLog ? "" : " AND key != ?"),
        arguments: includeLog ? [json] : [json, TagKey.log])
      while let row = try rows.next() { out[row["run_id"], default: [:]][row["key"]] = row["value"] }
      return out
    }
  }
}
