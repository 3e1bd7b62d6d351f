import Testing

@testable import Datasets

/// Sequences for the recurrent model on constructed data whose feature values encode where they come from
/// (`group * 1000 + day`, and the row number), so every step of every sequence can be traced to its source row.
@Suite struct PanelSequencesTests {
  /// Two interleaved tokens over days 100...119; token A misses day 105 and repeats day 108 (two rows, as the panel
  /// repeats a (day, token) with several collateral tokens); token C has a single day.
  static func panel() -> LiquidationPanel {
    var days: [Int] = []
    var tokens: [String] = []
    for day in 100...119 {
      if day != 105 {
        days.append(day)
        tokens.append("A")
      }
      if day == 108 {
        days.append(day)
        tokens.append("A")
      }
      days.append(day)
      tokens.append("B")
      if day == 117 {
        days.append(day)
        tokens.append("C")
      }
    }
    let code = zip(tokens, days).map { Double(groupCode($0) * 1000 + $1) }
    let rowNumber = days.indices.map(Double.init)
    return LiquidationPanel(
      pipeline: .perToken, days: days, tokens: tokens, labels: days.map { Double($0 % 2) },
      featureNames: ["code", "row"], columns: [code, rowNumber], earliestDay: 100)
  }

  static func groupCode(_ token: String) -> Int { ["A": 1, "B": 2, "C": 3][token] ?? 0 }

  /// The valid steps of sequence `r` as (code, row) pairs.
  static func steps(_ s: PanelSequences, _ r: Int) -> [(code: Double, row: Double)] {
    (s.window - s.lengths[r]..<s.window).map { step in
      let at = (r * s.window + step) * s.features
      return (s.values[at], s.values[at + 1])
    }
  }

  @Test(arguments: [1, 3, 7, 14])
  func sequencesStayInTheirTokenAndWindowAndEndAtTheirRow(window: Int) throws {
    let split = try Self.panel().split(testDays: 5, features: ["code", "row"], scaling: .none)
    let (train, test) = split.sequences(window: window)
    for (s, days, tokens, x) in [
      (train, split.trainDays, split.trainTokens, split.trainX), (test, split.testDays, split.testTokens, split.testX),
    ] {
      #expect(s.rows == days.count && s.window == window && s.features == 2)
      for r in 0..<s.rows {
        let steps = Self.steps(s, r)
        #expect((1...window).contains(s.lengths[r]))
        // The last step is the row itself.
        #expect(steps.last?.code == x[r * 2] && steps.last?.row == x[r * 2 + 1])
        var previousDay = Int.min
        for step in steps {
          let group = Int(step.code) / 1000
          let day = Int(step.code) % 1000
          #expect(group == Self.groupCode(tokens[r]), "sequence \(r) mixes tokens")
          #expect(day > days[r] - window && day <= days[r], "sequence \(r) leaves its window")
          #expect(day > previousDay, "sequence \(r) is not in day order or repeats a day")
          previousDay = day
        }
        // Padding steps are zero.
        for step in 0..<(window - s.lengths[r]) {
          let at = (r * window + step) * 2
          #expect(s.values[at] == 0 && s.values[at + 1] == 0)
        }
      }
    }
    // No sequence crosses the split: training sequences hold training days only, test sequences test days only.
    for r in 0..<train.rows {
      #expect(Self.steps(train, r).allSatisfy { Int($0.code) % 1000 < split.testStartDay })
    }
    for r in 0..<test.rows {
      #expect(Self.steps(test, r).allSatisfy { Int($0.code) % 1000 >= split.testStartDay })
    }
  }

  @Test func lengthsCountThePresentDaysOfTheWindow() throws {
    let split = try Self.panel().split(testDays: 5, features: ["code", "row"], scaling: .none)
    let (train, test) = split.sequences(window: 3)
    func length(_ s: PanelSequences, _ days: [Int], _ tokens: [String], day: Int, token: String) -> [Int] {
      s.lengths.indices.filter { days[$0] == day && tokens[$0] == token }.map { s.lengths[$0] }
    }
    // Token A misses day 105: its sequence on day 106 holds days 104 and 106 only.
    #expect(length(train, split.trainDays, split.trainTokens, day: 106, token: "A") == [2])
    #expect(length(train, split.trainDays, split.trainTokens, day: 107, token: "A") == [2])
    #expect(length(train, split.trainDays, split.trainTokens, day: 108, token: "A") == [3, 3])
    // The first day of each token starts with a single step.
    #expect(length(train, split.trainDays, split.trainTokens, day: 100, token: "B") == [1])
    // The test set starts on day 114 (last day 119 minus 5): its first day has no earlier test day.
    #expect(split.testStartDay == 114)
    #expect(length(test, split.testDays, split.testTokens, day: 114, token: "B") == [1])
    #expect(length(test, split.testDays, split.testTokens, day: 116, token: "B") == [3])
    #expect(length(test, split.testDays, split.testTokens, day: 117, token: "C") == [1])
  }

  @Test func aRepeatedDayContributesItsFirstRowToLaterSequences() throws {
    let panel = Self.panel()
    let s = PanelSequences(
      x: zip(panel.columns[0], panel.columns[1]).flatMap { [$0, $1] }, features: 2, days: panel.days,
      groups: panel.tokens, window: 2)
    let day108 = panel.days.indices.filter { panel.days[$0] == 108 && panel.tokens[$0] == "A" }
    let day109 = try #require(panel.days.indices.first { panel.days[$0] == 109 && panel.tokens[$0] == "A" })
    #expect(day108.count == 2)
    // Each of day 108's rows ends its own sequence...
    for r in day108 { #expect(Self.steps(s, r).last?.row == Double(r)) }
    // ...and day 109's sequence steps through the first of them.
    #expect(Self.steps(s, day109).map(\.row) == [Double(day108[0]), Double(day109)])
  }

  @Test func emptyAndSingleRowSets() {
    let empty = PanelSequences(x: [], features: 3, days: [], groups: [], window: 5)
    #expect(empty.rows == 0 && empty.values.isEmpty && empty.lengths.isEmpty)
    let one = PanelSequences(x: [1, 2, 3], features: 3, days: [7], groups: ["X"], window: 4)
    #expect(one.lengths == [1])
    #expect(one.values == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3])
  }
}
