import Foundation
import Testing
import _TestSupport

/// `almanac report --format html` opened in a real headless browser (Debian's Chromium; `scripts/install-chromium`):
/// the page renders its charts, logs no console message, requests nothing from the network, prints to PDF, and its
/// screenshot is not blank. Each check is first shown to catch a bad page (a negative control), so that a silent
/// browser cannot pass it.
@Suite(.serialized) struct HTMLReportBrowserTests {
  static let gnuplotAvailable = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    .contains { FileManager.default.isExecutableFile(atPath: "\($0)/gnuplot") }
  static let ready = ExternalTools.chromium != nil && ExternalTools.python3 != nil && gnuplotAvailable

  /// Headless Chromium with no background networking, every host name unresolvable (nothing can leave the
  /// machine), console messages on stderr and the network log in `netLog`.
  static func chromium(_ page: URL, _ extra: [String], netLog: URL? = nil) throws -> ExternalTools.Output {
    let browser = try #require(ExternalTools.chromium)
    var args = [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-default-apps", "--hide-scrollbars",
      "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
    ]
    if let netLog { args.append("--log-net-log=\(netLog.path)") }
    return try ExternalTools.run(browser, args + extra + [page.absoluteString])
  }

  /// The console lines Chromium logged (`INFO:CONSOLE` for console.log/error, uncaught exceptions, CSP reports).
  static func consoleLines(_ output: ExternalTools.Output) -> [String] {
    output.stderr.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") }
  }

  static func pageRequests(_ netLog: URL) throws -> [String] {
    let out = try ExternalTools.run(try #require(ExternalTools.python3),
                                    [ExternalTools.script("netlog_page_requests.py").path, netLog.path])
    #expect(out.status == 0, "\(out.stderr)")
    return (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [String] ?? ["unreadable net log"]
  }

  static func pngStats(_ png: URL) throws -> [String: Double] {
    let out = try ExternalTools.run(try #require(ExternalTools.python3), [ExternalTools.script("png_stats.py").path, png.path])
    #expect(out.status == 0, "\(out.stderr)")
    return (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [String: Double] ?? [:]
  }

  @Test(.enabled(if: ready, .init(rawValue: "\(ExternalTools.chromiumMissing); also needs gnuplot and python3")))
  func htmlReportRendersOfflineWithoutErrorsAndIsNotBlank() throws {
    let dir = try TestSupport.temporaryDirectory("e2e-html")
    try MLflowExportEndToEndTests.forecastExperiment.write(
      to: dir.appendingPathComponent("f.yaml"), atomically: true, encoding: .utf8)
    let run = try AlmanacProcess.run(["run", "f.yaml", "--no-report"], in: dir)
    #expect(run.status == 0, "\(run.stderr)")
    let report = try AlmanacProcess.run(["report", "f.yaml", "--format", "html", "--out", "rep"], in: dir)
    #expect(report.status == 0, "\(report.stderr)")
    let page = dir.appendingPathComponent("rep/report.html")
    let html = try String(contentsOf: page, encoding: .utf8)
    let charts = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("rep/charts").path)
      .filter { $0.hasSuffix(".svg") }
    #expect(charts.count >= 4)
    // Self-contained: the charts are inline; nothing is loaded (no script, src, style sheet or remote URL).
    for banned in ["<script", " src=", "<link", "<img", "@import", "http://", "https://"] {
      #expect(!html.contains(banned), "the page contains \(banned)")
    }
    #expect(html.components(separatedBy: "<svg").count - 1 == charts.count)
    #expect(html.contains("@media print"))

    // A copy of the page alone in another folder: what a colleague receives by e-mail.
    let shared = try TestSupport.temporaryDirectory("e2e-html-shared").appendingPathComponent("report.html")
    try FileManager.default.copyItem(at: page, to: shared)

    // The DOM as rendered: every chart is an SVG with drawn paths; the leaderboard is a table.
    let dom = try Self.chromium(shared, ["--dump-dom"])
    #expect(dom.status == 0, "\(dom.stderr.suffix(2000))")
    #expect(dom.stdout.components(separatedBy: "<svg").count - 1 == charts.count, "charts in the rendered DOM")
    #expect(dom.stdout.contains("<path") && dom.stdout.contains("<table>") && dom.stdout.contains("Leaderboard"))

    // Screenshot, console and network in one load.
    let shot = dir.appendingPathComponent("shot.png")
    let netLog = dir.appendingPathComponent("net.json")
    let load = try Self.chromium(shared, ["--window-size=1280,2400", "--screenshot=\(shot.path)"], netLog: netLog)
    #expect(load.status == 0, "\(load.stderr.suffix(2000))")
    #expect(Self.consoleLines(load).isEmpty, "console: \(Self.consoleLines(load))")
    #expect(try Self.pageRequests(netLog).isEmpty, "the page requested something")
    let stats = try Self.pngStats(shot)
    #expect(stats["width"] == 1280 && stats["height"] == 2400)
    // A blank page has variance 0 and no dark pixels; text, tables and charts give both.
    #expect((stats["variance"] ?? 0) > 100, "screenshot variance \(stats)")
    #expect((stats["non_white"] ?? 0) > 0.02, "screenshot ink \(stats)")

    // Printable: Chromium prints it to a PDF.
    let pdf = dir.appendingPathComponent("report.pdf")
    let print = try Self.chromium(shared, ["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)"])
    #expect(print.status == 0, "\(print.stderr.suffix(2000))")
    let pdfData = try Data(contentsOf: pdf)
    #expect(pdfData.prefix(5) == Data("%PDF-".utf8) && pdfData.count > 10_000, "PDF of \(pdfData.count) bytes")
  }

  @Test(.enabled(if: ExternalTools.chromium != nil && ExternalTools.python3 != nil,
                 .init(rawValue: "\(ExternalTools.chromiumMissing); also needs python3")))
  func theChecksCatchABadPage() throws {
    // Negative control: a page with a console error and a remote image, and a blank page.
    let dir = try TestSupport.temporaryDirectory("e2e-html-bad")
    let bad = dir.appendingPathComponent("bad.html")
    try """
      <!DOCTYPE html><html><body><p>bad</p><img src="http://example.invalid/x.png">
      <script>console.error("bad page");</script></body></html>
      """.write(to: bad, atomically: true, encoding: .utf8)
    let netLog = dir.appendingPathComponent("net.json")
    let load = try Self.chromium(bad, ["--dump-dom"], netLog: netLog)
    #expect(Self.consoleLines(load).contains { $0.contains("bad page") }, "\(load.stderr.suffix(2000))")
    #expect(try Self.pageRequests(netLog) == ["http://example.invalid/x.png"])
    let blank = dir.appendingPathComponent("blank.html")
    try "<!DOCTYPE html><html><body></body></html>".write(to: blank, atomically: true, encoding: .utf8)
    let shot = dir.appendingPathComponent("blank.png")
    _ = try Self.chromium(blank, ["--window-size=400,300", "--screenshot=\(shot.path)"])
    let stats = try Self.pngStats(shot)
    #expect(stats["variance"] == 0 && stats["non_white"] == 0, "\(stats)")
  }
}
