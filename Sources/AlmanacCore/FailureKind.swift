/// What kind of failure an error is, which decides the command-line exit code.
///
/// - `badInput` (exit 2): the user's input is wrong (an experiment file, a CSV, an argument, an unknown name);
///   fixing the input fixes it.
/// - `runFailure` (exit 1): the input was accepted but trials or the run failed.
/// - `environment` (exit 3): the machine is in the way (an unwritable or corrupt store, a file system error, a store
///   written by a newer Almanac).
public enum FailureKind: String, Sendable, Hashable {
  case badInput
  case runFailure
  case environment

  /// The process exit code for this kind: 2, 1 or 3.
  public var exitCode: Int32 {
    switch self {
    case .badInput: return 2
    case .runFailure: return 1
    case .environment: return 3
    }
  }
}

/// An error that knows its ``FailureKind``. Libraries throw these; the command line maps them to exit codes without
/// looking at their text.
public protocol ClassifiedError: Error, CustomStringConvertible {
  var failureKind: FailureKind { get }
}
