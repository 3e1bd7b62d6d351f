import Experiments
import Foundation
import Testing

@Suite("Experiment files: parsing and defaults")
struct ExperimentParserTests {
  @Test func parsesGenericKeysAndFillsDefaults() throws {
    let spec = try Scratch().spec("""
      name: lr-study.v1
      notes: |
        Does the learning rate matter?
      task: toy
      seed: 42
      metrics: [loss, f1]
      target: y
      model:
        lr: 1e-3
      """)
    #expect(spec.name == "lr-study.v1")
    #expect(spec.notes == "Does the learning rate matter?\n")
    #expect(spec.taskName == "toy")
    #expect(spec.seed == 42)
    #expect(spec.metrics == ["loss", "f1"])
    #expect(spec.rankingMetric == "loss")
    #expect(spec.rankingGoal == .minimize)
    #expect(spec.axes.isEmpty)
    #expect(spec.settings[path: "model.lr"] == .double(1e-3))
    // Defaults, coerced to the field's type (weight_decay's default is written as the integer 0).
    #expect(spec.settings[path: "model.weight_decay"] == .double(0))
    #expect(spec.settings[path: "model.hidden"] == [32, 16])
    #expect(spec.settings[path: "model.type"] == "mlp")
    #expect(spec.settings[path: "data.source"] == "synthetic")
    #expect(spec.settings[path: "data.days"] == 730)
    #expect(spec.settings[path: "data.file"] == nil)  // optional without default: absent
    #expect(spec.settings[path: "threshold"] == .double(0.5))
    #expect(spec.settings[path: "name"] == nil)  // generic keys are not settings
    #expect(spec.source.hasPrefix("name: lr-study.v1\n"))
  }

  @Test func defaultSeedAndMetric() throws {
    let spec = try Scratch().spec("name: a\ntask: toy\ntarget: y\n")
    #expect(spec.seed == 0)
    #expect(spec.metrics == ["f1"])
    #expect(spec.notes == "")
  }

  @Test func singleMetricMayBeAScalar() throws {
    #expect(try Scratch().spec("name: a\ntask: toy\ntarget: y\nmetrics: recall\n").metrics == ["recall"])
  }

  /// Plain scalars resolve by the YAML 1.2 core schema (yaml.org/spec/1.2.2, section 10.3.2); quoted scalars are
  /// always strings.
  @Test(arguments: [
    ("1e-4", Value.double(1e-4)), ("1.0e-8", .double(1e-8)), ("10", .int(10)), ("-3", .int(-3)), ("+7", .int(7)),
    ("0o17", .int(15)), ("0x1F", .int(31)), (".5", .double(0.5)), ("2.", .double(2)), ("-2.5E+3", .double(-2500)),
    ("true", .bool(true)), ("False", .bool(false)), ("~", .null), ("null", .null), ("", .null),
    ("yes", .string("yes")), ("off", .string("off")), ("'10'", .string("10")), ("\"true\"", .string("true")),
    ("3d", .string("3d")), ("1e", .string("1e")), ("0...5", .string("0...5")), ("!!str 12", .string("12")),
    ("[1, 2.5, x]", Value.list([1, 2.5, "x"])), ("{a: 1}", Value.map(["a": 1])),
  ])
  func scalarResolution(written: String, expected: Value) throws {
    let spec = try Scratch().spec("name: a\ntask: toy\ntarget: y\nextra: \(written)\n")
    #expect(spec.settings[path: "extra"] == expected)
  }

  @Test func infinityAndNaNResolveToDoubles() throws {
    let spec = try Scratch().spec("name: a\ntask: toy\ntarget: y\nextra: [.inf, -.inf, .nan]\n")
    let values = spec.settings[path: "extra"]?.list?.compactMap(\.double) ?? []
    #expect(values.count == 3)
    #expect(values.first == .infinity)
    #expect(values.dropFirst().first == -.infinity)
    #expect(values.last?.isNaN == true)
  }

  @Test func coercions() throws {
    let spec = try Scratch().spec("""
      name: a
      task: toy
      target: 12
      model: {lr: 1, epochs: 20.0}
      threshold: tune
      features: [a, b]
      feature_sets: {mine: [x, y]}
      data:
      """)
    #expect(spec.settings[path: "model.lr"] == .double(1))  // integer where a number is expected
    #expect(spec.settings[path: "model.epochs"] == .int(20))  // whole number where an integer is expected
    #expect(spec.settings[path: "target"] == "12")  // bare number where a string is expected: its text
    #expect(spec.settings[path: "threshold"] == "tune")
    #expect(spec.settings[path: "features"] == ["a", "b"])
    #expect(spec.settings[path: "feature_sets.mine"] == ["x", "y"])
    #expect(spec.settings[path: "data.days"] == 730)  // `data:` (null) means all defaults
  }

  @Test func displayPathIsRelativeToTheCurrentDirectory() {
    let cwd = FileManager.default.currentDirectoryPath
    let url = URL(fileURLWithPath: cwd).appendingPathComponent("experiments/a.yaml")
    #expect(ExperimentParser.displayPath(for: url) == "experiments/a.yaml")
    #expect(ExperimentParser.displayPath(for: URL(fileURLWithPath: "/nonexistent-root/a.yaml"))
      == "/nonexistent-root/a.yaml")
  }

  @Test func overriddenSettingWarns() throws {
    let spec = try Scratch().spec("name: a\ntask: toy\ntarget: y\np: 3\nmodel: {lr: 1}\nsweep:\n  p: [1, 2]\n  model.lr: [2]\n")
    #expect(spec.warnings.map(\.description) == [
      "x.yaml:4:4: warning: 'p' is set here but the sweep overrides it\np: 3\n   ^",
      "x.yaml:5:13: warning: 'model.lr' is set here but the sweep overrides it\nmodel: {lr: 1}\n            ^",
    ])
    #expect(spec.position(ofSetting: "model.lr") == SourcePosition(line: 8, column: 3))  // the sweep entry wins
    #expect(spec.position(ofSetting: "model") == SourcePosition(line: 5, column: 8))
    #expect(spec.position(ofSetting: "model.epochs") == SourcePosition(line: 5, column: 8))  // nearest written parent
    #expect(spec.position(ofSetting: "data.days") == nil)
  }
}
