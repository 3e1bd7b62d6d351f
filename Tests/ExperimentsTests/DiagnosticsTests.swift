@testable import Experiments
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every error class, with its exact rendered message (location, source line, caret).
@Suite("Experiment files: diagnostics")
struct DiagnosticsTests {
  /// The three lines every valid toy experiment starts with.
  static let head = "name: x\ntask: toy\ntarget: y\n"

  /// (file text, exact rendered error)
  static let settingErrors: [(String, String)] = [
    (head + "thresold: 0.5\n", """
      x.yaml:4:1: error: unknown key 'thresold' (did you mean 'threshold'?)
      thresold: 0.5
      ^
      """),
    (head + "model:\n  lrr: 0.1\n", """
      x.yaml:5:3: error: unknown key 'lrr' in 'model' (did you mean 'lr'?)
        lrr: 0.1
        ^
      """),
    (head + "model:\n  zzzzzz: 1\n", """
      x.yaml:5:3: error: unknown key 'zzzzzz' in 'model'; expected one of: type, hidden, lr, epochs, weight_decay
        zzzzzz: 1
        ^
      """),
    (head + "model:\n  epochs: ten\n", """
      x.yaml:5:11: error: 'model.epochs' must be an integer, got 'ten'
        epochs: ten
                ^
      """),
    (head + "model:\n  epochs: 2.5\n", """
      x.yaml:5:11: error: 'model.epochs' must be an integer, got 2.5
        epochs: 2.5
                ^
      """),
    (head + "model:\n  lr: -1\n", """
      x.yaml:5:7: error: 'model.lr' must be > 0, got -1
        lr: -1
            ^
      """),
    (head + "model:\n  lr: .nan\n", """
      x.yaml:5:7: error: 'model.lr' must be a finite number, got .nan
        lr: .nan
            ^
      """),
    (head + "model:\n  lr: \"0.1\"\n", """
      x.yaml:5:7: error: 'model.lr' must be a number, got '0.1'
        lr: "0.1"
            ^
      """),
    (head + "model:\n  epochs: 0\n", """
      x.yaml:5:11: error: 'model.epochs' must be between 1 and 1000, got 0
        epochs: 0
                ^
      """),
    (head + "model:\n  hidden: [32, 0]\n", """
      x.yaml:5:16: error: 'model.hidden[1]' must be >= 1, got 0
        hidden: [32, 0]
                     ^
      """),
    (head + "model:\n  type: mpl\n", """
      x.yaml:5:9: error: 'model.type' must be one of: mlp, logistic; got 'mpl' (did you mean 'mlp'?)
        type: mpl
              ^
      """),
    (head + "model:\n  hidden: []\n", """
      x.yaml:5:11: error: 'model.hidden' must not be empty
        hidden: []
                ^
      """),
    (head + "model: 3\n", """
      x.yaml:4:8: error: 'model' must be a map, got 3
      model: 3
             ^
      """),
    (head + "tags: a\n", """
      x.yaml:4:7: error: 'tags' must be a non-empty list of strings, got 'a'
      tags: a
            ^
      """),
    (head + "threshold: 1.5\n", """
      x.yaml:4:12: error: 'threshold' must be a number > 0 and <= 1 or 'tune', got 1.5
      threshold: 1.5
                 ^
      """),
    (head + "threshold: [1]\n", """
      x.yaml:4:12: error: 'threshold' must be a number > 0 and <= 1 or 'tune', got a list
      threshold: [1]
                 ^
      """),
    ("name: x\ntask: toy\n", """
      x.yaml:1:1: error: missing required key 'target'
      name: x
      ^
      """),
    ("task: toy\ntarget: y\n", """
      x.yaml:1:1: error: missing required key 'name'
      task: toy
      ^
      """),
    ("name: my exp\ntask: toy\ntarget: y\n", """
      x.yaml:1:7: error: 'name' may contain only letters, digits, '.', '_' and '-', got 'my exp'
      name: my exp
            ^
      """),
    ("name: x\ntask: toyy\ntarget: y\n", """
      x.yaml:2:7: error: unknown task 'toyy' (did you mean 'toy'?); known tasks: toy, mini
      task: toyy
            ^
      """),
    ("name: x\ntask: classify\ntarget: y\n", """
      x.yaml:2:7: error: unknown task 'classify'; known tasks: toy, mini
      task: classify
            ^
      """),
    (head + "metrics: [f2, recall]\n", """
      x.yaml:4:11: error: unknown metric 'f2' for task 'toy' (did you mean 'f1'?); known metrics: f1, loss, recall
      metrics: [f2, recall]
                ^
      """),
    (head + "metrics: []\n", """
      x.yaml:4:10: error: 'metrics' must not be empty
      metrics: []
               ^
      """),
    (head + "seed: -1\n", """
      x.yaml:4:7: error: 'seed' must be >= 0, got -1
      seed: -1
            ^
      """),
  ]

  @Test(arguments: settingErrors)
  func settingError(text: String, expected: String) throws {
    let actual = try Scratch().error(text)
    #expect(actual == expected)
  }

  static let yamlErrors: [(String, String)] = [
    ("name: x\ntask: [toy\n", """
      x.yaml:2:7: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence starting here)
      task: [toy
            ^
      """),
    (head + "  model: 3\n", """
      x.yaml:4:8: error: invalid YAML: mapping values are not allowed in this context
        model: 3
             ^
      """),
    ("name: x\ntask: toy\nname: y\ntarget: y\n", """
      x.yaml:3:1: error: duplicate key 'name' (already defined at line 1)
      name: y
      ^
      """),
    (head + "model:\n  lr: 1\n  epochs: 3\n  lr: 2\n", """
      x.yaml:7:3: error: duplicate key 'lr' (already defined at line 5)
        lr: 2
        ^
      """),
    (head + "model: {lr: 1, lr: 2}\n", """
      x.yaml:4:9: error: duplicate key 'lr'
      model: {lr: 1, lr: 2}
              ^
      """),
    ("name: x\n---\nname: y\n", """
      x.yaml:2:1: error: invalid YAML: expected a single document, found another one ('---')
      ---
      ^
      """),
    ("- a\n- b\n", """
      x.yaml:1:1: error: expected a map of keys at the top level, got a list
      - a
      ^
      """),
    ("", "x.yaml: error: the experiment file is empty; expected a map with at least 'name' and 'task'"),
  ]

  @Test(arguments: yamlErrors)
  func yamlError(text: String, expected: String) throws {
    let actual = try Scratch().error(text)
    #expect(actual == expected)
  }

  static let sweepErrors: [(String, String)] = [
    (head + "sweep:\n  p: []\n", """
      x.yaml:5:6: error: sweep axis 'p' is empty
        p: []
           ^
      """),
    (head + "sweep:\n  p: 5...0\n", """
      x.yaml:5:6: error: empty range '5...0' for 'p': the lower bound must be at most the upper bound
        p: 5...0
           ^
      """),
    (head + "sweep:\n  p: 3..<3\n", """
      x.yaml:5:6: error: empty range '3..<3' for 'p': the lower bound must be below the upper bound
        p: 3..<3
           ^
      """),
    (head + "sweep:\n  p: 1...x\n", """
      x.yaml:5:6: error: invalid range '1...x' for 'p': expected integer bounds such as 0...5 or 0..<6
        p: 1...x
           ^
      """),
    (head + "sweep:\n  p: 0...20\n", """
      x.yaml:5:6: error: 'p' must be between 0 and 10, got 11
        p: 0...20
           ^
      """),
    (head + "sweep:\n  p: 5\n", """
      x.yaml:5:6: error: sweep axis 'p' must be a list of values or an integer range such as 0...5, got 5
        p: 5
           ^
      """),
    (head + "sweep:\n  model.lr: [0.1, -0.5]\n", """
      x.yaml:5:19: error: 'model.lr' must be > 0, got -0.5
        model.lr: [0.1, -0.5]
                        ^
      """),
    (head + "sweep:\n  model.lr:\n    - 0.1\n    - fast\n", """
      x.yaml:7:7: error: 'model.lr' must be a number, got 'fast'
          - fast
            ^
      """),
    (head + "sweep:\n  model: [{lr: 0.1}, {lrr: 1}]\n", """
      x.yaml:5:23: error: unknown key 'lrr' in 'model' (did you mean 'lr'?)
        model: [{lr: 0.1}, {lrr: 1}]
                            ^
      """),
    (head + "sweep:\n  zip:\n    model.lr: [0.1, 0.2]\n    p: [1, 2, 3]\n", """
      x.yaml:7:5: error: zipped axes must have equal lengths: 'model.lr' has 2 values, 'p' has 3
          p: [1, 2, 3]
          ^
      """),
    (head + "sweep:\n  zip: {}\n", """
      x.yaml:5:8: error: 'zip' must not be empty
        zip: {}
             ^
      """),
    (head + "sweep:\n  lerning_rate: [1, 2]\n", """
      x.yaml:5:3: error: cannot sweep unknown setting 'lerning_rate'
        lerning_rate: [1, 2]
        ^
      """),
    (head + "sweep:\n  model.lrr: [1, 2]\n", """
      x.yaml:5:3: error: cannot sweep unknown setting 'model.lrr': 'model' has no key 'lrr' (did you mean 'model.lr'?)
        model.lrr: [1, 2]
        ^
      """),
    (head + "sweep:\n  p.q: [1, 2]\n", """
      x.yaml:5:3: error: cannot sweep 'p.q': 'p' is not a map of settings
        p.q: [1, 2]
        ^
      """),
    (head + "sweep:\n  seed: [1, 2]\n", """
      x.yaml:5:3: error: cannot sweep 'seed': it is a generic key, not a task setting (use 'seeds: N' for replicates)
        seed: [1, 2]
        ^
      """),
    (head + "sweep:\n  task: [toy, mini]\n", """
      x.yaml:5:3: error: cannot sweep 'task': it is a generic key, not a task setting
        task: [toy, mini]
        ^
      """),
    (head + "sweep:\n  p: [1, 2]\n  zip:\n    p: [3, 4]\n    model.lr: [0.1, 0.2]\n", """
      x.yaml:7:5: error: 'p' is swept twice (first at line 5)
          p: [3, 4]
          ^
      """),
    (head + "sweep:\n  model: [{lr: 0.1}]\n  model.lr: [0.2]\n", """
      x.yaml:6:3: error: 'model.lr' overlaps with the swept 'model' at line 5
        model.lr: [0.2]
        ^
      """),
    (head + "sweep:\n  p: [1, 2, 1]\n", """
      x.yaml:5:13: error: sweep axis 'p' lists 1 twice
        p: [1, 2, 1]
                  ^
      """),
    (head + "sweep:\n  seeds: 0\n", """
      x.yaml:5:10: error: 'seeds' must be at least 1, got 0
        seeds: 0
               ^
      """),
    (head + "sweep:\n  seeds: [1, 2, 2]\n", """
      x.yaml:5:17: error: 'seeds' lists 2 twice
        seeds: [1, 2, 2]
                      ^
      """),
    (head + "sweep:\n  seeds: [-1]\n", """
      x.yaml:5:11: error: a replicate number must be an integer >= 0, got -1
        seeds: [-1]
                ^
      """),
    (head + "sweep:\n  p: 0...9\n  extra: 0...999\n  data.days: 1...1000\n", """
      x.yaml:4:1: error: the sweep expands to 10000000 trials; at most 1000000 are allowed
      sweep:
      ^
      """),
    (head + "sweep: [p]\n", """
      x.yaml:4:8: error: 'sweep' must be a map of axes, got a list
      sweep: [p]
             ^
      """),
  ]

  @Test(arguments: sweepErrors)
  func sweepError(text: String, expected: String) throws {
    let actual = try Scratch().error(text)
    #expect(actual == expected)
  }

  @Test func taskChecksAreLocatedAtTheSetting() throws {
    #expect(try Scratch().error(Self.head + "data:\n  source: csv\n") == """
      x.yaml:5:11: error: 'data.file' is required when 'data.source' is csv
        source: csv
                ^
      """)
  }

  @Test func taskChecksNameTheSweepCombination() throws {
    let text = Self.head + "model: {type: logistic}\nsweep:\n  p: [1, 7, 9]\n  seeds: 3\n"
    #expect(try Scratch().error(text) == """
      x.yaml:6:3: error: 'p' must be at most 5 for the logistic model (in 2 of 3 combinations, for example p=7)
        p: [1, 7, 9]
        ^
      """)
  }

  @Test func requiredSettingMayComeFromTheSweep() throws {
    let plan = try Scratch().plan("name: x\ntask: toy\nsweep:\n  target: [a, b]\n")
    #expect(plan.trials.map { $0.settings[path: "target"] } == ["a", "b"])
  }

  @Test func missingInputFilePointsAtTheSetting() throws {
    let scratch = try Scratch()
    let resolved = scratch.directory.appendingPathComponent("missing.csv").standardizedFileURL.path
    #expect(try scratch.error(Self.head + "data:\n  source: csv\n  file: missing.csv\n") == """
      x.yaml:6:9: error: input file not found: missing.csv (resolved to \(resolved))
        file: missing.csv
              ^
      """)
  }

  @Test func missingInputDirectoryIsNamedOnce() throws {
    let scratch = try Scratch()
    let directory = scratch.directory.appendingPathComponent("absent").standardizedFileURL.path
    #expect(try scratch.error(Self.head + "data:\n  source: csv\n  file: absent/missing.csv\n") == """
      x.yaml:6:9: error: input directory not found: absent/missing.csv (resolved to \(directory))
        file: absent/missing.csv
              ^
      """)
  }

  @Test func missingInputFileSharedByManyTrialsIsReportedOnce() throws {
    let scratch = try Scratch()
    let resolved = scratch.directory.appendingPathComponent("missing.csv").standardizedFileURL.path
    let text = Self.head + "data:\n  source: csv\n  file: missing.csv\nsweep:\n  p: [1, 2, 3]\n  seeds: 2\n"
    #expect(try scratch.error(text) == """
      x.yaml:6:9: error: input file not found: missing.csv (resolved to \(resolved))
        file: missing.csv
              ^
      """)
  }

  @Test func unreadableFile() throws {
    let scratch = try Scratch()
    let missing = scratch.directory.appendingPathComponent("nope.yaml")
    #expect(throws: ExperimentError.self) { try ExperimentParser.parse(fileURL: missing, tasks: toyTasks) }
    do {
      _ = try ExperimentParser.parse(fileURL: missing, tasks: toyTasks, displayPath: "nope.yaml")
    } catch let error as ExperimentError {
      #expect(error.rendered() == "nope.yaml: error: cannot read experiment file: no such file")
    }
    do {
      _ = try ExperimentParser.parse(fileURL: scratch.directory, tasks: toyTasks, displayPath: "dir")
    } catch let error as ExperimentError {
      #expect(error.rendered() == "dir: error: cannot read experiment file: it is a directory")
    }
    let binary = scratch.directory.appendingPathComponent("bin.yaml")
    try Data([0xFF, 0xFE, 0x00, 0x80]).write(to: binary)
    do {
      _ = try ExperimentParser.parse(fileURL: binary, tasks: toyTasks, displayPath: "bin.yaml")
    } catch let error as ExperimentError {
      #expect(error.rendered() == "bin.yaml: error: cannot read experiment file: it is not UTF-8 text")
    }
  }

  @Test func everyErrorIsReportedInFileOrderWithACount() throws {
    let text = "name: x\ntask: toy\nmodel:\n  lr: 0\nthreshold: 2\n"
    #expect(try Scratch().error(text) == """
      x.yaml:1:1: error: missing required key 'target'
      name: x
      ^
      x.yaml:4:7: error: 'model.lr' must be > 0, got 0
        lr: 0
            ^
      x.yaml:5:12: error: 'threshold' must be a number > 0 and <= 1 or 'tune', got 2
      threshold: 2
                 ^
      3 errors
      """)
  }

  @Test func aStyleDecoratesThePartsOfTheSameText() throws {
    let diagnostic = Diagnostic(file: "x.yaml", line: 2, column: 3, message: "'p' must be >= 0, got -1",
                                sourceLine: "p: -1")
    let style = DiagnosticStyle(
      location: { "<\($0)>" }, severity: { "[\($0.rawValue)|\($1)]" }, message: { "{\($0)}" }, caret: { "(\($0))" })
    #expect(diagnostic.rendered(style: style) == "<x.yaml:2:3:> [error|error:] {'p' must be >= 0, got -1}\np: -1\n  (^)")
    #expect(diagnostic.rendered() == "x.yaml:2:3: error: 'p' must be >= 0, got -1\np: -1\n  ^")
  }

  @Test func caretKeepsTabsAndCountsUnicodeScalars() {
    // Column 5 is 'b': tab, é, →, a come before it.
    let diagnostic = Diagnostic(file: "f", line: 1, column: 5, message: "m", sourceLine: "\té→ab")
    #expect(diagnostic.rendered() == "f:1:5: error: m\n\té→ab\n\t   ^")
  }
}

/// Input crafted to exhaust memory or time, or to garble the terminal: refused or shown safely, always located.
@Suite("Experiment files: hostile input")
struct HostileInputTests {
  static let head = DiagnosticsTests.head

  /// The "billion laughs": nine lists of nine aliases of the list before, 9^9 strings after expansion.
  static var aliasBomb: String {
    var text = head + "extra:\n  a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    for (previous, name) in zip(names, names.dropFirst()) {
      text += "  \(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
    }
    return text
  }

  @Test func aliasBombIsRefusedAtTheFirstAnchor() throws {
    #expect(try Scratch().error(Self.aliasBomb) == """
      x.yaml:5:6: error: YAML anchors ('&a') and aliases are not supported in experiment files; write the value out
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
           ^
      """)
  }

  @Test func aliasesAndAnchorsAnywhereAreRefused() throws {
    let scratch = try Scratch()
    // An alias with no anchor, as a map key, and an anchor on a scalar: each located.
    #expect(try scratch.error(Self.head + "extra: *nowhere\n") == """
      x.yaml:4:8: error: YAML aliases ('*nowhere') are not supported in experiment files; write the value out
      extra: *nowhere
             ^
      """)
    #expect(try scratch.error(Self.head + "model:\n  lr: &x 0.1\n  weight_decay: *x\n")?
      .hasPrefix("x.yaml:5:7: error: YAML anchors ('&x')") == true)
    // '&' and '*' inside text are just characters.
    let spec = try scratch.spec(Self.head + "notes: \"R&D *not* an alias, &neither\"\nextra: a&b*c\n")
    #expect(spec.notes == "R&D *not* an alias, &neither")
    #expect(spec.settings[path: "extra"] == "a&b*c")
  }

  @Test func deepNestingIsRefusedWithAPosition() throws {
    let depth = 100_000
    let text = Self.head + "extra: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
    let error = try #require(try Scratch().error(text))
    #expect(error.hasPrefix("x.yaml:4:"), "\(error.prefix(300))")
    #expect(error.contains(": error: lists and maps are nested more than 64 levels deep\n"), "\(error.prefix(300))")
    #expect(error.count < 1_000, "the snippet is a window of the 200,000-character line")
    // Past our limit, below libYAML's: at the first bracket too deep.
    let hundred = Self.head + "extra: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
    let column = 7 + ExperimentParser.maximumNesting  // the top-level map is the first level
    #expect(try Scratch().error(hundred)?.hasPrefix("x.yaml:4:\(column): error: lists and maps are nested more") == true)
    let blocks = Self.head + "extra:\n" + (1...80).map { String(repeating: " ", count: $0) + "k\($0):" }
      .joined(separator: "\n") + " 1\n"
    #expect(try Scratch().error(blocks)?.contains("error: lists and maps are nested more than 64 levels deep") == true)
    // 64 levels are fine.
    let ok = Self.head + "extra: " + String(repeating: "[", count: 63) + "1" + String(repeating: "]", count: 63) + "\n"
    #expect(try Scratch().error(ok) == nil)
  }

  /// A one-line flow list of many sweep values: linear work (the duplicate check was quadratic). The time limit is
  /// a guard against a runaway, not a measurement (the quadratic version needed hours here).
  @Test(.timeLimit(.minutes(2))) func longFlowSweepList() throws {
    let count = 30_000
    let items = (1...count).map { "\(Double($0) * 1e-7)" }.joined(separator: ", ")
    let spec = try Scratch().spec("name: flow\ntask: mini\nsweep:\n  x: [" + (1...count).map(String.init)
      .joined(separator: ", ") + "]\n")
    #expect(spec.axes.first?.count == count)
    // A duplicate at the end of a long line: found, and the snippet is a window with the caret under it.
    let error = try #require(try Scratch().error(Self.head + "sweep:\n  model.lr: [" + items + ", 1e-7]\n"))
    let lines = error.split(separator: "\n", omittingEmptySubsequences: false)
    try #require(lines.count == 3, "\(error.prefix(500))")
    #expect(lines[0].hasSuffix("error: sweep axis 'model.lr' lists 1e-07 twice"), "\(lines[0])")
    #expect(lines[1].count <= Diagnostic.snippetWidth + 6 && lines[1].hasPrefix("..."), "\(lines[1])")
    let caret = try #require(lines[2].firstIndex(of: "^"))
    let offset = lines[2].distance(from: lines[2].startIndex, to: caret)
    #expect(Array(lines[1])[offset...].starts(with: "1e-7]"), "\(lines[1]) / \(lines[2])")
  }

  /// Many errors on one very long line: a bounded number of diagnostics, each holding a window of the line (a copy
  /// of the whole line per error would take gigabytes here).
  @Test(.timeLimit(.minutes(2))) func manyErrorsOnALongLineStayBounded() throws {
    let count = 50_000
    let text = "name: m\ntask: mini\nsweep:\n  x: [" + Array(repeating: "a", count: count).joined(separator: ", ") + "]\n"
    do {
      _ = try Scratch().spec(text)
      Issue.record("expected errors")
    } catch let error as ExperimentError {
      let errors = error.diagnostics.filter { $0.severity == .error }
      #expect(errors.count == 500)
      #expect(error.diagnostics.last?.message == "\(count - 500) more errors not shown")
      #expect(errors.allSatisfy { ($0.sourceLine?.unicodeScalars.count ?? 0) <= 4 * Diagnostic.snippetWidth })
      let last = try #require(errors.last)
      #expect(last.column == 7 + 3 * 499, "\(last)")
      let lines = last.rendered().split(separator: "\n", omittingEmptySubsequences: false)
      try #require(lines.count == 3)
      let caret = try #require(lines[2].firstIndex(of: "^"))
      let offset = lines[2].distance(from: lines[2].startIndex, to: caret)
      #expect(Array(lines[1])[offset...].starts(with: "a, a"), "\(lines[1])\n\(lines[2])")
      #expect(lines[1].hasPrefix("...") && lines[1].hasSuffix("..."))
    }
  }

  @Test(arguments: [
    ("name: ..\ntask: toy\ntarget: y\n", "x.yaml:1:7: error: 'name' cannot be '..': it names a directory of reports"),
    ("name: .\ntask: toy\ntarget: y\n", "x.yaml:1:7: error: 'name' cannot be '.': it names a directory of reports"),
    ("name: " + String(repeating: "n", count: 101) + "\ntask: toy\ntarget: y\n",
     "x.yaml:1:7: error: 'name' must be at most 100 characters, got 101"),
    ("name: \"a\\u001Bb\"\ntask: toy\ntarget: y\n",
     "x.yaml:1:7: error: 'name' may contain only letters, digits, '.', '_' and '-', got 'a\\u{1B}b'"),
  ])
  func namesThatRunWouldRefuse(text: String, expected: String) throws {
    let error = try #require(try Scratch().error(text))
    #expect(error.hasPrefix(expected + "\n"), "\(error)")
  }

  @Test func aHundredCharacterNameIsFine() throws {
    let name = String(repeating: "n", count: 100)
    #expect(try Scratch().spec("name: \(name)\ntask: toy\ntarget: y\n").name == name)
  }

  @Test func controlCharactersInValuesAreEscapedAndTheCaretStaysRight() throws {
    let scratch = try Scratch()
    // An escape sequence in a quoted value (written as YAML's \e): the message shows it escaped.
    #expect(try scratch.error(Self.head + "model:\n  type: \"ml\\e[31mp\"\n") == """
      x.yaml:5:9: error: 'model.type' must be one of: mlp, logistic; got 'ml\\u{1B}[31mp'
        type: "ml\\e[31mp"
              ^
      """)
    // A raw control character in the file: libYAML refuses it; the line is shown escaped and the caret is under it.
    #expect(try scratch.error(Self.head + "extra: a\u{7}b\n") == """
      x.yaml:4:9: error: cannot read YAML: control character \\u{7} is not allowed
      extra: a\\u{7}b
              ^
      """)
    // Lone carriage returns end lines for libYAML, and for the snippet too.
    #expect(try scratch.error("name: x\rtask: toy\rtarget: y\rmodel:\r  lr: -1\r") == """
      x.yaml:5:7: error: 'model.lr' must be > 0, got -1
        lr: -1
            ^
      """)
    // Text after multi-byte characters: the byte offset libYAML reports becomes the right column.
    #expect(try scratch.error(Self.head + "extra: \"é→\u{1}\"\n")?.hasPrefix("x.yaml:4:11: error: cannot read YAML:") == true)
  }

  @Test func longQuotedTextIsShortened() throws {
    let long = String(repeating: "w", count: 5_000)
    let error = try #require(try Scratch().error(Self.head + "model: \(long)\n"))
    let header = try #require(error.split(separator: "\n").first)
    #expect(header.count < 300, "\(header)")
    #expect(header.hasSuffix("got '" + String(repeating: "w", count: 60) + "...'"), "\(header)")
    let unknown = try #require(try Scratch().error("name: x\ntask: " + long + "\ntarget: y\n"))
    #expect(unknown.split(separator: "\n").first.map { $0.count < 300 } == true)
  }

  @Test func oversizedFilesAreRefusedBeforeParsing() throws {
    let scratch = try Scratch()
    let big = Self.head + "notes: \"" + String(repeating: "x", count: ExperimentParser.maximumFileSize) + "\"\n"
    let url = try scratch.write(big, to: "big.yaml")
    #expect(throws: ExperimentError.self) { try ExperimentParser.parse(fileURL: url, tasks: toyTasks) }
    do {
      _ = try ExperimentParser.parse(fileURL: url, tasks: toyTasks, displayPath: "big.yaml")
    } catch let error as ExperimentError {
      #expect(error.rendered().hasPrefix("big.yaml: error: cannot read experiment file: it has "))
    }
  }

  /// `almanac validate` prints the plan: settings and axis values from the file must not reach the terminal raw.
  @Test func planSummaryEscapesControlCharacters() throws {
    let plan = try Scratch().plan(Self.head + "extra: \"a\\e[2Jb\\u2028\"\nsweep:\n  features: [\"x\\ty\", \"q\\u0085\"]\n")
    let text = PlanSummary(plan: plan).text
    let raw = text.unicodeScalars.first { Value.isControl($0) && $0 != "\n" }
    #expect(raw == nil, "\(text)")
    #expect(text.contains("features: [x\\ty, q\\u{85}]"), "\(text)")
    #expect(text.contains("extra: \"a\\u001b[2Jb\\u2028\""), "\(text)")
    // The YAML form reads back as the same value.
    #expect(Value.string("a\u{1B}b\u{85}").yamlInline == "\"a\\u001bb\\u0085\"")
    #expect(try Scratch().spec(Self.head + "extra: \"a\\u001bb\\u0085\"\n").settings[path: "extra"] == "a\u{1B}b\u{85}")
  }

  /// A FIFO (or a device) as the experiment file: refused at once, not read until a writer comes.
  @Test(.timeLimit(.minutes(1))) func specialFilesAreRefused() throws {
    let scratch = try Scratch()
    let fifo = scratch.directory.appendingPathComponent("pipe.yaml")
    try #require(mkfifo(fifo.path, 0o600) == 0)
    do {
      _ = try ExperimentParser.parse(fileURL: fifo, tasks: toyTasks, displayPath: "pipe.yaml")
      Issue.record("a FIFO was read")
    } catch let error as ExperimentError {
      #expect(error.rendered()
        == "pipe.yaml: error: cannot read experiment file: it is a FIFO or other special file, not a regular file")
    }
    do {
      _ = try ExperimentParser.parse(fileURL: URL(fileURLWithPath: "/dev/null"), tasks: toyTasks, displayPath: "null")
      Issue.record("/dev/null was read")
    } catch let error as ExperimentError {
      #expect(error.rendered().hasPrefix("null: error: cannot read experiment file: it is a character device"))
    }
    // A symbolic link to a regular file is fine.
    let target = try scratch.write("name: x\ntask: toy\ntarget: y\n", to: "real.yaml")
    let link = scratch.directory.appendingPathComponent("link.yaml")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
    #expect(try ExperimentParser.parse(fileURL: link, tasks: toyTasks).name == "x")
  }

  @Test func suggestionsIgnoreWordsFarLongerThanEveryCandidate() {
    #expect(Suggestion.closest(to: String(repeating: "l", count: 100_000), in: ["lr", "epochs"]) == nil)
    #expect(Suggestion.closest(to: "lrr", in: ["lr", "epochs"]) == "lr")
  }
}
