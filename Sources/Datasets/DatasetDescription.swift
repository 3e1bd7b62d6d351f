import Foundation

/// What `almanac data describe DIR [--features tutorial|per-token] [--test-days N]` prints: each table's size, date
/// range and tokens, then the liquidation panel's split.
public struct DatasetDescription: Sendable {
  /// One loaded table.
  public struct Table: Sendable, Equatable {
    public var name: String
    public var rows: Int
    /// First and last day (days since 1970-01-01), nil for an empty table.
    public var firstDay: Int?
    public var lastDay: Int?
    /// Distinct tokens (symbols), sorted.
    public var tokens: [String]
  }

  public var tables: [Table]
  public var pipeline: PanelPipeline
  public var testDays: Int
  public var panelRows: Int
  public var trainRows: Int
  public var testRows: Int
  public var trainPositives: Int
  public var testPositives: Int
  /// First day of the panel and first test day.
  public var panelFirstDay: Int
  public var testStartDay: Int
  public var panelLastDay: Int

  /// Loads the tables in `directory` and describes them.
  public init(directory: URL, pipeline: PanelPipeline = .perToken, testDays: Int = 40) throws {
    try self.init(tables: AaveTables.load(directory: directory), pipeline: pipeline, testDays: testDays)
  }

  /// Describes tables already in memory (for example the synthetic market's).
  public init(tables t: AaveTables, pipeline: PanelPipeline = .perToken, testDays: Int = 40) throws {
    func table(_ name: String, _ days: [Int], _ tokens: [String]) -> Table {
      Table(name: name, rows: days.count, firstDay: days.min(), lastDay: days.max(), tokens: Set(tokens).sorted())
    }
    func version(_ v: Int) -> [Liquidation] { t.liquidations.filter { $0.version == v } }
    func depositsVersion(_ v: Int) -> [DepositsBorrows] { t.depositsBorrows.filter { $0.version == v } }
    tables = [
      table("aave_liquidations_v2", version(2).map(\.day), version(2).map(\.tokenDebt)),
      table("aave_liquidations_v3", version(3).map(\.day), version(3).map(\.tokenDebt)),
      table("aave_daily_deposits_borrows_v2", depositsVersion(2).map(\.day), depositsVersion(2).map(\.symbol)),
      table("aave_daily_deposits_borrows_v3", depositsVersion(3).map(\.day), depositsVersion(3).map(\.symbol)),
      table("tokens_daily_volume", t.tokenDaily.map(\.day), t.tokenDaily.map(\.token)),
    ]
    let panel = try LiquidationPanel.build(from: t, pipeline: pipeline)
    let split = try panel.split(testDays: testDays, features: ["price"], scaling: .none)
    self.pipeline = pipeline
    self.testDays = testDays
    panelRows = panel.count
    trainRows = split.trainCount
    testRows = split.testCount
    trainPositives = Int(split.trainY.reduce(0, +))
    testPositives = Int(split.testY.reduce(0, +))
    panelFirstDay = panel.days.min() ?? 0
    panelLastDay = panel.days.max() ?? 0
    testStartDay = split.testStartDay
  }

  /// Plain-text report, one table per line, then the panel.
  public var rendered: String {
    var lines: [String] = ["Tables"]
    let width = tables.map(\.name.count).max() ?? 0
    for t in tables {
      let name = t.name.padding(toLength: width, withPad: " ", startingAt: 0)
      let range = t.firstDay.map { CSVDate.isoDate($0) + " .. " + CSVDate.isoDate(t.lastDay ?? $0) } ?? "empty"
      let tokens =
        t.tokens.count > 12 ? t.tokens.prefix(12).joined(separator: " ") + " ..." : t.tokens.joined(separator: " ")
      lines.append("  \(name)  \(String(t.rows).leftPad(6)) rows  \(range)  \(t.tokens.count) tokens: \(tokens)")
    }
    lines.append("")
    lines.append("Liquidation panel (features: \(pipeline.rawValue), test days: \(testDays))")
    lines.append(
      "  rows   \(String(panelRows).leftPad(6))  \(CSVDate.isoDate(panelFirstDay)) .. \(CSVDate.isoDate(panelLastDay))")
    lines.append(
      "  train  \(String(trainRows).leftPad(6))  positives \(trainPositives) (\(percent(trainPositives, trainRows)))  days < \(CSVDate.isoDate(testStartDay))"
    )
    lines.append(
      "  test   \(String(testRows).leftPad(6))  positives \(testPositives) (\(percent(testPositives, testRows)))  days >= \(CSVDate.isoDate(testStartDay))"
    )
    return lines.joined(separator: "\n") + "\n"
  }

  private func percent(_ a: Int, _ b: Int) -> String {
    b == 0 ? "-" : String(format: "%.1f%%", 100 * Double(a) / Double(b))
  }
}

extension String {
  fileprivate func leftPad(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
