import Foundation
import GRDB

/// The tracking store: one SQLite file in WAL mode, shaped like MLflow's tracking schema.
///
/// Opening creates the file (and its directory) when needed and applies the ``migrator`` migrations; reopening an
/// up-to-date file changes nothing. Every connection has foreign keys on and a busy timeout (default 30 s), so several
/// processes can share one store: writers queue on SQLite's lock instead of failing with "database is locked".
///
/// All writes are IMMEDIATE transactions on the pool's single writer connection; reads run concurrently on reader
/// connections. `TrackingStore` is `Sendable` because `DatabasePool` serialises its own access.
public final class TrackingStore: Sendable {
  /// The underlying pool (exposed for the report module and tests; prefer the typed methods).
  public let pool: DatabasePool
  /// The SQLite file.
  public let fileURL: URL

  /// The directory holding the store file; artifact paths are relative to it.
  public var directory: URL { fileURL.deletingLastPathComponent() }

  /// Opens (and creates or upgrades) the store at `url`.
  ///
  /// - Parameters:
  ///   - url: the SQLite file, for example `almanac.db`; missing parent directories are created.
  ///   - busyTimeout: how long a write waits for another connection's lock, in seconds (default 30).
  public init(at url: URL, busyTimeout: TimeInterval = 30) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    var config = Configuration()
    config.foreignKeysEnabled = true
    config.busyMode = .timeout(busyTimeout)
    config.journalMode = .wal
    config.label = "almanac.store"
    config.prepareDatabase { db in
      db.add(function: TrackingStore.numericFunction)
    }
    self.fileURL = url.standardizedFileURL
    self.pool = try DatabasePool(path: fileURL.path, configuration: config)
    try Self.migrate(pool)
  }

  /// Applies the migrations, tolerating another process doing the same at the same moment.
  ///
  /// `DatabaseMigrator` reads the applied migrations before opening each migration's IMMEDIATE transaction, so when
  /// two processes open a fresh file together the slower one fails with "table ... already exists" (its transaction
  /// is rolled back). It then finds the migrations applied by the other process and carries on; any other error, or
  /// a schema still incomplete after 5 attempts, is thrown.
  static func migrate(_ pool: DatabasePool) throws {
    var attempt = 0
    while true {
      do {
        try migrator.migrate(pool)
        return
      } catch let error as DatabaseError {
        attempt += 1
        if try pool.read({ db in try migrator.hasCompletedMigrations(db) }) { return }
        if attempt >= 5 { throw error }
        usleep(20_000)
      }
    }
  }

  /// Where a run's artifacts go: `artifacts/<experiment>/run-<id>` under the store's directory.
  public func artifactDirectory(experiment: String, runID: Int64) -> URL {
    directory.appendingPathComponent("artifacts", isDirectory: true)
      .appendingPathComponent(experiment, isDirectory: true)
      .appendingPathComponent("run-\(runID)", isDirectory: true)
  }

  /// The path of `url` relative to the store's directory (as stored in `artifacts`), or its absolute path when it is
  /// outside that directory.
  public func relativePath(of url: URL) -> String {
    let base = directory.standardizedFileURL.path
    let path = url.standardizedFileURL.path
    let prefix = base.hasSuffix("/") ? base : base + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
  }

  /// `PRAGMA integrity_check` (["ok"] for a sound file).
  public func integrityCheck() throws -> [String] {
    try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
  }

  /// The identifiers of the applied migrations, in order.
  public func appliedMigrations() throws -> [String] {
    try pool.read { db in try Self.migrator.appliedMigrations(db) }
  }

  /// `almanac_num(x)`: x as a REAL when its whole text is a number (Swift `Double(_:)` syntax), NULL otherwise.
  /// Lets `--where params.lr > 0.001` compare stored text params numerically without treating `"7d"` as 7.
  static let numericFunction = DatabaseFunction("almanac_num", argumentCount: 1, pure: true) { values in
    let v = values[0]
    switch v.storage {
    case .int64(let i): return Double(i)
    case .double(let d): return d
    case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces))
    default: return nil
    }
  }

  // MARK: Time

  /// Milliseconds since 1970 (MLflow's unit for times).
  static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
  static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
