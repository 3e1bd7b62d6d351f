import ArgumentParser
import Datasets
import Foundation

struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data",
    abstract: "Inspect Aave tables and generate the synthetic market.",
    subcommands: [Describe.self])

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
          throw InputError("--features must be one of \(PanelPipeline.allCases.map(\.rawValue).joined(separator: ", ")), got '\(features)'")
        }
        guard testDays > 0 else { throw InputError("--test-days must be > 0, got \(testDays)") }
        let description = try DatasetDescription(directory: URL(fileURLWithPath: directory), pipeline: pipeline,
                                                 testDays: testDays)
        print(description.rendered, terminator: description.rendered.hasSuffix("\n") ? "" : "\n")
      }
    }
  }
}
