/// Invalid arguments to a statistic: mismatched lengths or settings out of their bounds. Degenerate data (too few
/// observations, no spread, NaN values) is not an error: the statistic documents the NaN it returns instead.
public enum StatisticsError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Two paired samples of different lengths.
  case lengthMismatch(String, Int, Int)
  /// A setting outside its bounds, for example a confidence level of 1.5 or a horizon of 0.
  case invalidArgument(String)

  public var description: String {
    switch self {
    case let .lengthMismatch(what, a, b): "\(what): paired samples differ in length (\(a) vs \(b))"
    case let .invalidArgument(message): message
    }
  }

  static func checkLevel(_ level: Double) throws {
    guard level > 0, level < 1 else {
      throw StatisticsError.invalidArgument("confidence level must be in (0, 1), got \(level)")
    }
  }
}
