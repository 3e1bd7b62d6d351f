/// A message about an experiment file, located like a compiler's: `experiments/x.yaml:12:5: error: ...`.
///
/// ``rendered(colored:)`` prints the location line, then (when the position is known and the source line is
/// available) the offending source line and a caret under the column.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
  public enum Severity: String, Sendable, Hashable {
    case error, warning, note
  }

  /// The file as shown to people (usually the path the user typed).
  public var file: String
  /// 1-based line, or nil when the message is about the whole file.
  public var line: Int?
  /// 1-based column counted in Unicode scalars (as libYAML does), or nil.
  public var column: Int?
  public var message: String
  public var severity: Severity
  /// The text of ``line`` without its newline, used for the snippet; nil shows no snippet.
  public var sourceLine: String?

  public init(file: String, line: Int? = nil, column: Int? = nil, message: String, severity: Severity = .error,
              sourceLine: String? = nil)
  {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
    self.severity = severity
    self.sourceLine = sourceLine
  }

  /// `file:line:column: severity: message`, then the source line and a caret line when available.
  /// With `colored`, ANSI escapes make the location bold, the severity red/yellow/cyan and the caret green.
  public func rendered(colored: Bool) -> String {
    var location = file
    if let line {
      location += ":\(line)"
      if let column { location += ":\(column)" }
    }
    let header: String
    if colored {
      let color: String
      switch severity {
      case .error: color = "\u{1B}[1;31m"
      case .warning: color = "\u{1B}[1;33m"
      case .note: color = "\u{1B}[1;36m"
      }
      header = "\u{1B}[1m\(location):\u{1B}[0m \(color)\(severity.rawValue):\u{1B}[0m \u{1B}[1m\(message)\u{1B}[0m"
    } else {
      header = "\(location): \(severity.rawValue): \(message)"
    }
    guard let sourceLine, let column, column >= 1 else { return header }
    // Keep tabs in the caret line's padding so the caret lines up under the column whatever the tab width.
    var padding = ""
    for (offset, scalar) in sourceLine.unicodeScalars.enumerated() {
      if offset >= column - 1 { break }
      padding += scalar == "\t" ? "\t" : " "
    }
    let caret = colored ? "\u{1B}[1;32m^\u{1B}[0m" : "^"
    return header + "\n" + sourceLine + "\n" + padding + caret
  }

  public var description: String { rendered(colored: false) }
}

/// Why an experiment file could not be turned into a spec or a plan: one or more ``Diagnostic``s, in file order.
///
/// The command-line tool prints ``rendered(colored:)`` on stderr and exits with status 2.
public struct ExperimentError: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [Diagnostic]

  public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

  public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

  /// Every diagnostic rendered, separated by newlines; after two or more errors a final `N errors` line.
  public func rendered(colored: Bool) -> String {
    var text = diagnostics.map { $0.rendered(colored: colored) }.joined(separator: "\n")
    let errors = diagnostics.filter { $0.severity == .error }.count
    if errors > 1 { text += "\n\(errors) errors" }
    return text
  }

  public var description: String { rendered(colored: false) }

  /// The messages alone (no locations), handy in tests and logs.
  public var messages: [String] { diagnostics.map(\.message) }
}

/// Collects diagnostics for one source text, looking up source lines for snippets.
struct DiagnosticSink {
  let file: String
  let lines: [Substring]
  private(set) var diagnostics: [Diagnostic] = []

  init(file: String, source: String) {
    self.file = file
    self.lines = source.split(separator: "\n", omittingEmptySubsequences: false)
  }

  func sourceLine(_ line: Int) -> String? {
    guard line >= 1, line <= lines.count else { return nil }
    var text = lines[line - 1]
    if text.hasSuffix("\r") { text = text.dropLast() }
    return String(text)
  }

  func make(_ message: String, at position: SourcePosition?, severity: Diagnostic.Severity = .error) -> Diagnostic {
    guard let position else { return Diagnostic(file: file, message: message, severity: severity) }
    return Diagnostic(file: file, line: position.line, column: position.column, message: message,
                      severity: severity, sourceLine: sourceLine(position.line))
  }

  mutating func error(_ message: String, at position: SourcePosition?) {
    diagnostics.append(make(message, at: position))
  }

  var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

  /// Diagnostics sorted by position (stable for equal positions), positionless ones first.
  /// The diagnostics in source order, each distinct message once (a setting shared by many trials, such as a
  /// missing input file, is reported once, not once per trial).
  var sorted: [Diagnostic] {
    var seen = Set<String>()
    let unique = diagnostics.filter { seen.insert($0.rendered(colored: false)).inserted }
    return unique.enumerated().sorted { a, b in
      let la = a.element.line ?? 0, lb = b.element.line ?? 0
      if la != lb { return la < lb }
      let ca = a.element.column ?? 0, cb = b.element.column ?? 0
      if ca != cb { return ca < cb }
      return a.offset < b.offset
    }.map(\.element)
  }
}

/// A 1-based line and column in an experiment file.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }
  public var description: String { "\(line):\(column)" }
}
