import Foundation
import GRDB

extension MLflowExport {
  /// Writes `experimentName` into the MLflow SQLite file at `url` (created when missing) and copies the artifacts
  /// under ``MLflowExportOptions/artifactRoot``.
  ///
  /// A new file gets MLflow's schema at revision ``schemaRevision``; MLflow upgrades it to its own revision the first
  /// time it opens it (`mlflow ui --backend-store-uri sqlite:///FILE`, `MlflowClient`). An existing file, at that
  /// revision or at a later one MLflow upgraded it to, is updated in place: the experiment is found by name, each run
  /// by its derived id (``runUUID(experiment:trialKey:runID:)``), and the run's params, metrics and tags are replaced,
  /// so exporting twice leaves one copy of each run. Everything is written in one transaction.
  ///
  /// - Throws: ``MLflowExportError/unknownExperiment(name:known:)``, ``MLflowExportError/incompatibleTarget(path:reason:)``
  ///   when the file is not an MLflow database or has a table shape this exporter cannot fill,
  ///   ``MLflowExportError/cannotWriteArtifacts(path:reason:)``, or SQLite's error (nothing is written).
  public static func exportSQLite(
    store: TrackingStore, experimentName: String, to url: URL,
    options: MLflowExportOptions = MLflowExportOptions()
  ) throws -> MLflowExportSummary {
    let snapshot = try snapshot(store: store, experimentName: experimentName, reportDirectory: options.reportDirectory)
    let file = url.standardizedFileURL
    let root = (options.artifactRoot ?? file.deletingLastPathComponent().appendingPathComponent("mlartifacts"))
      .standardizedFileURL
    do {
      try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    } catch {
      throw MLflowExportError.cannotWriteArtifacts(
        path: file.deletingLastPathComponent().path,
        reason: error.localizedDescription)
    }
    var config = Configuration()
    config.busyMode = .timeout(30)
    config.label = "almanac.mlflow-export"
    let queue = try DatabaseQueue(path: file.path, configuration: config)
    var summary = MLflowExportSummary(
      target: file.path, experimentID: "", runIDs: [], reportRunID: nil, deletedRuns: 0, params: 0, metricPoints: 0,
      tags: 0, artifactFiles: 0)
    var artifactDirectories: [(URL, [MLflowArtifact])] = []
    try queue.writeWithoutTransaction { db in
      try db.inTransaction(.immediate) {
        try prepareSchema(db, path: file.path)
        let experimentID = try upsertExperiment(db, snapshot: snapshot, artifactRoot: root)
        summary.experimentID = String(experimentID)
        var writer = try SQLiteRunWriter(db: db)
        for run in snapshot.runs {
          let directory = root.appendingPathComponent(String(experimentID), isDirectory: true)
            .appendingPathComponent(run.uuid, isDirectory: true).appendingPathComponent("artifacts", isDirectory: true)
          try writer.write(
            run, experimentID: experimentID,
            artifactURI: URL(fileURLWithPath: directory.path, isDirectory: false).absoluteString)
          artifactDirectories.append((directory, run.artifacts))
          if run.tags["almanac.kind"] == "report" {
            summary.reportRunID = run.uuid
          } else {
            summary.runIDs.append(run.uuid)
          }
          summary.params += run.params.count
          summary.metricPoints += run.metrics.count
          summary.tags += run.tags.count
        }
        summary.deletedRuns = try markStaleRunsDeleted(
          db, experimentID: experimentID, keep: snapshot.runs.map(\.uuid), now: millis(options.now))
        return .commit
      }
    }
    for (directory, artifacts) in artifactDirectories {
      summary.artifactFiles += try writeArtifacts(artifacts, to: directory)
    }
    return summary
  }

  /// Creates the schema in an empty file, or checks that an existing file is an MLflow tracking database whose
  /// tables can take the rows written here.
  static func prepareSchema(_ db: Database, path: String) throws {
    let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
    if tables.isEmpty {
      try db.execute(sql: schemaSQL)
      try db.execute(sql: "INSERT INTO alembic_version (version_num) VALUES (?)", arguments: [schemaRevision])
      return
    }
    guard tables.contains("alembic_version"), tables.contains("runs"), tables.contains("experiments") else {
      throw MLflowExportError.incompatibleTarget(
        path: path, reason: "it has tables but no MLflow schema (alembic_version, experiments, runs)")
    }
    for (table, written) in writtenColumns {
      guard tables.contains(table) else {
        throw MLflowExportError.incompatibleTarget(path: path, reason: "table \(table) is missing")
      }
      let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))")
      let names = Set(columns.map { $0["name"] as String })
      if let missing = written.first(where: { !names.contains($0) }) {
        throw MLflowExportError.incompatibleTarget(path: path, reason: "\(table) has no column \(missing)")
      }
      for column in columns {
        let name: String = column["name"]
        let notNull: Bool = column["notnull"]
        let defaultValue: String? = column["dflt_value"]
        let primaryKey: Int = column["pk"]
        if notNull, defaultValue == nil, primaryKey == 0, !written.contains(name) {
          throw MLflowExportError.incompatibleTarget(
            path: path, reason: "\(table).\(name) is required but unknown to this exporter (a newer MLflow schema)")
        }
      }
    }
  }

  /// The columns written to each table (also the columns an existing file must have).
  static let writtenColumns: [(String, Set<String>)] = [
    (
      "experiments",
      ["experiment_id", "name", "artifact_location", "lifecycle_stage", "creation_time", "last_update_time"]
    ),
    ("experiment_tags", ["key", "value", "experiment_id"]),
    (
      "runs",
      [
        "run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id", "status", "start_time",
        "end_time", "deleted_time", "source_version", "lifecycle_stage", "artifact_uri", "experiment_id",
      ]
    ),
    ("params", ["key", "value", "run_uuid"]),
    ("tags", ["key", "value", "run_uuid"]),
    ("metrics", ["key", "value", "timestamp", "run_uuid", "step", "is_nan"]),
    ("latest_metrics", ["key", "value", "timestamp", "step", "is_nan", "run_uuid"]),
  ]

  /// Finds the experiment by name (restoring it when deleted) or creates it, then replaces its tags.
  static func upsertExperiment(_ db: Database, snapshot: MLflowSnapshot, artifactRoot: URL) throws -> Int64 {
    let hasDefault = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM experiments WHERE experiment_id = 0") ?? 0
    if hasDefault == 0, snapshot.experimentName != "Default",
      try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM experiments") == 0
    {
      // MLflow's own first experiment, as MLflow creates it in a new database.
      try db.execute(
        sql: """
          INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
          VALUES (0, 'Default', ?, 'active', ?, ?)
          """,
        arguments: [fileURI(artifactRoot.appendingPathComponent("0")), snapshot.creationTime, snapshot.creationTime])
    }
    let id: Int64
    if let existing = try Int64.fetchOne(
      db, sql: "SELECT experiment_id FROM experiments WHERE name = ?", arguments: [snapshot.experimentName])
    {
      id = existing
      try db.execute(
        sql: "UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? WHERE experiment_id = ?",
        arguments: [snapshot.lastUpdateTime, id])
    } else {
      try db.execute(
        sql: """
          INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time)
          VALUES (?, '', 'active', ?, ?)
          """, arguments: [snapshot.experimentName, snapshot.creationTime, snapshot.lastUpdateTime])
      id = db.lastInsertedRowID
      try db.execute(
        sql: "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
        arguments: [fileURI(artifactRoot.appendingPathComponent(String(id))), id])
    }
    let tag = try db.cachedStatement(
      sql: "INSERT OR REPLACE INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)")
    for (key, value) in snapshot.experimentTags.sorted(by: { $0.key < $1.key }) {
      try tag.execute(arguments: [key, value, id])
    }
    return id
  }

  /// Marks runs exported earlier into this experiment (tagged `almanac.kind`) and not in `keep` as deleted.
  static func markStaleRunsDeleted(_ db: Database, experimentID: Int64, keep: [String], now: Int64) throws -> Int {
    let json = "[" + keep.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    try db.execute(
      sql: """
        UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ?
        WHERE experiment_id = ? AND lifecycle_stage = 'active'
          AND run_uuid IN (SELECT run_uuid FROM tags WHERE key = 'almanac.kind')
          AND run_uuid NOT IN (SELECT value FROM json_each(?))
        """, arguments: [now, experimentID, json])
    return db.changesCount
  }

  /// Replaces the files of one run's artifact folder; returns how many were written.
  static func writeArtifacts(_ artifacts: [MLflowArtifact], to directory: URL) throws -> Int {
    let fm = FileManager.default
    do {
      if fm.fileExists(atPath: directory.path) { try fm.removeItem(at: directory) }
      guard !artifacts.isEmpty else { return 0 }
      try fm.createDirectory(at: directory, withIntermediateDirectories: true)
      for artifact in artifacts {
        let target = directory.appendingPathComponent(artifact.path)
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let text = artifact.text {
          try Data(text.utf8).write(to: target)
        } else if let source = artifact.source {
          try fm.copyItem(at: source, to: target)
        }
      }
    } catch {
      throw MLflowExportError.cannotWriteArtifacts(path: directory.path, reason: error.localizedDescription)
    }
    return artifacts.count
  }

  /// `file:///absolute/path` as MLflow writes local artifact locations.
  static func fileURI(_ url: URL) -> String { URL(fileURLWithPath: url.path, isDirectory: false).absoluteString }
}

/// Writes runs with cached statements (one transaction, many runs).
struct SQLiteRunWriter {
  let db: Database
  let upsertRun: Statement
  let deletes: [Statement]
  let param: Statement
  let tag: Statement
  let metric: Statement
  let latest: Statement

  init(db: Database) throws {
    self.db = db
    upsertRun = try db.makeStatement(
      sql: """
        INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
                          end_time, deleted_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
        VALUES (?, ?, 'LOCAL', ?, '', '', ?, ?, ?, NULL, ?, 'active', ?, ?)
        ON CONFLICT (run_uuid) DO UPDATE SET
          name = excluded.name, source_type = excluded.source_type, source_name = excluded.source_name,
          status = excluded.status, start_time = excluded.start_time, end_time = excluded.end_time,
          deleted_time = NULL, source_version = excluded.source_version, lifecycle_stage = 'active',
          artifact_uri = excluded.artifact_uri, experiment_id = excluded.experiment_id
        """)
    deletes = try ["params", "tags", "metrics", "latest_metrics"].map {
      try db.makeStatement(sql: "DELETE FROM \($0) WHERE run_uuid = ?")
    }
    param = try db.makeStatement(sql: "INSERT OR REPLACE INTO params (key, value, run_uuid) VALUES (?, ?, ?)")
    tag = try db.makeStatement(sql: "INSERT OR REPLACE INTO tags (key, value, run_uuid) VALUES (?, ?, ?)")
    metric = try db.makeStatement(
      sql: "INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)")
    latest = try db.makeStatement(
      sql: """
        INSERT OR REPLACE INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)
        """)
  }

  /// MLflow's stored form of a metric value: NaN as 0 with `is_nan`, ±infinity as ±Double.greatestFiniteMagnitude
  /// (what MLflow's SQL store does).
  static func stored(_ value: Double) -> (value: Double, isNaN: Bool) {
    if value.isNaN { return (0, true) }
    if value.isInfinite { return (value > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude, false) }
    return (value, false)
  }

  mutating func write(_ run: MLflowRunSnapshot, experimentID: Int64, artifactURI: String) throws {
    try upsertRun.execute(arguments: [
      run.uuid, run.name, run.sourceName, run.status, run.startTime, run.endTime, run.sourceVersion, artifactURI,
      experimentID,
    ])
    for statement in deletes { try statement.execute(arguments: [run.uuid]) }
    for (key, value) in run.params { try param.execute(arguments: [key, value, run.uuid]) }
    for (key, value) in run.tags.sorted(by: { $0.key < $1.key }) { try tag.execute(arguments: [key, value, run.uuid]) }
    // The latest point of each key: largest (step, timestamp, value), as MLflow's SQL store keeps it.
    var latestPoint: [String: (step: Int64, timestamp: Int64, value: Double, isNaN: Bool)] = [:]
    for point in run.metrics {
      let s = Self.stored(point.value)
      try metric.execute(arguments: [point.key, s.value, point.timestamp, run.uuid, point.step, s.isNaN])
      if let current = latestPoint[point.key],
        (current.step, current.timestamp, current.value) >= (point.step, point.timestamp, s.value)
      {
        continue
      }
      latestPoint[point.key] = (point.step, point.timestamp, s.value, s.isNaN)
    }
    for (key, p) in latestPoint.sorted(by: { $0.key < $1.key }) {
      try latest.execute(arguments: [key, p.value, p.timestamp, p.step, p.isNaN, run.uuid])
    }
  }
}
