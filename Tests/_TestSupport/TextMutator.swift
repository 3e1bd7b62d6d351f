import AlmanacCore

/// Seeded mutations of text files for fuzz tests: deletions, insertions of syntax-laden fragments (brackets, anchors,
/// control characters, huge numbers, other line breaks), duplicated, dropped, swapped and re-indented lines,
/// truncation. The same seed gives the same sequence of mutants.
public struct TextMutator {
  public var generator: SplitMix64

  public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

  /// Fragments that exercise YAML and CSV syntax, number parsing, escaping and line counting.
  public static let fragments: [String] = [
    "[", "]", "{", "}", ":", ": ", "- ", ",", ", ", "&a ", "*a", "&b [1, 2]", "? ", "|", ">", "'", "\"", "#",
    "!!str ", "!!binary ", "!custom ", "...", "..<", "0...3", "9223372036854775807", "-9223372036854775808",
    "99999999999999999999", "-1", "0", "1.5", ".nan", ".inf", "-.inf", "1e400", "1e-400", "nan", "inf", "\t",
    "\u{1}", "\u{7}", "\u{1B}[31m", "\u{7F}", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{202E}", "\u{FEFF}", "é", "日本",
    "\n", "\n  ", "\n- ", "---\n", "%YAML 1.2\n", "~", "null", "true", "seeds: 3", "zip:", "sweep:", "..", ".",
    String(repeating: "x", count: 300), "2020-01-01T00:00:00", "1577836800", "\"\"", ",,,,", "a,b,c",
  ]

  mutating func index(_ count: Int) -> Int { count <= 0 ? 0 : generator.nextIndex(below: count) }

  /// `text` after 1 to `maxEdits` random edits.
  public mutating func mutate(_ text: String, maxEdits: Int = 3) -> String {
    var scalars = Array(text.unicodeScalars)
    for _ in 0...index(maxEdits) { edit(&scalars) }
    var out = ""
    out.unicodeScalars.append(contentsOf: scalars)
    return out
  }

  mutating func fragment() -> [Unicode.Scalar] { Array(Self.fragments[index(Self.fragments.count)].unicodeScalars) }

  mutating func edit(_ s: inout [Unicode.Scalar]) {
    var lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
    func join() { s = Array(lines.joined(separator: ["\n"])) }
    switch index(10) {
    case 0:  // delete a short run
      guard !s.isEmpty else { return }
      let at = index(s.count)
      s.removeSubrange(at..<min(s.count, at + 1 + index(20)))
    case 1:  // insert a fragment
      s.insert(contentsOf: fragment(), at: index(s.count + 1))
    case 2:  // duplicate a line
      guard !lines.isEmpty else { return }
      let i = index(lines.count)
      lines.insert(lines[i], at: i)
      join()
    case 3:  // drop a line
      guard !lines.isEmpty else { return }
      lines.remove(at: index(lines.count))
      join()
    case 4:  // swap two lines
      guard lines.count > 1 else { return }
      lines.swapAt(index(lines.count), index(lines.count))
      join()
    case 5:  // replace one scalar by a fragment
      guard !s.isEmpty else { return }
      let at = index(s.count)
      s.replaceSubrange(at...at, with: fragment())
    case 6:  // truncate
      s.removeSubrange(index(s.count + 1)...)
    case 7:  // a random scalar: control, Latin-1, BMP
      let pools: [ClosedRange<UInt32>] = [0...0x1F, 0x80...0xFF, 0x100...0xD7FF]
      let pool = pools[index(pools.count)]
      let value = pool.lowerBound + UInt32(index(Int(pool.upperBound - pool.lowerBound) + 1))
      if let scalar = Unicode.Scalar(value) { s.insert(scalar, at: index(s.count + 1)) }
    case 8:  // re-indent a line
      guard !lines.isEmpty else { return }
      let i = index(lines.count)
      if generator.next() & 1 == 0 {
        lines[i] = Array("  ".unicodeScalars) + lines[i]
      } else if lines[i].first == " " {
        lines[i].removeFirst()
      }
      join()
    default:  // replace a run of digits by a number fragment
      guard let start = s.indices.filter({ s[$0].properties.numericType != nil }).randomElement(using: &generator)
      else { return }
      var end = start
      while end < s.count, s[end].properties.numericType != nil { end += 1 }
      let numbers = ["9223372036854775807", "-1", "0", "1e400", ".nan", "99999999999999999999", "3.5", "-0"]
      s.replaceSubrange(start..<end, with: Array(numbers[index(numbers.count)].unicodeScalars))
    }
  }
}
