import Foundation
import GRDB

extension TrackingStore {
  /// The schema, created and upgraded only by these migrations (never edit a shipped one; add a new one).
  ///
  /// Times are INTEGER milliseconds since 1970 (as in MLflow). Seeds are TEXT decimal strings (a UInt64 does not fit
  /// SQLite's signed INTEGER). Metric values are REAL with NULL for NaN; `is_series` tells scalars (step 0) from
  /// series points.
  ///
  /// A trial is claimed by inserting a RUNNING row; the unique partial index
  /// `runs_current_trial` on `(experiment_id, trial_key) WHERE status IN ('RUNNING','FINISHED') AND superseded = 0`
  /// makes it impossible for a trial to be RUNNING or FINISHED twice. `superseded = 1` marks a FINISHED run that a
  /// rerun replaced: it keeps its status and results for the record but no longer counts as the trial's result.
  public static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration(Self.firstMigration) { db in
      try db.execute(
        sql: """
          CREATE TABLE experiments (
            experiment_id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            task TEXT NOT NULL,
            file_path TEXT,
            spec TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            creation_time INTEGER NOT NULL,
            last_update_time INTEGER NOT NULL
          );
          CREATE TABLE experiment_tags (
            experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (experiment_id, key)
          );
          CREATE TABLE runs (
            run_id INTEGER PRIMARY KEY AUTOINCREMENT,
            experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
            trial_key TEXT NOT NULL,
            trial_index INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
            start_time INTEGER NOT NULL,
            end_time INTEGER,
            error TEXT,
            owner_host TEXT NOT NULL,
            owner_pid INTEGER NOT NULL,
            owner_session TEXT NOT NULL,
            heartbeat INTEGER NOT NULL,
            seed TEXT NOT NULL,
            superseded INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1))
          );
          CREATE UNIQUE INDEX runs_current_trial ON runs(experiment_id, trial_key)
            WHERE status IN ('RUNNING', 'FINISHED') AND superseded = 0;
          CREATE INDEX runs_by_experiment ON runs(experiment_id, trial_key);
          CREATE INDEX runs_running ON runs(status, owner_session) WHERE status = 'RUNNING';
          CREATE TABLE params (
            run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run_id, key)
          ) WITHOUT ROWID;
          CREATE TABLE metrics (
            run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value REAL,
            step INTEGER NOT NULL DEFAULT 0,
            timestamp INTEGER NOT NULL,
            is_series INTEGER NOT NULL DEFAULT 0 CHECK (is_series IN (0, 1))
          );
          CREATE INDEX metrics_by_run ON metrics(run_id, is_series, key, step);
          CREATE TABLE tags (
            run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run_id, key)
          ) WITHOUT ROWID;
          CREATE TABLE artifacts (
            run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            PRIMARY KEY (run_id, path)
          ) WITHOUT ROWID;
          """)
    }
    migrator.registerMigration(Self.planTablesMigration) { db in
      try Self.migrateToV2(db)
    }
    return migrator
  }

  /// The second migration's identifier (tests migrate a store up to the first one to play an old store).
  static let planTablesMigration = "v2: plan membership, metric declarations, series blobs, store meta"
  /// The first migration's identifier.
  public static let firstMigration = "v1: MLflow-shaped tracking schema"

  /// v2: plan membership becomes a table (it was the comma-joined `almanac.plan_keys` experiment tag), the task's
  /// metric declarations are recorded per experiment (the `almanac.metrics` tag becomes the `selected` column),
  /// series move to one row per series with packed steps and values (so a finished trial is durable in one small
  /// write whatever its series' length), and `store_meta` records the Almanac version that last wrote the file.
  static func migrateToV2(_ db: Database) throws {
    try db.execute(
      sql: """
        CREATE TABLE plan_trials (
          experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
          trial_key TEXT NOT NULL,
          trial_index INTEGER NOT NULL,
          PRIMARY KEY (experiment_id, trial_key)
        ) WITHOUT ROWID;
        CREATE TABLE experiment_metrics (
          experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          position INTEGER NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('scalar', 'series')),
          goal TEXT CHECK (goal IN ('maximize', 'minimize')),
          listed INTEGER NOT NULL DEFAULT 0 CHECK (listed IN (0, 1)),
          help TEXT NOT NULL DEFAULT '',
          selected INTEGER,
          PRIMARY KEY (experiment_id, name)
        ) WITHOUT ROWID;
        CREATE TABLE series (
          run_id INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          count INTEGER NOT NULL,
          steps BLOB NOT NULL,
          vals BLOB NOT NULL,
          timestamp INTEGER NOT NULL,
          PRIMARY KEY (run_id, key)
        );
        CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        """)
    // Plan membership and metric selection from the v1 experiment tags.
    for row in try Row.fetchAll(
      db,
      sql: "SELECT experiment_id, key, value FROM experiment_tags WHERE key IN ('almanac.plan_keys', 'almanac.metrics')"
    ) {
      let id: Int64 = row["experiment_id"]
      let key: String = row["key"]
      let names = (row["value"] as String).split(separator: ",").map(String.init).filter { !$0.isEmpty }
      if key == "almanac.plan_keys" {
        let insert = try db.cachedStatement(
          sql: "INSERT OR IGNORE INTO plan_trials (experiment_id, trial_key, trial_index) VALUES (?, ?, ?)")
        for (index, trialKey) in names.enumerated() { try insert.execute(arguments: [id, trialKey, index]) }
      } else {
        for (rank, name) in names.enumerated() {
          try db.execute(
            sql: """
              INSERT OR IGNORE INTO experiment_metrics (experiment_id, name, position, kind, goal, selected)
              VALUES (?, ?, ?, 'scalar', NULL, ?)
              """, arguments: [id, name, rank, rank])
        }
      }
    }
    try db.execute(sql: "DELETE FROM experiment_tags WHERE key IN ('almanac.plan_keys', 'almanac.metrics')")
    // Series points become packed rows.
    let cursor = try Row.fetchCursor(
      db,
      sql:
        "SELECT run_id, key, step, value, timestamp FROM metrics WHERE is_series = 1 ORDER BY run_id, key, step, rowid")
    var current: (run: Int64, key: String, timestamp: Int64)?
    var points: [MetricPoint] = []
    func flush() throws {
      guard let c = current, !points.isEmpty else { return }
      try SeriesCodec.insert(db: db, runID: c.run, key: c.key, points: points, timestamp: c.timestamp)
      points.removeAll(keepingCapacity: true)
    }
    while let row = try cursor.next() {
      let run: Int64 = row["run_id"]
      let key: String = row["key"]
      if current?.run != run || current?.key != key {
        try flush()
        current = (run, key, row["timestamp"])
      }
      let value: Double? = row["value"]
      points.append(MetricPoint(key: key, step: row["step"], value: value ?? .nan))
    }
    try flush()
    try db.execute(sql: "DELETE FROM metrics WHERE is_series = 1")
  }
}

/// Packs a series into two blobs (little-endian Int64 steps, IEEE-754 Float64 values, NaN kept as NaN).
enum SeriesCodec {
  static func insert(db: Database, runID: Int64, key: String, points: [MetricPoint], timestamp: Int64) throws {
    try db.cachedStatement(
      sql: "INSERT OR REPLACE INTO series (run_id, key, count, steps, vals, timestamp) VALUES (?, ?, ?, ?, ?, ?)"
    ).execute(arguments: [
      runID, key, points.count, pack(points.map { UInt64(bitPattern: Int64($0.step)) }),
      pack(points.map(\.value.bitPattern)), timestamp,
    ])
  }

  static func pack(_ words: [UInt64]) -> Data {
    var data = Data(count: words.count * 8)
    data.withUnsafeMutableBytes { raw in
      for (i, w) in words.enumerated() { raw.storeBytes(of: w.littleEndian, toByteOffset: i * 8, as: UInt64.self) }
    }
    return data
  }

  static func unpack(_ data: Data) -> [UInt64] {
    data.withUnsafeBytes { raw in
      (0..<(raw.count / 8)).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
    }
  }

  /// The points of one stored series row, by step (NaN where the value is NaN).
  static func points(key: String, steps: Data, values: Data) -> [MetricPoint] {
    let s = unpack(steps)
    let v = unpack(values)
    return zip(s, v).map { MetricPoint(key: key, step: Int(Int64(bitPattern: $0)), value: Double(bitPattern: $1)) }
  }
}
