import Experiments
import Tracking
import Foundation
import Testing
import _TestSupport

@testable import Tasks

/// docs/ARCHITECTURE.md "Task settings" holds, for every built-in task, the table ``Schema/markdownTable(_:)``
/// renders from its schema, between `<!-- BEGIN GENERATED settings: NAME -->` and
/// `<!-- END GENERATED settings: NAME -->`.
/// With `ALMANAC_UPDATE_DOCS=1` (what `scripts/generate-settings-docs` sets) the test rewrites those sections instead
/// of comparing them.
@Suite("Task settings: the generated tables in docs/ARCHITECTURE.md")
struct TaskSettingsDocumentationTests {
  static var document: URL { TestSupport.repositoryRoot.appendingPathComponent("docs/ARCHITECTURE.md") }
  static var updating: Bool { ProcessInfo.processInfo.environment["ALMANAC_UPDATE_DOCS"] == "1" }

  /// The section between the markers of `task`, as it should read.
  static func section(_ task: any TrialTask, kind: String = "settings") -> String {
    kind == "metrics"
      ? MetricDeclaration.markdownTable(task.metrics) + "\n"
      : "\n" + Schema.markdownTable(task.settingsSchema) + "\n"
  }

  /// `text` with the generated section of `name` replaced by `content`, or nil when the markers are missing.
  static func replacingSection(_ name: String, in text: String, with content: String, kind: String = "settings")
    -> String?
  {
    let begin = "<!-- BEGIN GENERATED \(kind): \(name) -->\n"
    let end = "<!-- END GENERATED \(kind): \(name) -->"
    guard let b = text.range(of: begin), let e = text.range(of: end, range: b.upperBound..<text.endIndex) else {
      return nil
    }
    return String(text[..<b.upperBound]) + content + String(text[e.lowerBound...])
  }

  /// The text between the markers of `name`, or nil when they are missing.
  static func currentSection(_ name: String, in text: String, kind: String = "settings") -> String? {
    let marker = "<!-- BEGIN GENERATED \(kind): \(name) -->\n"
    guard let b = text.range(of: marker),
      let e = text.range(of: "<!-- END GENERATED \(kind): \(name) -->", range: b.upperBound..<text.endIndex)
    else { return nil }
    return String(text[b.upperBound..<e.lowerBound])
  }

  /// The first line where two texts differ, as `line N: "documented" vs "generated"`.
  static func firstDifference(_ documented: String, _ generated: String) -> String {
    let a = documented.split(separator: "\n", omittingEmptySubsequences: false)
    let b = generated.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, b.count) {
      let x = i < a.count ? String(a[i]) : "(end)", y = i < b.count ? String(b[i]) : "(end)"
      if x != y { return "line \(i + 1) of the section: documented \"\(x)\", generated \"\(y)\"" }
    }
    return "no difference"
  }

  @Test("The settings tables match every built-in task's schema")
  func tablesMatchTheSchemas() throws {
    let original = try String(contentsOf: Self.document, encoding: .utf8)
    var expected = original
    for task in TaskRegistry.builtIn {
      guard let documented = Self.currentSection(task.name, in: expected),
        let replaced = Self.replacingSection(task.name, in: expected, with: Self.section(task))
      else {
        Issue.record("docs/ARCHITECTURE.md has no generated settings section for '\(task.name)'")
        continue
      }
      if !Self.updating && documented != Self.section(task) {
        Issue.record("""
          docs/ARCHITECTURE.md's settings table for '\(task.name)' differs from its schema \
          (\(Self.firstDifference(documented, Self.section(task)))); regenerate the tables with \
          scripts/generate-settings-docs (ALMANAC_UPDATE_DOCS=1 swift test --filter TaskSettingsDocumentationTests) \
          and commit the result
          """)
      }
      expected = replaced
    }
    if Self.updating && expected != original {
      try expected.write(to: Self.document, atomically: true, encoding: .utf8)
    }
  }

  @Test("The metrics tables match every built-in task's metric declarations")
  func metricTablesMatchTheDeclarations() throws {
    let original = try String(contentsOf: Self.document, encoding: .utf8)
    var expected = original
    for task in TaskRegistry.builtIn {
      let generated = Self.section(task, kind: "metrics")
      guard let documented = Self.currentSection(task.name, in: expected, kind: "metrics"),
        let replaced = Self.replacingSection(task.name, in: expected, with: generated, kind: "metrics")
      else {
        Issue.record("docs/ARCHITECTURE.md has no generated metrics section for '\(task.name)'")
        continue
      }
      if !Self.updating && documented != generated {
        Issue.record("""
          docs/ARCHITECTURE.md's metrics table for '\(task.name)' differs from its declarations \
          (\(Self.firstDifference(documented, generated))); regenerate with scripts/generate-settings-docs \
          and commit the result
          """)
      }
      expected = replaced
    }
    if Self.updating && expected != original {
      try expected.write(to: Self.document, atomically: true, encoding: .utf8)
    }
  }

  @Test("A drifted table is detected")
  func driftIsDetected() throws {
    let task = ForecastTask()
    let current = try #require(Self.replacingSection("forecast", in: "x\n<!-- BEGIN GENERATED settings: forecast -->\n"
      + "<!-- END GENERATED settings: forecast -->\n", with: Self.section(task)))
    let edited = current.replacingOccurrences(of: "`100`", with: "`99`")
    #expect(edited != current, "the forecast table shows holdout's default")
    #expect(Self.replacingSection("forecast", in: edited, with: Self.section(task)) == current)
    #expect(Self.replacingSection("classify", in: edited, with: "") == nil)
  }
}
