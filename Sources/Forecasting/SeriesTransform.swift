import AlmanacCore

/// A variance-stabilising transform applied before fitting and inverted for forecasts.
public enum SeriesTransform: String, Sendable, CaseIterable {
  /// Identity.
  case none
  /// Natural logarithm; needs strictly positive values.
  case log

  /// Applies the transform. Throws ``ARIMAError/nonPositiveForLog(index:value:)`` for a value <= 0 under `log`,
  /// naming its index. NaN (a missing value) stays NaN. Empty input gives empty output.
  public func apply(_ x: [Double]) throws -> [Double] {
    switch self {
    case .none: return x
    case .log:
      if let i = x.firstIndex(where: { !($0 > 0) && !$0.isNaN }) {
        throw ARIMAError.nonPositiveForLog(index: i, value: x[i])
      }
      return x.map { $0.isNaN ? .nan : Math.log($0) }
    }
  }

  /// Inverse for one value (`exp` for `log`).
  public func invert(_ y: Double) -> Double {
    switch self {
    case .none: y
    case .log: Math.exp(y)
    }
  }

  /// Forecasts on the original scale: bounds are the inverted bounds (intervals keep their coverage under a
  /// monotone transform). For `log` the point forecast `exp(mean)` is the forecast **median**; `biasAdjusted` is the
  /// mean of the log-normal, `exp(mean + se^2 / 2)`. For `none` both equal the forecast mean.
  public func backTransform(_ f: ARIMAForecast) -> TransformedForecast {
    let (l80, u80) = f.interval(level: 0.80)
    let (l95, u95) = f.interval(level: 0.95)
    let adjusted: [Double] =
      switch self {
      case .none: f.mean
      case .log: zip(f.mean, f.standardError).map { Math.exp($0 + $1 * $1 / 2) }
      }
    return TransformedForecast(
      point: f.mean.map(invert), biasAdjusted: adjusted, lower80: l80.map(invert),
      upper80: u80.map(invert), lower95: l95.map(invert), upper95: u95.map(invert))
  }
}

/// Forecasts back on the original scale with 80% and 95% prediction intervals.
public struct TransformedForecast: Sendable {
  /// Point forecast (the median under `log`).
  public var point: [Double]
  /// Mean forecast (bias-adjusted under `log`).
  public var biasAdjusted: [Double]
  public var lower80: [Double]
  public var upper80: [Double]
  public var lower95: [Double]
  public var upper95: [Double]
}
