import ArgumentParser
import Datasets
import Foundation

struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data",
    abstract: "Inspect Aave tables and generate the synthetic market.",
    subcommands: [Describe.self, Synth.self])

  struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print each table's rows, date range and tokens, then the panel's train/test rows and positives.")

    @Argument(help: "A directory of Giza-export Aave tables.", completion: .directory)
    var directory: String

    @Option(help: "Feature pipeline: per-token (default) or tutorial.")
    var features: String = PanelPipeline.perToken.rawValue

    @Option(help: "The last N days form the test set.")
    var testDays: Int = 40

    func run() throws {
      try reportingErrors {
        guard let pipeline = PanelPipeline(rawValue: features) else {
          throw InputError(
            "--features must be one of \(PanelPipeline.allCases.map(\.rawValue).joined(separator: ", ")), got '\(features)'"
          )
        }
        guard testDays > 0 else { throw InputError("--test-days must be > 0, got \(testDays)") }
        let description = try DatasetDescription(
          directory: URL(fileURLWithPath: directory), pipeline: pipeline,
          testDays: testDays)
        print(description.rendered, terminator: description.rendered.hasSuffix("\n") ? "" : "\n")
      }
    }
  }

  struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write the synthetic Aave market's tables (same schema as the real export, plus daily rates) as CSV.")

    @Option(help: "Output directory (created if missing).", completion: .directory)
    var out: String

    @Option(help: "Generator seed: the same seed always gives the same market.")
    var seed: UInt64 = 7

    @Option(help: "Number of days to simulate.")
    var days: Int = 730

    @Option(
      parsing: .upToNextOption,
      help: "Tokens to simulate (default: \(SyntheticMarket.defaultTokens.joined(separator: " "))).")
    var tokens: [String] = SyntheticMarket.defaultTokens

    func run() throws {
      try reportingErrors {
        guard days > 0 else { throw InputError("--days must be > 0, got \(days)") }
        let known = Set(SyntheticMarket.defaultTokens)
        if let unknown = tokens.first(where: { !known.contains($0) }) {
          throw InputError(
            "unknown token '\(unknown)' (the synthetic market has \(SyntheticMarket.defaultTokens.joined(separator: ", ")))"
          )
        }
        let output = SyntheticMarket.generate(SyntheticMarket.Config(seed: seed, days: days, tokens: tokens))
        let url = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try SyntheticMarket.write(output, to: url)
        let t = output.tables
        print(
          "wrote \(url.path): \(t.liquidations.count) liquidations, \(t.depositsBorrows.count) deposit/borrow rows, "
            + "\(t.tokenDaily.count) token-day rows, \(output.rates.count) rate rows (seed \(seed), \(days) days)")
      }
    }
  }
}
