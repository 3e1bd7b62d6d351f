import AlmanacCore
import Experiments
import Foundation
import Testing

@Suite("Experiment plans: grid expansion, keys, seeds, inputs")
struct ExperimentPlanTests {
  static let grid = """
    name: grid
    task: toy
    target: y
    sweep:
      seeds: 2
      features: [3d, 7d]
      p: 0...2
      zip:
        model.hidden: [[8], [16, 8]]
        model.lr: [0.1, 0.01]
    """

  @Test func gridIsTheCartesianProductInFileOrderWithSeedsInnermost() throws {
    let plan = try Scratch().plan(Self.grid)
    #expect(plan.trials.count == 2 * 3 * 2 * 2)
    #expect(plan.axes.map(\.name) == ["features", "p", "zip(model.hidden, model.lr)", "seeds"])
    #expect(plan.axes.map(\.kind) == [.list, .range, .zip, .seeds])
    // The expected order, written as nested loops: first axis slowest, seeds innermost.
    var expected: [(String, Int, [Value], Double, Int)] = []
    for features in ["3d", "7d"] {
      for p in 0...2 {
        for (hidden, lr) in [([8], 0.1), ([16, 8], 0.01)] as [([Value], Double)] {
          for replicate in 0..<2 { expected.append((features, p, hidden, lr, replicate)) }
        }
      }
    }
    for (i, trial) in plan.trials.enumerated() {
      let e = expected[i]
      #expect(trial.index == i)
      #expect(trial.settings[path: "features"] == .string(e.0))
      #expect(trial.settings[path: "p"] == .int(e.1))
      #expect(trial.settings[path: "model.hidden"] == .list(e.2))
      #expect(trial.settings[path: "model.lr"] == .double(e.3))
      #expect(trial.replicate == e.4)
      #expect(trial.axisValues.map(\.key) == ["features", "p", "model.hidden", "model.lr"])
      #expect(trial.axisValues.map(\.value) == [.string(e.0), .int(e.1), .list(e.2), .double(e.3)])
      // Settings the sweep does not touch keep their defaults.
      #expect(trial.settings[path: "model.epochs"] == 30)
      #expect(trial.settings[path: "target"] == "y")
    }
    #expect(Set(plan.trials.map(\.key)).count == plan.trials.count)
    #expect(plan.inputFingerprints.isEmpty)
  }

  @Test func halfOpenRangeEqualsClosedRange() throws {
    let scratch = try Scratch()
    let closed = try scratch.plan(Self.grid)
    let halfOpen = try scratch.plan(Self.grid.replacingOccurrences(of: "0...2", with: "0..<3"))
    #expect(closed.trials.map(\.key) == halfOpen.trials.map(\.key))
    #expect(halfOpen.axes[1].description == "p: 0..<3 (3 values)")
    #expect(closed.axes[1].points == [[0], [1], [2]])
  }

  @Test func negativeRangeBounds() throws {
    let spec = try Scratch().spec("name: a\ntask: toy\ntarget: y\nsweep:\n  extra: -2...1\n")
    #expect(spec.axes.first?.points == [[-2], [-1], [0], [1]])
  }

  @Test func explicitReplicateNumbers() throws {
    let plan = try Scratch().plan("name: a\ntask: toy\ntarget: y\nsweep:\n  p: [1, 2]\n  seeds: [5, 7, 1]\n")
    #expect(plan.trials.map(\.replicate) == [5, 7, 1, 5, 7, 1])
    #expect(plan.trials.map { $0.settings[path: "p"] } == [1, 1, 1, 2, 2, 2])
    #expect(plan.axes.last?.description == "seeds: [5, 7, 1]")
  }

  @Test func seedsAsARange() throws {
    let plan = try Scratch().plan("name: a\ntask: toy\ntarget: y\nsweep:\n  seeds: 3...5\n")
    #expect(plan.trials.map(\.replicate) == [3, 4, 5])
    #expect(plan.spec.replicates == [3, 4, 5])
  }

  @Test func sweepingAWholeMapReplacesItWithDefaultsFilled() throws {
    let plan = try Scratch().plan("""
      name: a
      task: toy
      target: y
      model: {epochs: 5}
      sweep:
        model: [{lr: 0.1}, {lr: 0.2, epochs: 3}]
        feature_sets.mine: [[a], [b, c]]
      """)
    #expect(plan.trials.map { $0.settings[path: "model.epochs"] } == [30, 30, 3, 3])
    #expect(plan.trials.map { $0.settings[path: "model.lr"] } == [0.1, 0.1, 0.2, 0.2])
    #expect(plan.trials.map { $0.settings[path: "feature_sets.mine"] } == [["a"], ["b", "c"], ["a"], ["b", "c"]])
    let model1 = #"model={"epochs":30,"hidden":[32,16],"lr":0.1,"type":"mlp","weight_decay":0.0}"#
    let model2 = #"model={"epochs":3,"hidden":[32,16],"lr":0.2,"type":"mlp","weight_decay":0.0}"#
    #expect(plan.trials.map(\.label) == [
      model1 + ", feature_sets.mine=[a]", model1 + ", feature_sets.mine=[b, c]",
      model2 + ", feature_sets.mine=[a]", model2 + ", feature_sets.mine=[b, c]",
    ])
  }

  @Test func labels() throws {
    let plan = try Scratch().plan("name: a\ntask: toy\ntarget: y\nsweep:\n  p: [1, 2]\n  seeds: 2\n")
    #expect(plan.trials.map(\.label) == ["p=1", "p=1, replicate=1", "p=2", "p=2, replicate=1"])
    #expect(try Scratch().plan("name: a\ntask: toy\ntarget: y\n").trials.map(\.label) == ["default settings"])
  }

  @Test func integerRangeIntoANumberSetting() throws {
    let plan = try Scratch().plan("name: a\ntask: toy\ntarget: y\nsweep:\n  model.lr: 1...2\n")
    #expect(plan.trials.map { $0.settings[path: "model.lr"] } == [.double(1), .double(2)])
    // The same trials as writing the numbers out.
    let listed = try Scratch().plan("name: a\ntask: toy\ntarget: y\nsweep:\n  model.lr: [1.0, 2.0]\n")
    #expect(plan.trials.map(\.key) == listed.trials.map(\.key))
  }

  @Test func noSweepIsOneTrial() throws {
    let plan = try Scratch().plan("name: a\ntask: toy\ntarget: y\n")
    #expect(plan.trials.count == 1)
    #expect(plan.trials.first?.replicate == 0)
    #expect(plan.trials.first?.axisValues == [])
    #expect(plan.trials.first?.settings == plan.spec.settings)
  }

  @Test func multipleZipGroups() throws {
    let plan = try Scratch().plan("""
      name: a
      task: toy
      target: y
      sweep:
        zip:
          - {p: [1, 2], model.lr: [0.1, 0.2]}
          - {model.epochs: [5, 6, 7], tags: [[a], [b], [c]]}
      """)
    #expect(plan.trials.count == 6)
    #expect(plan.trials.map { $0.settings[path: "model.epochs"] } == [5, 6, 7, 5, 6, 7])
    #expect(plan.trials.map { $0.settings[path: "p"] } == [1, 1, 1, 2, 2, 2])
  }

  /// The key is documented as the first 16 hex digits of SHA-256 over this exact canonical JSON.
  @Test func keyAndSeedFollowTheDocumentedFormula() throws {
    let plan = try Scratch().plan("name: a\ntask: mini\nseed: 3\nx: 2\nsweep:\n  seeds: 2\n")
    let json0 = #"{"inputs":[],"replicate":0,"seed":3,"settings":{"x":2},"task":"mini"}"#
    let json1 = #"{"inputs":[],"replicate":1,"seed":3,"settings":{"x":2},"task":"mini"}"#
    #expect(plan.trials.map(\.key) == [String(SHA256.hex(json0).prefix(16)), String(SHA256.hex(json1).prefix(16))])
    for trial in plan.trials {
      #expect(trial.key.count == 16)
      #expect(trial.key.allSatisfy { "0123456789abcdef".contains($0) })
      #expect(trial.seed == SplitMix64.derive(3, trial.key))
    }
    #expect(plan.trials[0].seed != plan.trials[1].seed)
  }

  @Test func sameFileGivesSameKeys() throws {
    let scratch = try Scratch()
    let a = try scratch.plan(Self.grid, name: "a.yaml")
    let b = try scratch.plan(Self.grid, name: "b.yaml")
    #expect(a.trials.map(\.key) == b.trials.map(\.key))
    #expect(a.trials.map(\.seed) == b.trials.map(\.seed))
  }

  @Test func reorderedKeysAndStylesGiveSameKeys() throws {
    let scratch = try Scratch()
    let a = try scratch.plan("""
      name: a
      task: toy
      target: y
      model:
        lr: 0.01
        epochs: 5
      data:
        days: 10
        source: synthetic
      sweep:
        p: [1, 2]
      """)
    let b = try scratch.plan("""
      data: {source: synthetic, days: 10}
      sweep: {p: [1, 2]}
      model: {epochs: 5, lr: 1.0e-2}
      target: "y"
      task: toy
      name: a
      """)
    #expect(a.trials.map(\.key) == b.trials.map(\.key))
  }

  @Test func defaultsWrittenOrOmittedGiveSameKeys() throws {
    let scratch = try Scratch()
    let omitted = try scratch.plan("name: a\ntask: toy\ntarget: y\n")
    let written = try scratch.plan("""
      name: a
      task: toy
      target: y
      data: {source: synthetic, days: 730}
      features: 3d
      model: {type: mlp, hidden: [32, 16], lr: 1.0e-4, epochs: 30, weight_decay: 0.0}
      p: 1
      threshold: 0.5
      tags: [a]
      feature_sets: {}
      """)
    let integerLR = try scratch.plan("name: a\ntask: toy\ntarget: y\nmodel: {lr: 1, weight_decay: 0}\n")
    let doubleLR = try scratch.plan("name: a\ntask: toy\ntarget: y\nmodel: {lr: 1.0}\n")
    #expect(omitted.trials.map(\.key) == written.trials.map(\.key))
    #expect(integerLR.trials.map(\.key) == doubleLR.trials.map(\.key))
    #expect(integerLR.trials.map(\.key) != omitted.trials.map(\.key))
  }

  @Test func changingOneAxisValueOnlyChangesItsTrials() throws {
    let scratch = try Scratch()
    let text = "name: a\ntask: toy\ntarget: y\nsweep:\n  model.lr: [0.1, 0.01]\n  p: [1, 2]\n  seeds: 2\n"
    let before = try scratch.plan(text)
    let after = try scratch.plan(text.replacingOccurrences(of: "0.01]", with: "0.02]"))
    let extended = try scratch.plan(text.replacingOccurrences(of: "0.01]", with: "0.01, 0.001]"))
    func keys(_ plan: ExperimentPlan, lr: Double) -> Set<String> {
      Set(plan.trials.filter { $0.settings[path: "model.lr"] == .double(lr) }.map(\.key))
    }
    #expect(keys(before, lr: 0.1) == keys(after, lr: 0.1))
    #expect(keys(before, lr: 0.1).count == 4)
    #expect(keys(after, lr: 0.02).isDisjoint(with: Set(before.trials.map(\.key))))
    #expect(keys(after, lr: 0.02).count == 4)
    #expect(Set(before.trials.map(\.key)).isSubset(of: Set(extended.trials.map(\.key))))
    #expect(extended.trials.count == 12)
  }

  @Test func nameNotesAndMetricsDoNotChangeKeysButSeedDoes() throws {
    let scratch = try Scratch()
    let base = try scratch.plan("name: a\ntask: toy\ntarget: y\n")
    let renamed = try scratch.plan("name: b\nnotes: hi\nmetrics: [loss]\ntask: toy\ntarget: y\n")
    let reseeded = try scratch.plan("name: a\ntask: toy\ntarget: y\nseed: 1\n")
    #expect(base.trials.map(\.key) == renamed.trials.map(\.key))
    #expect(base.trials.map(\.key) != reseeded.trials.map(\.key))
  }

  @Test func inputFileBytesAreInTheKey() throws {
    let scratch = try Scratch()
    let text = "name: a\ntask: toy\ntarget: y\ndata: {source: csv, file: in/rates.csv}\nsweep:\n  p: [1, 2]\n"
    let input = try scratch.write("abc", to: "in/rates.csv")
    let first = try scratch.plan(text)
    let path = input.standardizedFileURL.path
    // FIPS 180-2 test vector: SHA-256("abc").
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    #expect(first.inputFingerprints == [path: abc])
    #expect(first.trials.allSatisfy { first.inputs(of: $0) == [.init(path: path, sha256: abc)] })

    try scratch.write("abc", to: "in/rates.csv")
    #expect(try scratch.plan(text).trials.map(\.key) == first.trials.map(\.key))

    try scratch.write("abd", to: "in/rates.csv")
    let changed = try scratch.plan(text)
    #expect(changed.inputFingerprints[path] == "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9")
    #expect(Set(changed.trials.map(\.key)).isDisjoint(with: Set(first.trials.map(\.key))))
  }

  /// A file larger than the 1 MiB read chunk, against Python's hashlib.sha256.
  @Test func streamingFingerprintMatchesHashlib() throws {
    let scratch = try Scratch()
    let bytes = (0..<1_200_007).map { UInt8(($0 * 7 + 3) % 251) }
    let url = scratch.directory.appendingPathComponent("big.bin")
    try Data(bytes).write(to: url)
    let fingerprinter = FileFingerprinter()
    let expected = "40174c8c0554099768988c5d8f76ac817ea6329242b32b7cb7b7a4abe8f11486"
    #expect(try fingerprinter.sha256(of: url) == expected)
    #expect(try fingerprinter.sha256(of: url) == expected)  // cached
    #expect(throws: InputFileError.self) { try fingerprinter.sha256(of: scratch.directory) }
  }

  @Test func validateSummary() throws {
    let plan = try Scratch().plan(Self.grid)
    let summary = plan.summary
    let first = try #require(plan.trials.first)
    #expect(summary.hasPrefix("""
      experiment: grid (task toy, seed 0)
      file: x.yaml
      metrics: f1 (maximize, ranks trials)
      axes:
        features: [3d, 7d]
        p: 0...2 (3 values)
        zip(model.hidden, model.lr): [([8], 0.1), ([16, 8], 0.01)]
        seeds: 0..<2 (2 values)
      trials: 2 x 3 x 2 x 2 = 24
      inputs: none
      example trial (#0):
        key: \(first.key)
        seed: \(first.seed)
        replicate: 0
        axis values: features=3d, p=0, model.hidden=[8], model.lr=0.1
        settings:
          data:
            days: 730
            source: synthetic

      """))
    #expect(summary.contains("\n    model:\n      epochs: 30\n      hidden: [8]\n      lr: 0.1\n"))
    #expect(summary.hasSuffix("    target: y\n    threshold: 0.5\n"))
  }

  /// The example trial's settings text is YAML that reads back to the same settings.
  @Test func summarySettingsReadBackAsTheSameSettings() throws {
    let scratch = try Scratch()
    let plan = try scratch.plan(Self.grid + "\n  extra: [[\"1\", \"true\", \"a: b\", \"\", 1e-05, -3, null, {k: [x]}]]\n")
    for trial in plan.trials.prefix(3) {
      let text = "name: a\ntask: toy\n" + trial.settings.yamlText()
      #expect(try scratch.spec(text).settings == trial.settings)
    }
  }
}
