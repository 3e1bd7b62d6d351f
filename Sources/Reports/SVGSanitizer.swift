/// Makes an SVG document (as gnuplot writes it) safe and self-contained for inlining in an HTML page.
///
/// Kept: the elements of ``allowedElements`` with their attributes, and text. Dropped: the XML declaration, the
/// DOCTYPE, comments and processing instructions; every other element with its content (`script`, `foreignObject`,
/// `image`, `style`, ...); event-handler attributes (`on…`), `href`/`xlink:href` that do not point inside the SVG
/// (`#id`), namespace declarations (`xmlns`), and any attribute whose value mentions `javascript:` or a `url(...)` that is not `url(#id)`.
/// Every `id` gets `idPrefix`, and references to ids (`#id`, `url(#id)`) follow, so several SVGs can share a page.
enum SVGSanitizer {
  static let allowedElements: Set<String> = [
    "svg", "g", "defs", "title", "desc", "path", "polygon", "polyline", "line", "rect", "circle", "ellipse", "text",
    "tspan", "use", "symbol", "clipPath", "mask", "marker", "pattern", "linearGradient", "radialGradient", "stop",
    "filter", "feFlood", "feComposite", "feOffset", "feGaussianBlur", "feBlend", "feMerge", "feMergeNode",
    "feColorMatrix",
  ]

  static func sanitize(_ svg: String, idPrefix: String) -> String {
    let bytes = Array(svg.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    /// Depth inside a dropped element (its content is dropped too).
    var dropDepth = 0
    var dropName = ""
    while i < bytes.count {
      guard bytes[i] == UInt8(ascii: "<") else {
        if dropDepth == 0 { out.append(bytes[i]) }
        i += 1
        continue
      }
      // Comments, declarations, processing instructions, CDATA: skipped.
      if starts(bytes, i, "<!--") {
        i = find(bytes, i + 4, "-->").map { $0 + 3 } ?? bytes.count
        continue
      }
      if starts(bytes, i, "<![CDATA[") {
        i = find(bytes, i + 9, "]]>").map { $0 + 3 } ?? bytes.count
        continue
      }
      if starts(bytes, i, "<!") || starts(bytes, i, "<?") {
        i = skipDeclaration(bytes, i)
        continue
      }
      guard let tag = parseTag(bytes, i) else {
        // A lone '<' in text.
        if dropDepth == 0 { out += Array("&lt;".utf8) }
        i += 1
        continue
      }
      i = tag.end
      if dropDepth > 0 {
        if tag.name == dropName {
          if tag.closing { dropDepth -= 1 } else if !tag.selfClosing { dropDepth += 1 }
        }
        continue
      }
      guard allowedElements.contains(tag.name) else {
        if !tag.closing, !tag.selfClosing {
          dropDepth = 1
          dropName = tag.name
        }
        continue
      }
      if tag.closing {
        out += Array("</\(tag.name)>".utf8)
        continue
      }
      var text = "<" + tag.name
      for (name, value) in tag.attributes {
        guard let kept = attribute(name: name, value: value, idPrefix: idPrefix) else { continue }
        text += " \(name)=\"\(escapeAttribute(kept))\""
      }
      text += tag.selfClosing ? "/>" : ">"
      out += Array(text.utf8)
    }
    return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The value to keep for one attribute, or nil to drop it.
  static func attribute(name: String, value: String, idPrefix: String) -> String? {
    let lowerName = name.lowercased()
    let lower = value.lowercased()
    if lowerName.hasPrefix("on") || lower.contains("javascript:") { return nil }
    // Namespace declarations: the HTML parser puts inline <svg> in the SVG namespace by itself.
    if lowerName == "xmlns" || lowerName.hasPrefix("xmlns:") { return nil }
    if lowerName == "id" { return idPrefix + value }
    if lowerName == "href" || lowerName == "xlink:href" {
      return value.hasPrefix("#") ? "#" + idPrefix + value.dropFirst() : nil
    }
    if lower.contains("url(") {
      // Only references inside the SVG: url(#id), rewritten to the prefixed id.
      var rewritten = ""
      var rest = Substring(value)
      while let open = rest.range(of: "url(") {
        rewritten += rest[..<open.upperBound]
        rest = rest[open.upperBound...]
        let target = rest.drop { $0 == " " || $0 == "'" || $0 == "\"" }
        guard target.hasPrefix("#") else { return nil }
        rewritten += "#" + idPrefix
        rest = target.dropFirst()
      }
      return rewritten + rest
    }
    return value
  }

  struct Tag {
    var name: String
    var closing: Bool
    var selfClosing: Bool
    var attributes: [(String, String)]
    var end: Int
  }

  /// Parses `<name attr='v' attr2="v">`, `</name>` or `<name/>` at `start`; nil when it is not a tag.
  static func parseTag(_ b: [UInt8], _ start: Int) -> Tag? {
    var i = start + 1
    var closing = false
    if i < b.count, b[i] == UInt8(ascii: "/") {
      closing = true
      i += 1
    }
    let nameStart = i
    while i < b.count, isNameByte(b[i]) { i += 1 }
    guard i > nameStart else { return nil }
    let name = String(decoding: b[nameStart..<i], as: UTF8.self)
    var attributes: [(String, String)] = []
    var selfClosing = false
    while i < b.count {
      while i < b.count, isSpace(b[i]) { i += 1 }
      guard i < b.count else { return nil }
      if b[i] == UInt8(ascii: ">") {
        return Tag(name: name, closing: closing, selfClosing: selfClosing, attributes: attributes, end: i + 1)
      }
      if b[i] == UInt8(ascii: "/") {
        selfClosing = true
        i += 1
        continue
      }
      let attrStart = i
      while i < b.count, isNameByte(b[i]) { i += 1 }
      guard i > attrStart else { return nil }
      let attrName = String(decoding: b[attrStart..<i], as: UTF8.self)
      while i < b.count, isSpace(b[i]) { i += 1 }
      guard i < b.count, b[i] == UInt8(ascii: "=") else {
        attributes.append((attrName, ""))
        continue
      }
      i += 1
      while i < b.count, isSpace(b[i]) { i += 1 }
      guard i < b.count else { return nil }
      let quote = b[i]
      var value: String
      if quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") {
        let valueStart = i + 1
        guard let close = b[valueStart...].firstIndex(of: quote) else { return nil }
        value = String(decoding: b[valueStart..<close], as: UTF8.self)
        i = close + 1
      } else {
        let valueStart = i
        while i < b.count, !isSpace(b[i]), b[i] != UInt8(ascii: ">") { i += 1 }
        value = String(decoding: b[valueStart..<i], as: UTF8.self)
      }
      value = decodeEntities(value)
      attributes.append((attrName, value))
    }
    return nil
  }

  static func isNameByte(_ c: UInt8) -> Bool {
    (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ":")
      || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
  }

  static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

  static func starts(_ b: [UInt8], _ i: Int, _ s: String) -> Bool {
    let p = Array(s.utf8)
    return i + p.count <= b.count && Array(b[i..<(i + p.count)]) == p
  }

  static func find(_ b: [UInt8], _ from: Int, _ s: String) -> Int? {
    let p = Array(s.utf8)
    guard p.count <= b.count else { return nil }
    var i = from
    while i + p.count <= b.count {
      if b[i] == p[0], Array(b[i..<(i + p.count)]) == p { return i }
      i += 1
    }
    return nil
  }

  /// Skips `<!DOCTYPE ... [ ... ]>` or `<?...?>`.
  static func skipDeclaration(_ b: [UInt8], _ start: Int) -> Int {
    var i = start + 2
    var bracket = 0
    while i < b.count {
      if b[i] == UInt8(ascii: "[") { bracket += 1 }
      if b[i] == UInt8(ascii: "]") { bracket -= 1 }
      if b[i] == UInt8(ascii: ">"), bracket <= 0 { return i + 1 }
      i += 1
    }
    return b.count
  }

  /// Decodes the five XML entities and numeric references, so checks see the real value.
  static func decodeEntities(_ s: String) -> String {
    guard s.contains("&") else { return s }
    var out = ""
    var rest = Substring(s)
    while let amp = rest.firstIndex(of: "&") {
      out += rest[..<amp]
      rest = rest[amp...]
      guard let semi = rest.firstIndex(of: ";"), rest.distance(from: rest.startIndex, to: semi) <= 10 else {
        out += "&"
        rest = rest.dropFirst()
        continue
      }
      let entity = rest[rest.index(after: rest.startIndex)..<semi]
      var decoded: String?
      switch entity {
      case "lt": decoded = "<"
      case "gt": decoded = ">"
      case "amp": decoded = "&"
      case "quot": decoded = "\""
      case "apos": decoded = "'"
      default:
        if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let v = UInt32(entity.dropFirst(2), radix: 16),
          let u = Unicode.Scalar(v)
        {
          decoded = String(Character(u))
        } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let u = Unicode.Scalar(v) {
          decoded = String(Character(u))
        }
      }
      if let decoded {
        out += decoded
        rest = rest[rest.index(after: semi)...]
      } else {
        out += "&"
        rest = rest.dropFirst()
      }
    }
    return out + rest
  }

  static func escapeAttribute(_ s: String) -> String {
    var out = ""
    for ch in s {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(ch)
      }
    }
    return out
  }
}
