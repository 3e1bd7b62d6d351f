import AlmanacCore
import Testing

@Suite struct SHA256Tests {
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
  ])
  func knownVectors(input: String, digest: String) {
    #expect(SHA256.hex(input) == digest)
  }

  @Test func millionA() {
    #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
      == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }
}

@Suite struct SplitMix64Tests {
  @Test func referenceStream() {
    // First outputs for seed 0 from the reference C implementation (Vigna, splitmix64.c).
    var g = SplitMix64(seed: 0)
    #expect(g.next() == 0xE220_A839_7B1D_CDAF)
    #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
  }

  @Test func gaussianMoments() {
    var g = SplitMix64(seed: 42)
    let n = 200_000
    var s = 0.0, s2 = 0.0
    for _ in 0..<n { let x = g.nextGaussian(); s += x; s2 += x * x }
    let mean = s / Double(n), variance = s2 / Double(n) - mean * mean
    #expect(abs(mean) < 0.01)
    #expect(abs(variance - 1) < 0.01)
  }

  @Test func derivedSeedsAreStableAndDistinct() {
    #expect(SplitMix64.derive(1, "a") == SplitMix64.derive(1, "a"))
    #expect(SplitMix64.derive(1, "a") != SplitMix64.derive(1, "b"))
    #expect(SplitMix64.derive(1, "a") != SplitMix64.derive(2, "a"))
  }

  @Test func normalQuantile() {
    #expect(abs(Math.normalQuantile(0.975) - 1.959963984540054) < 1e-12)
    #expect(abs(Math.normalQuantile(0.9) - 1.2815515655446004) < 1e-12)
    #expect(abs(Math.normalQuantile(0.5)) < 1e-15)
  }
}
