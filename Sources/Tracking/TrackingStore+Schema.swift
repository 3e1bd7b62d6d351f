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
    migrator.registerMigration("v1: MLflow-shaped tracking schema") { db in
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
    return migrator
  }
}
