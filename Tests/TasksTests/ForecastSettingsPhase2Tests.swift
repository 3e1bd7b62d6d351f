import AlmanacCore
import Datasets
import Experiments
import Forecasting
import Foundation
@testable import Tasks
import Testing
import _TestSupport

/// Issue 12, phase 2 wiring of the `forecast` task: seasonal orders and stepwise search as settings, defaults of
/// `data.missing` and `data.positive_only` by transform, what loading dropped as metrics, `holdout: 0` with forecast
/// times. The numerics (fits, searches) are checked against R in ForecastingTests; these tests check that the task
/// hands the settings to them and records what they return.
@Suite struct ForecastSettingsPhase2Tests {
  typealias T = ForecastTaskTests

  /// A series with a weekly cycle and an AR(1) disturbance (seeded), strictly positive.
  static func weekly(_ n: Int) -> [Double] {
    var rng = SplitMix64(seed: 42)
    var e = 0.0
    return (0..<n).map { t in
      e = 0.6 * e + 0.01 * (rng.nextUnit() - 0.5)
      return 0.05 + 0.01 * sin(2 * Double.pi * Double(t) / 7) + e
    }
  }

  static func series(_ outcome: TrialOutcome, _ key: String) -> [Double] {
    outcome.series.filter { $0.key == key }.sorted { $0.step < $1.step }.map(\.value)
  }

  final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var all: [String] { lock.withLock { stored } }
  }

  // MARK: Settings

  @Test func missingAndPositiveOnlyDefaultByTransform() throws {
    let base = URL(fileURLWithPath: "/tmp")
    let none = try ForecastSettings(T.settings(["transform": "none"]), baseDirectory: base)
    #expect(none.request.options.missing == .keep && none.request.options.positiveOnly == false)
    let log = try ForecastSettings(T.settings(["transform": "log"]), baseDirectory: base)
    #expect(log.request.options.missing == .drop && log.request.options.positiveOnly == true)
    // Written values win over the rule.
    let written = try ForecastSettings(T.settings(["transform": "none", "data.missing": "interpolate",
                                                   "data.positive_only": true, "data.duplicates": "mean"]),
                                       baseDirectory: base)
    #expect(written.request.options.missing == .interpolate && written.request.options.positiveOnly)
    #expect(written.request.options.duplicates == .mean)
    #expect(none.request.options.duplicates == .error)
    // The omitted settings stay out of the resolved settings (the rule, not a stored default, decides).
    #expect(T.settings()[path: "data.missing"] == nil && T.settings()[path: "data.positive_only"] == nil)
  }

  @Test func seasonalOrderAndSearchAreRead() throws {
    let s = try ForecastSettings(T.settings(["p": 0, "d": 1, "q": 1, "P": 0, "D": 1, "Q": 1, "period": 12,
                                             "search": "stepwise"]), baseDirectory: URL(fileURLWithPath: "/tmp"))
    #expect(s.order == ARIMAOrder(p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, period: 12))
    #expect(s.search == .stepwise)
    #expect(try ForecastSettings(T.settings(), baseDirectory: URL(fileURLWithPath: "/tmp")).search == .grid)
  }

  @Test func crossFieldRulesAreChecked() {
    let task = ForecastTask()
    #expect(task.check(settings: T.settings()).isEmpty)
    #expect(task.check(settings: T.settings(["P": 1, "period": 12])).isEmpty)
    #expect(task.check(settings: T.settings(["P": 1])).map(\.path) == ["P"], "seasonal order with period 1")
    #expect(task.check(settings: T.settings(["D": 1])).map(\.path) == ["D"])
    // max(p + period P, ...) = 20 + 12 * 5 > 60.
    #expect(task.check(settings: T.settings(["p": 20, "P": 5, "period": 12])).map(\.path) == ["period"])
    #expect(task.check(settings: T.settings(["holdout": 0])).map(\.path) == ["horizon"])
    #expect(task.check(settings: T.settings(["holdout": 0, "horizon": 10])).isEmpty)
    #expect(task.check(settings: T.settings(["holdout": 0, "horizon": 10, "evaluation": "rolling"])).map(\.path)
      == ["evaluation"])
    // Out-of-bounds values are refused by the schema before any check.
    #expect(task.check(settings: T.settings(["period": 0])).count == 1)
  }

  // MARK: Trials

  @Test func seasonalTrialFitsTheSeasonalOrder() throws {
    let values = Self.weekly(300)
    let task = ForecastTask(loader: { _ in values })
    let s = T.settings(["transform": "none", "p": 1, "d": 0, "q": 0, "P": 1, "D": 0, "Q": 0, "period": 7,
                        "holdout": 14])
    let outcome = try task.run(T.trial(s), context: T.context)
    #expect(outcome.tags["order"] == "(1,0,0)(1,0,0)[7]")
    #expect(outcome.metrics["coef.sar1"] != nil && outcome.metrics["coef.ar1"] != nil)
    let direct = try ARIMA.fit(Array(values.dropLast(14)), order: ARIMAOrder(p: 1, d: 0, q: 0, P: 1, period: 7))
    // The same call on the same data: equal to rounding.
    #expect(abs(try #require(outcome.metrics["loglik"]) - direct.loglik) < 1e-9)
    // Residual ACF over the residuals after the first d + D period (here none), as R's acf of residuals.
    let acf = ForecastMetrics.acf(direct.residuals, maxLag: 20)
    for (a, b) in zip(Self.series(outcome, "residual_acf"), acf) { #expect(abs(a - b) < 1e-9) }
  }

  @Test func residualACFSkipsDifferencedAndMissingResiduals() throws {
    var series = Self.weekly(300)
    series[50] = .nan
    series[51] = .nan
    let values = series
    let task = ForecastTask(loader: { _ in values })
    let s = T.settings(["transform": "none", "p": 1, "d": 1, "q": 0, "P": 0, "D": 1, "Q": 1, "period": 7,
                        "holdout": 14])
    let outcome = try task.run(T.trial(s), context: T.context)
    let acf = Self.series(outcome, "residual_acf")
    #expect(acf.count == 20 && acf.allSatisfy(\.isFinite))
    let direct = try ARIMA.fit(Array(values.dropLast(14)), order: ARIMAOrder(p: 1, d: 1, q: 0, D: 1, Q: 1, period: 7))
    let expected = ForecastMetrics.acf(Array(direct.residuals.dropFirst(8).filter { !$0.isNaN }), maxLag: 20)
    for (a, b) in zip(acf, expected) { #expect(abs(a - b) < 1e-9) }
  }

  @Test func stepwiseSearchRecordsTheChosenOrderAndPath() throws {
    let values = Self.weekly(200)
    let task = ForecastTask(loader: { _ in values })
    let lines = Lines()
    let context = TrialContext(baseDirectory: T.context.baseDirectory, artifactDirectory: T.context.artifactDirectory,
                               log: { lines.append($0) })
    let outcome = try task.run(T.trial(T.settings(["transform": "none", "search": "stepwise", "holdout": 20])),
                               context: context)
    let search = try AutoARIMA.search(Array(values.dropLast(20)))
    #expect(outcome.tags["order"] == search.order.description)
    #expect(outcome.tags["search"] == "stepwise")
    #expect(outcome.tags["constant"] == (search.constant ? "true" : "false"))
    #expect(outcome.metrics["models_fitted"] == Double(search.path.count))
    #expect(abs(try #require(outcome.metrics["aicc"]) - search.fit.aicc) < 1e-9)
    #expect(lines.all.contains { $0.hasPrefix("stepwise search (\(search.path.count) models)") })
    #expect(lines.all.contains { $0.contains("chosen ARIMA\(search.order)") })
  }

  @Test func missingHeldOutPointsAreLeftOutOfTheScores() throws {
    var series = Self.weekly(200)
    series[100] = .nan
    series[195] = .nan
    let values = series
    let task = ForecastTask(loader: { _ in values })
    let s = T.settings(["transform": "none", "p": 1, "d": 0, "q": 0, "holdout": 10])
    let outcome = try task.run(T.trial(s), context: T.context)
    let f = Self.series(outcome, "forecast"), a = Self.series(outcome, "actual")
    let pairs = zip(f, a).filter { !$0.1.isNaN }
    #expect(pairs.count == 9)
    let rmse = (pairs.map { ($0.0 - $0.1) * ($0.0 - $0.1) }.reduce(0, +) / 9).squareRoot()
    #expect(abs(try #require(outcome.metrics["rmse"]) - rmse) < 1e-12)
    let direct = try ARIMA.fit(Array(values.dropLast(10)), order: ARIMAOrder(p: 1, d: 0, q: 0))
    #expect(direct.missingCount == 1)
    #expect(abs(try #require(outcome.metrics["loglik"]) - direct.loglik) < 1e-9)
  }

  /// A CSV with NA, empty cells, zeros and a repeated time: what each setting keeps is counted in the metrics.
  @Test func loadingCountsAreMetrics() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-phase2-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var rows = ["t,v"]
    let values = Self.weekly(120)
    for (i, v) in values.enumerated() {
      let cell = i == 10 ? "NA" : i == 20 ? "" : i == 30 || i == 31 ? "0" : "\(v)"
      rows.append("\(i * 3600),\(cell)")
    }
    rows.append("\(119 * 3600),\(values[119] + 0.001)")  // the last time again
    try (rows.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("r.csv"), atomically: true,
                                                    encoding: .utf8)
    let base: [String: Value] = ["data.file": "r.csv", "data.time": "t", "data.value": "v", "data.last": 0,
                                 "data.duplicates": "last", "p": 1, "d": 0, "q": 0, "holdout": 5]
    let context = TrialContext(baseDirectory: dir, artifactDirectory: dir)
    func run(_ extra: [String: Value]) throws -> TrialOutcome {
      try ForecastTask().run(T.trial(T.settings(base.merging(extra) { $1 })), context: context)
    }
    // transform none: gaps kept, zeros kept.
    let none = try run(["transform": "none"])
    #expect(none.metrics["points_missing"] == 2 && none.metrics["points_dropped"] == 0)
    #expect(none.metrics["points_merged"] == 1)
    // transform log: zeros and missing values dropped, and counted.
    let log = try run(["transform": "log"])
    #expect(log.metrics["points_dropped"] == 4 && log.metrics["points_missing"] == 0)
    let interpolated = try run(["transform": "none", "data.missing": "interpolate"])
    #expect(interpolated.metrics["points_interpolated"] == 2)
    // The kept duplicate is the last row.
    #expect(Self.series(none, "actual").last == values[119] + 0.001)
  }

  @Test func holdoutZeroForecastsBeyondTheEndWithTimes() throws {
    let s = T.settings(["data.source": "synthetic", "data.last": 300, "holdout": 0, "horizon": 12, "p": 1, "d": 1,
                        "q": 0])
    let outcome = try ForecastTask().run(T.trial(s), context: T.context)
    #expect(Self.series(outcome, "forecast").count == 12 && Self.series(outcome, "actual").isEmpty)
    #expect(outcome.metrics["rmse"] == nil, "nothing held out, nothing scored")
    let loaded = try ForecastTask.loadSeries(try SeriesRequest(settings: s, baseDirectory: T.context.baseDirectory))
    let last = try #require(loaded.series.times.last)
    #expect(Self.series(outcome, "forecast_time") == (1...12).map { last + Double($0) * 86_400 })
    let history = Self.series(outcome, "history"), historyTime = Self.series(outcome, "history_time")
    #expect(history.count == ForecastTask.historyPoints && historyTime.last == last)
    #expect(history.last == loaded.series.values.last)
    // The fit used every point.
    let direct = try ARIMA.fit(try SeriesTransform.log.apply(loaded.series.values), order: ARIMAOrder(p: 1, d: 1, q: 0))
    #expect(abs(try #require(outcome.metrics["loglik"]) - direct.loglik) < 1e-9)
  }

  @Test func forecastTimesFollowTheHoldoutThenContinueTheSpacing() {
    let series = RateSeries(times: [0, 10, 20, 40, 50], values: [1, 2, 3, 4, 5])
    #expect(ForecastTask.forecastTimes(series, trainCount: 3, steps: 4) == [40, 50, 60, 70])
    #expect(ForecastTask.forecastTimes(series, trainCount: 5, steps: 2) == [60, 70])
    #expect(ForecastTask.forecastTimes(series, trainCount: 3, steps: 1) == [40])
    let single = ForecastTask.forecastTimes(RateSeries(times: [5], values: [1]), trainCount: 1, steps: 2)
    #expect(single.count == 2 && single.allSatisfy(\.isNaN), "no spacing: unknown times")
  }
}
