import Foundation
import _TestSupport

/// Runs the built `almanac` executable, as a user would, and captures stdout, stderr and the exit status.
struct AlmanacProcess {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The `almanac` binary beside the test bundle (`swift test` builds it), or `ALMANAC_BIN`.
  static var executable: URL {
    if let path = ProcessInfo.processInfo.environment["ALMANAC_BIN"] { return URL(fileURLWithPath: path) }
    var candidates: [URL] = [Bundle.main.bundleURL.appendingPathComponent("almanac")]
    for bundle in Bundle.allBundles {
      candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("almanac"))
    }
    candidates.append(TestSupport.repositoryRoot.appendingPathComponent(".build/debug/almanac"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[candidates.count - 1]
  }

  static let testEnvironment: [String: String] = {
    var env = ProcessInfo.processInfo.environment
    env["ALMANAC_ENABLE_TEST_TASKS"] = "1"
    env["NO_COLOR"] = "1"
    return env
  }()

  /// Starts `almanac args...` in `directory` and returns the running process with its output pipes.
  static func start(_ args: [String], in directory: URL, environment: [String: String] = testEnvironment) throws
    -> (Process, Pipe, Pipe)
  {
    let process = Process()
    process.executableURL = executable
    process.arguments = args
    process.currentDirectoryURL = directory
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, out, err)
  }

  /// Runs to completion.
  @discardableResult
  static func run(_ args: [String], in directory: URL, environment: [String: String] = testEnvironment) throws -> Result {
    let (process, out, err) = try start(args, in: directory, environment: environment)
    // Read both pipes concurrently so a full pipe never blocks the child.
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
    return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData, as: UTF8.self))
  }
}
