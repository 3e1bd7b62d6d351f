import AlmanacCore
import ArgumentParser
import Experiments
import Foundation
import Tasks
import Tracking

struct Slurm: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run an experiment's plan as a Slurm job array (one shard store per task), then merge and report.",
    discussion: "See docs/cluster.md.",
    subcommands: [SlurmSubmit.self, SlurmStatus.self])
}

/// Where the shard stores, the merged store and the report of a Slurm submission go (shared by submit and status).
struct SlurmPaths: ParsableArguments {
  @Option(help: "Folder of the shard stores, scripts and logs (default: almanac-shards/<experiment> beside the file).")
  var shardDir: String?

  @Option(help: "The merged store (default: almanac.db beside the experiment file).")
  var db: String?

  func shardDirectory(_ plan: ExperimentPlan) -> URL {
    ShardLayout.directory(shardDir: shardDir, experimentFile: plan.spec.fileURL, experiment: plan.spec.name)
  }

  func mergedStore(_ plan: ExperimentPlan) -> URL {
    StoreLocation.url(db: db, experimentFile: plan.spec.fileURL).standardizedFileURL
  }
}

struct SlurmSubmit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit",
    abstract: "Write the job-array and merge scripts and submit them with sbatch.",
    discussion: """
      Task I of the array runs `almanac run FILE --shard I/N --jobs $SLURM_CPUS_PER_TASK` into its own store; the \
      merge job (--dependency=afterany on the array) merges the shard stores into the store beside the file and \
      writes the report. Tasks are --requeue: a preempted task comes back and resumes its shard.
      """)

  @Argument(help: "The experiment file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
  var file: String

  @Option(help: "Array tasks, one shard each (1...\(SlurmSubmission.maxTasks); at most one per trial).")
  var tasks: Int = 4

  @Option(help: "CPUs per task, also each shard's --jobs (1...\(SlurmSubmission.maxCPUs)).")
  var cpusPerTask: Int = 1

  @Option(help: "Slurm partition.") var partition: String?
  @Option(help: "Time limit per job, in a Slurm time format (30, 2:00:00, 1-12).") var time: String?
  @Option(help: "Slurm account to charge.") var account: String?

  @Option(parsing: .unconditionalSingleValue, help: "An extra sbatch option for both jobs (repeatable), e.g. --mem=4G.")
  var extraSbatch: [String] = []

  @OptionGroup var paths: SlurmPaths

  @Option(help: "Where the merge job writes the report (default: reports/<experiment name>).")
  var reportsDir: String = "reports"

  @Option(help: "The almanac executable the jobs run (default: this one).")
  var almanac: String?

  @Flag(help: "Print the scripts without writing or submitting them.")
  var dryRun = false

  func run() throws {
    try reportingErrors {
      let plan = try ExperimentPlan.load(fileURL: URL(fileURLWithPath: file), tasks: TaskRegistry.tasks())
      var options = SlurmSubmission.Options()
      options.tasks = tasks
      options.cpusPerTask = cpusPerTask
      options.partition = partition
      options.time = time
      options.account = account
      options.extraSbatch = extraSbatch
      let submission = try SlurmSubmission(
        experimentName: plan.spec.name, experimentFile: URL(fileURLWithPath: file), trials: plan.trials.count,
        options: options, almanac: almanac.map { URL(fileURLWithPath: $0) } ?? Self.thisExecutable(),
        workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        shardDirectory: paths.shardDirectory(plan), mergedStore: paths.mergedStore(plan),
        reportDirectory: URL(fileURLWithPath: reportsDir).appendingPathComponent(plan.spec.name))
      if dryRun {
        print("# \(submission.arrayScriptURL.path)")
        print(submission.arrayScript)
        print("# \(submission.mergeScriptURL.path)")
        print(submission.mergeScript)
        print("# would run: sbatch \(submission.arraySubmitArguments.joined(separator: " "))")
        print("# then:      sbatch \(submission.mergeSubmitArguments(arrayJobID: "<array id>").joined(separator: " "))")
        return
      }
      try submission.writeScripts()
      let arrayID = try Self.sbatch(submission.arraySubmitArguments)
      let mergeID = try Self.sbatch(submission.mergeSubmitArguments(arrayJobID: arrayID))
      try Data("array \(arrayID)\nmerge \(mergeID)\n".utf8).write(to: submission.jobsFileURL, options: .atomic)
      print("submitted array job \(arrayID) (\(submission.options.tasks) tasks, \(plan.trials.count) trials)")
      print("submitted merge job \(mergeID) (after the array: merge into \(submission.mergedStore.path), report)")
      print(
        "follow:  almanac slurm status \(file)" + (paths.shardDir.map { " --shard-dir \($0)" } ?? "")
          + "   (or: squeue -j \(arrayID),\(mergeID))")
      print("logs:    \(submission.logDirectory.path)")
    }
  }

  /// `/proc/self/exe` (Linux), else the absolute path of argv[0].
  static func thisExecutable() -> URL {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return URL(fileURLWithPath: path)
    }
    let arg = CommandLine.arguments.first ?? "almanac"
    return URL(fileURLWithPath: arg, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
  }

  /// Runs `sbatch args...` and returns the job id it prints.
  static func sbatch(_ arguments: [String]) throws -> String {
    let result = try ExternalCommand.run("sbatch", arguments)
    guard result.status == 0, let id = SlurmSubmission.parseJobID(result.stdout) else {
      throw EnvironmentError(
        "sbatch \(arguments.joined(separator: " ")) failed (exit \(result.status)): "
          + (result.stderr.isEmpty ? result.stdout : result.stderr).trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return id
  }
}

struct SlurmStatus: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Per-shard progress of a sharded run, read from the shard stores (and the merged store).")

  @Argument(help: "The experiment file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
  var file: String

  @OptionGroup var paths: SlurmPaths

  func run() throws {
    try reportingErrors {
      let plan = try ExperimentPlan.load(fileURL: URL(fileURLWithPath: file), tasks: TaskRegistry.tasks())
      let directory = paths.shardDirectory(plan)
      let stores = ShardLayout.stores(in: directory)
      print("\(plan.spec.name): \(plan.trials.count) trials; shard stores in \(directory.path)")
      if stores.isEmpty { print("  no shard stores yet") }
      var finishedKeys = Set<String>()
      for url in stores {
        let folder = url.deletingLastPathComponent().lastPathComponent
        let shard = Self.shard(fromFolder: folder)
        let keys = shard.map { Set($0.select(plan.trials).map(\.key)) }
        let store = try TrackingStore(at: url, access: .readOnly)
        guard let progress = try store.planProgress(experimentNamed: plan.spec.name, keys: keys) else {
          print("  \(folder): no runs of \(plan.spec.name)")
          continue
        }
        if let experiment = try store.experiment(named: plan.spec.name) {
          finishedKeys.formUnion(try store.finishedKeys(experimentID: experiment.id))
        }
        print("  \(shard.map { "shard \($0)" } ?? folder): " + Self.describe(progress))
      }
      let planKeys = Set(plan.trials.map(\.key))
      print("shards: \(finishedKeys.intersection(planKeys).count)/\(planKeys.count) trials finished")
      let merged = paths.mergedStore(plan)
      if FileManager.default.fileExists(atPath: merged.path) {
        let store = try TrackingStore(at: merged, access: .readOnly)
        if let progress = try store.planProgress(experimentNamed: plan.spec.name, keys: planKeys) {
          print("merged store \(merged.path): " + Self.describe(progress))
        }
      }
      let jobs = directory.appendingPathComponent("slurm-jobs.txt")
      if let text = try? String(contentsOf: jobs, encoding: .utf8) {
        let ids = text.split(whereSeparator: \.isNewline).compactMap { $0.split(separator: " ").last }.joined(
          separator: ",")
        if !ids.isEmpty, let result = try? ExternalCommand.run("squeue", ["-h", "-j", ids, "-o", "%i %T %R"]),
          result.status == 0
        {
          let lines = result.stdout.split(whereSeparator: \.isNewline)
          print(lines.isEmpty ? "slurm: jobs \(ids) no longer queued" : "slurm (squeue -j \(ids)):")
          for line in lines { print("  \(line)") }
        }
      }
    }
  }

  static func shard(fromFolder name: String) -> PlanShard? {
    let parts = name.split(separator: "-")
    guard parts.count == 4, parts[0] == "shard", parts[2] == "of", let i = Int(parts[1]), let n = Int(parts[3])
    else { return nil }
    return try? PlanShard(index: i, count: n)
  }

  static func describe(_ p: PlanProgress) -> String {
    var text = "\(p.finished)/\(p.trials) finished"
    if p.running > 0 { text += ", \(p.running) running" }
    if p.failed > 0 { text += ", \(p.failed) failed" }
    if p.killed > 0 { text += ", \(p.killed) killed" }
    if p.notStarted > 0 { text += ", \(p.notStarted) not started" }
    return text
  }
}

/// Runs an external program found on PATH and captures its output.
enum ExternalCommand {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static func run(_ name: String, _ arguments: [String]) throws -> Result {
    guard let executable = find(name) else {
      throw EnvironmentError("\(name) was not found on PATH: is this a Slurm login node? (docs/cluster.md)")
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  static func find(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
  }
}
