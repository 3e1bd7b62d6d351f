import ArgumentParser
import Experiments
import Foundation

/// Runs a command body, mapping errors meant for people to stderr and exit codes:
/// 2 for bad input (experiment files, CSV, arguments), 1 for failures while running.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ExperimentError {
    Terminal.error(error.rendered(colored: Terminal.colorStderr))
    throw ExitCode(2)
  } catch let error as ExitCode {
    throw error
  } catch let error as InputError {
    Terminal.error(label("error:") + " " + error.description)
    throw ExitCode(2)
  } catch {
    // Located errors (CSV, data) already read "file:line:column: error: ..."; others get the prefix.
    let text = String(describing: error)
    Terminal.error(text.contains(": error: ") || text.hasPrefix("error:") ? text : label("error:") + " " + text)
    throw ExitCode(2)
  }
}

private func label(_ text: String) -> String { Terminal.colorStderr ? text.red.bold : text }

/// A bad-input error raised by the CLI itself (exit code 2).
struct InputError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Like ``reportingErrors(_:)`` for failures while running (the store, the file system): exit code 1.
func reportingRuntimeErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ExitCode {
    throw error
  } catch {
    Terminal.error(label("error:") + " " + String(describing: error))
    throw ExitCode(1)
  }
}
