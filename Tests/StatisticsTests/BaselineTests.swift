import Statistics
import Testing

/// Classification baselines against scikit-learn 1.9 metrics (`Fixtures/classification_baselines.json`) and the
/// forecasting baselines and accuracy measures against R's forecast 8.20 `naive`, `rwf(drift = TRUE)`, `snaive`
/// and `accuracy` (`Fixtures/forecast_baselines.json`, gen_dm.R).
@Suite struct BaselineTests {
  /// Relative tolerance against scikit-learn and R.
  static let tolerance = 1e-12

  @Test func alwaysPositiveAndPrevalenceMatchSklearn() throws {
    let cases = try Fixture.cases("classification_baselines")
    #expect(cases.count == 3)
    for c in cases {
      let labels = try #require(c["labels"] as? [Int]).map { $0 == 1 }
      let ref = try #require(c["always_positive"] as? [String: Any])
      let constant = try #require(c["constant_score"] as? [String: Any])
      let a = ClassificationBaseline.alwaysPositive(labels: labels)
      for (value, key) in [(a.precision, "precision"), (a.recall, "recall"), (a.f1, "f1"), (a.accuracy, "accuracy")] {
        #expect(close(value, Fixture.number(ref[key]), relative: Self.tolerance), "always-positive \(key)")
      }
      #expect(close(a.rocAUC, Fixture.number(constant["roc_auc"]), relative: Self.tolerance))
      #expect(close(a.averagePrecision, Fixture.number(constant["average_precision"]), relative: Self.tolerance))
      let p = try ClassificationBaseline.prevalence(labels: labels)
      #expect(close(p.rocAUC, Fixture.number(constant["roc_auc"]), relative: Self.tolerance))
      #expect(close(p.averagePrecision, Fixture.number(constant["average_precision"]), relative: Self.tolerance))
      // With q = prevalence, expected precision = recall = F1 = prevalence.
      let pi = Fixture.number(ref["precision"])
      #expect(close(p.precision, pi, relative: 1e-15) && close(p.recall, pi, relative: 1e-15))
      #expect(close(p.f1, pi, relative: 1e-15))
    }
  }

  @Test func prevalenceRuleWithATrainingRate() throws {
    let labels = [true, false, false, false]
    let p = try ClassificationBaseline.prevalence(labels: labels, rate: 0.5)
    #expect(p.precision == 0.25 && p.recall == 0.5)
    #expect(close(p.f1, 2 * 0.25 * 0.5 / 0.75, relative: 1e-15))
    #expect(p.accuracy == 0.25 * 0.5 + 0.75 * 0.5)
    #expect(throws: StatisticsError.self) { try ClassificationBaseline.prevalence(labels: labels, rate: 2) }
  }

  @Test func persistenceMatchesSklearn() throws {
    let cases = try Fixture.cases("classification_baselines", key: "persistence")
    #expect(cases.count == 2)
    for c in cases {
      let test = try #require(c["test"] as? [String: Any])
      let history = try #require(c["history"] as? [String: Any])
      let r = try ClassificationBaseline.persistence(
        labels: try #require(test["labels"] as? [Int]).map { $0 == 1 },
        groups: try #require(test["groups"] as? [String]), days: try #require(test["days"] as? [Int]),
        historyLabels: try #require(history["labels"] as? [Int]).map { $0 == 1 },
        historyGroups: try #require(history["groups"] as? [String]), historyDays: try #require(history["days"] as? [Int]))
      #expect(r.scores == (c["predictions"] as? [Int])?.map(Double.init))
      #expect(r.uncovered == c["uncovered"] as? Int)
      for (value, key) in [(r.precision, "precision"), (r.recall, "recall"), (r.f1, "f1"), (r.accuracy, "accuracy"),
                           (r.rocAUC, "roc_auc"), (r.averagePrecision, "average_precision")] {
        #expect(close(value, Fixture.number(c[key]), relative: Self.tolerance), "persistence \(key)")
      }
    }
  }

  @Test func classificationEdgeCases() throws {
    let empty = ClassificationBaseline.alwaysPositive(labels: [])
    #expect(empty.precision.isNaN && empty.f1.isNaN && empty.rocAUC.isNaN)
    let negatives = ClassificationBaseline.alwaysPositive(labels: [false, false])
    #expect(negatives.f1 == 0 && negatives.rocAUC.isNaN)
    #expect(throws: StatisticsError.self) {
      try ClassificationBaseline.persistence(labels: [true], groups: ["a", "b"], days: [1])
    }
  }

  @Test func forecastBaselinesMatchR() throws {
    let cases = try Fixture.cases("forecast_baselines")
    #expect(cases.count == 3)
    for c in cases {
      let name = try #require(c["name"] as? String)
      let train = Fixture.numbers(c["train"])
      let test = Fixture.numbers(c["test"])
      let period = try #require(c["frequency"] as? Int)
      let h = try #require(c["h"] as? Int)
      var baselines: [(String, [Double])] = [
        ("naive", try ForecastBaseline.randomWalk.forecast(training: train, horizon: h)),
        ("drift", try ForecastBaseline.randomWalkWithDrift.forecast(training: train, horizon: h)),
      ]
      if period > 1 {
        baselines.append(("snaive", try ForecastBaseline.seasonalNaive.forecast(training: train, horizon: h, period: period)))
      }
      let arbitrary = try #require(c["arbitrary"] as? [String: Any])
      baselines.append(("arbitrary", Fixture.numbers(arbitrary["forecast"])))
      let naiveRMSE = Fixture.number((c["naive"] as? [String: Any])?["rmse"])
      for (key, forecast) in baselines {
        let ref = try #require(c[key] as? [String: Any])
        let expected = Fixture.numbers(ref["forecast"])
        #expect(forecast.count == expected.count)
        for (f, e) in zip(forecast, expected) { #expect(close(f, e, relative: Self.tolerance), "\(name) \(key) forecast") }
        let a = try ForecastAccuracy(forecast: forecast, actual: test, training: train, period: period)
        #expect(close(a.rmse, Fixture.number(ref["rmse"]), relative: Self.tolerance), "\(name) \(key) RMSE")
        #expect(close(a.mae, Fixture.number(ref["mae"]), relative: Self.tolerance), "\(name) \(key) MAE")
        // ME is 0 up to rounding for some forecasts: absolute 1e-12 there.
        #expect(close(a.meanError, Fixture.number(ref["me"]), relative: Self.tolerance, absolute: 1e-12), "\(name) \(key) ME")
        #expect(close(a.mase, Fixture.number(ref["mase"]), relative: Self.tolerance), "\(name) \(key) MASE")
        let skill = try ForecastAccuracy.skill(forecast: forecast, actual: test, training: train)
        #expect(close(skill, Fixture.number(ref["rmse"]) / naiveRMSE, relative: Self.tolerance), "\(name) \(key) skill")
      }
    }
  }

  @Test func forecastEdgeCases() throws {
    #expect(throws: StatisticsError.self) { try ForecastBaseline.randomWalk.forecast(training: [], horizon: 3) }
    #expect(throws: StatisticsError.self) { try ForecastBaseline.randomWalkWithDrift.forecast(training: [1], horizon: 3) }
    #expect(throws: StatisticsError.self) { try ForecastBaseline.seasonalNaive.forecast(training: [1, 2], horizon: 3, period: 4) }
    #expect(try ForecastBaseline.randomWalkWithDrift.forecast(training: [1, 3], horizon: 0).isEmpty)
    // A constant training series has MASE scale 0: MASE is infinite (NaN when the forecast is perfect too), as R.
    let constant = try ForecastAccuracy(forecast: [2, 2], actual: [2, 3], training: [2, 2, 2])
    #expect(constant.scale == 0 && constant.mase == .infinity)
    let perfect = try ForecastAccuracy(forecast: [2, 2], actual: [2, 2], training: [2, 2, 2])
    #expect(perfect.mase.isNaN)
    // NaN pairs are skipped (na.rm); all NaN gives NaN.
    let partial = try ForecastAccuracy(forecast: [1, .nan, 3], actual: [2, 2, 2])
    #expect(partial.mae == 1 && partial.rmse == 1)
    #expect(try ForecastAccuracy(forecast: [.nan], actual: [1]).rmse.isNaN)
    #expect(try ForecastAccuracy(forecast: [1], actual: [1]).mase.isNaN)
    #expect(throws: StatisticsError.self) { try ForecastAccuracy(forecast: [1], actual: [1, 2]) }
  }
}
