import Foundation
import Yams

/// A YAML node with its position, converted from Yams' `Node` so that every later diagnostic can point at it.
///
/// Scalars are resolved with the YAML 1.2 core schema (not YAML 1.1: `yes`, `no`, `on`, `off` stay strings):
/// `~`, `null`, the empty plain scalar -> null; `true`/`false` (also capitalised or upper case) -> bool;
/// decimal, `0o` and `0x` integers -> int (a decimal integer too large for `Int` becomes a double);
/// decimal and exponent numbers such as `1e-4`, `.5`, `2.`, and `.inf`, `-.inf`, `.nan` -> double; everything
/// else, and every quoted or block scalar or one tagged `!!str`, -> string.
struct YAMLNode: Sendable {
  enum Kind: Sendable {
    /// `text` is the scalar as written (without quotes); `value` its resolved form.
    case scalar(text: String, value: Value, plain: Bool)
    case sequence([YAMLNode])
    /// Keys are scalars (their text); pairs keep file order.
    case mapping([(key: String, keyPosition: SourcePosition?, value: YAMLNode)])
  }

  var kind: Kind
  var position: SourcePosition?

  /// The plain `Value` of this subtree (maps lose their order).
  var value: Value {
    switch kind {
    case .scalar(_, let v, _): return v
    case .sequence(let items): return .list(items.map(\.value))
    case .mapping(let pairs):
      var m: [String: Value] = [:]
      for p in pairs { m[p.key] = p.value.value }
      return .map(m)
    }
  }

  var pairs: [(key: String, keyPosition: SourcePosition?, value: YAMLNode)]? {
    if case .mapping(let p) = kind { return p } else { return nil }
  }

  var items: [YAMLNode]? {
    if case .sequence(let s) = kind { return s } else { return nil }
  }

  var scalarText: String? {
    if case .scalar(let t, _, _) = kind { return t } else { return nil }
  }

  /// A short description of what was written, for "got ..." in messages: numbers and booleans bare, strings quoted,
  /// `a list`, `a map`, `null`.
  var got: String {
    switch kind {
    case .scalar(let text, let value, _):
      switch value {
      case .null: return "null"
      case .string(let s): return "'\(s)'"
      default: return text
      }
    case .sequence: return "a list"
    case .mapping: return "a map"
    }
  }

  /// Builds a node from a plain value (used for defaults and computed values), with no position.
  init(value: Value, position: SourcePosition? = nil) {
    self.position = position
    switch value {
    case .list(let l): kind = .sequence(l.map { YAMLNode(value: $0, position: position) })
    case .map(let m):
      kind = .mapping(m.keys.sorted().map { (key: $0, keyPosition: position,
                                             value: YAMLNode(value: m[$0, default: .null], position: position)) })
    case .string(let s): kind = .scalar(text: s, value: value, plain: false)
    default: kind = .scalar(text: value.canonicalJSON, value: value, plain: true)
    }
  }

  init(kind: Kind, position: SourcePosition?) {
    self.kind = kind
    self.position = position
  }
}

// MARK: - Loading

extension YAMLNode {
  /// Parses `source` into a located tree. Syntax errors, duplicate keys and non-scalar keys are reported in `sink`;
  /// returns nil for an empty document or when the text is not YAML.
  static func load(_ source: String, sink: inout DiagnosticSink) -> YAMLNode? {
    let root: Node?
    do {
      root = try Yams.compose(yaml: source)
    } catch let error as YamlError {
      report(error, source: source, sink: &sink)
      return nil
    } catch {
      sink.error("cannot parse YAML: \(error)", at: nil)
      return nil
    }
    guard let root else { return nil }
    return convert(root, sink: &sink)
  }

  static func position(_ mark: Mark?) -> SourcePosition? {
    guard let mark, mark.line >= 1 else { return nil }
    return SourcePosition(line: mark.line, column: max(mark.column, 1))
  }

  private static func convert(_ node: Node, sink: inout DiagnosticSink) -> YAMLNode {
    let pos = position(node.mark)
    switch node {
    case .scalar(let scalar):
      let plain = scalar.style == .plain || scalar.style == .any
      let explicitString = scalar.tag.rawValue.hasSuffix(":str")
      let value: Value = (plain && !explicitString) ? resolve(scalar.string) : .string(scalar.string)
      return YAMLNode(kind: .scalar(text: scalar.string, value: value, plain: plain), position: pos)
    case .sequence(let seq):
      return YAMLNode(kind: .sequence(seq.map { convert($0, sink: &sink) }), position: pos)
    case .mapping(let mapping):
      var pairs: [(key: String, keyPosition: SourcePosition?, value: YAMLNode)] = []
      var seen: [String: SourcePosition?] = [:]
      for (keyNode, valueNode) in mapping {
        let keyPos = position(keyNode.mark)
        guard case .scalar(let keyScalar) = keyNode else {
          sink.error("map keys must be plain strings, got a \(keyNode.mapping != nil ? "map" : "list")", at: keyPos)
          continue
        }
        let key = keyScalar.string
        if let first = seen[key] {
          let where_ = first.map { " (already defined at line \($0.line))" } ?? ""
          sink.error("duplicate key '\(key)'\(where_)", at: keyPos)
          continue
        }
        seen[key] = keyPos
        pairs.append((key: key, keyPosition: keyPos, value: convert(valueNode, sink: &sink)))
      }
      return YAMLNode(kind: .mapping(pairs), position: pos)
    case .alias(let alias):
      sink.error("unsupported YAML alias '\(alias)'", at: pos)
      return YAMLNode(kind: .scalar(text: "", value: .null, plain: true), position: pos)
    }
  }

  /// YAML 1.2 core-schema resolution of a plain scalar.
  static func resolve(_ text: String) -> Value {
    switch text {
    case "", "~", "null", "Null", "NULL": return .null
    case "true", "True", "TRUE": return .bool(true)
    case "false", "False", "FALSE": return .bool(false)
    case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
    case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
    case ".nan", ".NaN", ".NAN": return .double(.nan)
    default: break
    }
    let scalars = Array(text.unicodeScalars)
    func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
    // Decimal integer: [-+]?[0-9]+
    var i = 0
    if let first = scalars.first, first == "-" || first == "+" { i = 1 }
    let digits = scalars[i...]
    if !digits.isEmpty && digits.allSatisfy(isDigit) {
      if let v = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) { return .int(v) }
      if let d = Double(text) { return .double(d) }
    }
    if text.hasPrefix("0o"), let v = Int(text.dropFirst(2), radix: 8) { return .int(v) }
    if text.hasPrefix("0x"), let v = Int(text.dropFirst(2), radix: 16) { return .int(v) }
    // Float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    var j = i
    var mantissaDigits = 0
    while j < scalars.count, isDigit(scalars[j]) { j += 1; mantissaDigits += 1 }
    if j < scalars.count, scalars[j] == "." {
      j += 1
      while j < scalars.count, isDigit(scalars[j]) { j += 1; mantissaDigits += 1 }
    }
    guard mantissaDigits > 0 else { return .string(text) }
    if j < scalars.count, scalars[j] == "e" || scalars[j] == "E" {
      j += 1
      if j < scalars.count, scalars[j] == "-" || scalars[j] == "+" { j += 1 }
      var exponentDigits = 0
      while j < scalars.count, isDigit(scalars[j]) { j += 1; exponentDigits += 1 }
      guard exponentDigits > 0 else { return .string(text) }
    }
    guard j == scalars.count, let d = Double(text) else { return .string(text) }
    return .double(d)
  }

  /// Turns a Yams error into a located diagnostic.
  private static func report(_ error: YamlError, source: String, sink: inout DiagnosticSink) {
    func contextSuffix(_ context: YamlError.Context?) -> String {
      guard let context else { return "" }
      return " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
    }
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      if problem == "but found another document" {
        sink.error("invalid YAML: expected a single document, found another one ('---')", at: position(mark))
        return
      }
      // At the end of the file libYAML points past the last line; the context (what was open) is more useful.
      let blank = sink.sourceLine(mark.line).map { $0.allSatisfy(\.isWhitespace) } ?? true
      if blank, let context, let contextPosition = position(context.mark) {
        sink.error("invalid YAML: \(problem) (\(context.text) starting here)", at: contextPosition)
      } else {
        sink.error("invalid YAML: \(problem)\(contextSuffix(context))", at: position(mark))
      }
    case .reader(let problem, let offset, _, _):
      var pos: SourcePosition?
      if let offset {
        var line = 1, column = 1
        for (n, ch) in source.enumerated() {
          if n >= offset { break }
          if ch == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        pos = SourcePosition(line: line, column: column)
      }
      sink.error("cannot read YAML: \(problem)", at: pos)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let key = duplicates.first ?? "?"
      let first = position(context.mark)
      if let first, let second = laterOccurrence(of: key, after: first, in: sink) {
        sink.error("duplicate key '\(key)' (already defined at line \(first.line))", at: second)
      } else {
        sink.error("duplicate key '\(key)'", at: first)
      }
    default:
      sink.error("cannot parse YAML: \(error)", at: nil)
    }
  }

  /// Finds the repeated key of a block mapping: a later line holding `key:` at the first key's column, before the
  /// mapping ends (a non-blank, non-comment line indented less). Nil for flow mappings and anything unusual.
  private static func laterOccurrence(of key: String, after first: SourcePosition, in sink: DiagnosticSink)
    -> SourcePosition?
  {
    var line = first.line + 1
    while let text = sink.sourceLine(line) {
      let scalars = Array(text.unicodeScalars)
      let indent = scalars.prefix { $0 == " " || $0 == "-" }.count
      let trimmed = String(String.UnicodeScalarView(scalars[indent...]))
      let blank = trimmed.isEmpty || trimmed.hasPrefix("#")
      if !blank {
        if indent + 1 < first.column { return nil }
        if indent + 1 == first.column, trimmed.hasPrefix(key) {
          let rest = trimmed.dropFirst(key.count).drop { $0 == " " }
          if rest.hasPrefix(":") { return SourcePosition(line: line, column: first.column) }
        }
      }
      line += 1
    }
    return nil
  }
}
