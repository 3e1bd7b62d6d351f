/// Per-group sequences of feature rows for a recurrent model: one sequence per row, ending at that row.
///
/// Row `r` of group (token) `g` on day `d` gets the rows of `g` whose day lies in the calendar window
/// `(d - window, d]`, in day order, one row per day (the first row of a day that repeats; the row `r` itself on day
/// `d`), **compressed** over days that are absent (a gap shortens the sequence, it is not padded inside). Sequences
/// are right-aligned in `window` steps: the valid steps are the last `lengths[r]`, earlier steps are zero padding
/// that a model skips.
///
/// A sequence only ever holds rows of the set it is built from: build the training and test sequences separately
/// (``PanelSplit/sequences(window:)``), so no sequence crosses a group nor the train/test boundary.
public struct PanelSequences: Sendable, Hashable {
  /// Number of sequences (one per row of the source set, in its order).
  public var rows: Int
  /// Steps per sequence (the window in days).
  public var window: Int
  /// Features per step.
  public var features: Int
  /// `rows * window * features` values, `[row][step][feature]`, step 0 the oldest; padding steps are 0.
  public var values: [Double]
  /// Valid steps of each sequence, 1 ... `window`.
  public var lengths: [Int]

  /// Builds the sequences of a set of rows.
  ///
  /// - Parameters:
  ///   - x: the rows' features, row-major (`days.count * features` values).
  ///   - days: day (or time step) of each row; need not be sorted.
  ///   - groups: group (token) of each row; sequences never mix groups.
  ///   - window: the calendar window in days, at least 1.
  public init(x: [Double], features: Int, days: [Int], groups: [String], window: Int) {
    precondition(window >= 1, "window must be at least 1")
    precondition(features >= 0 && x.count == days.count * features, "x must hold days.count * features values")
    precondition(groups.count == days.count, "one group per row")
    let n = days.count
    self.rows = n
    self.window = window
    self.features = features
    var values = [Double](repeating: 0, count: n * window * features)
    var lengths = [Int](repeating: 0, count: n)

    // Rows of each group in (day, row) order.
    var byGroup: [String: [Int]] = [:]
    for r in 0..<n { byGroup[groups[r], default: []].append(r) }
    for (_, members) in byGroup {
      let ordered = members.sorted { (days[$0], $0) < (days[$1], $1) }
      // One representative row per distinct day: the first of the day.
      var dayRows: [Int] = []
      var dayValues: [Int] = []
      for r in ordered where dayValues.last != days[r] {
        dayRows.append(r)
        dayValues.append(days[r])
      }
      var position = 0  // index in dayValues of the current row's day
      for r in ordered {
        while dayValues[position] != days[r] { position += 1 }
        var start = position
        while start > 0, dayValues[start - 1] > days[r] - window { start -= 1 }
        let length = position - start + 1
        lengths[r] = length
        let base = r * window * features
        for (k, step) in (window - length..<window).enumerated() {
          let source = step == window - 1 ? r : dayRows[start + k]
          let to = base + step * features
          let from = source * features
          for f in 0..<features { values[to + f] = x[from + f] }
        }
      }
    }
    self.values = values
    self.lengths = lengths
  }
}

extension PanelSplit {
  /// The training and test sequences of this split, each built from its own side only (``PanelSequences``): a
  /// training sequence never holds a test day, and a test sequence starts at the first test day at the earliest.
  public func sequences(window: Int) -> (train: PanelSequences, test: PanelSequences) {
    (
      PanelSequences(x: trainX, features: featureCount, days: trainDays, groups: trainTokens, window: window),
      PanelSequences(x: testX, features: featureCount, days: testDays, groups: testTokens, window: window)
    )
  }
}
