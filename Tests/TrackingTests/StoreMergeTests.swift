import AlmanacCore
import Foundation
import GRDB
import Testing
import _TestSupport

@testable import Tracking

/// Shard stores built through the store's own API (as `almanac run --shard` does), merged into a target.
enum MergeFixture {
  static let catalog = MetricCatalog(
    declared: [MetricDeclaration("score", goal: .maximize, listed: true), MetricDeclaration("curve", .series)],
    selected: ["score"])

  static func plan(_ n: Int) -> [PlanEntry] { (0..<n).map { PlanEntry(key: "k\($0)", index: $0) } }

  static func definition(spec: String = "name: sweep\n", task: String = "_sleep", plan: [PlanEntry]) -> ExperimentDefinition {
    ExperimentDefinition(
      name: "sweep", task: task, spec: spec, tags: [TagKey.shard: "x"], plan: plan, metrics: catalog)
  }

  /// A shard store in its own folder recording plan `planSize` and running the trials at `positions`
  /// (FINISHED with a score, a 3-point series, a tag, a param and an artifact file).
  static func shard(
    _ dir: URL, _ name: String, planSize: Int, positions: [Int], start: Date = Date(timeIntervalSince1970: 1_000),
    spec: String = "name: sweep\n", finish: Bool = true
  ) throws -> URL {
    let url = dir.appendingPathComponent(name).appendingPathComponent("almanac.db")
    let store = try TrackingStore(at: url)
    let id = try store.upsertExperiment(definition(spec: spec, plan: plan(planSize)))
    let owner = RunOwner(host: "node-\(name)", pid: 4242, session: "session-\(name)")
    let claims = positions.map { TrialClaim(key: "k\($0)", index: $0, seed: UInt64($0), params: ["x": "\($0)"]) }
    let claimed = try store.claim(experimentID: id, trials: claims, owner: owner, now: start).claimed
    guard finish else { return url }
    var results: [RunResult] = []
    for run in claimed {
      let artifactDir = store.artifactDirectory(experiment: "sweep", runID: run.runID)
      try FileManager.default.createDirectory(at: artifactDir, withIntermediateDirectories: true)
      try Data("trial \(run.key)".utf8).write(to: artifactDir.appendingPathComponent("out.txt"))
      results.append(
        RunResult(
          runID: run.runID, status: .finished, endTime: start.addingTimeInterval(1),
          metrics: ["score": Double(run.index)],
          series: (0..<3).map { MetricPoint(key: "curve", step: $0, value: Double(run.index * 10 + $0)) },
          tags: [TagKey.axes: "x"],
          artifacts: [store.relativePath(of: artifactDir.appendingPathComponent("out.txt"))]))
    }
    try store.record(results)
    return url
  }

  static func counts(_ store: TrackingStore) throws -> [String: Int] {
    try store.database.read { db in
      var c: [String: Int] = [:]
      for table in ["experiments", "runs", "params", "metrics", "series", "tags", "artifacts", "plan_trials",
                    "experiment_metrics", "experiment_tags"] {
        c[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1
      }
      c["current_finished"] = try Int.fetchOne(
        db, sql: "SELECT count(*) FROM runs WHERE status = 'FINISHED' AND superseded = 0") ?? -1
      return c
    }
  }
}

@Suite("TrackingStore.merge (shard stores)")
struct StoreMergeTests {
  @Test("four shards of a 10-trial plan merge into one experiment with every trial FINISHED once; integrity ok")
  func mergesShards() throws {
    let dir = try TestSupport.temporaryDirectory("merge-basic")
    let shards = try (0..<4).map { i in
      try MergeFixture.shard(dir, "shard-\(i)-of-4", planSize: 10, positions: Array(stride(from: i, to: 10, by: 4)))
    }
    let target = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    let summaries = try target.merge(shards: shards)
    #expect(summaries.map(\.runsCopied) == [3, 3, 2, 2])
    #expect(summaries.allSatisfy { $0.duplicates.isEmpty })
    // 10 runs x (1 scalar + 3 series points).
    #expect(summaries.reduce(0) { $0 + $1.metricPoints } == 40)
    let experiments = try target.experiments()
    #expect(experiments.map(\.name) == ["sweep"])
    let id = try #require(experiments.first?.id)
    #expect(try target.planKeys(experimentID: id) == (0..<10).map { "k\($0)" })
    #expect(try target.finishedKeys(experimentID: id) == Set((0..<10).map { "k\($0)" }))
    #expect(try target.metricCatalog(experimentID: id) == MergeFixture.catalog)
    // The shard tag is not copied; leaders are recomputed (best score = 9).
    let tags = try #require(experiments.first?.tags)
    #expect(tags[TagKey.shard] == nil)
    #expect(tags[TagKey.best("score")]?.contains("9") == true)
    // Series and params survive with their values.
    let runs = try target.runs(experimentID: id, query: RunQuery(statuses: [.finished]))
    let run7 = try #require(runs.first { $0.trialKey == "k7" })
    #expect(try target.series(runID: run7.id, key: "curve").map(\.value) == [70, 71, 72])
    #expect(run7.params["x"] == "7")
    #expect(run7.metrics["score"] == 7)
    // Artifact rows point at the new run id and the file was copied beside the target.
    let detail = try #require(try target.runDetail(id: run7.id))
    #expect(detail.artifacts == ["artifacts/sweep/run-\(run7.id)/out.txt"])
    let copied = try String(
      contentsOf: dir.appendingPathComponent("artifacts/sweep/run-\(run7.id)/out.txt"), encoding: .utf8)
    #expect(copied == "trial k7")
    #expect(try target.integrityCheck() == ["ok"])
    let progress = try #require(try target.planProgress(experimentNamed: "sweep"))
    #expect(progress.finished == 10 && progress.trials == 10 && progress.finishedTwice == 0)
  }

  @Test("merging the same shards again changes nothing (idempotent)")
  func idempotent() throws {
    let dir = try TestSupport.temporaryDirectory("merge-idem")
    let a = try MergeFixture.shard(dir, "a", planSize: 6, positions: [0, 2, 4])
    let b = try MergeFixture.shard(dir, "b", planSize: 6, positions: [1, 3, 5])
    let target = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    _ = try target.merge(shards: [a, b])
    let before = try MergeFixture.counts(target)
    let again = try target.merge(shards: [a, b, a])
    #expect(try MergeFixture.counts(target) == before)
    #expect(again.map(\.runsCopied) == [0, 0, 0])
    #expect(again.map(\.runsAlreadyMerged) == [3, 3, 3])
    #expect(before["runs"] == 6 && before["current_finished"] == 6 && before["series"] == 6)
    #expect(before["experiments"] == 1 && before["plan_trials"] == 6)
  }

  @Test("a trial FINISHED in two shards keeps the earliest run and reports the duplicate")
  func duplicates() throws {
    let dir = try TestSupport.temporaryDirectory("merge-dup")
    // Shard "late" ran k0..k2 at t = 2000 s; shard "early" ran k2..k3 at t = 1000 s: k2 is in both.
    let late = try MergeFixture.shard(
      dir, "late", planSize: 4, positions: [0, 1, 2], start: Date(timeIntervalSince1970: 2_000))
    let early = try MergeFixture.shard(
      dir, "early", planSize: 4, positions: [2, 3], start: Date(timeIntervalSince1970: 1_000))
    let target = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    let summaries = try target.merge(shards: [late, early])
    #expect(summaries[0].duplicates.isEmpty)
    let duplicate = try #require(summaries[1].duplicates.first)
    #expect(summaries[1].duplicates.count == 1)
    #expect(duplicate.trialKey == "k2")
    let id = try #require(try target.experiment(named: "sweep")?.id)
    let current = try target.runs(experimentID: id, query: RunQuery(statuses: [.finished]))
    #expect(current.filter { $0.trialKey == "k2" }.count == 1)
    let kept = try #require(current.first { $0.trialKey == "k2" })
    #expect(kept.id == duplicate.keptRunID)
    #expect(kept.startTime == Date(timeIntervalSince1970: 1_000))
    // Both runs are kept; the later one is superseded (history), never counted twice.
    let all = try target.runs(experimentID: id, query: RunQuery(scope: .all, includeSuperseded: true))
    #expect(all.filter { $0.trialKey == "k2" }.count == 2)
    #expect(all.first { $0.id == duplicate.supersededRunID }?.superseded == true)
    #expect(try MergeFixture.counts(target)["current_finished"] == 4)
    // Merging again reports nothing new.
    #expect(try target.merge(shards: [late, early]).allSatisfy { $0.duplicates.isEmpty && $0.runsCopied == 0 })
    #expect(try target.integrityCheck() == ["ok"])
  }

  @Test("a shard of another plan or another experiment file is refused and nothing is merged")
  func otherPlanRefused() throws {
    let dir = try TestSupport.temporaryDirectory("merge-plan")
    let good = try MergeFixture.shard(dir, "good", planSize: 6, positions: [0, 1])
    let otherPlan = try MergeFixture.shard(dir, "other", planSize: 7, positions: [2])
    let otherSpec = try MergeFixture.shard(dir, "spec", planSize: 6, positions: [3], spec: "name: sweep\nms: 5\n")
    let target = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    let empty = try MergeFixture.counts(target)
    #expect {
      try target.merge(shards: [good, otherPlan])
    } throws: { error in
      guard case .planDiffers(let name, _, _, let detail) = error as? MergeError else { return false }
      return name == "sweep" && detail.contains("7 vs 6 trials") && (error as? MergeError)?.failureKind == .badInput
    }
    #expect(try MergeFixture.counts(target) == empty)
    #expect(throws: MergeError.self) { try target.merge(shards: [good, otherSpec]) }
    #expect(try MergeFixture.counts(target) == empty)
    // Against the target: after merging `good`, the other plan is refused too, and the target keeps what it had.
    _ = try target.merge(shards: [good])
    let merged = try MergeFixture.counts(target)
    #expect(throws: MergeError.self) { try target.merge(shards: [otherPlan]) }
    #expect(try MergeFixture.counts(target) == merged)
    let message = String(describing: MergeError.planDiffers(experiment: "sweep", shard: "s", other: "t", detail: "d"))
    #expect(message.contains("another plan") && message.contains("nothing was merged"))
  }

  @Test("an empty shard (a fresh store, a zero-byte file, an experiment without runs) merges as nothing")
  func emptyShard() throws {
    let dir = try TestSupport.temporaryDirectory("merge-empty")
    let fresh = dir.appendingPathComponent("fresh.db")
    _ = try TrackingStore(at: fresh)
    let zero = dir.appendingPathComponent("zero.db")
    try Data().write(to: zero)
    let noRuns = try MergeFixture.shard(dir, "none", planSize: 5, positions: [])
    let some = try MergeFixture.shard(dir, "some", planSize: 5, positions: [0, 1, 2, 3, 4])
    let target = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    let summaries = try target.merge(shards: [fresh, zero, noRuns, some])
    #expect(summaries[0].isEmpty && summaries[1].isEmpty)
    #expect(summaries[2].experiments == ["sweep"] && summaries[2].runsCopied == 0)
    #expect(summaries[3].runsCopied == 5)
    #expect(try MergeFixture.counts(target)["current_finished"] == 5)
    #expect(try target.integrityCheck() == ["ok"])
  }

  @Test("a corrupt shard gives a clear error and leaves the target untouched")
  func corruptShard() throws {
    let dir = try TestSupport.temporaryDirectory("merge-corrupt")
    let good = try MergeFixture.shard(dir, "good", planSize: 4, positions: [0, 1])
    let target = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    _ = try target.merge(shards: [good])
    let before = try MergeFixture.counts(target)
    // Not a database at all.
    let garbage = dir.appendingPathComponent("garbage.db")
    try Data(repeating: 0x5A, count: 8192).write(to: garbage)
    #expect {
      try target.merge(shards: [garbage])
    } throws: { error in
      guard case .corruptShard(let path, _) = error as? MergeError else { return false }
      return path == garbage.path && String(describing: error).contains("not a readable Almanac store")
    }
    // A real store cut in half (its pages past the header are lost).
    let other = try MergeFixture.shard(dir, "cut", planSize: 4, positions: [2, 3])
    try TrackingStore(at: other).database.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
    }
    let bytes = try Data(contentsOf: other)
    let cut = dir.appendingPathComponent("cut.db")
    try bytes.prefix(bytes.count / 2).write(to: cut)
    #expect(throws: MergeError.self) { try target.merge(shards: [good, cut]) }
    // A missing file.
    #expect(throws: StoreError.self) { try target.merge(shards: [dir.appendingPathComponent("missing.db")]) }
    // Merging a store into itself.
    #expect(throws: MergeError.sameStore(path: target.fileURL.path)) { try target.merge(shards: [target.fileURL]) }
    #expect(try MergeFixture.counts(target) == before)
    #expect(try target.integrityCheck() == ["ok"])
  }

  @Test("runs still RUNNING in a shard are not merged; after the shard finishes them a new merge adds them")
  func runningRunsSkipped() throws {
    let dir = try TestSupport.temporaryDirectory("merge-running")
    let shard = try MergeFixture.shard(dir, "r", planSize: 3, positions: [0, 1, 2], finish: false)
    let target = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    let first = try target.merge(shards: [shard])
    #expect(first[0].runsStillRunning == 3 && first[0].runsCopied == 0)
    // The shard's runner comes back: it marks the runs KILLED and finishes the trials under a new session.
    let store = try TrackingStore(at: shard)
    let id = try #require(try store.experiment(named: "sweep")?.id)
    let stale = try store.runs(experimentID: id, query: RunQuery(scope: .all)).map(\.id)
    try store.markKilled(stale, reason: "test")
    let owner = RunOwner(host: "node", pid: 1, session: "second")
    let claimed = try store.claim(experimentID: id, trials: StoreFixture.trials(3), owner: owner).claimed
    try store.record(claimed.map { RunResult(runID: $0.runID, status: .finished, metrics: ["score": 1]) })
    let second = try target.merge(shards: [shard])
    #expect(second[0].runsCopied == 6 && second[0].runsStillRunning == 0)
    #expect(try MergeFixture.counts(target)["current_finished"] == 3)
  }
}
