import Foundation
import Tracking

extension ExperimentPlan {
  /// What the runner stores about the experiment: its name, task, file and text, notes, `metrics:` selection, sweep
  /// axes (`seeds` for the replicate axis) and the experiment file tag reports link to.
  public var runnerExperiment: RunnerExperiment {
    RunnerExperiment(
      name: spec.name, taskName: spec.taskName, specText: spec.source, fileURL: spec.fileURL, notes: spec.notes,
      selectedMetrics: spec.metrics, axes: axes.flatMap { $0.kind == .seeds ? ["seeds"] : $0.keys },
      zipGroups: axes.filter { $0.kind == .zip }.map(\.keys),
      tags: [TagKey.experimentFile: spec.displayPath])
  }

  /// Data fingerprints for every run's provenance: `almanac.data.<path>.sha256`, keyed by the input's display path.
  public var provenanceTags: [String: String] {
    var tags: [String: String] = [:]
    for (path, sha) in inputFingerprints {
      tags[TagKey.dataFingerprint(path: ExperimentParser.displayPath(for: URL(fileURLWithPath: path)))] = sha
    }
    return tags
  }
}

/// Where the store lives when `--db` is not given: `almanac.db` beside the experiment file; for commands that name
/// an experiment rather than a file, `almanac.db` in the current directory, else `experiments/almanac.db`.
public enum StoreLocation {
  public static let fileName = "almanac.db"

  /// The store for an experiment file: `db` when given, else `almanac.db` beside the file.
  public static func url(db: String?, experimentFile: URL?) -> URL {
    if let db { return URL(fileURLWithPath: db) }
    if let experimentFile { return experimentFile.deletingLastPathComponent().appendingPathComponent(fileName) }
    return URL(fileURLWithPath: fileName)
  }

  /// The store for a command that names an experiment (or a run) rather than a file: `db` when given, else the
  /// first of `almanac.db` and `experiments/almanac.db` that exists in the current directory.
  public static func url(db: String?) -> URL {
    if let db { return URL(fileURLWithPath: db) }
    for candidate in [fileName, "experiments/" + fileName] where FileManager.default.fileExists(atPath: candidate) {
      return URL(fileURLWithPath: candidate)
    }
    return URL(fileURLWithPath: fileName)
  }
}
