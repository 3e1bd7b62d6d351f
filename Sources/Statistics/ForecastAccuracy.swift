/// Holdout accuracy of point forecasts as R's `forecast::accuracy` (forecast 8.20) reports it on the test set:
/// ME, RMSE, MAE and MASE, plus skill against the random walk.
///
/// With errors e_t = actual_t - forecast_t over the holdout:
/// - ME = mean(e), RMSE = sqrt(mean(e^2)), MAE = mean(|e|) (in the units of the series);
/// - MASE = MAE / Q with Q = mean |y_t - y_{t-m}| over the training series: the in-sample MAE of the one-step naive
///   forecast (m = 1) or of the seasonal naive forecast (m = the period), as `accuracy` does for a `ts` of frequency m.
///   MASE < 1 means the forecast beats the in-sample naive forecast's typical error.
/// - skill = RMSE / RMSE of the random walk (``ForecastBaseline/randomWalk``) on the same holdout: < 1 beats it.
///
/// Pairs where the forecast or the actual is NaN are skipped (R's `na.rm = TRUE`); with none left the measures are
/// NaN. A constant training series has Q = 0 and MASE = infinity (NaN when the MAE is 0 too), as R.
public struct ForecastAccuracy: Sendable, Hashable {
  public var meanError: Double
  public var rmse: Double
  public var mae: Double
  /// NaN when no training series was given.
  public var mase: Double
  /// The MASE scale Q (NaN when no training series was given).
  public var scale: Double

  /// - Parameters:
  ///   - forecast, actual: the holdout, same length.
  ///   - training: the series the forecast was made from (for the MASE scale); empty for no MASE.
  ///   - period: m for the MASE scale (1 for non-seasonal series).
  public init(forecast: [Double], actual: [Double], training: [Double] = [], period: Int = 1) throws {
    guard forecast.count == actual.count else {
      throw StatisticsError.lengthMismatch("forecast accuracy", forecast.count, actual.count)
    }
    guard period >= 1 else { throw StatisticsError.invalidArgument("period must be >= 1, got \(period)") }
    let errors = zip(actual, forecast).map { $0 - $1 }.filter { !$0.isNaN }
    meanError = Descriptive.mean(errors)
    rmse = Descriptive.mean(errors.map { $0 * $0 }).squareRoot()
    mae = Descriptive.mean(errors.map { abs($0) })
    if training.count > period {
      let diffs = (period..<training.count).map { abs(training[$0] - training[$0 - period]) }.filter { !$0.isNaN }
      scale = Descriptive.mean(diffs)
    } else {
      scale = .nan
    }
    mase = mae / scale
  }

  /// RMSE of `forecast` divided by the RMSE of the random walk from `training` on the same holdout (< 1: better
  /// than the random walk). Throws on an empty training series or mismatched lengths.
  public static func skill(forecast: [Double], actual: [Double], training: [Double]) throws -> Double {
    let walk = try ForecastBaseline.randomWalk.forecast(training: training, horizon: actual.count)
    let model = try ForecastAccuracy(forecast: forecast, actual: actual)
    let baseline = try ForecastAccuracy(forecast: walk, actual: actual)
    return model.rmse / baseline.rmse
  }
}
