import Datasets
import Foundation
import Testing
import _TestSupport

/// Issue 10 item 11 and the binary-header part of item 12, and issue 12's missing values: every problem names
/// file:line:column, nothing is dropped silently. Each test failed before the change it covers.
@Suite struct RateSeriesHardeningTests {
  static func write(_ text: String) throws -> URL {
    try write(bytes: Array(text.utf8))
  }

  static func write(bytes: [UInt8]) throws -> URL {
    let url = try TestSupport.temporaryDirectory("hardening").appendingPathComponent("series.csv")
    try Data(bytes).write(to: url)
    return url
  }

  static let options = RateSeries.Options(timeColumn: "t", valueColumn: "v")

  static func error(_ text: String, _ options: RateSeries.Options = options) throws -> CSVError {
    let url = try write(text)
    let error = try #require(throws: CSVError.self) { try RateSeries.load(file: url, options: options) }
    #expect(error.file == url.path, "the error names the file")
    #expect(error.description.hasPrefix("\(url.path):\(error.line):\(error.column): error: "))
    return error
  }

  @Test(arguments: ["", "\n", "\n\n"])
  func emptyFileIsAnErrorNamingTheFile(_ text: String) throws {
    let e = try Self.error(text)
    #expect(e.kind == .empty && e.line == 1 && e.column == 1)
  }

  @Test func headerOnlyFileIsAnErrorNamingTheFile() throws {
    let e = try Self.error("t,v\n")
    #expect(e.line == 2 && e.message == "no data rows: the file has only a header")
  }

  @Test func filterMatchingNothingIsAnError() throws {
    let e = try Self.error("symbol,t,v\nDAI,2024-01-01,1\n", .init(timeColumn: "t", valueColumn: "v", filter: ["symbol": "USDC"]))
    #expect(e.line == 2 && e.message.contains("no row matches the filter symbol = 'USDC'"))
  }

  @Test(arguments: [("inf", 12), ("-Infinity", 12), ("1e400", 12), ("-1e999", 12)])
  func infiniteValueIsLocated(_ text: String, _ column: Int) throws {
    let e = try Self.error("t,v\n2024-01-01,1\n2024-01-02,\(text)\n")
    #expect(e.line == 3 && e.column == column)
    #expect(e.kind == .nonFiniteNumber(column: "v", text: text))
    #expect(e.message.contains("values must be finite"))
  }

  /// `NA`, `NaN` and empty cells are missing: kept as NaN with `keep`, dropped (and counted) with `drop`.
  @Test func missingValuesAreKeptOrCounted() throws {
    let url = try Self.write("t,v\n1,1\n2,NA\n3,\n4,NaN\n5,na\n6,2\n")
    let kept = try RateSeries.loadWithSummary(file: url, options: .init(timeColumn: "t", valueColumn: "v", missing: .keep))
    #expect(kept.series.times == [1, 2, 3, 4, 5, 6])
    #expect(kept.series.values.map(\.isNaN) == [false, true, true, true, true, false])
    #expect(kept.summary.keptMissing == 4 && kept.summary.droppedMissing == 0)
    let dropped = try RateSeries.loadWithSummary(file: url, options: .init(timeColumn: "t", valueColumn: "v"))
    #expect(dropped.series.values == [1, 2] && dropped.summary.droppedMissing == 4)
  }

  /// `keep` with resampling: empty buckets between filled ones are NaN points on the regular grid.
  @Test func keepWithResamplingFillsTheGrid() throws {
    let url = try Self.write("t,v\n2024-01-01 00:10:00,1\n2024-01-01 03:20:00,5\n")
    let s = try RateSeries.load(file: url, options: .init(timeColumn: "t", valueColumn: "v", resample: .hourly, missing: .keep))
    #expect(s.count == 4 && s.values[0] == 1 && s.values[1].isNaN && s.values[2].isNaN && s.values[3] == 5)
    #expect(s.times[1] - s.times[0] == 3_600)
  }

  @Test func positiveOnlyDropsAreCounted() throws {
    let url = try Self.write("t,v\n1,0\n2,-1\n3,0.5\n4,\n")
    let r = try RateSeries.loadWithSummary(file: url, options: .init(timeColumn: "t", valueColumn: "v", positiveOnly: true, missing: .keep))
    #expect(r.summary.droppedNonPositive == 2 && r.series.count == 2 && r.series.values[1].isNaN)
  }

  @Test func duplicateTimesAreAnErrorNamingBothLines() throws {
    let e = try Self.error("t,v\n2024-01-01,1\n2024-01-02,2\n2024-01-01,3\n")
    #expect(e.line == 4 && e.column == 1)
    #expect(e.kind == .duplicateTime(text: "2024-01-01", firstLine: 2))
    #expect(e.message.contains("also on line 2"))
  }

  @Test func duplicateTimesCanBeMergedExplicitly() throws {
    let url = try Self.write("t,v\n1,1\n2,2\n1,3\n2,\n")
    func load(_ d: RateSeries.Duplicates) throws -> (RateSeries, RateSeries.LoadSummary) {
      try RateSeries.loadWithSummary(file: url, options: .init(timeColumn: "t", valueColumn: "v", missing: .keep, duplicates: d))
    }
    let (mean, summary) = try load(.mean)
    #expect(mean.values == [2, 2] && summary.mergedDuplicates == 2)
    #expect(try load(.first).0.values == [1, 2])
    let last = try load(.last).0.values
    #expect(last[0] == 3 && last[1].isNaN)
  }

  @Test func duplicatedHeaderColumnIsAnError() throws {
    let e = try Self.error("t,v,x,v\n2024-01-01,1,2,3\n")
    #expect(e.line == 1 && e.column == 7)
    #expect(e.kind == .duplicateColumn(name: "v", firstColumn: 2))
    #expect(throws: CSVError.self) { try CSVTable(text: "a,\"a\"\n1,2\n") }
    // Empty names (trailing commas) are not duplicates of each other.
    #expect(try CSVTable(text: "a,,\n1,2,3\n").header == ["a", "", ""])
  }

  /// A binary header is not dumped into the message: each name is cut to 60 characters, control characters escaped.
  @Test func binaryHeaderIsTruncatedAndEscaped() throws {
    var bytes: [UInt8] = []
    for i in 0..<3000 { bytes.append(UInt8((i * 37 + 11) % 256)) }
    bytes = bytes.map { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 ? 0x07 : $0 }
    bytes += Array(",x\n1,2\n".utf8)
    let url = try Self.write(bytes: bytes)
    let e = try #require(throws: CSVError.self) { try RateSeries.load(file: url, options: Self.options) }
    #expect(e.message.count < 400, "message of \(e.message.count) characters")
    #expect(!e.message.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) })
    #expect(e.message.contains("more characters"))
  }

  @Test func quotedTextIsCutAndEscaped() {
    #expect(CSVError.quoted("a\tb\nc\u{7}") == "a\\tb\\nc\\u{7}")
    let long = String(repeating: "x", count: 100)
    #expect(CSVError.quoted(long) == String(repeating: "x", count: 60) + "... (40 more characters)")
    let cell = CSVError(file: "f.csv", line: 2, column: 3, kind: .invalidNumber(column: "v", text: long + "\n"))
    #expect(cell.message == "expected a number in column 'v', found '" + String(repeating: "x", count: 60) + "... (41 more characters)'")
  }

  // MARK: Timestamps beyond the end

  @Test func futureTimesContinueTheSpacing() {
    let daily = RateSeries(times: [0, 86_400, 172_800, 345_600], values: [1, 2, 3, 4])
    #expect(daily.spacing == 86_400)
    #expect(daily.futureTimes(2) == [432_000, 518_400])
    #expect(daily.futureTimes(0) == [])
    #expect(daily.futureTimes(-1) == nil)
    #expect(daily.futureTimes(RateSeries.maxFutureTimes + 1) == nil)
    #expect(RateSeries(times: [5], values: [1]).futureTimes(3) == nil)
    #expect(RateSeries(times: [], values: []).spacing == nil)
    #expect(RateSeries(times: [1, 1], values: [1, 2]).spacing == nil)
  }
}
