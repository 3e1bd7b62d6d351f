import AlmanacCore

/// Failures of the store itself, each naming the store's path. The command line maps them to exit codes through
/// ``failureKind``: problems of the machine (cannot open, read-only, corrupt, written by a newer Almanac) are
/// `environment` failures; a wrong name is bad input.
public enum StoreError: ClassifiedError, Sendable, Equatable {
  /// The file cannot be opened or created (missing directory permissions, not a database, ...).
  case cannotOpen(path: String, reason: String)
  /// A write was attempted on a store opened read-only, or the file or its folder is not writable.
  case readOnly(path: String, reason: String)
  /// The store has migrations this build does not know: a newer Almanac wrote it. Reading still works.
  case newerSchema(path: String, writtenBy: String?, unknownMigrations: [String])
  /// SQLite reported a failure (disk full, corrupt file, I/O error, lock timeout...).
  case database(path: String, reason: String)

  public var failureKind: FailureKind { .environment }

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason):
      return "cannot open the store \(path): \(reason)"
    case .readOnly(let path, let reason):
      return "cannot write to the store \(path): \(reason)"
    case .newerSchema(let path, let writtenBy, let unknown):
      let by = writtenBy.map { "Almanac \($0)" } ?? "a newer Almanac"
      return "the store \(path) was written by \(by), newer than this Almanac \(AlmanacVersion.current) "
        + "(unknown schema migrations: \(unknown.joined(separator: ", "))); it can be read but not written: "
        + "upgrade Almanac, or pass --db with another store"
    case .database(let path, let reason):
      return "store \(path): \(reason)"
    }
  }
}

/// Errors about what was asked of the store (bad input, exit code 2) rather than the store itself.
public enum TrackingError: ClassifiedError, Sendable, Equatable {
  case invalidExperimentName(String)
  case unknownExperiment(name: String, store: String, known: [String])
  case unknownRun(id: Int64, store: String)
  case invalidStatus(String)

  public var failureKind: FailureKind {
    switch self {
    case .invalidStatus: return .runFailure
    default: return .badInput
    }
  }

  public var description: String {
    switch self {
    case .invalidExperimentName(let n):
      return "invalid experiment name '\(n)': expected letters, digits, '.', '_' or '-'"
    case .unknownExperiment(let name, let store, let known):
      return "no experiment named '\(name)' in \(store)"
        + (known.isEmpty
          ? " (the store is empty: run `almanac run <file>` first)"
          : " (it has: \(known.joined(separator: ", ")))")
    case .unknownRun(let id, let store): return "no run with id \(id) in \(store)"
    case .invalidStatus(let s): return "invalid run status \(s)"
    }
  }
}
