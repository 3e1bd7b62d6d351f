import AlmanacCore
import Foundation
import GRDB

/// An experiment as MLflow will hold it, read from the store in one transaction; both writers (SQLite and REST)
/// write exactly this.
struct MLflowSnapshot: Sendable {
  var experimentName: String
  var experimentTags: [String: String]
  var creationTime: Int64
  var lastUpdateTime: Int64
  var runs: [MLflowRunSnapshot]
}

/// One MLflow run.
struct MLflowRunSnapshot: Sendable {
  /// 32 lower-case hex digits (MLflow's run id format).
  var uuid: String
  var name: String
  /// RUNNING | FINISHED | FAILED | KILLED.
  var status: String
  /// Milliseconds since 1970.
  var startTime: Int64
  var endTime: Int64?
  /// The experiment file (MLflow's `source_name`).
  var sourceName: String
  /// The git commit, or "" (MLflow's `source_version`).
  var sourceVersion: String
  var params: [(key: String, value: String)]
  var metrics: [MLflowMetricPoint]
  var tags: [String: String]
  /// Files to log as artifacts: path inside the run's artifact folder -> source file or text.
  var artifacts: [MLflowArtifact]
}

struct MLflowMetricPoint: Sendable, Hashable {
  var key: String
  /// NaN stays NaN here; the writers map it to MLflow's `is_nan`.
  var value: Double
  var timestamp: Int64
  var step: Int64
}

/// One artifact file: copied from `source` or written from `text`.
struct MLflowArtifact: Sendable {
  /// Relative path inside the run's artifact folder (`/`-separated).
  var path: String
  var source: URL?
  var text: String?
}

extension MLflowExport {
  /// Which runs of an experiment are exported: the current plan's runs that a rerun has not superseded (FINISHED,
  /// FAILED, KILLED and still RUNNING), in plan order, as listings and reports show them; every run when no plan was
  /// recorded. Runs that drop out of the plan are marked deleted in MLflow on the next export.
  static func exportedRunIDs(_ db: Database, experimentID: Int64) throws -> [Int64] {
    // The current plan's runs (as listings and reports show them); every run when no plan was recorded.
    try Int64.fetchAll(
      db,
      sql: """
        SELECT run_id FROM runs WHERE experiment_id = ? AND superseded = 0
          AND (NOT EXISTS (SELECT 1 FROM plan_trials p WHERE p.experiment_id = runs.experiment_id)
               OR EXISTS (SELECT 1 FROM plan_trials p WHERE p.experiment_id = runs.experiment_id
                                                        AND p.trial_key = runs.trial_key))
        ORDER BY trial_index, run_id
        """,
      arguments: [experimentID])
  }

  /// The MLflow run id of a store run: the first 32 hex digits of SHA-256 over the experiment's name, the trial key
  /// and the store's run id (stable across exports, distinct across experiments and attempts).
  static func runUUID(experiment: String, trialKey: String, runID: Int64) -> String {
    String(SHA256.hex("almanac-run\u{0}\(experiment)\u{0}\(trialKey)\u{0}\(runID)").prefix(32))
  }

  /// The MLflow run id of an experiment's report run.
  static func reportRunUUID(experiment: String) -> String {
    String(SHA256.hex("almanac-report\u{0}\(experiment)").prefix(32))
  }

  /// A key MLflow accepts: characters outside `[A-Za-z0-9_ ./-]` become `_`, empty, `.` and `..` path components
  /// are dropped (MLflow rejects keys that are not normalised relative paths), and the result is cut to
  /// ``MLflowLimits/keyLength``. An empty result becomes `_`.
  ///
  /// `almanac.data.../../shared/data/x.csv.sha256` becomes `almanac.data.../shared/data/x.csv.sha256`.
  public static func mlflowKey(_ key: String) -> String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ ./-")
    let cleaned = String(key.map { allowed.contains($0) ? $0 : "_" })
    let parts = cleaned.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." && $0 != ".." }
    let joined = parts.joined(separator: "/")
    let cut = String(joined.prefix(MLflowLimits.keyLength))
    return cut.isEmpty ? "_" : cut
  }

  /// `text` cut to `limit` characters, ending with ` …[cut]` when it was longer.
  static func limited(_ text: String, _ limit: Int) -> String {
    guard text.count > limit else { return text }
    let marker = " …[cut]"
    return String(text.prefix(limit - marker.count)) + marker
  }

  /// Store tags that are not copied to MLflow run tags (too long or written differently).
  static let skippedRunTags: Set<String> = [TagKey.log]
  /// Experiment tags that are not copied.
  static let skippedExperimentTags: Set<String> = []

  /// Reads everything to export about `experimentName`.
  static func snapshot(store: TrackingStore, experimentName: String, reportDirectory: URL?) throws -> MLflowSnapshot {
    try store.reading { db in
      guard
        let experiment = try Row.fetchOne(
          db, sql: "SELECT * FROM experiments WHERE name = ?", arguments: [experimentName])
      else {
        throw MLflowExportError.unknownExperiment(
          name: experimentName, known: try String.fetchAll(db, sql: "SELECT name FROM experiments ORDER BY name"))
      }
      let experimentID: Int64 = experiment["experiment_id"]
      var experimentTags: [String: String] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT key, value FROM experiment_tags WHERE experiment_id = ?", arguments: [experimentID])
      {
        let key: String = row["key"]
        guard !skippedExperimentTags.contains(key) else { continue }
        experimentTags[mlflowKey(key)] = limited(row["value"], MLflowLimits.experimentTagValueLength)
      }
      let notes: String = experiment["notes"]
      let spec: String = experiment["spec"]
      let task: String = experiment["task"]
      let filePath: String? = experiment["file_path"]
      let sourceName = experimentTags[TagKey.experimentFile] ?? filePath ?? experimentName
      experimentTags[TagKey.task] = task
      // MLflow 3's UI opens an experiment of this kind on its runs table (not its GenAI trace views).
      experimentTags["mlflow.experimentKind"] = "custom_model_development"
      experimentTags["mlflow.note.content"] = limited(
        experimentNote(notes: notes, spec: spec, file: sourceName), MLflowLimits.experimentTagValueLength)

      let ids = try exportedRunIDs(db, experimentID: experimentID)
      var position: [Int64: Int] = [:]
      var runs: [MLflowRunSnapshot] = []
      runs.reserveCapacity(ids.count)
      let runRows = try Row.fetchAll(
        db, sql: "SELECT * FROM runs WHERE run_id IN (SELECT value FROM json_each(?))", arguments: [jsonArray(ids)])
      var rowByID: [Int64: Row] = [:]
      for row in runRows { rowByID[row["run_id"]] = row }
      for id in ids {
        guard let row = rowByID[id] else { continue }
        let trialKey: String = row["trial_key"]
        let status: String = row["status"]
        position[id] = runs.count
        runs.append(
          MLflowRunSnapshot(
            uuid: runUUID(experiment: experimentName, trialKey: trialKey, runID: id), name: trialKey, status: status,
            startTime: row["start_time"], endTime: row["end_time"], sourceName: sourceName, sourceVersion: "",
            params: [], metrics: [], tags: [:], artifacts: []))
        var tags = runs[runs.count - 1].tags
        tags["almanac.kind"] = "trial"
        tags["almanac.export_id"] = runUUID(experiment: experimentName, trialKey: trialKey, runID: id)
        tags["almanac.trial_key"] = trialKey
        tags["almanac.trial_index"] = String(row["trial_index"] as Int64)
        tags["almanac.run_id"] = String(id)
        tags["almanac.experiment"] = experimentName
        tags["almanac.owner"] = "\(row["owner_host"] as String):\(row["owner_pid"] as Int64)"
        if let error: String = row["error"], !error.isEmpty {
          tags["almanac.error"] = limited(error, MLflowLimits.tagValueLength)
          tags["mlflow.note.content"] = limited(
            "**\(status)**: \(error)", MLflowLimits.tagValueLength)
        }
        runs[runs.count - 1].tags = tags
      }
      let idsJSON = jsonArray(ids)
      for row in try Row.fetchAll(
        db,
        sql:
          "SELECT run_id, key, value FROM params WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key",
        arguments: [idsJSON])
      {
        guard let i = position[row["run_id"]] else { continue }
        runs[i].params.append((mlflowKey(row["key"]), limited(row["value"], MLflowLimits.paramValueLength)))
      }
      var logs: [Int64: String] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT run_id, key, value FROM tags WHERE run_id IN (SELECT value FROM json_each(?))",
        arguments: [idsJSON])
      {
        let runID: Int64 = row["run_id"]
        guard let i = position[runID] else { continue }
        let key: String = row["key"]
        let value: String = row["value"]
        if key == TagKey.log { logs[runID] = value }
        guard !skippedRunTags.contains(key) else { continue }
        runs[i].tags[mlflowKey(key)] = limited(value, MLflowLimits.tagValueLength)
      }
      // Scalars first, then each series (packed rows, see `SeriesCodec`) as a metric history.
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT run_id, key, value, step, timestamp FROM metrics WHERE run_id IN (SELECT value FROM json_each(?))
          ORDER BY run_id, key, step, rowid
          """, arguments: [idsJSON])
      {
        guard let i = position[row["run_id"]] else { continue }
        let value: Double? = row["value"]
        runs[i].metrics.append(
          MLflowMetricPoint(
            key: mlflowKey(row["key"]), value: value ?? .nan, timestamp: row["timestamp"],
            step: row["step"]))
      }
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT run_id, key, steps, vals, timestamp FROM series WHERE run_id IN (SELECT value FROM json_each(?))
          ORDER BY run_id, key
          """, arguments: [idsJSON])
      {
        guard let i = position[row["run_id"]] else { continue }
        let key: String = row["key"]
        let timestamp: Int64 = row["timestamp"]
        for point in SeriesCodec.points(key: key, steps: row["steps"], values: row["vals"]) {
          runs[i].metrics.append(
            MLflowMetricPoint(key: mlflowKey(key), value: point.value, timestamp: timestamp, step: Int64(point.step)))
        }
      }
      for row in try Row.fetchAll(
        db, sql: "SELECT run_id, path FROM artifacts WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY path",
        arguments: [idsJSON])
      {
        guard let i = position[row["run_id"]] else { continue }
        let path: String = row["path"]
        let source = path.hasPrefix("/") ? URL(fileURLWithPath: path) : store.directory.appendingPathComponent(path)
        runs[i].artifacts.append(contentsOf: artifactFiles(at: source, under: source.lastPathComponent))
      }
      for (runID, log) in logs where !log.isEmpty {
        guard let i = position[runID] else { continue }
        runs[i].artifacts.append(MLflowArtifact(path: "log.txt", source: nil, text: log))
      }

      // Names and MLflow's own tags, from the tags read above.
      for i in runs.indices {
        var tags = runs[i].tags
        let params = Dictionary(runs[i].params.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        runs[i].name = runName(
          axes: tags[TagKey.axes], replicate: tags[TagKey.replicate], params: params,
          fallback: runs[i].name)
        tags["mlflow.runName"] = runs[i].name
        tags["mlflow.source.name"] = sourceName
        tags["mlflow.source.type"] = "LOCAL"
        if let commit = tags[TagKey.gitCommit], commit != "none", !commit.isEmpty {
          tags["mlflow.source.git.commit"] = commit
          runs[i].sourceVersion = commit
        }
        runs[i].tags = tags
      }

      if let reportDirectory {
        let start = runs.map(\.startTime).min() ?? millis(Date())
        let end = max(start, runs.compactMap(\.endTime).max() ?? start)
        runs.append(
          MLflowRunSnapshot(
            uuid: reportRunUUID(experiment: experimentName), name: "report", status: "FINISHED", startTime: start,
            endTime: end, sourceName: sourceName, sourceVersion: "", params: [], metrics: [],
            tags: [
              "almanac.kind": "report", "almanac.experiment": experimentName, "mlflow.runName": "report",
              "almanac.export_id": reportRunUUID(experiment: experimentName),
              "mlflow.source.name": sourceName, "mlflow.source.type": "LOCAL",
              "mlflow.note.content": "The experiment's report: open `report.html` (one self-contained page) or "
                + "`README.md` under Artifacts.",
            ],
            artifacts: artifactFiles(at: reportDirectory, under: "")))
      }
      return MLflowSnapshot(
        experimentName: experimentName, experimentTags: experimentTags,
        creationTime: experiment["creation_time"], lastUpdateTime: experiment["last_update_time"], runs: runs)
    }
  }

  /// `p=1, d=0, q=1` from the sweep axes (`almanac.axes`, comma-separated; `seeds` shown as `replicate=r`), or
  /// `fallback` (the trial key) when the experiment has no axes.
  static func runName(axes: String?, replicate: String?, params: [String: String], fallback: String) -> String {
    var parts: [String] = []
    for axis in (axes ?? "").split(separator: ",").map(String.init) where !axis.isEmpty {
      if axis == "seeds" {
        if let replicate { parts.append("replicate=\(replicate)") }
      } else if let value = params[mlflowKey(axis)] {
        parts.append("\(axis)=\(value)")
      }
    }
    let name = parts.joined(separator: ", ")
    return name.isEmpty ? fallback : String(name.prefix(MLflowLimits.keyLength))
  }

  /// The experiment's description in MLflow: its notes, then the experiment file.
  static func experimentNote(notes: String, spec: String, file: String) -> String {
    var parts: [String] = []
    let trimmed = notes.trimmingCharacters(in: .whitespacesAndNewlines)
    if !trimmed.isEmpty { parts.append(trimmed) }
    let yaml = spec.trimmingCharacters(in: .whitespacesAndNewlines)
    if !yaml.isEmpty { parts.append("Experiment file `\(file)`:\n\n```yaml\n\(yaml)\n```") }
    return parts.joined(separator: "\n\n")
  }

  /// Every regular file under `url` (or `url` itself when it is a file) with its path under `prefix`, sorted;
  /// hidden files are skipped; nothing when `url` does not exist.
  static func artifactFiles(at url: URL, under prefix: String) -> [MLflowArtifact] {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [] }
    guard isDirectory.boolValue else { return [MLflowArtifact(path: prefix, source: url, text: nil)] }
    var files: [MLflowArtifact] = []
    let base = url.standardizedFileURL.resolvingSymlinksInPath().path
    guard
      let walker = fm.enumerator(
        at: url, includingPropertiesForKeys: [.isRegularFileKey],
        options: [.skipsHiddenFiles])
    else { return [] }
    for case let file as URL in walker {
      guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
      let path = file.standardizedFileURL.resolvingSymlinksInPath().path
      guard path.hasPrefix(base + "/") else { continue }
      let relative = String(path.dropFirst(base.count + 1))
      files.append(MLflowArtifact(path: prefix.isEmpty ? relative : prefix + "/" + relative, source: file, text: nil))
    }
    return files.sorted { $0.path < $1.path }
  }

  static func jsonArray(_ ids: [Int64]) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }

  static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
