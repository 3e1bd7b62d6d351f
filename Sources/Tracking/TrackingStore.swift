import AlmanacCore
import Foundation
import GRDB

/// The tracking store: one SQLite file in WAL mode, shaped like MLflow's tracking schema.
///
/// The only door to SQL in Almanac: other modules call the typed methods of this class and its extensions; the
/// database connection is private. Opening for writing creates the file (and its directory) when needed and applies
/// the ``migrator`` migrations; reopening an up-to-date file changes nothing. Opening read-only (listings, reports,
/// `doctor`) never writes, so a store on a read-only file system can be read; a store written by a newer Almanac
/// (migrations this build does not know) can be read but not opened for writing (``StoreError/newerSchema``).
///
/// Every connection has foreign keys on and a busy timeout (default 30 s), so several processes can share one store:
/// writers queue on SQLite's lock instead of failing with "database is locked". All writes are IMMEDIATE
/// transactions on the single writer connection; reads run concurrently. `Sendable` because GRDB's `DatabasePool`
/// and `DatabaseQueue` serialise their own access.
public final class TrackingStore: Sendable {
  /// How a store is opened.
  public enum Access: Sendable {
    /// Create or upgrade the file; writes allowed.
    case readWrite
    /// Never write: the file must exist; it is not upgraded (a store of an older schema is read after upgrading a
    /// private in-memory copy).
    case readOnly
  }

  /// The connection (a pool for read-write stores, a queue for read-only ones). Private: SQL stays in this module.
  let database: any DatabaseWriter
  /// The SQLite file.
  public let fileURL: URL
  public let access: Access

  /// The directory holding the store file; artifact paths are relative to it.
  public var directory: URL { fileURL.deletingLastPathComponent() }

  /// Opens the store at `url`.
  ///
  /// - Parameters:
  ///   - url: the SQLite file, for example `almanac.db`; for `.readWrite`, missing parent directories are created.
  ///   - access: `.readWrite` (default) or `.readOnly`.
  ///   - busyTimeout: how long a write waits for another connection's lock, in seconds (default 30).
  /// - Throws: ``StoreError`` naming the path: `cannotOpen` (missing file when read-only, not a database, no
  ///   permission), `readOnly`, `newerSchema` (read-write only).
  public init(at url: URL, access: Access = .readWrite, busyTimeout: TimeInterval = 30) throws {
    self.fileURL = url.standardizedFileURL
    self.access = access
    let path = fileURL.path
    var config = Configuration()
    config.foreignKeysEnabled = true
    config.busyMode = .timeout(busyTimeout)
    config.label = "almanac.store"
    config.prepareDatabase { db in
      db.add(function: TrackingStore.numericFunction)
    }
    switch access {
    case .readWrite:
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw StoreError.cannotOpen(path: path, reason: "it is a directory, not a store file")
      }
      do {
        try FileManager.default.createDirectory(
          at: fileURL.deletingLastPathComponent(), withIntermediateDirectories: true)
      } catch {
        throw StoreError.cannotOpen(
          path: path, reason: "cannot create its folder (\(Self.describe(error)))")
      }
      config.journalMode = .wal
      let pool = try Self.wrapping(path: path) { try Self.openPool(path: path, configuration: config) }
      database = pool
      try Self.refuseNewerSchema(pool, path: path)
      try Self.wrapping(path: path) {
        try Self.migrate(pool)
        try Self.stampVersion(pool)
      }
    case .readOnly:
      guard FileManager.default.fileExists(atPath: path) else {
        throw StoreError.cannotOpen(path: path, reason: "no such file")
      }
      config.readonly = true
      database = try Self.openReadOnly(path: path, configuration: config)
    }
  }

  /// Runs `body` with SQLite errors turned into ``StoreError``s that name the store.
  static func wrapping<T>(path: String, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as DatabaseError {
      throw storeError(error, path: path)
    }
  }

  static func storeError(_ error: DatabaseError, path: String) -> StoreError {
    let reason = error.message ?? "\(error.resultCode)"
    switch error.resultCode {
    case .SQLITE_READONLY: return .readOnly(path: path, reason: reason)
    case .SQLITE_CANTOPEN, .SQLITE_NOTADB, .SQLITE_PERM, .SQLITE_AUTH:
      return .cannotOpen(path: path, reason: reason)
    default: return .database(path: path, reason: reason)
    }
  }

  static func describe(_ error: any Error) -> String {
    if let error = error as? CocoaError, let underlying = error.underlying as? POSIXError {
      return String(cString: strerror(underlying.code.rawValue))
    }
    return (error as? LocalizedError)?.errorDescription ?? String(describing: error)
  }

  /// A read transaction, with errors naming the store.
  func reading<T>(_ body: (Database) throws -> T) throws -> T {
    try Self.wrapping(path: fileURL.path) { try database.read(body) }
  }

  /// A write outside any transaction (the body opens IMMEDIATE transactions itself), with errors naming the store.
  /// Read-only stores refuse with ``StoreError/readOnly(path:reason:)``.
  func writing<T>(_ body: (Database) throws -> T) throws -> T {
    guard access == .readWrite else {
      throw StoreError.readOnly(path: fileURL.path, reason: "opened read-only")
    }
    return try Self.wrapping(path: fileURL.path) { try database.writeWithoutTransaction(body) }
  }

  /// Opens the pool, retrying while another process holds the lock that switching a fresh file to WAL needs.
  ///
  /// `PRAGMA journal_mode = WAL` on a new file takes an exclusive lock, and SQLite may answer SQLITE_BUSY at once
  /// instead of calling the busy handler when two processes open the same fresh file together. Waits up to about
  /// 10 s in total (growing pauses) before giving up with the last error.
  static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
    var pause: UInt32 = 5_000
    var waited: UInt32 = 0
    while true {
      do {
        return try DatabasePool(path: path, configuration: configuration)
      } catch let error as DatabaseError
        where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && waited < 10_000_000
      {
        usleep(pause)
        waited += pause
        pause = min(pause * 2, 200_000)
      }
    }
  }

  /// Opens a store read-only. A WAL-mode file in a folder this process cannot write (its `-shm` file cannot be
  /// created) is read from a private temporary copy; a file of an older schema is upgraded in an in-memory copy.
  static func openReadOnly(path: String, configuration: Configuration) throws -> DatabaseQueue {
    let queue: DatabaseQueue
    do {
      queue = try DatabaseQueue(path: path, configuration: configuration)
      _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
    } catch let error as DatabaseError
      where error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY
    {
      // Reading a WAL file needs its -shm index; without write access to the folder, read a snapshot copy.
      guard FileManager.default.isReadableFile(atPath: path) else { throw storeError(error, path: path) }
      return try wrapping(path: path) { try snapshotCopy(of: path, configuration: configuration) }
    }
    let upToDate = try wrapping(path: path) {
      try queue.read { db in try migrator.hasCompletedMigrations(db) || migrator.hasBeenSuperseded(db) }
    }
    if upToDate { return queue }
    return try wrapping(path: path) { try snapshotCopy(of: path, configuration: configuration) }
  }

  /// An in-memory copy of the file at `path`, upgraded to this build's schema, then read-only.
  static func snapshotCopy(of path: String, configuration: Configuration) throws -> DatabaseQueue {
    var config = configuration
    config.readonly = false
    var sourceConfig = configuration
    sourceConfig.readonly = true
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let temporary = FileManager.default.temporaryDirectory
      .appendingPathComponent("almanac-readonly-\(UUID().uuidString).db")
    try data.write(to: temporary)
    for suffix in ["-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
      if let wal = try? Data(contentsOf: URL(fileURLWithPath: path + suffix)) {
        try wal.write(to: URL(fileURLWithPath: temporary.path + suffix))
      }
    }
    defer {
      for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary.path + suffix) }
    }
    let source = try DatabaseQueue(path: temporary.path, configuration: config)
    let memory = try DatabaseQueue(configuration: config)
    try source.backup(to: memory)
    try source.close()
    if try memory.read({ db in try !migrator.hasBeenSuperseded(db) }) {
      try migrator.migrate(memory)
    }
    return memory
  }

  /// Refuses to write a store that has migrations this build does not know.
  static func refuseNewerSchema(_ pool: DatabasePool, path: String) throws {
    let (superseded, unknown, writtenBy) = try wrapping(path: path) {
      try pool.read { db -> (Bool, [String], String?) in
        guard try migrator.hasBeenSuperseded(db) else { return (false, [], nil) }
        let known = Set(migrator.migrations)
        let unknown = try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
        let writtenBy =
          try db.tableExists("store_meta")
          ? try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'almanac_version'") : nil
        return (true, unknown, writtenBy)
      }
    }
    if superseded { throw StoreError.newerSchema(path: path, writtenBy: writtenBy, unknownMigrations: unknown) }
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

  /// Records which Almanac last opened the store for writing (read back by an older build that refuses it).
  static func stampVersion(_ pool: DatabasePool) throws {
    let stamped = try pool.read { db in
      try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'almanac_version'")
    }
    guard stamped != AlmanacVersion.current else { return }
    try pool.write { db in
      try db.execute(
        sql: "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('almanac_version', ?)",
        arguments: [AlmanacVersion.current])
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
    try reading { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
  }

  /// The schema as applied to this store: known migrations in order, the ones this build does not know, and the
  /// version of the Almanac that last wrote it.
  public func schemaStatus() throws -> SchemaStatus {
    try reading { db in
      let known = Self.migrator.migrations
      let applied = try Self.migrator.appliedIdentifiers(db)
      let writtenBy =
        try db.tableExists("store_meta")
        ? try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'almanac_version'") : nil
      return SchemaStatus(
        applied: known.filter { applied.contains($0) }, pending: known.filter { !applied.contains($0) },
        unknown: applied.filter { !known.contains($0) }.sorted(), writtenBy: writtenBy)
    }
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
