import AlmanacCore
import Datasets
import Testing

/// Pins the synthetic market's output bit for bit, so that refactoring the simulation (it was one 335-line function,
/// now named steps) cannot change a single draw or value unnoticed.
///
/// The expected digests were recorded from the one-function simulation at commit 4787d36 (before the split) by this
/// very test; they change only when the model changes on purpose, and then must be re-recorded (the failure
/// message prints the new digest) together with `docs/synthetic-market.md`.
@Suite struct SyntheticMarketFingerprintTests {
  /// SHA-256 over every field of every row (doubles by bit pattern), tables in order, utilisation by sorted symbol.
  static func fingerprint(_ output: SyntheticMarket.Output) -> String {
    var text = ""
    func add(_ value: Any) {
      let mirror = Mirror(reflecting: value)
      if mirror.children.isEmpty {
        if let d = value as? Double { text += String(d.bitPattern, radix: 16) } else { text += "\(value)" }
        text += ";"
        return
      }
      for child in mirror.children { add(child.value) }
      text += "|"
    }
    output.tables.liquidations.forEach(add)
    text += "\n"
    output.tables.depositsBorrows.forEach(add)
    text += "\n"
    output.tables.tokenDaily.forEach(add)
    text += "\n"
    output.rates.forEach(add)
    text += "\n"
    for symbol in output.utilisation.keys.sorted() {
      text += symbol + ":"
      output.utilisation[symbol, default: []].forEach(add)
    }
    return SHA256.hex(text)
  }

  @Test(arguments: [
    (SyntheticMarket.Config(seed: 7, days: 730), "07d0d4950d1824a09f0d81d38da899d24dbe7ade67de68f0e723891d45bba6c4"),
    (SyntheticMarket.Config(seed: 3, days: 200, tokens: ["stETH", "DAI", "LINK", "XYZ"]), "7df26d66acc1835dc801838957e0f71dfe40f0093f82bc35d4c5955334c603a6"),
    (SyntheticMarket.Config(seed: 5, days: 1), "957183c84eaa7db7cfaf646f714f56ce11195d8ab3b60e587a8ae143abebd950"),
  ])
  func outputIsBitIdentical(config: SyntheticMarket.Config, expected: String) {
    let output = SyntheticMarket.generate(config)
    #expect(Self.fingerprint(output) == expected, "seed \(config.seed), \(config.days) days")
  }
}
