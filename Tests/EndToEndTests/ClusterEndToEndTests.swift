import Foundation
import Testing
import Tracking
import _TestSupport

/// Helpers of the cluster tests: experiment files, merged-store checks, external commands.
enum Cluster {
  static func experiment(name: String, ms: Int, xs: Int, seeds: Int = 1) -> String {
    "name: \(name)\ntask: _sleep\nms: \(ms)\nsweep:\n  x: 0...\(xs - 1)\n" + (seeds > 1 ? "  seeds: \(seeds)\n" : "")
  }

  /// What a merged (or shard) store says about the experiment: plan size, current FINISHED trials (each key once),
  /// RUNNING rows, integrity.
  struct Check {
    var trials: Int
    var finished: Int
    var finishedTwice: Int
    var running: Int
    var integrity: [String]
    var experiments: [String]
  }

  static func check(_ url: URL, experiment: String) throws -> Check {
    let store = try TrackingStore(at: url, access: .readOnly)
    let progress = try store.planProgress(experimentNamed: experiment) ?? PlanProgress()
    return Check(
      trials: progress.trials, finished: progress.finished, finishedTwice: progress.finishedTwice,
      running: progress.running, integrity: try store.integrityCheck(), experiments: try store.experiments().map(\.name)
    )
  }

  /// Runs a program (found on PATH) to completion, or for `timeout` seconds at most (then it is terminated and the
  /// status is -1). Output goes through a file, not a pipe: daemons a program starts may keep a pipe open forever.
  @discardableResult
  static func command(_ name: String, _ args: [String], timeout: TimeInterval = 600) -> (status: Int32, output: String)
  {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-cluster-\(UUID().uuidString).log")
    defer { try? FileManager.default.removeItem(at: log) }
    guard FileManager.default.createFile(atPath: log.path, contents: nil),
      let handle = try? FileHandle(forWritingTo: log)
    else { return (127, "cannot create \(log.path)") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + args
    process.standardOutput = handle
    process.standardError = handle
    do { try process.run() } catch { return (127, "\(error)") }
    try? handle.close()
    let finished = waitUntil(timeout: timeout) { !process.isRunning }
    if !finished { process.terminate() }
    process.waitUntilExit()
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    return (
      finished ? process.terminationStatus : -1, finished ? output : "timed out after \(Int(timeout)) s: \(output)"
    )
  }

  /// Polls `condition` every 0.1 s until it holds or `timeout` seconds pass.
  static func waitUntil(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if try condition() { return true }
      usleep(100_000)
    }
    return try condition()
  }

  /// RUNNING runs (with their owner pid) and FINISHED count in a shard store, read without disturbing its writer.
  static func shardState(_ url: URL, experiment: String) -> (running: [Int32], finished: Int) {
    guard FileManager.default.fileExists(atPath: url.path),
      let store = try? TrackingStore(at: url, access: .readOnly),
      let record = try? store.experiment(named: experiment),
      let runs = try? store.runs(experimentID: record.id, query: RunQuery(scope: .all))
    else { return ([], 0) }
    return (runs.filter { $0.status == .running }.map(\.ownerPID), runs.filter { $0.status == .finished }.count)
  }
}

/// `almanac run --shard` and `almanac merge` through the real binary, without Slurm.
@Suite(.serialized) struct ShardedRunEndToEndTests {
  @Test("4 shards (one killed with -9 and run again), merged: one experiment, every trial FINISHED once")
  func shardsKillAndMerge() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-shards")
    try Cluster.experiment(name: "sh", ms: 300, xs: 10, seeds: 2).write(
      to: dir.appendingPathComponent("sh.yaml"), atomically: true, encoding: .utf8)
    for i in [0, 2, 3] {
      let r = try AlmanacProcess.run(["run", "sh.yaml", "--shard", "\(i)/4", "--jobs", "2"], in: dir)
      #expect(r.status == 0, "\(r.stderr)")
    }
    // Shard 1: kill -9 mid-shard, then run it again (it takes over the dead runner's RUNNING rows at once).
    let shard1 = dir.appendingPathComponent("almanac-shards/sh/shard-1-of-4/almanac.db")
    let (process, _, _) = try AlmanacProcess.start(["run", "sh.yaml", "--shard", "1/4", "--jobs", "1"], in: dir)
    let sawRunning = Cluster.waitUntil(timeout: 20) {
      let state = Cluster.shardState(shard1, experiment: "sh")
      return !state.running.isEmpty && state.finished >= 1
    }
    #expect(sawRunning, "shard 1 never had a RUNNING run")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(!Cluster.shardState(shard1, experiment: "sh").running.isEmpty)
    let again = try AlmanacProcess.run(["run", "sh.yaml", "--shard", "1/4", "--jobs", "2"], in: dir)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("reclaimed"), "\(again.stderr)")
    let shardCheck = try Cluster.check(shard1, experiment: "sh")
    #expect(shardCheck.trials == 20)  // the shard records the whole plan ...
    #expect(shardCheck.finished == 5)  // ... and runs its 5 trials (positions 1, 5, 9, 13, 17)

    let merge = try AlmanacProcess.run(["merge", "--into", "almanac.db", "almanac-shards/sh"], in: dir)
    #expect(merge.status == 0, "\(merge.stderr)")
    #expect(merge.stdout.contains("integrity ok"), "\(merge.stdout)")
    #expect(merge.stdout.contains("sh: 20/20 trials finished"), "\(merge.stdout)")
    let merged = try Cluster.check(dir.appendingPathComponent("almanac.db"), experiment: "sh")
    #expect(merged.experiments == ["sh"])
    #expect(merged.trials == 20 && merged.finished == 20 && merged.finishedTwice == 0 && merged.running == 0)
    #expect(merged.integrity == ["ok"])

    // Idempotent, and what `runs`, `report` and `doctor` see: one experiment of 20 FINISHED trials.
    let twice = try AlmanacProcess.run(["merge", "--into", "almanac.db", "almanac-shards/sh"], in: dir)
    #expect(twice.stdout.contains("0 runs, 0 metric points, 0 duplicate(s)"), "\(twice.stdout)")
    let runs = try AlmanacProcess.run(["runs", "sh", "--format", "json"], in: dir)
    let rows = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]] ?? []
    let finishedKeys = rows.filter { $0["status"] as? String == "FINISHED" }.compactMap { $0["key"] as? String }
    #expect(finishedKeys.count == 20 && Set(finishedKeys).count == 20, "\(runs.stdout)")
    #expect(rows.filter { $0["status"] as? String == "KILLED" }.count == rows.count - 20)
    let doctor = try AlmanacProcess.run(["doctor"], in: dir)
    #expect(doctor.stdout.contains("experiment sh (_sleep): 0 running, 20 finished"), "\(doctor.stdout)")
    let report = try AlmanacProcess.run(["report", "sh"], in: dir)
    #expect(report.status == 0, "\(report.stderr)")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("reports/sh/README.md").path))

    // A shard run again with another N: its trials are duplicates of finished ones; each stays FINISHED once.
    let other = try AlmanacProcess.run(["run", "sh.yaml", "--shard", "0/10", "--jobs", "2"], in: dir)
    #expect(other.status == 0, "\(other.stderr)")
    let dup = try AlmanacProcess.run(["merge", "--into", "almanac.db", "almanac-shards/sh"], in: dir)
    #expect(dup.status == 0)
    #expect(dup.stdout.contains("2 duplicate(s)"), "\(dup.stdout)")
    #expect(dup.stderr.contains("FINISHED twice: kept run"), "\(dup.stderr)")
    let after = try Cluster.check(dir.appendingPathComponent("almanac.db"), experiment: "sh")
    #expect(after.finished == 20 && after.finishedTwice == 0 && after.integrity == ["ok"])
  }

  @Test("merge refuses a corrupt shard (exit 3) and a shard of another plan (exit 2); the target is untouched")
  func mergeRefusals() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-merge-bad")
    try Cluster.experiment(name: "mb", ms: 1, xs: 4).write(
      to: dir.appendingPathComponent("mb.yaml"), atomically: true, encoding: .utf8)
    #expect(try AlmanacProcess.run(["run", "mb.yaml", "--shard", "0/2"], in: dir).status == 0)
    #expect(try AlmanacProcess.run(["merge", "--into", "almanac.db", "almanac-shards/mb"], in: dir).status == 0)
    // "Untouched" is the store's content (SQLite may rewrite header bytes when a connection closes).
    func content() throws -> String {
      try AlmanacProcess.run(["runs", "mb", "--all", "--format", "json"], in: dir).stdout
    }
    let before = try content()
    #expect(before.contains("FINISHED"))
    try Data("not a store".utf8).write(to: dir.appendingPathComponent("bad.db"))
    let corrupt = try AlmanacProcess.run(["merge", "--into", "almanac.db", "bad.db"], in: dir)
    #expect(corrupt.status == 3)
    #expect(corrupt.stderr.contains("bad.db is not a readable Almanac store"), "\(corrupt.stderr)")
    // Another plan: the file gains an axis value, a shard of the new plan is refused.
    try Cluster.experiment(name: "mb", ms: 1, xs: 5).write(
      to: dir.appendingPathComponent("mb.yaml"), atomically: true, encoding: .utf8)
    #expect(try AlmanacProcess.run(["run", "mb.yaml", "--shard", "1/2", "--shard-dir", "new"], in: dir).status == 0)
    let refused = try AlmanacProcess.run(["merge", "--into", "almanac.db", "new"], in: dir)
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("has another"), "\(refused.stderr)")
    #expect(try content() == before)
    #expect(try Cluster.check(dir.appendingPathComponent("almanac.db"), experiment: "mb").integrity == ["ok"])
    let badShard = try AlmanacProcess.run(["run", "mb.yaml", "--shard", "2/2"], in: dir)
    #expect(badShard.status == 2 && badShard.stderr.contains("0 to 1"), "\(badShard.stderr)")
  }
}

/// The real Slurm of `scripts/slurm-local` (CI starts it before `swift test`). Skipped, with the reason, when
/// `sbatch` is missing or the cluster does not answer.
@Suite(.serialized, .enabled(if: SlurmCluster.available, SlurmCluster.reason))
struct SlurmEndToEndTests {
  /// Submits `file` (in `dir`) and returns (array id, merge id).
  func submit(_ dir: URL, _ file: String, tasks: Int) throws -> (String, String) {
    let r = try AlmanacProcess.run(["slurm", "submit", file, "--tasks", "\(tasks)", "--time", "10"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    let ids = r.stdout.split(separator: "\n").compactMap { line -> String? in
      let words = line.split(separator: " ")
      guard words.count > 3, words[0] == "submitted" else { return nil }
      return String(words[3])
    }
    try #require(ids.count == 2, "\(r.stdout)")
    return (ids[0], ids[1])
  }

  /// Waits until the jobs have left the queue (at most `timeout` seconds).
  func waitForJobs(_ ids: [String], timeout: TimeInterval = 120) -> Bool {
    Cluster.waitUntil(timeout: timeout) {
      let q = Cluster.command("squeue", ["-h", "-j", ids.joined(separator: ",")])
      return q.status == 0 && q.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
  }

  func expectComplete(_ dir: URL, name: String, trials: Int) throws {
    let merged = try Cluster.check(dir.appendingPathComponent("almanac.db"), experiment: name)
    #expect(merged.experiments == [name])
    #expect(merged.trials == trials)
    #expect(merged.finished == trials, "trials lost: \(trials - merged.finished)")
    #expect(merged.finishedTwice == 0 && merged.running == 0)
    #expect(merged.integrity == ["ok"])
  }

  @Test("4 array tasks and the dependent merge-and-report job: every trial FINISHED once, report written")
  func submitMergeReport() throws {
    let dir = try TestSupport.temporaryDirectory("slurm-basic")
    try Cluster.experiment(name: "sl", ms: 50, xs: 12, seeds: 2).write(
      to: dir.appendingPathComponent("sl.yaml"), atomically: true, encoding: .utf8)
    let (array, merge) = try submit(dir, "sl.yaml", tasks: 4)
    #expect(waitForJobs([array, merge]), "jobs \(array), \(merge) still queued")
    try expectComplete(dir, name: "sl", trials: 24)
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("reports/sl/README.md").path))
    let log = try String(contentsOf: dir.appendingPathComponent("almanac-shards/sl/logs/merge.out"), encoding: .utf8)
    #expect(log.contains("integrity ok") && log.contains("sl: 24/24 trials finished"), "\(log)")
    let status = try AlmanacProcess.run(["slurm", "status", "sl.yaml"], in: dir)
    #expect(status.stdout.contains("shards: 24/24 trials finished"), "\(status.stdout)")
    #expect(status.stdout.contains("shard 3/4: 6/6 finished"), "\(status.stdout)")
  }

  @Test("scancel one array task mid-shard, then scontrol requeue it: the merge has every trial exactly once")
  func scancelAndRequeue() throws {
    let dir = try TestSupport.temporaryDirectory("slurm-scancel")
    try Cluster.experiment(name: "sc", ms: 250, xs: 24).write(
      to: dir.appendingPathComponent("sc.yaml"), atomically: true, encoding: .utf8)
    let (array, merge) = try submit(dir, "sc.yaml", tasks: 4)
    let shard1 = dir.appendingPathComponent("almanac-shards/sc/shard-1-of-4/almanac.db")
    let midShard = Cluster.waitUntil(timeout: 60) {
      let s = Cluster.shardState(shard1, experiment: "sc")
      return s.finished >= 1 && !s.running.isEmpty
    }
    try #require(midShard, "shard 1 never started")
    #expect(Cluster.command("scancel", ["\(array)_1"]).status == 0)
    // SIGTERM reached almanac: it marked its in-flight trial KILLED and exited.
    #expect(Cluster.waitUntil(timeout: 15) { Cluster.shardState(shard1, experiment: "sc").running.isEmpty })
    #expect(
      Cluster.waitUntil(timeout: 15) {
        Cluster.command("squeue", ["-h", "-j", "\(array)_1"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
          .isEmpty
      })
    let requeue = Cluster.command("scontrol", ["requeue", "\(array)_1"])
    #expect(requeue.status == 0, "\(requeue.output)")
    // Slurm holds a requeued job for 2 minutes (BeginTime); let it start now.
    _ = Cluster.command("scontrol", ["update", "JobId=\(array)_1", "StartTime=now"])
    #expect(waitForJobs([array, merge]), "jobs still queued")
    try expectComplete(dir, name: "sc", trials: 24)
    let shardLog = try String(
      contentsOf: dir.appendingPathComponent("almanac-shards/sc/logs/shard-1-of-4.out"), encoding: .utf8)
    #expect(shardLog.contains("KILLED"), "\(shardLog)")
    #expect(shardLog.contains("already finished"), "the requeued task did not resume: \(shardLog)")
  }

  @Test("kill -9 the almanac of one array task, then resubmit: the merge has every trial exactly once")
  func killNineAndResubmit() throws {
    let dir = try TestSupport.temporaryDirectory("slurm-kill9")
    try Cluster.experiment(name: "k9", ms: 250, xs: 24).write(
      to: dir.appendingPathComponent("k9.yaml"), atomically: true, encoding: .utf8)
    let (array, merge) = try submit(dir, "k9.yaml", tasks: 4)
    let shard0 = dir.appendingPathComponent("almanac-shards/k9/shard-0-of-4/almanac.db")
    var victim: Int32 = 0
    let midShard = Cluster.waitUntil(timeout: 60) {
      let s = Cluster.shardState(shard0, experiment: "k9")
      victim = s.running.first ?? 0
      return s.finished >= 1 && victim > 0
    }
    try #require(midShard, "shard 0 never started")
    #expect(kill(victim, SIGKILL) == 0)
    #expect(waitForJobs([array, merge]), "jobs still queued")
    let partial = try Cluster.check(dir.appendingPathComponent("almanac.db"), experiment: "k9")
    #expect(partial.finished < 24, "the kill -9 came too late to test anything")
    // Resubmitting resumes: finished trials are skipped, the dead runner's trials run again.
    let (array2, merge2) = try submit(dir, "k9.yaml", tasks: 4)
    #expect(waitForJobs([array2, merge2]), "jobs still queued")
    try expectComplete(dir, name: "k9", trials: 24)
  }
}

/// Whether a Slurm cluster answers (starting `scripts/slurm-local` when running as root and it is down).
enum SlurmCluster {
  static let probe: (ok: Bool, reason: String) = {
    guard Cluster.command("which", ["sbatch"]).status == 0 else {
      return (
        false,
        "sbatch is not installed: run `sudo scripts/slurm-local start` (installs slurm-wlm) to run the Slurm tests"
      )
    }
    if up() { return (true, "") }
    let script = TestSupport.repositoryRoot.appendingPathComponent("scripts/slurm-local").path
    if getuid() == 0 {
      let start = Cluster.command(script, ["start"], timeout: 300)
      if start.status == 0 && up() { return (true, "") }
      return (false, "the local Slurm cluster did not start (scripts/slurm-local start: \(start.output))")
    }
    return (false, "no Slurm cluster answers (sinfo); start one with `sudo scripts/slurm-local start`")
  }()

  static func up() -> Bool {
    let info = Cluster.command("sinfo", ["-h", "-o", "%T"], timeout: 60)
    return info.status == 0
      && info.output.split(separator: "\n").contains {
        ["idle", "mixed", "allocated", "completing"].contains(
          $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "*", with: ""))
      }
  }

  static var available: Bool { probe.ok }
  static var reason: Comment { Comment(rawValue: probe.reason) }
}
