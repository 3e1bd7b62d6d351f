/// The alternative hypothesis of a test about a location parameter (a mean or median difference, a loss
/// difference), with scipy's spelling as raw value.
///
/// - `twoSided`: the parameter differs from 0;
/// - `less`: it is below 0 (the first sample is smaller);
/// - `greater`: it is above 0 (the first sample is larger).
public enum Alternative: String, Sendable, Hashable, CaseIterable {
  case twoSided = "two-sided"
  case less
  case greater
}
