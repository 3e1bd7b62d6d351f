import Foundation
import Testing
import _TestSupport

/// Mutated experiment files through the built `almanac validate`, as a user would meet them: the process never
/// crashes (exit 0 for a valid file, 2 for a refused one), every error line names `file:line:column` (the empty file
/// is the one whole-file message), and stderr carries no raw control character.
@Suite struct FuzzEndToEndTests {
  static let corpus: [String] = [
    """
    name: fuzz-forecast
    task: forecast
    data:
      source: synthetic
      synthetic: {seed: 3, days: 200}
    transform: log
    p: 1
    d: 1
    q: 1
    holdout: 20
    sweep:
      p: 0...2
      q: [0, 1]

    """,
    """
    name: fuzz-classify
    notes: |
      Hostile input, *mutated*.
    task: classify
    metrics: [f1, recall]
    data:
      source: synthetic
      synthetic: {seed: 1, days: 120}
      test_days: 20
    model:
      hidden: [8]
      epochs: 2
    threshold: tune
    sweep:
      features: [3d, 7d]
      zip:
        model.lr: [1e-3, 1e-2]
        model.batch_size: [16, 32]
      seeds: 2

    """,
  ]

  @Test(.timeLimit(.minutes(3)))
  func mutatedFilesExitZeroOrTwoWithLocatedErrors() throws {
    let dir = try TestSupport.temporaryDirectory("fuzz-e2e")
    var mutator = TextMutator(seed: 42)
    var statuses: [Int32: Int] = [:]
    for case_ in 0..<60 {
      let text = mutator.mutate(Self.corpus[case_ % Self.corpus.count], maxEdits: 2)
      let name = "fuzz-\(case_).yaml"
      try Data(text.utf8).write(to: dir.appendingPathComponent(name))
      let result = try AlmanacProcess.run(["validate", name], in: dir)
      statuses[result.status, default: 0] += 1
      #expect(result.status == 0 || result.status == 2,
              "case \(case_): exit \(result.status)\n\(result.stderr)\n--- file:\n\(text)")
      if result.status == 2 { #expect(result.stderr.contains(": error: "), "case \(case_): \(result.stderr)") }
      for line in result.stderr.split(separator: "\n") where line.contains(": error: ") {
        let located = line.hasPrefix(name + ":") && line.dropFirst(name.count + 1)
          .prefix { $0 != " " }.split(separator: ":").count == 2
        let wholeFile = line.hasPrefix(name + ": error: the experiment file is empty")
        #expect(located || wholeFile || !line.hasPrefix(name), "case \(case_): \(line)")
        #expect(line.hasPrefix(name), "case \(case_): an error that names no file: \(line)")
      }
      let raw = result.stderr.unicodeScalars.first { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }
      #expect(raw == nil, "case \(case_): raw U+\(String(raw?.value ?? 0, radix: 16)) on stderr:\n\(result.stderr)")
    }
    #expect((statuses[0] ?? 0) >= 3 && (statuses[2] ?? 0) >= 20, "\(statuses)")
  }
}
