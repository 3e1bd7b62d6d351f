import Experiments
import Foundation
import Rainbow

/// Where output goes and whether it may be coloured: colour only on a terminal, never with `NO_COLOR` set (the
/// one place that decides; Rainbow does the colouring).
enum Terminal {
  static let stderrIsTTY = isatty(STDERR_FILENO) == 1
  static let stdoutIsTTY = isatty(STDOUT_FILENO) == 1
  static let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false

  static var colorStderr: Bool { stderrIsTTY && !noColor }
  static var colorStdout: Bool { stdoutIsTTY && !noColor }

  /// Writes a line to stderr.
  static func error(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }

  static func warning(_ text: String) {
    error((colorStderr ? "warning:".yellow.bold : "warning:") + " " + text)
  }

  /// `error: <text>`, unless the text is already a located diagnostic (`file:line:col: error: ...`).
  static func prefixed(_ text: String) -> String {
    if text.contains(": error: ") || text.hasPrefix("error:") { return text }
    return (colorStderr ? "error:".red.bold : "error:") + " " + text
  }
}

extension Terminal {
  /// Diagnostics coloured with Rainbow on a terminal (bold location, red/yellow/cyan severity, green caret), plain
  /// otherwise or with `NO_COLOR`.
  static var diagnosticStyle: DiagnosticStyle {
    guard colorStderr else { return .plain }
    return DiagnosticStyle(
      location: { $0.bold },
      severity: { severity, text in
        switch severity {
        case .error: return text.red.bold
        case .warning: return text.yellow.bold
        case .note: return text.cyan.bold
        }
      },
      message: { $0.bold }, caret: { $0.green.bold })
  }
}
