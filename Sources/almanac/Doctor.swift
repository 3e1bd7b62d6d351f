import ArgumentParser
import Foundation
import Tracking

struct Doctor: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check a store: SQLite integrity, applied migrations, and each experiment's run counts by status.")

  @Option(help: "The SQLite store.") var db: String?

  func run() throws {
    try reportingErrors {
      let store = try TrackingStore(at: try existingStore(db))
      let problems = try store.integrityCheck()
      print("store: \(store.fileURL.path)")
      print("integrity_check: \(problems == ["ok"] || problems.isEmpty ? "ok" : problems.joined(separator: "; "))")
      print("migrations: \(try store.appliedMigrations().joined(separator: ", "))")
      for experiment in try store.experiments() {
        let counts = try store.statusCounts(experimentID: experiment.id)
        let text = RunStatus.allCases.map { "\(counts[$0, default: 0]) \($0.rawValue.lowercased())" }
          .joined(separator: ", ")
        print("experiment \(experiment.name) (\(experiment.task)): \(text)")
      }
      if !(problems == ["ok"] || problems.isEmpty) { throw ExitCode(1) }
    }
  }
}
