import Foundation
import Testing
import _TestSupport

@testable import Datasets

/// The tutorial pipeline against the tutorial's own pandas code run on ../shared/data/aave (values recorded in
/// PanelFixtures.swift by /work/ref/data/make_fixtures.py).
@Suite(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
struct TutorialPanelTests {
  static func aaveDirectory() throws -> URL {
    try #require(TestSupport.sharedDirectory).appendingPathComponent("data/aave")
  }

  static func relativeClose(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return abs(a - b) <= tolerance * max(abs(a), abs(b)) || abs(a - b) <= 1e-300
  }

  @Test func countsMatchTheTutorial() throws {
    let tables = try AaveTables.load(directory: Self.aaveDirectory())
    let panel = try LiquidationPanel.build(from: tables, pipeline: .tutorial)
    let split = try panel.split(testDays: 40, features: ["7d"], scaling: .minmax)
    #expect(split.trainCount == PanelFixtures.tutorialTrainCount)  // 2,428
    #expect(split.testCount == PanelFixtures.tutorialTestCount)  // 313
    #expect(Int(split.trainY.reduce(0, +)) == PanelFixtures.tutorialTrainPositives)  // 552
    #expect(Int(split.testY.reduce(0, +)) == PanelFixtures.tutorialTestPositives)  // 91
    // 18 columns: day, 16 features, label.
    #expect(panel.featureNames.count + 2 == 18)
  }

  @Test func rowOrderMatchesPandas() throws {
    let panel = try LiquidationPanel.build(from: AaveTables.load(directory: Self.aaveDirectory()), pipeline: .tutorial)
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for i in 0..<panel.count {
      for byte in "\(CSVDate.isoDate(panel.days[i])),\(panel.tokens[i]),\(Int(panel.labels[i]))\n".utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
      }
    }
    #expect(hash == PanelFixtures.tutorialRowOrderHash)
  }

  @Test func featureValuesMatchPandas() throws {
    let panel = try LiquidationPanel.build(from: AaveTables.load(directory: Self.aaveDirectory()), pipeline: .tutorial)
    let split = try panel.split(testDays: 40, features: ["price"], scaling: .none)
    let start = split.testStartDay
    let train = panel.days.indices.filter { panel.days[$0] < start }
    let test = panel.days.indices.filter { panel.days[$0] >= start }
    let columns = try PanelFixtures.tutorialColumns.map { try panel.column($0) }
    for fixture in PanelFixtures.tutorialRows {
      let row = (fixture.set == "train" ? train : test)[fixture.row]
      #expect(CSVDate.isoDate(panel.days[row]) == fixture.day)
      #expect(panel.tokens[row] == fixture.token)
      #expect(panel.labels[row] == fixture.label)
      for (c, name) in PanelFixtures.tutorialColumns.enumerated() {
        #expect(
          Self.relativeClose(columns[c][row], fixture.values[c]),
          "\(fixture.set) row \(fixture.row) \(name): \(columns[c][row]) vs pandas \(fixture.values[c])")
      }
    }
  }

  @Test func minMaxScalingMatchesScikitLearn() throws {
    let panel = try LiquidationPanel.build(from: AaveTables.load(directory: Self.aaveDirectory()), pipeline: .tutorial)
    let split = try panel.split(testDays: 40, features: PanelFixtures.scaledColumns, scaling: .minmax)
    let k = split.featureCount
    for fixture in PanelFixtures.tutorialScaledRows {
      let x = fixture.set == "train" ? split.trainX : split.testX
      for c in 0..<k {
        let value = x[fixture.row * k + c]
        // Scaled values near 0 are differences of nearly equal numbers: compare absolutely at 1e-12 as well.
        #expect(
          Self.relativeClose(value, fixture.values[c]) || abs(value - fixture.values[c]) < 1e-12,
          "\(fixture.set) row \(fixture.row) \(split.featureNames[c]): \(value) vs scikit-learn \(fixture.values[c])")
      }
    }
  }

  @Test func builtInSetsAreTheTutorialsColumns() {
    #expect(FeatureSets.builtIn["3d"]?.count == 10)
    #expect(FeatureSets.builtIn["7d"]?.count == 10)
    // Every built-in column is one of the tutorial's 15 scaled columns.
    for name in (FeatureSets.builtIn["3d"] ?? []) + (FeatureSets.builtIn["7d"] ?? []) {
      #expect(PanelFixtures.scaledColumns.contains(name))
    }
  }
}
