/// Rolling-origin (time-series cross-validation) evaluation of one-step-ahead forecasts.
public enum RollingOrigin {
  /// One-step-ahead forecasts for the last `holdout` points of `series` (on the model's scale). The model is refit
  /// on all data before the origin every `refitEvery` steps (at origins 0, k, 2k, ...); between refits the latest
  /// coefficients are applied to the growing history without refitting. Returns the forecasts (with standard
  /// errors) aligned with `series[(n - holdout)...]`. Throws what ``ARIMA/fit(_:order:options:)`` throws.
  public static func oneStepForecasts(_ series: [Double], holdout: Int, refitEvery: Int, order: ARIMAOrder,
                                      options: ARIMAOptions) throws -> (forecast: ARIMAForecast, fits: Int)
  {
    precondition(holdout >= 0 && holdout < series.count && refitEvery >= 1)
    let start = series.count - holdout
    var fit: ARIMAFit?
    var fits = 0
    var mean: [Double] = []
    var se: [Double] = []
    for o in 0..<holdout {
      let history = Array(series[0..<(start + o)])
      if o % refitEvery == 0 || fit == nil {
        fit = try ARIMA.fit(history, order: order, options: options)
        fits += 1
      }
      guard let current = fit else { break }
      let f = o % refitEvery == 0 ? try current.forecast(steps: 1) : try current.forecast(history: history, steps: 1)
      mean.append(f.mean[0])
      se.append(f.standardError[0])
    }
    return (ARIMAForecast(mean: mean, standardError: se), fits)
  }
}
