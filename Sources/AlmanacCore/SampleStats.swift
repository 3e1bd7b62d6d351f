/// Mean and sample standard deviation of the finite values of a sample.
///
/// `mean` is the arithmetic mean and `sd` the sample standard deviation with n − 1 in the denominator, both over the
/// finite values only (NaN and ±∞ are dropped and not counted in `n`). With n = 0 both are NaN; with n = 1 `sd` is
/// NaN. Constant input gives exactly that value and sd 0. Two passes over the data (mean, then squared deviations).
public struct SampleStats: Sendable, Hashable {
  public var n: Int
  public var mean: Double
  public var sd: Double

  public init<S: Sequence>(_ values: S) where S.Element == Double {
    let finite = values.filter(\.isFinite)
    n = finite.count
    guard let first = finite.first else {
      mean = .nan
      sd = .nan
      return
    }
    // Constant input: exactly that value and sd 0 (the two-pass sum would leave rounding noise).
    if finite.allSatisfy({ $0 == first }) {
      mean = first
      sd = n > 1 ? 0 : .nan
      return
    }
    let m = finite.reduce(0, +) / Double(n)
    mean = m
    if n > 1 {
      let ss = finite.reduce(0) { $0 + ($1 - m) * ($1 - m) }
      sd = (ss / Double(n - 1)).squareRoot()
    } else {
      sd = .nan
    }
  }
}
