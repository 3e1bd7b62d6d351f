import Foundation
import _TestSupport

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The external programs the MLflow and HTML-report tests drive: MLflow in its virtual environment
/// (`scripts/install-mlflow`), Chromium (`scripts/install-chromium`) and Python scripts under `Tests/Scripts`.
enum ExternalTools {
  /// `ALMANAC_MLFLOW_VENV`, else `.venv-mlflow` in the repository (where `scripts/install-mlflow` puts it).
  static var mlflowVenv: URL {
    if let env = ProcessInfo.processInfo.environment["ALMANAC_MLFLOW_VENV"], !env.isEmpty {
      return URL(fileURLWithPath: env)
    }
    return TestSupport.repositoryRoot.appendingPathComponent(".venv-mlflow")
  }

  static var mlflowPython: URL { mlflowVenv.appendingPathComponent("bin/python") }
  static var mlflowExecutable: URL { mlflowVenv.appendingPathComponent("bin/mlflow") }

  static var mlflowAvailable: Bool {
    FileManager.default.isExecutableFile(atPath: mlflowPython.path)
      && FileManager.default.isExecutableFile(atPath: mlflowExecutable.path)
  }

  static let mlflowMissing =
    "needs MLflow in a virtual environment: run scripts/install-mlflow (or set ALMANAC_MLFLOW_VENV)"

  /// `ALMANAC_CHROMIUM`, else `chromium` or `chromium-browser` on PATH.
  static var chromium: URL? {
    let env = ProcessInfo.processInfo.environment
    if let path = env["ALMANAC_CHROMIUM"], !path.isEmpty {
      return FileManager.default.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
    }
    for dir in (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
      for name in ["chromium", "chromium-browser"] {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
      }
    }
    return nil
  }

  static let chromiumMissing = "needs Chromium: run scripts/install-chromium (or set ALMANAC_CHROMIUM)"

  static var python3: URL? {
    for path in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: path) {
      return URL(fileURLWithPath: path)
    }
    return nil
  }

  static func script(_ name: String) -> URL {
    TestSupport.repositoryRoot.appendingPathComponent("Tests/Scripts/\(name)")
  }

  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs a program to completion, capturing both streams.
  static func run(_ executable: URL, _ args: [String], in directory: URL? = nil) throws -> Output {
    let process = Process()
    process.executableURL = executable
    process.arguments = args
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    env["PYTHONUNBUFFERED"] = "1"
    env["MLFLOW_TRACKING_URI"] = nil
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Runs `Tests/Scripts/mlflow_check.py` with MLflow's Python and parses its JSON.
  static func mlflowCheck(_ args: [String]) throws -> [String: Any] {
    let output = try run(mlflowPython, [script("mlflow_check.py").path] + args)
    guard output.status == 0, let line = output.stdout.split(separator: "\n").last,
          let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else {
      throw ToolError("mlflow_check.py failed (\(output.status)): \(output.stderr.suffix(3000)) \(output.stdout.suffix(500))")
    }
    return json
  }

  /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ToolError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw ToolError("bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw ToolError("getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// One HTTP request; the status and body (status 0 when the server cannot be reached).
  static func http(_ url: URL, method: String = "GET", json: [String: Any]? = nil, timeout: TimeInterval = 30)
    -> (Int, Data)
  {
    var request = URLRequest(url: url, timeoutInterval: timeout)
    request.httpMethod = method
    if let json, let body = try? JSONSerialization.data(withJSONObject: json) {
      request.httpBody = body
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let result = HTTPResult()
    let done = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: request) { data, response, _ in
      result.set((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data())
      done.signal()
    }.resume()
    done.wait()
    return result.get()
  }

  struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }
}

/// A response handed from URLSession's queue to the waiting test. `@unchecked Sendable`: every access holds `lock`.
private final class HTTPResult: @unchecked Sendable {
  private let lock = NSLock()
  private var value: (Int, Data) = (0, Data())
  func set(_ status: Int, _ data: Data) {
    lock.lock()
    value = (status, data)
    lock.unlock()
  }
  func get() -> (Int, Data) {
    lock.lock()
    defer { lock.unlock() }
    return value
  }
}

/// An `mlflow server` (or `mlflow ui`) on 127.0.0.1 for one test, in its own process group so that stopping it
/// stops its workers too.
final class MLflowServer {
  let process: Process
  let port: Int
  let log: URL
  var url: URL { URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/") }

  /// Starts `mlflow <command> --backend-store-uri sqlite:///<database> ...` and waits until `/health` answers 200.
  init(command: String = "server", database: URL, artifacts: URL, directory: URL, startupTimeout: TimeInterval = 240)
    throws
  {
    port = try ExternalTools.freePort()
    log = directory.appendingPathComponent("mlflow-\(command)-\(port).log")
    guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
      throw ExternalTools.ToolError("cannot create \(log.path)")
    }
    let handle = try FileHandle(forWritingTo: log)
    process = Process()
    // A new process group led by the server (setpgid, then exec), so that stop() reaches its workers.
    process.executableURL = ExternalTools.mlflowPython
    process.arguments = [
      "-c", "import os, sys\ntry:\n    os.setpgid(0, 0)\nexcept OSError:\n    pass\nos.execv(sys.argv[1], sys.argv[1:])",
      ExternalTools.mlflowExecutable.path, command, "--backend-store-uri", "sqlite:///\(database.path)",
      "--artifacts-destination", artifacts.path, "--host", "127.0.0.1", "--port", String(port), "--workers", "1",
    ]
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env["MLFLOW_TRACKING_URI"] = nil
    process.environment = env
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(startupTimeout)
    while Date() < deadline {
      if !process.isRunning {
        throw ExternalTools.ToolError("mlflow \(command) exited: \(logTail())")
      }
      if ExternalTools.http(url.appendingPathComponent("health"), timeout: 5).0 == 200 { return }
      usleep(500_000)
    }
    stop()
    throw ExternalTools.ToolError("mlflow \(command) did not answer on port \(port) in \(Int(startupTimeout)) s: \(logTail())")
  }

  func logTail() -> String {
    String(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(3000))
  }

  /// SIGTERM to the server's process group (its id is the server's pid), SIGKILL after 15 s.
  func stop() {
    let pid = process.processIdentifier
    guard pid > 0 else { return }
    kill(-pid, SIGTERM)
    let deadline = Date().addingTimeInterval(15)
    while process.isRunning, Date() < deadline { usleep(100_000) }
    if process.isRunning { kill(-pid, SIGKILL) }
    process.waitUntilExit()
  }

  deinit { if process.isRunning { stop() } }
}
