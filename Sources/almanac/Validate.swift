import ArgumentParser
import Experiments
import Foundation
import Tasks

struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Parse and check an experiment file and print its plan, without running anything.")

  @Argument(help: "The experiment file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
  var file: String

  func run() throws {
    try reportingErrors {
      let plan = try ExperimentPlan.load(fileURL: URL(fileURLWithPath: file), tasks: TaskRegistry.tasks())
      for warning in plan.spec.warnings { Terminal.error(warning.rendered(style: Terminal.diagnosticStyle)) }
      print(plan.summary)
    }
  }
}
