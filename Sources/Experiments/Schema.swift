/// The shape of a task's settings: what keys exist, their types, allowed values and defaults.
///
/// Tasks declare their settings as a list of ``Field``s; the spec parser validates experiment files against it
/// (reporting file:line:column), fills in defaults, and validates every sweep value against the field it overrides.
/// Tasks read the result through ``ValidatedSettings``, so a default or a list of choices is written only here.
///
/// Every number a task declares has an upper bound and every list a maximum length, so that no setting can make a
/// trial's memory or time unbounded; ``Schema/declarationProblems(_:)`` reports a declaration that breaks this rule
/// (a test runs it over every registered task).
public indirect enum Schema: Sendable {
  case bool
  /// An integer within optional bounds (inclusive).
  case int(min: Int? = nil, max: Int? = nil)
  /// A real number within optional bounds; `exclusiveMin` / `exclusiveMax` make a bound strict (for example
  /// `lr > 0`, or a probability threshold in (0, 1)).
  case double(min: Double? = nil, max: Double? = nil, exclusiveMin: Bool = false, exclusiveMax: Bool = false)
  /// A string, optionally restricted to `choices`.
  case string(choices: [String]? = nil)
  /// A list of elements; `nonEmpty` rejects `[]`, `maxCount` rejects longer lists.
  case list(of: Schema, nonEmpty: Bool = true, maxCount: Int? = nil)
  /// A nested map with known fields. Unknown keys are errors (with a did-you-mean suggestion).
  case object([Field])
  /// A map with free keys whose values all follow one schema (for example named feature sets).
  case dictionary(of: Schema)
  /// The first alternative that accepts the value wins (for example `threshold: 0.5` or `threshold: tune`).
  case oneOf([Schema])
  /// Anything (used sparingly, for pass-through blocks).
  case any

  /// A string restricted to the raw values of `type`'s cases, in declaration order: the one place a setting's
  /// choices are listed is the enum the task switches over (read it back with ``ValidatedSettings/choice(_:as:)``).
  public static func choice<Choice: CaseIterable & RawRepresentable>(_ type: Choice.Type) -> Schema
  where Choice.RawValue == String {
    .string(choices: type.allCases.map(\.rawValue))
  }
}

/// One named setting.
public struct Field: Sendable {
  public var name: String
  public var schema: Schema
  /// Filled in when the experiment file omits the key. A field with no default and `required == false` is absent.
  public var defaultValue: Value?
  /// For an optional field without a default: the dotted path of the setting whose value it takes when omitted
  /// (`horizon` defaults to `holdout`). The resolved settings leave the field out (so trial keys do not change);
  /// ``ValidatedSettings`` reads it through this path.
  public var defaultPath: String?
  public var required: Bool
  /// The default is applied when the setting is read (``ValidatedSettings``) but not written into the resolved
  /// settings, so a field added after stores were written does not change their trial keys. An object whose fields
  /// are all key-neutral and omitted is left out of the resolved settings too.
  public var keyNeutral: Bool
  /// One line for `almanac validate` and the docs (docs/ARCHITECTURE.md "Task settings" is generated from it).
  public var help: String

  public init(
    _ name: String, _ schema: Schema, default defaultValue: Value? = nil, defaultPath: String? = nil,
    required: Bool = false, keyNeutral: Bool = false, help: String = ""
  ) {
    self.keyNeutral = keyNeutral
    self.name = name
    self.schema = schema
    self.defaultValue = defaultValue
    self.defaultPath = defaultPath
    self.required = required
    self.help = help
  }
}
