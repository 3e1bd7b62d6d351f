/// One axis of a sweep: the values one setting (or, for `zip`, several settings together) takes across the plan.
///
/// Axes are kept in the order the file lists them; the plan is their cartesian product with the first axis varying
/// slowest, except the `seeds` axis which is always innermost.
public struct SweepAxis: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable {
    /// `key: [a, b, c]`
    case list
    /// `key: 0...5` or `key: 0..<6` (integers)
    case range
    /// `zip: {a: [...], b: [...]}`: several keys move together.
    case zip
    /// `seeds: N` or `seeds: [1, 2, 3]`: replicate numbers, the innermost axis.
    case seeds
  }

  public var kind: Kind
  /// Dotted setting keys this axis sets, in file order (`["seeds"]` for the seeds axis).
  public var keys: [String]
  /// The axis's points: `points[i][k]` is the value of `keys[k]` at point `i` (an `.int` replicate for seeds).
  public var points: [[Value]]
  /// For ranges and `seeds: N`, the written form (`0...5`, `0..<5`); nil for lists and zips.
  public var written: String?
  /// Where the axis key is in the file.
  public var position: SourcePosition?

  public init(kind: Kind, keys: [String], points: [[Value]], written: String? = nil, position: SourcePosition? = nil) {
    self.kind = kind
    self.keys = keys
    self.points = points
    self.written = written
    self.position = position
  }

  /// Number of points on the axis.
  public var count: Int { points.count }

  /// `model.lr`, `seeds`, or `zip(model.hidden, model.lr)` (control characters escaped).
  public var name: String {
    let shown = keys.map(Diagnostic.escaped)
    return kind == .zip ? "zip(" + shown.joined(separator: ", ") + ")" : shown.first ?? ""
  }

  /// Replicate numbers of a seeds axis (empty for other kinds).
  public var replicates: [Int] { kind == .seeds ? points.compactMap { $0.first?.int } : [] }

  /// The values of the axis in words (control characters escaped): `[3d, 7d]`, `0...5 (6 values)`, `[([32, 16], 0.0001), ([64, 32], 5e-05)]`.
  public var valuesDescription: String {
    if let written { return "\(written) (\(count) value\(count == 1 ? "" : "s"))" }
    if kind == .zip {
      return "["
        + points.map { "(" + $0.map { Diagnostic.escaped($0.display) }.joined(separator: ", ") + ")" }
        .joined(separator: ", ") + "]"
    }
    return "[" + points.compactMap { $0.first.map { Diagnostic.escaped($0.display) } }.joined(separator: ", ") + "]"
  }

  /// `name: values`, as `almanac validate` prints it.
  public var description: String { "\(name): \(valuesDescription)" }
}
