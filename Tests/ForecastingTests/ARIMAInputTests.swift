import AlmanacCore
import Forecasting
import Testing
import _TestSupport

/// Behaviour on empty, constant, NaN/infinite and too-short input: clear, typed errors.
@Suite struct ARIMAInputTests {
  @Test func emptySeriesIsAnError() {
    #expect(throws: ARIMAError.emptySeries) { try ARIMA.fit([], order: ARIMAOrder(p: 1, d: 0, q: 0)) }
  }

  /// NaN is a missing value (see ARIMASeasonalMissingTests); infinity is an error naming its index.
  @Test(arguments: [Double.infinity, -.infinity])
  func nonFiniteValueIsNamedWithItsIndex(_ bad: Double) {
    var y = (0..<50).map { Double($0 % 7) }
    y[17] = bad
    do {
      _ = try ARIMA.fit(y, order: ARIMAOrder(p: 1, d: 0, q: 1))
      Issue.record("expected an error")
    } catch let error as ARIMAError {
      guard case .nonFinite(let index, _) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(index == 17)
      #expect(error.description.contains("index 17"))
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test(arguments: [0, 1])
  func constantSeriesIsAnError(_ d: Int) {
    #expect(throws: ARIMAError.constantSeries(d: d)) {
      try ARIMA.fit([Double](repeating: 3.5, count: 40), order: ARIMAOrder(p: 1, d: d, q: 0))
    }
  }

  @Test func linearTrendIsConstantAfterDifferencing() {
    let y = (0..<40).map { 2.0 * Double($0) + 1 }
    #expect(throws: ARIMAError.constantSeries(d: 1)) { try ARIMA.fit(y, order: ARIMAOrder(p: 0, d: 1, q: 1)) }
  }

  @Test func tooShortSeriesIsAnError() {
    do {
      _ = try ARIMA.fit([1, 2, 4, 3], order: ARIMAOrder(p: 3, d: 1, q: 1))
      Issue.record("expected an error")
    } catch let error as ARIMAError {
      guard case .tooShort(let count, _, _) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(count == 3)
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func negativeOrderIsAnError() {
    #expect(throws: ARIMAError.self) { try ARIMA.fit([1, 2, 3, 4, 5, 6], order: ARIMAOrder(p: -1, d: 0, q: 0)) }
  }

  @Test func logTransformRejectsNonPositiveValues() {
    #expect(throws: ARIMAError.nonPositiveForLog(index: 2, value: 0)) { try SeriesTransform.log.apply([1, 2, 0, 3]) }
    #expect((try? SeriesTransform.log.apply([])) == [])
  }
}

/// Forecast metrics against their textbook definitions (scikit-learn's mean_squared_error / mean_absolute_error and
/// R's acf), on hand-checkable inputs.
@Suite struct ForecastMetricsTests {
  @Test func errorsOnASmallExample() {
    let f = [1.0, 2.0, 4.0]
    let a = [2.0, 2.0, 2.0]
    // squared errors 1, 0, 4: mean 5/3.
    #expect(abs(ForecastMetrics.rmse(forecast: f, actual: a) - (5.0 / 3.0).squareRoot()) < 1e-15)
    #expect(abs(ForecastMetrics.mae(forecast: f, actual: a) - 1.0) < 1e-15)
    #expect(abs(ForecastMetrics.mape(forecast: f, actual: a) - 50.0) < 1e-12)
  }

  @Test func emptyInputGivesNaN() {
    #expect(ForecastMetrics.rmse(forecast: [], actual: []).isNaN)
    #expect(ForecastMetrics.mae(forecast: [], actual: []).isNaN)
  }

  @Test func acfMatchesTheDefinition() {
    // x = 1, 2, 3, 4: mean 2.5, deviations -1.5 -0.5 0.5 1.5, c0 = 5; lag 1: (0.75 - 0.25 + 0.75) / 5 = 0.25;
    // lag 2: (-0.75 - 0.75) / 5 = -0.3 (R: acf(1:4, plot = FALSE) gives 0.25, -0.30, -0.45).
    let r = ForecastMetrics.acf([1, 2, 3, 4], maxLag: 4)
    #expect(abs(r[0] - 0.25) < 1e-15 && abs(r[1] + 0.3) < 1e-15 && abs(r[2] + 0.45) < 1e-15)
    #expect(r[3].isNaN)
    #expect(ForecastMetrics.acf([2, 2, 2], maxLag: 1)[0].isNaN)
  }

  @Test func logBackTransformGivesMedianAndMean() {
    let f = ARIMAForecast(mean: [0.0, 1.0], standardError: [0.5, 1.0])
    let t = SeriesTransform.log.backTransform(f)
    #expect(abs(t.point[1] - 2.718281828459045) < 1e-12)
    #expect(abs(t.biasAdjusted[0] - Math.exp(0.125)) < 1e-12)
    // 95% bounds are exp(mean -+ 1.959964 se).
    #expect(abs(t.upper95[0] - Math.exp(0.5 * 1.959963984540054)) < 1e-9)
    #expect(t.lower80[1] < t.point[1] && t.point[1] < t.upper80[1] && t.upper80[1] < t.upper95[1])
  }
}


/// Rolling-origin forecasts against their definition: at every origin, a one-step forecast from the latest fit's
/// coefficients applied to all data before the origin (R: `predict(Arima(head(x, origin), model = fit), 1)`).
@Suite(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
struct RollingOriginTests {
  @Test(arguments: [(1, 1, 1, false), (2, 0, 0, false), (1, 1, 0, true)])
  func incrementalFilterEqualsRefiltering(_ o: (Int, Int, Int, Bool)) throws {
    let y = try RReferenceCase.series("LakeHuron")
    let order = ARIMAOrder(p: o.0, d: o.1, q: o.2)
    let options = ARIMAOptions(drift: o.3)
    let rolling = try RollingOrigin.oneStepForecasts(y, holdout: 12, refitEvery: 5, order: order, options: options)
    #expect(rolling.fits == 3)
    let start = y.count - 12
    for i in 0..<12 {
      let fitOrigin = start + (i / 5) * 5
      let fit = try ARIMA.fit(Array(y[0..<fitOrigin]), order: order, options: options)
      #expect(fit.hasMean == (o.1 == 0 || o.3))
      let direct = try fit.forecast(history: Array(y[0..<(start + i)]), steps: 1)
      #expect(abs(rolling.forecast.mean[i] - direct.mean[0]) < 1e-9, "origin \(i)")
      #expect(abs(rolling.forecast.standardError[i] - direct.standardError[0]) < 1e-9, "origin \(i)")
    }
  }
}
