/// A task's settings validated against its schema, read through typed accessors.
///
/// Validation fills in every default the schema declares, so an accessor returns the schema's value and a task never
/// restates a default (`settings.int("holdout")`, not `settings[path: "holdout"]?.int ?? 100`); choices come back as
/// the enum the schema's `.choice(_:)` was built from. Trial settings from the planner are already resolved, so
/// validating them again changes nothing (it walks a tree of a few dozen values, and guards direct callers such as
/// tests).
///
/// Errors (``SettingsError``): a value that does not validate is `.invalid` with one message per problem, each
/// naming its setting. Reading a setting the schema does not declare, with another type than it declares, or that
/// is absent with neither a default nor a ``Field/defaultPath``, is a programming error in the task, thrown as
/// `.undeclared`, `.wrongType`, `.missing` or `.notAChoice` rather than answered with a silent default.
public struct ValidatedSettings: Sendable {
  /// The settings with every default filled in (the same tree the planner hashes into trial keys).
  public let value: Value
  /// The schema they were validated against.
  public let fields: [Field]

  /// Validates `settings` (a map of setting name to value; `null` means all defaults) against `fields`.
  public init(_ settings: Value, schema fields: [Field]) throws {
    var sink = DiagnosticSink(file: "", source: "")
    let resolved = SettingsValidator().validate(YAMLNode(value: settings), .object(fields), path: "", sink: &sink)
    guard let resolved, !sink.hasErrors else {
      throw SettingsError.invalid(sink.diagnostics.filter { $0.severity == .error }.map(\.message))
    }
    self.value = resolved
    self.fields = fields
  }

  // MARK: Scalars

  public func int(_ path: String) throws -> Int {
    try read(path, as: "an integer", matches: { if case .int = $0 { true } else { false } }, \.int)
  }

  public func double(_ path: String) throws -> Double {
    try read(path, as: "a number", matches: { if case .double = $0 { true } else { false } }, \.double)
  }

  public func bool(_ path: String) throws -> Bool {
    try read(path, as: "a boolean", matches: { if case .bool = $0 { true } else { false } }, \.bool)
  }

  /// A free string (a path, a column name); a setting with choices is read with ``choice(_:as:)``.
  public func string(_ path: String) throws -> String {
    try read(path, as: "a free string", matches: { if case .string(nil) = $0 { true } else { false } }, \.string)
  }

  /// The case of `type` a `.string(choices:)` setting names. The schema's choices must be exactly `type`'s raw
  /// values (as `.choice(type)` declares them); otherwise this is a `.wrongType` programming error.
  public func choice<Choice: CaseIterable & RawRepresentable>(_ path: String, as type: Choice.Type = Choice.self)
    throws -> Choice where Choice.RawValue == String
  {
    let cases = type.allCases.map(\.rawValue)
    let v = try entry(path, as: "one of: " + cases.joined(separator: ", ")) {
      if case .string(let choices?) = $0 { Set(choices) == Set(cases) } else { false }
    }
    guard let text = v.string, let choice = Choice(rawValue: text) else {
      throw SettingsError.notAChoice(path: path, value: v.display, type: "\(type)")
    }
    return choice
  }

  // MARK: Containers

  /// A list of integers.
  public func ints(_ path: String) throws -> [Int] {
    try list(path, as: "a list of integers", element: { if case .int = $0 { true } else { false } }, \.int)
  }

  /// A list of numbers.
  public func doubles(_ path: String) throws -> [Double] {
    try list(path, as: "a list of numbers", element: { if case .double = $0 { true } else { false } }, \.double)
  }

  /// A list of free strings.
  public func strings(_ path: String) throws -> [String] {
    try list(path, as: "a list of strings", element: { if case .string(nil) = $0 { true } else { false } }, \.string)
  }

  /// A `.dictionary` setting: its keys and values.
  public func dictionary(_ path: String) throws -> [String: Value] {
    try read(path, as: "a map", matches: { if case .dictionary = $0 { true } else { false } }, \.map)
  }

  /// The value of any declared setting, for the kinds a typed accessor cannot return (`.oneOf`, `.any`).
  public func value(_ path: String) throws -> Value {
    try entry(path, as: "a value") { _ in true }
  }

  // MARK: Lookup

  private func list<T>(
    _ path: String, as requested: String, element: (Schema) -> Bool,
    _ readElement: (Value) -> T?
  ) throws -> [T] {
    let items = try read(
      path, as: requested,
      matches: { if case .list(let e, _, _) = $0 { element(e) } else { false } }, \.list)
    var out: [T] = []
    out.reserveCapacity(items.count)
    for item in items {
      guard let x = readElement(item) else {
        throw SettingsError.wrongType(path: path, requested: requested, declared: item.display)
      }
      out.append(x)
    }
    return out
  }

  /// The value at `path` as `get` reads it; a value of another kind than its schema's is a `.wrongType` error.
  private func read<T>(_ path: String, as requested: String, matches: (Schema) -> Bool, _ get: (Value) -> T?)
    throws -> T
  {
    let v = try entry(path, as: requested, matches: matches)
    guard let x = get(v) else { throw SettingsError.wrongType(path: path, requested: requested, declared: v.display) }
    return x
  }

  /// The value at `path` after checking that the schema declares it with a kind `matches` accepts; an absent field
  /// with a ``Field/defaultPath`` reads that setting instead.
  private func entry(_ path: String, as requested: String, matches: (Schema) -> Bool) throws -> Value {
    var current = path
    var visited: Set<String> = []
    while visited.insert(current).inserted {
      let field: Field
      switch Schema.lookup(current, in: fields) {
      case .success(let found): field = found
      case .failure: throw SettingsError.undeclared(path: current)
      }
      guard matches(field.schema) else {
        throw SettingsError.wrongType(path: current, requested: requested, declared: field.schema.expectation)
      }
      if let v = value[path: current] { return v }
      if field.keyNeutral, let d = field.defaultValue { return d }
      guard let next = field.defaultPath else { throw SettingsError.missing(path: current) }
      current = next
    }
    throw SettingsError.missing(path: path)
  }
}

/// Why ``ValidatedSettings`` could not be built or read.
public enum SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The settings do not validate against the schema: one message per problem, each naming its setting.
  case invalid([String])
  /// The task reads a setting its schema does not declare (a programming error).
  case undeclared(path: String)
  /// The task reads a setting as another type than its schema declares (a programming error).
  case wrongType(path: String, requested: String, declared: String)
  /// A setting has no value after validation and neither a default nor a default path (a programming error).
  case missing(path: String)
  /// A choice has no case in the enum the task reads it as (a programming error).
  case notAChoice(path: String, value: String, type: String)

  public var description: String {
    switch self {
    case .invalid(let messages):
      return "invalid settings: " + messages.joined(separator: "; ")
    case .undeclared(let path):
      return "internal error: the task reads setting '\(path)', which its schema does not declare"
    case .wrongType(let path, let requested, let declared):
      return "internal error: the task reads '\(path)' as \(requested), but its schema declares \(declared)"
    case .missing(let path):
      return "internal error: setting '\(path)' has no value after validation and no default"
    case .notAChoice(let path, let value, let type):
      return "internal error: '\(path)' is '\(value)', which \(type) has no case for"
    }
  }
}
