import Foundation

/// Helpers shared by every test target.
public enum TestSupport {
  /// The repository root (two levels above this file's directory).
  public static var repositoryRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  }

  /// `../shared` beside the repository, or nil when it is absent (tests that need it skip with a message).
  public static var sharedDirectory: URL? {
    if let env = ProcessInfo.processInfo.environment["ALMANAC_SHARED"], !env.isEmpty {
      return URL(fileURLWithPath: env)
    }
    let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
  }

  /// A fresh temporary directory for one test, inside ``testRoot``: removed when the test process exits, so test
  /// runs leave nothing behind in the system's temporary directory.
  public static func temporaryDirectory(_ label: String = "test") throws -> URL {
    let url = testRoot.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// `almanac-tests-<pid>` in the system's temporary directory, holding every test's temporary files; removed at
  /// exit. Roots left by test processes that died (kill -9, a crash) are removed when the next test process starts.
  public static let testRoot: URL = {
    let fm = FileManager.default
    let base = fm.temporaryDirectory
    let prefix = "almanac-tests-"
    for name in (try? fm.contentsOfDirectory(atPath: base.path)) ?? [] where name.hasPrefix(prefix) {
      guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH { try? fm.removeItem(at: base.appendingPathComponent(name)) }
    }
    let root = base.appendingPathComponent("\(prefix)\(getpid())")
    try? fm.createDirectory(at: root, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: TestSupport.testRootPath) }
    return root
  }()

  /// ``testRoot``'s path, without touching (and so creating) it: what the exit handler removes.
  static var testRootPath: String {
    FileManager.default.temporaryDirectory.appendingPathComponent("almanac-tests-\(getpid())").path
  }
}
