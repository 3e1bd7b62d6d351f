import Foundation

/// Builds a comma-separated file in memory and writes it in one go.
///
/// Fields containing a comma, a double quote, CR or LF are quoted (RFC 4180, quotes doubled); rows end with `\n`.
/// Doubles are written in Swift's shortest round-trip form (`0.1`, `2028.0`, `1e-05`), which parses back to the
/// identical value; NaN is written as an empty cell (as pandas does) and infinities as `inf` / `-inf`.
public struct CSVWriter: Sendable {
  public private(set) var text: String

  /// Starts a file with the given header row.
  public init(header: [String]) {
    text = ""
    append(header)
  }

  /// Appends one row of already formatted fields.
  public mutating func append(_ fields: [String]) {
    var first = true
    for field in fields {
      if !first { text.append(",") }
      first = false
      text.append(Self.quoted(field))
    }
    text.append("\n")
  }

  /// Writes the text as UTF-8 to `url`, replacing any existing file.
  public func write(to url: URL) throws {
    try Data(text.utf8).write(to: url, options: .atomic)
  }

  /// `field`, quoted when it contains a comma, a double quote, CR or LF.
  public static func quoted(_ field: String) -> String {
    guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return field }
    var out = "\""
    for ch in field {
      if ch == "\"" { out.append("\"") }
      out.append(ch)
    }
    out.append("\"")
    return out
  }

  /// Shortest round-trip text of `x`; NaN gives "" and infinities "inf" / "-inf".
  public static func field(_ x: Double) -> String {
    if x.isNaN { return "" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    return x.description
  }

  /// The ISO date `YYYY-MM-DD` (proleptic Gregorian, UTC) of `day` whole days since 1970-01-01
  /// (``CSVDate/isoDate(_:)``).
  public static func isoDate(day: Int) -> String { CSVDate.isoDate(day) }
}
