import Foundation

/// Finds and runs gnuplot.
public enum Gnuplot {
  /// The gnuplot executable to use: `explicitPath` when given (a path containing `/` must be an executable file; a
  /// bare name is looked up on `PATH`), else the first `gnuplot` on `PATH`; nil when there is none.
  public static func locate(
    explicitPath: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String? {
    let fm = FileManager.default
    if let path = explicitPath, path.contains("/") {
      return fm.isExecutableFile(atPath: path) ? path : nil
    }
    let name = explicitPath ?? "gnuplot"
    guard !name.isEmpty else { return nil }
    let dirs = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
    for dir in dirs where !dir.isEmpty {
      let candidate = String(dir) + "/" + name
      if fm.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// The outcome of one gnuplot process.
  struct Run: Sendable {
    var status: Int32
    var stderr: String
    var timedOut: Bool
  }

  /// Runs `executable -d script` once (`-d`: gnuplot's default settings, ignoring the user's `~/.gnuplot`, so
  /// every machine draws the same charts) with `script` written to a temporary file and `directory` as working
  /// directory; stdout and stderr are captured together. Kills the process after `timeout` seconds.
  static func run(executable: String, script: String, in directory: URL, timeout: TimeInterval) throws -> Run {
    let fm = FileManager.default
    let tmp = fm.temporaryDirectory.appendingPathComponent("almanac-gnuplot-\(UUID().uuidString)")
    try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? fm.removeItem(at: tmp) }
    let scriptURL = tmp.appendingPathComponent("report.gp")
    let logURL = tmp.appendingPathComponent("stderr.txt")
    try Data(script.utf8).write(to: scriptURL)
    _ = fm.createFile(atPath: logURL.path, contents: nil)
    let log = try FileHandle(forWritingTo: logURL)
    defer { try? log.close() }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["-d", scriptURL.path]
    process.currentDirectoryURL = directory
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = log
    process.standardError = log
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    try process.run()
    var timedOut = false
    if done.wait(timeout: .now() + timeout) == .timedOut {
      timedOut = true
      process.terminate()
      done.wait()
    }
    let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    return Run(
      status: process.terminationStatus, stderr: text.trimmingCharacters(in: .whitespacesAndNewlines),
      timedOut: timedOut)
  }
}
