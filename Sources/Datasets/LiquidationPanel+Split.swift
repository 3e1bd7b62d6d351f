/// A temporal train/test split of the panel, as matrices ready for a model.
public struct PanelSplit: Sendable {
  /// Feature names, the columns of ``trainX`` and ``testX``.
  public var featureNames: [String]
  /// Training rows, row-major (`trainCount * featureNames.count` values), scaled.
  public var trainX: [Double]
  /// 0/1 labels of the training rows.
  public var trainY: [Double]
  /// Day of each training row (days since 1970-01-01).
  public var trainDays: [Int]
  /// Token of each training row.
  public var trainTokens: [String]
  /// Test rows, row-major, scaled with the training fit.
  public var testX: [Double]
  public var testY: [Double]
  public var testDays: [Int]
  public var testTokens: [String]
  /// The per-column scaling fitted on the training rows.
  public var scalers: [Scaling.Fitted]
  /// First test day: the panel's last day minus `testDays`.
  public var testStartDay: Int

  public var trainCount: Int { trainY.count }
  public var testCount: Int { testY.count }
  public var featureCount: Int { featureNames.count }
}

extension LiquidationPanel {
  /// Splits in time as the tutorial does: test rows are those with `day >= lastDay - testDays` (so the test set
  /// spans `testDays + 1` calendar days), training rows the rest; rows keep the panel's order.
  ///
  /// - Parameters:
  ///   - testDays: days before the last day where the test set starts (the tutorial uses 40).
  ///   - features: feature names, or a single built-in set name (`"3d"`, `"7d"`).
  ///   - scaling: fitted per column on the training rows only, then applied to both sets.
  /// - Throws: ``DatasetError/unknownFeature(_:valid:)`` listing the panel's features;
  ///   ``DatasetError/invalidTestDays(_:)``; ``DatasetError/emptySplit(train:test:testDays:)`` when either side is
  ///   empty.
  public func split(testDays: Int, features: [String], scaling: Scaling) throws -> PanelSplit {
    guard testDays >= 0 else { throw DatasetError.invalidTestDays(testDays) }
    let names = try FeatureSets.resolve(features, available: featureNames)
    let selected = try names.map { try column($0) }
    let lastDay = days.max() ?? 0
    let start = lastDay - testDays
    let trainRows = days.indices.filter { days[$0] < start }
    let testRows = days.indices.filter { days[$0] >= start }
    guard !trainRows.isEmpty, !testRows.isEmpty else {
      throw DatasetError.emptySplit(train: trainRows.count, test: testRows.count, testDays: testDays)
    }
    let scalers = selected.map { column in scaling.fit(trainRows.map { column[$0] }) }
    func matrix(_ rows: [Int]) -> [Double] {
      var x = [Double](repeating: 0, count: rows.count * names.count)
      for (c, column) in selected.enumerated() {
        let s = scalers[c]
        for (r, row) in rows.enumerated() { x[r * names.count + c] = s.apply(column[row]) }
      }
      return x
    }
    return PanelSplit(
      featureNames: names, trainX: matrix(trainRows), trainY: trainRows.map { labels[$0] },
      trainDays: trainRows.map { days[$0] }, trainTokens: trainRows.map { tokens[$0] }, testX: matrix(testRows),
      testY: testRows.map { labels[$0] }, testDays: testRows.map { days[$0] }, testTokens: testRows.map { tokens[$0] },
      scalers: scalers, testStartDay: start)
  }
}
