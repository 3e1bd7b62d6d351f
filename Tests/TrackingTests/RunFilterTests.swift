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

@Suite("RunFilter limits: nesting, many terms, long and hostile input")
struct RunFilterLimitTests {
  func keys(_ store: TrackingStore, _ id: Int64, _ expression: String) throws -> [String] {
    try store.runs(experimentID: id, query: RunQuery(filter: try RunFilter(expression))).map(\.trialKey)
  }

  func error(_ expression: String) -> RunFilterError? {
    do {
      _ = try RunFilter(expression)
      return nil
    } catch let error as RunFilterError {
      return error
    } catch {
      Issue.record("unexpected error \(error)")
      return nil
    }
  }

  @Test("deep nesting is refused with a located error, not a stack overflow")
  func deepNesting() throws {
    let parens = String(repeating: "(", count: 30_000) + "f1 > 0" + String(repeating: ")", count: 30_000)
    let tooDeep = RunFilter.maximumDepth + 1
    let e1 = try #require(error(parens))
    #expect(e1.column == tooDeep, "\(e1)")
    #expect(e1.message.contains("nested more than \(RunFilter.maximumDepth)"), "\(e1)")
    let nots = String(repeating: "not (", count: 20_000)
    let e2 = try #require(error(nots))
    // Openings alternate 'not' (columns 1, 6, 11, ...) and '(' (5, 10, 15, ...); the one past the limit is refused.
    let opening = RunFilter.maximumDepth
    #expect(e2.column == (opening % 2 == 0 ? 5 * (opening / 2) + 1 : 5 * (opening / 2) + 5), "\(e2)")
    #expect(e2.message.contains("nested more than \(RunFilter.maximumDepth)"), "\(e2)")
    let bareNots = String(repeating: "not ", count: 20_000) + "f1 > 0"
    #expect(error(bareNots)?.message.contains("nested") == true)
    // The error quotes a window of the expression around the column, not 60,000 characters.
    #expect(e1.description.count < 400, "\(e1.description.count) characters")
  }

  @Test("the deepest allowed nesting runs in SQLite", arguments: ["(", "not (", "f1 > 0 and (", "f1 < 0 or ("])
  func deepestAllowedRuns(opening: String) throws {
    let (store, id) = try RunFilterTests.populated()
    let depthPerOpening = opening.hasPrefix("not (") ? 2 : 1
    let count = RunFilter.maximumDepth / depthPerOpening
    let expression = String(repeating: opening, count: count) + "f1 > 0.45" + String(repeating: ")", count: count)
    let expected = opening.hasPrefix("not (") && count % 2 == 1 ? ["k0", "k1", "k2"] : ["k5"]
    #expect(try keys(store, id, expression) == expected)
  }

  @Test("thousands of 'or' and 'and' terms compile to flat SQL that SQLite accepts", arguments: [100, 5_000])
  func manyTerms(count: Int) throws {
    let (store, id) = try RunFilterTests.populated()
    let ors = (0..<count).map { "f1 = \(Double($0) / 1000)" }.joined(separator: " or ")
    // f1 = 0.000, 0.001, ...: the runs with f1 0.1, 0.2, 0.3 and 0.6 match once the terms reach 0.6.
    #expect(try keys(store, id, ors) == (count > 600 ? ["k0", "k1", "k2", "k5"] : []))
    let ands = (0..<min(count, 500)).map { _ in "f1 > 0.15" }.joined(separator: " and ")
    #expect(try keys(store, id, ands) == ["k1", "k2", "k5"])
    let mixed = (0..<min(count, 500)).map { "(params.features = '3d' or f1 > \(Double($0 % 7) + 0.5)) and recall < 0.45" }
      .joined(separator: " or ")
    #expect(try keys(store, id, mixed) == ["k2", "k5"])
    let filter = try RunFilter(ors)
    var depth = 0
    var maxDepth = 0
    for c in filter.sql {
      if c == "(" { depth += 1; maxDepth = max(maxDepth, depth) } else if c == ")" { depth -= 1 }
    }
    #expect(maxDepth <= 12, "SQL nesting \(maxDepth)")
  }

  @Test("more comparisons than the bound, or a longer expression, is refused with a position")
  func bounds() throws {
    // The most comparisons allowed, on metrics (two bound values each): within SQLite's 32,766 variables.
    let most = (0..<RunFilter.maximumComparisons).map { "f\($0 % 10)=1" }.joined(separator: " or ")
    #expect(try RunFilter(most).arguments.count == 2 * RunFilter.maximumComparisons)
    let many = (0...RunFilter.maximumComparisons).map { _ in "f1>0" }.joined(separator: " or ")
    let e = try #require(error(many))
    #expect(e.message.contains("at most \(RunFilter.maximumComparisons) comparisons"), "\(e.message)")
    #expect(e.column == RunFilter.maximumComparisons * 8 + 1, "\(e.column)")
    #expect(throws: RunFilterError.self) { try RunSort(String(repeating: "f", count: RunFilter.maximumLength + 1)) }
    let long = "params.x = \"" + String(repeating: "y", count: RunFilter.maximumLength) + "\""
    let e2 = try #require(error(long))
    #expect(e2.column == RunFilter.maximumLength + 1 && e2.message.contains("longer than"), "\(e2.message)")
  }

  @Test("control characters and long tokens are escaped and shortened in messages; the caret stays under the column")
  func hostileText() throws {
    let e = try #require(error("f1 > 0 and\t\u{1B}[31m = 1"))
    #expect(e.column == 12)
    #expect(!e.description.contains("\u{1B}"), "\(e.description)")
    #expect(e.description.contains("\\u{1B}"))
    let lines = e.description.split(separator: "\n", omittingEmptySubsequences: false)
    try #require(lines.count == 3)
    let caret = try #require(lines[2].firstIndex(of: "^"))
    let shown = Array(lines[1])
    let at = lines[2].distance(from: lines[2].startIndex, to: caret)
    #expect(shown[at] == "\\", "caret under the escaped character: \(e.description)")
    let longString = "\"" + String(repeating: "z", count: 5_000) + "\" > 1"
    let e2 = try #require(error(longString))
    #expect(e2.message.count < 200, "\(e2.message)")
    // A caret far to the right still points at the offending token inside the shown window.
    let far = String(repeating: "f1 > 0 and ", count: 300) + "f1 >> 1"
    let e3 = try #require(error(far))
    let farLines = e3.description.split(separator: "\n", omittingEmptySubsequences: false)
    try #require(farLines.count == 3)
    let shownFar = Array(farLines[1])
    let caretFar = try #require(farLines[2].firstIndex(of: "^"))
    let atFar = farLines[2].distance(from: farLines[2].startIndex, to: caretFar)
    #expect(shownFar.count < 200 && shownFar[atFar] == ">", "\(e3.description)")
    #expect(e3.description.hasPrefix("--where:1:\(e3.column): error: "))
  }
}

@Suite("Fuzz: mutated --where expressions")
struct RunFilterFuzzTests {
  static let corpus = [
    "f1 > 0.3 and (params.features = \"3d\" or recall < 0.05)",
    "not (status = 'failed') and tags.note != null or `f1` >= 1e-3",
    "params.`model.lr` = \"0.001\" and trial_index >= 2 and seed = 3",
  ]

  /// Compiles or gives a located error (column within the expression, no raw control character); whatever compiles
  /// runs in SQLite without error.
  @Test(.timeLimit(.minutes(2)))
  func mutatedExpressionsCompileAndRunOrGiveLocatedErrors() throws {
    let (store, id) = try RunFilterTests.populated()
    var mutator = TextMutator(seed: 7)
    var compiled = 0
    for case_ in 0..<300 {
      let expression = mutator.mutate(Self.corpus[case_ % Self.corpus.count], maxEdits: 3)
      do {
        let filter = try RunFilter(expression)
        _ = try store.runs(experimentID: id, query: RunQuery(filter: filter))
        compiled += 1
      } catch let error as RunFilterError {
        #expect(error.column >= 1 && error.column <= expression.count + 1, "case \(case_): \(error)")
        let raw = error.description.unicodeScalars.first {
          ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F || $0 == "\u{85}" || $0 == "\u{2028}"
        }
        #expect(raw == nil, "case \(case_): raw U+\(String(raw?.value ?? 0, radix: 16)) in \(error.description)")
        #expect(error.description.split(separator: "\n").count == 3, "case \(case_): \(error.description)")
      } catch {
        Issue.record("case \(case_): \(type(of: error)) for \(expression): \(error)")
      }
    }
    #expect(compiled > 10, "\(compiled) of 300 compiled")
  }
}
