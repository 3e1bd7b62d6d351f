import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

extension MLflowExport {
  /// Logs `experimentName` to the MLflow tracking server at `server` (`http://HOST:PORT`) through its REST API
  /// (`experiments/get-by-name|create`, `runs/search|create|log-batch|update|restore|delete`), and uploads artifacts
  /// through the server's artifact proxy (`mlflow-artifacts:` URIs, the default of `mlflow server`) or copies them
  /// when the server's artifact URI is a local `file:` folder.
  ///
  /// Each run carries the tag `almanac.export_id` (the id the SQLite export uses as run id); a run already on the
  /// server with the same tag is updated instead of created again. Params and metric points of a run the server
  /// already has as finished with the same end time are not sent again. Runs exported earlier and no longer exported
  /// are deleted (MLflow's soft delete).
  ///
  /// - Throws: ``MLflowExportError/server(url:reason:)`` when the server cannot be reached or answers with an error
  ///   (what was sent before stays on the server; exporting again completes it).
  public static func exportREST(
    store: TrackingStore, experimentName: String, server: URL,
    options: MLflowExportOptions = MLflowExportOptions()
  ) throws -> MLflowExportSummary {
    let snapshot = try snapshot(store: store, experimentName: experimentName, reportDirectory: options.reportDirectory)
    let client = MLflowRESTClient(base: server)
    var summary = MLflowExportSummary(
      target: server.absoluteString, experimentID: "", runIDs: [], reportRunID: nil, deletedRuns: 0, params: 0,
      metricPoints: 0, tags: 0, artifactFiles: 0)

    // The experiment.
    let experimentID: String
    if let found = try client.experiment(named: snapshot.experimentName) {
      experimentID = found.id
      if found.lifecycleStage == "deleted" {
        _ = try client.post("experiments/restore", ["experiment_id": experimentID])
      }
    } else {
      let created = try client.post("experiments/create", ["name": snapshot.experimentName])
      guard let id = created["experiment_id"] as? String else {
        throw MLflowExportError.server(url: server.absoluteString, reason: "experiments/create returned no id")
      }
      experimentID = id
    }
    summary.experimentID = experimentID
    for (key, value) in snapshot.experimentTags.sorted(by: { $0.key < $1.key }) {
      _ = try client.post(
        "experiments/set-experiment-tag", ["experiment_id": experimentID, "key": key, "value": value])
    }

    // Runs already there, by export id.
    let existing = try client.exportedRuns(experimentID: experimentID)
    var exported: Set<String> = []
    for var run in snapshot.runs {
      run.tags["almanac.export_id"] = run.uuid
      exported.insert(run.uuid)
      let runID: String
      let artifactURI: String
      var sendData = true
      if let found = existing[run.uuid] {
        runID = found.runID
        artifactURI = found.artifactURI
        if found.lifecycleStage == "deleted" { _ = try client.post("runs/restore", ["run_id": runID]) }
        sendData = !(found.status == run.status && found.endTime == run.endTime && run.status != "RUNNING")
      } else {
        let created = try client.post(
          "runs/create",
          [
            "experiment_id": experimentID, "start_time": run.startTime, "run_name": run.name,
            "tags": [["key": "almanac.export_id", "value": run.uuid]],
          ])
        guard let info = (created["run"] as? [String: Any])?["info"] as? [String: Any],
          let id = info["run_id"] as? String ?? info["run_uuid"] as? String
        else {
          throw MLflowExportError.server(url: server.absoluteString, reason: "runs/create returned no run id")
        }
        runID = id
        artifactURI = info["artifact_uri"] as? String ?? ""
      }
      try client.logBatch(
        runID: runID, params: sendData ? run.params : [], metrics: sendData ? run.metrics : [],
        tags: run.tags)
      var update: [String: Any] = ["run_id": runID, "status": run.status]
      if let end = run.endTime { update["end_time"] = end }
      _ = try client.post("runs/update", update)
      summary.artifactFiles += try client.logArtifacts(run.artifacts, artifactURI: artifactURI)
      if run.tags["almanac.kind"] == "report" { summary.reportRunID = runID } else { summary.runIDs.append(runID) }
      if sendData {
        summary.params += run.params.count
        summary.metricPoints += run.metrics.count
      }
      summary.tags += run.tags.count
    }
    for (exportID, found) in existing where !exported.contains(exportID) && found.lifecycleStage == "active" {
      _ = try client.post("runs/delete", ["run_id": found.runID])
      summary.deletedRuns += 1
    }
    return summary
  }
}

/// A minimal synchronous client of MLflow's REST API (JSON over HTTP, `URLSession`).
struct MLflowRESTClient {
  let base: URL
  /// Seconds before one request gives up.
  var timeout: TimeInterval = 60

  struct ExperimentInfo {
    var id: String
    var lifecycleStage: String
  }

  struct RunInfo {
    var runID: String
    var artifactURI: String
    var status: String
    var endTime: Int64?
    var lifecycleStage: String
  }

  func endpoint(_ path: String) -> URL {
    base.appendingPathComponent("api/2.0/mlflow").appendingPathComponent(path)
  }

  /// The experiment named `name` (active or deleted), or nil.
  func experiment(named name: String) throws -> ExperimentInfo? {
    var components = URLComponents(url: endpoint("experiments/get-by-name"), resolvingAgainstBaseURL: false)
    components?.queryItems = [URLQueryItem(name: "experiment_name", value: name)]
    guard let url = components?.url else { return nil }
    let (status, json) = try send(url: url, method: "GET", body: nil)
    if status == 404 || (json["error_code"] as? String) == "RESOURCE_DOES_NOT_EXIST" { return nil }
    try check(status, json, "experiments/get-by-name")
    guard let experiment = json["experiment"] as? [String: Any], let id = experiment["experiment_id"] as? String else {
      return nil
    }
    return ExperimentInfo(id: id, lifecycleStage: experiment["lifecycle_stage"] as? String ?? "active")
  }

  /// The experiment's runs that carry `almanac.export_id`, by that id (active and deleted).
  func exportedRuns(experimentID: String) throws -> [String: RunInfo] {
    var result: [String: RunInfo] = [:]
    var token: String?
    repeat {
      var body: [String: Any] = [
        "experiment_ids": [experimentID], "run_view_type": "ALL", "max_results": 1000,
        "filter": "tags.`almanac.export_id` != ''",
      ]
      if let token { body["page_token"] = token }
      let page = try post("runs/search", body)
      for run in page["runs"] as? [[String: Any]] ?? [] {
        guard let info = run["info"] as? [String: Any],
          let id = info["run_id"] as? String ?? info["run_uuid"] as? String
        else { continue }
        let tags = (run["data"] as? [String: Any])?["tags"] as? [[String: Any]] ?? []
        guard let exportID = tags.first(where: { $0["key"] as? String == "almanac.export_id" })?["value"] as? String
        else { continue }
        result[exportID] = RunInfo(
          runID: id, artifactURI: info["artifact_uri"] as? String ?? "", status: info["status"] as? String ?? "",
          endTime: Self.int64(info["end_time"]), lifecycleStage: info["lifecycle_stage"] as? String ?? "active")
      }
      token = page["next_page_token"] as? String
      if token?.isEmpty == true { token = nil }
    } while token != nil
    return result
  }

  /// `runs/log-batch` in chunks within MLflow's limits (1000 metrics, 100 params, 100 tags per request).
  func logBatch(
    runID: String, params: [(key: String, value: String)], metrics: [MLflowMetricPoint],
    tags: [String: String]
  ) throws {
    let tagList = tags.sorted { $0.key < $1.key }
    var p = 0, m = 0, t = 0
    repeat {
      let paramChunk = params[p..<min(params.count, p + MLflowLimits.batchParams)]
      let tagChunk = tagList[t..<min(tagList.count, t + MLflowLimits.batchTags)]
      let room = MLflowLimits.batchMetrics - paramChunk.count - tagChunk.count
      let metricChunk = metrics[m..<min(metrics.count, m + room)]
      _ = try post(
        "runs/log-batch",
        [
          "run_id": runID,
          "params": paramChunk.map { ["key": $0.key, "value": $0.value] },
          "tags": tagChunk.map { ["key": $0.key, "value": $0.value] },
          "metrics": metricChunk.map { point -> [String: Any] in
            ["key": point.key, "value": Self.jsonNumber(point.value), "timestamp": point.timestamp, "step": point.step]
          },
        ])
      p += paramChunk.count
      t += tagChunk.count
      m += metricChunk.count
    } while p < params.count || t < tagList.count || m < metrics.count
  }

  /// Uploads (`mlflow-artifacts:`) or copies (`file:`) a run's artifacts; returns how many were written.
  func logArtifacts(_ artifacts: [MLflowArtifact], artifactURI: String) throws -> Int {
    guard !artifacts.isEmpty else { return 0 }
    if artifactURI.hasPrefix("file:"), let url = URL(string: artifactURI) {
      return try MLflowExport.writeArtifacts(artifacts, to: URL(fileURLWithPath: url.path))
    }
    guard artifactURI.hasPrefix("mlflow-artifacts:") else {
      throw MLflowExportError.server(
        url: base.absoluteString,
        reason: "cannot upload artifacts to \(artifactURI) (start the server with "
          + "--serve-artifacts, the default, or a local file: artifact root)")
    }
    // mlflow-artifacts:/1/<run>/artifacts or mlflow-artifacts://host:port/1/<run>/artifacts: the path after the host.
    var path = String(artifactURI.dropFirst("mlflow-artifacts:".count))
    if path.hasPrefix("//") {
      path = String(path.dropFirst(2))
      path = path.firstIndex(of: "/").map { String(path[$0...]) } ?? "/"
    }
    let root = base.appendingPathComponent("api/2.0/mlflow-artifacts/artifacts")
    for artifact in artifacts {
      let data: Data
      if let text = artifact.text {
        data = Data(text.utf8)
      } else if let source = artifact.source, let contents = FileManager.default.contents(atPath: source.path) {
        data = contents
      } else {
        continue
      }
      var url = root
      for part in (path + "/" + artifact.path).split(separator: "/") { url.appendPathComponent(String(part)) }
      let (status, json) = try send(url: url, method: "PUT", body: data, contentType: "application/octet-stream")
      try check(status, json, "artifact upload \(artifact.path)")
    }
    return artifacts.count
  }

  /// POSTs `body` as JSON to `api/2.0/mlflow/<path>`; the JSON answer, or an error for a non-2xx status.
  func post(_ path: String, _ body: [String: Any]) throws -> [String: Any] {
    let data = try JSONSerialization.data(withJSONObject: body)
    let (status, json) = try send(url: endpoint(path), method: "POST", body: data)
    try check(status, json, path)
    return json
  }

  func check(_ status: Int, _ json: [String: Any], _ what: String) throws {
    guard !(200..<300).contains(status) else { return }
    let message = json["message"] as? String ?? "HTTP status \(status)"
    let code = json["error_code"] as? String
    throw MLflowExportError.server(
      url: base.absoluteString, reason: "\(what): \(code.map { "\($0): " } ?? "")\(message)")
  }

  /// One request, waited for; the status and the body parsed as a JSON object (empty when it is not one).
  func send(url: URL, method: String, body: Data?, contentType: String = "application/json") throws
    -> (Int, [String: Any])
  {
    var request = URLRequest(url: url, timeoutInterval: timeout)
    request.httpMethod = method
    if let body {
      request.httpBody = body
      request.setValue(contentType, forHTTPHeaderField: "Content-Type")
    }
    let box = ResponseBox()
    let done = DispatchSemaphore(value: 0)
    let task = URLSession.shared.dataTask(with: request) { data, response, error in
      box.set(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
      done.signal()
    }
    task.resume()
    done.wait()
    let (data, status, error) = box.get()
    if let error {
      throw MLflowExportError.server(url: base.absoluteString, reason: error.localizedDescription)
    }
    let json = data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    return (status ?? 0, json)
  }

  /// A JSON value for a metric: the number, or the strings protobuf's JSON mapping reads as NaN and ±infinity.
  static func jsonNumber(_ value: Double) -> Any {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
    return value
  }

  static func int64(_ value: Any?) -> Int64? {
    if let n = value as? NSNumber { return n.int64Value }
    if let s = value as? String { return Int64(s) }
    return nil
  }
}

/// The answer of one request, handed from URLSession's delegate queue to the waiting caller. `@unchecked Sendable`:
/// every access holds `lock`.
private final class ResponseBox: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?
  private var status: Int?
  private var error: Error?

  func set(data: Data?, status: Int?, error: Error?) {
    lock.lock()
    defer { lock.unlock() }
    self.data = data
    self.status = status
    self.error = error
  }

  func get() -> (Data?, Int?, Error?) {
    lock.lock()
    defer { lock.unlock() }
    return (data, status, error)
  }
}
