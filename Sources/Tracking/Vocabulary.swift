/// The names of the tags Almanac writes, declared once. Run tags describe one run's provenance; experiment tags
/// describe the experiment. Every module that reads or writes a tag uses these constants.
public enum TagKey {
  // MARK: Run provenance (written by the runner on every run)

  /// The git commit of the experiment file's repository, or `none` outside a repository.
  public static let gitCommit = "almanac.git.commit"
  /// `true`, `false` or `unknown`: whether tracked files differed from the commit.
  public static let gitDirty = "almanac.git.dirty"
  public static let host = "almanac.host"
  public static let os = "almanac.os"
  /// Almanac's version (``Tracking/almanacVersion``).
  public static let version = "almanac.version"
  public static let swift = "almanac.swift"
  /// The task name (`classify`, `forecast`, ...).
  public static let task = "almanac.task"
  /// The sweep axes' dotted keys, comma-separated, in file order (`seeds` for the replicate axis).
  public static let axes = "almanac.axes"
  /// The `zip` groups of the sweep, when it has any: each group's dotted keys joined by `+`, groups comma-separated
  /// (`model.type+features,model.lr+model.batch_size`). Reports compare a group's values as one axis.
  public static let zipGroups = "almanac.zip_groups"
  /// The trial seed (decimal).
  public static let seed = "almanac.seed"
  /// The 0-based replicate number.
  public static let replicate = "almanac.replicate"
  /// Wall time of the trial in seconds.
  public static let wallTime = "almanac.wall_time_s"
  /// The trial's log lines, newline-separated.
  public static let log = "almanac.log"

  /// `almanac.data.<path>.sha256`: the SHA-256 of an input file, keyed by its display path.
  public static func dataFingerprint(path: String) -> String { dataPrefix + path + dataSuffix }

  /// The path in a ``dataFingerprint(path:)`` key, or nil for any other key.
  public static func dataPath(fromFingerprintKey key: String) -> String? {
    guard key.hasPrefix(dataPrefix), key.hasSuffix(dataSuffix), key.count > dataPrefix.count + dataSuffix.count
    else { return nil }
    return String(key.dropFirst(dataPrefix.count).dropLast(dataSuffix.count))
  }

  static let dataPrefix = "almanac.data."
  static let dataSuffix = ".sha256"

  // MARK: Experiment tags

  /// The experiment file's path as the user gave it (relative, for reports).
  public static let experimentFile = "almanac.file"
  /// `best.<metric>`: the best configuration by that metric (see ``Ranking``), rewritten after every run.
  public static func best(_ metric: String) -> String { "best." + metric }

  /// Tags that hold bulky or volatile values, left out of side-by-side comparisons.
  public static let volatile: Set<String> = [log, wallTime]
}
