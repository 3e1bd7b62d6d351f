/// Date and time parsing for the CSV files, in UTC, without Foundation.
///
/// Accepted texts:
/// - `YYYY-MM-DD` (a day),
/// - `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS` (seconds optional, then an optional `.` or `,` fraction),
///   optionally followed by `Z`, `+00:00`, `+0000`, `+00`, `UTC` or ` UTC` (a UTC instant),
/// - an integer nanosecond Unix epoch (as the liquidation tables' `day`), recognised by having at least 12 digits.
///
/// ``instant(_:)`` reads the same ISO forms keeping fractional seconds, and any number as a Unix epoch whose unit
/// (s, ms, µs, ns) follows from its magnitude, for time columns of other sources.
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

  /// `YYYY-MM-DD` of a day count (a year before 1 BC is written with a sign, `-0001`).
  public static func isoDate(_ day: Int) -> String {
    let (y, m, d) = civil(fromDays: day)
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    return (y < 0 ? "-" + pad(-y, 4) : pad(y, 4)) + "-" + pad(m, 2) + "-" + pad(d, 2)
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
    guard let iso = isoTime(b) else { return nil }
    return iso.seconds  // a fraction of a second is floored away
  }

  /// Seconds since the epoch, with fractions, of a time cell: any ISO form of ``secondsSinceEpoch(_:)`` (fractional
  /// seconds kept), or a number (decimal or scientific, spaces around allowed) read as a Unix epoch whose unit
  /// follows from its magnitude: below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, otherwise
  /// nanoseconds. Nil for anything else, including NaN, infinities and the empty text.
  public static func instant(_ text: String) -> Double? {
    var t = text
    return t.withUTF8 { instant(bytes: $0) }
  }

  /// The formats of ``instant(_:)``, as written in error messages.
  public static let expectedInstantFormats =
    "YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS[.fff]] (UTC) or a Unix epoch (seconds, or ms, µs or ns by magnitude)"

  /// Byte-level parser behind ``instant(_:)``.
  static func instant(bytes b: UnsafeBufferPointer<UInt8>) -> Double? {
    if b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") {
      guard let iso = isoTime(b) else { return nil }
      var seconds = Double(iso.seconds)
      var scale = 0.1
      for k in iso.fraction {
        seconds += Double(b[k] - 48) * scale
        scale /= 10
      }
      return seconds
    }
    guard let x = CSVNumber.parse(b), x.isFinite else { return nil }
    let magnitude = Swift.abs(x)
    if magnitude >= 1e17 { return x / 1e9 }
    if magnitude >= 1e14 { return x / 1e6 }
    if magnitude >= 1e11 { return x / 1e3 }
    return x
  }

  /// `YYYY-MM-DD[( |T)HH:MM[:SS[(.|,)digits]]]` followed by nothing or a UTC marker (`Z`, `+00:00`, `+0000`, `+00`,
  /// `UTC`, ` UTC`): the whole seconds since the epoch and the byte range of the fraction's digits (empty if none).
  /// Nil when the text is not of that form or names an impossible date or time (a leap second `:60` is allowed).
  static func isoTime(_ b: UnsafeBufferPointer<UInt8>) -> (seconds: Int, fraction: Range<Int>)? {
    let n = b.count
    func number(_ from: Int, _ count: Int) -> Int? {
      guard from + count <= n else { return nil }
      var v = 0
      for i in from..<(from + count) {
        guard b[i] >= 48, b[i] <= 57 else { return nil }
        v = v * 10 + Int(b[i] - 48)
      }
      return v
    }
    guard n >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), let year = number(0, 4),
      let month = number(5, 2), let day = number(8, 2), (1...12).contains(month), day >= 1,
      day <= daysInMonth(year: year, month: month)
    else { return nil }
    var seconds = days(year: year, month: month, day: day) * 86_400
    var fraction = n..<n
    var k = 10
    if k < n, b[k] == UInt8(ascii: " ") || b[k] == UInt8(ascii: "T") {
      guard k + 6 <= n, let hh = number(k + 1, 2), b[k + 3] == UInt8(ascii: ":"), let mm = number(k + 4, 2),
        hh < 24, mm < 60
      else { return nil }
      seconds += hh * 3600 + mm * 60
      k += 6
      if k < n, b[k] == UInt8(ascii: ":") {
        guard let ss = number(k + 1, 2), ss <= 60 else { return nil }
        seconds += ss
        k += 3
        if k < n, b[k] == UInt8(ascii: ".") || b[k] == UInt8(ascii: ",") {
          k += 1
          let start = k
          while k < n, b[k] >= 48, b[k] <= 57 { k += 1 }
          if k == start { return nil }
          fraction = start..<k
        }
      }
    }
    if k == n { return (seconds, fraction) }
    let rest = UnsafeBufferPointer(rebasing: b[k..<n])
    for marker in utcMarkers where rest.elementsEqual(marker) { return (seconds, fraction) }
    return nil
  }

  /// What may follow a time to say it is UTC (besides nothing).
  private static let utcMarkers: [[UInt8]] = ["Z", "+00:00", "+0000", "UTC", " UTC", "+00"].map { Array($0.utf8) }

  static func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
