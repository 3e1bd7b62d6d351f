import AlmanacCore
import ArgumentParser
import Foundation
import Tracking

struct Doctor: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check a store: SQLite integrity, applied migrations, and each experiment's run counts by status.")

  @Option(help: "The SQLite store.") var db: String?

  func run() throws {
    try reportingErrors {
      let store = try TrackingStore(at: try existingStore(db), access: .readOnly)
      let problems = try store.integrityCheck()
      let schema = try store.schemaStatus()
      print("store: \(store.fileURL.path)")
      print("integrity_check: \(problems == ["ok"] || problems.isEmpty ? "ok" : problems.joined(separator: "; "))")
      print(
        "schema version: \(schema.version) (this Almanac \(AlmanacVersion.current) knows \(schema.applied.count + schema.pending.count))"
          + (schema.writtenBy.map { "; last written by Almanac \($0)" } ?? ""))
      print("migrations: \(schema.applied.joined(separator: ", "))")
      if !schema.pending.isEmpty {
        print("pending migrations (applied on the next write): \(schema.pending.joined(separator: ", "))")
      }
      if !schema.unknown.isEmpty {
        print(
          "unknown migrations (written by a newer Almanac; this one will not write to the store): "
            + schema.unknown.joined(separator: ", "))
      }
      for experiment in try store.experiments() {
        let counts = try store.statusCounts(experimentID: experiment.id)
        let text = RunStatus.allCases.map { "\(counts[$0, default: 0]) \($0.rawValue.lowercased())" }
          .joined(separator: ", ")
        print("experiment \(experiment.name) (\(experiment.task)): \(text)")
      }
      if !(problems == ["ok"] || problems.isEmpty) { throw ExitCode(FailureKind.environment.exitCode) }
    }
  }
}
