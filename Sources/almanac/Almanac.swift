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
      Validate.self, Run.self, Runs.self, Show.self, Compare.self, Report.self, Doctor.self, DataCommand.self,
      Merge.self, Slurm.self,  // cluster: sharded runs (docs/cluster.md)
    ])
}
