/// "Did you mean ...?" suggestions by Levenshtein distance.
public enum Suggestion {
  /// Edit distance (insertions, deletions, substitutions each cost 1) between `a` and `b`, over Unicode scalars.
  /// Empty strings: the distance is the other string's length.
  static func levenshtein(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
      current[0] = i
      for j in 1...y.count {
        let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
        current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
      }
      swap(&previous, &current)
    }
    return previous[y.count]
  }

  /// The candidate closest to `word`, if it is close enough to be a plausible typo: at most
  /// `max(2, word.count / 3)` edits (case differences count as one edit each), and fewer edits than the word's
  /// length. Ties go to the earlier candidate.
  public static func closest(to word: String, in candidates: [String]) -> String? {
    let limit = max(2, word.count / 3)
    var best: (candidate: String, distance: Int)?
    let length = word.unicodeScalars.count
    for candidate in candidates where candidate != word {
      // The distance is at least the difference in length: skip the O(n m) table when that is already too far
      // (a 100,000-character unknown key costs nothing).
      guard abs(candidate.unicodeScalars.count - length) <= limit else { continue }
      let d = levenshtein(word, candidate)
      guard d <= limit, d < max(word.count, 1) || d <= 1 else { continue }
      if best == nil || d < best?.distance ?? Int.max { best = (candidate, d) }
    }
    return best?.candidate
  }

  /// ` (did you mean 'x'?)` or the empty string.
  public static func didYouMean(_ word: String, in candidates: [String]) -> String {
    closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
  }
}
