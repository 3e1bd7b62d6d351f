import Foundation

extension RateSeries {
  /// A problem reading a series file: the shared ``CSVError``, located like a compiler diagnostic
  /// (`file:line:column: error: message`, 1-based; `column` counts bytes from the start of the line to the cell).
  public typealias LoadError = CSVError

  /// Reads a series from a CSV file with a header row (read with ``CSVTable``).
  ///
  /// Steps, in order: keep rows matching `options.filter`; parse the time (see ``Options/timeColumn``) and the value
  /// (an empty cell or `nan` in any case is missing); with `positiveOnly`, drop rows whose value is <= 0; sort by time
  /// (stable); resample to bucket means if asked; drop or interpolate missing values (``Missing``); keep the last
  /// `options.last` points. A file with only a header, or nothing at all, gives an empty series.
  ///
  /// - Throws: ``LoadError`` (``CSVError``) naming the file, line and column for an unreadable file (at 1:1), a
  ///   missing column (time, then value, then filter columns by name), a row with the wrong number of cells, an
  ///   unterminated quote, or a cell of a kept row that is not a time or a number (all times are checked before the
  ///   values).
  public static func load(file: URL, options: Options) throws -> RateSeries {
    let table: CSVTable
    do {
      table = try CSVTable(contentsOf: file)
    } catch let error as CSVError where error.kind == .empty {
      return RateSeries(times: [], values: [])
    }
    _ = try table.columnIndex(options.timeColumn)
    _ = try table.columnIndex(options.valueColumn)
    var kept = Array(0..<table.rowCount)
    for (column, wanted) in options.filter.sorted(by: { $0.key < $1.key }) {
      let cells = try table.strings(column)
      kept.removeAll { cells[$0] != wanted }
    }
    let cellTimes = try table.times(options.timeColumn, rows: kept)
    let cellValues = try table.doubles(options.valueColumn, rows: kept)
    var points: [(time: Double, value: Double?)] = []
    points.reserveCapacity(kept.count)
    for (time, value) in zip(cellTimes, cellValues) {
      if options.positiveOnly, !value.isNaN, !(value > 0) { continue }
      points.append((time, value.isNaN ? nil : value))
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
}
