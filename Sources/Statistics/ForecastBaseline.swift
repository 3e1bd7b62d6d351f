/// Naive forecasts for a holdout, from the training series alone (R's `forecast::naive`, `rwf(drift = TRUE)` and
/// `snaive` point forecasts). A model that cannot beat these has learnt nothing usable about the series.
///
/// For a training series y_1..y_n and steps k = 1..h:
/// - random walk: y_n (the last value carried forward);
/// - random walk with drift: y_n + k (y_n - y_1) / (n - 1) (the average step extrapolated);
/// - seasonal naive with period m: y_{n - m + ((k - 1) mod m) + 1} (the value one season earlier).
///
/// Edge cases: empty training series, horizon < 0, or too short a series for the method (n < 2 for drift, n < m for
/// seasonal naive) throw; a NaN last value gives NaN forecasts (they are not skipped).
public enum ForecastBaseline: String, Sendable, Hashable, CaseIterable {
  case randomWalk = "random_walk"
  case randomWalkWithDrift = "random_walk_drift"
  case seasonalNaive = "seasonal_naive"

  /// The h point forecasts after `training`. `period` is used only by the seasonal naive forecast (>= 1).
  public func forecast(training y: [Double], horizon h: Int, period m: Int = 1) throws -> [Double] {
    guard h >= 0 else { throw StatisticsError.invalidArgument("horizon must be >= 0, got \(h)") }
    guard let last = y.last else {
      throw StatisticsError.invalidArgument("\(rawValue) needs a non-empty training series")
    }
    let n = y.count
    switch self {
    case .randomWalk:
      return [Double](repeating: last, count: h)
    case .randomWalkWithDrift:
      guard n >= 2 else {
        throw StatisticsError.invalidArgument("random walk with drift needs >= 2 observations, got \(n)")
      }
      let slope = (last - y[0]) / Double(n - 1)
      return (1...max(h, 1)).prefix(h).map { last + Double($0) * slope }
    case .seasonalNaive:
      guard m >= 1 else { throw StatisticsError.invalidArgument("period must be >= 1, got \(m)") }
      guard n >= m else { throw StatisticsError.invalidArgument("seasonal naive needs >= \(m) observations, got \(n)") }
      return (0..<h).map { y[n - m + $0 % m] }
    }
  }
}
