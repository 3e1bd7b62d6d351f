import Foundation
import Testing
import _TestSupport

/// The store through the real binary: exit codes chosen by the kind of failure, read-only commands that write
/// nothing, a store written by a newer Almanac, and what `doctor` says.
@Suite(.serialized) struct StoreEndToEndTests {
  static let experiment = "name: e2e-store\ntask: _sleep\nms: 1\nsweep:\n  x: [1, 2, 3]\n"

  func prepare(_ label: String) throws -> URL {
    let dir = try TestSupport.temporaryDirectory(label)
    try Self.experiment.write(to: dir.appendingPathComponent("e.yaml"), atomically: true, encoding: .utf8)
    return dir
  }

  @Test func aStoreThatCannotBeOpenedIsAnEnvironmentFailureNamingThePath() throws {
    let dir = try prepare("e2e-store-dir")
    try FileManager.default.createDirectory(
      at: dir.appendingPathComponent("folder.db"), withIntermediateDirectories: true)
    let result = try AlmanacProcess.run(["run", "e.yaml", "--db", "folder.db", "--no-report"], in: dir)
    #expect(result.status == 3, "\(result.stderr)")
    #expect(result.stderr.contains("folder.db") && result.stderr.contains("is a directory"), "\(result.stderr)")
    #expect(!result.stderr.contains("SQLite error"), "\(result.stderr)")
    #expect(result.stderr.components(separatedBy: "error:").count == 2, "one prefix: \(result.stderr)")
  }

  @Test func reportOutPointingAtAFileIsBadInputWithAPlainMessage() throws {
    let dir = try prepare("e2e-store-out")
    #expect(try AlmanacProcess.run(["run", "e.yaml", "--no-report"], in: dir).status == 0)
    let result = try AlmanacProcess.run(["report", "e.yaml", "--out", "e.yaml"], in: dir)
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderr.contains("is a file") && !result.stderr.contains("NSCocoaErrorDomain"), "\(result.stderr)")
  }

  @Test func readOnlyCommandsWriteNothing() throws {
    let dir = try prepare("e2e-store-ro")
    #expect(try AlmanacProcess.run(["run", "e.yaml", "--no-report"], in: dir).status == 0)
    let db = dir.appendingPathComponent("almanac.db")
    let before = try Data(contentsOf: db)
    for args in [["runs", "e.yaml"], ["show", "1", "--db", "almanac.db"], ["compare", "1", "2", "--db", "almanac.db"],
                 ["doctor", "--db", "almanac.db"], ["runs", "e2e-store", "--db", "almanac.db", "--aggregate"]]
    {
      let result = try AlmanacProcess.run(args, in: dir)
      #expect(result.status == 0, "\(args): \(result.stderr)")
    }
    #expect(try Data(contentsOf: db) == before)
  }

  @Test func aStoreFromANewerAlmanacIsReadButNotWritten() throws {
    let dir = try prepare("e2e-store-newer")
    #expect(try AlmanacProcess.run(["run", "e.yaml", "--no-report"], in: dir).status == 0)
    // Another program (Python's sqlite3) plays the newer Almanac.
    let sqlite = Process()
    sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    sqlite.arguments = [
      "python3", "-c",
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        + "c.execute(\"INSERT INTO grdb_migrations VALUES ('v99: future')\"); "
        + "c.execute(\"UPDATE store_meta SET value = '9.0.0'\"); c.commit()",
      dir.appendingPathComponent("almanac.db").path,
    ]
    try sqlite.run()
    sqlite.waitUntilExit()
    #expect(sqlite.terminationStatus == 0)
    let run = try AlmanacProcess.run(["run", "e.yaml", "--no-report", "--rerun"], in: dir)
    #expect(run.status == 3, "\(run.stderr)")
    #expect(run.stderr.contains("Almanac 9.0.0") && run.stderr.contains("v99: future"), "\(run.stderr)")
    let list = try AlmanacProcess.run(["runs", "e.yaml"], in: dir)
    #expect(list.status == 0 && list.stdout.contains("3 runs"), "\(list.stderr)")
    let doctor = try AlmanacProcess.run(["doctor", "--db", "almanac.db"], in: dir)
    #expect(doctor.status == 0 && doctor.stdout.contains("unknown migrations") && doctor.stdout.contains("v99"),
            "\(doctor.stdout)")
  }

  @Test func doctorReportsTheSchemaVersion() throws {
    let dir = try prepare("e2e-store-doctor")
    #expect(try AlmanacProcess.run(["run", "e.yaml", "--no-report"], in: dir).status == 0)
    let doctor = try AlmanacProcess.run(["doctor", "--db", "almanac.db"], in: dir)
    #expect(doctor.status == 0)
    #expect(doctor.stdout.contains("schema version: 2") && doctor.stdout.contains("integrity_check: ok"),
            "\(doctor.stdout)")
    #expect(doctor.stdout.contains("experiment e2e-store (_sleep): 0 running, 3 finished"), "\(doctor.stdout)")
  }

  @Test func unknownNamesAreBadInput() throws {
    let dir = try prepare("e2e-store-names")
    #expect(try AlmanacProcess.run(["run", "e.yaml", "--no-report"], in: dir).status == 0)
    let show = try AlmanacProcess.run(["show", "999", "--db", "almanac.db"], in: dir)
    #expect(show.status == 2 && show.stderr.contains("no run with id 999"), "\(show.stderr)")
    let report = try AlmanacProcess.run(["report", "nope", "--db", "almanac.db"], in: dir)
    #expect(report.status == 2 && report.stderr.contains("e2e-store"), "\(report.stderr)")
  }
}
