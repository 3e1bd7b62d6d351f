import Foundation
import Testing
import Tracking
@testable import almanac

/// `almanac runs` shows every sweep axis, even one whose value the listed runs share (issue 12: the symbol column
/// of a sweep over assets went missing when a filter kept one asset).
@Suite struct RunTableAxesTests {
  static func run(_ id: Int64, _ params: [String: String]) -> RunRecord {
    RunRecord(id: id, experimentID: 1, trialKey: "k\(id)", trialIndex: Int(id), status: .finished,
              startTime: Date(timeIntervalSince1970: 0), superseded: false, params: params, metrics: ["aic": -1])
  }

  @Test func sweepAxesAreShownEvenWhenTheyDoNotVary() {
    let runs = [Self.run(1, ["p": "0", "data.filter.symbol": "USDC", "d": "1"]),
                Self.run(2, ["p": "1", "data.filter.symbol": "USDC", "d": "1"])]
    let catalog = MetricCatalog(declared: [MetricDeclaration("aic", goal: .minimize)], selected: ["aic"])
    #expect(RunTable(runs: runs, metrics: catalog).varyingParams == ["p"])
    let table = RunTable(runs: runs, metrics: catalog, axes: ["p", "data.filter.symbol"])
    #expect(table.varyingParams == ["data.filter.symbol", "p"])
    #expect(table.render(.table, color: false).contains("params.data.filter.symbol"))
    #expect(table.renderAggregated(.csv).contains("params.data.filter.symbol"))
  }
}
