import CYaml
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
      case .string(let s): return "'\(Diagnostic.quoted(s))'"
      default: return Diagnostic.quoted(text)
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
      kind = .mapping(
        m.keys.sorted().map {
          (
            key: $0, keyPosition: position,
            value: YAMLNode(value: m[$0, default: .null], position: position)
          )
        })
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
    // Before Yams builds a tree: Yams expands aliases (and hashes alias-built keys), so a few lines of anchors and
    // aliases can stand for billions of nodes; and every level of nesting is a level of recursion.
    if let problem = prescan(source) {
      sink.error(problem.message, at: problem.position)
      return nil
    }
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

  /// The deepest nesting of lists and maps an experiment file may use.
  static var maximumDepth: Int { ExperimentParser.maximumNesting }

  /// What ``prescan(_:)`` refuses, and where.
  struct Refusal {
    var message: String
    var position: SourcePosition?
  }

  /// Reads the event stream of the first document with libYAML (linear time, no tree) and refuses the first
  /// anchor (`&a`) or alias (`*a`), and nesting deeper than ``maximumDepth``. Returns nil when there is nothing to
  /// refuse, or on a syntax error (Yams then reports it, located, as usual).
  static func prescan(_ source: String) -> Refusal? {
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else { return nil }
    defer { yaml_parser_delete(&parser) }
    var bytes = Array(source.utf8)
    return bytes.withUnsafeMutableBufferPointer { buffer -> Refusal? in
      guard let base = buffer.baseAddress else { return nil }
      yaml_parser_set_input_string(&parser, base, buffer.count)
      yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
      var depth = 0
      while true {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else {
          // libYAML's own limit (1,000 levels) can strike before the first event of a deep flow collection.
          guard let problem = parser.problem, String(cString: problem).hasPrefix("Maximum nesting level") else {
            return nil
          }
          let mark = parser.problem_mark
          return Refusal(
            message: "lists and maps are nested more than \(maximumDepth) levels deep",
            position: SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1))
        }
        defer { yaml_event_delete(&event) }
        let at = SourcePosition(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        var anchor: UnsafeMutablePointer<yaml_char_t>?
        switch event.type {
        case YAML_STREAM_END_EVENT, YAML_DOCUMENT_END_EVENT, YAML_NO_EVENT:
          return nil
        case YAML_ALIAS_EVENT:
          let name = Self.text(event.data.alias.anchor)
          return Refusal(
            message: "YAML aliases ('*\(name)') are not supported in experiment files; write the value out",
            position: at)
        case YAML_SCALAR_EVENT:
          anchor = event.data.scalar.anchor
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
          anchor =
            event.type == YAML_SEQUENCE_START_EVENT
            ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
          depth += 1
          if depth > maximumDepth {
            return Refusal(message: "lists and maps are nested more than \(maximumDepth) levels deep", position: at)
          }
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
          depth -= 1
        default:
          break
        }
        if let anchor {
          let name = Self.text(anchor)
          return Refusal(
            message: "YAML anchors ('&\(name)') and aliases are not supported in experiment files; "
              + "write the value out", position: at)
        }
      }
    }
  }

  /// An anchor name from libYAML, escaped and shortened for a message.
  private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String {
    guard let pointer else { return "" }
    let name = String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    return Diagnostic.quoted(name)
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
          sink.error("duplicate key '\(Diagnostic.quoted(key))'\(where_)", at: keyPos)
          continue
        }
        seen[key] = keyPos
        pairs.append((key: key, keyPosition: keyPos, value: convert(valueNode, sink: &sink)))
      }
      return YAMLNode(kind: .mapping(pairs), position: pos)
    case .alias(let alias):
      sink.error("unsupported YAML alias '\(Diagnostic.quoted("\(alias)"))'", at: pos)
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
    while j < scalars.count, isDigit(scalars[j]) {
      j += 1
      mantissaDigits += 1
    }
    if j < scalars.count, scalars[j] == "." {
      j += 1
      while j < scalars.count, isDigit(scalars[j]) {
        j += 1
        mantissaDigits += 1
      }
    }
    guard mantissaDigits > 0 else { return .string(text) }
    if j < scalars.count, scalars[j] == "e" || scalars[j] == "E" {
      j += 1
      if j < scalars.count, scalars[j] == "-" || scalars[j] == "+" { j += 1 }
      var exponentDigits = 0
      while j < scalars.count, isDigit(scalars[j]) {
        j += 1
        exponentDigits += 1
      }
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
    case .reader(let problem, let offset, let value, _):
      let pos = offset.map { position(ofCharacter: $0, in: source) }
      let what =
        problem == "control characters are not allowed" && value >= 0
        ? "control character \(Diagnostic.escaped(String(Character(Unicode.Scalar(UInt32(value)) ?? "?")))) is not allowed"
        : problem
      sink.error("cannot read YAML: \(what)", at: pos)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let key = duplicates.first ?? "?"
      let first = position(context.mark)
      if let first, let second = laterOccurrence(of: key, after: first, in: sink) {
        sink.error("duplicate key '\(Diagnostic.quoted(key))' (already defined at line \(first.line))", at: second)
      } else {
        sink.error("duplicate key '\(Diagnostic.quoted(key))'", at: first)
      }
    default:
      sink.error("cannot parse YAML: \(error)", at: nil)
    }
  }

  /// The line and column (in Unicode scalars, as libYAML counts) of the character at `offset` (in Characters: Yams
  /// converts libYAML's byte offset so), lines counted as libYAML counts them (``DiagnosticSink/lines(of:)``).
  static func position(ofCharacter offset: Int, in source: String) -> SourcePosition {
    var line = 1, column = 1
    for (n, character) in source.enumerated() {
      if n >= offset { break }
      switch character {
      case "\r\n", "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
        line += 1
        column = 1
      default:
        column += character.unicodeScalars.count
      }
    }
    return SourcePosition(line: line, column: column)
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
