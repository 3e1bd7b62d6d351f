import Foundation

/// The report as one self-contained HTML page: the same content as `README.md`, with every chart's SVG inlined.
///
/// The page makes no request of its own: no script, no external style sheet, font or image; the SVGs are sanitised
/// (``SVGSanitizer``) and their element ids prefixed per chart so several charts can share the page. Links to the
/// report folder's files (`data/*.dat`, `charts/*.gp`) stay relative: they work when the page sits in its folder and
/// are plain text elsewhere. A print style sheet drops the width limit and keeps charts and tables whole on a page.
enum ReportHTML {
  /// Renders `markdown` (as ``ReportDocument/markdown(state:)`` writes it) into a page titled `title`; images
  /// (`![alt](charts/x.svg)`) are read from `directory` and inlined.
  static func render(markdown: String, title: String, directory: URL) -> String {
    var renderer = MarkdownHTML(directory: directory)
    let body = renderer.blocks(markdown)
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="generator" content="Almanac">
      <title>\(MarkdownHTML.escape(title))</title>
      <style>
      \(style)
      </style>
      </head>
      <body>
      <main>
      \(body)
      </main>
      </body>
      </html>

      """
  }

  static let style = """
    :root { color-scheme: light; }
    body { margin: 0; background: #ffffff; color: #1f2328;
      font: 15px/1.5 -apple-system, "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
    main { max-width: 1000px; margin: 0 auto; padding: 24px 32px 48px; }
    h1 { font-size: 1.9em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
    h2 { font-size: 1.45em; border-bottom: 1px solid #d0d7de; padding-bottom: .25em; margin-top: 1.8em; }
    h3 { font-size: 1.15em; margin-top: 1.4em; }
    code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
      font-size: .88em; }
    code { background: #f0f2f4; padding: .1em .35em; border-radius: 4px; overflow-wrap: anywhere; }
    pre { background: #f6f8fa; padding: 12px 14px; border-radius: 6px; overflow-x: auto; }
    pre code { background: none; padding: 0; }
    table { border-collapse: collapse; margin: 12px 0; display: block; overflow-x: auto; max-width: 100%; }
    th, td { border: 1px solid #d0d7de; padding: 4px 10px; vertical-align: top; }
    th { background: #f6f8fa; }
    tr:nth-child(even) td { background: #fafbfc; }
    td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
    blockquote { margin: 12px 0; padding: 4px 14px; border-left: 4px solid #d0d7de; color: #57606a; }
    figure { margin: 12px 0; }
    figure svg { display: block; width: 100%; height: auto; max-width: 900px; }
    hr { border: 0; border-top: 1px solid #d0d7de; margin: 28px 0; }
    a { color: #0969da; }
    @media print {
      main { max-width: none; padding: 0; }
      body { font-size: 11pt; }
      a { color: inherit; text-decoration: none; }
      h2, h3 { break-after: avoid; page-break-after: avoid; }
      figure, table, pre, blockquote { break-inside: avoid; page-break-inside: avoid; }
      figure svg { max-width: 100%; }
      tr:nth-child(even) td { background: none; }
    }
    """
}

/// The Markdown that reports contain, as HTML: ATX headings, paragraphs, pipe tables with `---:` alignment, fenced
/// code blocks, block quotes, `-`/`*`/`1.` lists, `---` rules; inline code, `**strong**`, `*emphasis*`, links,
/// images, backslash escapes and character entities. Raw HTML is not passed through: every `<` is escaped.
struct MarkdownHTML {
  var directory: URL
  /// Charts inlined so far (the prefix of their element ids).
  var chartCount = 0

  init(directory: URL) { self.directory = directory }

  mutating func blocks(_ markdown: String) -> String {
    let lines = markdown.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
    var out: [String] = []
    var i = 0
    var paragraph: [String] = []
    func flush(_ out: inout [String], _ paragraph: inout [String], _ me: inout MarkdownHTML) {
      guard !paragraph.isEmpty else { return }
      let text = paragraph.joined(separator: "\n")
      paragraph = []
      // A paragraph that is only an image becomes a figure.
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("!["), trimmed.hasSuffix(")"), !trimmed.contains("\n"), let figure = me.figure(trimmed) {
        out.append(figure)
      } else {
        out.append("<p>" + me.inline(text) + "</p>")
      }
    }
    while i < lines.count {
      let line = lines[i]
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty {
        flush(&out, &paragraph, &self)
        i += 1
      } else if let fence = Self.fence(trimmed) {
        flush(&out, &paragraph, &self)
        let language = String(trimmed.dropFirst(fence.count)).trimmingCharacters(in: .whitespaces)
        var code: [String] = []
        i += 1
        while i < lines.count,
          !(lines[i].trimmingCharacters(in: .whitespaces).hasPrefix(fence)
            && lines[i].trimmingCharacters(in: .whitespaces).allSatisfy { $0 == "`" })
        {
          code.append(lines[i])
          i += 1
        }
        i += 1
        let cls = language.isEmpty ? "" : " class=\"language-\(Self.escape(language))\""
        out.append("<pre><code\(cls)>" + Self.escape(code.joined(separator: "\n")) + "</code></pre>")
      } else if let level = Self.headingLevel(trimmed) {
        flush(&out, &paragraph, &self)
        let text = String(trimmed.dropFirst(level)).trimmingCharacters(in: .whitespaces)
        out.append("<h\(level)>" + inline(text) + "</h\(level)>")
        i += 1
      } else if trimmed == "---" || trimmed == "***" || trimmed == "___" {
        flush(&out, &paragraph, &self)
        out.append("<hr>")
        i += 1
      } else if trimmed.hasPrefix("|"), i + 1 < lines.count, Self.isTableRule(lines[i + 1]) {
        flush(&out, &paragraph, &self)
        let header = Self.cells(trimmed)
        let align = Self.cells(lines[i + 1].trimmingCharacters(in: .whitespaces)).map { $0.hasSuffix(":") ? "r" : "l" }
        i += 2
        var rows: [[String]] = []
        while i < lines.count, lines[i].trimmingCharacters(in: .whitespaces).hasPrefix("|") {
          rows.append(Self.cells(lines[i].trimmingCharacters(in: .whitespaces)))
          i += 1
        }
        out.append(table(header: header, rows: rows, align: align))
      } else if trimmed.hasPrefix(">") {
        flush(&out, &paragraph, &self)
        var quoted: [String] = []
        while i < lines.count, lines[i].trimmingCharacters(in: .whitespaces).hasPrefix(">") {
          quoted.append(String(lines[i].trimmingCharacters(in: .whitespaces).dropFirst()))
          i += 1
        }
        var inner = MarkdownHTML(directory: directory)
        inner.chartCount = chartCount
        out.append("<blockquote>" + inner.blocks(quoted.joined(separator: "\n")) + "</blockquote>")
        chartCount = inner.chartCount
      } else if let ordered = Self.listItem(trimmed) {
        flush(&out, &paragraph, &self)
        var items: [String] = []
        while i < lines.count, let item = Self.listItem(lines[i].trimmingCharacters(in: .whitespaces)),
          item.ordered == ordered.ordered
        {
          items.append("<li>" + inline(item.text) + "</li>")
          i += 1
        }
        out.append(ordered.ordered ? "<ol>" + items.joined() + "</ol>" : "<ul>" + items.joined() + "</ul>")
      } else {
        paragraph.append(trimmed)
        i += 1
      }
    }
    flush(&out, &paragraph, &self)
    return out.joined(separator: "\n")
  }

  private mutating func table(header: [String], rows: [[String]], align: [String]) -> String {
    func cls(_ i: Int) -> String { i < align.count && align[i] == "r" ? " class=\"r\"" : "" }
    var html = "<table>\n"
    // A header of empty cells (a key-value table) is left out rather than drawn as an empty row.
    if header.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
      html += "<thead><tr>"
      for (i, cell) in header.enumerated() { html += "<th\(cls(i))>" + inline(cell) + "</th>" }
      html += "</tr></thead>\n"
    }
    html += "<tbody>\n"
    for row in rows {
      html += "<tr>"
      for (i, cell) in row.enumerated() { html += "<td\(cls(i))>" + inline(cell) + "</td>" }
      html += "</tr>\n"
    }
    return html + "</tbody>\n</table>"
  }

  /// `![alt](path)` as a figure with the SVG inlined, or nil when the file cannot be read (the alt text is shown
  /// instead, by the inline renderer).
  private mutating func figure(_ text: String) -> String? {
    guard let close = text.range(of: "](") else { return nil }
    let alt = String(text[text.index(text.startIndex, offsetBy: 2)..<close.lowerBound])
    let path = String(text[close.upperBound..<text.index(before: text.endIndex)])
    guard path.hasSuffix(".svg"), !path.hasPrefix("/"), !path.contains(".."),
      let data = FileManager.default.contents(atPath: directory.appendingPathComponent(path).path)
    else { return nil }
    chartCount += 1
    let svg = SVGSanitizer.sanitize(String(decoding: data, as: UTF8.self), idPrefix: "c\(chartCount)-")
    let label = Self.escape(Self.unescapeMarkdown(alt))
    return "<figure role=\"img\" aria-label=\"\(label)\">\n" + svg + "\n</figure>"
  }

  // MARK: Block helpers

  static func fence(_ line: String) -> String? {
    let run = line.prefix { $0 == "`" }
    return run.count >= 3 ? String(run) : nil
  }

  static func headingLevel(_ line: String) -> Int? {
    let hashes = line.prefix { $0 == "#" }.count
    guard (1...6).contains(hashes) else { return nil }
    let rest = line.dropFirst(hashes)
    return rest.isEmpty || rest.hasPrefix(" ") ? hashes : nil
  }

  static func isTableRule(_ line: String) -> Bool {
    let t = line.trimmingCharacters(in: .whitespaces)
    guard t.hasPrefix("|") else { return false }
    return cells(t).allSatisfy { cell in
      let c = cell.trimmingCharacters(in: .whitespaces)
      return !c.isEmpty && c.allSatisfy { $0 == "-" || $0 == ":" } && c.contains("-")
    }
  }

  /// The cells of `| a | b \| c |` (escaped pipes stay inside a cell, still escaped).
  static func cells(_ line: String) -> [String] {
    var body = Substring(line)
    if body.hasPrefix("|") { body = body.dropFirst() }
    if body.hasSuffix("|"), !body.hasSuffix("\\|") { body = body.dropLast() }
    var cells: [String] = []
    var current = ""
    var escaped = false
    for ch in body {
      if escaped {
        current.append("\\")
        current.append(ch)
        escaped = false
      } else if ch == "\\" {
        escaped = true
      } else if ch == "|" {
        cells.append(current.trimmingCharacters(in: .whitespaces))
        current = ""
      } else {
        current.append(ch)
      }
    }
    if escaped { current.append("\\") }
    cells.append(current.trimmingCharacters(in: .whitespaces))
    return cells
  }

  static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
    if line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ") {
      return (false, String(line.dropFirst(2)))
    }
    let digits = line.prefix { $0.isASCII && $0.isNumber }
    if !digits.isEmpty, digits.count <= 9 {
      let rest = line.dropFirst(digits.count)
      if rest.hasPrefix(". ") || rest.hasPrefix(") ") { return (true, String(rest.dropFirst(2))) }
    }
    return nil
  }

  // MARK: Inline

  /// Inline Markdown to HTML.
  mutating func inline(_ text: String) -> String {
    let chars = Array(text)
    var out = ""
    var i = 0
    var strong = false
    var emphasis = false
    while i < chars.count {
      let ch = chars[i]
      if ch == "\\", i + 1 < chars.count, Self.escapable.contains(chars[i + 1]) {
        out += Self.escape(String(chars[i + 1]))
        i += 2
      } else if ch == "`" {
        var run = 0
        while i + run < chars.count, chars[i + run] == "`" { run += 1 }
        // Find the closing run of the same length.
        var j = i + run
        var found: Int?
        while j < chars.count {
          if chars[j] == "`" {
            var r = 0
            while j + r < chars.count, chars[j + r] == "`" { r += 1 }
            if r == run {
              found = j
              break
            }
            j += r
          } else {
            j += 1
          }
        }
        if let end = found {
          var code = String(chars[(i + run)..<end])
          if code.hasPrefix(" "), code.hasSuffix(" "), code.count >= 2 { code = String(code.dropFirst().dropLast()) }
          out += "<code>" + Self.escape(code) + "</code>"
          i = end + run
        } else {
          out += String(repeating: "`", count: run)
          i += run
        }
      } else if ch == "*", i + 1 < chars.count, chars[i + 1] == "*" {
        out += strong ? "</strong>" : "<strong>"
        strong.toggle()
        i += 2
      } else if ch == "*" {
        out += emphasis ? "</em>" : "<em>"
        emphasis.toggle()
        i += 1
      } else if ch == "!", i + 1 < chars.count, chars[i + 1] == "[", let link = Self.link(chars, from: i + 1) {
        // An image inside text (not alone in a paragraph): its alt text.
        out += Self.escape(Self.unescapeMarkdown(link.text))
        i = link.end
      } else if ch == "[", let link = Self.link(chars, from: i) {
        var inner = MarkdownHTML(directory: directory)
        let label = inner.inline(link.text)
        if let href = Self.safeHref(link.url) {
          out += "<a href=\"\(Self.escape(href))\">" + label + "</a>"
        } else {
          out += label
        }
        i = link.end
      } else if ch == "&" {
        // Keep character entities (`&lt;` from table cells); escape a bare ampersand.
        var j = i + 1
        while j < chars.count, j - i <= 10, chars[j].isLetter || chars[j].isNumber || chars[j] == "#" { j += 1 }
        if j < chars.count, chars[j] == ";", j > i + 1 {
          out += String(chars[i...j])
          i = j + 1
        } else {
          out += "&amp;"
          i += 1
        }
      } else {
        out += Self.escape(String(ch))
        i += 1
      }
    }
    if emphasis { out += "</em>" }
    if strong { out += "</strong>" }
    return out
  }

  static let escapable = Set("\\`*_{}[]()#+-.!|<>&~")

  /// `[text](url)` starting at `start` (the `[`): the text, the url and the index after `)`.
  static func link(_ chars: [Character], from start: Int) -> (text: String, url: String, end: Int)? {
    var depth = 0
    var j = start
    while j < chars.count {
      if chars[j] == "\\" {
        j += 2
        continue
      }
      if chars[j] == "[" { depth += 1 }
      if chars[j] == "]" {
        depth -= 1
        if depth == 0 { break }
      }
      j += 1
    }
    guard j + 1 < chars.count, chars[j] == "]", chars[j + 1] == "(" else { return nil }
    guard let close = chars[(j + 2)...].firstIndex(of: ")") else { return nil }
    let text = String(chars[(start + 1)..<j])
    let url = String(chars[(j + 2)..<close]).trimmingCharacters(in: .whitespaces)
    return (text, url, close + 1)
  }

  /// A link target that cannot run code: http(s), mailto, a fragment or a relative path; nil otherwise.
  static func safeHref(_ url: String) -> String? {
    let lower = url.lowercased()
    if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("mailto:") || lower.hasPrefix("#") {
      return url
    }
    if !lower.contains(":"), !lower.hasPrefix("//") { return url }
    return nil
  }

  /// Removes Markdown backslash escapes and decodes the entities ``Markdown/cell(_:)`` writes.
  static func unescapeMarkdown(_ text: String) -> String {
    var out = ""
    var escaped = false
    for ch in text {
      if escaped {
        out.append(ch)
        escaped = false
      } else if ch == "\\" {
        escaped = true
      } else {
        out.append(ch)
      }
    }
    return out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
      .replacingOccurrences(of: "&amp;", with: "&")
  }

  /// HTML text and attribute escaping.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for ch in text {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(ch)
      }
    }
    return out
  }
}
