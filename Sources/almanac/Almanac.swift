import AlmanacCore
import ArgumentParser
import Experiments

@main
struct Almanac: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "almanac",
    abstract: "Declarative, fast, reproducible experiments on DeFi risk and rate models.",
    version: AlmanacVersion.current,
    subcommands: [
      Validate.self, Run.self, Runs.self, Show.self, Compare.self, Report.self, Forecast.self, Export.self,
      Merge.self, Slurm.self, Doctor.self, DataCommand.self,
    ])
}
