import Foundation

extension RateSeries {
  /// A problem reading a series file, located like a compiler diagnostic: `file:line:column: error: message`.
  /// `line` and `column` are 1-based; `column` counts bytes from the start of the line to the offending cell.
  public struct LoadError: Error, CustomStringConvertible, Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
      self.file = file
      self.line = line
      self.column = column
      self.message = message
    }

    public var description: String { "\(file):\(line):\(column): error: \(message)" }
  }

  /// Reads a series from a CSV file with a header row.
  ///
  /// Steps, in order: keep rows matching `options.filter`; parse the time (see ``Options/timeColumn``) and the value
  /// (an empty cell, `nan` or `NaN` is missing); with `positiveOnly`, drop rows whose value is <= 0; sort by time
  /// (stable); resample to bucket means if asked; drop or interpolate missing values (``Missing``); keep the last
  /// `options.last` points. A file with only a header gives an empty series.
  ///
  /// - Throws: ``LoadError`` naming the file, line and column for a missing column, a row with the wrong number of
  ///   cells, an unterminated quote, or a cell that is not a time or a number; file-system errors as they come.
  public static func load(file: URL, options: Options) throws -> RateSeries {
    let bytes = [UInt8](try Data(contentsOf: file))
    let path = file.path
    let table = try RateSeriesCSV.parse(bytes, file: path)
    guard let header = table.rows.first else { return RateSeries(times: [], values: []) }

    func columnIndex(_ name: String, role: String) throws -> Int {
      guard let index = header.fields.firstIndex(of: name) else {
        throw LoadError(file: path, line: header.line, column: 1,
                        message: "no \(role) column '\(name)'; the columns are \(header.fields.joined(separator: ", "))")
      }
      return index
    }
    let timeIndex = try columnIndex(options.timeColumn, role: "time")
    let valueIndex = try columnIndex(options.valueColumn, role: "value")
    let filters = try options.filter.sorted { $0.key < $1.key }.map { (try columnIndex($0.key, role: "filter"), $0.value) }

    var points: [(time: Double, value: Double?)] = []
    points.reserveCapacity(table.rows.count)
    for row in table.rows.dropFirst() {
      if filters.contains(where: { row.fields[$0.0] != $0.1 }) { continue }
      let timeText = row.fields[timeIndex]
      guard let time = parseTime(timeText) else {
        throw LoadError(file: path, line: row.line, column: row.columns[timeIndex],
                        message: "'\(options.timeColumn)' must be a time (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or a Unix "
                          + "epoch), got '\(timeText)'")
      }
      let valueText = row.fields[valueIndex]
      var value: Double?
      if !(valueText.isEmpty || valueText == "nan" || valueText == "NaN") {
        guard let v = Double(valueText.trimmingCharacters(in: .whitespaces)) else {
          throw LoadError(file: path, line: row.line, column: row.columns[valueIndex],
                          message: "'\(options.valueColumn)' must be a number or empty, got '\(valueText)'")
        }
        value = v.isNaN ? nil : v
      }
      if options.positiveOnly, let v = value, !(v > 0) { continue }
      points.append((time, value))
    }
    // Stable sort by time.
    let order = points.indices.sorted { points[$0].time != points[$1].time ? points[$0].time < points[$1].time : $0 < $1 }
    points = order.map { points[$0] }

    if let size = options.resample.seconds {
      var buckets: [(time: Double, value: Double?)] = []
      var sum = 0.0
      var count = 0
      var current: Double?
      func flush() {
        if let start = current { buckets.append((start, count > 0 ? sum / Double(count) : nil)) }
      }
      for point in points {
        let start = (point.time / size).rounded(.down) * size
        if start != current {
          flush()
          if options.missing == .interpolate, let previous = current {
            var gap = previous + size
            while gap < start {
              buckets.append((gap, nil))
              gap += size
            }
          }
          current = start
          sum = 0
          count = 0
        }
        if let v = point.value {
          sum += v
          count += 1
        }
      }
      flush()
      points = buckets
    }

    var times: [Double] = []
    var values: [Double] = []
    switch options.missing {
    case .drop:
      for point in points {
        if let v = point.value {
          times.append(point.time)
          values.append(v)
        }
      }
    case .interpolate:
      let present = points.indices.filter { points[$0].value != nil }
      if let first = present.first, let lastPresent = present.last {
        var next = 0
        for k in first...lastPresent {
          while present[next] < k { next += 1 }
          let t = points[k].time
          if let v = points[k].value {
            times.append(t)
            values.append(v)
          } else {
            let a = present[next - 1]
            let b = present[next]
            let ta = points[a].time
            let tb = points[b].time
            let va = points[a].value ?? .nan
            let vb = points[b].value ?? .nan
            times.append(t)
            values.append(tb > ta ? va + (vb - va) * (t - ta) / (tb - ta) : va)
          }
        }
      }
    }
    if options.last > 0 && values.count > options.last {
      times.removeFirst(times.count - options.last)
      values.removeFirst(values.count - options.last)
    }
    return RateSeries(times: times, values: values)
  }

  /// Seconds since the epoch for an ISO date or date-time (UTC) or a numeric epoch; nil when unparsable.
  static func parseTime(_ text: String) -> Double? {
    let b = Array(text.utf8)
    func number(_ range: Range<Int>) -> Int? {
      guard range.upperBound <= b.count else { return nil }
      var v = 0
      for k in range {
        guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
        v = v * 10 + Int(b[k] - 0x30)
      }
      return v
    }
    if b.count >= 10, b[4] == 0x2D, b[7] == 0x2D, let year = number(0..<4), let month = number(5..<7),
      let day = number(8..<10)
    {
      guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month) else { return nil }
      var seconds = Double(CSVWriter.days(year: year, month: month, day: day)) * 86_400
      var k = 10
      if k < b.count && (b[k] == 0x20 || b[k] == 0x54) {
        guard k + 6 <= b.count, let hour = number(k + 1..<k + 3), b[k + 3] == 0x3A, let minute = number(k + 4..<k + 6),
          hour < 24, minute < 60
        else { return nil }
        seconds += Double(hour * 3_600 + minute * 60)
        k += 6
        if k < b.count && b[k] == 0x3A {
          guard let second = number(k + 1..<k + 3), second <= 60 else { return nil }
          seconds += Double(second)
          k += 3
          if k < b.count && (b[k] == 0x2E || b[k] == 0x2C) {
            var scale = 0.1
            k += 1
            let start = k
            while k < b.count && b[k] >= 0x30 && b[k] <= 0x39 {
              seconds += Double(b[k] - 0x30) * scale
              scale /= 10
              k += 1
            }
            if k == start { return nil }
          }
        }
      }
      let rest = String(decoding: b[k...], as: UTF8.self)
      return ["", "Z", "+00:00", "+0000", "UTC", " UTC", "+00"].contains(rest) ? seconds : nil
    }
    guard let x = Double(text.trimmingCharacters(in: .whitespaces)), x.isFinite else { return nil }
    let magnitude = Swift.abs(x)
    if magnitude >= 1e17 { return x / 1e9 }
    if magnitude >= 1e14 { return x / 1e6 }
    if magnitude >= 1e11 { return x / 1e3 }
    return x
  }

  private static func daysInMonth(_ year: Int, _ month: Int) -> Int {
    switch month {
    case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }
}

/// A minimal RFC 4180 reader for ``RateSeries``: comma-separated, `"`-quoted cells with `""` escapes (which may span
/// lines), LF or CRLF line ends, a UTF-8 byte-order mark skipped, blank lines ignored.
private struct RateSeriesCSV {
  struct Row {
    /// 1-based line where the row starts.
    var line: Int
    var fields: [String]
    /// 1-based byte column where each cell starts.
    var columns: [Int]
  }

  var rows: [Row]

  static func parse(_ b: [UInt8], file: String) throws -> RateSeriesCSV {
    var rows: [Row] = []
    var i = b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
    var line = 1
    var lineStart = i
    var fields: [String] = []
    var columns: [Int] = []
    var rowLine = 1
    var field: [UInt8] = []
    let n = b.count

    func error(_ line: Int, _ column: Int, _ message: String) -> RateSeries.LoadError {
      RateSeries.LoadError(file: file, line: line, column: column, message: message)
    }

    while i < n || !fields.isEmpty {
      // Start of a cell.
      if fields.isEmpty { rowLine = line }
      let column = i - lineStart + 1
      field.removeAll(keepingCapacity: true)
      var endOfRow = false
      if i < n && b[i] == 0x22 {
        let quoteLine = line
        i += 1
        var closed = false
        while i < n {
          let c = b[i]
          if c == 0x22 {
            if i + 1 < n && b[i + 1] == 0x22 {
              field.append(0x22)
              i += 2
              continue
            }
            i += 1
            closed = true
            break
          }
          if c == 0x0A {
            line += 1
            lineStart = i + 1
          }
          field.append(c)
          i += 1
        }
        if !closed { throw error(quoteLine, column, "unterminated quoted cell") }
        if i < n && b[i] != 0x2C && b[i] != 0x0A && !(b[i] == 0x0D && i + 1 < n && b[i + 1] == 0x0A) && b[i] != 0x0D {
          throw error(line, i - lineStart + 1, "expected ',' or a line end after a closing quote")
        }
      } else {
        while i < n && b[i] != 0x2C && b[i] != 0x0A && b[i] != 0x0D {
          field.append(b[i])
          i += 1
        }
      }
      fields.append(String(decoding: field, as: UTF8.self))
      columns.append(column)
      if i < n && b[i] == 0x2C {
        i += 1
        if i == n { fields.append(""); columns.append(i - lineStart + 1); endOfRow = true }
      } else {
        if i < n && b[i] == 0x0D { i += 1 }
        if i < n && b[i] == 0x0A { i += 1 }
        endOfRow = true
      }
      if endOfRow {
        let blank = fields.count == 1 && fields[0].isEmpty
        if !blank {
          if let width = rows.first?.fields.count, fields.count != width {
            throw error(rowLine, 1, "expected \(width) cells as in the header, found \(fields.count)")
          }
          rows.append(Row(line: rowLine, fields: fields, columns: columns))
        }
        fields.removeAll(keepingCapacity: true)
        columns.removeAll(keepingCapacity: true)
        line += 1
        lineStart = i
        if i >= n { break }
      }
    }
    return RateSeriesCSV(rows: rows)
  }
}
