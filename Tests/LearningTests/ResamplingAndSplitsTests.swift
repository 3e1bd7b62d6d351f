import AlmanacCore
import Testing

@testable import Learning

@Suite("Validation splits equal scikit-learn KFold and TimeSeriesSplit")
struct SplitsTests {
  @Test("KFold(shuffle=False): first n % k folds one row larger")
  func kFold() {
    for c in SplitsFixture.kFold {
      let folds = ValidationSplits.kFold(count: c.n, folds: c.k)
      #expect(folds.map(\.validation) == c.validation)
      for f in folds { #expect(Set(f.train).union(f.validation) == Set(0..<c.n) && f.train.count + f.validation.count == c.n) }
    }
    #expect(ValidationSplits.kFold(count: 3, folds: 4).isEmpty)
    #expect(ValidationSplits.kFold(count: 3, folds: 1).isEmpty)
  }

  @Test("TimeSeriesSplit over distinct days keeps each day's rows together")
  func timeSeries() {
    let folds = ValidationSplits.timeSeries(days: SplitsFixture.days, folds: 4)
    #expect(folds.map(\.train) == SplitsFixture.timeSeries4.map(\.train))
    #expect(folds.map(\.validation) == SplitsFixture.timeSeries4.map(\.validation))
    #expect(ValidationSplits.timeSeries(days: [1, 1, 2], folds: 2).isEmpty)
  }
}

@Suite("Oversampling with imbalanced-learn semantics, on training rows only")
struct ResamplingTests {
  /// 11 positives then 49 negatives, as the fixture's imblearn run.
  func imbalanced() -> (Matrix, [Float]) {
    var g = SplitMix64(seed: 5)
    let x = Matrix(rows: 60, columns: 3, values: (0..<180).map { _ in Float(g.nextGaussian()) })
    return (x, (0..<60).map { $0 < 11 ? 1 : 0 })
  }

  @Test("Row counts after SMOTE / RandomOverSampler equal imblearn's for float sampling_strategy")
  func counts() {
    let (x, y) = imbalanced()
    for c in SplitsFixture.resampled {
      var g = SplitMix64(seed: 1)
      let r = Rebalancer.apply(c.method == "smote" ? .smote : .random, x: x, y: y, ratio: c.ratio, generator: &g)
      #expect(r.x.rows == c.rows && r.y.count == c.rows, "\(c.method) \(c.ratio)")
      #expect(Int(r.y.reduce(0, +)) == c.positives)
      // Original rows come first, unchanged.
      #expect(Array(r.x.values.prefix(x.values.count)) == x.values)
    }
  }

  @Test("Nearest neighbours (self excluded) equal sklearn NearestNeighbors")
  func neighbours() {
    let x = Matrix(rows: 25, columns: 4, doubles: SplitsFixture.neighbourX)
    #expect(Rebalancer.nearestNeighbours(x, k: 5) == SplitsFixture.neighbours5)
  }

  @Test("SMOTE points lie on a segment from a minority row to one of its k nearest minority neighbours")
  func smoteGeometry() {
    let (x, y) = imbalanced()
    var g = SplitMix64(seed: 2)
    let r = Rebalancer.apply(.smote, x: x, y: y, k: 3, generator: &g)
    let minority = x.rows(0..<11)
    let nn = Rebalancer.nearestNeighbours(minority, k: 3)
    for row in 60..<r.x.rows {
      let p = (0..<3).map { r.x[row, $0] }
      var found = false
      for i in 0..<11 {
        for t in 0..<3 {
          let a = (0..<3).map { minority[i, $0] }
          let b = (0..<3).map { minority[nn[i * 3 + t], $0] }
          // u from the first coordinate, then every coordinate must agree.
          let u = (p[0] - a[0]) / (b[0] - a[0])
          if u >= -1e-5 && u <= 1 + 1e-5 && (0..<3).allSatisfy({ abs(a[$0] + u * (b[$0] - a[$0]) - p[$0]) < 1e-4 }) {
            found = true
          }
        }
      }
      #expect(found, "synthetic row \(row) is not on a neighbour segment")
    }
  }

  @Test("class_weight 'balanced' equals sklearn compute_class_weight")
  func classWeights() {
    let (_, y) = imbalanced()
    let w = Rebalancer.classWeights(y: y)
    #expect(abs(Double(w.negative) - SplitsFixture.balancedWeights[0]) < 1e-6)
    #expect(abs(Double(w.positive) - SplitsFixture.balancedWeights[1]) < 1e-6)
    let half = Rebalancer.classWeights(y: y, ratio: 0.5)
    #expect(abs(Double(half.positive) - 0.5 * SplitsFixture.balancedWeights[1]) < 1e-5)
  }

  @Test("Degenerate inputs: one class, a single minority row, too few neighbours")
  func degenerate() {
    var g = SplitMix64(seed: 3)
    let x = Matrix(rows: 4, columns: 1, values: [0, 1, 2, 3])
    let one = Rebalancer.apply(.smote, x: x, y: [0, 0, 0, 0], generator: &g)
    #expect(one.x.rows == 4 && !one.warnings.isEmpty)
    let single = Rebalancer.apply(.smote, x: x, y: [1, 0, 0, 0], generator: &g)
    #expect(single.x.rows == 6 && single.warnings.contains { $0.contains("random") })
    #expect(single.x.values.suffix(2) == [0, 0])
    let x6 = Matrix(rows: 6, columns: 1, values: [0, 1, 2, 3, 4, 5])
    let few = Rebalancer.apply(.smote, x: x6, y: [1, 1, 0, 0, 0, 0], generator: &g)
    #expect(few.x.rows == 8 && few.warnings.contains { $0.contains("reduced from 5 to 1") })
    // With k = 1 the two minority rows are each other's neighbour: new points lie in [0, 1].
    #expect(few.x.values.suffix(2).allSatisfy { $0 >= 0 && $0 <= 1 })
    let empty = Rebalancer.apply(.random, x: Matrix(rows: 0, columns: 1), y: [], generator: &g)
    #expect(empty.x.rows == 0)
  }

  @Test("Rebalancing touches only training folds: validation and test rows are scored as given",
        arguments: [Oversampling.random, .smote, .classWeight])
  func trainingOnly(method: Oversampling) throws {
    var g = SplitMix64(seed: 9)
    let n = 103
    let x = Matrix(rows: n, columns: 2, values: (0..<(2 * n)).map { _ in Float(g.nextUnit()) })
    let y: [Float] = (0..<n).map { $0 % 5 == 0 ? 1 : 0 }
    let testX = Matrix(rows: 17, columns: 2, values: (0..<34).map { _ in Float(g.nextUnit()) })
    let testY: [Float] = (0..<17).map { $0 % 4 == 0 ? 1 : 0 }
    var config = ClassifierConfig()
    config.hidden = [4]
    config.training = TrainingOptions(epochs: 2, batchSize: 16)
    config.oversampling = method
    let report = try ClassifierEvaluation.run(config: config, trainX: x, trainY: y, testX: testX, testY: testY,
                                              generator: &g)
    let folds = ValidationSplits.kFold(count: n, folds: 5)
    #expect(report.validationRowCounts == folds.map(\.validation.count))
    #expect(report.testProbabilities.count == 17)
    #expect(report.metrics.confusion.total == 17)
    var expected = folds.map { f -> Int in
      let pos = f.train.filter { y[$0] == 1 }.count
      return f.train.count + (method == .classWeight ? 0 : Rebalancer.rowsToAdd(minority: pos, majority: f.train.count - pos, ratio: 1))
    }
    let pos = y.filter { $0 == 1 }.count
    expected.append(n + (method == .classWeight ? 0 : Rebalancer.rowsToAdd(minority: pos, majority: n - pos, ratio: 1)))
    #expect(report.trainingRowCounts == expected)
    #expect(report.trainLoss.count == 6 * 2)
    #expect(report.validationLoss.count == 5)
  }
}
