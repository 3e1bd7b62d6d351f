import Datasets
import Experiments
import Forecasting
import Foundation
import Learning
import Testing
import _TestSupport

@testable import Tasks

/// Every registered task, test tasks included.
let everyTask = TaskRegistry.tasks(environment: ["ALMANAC_ENABLE_TEST_TASKS": "1"])

/// Experiment text through the real parser (the registered tasks), rendered errors or nil when it parses.
func parseErrors(_ text: String) -> String? {
  do {
    _ = try ExperimentParser.parse(source: text, fileURL: URL(fileURLWithPath: "/tmp/x.yaml"), tasks: everyTask,
                                   displayPath: "x.yaml")
    return nil
  } catch let error as ExperimentError {
    return error.rendered()
  } catch {
    return "\(error)"
  }
}

/// Settings are declared once (the schema) and read once (typed, through ``ValidatedSettings``).
@Suite("Task settings: bounds, choices, typed reading")
struct TaskSettingsTests {
  @Test("Every registered task declares bounded numbers and lists, valid defaults, sound default paths")
  func everyTaskSchemaIsBounded() {
    #expect(everyTask.map(\.name).sorted() == ["_sleep", "classify", "forecast"])
    for task in everyTask {
      #expect(Schema.declarationProblems(task.settingsSchema) == [], "task \(task.name)")
    }
  }

  /// Each choice setting with the enum the task reads it as: the schema's choices are the enum's raw values, and
  /// every choice reads back as its case.
  @Test("Every choice round-trips between the schema and its enum")
  func choicesRoundTrip() throws {
    try roundTrip(ClassifyTask.schema, "data.source", ClassifySettings.DataSource.self)
    try roundTrip(ClassifyTask.schema, "data.features", PanelPipeline.self)
    try roundTrip(ClassifyTask.schema, "data.scaling", Scaling.self)
    try roundTrip(ClassifyTask.schema, "model.type", ModelType.self)
    try roundTrip(ClassifyTask.schema, "model.activation", Activation.self)
    try roundTrip(ClassifyTask.schema, "validation.scheme", ValidationScheme.self)
    try roundTrip(ClassifyTask.schema, "oversampling", Oversampling.self)
    try roundTrip(ForecastTask.schema, "data.source", SeriesRequest.Source.self)
    try roundTrip(ForecastTask.schema, "data.resample", RateSeries.Resample.self)
    try roundTrip(ForecastTask.schema, "data.missing", RateSeries.Missing.self, hasDefault: false)
    try roundTrip(ForecastTask.schema, "data.duplicates", RateSeries.Duplicates.self)
    try roundTrip(ForecastTask.schema, "search", ForecastSettings.Search.self)
    try roundTrip(ForecastTask.schema, "data.synthetic.rate", RateSeries.Rate.self)
    try roundTrip(ForecastTask.schema, "transform", SeriesTransform.self)
    try roundTrip(ForecastTask.schema, "method", ARIMAMethod.self)
    try roundTrip(ForecastTask.schema, "evaluation", ForecastSettings.Evaluation.self)
  }

  /// `hasDefault` false: the setting is left out when omitted (`data.missing`, whose default depends on the transform).
  func roundTrip<C: CaseIterable & RawRepresentable & Equatable>(_ fields: [Field], _ path: String, _ type: C.Type,
                                                                 hasDefault: Bool = true)
    throws where C.RawValue == String
  {
    let declared = try ValidatedSettings(.null, schema: fields)
    let cases = Array(type.allCases)
    #expect(cases.count >= 2, "\(path)")
    for choice in cases {
      let s = try ValidatedSettings(Value.map([:]).setting(path, to: .string(choice.rawValue)), schema: fields)
      #expect(try s.choice(path, as: type) == choice, "\(path) = \(choice.rawValue)")
    }
    // The default reads as a case too; a setting without one is missing, not silently defaulted.
    if hasDefault {
      _ = try declared.choice(path, as: type)
    } else {
      #expect(throws: SettingsError.missing(path: path)) { try declared.choice(path, as: type) }
    }
  }

  @Test("forecast settings read the schema's defaults; horizon defaults to holdout")
  func forecastDefaults() throws {
    let base = URL(fileURLWithPath: "/tmp/exp/experiments")
    let s = try ForecastSettings(.null, baseDirectory: base)
    let declared = try ValidatedSettings(.null, schema: ForecastTask.schema)
    #expect(s.holdout == (try declared.int("holdout")))
    #expect(s.horizon == s.holdout)
    #expect(s.refitEvery == (try declared.int("refit_every")))
    #expect(s.evaluation == (try declared.choice("evaluation", as: ForecastSettings.Evaluation.self)))
    #expect(s.request.source == .csv)
    #expect(s.request.file?.path == "/tmp/shared/data/rates/usdc_hourly_2020_2022.csv")
    #expect(s.request.options.last == (try declared.int("data.last")))
    #expect(s.request.syntheticRate == .variableBorrow)
    let written = try ForecastSettings(["holdout": 30, "horizon": 45, "evaluation": "rolling", "method": "ml",
                                        "data": ["source": "synthetic", "filter": ["symbol": "USDC"]]],
                                       baseDirectory: base)
    #expect(written.holdout == 30 && written.horizon == 45 && written.evaluation == .rolling)
    #expect(written.options.method == .ml)
    #expect(written.request.source == .synthetic && written.request.file == nil)
    #expect(written.request.options.filter == ["symbol": "USDC"])
  }

  @Test("classify settings read the schema's defaults")
  func classifyDefaults() throws {
    let s = try ClassifySettings(.null, baseDirectory: URL(fileURLWithPath: "/tmp/exp/experiments"))
    let declared = try ValidatedSettings(.null, schema: ClassifyTask.schema)
    #expect(s.source == .synthetic(seed: UInt64(try declared.int("data.synthetic.seed")),
                                   days: try declared.int("data.synthetic.days")))
    #expect(s.pipeline == .perToken && s.scaling == .minmax)
    #expect(s.features == FeatureSets.builtIn["3d"])
    #expect(s.classifier.hidden == (try declared.ints("model.hidden")))
    #expect(s.classifier.betas == (try declared.doubles("model.betas")))
    #expect(s.classifier.training.epochs == (try declared.int("model.epochs")))
    let threshold = try #require(try declared.value("threshold").double)
    #expect(s.classifier.threshold == .fixed(threshold))
    let tuned = try ClassifySettings(["threshold": "tune", "oversampling": "class_weight"],
                                     baseDirectory: URL(fileURLWithPath: "/tmp"))
    #expect(tuned.classifier.threshold == .tune && tuned.classifier.oversampling == .classWeight)
  }

  /// Issue 10, item 1: the value validated, then `n > holdout + 2` trapped at run time.
  @Test("holdout: Int.max is a located validation error, in the file and in a sweep")
  func holdoutOverflow() {
    let head = "name: x\ntask: forecast\n"
    #expect(parseErrors(head + "holdout: 9223372036854775807\n") == """
      x.yaml:3:10: error: 'holdout' must be between 0 and 100000, got 9223372036854775807
      holdout: 9223372036854775807
               ^
      """)
    #expect(parseErrors(head + "horizon: 9223372036854775807\n")?
      .hasPrefix("x.yaml:3:10: error: 'horizon' must be between 0 and 100000, got 9223372036854775807") == true)
    #expect(parseErrors(head + "data:\n  synthetic:\n    days: 100000\n")?
      .hasPrefix("x.yaml:5:11: error: 'data.synthetic.days' must be between 1 and 36500, got 100000") == true)
    let swept = parseErrors(head + "sweep:\n  holdout: [10, 9223372036854775807]\n") ?? ""
    #expect(swept.contains("error: 'holdout' must be between 0 and 100000, got 9223372036854775807"), "\(swept)")
    #expect(swept.hasPrefix("x.yaml:4:"), "\(swept)")
  }

  @Test("holdout: Int.max handed straight to a trial fails it with a message instead of trapping")
  func holdoutOverflowAtRunTime() {
    let trial = Trial(index: 0, key: "k", settings: ["holdout": .int(Int.max), "data": ["source": "synthetic"]],
                      axisValues: [], replicate: 0, seed: 0)
    let context = TrialContext(baseDirectory: URL(fileURLWithPath: "/tmp"),
                               artifactDirectory: FileManager.default.temporaryDirectory)
    #expect(throws: SettingsError.invalid(["'holdout' must be between 0 and 100000, got 9223372036854775807"])) {
      try ForecastTask().run(trial, context: context)
    }
  }

  /// Issue 10, item 12: `threshold: 1` did not name the key and contradicted the message for `threshold: 0`.
  @Test("threshold: 0, 1 and a typo give one consistent message naming the key")
  func thresholdMessages() {
    let head = "name: x\ntask: classify\n"
    for (written, got) in [("1", "1"), ("0", "0"), ("1.5", "1.5"), ("tun", "'tun' (did you mean 'tune'?)")] {
      #expect(parseErrors(head + "threshold: \(written)\n") == """
        x.yaml:3:12: error: 'threshold' must be a number in (0, 1) or 'tune', got \(got)
        threshold: \(written)
                   ^
        """)
    }
    #expect(parseErrors(head + "threshold: 0.999\n") == nil)
    #expect(parseErrors(head + "threshold: tune\n") == nil)
  }

  @Test("Every integer and real setting rejects a value past its bound with a located error")
  func everyNumericSettingIsBoundedInFiles() {
    for task in everyTask {
      for (path, schema) in numericLeaves(task.settingsSchema) {
        let text = "name: x\ntask: \(task.name)\n" + yaml(path, value: schema.justAboveMax)
        let errors = parseErrors(text) ?? ""
        #expect(errors.contains("error: '\(path)' must be"), "\(task.name) \(path): \(errors)")
      }
    }
  }

  /// Dotted paths of the numeric settings (not inside lists or one-ofs) with their schemas.
  func numericLeaves(_ fields: [Field], prefix: String = "") -> [(String, Schema)] {
    fields.flatMap { field -> [(String, Schema)] in
      let path = prefix.isEmpty ? field.name : prefix + "." + field.name
      switch field.schema {
      case .int, .double: return [(path, field.schema)]
      case .object(let inner): return numericLeaves(inner, prefix: path)
      default: return []
      }
    }
  }

  /// `a.b.c: v` as nested block YAML.
  func yaml(_ path: String, value: String) -> String {
    let parts = path.split(separator: ".")
    var out = ""
    for (depth, part) in parts.enumerated() {
      let indent = String(repeating: "  ", count: depth)
      out += indent + part + (depth == parts.count - 1 ? ": \(value)\n" : ":\n")
    }
    return out
  }
}

extension Schema {
  /// A value one past the upper bound, as YAML text.
  fileprivate var justAboveMax: String {
    switch self {
    case .int(_, let hi?): return String(hi + 1)
    case .double(_, let hi?, _, _): return String(hi * 2 + 1)
    default: return "null"
    }
  }
}
