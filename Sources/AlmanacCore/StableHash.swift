/// A stable 64-bit hash (FNV-1a followed by a SplitMix64 finaliser), identical on every platform and run.
///
/// Swift's `Hasher` is randomly seeded per process, so anything persisted (trial keys, derived seeds) uses this instead.
public struct StableHash: Sendable {
  private var state: UInt64 = 0xCBF2_9CE4_8422_2325

  public init() {}

  public mutating func combine(_ bytes: some Sequence<UInt8>) {
    for b in bytes {
      state ^= UInt64(b)
      state &*= 0x0000_0100_0000_01B3
    }
  }

  public mutating func combine(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { combine($0) }
  }

  public mutating func combine(_ string: String) {
    combine(string.utf8)
    combine(UInt8(0xFF))  // separator so ("ab","c") != ("a","bc")
  }

  private mutating func combine(_ byte: UInt8) { combine(CollectionOfOne(byte)) }

  public func finalize() -> UInt64 {
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
