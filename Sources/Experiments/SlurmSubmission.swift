import AlmanacCore
import Foundation

/// The two batch scripts of `almanac slurm submit` (docs/cluster.md): a job array whose task I runs shard I/N of the
/// plan into its own store, and a merge-and-report job that runs after the whole array has ended
/// (`--dependency=afterany:<array>`), whatever its tasks' outcome.
///
/// Array tasks are `--requeue`: a preempted or failed-node task comes back and resumes its shard (the shard store
/// remembers what finished). The task `exec`s `almanac`, so `scancel`'s SIGTERM reaches it and in-flight trials are
/// marked KILLED before it exits. Paths in the scripts are absolute: the scripts run on compute nodes that see the
/// same shared file system (docs/cluster.md).
public struct SlurmSubmission: Sendable {
  /// The settings of a submission, each bounded.
  public struct Options: Sendable {
    /// Array tasks = shards (1...``maxTasks``; more than the plan's trials is reduced to one trial per task).
    public var tasks: Int = 4
    /// `--cpus-per-task`, also each shard's `--jobs` (1...``maxCPUs``).
    public var cpusPerTask: Int = 1
    public var partition: String?
    /// `--time` in a Slurm time format (`MM`, `HH:MM:SS`, `D-HH`, ...).
    public var time: String?
    public var account: String?
    /// Extra `#SBATCH` lines for both jobs, each an option like `--mem=4G` or `--qos=long`.
    public var extraSbatch: [String] = []
    public init() {}
  }

  /// Far above any site's `MaxArraySize` (default 1001); a larger array would be refused by Slurm anyway.
  public static let maxTasks = 10_000
  /// Cores per task: more than any node has today.
  public static let maxCPUs = 1_024
  /// Upper bound on `--extra-sbatch` options.
  public static let maxExtra = 64

  public let experimentName: String
  public let experimentFile: URL
  /// Trials in the plan.
  public let trials: Int
  public let options: Options
  /// The `almanac` executable the jobs run (absolute).
  public let almanac: URL
  /// The submission's working directory (jobs `cd` there).
  public let workingDirectory: URL
  /// Folder of the shard stores, the scripts and `logs/`.
  public let shardDirectory: URL
  /// The merged store (`almanac.db` beside the experiment file unless `--db`).
  public let mergedStore: URL
  /// The report folder the merge job writes.
  public let reportDirectory: URL

  /// - Throws: ``ShardError`` for a setting out of bounds or a value that would break the script.
  public init(
    experimentName: String, experimentFile: URL, trials: Int, options: Options, almanac: URL,
    workingDirectory: URL, shardDirectory: URL, mergedStore: URL, reportDirectory: URL
  ) throws {
    guard (1...Self.maxTasks).contains(options.tasks) else {
      throw ShardError("--tasks must be between 1 and \(Self.maxTasks), got \(options.tasks)")
    }
    guard (1...Self.maxCPUs).contains(options.cpusPerTask) else {
      throw ShardError("--cpus-per-task must be between 1 and \(Self.maxCPUs), got \(options.cpusPerTask)")
    }
    for (flag, value) in [("--partition", options.partition), ("--account", options.account)] {
      if let value, !Self.isName(value) {
        throw ShardError("\(flag) must be letters, digits, '.', '_', '-' or ',' (got '\(value)')")
      }
    }
    if let time = options.time, !Self.isTime(time) {
      throw ShardError(
        "--time must be a Slurm time such as 30, 2:00:00 or 1-12 (digits, ':' and '-'), got '\(time)'")
    }
    guard options.extraSbatch.count <= Self.maxExtra else {
      throw ShardError("at most \(Self.maxExtra) --extra-sbatch options, got \(options.extraSbatch.count)")
    }
    for extra in options.extraSbatch
    where !extra.hasPrefix("-") || extra.contains(where: \.isNewline)
      || extra.count > 1000
    {
      throw ShardError("--extra-sbatch takes one sbatch option such as --mem=4G on one line, got '\(extra)'")
    }
    for reserved in ["--array", "--dependency", "--output", "--parsable"]
    where options.extraSbatch.contains(where: { $0.hasPrefix(reserved) }) {
      throw ShardError("--extra-sbatch cannot set \(reserved): almanac slurm submit sets it")
    }
    var options = options
    options.tasks = max(1, min(options.tasks, trials))
    self.experimentName = experimentName
    self.experimentFile = experimentFile.standardizedFileURL
    self.trials = trials
    self.options = options
    self.almanac = almanac.standardizedFileURL
    self.workingDirectory = workingDirectory.standardizedFileURL
    self.shardDirectory = shardDirectory.standardizedFileURL
    self.mergedStore = mergedStore.standardizedFileURL
    self.reportDirectory = reportDirectory.standardizedFileURL
  }

  static func isName(_ s: String) -> Bool {
    !s.isEmpty && s.count <= 200
      && s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-,".unicodeScalars.contains($0) }
  }

  static func isTime(_ s: String) -> Bool {
    !s.isEmpty && s.count <= 20 && s.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ":" || $0 == "-") }
  }

  /// Single-quoted for the shell.
  public static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

  public var arrayScriptURL: URL { shardDirectory.appendingPathComponent("array.sbatch") }
  public var mergeScriptURL: URL { shardDirectory.appendingPathComponent("merge.sbatch") }
  public var logDirectory: URL { shardDirectory.appendingPathComponent("logs", isDirectory: true) }
  /// Where `submit` records the job ids (read by `status`).
  public var jobsFileURL: URL { shardDirectory.appendingPathComponent("slurm-jobs.txt") }

  var commonDirectives: [String] {
    var lines: [String] = []
    if let partition = options.partition { lines.append("#SBATCH --partition=\(partition)") }
    if let time = options.time { lines.append("#SBATCH --time=\(time)") }
    if let account = options.account { lines.append("#SBATCH --account=\(account)") }
    lines += options.extraSbatch.map { "#SBATCH \($0)" }
    return lines
  }

  /// The job-array script: task I runs shard `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`.
  public var arrayScript: String {
    let q = Self.quote
    let n = options.tasks
    var lines = [
      "#!/bin/bash",
      "#SBATCH --job-name=almanac-\(experimentName)",
      "#SBATCH --array=0-\(n - 1)",
      "#SBATCH --ntasks=1",
      "#SBATCH --cpus-per-task=\(options.cpusPerTask)",
      "#SBATCH --requeue",
      "#SBATCH --open-mode=append",
      "#SBATCH --output=\(logDirectory.path)/shard-%a-of-\(n).out",
    ]
    lines += commonDirectives
    lines += [
      "# Written by `almanac slurm submit` for \(experimentFile.path) (\(trials) trials in \(n) shards).",
      "# Each array task runs one shard of the plan into its own store under \(shardDirectory.path);",
      "# a requeued task resumes its shard. `exec` lets scancel's SIGTERM reach almanac (in-flight trials",
      "# are marked KILLED and run again on the next attempt).",
      "set -eu",
      "cd \(q(workingDirectory.path))",
      "exec \(q(almanac.path)) run \(q(experimentFile.path)) \\",
      "  --shard \"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\" --jobs \"${SLURM_CPUS_PER_TASK:-1}\" \\",
      "  --shard-dir \(q(shardDirectory.path)) --no-report",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// The merge-and-report script (submitted with `--dependency=afterany:<array job id>`).
  public var mergeScript: String {
    let q = Self.quote
    var lines = [
      "#!/bin/bash",
      "#SBATCH --job-name=almanac-\(experimentName)-merge",
      "#SBATCH --ntasks=1",
      "#SBATCH --cpus-per-task=1",
      "#SBATCH --open-mode=append",
      "#SBATCH --output=\(logDirectory.path)/merge.out",
    ]
    lines += commonDirectives
    lines += [
      "# Written by `almanac slurm submit`: runs after every array task has ended (afterany), merges the shard",
      "# stores into \(mergedStore.path) (idempotent: safe to run again) and writes the report.",
      "set -eu",
      "cd \(q(workingDirectory.path))",
      "\(q(almanac.path)) merge --into \(q(mergedStore.path)) \(q(shardDirectory.path))",
      "\(q(almanac.path)) slurm status \(q(experimentFile.path)) --shard-dir \(q(shardDirectory.path)) "
        + "--db \(q(mergedStore.path))",
      "\(q(almanac.path)) report \(q(experimentName)) --db \(q(mergedStore.path)) --out \(q(reportDirectory.path))",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// `sbatch` arguments for the array.
  public var arraySubmitArguments: [String] { ["--parsable", arrayScriptURL.path] }

  /// `sbatch` arguments for the merge job once the array's id is known.
  public func mergeSubmitArguments(arrayJobID: String) -> [String] {
    ["--parsable", "--dependency=afterany:\(arrayJobID)", mergeScriptURL.path]
  }

  /// The job id in `sbatch --parsable` output (`id` or `id;cluster`), or nil.
  public static func parseJobID(_ output: String) -> String? {
    let line = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
    let id = line.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    return !id.isEmpty && id.allSatisfy(\.isNumber) ? id : nil
  }

  /// Writes both scripts (executable) and creates the log folder.
  public func writeScripts() throws {
    let fm = FileManager.default
    try fm.createDirectory(at: logDirectory, withIntermediateDirectories: true)
    try Data(arrayScript.utf8).write(to: arrayScriptURL, options: .atomic)
    try Data(mergeScript.utf8).write(to: mergeScriptURL, options: .atomic)
    for url in [arrayScriptURL, mergeScriptURL] {
      try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }
  }
}
