import Foundation
import _TestSupport

/// One block of `../shared/data/arima/expected_R_stats_arima.txt` (R 4.2.2 `stats::arima` output), parsed at run time.
struct RReferenceCase: Sendable, CustomStringConvertible {
  var header: String
  var coefficientNames: [String] = []
  var coefficients: [Double] = []
  var sigma2 = Double.nan
  var loglik = Double.nan
  var aic = Double.nan
  var nobs = 0
  var bic = Double.nan
  var standardErrors: [Double] = []
  var predictions: [Double] = []
  var predictionErrors: [Double] = []
  var description: String { header }

  /// Dataset file, order and method implied by the header (`lh AR3 CSS`, `WWWusage 111`, `LakeHuron 200 mean`).
  var dataset: String { String(header.split(separator: " ")[0]) }
  var order: (p: Int, d: Int, q: Int) {
    let tag = header.split(separator: " ")[1]
    switch tag {
    case "AR1": return (1, 0, 0)
    case "AR3": return (3, 0, 0)
    case "ARMA11": return (1, 0, 1)
    default:
      let digits = tag.compactMap { $0.wholeNumberValue }
      return (digits[0], digits[1], digits[2])
    }
  }
  var method: String {
    let parts = header.split(separator: " ")
    if parts.count > 2, ["CSS-ML", "ML", "CSS"].contains(String(parts[2])) { return parts[2].lowercased() }
    return "css-ml"
  }

  static func parseNumbers(_ line: Substring) -> [Double] {
    line.split(separator: " ").compactMap { token in
      token == "NaN" ? Double.nan : (token == "NA" ? Double.nan : Double(token))
    }
  }

  /// Parses the whole file; throws with the line number on an unexpected line.
  static func load(_ url: URL) throws -> [RReferenceCase] {
    let text = try String(contentsOf: url, encoding: .utf8)
    var cases: [RReferenceCase] = []
    var current: RReferenceCase?
    var expectValues = false
    var seenPred = false
    for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.hasPrefix("=====") {
        if let c = current { cases.append(c) }
        current = RReferenceCase(header: line.dropFirst(5).trimmingCharacters(in: .whitespaces))
        expectValues = false
        seenPred = false
        continue
      }
      guard var c = current, !line.isEmpty else { continue }
      if line.hasPrefix("Warning") || line.hasPrefix("In ") { continue }
      let fields = line.split(separator: " ")
      switch fields.first.map(String.init) ?? "" {
      case "sigma2":
        c.sigma2 = Double(fields[1]) ?? .nan
        c.loglik = Double(fields[3]) ?? .nan
        c.aic = Double(fields[5]) ?? .nan
        c.nobs = Int(fields[7]) ?? 0
      case "BIC":
        c.bic = fields.count > 1 ? Double(fields[1]) ?? .nan : .nan
      case "se":
        if seenPred {
          c.predictionErrors = parseNumbers(line.dropFirst(2)[...])
        } else {
          c.standardErrors = parseNumbers(line.dropFirst(2)[...])
        }
      case "pred":
        c.predictions = parseNumbers(line.dropFirst(4)[...])
        seenPred = true
      default:
        if !expectValues && c.coefficientNames.isEmpty {
          c.coefficientNames = fields.map(String.init)
          expectValues = true
        } else if expectValues {
          c.coefficients = parseNumbers(line[...])
          expectValues = false
        } else {
          throw ParseError(line: number + 1, text: line)
        }
      }
      current = c
    }
    if let c = current { cases.append(c) }
    return cases
  }

  struct ParseError: Error, CustomStringConvertible {
    var line: Int
    var text: String
    var description: String { "expected_R_stats_arima.txt:\(line): unexpected line '\(text)'" }
  }

  static var expectedFile: URL? {
    TestSupport.sharedDirectory?.appendingPathComponent("data/arima/expected_R_stats_arima.txt")
  }

  /// The `value` column of `../shared/data/arima/<name>.csv`.
  static func series(_ name: String) throws -> [Double] {
    guard let shared = TestSupport.sharedDirectory else { return [] }
    let text = try String(contentsOf: shared.appendingPathComponent("data/arima/\(name).csv"), encoding: .utf8)
    return text.split(separator: "\n").dropFirst().compactMap { line in
      line.split(separator: ",").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }
  }

  /// All cases, or [] when ../shared is absent (the tests then skip).
  static var all: [RReferenceCase] {
    guard let url = expectedFile, let cases = try? load(url) else { return [] }
    return cases
  }
}
