import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Tasks

/// Every experiment file shipped in `experiments/` plans without an error or a warning (settings, cross-setting
/// checks, input files), so a change of a schema cannot silently break one. Files that read the real Aave tables
/// from `../shared` are checked only when it is present.
@Suite("shipped experiments")
struct ShippedExperimentsTests {
  static let directory = TestSupport.repositoryRoot.appendingPathComponent("experiments")

  /// The shipped files, split by whether they read `../shared`.
  static func files(needingShared: Bool) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().filter { name in
      let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
      return text.contains("shared/") == needingShared
    }
  }

  static func plan(_ name: String) throws -> ExperimentPlan {
    try ExperimentPlan.load(fileURL: directory.appendingPathComponent(name), tasks: TaskRegistry.tasks())
  }

  @Test("Experiments on the embedded data plan cleanly", arguments: files(needingShared: false))
  func embedded(_ name: String) throws {
    let plan = try Self.plan(name)
    #expect(!plan.trials.isEmpty)
    #expect(plan.spec.warnings.isEmpty, "\(plan.spec.warnings)")
  }

  @Test(
    "Experiments on the real tables plan cleanly", .enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared"),
    arguments: files(needingShared: true))
  func real(_ name: String) throws {
    let plan = try Self.plan(name)
    #expect(!plan.trials.isEmpty)
    #expect(plan.spec.warnings.isEmpty, "\(plan.spec.warnings)")
  }

  @Test("The shipped set includes the comparisons the issues ask for")
  func expectedFiles() {
    let embedded = Self.files(needingShared: false)
    let real = Self.files(needingShared: true)
    for name in ["liquidations-3d-vs-7d.yaml", "liquidations-gru-vs-ff.yaml", "liquidations-csv-example.yaml"] {
      #expect(embedded.contains(name), "\(name)")
    }
    for name in ["liquidations-aave-real.yaml", "liquidations-gru-aave-real.yaml"] {
      #expect(real.contains(name), "\(name)")
    }
  }
}

/// Trial keys of a shipped experiment, pinned: every store written since 0.2 holds these keys, and a change would make
/// every finished trial of those stores run again. A schema change that alters them must be deliberate (declare new
/// settings `keyNeutral`, see `Field`); then update the keys here and say so in the release notes.
@Suite("trial keys stay stable")
struct TrialKeyStabilityTests {
  @Test("liquidations-3d-vs-7d keeps the keys its committed report and stores were written with")
  func classifyKeys() throws {
    let plan = try ShippedExperimentsTests.plan("liquidations-3d-vs-7d.yaml")
    let keys = Set(plan.trials.map(\.key))
    // The first trial (mlp, 3d, no oversampling, replicate 0), and the best trial named in
    // reports/liquidations-3d-vs-7d/README.md.
    #expect(plan.trials.first?.key == "78539fb5f688f584")
    #expect(keys.contains("f6f7fd501e32dd3e"))
  }
}
