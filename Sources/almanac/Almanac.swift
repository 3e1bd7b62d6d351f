import ArgumentParser

@main
struct Almanac: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "almanac",
    abstract: "Declarative, fast, reproducible experiments on DeFi risk and rate models.",
    subcommands: [])
}
