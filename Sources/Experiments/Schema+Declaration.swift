// Rules a task's settings declaration must follow, checked over every registered task by the tests.

extension Schema {
  /// What is wrong with a task's settings declaration, one sentence per problem naming the dotted setting; empty
  /// when the declaration is sound. The rules:
  /// - every `.int` and `.double` has a lower and an upper bound, and every `.list` a `maxCount` (no setting may
  ///   make a trial's memory or time unbounded);
  /// - every default validates against its own field (in bounds, one of the choices);
  /// - a `defaultPath` names a declared setting of the same type, on a field with no default of its own;
  /// - a `keyNeutral` field has a default (which it applies when read) and no default path;
  /// - choices are non-empty and distinct; field names are unique within their object.
  public static func declarationProblems(_ fields: [Field]) -> [String] {
    var problems: [String] = []
    check(fields, prefix: "", root: fields, into: &problems)
    return problems
  }

  private static func check(_ fields: [Field], prefix: String, root: [Field], into problems: inout [String]) {
    var seen = Set<String>()
    for field in fields {
      let path = prefix.isEmpty ? field.name : prefix + "." + field.name
      if !seen.insert(field.name).inserted { problems.append("'\(path)' is declared twice") }
      field.schema.check(path: path, root: root, into: &problems)
      if let value = field.defaultValue {
        var sink = DiagnosticSink(file: "", source: "")
        if SettingsValidator().validate(YAMLNode(value: value), field.schema, path: path, sink: &sink) == nil {
          let reasons = sink.diagnostics.map(\.message).joined(separator: "; ")
          problems.append("the default of '\(path)' does not validate: \(reasons)")
        }
      }
      if field.keyNeutral && (field.defaultValue == nil || field.defaultPath != nil) {
        problems.append("'\(path)' is key-neutral, so it needs a default of its own and no default path")
      }
      if let target = field.defaultPath {
        if field.defaultValue != nil {
          problems.append("'\(path)' has both a default and a default path")
        }
        switch lookup(target, in: root) {
        case .success(let other):
          if !other.schema.hasSameKind(as: field.schema) {
            problems.append("'\(path)' defaults to '\(target)', which has another type")
          }
        case .failure:
          problems.append("'\(path)' defaults to '\(target)', which is not declared")
        }
      }
    }
  }

  private func check(path: String, root: [Field], into problems: inout [String]) {
    switch self {
    case .int(let lo, let hi):
      if lo == nil || hi == nil { problems.append("'\(path)' is an integer without a lower and an upper bound") }
      if let lo, let hi, lo > hi { problems.append("'\(path)' has min \(lo) > max \(hi)") }
    case .double(let lo, let hi, _, _):
      if lo == nil || hi == nil { problems.append("'\(path)' is a number without a lower and an upper bound") }
      if let lo, let hi, !(lo < hi) { problems.append("'\(path)' has min \(lo) >= max \(hi)") }
    case .string(let choices?):
      if choices.isEmpty { problems.append("'\(path)' has an empty list of choices") }
      if Set(choices).count != choices.count { problems.append("'\(path)' lists a choice twice") }
    case .string, .bool, .any:
      break
    case .list(let element, _, let maxCount):
      if maxCount == nil { problems.append("'\(path)' is a list without a maximum length") }
      element.check(path: path + "[]", root: root, into: &problems)
    case .object(let fields):
      Schema.check(fields, prefix: path, root: root, into: &problems)
    case .dictionary(let element):
      element.check(path: path + ".*", root: root, into: &problems)
    case .oneOf(let alternatives):
      if alternatives.isEmpty { problems.append("'\(path)' has no alternatives") }
      for alternative in alternatives { alternative.check(path: path, root: root, into: &problems) }
    }
  }

  /// Same case, ignoring bounds and choices.
  func hasSameKind(as other: Schema) -> Bool {
    switch (self, other) {
    case (.bool, .bool), (.int, .int), (.double, .double), (.string, .string), (.list, .list), (.object, .object),
      (.dictionary, .dictionary), (.oneOf, .oneOf), (.any, .any):
      return true
    default:
      return false
    }
  }
}
