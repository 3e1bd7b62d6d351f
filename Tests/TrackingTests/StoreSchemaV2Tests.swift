import AlmanacCore
import Foundation
import GRDB
import Testing
import _TestSupport

@testable import Tracking

/// Schema v2 (plan membership and metric declarations in tables, packed series), stores written by older and newer
/// Almanacs, and read-only opening.
@Suite("Store schema v2, migrations and access")
struct StoreSchemaV2Tests {
  /// A store exactly as the v1 schema (Almanac 0.1) wrote it: plan keys and the metrics selection as experiment
  /// tags, series as `metrics` rows with `is_series = 1`.
  static func writeV1Store(at url: URL) throws {
    let queue = try DatabaseQueue(path: url.path)
    try TrackingStore.migrator.migrate(queue, upTo: TrackingStore.firstMigration)
    try queue.write { db in
      try db.execute(
        sql: """
          INSERT INTO experiments (experiment_id, name, task, creation_time, last_update_time)
            VALUES (1, 'old', 'classify', 0, 0);
          INSERT INTO experiment_tags VALUES (1, 'almanac.plan_keys', 'k0,k1,k2');
          INSERT INTO experiment_tags VALUES (1, 'almanac.metrics', 'f1,recall');
          INSERT INTO experiment_tags VALUES (1, 'best.f1', 'run 1 f1=0.5');
          INSERT INTO runs (run_id, experiment_id, trial_key, trial_index, status, start_time, end_time, owner_host,
                            owner_pid, owner_session, heartbeat, seed)
            VALUES (1, 1, 'k0', 0, 'FINISHED', 0, 10, 'h', 1, 's', 10, '7'),
                   (2, 1, 'stale', 3, 'FINISHED', 0, 10, 'h', 1, 's', 10, '8');
          INSERT INTO metrics (run_id, key, value, step, timestamp, is_series) VALUES
            (1, 'f1', 0.5, 0, 10, 0), (2, 'f1', 0.9, 0, 10, 0),
            (1, 'loss', 0.3, 2, 10, 1), (1, 'loss', 0.9, 0, 10, 1), (1, 'loss', NULL, 1, 10, 1),
            (1, 'roc', 0.1, 0, 10, 1);
          """)
    }
    try queue.close()
  }

  @Test("a store written by the v1 schema is converted: plan table, selection, packed series, tags removed")
  func migratesV1() throws {
    let dir = try TestSupport.temporaryDirectory("v1-store")
    let url = dir.appendingPathComponent("almanac.db")
    try Self.writeV1Store(at: url)
    let store = try TrackingStore(at: url)
    #expect(try store.schemaStatus().applied == [TrackingStore.firstMigration, TrackingStore.planTablesMigration])
    let experiment = try store.requireExperiment(named: "old")
    #expect(try store.planKeys(experimentID: experiment.id) == ["k0", "k1", "k2"])
    #expect(try store.metricCatalog(experimentID: experiment.id).selected == ["f1", "recall"])
    #expect(experiment.tags["almanac.plan_keys"] == nil && experiment.tags["almanac.metrics"] == nil)
    #expect(experiment.tags["best.f1"] == "run 1 f1=0.5")
    // Series: sorted by step, NaN kept, no series rows left in metrics.
    let loss = try store.series(runID: 1, key: "loss")
    #expect(loss.map(\.step) == [0, 1, 2] && loss[0].value == 0.9 && loss[1].value.isNaN && loss[2].value == 0.3)
    #expect(try store.series(runID: 1, key: "roc").map(\.value) == [0.1])
    let seriesRows = try store.database.read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics WHERE is_series = 1") ?? -1
    }
    #expect(seriesRows == 0)
    // The current plan excludes the stale run; the scalars survive.
    let current = try store.runs(experimentID: experiment.id)
    #expect(current.map(\.trialKey) == ["k0"] && current[0].metrics["f1"] == 0.5)
    #expect(try store.runs(experimentID: experiment.id, query: RunQuery(scope: .all)).count == 2)
    #expect(try store.integrityCheck() == ["ok"])
  }

  @Test("opening a v1 store read-only reads it through an upgraded in-memory copy and leaves the file as it was")
  func readOnlyOldStore() throws {
    let dir = try TestSupport.temporaryDirectory("v1-readonly")
    let url = dir.appendingPathComponent("almanac.db")
    try Self.writeV1Store(at: url)
    let before = try Data(contentsOf: url)
    let store = try TrackingStore(at: url, access: .readOnly)
    let experiment = try store.requireExperiment(named: "old")
    #expect(try store.runs(experimentID: experiment.id).map(\.trialKey) == ["k0"])
    #expect(try store.series(runID: 1, key: "loss").count == 3)
    #expect(try Data(contentsOf: url) == before)
    #expect {
      try store.upsertExperiment(ExperimentDefinition(name: "new", task: "t"))
    } throws: { error in
      guard case StoreError.readOnly(let path, _) = error else { return false }
      return path == url.standardizedFileURL.path
    }
  }

  @Test("a store with a migration this build does not know is refused for writing, naming the version that wrote it")
  func newerStoreIsNotWritten() throws {
    let dir = try TestSupport.temporaryDirectory("newer-store")
    let url = dir.appendingPathComponent("almanac.db")
    do {
      let store = try TrackingStore(at: url)
      try store.upsertExperiment(ExperimentDefinition(name: "e", task: "t"))
      try store.database.write { db in
        try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: from the future')")
        try db.execute(sql: "UPDATE store_meta SET value = '9.9.9' WHERE key = 'almanac_version'")
      }
    }
    #expect {
      _ = try TrackingStore(at: url)
    } throws: { error in
      guard case StoreError.newerSchema(_, let writtenBy, let unknown) = error else { return false }
      let text = String(describing: error)
      return writtenBy == "9.9.9" && unknown == ["v9: from the future"] && text.contains("Almanac 9.9.9")
        && (error as? StoreError)?.failureKind == .environment
    }
    // Reading goes on.
    let reader = try TrackingStore(at: url, access: .readOnly)
    #expect(try reader.experiments().map(\.name) == ["e"])
    let status = try reader.schemaStatus()
    #expect(status.unknown == ["v9: from the future"] && status.writtenBy == "9.9.9")
  }

  @Test("read-only opening of a missing file or a directory fails with the path, not SQLite's code")
  func unopenable() throws {
    let dir = try TestSupport.temporaryDirectory("unopenable")
    let missing = dir.appendingPathComponent("nope.db")
    #expect {
      _ = try TrackingStore(at: missing, access: .readOnly)
    } throws: { error in
      String(describing: error).contains(missing.standardizedFileURL.path)
        && String(describing: error).contains("no such file")
    }
    #expect {
      _ = try TrackingStore(at: dir)
    } throws: { error in
      String(describing: error).contains("is a directory") && (error as? StoreError)?.failureKind == .environment
    }
    let garbage = dir.appendingPathComponent("garbage.db")
    try Data(repeating: 0x41, count: 4096).write(to: garbage)
    #expect {
      _ = try TrackingStore(at: garbage)
    } throws: { error in
      String(describing: error).contains(garbage.standardizedFileURL.path)
    }
  }

  @Test("a read-only snapshot copy reads a WAL store (the path taken when the folder is not writable)")
  func snapshotCopy() throws {
    let store = try StoreFixture.makeStore("snapshot")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "snap", task: "t"))
    let claimed = try store.claim(experimentID: id, trials: StoreFixture.trials(2), owner: .current()).claimed
    try store.record(claimed.map { RunResult(runID: $0.runID, status: .finished, metrics: ["m": 1]) })
    var config = Configuration()
    config.readonly = true
    let copy = try TrackingStore.snapshotCopy(of: store.fileURL.path, configuration: config)
    let count = try copy.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs") }
    #expect(count == 2)
  }

  @Test("re-recording a plan changes only what changed; the plan keeps its order")
  func planReplace() throws {
    let store = try StoreFixture.makeStore("plan")
    let plan = (0..<5).map { PlanEntry(key: "k\($0)", index: $0) }
    let id = try store.upsertExperiment(ExperimentDefinition(name: "p", task: "t", plan: plan))
    #expect(try store.planKeys(experimentID: id) == ["k0", "k1", "k2", "k3", "k4"])
    let edited = [PlanEntry(key: "k4", index: 0), PlanEntry(key: "k9", index: 1), PlanEntry(key: "k0", index: 2)]
    try store.upsertExperiment(ExperimentDefinition(name: "p", task: "t", plan: edited))
    #expect(try store.planKeys(experimentID: id) == ["k4", "k9", "k0"])
    // An upsert without a plan leaves it alone.
    try store.upsertExperiment(ExperimentDefinition(name: "p", task: "t"))
    #expect(try store.planKeys(experimentID: id).count == 3)
  }

  @Test("metric declarations round-trip: kinds, goals, listing, help, selection order and undeclared selections")
  func catalogRoundTrip() throws {
    let store = try StoreFixture.makeStore("catalog")
    let catalog = MetricCatalog(
      declared: [
        MetricDeclaration("f1", goal: .maximize, listed: true, help: "F1"),
        MetricDeclaration("loss", goal: .minimize),
        MetricDeclaration("coef.*"),
        MetricDeclaration("curve", .series),
      ], selected: ["loss", "f1", "extra"])
    let id = try store.upsertExperiment(ExperimentDefinition(name: "c", task: "t", metrics: catalog))
    let read = try store.metricCatalog(experimentID: id)
    #expect(read.selected == ["loss", "f1", "extra"])
    #expect(Array(read.declared.prefix(4)) == catalog.declared)
    #expect(read.ranking == "loss" && read.goal(of: "loss") == .minimize && read.goal(of: "extra") == nil)
    #expect(read.listed == ["f1"] && read.rankedScalars == ["f1", "loss"])
    #expect(read.declaration(of: "coef.ar1")?.name == "coef.*")
    #expect(read.ordered(["curve", "zeta", "f1", "coef.ma1", "loss"]) == ["loss", "f1", "curve", "coef.ma1", "zeta"])
  }

  @Test("a long series is one row: 6 series of 5,000 points per run for 24 runs are 144 rows")
  func longSeriesArePacked() throws {
    let store = try StoreFixture.makeStore("long-series")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "long", task: "t"))
    let claimed = try store.claim(experimentID: id, trials: StoreFixture.trials(24), owner: .current()).claimed
    let keys = ["forecast", "lower80", "upper80", "lower95", "upper95", "actual"]
    let results = claimed.map { run in
      RunResult(
        runID: run.runID, status: .finished, metrics: ["rmse": 1],
        series: keys.flatMap { key in (0..<5_000).map { MetricPoint(key: key, step: $0, value: Double($0)) } })
    }
    #expect(try store.record(results).count == 24)
    let rows = try store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series") ?? 0 }
    #expect(rows == 24 * keys.count)
    let points = try store.series(runID: claimed[23].runID, key: "upper95")
    #expect(points.count == 5_000 && points.last?.step == 4_999 && points.last?.value == 4_999)
  }
}
