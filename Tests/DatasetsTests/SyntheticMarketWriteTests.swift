import Datasets
import Foundation
import Testing
import _TestSupport

/// What a cell of the export looks like.
private enum Kind: Equatable {
  case nanosecondDay, isoDate, address, symbol, number
}

private func kind(of cell: Substring) -> Kind? {
  let bytes = Array(cell.utf8)
  if bytes.count == 42, cell.hasPrefix("0x"), bytes.dropFirst(2).allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
    return .address
  }
  if bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D { return .isoDate }
  if bytes.count >= 18, bytes.allSatisfy({ (0x30...0x39).contains($0) }), let v = Int(cell), v % 86_400_000_000_000 == 0 {
    return .nanosecondDay
  }
  if let v = Double(cell), v.isFinite { return .number }
  if !cell.isEmpty, cell.allSatisfy({ $0.isLetter || $0.isNumber }) { return .symbol }
  return nil
}

private let expectedKinds: [String: [Kind]] = [
  "aave_liquidations_v2.csv": [.nanosecondDay, .address, .address, .symbol, .symbol, .address, .number, .number, .number,
                               .address, .number, .number, .number],
  "aave_daily_deposits_borrows_v2.csv": [.isoDate, .symbol, .address, .number, .number],
  "tokens_daily_volume.csv": [.isoDate, .number, .number, .number, .symbol],
  "aave_daily_rates.csv": [.isoDate, .symbol, .address, .number, .number, .number, .number, .number],
]

/// The real file each synthetic file mirrors (under ../shared/data).
private let realFile: [String: String] = [
  "aave_liquidations_v2.csv": "aave/aave_liquidations_v2.csv",
  "aave_liquidations_v3.csv": "aave/aave_liquidations_v3.csv",
  "aave_daily_deposits_borrows_v2.csv": "aave/aave_daily_deposits_borrows_v2.csv",
  "aave_daily_deposits_borrows_v3.csv": "aave/aave_daily_deposits_borrows_v3.csv",
  "tokens_daily_volume.csv": "aave/tokens_daily_volume.csv",
  "aave_daily_rates.csv": "rates/aave_v3_daily_rates_2023.csv",
]

private func kinds(for file: String) -> [Kind] {
  expectedKinds[file.replacingOccurrences(of: "v3", with: "v2")] ?? []
}

@Suite struct SyntheticMarketWriteTests {
  @Test func filesHaveTheExportsSchema() throws {
    let out = SyntheticMarket.generate(.init(seed: 4, days: 150))
    let dir = try TestSupport.temporaryDirectory("synth")
    try SyntheticMarket.write(out, to: dir)
    for (name, _) in realFile {
      let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
      let lines = text.split(separator: "\n")
      let expected = kinds(for: name)
      #expect(lines.count > 1, "\(name) has rows")
      for line in lines.dropFirst() {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false)
        #expect(cells.map(kind(of:)) == expected, "\(name): \(line)")
      }
      // Same header and the same kinds of cells as the real export.
      if let shared = TestSupport.sharedDirectory, let real = realFile[name] {
        let realText = try String(contentsOf: shared.appendingPathComponent("data/" + real), encoding: .utf8)
        let realLines = realText.split(separator: "\n").prefix(30)
        #expect(lines.first == realLines.first, "\(name) header")
        for line in realLines.dropFirst() {
          let cells = line.split(separator: ",", omittingEmptySubsequences: false)
          #expect(cells.map(kind(of:)) == expected, "real \(real): \(line)")
        }
      }
    }
  }

  /// Doubles are written in shortest round-trip form: reading them back gives the identical values.
  @Test func numbersRoundTripExactly() throws {
    let out = SyntheticMarket.generate(.init(seed: 8, days: 120))
    let dir = try TestSupport.temporaryDirectory("synth")
    try SyntheticMarket.write(out, to: dir)
    var rows: [[Substring]] = []
    for version in [2, 3] {
      let text = try String(contentsOf: dir.appendingPathComponent("aave_liquidations_v\(version).csv"), encoding: .utf8)
      rows += text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }
    let written = out.tables.liquidations.filter { $0.version == 2 } + out.tables.liquidations.filter { $0.version == 3 }
    #expect(rows.count == written.count && !rows.isEmpty)
    for (cells, row) in zip(rows, written) {
      #expect(Int(cells[0]) == row.day * 86_400_000_000_000)
      #expect(Double(cells[6]) == row.collateralAmount && Double(cells[7]) == row.colValueUSD)
      #expect(Double(cells[10]) == row.debtAmount && Double(cells[12]) == row.debtCurrentValueUSD)
    }
    let rates = try String(contentsOf: dir.appendingPathComponent("aave_daily_rates.csv"), encoding: .utf8)
      .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
    for (cells, row) in zip(rates, out.rates) {
      #expect(String(cells[0]) == CSVWriter.isoDate(day: row.day))
      #expect(Double(cells[4]) == row.variableBorrowRate && Double(cells[7]) == row.variableBorrowIndex)
    }
  }

  @Test func writtenRatesLoadAsARateSeries() throws {
    let out = SyntheticMarket.generate(.init(seed: 8, days: 60))
    let dir = try TestSupport.temporaryDirectory("synth")
    try SyntheticMarket.write(out, to: dir)
    let loaded = try RateSeries.load(file: dir.appendingPathComponent("aave_daily_rates.csv"), options: .init(
      timeColumn: "date", valueColumn: "avg_variableBorrowRate", filter: ["symbol": "WETH"]))
    #expect(loaded == RateSeries(rates: out.rates, symbol: "WETH", rate: .variableBorrow))
  }
}

@Suite struct CSVWriterTests {
  /// Day numbers from Python: `(date(y, m, d) - date(1970, 1, 1)).days`.
  @Test(arguments: [(0, "1970-01-01"), (-1, "1969-12-31"), (11016, "2000-02-29"), (19358, "2023-01-01"),
                    (19782, "2024-02-29")])
  func isoDates(day: Int, text: String) {
    #expect(CSVWriter.isoDate(day: day) == text)
  }

  @Test func quotingAndNumbers() {
    var csv = CSVWriter(header: ["a", "b"])
    csv.append(["x,y", "say \"hi\""])
    csv.append(["line\nbreak", ""])
    #expect(csv.text == "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"line\nbreak\",\n")
    #expect(CSVWriter.field(0.1) == "0.1" && CSVWriter.field(2028) == "2028.0" && CSVWriter.field(.nan) == "")
    #expect(CSVWriter.field(-.infinity) == "-inf" && CSVWriter.field(1e-5) == "1e-05")
  }
}
