/// Whether a larger metric value is better.
public enum MetricGoal: String, Sendable, Hashable, Codable, CaseIterable {
  case maximize, minimize

  /// The one definition of "better" for two values of a metric: larger when maximising, smaller when minimising.
  /// NaN is never better than anything, and anything finite is better than NaN.
  public func prefers(_ a: Double, over b: Double) -> Bool {
    if a.isNaN { return false }
    if b.isNaN { return true }
    return self == .maximize ? a > b : a < b
  }
}

/// A scalar (one value per run) or a series (points by step: epochs, folds, forecast steps, curve points).
public enum MetricKind: String, Sendable, Hashable, Codable {
  case scalar, series
}

/// One metric a task reports, declared once by the task and recorded with the experiment in the store, so that
/// reports and listings read names, directions and order from the store.
public struct MetricDeclaration: Sendable, Hashable, Codable {
  /// The key runs store it under (`f1`, `aic`, `train_loss`, `coef.ar1`...). A name ending in `*` declares a family
  /// (`coef.*`).
  public var name: String
  /// Which way is better; nil for metrics that are not ranked (counts, flags).
  public var goal: MetricGoal?
  public var kind: MetricKind
  /// Shown as a column of leaderboards and effect tables (the key figures), in declaration order.
  public var listed: Bool
  /// One line for people.
  public var help: String

  public init(
    _ name: String, _ kind: MetricKind = .scalar, goal: MetricGoal? = nil, listed: Bool = false,
    help: String = ""
  ) {
    self.name = name
    self.goal = goal
    self.kind = kind
    self.listed = listed
    self.help = help
  }

  /// Whether this declaration covers `key` (exactly, or as a `prefix.*` family).
  public func covers(_ key: String) -> Bool {
    if name.hasSuffix("*") { return key.hasPrefix(name.dropLast()) }
    return key == name
  }
}

/// An experiment's metrics: the task's declarations in display order, and the metrics the experiment file selected
/// (its `metrics:` list, or the task's default), the first of which ranks configurations.
public struct MetricCatalog: Sendable, Hashable {
  public var declared: [MetricDeclaration]
  /// Never empty for an experiment that has run: the first one ranks.
  public var selected: [String]

  public init(declared: [MetricDeclaration], selected: [String]) {
    self.declared = declared
    self.selected = selected
  }

  /// The ranking metric, or nil when nothing was selected.
  public var ranking: String? { selected.first }

  /// The declaration of `key` (exact names first, then families), or nil.
  public func declaration(of key: String) -> MetricDeclaration? {
    declared.first { $0.name == key } ?? declared.first { $0.covers(key) }
  }

  /// The direction of `key`, or nil when it is not ranked or not declared.
  public func goal(of key: String) -> MetricGoal? { declaration(of: key)?.goal }

  /// The metrics shown as table columns, in declaration order.
  public var listed: [String] { declared.filter { $0.listed && $0.kind == .scalar }.map(\.name) }

  /// Names of the ranked scalar metrics, in declaration order.
  public var rankedScalars: [String] {
    declared.filter { $0.kind == .scalar && $0.goal != nil && !$0.name.hasSuffix("*") }.map(\.name)
  }

  /// Display position of a key: its declaration's index (families after exact names), unknown keys last.
  public func position(of key: String) -> Int {
    if let i = declared.firstIndex(where: { $0.name == key }) { return i }
    if let i = declared.firstIndex(where: { $0.covers(key) }) { return declared.count + i }
    return 2 * declared.count
  }

  /// `keys` in display order: the selected metrics first (in their order), then by declaration, then by name.
  public func ordered<S: Sequence>(_ keys: S) -> [String] where S.Element == String {
    let chosen = Dictionary(selected.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    return Set(keys).sorted { a, b in
      switch (chosen[a], chosen[b]) {
      case let (x?, y?): return x < y
      case (.some, nil): return true
      case (nil, .some): return false
      case (nil, nil):
        let (x, y) = (position(of: a), position(of: b))
        return x != y ? x < y : a < b
      }
    }
  }
}
