import Testing

@testable import Learning

/// Equality for recorded scikit-learn values: NaN equals NaN, otherwise within `tol`.
private func close(_ a: Double, _ b: Double, _ tol: Double = 1e-12) -> Bool {
  (a.isNaN && b.isNaN) || abs(a - b) <= tol * max(1, abs(b))
}

@Suite("Classification metrics equal scikit-learn 1.9")
struct MetricsTests {
  @Test("Scalar metrics and confusion matrix", arguments: MetricsFixture.cases)
  func scalars(c: MetricsCase) {
    let m = ClassificationMetrics(truth: c.truth, probabilities: c.scores)
    #expect(m.confusion == ConfusionMatrix(truth: c.truth, prediction: c.scores.map { $0 >= 0.5 ? 1 : 0 }))
    #expect([m.confusion.tn, m.confusion.fp, m.confusion.fn, m.confusion.tp] == [c.tn, c.fp, c.fn, c.tp])
    #expect(close(m.accuracy, c.accuracy))
    #expect(close(m.precision, c.precision))
    #expect(close(m.recall, c.recall))
    #expect(close(m.f1, c.f1))
    #expect(close(m.rocAUC, c.rocAUC))
    #expect(close(m.averagePrecision, c.averagePrecision))
    #expect(close(m.logLoss, c.logLoss, 1e-10))
    #expect(close(m.brier, c.brier))
  }

  @Test("ROC curve points (drop_intermediate) and precision-recall curve points", arguments: MetricsFixture.cases)
  func curves(c: MetricsCase) {
    let roc = ROCCurve(truth: c.truth, scores: c.scores)
    // The fixture writes sklearn's NaN rates (single-class input) as -1.
    #expect(roc.fpr.map { $0.isNaN ? -1 : $0 } == c.rocFPR)
    #expect(roc.tpr.map { $0.isNaN ? -1 : $0 } == c.rocTPR)
    let pr = PrecisionRecallCurve(truth: c.truth, scores: c.scores)
    #expect(pr.precision.count == c.prPrecision.count)
    for (a, b) in zip(pr.precision, c.prPrecision) { #expect(close(a, b)) }
    for (a, b) in zip(pr.recall, c.prRecall) { #expect(close(a, b)) }
  }

  @Test("Zero division gives 0 and a warning, like zero_division='warn'")
  func zeroDivision() {
    let m = ClassificationMetrics(truth: [0, 0, 0], probabilities: [0.1, 0.2, 0.3])
    #expect(m.precision == 0 && m.recall == 0 && m.f1 == 0)
    #expect(m.accuracy == 1)
    #expect(m.rocAUC.isNaN)
    #expect(m.warnings.contains { $0.contains("precision is ill-defined") })
    #expect(m.warnings.contains { $0.contains("F-score is ill-defined") })
  }

  @Test("Empty and NaN inputs")
  func emptyAndNaN() {
    let empty = ClassificationMetrics(truth: [], probabilities: [])
    #expect(empty.accuracy.isNaN && empty.logLoss.isNaN && empty.brier.isNaN)
    let nan = ClassificationMetrics(truth: [0, 1], probabilities: [.nan, 0.7])
    #expect(nan.rocAUC.isNaN && nan.averagePrecision.isNaN && nan.logLoss.isNaN)
    #expect(nan.tp == 1)
  }

  @Test("Tuned threshold maximises F1 over the distinct scores")
  func tunedThreshold() {
    // Predicting p >= 0.4 catches both positives with one false positive: F1 = 0.8, the best available.
    let t = ClassifierEvaluation.tunedThreshold(truth: [0, 1, 0, 1, 0], probabilities: [0.1, 0.4, 0.35, 0.8, 0.45])
    #expect(t == 0.4)
    #expect(ClassifierEvaluation.tunedThreshold(truth: [0, 0], probabilities: [0.2, 0.3]) == nil)
  }
}

extension ClassificationMetrics {
  var tp: Int { confusion.tp }
}
