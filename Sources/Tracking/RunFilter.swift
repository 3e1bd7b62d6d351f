import Foundation
import GRDB

/// A `--where` expression over runs, compiled to an SQL condition with `?` arguments.
///
/// Grammar (keywords are case-insensitive):
/// ```
/// expression := or
/// or         := and ("or" and)*
/// and        := unary ("and" unary)*
/// unary      := "not" unary | "(" expression ")" | comparison
/// comparison := field ("=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=") literal
/// field      := name | `quoted name` | namespace.`quoted name`
/// name       := [A-Za-z_][A-Za-z0-9_.]*
/// literal    := number | "string" | 'string' | true | false | null
/// ```
/// Fields: `params.K`, `metrics.K`, `tags.K` (K may contain dots, or be back-quoted to hold any character), the run
/// attributes `status`, `trial_key` (`key`), `trial_index` (`index`), `seed`, `run_id` (`id`), `start_time` and
/// `end_time` (seconds since 1970), `duration` (seconds), `error`, `host`, and any other bare name is a scalar
/// metric (`f1 > 0.3` is `metrics.f1 > 0.3`; write `metrics.status` for a metric named like an attribute).
///
/// Semantics: metrics and numeric attributes compare as numbers (comparing them with a string is an error). Params
/// and tags are text: a string literal compares the text exactly, a number compares the text's numeric value
/// (`params.lr > 0.001`; text that is not a number, such as `7d`, never matches a numeric comparison). `status`
/// literals are upper-cased. `= null` / `!= null` test for a missing field (a NaN metric is stored as NULL).
/// A run that lacks the field does not match a comparison, nor its negation (SQL three-valued logic).
///
/// Security: values are never interpolated into SQL. Field names map to fixed SQL fragments; param, metric and tag
/// keys and every literal are bound as arguments.
///
/// Bounds: at most ``maximumLength`` characters, ``maximumComparisons`` comparisons and ``maximumDepth`` nested
/// `(` or `not`; beyond them a located error. Chains of `and`/`or` compile to flat SQL (groups of at most
/// ``FilterCompiler/groupSize`` terms), so thousands of terms stay within SQLite's parser stack and expression depth.
public struct RunFilter: Sendable, Hashable, CustomStringConvertible {
  /// The longest expression accepted, in characters.
  public static let maximumLength = 100_000
  /// The most comparisons an expression may hold.
  public static let maximumComparisons = 10_000
  /// The deepest nesting of `(` and `not` accepted (each counts one level).
  public static let maximumDepth = 32

  /// The expression as written.
  public let expression: String
  /// An SQL boolean expression over the `runs` table (aliased `runs`), with `?` placeholders.
  public let sql: String
  /// The values bound to the placeholders, in order.
  public let arguments: [SQLArgument]

  /// Parses and compiles `expression`; throws ``RunFilterError`` naming the column of the offending token.
  public init(_ expression: String) throws {
    self.expression = expression
    if expression.count > Self.maximumLength {
      throw RunFilterError(
        "the expression is longer than \(Self.maximumLength) characters", column: Self.maximumLength + 1,
        expression: expression)
    }
    var parser = FilterParser(source: expression, tokens: try FilterLexer.tokenize(expression))
    let node = try parser.parseExpression()
    if let extra = parser.peek, extra.kind != .end {
      throw RunFilterError(
        "expected 'and', 'or' or the end of the expression, got \(extra.display)", column: extra.column,
        expression: expression)
    }
    var sql = ""
    var args: [SQLArgument] = []
    try FilterCompiler.compile(node, source: expression, into: &sql, arguments: &args)
    self.sql = sql
    self.arguments = args
  }

  public var description: String { expression }

  var statementArguments: StatementArguments { StatementArguments(arguments.map(\.databaseValue)) }
}

/// A sort order for run listings: a field (as in ``RunFilter``) and a direction. `-f1` or `f1 desc` sorts by f1
/// descending; `f1`, `+f1` or `f1 asc` ascending (`f1 desc` avoids a leading `-` that an argument parser may take
/// for an option). Runs lacking the field sort last either way; ties keep trial order.
public struct RunSort: Sendable, Hashable {
  public let field: String
  public let descending: Bool
  let sqlExpression: String
  let arguments: [SQLArgument]

  /// Parses `-name`, `+name`, `name`, `name desc` or `name asc`; throws ``RunFilterError`` (labelled `--sort`).
  public init(_ text: String) throws {
    do {
      if text.count > RunFilter.maximumLength {
        throw RunFilterError(
          "the sort field is longer than \(RunFilter.maximumLength) characters", column: RunFilter.maximumLength + 1,
          expression: text)
      }
      var body = Substring(text)
      var sign: Bool?
      if body.first == "-" {
        sign = true
        body = body.dropFirst()
      } else if body.first == "+" {
        sign = false
        body = body.dropFirst()
      }
      let offset = text.count - body.count
      let tokens = try FilterLexer.tokenize(String(body), columnOffset: offset)
      var parser = FilterParser(source: text, tokens: tokens)
      let field = try parser.parseField()
      let fieldEnd = parser.peek?.column ?? (text.count + 1)
      var descending = sign ?? false
      if let word = parser.peek, case .name(let name) = word.kind, ["asc", "desc"].contains(name.lowercased()) {
        guard sign == nil else {
          throw RunFilterError(
            "give the direction once: a leading '-' or '+', or a trailing 'asc' or 'desc'", column: word.column,
            expression: text)
        }
        descending = name.lowercased() == "desc"
        _ = parser.next()
      }
      if let extra = parser.peek, extra.kind != .end {
        throw RunFilterError(
          "expected a field name to sort by, optionally followed by 'asc' or 'desc', got \(extra.display)",
          column: extra.column, expression: text)
      }
      let (sql, args) = field.sql
      let chars = Array(text)
      self.field = String(chars[offset..<min(chars.count, max(offset, fieldEnd - 1))])
        .trimmingCharacters(in: .whitespaces)
      self.descending = descending
      self.sqlExpression = sql
      self.arguments = args
    } catch var error as RunFilterError {
      error.label = "--sort"
      error.expression = text
      throw error
    }
  }

  /// `ORDER BY` terms: missing values last, then the trial index.
  var orderBy: String {
    "(\(sqlExpression)) IS NULL, (\(sqlExpression)) \(descending ? "DESC" : "ASC"), runs.trial_index, runs.run_id"
  }
  var orderByArguments: [SQLArgument] { arguments + arguments }
}

/// A value bound to an SQL placeholder.
public enum SQLArgument: Sendable, Hashable {
  case text(String)
  case real(Double)
  case integer(Int64)

  var databaseValue: DatabaseValue {
    switch self {
    case .text(let s): return s.databaseValue
    case .real(let d): return d.databaseValue
    case .integer(let i): return i.databaseValue
    }
  }
}

/// A located error in a `--where` (or `--sort`) expression.
public struct RunFilterError: Error, CustomStringConvertible, Sendable, Equatable {
  public var message: String
  /// 1-based column of the offending character or token.
  public var column: Int
  public var expression: String
  public var label: String

  public init(_ message: String, column: Int, expression: String, label: String = "--where") {
    self.message = message
    self.column = column
    self.expression = expression
    self.label = label
  }

  /// Compiler-style: `--where:1:7: error: ...`, the expression, and a caret under the column. A long expression is
  /// shown as a window of about ``RunFilterError/window`` characters around the column (`...` marks the cut);
  /// control characters are escaped (`\t`, `\u{1B}`) and the caret counts the escapes.
  public var description: String {
    let (shown, caretOffset) = Self.excerpt(expression, column: column)
    let caret = String(repeating: " ", count: caretOffset) + "^"
    return "\(label):1:\(column): error: \(message)\n  \(shown)\n  \(caret)"
  }

  /// Characters of the expression shown around the error column.
  public static let window = 80

  /// The part of `text` shown for an error at 1-based `column`, escaped, and the caret's offset in it.
  static func excerpt(_ text: String, column: Int) -> (String, Int) {
    let chars = Array(text)
    let at = min(max(column - 1, 0), chars.count)
    var start = max(0, at - window / 2)
    let end = min(chars.count, start + window)
    start = max(0, min(start, end - window))
    var shown = start > 0 ? "..." : ""
    var caret = shown.count
    for i in start..<end {
      if i == at { caret = shown.count }
      shown += TextEscaping.escaped(chars[i])
    }
    if at >= end { caret = shown.count }
    if end < chars.count { shown += "..." }
    return (shown, caret)
  }
}

/// Text from the user shown back in a message: control characters escaped, long text shortened.
enum TextEscaping {
  /// `\t`, `\n`, `\r`, and `\u{XX}` for other control characters (C0, DEL, C1, the line and paragraph
  /// separators U+2028-U+2029, and the bidirectional overrides U+202A-U+202E and U+2066-U+2069); other characters
  /// unchanged.
  static func escaped(_ c: Character) -> String {
    var out = ""
    for scalar in c.unicodeScalars {
      switch scalar {
      case "\t": out += "\\t"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      default:
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) || (0x2028...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
          out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }

  /// `text` escaped and cut to `limit` characters (then `...`).
  static func quoted(_ text: String, limit: Int = 40) -> String {
    var out = ""
    for (n, c) in text.enumerated() {
      if n >= limit {
        out += "..."
        break
      }
      out += escaped(c)
    }
    return out
  }
}

// MARK: - Lexer

struct FilterToken: Equatable {
  enum Kind: Equatable {
    case name(String)  // identifier, possibly dotted (may end with '.' before a quoted name)
    case quotedName(String)  // `...`
    case number(Double, String)
    case string(String)
    case op(String)
    case lparen, rparen
    case keyword(String)  // and or not null true false (lower-cased)
    case end
  }
  var kind: Kind
  var column: Int

  var display: String {
    switch kind {
    case .name(let s): return "'\(TextEscaping.quoted(s))'"
    case .quotedName(let s): return "`\(TextEscaping.quoted(s))`"
    case .number(_, let s): return "number \(TextEscaping.quoted(s))"
    case .string(let s): return "string \"\(TextEscaping.quoted(s))\""
    case .op(let s): return "'\(s)'"
    case .lparen: return "'('"
    case .rparen: return "')'"
    case .keyword(let s): return "'\(s)'"
    case .end: return "the end of the expression"
    }
  }
}

enum FilterLexer {
  static let keywords: Set<String> = ["and", "or", "not", "null", "true", "false"]

  static func tokenize(_ text: String, columnOffset: Int = 0) throws -> [FilterToken] {
    let chars = Array(text)
    var tokens: [FilterToken] = []
    var i = 0
    func err(_ message: String, _ at: Int) -> RunFilterError {
      RunFilterError(message, column: at + 1 + columnOffset, expression: text)
    }
    func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
    func isNameChar(_ c: Character) -> Bool { isNameStart(c) || (c.isASCII && c.isNumber) || c == "." }
    while i < chars.count {
      let c = chars[i]
      let column = i + 1 + columnOffset
      if c == " " || c == "\t" || c == "\n" || c == "\r" {
        i += 1
      } else if c == "(" {
        tokens.append(FilterToken(kind: .lparen, column: column))
        i += 1
      } else if c == ")" {
        tokens.append(FilterToken(kind: .rparen, column: column))
        i += 1
      } else if "=!<>".contains(c) {
        let two = i + 1 < chars.count ? String([c, chars[i + 1]]) : ""
        if ["==", "!=", "<>", "<=", ">="].contains(two) {
          tokens.append(FilterToken(kind: .op(two), column: column))
          i += 2
        } else if c == "!" {
          throw err("unexpected '!': did you mean '!=' or 'not'?", i)
        } else {
          tokens.append(FilterToken(kind: .op(String(c)), column: column))
          i += 1
        }
      } else if c == "\"" || c == "'" {
        var value = ""
        var j = i + 1
        var closed = false
        while j < chars.count {
          let d = chars[j]
          if d == "\\" && j + 1 < chars.count {
            let e = chars[j + 1]
            switch e {
            case "n": value.append("\n")
            case "t": value.append("\t")
            default: value.append(e)
            }
            j += 2
          } else if d == c {
            closed = true
            j += 1
            break
          } else {
            value.append(d)
            j += 1
          }
        }
        guard closed else { throw err("unterminated string: expected a closing \(c)", i) }
        tokens.append(FilterToken(kind: .string(value), column: column))
        i = j
      } else if c == "`" {
        var j = i + 1
        var value = ""
        while j < chars.count && chars[j] != "`" {
          value.append(chars[j])
          j += 1
        }
        guard j < chars.count else { throw err("unterminated quoted name: expected a closing `", i) }
        guard !value.isEmpty else { throw err("empty quoted name", i) }
        tokens.append(FilterToken(kind: .quotedName(value), column: column))
        i = j + 1
      } else if (c.isASCII && c.isNumber) || c == "." || c == "-" || c == "+" {
        var j = i
        if c == "-" || c == "+" { j += 1 }
        let startDigits = j
        while j < chars.count && (chars[j].isASCII && (chars[j].isNumber || chars[j] == ".")) { j += 1 }
        if j < chars.count && (chars[j] == "e" || chars[j] == "E") {
          var k = j + 1
          if k < chars.count && (chars[k] == "-" || chars[k] == "+") { k += 1 }
          if k < chars.count && chars[k].isASCII && chars[k].isNumber {
            j = k
            while j < chars.count && chars[j].isASCII && chars[j].isNumber { j += 1 }
          }
        }
        let literal = String(chars[i..<j])
        guard j > startDigits, let value = Double(literal) else {
          throw err("invalid number '\(TextEscaping.quoted(literal.isEmpty ? String(c) : literal))'", i)
        }
        if j < chars.count && isNameStart(chars[j]) {
          throw err(
            "invalid number: unexpected '\(TextEscaping.escaped(chars[j]))' after \(TextEscaping.quoted(literal))", j)
        }
        tokens.append(FilterToken(kind: .number(value, literal), column: column))
        i = j
      } else if isNameStart(c) {
        var j = i
        while j < chars.count && isNameChar(chars[j]) { j += 1 }
        let name = String(chars[i..<j])
        if keywords.contains(name.lowercased()) {
          tokens.append(FilterToken(kind: .keyword(name.lowercased()), column: column))
        } else {
          if name.contains("..") { throw err("invalid name '\(TextEscaping.quoted(name))': empty component", i) }
          tokens.append(FilterToken(kind: .name(name), column: column))
        }
        i = j
      } else {
        throw err("unexpected character '\(TextEscaping.escaped(c))'", i)
      }
    }
    tokens.append(FilterToken(kind: .end, column: chars.count + 1 + columnOffset))
    return tokens
  }
}

// MARK: - Parser

/// The parsed expression. `and`/`or` hold every term of a chain (`a or b or c` is one `.or` of three), so a long
/// chain is a flat array, not a deep tree; depth comes only from `(` and `not`, which the parser bounds.
indirect enum FilterNode {
  case and([FilterNode])
  case or([FilterNode])
  case not(FilterNode)
  case comparison(FilterField, String, FilterToken)

  /// Whether the node holds a chain (directly or under `not`).
  var isCompound: Bool {
    switch self {
    case .and, .or: return true
    case .not(let inner): return inner.isCompound
    case .comparison: return false
    }
  }
}

/// A resolved field: a fixed SQL fragment, plus the key bound for params/metrics/tags.
enum FilterField: Equatable {
  case metric(String)
  case param(String)
  case tag(String)
  case attribute(Attribute)

  enum Attribute: String, CaseIterable {
    case status, trialKey = "trial_key", trialIndex = "trial_index", seed, runID = "run_id", startTime = "start_time",
      endTime = "end_time", duration, error, host
  }

  static let aliases: [String: Attribute] = [
    "key": .trialKey, "index": .trialIndex, "id": .runID, "run": .runID, "owner_host": .host,
  ]

  var isNumeric: Bool {
    switch self {
    case .metric: return true
    case .param, .tag: return false
    case .attribute(let a):
      switch a {
      case .trialIndex, .runID, .startTime, .endTime, .duration: return true
      case .status, .trialKey, .seed, .error, .host: return false
      }
    }
  }

  var label: String {
    switch self {
    case .metric(let k): return "metric '\(TextEscaping.quoted(k))'"
    case .param(let k): return "param '\(TextEscaping.quoted(k))'"
    case .tag(let k): return "tag '\(TextEscaping.quoted(k))'"
    case .attribute(let a): return "'\(a.rawValue)'"
    }
  }

  /// The SQL value of the field for the current `runs` row, and its bound arguments.
  var sql: (String, [SQLArgument]) {
    switch self {
    case .metric(let k):
      return (
        "(SELECT m.value FROM metrics m WHERE m.run_id = runs.run_id AND m.is_series = 0 AND m.key = ? "
          + "ORDER BY m.step DESC LIMIT 1)", [.text(k)]
      )
    case .param(let k):
      return ("(SELECT p.value FROM params p WHERE p.run_id = runs.run_id AND p.key = ?)", [.text(k)])
    case .tag(let k):
      return ("(SELECT t.value FROM tags t WHERE t.run_id = runs.run_id AND t.key = ?)", [.text(k)])
    case .attribute(let a):
      switch a {
      case .status: return ("runs.status", [])
      case .trialKey: return ("runs.trial_key", [])
      case .trialIndex: return ("runs.trial_index", [])
      case .seed: return ("runs.seed", [])
      case .runID: return ("runs.run_id", [])
      case .startTime: return ("(runs.start_time / 1000.0)", [])
      case .endTime: return ("(runs.end_time / 1000.0)", [])
      case .duration: return ("((runs.end_time - runs.start_time) / 1000.0)", [])
      case .error: return ("runs.error", [])
      case .host: return ("runs.owner_host", [])
      }
    }
  }
}

struct FilterParser {
  let source: String
  var tokens: [FilterToken]
  var position = 0

  init(source: String, tokens: [FilterToken]) {
    self.source = source
    self.tokens = tokens
  }

  var peek: FilterToken? { position < tokens.count ? tokens[position] : nil }

  mutating func next() -> FilterToken {
    let t = tokens[min(position, tokens.count - 1)]
    position += 1
    return t
  }

  func error(_ message: String, _ token: FilterToken) -> RunFilterError {
    RunFilterError(message, column: token.column, expression: source)
  }

  /// Open `(` and `not` around the current token.
  var depth = 0
  /// Comparisons parsed so far.
  var comparisons = 0

  mutating func parseExpression() throws -> FilterNode { try parseOr() }

  mutating func parseOr() throws -> FilterNode {
    var terms = [try parseAnd()]
    while peek?.kind == .keyword("or") {
      _ = next()
      terms.append(try parseAnd())
    }
    return terms.count == 1 ? terms[0] : .or(terms)
  }

  mutating func parseAnd() throws -> FilterNode {
    var terms = [try parseUnary()]
    while peek?.kind == .keyword("and") {
      _ = next()
      terms.append(try parseUnary())
    }
    return terms.count == 1 ? terms[0] : .and(terms)
  }

  /// Enters one level of `(` or `not` at `token`; throws past ``RunFilter/maximumDepth``.
  mutating func enter(_ token: FilterToken) throws {
    depth += 1
    if depth > RunFilter.maximumDepth {
      throw error(
        "parentheses and 'not' are nested more than \(RunFilter.maximumDepth) deep; simplify the expression", token)
    }
  }

  mutating func parseUnary() throws -> FilterNode {
    guard let token = peek else { throw RunFilterError("empty expression", column: 1, expression: source) }
    switch token.kind {
    case .keyword("not"):
      _ = next()
      try enter(token)
      defer { depth -= 1 }
      return .not(try parseUnary())
    case .lparen:
      _ = next()
      try enter(token)
      defer { depth -= 1 }
      let inner = try parseExpression()
      let close = next()
      guard close.kind == .rparen else {
        throw error("expected ')' to close the '(' at column \(token.column), got \(close.display)", close)
      }
      return inner
    case .end:
      throw error("expected a comparison such as 'f1 > 0.3', got the end of the expression", token)
    default:
      comparisons += 1
      if comparisons > RunFilter.maximumComparisons {
        throw error(
          "the expression has more than \(RunFilter.maximumComparisons) comparisons; "
            + "at most \(RunFilter.maximumComparisons) comparisons are allowed", token)
      }
      return try parseComparison()
    }
  }

  mutating func parseComparison() throws -> FilterNode {
    let field = try parseField()
    let opToken = next()
    guard case .op(let op) = opToken.kind else {
      throw error(
        "expected a comparison operator (=, !=, <, <=, >, >=) after the field, got \(opToken.display)", opToken)
    }
    let literal = next()
    switch literal.kind {
    case .number, .string, .keyword("null"), .keyword("true"), .keyword("false"): break
    default:
      throw error(
        "expected a value (a number, a quoted string, true, false or null) after '\(op)', got \(literal.display)",
        literal)
    }
    return .comparison(field, op, literal)
  }

  mutating func parseField() throws -> FilterField {
    let token = next()
    switch token.kind {
    case .quotedName(let n):
      return .metric(n)
    case .name(let n):
      if n.hasSuffix(".") {
        let quoted = next()
        guard case .quotedName(let key) = quoted.kind else {
          throw error("expected a back-quoted name after '\(TextEscaping.quoted(n))', got \(quoted.display)", quoted)
        }
        return try namespaced(String(n.dropLast()), key, token)
      }
      if let dot = n.firstIndex(of: ".") {
        let namespace = String(n[..<dot])
        if ["params", "metrics", "tags", "attributes"].contains(namespace) {
          return try namespaced(namespace, String(n[n.index(after: dot)...]), token)
        }
        return .metric(n)
      }
      if let a = FilterField.Attribute(rawValue: n) ?? FilterField.aliases[n] { return .attribute(a) }
      return .metric(n)
    default:
      throw error(
        "expected a field name (a metric, params.NAME, tags.NAME or a run attribute), got \(token.display)", token)
    }
  }

  func namespaced(_ namespace: String, _ key: String, _ token: FilterToken) throws -> FilterField {
    switch namespace {
    case "params": return .param(key)
    case "metrics": return .metric(key)
    case "tags": return .tag(key)
    case "attributes":
      guard let a = FilterField.Attribute(rawValue: key) ?? FilterField.aliases[key] else {
        let names = FilterField.Attribute.allCases.map(\.rawValue).joined(separator: ", ")
        throw error("unknown run attribute '\(TextEscaping.quoted(key))': expected one of \(names)", token)
      }
      return .attribute(a)
    default:
      throw error(
        "unknown namespace '\(TextEscaping.quoted(namespace))': expected params, metrics, tags or attributes", token)
    }
  }
}

// MARK: - Compiler

enum FilterCompiler {
  /// The most terms joined flat by one `AND`/`OR` chain; longer chains become a chain of parenthesised groups
  /// (recursively), so SQL nesting grows with the logarithm of the number of terms and SQLite's expression height
  /// (1,000) and parser stack stay far away.
  static let groupSize = 16

  static func compile(_ node: FilterNode, source: String, into sql: inout String, arguments: inout [SQLArgument])
    throws
  {
    switch node {
    case .and(let terms):
      try chain(terms[...], " AND ", source: source, into: &sql, arguments: &arguments)
    case .or(let terms):
      try chain(terms[...], " OR ", source: source, into: &sql, arguments: &arguments)
    case .not(let a):
      // NOT binds more loosely than comparisons and more tightly than AND/OR, as in the filter language: no
      // parentheses needed (each would cost SQLite's parser stack a slot).
      sql += "NOT "
      try compile(a, source: source, into: &sql, arguments: &arguments)
    case .comparison(let field, let op, let literal):
      try comparison(field, op, literal, source: source, into: &sql, arguments: &arguments)
    }
  }

  /// `(t1 OP t2 OP ...)` with at most ``groupSize`` operands, each a term or a parenthesised sub-chain.
  /// Nested chains come first (AND and OR are commutative, also in SQL's three-valued logic): SQLite's LALR parser
  /// then holds one stack slot per level of nesting (`((( ...`) instead of three (`a AND (b AND (...`), so the
  /// deepest nesting the filter allows stays far below its 100-slot stack.
  static func chain(
    _ unordered: ArraySlice<FilterNode>, _ op: String, source: String, into sql: inout String,
    arguments: inout [SQLArgument]
  ) throws {
    let terms = unordered.filter(\.isCompound)[...] + unordered.filter { !$0.isCompound }
    if terms.count == 1, let only = terms.first {
      try compile(only, source: source, into: &sql, arguments: &arguments)
      return
    }
    // Operands per group: the smallest power of groupSize that leaves at most groupSize groups.
    var span = 1
    while (terms.count + span - 1) / span > groupSize { span *= groupSize }
    sql += "("
    var start = terms.startIndex
    while start < terms.endIndex {
      if start > terms.startIndex { sql += op }
      let end = min(start + span, terms.endIndex)
      try chain(terms[start..<end], op, source: source, into: &sql, arguments: &arguments)
      start = end
    }
    sql += ")"
  }

  static let sqlOperators: [String: String] = [
    "=": "=", "==": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
  ]

  static func comparison(
    _ field: FilterField, _ op: String, _ literal: FilterToken, source: String, into sql: inout String,
    arguments: inout [SQLArgument]
  ) throws {
    let sqlOp = sqlOperators[op] ?? "="
    let (expr, args) = field.sql
    func fail(_ message: String) -> RunFilterError {
      RunFilterError(message, column: literal.column, expression: source)
    }
    switch literal.kind {
    case .keyword("null"):
      guard sqlOp == "=" || sqlOp == "<>" else { throw fail("null can only be compared with '=' or '!='") }
      sql += "\(expr) IS \(sqlOp == "=" ? "" : "NOT ")NULL"
      arguments += args
    case .keyword(let b) where b == "true" || b == "false":
      if field.isNumeric {
        sql += "\(expr) \(sqlOp) ?"
        arguments += args + [.real(b == "true" ? 1 : 0)]
      } else {
        sql += "\(expr) \(sqlOp) ?"
        arguments += args + [.text(b)]
      }
    case .number(let value, let text):
      if field.isNumeric {
        sql += "\(expr) \(sqlOp) ?"
        arguments += args + [.real(value)]
      } else if field == .attribute(.seed) && (sqlOp == "=" || sqlOp == "<>"), let seed = UInt64(text) {
        sql += "\(expr) \(sqlOp) ?"
        arguments += args + [.text(String(seed))]
      } else {
        sql += "almanac_num(\(expr)) \(sqlOp) ?"
        arguments += args + [.real(value)]
      }
    case .string(let value):
      if field.isNumeric {
        throw fail("\(field.label) is a number; compare it with a number, got string \"\(TextEscaping.quoted(value))\"")
      }
      sql += "\(expr) \(sqlOp) ?"
      arguments += args + [.text(field == .attribute(.status) ? value.uppercased() : value)]
    default:
      throw fail("expected a value, got \(literal.display)")
    }
  }
}
