import Foundation

/// Fixed, locale-independent number and text formatting shared by the Markdown, data files and scripts.
enum Format {
  /// A metric value for a table: NaN/infinite as `—`; 0 and whole numbers ≥ 1 without decimals (counts);
  /// |x| ≥ 100 with 1 decimal; |x| ≥ 0.01 with 4 significant-ish decimals (3 after the point for |x| ≥ 1);
  /// smaller values in 3 significant digits.
  static func metric(_ x: Double) -> String {
    guard x.isFinite else { return "—" }
    let a = abs(x)
    if a == 0 { return "0" }
    if a >= 1, x == x.rounded(), a < 1e15 { return String(Int64(x)) }
    if a >= 100 { return String(format: "%.1f", x) }
    if a >= 1 { return String(format: "%.3f", x) }
    if a >= 0.01 { return String(format: "%.4f", x) }
    return String(format: "%.3g", x)
  }

  /// The number of decimals ``metric(_:)`` uses for `x`, or nil when it uses significant digits or an integer.
  static func decimals(for x: Double) -> Int? {
    let a = abs(x)
    guard x.isFinite, !(a >= 1 && x == x.rounded()) else { return nil }
    if a >= 100 { return 1 }
    if a >= 1 { return 3 }
    if a >= 0.01 || a == 0 { return 4 }
    return nil
  }

  /// `x` with the decimals that ``metric(_:)`` gives `reference` (so a spread or a difference lines up with its
  /// mean: `0.6499 ± 0.0044`); falls back to ``metric(_:)``.
  static func metric(_ x: Double, like reference: Double) -> String {
    guard x.isFinite else { return "—" }
    guard let places = decimals(for: reference) else { return metric(x) }
    return String(format: "%.\(places)f", x)
  }

  /// A signed difference in the style of ``metric(_:like:)`` (`+0.0120`, `-3.2`).
  static func signed(_ x: Double, like reference: Double) -> String {
    guard x.isFinite else { return "—" }
    let s = metric(x, like: reference)
    return x >= 0 && !s.hasPrefix("-") ? "+" + s : s
  }

  /// A number for a data file or a script: `%.10g`, NaN for non-finite values.
  static func data(_ x: Double) -> String {
    guard x.isFinite else { return "NaN" }
    if x == 0 { return "0" }
    return String(format: "%.10g", x)
  }

  /// `2026-11-21 19:30 UTC`.
  static func date(_ d: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: d)
    return String(
      format: "%04d-%02d-%02d %02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0,
      c.minute ?? 0)
  }

  /// Collapses control characters and newlines to single spaces and trims.
  static func oneLine(_ s: String) -> String {
    var out = ""
    var lastWasSpace = false
    for scalar in s.unicodeScalars {
      let isControl =
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0)
        || scalar == "\u{2028}" || scalar == "\u{2029}"
      if isControl || scalar == " " {
        if !lastWasSpace { out += " " }
        lastWasSpace = true
      } else {
        out.unicodeScalars.append(scalar)
        lastWasSpace = false
      }
    }
    return out.trimmingCharacters(in: .whitespaces)
  }

  /// Shortens to at most `max` characters, ending with `…` when cut.
  static func truncate(_ s: String, _ max: Int) -> String {
    s.count <= max ? s : String(s.prefix(max - 1)) + "…"
  }
}

/// Markdown escaping for text the report did not write itself.
enum Markdown {
  /// Text safe inside a table cell or a heading: one line, `|`, `\`, `*`, `_`, `` ` ``, `[`, `]`, `<`, `>` escaped.
  static func cell(_ s: String) -> String {
    var out = ""
    for ch in Format.oneLine(s) {
      switch ch {
      case "|", "\\", "*", "_", "`", "[", "]", "#": out += "\\" + String(ch)
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "&": out += "&amp;"
      default: out.append(ch)
      }
    }
    return out.isEmpty ? " " : out
  }

  /// Inline code that survives any backticks in `s`.
  static func code(_ s: String) -> String {
    let text = Format.oneLine(s)
    let fence = String(repeating: "`", count: longestBacktickRun(text) + 1)
    let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
    return fence + pad + text + pad + fence
  }

  /// A fenced code block that survives any backtick runs in `s`.
  static func codeBlock(_ s: String, language: String = "") -> String {
    let fence = String(repeating: "`", count: max(3, longestBacktickRun(s) + 1))
    return fence + language + "\n" + s + "\n" + fence
  }

  static func longestBacktickRun(_ s: String) -> Int {
    var best = 0
    var run = 0
    for ch in s {
      run = ch == "`" ? run + 1 : 0
      best = max(best, run)
    }
    return best
  }

  /// A table from a header and rows (each row as many cells as the header); `align` per column: `l` or `r`.
  static func table(_ header: [String], _ rows: [[String]], align: [Character]? = nil) -> String {
    var lines = ["| " + header.joined(separator: " | ") + " |"]
    let rule = header.indices.map { i -> String in
      (align.map { i < $0.count ? $0[i] : "l" } ?? "l") == "r" ? "---:" : "---"
    }
    lines.append("| " + rule.joined(separator: " | ") + " |")
    for row in rows { lines.append("| " + row.joined(separator: " | ") + " |") }
    return lines.joined(separator: "\n")
  }
}

/// Text that reaches a gnuplot script.
public enum GnuplotText {
  /// A gnuplot single-quoted string literal for arbitrary text.
  ///
  /// Inside single quotes gnuplot interprets no backslash escapes, no backquote command substitution and no `@`
  /// macros; the only special character is `'`, written twice. Newlines and other control characters (which would
  /// end the command) become spaces. Pair with `noenhanced` terminals so `^ _ @ & { }` print as themselves.
  public static func literal(_ s: String) -> String {
    "'" + Format.oneLine(s).replacingOccurrences(of: "'", with: "''") + "'"
  }

  /// Several lines as one gnuplot string expression: each line a ``literal(_:)``, joined with `."\n".`
  /// (the only double-quoted string, a constant written here).
  public static func lines(_ lines: [String]) -> String {
    lines.map(literal).joined(separator: ".\"\\n\".")
  }

  /// A comment line for data files and scripts (`# ` + the text on one line).
  static func comment(_ s: String) -> String { "# " + Format.oneLine(s) }
}
