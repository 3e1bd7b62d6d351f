/// Date and time parsing for the CSV files, in UTC, without Foundation.
///
/// Accepted texts:
/// - `YYYY-MM-DD` (a day),
/// - `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS`, optionally followed by `Z` or `+00:00` (a UTC instant),
/// - an integer nanosecond Unix epoch (as the liquidation tables' `day`), recognised by having at least 12 digits.
///
/// Days are whole days since 1970-01-01; instants are seconds since 1970-01-01T00:00:00Z. A time of day is floored
/// to its day. Calendar arithmetic is proleptic Gregorian (Howard Hinnant's `days_from_civil`).
public enum CSVDate {
  /// The formats, as written in error messages.
  public static let expectedFormats = "YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or a nanosecond epoch"

  /// Days since 1970-01-01 of a proleptic Gregorian date (no range check).
  public static func days(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  /// The civil date of a day count (inverse of ``days(year:month:day:)``).
  public static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  /// `YYYY-MM-DD` of a day count.
  public static func isoDate(_ day: Int) -> String {
    let (y, m, d) = civil(fromDays: day)
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
  }

  /// Seconds since the epoch of any accepted text, or nil when the text is in none of the formats
  /// (a nanosecond epoch is floored to whole seconds).
  public static func secondsSinceEpoch(_ text: String) -> Int? {
    var t = text
    return t.withUTF8 { secondsSinceEpoch(bytes: $0) }
  }

  /// Days since the epoch of any accepted text (a time of day is floored), or nil.
  public static func daysSinceEpoch(_ text: String) -> Int? {
    secondsSinceEpoch(text).map { floorDiv($0, 86_400) }
  }

  @inline(__always) static func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
  }

  /// Byte-level parser behind ``secondsSinceEpoch(_:)``.
  static func secondsSinceEpoch(bytes b: UnsafeBufferPointer<UInt8>) -> Int? {
    let n = b.count
    if n == 0 { return nil }
    @inline(__always) func digit(_ i: Int) -> Int? {
      let c = b[i]
      return (c >= 48 && c <= 57) ? Int(c - 48) : nil
    }
    // Nanosecond epoch: an optionally negative integer of at least 12 digits.
    var allDigits = true
    var start = 0
    if b[0] == UInt8(ascii: "-") { start = 1 }
    if start == n { return nil }
    for i in start..<n where digit(i) == nil {
      allDigits = false
      break
    }
    if allDigits {
      guard n - start >= 12, n - start <= 19 else { return nil }
      var v = 0
      for i in start..<n {
        guard let d = digit(i) else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(d)
        if o1 || o2 { return nil }
        v = s
      }
      return floorDiv(start == 1 ? -v : v, 1_000_000_000)
    }
    // YYYY-MM-DD[( |T)HH:MM:SS[Z|+00:00]]
    guard n >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
    func number(_ from: Int, _ count: Int) -> Int? {
      var v = 0
      for i in from..<(from + count) {
        guard let d = digit(i) else { return nil }
        v = v * 10 + d
      }
      return v
    }
    guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
      (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
    else { return nil }
    var seconds = days(year: year, month: month, day: day) * 86_400
    if n == 10 { return seconds }
    guard n >= 19, b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"),
      b[16] == UInt8(ascii: ":"), let hh = number(11, 2), let mm = number(14, 2), let ss = number(17, 2),
      hh < 24, mm < 60, ss < 61
    else { return nil }
    seconds += hh * 3600 + mm * 60 + ss
    var i = 19
    // Optional fractional seconds (ignored: floored).
    if i < n, b[i] == UInt8(ascii: ".") {
      i += 1
      while i < n, digit(i) != nil { i += 1 }
    }
    let rest = n - i
    if rest == 0 { return seconds }
    if rest == 1, b[i] == UInt8(ascii: "Z") { return seconds }
    if rest == 6, b[i] == UInt8(ascii: "+"), b[i + 1] == UInt8(ascii: "0"), b[i + 2] == UInt8(ascii: "0"),
      b[i + 3] == UInt8(ascii: ":"), b[i + 4] == UInt8(ascii: "0"), b[i + 5] == UInt8(ascii: "0")
    {
      return seconds
    }
    return nil
  }

  static func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
