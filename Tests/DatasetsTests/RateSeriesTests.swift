import Datasets
import Foundation
import Testing
import _TestSupport

private func writeTemporary(_ text: String, name: String = "series.csv") throws -> URL {
  let url = try TestSupport.temporaryDirectory("rates").appendingPathComponent(name)
  try Data(text.utf8).write(to: url)
  return url
}

private func loadError(_ text: String, _ options: RateSeries.Options) throws -> RateSeries.LoadError? {
  let url = try writeTemporary(text)
  do {
    _ = try RateSeries.load(file: url, options: options)
    return nil
  } catch let error as RateSeries.LoadError {
    #expect(error.file == url.path)
    return error
  }
}

@Suite struct RateSeriesTests {
  // MARK: Real files (reference values computed with pandas 3.1.1 from ../shared, see the test comments)

  /// REFERENCE §2's series. pandas: `d[d.variable_borrow_rate_aave_v2 > 0].tail(2000)` gives first/last timestamps
  /// 2021-12-04 13:41:27 / 2022-03-07 12:52:49, first/last values 0.0393056687732964 / 0.0275496350940131 and sum
  /// 68.04960172839587.
  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func usdcHourlyAsInTheReference() throws {
    let file = try #require(TestSupport.sharedDirectory).appendingPathComponent("data/rates/usdc_hourly_2020_2022.csv")
    let series = try RateSeries.load(file: file, options: .init(
      timeColumn: "timestamp", valueColumn: "variable_borrow_rate_aave_v2", positiveOnly: true, last: 2000))
    #expect(series.count == 2000)
    #expect(series.times.first == 1_638_625_287 && series.times.last == 1_646_657_569)
    #expect(series.values.first == 0.0393056687732964 && series.values.last == 0.0275496350940131)
    #expect(Swift.abs(series.values.reduce(0, +) - 68.04960172839587) < 1e-10)
    #expect(zip(series.times.dropFirst(), series.times).allSatisfy { $0 > $1 })
  }

  /// pandas: `.set_index(t)[v > 0].resample("h").mean().dropna()` has 9,870 points, mean 0.07515001046599991, the
  /// first at 2020-12-02 15:00 UTC (1606921200) with 0.0159180982011355.
  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func usdcHourlyResampled() throws {
    let file = try #require(TestSupport.sharedDirectory).appendingPathComponent("data/rates/usdc_hourly_2020_2022.csv")
    let series = try RateSeries.load(file: file, options: .init(
      timeColumn: "timestamp", valueColumn: "variable_borrow_rate_aave_v2", positiveOnly: true, resample: .hourly))
    #expect(series.count == 9870)
    #expect(series.times.first == 1_606_921_200)
    #expect(Swift.abs((series.values.first ?? 0) - 0.0159180982011355) < 1e-15)
    #expect(Swift.abs(series.values.reduce(0, +) / Double(series.count) - 0.07515001046599991) < 1e-12)
    #expect(series.times.allSatisfy { $0.truncatingRemainder(dividingBy: 3600) == 0 })
  }

  /// pandas: USDC rows of the daily 2023 file: 363 days from 2023-01-27 (1674777600), sum of
  /// avg_variableBorrowRate 18.382036299093976.
  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func dailyRatesWithASymbolFilter() throws {
    let file = try #require(TestSupport.sharedDirectory)
      .appendingPathComponent("data/rates/aave_v3_daily_rates_2023.csv")
    let series = try RateSeries.load(file: file, options: .init(
      timeColumn: "date", valueColumn: "avg_variableBorrowRate", filter: ["symbol": "USDC"]))
    #expect(series.count == 363)
    #expect(series.times.first == 1_674_777_600)
    #expect(Swift.abs(series.values.reduce(0, +) - 18.382036299093976) < 1e-10)
    // Sorted although the file is not.
    #expect(zip(series.times.dropFirst(), series.times).allSatisfy { $0 > $1 })
  }

  // MARK: Semantics on small files

  @Test func quotedCellsEmptyCellsAndCRLF() throws {
    let text = "note,\"time\",value\r\n\"a, \"\"quoted\"\" note\",2024-01-01,1.5\r\n,2024-01-02,\r\n\"multi\nline\",2024-01-03,2.5\r\n"
    let series = try RateSeries.load(file: writeTemporary(text), options: .init(timeColumn: "time", valueColumn: "value"))
    #expect(series.times == [19723 * 86_400, 19725 * 86_400])
    #expect(series.values == [1.5, 2.5])
  }

  /// Interpolation in time as pandas `interpolate(method="time")`: [1, nan, 4, nan, nan, 10] at 0h, 1h, 3h, 4h, 5h,
  /// 6h30 gives [1, 2, 4, 5.714285714285714, 7.428571428571429, 10]; leading and trailing gaps are dropped.
  /// The two rows at 0h are merged explicitly (`duplicates: .mean`; the default is an error).
  @Test func interpolationIsLinearInTime() throws {
    let text = """
      t,v
      2024-01-01 00:00:00,
      2024-01-01 00:00:00,1
      2024-01-01 01:00:00,
      2024-01-01 03:00:00,4
      2024-01-01 04:00:00,nan
      2024-01-01 05:00:00,
      2024-01-01 06:30:00,10
      2024-01-01 07:00:00,
      """
    let url = try writeTemporary(text)
    let interpolated = try RateSeries.load(
      file: url, options: .init(timeColumn: "t", valueColumn: "v", missing: .interpolate, duplicates: .mean))
    let expected = [1, 2, 4, 5.714285714285714, 7.428571428571429, 10]
    #expect(interpolated.values.count == expected.count)
    for (a, b) in zip(interpolated.values, expected) { #expect(Swift.abs(a - b) < 1e-12) }
    let dropped = try RateSeries.load(file: url, options: .init(timeColumn: "t", valueColumn: "v", duplicates: .mean))
    #expect(dropped.values == [1, 4, 10])
  }

  /// pandas: values 1, 3 (00:10, 00:50) and 5, 7 (03:20, 03:40) resampled hourly give [2, nan, nan, 6]; interpolated
  /// [2, 3.333333333333333, 4.666666666666666, 6].
  @Test func hourlyMeansAndEmptyBuckets() throws {
    let text = "t,v\n2024-01-01T00:10:00Z,1\n2024-01-01T00:50:00Z,3\n2024-01-01T03:20:00Z,5\n2024-01-01T03:40:00Z,7\n"
    let url = try writeTemporary(text)
    let dropped = try RateSeries.load(file: url, options: .init(timeColumn: "t", valueColumn: "v", resample: .hourly))
    let base = 19723.0 * 86_400
    #expect(dropped.times == [base, base + 3 * 3600])
    #expect(dropped.values == [2, 6])
    let filled = try RateSeries.load(file: url, options: .init(
      timeColumn: "t", valueColumn: "v", resample: .hourly, missing: .interpolate))
    #expect(filled.times == [base, base + 3600, base + 7200, base + 10800])
    for (a, b) in zip(filled.values, [2, 3.333333333333333, 4.666666666666666, 6]) { #expect(Swift.abs(a - b) < 1e-12) }
    let daily = try RateSeries.load(file: url, options: .init(timeColumn: "t", valueColumn: "v", resample: .daily))
    #expect(daily.times == [base] && daily.values == [4])
  }

  @Test(arguments: [("1700000000", 1_700_000_000.0), ("1700000000000", 1_700_000_000), ("1700000000000000000", 1_700_000_000),
                    ("1700000000.5", 1_700_000_000.5), ("1970-01-01", 0), ("1969-12-31 23:59:59", -1),
                    ("2000-02-29 12:00", 951_825_600), ("2024-02-29T00:00:00.250Z", 1_709_164_800.25),
                    // `date -u -d 2024-01-01 +%s` = 1704067200; UTC markers and a decimal comma as ISO 8601 allows.
                    ("2024-01-01 00:00:00 UTC", 1_704_067_200), ("2024-01-01T00:00+0000", 1_704_067_200),
                    ("\"2024-01-01T00:00:01,5+00\"", 1_704_067_201.5), ("1.7e9", 1_700_000_000)])
  func timeFormats(text: String, seconds: Double) throws {
    let series = try RateSeries.load(file: writeTemporary("t,v\n\(text),1\n"), options: .init(timeColumn: "t", valueColumn: "v"))
    #expect(series.times == [seconds])
  }

  @Test func positiveOnlyAndLast() throws {
    let text = "t,v\n1,0\n2,-1\n3,0.5\n4,\n5,2\n6,3\n"
    let series = try RateSeries.load(file: writeTemporary(text), options: .init(
      timeColumn: "t", valueColumn: "v", positiveOnly: true, last: 2))
    #expect(series.times == [5, 6] && series.values == [2, 3])
  }

  /// Only kept rows are parsed: bad cells in rows the filter drops are not errors; `NAN` and spaces are missing.
  @Test func filterRunsBeforeParsing() throws {
    let text = "symbol,t,v\nDAI,never,x\nUSDC,2024-01-02,2\nUSDC,2024-01-01, 1 \nUSDC,2024-01-03,NAN\n"
    let series = try RateSeries.load(file: writeTemporary(text), options: .init(
      timeColumn: "t", valueColumn: "v", filter: ["symbol": "USDC"]))
    #expect(series.times == [19723 * 86_400, 19724 * 86_400] && series.values == [1, 2])
  }

  // MARK: Errors name the file, line and column

  @Test func missingColumn() throws {
    let error = try #require(try loadError("time,value\n2024-01-01,1\n", .init(timeColumn: "date", valueColumn: "value")))
    #expect(error.line == 1 && error.column == 1)
    #expect(error.message == "missing column 'date'; the header has: time, value")
    let filter = try #require(try loadError(
      "time,value\n2024-01-01,1\n", .init(timeColumn: "time", valueColumn: "value", filter: ["symbol": "USDC"])))
    #expect(filter.line == 1 && filter.message == "missing column 'symbol'; the header has: time, value")
  }

  @Test func badCellsAreLocated() throws {
    let time = try #require(try loadError("a,t,v\nx,2024-01-01,1\nyy,2024-13-01,2\n", .init(timeColumn: "t", valueColumn: "v")))
    #expect(time.line == 3 && time.column == 4)
    #expect(time.message == "unknown date format in column 't': '2024-13-01'; expected " + CSVDate.expectedInstantFormats)
    #expect(time.description.hasSuffix(":3:4: error: " + time.message))
    let value = try #require(try loadError("t,v\n2024-01-01,1\n2024-01-02,1.2.3\n", .init(timeColumn: "t", valueColumn: "v")))
    #expect(value.line == 3 && value.column == 12 && value.message == "expected a number in column 'v', found '1.2.3'")
    let width = try #require(try loadError("t,v\n2024-01-01,1,9\n", .init(timeColumn: "t", valueColumn: "v")))
    #expect(width.line == 2 && width.column == 1 && width.message == "expected 2 fields as in the header, found 3")
    let quote = try #require(try loadError("t,v\n2024-01-01,\"1\n", .init(timeColumn: "t", valueColumn: "v")))
    #expect(quote.line == 2 && quote.column == 12 && quote.message == "unterminated quoted field; expected a closing '\"'")
    let after = try #require(try loadError("t,v\n2024-01-01,\"1\"x\n", .init(timeColumn: "t", valueColumn: "v")))
    #expect(after.line == 2 && after.column == 15 && after.message.hasPrefix("expected ',' or a line end"))
  }

  @Test func unreadableFileIsLocatedAtItsStart() throws {
    let url = try TestSupport.temporaryDirectory("rates").appendingPathComponent("absent.csv")
    let error = try #require(throws: RateSeries.LoadError.self) {
      try RateSeries.load(file: url, options: .init(timeColumn: "t", valueColumn: "v"))
    }
    #expect(error.file == url.path && error.line == 1 && error.column == 1 && error.message.hasPrefix("cannot read"))
  }

  // MARK: From a rates table

  @Test func fromSyntheticRates() {
    let out = SyntheticMarket.generate(.init(seed: 9, days: 50))
    for rate in RateSeries.Rate.allCases {
      let series = RateSeries(rates: out.rates, symbol: "USDC", rate: rate)
      let rows = out.rates.filter { $0.symbol == "USDC" }
      #expect(series.count == 50)
      #expect(series.times.first == Double(19358 * 86_400))
      let expected = rows.map { rate == .supply ? $0.supplyRate : rate == .variableBorrow ? $0.variableBorrowRate : $0.stableBorrowRate }
      #expect(series.values == expected)
    }
    #expect(RateSeries(rates: out.rates, symbol: "NOPE", rate: .supply).isEmpty)
  }
}
