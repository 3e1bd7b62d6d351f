/// How a diagnostic's parts are decorated: identity for plain text (``plain``); the command line supplies a style
/// that colours them on a terminal.
public struct DiagnosticStyle: Sendable {
  public var location: @Sendable (String) -> String
  public var severity: @Sendable (Diagnostic.Severity, String) -> String
  public var message: @Sendable (String) -> String
  public var caret: @Sendable (String) -> String

  public init(
    location: @escaping @Sendable (String) -> String,
    severity: @escaping @Sendable (Diagnostic.Severity, String) -> String,
    message: @escaping @Sendable (String) -> String, caret: @escaping @Sendable (String) -> String
  ) {
    self.location = location
    self.severity = severity
    self.message = message
    self.caret = caret
  }

  /// No decoration.
  public static let plain = DiagnosticStyle(location: { $0 }, severity: { $1 }, message: { $0 }, caret: { $0 })
}

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
  /// The text of ``line`` without its newline, used for the snippet; nil shows no snippet. For a very long line,
  /// only a window around the column (see ``sourceLineOffset``).
  public var sourceLine: String?
  /// How many Unicode scalars of the real line precede ``sourceLine`` (0 unless the line was cut to a window).
  public var sourceLineOffset = 0
  /// Whether the real line goes on after ``sourceLine``.
  public var sourceLineContinues = false

  public init(
    file: String, line: Int? = nil, column: Int? = nil, message: String, severity: Severity = .error,
    sourceLine: String? = nil
  ) {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
    self.severity = severity
    self.sourceLine = sourceLine
  }

  /// `file:line:column: severity: message`, then the source line and a caret line when available. `style` decorates
  /// the parts (the command line colours them on a terminal); the library itself writes no escape codes.
  public func rendered(style: DiagnosticStyle = .plain) -> String {
    var location = file
    if let line {
      location += ":\(line)"
      if let column { location += ":\(column)" }
    }
    var message = Self.escaped(self.message)
    if message.count > Self.maximumMessageLength { message = String(message.prefix(Self.maximumMessageLength)) + "..." }
    let header =
      style.location(location + ":") + " " + style.severity(severity, severity.rawValue + ":") + " "
      + style.message(message)
    guard let sourceLine, let column, column >= 1 else { return header }
    let (shown, padding) = Self.snippet(
      sourceLine, column: column - sourceLineOffset, cutBefore: sourceLineOffset > 0,
      cutAfter: sourceLineContinues)
    let caret = style.caret("^")
    return header + "\n" + shown + "\n" + padding + caret
  }

  public var description: String { rendered() }

  /// The most characters of a message that are printed (a safety net: messages quote user text through
  /// ``quoted(_:limit:)``, which keeps them far shorter).
  public static let maximumMessageLength = 1_000
  /// The most Unicode scalars of a source line that are printed; a longer line is shown as a window around the
  /// column, `...` marking each cut.
  public static let snippetWidth = 120

  /// Text from an experiment file quoted in a message: control characters escaped (``escaped(_:)``) and, beyond
  /// `limit` characters, cut with `...`.
  public static func quoted(_ text: String, limit: Int = 60) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
      if count >= limit {
        out += "..."
        break
      }
      out += escaped(scalar, keepTab: false)
      count += 1
    }
    return out
  }

  /// `text` with control characters escaped: `\t`, `\n`, `\r`, and `\u{XX}` for the other C0 and C1 controls,
  /// DEL, the line and paragraph separators and the bidirectional overrides; everything else unchanged.
  public static func escaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars { out += escaped(scalar, keepTab: false) }
    return out
  }

  static func escaped(_ scalar: Unicode.Scalar, keepTab: Bool) -> String {
    switch scalar {
    case "\t": return keepTab ? "\t" : "\\t"
    case "\n": return "\\n"
    case "\r": return "\\r"
    default:
      let v = scalar.value
      if v < 0x20 || (v >= 0x7F && v < 0xA0) || v == 0x2028 || v == 0x2029 || (0x202A...0x202E).contains(v)
        || (0x2066...0x2069).contains(v)
      {
        return "\\u{" + String(v, radix: 16, uppercase: true) + "}"
      }
      return String(scalar)
    }
  }

  /// The source line as printed (control characters escaped, tabs kept; a window of ``snippetWidth`` scalars
  /// around `column` when the line is longer) and the caret line's padding: a tab under each tab, one space per
  /// printed character otherwise, so the caret stands under the column's first printed character.
  static func snippet(_ line: String, column: Int, cutBefore: Bool = false, cutAfter: Bool = false)
    -> (shown: String, padding: String)
  {
    let scalars = Array(line.unicodeScalars)
    let at = max(column - 1, 0)
    var start = 0
    var end = scalars.count
    if scalars.count > snippetWidth {
      start = max(0, min(at - snippetWidth / 2, scalars.count - snippetWidth))
      end = min(scalars.count, start + snippetWidth)
    }
    let cutStart = start > 0 || cutBefore
    var shown = cutStart ? "..." : ""
    var padding = cutStart ? "   " : ""
    for i in start..<end {
      let printed = escaped(scalars[i], keepTab: true)
      shown += printed
      if i < at { padding += printed == "\t" ? "\t" : String(repeating: " ", count: printed.count) }
    }
    if at > end { padding += String(repeating: " ", count: at - end) }
    if end < scalars.count || cutAfter { shown += "..." }
    return (shown, padding)
  }
}

/// Why an experiment file could not be turned into a spec or a plan: one or more ``Diagnostic``s, in file order.
///
/// The command-line tool prints ``rendered(style:)`` on stderr and exits with status 2.
public struct ExperimentError: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [Diagnostic]

  public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

  public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

  /// Every diagnostic rendered, separated by newlines; after two or more errors a final `N errors` line.
  public func rendered(style: DiagnosticStyle = .plain) -> String {
    var text = diagnostics.map { $0.rendered(style: style) }.joined(separator: "\n")
    let errors = diagnostics.filter { $0.severity == .error }.count
    if errors > 1 { text += "\n\(errors) errors" }
    return text
  }

  public var description: String { rendered() }

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
    self.lines = Self.lines(of: source)
  }

  /// The lines of `source` as libYAML counts them (its positions are what diagnostics carry): a line ends at
  /// `\r\n`, `\r`, `\n`, U+0085, U+2028 or U+2029; the break is not part of the line.
  static func lines(of source: String) -> [Substring] {
    var lines: [Substring] = []
    let scalars = source.unicodeScalars
    var start = scalars.startIndex
    var i = start
    while i < scalars.endIndex {
      let c = scalars[i]
      if c == "\n" || c == "\r" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" {
        lines.append(Substring(scalars[start..<i]))
        var next = scalars.index(after: i)
        if c == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
        start = next
        i = next
      } else {
        i = scalars.index(after: i)
      }
    }
    lines.append(Substring(scalars[start..<scalars.endIndex]))
    return lines
  }

  func sourceLine(_ line: Int) -> String? {
    guard line >= 1, line <= lines.count else { return nil }
    return String(lines[line - 1])
  }

  /// The most diagnostics kept; beyond it they are counted (``dropped``) and reported in one note.
  static let maximumDiagnostics = 500
  /// Diagnostics not kept because ``maximumDiagnostics`` were already there.
  private(set) var dropped = 0

  func make(_ message: String, at position: SourcePosition?, severity: Diagnostic.Severity = .error) -> Diagnostic {
    guard let position else { return Diagnostic(file: file, message: message, severity: severity) }
    var diagnostic = Diagnostic(
      file: file, line: position.line, column: position.column, message: message,
      severity: severity)
    guard position.line >= 1, position.line <= lines.count else { return diagnostic }
    // Keep a window of a long line, not the line: a 4 MiB one-line file with many errors must not hold a copy
    // of the line per error.
    let scalars = lines[position.line - 1].unicodeScalars
    let count = scalars.count
    let keep = 2 * Diagnostic.snippetWidth
    if count <= 2 * keep {
      diagnostic.sourceLine = String(lines[position.line - 1])
    } else {
      let lower = max(0, min(position.column - 1 - keep / 2, count - keep))
      let from = scalars.index(scalars.startIndex, offsetBy: lower)
      let to = scalars.index(from, offsetBy: keep)
      var window = ""
      window.unicodeScalars.append(contentsOf: scalars[from..<to])
      diagnostic.sourceLine = window
      diagnostic.sourceLineOffset = lower
      diagnostic.sourceLineContinues = lower + keep < count
    }
    return diagnostic
  }

  mutating func error(_ message: String, at position: SourcePosition?) {
    guard diagnostics.count < Self.maximumDiagnostics else {
      dropped += 1
      return
    }
    diagnostics.append(make(message, at: position))
  }

  /// ``sorted``, and a note for the diagnostics not kept.
  var report: [Diagnostic] {
    var out = sorted
    if dropped > 0 {
      out.append(Diagnostic(file: file, message: "\(dropped) more errors not shown", severity: .note))
    }
    return out
  }

  var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

  /// Diagnostics sorted by position (stable for equal positions), positionless ones first.
  /// The diagnostics in source order, each distinct message once (a setting shared by many trials, such as a
  /// missing input file, is reported once, not once per trial).
  var sorted: [Diagnostic] {
    var seen = Set<String>()
    let unique = diagnostics.filter { seen.insert($0.rendered()).inserted }
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
