/// Rolling-origin (time-series cross-validation) evaluation of one-step-ahead forecasts.
public enum RollingOrigin {
  /// One-step-ahead forecasts for the last `holdout` points of `series` (on the model's scale). The model is refit
  /// on all data before the origin every `refitEvery` steps (at origins 0, k, 2k, ...); between refits the latest
  /// coefficients are applied to the growing history without refitting (the filter takes in one more observation
  /// per origin). With `warmStart`, every refit after the first starts ML at the previous coefficients
  /// (``ARIMAOptions/startValues``) instead of running CSS from zero, and runs R's BFGS pass only (no polishing
  /// passes: the first fit had them, and the optimum moves little when one point is added), so each refit takes a
  /// few iterations. Returns the forecasts (with standard errors) aligned with
  /// `series[(n - holdout)...]` and the number of fits. Throws what ``ARIMA/fit(_:order:options:)`` throws.
  public static func oneStepForecasts(
    _ series: [Double], holdout: Int, refitEvery: Int, order: ARIMAOrder,
    options: ARIMAOptions, warmStart: Bool = false
  ) throws
    -> (forecast: ARIMAForecast, fits: Int)
  {
    precondition(holdout >= 0 && holdout < series.count && refitEvery >= 1)
    let start = series.count - holdout
    var fit: ARIMAFit?
    var state: ARIMAStateSpace?
    var fits = 0
    var mean: [Double] = []
    var se: [Double] = []
    for o in 0..<holdout {
      let origin = start + o
      if o % refitEvery == 0 || fit == nil {
        var fitOptions = options
        if warmStart, let previous = fit {
          // One BFGS pass (R's) from the previous optimum: the polishing passes already ran on the first fit, and
          // the optimum moves little when one observation is added.
          fitOptions.startValues = previous.coefficients
          fitOptions.polish = false
        }
        let current = try ARIMA.fit(Array(series[0..<origin]), order: order, options: fitOptions)
        guard let s = current.state else { throw ARIMAError.nonStationary("fitted AR \(current.ar)") }
        fit = current
        state = s
        fits += 1
      } else if let current = fit, var s = state {
        // Take in the newest observation (centred like the fit: time counted from the series' start).
        let t = Double(origin)
        let value = series[origin - 1]
        let centred = !current.hasMean ? value : (current.meanIsDrift ? value - current.mean * t : value - current.mean)
        _ = s.filter([centred])
        state = s
      }
      guard let current = fit, let s = state else { break }
      let raw = s.forecast(steps: 1)
      var m = raw.mean[0]
      if current.hasMean { m += current.meanIsDrift ? current.mean * Double(origin + 1) : current.mean }
      mean.append(m)
      se.append((raw.variance[0] * current.sigma2).squareRoot())
    }
    return (ARIMAForecast(mean: mean, standardError: se), fits)
  }
}
