import AlmanacCore
import Foundation

/// The trials of an experiment: the cartesian product of its sweep axes, in a stable order, each with a stable key
/// and seed.
///
/// Order: the axes in the order the file writes them, the first varying slowest; a `zip` group is one axis; the
/// `seeds` axis (replicates) is always innermost. Without a sweep the plan has one trial.
///
/// Trial key: the first 16 hex digits of SHA-256 over the canonical JSON of
/// `{"inputs": [sorted SHA-256 of input files], "replicate": r, "seed": experimentSeed, "settings": resolved,
/// "task": name}`; trial seed: `SplitMix64.derive(experimentSeed, key)`. The key does not depend on the trial's
/// position, the experiment's name, its notes or metrics, or how the YAML was written (key order, defaults written
/// or omitted, `1` vs `1.0` for a number).
public struct ExperimentPlan: Sendable {
  /// One input file of a trial.
  public struct InputFile: Sendable, Hashable {
    /// Absolute, standardised path.
    public var path: String
    public var sha256: String
    public init(path: String, sha256: String) {
      self.path = path
      self.sha256 = sha256
    }
  }

  public var spec: ExperimentSpec
  /// Trials in plan order (`trials[i].index == i`).
  public var trials: [Trial]
  /// The axes in plan order: the file's axes without `seeds`, then `seeds` if present.
  public var axes: [SweepAxis]
  /// Every input file of every trial: absolute path -> SHA-256 (lower-case hex).
  public var inputFingerprints: [String: String]
  private var inputsByKey: [String: [InputFile]]

  /// Expands `spec` into trials, asking the task for each distinct settings' input files and hashing them.
  ///
  /// - Parameter fingerprinter: shares hashes across plans (default: a fresh one).
  /// - Throws: ``ExperimentError`` when an input file is missing or unreadable, the task cannot list them, or the
  ///   task's ``TrialTask/check(settings:)`` finds a problem in some combination of settings.
  public init(spec: ExperimentSpec, fingerprinter: FileFingerprinter = FileFingerprinter()) throws {
    self.spec = spec
    let settingAxes = spec.axes.filter { $0.kind != .seeds }
    axes = settingAxes + (spec.seedsAxis.map { [$0] } ?? [])
    let replicates = spec.replicates

    var sink = DiagnosticSink(file: spec.displayPath, source: spec.source)
    var inputsBySettings: [String: [InputFile]] = [:]
    var fingerprints: [String: String] = [:]
    var byKey: [String: [InputFile]] = [:]
    var trials: [Trial] = []
    var firstIndexOfKey: [String: Int] = [:]

    var problems: [SettingProblem: [[AxisValue]]] = [:]
    var problemOrder: [SettingProblem] = []
    let combinations = settingAxes.reduce(1) { $0 * $1.count }
    trials.reserveCapacity(combinations * replicates.count)
    for combination in 0..<combinations {
      // Mixed radix with the last axis fastest.
      var remainder = combination
      var pointIndices = [Int](repeating: 0, count: settingAxes.count)
      for a in settingAxes.indices.reversed() {
        pointIndices[a] = remainder % settingAxes[a].count
        remainder /= settingAxes[a].count
      }
      var settings = spec.settings
      var axisValues: [AxisValue] = []
      for (a, axis) in settingAxes.enumerated() {
        for (k, key) in axis.keys.enumerated() {
          let value = axis.points[pointIndices[a]][k]
          settings = settings.setting(key, to: value)
          axisValues.append(AxisValue(key: key, value: value))
        }
      }

      let canonical = settings.canonicalJSON
      let inputs: [InputFile]
      if let known = inputsBySettings[canonical] {
        inputs = known
      } else {
        for problem in spec.task.check(settings: settings, baseDirectory: spec.baseDirectory) {
          if problems[problem] == nil { problemOrder.append(problem) }
          problems[problem, default: []].append(axisValues)
        }
        inputs = Self.inputs(of: spec, settings: settings, fingerprinter: fingerprinter, sink: &sink)
        inputsBySettings[canonical] = inputs
        for file in inputs { fingerprints[file.path] = file.sha256 }
      }
      if sink.hasErrors || !problems.isEmpty { continue }

      for replicate in replicates {
        let key = Self.trialKey(
          task: spec.taskName, canonicalSettings: canonical, replicate: replicate,
          experimentSeed: spec.seed, inputHashes: inputs.map(\.sha256))
        let index = trials.count
        if let other = firstIndexOfKey[key] {
          sink.error("trials \(other) and \(index) resolve to the same settings (key \(key))", at: nil)
          continue
        }
        firstIndexOfKey[key] = index
        byKey[key] = inputs
        trials.append(
          Trial(
            index: index, key: key, settings: settings, axisValues: axisValues, replicate: replicate,
            seed: SplitMix64.derive(spec.seed, key)))
      }
    }
    for problem in problemOrder {
      let where_ = problems[problem] ?? []
      var message = problem.message
      if where_.count < combinations, let example = where_.first {
        let values = example.map { "\($0.key)=\(Diagnostic.quoted($0.value.display))" }.joined(separator: ", ")
        message += " (in \(where_.count) of \(combinations) combinations, for example \(values))"
      }
      sink.error(message, at: spec.position(ofSetting: problem.path))
    }
    if sink.hasErrors { throw ExperimentError(sink.report) }
    self.trials = trials
    self.inputFingerprints = fingerprints
    self.inputsByKey = byKey
  }

  /// Parses and plans in one step.
  public static func load(
    fileURL: URL, tasks: [any TrialTask], displayPath: String? = nil,
    fingerprinter: FileFingerprinter = FileFingerprinter()
  ) throws -> ExperimentPlan {
    try ExperimentPlan(
      spec: ExperimentParser.parse(fileURL: fileURL, tasks: tasks, displayPath: displayPath),
      fingerprinter: fingerprinter)
  }

  /// The input files of a trial of this plan (sorted by path), empty for an unknown trial.
  public func inputs(of trial: Trial) -> [InputFile] { inputsByKey[trial.key] ?? [] }

  /// One line per axis, `name: values`.
  public var axisDescriptions: [String] { axes.map(\.description) }

  /// The trial with `key`, if it is in the plan.
  public func trial(withKey key: String) -> Trial? {
    guard let i = trials.firstIndex(where: { $0.key == key }) else { return nil }
    return trials[i]
  }

  /// The stable trial key (see the type's documentation).
  public static func trialKey(
    task: String, settings: Value, replicate: Int, experimentSeed: UInt64,
    inputHashes: [String]
  ) -> String {
    trialKey(
      task: task, canonicalSettings: settings.canonicalJSON, replicate: replicate,
      experimentSeed: experimentSeed, inputHashes: inputHashes)
  }

  /// ``trialKey(task:settings:replicate:experimentSeed:inputHashes:)`` with the settings' canonical JSON already
  /// made (the plan makes it once per combination of axis values, not once per replicate). The identity object is
  /// written key by key in sorted order, byte for byte what `Value.map(...).canonicalJSON` gives.
  static func trialKey(
    task: String, canonicalSettings: String, replicate: Int, experimentSeed: UInt64,
    inputHashes: [String]
  ) -> String {
    let seedValue: Value =
      experimentSeed <= UInt64(Int.max) ? .int(Int(experimentSeed)) : .string(String(experimentSeed))
    var json = "{\"inputs\":"
    Value.list(inputHashes.sorted().map(Value.string)).appendCanonicalJSON(to: &json)
    json += ",\"replicate\":" + String(replicate) + ",\"seed\":"
    seedValue.appendCanonicalJSON(to: &json)
    json += ",\"settings\":" + canonicalSettings + ",\"task\":"
    Value.appendQuoted(task, to: &json)
    json += "}"
    return String(SHA256.hex(json).prefix(16))
  }

  private static func inputs(
    of spec: ExperimentSpec, settings: Value, fingerprinter: FileFingerprinter,
    sink: inout DiagnosticSink
  ) -> [InputFile] {
    let urls: [URL]
    do {
      urls = try spec.task.inputFiles(settings: settings, baseDirectory: spec.baseDirectory)
    } catch {
      sink.error("task '\(spec.taskName)' cannot list its input files: \(error)", at: nil)
      return []
    }
    var files: [InputFile] = []
    for url in urls {
      let path = url.standardizedFileURL.path
      if files.contains(where: { $0.path == path }) { continue }
      do {
        files.append(InputFile(path: path, sha256: try fingerprinter.sha256(of: url)))
      } catch let error as InputFileError {
        // A missing directory is one error, not one per file the task wanted from it.
        let directory = url.deletingLastPathComponent().standardizedFileURL.path
        var isDirectory: ObjCBool = false
        let directoryMissing =
          !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
          || !isDirectory.boolValue
        let what = directoryMissing ? "input directory not found" : "input file \(error.reason)"
        let resolved = directoryMissing ? directory : path
        if let (written, position) = Self.setting(naming: url, settings: settings, spec: spec, sink: sink) {
          sink.error("\(what): \(written) (resolved to \(resolved))", at: position)
        } else {
          sink.error("\(what): \(resolved)", at: nil)
        }
      } catch {
        sink.error("cannot read input file \(path): \(error)", at: nil)
      }
    }
    return files.sorted { $0.path < $1.path }
  }

  /// The setting a missing input came from, as written, and where the file mentions it: the first string leaf of the settings that
  /// resolves (against the base directory) to the file or to one of its parent directories, found in the source
  /// text. Nil when nothing matches (for example a default path the file does not write).
  private static func setting(
    naming url: URL, settings: Value, spec: ExperimentSpec,
    sink: DiagnosticSink
  ) -> (String, SourcePosition)? {
    let target = url.standardizedFileURL.path
    var strings: [String] = []
    func collect(_ v: Value) {
      switch v {
      case .string(let s): strings.append(s)
      case .list(let l): l.forEach(collect)
      case .map(let m): m.keys.sorted().forEach { collect(m[$0, default: .null]) }
      default: break
      }
    }
    collect(settings)
    for s in strings where !s.isEmpty {
      let resolved = (s.hasPrefix("/") ? URL(fileURLWithPath: s) : spec.baseDirectory.appendingPathComponent(s))
        .standardizedFileURL.path
      guard target == resolved || target.hasPrefix(resolved.hasSuffix("/") ? resolved : resolved + "/") else {
        continue
      }
      for (n, line) in sink.lines.enumerated() {
        if let range = line.range(of: s) {
          let column = line.unicodeScalars.distance(from: line.startIndex, to: range.lowerBound) + 1
          return (s, SourcePosition(line: n + 1, column: column))
        }
      }
    }
    return nil
  }
}
