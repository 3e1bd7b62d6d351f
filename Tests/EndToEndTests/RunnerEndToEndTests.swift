import Foundation
import Testing
import _TestSupport

/// The runner through the real `almanac` binary and a real SQLite file: resume, failures, signals, kill -9 and two
/// processes racing on one plan. Uses the test-only `_sleep` task (enabled by ALMANAC_ENABLE_TEST_TASKS=1).
@Suite(.serialized) struct RunnerEndToEndTests {
  static func experiment(ms: Int, xs: [Int], seeds: Int = 1, failX: Int? = nil, marker: URL? = nil) -> String {
    var text = "name: e2e\nnotes: end-to-end\ntask: _sleep\nms: \(ms)\n"
    if let failX { text += "fail_when_x: \(failX)\n" }
    if let marker { text += "marker_dir: \"\(marker.path)\"\n" }
    text += "sweep:\n  x: [\(xs.map(String.init).joined(separator: ", "))]\n"
    if seeds > 1 { text += "  seeds: \(seeds)\n" }
    return text
  }

  func write(_ text: String, in dir: URL) throws -> URL {
    let url = dir.appendingPathComponent("e2e.yaml")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  struct RunRow: Decodable {
    var run: Int
    var status: String
    var key: String
  }

  func listRuns(in dir: URL, all: Bool = false) throws -> [RunRow] {
    let result = try AlmanacProcess.run(["runs", "e2e.yaml", "--format", "json"] + (all ? ["--all"] : []), in: dir)
    #expect(result.status == 0, "almanac runs failed: \(result.stderr)")
    return try JSONDecoder().decode([RunRow].self, from: Data(result.stdout.utf8))
  }

  @Test func runThenResumeDoesNothing() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-resume")
    _ = try write(Self.experiment(ms: 1, xs: [1, 2, 3], seeds: 2), in: dir)
    let first = try AlmanacProcess.run(["run", "e2e.yaml", "--no-report", "--jobs", "2"], in: dir)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("almanac.db").path))
    let runs = try listRuns(in: dir)
    #expect(runs.count == 6)
    #expect(runs.allSatisfy { $0.status == "FINISHED" })

    let second = try AlmanacProcess.run(["run", "e2e.yaml", "--no-report"], in: dir)
    #expect(second.status == 0)
    #expect(second.stderr.contains("nothing to do: 6 trials already finished"), "\(second.stderr)")
    #expect(try listRuns(in: dir).count == 6)

    // Editing one axis value creates only the new trials.
    _ = try write(Self.experiment(ms: 1, xs: [1, 2, 4], seeds: 2), in: dir)
    let third = try AlmanacProcess.run(["run", "e2e.yaml", "--no-report"], in: dir)
    #expect(third.status == 0)
    #expect(third.stderr.contains("2 of 6 trials to run"), "\(third.stderr)")
    #expect(try listRuns(in: dir).count == 6)  // the current plan
    #expect(try listRuns(in: dir, all: true).count == 8)  // history: the x=3 runs stay in the store
  }

  @Test func leadersFollowTheCurrentPlanAfterAnAxisValueIsRemoved() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-leaders")
    _ = try write(Self.experiment(ms: 1, xs: [1, 2, 3]), in: dir)
    let first = try AlmanacProcess.run(["run", "e2e.yaml", "--no-report"], in: dir)
    #expect(first.stdout.contains("best score: 3.0 with x=3.0 (run "), "\(first.stdout)")
    _ = try write(Self.experiment(ms: 1, xs: [1, 2]), in: dir)
    let second = try AlmanacProcess.run(["run", "e2e.yaml", "--no-report"], in: dir)
    #expect(second.stdout.contains("best score: 2.0 with x=2.0 (run "), "\(second.stdout)")
    #expect(second.stderr.contains("best score = 2"), "\(second.stderr)")
    #expect(try listRuns(in: dir).count == 2)
    #expect(try listRuns(in: dir, all: true).count == 3)  // the x=3 run stays in the store
    // The best current run by score is x=2, even though the stale x=3 run scores higher: the plan restriction
    // applies before the sort and the limit.
    let top = try AlmanacProcess.run(["runs", "e2e.yaml", "--sort=-score", "--limit", "1", "--format", "csv"], in: dir)
    let rows = top.stdout.split(separator: "\n")
    #expect(rows.count == 2, "\(top.stdout)")
    #expect(rows.last?.hasSuffix(",2.0,2") == true, "\(top.stdout)")
  }

  @Test func aggregateCollapsesReplicatesToMeanAndSampleSD() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-aggregate")
    _ = try write(Self.experiment(ms: 1, xs: [1, 2], seeds: 3), in: dir)
    #expect(try AlmanacProcess.run(["run", "e2e.yaml", "--no-report"], in: dir).status == 0)
    let result = try AlmanacProcess.run(["runs", "e2e.yaml", "--aggregate", "--format", "csv"], in: dir)
    let lines = result.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    #expect(lines.first == ["params.x", "n", "score.mean", "score.sd"])
    // score = x + replicate / 1000 for replicates 0, 1, 2: mean x + 0.001, sample sd 0.001.
    for (row, x) in zip(lines.dropFirst(), [1.0, 2.0]) {
      #expect(row.count == 4)
      #expect(Double(row[0]) == x && row[1] == "3")
      #expect(abs((Double(row[2]) ?? .nan) - (x + 0.001)) < 1e-12)
      #expect(abs((Double(row[3]) ?? .nan) - 0.001) < 1e-12)
    }
  }

  @Test func failedTrialsAreRecordedAndTheSweepGoesOn() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-fail")
    _ = try write(Self.experiment(ms: 1, xs: [1, 2, 3], failX: 2), in: dir)
    let result = try AlmanacProcess.run(["run", "e2e.yaml", "--no-report"], in: dir)
    #expect(result.status == 1)
    let runs = try listRuns(in: dir)
    #expect(runs.filter { $0.status == "FINISHED" }.count == 2)
    #expect(runs.filter { $0.status == "FAILED" }.count == 1)
    let failed = try AlmanacProcess.run(["runs", "e2e.yaml", "--where", "status = \"FAILED\"", "--format", "csv"], in: dir)
    #expect(failed.stdout.split(separator: "\n").count == 2)
  }

  @Test func badExperimentFileWritesNothing() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-bad")
    _ = try write("name: e2e\ntask: _sleep\nmss: 3\n", in: dir)
    let result = try AlmanacProcess.run(["run", "e2e.yaml"], in: dir)
    #expect(result.status == 2)
    #expect(result.stderr.contains("e2e.yaml:3:1: error: unknown key 'mss' (did you mean 'ms'?)"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("almanac.db").path))
  }

  @Test func interruptMarksInFlightTrialsKilledAndKeepsFinishedOnes() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-sigint")
    _ = try write(Self.experiment(ms: 400, xs: Array(1...24)), in: dir)
    let (process, _, _) = try AlmanacProcess.start(["run", "e2e.yaml", "--no-report", "--jobs", "2"], in: dir)
    // 24 trials of 0.4 s on 2 workers take about 5 s: wait until some have finished (however loaded the machine
    // is), then interrupt while others run.
    let deadline = Date().addingTimeInterval(60)
    func someFinished() -> Bool {
      guard let r = try? AlmanacProcess.run(["runs", "e2e.yaml", "--format", "csv"], in: dir), r.status == 0 else {
        return false
      }
      return r.stdout.contains(",FINISHED,")
    }
    while Date() < deadline, !someFinished() { usleep(100_000) }
    usleep(100_000)
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    let runs = try listRuns(in: dir)
    #expect(runs.contains { $0.status == "KILLED" })
    #expect(runs.contains { $0.status == "FINISHED" })
    #expect(!runs.contains { $0.status == "RUNNING" })

    let resumed = try AlmanacProcess.run(["run", "e2e.yaml", "--no-report", "--jobs", "2"], in: dir)
    #expect(resumed.status == 0)
    let finished = try listRuns(in: dir).filter { $0.status == "FINISHED" }
    #expect(finished.count == 24)
    #expect(Set(finished.map(\.key)).count == 24)
  }

  @Test func killNineThenRerunCompletesEachTrialExactlyOnce() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-kill9")
    _ = try write(Self.experiment(ms: 150, xs: Array(1...12)), in: dir)
    for delay in [300_000, 700_000] as [UInt32] {
      let (process, _, _) = try AlmanacProcess.start(["run", "e2e.yaml", "--no-report", "--jobs", "2"], in: dir)
      usleep(delay)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    let resumed = try AlmanacProcess.run(["run", "e2e.yaml", "--no-report", "--jobs", "2"], in: dir)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let runs = try listRuns(in: dir)
    let finished = runs.filter { $0.status == "FINISHED" }
    #expect(finished.count == 12)
    #expect(Set(finished.map(\.key)).count == 12)
    #expect(!runs.contains { $0.status == "RUNNING" })
    let check = try AlmanacProcess.run(["doctor", "--db", "almanac.db"], in: dir)
    #expect(check.status == 0)
    #expect(check.stdout.contains("integrity_check: ok"), "\(check.stdout)")
  }

  @Test func twoProcessesShareOnePlanWithoutDoingAnyTrialTwice() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-two")
    let markers = dir.appendingPathComponent("markers")
    try FileManager.default.createDirectory(at: markers, withIntermediateDirectories: true)
    _ = try write(Self.experiment(ms: 60, xs: Array(1...20), marker: markers), in: dir)
    let a = try AlmanacProcess.start(["run", "e2e.yaml", "--no-report", "--jobs", "2"], in: dir)
    let b = try AlmanacProcess.start(["run", "e2e.yaml", "--no-report", "--jobs", "2"], in: dir)
    let errA = a.2.fileHandleForReading.readDataToEndOfFile()
    let errB = b.2.fileHandleForReading.readDataToEndOfFile()
    a.0.waitUntilExit()
    b.0.waitUntilExit()
    let stderrs = String(decoding: errA, as: UTF8.self) + String(decoding: errB, as: UTF8.self)
    #expect(a.0.terminationStatus == 0 && b.0.terminationStatus == 0, "\(stderrs)")
    #expect(!stderrs.contains("locked"))
    // Every trial executed exactly once across both processes (the task writes one file per execution).
    let executed = try FileManager.default.contentsOfDirectory(at: markers, includingPropertiesForKeys: nil)
      .map { try String(contentsOf: $0, encoding: .utf8) }
    #expect(executed.count == 20)
    #expect(Set(executed).count == 20)
    let finished = try listRuns(in: dir).filter { $0.status == "FINISHED" }
    #expect(finished.count == 20)
  }

  @Test func whereClauseInjectionIsRejectedAndChangesNothing() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-where")
    _ = try write(Self.experiment(ms: 1, xs: [1, 2]), in: dir)
    #expect(try AlmanacProcess.run(["run", "e2e.yaml", "--no-report"], in: dir).status == 0)
    let injected = try AlmanacProcess.run(["runs", "e2e.yaml", "--where", "score > 0; DROP TABLE runs"], in: dir)
    #expect(injected.status == 2)
    #expect(injected.stderr.contains("--where:1:10: error:"), "\(injected.stderr)")
    let quoted = try AlmanacProcess.run(
      ["runs", "e2e.yaml", "--where", "params.x = \"1' OR '1'='1\"", "--format", "csv"], in: dir)
    #expect(quoted.status == 0)
    #expect(quoted.stdout.split(separator: "\n").count == 1)  // header only: matched literally, nothing
    #expect(try listRuns(in: dir).count == 2)
  }
}
