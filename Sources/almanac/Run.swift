import AlmanacCore
import ArgumentParser
import Experiments
import Foundation
import Tasks
import Tracking

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run an experiment's plan in parallel, resuming where an earlier run stopped, then write its report.",
    discussion: """
      Trials already FINISHED in the store are skipped (--rerun runs them again). A trial that fails is recorded \
      FAILED and the sweep goes on; the exit status is 1 when any trial failed. Ctrl-C stops cleanly: in-flight \
      trials are marked KILLED and the next run picks them up.
      """)

  @Argument(help: "Experiment files (YAML), run one after another.", completion: .file(extensions: ["yaml", "yml"]))
  var files: [String]

  @Option(name: .shortAndLong, help: "Parallel trials (default: the number of cores).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "The SQLite store (default: almanac.db beside each experiment file).")
  var db: String?

  @Flag(help: "Run trials again even when they already finished.")
  var rerun = false

  @Flag(help: "Do not write the report after the run.")
  var noReport = false

  @Option(help: "Where to write reports (default: reports/<experiment name>).")
  var reportsDir: String = "reports"

  @Flag(help: "Also render PNG copies of the report's charts.")
  var png = false

  @Flag(name: .shortAndLong, help: "Print a line for every trial.")
  var verbose = false

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    guard !files.isEmpty else { throw ValidationError("name at least one experiment file") }
  }

  func run() throws {
    // Validate every file before running anything: bad input writes nothing to the store.
    let plans = try reportingErrors {
      try files.map { try ExperimentPlan.load(fileURL: URL(fileURLWithPath: $0), tasks: TaskRegistry.tasks()) }
    }
    var anyFailed = false
    for plan in plans {
      for warning in plan.spec.warnings { Terminal.error(warning.rendered(style: Terminal.diagnosticStyle)) }
      let summary = try reportingErrors {
        let store = try TrackingStore(at: StoreLocation.url(db: db, experimentFile: plan.spec.fileURL))
        let runner = Runner(store: store, options: RunnerOptions(jobs: jobs, rerun: rerun, handleSignals: true))
        let summary = try runner.run(
          experiment: plan.runnerExperiment, trials: plan.trials, task: plan.spec.task,
          provenance: plan.provenanceTags, progress: makeDefaultProgress(verbose: verbose))
        if !summary.interrupted {
          let shown = Set(plan.spec.metrics)
          for leader in summary.leaders where shown.contains(leader.metric) {
            print("best \(leader.metric): \(leader.summary)")
          }
          if !noReport {
            try writeReport(
              experiment: plan.spec.name, store: store,
              outDirectory: URL(fileURLWithPath: reportsDir).appendingPathComponent(plan.spec.name), png: png,
              command: "almanac run \(plan.spec.displayPath)")
          }
        }
        return summary
      }
      if summary.interrupted { throw ExitCode(130) }
      if summary.failed > 0 { anyFailed = true }
    }
    if anyFailed { throw ExitCode(FailureKind.runFailure.exitCode) }
  }
}
