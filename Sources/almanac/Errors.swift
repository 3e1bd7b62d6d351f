import AlmanacCore
import ArgumentParser
import Experiments
import Foundation
import Tracking

/// Runs a command body, printing errors meant for people on stderr and choosing the exit code from the error's type
/// (never its text): 2 for bad input (experiment files, CSV, arguments, unknown names), 1 for trial or run failures,
/// 3 for the environment (the store cannot be opened or written, a file system error); see ``FailureKind``.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ExitCode {
    throw error
  } catch let error as ExperimentError {
    Terminal.error(error.rendered(style: Terminal.diagnosticStyle))
    throw ExitCode(FailureKind.badInput.exitCode)
  } catch let error as any ClassifiedError {
    Terminal.error(Terminal.prefixed(error.description))
    throw ExitCode(error.failureKind.exitCode)
  } catch let error as CocoaError {
    Terminal.error(Terminal.prefixed(FileErrorText.describe(error)))
    throw ExitCode(FailureKind.environment.exitCode)
  } catch let error as POSIXError {
    Terminal.error(Terminal.prefixed(String(cString: strerror(error.code.rawValue))))
    throw ExitCode(FailureKind.environment.exitCode)
  } catch {
    // Not classified: a failure while running.
    Terminal.error(Terminal.prefixed(String(describing: error)))
    throw ExitCode(FailureKind.runFailure.exitCode)
  }
}

/// A bad-input error raised by the command line itself (exit code 2).
struct InputError: ClassifiedError {
  var description: String
  var failureKind: FailureKind { .badInput }
  init(_ description: String) { self.description = description }
}

/// An environment problem found by the command line itself (exit code 3).
struct EnvironmentError: ClassifiedError {
  var description: String
  var failureKind: FailureKind { .environment }
  init(_ description: String) { self.description = description }
}

/// Readable text for Foundation's file errors (instead of `NSCocoaErrorDomain error 512`).
enum FileErrorText {
  static func describe(_ error: CocoaError) -> String {
    let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo["NSURL"] as? URL)?.path
    var reason: String
    if let posix = error.underlying as? POSIXError {
      reason = String(cString: strerror(posix.code.rawValue))
    } else {
      switch error.code {
      case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or directory"
      case .fileReadNoPermission, .fileWriteNoPermission: reason = "permission denied"
      case .fileWriteOutOfSpace: reason = "no space left on the device"
      case .fileWriteFileExists: reason = "a file is in the way"
      case .fileWriteVolumeReadOnly: reason = "read-only file system"
      default: reason = "file error \(error.code.rawValue)"
      }
    }
    return path.map { "\($0): \(reason)" } ?? reason
  }
}

extension RunFilterError: ClassifiedError {
  public var failureKind: FailureKind { .badInput }
}

extension TrialFailure: ClassifiedError {
  public var failureKind: FailureKind { .runFailure }
}
