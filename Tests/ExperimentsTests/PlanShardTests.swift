import Foundation
import Testing
import _TestSupport

@testable import Experiments

@Suite("PlanShard and SlurmSubmission")
struct PlanShardTests {
  static func trials(_ n: Int) -> [Trial] {
    (0..<n).map { i in
      Trial(index: i, key: String(format: "%016x", i &* 2_654_435_761), settings: .null, axisValues: [], replicate: 0,
            seed: UInt64(i))
    }
  }

  @Test("I/N parses 0-based; out of range, malformed and unbounded values are refused with a clear message")
  func parsing() throws {
    let shard = try PlanShard(parsing: "3/4")
    #expect(shard.index == 3 && shard.count == 4 && shard.description == "3/4")
    #expect(try PlanShard(parsing: "0/1") == PlanShard(index: 0, count: 1))
    for bad in ["4/4", "-1/4", "1/0", "a/4", "1", "1/2/3", "", "1/\(PlanShard.maxCount + 1)"] {
      #expect(throws: ShardError.self) { try PlanShard(parsing: bad) }
    }
    #expect {
      try PlanShard(parsing: "4/4")
    } throws: { error in
      String(describing: error).contains("0 to 3") && String(describing: error).contains("SLURM_ARRAY_TASK_ID")
    }
  }

  @Test("the shards partition the plan: disjoint, complete, balanced (sizes differ by at most 1), order-independent")
  func partition() throws {
    for (n, count) in [(0, 3), (1, 4), (7, 7), (10, 3), (203, 4), (1000, 16), (5, 8)] {
      let trials = Self.trials(n)
      let shards = try (0..<count).map { try PlanShard(index: $0, count: count).select(trials) }
      let keys = shards.flatMap { $0.map(\.key) }
      #expect(keys.count == n)
      #expect(Set(keys) == Set(trials.map(\.key)))
      let sizes = shards.map(\.count)
      #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
      // The same split whatever order the trials come in (every node computes it alone).
      let shuffled = Array(trials.reversed())
      for i in 0..<count {
        #expect(try PlanShard(index: i, count: count).select(shuffled).map(\.key) == shards[i].map(\.key))
      }
    }
    // Round robin by plan position.
    let shard1 = try PlanShard(index: 1, count: 4).select(Self.trials(10))
    #expect(shard1.map(\.index) == [1, 5, 9])
    // The recorded plan is the whole plan, in order, without duplicate keys.
    let doubled = Self.trials(5) + Self.trials(5)
    #expect(PlanShard.planEntries(doubled).map(\.index) == [0, 1, 2, 3, 4])
  }

  @Test("shard stores live in their own folders; a folder of shards lists *.db and */almanac.db")
  func layout() throws {
    let file = URL(fileURLWithPath: "/data/exp/sweep.yaml")
    let dir = ShardLayout.directory(shardDir: nil, experimentFile: file, experiment: "sweep")
    #expect(dir.path == "/data/exp/almanac-shards/sweep")
    let store = ShardLayout.storeURL(try PlanShard(index: 2, count: 8), in: dir)
    #expect(store.path == "/data/exp/almanac-shards/sweep/shard-2-of-8/almanac.db")
    #expect(ShardLayout.directory(shardDir: "/scratch/s", experimentFile: file, experiment: "sweep").path == "/scratch/s")
    let tmp = try TestSupport.temporaryDirectory("layout")
    for folder in ["shard-0-of-2", "shard-1-of-2", "logs"] {
      try FileManager.default.createDirectory(
        at: tmp.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
    for path in ["shard-0-of-2/almanac.db", "shard-1-of-2/almanac.db", "extra.db", "notes.txt", "logs/x.out"] {
      try Data().write(to: tmp.appendingPathComponent(path))
    }
    #expect(ShardLayout.stores(in: tmp).map(\.lastPathComponent) == ["extra.db", "almanac.db", "almanac.db"])
    #expect(ShardLayout.stores(in: tmp.appendingPathComponent("missing")).isEmpty)
  }

  func submission(_ configure: (inout SlurmSubmission.Options) -> Void = { _ in }, trials: Int = 200) throws
    -> SlurmSubmission
  {
    var options = SlurmSubmission.Options()
    configure(&options)
    return try SlurmSubmission(
      experimentName: "sweep", experimentFile: URL(fileURLWithPath: "/data/exp/sweep.yaml"), trials: trials,
      options: options, almanac: URL(fileURLWithPath: "/opt/almanac/bin/almanac"),
      workingDirectory: URL(fileURLWithPath: "/data/exp"),
      shardDirectory: URL(fileURLWithPath: "/data/exp/almanac-shards/sweep"),
      mergedStore: URL(fileURLWithPath: "/data/exp/almanac.db"),
      reportDirectory: URL(fileURLWithPath: "/data/exp/reports/sweep"))
  }

  @Test("the array script: --array=0-(N-1), --requeue, cpus, options, exec almanac run --shard from Slurm's variables")
  func arrayScript() throws {
    let s = try submission {
      $0.tasks = 8
      $0.cpusPerTask = 4
      $0.partition = "short"
      $0.time = "1:00:00"
      $0.account = "risk-lab"
      $0.extraSbatch = ["--mem=4G", "--qos=long"]
    }
    let lines = s.arrayScript.split(separator: "\n").map(String.init)
    #expect(lines.first == "#!/bin/bash")
    for expected in [
      "#SBATCH --array=0-7", "#SBATCH --requeue", "#SBATCH --cpus-per-task=4", "#SBATCH --partition=short",
      "#SBATCH --time=1:00:00", "#SBATCH --account=risk-lab", "#SBATCH --mem=4G", "#SBATCH --qos=long",
      "#SBATCH --output=/data/exp/almanac-shards/sweep/logs/shard-%a-of-8.out",
    ] {
      #expect(lines.contains(expected), "missing \(expected)")
    }
    #expect(s.arrayScript.contains("exec '/opt/almanac/bin/almanac' run '/data/exp/sweep.yaml'"))
    #expect(s.arrayScript.contains("--shard \"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\""))
    #expect(s.arrayScript.contains("--jobs \"${SLURM_CPUS_PER_TASK:-1}\""))
    #expect(s.arrayScript.contains("--shard-dir '/data/exp/almanac-shards/sweep'"))
    // #SBATCH lines must come before the first command, or sbatch ignores them.
    let firstCommand = try #require(lines.firstIndex { !$0.hasPrefix("#") })
    #expect(lines[firstCommand...].allSatisfy { !$0.hasPrefix("#SBATCH") })
  }

  @Test("the merge job depends on the array (afterany), merges the shard folder and writes the report")
  func mergeScript() throws {
    let s = try submission()
    #expect(s.mergeSubmitArguments(arrayJobID: "123") == [
      "--parsable", "--dependency=afterany:123", "/data/exp/almanac-shards/sweep/merge.sbatch",
    ])
    #expect(s.arraySubmitArguments == ["--parsable", "/data/exp/almanac-shards/sweep/array.sbatch"])
    #expect(s.mergeScript.contains(
      "'/opt/almanac/bin/almanac' merge --into '/data/exp/almanac.db' '/data/exp/almanac-shards/sweep'"))
    #expect(s.mergeScript.contains(
      "report 'sweep' --db '/data/exp/almanac.db' --out '/data/exp/reports/sweep'"))
    #expect(!s.mergeScript.contains("--array"))
    #expect(SlurmSubmission.parseJobID("4242\n") == "4242")
    #expect(SlurmSubmission.parseJobID("4242;cluster-a\n") == "4242")
    #expect(SlurmSubmission.parseJobID("sbatch: error: invalid partition") == nil)
    #expect(SlurmSubmission.parseJobID("") == nil)
    #expect(SlurmSubmission.quote("it's") == "'it'\\''s'")
  }

  @Test("every setting is bounded; more tasks than trials is reduced to one trial per task")
  func bounds() throws {
    #expect(try submission({ $0.tasks = 50 }, trials: 7).options.tasks == 7)
    let bad: [(inout SlurmSubmission.Options) -> Void] = [
      { $0.tasks = 0 }, { $0.tasks = SlurmSubmission.maxTasks + 1 }, { $0.cpusPerTask = 0 },
      { $0.cpusPerTask = SlurmSubmission.maxCPUs + 1 }, { $0.partition = "a b" }, { $0.account = "x;rm" },
      { $0.time = "1 hour" }, { $0.extraSbatch = ["mem=4G"] }, { $0.extraSbatch = ["--mem=4G\nrm -rf /"] },
      { $0.extraSbatch = ["--array=0-3"] }, { $0.extraSbatch = Array(repeating: "--x", count: 65) },
    ]
    for configure in bad {
      #expect(throws: ShardError.self) { try submission(configure) }
    }
  }
}
