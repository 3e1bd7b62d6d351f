extension Value {
  /// The value as YAML-ish block text, indented by `indent` spaces: maps as `key: value` lines (sorted keys, nested
  /// maps indented by two more), lists of scalars inline as `[a, b]`, lists containing maps or lists as `- ` items.
  /// Strings are quoted only where YAML would read them as something else (`"1"`, `"true"`, `""`, `"a: b"`).
  /// An empty map renders as `{}`. Without a trailing newline.
  public func yamlText(indent: Int = 0) -> String {
    let pad = String(repeating: " ", count: indent)
    switch self {
    case .map(let m):
      if m.isEmpty { return pad + "{}" }
      return m.keys.sorted().map { key in
        let child = m[key, default: .null]
        let label = pad + Value.yamlScalar(key) + ":"
        if case .map(let inner) = child, !inner.isEmpty { return label + "\n" + child.yamlText(indent: indent + 2) }
        if child.isBlockList { return label + "\n" + child.yamlText(indent: indent + 2) }
        return label + " " + child.yamlInline
      }.joined(separator: "\n")
    case .list where isBlockList:
      guard case .list(let items) = self else { return pad + yamlInline }
      return items.map { item in
        let body =
          item.isBlockList || (item.map.map { !$0.isEmpty } ?? false)
          ? item.yamlText(indent: indent + 2) : pad + "  " + item.yamlInline
        // Put the first line after "- ".
        let trimmed = body.dropFirst(indent + 2)
        return pad + "- " + trimmed
      }.joined(separator: "\n")
    default:
      return pad + yamlInline
    }
  }

  /// Single-line YAML (flow style for lists and maps).
  public var yamlInline: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .double(let d):
      if d.isNaN { return ".nan" }
      if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
      return "\(d)"
    case .string(let s): return Value.yamlScalar(s)
    case .list(let l): return "[" + l.map(\.yamlInline).joined(separator: ", ") + "]"
    case .map(let m):
      return "{"
        + m.keys.sorted().map { Value.yamlScalar($0) + ": " + m[$0, default: .null].yamlInline }
        .joined(separator: ", ") + "}"
    }
  }

  private var isBlockList: Bool {
    guard case .list(let l) = self else { return false }
    return l.contains {
      switch $0 {
      case .map(let m): return !m.isEmpty
      case .list: return true
      default: return false
      }
    }
  }

  /// A string as a YAML scalar: bare when YAML 1.2 would read it back as the same string, else double-quoted.
  /// Control characters (C0, DEL, C1, U+2028/U+2029, bidirectional overrides) are always escaped, never printed.
  static func yamlScalar(_ s: String) -> String {
    let special: Set<Character> = [
      ":", "#", "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`",
    ]
    let needsQuotes =
      s.isEmpty || YAMLNode.resolve(s) != .string(s) || s.first == " " || s.last == " "
      || s.first == "-" || s.first == "?" || s.contains(where: { special.contains($0) || $0.isNewline })
      || s.unicodeScalars.contains(where: isControl)
    return needsQuotes ? yamlQuote(s) : s
  }

  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    let v = scalar.value
    return v < 0x20 || (v >= 0x7F && v < 0xA0) || (0x2028...0x202E).contains(v) || (0x2066...0x2069).contains(v)
  }

  /// YAML double-quoted form: `\"`, `\\`, `\n`, `\r`, `\t`, and `\uXXXX` for other control characters.
  static func yamlQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if isControl(scalar) {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
