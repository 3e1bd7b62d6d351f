import Foundation
import Testing

/// Reads a JSON fixture from `Fixtures/` (written by gen_fixtures.py or gen_dm.R). JSON has no NaN or infinity, so
/// the generators write them as the strings "nan", "inf" and "-inf"; ``Fixture/number(_:)`` decodes them.
enum Fixture {
  static func load(_ name: String) throws -> [String: Any] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"),
                           "missing fixture \(name).json")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return try #require(object as? [String: Any])
  }

  static func cases(_ name: String, key: String = "cases") throws -> [[String: Any]] {
    try #require(try load(name)[key] as? [[String: Any]])
  }

  static func number(_ value: Any?) -> Double {
    switch value {
    case let n as NSNumber: return n.doubleValue
    case let s as String:
      switch s {
      case "nan", "NaN", "NA": return .nan
      case "inf", "Inf": return .infinity
      case "-inf", "-Inf": return -.infinity
      default: return Double(s) ?? .nan
      }
    default: return .nan
    }
  }

  static func numbers(_ value: Any?) -> [Double] {
    (value as? [Any] ?? []).map(number)
  }
}

/// `actual` equals `expected` within a relative tolerance (absolute near 0), NaN matching NaN and infinities
/// matching exactly.
func close(_ actual: Double, _ expected: Double, relative: Double, absolute: Double = 0) -> Bool {
  if expected.isNaN { return actual.isNaN }
  if expected.isInfinite { return actual == expected }
  return abs(actual - expected) <= max(relative * abs(expected), absolute)
}
