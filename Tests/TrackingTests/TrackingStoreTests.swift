import AlmanacCore
import Foundation
import GRDB
import Testing
import _TestSupport

@testable import Tracking

/// Helpers shared by the Tracking tests.
enum StoreFixture {
  static func makeStore(_ label: String = "store") throws -> TrackingStore {
    let dir = try TestSupport.temporaryDirectory(label)
    return try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
  }

  static func trials(_ n: Int, prefix: String = "k") -> [TrialClaim] {
    (0..<n).map { TrialClaim(key: "\(prefix)\($0)", index: $0, seed: UInt64($0) &* 0x9E37_79B9_7F4A_7C15) }
  }

  /// The pid of a process that has exited (spawned, waited for): a "dead owner".
  static func deadPID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
  }
}

@Suite("TrackingStore schema")
struct TrackingSchemaTests {
  @Test("migrations create the schema in an empty file; WAL, foreign keys, busy timeout; integrity ok")
  func createFromEmpty() throws {
    let store = try StoreFixture.makeStore("schema")
    #expect(try store.schemaStatus().applied == [TrackingStore.firstMigration, TrackingStore.planTablesMigration])
    #expect(try store.schemaStatus().version == 2 && store.schemaStatus().writtenBy == AlmanacVersion.current)
    let tables = try store.database.read { db in
      try String.fetchAll(
        db,
        sql:
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb_%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      )
    }
    #expect(tables == ["artifacts", "experiment_metrics", "experiment_tags", "experiments", "metrics", "params",
                       "plan_trials", "runs", "series", "store_meta", "tags"])
    let (journal, foreignKeys, busy) = try store.database.write { db in
      (
        try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
        try Int.fetchOne(db, sql: "PRAGMA busy_timeout")
      )
    }
    #expect(journal == "wal")
    #expect(foreignKeys == 1)
    #expect(busy == 30_000)
    #expect(try store.integrityCheck() == ["ok"])
  }

  @Test("reopening an existing store is a no-op that keeps the data")
  func reopen() throws {
    let dir = try TestSupport.temporaryDirectory("reopen")
    let url = dir.appendingPathComponent("nested/almanac.db")
    do {
      let store = try TrackingStore(at: url)
      let id = try store.upsertExperiment(ExperimentDefinition(name: "e1", task: "test"))
      _ = try store.claim(experimentID: id, trials: StoreFixture.trials(3), owner: .current())
    }
    let schemaBefore = try DatabaseQueue(path: url.path).read { db in
      try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    }
    let store = try TrackingStore(at: url)
    let schemaAfter = try store.database.read { db in
      try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    }
    #expect(schemaBefore == schemaAfter)
    #expect(try store.schemaStatus().applied.count == 2)
    let e = try #require(try store.experiment(named: "e1"))
    #expect(try store.runs(experimentID: e.id).count == 3)
    #expect(try store.integrityCheck() == ["ok"])
  }

  @Test("several connections opening the same fresh file at once all succeed (concurrent migrations)")
  func concurrentOpen() throws {
    for round in 0..<5 {
      let url = try TestSupport.temporaryDirectory("open-\(round)").appendingPathComponent("almanac.db")
      let errors = ErrorBox()
      DispatchQueue.concurrentPerform(iterations: 4) { _ in
        do {
          let store = try TrackingStore(at: url)
          _ = try store.upsertExperiment(ExperimentDefinition(name: "same", task: "t"))
        } catch {
          errors.append(error)
        }
      }
      #expect(errors.all.isEmpty, "\(errors.all)")
      let store = try TrackingStore(at: url)
      #expect(try store.schemaStatus().applied.count == 2 && store.experiments().count == 1)
    }
  }

  @Test("the unique partial index forbids a second RUNNING or FINISHED run of a trial")
  func uniqueCurrentRun() throws {
    let store = try StoreFixture.makeStore("unique")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "u", task: "test"))
    let claimed = try store.claim(experimentID: id, trials: StoreFixture.trials(1), owner: .current()).claimed
    #expect(claimed.count == 1)
    let insert = """
      INSERT INTO runs (experiment_id, trial_key, trial_index, status, start_time, owner_host, owner_pid,
        owner_session, heartbeat, seed) VALUES (?, 'k0', 0, ?, 0, 'h', 1, 's', 0, '0')
      """
    for status in ["RUNNING", "FINISHED"] {
      #expect(throws: DatabaseError.self) {
        try store.database.write { db in try db.execute(sql: insert, arguments: [id, status]) }
      }
    }
    // FAILED and KILLED attempts may repeat.
    try store.database.write { db in
      try db.execute(sql: insert, arguments: [id, "FAILED"])
      try db.execute(sql: insert, arguments: [id, "KILLED"])
    }
    #expect(throws: DatabaseError.self) {
      try store.database.write { db in try db.execute(sql: insert, arguments: [id, "DONE"]) }
    }
  }

  @Test(
    "experiment names are validated and upserts update in place",
    arguments: ["", "a b", "x'; DROP TABLE runs; --", "é", ".", "..", "a/b"])
  func invalidNames(name: String) throws {
    let store = try StoreFixture.makeStore("names")
    #expect(throws: TrackingError.self) { try store.upsertExperiment(ExperimentDefinition(name: name, task: "t")) }
  }

  @Test("upsert keeps the id and updates task, spec, notes and tags")
  func upsert() throws {
    let store = try StoreFixture.makeStore("upsert")
    let a = try store.upsertExperiment(
      ExperimentDefinition(
        name: "rates.v1", task: "forecast", filePath: "x.yaml", spec: "p: 1", notes: "n",
        tags: ["owner": "me"]))
    let b = try store.upsertExperiment(
      ExperimentDefinition(
        name: "rates.v1", task: "forecast", filePath: "x.yaml", spec: "p: 2", notes: "m",
        tags: ["branch": "dev"]))
    #expect(a == b)
    let e = try #require(try store.experiment(named: "rates.v1"))
    #expect(e.spec == "p: 2" && e.notes == "m" && e.filePath == "x.yaml")
    #expect(e.tags == ["owner": "me", "branch": "dev"])
    #expect(try store.experiment(named: "nope") == nil)
    #expect(try store.experiments().map(\.name) == ["rates.v1"])
  }
}

@Suite("TrackingStore claims and records")
struct TrackingClaimTests {
  @Test("claims skip finished and live-running trials, respect the limit and report what they examined")
  func claimBasics() throws {
    let store = try StoreFixture.makeStore("claim")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "c", task: "test"))
    let me = RunOwner.current()
    let trials = StoreFixture.trials(10)
    let first = try store.claim(experimentID: id, trials: trials, owner: me, limit: 4)
    #expect(first.claimed.map(\.key) == ["k0", "k1", "k2", "k3"])
    #expect(first.examined == 4)
    try store.record(first.claimed.prefix(2).map { RunResult(runID: $0.runID, status: .finished) })
    // Another live owner (same process, other session) sees k0, k1 finished, k2, k3 running.
    let other = RunOwner(host: me.host, pid: me.pid, session: "other")
    let second = try store.claim(experimentID: id, trials: trials, owner: other, limit: 3)
    #expect(second.alreadyFinished == ["k0", "k1"])
    #expect(second.runningElsewhere == ["k2", "k3"])
    #expect(second.claimed.map(\.key) == ["k4", "k5", "k6"])
    #expect(second.examined == 7)
    #expect(second.reclaimedRunIDs.isEmpty)
    // The claim stored the seed exactly (UInt64 above Int64.max).
    let runs = try store.runs(experimentID: id)
    let k3 = try #require(runs.first { $0.trialKey == "k3" })
    #expect(k3.seed == trials[3].seed)
    #expect(k3.status == .running)
  }

  @Test("RUNNING rows of a dead pid on this host are KILLED and reclaimed")
  func reclaimDeadPID() throws {
    let store = try StoreFixture.makeStore("dead")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "d", task: "test"))
    let me = RunOwner.current()
    let dead = RunOwner(host: me.host, pid: try StoreFixture.deadPID(), session: "dead")
    #expect(!TrackingStore.processExists(dead.pid))
    let old = try store.claim(experimentID: id, trials: StoreFixture.trials(3), owner: dead)
    #expect(old.claimed.count == 3)
    let new = try store.claim(experimentID: id, trials: StoreFixture.trials(3), owner: me)
    #expect(Set(new.reclaimedRunIDs) == Set(old.claimed.map(\.runID)))
    #expect(new.claimed.map(\.key) == ["k0", "k1", "k2"])
    let runs = try store.runs(experimentID: id)
    #expect(runs.filter { $0.status == .killed }.count == 3)
    #expect(runs.filter { $0.status == .running }.count == 3)
    #expect(runs.filter { $0.status == .killed }.allSatisfy { ($0.error ?? "").contains("is gone") })
    #expect(try store.integrityCheck() == ["ok"])
  }

  @Test("RUNNING rows with a stale heartbeat (other host) are reclaimed; fresh ones are not")
  func reclaimStale() throws {
    let store = try StoreFixture.makeStore("stale")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "s", task: "test"))
    let remote = RunOwner(host: "elsewhere.example", pid: 1, session: "remote")
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    _ = try store.claim(experimentID: id, trials: StoreFixture.trials(2), owner: remote, now: t0)
    try store.heartbeat(owner: remote, now: t0.addingTimeInterval(100))
    let me = RunOwner.current()
    let fresh = try store.claim(
      experimentID: id, trials: StoreFixture.trials(2), owner: me, staleAfter: 120, now: t0.addingTimeInterval(150))
    #expect(fresh.runningElsewhere == ["k0", "k1"])
    let stale = try store.claim(
      experimentID: id, trials: StoreFixture.trials(2), owner: me, staleAfter: 120, now: t0.addingTimeInterval(221))
    #expect(stale.claimed.map(\.key) == ["k0", "k1"])
    #expect(stale.reclaimedRunIDs.count == 2)
  }

  @Test("rerun supersedes FINISHED runs of other sessions, never those of its own session")
  func rerun() throws {
    let store = try StoreFixture.makeStore("rerun")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "r", task: "test"))
    let a = RunOwner.current()
    let first = try store.claim(experimentID: id, trials: StoreFixture.trials(2), owner: a)
    try store.record(first.claimed.map { RunResult(runID: $0.runID, status: .finished, metrics: ["f1": 0.5]) })
    let sameSession = try store.claim(experimentID: id, trials: StoreFixture.trials(2), owner: a, rerun: true)
    #expect(sameSession.claimed.isEmpty && sameSession.alreadyFinished == ["k0", "k1"])
    let b = RunOwner.current()
    let second = try store.claim(experimentID: id, trials: StoreFixture.trials(2), owner: b, rerun: true)
    #expect(second.claimed.count == 2)
    #expect(Set(second.supersededRunIDs) == Set(first.claimed.map(\.runID)))
    try store.record(second.claimed.map { RunResult(runID: $0.runID, status: .finished, metrics: ["f1": 0.7]) })
    let current = try store.runs(experimentID: id)
    #expect(current.count == 2 && current.allSatisfy { $0.metrics["f1"] == 0.7 && !$0.superseded })
    let all = try store.runs(experimentID: id, query: RunQuery(includeSuperseded: true))
    #expect(all.count == 4)
    #expect(all.filter(\.superseded).allSatisfy { $0.status == .finished && $0.metrics["f1"] == 0.5 })
    #expect(try store.finishedKeys(experimentID: id) == ["k0", "k1"])
  }

  @Test(
    "record writes a batch in one transaction: NaN as NULL, series, tags, params, artifacts; late results for KILLED runs are dropped"
  )
  func record() throws {
    let store = try StoreFixture.makeStore("record")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "rec", task: "test"))
    let me = RunOwner.current()
    let claimed = try store.claim(
      experimentID: id,
      trials: StoreFixture.trials(3).map {
        var t = $0
        t.params = ["lr": "0.001"]
        return t
      },
      owner: me
    ).claimed
    #expect(try store.markKilled([claimed[2].runID], reason: "interrupted") == 1)
    let series = [3.0, 1.0, .nan, 2.0, 0.5].enumerated().map {
      MetricPoint(key: "loss", step: $0.offset, value: $0.element)
    }
    let written = try store.record([
      RunResult(
        runID: claimed[0].runID, status: .finished, params: ["extra": "x"], metrics: ["f1": 0.25, "auc": .nan],
        series: series, tags: ["almanac.host": "h"], artifacts: ["artifacts/rec/run-1/model.json"]),
      RunResult(runID: claimed[1].runID, status: .failed, error: "boom"),
      RunResult(runID: claimed[2].runID, status: .finished, metrics: ["f1": 1]),
    ])
    #expect(written == [claimed[0].runID, claimed[1].runID])
    let nullCount = try store.database.read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics WHERE value IS NULL") ?? -1
    }
    #expect(nullCount == 1)  // the NaN scalar; series keep NaN in their packed values
    let detail = try #require(try store.runDetail(id: claimed[0].runID))
    #expect(detail.run.status == .finished)
    #expect(detail.run.params == ["lr": "0.001", "extra": "x"])
    #expect(detail.run.metrics["f1"] == 0.25)
    #expect(detail.run.metrics["auc"]?.isNaN == true)
    #expect(detail.tags == ["almanac.host": "h"])
    #expect(detail.artifacts == ["artifacts/rec/run-1/model.json"])
    let loss = try #require(detail.series.first)
    // count includes the NaN point; min/max ignore it; last is the value at the largest step.
    #expect(loss.key == "loss" && loss.count == 5 && loss.min == 0.5 && loss.max == 3.0)
    #expect(loss.lastStep == 4 && loss.last == 0.5)
    #expect(detail.experimentName == "rec")
    let points = try store.series(runID: claimed[0].runID, key: "loss")
    #expect(points.map(\.step) == [0, 1, 2, 3, 4])
    #expect(points[2].value.isNaN)
    let failed = try #require(try store.runDetail(id: claimed[1].runID))
    #expect(failed.run.status == .failed && failed.run.error == "boom")
    let killed = try #require(try store.runDetail(id: claimed[2].runID))
    #expect(killed.run.status == .killed && killed.run.metrics.isEmpty)
    #expect(try store.statusCounts(experimentID: id) == [.finished: 1, .failed: 1, .killed: 1])
    #expect(throws: TrackingError.self) { try store.record([RunResult(runID: claimed[0].runID, status: .running)]) }
    #expect(try store.runDetail(id: 9999) == nil)
  }

  @Test("heartbeat touches only the owner's RUNNING runs")
  func heartbeat() throws {
    let store = try StoreFixture.makeStore("hb")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "hb", task: "test"))
    let a = RunOwner.current()
    let b = RunOwner.current()
    _ = try store.claim(experimentID: id, trials: StoreFixture.trials(3), owner: a)
    _ = try store.claim(experimentID: id, trials: StoreFixture.trials(5), owner: b)
    #expect(try store.heartbeat(owner: a) == 3)
    #expect(try store.heartbeat(owner: b) == 2)
  }
}

/// Errors collected from several threads. `@unchecked Sendable`: guarded by `lock`.
final class ErrorBox: @unchecked Sendable {
  private let lock = NSLock()
  private var errors: [String] = []
  func append(_ error: any Error) { lock.withLock { errors.append(String(describing: error)) } }
  var all: [String] { lock.withLock { errors } }
}
