import AlmanacCore
import Foundation
import Tracking

/// One part of a plan for `almanac run FILE --shard I/N`: the trials at plan positions `p` with `p % N == I`.
///
/// `I` is 0-based (`0 <= I < N`), so a Slurm job array `--array=0-(N-1)` passes `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`
/// unchanged. Positions are taken after sorting the distinct trials by plan index, so every node computes the same
/// split from the same file; round-robin keeps the shards balanced by count (sizes differ by at most one) and spreads
/// the plan's slow corners (large orders, many epochs, which the axes group together) over all shards.
public struct PlanShard: Sendable, Hashable, CustomStringConvertible {
  /// 0-based shard number.
  public let index: Int
  /// Number of shards (at least 1).
  public let count: Int

  /// The upper bound on `N`: far above any job array a Slurm site allows (`MaxArraySize` defaults to 1001).
  public static let maxCount = 100_000

  public init(index: Int, count: Int) throws {
    guard count >= 1, count <= Self.maxCount else {
      throw ShardError("the shard count must be between 1 and \(Self.maxCount), got \(count)")
    }
    guard index >= 0, index < count else {
      throw ShardError(
        "shard \(index)/\(count) is out of range: shards are numbered from 0 to \(count - 1) "
          + "(0-based, as $SLURM_ARRAY_TASK_ID with --array=0-\(count - 1))")
    }
    self.index = index
    self.count = count
  }

  /// Parses `I/N` (0-based `I`).
  public init(parsing text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2,
      let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
      let n = Int(parts[1].trimmingCharacters(in: .whitespaces))
    else {
      throw ShardError("--shard expects I/N with whole numbers (for example 0/4), got '\(text)'")
    }
    try self.init(index: i, count: n)
  }

  public var description: String { "\(index)/\(count)" }

  /// The trials of this shard: distinct trials in plan order, every `count`-th from position `index`.
  public func select(_ trials: [Trial]) -> [Trial] {
    Self.distinctInPlanOrder(trials).enumerated().filter { $0.offset % count == index }.map(\.element)
  }

  /// The shard a trial at `position` (0-based, distinct trials in plan order) belongs to.
  public static func shard(ofPosition position: Int, count: Int) -> Int { position % count }

  /// Distinct trials sorted by plan index (first occurrence of a key kept).
  static func distinctInPlanOrder(_ trials: [Trial]) -> [Trial] {
    var seen = Set<String>()
    return trials.sorted { $0.index < $1.index }.filter { seen.insert($0.key).inserted }
  }

  /// The full plan to record in a shard store.
  public static func planEntries(_ trials: [Trial]) -> [PlanEntry] {
    distinctInPlanOrder(trials).map { PlanEntry(key: $0.key, index: $0.index) }
  }
}

/// Where the shard stores of an experiment live.
///
/// Default: `almanac-shards/<experiment>/` beside the experiment file; each shard has its own folder
/// `shard-I-of-N/` holding its store `almanac.db` and its `artifacts/`, so no two shards (nor two shard counts)
/// ever share a file. `--shard-dir DIR` replaces `almanac-shards/<experiment>/`. The merged store is the ordinary
/// `almanac.db` beside the file, so `almanac runs`, `report` and `doctor` need no options after a merge.
public enum ShardLayout {
  public static let rootName = "almanac-shards"
  public static let storeName = "almanac.db"

  /// The folder holding every shard of `experiment`.
  public static func directory(shardDir: String?, experimentFile: URL?, experiment: String) -> URL {
    if let shardDir { return URL(fileURLWithPath: shardDir).standardizedFileURL }
    let base =
      experimentFile?.deletingLastPathComponent()
      ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    return base.appendingPathComponent(rootName, isDirectory: true)
      .appendingPathComponent(experiment, isDirectory: true).standardizedFileURL
  }

  /// The folder name of one shard: `shard-I-of-N`.
  public static func folderName(_ shard: PlanShard) -> String { "shard-\(shard.index)-of-\(shard.count)" }

  /// The store of one shard.
  public static func storeURL(_ shard: PlanShard, in directory: URL) -> URL {
    directory.appendingPathComponent(folderName(shard), isDirectory: true).appendingPathComponent(storeName)
  }

  /// Shard stores found in `directory`: `*.db` files in it and `almanac.db` files in its immediate sub-folders
  /// (sorted by path). Used by `almanac merge DIR` and `almanac slurm status`.
  public static func stores(in directory: URL) -> [URL] {
    let fm = FileManager.default
    guard let entries = try? fm.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isDirectoryKey])
    else { return [] }
    var found: [URL] = []
    for entry in entries {
      var isDirectory: ObjCBool = false
      guard fm.fileExists(atPath: entry.path, isDirectory: &isDirectory) else { continue }
      if isDirectory.boolValue {
        let inner = entry.appendingPathComponent(storeName)
        if fm.fileExists(atPath: inner.path) { found.append(inner) }
      } else if entry.pathExtension == "db" {
        found.append(entry)
      }
    }
    return found.map(\.standardizedFileURL).sorted { $0.path < $1.path }
  }
}

/// A bad `--shard` value or shard layout (exit code 2).
public struct ShardError: ClassifiedError, Sendable, Equatable {
  public var description: String
  public var failureKind: FailureKind { .badInput }
  public init(_ description: String) { self.description = description }
}
