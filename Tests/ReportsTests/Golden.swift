import Foundation
import AlmanacCore
import Testing
import Tracking
import _ReportsTestSupport

/// Golden files under `Tests/ReportsTests/Golden`. Set `ALMANAC_UPDATE_GOLDEN=1` to (re)write them from the current
/// output instead of comparing; review the diff and commit.
enum Golden {
  static var updating: Bool { ProcessInfo.processInfo.environment["ALMANAC_UPDATE_GOLDEN"] == "1" }

  /// The source folder (written in update mode).
  static var sourceDirectory: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
  }

  /// The copy bundled with the tests (`resources: [.copy("Golden")]`), falling back to the source folder.
  static var directory: URL {
    if let url = Bundle.module.url(forResource: "Golden", withExtension: nil) { return url }
    return sourceDirectory
  }

  /// Compares `actual` with the golden file at `path`, or writes it in update mode.
  static func check(_ actual: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    if updating {
      let url = sourceDirectory.appendingPathComponent(path)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(actual.utf8).write(to: url)
      return
    }
    let url = directory.appendingPathComponent(path)
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      Issue.record("missing golden file \(path); run with ALMANAC_UPDATE_GOLDEN=1 to create it",
                   sourceLocation: sourceLocation)
      return
    }
    if expected != actual {
      let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
      let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
      let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
      let got = line < a.count ? String(a[line]) : "<end of output>"
      let want = line < e.count ? String(e[line]) : "<end of golden file>"
      Issue.record("""
        \(path):\(line + 1): output differs from the golden file (ALMANAC_UPDATE_GOLDEN=1 rewrites it)
          expected: \(want)
          actual:   \(got)
        """, sourceLocation: sourceLocation)
    }
  }

  /// In update mode, empties a golden folder so files of charts that no longer exist disappear.
  static func reset(_ folder: String) throws {
    guard updating else { return }
    try? FileManager.default.removeItem(at: sourceDirectory.appendingPathComponent(folder))
  }

  /// Files in a golden folder (names only), or [] when the folder does not exist.
  static func listing(_ folder: String) -> [String] {
    let url = (updating ? sourceDirectory : directory).appendingPathComponent(folder)
    return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
  }
}
