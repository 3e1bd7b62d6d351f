import ArgumentParser

@main
struct Almanac: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "almanac",
    abstract: "Declarative, fast, reproducible experiments on DeFi risk and rate models.",
    version: AlmanacVersion.string,
    subcommands: [Validate.self, Run.self, Runs.self, Show.self, Compare.self, Report.self, Doctor.self, DataCommand.self])
}

enum AlmanacVersion {
  static let string = "0.1.0"
}
