import Foundation
import Testing
import _TestSupport

@testable import Datasets

/// The CSV panel source (`data.source: csv`): a user's table read into a ``LiquidationPanel``, every rule of
/// docs/csv-source.md, every error with its position and exact message, and the export that reads back bit for bit.
@Suite struct CSVPanelSourceTests {
  static let sample = """
    day,token,label,a,b,note
    2024-01-02,X,1,1.5,2,first
    2024-01-01,Y,0,2.5,3,second
    2024-01-01,X,0,0.5,1,third
    2024-01-03,X,1,-4,1e3,fourth

    """

  func panel(_ text: String, _ options: CSVPanelOptions) throws -> LiquidationPanel {
    try LiquidationPanel(csv: CSVTable(text: text, file: "p.csv"), options: options)
  }

  /// The description of the error reading `text`, or "no error".
  func error(_ text: String, _ options: CSVPanelOptions) -> String {
    do {
      _ = try panel(text, options)
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test func timeGroupLabelAndAutomaticFeatures() throws {
    let p = try panel(Self.sample, CSVPanelOptions(label: "label", time: "day", group: "token"))
    // Sorted by (time, group); the text column `note` is not a feature.
    #expect(p.featureNames == ["a", "b"])
    #expect(p.days == [19723, 19723, 19724, 19725])
    #expect(p.days[0] == CSVDate.days(year: 2024, month: 1, day: 1))
    #expect(p.tokens == ["X", "Y", "X", "X"])
    #expect(p.labels == [0, 0, 1, 1])
    #expect(p.columns == [[0.5, 2.5, 1.5, -4], [1, 3, 2, 1000]])
    #expect(p.earliestDay == 19723)
    #expect(p.pipeline == .perToken)
  }

  @Test func listedFeaturesInTheirOrderAndExclusion() throws {
    let listed = try panel(Self.sample, CSVPanelOptions(label: "label", features: ["b", "a"], time: "day"))
    #expect(listed.featureNames == ["b", "a"])
    let excluded = try panel(Self.sample, CSVPanelOptions(label: "label", exclude: ["a"], time: "day"))
    #expect(excluded.featureNames == ["b"])
    // Without a group every row is in group ""; rows with equal times keep the file's order.
    #expect(excluded.tokens == ["", "", "", ""])
    #expect(excluded.columns == [[3, 1, 2, 1000]])
  }

  @Test func withoutATimeColumnTheRowNumberIsTheTime() throws {
    let p = try panel(Self.sample, CSVPanelOptions(label: "label", exclude: ["day", "token"]))
    #expect(p.days == [0, 1, 2, 3])
    #expect(p.labels == [1, 0, 0, 1])
    #expect(p.featureNames == ["a", "b"])
    // test_days counts rows: the last N + 1 rows are the test set.
    let split = try p.split(testDays: 1, features: ["a"], scaling: .none)
    #expect(split.testX == [0.5, -4])
    #expect(split.trainX == [1.5, 2.5])
  }

  @Test func integerTimesAndDuplicateTimeGroupRowsKeepTheFileOrder() throws {
    let text = "t,g,y,x\n5,B,1,1\n3,A,0,2\n5,A,0,3\n5,B,0,4\n-2,A,1,5\n"
    let p = try panel(text, CSVPanelOptions(label: "y", time: "t", group: "g"))
    #expect(p.days == [-2, 3, 5, 5, 5])
    #expect(p.tokens == ["A", "A", "A", "B", "B"])
    #expect(p.columns == [[5, 2, 3, 1, 4]])
  }

  @Test func timestampsAreFlooredToTheirDayAndNanosecondEpochsAreDates() throws {
    let text = "t,y,x\n2024-01-01 23:59:59,1,1\n2024-01-02T00:00:00Z,0,2\n1704153600000000000,0,3\n"
    let p = try panel(text, CSVPanelOptions(label: "y", time: "t"))
    let day = CSVDate.days(year: 2024, month: 1, day: 1)
    #expect(p.days == [day, day + 1, day + 1])
  }

  @Test func labelSpellings() throws {
    let numeric = try panel("y,x\n1.0,1\n0,2\n1e0,3\n-0,4\n", CSVPanelOptions(label: "y"))
    #expect(numeric.labels == [1, 0, 1, 0])
    let booleans = try panel("y,x\nTrue,1\nfalse,2\nTRUE,3\n", CSVPanelOptions(label: "y"))
    #expect(booleans.labels == [1, 0, 1])
    let positive = try panel("y,x\nliquidated,1\nsafe,2\nsafe,3\n", CSVPanelOptions(label: "y", positive: "liquidated"))
    #expect(positive.labels == [1, 0, 0])
    let codes = try panel("y,x\n3,1\n7,2\n3,3\n", CSVPanelOptions(label: "y", positive: "7"))
    #expect(codes.labels == [0, 1, 0])
  }

  @Test func constantAndUnnamedColumns() throws {
    // A constant feature is read (the split's scaling maps it to 0); a column without a name (pandas' index) is not
    // a feature unless listed; an all-empty column is not numeric.
    let p = try panel(",y,c,e\n0,1,7,\n1,0,7,\n", CSVPanelOptions(label: "y"))
    #expect(p.featureNames == ["c"])
    #expect(p.columns == [[7, 7]])
    let split = try p.split(testDays: 0, features: ["c"], scaling: .minmax)
    #expect(split.trainX == [0])
  }

  @Test func numbersInTextColumnsAfterTheFirstCellAreNotFeatures() throws {
    // A column is numeric when its first non-empty cell is a number.
    let p = try panel("y,id,x\n1,abc,1\n0,12,2\n", CSVPanelOptions(label: "y"))
    #expect(p.featureNames == ["x"])
  }

  // MARK: - Errors, located

  @Test func emptyAndHeaderOnlyFiles() {
    let options = CSVPanelOptions(label: "y")
    #expect(error("", options) == "p.csv:1:1: error: the file is empty; expected a header line")
    #expect(error("\n\n", options) == "p.csv:1:1: error: the file is empty; expected a header line")
    #expect(error("y,x\n", options) == "p.csv:2:1: error: no data rows: the file has only a header")
  }

  @Test func missingColumnsNameTheHeaderLine() {
    let text = "\nday,token,label,a\n2024-01-01,X,1,1\n"
    let header = "the header has: day, token, label, a"
    #expect(error(text, CSVPanelOptions(label: "lable")) == "p.csv:2:1: error: missing column 'lable'; \(header)")
    #expect(
      error(text, CSVPanelOptions(label: "label", time: "date")) == "p.csv:2:1: error: missing column 'date'; \(header)")
    #expect(
      error(text, CSVPanelOptions(label: "label", group: "symbol"))
        == "p.csv:2:1: error: missing column 'symbol'; \(header)")
    #expect(
      error(text, CSVPanelOptions(label: "label", features: ["a", "b"]))
        == "p.csv:2:1: error: missing column 'b'; \(header)")
    #expect(
      error(text, CSVPanelOptions(label: "label", exclude: ["z"])) == "p.csv:2:1: error: missing column 'z'; \(header)")
  }

  @Test func oneColumnOneRole() {
    let text = "day,token,label,a\n2024-01-01,X,1,1\n"
    #expect(
      error(text, CSVPanelOptions(label: "label", features: ["a", "label"]))
        == "p.csv:1:11: error: column 'label' cannot be both the label and a feature")
    #expect(
      error(text, CSVPanelOptions(label: "label", time: "day", group: "day"))
        == "p.csv:1:1: error: column 'day' cannot be both the time and the group")
    #expect(
      error(text, CSVPanelOptions(label: "label", features: ["a", "a"]))
        == "p.csv:1:17: error: column 'a' is named twice as a feature")
    #expect(
      error(text, CSVPanelOptions(label: "label", features: ["a"], exclude: ["a"]))
        == "p.csv:1:17: error: column 'a' cannot be both a feature and excluded")
  }

  @Test func noFeatureColumns() {
    #expect(
      error("y,name\n1,a\n0,b\n", CSVPanelOptions(label: "y"))
        == "p.csv:1:1: error: no feature columns: no column besides the label, time, group and excluded ones has a "
        + "number in its first non-empty cell")
    #expect(error("y,x\n1,1\n0,2\n", CSVPanelOptions(label: "y", features: [])) == "p.csv:1:1: error: no feature "
      + "columns: data.csv.features is empty")
  }

  @Test func badLabels() {
    let options = CSVPanelOptions(label: "y")
    #expect(
      error("x,y\n1,1\n2,2\n", options)
        == "p.csv:3:3: error: unexpected label '2' in column 'y'; expected 0 or 1 (or true/false); set "
        + "data.csv.positive to name the value that counts as 1")
    #expect(
      error("x,y\n1,yes\n", options)
        == "p.csv:2:3: error: unexpected label 'yes' in column 'y'; expected 0 or 1 (or true/false); set "
        + "data.csv.positive to name the value that counts as 1")
    #expect(
      error("x,y\n1,1\n2,\n", options)
        == "p.csv:3:3: error: missing value '' in column 'y'; the CSV source needs a value in every label, time, "
        + "group and feature cell (drop or fill the row)")
    #expect(
      error("x,y\n1,1\n2,NA\n", options)
        == "p.csv:3:3: error: missing value 'NA' in column 'y'; the CSV source needs a value in every label, time, "
        + "group and feature cell (drop or fill the row)")
    #expect(
      error("x,y\n1,yes\n2,no\n3,maybe\n", CSVPanelOptions(label: "y", positive: "yes"))
        == "p.csv:4:3: error: unexpected label 'maybe' in column 'y'; expected 'yes' (positive) or 'no' (the other "
        + "class, first on line 3): a label column holds two values")
  }

  @Test func aSingleClassIsAnError() {
    #expect(
      error("x,y\n1,0\n2,0\n", CSVPanelOptions(label: "y"))
        == "p.csv:1:3: error: all 2 rows have label 0 in column 'y'; a classifier needs rows of both classes (check "
        + "the label column and the positive value)")
    #expect(
      error("x,y\n1,a\n2,a\n", CSVPanelOptions(label: "y", positive: "a"))
        == "p.csv:1:3: error: all 2 rows have label 1 in column 'y'; a classifier needs rows of both classes (check "
        + "the label column and the positive value)")
  }

  @Test func badFeatureValues() {
    let options = CSVPanelOptions(label: "y", features: ["x"])
    #expect(error("y,x\n1,1\n0,1.2.3\n", options) == "p.csv:3:3: error: expected a number in column 'x', found '1.2.3'")
    for missing in ["", "NaN", "nan", "NA", " "] {
      #expect(
        error("y,x\n1,1\n0,\(missing)\n", options)
          == "p.csv:3:3: error: missing value '\(missing)' in column 'x'; the CSV source needs a value in every "
          + "label, time, group and feature cell (drop or fill the row)")
    }
    for infinite in ["inf", "-Infinity", "1e400"] {
      #expect(
        error("y,x\n1,1\n0,\(infinite)\n", options)
          == "p.csv:3:3: error: number out of range in column 'x': '\(infinite)'; feature values must be finite")
    }
    // Automatic features are checked the same way once the first cell says the column is numeric.
    #expect(
      error("y,x\n1,1\n0,\n", CSVPanelOptions(label: "y"))
        == "p.csv:3:3: error: missing value '' in column 'x'; the CSV source needs a value in every label, time, "
        + "group and feature cell (drop or fill the row)")
  }

  @Test func badTimes() {
    let options = CSVPanelOptions(label: "y", time: "t")
    let either =
      "dates (YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (UTC, floored to the day) or a nanosecond epoch of 12 or more "
      + "digits) or integers of at most 11 digits"
    #expect(
      error("t,y,x\n01/02/2024,1,1\n2024-01-01,0,1\n", options)
        == "p.csv:2:1: error: expected a time in column 't', found '01/02/2024'; expected \(either)")
    #expect(
      error("t,y,x\n2024-01-01,1,1\n2024-02-30,0,1\n", options)
        == "p.csv:3:1: error: expected a time in column 't', found '2024-02-30'; expected a date as on line 2 "
        + "(YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (UTC, floored to the day) or a nanosecond epoch of 12 or more digits)")
    #expect(
      error("t,y,x\n2024-01-01,1,1\n7,0,1\n", options)
        == "p.csv:3:1: error: expected a time in column 't', found '7'; expected a date as on line 2 (YYYY-MM-DD, "
        + "YYYY-MM-DD HH:MM[:SS] (UTC, floored to the day) or a nanosecond epoch of 12 or more digits)")
    #expect(
      error("t,y,x\n7,1,1\n2024-01-01,0,1\n", options)
        == "p.csv:3:1: error: expected a time in column 't', found '2024-01-01'; expected an integer of at most 11 "
        + "digits as on line 2")
    #expect(
      error("t,y,x\n7,1,1\n7.5,0,1\n", options)
        == "p.csv:3:1: error: expected a time in column 't', found '7.5'; expected an integer of at most 11 digits as "
        + "on line 2")
    #expect(
      error("t,y,x\n7,1,1\n,0,1\n", options)
        == "p.csv:3:1: error: missing value '' in column 't'; the CSV source needs a value in every label, time, "
        + "group and feature cell (drop or fill the row)")
  }

  @Test func emptyGroupCell() {
    #expect(
      error("g,y,x\nA,1,1\n,0,1\n", CSVPanelOptions(label: "y", group: "g"))
        == "p.csv:3:1: error: missing value '' in column 'g'; the CSV source needs a value in every label, time, "
        + "group and feature cell (drop or fill the row)")
  }

  @Test func fileErrorsOfTheReaderStillApply() {
    let options = CSVPanelOptions(label: "y")
    #expect(error("y,x\n1,1\n0\n", options) == "p.csv:3:1: error: expected 2 fields as in the header, found 1")
    #expect(
      error("y,x,y\n1,1,1\n", options) == "p.csv:1:5: error: column 'y' appears twice in the header (first as column 1)")
  }

  // MARK: - Header only

  @Test func headerReaderStopsAtTheFirstRecord() throws {
    let dir = try TestSupport.temporaryDirectory("csv-header")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("h.csv")
    try Data(([0xEF, 0xBB, 0xBF] + Array("\n\"a\nb\",c\r\n1,2\nbroken\"".utf8))).write(to: url)
    #expect(try CSVTable.header(contentsOf: url) == ["a\nb", "c"])
    try Data().write(to: url)
    #expect(throws: CSVError(file: url.path, line: 1, column: 1, kind: .empty)) {
      try CSVTable.header(contentsOf: url)
    }
    try Data("x,y,x\n".utf8).write(to: url)
    #expect(throws: CSVError(file: url.path, line: 1, column: 5, kind: .duplicateColumn(name: "x", firstColumn: 1))) {
      try CSVTable.header(contentsOf: url)
    }
    // A header longer than one read chunk.
    let wide = (0..<20_000).map { "column_\($0)" }
    try Data((wide.joined(separator: ",") + "\n1\n").utf8).write(to: url)
    #expect(try CSVTable.header(contentsOf: url) == wide)
    #expect(throws: CSVError.self) { try CSVTable.header(contentsOf: dir.appendingPathComponent("absent.csv")) }
  }

  // MARK: - Export

  @Test func syntheticPanelReadsBackBitForBit() throws {
    let tables = SyntheticMarket.generate(SyntheticMarket.Config(seed: 3, days: 120)).tables
    for pipeline in PanelPipeline.allCases {
      let panel = try LiquidationPanel.build(from: tables, pipeline: pipeline)
      let text = try panel.csvText()
      let back = try LiquidationPanel(
        csv: CSVTable(text: text, file: "export.csv"), options: CSVPanelOptions(label: "label", time: "day", group: "token"))
      #expect(back.featureNames == panel.featureNames)
      #expect(back.days == panel.days)
      #expect(back.tokens == panel.tokens)
      #expect(back.labels == panel.labels)
      #expect(back.columns.map { $0.map(\.bitPattern) } == panel.columns.map { $0.map(\.bitPattern) })
      #expect(back.earliestDay == panel.earliestDay)
    }
  }

  @Test func exportOfChosenFeaturesAndAwkwardValues() throws {
    let panel = LiquidationPanel(
      pipeline: .perToken, days: [0, 1, 1], tokens: ["A,B", "say \"x\"", "C"], labels: [1, 0, 1],
      featureNames: ["x", "y"], columns: [[-0.0, Double.leastNonzeroMagnitude, 0.1 + 0.2], [1.7976931348623157e308, -3, 1e-7]],
      earliestDay: 0)
    let text = try panel.csvText(features: ["y", "x"])
    #expect(text.hasPrefix("day,token,label,y,x\n1970-01-01,\"A,B\",1,1.7976931348623157e+308,-0.0\n"))
    let back = try LiquidationPanel(
      csv: CSVTable(text: text, file: "e.csv"), options: CSVPanelOptions(label: "label", time: "day", group: "token"))
    #expect(back.tokens == ["A,B", "C", "say \"x\""])
    #expect(back.columns[1].map(\.bitPattern) == [-0.0, 0.1 + 0.2, Double.leastNonzeroMagnitude].map(\.bitPattern))
    #expect(throws: DatasetError.unknownFeature("z", valid: ["x", "y"])) { try panel.csvText(features: ["z"]) }
    var clash = panel
    clash.featureNames = ["x", "label"]
    #expect(throws: DatasetError.reservedColumnName("label")) { try clash.csvText() }
  }
}
