import Foundation
import GRDB
import Testing
import _TestSupport

@testable import Tracking

/// The MLflow SQLite export, read back with SQL (the real MLflow client reads it in EndToEndTests).
@Suite("MLflow export (SQLite file)")
struct MLflowExportTests {
  /// A store with one experiment: trial k0 FINISHED (scalars, a 3-point series, a NaN, provenance tags, a log),
  /// k1 FAILED, k2 FINISHED then rerun (the first run superseded).
  static func makeStore() throws -> (TrackingStore, URL) {
    let dir = try TestSupport.temporaryDirectory("mlflow-export")
    let store = try TrackingStore(at: dir.appendingPathComponent("almanac.db"))
    let id = try store.upsertExperiment(
      ExperimentDefinition(
        name: "exp-1", task: "forecast", filePath: "experiments/exp.yaml", spec: "name: exp-1\ntask: forecast\n",
        notes: "Some *notes*.", tags: ["almanac.metrics": "aic,rmse", "almanac.file": "experiments/exp.yaml"],
        plan: (0..<3).map { PlanEntry(key: "k\($0)", index: $0) }),
      now: Date(timeIntervalSince1970: 1_700_000_000))
    let owner = RunOwner(host: "h", pid: getpid(), session: "s1")
    let claimed = try store.claim(
      experimentID: id,
      trials: [
        TrialClaim(key: "k0", index: 0, seed: 1, params: ["p": "1", "data.source": "synthetic"]),
        TrialClaim(key: "k1", index: 1, seed: 2, params: ["p": "2", "data.source": "synthetic"]),
        TrialClaim(key: "k2", index: 2, seed: 3, params: ["p": "3", "data.source": "synthetic"]),
      ], owner: owner, now: Date(timeIntervalSince1970: 1_700_000_010)
    ).claimed
    let end = Date(timeIntervalSince1970: 1_700_000_020)
    try store.record([
      RunResult(
        runID: claimed[0].runID, status: .finished, endTime: end, metrics: ["aic": -12.5, "rmse": .nan],
        series: [MetricPoint(key: "forecast", step: 2, value: 0.3), MetricPoint(key: "forecast", step: 0, value: 0.1),
                 MetricPoint(key: "forecast", step: 1, value: 0.2)],
        tags: ["almanac.git.commit": "abc123", "almanac.axes": "p", "almanac.log": "line 1\nline 2",
               "almanac.data.../../shared/x.csv.sha256": "ff"]),
      RunResult(runID: claimed[1].runID, status: .failed, endTime: end, error: "boom", tags: ["almanac.axes": "p"]),
      RunResult(runID: claimed[2].runID, status: .finished, endTime: end, metrics: ["aic": -3]),
    ])
    return (store, dir)
  }

  static func rerunK2(_ store: TrackingStore) throws -> Int64 {
    let id = try store.requireExperiment(named: "exp-1").id
    let rerun = try store.claim(
      experimentID: id, trials: [TrialClaim(key: "k2", index: 2, seed: 3, params: ["p": "3"])],
      owner: RunOwner(host: "h", pid: getpid(), session: "s2"), rerun: true)
    let runID = try #require(rerun.claimed.first?.runID)
    try store.record([RunResult(runID: runID, status: .finished, metrics: ["aic": -4])])
    return runID
  }

  @Test("a new file has MLflow's schema at the pinned revision, the runs, params, metrics and tags")
  func newFile() throws {
    let (store, dir) = try Self.makeStore()
    let out = dir.appendingPathComponent("mlflow/mlflow.db")
    let summary = try MLflowExport.exportSQLite(store: store, experimentName: "exp-1", to: out)
    #expect(summary.runIDs.count == 3)
    #expect(summary.reportRunID == nil)
    let db = try DatabaseQueue(path: out.path)
    try db.read { db in
      #expect(try String.fetchOne(db, sql: "SELECT version_num FROM alembic_version") == MLflowExport.schemaRevision)
      #expect(try String.fetchAll(db, sql: "SELECT name FROM experiments ORDER BY experiment_id") == ["Default", "exp-1"])
      let experimentID = try #require(try Int64.fetchOne(db, sql: "SELECT experiment_id FROM experiments WHERE name = 'exp-1'"))
      #expect(String(experimentID) == summary.experimentID)
      let runs = try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY start_time, run_uuid")
      #expect(runs.count == 3)
      #expect(Set(runs.map { $0["status"] as String }) == ["FINISHED", "FAILED"])
      #expect(runs.allSatisfy { ($0["lifecycle_stage"] as String) == "active" })
      #expect(runs.allSatisfy { ($0["start_time"] as Int64) == 1_700_000_010_000 })
      #expect(runs.allSatisfy { ($0["run_uuid"] as String).count == 32 })
      #expect(runs.allSatisfy { ($0["artifact_uri"] as String).hasPrefix("file:///") })

      let k0 = try #require(
        try String.fetchOne(db, sql: "SELECT run_uuid FROM tags WHERE key = 'almanac.trial_key' AND value = 'k0'"))
      #expect(try Row.fetchOne(db, sql: "SELECT name, source_version FROM runs WHERE run_uuid = ?", arguments: [k0])
        .map { [$0["name"] as String, $0["source_version"] as String] } == ["p=1", "abc123"])
      // Params as stored, one row each.
      let params = try Row.fetchAll(db, sql: "SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key",
                                    arguments: [k0]).map { "\($0["key"] as String)=\($0["value"] as String)" }
      #expect(params == ["data.source=synthetic", "p=1"])
      // The series: three points in step order; the scalar at step 0; NaN as is_nan.
      let forecast = try Row.fetchAll(
        db, sql: "SELECT step, value FROM metrics WHERE run_uuid = ? AND key = 'forecast' ORDER BY step",
        arguments: [k0]).map { [Double($0["step"] as Int64), $0["value"] as Double] }
      #expect(forecast == [[0, 0.1], [1, 0.2], [2, 0.3]])
      let rmse = try #require(try Row.fetchOne(
        db, sql: "SELECT value, is_nan FROM metrics WHERE run_uuid = ? AND key = 'rmse'", arguments: [k0]))
      #expect((rmse["is_nan"] as Bool) && (rmse["value"] as Double) == 0)
      // latest_metrics holds the point with the largest step.
      #expect(try Double.fetchOne(
        db, sql: "SELECT value FROM latest_metrics WHERE run_uuid = ? AND key = 'forecast'", arguments: [k0]) == 0.3)
      #expect(try Int64.fetchOne(
        db, sql: "SELECT step FROM latest_metrics WHERE run_uuid = ? AND key = 'forecast'", arguments: [k0]) == 2)
      // MLflow's own tags and the provenance.
      let tags = Dictionary(uniqueKeysWithValues: try Row.fetchAll(
        db, sql: "SELECT key, value FROM tags WHERE run_uuid = ?", arguments: [k0]).map { ($0["key"] as String, $0["value"] as String) })
      #expect(tags["mlflow.runName"] == "p=1")
      #expect(tags["mlflow.source.git.commit"] == "abc123")
      #expect(tags["mlflow.source.name"] == "experiments/exp.yaml")
      #expect(tags["mlflow.source.type"] == "LOCAL")
      #expect(tags["almanac.data.../shared/x.csv.sha256"] == "ff")
      #expect(tags["almanac.log"] == nil)
      // The failed run's error as its description.
      let note = try String.fetchOne(
        db, sql: """
          SELECT t.value FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid
          WHERE r.status = 'FAILED' AND t.key = 'mlflow.note.content'
          """)
      #expect(note == "**FAILED**: boom")
      // Experiment tags: notes and the file as the description; other tags copied as they are.
      let experimentTags = Dictionary(uniqueKeysWithValues: try Row.fetchAll(
        db, sql: "SELECT key, value FROM experiment_tags WHERE experiment_id = ?", arguments: [experimentID])
        .map { ($0["key"] as String, $0["value"] as String) })
      #expect(experimentTags["mlflow.note.content"]?.hasPrefix("Some *notes*.") == true)
      #expect(experimentTags["almanac.metrics"] == "aic,rmse")
    }
    // The log became an artifact.
    let artifactRoot = dir.appendingPathComponent("mlflow/mlartifacts")
    let k0UUID = MLflowExport.runUUID(experiment: "exp-1", trialKey: "k0", runID: 1)
    let log = try String(contentsOf: artifactRoot.appendingPathComponent("\(summary.experimentID)/\(k0UUID)/artifacts/log.txt"),
                         encoding: .utf8)
    #expect(log == "line 1\nline 2")
  }

  @Test("exporting again updates the same runs; a superseded run is marked deleted; the report is a run")
  func reexport() throws {
    let (store, dir) = try Self.makeStore()
    let out = dir.appendingPathComponent("mlflow.db")
    let first = try MLflowExport.exportSQLite(store: store, experimentName: "exp-1", to: out)
    let second = try MLflowExport.exportSQLite(store: store, experimentName: "exp-1", to: out)
    #expect(first.runIDs == second.runIDs)
    #expect(second.deletedRuns == 0)
    let db = try DatabaseQueue(path: out.path)
    let counts = { () throws -> [Int] in
      try db.read { db in
        try ["runs", "params", "tags", "metrics", "latest_metrics", "experiments"].map {
          try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1
        }
      }
    }
    let afterSecond = try counts()
    _ = try MLflowExport.exportSQLite(store: store, experimentName: "exp-1", to: out)
    #expect(try counts() == afterSecond)

    let newRun = try Self.rerunK2(store)
    let report = dir.appendingPathComponent("report")
    try FileManager.default.createDirectory(at: report.appendingPathComponent("charts"), withIntermediateDirectories: true)
    try Data("# exp-1\n".utf8).write(to: report.appendingPathComponent("README.md"))
    try Data("<svg/>".utf8).write(to: report.appendingPathComponent("charts/a.svg"))
    let third = try MLflowExport.exportSQLite(
      store: store, experimentName: "exp-1", to: out, options: MLflowExportOptions(reportDirectory: report))
    #expect(third.deletedRuns == 1)
    #expect(third.runIDs.count == 3)
    #expect(third.runIDs.contains(MLflowExport.runUUID(experiment: "exp-1", trialKey: "k2", runID: newRun)))
    let reportID = try #require(third.reportRunID)
    try db.read { (db: Database) throws in
      #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs") == 5)
      #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE lifecycle_stage = 'deleted'") == 1)
      #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE deleted_time IS NOT NULL") == 1)
      #expect(try String.fetchOne(db, sql: "SELECT name FROM runs WHERE run_uuid = ?", arguments: [reportID]) == "report")
    }
    let uri = try db.read { db in
      try String.fetchOne(db, sql: "SELECT artifact_uri FROM runs WHERE run_uuid = ?", arguments: [reportID])
    }
    let folder = URL(fileURLWithPath: try #require(uri.flatMap { URL(string: $0)?.path }))
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("README.md").path))
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("charts/a.svg").path))
  }

  @Test("a file that is not an MLflow database is refused and left alone")
  func refusesOtherFiles() throws {
    let (store, dir) = try Self.makeStore()
    // The Almanac store itself is not an MLflow database.
    #expect(throws: MLflowExportError.self) {
      try MLflowExport.exportSQLite(store: store, experimentName: "exp-1", to: store.fileURL)
    }
    #expect(throws: MLflowExportError.self) {
      try MLflowExport.exportSQLite(store: store, experimentName: "nope", to: dir.appendingPathComponent("m.db"))
    }
  }

  @Test("keys MLflow rejects are rewritten; long values are cut", arguments: [
    ("almanac.data.../../shared/data/x.csv.sha256", "almanac.data.../shared/data/x.csv.sha256"),
    ("coef.ar1", "coef.ar1"), ("a:b", "a_b"), ("/abs/key", "abs/key"), ("", "_"), ("..", "_"), ("é", "_"),
  ])
  func keys(input: String, expected: String) {
    #expect(MLflowExport.mlflowKey(input) == expected)
  }

  @Test("values beyond MLflow's limits are cut with a marker; run ids are stable and distinct")
  func limitsAndIDs() {
    let long = String(repeating: "x", count: 7000)
    let cut = MLflowExport.limited(long, MLflowLimits.paramValueLength)
    #expect(cut.count == MLflowLimits.paramValueLength && cut.hasSuffix("…[cut]"))
    #expect(MLflowExport.limited("short", 10) == "short")
    let a = MLflowExport.runUUID(experiment: "e", trialKey: "k", runID: 1)
    #expect(a == MLflowExport.runUUID(experiment: "e", trialKey: "k", runID: 1))
    #expect(a != MLflowExport.runUUID(experiment: "e", trialKey: "k", runID: 2))
    #expect(a != MLflowExport.runUUID(experiment: "f", trialKey: "k", runID: 1))
    #expect(a.count == 32 && a.allSatisfy { $0.isHexDigit })
  }
}

/// The embedded schema is MLflow's own at the pinned revision (regenerated with MLflow's migrations).
@Suite("MLflow pinned schema")
struct MLflowSchemaPinTests {
  static var python: URL {
    let env = ProcessInfo.processInfo.environment["ALMANAC_MLFLOW_VENV"].flatMap { $0.isEmpty ? nil : $0 }
    let venv = env.map { URL(fileURLWithPath: $0) } ?? TestSupport.repositoryRoot.appendingPathComponent(".venv-mlflow")
    return venv.appendingPathComponent("bin/python")
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: python.path),
                 "needs MLflow in a virtual environment: run scripts/install-mlflow (or set ALMANAC_MLFLOW_VENV)"))
  func schemaIsMLflowsOwn() throws {
    let process = Process()
    process.executableURL = Self.python
    process.arguments = [TestSupport.repositoryRoot.appendingPathComponent("Tests/Scripts/mlflow_pinned_schema.py").path,
                         MLflowExport.schemaRevision]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let generated = String(decoding: data, as: UTF8.self)
    #expect(!generated.isEmpty)
    #expect(Self.normalized(generated) == Self.normalized(MLflowExport.schemaSQL))
  }

  /// Statements in order, each as its sorted lines without trailing commas: SQLAlchemy writes the constraints of a
  /// table it rebuilds in an order that varies between Python processes (hash seeds); the order does not matter.
  static func normalized(_ sql: String) -> [[String]] {
    sql.components(separatedBy: ";").map { statement in
      statement.split(separator: "\n").map { line in
        var text = line.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix(",") { text.removeLast() }
        return text.trimmingCharacters(in: .whitespaces)
      }.filter { !$0.isEmpty }.sorted()
    }.filter { !$0.isEmpty }
  }
}
