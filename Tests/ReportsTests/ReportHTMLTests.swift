import Foundation
@testable import Reports
import Testing
import _ReportsTestSupport
import _TestSupport

@Suite("HTML report")
struct ReportHTMLTests {
  @Test("the page has the Markdown report's headings, table rows and text, escaped")
  func sameContentAsMarkdown() throws {
    let dir = try TestSupport.temporaryDirectory("html-content")
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = handMadeInput(notes: "Notes with <script>alert(1)</script> & a [link](https://example.org) "
      + "and [bad](javascript:alert(1)).\n\n- one\n- two")
    let summary = try ReportWriter.write(
      input, to: dir, options: ReportOptions(gnuplotPath: "/nonexistent/gnuplot", formats: [.markdown, .html]))
    #expect(summary.documents.map(\.lastPathComponent) == ["README.md", "report.html"])
    let markdown = try String(contentsOf: summary.readme, encoding: .utf8)
    let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<title>hand-made</title>"))
    // Every heading, in order.
    let headings = markdown.split(separator: "\n").filter { $0.hasPrefix("#") }.map {
      $0.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
    }
    var position = html.startIndex
    for heading in headings {
      let text = MarkdownHTML.escape(MarkdownHTML.unescapeMarkdown(heading))
      guard let found = html.range(of: ">" + text + "</h", range: position..<html.endIndex) else {
        Issue.record("heading \(heading) missing or out of order")
        continue
      }
      position = found.upperBound
    }
    // One <tr> per Markdown table row (header and body; rule lines and all-blank headers excluded).
    let tableRows = markdown.split(separator: "\n").filter {
      $0.hasPrefix("|") && !$0.contains("---") && !$0.allSatisfy { $0 == "|" || $0 == " " }
    }.count
    #expect(html.components(separatedBy: "<tr>").count - 1 == tableRows)
    #expect(html.contains("<td class=\"r\">"), "right-aligned numeric cells")
    // Raw HTML in the notes is text; javascript: links lose their target; https links stay.
    #expect(!html.contains("<script"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(!html.contains("javascript:"))
    #expect(html.contains("<a href=\"https://example.org\">link</a>"))
    #expect(html.contains("<ul><li>one</li><li>two</li></ul>"))
    // The failure message with pipes stays in its cell.
    #expect(html.contains("boom |pipe| second line"))
  }

  @Test("with real gnuplot: every chart is inlined once, sanitised, with ids unique on the page",
        .enabled(if: gnuplotPath != nil, "gnuplot is not installed (apt-get install gnuplot-nox)"))
  func chartsInline() throws {
    let dir = try TestSupport.temporaryDirectory("html-charts")
    defer { try? FileManager.default.removeItem(at: dir) }
    let summary = try ReportWriter.write(
      SyntheticReport.classification(), to: dir, options: ReportOptions(formats: [.html]))
    #expect(summary.documents.map(\.lastPathComponent) == ["report.html"])
    let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
    let svgs = summary.charts.filter { $0.hasSuffix(".svg") }
    #expect(!svgs.isEmpty)
    #expect(html.components(separatedBy: "<svg").count - 1 == svgs.count)
    #expect(html.components(separatedBy: "<figure").count - 1 == svgs.count)
    for banned in ["<?xml", "<!DOCTYPE svg", "xmlns", "<script", "http://", "https://"] {
      #expect(!html.contains(banned), "\(banned) left in the page")
    }
    // Ids are unique, and every #reference points at one of them.
    let ids = html.components(separatedBy: " id=\"").dropFirst().compactMap { $0.split(separator: "\"").first }.map(String.init)
    #expect(!ids.isEmpty)
    #expect(Set(ids).count == ids.count, "duplicate ids")
    let references = html.components(separatedBy: "href=\"#").dropFirst().compactMap { $0.split(separator: "\"").first }
      + html.components(separatedBy: "url(#").dropFirst().compactMap { $0.split(separator: ")").first }
    #expect(!references.isEmpty)
    for reference in references { #expect(Set(ids).contains(String(reference)), "dangling #\(reference)") }
  }

  @Test("the sanitiser drops scripts, handlers, foreign content and outside references, and prefixes ids")
  func sanitizer() {
    let svg = """
      <?xml version="1.0"?>
      <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
      <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10" onload="alert(1)">
      <!-- a comment -->
      <script type="text/javascript">alert(2)</script>
      <defs><path id='gpPt0' d='M0,0'/><filter id='textbox'/></defs>
      <use xlink:href='#gpPt0' x='1'/><use href="http://evil.example/x.svg#a"/>
      <g filter='url(#textbox)' style="fill: url(http://evil.example/p)"><text>a &amp; b &lt; c</text></g>
      <foreignObject><div>html</div></foreignObject><image href="x.png"/>
      <a xlink:href="javascript:alert(3)"><rect width="1" height="1"/></a>
      </svg>
      """
    let out = SVGSanitizer.sanitize(svg, idPrefix: "c1-")
    for banned in ["<?xml", "<!DOCTYPE", "<!--", "script", "alert", "onload", "xmlns", "evil", "foreignObject",
                   "<div", "<image", "<a"] {
      #expect(!out.contains(banned), "\(banned) survived: \(out)")
    }
    #expect(out.hasPrefix("<svg width=\"10\" height=\"10\">"))
    #expect(out.contains("<path id=\"c1-gpPt0\" d=\"M0,0\"/>"))
    #expect(out.contains("<use xlink:href=\"#c1-gpPt0\" x=\"1\"/>"))
    #expect(out.contains("<g filter=\"url(#c1-textbox)\">"))
    #expect(out.contains("<text>a &amp; b &lt; c</text>"))
    #expect(!out.contains("<rect"), "the content of a dropped element is dropped with it")
  }

  @Test("empty and malformed SVG input give no markup, never a crash", arguments: ["", "<", "<svg", "<<>>", "&"])
  func malformed(input: String) {
    let out = SVGSanitizer.sanitize(input, idPrefix: "p-")
    #expect(!out.contains("<svg"))
  }
}
