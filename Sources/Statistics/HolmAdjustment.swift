/// Holm's step-down adjustment of p-values for multiple comparisons (statsmodels `multipletests(method="holm")`,
/// R `p.adjust(method = "holm")`).
///
/// With the m p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted values are
/// p~_(i) = min(1, max_{j <= i} (m - j + 1) p_(j)), returned in the input order. A hypothesis is rejected at level
/// alpha when p_(j) <= alpha / (m - j + 1) for all j <= i (equivalently p~_(i) <= alpha). It controls the
/// family-wise error rate under any dependence between the tests; it is uniformly more powerful than Bonferroni.
///
/// NaN p-values (tests that could not be computed) are left out: they stay NaN, are never rejected, and do not count
/// in m (as R's `p.adjust`; statsmodels has no NaN handling). Empty input gives empty output.
public struct HolmAdjustment: Sendable, Hashable {
  /// Adjusted p-values, in the input order.
  public var adjusted: [Double]
  /// Whether each hypothesis is rejected at `alpha`.
  public var rejected: [Bool]
  public var alpha: Double

  public init(pValues p: [Double], alpha: Double = 0.05) throws {
    guard alpha > 0, alpha < 1 else { throw StatisticsError.invalidArgument("alpha must be in (0, 1), got \(alpha)") }
    for v in p where !v.isNaN && !(v >= 0 && v <= 1) {
      throw StatisticsError.invalidArgument("p-values must be in [0, 1], got \(v)")
    }
    self.alpha = alpha
    let valid = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] }
    let m = valid.count
    var adjusted = [Double](repeating: .nan, count: p.count)
    var rejected = [Bool](repeating: false, count: p.count)
    var running = 0.0
    var stillRejecting = true
    for (j, index) in valid.enumerated() {
      let factor = Double(m - j)
      running = max(running, factor * p[index])
      adjusted[index] = min(1, running)
      stillRejecting = stillRejecting && p[index] <= alpha / factor
      rejected[index] = stillRejecting
    }
    self.adjusted = adjusted
    self.rejected = rejected
  }
}
