/// A fast, seedable 64-bit generator (Steele, Lea & Flood 2014), the only source of randomness in Almanac's engine.
///
/// Every trial gets its own generator seeded from the experiment seed and the trial key (``SplitMix64/derive(_:_:)``),
/// so a trial reruns bit-for-bit. Never use `SystemRandomNumberGenerator` in the engine.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
  public var state: UInt64

  public init(seed: UInt64) { state = seed }

  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextUnit() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal draw (Marsaglia's polar method; one of the pair is discarded so the stream stays stateless).
  @inlinable
  public mutating func nextGaussian() -> Double {
    while true {
      let u = 2 * nextUnit() - 1
      let v = 2 * nextUnit() - 1
      let s = u * u + v * v
      if s > 0 && s < 1 { return u * (-2 * Math.log(s) / s).squareRoot() }
    }
  }

  /// A uniform integer in `0..<bound` without modulo bias (Lemire's method). `bound` must be > 0.
  @inlinable
  public mutating func nextIndex(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    return Int(truncatingIfNeeded: next(upperBound: UInt64(bound)))
  }

  /// Derives a child seed from a parent seed and a label (for example a trial key), by hashing both.
  public static func derive(_ seed: UInt64, _ label: String) -> UInt64 {
    var h = StableHash()
    h.combine(seed)
    h.combine(label)
    return h.finalize()
  }
}
