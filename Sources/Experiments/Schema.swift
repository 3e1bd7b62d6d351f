/// The shape of a task's settings: what keys exist, their types, allowed values and defaults.
///
/// Tasks declare their settings as a list of ``Field``s; the spec parser validates experiment files against it
/// (reporting file:line:column), fills in defaults, and validates every sweep value against the field it overrides.
public indirect enum Schema: Sendable {
  case bool
  /// An integer within optional bounds (inclusive).
  case int(min: Int? = nil, max: Int? = nil)
  /// A real number within optional bounds; `exclusiveMin` makes the lower bound strict (for example `lr > 0`).
  case double(min: Double? = nil, max: Double? = nil, exclusiveMin: Bool = false)
  /// A string, optionally restricted to `choices`.
  case string(choices: [String]? = nil)
  /// A list of elements; `nonEmpty` rejects `[]`.
  case list(of: Schema, nonEmpty: Bool = true)
  /// A nested map with known fields. Unknown keys are errors (with a did-you-mean suggestion).
  case object([Field])
  /// A map with free keys whose values all follow one schema (for example named feature sets).
  case dictionary(of: Schema)
  /// The first alternative that accepts the value wins (for example `threshold: 0.5` or `threshold: tune`).
  case oneOf([Schema])
  /// Anything (used sparingly, for pass-through blocks).
  case any
}

/// One named setting.
public struct Field: Sendable {
  public var name: String
  public var schema: Schema
  /// Filled in when the experiment file omits the key. A field with no default and `required == false` is absent.
  public var defaultValue: Value?
  public var required: Bool
  /// One line for `almanac validate` and the docs.
  public var help: String

  public init(_ name: String, _ schema: Schema, default defaultValue: Value? = nil, required: Bool = false,
              help: String = "")
  {
    self.name = name
    self.schema = schema
    self.defaultValue = defaultValue
    self.required = required
    self.help = help
  }
}
