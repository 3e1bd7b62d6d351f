import Experiments
import Foundation
import Testing
import _TestSupport

/// Mutated experiment files, parsed and planned in-process: no crash, only ``ExperimentError``, a position on every
/// error (the empty file is the one whole-file message), nothing raw from the file that could garble a terminal.
@Suite("Fuzz: mutated experiment files")
struct ExperimentFuzzTests {
  static let corpus: [String] = [
    """
    name: fuzz-a
    notes: |
      A *study* of R&D.
    task: toy
    seed: 7
    metrics: [f1, loss]
    target: y
    model:
      type: mlp
      hidden: [32, 16]
      lr: 1e-3
    threshold: tune
    sweep:
      model.lr: [1e-4, 1e-3]
      p: 0...3
      seeds: 2

    """,
    """
    name: fuzz.b
    task: toy
    target: "label"
    data: {source: synthetic, days: 30}
    feature_sets:
      mine: [a, b]
    features: mine
    sweep:
      zip:
        model.hidden: [[8], [16, 8]]
        model.epochs: [5, 10]
      seeds: [1, 2, 3]

    """,
    """
    name: fuzz_c
    task: toy
    target: y
    tags:
      - one
      - two
    extra: {a: [1, 2, {b: c}], d: 'e'}
    sweep:
      zip:
        - {p: [1, 2], model.lr: [0.1, 0.2]}
        - {threshold: [0.3, 0.7], model.type: [mlp, logistic]}

    """,
    "name: m\ntask: mini\nx: 3\nsweep:\n  x: [1, 2, 3]\n",
  ]

  /// Whole-file messages that rightly have no line (nothing in the file to point at).
  static func isWholeFile(_ d: Diagnostic) -> Bool { d.message.hasPrefix("the experiment file is empty") }

  @Test(.timeLimit(.minutes(2)))
  func mutatedFilesGiveLocatedErrorsOrPlans() throws {
    let scratch = try Scratch()
    var mutator = TextMutator(seed: 20_261_129)
    var outcomes = (planned: 0, refused: 0)
    for case_ in 0..<400 {
      let original = Self.corpus[case_ % Self.corpus.count]
      let text = mutator.mutate(original, maxEdits: 4)
      do {
        let plan = try scratch.plan(text)
        #expect(plan.trials.count >= 1)
        outcomes.planned += 1
      } catch let error as ExperimentError {
        outcomes.refused += 1
        #expect(!error.diagnostics.isEmpty)
        for d in error.diagnostics where d.severity == .error && !Self.isWholeFile(d) {
          #expect(d.line != nil && d.column != nil, "case \(case_): no position: \(d.message)\n--- file:\n\(text)")
        }
        let rendered = error.rendered()
        let raw = rendered.unicodeScalars.first { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }
        #expect(raw == nil, "case \(case_): raw control character U+\(String(raw?.value ?? 0, radix: 16)) in\n\(rendered)")
        #expect(rendered.count < 100_000, "case \(case_): \(rendered.count) characters of diagnostics")
      } catch {
        Issue.record("case \(case_): unexpected \(type(of: error)): \(error)\n--- file:\n\(text)")
      }
    }
    // The mutations are neither all fatal nor all harmless.
    #expect(outcomes.planned > 20 && outcomes.refused > 100, "\(outcomes)")
  }
}
