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
      return "missing column '\(name)'; the header has: \(available.joined(separator: ", "))"
    case .fieldCount(let expected, let found):
      return "expected \(expected) fields as in the header, found \(found)"
    case .unterminatedQuote:
      return "unterminated quoted field; expected a closing '\"'"
    case .characterAfterQuote(let found):
      return "expected ',' or a line end after a closing quote, found '\(found)'"
    case .invalidNumber(let column, let text):
      return "expected a number in column '\(column)', found '\(text)'"
    case .invalidDate(let column, let text, let expected):
      return "unknown date format in column '\(column)': '\(text)'; expected \(expected)"
    }
  }

  public var description: String { "\(file):\(line):\(column): error: \(message)" }
}
