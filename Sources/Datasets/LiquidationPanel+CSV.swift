import Foundation

/// How a CSV file of the user's own data becomes a ``LiquidationPanel`` (the `data.csv` settings of `classify`;
/// docs/csv-source.md).
///
/// Roles of the columns: one `label` column (required), an optional `time` column, an optional `group` column, the
/// `features`, and `exclude`d columns that are never features. One column has at most one role.
public struct CSVPanelOptions: Sendable, Hashable {
  /// The label column. Without ``positive``: each cell is `0` or `1` (any numeric spelling, such as `1.0`) or
  /// `true`/`false` (any case). With ``positive``: a cell equal to it (as text) is 1, and every other cell must hold
  /// one single other value, which is 0.
  public var label: String
  /// The label text that counts as 1, or nil for 0/1 labels.
  public var positive: String?
  /// The feature columns in this order, or nil for every column that has no other role, is not excluded, has a
  /// name, and whose first non-empty cell reads as a number (in header order).
  public var features: [String]?
  /// Columns never used as features (each must exist).
  public var exclude: [String]
  /// The time column, or nil: each row's time is then its position among the data rows (0, 1, ...).
  public var time: String?
  /// The group column (like the tokens of the Aave panel), or nil: every row is in the group `""`.
  public var group: String?

  public init(
    label: String, positive: String? = nil, features: [String]? = nil, exclude: [String] = [], time: String? = nil,
    group: String? = nil
  ) {
    self.label = label
    self.positive = positive
    self.features = features
    self.exclude = exclude
    self.time = time
    self.group = group
  }

  /// Time cells of the first kind: dates (``CSVDate``), floored to whole days since 1970-01-01.
  public static let dateTimeFormats =
    "YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (UTC, floored to the day) or a nanosecond epoch of 12 or more digits"
  /// The longest integer time, in digits: longer integers are nanosecond epochs (dates), as in ``CSVDate``.
  public static let maximumIntegerTimeDigits = 11

  /// What a named column is used for.
  public enum Role: String, Sendable, CaseIterable {
    case label = "the label", time = "the time", group = "the group", feature = "a feature", excluded = "excluded"
  }

  /// Each named column with its role, in the order the roles are checked: label, time, group, features, excluded.
  public var roles: [(name: String, role: Role)] {
    var out: [(String, Role)] = [(label, .label)]
    if let time { out.append((time, .time)) }
    if let group { out.append((group, .group)) }
    for f in features ?? [] { out.append((f, .feature)) }
    for e in exclude { out.append((e, .excluded)) }
    return out
  }

  /// The first column named with two roles (or twice with one), as a ``CSVError/Kind/conflictingRoles(name:first:second:)``.
  public var conflictingRoles: CSVError.Kind? {
    var seen: [String: Role] = [:]
    for (name, role) in roles {
      if let first = seen[name] { return .conflictingRoles(name: name, first: first.rawValue, second: role.rawValue) }
      seen[name] = role
    }
    return nil
  }

  /// The name of the column of ``conflictingRoles`` and its second role.
  public var conflictingColumn: (name: String, role: Role)? {
    var seen: Set<String> = []
    for (name, role) in roles {
      if !seen.insert(name).inserted { return (name, role) }
    }
    return nil
  }

  /// The columns of `header` that may be features when ``features`` is nil, before looking at their cells: those
  /// with a name, no role and not excluded, in header order.
  public func candidateFeatures(header: [String]) -> [String] {
    if let features { return features }
    let taken = Set([label] + [time, group].compactMap { $0 } + exclude)
    return header.filter { !$0.isEmpty && !taken.contains($0) }
  }
}

extension LiquidationPanel {
  /// Reads a CSV file into a panel (``init(csv:options:)``).
  public static func read(csv url: URL, options: CSVPanelOptions) throws -> LiquidationPanel {
    try LiquidationPanel(csv: CSVTable(contentsOf: url), options: options)
  }

  /// A panel from a CSV table: one row per data row, with `days` the time, `tokens` the group, `labels` 0/1 and
  /// one column per feature.
  ///
  /// Rules (docs/csv-source.md):
  /// - Time: dates (``CSVPanelOptions/dateTimeFormats``, as days since 1970-01-01) or integers of at most 11 digits
  ///   taken as they are; every cell of the kind of the first row. Without a time column, the row's position.
  /// - Rows are stably sorted by (time, group), so within one (time, group) they keep the file's order; several
  ///   rows with the same (time, group) are allowed (the Aave panel has them).
  /// - Every label, time, group and feature cell needs a value: empty, `NA` and `NaN` are refused; feature values must
  ///   be finite. The label must have both classes.
  /// - ``pipeline`` is `.perToken` (meaningless for a CSV) and ``earliestDay`` is the smallest time.
  ///
  /// - Throws: ``CSVError``, checked in this order: a missing column and two roles for one column (at the header),
  ///   no data rows (after the header), no feature column (at the header), then the first bad cell of the labels
  ///   (a single class at the label's header cell), the times, the groups and the features (column by column).
  public init(csv table: CSVTable, options: CSVPanelOptions) throws {
    let afterHeader = table.headerLine + 1
    for (name, _) in options.roles { _ = try table.columnIndex(name) }
    if let kind = options.conflictingRoles, let (name, _) = options.conflictingColumn {
      throw table.cellError(field: try table.columnIndex(name), kind: kind)
    }
    guard table.rowCount > 0 else {
      throw CSVError(
        file: table.file, line: afterHeader, column: 1, kind: .noData(detail: "the file has only a header"))
    }
    let featureNames: [String]
    if let listed = options.features {
      featureNames = listed
    } else {
      featureNames = try options.candidateFeatures(header: table.header).filter { try table.isNumeric($0) }
    }
    guard !featureNames.isEmpty else {
      let detail =
        options.features == nil
        ? "no column besides the label, time, group and excluded ones has a number in its first non-empty cell"
        : "data.csv.features is empty"
      throw CSVError(file: table.file, line: table.headerLine, column: 1, kind: .noFeatures(detail: detail))
    }

    let labels = try table.labels(options.label, positive: options.positive)
    let n = table.rowCount
    let days = try options.time.map { try table.panelTimes($0) } ?? Array(0..<n)
    let groups: [String]
    if let group = options.group {
      groups = try table.strings(group)
      let c = try table.columnIndex(group)
      if let r = groups.firstIndex(where: { $0.isEmpty }) {
        throw table.cellError(field: (r + 1) * table.header.count + c, kind: .missingValue(column: group, text: ""))
      }
    } else {
      groups = [String](repeating: "", count: n)
    }
    var columns: [[Double]] = []
    columns.reserveCapacity(featureNames.count)
    for name in featureNames { columns.append(try table.featureValues(name)) }

    let order = (0..<n).sorted {
      if days[$0] != days[$1] { return days[$0] < days[$1] }
      if groups[$0] != groups[$1] { return groups[$0] < groups[$1] }
      return $0 < $1
    }
    let sortedDays = order.map { days[$0] }
    self.init(
      pipeline: .perToken, days: sortedDays, tokens: order.map { groups[$0] }, labels: order.map { labels[$0] },
      featureNames: featureNames, columns: columns.map { c in order.map { c[$0] } },
      earliestDay: sortedDays.first ?? 0)
  }
}

extension CSVTable {
  /// The cell's raw bytes (quotes removed, `""` left as is) of data row `r` and column `c`, passed to `body`.
  func withCell<T>(row r: Int, column c: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
    let f = (r + 1) * header.count + c
    let s = Int(starts[f]), e = Int(ends[f])
    return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[s..<e])) }
  }

  /// Whether the first non-empty cell of a column reads as a number (NaN spellings count as empty).
  func isNumeric(_ name: String) throws -> Bool {
    let c = try columnIndex(name)
    for r in 0..<rowCount {
      let value = withCell(row: r, column: c) { CSVNumber.parse($0) }
      guard let value else { return false }
      if !value.isNaN { return true }
    }
    return false
  }

  /// A feature column: every cell a finite number.
  func featureValues(_ name: String) throws -> [Double] {
    try convert(name, rows: nil, { CSVNumber.parse($0).flatMap { $0.isFinite ? $0 : nil } }) { text in
      let parsed = Array(text.utf8).withUnsafeBufferPointer { CSVNumber.parse($0) }
      switch parsed {
      case nil: return .invalidNumber(column: name, text: text)
      case let x? where x.isNaN: return .missingValue(column: name, text: text)
      default: return .nonFiniteFeature(column: name, text: text)
      }
    }
  }

  /// The label column as 0/1 (see ``CSVPanelOptions/label``); both classes must occur.
  func labels(_ name: String, positive: String?) throws -> [Double] {
    let c = try columnIndex(name)
    let texts = try strings(name)
    func error(_ r: Int, _ kind: CSVError.Kind) -> CSVError { cellError(field: (r + 1) * header.count + c, kind: kind) }
    var labels = [Double](repeating: 0, count: texts.count)
    var other: (text: String, row: Int)?
    for (r, text) in texts.enumerated() {
      let number = withCell(row: r, column: c) { CSVNumber.parse($0) }
      if text.trimmingCharacters(in: .whitespaces).isEmpty || number?.isNaN == true {
        throw error(r, .missingValue(column: name, text: text))
      }
      if let positive {
        if text == positive {
          labels[r] = 1
        } else if let o = other, o.text != text {
          let line = location(row: o.row, column: c).line
          throw error(
            r,
            .invalidLabel(
              column: name, text: text,
              expected: "'\(CSVError.quoted(positive))' (positive) or '\(CSVError.quoted(o.text))' "
                + "(the other class, first on line \(line)): a label column holds two values"))
        } else {
          other = other ?? (text, r)
        }
      } else {
        switch (number, text.lowercased()) {
        case (0?, _), (_, "false"): labels[r] = 0
        case (1?, _), (_, "true"): labels[r] = 1
        default:
          throw error(
            r,
            .invalidLabel(
              column: name, text: text,
              expected: "0 or 1 (or true/false); set "
                + "data.csv.positive to name the value that counts as 1"))
        }
      }
    }
    let positives = labels.reduce(0, +)
    if positives == 0 || positives == Double(labels.count) {
      throw cellError(field: c, kind: .singleClass(column: name, label: positives == 0 ? 0 : 1, rows: labels.count))
    }
    return labels
  }

  /// The time column as integers (``CSVPanelOptions``): dates as days since 1970-01-01, or integers as they are,
  /// every cell of the kind of the first.
  func panelTimes(_ name: String) throws -> [Int] {
    let c = try columnIndex(name)
    let texts = try strings(name)
    func integer(_ text: String) -> Int? {
      let t = text.trimmingCharacters(in: .whitespaces)
      let digits = t.hasPrefix("-") || t.hasPrefix("+") ? t.dropFirst() : Substring(t)
      guard !digits.isEmpty, digits.count <= CSVPanelOptions.maximumIntegerTimeDigits,
        digits.allSatisfy({ $0.isASCII && $0.isNumber })
      else { return nil }
      return Int(t)
    }
    var days: [Int] = []
    days.reserveCapacity(texts.count)
    var dates: Bool?
    for (r, text) in texts.enumerated() {
      func fail(_ expected: String) -> CSVError {
        let kind: CSVError.Kind =
          text.trimmingCharacters(in: .whitespaces).isEmpty
          ? .missingValue(column: name, text: text) : .invalidTime(column: name, text: text, expected: expected)
        return cellError(field: (r + 1) * header.count + c, kind: kind)
      }
      let firstLine = { self.location(row: 0, column: c).line }
      switch dates {
      case nil:
        if let i = integer(text) {
          dates = false
          days.append(i)
        } else if let d = CSVDate.daysSinceEpoch(text) {
          dates = true
          days.append(d)
        } else {
          throw fail(
            "dates (\(CSVPanelOptions.dateTimeFormats)) or integers of at most "
              + "\(CSVPanelOptions.maximumIntegerTimeDigits) digits")
        }
      case true?:
        guard let d = CSVDate.daysSinceEpoch(text) else {
          throw fail("a date as on line \(firstLine()) (\(CSVPanelOptions.dateTimeFormats))")
        }
        days.append(d)
      case false?:
        guard let i = integer(text) else {
          throw fail(
            "an integer of at most \(CSVPanelOptions.maximumIntegerTimeDigits) digits as on line \(firstLine())")
        }
        days.append(i)
      }
    }
    return days
  }
}

extension LiquidationPanel {
  /// The columns the CSV export writes before the features.
  public static let csvLeadingColumns = ["day", "token", "label"]

  /// The panel as CSV text: columns `day` (YYYY-MM-DD of the row's day), `token`, `label` (`0` or `1`), then the
  /// features (all, or those named in `features`, in that order). Values are written in shortest round-trip form, so
  /// ``init(csv:options:)`` with time `day`, group `token` and label `label` reads back the identical panel (the
  /// days, tokens, labels and every feature value bit for bit; rows are already in (day, token) order). A NaN feature
  /// would be written as an empty cell, which the CSV source refuses.
  ///
  /// - Throws: ``DatasetError/unknownFeature(_:valid:)`` for a name the panel lacks;
  ///   ``DatasetError/reservedColumnName(_:)`` for a feature named `day`, `token` or `label`.
  public func csvText(features: [String]? = nil) throws -> String {
    let names = features ?? featureNames
    let selected = try names.map { try column($0) }
    if let clash = names.first(where: { Self.csvLeadingColumns.contains($0) }) {
      throw DatasetError.reservedColumnName(clash)
    }
    var csv = CSVWriter(header: Self.csvLeadingColumns + names)
    var fields = [String](repeating: "", count: 3 + names.count)
    for r in 0..<count {
      fields[0] = CSVDate.isoDate(days[r])
      fields[1] = tokens[r]
      fields[2] = labels[r] == 1 ? "1" : labels[r] == 0 ? "0" : CSVWriter.field(labels[r])
      for (k, column) in selected.enumerated() { fields[3 + k] = CSVWriter.field(column[r]) }
      csv.append(fields)
    }
    return csv.text
  }
}
