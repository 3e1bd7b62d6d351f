import Foundation
import _TestSupport

/// One case of the key-value fixture files written by `Fixtures/make_r_seasonal_missing.R` and
/// `Fixtures/make_r_auto_arima.R` (`case ID`, then `key values...` lines, then `end`).
struct RFixtureCase: Sendable, CustomStringConvertible {
  var id: String
  var fields: [String: [String]] = [:]
  var paths: [String] = []
  var description: String { id }

  func numbers(_ key: String) -> [Double] {
    (fields[key] ?? []).map { $0 == "NA" ? Double.nan : (Double($0) ?? .nan) }
  }
  func number(_ key: String) -> Double { numbers(key).first ?? .nan }
  func ints(_ key: String) -> [Int] { (fields[key] ?? []).compactMap { Int($0) } }
  func words(_ key: String) -> [String] { fields[key] ?? [] }

  /// Parses a fixture file from `Tests/ForecastingTests/Fixtures`.
  static func load(_ name: String) -> [RFixtureCase] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    var cases: [RFixtureCase] = []
    var current: RFixtureCase?
    for raw in text.split(separator: "\n") {
      let tokens = raw.split(separator: " ").map(String.init)
      guard let key = tokens.first, !key.hasPrefix("#") else { continue }
      let rest = Array(tokens.dropFirst())
      switch key {
      case "case": current = RFixtureCase(id: rest.first ?? "")
      case "end":
        if let c = current { cases.append(c) }
        current = nil
      case "path": current?.paths.append(rest.joined(separator: " "))
      default: current?.fields[key] = rest
      }
    }
    return cases
  }

  /// The series the case names, read from `../shared/data` (nil when absent), with the transform and NA positions
  /// of the case applied. `arima/NAME.csv` takes the `value` column; `rates/FILE.csv symbol=S column=C` the rows of
  /// symbol S sorted by `date`, column C (what the R script does).
  func series() throws -> [Double]? {
    guard let shared = TestSupport.sharedDirectory else { return nil }
    let spec = words("data")
    guard let file = spec.first else { return nil }
    let text = try String(contentsOf: shared.appendingPathComponent("data/\(file)"), encoding: .utf8)
    let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let header = lines.first else { return nil }
    var values: [Double]
    if spec.count == 1 {
      guard let column = header.firstIndex(of: "value") else { return nil }
      values = lines.dropFirst().map { Double($0[column]) ?? .nan }
    } else {
      var options: [String: String] = [:]
      for item in spec.dropFirst() {
        let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { options[parts[0]] = parts[1] }
      }
      guard let symbolColumn = header.firstIndex(of: "symbol"), let dateColumn = header.firstIndex(of: "date"),
        let column = header.firstIndex(of: options["column"] ?? "")
      else { return nil }
      let rows = lines.dropFirst().filter { $0.count == header.count && $0[symbolColumn] == options["symbol"] }
        .sorted { $0[dateColumn] < $1[dateColumn] }
      values = rows.map { Double($0[column]) ?? .nan }
    }
    for i in ints("na") where i >= 1 && i <= values.count { values[i - 1] = .nan }
    if words("transform").first == "log" { values = values.map { $0.isNaN ? .nan : Foundation.log($0) } }
    return values
  }
}
