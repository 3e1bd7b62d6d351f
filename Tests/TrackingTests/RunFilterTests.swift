import Foundation
import GRDB
import Testing
import _TestSupport

@testable import Tracking

@Suite("RunFilter (--where) and run listings")
struct RunFilterTests {
  /// Six runs: f1 = 0.1 ... 0.6 (run 3 has NaN f1), features alternating 3d/7d, lr 1e-4 / 1e-3,
  /// run 4 FAILED, a tag on run 5, and a param holding an injection-looking string on run 0.
  static func populated() throws -> (TrackingStore, Int64) {
    let store = try StoreFixture.makeStore("filter")
    let id = try store.upsertExperiment(ExperimentDefinition(name: "f", task: "test"))
    let trials = (0..<6).map { i in
      TrialClaim(
        key: "k\(i)", index: i, seed: UInt64(i),
        params: [
          "features": i % 2 == 0 ? "3d" : "7d", "model.lr": i < 3 ? "0.0001" : "0.001",
          "x": i == 0 ? "a' OR '1'='1" : "plain",
        ])
    }
    let claimed = try store.claim(experimentID: id, trials: trials, owner: .current()).claimed
    try store.record(
      claimed.map { run in
        let i = run.index
        if i == 4 { return RunResult(runID: run.runID, status: .failed, error: "diverged") }
        return RunResult(
          runID: run.runID, status: .finished,
          metrics: ["f1": i == 3 ? .nan : Double(i + 1) / 10, "recall": 0.5 - Double(i) / 10],
          tags: i == 5 ? ["note": "best \"one\""] : [:])
      })
    return (store, id)
  }

  func keys(_ store: TrackingStore, _ id: Int64, _ expression: String, sort: String? = nil, limit: Int? = nil) throws
    -> [String]
  {
    let query = RunQuery(filter: try RunFilter(expression), sort: try sort.map(RunSort.init), limit: limit)
    return try store.runs(experimentID: id, query: query).map(\.trialKey)
  }

  @Test(
    "comparisons, boolean operators and precedence select the expected runs",
    arguments: [
      ("f1 > 0.3", ["k5"]),
      ("metrics.f1 >= 0.2 and metrics.f1 <= 0.3", ["k1", "k2"]),
      ("params.features = \"7d\"", ["k1", "k3", "k5"]),
      ("params.features = '3d' and not status = 'failed'", ["k0", "k2"]),
      ("status = \"FAILED\"", ["k4"]),
      ("status != \"FAILED\"", ["k0", "k1", "k2", "k3", "k5"]),
      ("f1 < 0.15 or f1 > 0.55", ["k0", "k5"]),
      ("f1 > 0.1 and (params.features = \"3d\" or recall < 0.05)", ["k2", "k5"]),
      ("not (f1 > 0.2)", ["k0", "k1"]),
      ("params.model.lr > 0.0005", ["k3", "k4", "k5"]),
      ("params.features > 5", []),
      ("f1 = null", ["k3", "k4"]),
      ("f1 != null and recall >= 0.3", ["k0", "k1", "k2"]),
      ("tags.note = 'best \"one\"'", ["k5"]),
      ("tags.note != \"x\"", ["k5"]),
      ("trial_index >= 4", ["k4", "k5"]),
      ("key = \"k2\" OR index = 0", ["k0", "k2"]),
      ("error = \"diverged\"", ["k4"]),
      ("seed = 3", ["k3"]),
      ("duration >= 0 and run_id > 0 and start_time > 0", ["k0", "k1", "k2", "k3", "k4", "k5"]),
      ("metrics.`f1` > 0.5", ["k5"]),
      ("params.`model.lr` = \"0.001\"", ["k3", "k4", "k5"]),
      ("recall > -0.05 and recall < 1e-1", ["k5"]),
      ("recall >= -5E-2 and recall < 2.5e-1", ["k3", "k5"]),
    ] as [(String, [String])])
  func selects(expression: String, expected: [String]) throws {
    let (store, id) = try Self.populated()
    #expect(try keys(store, id, expression) == expected)
  }

  @Test("trial keys restrict the runs before the sort and the limit; odd keys match literally")
  func trialKeys() throws {
    let (store, id) = try Self.populated()
    // The best two by f1 overall are k5 and k2; restricted to {k0, k1, k2} they are k2 and k1.
    let query = RunQuery(sort: try RunSort("-f1"), limit: 2, trialKeys: ["k0", "k1", "k2"])
    #expect(try store.runs(experimentID: id, query: query).map(\.trialKey) == ["k2", "k1"])
    #expect(try store.runs(experimentID: id, query: RunQuery(trialKeys: [])).isEmpty)
    let hostile: Set<String> = ["k0\" OR 1=1 --", "k1'); DROP TABLE runs; --", "[\"k2\"]"]
    #expect(try store.runs(experimentID: id, query: RunQuery(trialKeys: hostile)).isEmpty)
    #expect(try store.runs(experimentID: id).count == 6)
  }

  @Test("sorting: -f1 is descending, missing values last; limit applies after the sort")
  func sorting() throws {
    let (store, id) = try Self.populated()
    let all = try store.runs(experimentID: id, query: RunQuery(sort: try RunSort("-f1")))
    #expect(all.map(\.trialKey) == ["k5", "k2", "k1", "k0", "k3", "k4"])
    #expect(try keys(store, id, "f1 != null", sort: "f1") == ["k0", "k1", "k2", "k5"])
    #expect(try keys(store, id, "status = 'finished'", sort: "-recall", limit: 2) == ["k0", "k1"])
    #expect(try keys(store, id, "f1 > 0", sort: "params.features", limit: 10) == ["k0", "k2", "k1", "k5"])
    #expect(all.first?.params["features"] == "7d")
    #expect(all.first?.metrics["f1"] == 0.6)
    #expect(all.first { $0.trialKey == "k3" }?.metrics["f1"]?.isNaN == true)
    #expect(try keys(store, id, "f1 != null", sort: "f1 DESC") == ["k5", "k2", "k1", "k0"])
    #expect(try keys(store, id, "f1 != null", sort: "+`f1`") == ["k0", "k1", "k2", "k5"])
    #expect(try keys(store, id, "f1 != null", sort: "metrics.f1 asc") == ["k0", "k1", "k2", "k5"])
    let sort = try RunSort("params.model.lr desc")
    #expect(sort.field == "params.model.lr" && sort.descending)
    for (bad, column) in [("-f1 desc", 5), ("f1 upward", 4), ("f1 >", 4), ("", 1)] {
      #expect(throws: RunFilterError.self) { try RunSort(bad) }
      do {
        _ = try RunSort(bad)
      } catch let error as RunFilterError {
        #expect(error.column == column && error.description.hasPrefix("--sort:1:\(column): error: "), "\(error)")
      }
    }
  }

  @Test(
    "syntax errors name the column of the bad token",
    arguments: [
      ("f1 > 0; DROP TABLE runs", 7),
      ("f1 >", 5),
      ("f1 0.3", 4),
      ("(f1 > 0.3", 10),
      ("f1 > 0.3 and", 13),
      ("params.x = \"unterminated", 12),
      ("f1 = \"abc\"", 6),
      ("bogus.namespace.x = 1", 1),
      ("f1 ! 3", 4),
      ("params.x' = 1", 9),
      ("f1 > 0.3 f1", 10),
      ("attributes.nope = 1", 1),
      ("f1 > 1x", 7),
      ("", 1),
      ("f1 > 0 -- comment", 8),
    ] as [(String, Int)])
  func errors(expression: String, column: Int) throws {
    do {
      _ = try RunFilter(expression)
      if expression == "bogus.namespace.x = 1" { return }  // a dotted bare name is a metric key: valid
      Issue.record("expected an error for \(expression)")
    } catch let error as RunFilterError {
      #expect(error.column == column, "\(error)")
      #expect(error.description.hasPrefix("--where:1:\(column): error: "))
      #expect(error.description.hasSuffix(String(repeating: " ", count: column - 1) + "^"))
    }
  }

  @Test("injection attempts match literally or fail, and never change the database")
  func injection() throws {
    let (store, id) = try Self.populated()
    let before = try store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") }
    #expect(throws: RunFilterError.self) { try RunFilter("f1 > 0; DROP TABLE runs") }
    #expect(throws: RunFilterError.self) { try RunFilter("f1 > 0 OR 1=1") }
    // A value with quotes is bound: it matches only the run whose param is exactly that text.
    #expect(try keys(store, id, "params.x = \"a' OR '1'='1\"") == ["k0"])
    // SQL-style doubled quotes are not string syntax here: two adjacent strings are a syntax error.
    #expect(throws: RunFilterError.self) { try RunFilter("params.x = 'a'' OR ''1''=''1'") }
    // Back-quoted names may hold any character; they are bound as keys, never spliced.
    #expect(try keys(store, id, "params.`x' OR 1=1 --` = \"plain\"") == [])
    #expect(try keys(store, id, "`f1\"); DROP TABLE runs; --` > 0") == [])
    let filter = try RunFilter("params.x = \"a' OR '1'='1\" and `evil'name` > 1")
    #expect(!filter.sql.contains("OR '1'") && !filter.sql.contains("evil"))
    #expect(filter.arguments.contains(.text("a' OR '1'='1")) && filter.arguments.contains(.text("evil'name")))
    let after = try store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") }
    #expect(before == after)
    #expect(try store.runs(experimentID: id).count == 6)
    #expect(try store.integrityCheck() == ["ok"])
  }
}
