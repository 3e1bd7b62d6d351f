import Foundation

/// Reads and validates experiment files (see docs/ARCHITECTURE.md, "Experiment files").
///
/// Every problem is reported, not only the first: the thrown ``ExperimentError`` holds one ``Diagnostic`` per
/// problem, sorted by position, each naming `file:line:column`.
///
/// Sweep semantics: an axis key is a dotted path into the task's settings (`model.lr`, `feature_sets.mine`); each
/// value is validated against the schema of the field it hits, at its own position. An axis value replaces the
/// whole value at its path (sweeping `model` with `{lr: 0.1}` gives the model defaults plus `lr`, not the file's
/// other `model` keys). A key may be swept once; a key and its parent may not both be swept. `seeds: N` means
/// replicates `0..<N`, `seeds: [1, 2, 3]` or `seeds: 3...5` explicit replicate numbers. `zip` takes a map of
/// equal-length axes (or a list of such maps for several groups). Ranges are integers, `a...b` or `a..<b`.
public enum ExperimentParser {
  /// The keys owned by `Experiments`; every other top-level key is a task setting.
  public static let genericKeys = ["name", "notes", "task", "seed", "metrics", "sweep"]

  /// The largest plan a sweep may expand to.
  public static let maximumTrials = 1_000_000

  /// The longest experiment name, in characters (the name is a directory under `reports/` and a store key).
  public static let maximumNameLength = 100

  /// The deepest nesting of lists and maps in an experiment file.
  public static let maximumNesting = 64

  /// The largest experiment file read, in bytes.
  public static let maximumFileSize = 4 * 1024 * 1024

  /// Reads `fileURL` and validates it against the task it names.
  ///
  /// - Parameters:
  ///   - tasks: the tasks `task:` may name.
  ///   - displayPath: how diagnostics name the file; default: the path relative to the current directory when the
  ///     file is below it, else the absolute path.
  /// - Throws: ``ExperimentError`` (unreadable file, YAML syntax, unknown or invalid keys, bad sweep).
  public static func parse(fileURL: URL, tasks: [any TrialTask], displayPath: String? = nil) throws -> ExperimentSpec {
    let shown = displayPath ?? Self.displayPath(for: fileURL)
    let source = try read(fileURL, shownAs: shown)
    return try parse(source: source, fileURL: fileURL, tasks: tasks, displayPath: shown)
  }

  /// Validates experiment text as if read from `fileURL` (which sets the base directory for data paths).
  public static func parse(source: String, fileURL: URL, tasks: [any TrialTask], displayPath: String? = nil) throws
    -> ExperimentSpec
  {
    let shown = displayPath ?? Self.displayPath(for: fileURL)
    if source.utf8.count > maximumFileSize {
      throw ExperimentError(
        Diagnostic(
          file: shown,
          message: "the experiment file has \(source.utf8.count) bytes; at most \(maximumFileSize) are allowed"))
    }
    var parser = Parsing(sink: DiagnosticSink(file: shown, source: source), tasks: tasks)
    let spec = parser.run(source: source, fileURL: fileURL, displayPath: shown)
    let errors = parser.sink.report.filter { $0.severity != .warning }
    if let spec, errors.isEmpty { return spec }
    throw ExperimentError(errors.isEmpty ? [parser.sink.make("invalid experiment file", at: nil)] : errors)
  }

  /// The file's path relative to the current directory when it lies below it, else its absolute path.
  public static func displayPath(for url: URL) -> String {
    let path = url.standardizedFileURL.path
    let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
    let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
  }

  static func read(_ url: URL, shownAs shown: String) throws -> String {
    var isDirectory: ObjCBool = false
    func fail(_ message: String) -> ExperimentError { ExperimentError(Diagnostic(file: shown, message: message)) }
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw fail("cannot read experiment file: no such file")
    }
    if isDirectory.boolValue { throw fail("cannot read experiment file: it is a directory") }
    let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)
    // Reading a FIFO, socket or device would block or never end: only regular files (symbolic links followed).
    if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular {
      let kinds: [FileAttributeType: String] = [
        .typeCharacterSpecial: "a character device", .typeBlockSpecial: "a block device", .typeSocket: "a socket",
      ]
      throw fail(
        "cannot read experiment file: it is \(kinds[type] ?? "a FIFO or other special file"), not a regular file")
    }
    if let size = attributes?[.size] as? NSNumber, size.intValue > ExperimentParser.maximumFileSize {
      throw fail(
        "cannot read experiment file: it has \(size.intValue) bytes; at most "
          + "\(ExperimentParser.maximumFileSize) are allowed")
    }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      let reason =
        FileManager.default.isReadableFile(atPath: url.path)
        ? "\(error.localizedDescription)"
        : "permission denied"
      throw fail("cannot read experiment file: \(reason)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw fail("cannot read experiment file: it is not UTF-8 text")
    }
    return text
  }
}

// MARK: - The parse itself

private struct Parsing {
  var sink: DiagnosticSink
  let tasks: [any TrialTask]
  var warnings: [Diagnostic] = []

  init(sink: DiagnosticSink, tasks: [any TrialTask]) {
    self.sink = sink
    self.tasks = tasks
  }

  mutating func run(source: String, fileURL: URL, displayPath: String) -> ExperimentSpec? {
    guard let root = YAMLNode.load(source, sink: &sink) else {
      if !sink.hasErrors {
        sink.error("the experiment file is empty; expected a map with at least 'name' and 'task'", at: nil)
      }
      return nil
    }
    guard let pairs = root.pairs else {
      sink.error("expected a map of keys at the top level, got \(root.got)", at: root.position)
      return nil
    }
    if sink.hasErrors { return nil }  // duplicate keys: the tree is incomplete
    let byKey = Dictionary(pairs.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })

    // name
    var name = ""
    if let pair = byKey["name"] {
      if let text = pair.value.scalarText, pair.value.value != .null {
        if let problem = Self.nameProblem(text) {
          sink.error(problem, at: pair.value.position)
        } else {
          name = text
        }
      } else {
        sink.error("'name' must be a string, got \(pair.value.got)", at: pair.value.position)
      }
    } else {
      sink.error("missing required key 'name'", at: root.position)
    }

    // notes
    var notes = ""
    if let pair = byKey["notes"] {
      if let text = pair.value.scalarText {
        notes = pair.value.value == .null ? "" : text
      } else {
        sink.error("'notes' must be text, got \(pair.value.got)", at: pair.value.position)
      }
    }

    // seed
    var seed: UInt64 = 0
    if let pair = byKey["seed"] {
      if case .scalar = pair.value.kind, let v = SettingsValidator.integer(pair.value.value) {
        if v >= 0 {
          seed = UInt64(v)
        } else {
          sink.error("'seed' must be >= 0, got \(v)", at: pair.value.position)
        }
      } else {
        sink.error("'seed' must be an integer, got \(pair.value.got)", at: pair.value.position)
      }
    }

    // task
    var task: (any TrialTask)?
    let known = tasks.map(\.name)
    if let pair = byKey["task"] {
      if case .scalar(let text, let value, _) = pair.value.kind, value != .null {
        task = tasks.first { $0.name == text }
        if task == nil {
          let list = known.isEmpty ? "no tasks are registered" : "known tasks: " + known.joined(separator: ", ")
          sink.error(
            "unknown task '\(Diagnostic.quoted(text))'\(Suggestion.didYouMean(text, in: known)); \(list)",
            at: pair.value.position)
        }
      } else {
        sink.error(
          "'task' must be a task name (\(known.joined(separator: ", "))), got \(pair.value.got)",
          at: pair.value.position)
      }
    } else {
      sink.error("missing required key 'task'", at: root.position)
    }
    guard let task else { return nil }

    // metrics
    let metrics = parseMetrics(byKey["metrics"], task: task)

    // sweep (before settings: swept keys may stand in for required settings)
    let fields = task.settingsSchema
    var axes: [SweepAxis] = []
    var sweptPositions: [String: SourcePosition] = [:]
    if let pair = byKey["sweep"] {
      var sweep = SweepParsing(fields: fields)
      axes = sweep.parse(pair.value, sink: &sink)
      for entry in sweep.swept { sweptPositions[entry.key] = entry.position }
    }
    var validator = SettingsValidator()
    validator.sweptPaths = Set(axes.filter { $0.kind != .seeds }.flatMap(\.keys))

    // settings
    let settingPairs = pairs.filter { !ExperimentParser.genericKeys.contains($0.key) }
    let settings = validator.validateObject(
      settingPairs, fields: fields, path: "", mapPosition: root.position,
      sink: &sink, extraKnownKeys: ExperimentParser.genericKeys)
    var positions: [String: SourcePosition] = [:]
    Self.recordPositions(settingPairs, prefix: "", into: &positions)
    for axis in axes where axis.kind != .seeds {
      for key in axis.keys {
        guard let written = positions[key] else { continue }
        warnings.append(
          sink.make(
            "'\(Diagnostic.quoted(key))' is set here but the sweep overrides it", at: written, severity: .warning))
      }
    }

    guard !sink.hasErrors, let settings, let metrics else { return nil }
    var trials = 1
    for axis in axes {
      let (product, overflow) = trials.multipliedReportingOverflow(by: max(axis.count, 1))
      trials = overflow ? Int.max : product
    }
    if trials > ExperimentParser.maximumTrials {
      let count = trials == Int.max ? "more than \(Int.max)" : "\(trials)"
      sink.error(
        "the sweep expands to \(count) trials; at most \(ExperimentParser.maximumTrials) are allowed",
        at: byKey["sweep"]?.keyPosition)
      return nil
    }
    positions.merge(sweptPositions) { _, swept in swept }
    return ExperimentSpec(
      name: name, notes: notes, task: task, seed: seed, metrics: metrics, settings: settings,
      axes: axes, fileURL: fileURL, displayPath: displayPath, source: source, warnings: warnings,
      settingPositions: positions)
  }

  /// Every map key's value position by dotted path.
  static func recordPositions(
    _ pairs: [(key: String, keyPosition: SourcePosition?, value: YAMLNode)], prefix: String,
    into positions: inout [String: SourcePosition]
  ) {
    for pair in pairs {
      let path = prefix.isEmpty ? pair.key : prefix + "." + pair.key
      if let p = pair.value.position ?? pair.keyPosition { positions[path] = p }
      if let inner = pair.value.pairs { recordPositions(inner, prefix: path, into: &positions) }
    }
  }

  mutating func parseMetrics(
    _ pair: (key: String, keyPosition: SourcePosition?, value: YAMLNode)?,
    task: any TrialTask
  ) -> [String]? {
    guard let pair else { return [task.defaultMetric] }
    let nodes: [YAMLNode]
    if let items = pair.value.items {
      nodes = items
    } else if case .scalar(_, .string, _) = pair.value.kind {
      nodes = [pair.value]
    } else {
      sink.error("'metrics' must be a metric name or a list of them, got \(pair.value.got)", at: pair.value.position)
      return nil
    }
    if nodes.isEmpty {
      sink.error("'metrics' must not be empty", at: pair.value.position)
      return nil
    }
    let known = task.metricGoals.keys.sorted()
    var out: [String] = []
    var failed = false
    for node in nodes {
      guard case .scalar(let text, let value, _) = node.kind, value != .null else {
        sink.error("a metric must be a name, got \(node.got)", at: node.position)
        failed = true
        continue
      }
      if task.metricGoals[text] == nil {
        sink.error(
          "unknown metric '\(Diagnostic.quoted(text))' for task '\(task.name)'\(Suggestion.didYouMean(text, in: known)); "
            + "known metrics: \(known.joined(separator: ", "))", at: node.position)
        failed = true
      } else if out.contains(text) {
        sink.error("metric '\(Diagnostic.quoted(text))' is listed twice", at: node.position)
        failed = true
      } else {
        out.append(text)
      }
    }
    return failed ? nil : out
  }

  /// Why `text` cannot be an experiment name (it names the store's experiment and the report directory), or nil.
  static func nameProblem(_ text: String) -> String? {
    if text.isEmpty || !text.unicodeScalars.allSatisfy(isNameScalar) {
      return "'name' may contain only letters, digits, '.', '_' and '-', got '\(Diagnostic.quoted(text))'"
    }
    if text == "." || text == ".." { return "'name' cannot be '\(text)': it names a directory of reports" }
    if text.count > ExperimentParser.maximumNameLength {
      return "'name' must be at most \(ExperimentParser.maximumNameLength) characters, got \(text.count)"
    }
    return nil
  }

  static func isNameScalar(_ s: Unicode.Scalar) -> Bool {
    (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "." || s == "_" || s == "-"
  }
}

// MARK: - Sweep

private struct SweepParsing {
  let fields: [Field]
  /// Swept keys so far, with where they were written.
  var swept: [(key: String, position: SourcePosition?)] = []
  let validator = SettingsValidator()

  init(fields: [Field]) { self.fields = fields }

  mutating func parse(_ node: YAMLNode, sink: inout DiagnosticSink) -> [SweepAxis] {
    if case .scalar(_, .null, _) = node.kind { return [] }
    guard let pairs = node.pairs else {
      sink.error("'sweep' must be a map of axes, got \(node.got)", at: node.position)
      return []
    }
    var axes: [SweepAxis] = []
    for pair in pairs {
      switch pair.key {
      case "seeds":
        if let axis = seeds(pair.value, keyPosition: pair.keyPosition, sink: &sink) { axes.append(axis) }
      case "zip":
        if let items = pair.value.items {
          if items.isEmpty { sink.error("'zip' must not be empty", at: pair.value.position) }
          for item in items {
            if let axis = zip(item, keyPosition: item.position, sink: &sink) { axes.append(axis) }
          }
        } else if let axis = zip(pair.value, keyPosition: pair.keyPosition, sink: &sink) {
          axes.append(axis)
        }
      default:
        if let (values, written) = axisValues(pair.key, pair.keyPosition, pair.value, sink: &sink) {
          let kind: SweepAxis.Kind = written == nil ? .list : .range
          axes.append(
            SweepAxis(
              kind: kind, keys: [pair.key], points: values.map { [$0] }, written: written,
              position: pair.keyPosition))
        }
      }
    }
    return axes
  }

  /// `seeds: N`, `seeds: [1, 2, 3]` or `seeds: 0...4`.
  func seeds(_ node: YAMLNode, keyPosition: SourcePosition?, sink: inout DiagnosticSink) -> SweepAxis? {
    var replicates: [Int] = []
    var written: String?
    if case .scalar(let text, let value, _) = node.kind, let n = SettingsValidator.integer(value) {
      guard n >= 1 else {
        sink.error("'seeds' must be at least 1, got \(n)", at: node.position)
        return nil
      }
      guard n <= ExperimentParser.maximumTrials else {
        sink.error(
          "'seeds' must be at most \(ExperimentParser.maximumTrials), got \(Diagnostic.quoted(text))",
          at: node.position)
        return nil
      }
      replicates = Array(0..<n)
      written = "0..<\(n)"
    } else if case .scalar(let text, .string, true) = node.kind, Self.isRange(text) {
      guard let range = Self.range(text, key: "seeds", at: node.position, sink: &sink) else { return nil }
      replicates = range
      written = text
    } else if let items = node.items {
      if items.isEmpty {
        sink.error("'seeds' must not be empty", at: node.position)
        return nil
      }
      var failed = false
      var seen = Set<Int>()
      for item in items {
        guard case .scalar = item.kind, let r = SettingsValidator.integer(item.value), r >= 0 else {
          sink.error("a replicate number must be an integer >= 0, got \(item.got)", at: item.position)
          failed = true
          continue
        }
        if !seen.insert(r).inserted {
          sink.error("'seeds' lists \(r) twice", at: item.position)
          failed = true
        }
        replicates.append(r)
      }
      if failed { return nil }
    } else {
      sink.error(
        "'seeds' must be a count (seeds: 5) or a list of replicate numbers (seeds: [1, 2, 3]), got \(node.got)",
        at: node.position)
      return nil
    }
    if let bad = replicates.first(where: { $0 < 0 }) {
      sink.error("a replicate number must be >= 0, got \(bad)", at: node.position)
      return nil
    }
    return SweepAxis(
      kind: .seeds, keys: ["seeds"], points: replicates.map { [.int($0)] }, written: written,
      position: keyPosition)
  }

  /// `zip: {a: [...], b: [...]}`: equal-length axes moving together.
  mutating func zip(_ node: YAMLNode, keyPosition: SourcePosition?, sink: inout DiagnosticSink) -> SweepAxis? {
    guard let pairs = node.pairs else {
      sink.error("'zip' must be a map of axes of equal length, got \(node.got)", at: node.position)
      return nil
    }
    if pairs.isEmpty {
      sink.error("'zip' must not be empty", at: node.position)
      return nil
    }
    var keys: [String] = []
    var columns: [[Value]] = []
    var failed = false
    for pair in pairs {
      if pair.key == "seeds" || pair.key == "zip" {
        sink.error("'\(Diagnostic.quoted(pair.key))' cannot be inside 'zip'", at: pair.keyPosition)
        failed = true
        continue
      }
      guard let (values, _) = axisValues(pair.key, pair.keyPosition, pair.value, sink: &sink, checkDuplicates: false)
      else {
        failed = true
        continue
      }
      if let first = columns.first, first.count != values.count, let firstKey = keys.first {
        sink.error(
          "zipped axes must have equal lengths: '\(Diagnostic.quoted(firstKey))' has \(first.count) values, "
            + "'\(Diagnostic.quoted(pair.key))' has \(values.count)", at: pair.keyPosition)
        failed = true
        continue
      }
      keys.append(pair.key)
      columns.append(values)
    }
    if failed { return nil }
    let count = columns.first?.count ?? 0
    let points = (0..<count).map { i in columns.map { $0[i] } }
    var firstIndex: [[Value]: Int] = [:]
    for i in points.indices {
      if let j = firstIndex[points[i]] {
        let point = points[i].map { Diagnostic.quoted($0.display) }.joined(separator: ", ")
        sink.error("'zip' lists the point (\(point)) twice (points \(j + 1) and \(i + 1))", at: node.position)
        return nil
      }
      firstIndex[points[i]] = i
    }
    return SweepAxis(kind: .zip, keys: keys, points: points, position: keyPosition)
  }

  /// Checks the axis key and validates its values against the schema field it overrides. Returns the values and,
  /// for a range, its written form.
  mutating func axisValues(
    _ key: String, _ keyPosition: SourcePosition?, _ node: YAMLNode,
    sink: inout DiagnosticSink, checkDuplicates: Bool = true
  ) -> ([Value], String?)? {
    if ExperimentParser.genericKeys.contains(key) {
      let hint = key == "seed" ? " (use 'seeds: N' for replicates)" : ""
      sink.error(
        "cannot sweep '\(Diagnostic.quoted(key))': it is a generic key, not a task setting\(hint)", at: keyPosition)
      return nil
    }
    let field: Field
    switch Schema.lookup(key, in: fields) {
    case .success(let f): field = f
    case .failure(.unknown(let part, let parent, let suggestion)):
      let hint = suggestion.map { " (did you mean '\(parent.isEmpty ? $0 : parent + "." + $0)'?)" } ?? ""
      let detail = parent.isEmpty ? "" : ": '\(Diagnostic.quoted(parent))' has no key '\(Diagnostic.quoted(part))'"
      sink.error("cannot sweep unknown setting '\(Diagnostic.quoted(key))'\(detail)\(hint)", at: keyPosition)
      return nil
    case .failure(.notAMap(let parent)):
      sink.error(
        "cannot sweep '\(Diagnostic.quoted(key))': '\(Diagnostic.quoted(parent))' is not a map of settings",
        at: keyPosition)
      return nil
    }
    for other in swept {
      if other.key == key {
        let line = other.position.map { " (first at line \($0.line))" } ?? ""
        sink.error("'\(Diagnostic.quoted(key))' is swept twice\(line)", at: keyPosition)
        return nil
      }
      if key.hasPrefix(other.key + ".") || other.key.hasPrefix(key + ".") {
        let line = other.position.map { " at line \($0.line)" } ?? ""
        sink.error(
          "'\(Diagnostic.quoted(key))' overlaps with the swept '\(Diagnostic.quoted(other.key))'\(line)",
          at: keyPosition)
        return nil
      }
    }
    swept.append((key, keyPosition))

    var items: [YAMLNode]
    var written: String?
    if let list = node.items {
      if list.isEmpty {
        sink.error("sweep axis '\(Diagnostic.quoted(key))' is empty", at: node.position)
        return nil
      }
      items = list
    } else if case .scalar(let text, .string, true) = node.kind, Self.isRange(text) {
      guard let range = Self.range(text, key: key, at: node.position, sink: &sink) else { return nil }
      items = range.map {
        YAMLNode(
          kind: .scalar(text: String($0), value: .int($0), plain: true),
          position: node.position)
      }
      written = text
    } else {
      sink.error(
        "sweep axis '\(Diagnostic.quoted(key))' must be a list of values or an integer range such as 0...5, got \(node.got)",
        at: node.position)
      return nil
    }
    var values: [Value] = []
    var seen = Set<Value>()
    var failed = false
    for item in items {
      guard let v = validator.validate(item, field.schema, path: key, sink: &sink) else {
        failed = true
        if written != nil { break }  // one error per range is enough
        continue
      }
      if checkDuplicates, !seen.insert(v).inserted {
        sink.error(
          "sweep axis '\(Diagnostic.quoted(key))' lists \(Diagnostic.quoted(v.display)) twice", at: item.position)
        failed = true
        continue
      }
      values.append(v)
    }
    return failed ? nil : (values, written)
  }

  static func isRange(_ text: String) -> Bool { text.contains("...") || text.contains("..<") }

  /// `a...b` (inclusive) or `a..<b` (half-open) with integer bounds; errors for empty or malformed ranges.
  static func range(_ text: String, key: String, at position: SourcePosition?, sink: inout DiagnosticSink) -> [Int]? {
    let halfOpen = text.contains("..<")
    let parts = text.components(separatedBy: halfOpen ? "..<" : "...")
    guard parts.count == 2,
      let lo = Int(parts[0].trimmingCharacters(in: .whitespaces)),
      let hi = Int(parts[1].trimmingCharacters(in: .whitespaces))
    else {
      sink.error(
        "invalid range '\(Diagnostic.quoted(text))' for '\(Diagnostic.quoted(key))': expected integer bounds such as 0...5 or 0..<6",
        at: position)
      return nil
    }
    if halfOpen ? lo >= hi : lo > hi {
      let rule = halfOpen ? "below" : "at most"
      sink.error(
        "empty range '\(text)' for '\(Diagnostic.quoted(key))': the lower bound must be \(rule) the upper bound",
        at: position)
      return nil
    }
    let (span, overflow) = hi.subtractingReportingOverflow(lo)
    let count = halfOpen ? span : span &+ 1
    guard !overflow, count > 0, count <= ExperimentParser.maximumTrials else {
      sink.error(
        "range '\(text)' for '\(Diagnostic.quoted(key))' has too many values; at most \(ExperimentParser.maximumTrials) are allowed",
        at: position)
      return nil
    }
    return Array(halfOpen ? Array(lo..<hi) : Array(lo...hi))
  }
}
