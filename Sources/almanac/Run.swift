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

  // MARK: Sharding (docs/cluster.md)

  @Option(
    help: ArgumentHelp(
      "Run only shard I of N (0-based: 0/4 ... 3/4, as $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT) into its own store.",
      valueName: "I/N"))
  var shard: String?

  @Option(help: "Folder of the shard stores (default: almanac-shards/<experiment> beside the file).")
  var shardDir: String?

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    guard !files.isEmpty else { throw ValidationError("name at least one experiment file") }
    if shard != nil {
      // I/N itself is checked when the run starts (a ShardError, exit code 2 like any bad input).
      guard db == nil else { throw ValidationError("--shard writes its own store: use --shard-dir instead of --db") }
    } else if shardDir != nil {
      throw ValidationError("--shard-dir needs --shard I/N")
    }
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
        let sharded = try shardedRun(plan)
        let store = try TrackingStore(
          at: sharded?.store ?? StoreLocation.url(db: db, experimentFile: plan.spec.fileURL))
        let runner = Runner(
          store: store, options: sharded?.options ?? RunnerOptions(jobs: jobs, rerun: rerun, handleSignals: true))
        let summary = try runner.run(
          experiment: sharded?.experiment ?? plan.runnerExperiment, trials: sharded?.trials ?? plan.trials,
          task: plan.spec.task, provenance: plan.provenanceTags, progress: makeDefaultProgress(verbose: verbose))
        if let sharded {
          Terminal.error("shard \(sharded.shard): \(sharded.trials.count) trials, store \(sharded.store.path)")
        }
        if !summary.interrupted && sharded == nil {
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

// MARK: Sharding

extension Run {
  /// What a `--shard I/N` run changes: only the shard's trials, the full plan recorded, its own store, and RUNNING
  /// rows of an earlier attempt taken over at once (a shard store has one owner, the array task; a requeued task
  /// may start on another node, where `kill(pid, 0)` cannot see the old process).
  struct Sharded {
    var shard: PlanShard
    var trials: [Trial]
    var experiment: RunnerExperiment
    var store: URL
    var options: RunnerOptions
  }

  func shardedRun(_ plan: ExperimentPlan) throws -> Sharded? {
    guard let shard else { return nil }
    let parsed = try PlanShard(parsing: shard)
    var experiment = plan.runnerExperiment
    experiment.plan = PlanShard.planEntries(plan.trials)
    experiment.tags[TagKey.shard] = parsed.description
    let directory = ShardLayout.directory(
      shardDir: shardDir, experimentFile: plan.spec.fileURL, experiment: plan.spec.name)
    var options = RunnerOptions(jobs: jobs, rerun: rerun, handleSignals: true)
    options.staleAfter = 0
    return Sharded(
      shard: parsed, trials: parsed.select(plan.trials), experiment: experiment,
      store: ShardLayout.storeURL(parsed, in: directory), options: options)
  }
}
