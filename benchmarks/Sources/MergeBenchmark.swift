import Foundation
import Tracking

/// `almanac-bench merge [--trials 1000] [--shards 4] [--points 50] [--keep DIR]`: builds `shards` synthetic shard
/// stores of a `trials`-trial plan (each records the whole plan, as `almanac run --shard` does, and runs its
/// round-robin share: 10 params, 12 tags, 8 scalar metrics and 2 series of `points` points per run, the size of a
/// forecast trial), merges them with ``TrackingStore/merge(shards:)`` and prints store sizes, merge time, runs/s
/// and metric points/s. The reference beside it is the `sqlite3` program copying the same rows with plain
/// `INSERT ... SELECT` (no identity, duplicate or plan checks, no id mapping beyond an offset): the floor a merge can
/// reach; the ratio is printed.
enum MergeBenchmark {
  static func run(_ args: ArraySlice<String>) throws {
    var trials = 1000
    var shards = 4
    var points = 50
    var keep: String?
    var it = args.makeIterator()
    while let flag = it.next() {
      guard let text = it.next() else { throw BenchmarkUsage("\(flag) needs a value") }
      if flag == "--keep" {
        keep = text
        continue
      }
      guard let value = Int(text), value > 0 else { throw BenchmarkUsage("\(flag) needs a positive integer") }
      switch flag {
      case "--trials": trials = min(value, 10_000_000)
      case "--shards": shards = min(value, 10_000)
      case "--points": points = min(value, 100_000)
      default: throw BenchmarkUsage("unknown option \(flag); expected --trials, --shards, --points or --keep")
      }
    }
    let dir =
      keep.map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("almanac-bench-merge-\(getpid())")
    try? FileManager.default.removeItem(at: dir)
    defer { if keep == nil { try? FileManager.default.removeItem(at: dir) } }

    let buildStart = Date()
    var shardURLs: [URL] = []
    for shard in 0..<shards {
      shardURLs.append(try makeShard(dir: dir, shard: shard, of: shards, trials: trials, points: points))
    }
    let buildSeconds = Date().timeIntervalSince(buildStart)
    let shardBytes = shardURLs.reduce(0) { $0 + fileSize($1) }

    let target = try TrackingStore(at: dir.appendingPathComponent("merged/almanac.db"))
    let start = Date()
    let summaries = try target.merge(shards: shardURLs)
    let seconds = Date().timeIntervalSince(start)
    let integrityStart = Date()
    let integrity = try target.integrityCheck()
    let integritySeconds = Date().timeIntervalSince(integrityStart)
    let runs = summaries.reduce(0) { $0 + $1.runsCopied }
    let metricPoints = summaries.reduce(0) { $0 + $1.metricPoints }
    let progress = try target.planProgress(experimentNamed: "bench")
    precondition(
      runs == trials && progress?.finished == trials && integrity == ["ok"],
      "merged \(runs) runs, \(progress?.finished ?? -1) finished, integrity \(integrity)")
    // The leaders' share of the merge: recomputing `best.<metric>` reads every run back (as `almanac runs` does).
    let leadersStart = Date()
    if let experiment = try target.experiment(named: "bench") {
      try target.updateLeaders(experimentID: experiment.id, axes: [])
    }
    let leadersSeconds = Date().timeIntervalSince(leadersStart)
    let againStart = Date()
    let again = try target.merge(shards: shardURLs)
    let againSeconds = Date().timeIntervalSince(againStart)
    precondition(again.allSatisfy { $0.runsCopied == 0 }, "a second merge copied runs")
    try checkpoint(target.fileURL)
    let mergedBytes = fileSize(target.fileURL)

    print(
      "merge: \(trials) trials in \(shards) shards, \(points) points per series "
        + "(shards built in \(String(format: "%.1f", buildSeconds)) s)")
    print(
      "merge: shard stores \(mb(shardBytes)) in total, merged store \(mb(mergedBytes)) "
        + "(\(mergedBytes / max(1, trials)) bytes per trial)")
    print(
      "merge: \(runs) runs, \(metricPoints) metric points in \(String(format: "%.3f", seconds)) s: "
        + "\(Int(Double(runs) / seconds)) runs/s, \(Int(Double(metricPoints) / seconds)) points/s; "
        + "integrity_check \(integrity.joined()) in \(String(format: "%.3f", integritySeconds)) s")
    print(
      "merge: of which recomputing the leaders (best.<metric> tags) about \(String(format: "%.3f", leadersSeconds)) s")
    print(
      "merge: merging the same shards again (idempotent, nothing copied) took \(String(format: "%.3f", againSeconds)) s"
    )
    if let reference = try sqliteCopy(shards: shardURLs, dir: dir) {
      print(
        "reference: sqlite3 plain INSERT ... SELECT of the same rows in \(String(format: "%.3f", reference)) s; "
          + "almanac merge / sqlite3 copy = \(String(format: "%.2f", seconds / reference))")
    } else {
      print("reference: sqlite3 not found (apt-get install sqlite3); no ratio")
    }
  }

  static func makeShard(dir: URL, shard: Int, of count: Int, trials: Int, points: Int) throws -> URL {
    let url = dir.appendingPathComponent("shard-\(shard)-of-\(count)/almanac.db")
    let store = try TrackingStore(at: url)
    let plan = (0..<trials).map { PlanEntry(key: key($0), index: $0) }
    let catalog = MetricCatalog(
      declared: (0..<8).map { MetricDeclaration("m\($0)", goal: .maximize, listed: $0 < 2) }
        + [MetricDeclaration("forecast", .series), MetricDeclaration("actual", .series)],
      selected: ["m0"])
    let id = try store.upsertExperiment(
      ExperimentDefinition(
        name: "bench", task: "forecast", spec: "name: bench\n", tags: [TagKey.shard: "\(shard)/\(count)"],
        plan: plan, metrics: catalog))
    let owner = RunOwner(host: "node\(shard)", pid: Int32(1000 + shard), session: "bench-\(shard)")
    let mine = Array(stride(from: shard, to: trials, by: count))
    var position = 0
    while position < mine.count {
      let chunk = mine[position..<min(position + 2000, mine.count)]
      position += chunk.count
      let claims = chunk.map { i in
        TrialClaim(
          key: key(i), index: i, seed: UInt64(i),
          params: Dictionary(uniqueKeysWithValues: (0..<10).map { ("p\($0)", "\(i % ($0 + 2))") }))
      }
      let claimed = try store.claim(experimentID: id, trials: claims, owner: owner).claimed
      try store.record(
        claimed.map { run in
          RunResult(
            runID: run.runID, status: .finished,
            metrics: Dictionary(uniqueKeysWithValues: (0..<8).map { ("m\($0)", Double(run.index) / Double($0 + 1)) }),
            series: ["forecast", "actual"].flatMap { k in
              (0..<points).map { MetricPoint(key: k, step: $0, value: Double(run.index + $0)) }
            },
            tags: Dictionary(uniqueKeysWithValues: (0..<12).map { ("almanac.t\($0)", "value-\($0)-\(run.index % 97)") })
          )
        })
    }
    try checkpoint(url)
    return url
  }

  static func key(_ i: Int) -> String { String(format: "%016llx", UInt64(i) &* 0x9E37_79B9_7F4A_7C15) }

  /// Folds the WAL into the main file so sizes are the stores' real sizes.
  static func checkpoint(_ url: URL) throws {
    _ = shell("sqlite3", [url.path, "PRAGMA wal_checkpoint(TRUNCATE);"])
  }

  static func fileSize(_ url: URL) -> Int {
    ["", "-wal"].reduce(0) {
      $0 + ((try? FileManager.default.attributesOfItem(atPath: url.path + $1)[.size] as? Int) ?? 0)
    }
  }

  static func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }

  /// The reference: `sqlite3` copying every shard's rows into a fresh file with the same schema (run ids offset).
  static func sqliteCopy(shards: [URL], dir: URL) throws -> TimeInterval? {
    guard shell("sqlite3", ["-version"]) != nil else { return nil }
    let schemaSource = dir.appendingPathComponent("merged/almanac.db").path
    let target = dir.appendingPathComponent("reference.db").path
    try? FileManager.default.removeItem(atPath: target)
    guard let schema = shell("sqlite3", [schemaSource, ".schema --nosys"]) else { return nil }
    var sql =
      "PRAGMA journal_mode=WAL;\n"
      + schema.replacingOccurrences(of: "CREATE TABLE sqlite_sequence(name,seq);", with: "") + "\n"
    for (n, shard) in shards.enumerated() {
      let offset = (n + 1) * 100_000_000
      sql += """
        ATTACH '\(shard.path)' AS s;
        BEGIN IMMEDIATE;
        INSERT OR IGNORE INTO experiments SELECT * FROM s.experiments;
        INSERT OR IGNORE INTO plan_trials SELECT * FROM s.plan_trials;
        INSERT INTO runs SELECT run_id + \(offset), experiment_id, trial_key, trial_index, status, start_time, end_time,
          error, owner_host, owner_pid, owner_session, heartbeat, seed, superseded FROM s.runs;
        INSERT INTO params SELECT run_id + \(offset), key, value FROM s.params;
        INSERT INTO metrics SELECT run_id + \(offset), key, value, step, timestamp, is_series FROM s.metrics;
        INSERT INTO series SELECT run_id + \(offset), key, count, steps, vals, timestamp FROM s.series;
        INSERT INTO tags SELECT run_id + \(offset), key, value FROM s.tags;
        COMMIT;
        DETACH s;

        """
    }
    let script = dir.appendingPathComponent("reference.sql")
    try sql.write(to: script, atomically: true, encoding: .utf8)
    let start = Date()
    guard shell("sqlite3", [target, ".read \(script.path)"]) != nil else { return nil }
    return Date().timeIntervalSince(start)
  }

  /// Runs a program on PATH; its stdout, or nil when it failed.
  @discardableResult
  static func shell(_ name: String, _ args: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + args
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
  }
}
