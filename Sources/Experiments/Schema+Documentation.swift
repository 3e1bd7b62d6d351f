// The settings tables of docs/ARCHITECTURE.md ("Task settings"), rendered from the declarations themselves.

extension Schema {
  /// A Markdown table of `fields`, one row per setting (nested objects as dotted keys after their own row): the
  /// key, its type with bounds or choices, its default, and its help text. docs/ARCHITECTURE.md embeds this table
  /// for every built-in task between generated-section markers; a test fails when the two differ.
  ///
  /// Types read `integer in [1, 100000]`, `number in (0, 1]` (a round bracket is a strict bound), `` `a` | `b` ``
  /// for choices, `list of at most 64 × ...`, `map of name → ...`, alternatives joined by `or`. Defaults read
  /// `` `value` ``, `` = `other.setting` `` for a ``Field/defaultPath``, `required`, or `—` for an absent setting.
  public static func markdownTable(_ fields: [Field]) -> String {
    var lines = ["| Setting | Type | Default | Description |", "|---|---|---|---|"]
    appendRows(fields, prefix: "", to: &lines)
    return lines.joined(separator: "\n") + "\n"
  }

  private static func appendRows(_ fields: [Field], prefix: String, to lines: inout [String]) {
    for field in fields {
      let path = prefix.isEmpty ? field.name : prefix + "." + field.name
      let cells = ["`\(path)`", field.schema.documentedType, field.documentedDefault, field.help]
      lines.append("| " + cells.map(escapeCell).joined(separator: " | ") + " |")
      if case .object(let inner) = field.schema { appendRows(inner, prefix: path, to: &lines) }
    }
  }

  /// A table cell: pipes escaped, line breaks folded into spaces.
  static func escapeCell(_ text: String) -> String {
    text.replacingAll("|", with: "\\|").replacingAll("\n", with: " ")
  }

  /// The type column: `bool`, `integer in [0, 20]`, `` `none` | `log` ``, `list of at most 2 × number in [0, 1]`, ...
  var documentedType: String {
    switch self {
    case .bool: return "bool"
    case .int(let lo, let hi):
      return "integer" + Schema.interval(lo.map { "\($0)" }, hi.map { "\($0)" }, false, false)
    case .double(let lo, let hi, let exclusiveMin, let exclusiveMax):
      return "number" + Schema.interval(lo.map(Schema.number), hi.map(Schema.number), exclusiveMin, exclusiveMax)
    case .string(let choices?): return choices.map { "`\($0)`" }.joined(separator: " | ")
    case .string(nil): return "string"
    case .list(let element, let nonEmpty, let maxCount):
      let size: String
      switch (nonEmpty, maxCount) {
      case (true, let m?): size = "1 to \(m) × "
      case (false, let m?): size = "at most \(m) × "
      case (true, nil): size = "at least 1 × "
      case (false, nil): size = ""
      }
      return "list of " + size + element.documentedType
    case .object: return "map"
    case .dictionary(let element): return "map of name → " + element.documentedType
    case .oneOf(let alternatives): return alternatives.map(\.documentedType).joined(separator: " or ")
    case .any: return "any"
    }
  }

  /// ` in [lo, hi]` with round brackets for strict bounds, ` ≥ lo`, ` ≤ hi`, or the empty string.
  private static func interval(_ lo: String?, _ hi: String?, _ exclusiveMin: Bool, _ exclusiveMax: Bool) -> String {
    switch (lo, hi) {
    case (nil, nil): return ""
    case (let lo?, nil): return (exclusiveMin ? " > " : " ≥ ") + lo
    case (nil, let hi?): return (exclusiveMax ? " < " : " ≤ ") + hi
    case (let lo?, let hi?): return " in " + (exclusiveMin ? "(" : "[") + lo + ", " + hi + (exclusiveMax ? ")" : "]")
    }
  }
}

extension Field {
  /// The default column: `` `730` ``, `` = `holdout` ``, `required`, empty for an object (its fields have theirs),
  /// or `—` when an omitted setting stays absent.
  var documentedDefault: String {
    if let value = defaultValue { return "`" + value.display + "`" }
    if let path = defaultPath { return "= `" + path + "`" }
    if required { return "required" }
    if case .object = schema { return "" }
    return "—"
  }
}

extension String {
  /// Every occurrence of `target` replaced (the standard library's own, so Experiments needs no Foundation here).
  fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
    var out = ""
    out.reserveCapacity(count)
    for c in self { if c == target { out += replacement } else { out.append(c) } }
    return out
  }
}
