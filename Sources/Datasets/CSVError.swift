/// A problem reading a CSV file, located like a compiler diagnostic: `file:line:column: error: message`.
///
/// `line` and `column` are 1-based; `column` counts bytes from the start of the line to the first character of the
/// offending field (the opening quote for a quoted field). Errors that concern the whole file (it cannot be read, it
/// is empty) point at `1:1`.
public struct CSVError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong, with what was expected.
  public enum Kind: Sendable, Hashable {
    /// The file could not be read (`reason` is the system's message).
    case unreadable(reason: String)
    /// The file has no header line.
    case empty
    /// A required column is absent from the header; `available` lists the header's columns.
    case missingColumn(name: String, available: [String])
    /// A record has a different number of fields than the header.
    case fieldCount(expected: Int, found: Int)
    /// A quoted field is not closed before the end of the file.
    case unterminatedQuote
    /// Something other than a delimiter or line end follows a closing quote.
    case characterAfterQuote(found: String)
    /// A cell of a numeric column is not a number.
    case invalidNumber(column: String, text: String)
    /// A cell of a date column is in none of the accepted formats.
    case invalidDate(column: String, text: String, expected: String)
    /// A number that is infinite or too large for a double (`inf`, `1e400`) where finite values are required.
    case nonFiniteNumber(column: String, text: String)
    /// The header names a column twice; `firstColumn` is the 1-based position of the first one.
    case duplicateColumn(name: String, firstColumn: Int)
    /// Two kept rows have the same time; `firstLine` is the line of the first one.
    case duplicateTime(text: String, firstLine: Int)
    /// The file has a header but no data rows (or no row passed the filter, named in `detail`).
    case noData(detail: String)
    /// A cell the reader needs is empty (or `NA`, `NaN`): the CSV panel source refuses missing values.
    case missingValue(column: String, text: String)
    /// A feature cell of the CSV panel source that is infinite or too large for a double.
    case nonFiniteFeature(column: String, text: String)
    /// A label cell that is not one of the accepted values (`expected` says which).
    case invalidLabel(column: String, text: String, expected: String)
    /// Every label is the same class; a classifier needs both.
    case singleClass(column: String, label: Int, rows: Int)
    /// A time cell that is neither of the time kinds, or not of the kind of the first row (`expected` says which).
    case invalidTime(column: String, text: String, expected: String)
    /// One column is given two roles (label, time, group, feature, excluded), or listed twice in one.
    case conflictingRoles(name: String, first: String, second: String)
    /// No column is left to serve as a feature; `detail` says why.
    case noFeatures(detail: String)
  }

  /// Longest quoted text in a message, in characters; longer text is cut and says how much was left out.
  public static let maxQuotedLength = 60

  /// `text` as it appears in messages: control and other non-printing characters escaped (`\n`, `\t`, `\u{7}`),
  /// cut to ``maxQuotedLength`` characters with the count of the rest.
  public static func quoted(_ text: String) -> String {
    var out = ""
    var shown = 0
    var total = 0
    for scalar in text.unicodeScalars {
      total += 1
      guard shown < maxQuotedLength else { continue }
      shown += 1
      switch scalar {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) || scalar == "\u{FFFD}"
          || scalar.properties.generalCategory == .format
        {
          out += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    if total > shown { out += "... (\(total - shown) more characters)" }
    return out
  }

  /// A header's column names for a message: each quoted, at most 20 of them.
  static func columnList(_ names: [String]) -> String {
    let shown = names.prefix(20).map { quoted($0) }.joined(separator: ", ")
    return names.count > 20 ? shown + ", ... (\(names.count - 20) more columns)" : shown
  }

  /// The file's path as given to the reader (or its display name).
  public var file: String
  public var line: Int
  public var column: Int
  public var kind: Kind

  public init(file: String, line: Int, column: Int, kind: Kind) {
    self.file = file
    self.line = line
    self.column = column
    self.kind = kind
  }

  /// The message without the location.
  public var message: String {
    switch kind {
    case .unreadable(let reason):
      return "cannot read the file: \(reason)"
    case .empty:
      return "the file is empty; expected a header line"
    case .missingColumn(let name, let available):
      return "missing column '\(Self.quoted(name))'; the header has: \(Self.columnList(available))"
    case .fieldCount(let expected, let found):
      return "expected \(expected) fields as in the header, found \(found)"
    case .unterminatedQuote:
      return "unterminated quoted field; expected a closing '\"'"
    case .characterAfterQuote(let found):
      return "expected ',' or a line end after a closing quote, found '\(Self.quoted(found))'"
    case .invalidNumber(let column, let text):
      return "expected a number in column '\(Self.quoted(column))', found '\(Self.quoted(text))'"
    case .invalidDate(let column, let text, let expected):
      return "unknown date format in column '\(Self.quoted(column))': '\(Self.quoted(text))'; expected \(expected)"
    case .nonFiniteNumber(let column, let text):
      return "number out of range in column '\(Self.quoted(column))': '\(Self.quoted(text))'; values must be finite "
        + "(NA, NaN or an empty cell mean missing)"
    case .duplicateColumn(let name, let first):
      return "column '\(Self.quoted(name))' appears twice in the header (first as column \(first))"
    case .duplicateTime(let text, let firstLine):
      return
        "duplicate time '\(Self.quoted(text))' (also on line \(firstLine)); remove one, or set duplicates to mean, first or last"
    case .noData(let detail):
      return "no data rows: \(detail)"
    case .missingValue(let column, let text):
      return "missing value '\(Self.quoted(text))' in column '\(Self.quoted(column))'; the CSV source needs a value in "
        + "every label, time, group and feature cell (drop or fill the row)"
    case .nonFiniteFeature(let column, let text):
      return "number out of range in column '\(Self.quoted(column))': '\(Self.quoted(text))'; feature values must be "
        + "finite"
    case .invalidLabel(let column, let text, let expected):
      return "unexpected label '\(Self.quoted(text))' in column '\(Self.quoted(column))'; expected \(expected)"
    case .singleClass(let column, let label, let rows):
      return "all \(rows) rows have label \(label) in column '\(Self.quoted(column))'; a classifier needs rows of both "
        + "classes (check the label column and the positive value)"
    case .invalidTime(let column, let text, let expected):
      return "expected a time in column '\(Self.quoted(column))', found '\(Self.quoted(text))'; expected \(expected)"
    case .conflictingRoles(let name, let first, let second):
      return first == second
        ? "column '\(Self.quoted(name))' is named twice as \(first)"
        : "column '\(Self.quoted(name))' cannot be both \(first) and \(second)"
    case .noFeatures(let detail):
      return "no feature columns: \(detail)"
    }
  }

  public var description: String { "\(file):\(line):\(column): error: \(message)" }
}
