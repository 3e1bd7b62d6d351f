import AlmanacCore
import Datasets
import Foundation
import Testing
import _TestSupport

/// Mutated rate CSVs through ``RateSeries/load(file:options:)``: no crash; a series or a ``CSVError`` that names the
/// file with a line and column and quotes nothing raw that could garble a terminal.
@Suite("Fuzz: mutated rate-series CSV files")
struct RateSeriesFuzzTests {
  static var corpus: [String] {
    var g = SplitMix64(seed: 4)
    var hourly = "timestamp,symbol,variable_borrow_rate,\"note, quoted\"\n"
    var daily = "day,symbol,rate\n"
    for i in 0..<40 {
      let rate = 0.02 + 0.01 * g.nextUnit()
      hourly += "\(1_577_836_800 + 3_600 * i),\(i % 3 == 0 ? "DAI" : "USDC"),\(rate),\"n\(i)\"\n"
      daily += "2021-01-\(String(format: "%02d", 1 + i % 28)) 00:00:00,USDC,\(rate)\n"
    }
    return [hourly, daily]
  }

  static let options = [
    RateSeries.Options(timeColumn: "timestamp", valueColumn: "variable_borrow_rate", filter: ["symbol": "USDC"],
                       positiveOnly: true, last: 30),
    RateSeries.Options(timeColumn: "day", valueColumn: "rate", missing: .interpolate),
  ]

  @Test(.timeLimit(.minutes(2)))
  func mutatedFilesLoadOrGiveLocatedErrors() throws {
    let directory = try TestSupport.temporaryDirectory("csv-fuzz")
    var mutator = TextMutator(seed: 20_261_130)
    var outcomes = (loaded: 0, refused: 0)
    for case_ in 0..<300 {
      let which = case_ % 2
      let text = mutator.mutate(Self.corpus[which], maxEdits: 4)
      let url = directory.appendingPathComponent("rates-\(case_).csv")
      try Data(text.utf8).write(to: url)
      do {
        let series = try RateSeries.load(file: url, options: Self.options[which])
        #expect(series.times.count == series.values.count)
        outcomes.loaded += 1
      } catch let error as CSVError {
        outcomes.refused += 1
        #expect(error.file.hasSuffix("rates-\(case_).csv"), "case \(case_): \(error)")
        #expect(error.line >= 1 && error.column >= 1, "case \(case_): \(error)")
        let description = error.description
        #expect(description.contains("rates-\(case_).csv:\(error.line):\(error.column): "), "\(description)")
        #expect(description.count < 20_000, "case \(case_): \(description.count) characters")
      } catch {
        Issue.record("case \(case_): unexpected \(type(of: error)): \(error)\n--- file:\n\(text)")
      }
    }
    #expect(outcomes.loaded > 20 && outcomes.refused > 20, "\(outcomes)")
  }
}
