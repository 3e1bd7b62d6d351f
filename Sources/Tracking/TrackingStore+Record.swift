import Foundation
import GRDB

extension TrackingStore {
  /// Commits the final state of many runs in ONE IMMEDIATE transaction: status, end time, error, params, scalar
  /// metrics (step 0), series (one packed row per series, points sorted by step), tags and artifacts.
  ///
  /// Only runs that are still RUNNING are updated: a result for a run that was meanwhile marked KILLED (interrupted,
  /// or reclaimed from an owner presumed dead) is dropped, so a trial can never end up FINISHED twice. NaN metric
  /// values are stored as NULL. Metric timestamps are the result's end time.
  ///
  /// - Returns: the ids of the runs whose results were written (in input order).
  /// - Throws: ``TrackingError/invalidStatus(_:)`` for a RUNNING result (nothing is written), or SQLite's error (the
  ///   whole batch is rolled back).
  @discardableResult
  public func record(_ results: [RunResult]) throws -> [Int64] {
    guard !results.isEmpty else { return [] }
    if let bad = results.first(where: { $0.status == .running }) {
      throw TrackingError.invalidStatus("RUNNING for run \(bad.runID): a result must be FINISHED, FAILED or KILLED")
    }
    return try writing { db in
      var written: [Int64] = []
      try db.inTransaction(.immediate) {
        written = []
        written.reserveCapacity(results.count)
        let end = try db.cachedStatement(
          sql: """
            UPDATE runs SET status = ?, end_time = ?, error = ?, heartbeat = ?
            WHERE run_id = ? AND status = 'RUNNING'
            """)
        let param = try db.cachedStatement(sql: "INSERT OR REPLACE INTO params (run_id, key, value) VALUES (?, ?, ?)")
        let tag = try db.cachedStatement(sql: "INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)")
        let artifact = try db.cachedStatement(sql: "INSERT OR IGNORE INTO artifacts (run_id, path) VALUES (?, ?)")
        var metrics = MetricWriter(db: db)
        for result in results {
          let ms = Self.millis(result.endTime)
          try end.execute(arguments: [result.status.rawValue, ms, result.error, ms, result.runID])
          guard db.changesCount == 1 else { continue }
          written.append(result.runID)
          for (key, value) in result.params {
            try param.execute(arguments: [result.runID, key, value])
          }
          for (key, value) in result.tags {
            try tag.execute(arguments: [result.runID, key, value])
          }
          for path in result.artifacts {
            try artifact.execute(arguments: [result.runID, path])
          }
          for (key, value) in result.metrics.sorted(by: { $0.key < $1.key }) {
            try metrics.append(runID: result.runID, key: key, value: value, step: 0, timestamp: ms)
          }
          // One packed row per series: a series of any length costs one row write.
          var byKey: [String: [MetricPoint]] = [:]
          for point in result.series { byKey[point.key, default: []].append(point) }
          for (key, points) in byKey.sorted(by: { $0.key < $1.key }) {
            let inOrder = zip(points, points.dropFirst()).allSatisfy { $0.step <= $1.step }
            let sorted =
              inOrder
              ? points
              : points.enumerated().sorted { a, b in
                a.element.step != b.element.step ? a.element.step < b.element.step : a.offset < b.offset
              }.map(\.element)
            try SeriesCodec.insert(db: db, runID: result.runID, key: key, points: sorted, timestamp: ms)
          }
        }
        try metrics.flush()
        return .commit
      }
      return written
    }
  }
}

/// Inserts scalar metric rows (`is_series` is 0 since schema v2; series live in `series`) in multi-row `INSERT` statements of ``rowsPerStatement`` rows (cached prepared statements),
/// the hot path of ``TrackingStore/record(_:)``: one statement step per 128 points instead of one per point.
struct MetricWriter {
  static let rowsPerStatement = 128
  static let columns = 6
  let db: Database
  private var values: [DatabaseValue] = []

  init(db: Database) {
    self.db = db
    values.reserveCapacity(Self.rowsPerStatement * Self.columns)
  }

  static func sql(rows: Int) -> String {
    "INSERT INTO metrics (run_id, key, value, step, timestamp, is_series) VALUES "
      + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
  }

  /// Queues one row (NaN becomes NULL); executes a full statement every ``rowsPerStatement`` rows.
  mutating func append(runID: Int64, key: String, value: Double, step: Int, timestamp: Int64) throws {
    values.append(runID.databaseValue)
    values.append(key.databaseValue)
    values.append(value.isNaN ? .null : value.databaseValue)
    values.append(step.databaseValue)
    values.append(timestamp.databaseValue)
    values.append(0.databaseValue)
    if values.count == Self.rowsPerStatement * Self.columns { try flush() }
  }

  /// Inserts the queued rows.
  mutating func flush() throws {
    guard !values.isEmpty else { return }
    let rows = values.count / Self.columns
    let statement = try db.cachedStatement(sql: Self.sql(rows: rows))
    statement.setUncheckedArguments(StatementArguments(values))
    try statement.execute()
    values.removeAll(keepingCapacity: true)
  }
}
