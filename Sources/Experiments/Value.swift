/// A resolved setting value: the JSON-like tree that experiment files, trial settings and stored params share.
///
/// Maps are unordered; ``canonicalJSON`` sorts keys so that equal settings always serialise to the same bytes
/// (trial keys are hashes of that form).
public indirect enum Value: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case list([Value])
  case map([String: Value])

  // MARK: Accessors

  public var int: Int? {
    switch self {
    case .int(let v): return v
    case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
    default: return nil
    }
  }

  public var double: Double? {
    switch self {
    case .int(let v): return Double(v)
    case .double(let d): return d
    default: return nil
    }
  }

  public var string: String? { if case .string(let s) = self { return s } else { return nil } }
  public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
  public var list: [Value]? { if case .list(let l) = self { return l } else { return nil } }
  public var map: [String: Value]? { if case .map(let m) = self { return m } else { return nil } }

  /// The value at a dotted path (`"model.lr"`), or nil when any component is missing.
  public subscript(path path: String) -> Value? {
    var current: Value = self
    for component in path.split(separator: ".", omittingEmptySubsequences: false) {
      guard case .map(let m) = current, let next = m[String(component)] else { return nil }
      current = next
    }
    return current
  }

  /// Returns a copy with the value at `path` replaced (intermediate maps are created as needed).
  public func setting(_ path: String, to newValue: Value) -> Value {
    let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    return Value.set(parts[...], in: self, to: newValue)
  }

  private static func set(_ parts: ArraySlice<String>, in value: Value, to newValue: Value) -> Value {
    guard let head = parts.first else { return newValue }
    var m = value.map ?? [:]
    m[head] = set(parts.dropFirst(), in: m[head] ?? .null, to: newValue)
    return .map(m)
  }

  /// Leaves of the tree as (dotted path, value) pairs in sorted path order; lists are leaves.
  public func flattened(prefix: String = "") -> [(path: String, value: Value)] {
    guard case .map(let m) = self else { return prefix.isEmpty ? [] : [(prefix, self)] }
    var out: [(String, Value)] = []
    for key in m.keys.sorted() {
      let path = prefix.isEmpty ? key : prefix + "." + key
      out += m[key, default: .null].flattened(prefix: path)
    }
    return out
  }

  // MARK: Rendering

  /// Canonical JSON: sorted keys, no whitespace, integers without a fraction, doubles in shortest round-trip form.
  public var canonicalJSON: String {
    var out = ""
    appendCanonicalJSON(to: &out)
    return out
  }

  /// Appends ``canonicalJSON`` to `out` (one buffer for the whole tree: no intermediate strings or arrays).
  public func appendCanonicalJSON(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
      if d.isNaN {
        out += "\"NaN\""
      } else if d.isInfinite {
        out += d > 0 ? "\"Infinity\"" : "\"-Infinity\""
      } else {
        out += "\(d)"
      }
    case .string(let s): Value.appendQuoted(s, to: &out)
    case .list(let l):
      out += "["
      for (i, item) in l.enumerated() {
        if i > 0 { out += "," }
        item.appendCanonicalJSON(to: &out)
      }
      out += "]"
    case .map(let m):
      out += "{"
      for (i, key) in m.keys.sorted().enumerated() {
        if i > 0 { out += "," }
        Value.appendQuoted(key, to: &out)
        out += ":"
        m[key, default: .null].appendCanonicalJSON(to: &out)
      }
      out += "}"
    }
  }

  /// A short human form: strings bare, lists as `[a, b]`, maps as canonical JSON.
  public var display: String {
    switch self {
    case .string(let s): return s
    case .list(let l): return "[" + l.map(\.display).joined(separator: ", ") + "]"
    case .null: return "null"
    case .map: return canonicalJSON
    default: return canonicalJSON
    }
  }

  public static func quote(_ s: String) -> String {
    var out = ""
    appendQuoted(s, to: &out)
    return out
  }

  /// Appends ``quote(_:)`` of `s` to `out`.
  static func appendQuoted(_ s: String, to out: inout String) {
    if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
      out += "\""
      out += s
      out += "\""
      return
    }
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int) { self = .int(value) }
  public init(floatLiteral value: Double) { self = .double(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(arrayLiteral elements: Value...) { self = .list(elements) }
  public init(dictionaryLiteral elements: (String, Value)...) {
    self = .map(Dictionary(elements, uniquingKeysWith: { _, b in b }))
  }
  public init(nilLiteral: ()) { self = .null }
}
