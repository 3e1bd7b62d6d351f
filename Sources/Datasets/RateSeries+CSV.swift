import Foundation

extension RateSeries {
  /// A problem reading a series file: the shared ``CSVError``, located like a compiler diagnostic
  /// (`file:line:column: error: message`, 1-based; `column` counts bytes from the start of the line to the cell).
  public typealias LoadError = CSVError

  /// Reads a series from a CSV file with a header row (read with ``CSVTable``); see ``loadWithSummary(file:options:)``.
  public static func load(file: URL, options: Options) throws -> RateSeries {
    try loadWithSummary(file: file, options: options).series
  }

  /// Reads a series from a CSV file with a header row (read with ``CSVTable``), and counts what was left out.
  ///
  /// Steps, in order: keep rows matching `options.filter`; parse the time (see ``Options/timeColumn``) and the value
  /// (an empty cell, `NA` or `NaN` in any case is missing); with `positiveOnly`, drop rows whose value is <= 0
  /// (missing values stay); sort by time (stable); without resampling, rows with the same time are an error naming
  /// both lines, or merged as ``Options/duplicates`` says; resample to bucket means if asked; keep, drop or
  /// interpolate missing values (``Missing``); keep the last `options.last` points.
  ///
  /// - Throws: ``LoadError`` (``CSVError``) naming the file, line and column for an unreadable or empty file (at
  ///   1:1), a file with a header but no data rows or no row matching the filter (after the header), a missing or
  ///   duplicated column, a row with the wrong number of cells, an unterminated quote, a cell of a kept row that is
  ///   not a time or a number (all times are checked before the values), an infinite value (`inf`, `1e400`), or a
  ///   duplicate time.
  public static func loadWithSummary(file: URL, options: Options) throws -> (series: RateSeries, summary: LoadSummary) {
    let table = try CSVTable(contentsOf: file)
    var summary = LoadSummary()
    summary.rows = table.rowCount
    let afterHeader = table.headerLine + 1
    guard table.rowCount > 0 else {
      throw CSVError(
        file: table.file, line: afterHeader, column: 1, kind: .noData(detail: "the file has only a header"))
    }
    let timeIndex = try table.columnIndex(options.timeColumn)
    _ = try table.columnIndex(options.valueColumn)
    var kept = Array(0..<table.rowCount)
    for (column, wanted) in options.filter.sorted(by: { $0.key < $1.key }) {
      let cells = try table.strings(column)
      kept.removeAll { cells[$0] != wanted }
    }
    summary.filteredOut = table.rowCount - kept.count
    guard !kept.isEmpty else {
      let filter = options.filter.sorted { $0.key < $1.key }.map {
        "\(CSVError.quoted($0.key)) = '\(CSVError.quoted($0.value))'"
      }
      throw CSVError(
        file: table.file, line: afterHeader, column: 1,
        kind: .noData(detail: "no row matches the filter \(filter.joined(separator: ", "))"))
    }
    let cellTimes = try table.times(options.timeColumn, rows: kept)
    let cellValues = try table.finiteDoubles(options.valueColumn, rows: kept)
    var points: [(time: Double, value: Double?, row: Int)] = []
    points.reserveCapacity(kept.count)
    for (k, (time, value)) in zip(cellTimes, cellValues).enumerated() {
      if options.positiveOnly, !value.isNaN, !(value > 0) {
        summary.droppedNonPositive += 1
        continue
      }
      points.append((time, value.isNaN ? nil : value, kept[k]))
    }
    // Stable sort by time.
    let order = points.indices.sorted {
      points[$0].time != points[$1].time ? points[$0].time < points[$1].time : $0 < $1
    }
    points = order.map { points[$0] }

    if options.resample == .none {
      points = try mergeDuplicates(points, table: table, timeColumn: timeIndex, options: options, summary: &summary)
    }

    if let size = options.resample.seconds {
      var buckets: [(time: Double, value: Double?, row: Int)] = []
      var sum = 0.0
      var count = 0
      var current: Double?
      var currentRow = 0
      func flush() {
        if let start = current { buckets.append((start, count > 0 ? sum / Double(count) : nil, currentRow)) }
      }
      for point in points {
        let start = (point.time / size).rounded(.down) * size
        if start != current {
          flush()
          if options.missing != .drop, let previous = current {
            var gap = previous + size
            while gap < start {
              buckets.append((gap, nil, point.row))
              gap += size
            }
          }
          current = start
          currentRow = point.row
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
    case .keep:
      // Missing points before the first and after the last observed value carry no information; R keeps them, and
      // so do we (a fit skips them).
      for point in points {
        times.append(point.time)
        values.append(point.value ?? .nan)
        if point.value == nil { summary.keptMissing += 1 }
      }
    case .drop:
      for point in points {
        if let v = point.value {
          times.append(point.time)
          values.append(v)
        } else {
          summary.droppedMissing += 1
        }
      }
    case .interpolate:
      let present = points.indices.filter { points[$0].value != nil }
      if let first = present.first, let lastPresent = present.last {
        summary.droppedMissing += first + (points.count - 1 - lastPresent)
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
            summary.interpolated += 1
          }
        }
      } else {
        summary.droppedMissing += points.count
      }
    }
    if options.last > 0 && values.count > options.last {
      summary.droppedByLast = values.count - options.last
      times.removeFirst(times.count - options.last)
      values.removeFirst(values.count - options.last)
    }
    return (RateSeries(times: times, values: values), summary)
  }

  /// Rows with equal times (already sorted stably): an error at the second one naming the first's line, or merged.
  private static func mergeDuplicates(
    _ points: [(time: Double, value: Double?, row: Int)], table: CSVTable,
    timeColumn: Int, options: Options, summary: inout LoadSummary
  ) throws
    -> [(time: Double, value: Double?, row: Int)]
  {
    var out: [(time: Double, value: Double?, row: Int)] = []
    out.reserveCapacity(points.count)
    var i = 0
    while i < points.count {
      var j = i + 1
      while j < points.count && points[j].time == points[i].time { j += 1 }
      if j - i == 1 {
        out.append(points[i])
      } else {
        let group = points[i..<j]
        switch options.duplicates {
        case .error:
          let first = table.location(row: points[i].row, column: timeColumn)
          let second = table.location(row: points[i + 1].row, column: timeColumn)
          let text = (try? table.strings(options.timeColumn))?[points[i + 1].row] ?? "\(points[i].time)"
          throw CSVError(
            file: table.file, line: second.line, column: second.column,
            kind: .duplicateTime(text: text, firstLine: first.line))
        case .first:
          out.append(points[i])
        case .last:
          out.append(points[j - 1])
        case .mean:
          let present = group.compactMap(\.value)
          out.append(
            (points[i].time, present.isEmpty ? nil : present.reduce(0, +) / Double(present.count), points[i].row))
        }
        summary.mergedDuplicates += j - i - 1
      }
      i = j
    }
    return out
  }
}
