/// A confidence interval [lower, upper] at a confidence level in (0, 1), for example 0.95.
///
/// Bounds are NaN when the interval is undefined (fewer than two observations, NaN input, a degenerate bootstrap
/// distribution for BCa); a zero-width interval means the data have no spread.
public struct ConfidenceInterval: Sendable, Hashable {
  public var lower: Double
  public var upper: Double
  public var level: Double

  public init(lower: Double, upper: Double, level: Double) {
    self.lower = lower
    self.upper = upper
    self.level = level
  }

  /// Whether the interval is defined and excludes `value` (for a difference, whether it excludes 0).
  public func excludes(_ value: Double) -> Bool {
    !lower.isNaN && !upper.isNaN && (value < lower || value > upper)
  }

  /// The undefined interval.
  public static func undefined(level: Double) -> ConfidenceInterval {
    ConfidenceInterval(lower: .nan, upper: .nan, level: level)
  }
}
