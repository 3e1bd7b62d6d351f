import Foundation
import Testing
import _TestSupport

/// `almanac run` writes a report folder; `almanac report` rewrites it; without gnuplot the tables are still written.
@Suite(.serialized) struct ReportEndToEndTests {
  static let forecastExperiment = """
    name: e2e-forecast
    notes: "A *small* grid on the synthetic market's USDC borrow rate."
    task: forecast
    data:
      source: synthetic
      synthetic: {seed: 3, days: 240}
    transform: log
    holdout: 20
    sweep:
      p: 0...1
      d: 0...1
      q: 0...1
    """

  static var gnuplotAvailable: Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
      .contains { FileManager.default.isExecutableFile(atPath: "\($0)/gnuplot") }
  }

  @Test(.enabled(if: gnuplotAvailable, "needs gnuplot on PATH (scripts/setup installs it)"))
  func runWritesAShareableReportWithCharts() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-report")
    try Self.forecastExperiment.write(to: dir.appendingPathComponent("f.yaml"), atomically: true, encoding: .utf8)
    let result = try AlmanacProcess.run(["run", "f.yaml"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    let report = dir.appendingPathComponent("reports/e2e-forecast")
    let readme = try String(contentsOf: report.appendingPathComponent("README.md"), encoding: .utf8)
    #expect(readme.contains("# e2e-forecast"))
    #expect(readme.contains("A *small* grid"))
    #expect(readme.contains("almanac run f.yaml"))
    #expect(readme.contains("8 finished, 0 failed"))
    // Every image the README links exists, relative to the folder, and is a non-empty SVG document.
    let links = readme.split(separator: "(").compactMap { part -> String? in
      guard let end = part.firstIndex(of: ")") else { return nil }
      let link = String(part[..<end])
      return link.hasSuffix(".svg") ? link : nil
    }
    #expect(!links.isEmpty)
    for link in links {
      #expect(!link.hasPrefix("/"), "absolute link \(link)")
      let svg = try String(contentsOf: report.appendingPathComponent(link), encoding: .utf8)
      #expect(svg.contains("<svg") && svg.contains("</svg>"), "\(link) is not a complete SVG")
    }
  }

  @Test func withoutGnuplotTheReportStillHasItsTablesAndTheCommandSucceeds() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-nognuplot")
    try Self.forecastExperiment.write(to: dir.appendingPathComponent("f.yaml"), atomically: true, encoding: .utf8)
    var env = AlmanacProcess.testEnvironment
    let empty = dir.appendingPathComponent("empty-bin")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    env["PATH"] = empty.path  // no gnuplot (and nothing else) on PATH
    let result = try AlmanacProcess.run(["run", "f.yaml"], in: dir, environment: env)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("warning:") && result.stderr.contains("gnuplot"), "\(result.stderr)")
    let readme = try String(contentsOf: dir.appendingPathComponent("reports/e2e-forecast/README.md"), encoding: .utf8)
    #expect(readme.contains("Leaderboard"))
    #expect(readme.contains("gnuplot"))
  }
}
