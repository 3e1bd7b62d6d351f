import Foundation
import Testing
import Tracking
import _TestSupport

@testable import Experiments

/// Real-process tests: the test binary re-runs itself (`/proc/self/exe --testing-library swift-testing --filter
/// RunnerChildProcess`) with `ALMANAC_RUNNER_CHILD_DB` set, so that each child is a separate OS process with its own
/// SQLite connections, pid and signals. Linux only (on macOS the test bundle is hosted by `xctest`).
enum RunnerChild {
  static let dbVariable = "ALMANAC_RUNNER_CHILD_DB"
  static let logVariable = "ALMANAC_RUNNER_CHILD_LOG"
  /// A directory: the child writes `ready.<pid>` there and waits for `go` before running (a start barrier).
  static let barrierVariable = "ALMANAC_RUNNER_CHILD_BARRIER"
  static var environment: [String: String] { ProcessInfo.processInfo.environment }
  static var isChild: Bool { environment[dbVariable] != nil }
  static let trialCount = 40

  /// Appends "key\n" to the execution log with one `write` on an O_APPEND descriptor (atomic between processes).
  static func appendLine(_ line: String, to path: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard fd >= 0 else { return }
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
  }

  #if os(Linux)
    static func spawn(db: URL, log: URL, barrier: URL? = nil) throws -> Process {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
      p.arguments = ["--testing-library", "swift-testing", "--filter", "RunnerChildProcess"]
      var env = environment
      env[dbVariable] = db.path
      env[logVariable] = log.path
      env[barrierVariable] = barrier?.path
      p.environment = env
      // The child's output goes to <log>.<n>.out (read back when a child fails).
      let out = log.path + ".\(UUID().uuidString.prefix(8)).out"
      guard FileManager.default.createFile(atPath: out, contents: nil) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: out])
      }
      let handle = FileHandle(forWritingAtPath: out)
      p.standardOutput = handle
      p.standardError = handle
      try p.run()
      return p
    }
  #endif
}

/// A task that logs each execution to a file shared by all processes, then sleeps 20 ms.
struct LoggingSleepTask: TrialTask {
  var name = "test"
  var settingsSchema: [Field] = []
  var metrics: [MetricDeclaration] = [MetricDeclaration("score", goal: .maximize)]
  var defaultMetric = "score"
  var logPath: String

  func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] { [] }

  func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
    RunnerChild.appendLine(trial.key, to: logPath)
    usleep(20_000)
    return TrialOutcome(metrics: ["score": Double(trial.settings[path: "x"]?.int ?? 0)])
  }
}

@Suite("Runner child process")
struct RunnerChildProcess {
  /// The child's body: run the shared plan on the given database. Disabled unless launched by a parent test.
  @Test(.enabled(if: RunnerChild.isChild, "runs only as a child process of the real-process tests"))
  func runPlan() throws {
    let env = RunnerChild.environment
    if let barrier = env[RunnerChild.barrierVariable] {
      let fm = FileManager.default
      #expect(fm.createFile(atPath: barrier + "/ready.\(getpid())", contents: nil))
      for _ in 0..<6000 where !fm.fileExists(atPath: barrier + "/go") { usleep(10_000) }
    }
    let store = try TrackingStore(at: URL(fileURLWithPath: env[RunnerChild.dbVariable] ?? ""))
    let task = LoggingSleepTask(logPath: env[RunnerChild.logVariable] ?? "/dev/null")
    var options = RunnerOptions(jobs: 2, claimChunk: 2, flushInterval: 0.02, heartbeatInterval: 0.5)
    options.handleSignals = true
    let summary = try Runner(store: store, options: options).run(
      experiment: RunnerFixture.experiment(), trials: RunnerFixture.trials(0..<RunnerChild.trialCount), task: task)
    #expect(!summary.interrupted)
  }
}

@Suite("Runner across processes", .enabled(if: !RunnerChild.isChild))
struct RunnerProcessTests {
  #if os(Linux)
    static func executions(_ log: URL) throws -> [String: Int] {
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      return text.split(separator: "\n").reduce(into: [:]) { $0[String($1), default: 0] += 1 }
    }

    static func childOutput(_ dir: URL) -> String {
      ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".out") }.map {
        (try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)) ?? ""
      }.joined(separator: "\n----\n")
    }

    @Test("kill -9 mid-run: the next run reclaims the dead runner's RUNNING rows and finishes each trial once")
    func killNine() throws {
      let dir = try TestSupport.temporaryDirectory("proc-kill9")
      let db = dir.appendingPathComponent("almanac.db")
      let log = dir.appendingPathComponent("executions.log")
      let store = try TrackingStore(at: db)
      let child = try RunnerChild.spawn(db: db, log: log)
      // Wait until the child has committed some results and has trials in flight, then kill it hard.
      var finished = 0
      for _ in 0..<3000 {
        if let e = try store.experiment(named: "runner-test") {
          finished = try store.statusCounts(experimentID: e.id)[.finished] ?? 0
          if finished >= 6 { break }
        }
        usleep(10_000)
      }
      kill(child.processIdentifier, SIGKILL)
      child.waitUntilExit()
      #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)
      #expect(
        finished >= 6 && finished < RunnerChild.trialCount, "the child finished \(finished) trials before the kill")
      let e = try #require(try store.experiment(named: "runner-test"))
      let running = try store.statusCounts(experimentID: e.id)[.running] ?? 0
      #expect(running > 0, "the kill should leave RUNNING rows behind")

      let summary = try Runner(store: store, options: RunnerFixture.options(jobs: 2)).run(
        experiment: RunnerFixture.experiment(), trials: RunnerFixture.trials(0..<RunnerChild.trialCount),
        task: LoggingSleepTask(logPath: log.path))
      #expect(summary.reclaimed == running)
      let statuses = try RunnerFixture.statuses(store, experiment: "runner-test")
      #expect(statuses.count == RunnerChild.trialCount)
      #expect(statuses.values.allSatisfy { $0.filter { $0 == .finished }.count == 1 && !$0.contains(.running) })
      #expect(statuses.values.map { $0.filter { $0 == .killed }.count }.reduce(0, +) == running)
      #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("two runner processes on one database and plan finish it between them, no trial executed twice")
    func twoProcesses() throws {
      let dir = try TestSupport.temporaryDirectory("proc-two")
      let db = dir.appendingPathComponent("almanac.db")
      let log = dir.appendingPathComponent("executions.log")
      // Both children start the plan together (a start barrier), so that they really compete for trials.
      let barrier = dir.appendingPathComponent("barrier", isDirectory: true)
      try FileManager.default.createDirectory(at: barrier, withIntermediateDirectories: true)
      let children = [
        try RunnerChild.spawn(db: db, log: log, barrier: barrier),
        try RunnerChild.spawn(db: db, log: log, barrier: barrier),
      ]
      for _ in 0..<6000 {
        let ready = try FileManager.default.contentsOfDirectory(atPath: barrier.path).filter { $0.hasPrefix("ready.") }
        if ready.count == 2 { break }
        usleep(10_000)
      }
      #expect(FileManager.default.createFile(atPath: barrier.appendingPathComponent("go").path, contents: nil))
      for child in children { child.waitUntilExit() }
      #expect(
        children.allSatisfy { $0.terminationReason == .exit && $0.terminationStatus == 0 },
        "\(Self.childOutput(dir))")
      let executions = try Self.executions(log)
      #expect(executions.count == RunnerChild.trialCount)
      #expect(executions.values.allSatisfy { $0 == 1 })
      let store = try TrackingStore(at: db)
      let statuses = try RunnerFixture.statuses(store, experiment: "runner-test")
      #expect(statuses.count == RunnerChild.trialCount && statuses.values.allSatisfy { $0 == [.finished] })
      let runs = try store.runs(
        experimentID: try store.requireExperiment(named: "runner-test").id, query: RunQuery(scope: .all))
      let owners = Set(runs.map(\.ownerPID)).count
      #expect(owners == 2, "both processes should have run trials")
      #expect(try store.integrityCheck() == ["ok"])
    }
  #endif
}
