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

  /// The ISO date `YYYY-MM-DD` (proleptic Gregorian, UTC) of `day` whole days since 1970-01-01.
  public static func isoDate(day: Int) -> String {
    let (y, m, d) = civil(fromDays: day)
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    return (y < 0 ? "-" + pad(-y, 4) : pad(y, 4)) + "-" + pad(m, 2) + "-" + pad(d, 2)
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
  static func days(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  /// The inverse of ``days(year:month:day:)`` (H. Hinnant's `civil_from_days`).
  static func civil(fromDays z: Int) -> (year: Int, month: Int, day: Int) {
    let z = z + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }
}
