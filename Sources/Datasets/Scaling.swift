/// Per-column feature scaling, fitted on training rows only and applied to both train and test rows.
///
/// Each fitted column has an affine map `x -> x * scale + offset`:
/// - `minmax` (scikit-learn `MinMaxScaler`, feature_range (0, 1)): `scale = 1 / (max - min)`,
///   `offset = -min * scale`, computed as scikit-learn does; a constant column (range below 10 ulp of 1) gets
///   `scale = 1`, so its training values map to 0 and test values to `x - min`.
/// - `standard` (scikit-learn `StandardScaler`): `(x - mean) / std` with the population standard deviation (ddof 0);
///   a constant column (scikit-learn's `_is_constant_feature` test, or std below 10 ulp of 1) gets std 1.
/// - `none`: identity.
/// NaN values are ignored when fitting and stay NaN; a column with no finite training value is left unchanged.
public enum Scaling: String, Sendable, CaseIterable, Hashable {
  case minmax
  case standard
  case none

  /// The fitted map of one column.
  public struct Fitted: Sendable, Equatable {
    public var kind: Scaling
    /// `minmax`: data min and max; `standard`: mean and standard deviation after the zero-std fix.
    public var parameters: (Double, Double)
    public static func == (a: Fitted, b: Fitted) -> Bool {
      a.kind == b.kind && a.parameters.0 == b.parameters.0 && a.parameters.1 == b.parameters.1
    }

    /// Scales one value.
    @inline(__always) public func apply(_ x: Double) -> Double {
      switch kind {
      case .none: return x
      case .minmax:
        let (lo, hi) = parameters
        if lo.isNaN { return x }
        let range = hi - lo
        let scale = 1 / (range < 10 * Double.ulpOfOne ? 1 : range)
        let offset = 0 - lo * scale
        return x * scale + offset
      case .standard:
        let (mean, std) = parameters
        if mean.isNaN { return x }
        return (x - mean) / std
      }
    }
  }

  /// Fits the scaling to one column's training values.
  public func fit(_ values: [Double]) -> Fitted {
    let finite = values.filter { !$0.isNaN }
    switch self {
    case .none:
      return Fitted(kind: .none, parameters: (0, 1))
    case .minmax:
      guard let lo = finite.min(), let hi = finite.max() else { return Fitted(kind: .minmax, parameters: (.nan, .nan)) }
      return Fitted(kind: .minmax, parameters: (lo, hi))
    case .standard:
      guard !finite.isEmpty else { return Fitted(kind: .standard, parameters: (.nan, .nan)) }
      let n = Double(finite.count)
      let mean = finite.reduce(0, +) / n
      // scikit-learn's _incremental_mean_and_var: sum of squared deviations with a first-order correction.
      let deviations = finite.reduce(0) { $0 + ($1 - mean) }
      let variance = (finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } - deviations * deviations / n) / n
      var std = variance.squareRoot()
      // scikit-learn's _is_constant_feature and _handle_zeros_in_scale.
      let eps = Double.ulpOfOne
      let constant = variance <= n * eps * variance + (n * mean * eps) * (n * mean * eps)
      if constant || std < 10 * eps { std = 1 }
      return Fitted(kind: .standard, parameters: (mean, std))
    }
  }
}
