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

  /// A fresh temporary directory for one test.
  public static func temporaryDirectory(_ label: String = "test") throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("almanac-\(label)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
