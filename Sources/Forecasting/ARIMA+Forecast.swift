import AlmanacCore

/// Point forecasts and standard errors on the model's scale.
public struct ARIMAForecast: Sendable {
  /// h-step predictions, `mean[0]` is one step ahead.
  public var mean: [Double]
  /// Prediction standard errors `sqrt(sigma2 * Z P Z')`.
  public var standardError: [Double]

  public init(mean: [Double], standardError: [Double]) {
    self.mean = mean
    self.standardError = standardError
  }

  /// Symmetric normal interval `mean -+ z se` at `level` (for example 0.95).
  public func interval(level: Double) -> (lower: [Double], upper: [Double]) {
    let z = Math.normalQuantile(0.5 + level / 2)
    return (zip(mean, standardError).map { $0 - z * $1 }, zip(mean, standardError).map { $0 + z * $1 })
  }
}

extension ARIMAFit {
  /// Largest forecast horizon accepted.
  public static let maxSteps = 100_000

  /// h-step forecasts after the fitted series (h = 1...steps beyond its last point, whether or not that point is
  /// observed), as R's `predict.Arima`: the differencing is part of the state space, so the variances include the
  /// integration. Adds back the mean or `drift * t`. A fit on all the data (no holdout) forecasts the future.
  /// Throws when the fitted AR part is not stationary (possible only for `css`) or `steps` is outside
  /// 0...``maxSteps``.
  public func forecast(steps: Int) throws -> ARIMAForecast {
    guard steps >= 0, steps <= Self.maxSteps else { throw ARIMAError.invalidHorizon(steps) }
    guard let state else { throw ARIMAError.nonStationary("fitted AR \(ar)") }
    return forecast(from: state, length: series.count, steps: steps)
  }

  /// Applies the fitted coefficients (no refit) to another history, for example the training series extended by
  /// observed holdout points, and forecasts `steps` ahead of its end. For drift models time is counted from the
  /// history's first point, as in the fit.
  public func forecast(history: [Double], steps: Int) throws -> ARIMAForecast {
    guard !history.isEmpty else { throw ARIMAError.emptySeries }
    guard steps >= 0, steps <= Self.maxSteps else { throw ARIMAError.invalidHorizon(steps) }
    if let i = history.firstIndex(where: { $0.isInfinite }) { throw ARIMAError.nonFinite(index: i, value: history[i]) }
    var ss = try ARIMAStateSpace(phi: phi, theta: theta, delta: delta)
    _ = ss.filterFromStart(ARIMA.centred(history, mean: mean, drift: meanIsDrift, hasMean: hasMean, start: 1))
    return forecast(from: ss, length: history.count, steps: steps)
  }

  private func forecast(from state: ARIMAStateSpace, length: Int, steps: Int) -> ARIMAForecast {
    let raw = state.forecast(steps: max(0, steps))
    var mean = raw.mean
    if hasMean {
      for h in 0..<mean.count {
        mean[h] += meanIsDrift ? self.mean * Double(length + h + 1) : self.mean
      }
    }
    return ARIMAForecast(mean: mean, standardError: raw.variance.map { ($0 * sigma2).squareRoot() })
  }
}
