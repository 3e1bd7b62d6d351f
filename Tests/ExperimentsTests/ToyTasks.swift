import Experiments
import Tracking
import Foundation
import _TestSupport

/// A test-only task with a nested schema: bounded numbers, choices, lists, a dictionary, a one-of and a required key.
/// `data.source: csv` makes `data.file` an input file (resolved against the experiment's directory).
struct ToyTask: TrialTask {
  let name = "toy"
  let settingsSchema: [Field] = [
    Field("data", .object([
      Field("source", .string(choices: ["synthetic", "csv"]), default: "synthetic"),
      Field("file", .string()),
      Field("days", .int(min: 1, max: 3650), default: 730),
    ])),
    Field("features", .oneOf([.string(), .list(of: .string())]), default: "3d"),
    Field("model", .object([
      Field("type", .string(choices: ["mlp", "logistic"]), default: "mlp"),
      Field("hidden", .list(of: .int(min: 1)), default: [32, 16]),
      Field("lr", .double(min: 0, exclusiveMin: true), default: 1.0e-4),
      Field("epochs", .int(min: 1, max: 1000), default: 30),
      Field("weight_decay", .double(min: 0), default: 0),
    ])),
    Field("p", .int(min: 0, max: 10), default: 1),
    Field("threshold", .oneOf([.double(min: 0, max: 1, exclusiveMin: true), .string(choices: ["tune"])]),
          default: 0.5),
    Field("tags", .list(of: .string()), default: ["a"]),
    Field("feature_sets", .dictionary(of: .list(of: .string())), default: [:]),
    Field("extra", .any),
    Field("target", .string(), required: true),
  ]
  let metrics: [MetricDeclaration] = [MetricDeclaration("f1", goal: .maximize), MetricDeclaration("recall", goal: .maximize), MetricDeclaration("loss", goal: .minimize)]
  let defaultMetric = "f1"

  func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] {
    guard settings[path: "data.source"] == "csv", let file = settings[path: "data.file"]?.string else { return [] }
    return [baseDirectory.appendingPathComponent(file)]
  }

  func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
    TrialOutcome(metrics: ["f1": trial.settings[path: "model.lr"]?.double ?? 0])
  }

  /// Cross-setting rules: a csv source needs a file; the logistic model allows p <= 5.
  func check(settings: Value) -> [SettingProblem] {
    var problems: [SettingProblem] = []
    if settings[path: "data.source"] == "csv", settings[path: "data.file"] == nil {
      problems.append(SettingProblem("data.source", "'data.file' is required when 'data.source' is csv"))
    }
    if settings[path: "model.type"] == "logistic", let p = settings[path: "p"]?.int, p > 5 {  // one message for all p
      problems.append(SettingProblem("p", "'p' must be at most 5 for the logistic model"))
    }
    return problems
  }
}

/// The smallest task: one integer setting `x` (default 1), no inputs.
struct MiniTask: TrialTask {
  let name = "mini"
  let settingsSchema: [Field] = [Field("x", .int(), default: 1)]
  let metrics: [MetricDeclaration] = [MetricDeclaration("score", goal: .maximize)]
  let defaultMetric = "score"
  func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] { [] }
  func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome { TrialOutcome() }
}

let toyTasks: [any TrialTask] = [ToyTask(), MiniTask()]

/// A temporary directory holding experiment files for one test.
struct Scratch {
  let directory: URL

  init() throws { directory = try TestSupport.temporaryDirectory("experiments") }

  /// Writes `text` to `name` in the directory and returns its URL.
  @discardableResult
  func write(_ text: String, to name: String = "x.yaml") throws -> URL {
    let url = directory.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
    return url
  }

  /// Parses `text` (written to x.yaml), with diagnostics naming the file `x.yaml`.
  func spec(_ text: String, tasks: [any TrialTask] = toyTasks) throws -> ExperimentSpec {
    try ExperimentParser.parse(fileURL: write(text), tasks: tasks, displayPath: "x.yaml")
  }

  func plan(_ text: String, name: String = "x.yaml", fingerprinter: FileFingerprinter = FileFingerprinter()) throws
    -> ExperimentPlan
  {
    try ExperimentPlan.load(fileURL: write(text, to: name), tasks: toyTasks, displayPath: name,
                            fingerprinter: fingerprinter)
  }

  /// The rendered (uncoloured) error that parsing and planning `text` throws, or nil when it succeeds.
  func error(_ text: String) throws -> String? {
    do {
      _ = try plan(text)
      return nil
    } catch let error as ExperimentError {
      return error.rendered()
    }
  }
}
