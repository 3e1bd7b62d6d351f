// Validating located YAML against a Schema: type checks, bounds, choices, required keys, defaults.

extension Schema {
  /// What the schema accepts, in words: `an integer >= 1`, `a number in (0, 1)`, `one of: relu, tanh`, `'tune'`,
  /// `a list of at most 64 integers`, ...
  public var expectation: String {
    switch self {
    case .bool: return "true or false"
    case .int(let lo, let hi):
      return "an integer" + Schema.intBounds(lo, hi)
    case .double(let lo, let hi, let exclusiveMin, let exclusiveMax):
      return "a number"
        + Schema.bounds(
          lo, hi, exclusiveMin: exclusiveMin, exclusiveMax: exclusiveMax,
          format: Schema.number)
    case .string(let choices):
      if let choices, choices.count == 1, let only = choices.first { return "'\(only)'" }
      if let choices { return "one of: " + choices.joined(separator: ", ") }
      return "a string"
    case .list(let element, let nonEmpty, let maxCount):
      let size = maxCount.map { "of at most \($0) " } ?? "of "
      return (nonEmpty ? "a non-empty list " : "a list ") + size + element.plural
    case .object, .dictionary: return "a map"
    case .oneOf(let alternatives): return alternatives.map(\.expectation).joined(separator: " or ")
    case .any: return "any value"
    }
  }

  /// Whether values of this schema are lists or maps.
  var isContainer: Bool {
    switch self {
    case .list, .object, .dictionary: return true
    case .bool, .int, .double, .string, .oneOf, .any: return false
    }
  }

  /// The string choices this schema accepts, through alternatives.
  var choices: [String] {
    switch self {
    case .string(let choices?): return choices
    case .oneOf(let alternatives): return alternatives.flatMap(\.choices)
    default: return []
    }
  }

  private var plural: String {
    switch self {
    case .bool: return "booleans"
    case .int(let lo, let hi): return "integers" + Schema.intBounds(lo, hi)
    case .double(let lo, let hi, let exclusiveMin, let exclusiveMax):
      return "numbers"
        + Schema.bounds(
          lo, hi, exclusiveMin: exclusiveMin, exclusiveMax: exclusiveMax,
          format: Schema.number)
    case .string(let choices): return choices.map { "strings (" + $0.joined(separator: ", ") + ")" } ?? "strings"
    case .list: return "lists"
    case .object, .dictionary: return "maps"
    case .oneOf, .any: return "values"
    }
  }

  /// A bound as people write it: `0` rather than `0.0`, `0.0001`, `1e-08`.
  static func number(_ d: Double) -> String {
    if d.isFinite, d.rounded() == d, abs(d) < 1e15 { return String(Int(d)) }
    return "\(d)"
  }

  /// ` >= 1`, ` > 0`, ` between 0 and 1`, ` > 0 and <= 1`, ` in (0, 1)`, or the empty string.
  static func bounds(
    _ lo: Double?, _ hi: Double?, exclusiveMin: Bool, exclusiveMax: Bool = false,
    format: (Double) -> String
  ) -> String {
    switch (lo, hi) {
    case (nil, nil): return ""
    case (let lo?, nil): return (exclusiveMin ? " > " : " >= ") + format(lo)
    case (nil, let hi?): return (exclusiveMax ? " < " : " <= ") + format(hi)
    case (let lo?, let hi?):
      switch (exclusiveMin, exclusiveMax) {
      case (true, true): return " in (\(format(lo)), \(format(hi)))"
      case (true, false): return " > \(format(lo)) and <= \(format(hi))"
      case (false, true): return " >= \(format(lo)) and < \(format(hi))"
      case (false, false): return " between \(format(lo)) and \(format(hi))"
      }
    }
  }

  /// ``bounds(_:_:exclusiveMin:exclusiveMax:format:)`` for integer bounds (printed exactly, however large).
  static func intBounds(_ lo: Int?, _ hi: Int?) -> String {
    switch (lo, hi) {
    case (nil, nil): return ""
    case (let lo?, nil): return " >= \(lo)"
    case (nil, let hi?): return " <= \(hi)"
    case (let lo?, let hi?): return " between \(lo) and \(hi)"
    }
  }

  /// The schema of the setting at a dotted path below a list of fields (through nested objects and dictionaries),
  /// or the reason it does not exist.
  static func lookup(_ path: String, in fields: [Field]) -> Result<Field, SchemaLookupError> {
    let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    var level: Schema = .object(fields)
    var found: Field?
    var walked: [String] = []
    for part in parts {
      guard let next = level.child(part) else {
        let parent = walked.joined(separator: ".")
        if case .some(let candidates) = level.childNames {
          return .failure(.unknown(key: part, parent: parent, suggestion: Suggestion.closest(to: part, in: candidates)))
        }
        return .failure(.notAMap(parent: parent))
      }
      found = next
      level = next.schema
      walked.append(part)
    }
    guard let found else { return .failure(.unknown(key: path, parent: "", suggestion: nil)) }
    return .success(found)
  }

  private func child(_ name: String) -> Field? {
    switch self {
    case .object(let fields): return fields.first { $0.name == name }
    case .dictionary(let element): return name.isEmpty ? nil : Field(name, element)
    case .oneOf(let alternatives):
      for alternative in alternatives { if let f = alternative.child(name) { return f } }
      return nil
    default: return nil
    }
  }

  /// Field names for suggestions; nil when this schema has no named children.
  private var childNames: [String]? {
    switch self {
    case .object(let fields): return fields.map(\.name)
    case .dictionary: return []
    case .oneOf(let alternatives):
      let names = alternatives.compactMap(\.childNames)
      return names.isEmpty ? nil : names.flatMap { $0 }
    default: return nil
    }
  }
}

enum SchemaLookupError: Error {
  case unknown(key: String, parent: String, suggestion: String?)
  case notAMap(parent: String)
}

/// Validates located YAML against a schema, reporting every problem into a ``DiagnosticSink`` and returning the
/// resolved value with defaults filled in.
///
/// Coercions: an integer is accepted where a number is expected (stored as a double, so `lr: 1` and `lr: 1.0` give
/// the same trial key); a whole-valued number is accepted where an integer is expected; a number or boolean written
/// bare is accepted where a free string is expected (its text). `null` for a map means an empty map (all defaults).
/// Non-finite numbers (`.nan`, `.inf`) are rejected.
struct SettingsValidator {
  /// Dotted paths that a sweep sets; a required key on or below one of them may be missing from the file.
  var sweptPaths: Set<String> = []

  func isSwept(_ path: String) -> Bool {
    sweptPaths.contains { path == $0 || path.hasPrefix($0 + ".") }
  }

  /// Returns the value, or nil after reporting at least one error.
  func validate(_ node: YAMLNode, _ schema: Schema, path: String, sink: inout DiagnosticSink) -> Value? {
    let name = "'\(path)'"
    switch schema {
    case .any:
      return node.value

    case .bool:
      if case .bool(let b) = node.value { return .bool(b) }
      sink.error("\(name) must be true or false, got \(node.got)", at: node.position)
      return nil

    case .int(let lo, let hi):
      guard case .scalar = node.kind, let v = Self.integer(node.value) else {
        sink.error("\(name) must be an integer, got \(node.got)", at: node.position)
        return nil
      }
      if (lo.map { v < $0 } ?? false) || (hi.map { v > $0 } ?? false) {
        sink.error("\(name) must be\(Schema.intBounds(lo, hi)), got \(v)", at: node.position)
        return nil
      }
      return .int(v)

    case .double(let lo, let hi, let exclusiveMin, let exclusiveMax):
      guard case .scalar = node.kind, let d = node.value.double, node.value.string == nil else {
        sink.error("\(name) must be a number, got \(node.got)", at: node.position)
        return nil
      }
      guard d.isFinite else {
        sink.error("\(name) must be a finite number, got \(node.got)", at: node.position)
        return nil
      }
      let belowMin = lo.map { exclusiveMin ? d <= $0 : d < $0 } ?? false
      let aboveMax = hi.map { exclusiveMax ? d >= $0 : d > $0 } ?? false
      if belowMin || aboveMax {
        let bounds = Schema.bounds(
          lo, hi, exclusiveMin: exclusiveMin, exclusiveMax: exclusiveMax,
          format: Schema.number)
        sink.error("\(name) must be\(bounds), got \(node.got)", at: node.position)
        return nil
      }
      return .double(d)

    case .string(let choices):
      guard case .scalar(let text, let value, _) = node.kind, value != .null else {
        sink.error("\(name) must be \(schema.expectation), got \(node.got)", at: node.position)
        return nil
      }
      if let choices, !choices.contains(text) {
        let hint = Suggestion.didYouMean(text, in: choices)
        sink.error(
          "\(name) must be one of: \(choices.joined(separator: ", ")); got '\(text)'\(hint)",
          at: node.position)
        return nil
      }
      return .string(text)

    case .list(let element, let nonEmpty, let maxCount):
      guard let items = node.items else {
        sink.error("\(name) must be \(schema.expectation), got \(node.got)", at: node.position)
        return nil
      }
      if nonEmpty && items.isEmpty {
        sink.error("\(name) must not be empty", at: node.position)
        return nil
      }
      if let maxCount, items.count > maxCount {
        sink.error("\(name) must have at most \(maxCount) items, got \(items.count)", at: node.position)
        return nil
      }
      var out: [Value] = []
      var failed = false
      for (i, item) in items.enumerated() {
        if let v = validate(item, element, path: "\(path)[\(i)]", sink: &sink) { out.append(v) } else { failed = true }
      }
      return failed ? nil : .list(out)

    case .object(let fields):
      if case .scalar(_, .null, _) = node.kind {
        return validateObject([], fields: fields, path: path, mapPosition: node.position, sink: &sink)
      }
      guard let pairs = node.pairs else {
        sink.error("\(name) must be a map, got \(node.got)", at: node.position)
        return nil
      }
      return validateObject(pairs, fields: fields, path: path, mapPosition: node.position, sink: &sink)

    case .dictionary(let element):
      if case .scalar(_, .null, _) = node.kind { return .map([:]) }
      guard let pairs = node.pairs else {
        sink.error("\(name) must be a map, got \(node.got)", at: node.position)
        return nil
      }
      var out: [String: Value] = [:]
      var failed = false
      for pair in pairs {
        let childPath = path.isEmpty ? pair.key : path + "." + pair.key
        if let v = validate(pair.value, element, path: childPath, sink: &sink) {
          out[pair.key] = v
        } else {
          failed = true
        }
      }
      return failed ? nil : .map(out)

    case .oneOf(let alternatives):
      var attempts: [(Schema, DiagnosticSink)] = []
      for alternative in alternatives {
        var scratch = sink
        if let v = validate(node, alternative, path: path, sink: &scratch),
          scratch.diagnostics.count == sink.diagnostics.count
        {
          sink = scratch
          return v
        }
        attempts.append((alternative, scratch))
      }
      // Exactly one list or map alternative of the right shape: its message names the element at fault. A scalar
      // is told every alternative (`'threshold' must be a number in (0, 1) or 'tune', got 1`).
      let shaped = attempts.filter { Self.shapeMatches(node, $0.0) }
      if shaped.count == 1, let only = shaped.first, only.0.isContainer {
        sink = only.1
        return nil
      }
      var hint = ""
      if case .scalar(let text, .string, _) = node.kind { hint = Suggestion.didYouMean(text, in: schema.choices) }
      sink.error("\(name) must be \(schema.expectation), got \(node.got)\(hint)", at: node.position)
      return nil
    }
  }

  /// Validates a map against its fields: unknown keys, required keys, defaults.
  func validateObject(
    _ pairs: [(key: String, keyPosition: SourcePosition?, value: YAMLNode)], fields: [Field],
    path: String, mapPosition: SourcePosition?, sink: inout DiagnosticSink,
    extraKnownKeys: [String] = []
  ) -> Value? {
    var out: [String: Value] = [:]
    var failed = false
    let names = fields.map(\.name)
    for pair in pairs {
      let childPath = path.isEmpty ? pair.key : path + "." + pair.key
      guard let field = fields.first(where: { $0.name == pair.key }) else {
        let inParent = path.isEmpty ? "" : " in '\(path)'"
        let candidates = names + extraKnownKeys
        if let suggestion = Suggestion.closest(to: pair.key, in: candidates) {
          sink.error("unknown key '\(pair.key)'\(inParent) (did you mean '\(suggestion)'?)", at: pair.keyPosition)
        } else {
          sink.error(
            "unknown key '\(pair.key)'\(inParent); expected one of: \(candidates.joined(separator: ", "))",
            at: pair.keyPosition)
        }
        failed = true
        continue
      }
      if let v = validate(pair.value, field.schema, path: childPath, sink: &sink) {
        out[pair.key] = v
      } else {
        failed = true
      }
    }
    for field in fields where out[field.name] == nil && !pairs.contains(where: { $0.key == field.name }) {
      let childPath = path.isEmpty ? field.name : path + "." + field.name
      if let value = defaultValue(for: field, path: childPath) {
        out[field.name] = value
      } else if field.required && !isSwept(childPath) {
        sink.error("missing required key '\(childPath)'", at: mapPosition)
        failed = true
      }
    }
    return failed ? nil : .map(out)
  }

  /// The default of an omitted field, coerced exactly like a written value (so writing a default explicitly and
  /// omitting it give the same settings). Objects without a default get their fields' defaults when that needs no
  /// required key.
  func defaultValue(for field: Field, path: String) -> Value? {
    var scratch = DiagnosticSink(file: "", source: "")
    if field.keyNeutral { return nil }
    if let d = field.defaultValue {
      return validate(YAMLNode(value: d), field.schema, path: path, sink: &scratch) ?? d
    }
    if case .object = field.schema {
      var inner = self
      inner.sweptPaths = []
      let v = inner.validate(YAMLNode(value: .map([:])), field.schema, path: path, sink: &scratch)
      if case .object(let fields) = field.schema, case .map(let m)? = v, m.isEmpty, fields.allSatisfy(\.keyNeutral) {
        return nil
      }
      return scratch.hasErrors ? nil : v
    }
    return nil
  }

  /// Whether a node has the kind of shape the schema looks for (scalar type, list, map), ignoring bounds/choices.
  static func shapeMatches(_ node: YAMLNode, _ schema: Schema) -> Bool {
    switch (schema, node.kind) {
    case (.any, _): return true
    case (.bool, .scalar(_, .bool, _)): return true
    case (.int, .scalar(_, let v, _)): return integer(v) != nil
    case (.double, .scalar(_, let v, _)): return v.string == nil && v.double != nil
    case (.string, .scalar(_, .string, _)): return true
    case (.list, .sequence): return true
    case (.object, .mapping), (.dictionary, .mapping): return true
    case (.oneOf(let alternatives), _): return alternatives.contains { shapeMatches(node, $0) }
    default: return false
    }
  }

  static func integer(_ value: Value) -> Int? {
    switch value {
    case .int(let v): return v
    case .double(let d) where d.isFinite && d.rounded() == d && abs(d) < 9e15: return Int(d)
    default: return nil
    }
  }
}
