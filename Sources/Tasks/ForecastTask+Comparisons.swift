import Experiments
import Forecasting
import Statistics

/// The forecast task's comparisons with naive forecasts on the same holdout.
extension ForecastTask {
  /// The naive forecasts of the holdout, as the model's were made: for `holdout` evaluation one multi-step forecast
  /// from the end of the training points (the last training value, with or without the average drift); for
  /// `rolling` evaluation the one-step forecast from each origin (the previous actual value, with the drift of the
  /// series up to it).
  static func naiveForecasts(
    _ rule: ForecastBaseline, rates: [Double], holdout: Int, rolling: Bool,
    period: Int = 1
  ) -> [Double] {
    let n = rates.count
    let train = Array(rates[0..<(n - holdout)])
    if !rolling {
      return (try? rule.forecast(training: train, horizon: holdout, period: period))
        ?? [Double](repeating: .nan, count: holdout)
    }
    return (0..<holdout).map { i in
      let origin = Array(rates[0..<(n - holdout + i)])
      return (try? rule.forecast(training: origin, horizon: 1, period: period))?.first ?? .nan
    }
  }

  /// `baseline.<rule>.{rmse,mae,mape}` for the random walk and the random walk with drift, `skill_rw`
  /// (RMSE / RMSE of the random walk), `mase` (scale: the training series' one-step naive MAE) and the
  /// Diebold-Mariano test against the random walk (`dm_rw_stat`, `dm_rw_p`: squared loss, h = 1, HLN correction,
  /// one-sided: the model is more accurate). h = 1 is exact for rolling one-step forecasts; for a single multi-step
  /// holdout forecast the errors are autocorrelated and the test is only indicative (docs/reports.md).
  /// With a seasonal `period` (> 1), the seasonal naive forecast (the value one period earlier) is a third rule.
  static func comparisonMetrics(
    rates: [Double], predicted: [Double], actual: [Double], holdout: Int,
    rolling: Bool, period: Int = 1
  ) -> [String: Double] {
    var out: [String: Double] = [:]
    var randomWalk: [Double] = []
    let rules: [ForecastBaseline] = [.randomWalk, .randomWalkWithDrift] + (period > 1 ? [.seasonalNaive] : [])
    for rule in rules {
      let f = naiveForecasts(rule, rates: rates, holdout: holdout, rolling: rolling, period: period)
      if rule == .randomWalk { randomWalk = f }
      out[Baselines.key(rule.rawValue, ForecastOutputs.rmse)] = ForecastMetrics.rmse(forecast: f, actual: actual)
      out[Baselines.key(rule.rawValue, ForecastOutputs.mae)] = ForecastMetrics.mae(forecast: f, actual: actual)
      out[Baselines.key(rule.rawValue, ForecastOutputs.mape)] = ForecastMetrics.mape(forecast: f, actual: actual)
    }
    let rmse = ForecastMetrics.rmse(forecast: predicted, actual: actual)
    let rwRMSE = out[Baselines.key(ForecastBaseline.randomWalk.rawValue, ForecastOutputs.rmse)] ?? .nan
    out[ForecastOutputs.skillRW] = rmse / rwRMSE
    let train = Array(rates[0..<(rates.count - holdout)])
    out[ForecastOutputs.mase] =
      (try? ForecastAccuracy(forecast: predicted, actual: actual, training: train))?.mase ?? .nan
    let modelErrors = zip(actual, predicted).map { $0 - $1 }
    let walkErrors = zip(actual, randomWalk).map { $0 - $1 }
    if let dm = try? DieboldMarianoTest(errors: modelErrors, walkErrors, alternative: .less, horizon: 1, power: 2) {
      out[ForecastOutputs.dmRWStatistic] = dm.statistic
      out[ForecastOutputs.dmRWPValue] = dm.pValue
    }
    return out
  }
}
