import AlmanacCore
import ArgumentParser
import Experiments
import Foundation
import Tracking

struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Merge shard stores (almanac run --shard) into one store.",
    discussion: """
      Each SHARD is a store file, or a folder whose *.db files and */almanac.db files are merged (for example \
      almanac-shards/<experiment>). Every shard is checked before anything is written: a shard that is not a \
      readable store, or whose experiment has another task, file text or plan than the target, is refused and \
      nothing is merged. Each shard is then copied in one transaction. Merging the same shard again changes \
      nothing; a trial FINISHED in two shards keeps the earliest run and the duplicate is reported. \
      See docs/cluster.md.
      """)

  @Option(help: "The store to merge into (created when missing), usually almanac.db beside the experiment file.")
  var into: String

  @Argument(help: "Shard store files or folders of shard stores.", completion: .file())
  var shards: [String]

  func validate() throws {
    guard !shards.isEmpty else { throw ValidationError("name at least one shard store or folder of shard stores") }
  }

  func run() throws {
    try reportingErrors {
      let files = try MergeInputs.resolve(shards)
      let started = Date()
      let store = try TrackingStore(at: URL(fileURLWithPath: into))
      let summaries = try store.merge(shards: files)
      let integrity = try store.integrityCheck()
      let elapsed = Date().timeIntervalSince(started)
      for summary in summaries { print(MergeInputs.line(summary)) }
      let duplicates = summaries.flatMap(\.duplicates)
      for duplicate in duplicates { Terminal.warning(duplicate.description) }
      let running = summaries.reduce(0) { $0 + $1.runsStillRunning }
      if running > 0 {
        Terminal.warning(
          "\(running) run(s) were still RUNNING in their shard and were not merged: run those shards again "
            + "(they take the trials over) and merge again")
      }
      let copied = summaries.reduce(0) { $0 + $1.runsCopied }
      let points = summaries.reduce(0) { $0 + $1.metricPoints }
      print(
        "merged \(summaries.count) shard(s) into \(store.fileURL.path): \(copied) runs, \(points) metric points, "
          + "\(duplicates.count) duplicate(s) in \(String(format: "%.2f", elapsed)) s; integrity "
          + integrity.joined(separator: "; "))
      for name in Set(summaries.flatMap(\.experiments)).sorted() {
        if let progress = try store.planProgress(experimentNamed: name) {
          print(
            "\(name): \(progress.finished)/\(progress.trials) trials finished"
              + (progress.failed > 0 ? ", \(progress.failed) failed" : "")
              + (progress.killed > 0 ? ", \(progress.killed) killed" : "")
              + (progress.notStarted + progress.running > 0
                ? ", \(progress.notStarted + progress.running) not finished" : ""))
        }
      }
      guard integrity == ["ok"] else {
        throw EnvironmentError("the merged store failed PRAGMA integrity_check: \(integrity.joined(separator: "; "))")
      }
    }
  }
}

/// Expands the shard arguments (files and folders) for `merge`.
enum MergeInputs {
  static func resolve(_ arguments: [String]) throws -> [URL] {
    var files: [URL] = []
    for argument in arguments {
      let url = URL(fileURLWithPath: argument).standardizedFileURL
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw InputError("no such shard store or folder: \(argument)")
      }
      if isDirectory.boolValue {
        let found = ShardLayout.stores(in: url)
        if found.isEmpty { Terminal.warning("no shard stores in \(argument) (nothing to merge from it)") }
        files += found
      } else {
        files.append(url)
      }
    }
    var seen = Set<String>()
    return files.filter { seen.insert($0.path).inserted }
  }

  static func line(_ s: ShardMergeSummary) -> String {
    if s.isEmpty { return "\(s.shard.path): empty (no experiments)" }
    var text = "\(s.shard.path): \(s.runsCopied) runs copied"
    if s.runsAlreadyMerged > 0 { text += ", \(s.runsAlreadyMerged) already merged" }
    if !s.duplicates.isEmpty { text += ", \(s.duplicates.count) duplicate(s)" }
    if s.runsStillRunning > 0 { text += ", \(s.runsStillRunning) still RUNNING (not merged)" }
    if s.artifactFilesCopied > 0 { text += ", \(s.artifactFilesCopied) artifact files" }
    return text + String(format: " (%.2f s)", s.elapsed)
  }
}
