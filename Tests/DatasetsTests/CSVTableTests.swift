import Foundation
import Testing
import _TestSupport

@testable import Datasets

/// The CSV reader: RFC 4180 quoting, line ends, empty cells, numbers (checked against the standard library's
/// correctly rounded `Double(_:)`), dates, and every error message with its location.
@Suite struct CSVTableTests {
  @Test func quotedFieldsEscapesAndEmbeddedLineEnds() throws {
    let t = try CSVTable(text: "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n,\"\",z\n", file: "q.csv")
    #expect(t.header == ["a", "b", "c"])
    #expect(t.rowCount == 2)
    #expect(try t.strings("a") == ["x, y", ""])
    #expect(try t.strings("b") == ["say \"hi\"", ""])
    #expect(try t.strings("c") == ["two\nlines", "z"])
  }

  @Test(arguments: ["a,b\r\n1,2\r\n3,4\r\n", "a,b\n1,2\n3,4", "a,b\r1,2\r3,4\r", "\n\na,b\n\n1,2\n\n3,4\n\n"])
  func lineEndsAndBlankLines(_ text: String) throws {
    let t = try CSVTable(text: text)
    #expect(t.header == ["a", "b"])
    #expect(try t.doubles("a") == [1, 3])
    #expect(try t.doubles("b") == [2, 4])
  }

  @Test func byteOrderMarkIsSkipped() throws {
    let t = try CSVTable(bytes: [0xEF, 0xBB, 0xBF] + Array("date,x\n2023-01-01,1\n".utf8), file: "bom.csv")
    #expect(t.header == ["date", "x"])
    #expect(try t.days("date") == [CSVDate.days(year: 2023, month: 1, day: 1)])
  }

  @Test func headerOnlyFileHasNoRows() throws {
    let t = try CSVTable(text: "a,b\n")
    #expect(t.rowCount == 0)
    #expect(try t.doubles("a").isEmpty)
  }

  @Test func emptyNumericCellsAreNaN() throws {
    let t = try CSVTable(text: "x,y\n,1\n2,\n")
    let x = try t.doubles("x"), y = try t.doubles("y")
    #expect(x[0].isNaN && x[1] == 2)
    #expect(y[0] == 1 && y[1].isNaN)
  }

  @Test(arguments: [
    "0", "-0", "1", "+1.5", "-2.25", "3.714381260688806e-05", "6.6435798611111145e-06", "1e22", "1E-22", "1.7976931348623157e308",
    "5e-324", "123456789012345678901234567890", "0.1", "0.30000000000000004", "278007.2372989225", "9007199254740993",
    "4.9406564584124654e-324", "2.2250738585072011e-308", ".5", "5.", "  7.25 ", "1e400",
  ])
  func numbersAreCorrectlyRounded(_ text: String) throws {
    let t = try CSVTable(text: "v\n\(text)\n")
    let expected = try #require(Double(text.trimmingCharacters(in: .whitespaces)))
    let got = try t.doubles("v")[0]
    #expect(got.bitPattern == expected.bitPattern, "\(text): \(got) vs \(expected)")
  }

  @Test func specialNumbers() throws {
    let v = try CSVTable(text: "v\ninf\n-Infinity\nNaN\n").doubles("v")
    #expect(v[0] == .infinity && v[1] == -.infinity && v[2].isNaN)
  }

  @Test func dates() throws {
    let t = try CSVTable(
      text: "d\n1681171200000000000\n2023-04-11\n2023-04-11 13:22:13\n2023-04-11T23:59:59Z\n1969-12-31\n")
    let april11 = CSVDate.days(year: 2023, month: 4, day: 11)
    #expect(try t.days("d") == [april11, april11, april11, april11, -1])
    #expect(try t.seconds("d")[2] == april11 * 86_400 + 13 * 3600 + 22 * 60 + 13)
    #expect(CSVDate.secondsSinceEpoch("2020-05-04 13:22:13") == 1_588_598_533)  // date -u -d ... +%s
    #expect(CSVDate.daysSinceEpoch("2024-02-29") == 19782)
    #expect(CSVDate.daysSinceEpoch("2023-02-29") == nil)
    #expect(CSVDate.isoDate(19782) == "2024-02-29")
    #expect(CSVDate.isoDate(0) == "1970-01-01")
  }

  /// `times` takes every format of a time column; numeric epochs by magnitude. Seconds from
  /// `date -u -d "2023-04-11" +%s` = 1681171200 and `date -u -d "2023-04-11 13:22:13" +%s` = 1681219333.
  @Test func timesInSeveralFormats() throws {
    let t = try CSVTable(
      text: "t\n2023-04-11\n2023-04-11 13:22:13\n2023-04-11T00:00:00.5Z\n2023-04-11 13:22 UTC\n1681171200\n"
        + "1681171200000\n1681171200000000\n1681171200000000000\n\"1681171200.25\"\n")
    #expect(try t.times("t") == [1_681_171_200, 1_681_219_333, 1_681_171_200.5, 1_681_219_320]
      + Array(repeating: 1_681_171_200, count: 4) + [1_681_171_200.25])
    // The ISO forms agree with `secondsSinceEpoch` (which floors a fraction and reads nanosecond epochs only).
    let iso = try t.strings("t")[0..<4].map { CSVDate.secondsSinceEpoch($0) }
    #expect(iso == [1_681_171_200, 1_681_219_333, 1_681_171_200, 1_681_219_320])
    #expect(CSVDate.instant("") == nil && CSVDate.instant("nan") == nil && CSVDate.instant("2023-04-11 13") == nil)
    #expect(CSVDate.instant("2023-04-11T13:22:13.") == nil && CSVDate.instant("2023-04-11+01:00") == nil)
  }

  @Test func selectedRowsOnly() throws {
    let t = try CSVTable(text: "t,v\n2023-04-11,1\nbad,bad\n1681171200,3\n", file: "r.csv")
    #expect(try t.doubles("v", rows: [2, 0]) == [3, 1])
    #expect(try t.times("t", rows: [2]) == [1_681_171_200])
    #expect(try t.doubles("v", rows: []) == [])
    let error = try #require(throws: CSVError.self) { try t.times("t", rows: [0, 1]) }
    #expect(error.description == "r.csv:3:1: error: unknown date format in column 't': 'bad'; expected "
      + CSVDate.expectedInstantFormats)
  }

  /// Negative years are written with a sign and four digits (ISO 8601 expanded form), by the writer too.
  @Test func isoDateRoundTripsAcrossEras() {
    for (y, m, d) in [(-1, 12, 31), (0, 2, 29), (1969, 12, 31), (2024, 2, 29), (10_000, 1, 1)] {
      let day = CSVDate.days(year: y, month: m, day: d)
      #expect(CSVDate.civil(fromDays: day) == (y, m, d))
      #expect(CSVWriter.isoDate(day: day) == CSVDate.isoDate(day))
    }
    #expect(CSVDate.isoDate(CSVDate.days(year: -1, month: 12, day: 31)) == "-0001-12-31")
  }

  // MARK: - Errors, with exact messages

  @Test func missingColumnNamesTheHeader() throws {
    let t = try CSVTable(text: "date,price\n2023-01-01,1\n", file: "tokens.csv")
    let error = try #require(throws: CSVError.self) { try t.doubles("market_cap") }
    #expect(error.description == "tokens.csv:1:1: error: missing column 'market_cap'; the header has: date, price")
  }

  @Test func badNumberNamesLineColumnAndText() throws {
    let t = try CSVTable(text: "date,price\n2023-01-01,1.5\n2023-01-02,1.2.3\n", file: "tokens.csv")
    let error = try #require(throws: CSVError.self) { try t.doubles("price") }
    #expect(error.description == "tokens.csv:3:12: error: expected a number in column 'price', found '1.2.3'")
    #expect(error.line == 3 && error.column == 12)
  }

  @Test func badNumberAfterCRLFAndQuotedMultilineField() throws {
    let t = try CSVTable(text: "n,v\r\n\"a\r\nb\",1\r\nc,x1\r\n", file: "f.csv")
    let error = try #require(throws: CSVError.self) { try t.doubles("v") }
    #expect(error.description == "f.csv:4:3: error: expected a number in column 'v', found 'x1'")
  }

  @Test func unknownDateFormat() throws {
    let t = try CSVTable(text: "day,x\n2023-01-01,1\n01/02/2023,2\n", file: "d.csv")
    let error = try #require(throws: CSVError.self) { try t.days("day") }
    #expect(
      error.description
        == "d.csv:3:1: error: unknown date format in column 'day': '01/02/2023'; expected YYYY-MM-DD, "
        + "YYYY-MM-DD HH:MM:SS or a nanosecond epoch")
  }

  @Test func wrongFieldCount() throws {
    let error = try #require(throws: CSVError.self) { try CSVTable(text: "a,b,c\n1,2,3\n4,5\n", file: "w.csv") }
    #expect(error.description == "w.csv:3:1: error: expected 3 fields as in the header, found 2")
  }

  @Test func unterminatedQuote() throws {
    let error = try #require(throws: CSVError.self) { try CSVTable(text: "a,b\n1,\"open\n2,3\n", file: "u.csv") }
    #expect(error.description == "u.csv:2:3: error: unterminated quoted field; expected a closing '\"'")
  }

  @Test func characterAfterClosingQuote() throws {
    let error = try #require(throws: CSVError.self) { try CSVTable(text: "a,b\n\"x\"y,2\n", file: "c.csv") }
    #expect(error.description == "c.csv:2:4: error: expected ',' or a line end after a closing quote, found 'y'")
  }

  @Test func emptyFile() throws {
    let error = try #require(throws: CSVError.self) { try CSVTable(text: "\n\n", file: "e.csv") }
    #expect(error.description == "e.csv:1:1: error: the file is empty; expected a header line")
  }

  @Test func unreadableFile() throws {
    let url = URL(fileURLWithPath: "/nonexistent-almanac/x.csv")
    let error = try #require(throws: CSVError.self) { try CSVTable(contentsOf: url) }
    #expect(error.file == url.path && error.line == 1 && error.column == 1)
    #expect(error.description.hasPrefix("/nonexistent-almanac/x.csv:1:1: error: cannot read the file: "))
  }
}

/// `AaveTables.load(directory:)`: all or nothing, errors name the file.
@Suite struct AaveTablesLoadingTests {
  static func writeTables(to dir: URL, tokenDaily: String) throws {
    let liquidations =
      "day,liquidator,user,token_col,token_debt,col_contract_address,collateral_amount,col_value_USD,"
      + "col_current_value_USD,debt_contract_address,debt_amount,debt_value_USD,debt_current_value_USD\n"
      + "1681171200000000000,0xl,0xu,WETH,USDC,0xc,1,2000,2100,0xd,1500,1500,1500\n"
    let deposits = "day,symbol,contract_address,deposits_volume,borrows_volume\n2023-04-11,USDC,0xa,1.5e6,2e5\n"
    for (name, text) in [
      (AaveTables.FileName.liquidationsV2, liquidations), (AaveTables.FileName.liquidationsV3, liquidations),
      (AaveTables.FileName.depositsBorrowsV2, deposits), (AaveTables.FileName.depositsBorrowsV3, deposits),
      (AaveTables.FileName.tokenDaily, tokenDaily),
    ] {
      try Data(text.utf8).write(to: dir.appendingPathComponent(name))
    }
  }

  @Test func loadsEveryTable() throws {
    let dir = try TestSupport.temporaryDirectory("aave")
    defer { try? FileManager.default.removeItem(at: dir) }
    try Self.writeTables(to: dir, tokenDaily: "date,price,market_cap,volumes_last_24h,token\n2023-04-11,1.0,,5,USDC\n")
    let t = try AaveTables.load(directory: dir)
    #expect(t.liquidations.count == 2)
    #expect(t.liquidations.map(\.version) == [2, 3])
    #expect(t.liquidations[0].day == CSVDate.days(year: 2023, month: 4, day: 11))
    #expect(t.depositsBorrows.map(\.depositsVolume) == [1.5e6, 1.5e6])
    #expect(t.tokenDaily.count == 1 && t.tokenDaily[0].marketCap.isNaN)
  }

  @Test func oneBadCellFailsTheWholeLoad() throws {
    let dir = try TestSupport.temporaryDirectory("aave")
    defer { try? FileManager.default.removeItem(at: dir) }
    try Self.writeTables(to: dir, tokenDaily: "date,price,market_cap,volumes_last_24h,token\n2023-04-11,1.0,abc,5,USDC\n")
    let error = try #require(throws: CSVError.self) { try AaveTables.load(directory: dir) }
    let path = dir.appendingPathComponent(AaveTables.FileName.tokenDaily).path
    #expect(error.description == "\(path):2:16: error: expected a number in column 'market_cap', found 'abc'")
  }

  @Test func missingFileIsNamed() throws {
    let dir = try TestSupport.temporaryDirectory("aave")
    defer { try? FileManager.default.removeItem(at: dir) }
    try Self.writeTables(to: dir, tokenDaily: "date,price,market_cap,volumes_last_24h,token\n")
    try FileManager.default.removeItem(at: dir.appendingPathComponent(AaveTables.FileName.depositsBorrowsV3))
    let error = try #require(throws: CSVError.self) { try AaveTables.load(directory: dir) }
    #expect(error.file.hasSuffix(AaveTables.FileName.depositsBorrowsV3))
  }

  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func realExportRowCounts() throws {
    // Row counts as pandas.read_csv reports them (wc -l minus the header).
    let t = try AaveTables.load(directory: #require(TestSupport.sharedDirectory).appendingPathComponent("data/aave"))
    #expect(t.liquidations.count == 1949 + 625)
    #expect(t.depositsBorrows.count == 3656 + 4867)
    #expect(t.tokenDaily.count == 49044)
    #expect(t.tokenDaily.filter { $0.marketCap.isNaN }.count == 1)
  }
}
