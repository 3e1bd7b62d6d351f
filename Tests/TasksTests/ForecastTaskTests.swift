import Experiments
import AlmanacCore
import Forecasting
import Foundation
@testable import Tasks
import Testing
import _TestSupport

/// The `forecast` task: its settings contract (docs/ARCHITECTURE.md), what a trial records, failures, caching.
@Suite struct ForecastTaskTests {
  /// Resolved settings as the spec parser would give them: every default of the schema, then `overrides`.
  static func settings(_ overrides: [String: Value] = [:]) -> Value {
    func defaults(_ fields: [Field]) -> Value {
      var out: [String: Value] = [:]
      for f in fields {
        if let d = f.defaultValue {
          out[f.name] = d
        } else if case .object(let inner) = f.schema {
          out[f.name] = defaults(inner)
        }
      }
      return .map(out)
    }
    var v = defaults(ForecastTask().settingsSchema)
    for (path, value) in overrides { v = v.setting(path, to: value) }
    return v
  }

  static func trial(_ settings: Value) -> Trial {
    Trial(index: 0, key: "test", settings: settings, axisValues: [], replicate: 0, seed: 0)
  }

  static var context: TrialContext {
    TrialContext(baseDirectory: TestSupport.repositoryRoot.appendingPathComponent("experiments"),
                 artifactDirectory: FileManager.default.temporaryDirectory)
  }

  @Test func schemaMatchesTheArchitectureDocument() {
    let task = ForecastTask()
    #expect(task.name == "forecast")
    #expect(task.settingsSchema.map(\.name) == [
      "data", "transform", "p", "d", "q", "P", "D", "Q", "period", "search", "method", "include_mean", "drift",
      "holdout", "horizon", "evaluation", "refit_every", "report",
    ])
    guard case .object(let data) = task.settingsSchema[0].schema else {
      Issue.record("data must be an object")
      return
    }
    #expect(data.map(\.name) == ["source", "file", "time", "value", "filter", "positive_only", "last", "resample",
                                 "missing", "duplicates", "synthetic"])
    let s = Self.settings()
    #expect(s[path: "data.source"] == "csv")
    #expect(s[path: "data.file"] == "../../shared/data/rates/usdc_hourly_2020_2022.csv")
    #expect(s[path: "data.last"] == 2000)
    #expect(s[path: "data.synthetic.token"] == "USDC")
    #expect(s[path: "transform"] == "log" && s[path: "method"] == "css-ml" && s[path: "holdout"] == 100)
    #expect(s[path: "horizon"] == nil, "horizon defaults to holdout")
    #expect(task.defaultMetric == "aic")
    for m in ["aic", "aicc", "bic", "rmse", "mae", "mape"] { #expect(task.metricGoals[m] == .minimize) }
    #expect(task.metricGoals["loglik"] == .maximize)
  }

  @Test func inputFilesResolveAgainstTheExperimentDirectory() throws {
    let base = URL(fileURLWithPath: "/tmp/exp/experiments")
    let files = try ForecastTask().inputFiles(settings: Self.settings(), baseDirectory: base)
    // ../../shared from /tmp/exp/experiments.
    #expect(files.map(\.path) == ["/tmp/shared/data/rates/usdc_hourly_2020_2022.csv"])
    #expect(try ForecastTask().inputFiles(settings: Self.settings(["data.source": "synthetic"]), baseDirectory: base)
      .isEmpty)
  }

  /// A trial on the synthetic market records every metric and series the architecture lists, and its numbers are
  /// consistent with each other and with a direct fit of the same data.
  @Test func syntheticTrialRecordsEverything() throws {
    let s = Self.settings(["data.source": "synthetic", "data.last": 400, "holdout": 30, "horizon": 40, "p": 1, "d": 1,
                           "q": 1])
    let task = ForecastTask()
    let outcome = try task.run(Self.trial(s), context: Self.context)
    for m in ["aic", "aicc", "bic", "loglik", "sigma2", "rmse", "mae", "mape", "converged", "iterations", "coef.ar1",
              "coef.ma1", "se.ar1", "se.ma1"]
    {
      #expect(outcome.metrics[m] != nil, "missing metric \(m)")
    }
    func series(_ key: String) -> [Double] { outcome.series.filter { $0.key == key }.sorted { $0.step < $1.step }.map(\.value) }
    #expect(series("forecast").count == 40 && series("upper95").count == 40 && series("actual").count == 30)
    #expect(series("residual_acf").count == 20)
    let f = series("forecast"), a = series("actual")
    let rmse = (zip(f.prefix(30), a).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 30).squareRoot()
    #expect(abs(try #require(outcome.metrics["rmse"]) - rmse) < 1e-12)
    for i in 0..<40 {
      #expect(series("lower95")[i] < series("lower80")[i] && series("lower80")[i] < f[i]
        && f[i] < series("upper80")[i] && series("upper80")[i] < series("upper95")[i])
    }
    // AIC = -2 loglik + 2 (k + 1) with k = 2 coefficients.
    let loglik = try #require(outcome.metrics["loglik"])
    #expect(abs(try #require(outcome.metrics["aic"]) - (-2 * loglik + 6)) < 1e-9)
    #expect(outcome.tags["method"] == "css-ml")
    #expect(outcome.tags["converged"] == (outcome.metrics["converged"] == 1 ? "true" : "false"))
    // The same data fitted directly gives the same likelihood.
    let values = try ForecastTask.load(try SeriesRequest(settings: s, baseDirectory: Self.context.baseDirectory))
    let direct = try ARIMA.fit(try SeriesTransform.log.apply(Array(values.dropLast(30))),
                               order: ARIMAOrder(p: 1, d: 1, q: 1))
    #expect(abs(direct.loglik - loglik) < 1e-9)
  }

  @Test func rollingEvaluationScoresOneStepForecasts() throws {
    let s = Self.settings(["data.source": "synthetic", "data.last": 300, "holdout": 20, "evaluation": "rolling",
                           "refit_every": 5, "p": 1, "d": 1, "q": 0])
    let outcome = try ForecastTask().run(Self.trial(s), context: Self.context)
    #expect(outcome.series.filter { $0.key == "forecast" }.count == 20)
    #expect(outcome.tags["evaluation"] == "rolling")
    // One-step forecasts beat (or tie) the 20-step holdout forecast on the same data.
    let multi = try ForecastTask().run(Self.trial(s.setting("evaluation", to: "holdout")), context: Self.context)
    let oneStep = try #require(outcome.metrics["rmse"])
    let twentyStep = try #require(multi.metrics["rmse"])
    #expect(oneStep <= twentyStep * 1.05)
  }

  @Test func seriesIsLoadedOnceAcrossTrials() throws {
    let counter = Counter()
    let task = ForecastTask { _ in
      counter.increment()
      return (0..<200).map { (t: Int) -> Double in
        let x = Double(t)
        let wave: Double = 0.01 * sin(x / 7)
        return 0.05 + wave + 0.002 * cos(x * 1.3)
      }
    }
    let s = Self.settings(["holdout": 10])
    DispatchQueue.concurrentPerform(iterations: 4) { i in
      _ = try? task.run(Self.trial(s.setting("p", to: .int(i % 3))), context: Self.context)
    }
    #expect(counter.value == 1)
  }

  @Test func impossibleFitsFailTheTrialWithTheReason() {
    let constant = ForecastTask { _ in [Double](repeating: 0.04, count: 300) }
    #expect(throws: TrialFailure.self) { try constant.run(Self.trial(Self.settings()), context: Self.context) }
    do {
      _ = try constant.run(Self.trial(Self.settings()), context: Self.context)
    } catch {
      #expect("\(error)".contains("constant"))
    }
    let short = ForecastTask { _ in [0.01, 0.02, 0.03] }
    do {
      _ = try short.run(Self.trial(Self.settings()), context: Self.context)
      Issue.record("expected a failure")
    } catch {
      #expect("\(error)".contains("holdout 100"))
    }
    let negative = ForecastTask { _ in (0..<300).map { Double($0 % 5) - 1 } }
    do {
      _ = try negative.run(Self.trial(Self.settings()), context: Self.context)
      Issue.record("expected a failure")
    } catch {
      #expect("\(error)".contains("log"))
    }
  }

  /// REFERENCE §2 on the real series: ARIMA(0,1,1) has AIC -14718.51 and log-likelihood 7361.256 in statsmodels.
  @Test(.enabled(if: TestSupport.sharedDirectory != nil, "needs ../shared beside the repository"))
  func realSeriesMatchesStatsmodels() throws {
    let shared = try #require(TestSupport.sharedDirectory)
    let s = Self.settings(["data.file": .string(shared.appendingPathComponent("data/rates/usdc_hourly_2020_2022.csv").path),
                           "p": 0, "d": 1, "q": 1])
    let outcome = try ForecastTask().run(Self.trial(s), context: Self.context)
    #expect(abs(try #require(outcome.metrics["aic"]) - -14718.51) < 0.01)
    #expect(abs(try #require(outcome.metrics["loglik"]) - 7361.256) < 0.01)
  }
}

/// A thread-safe counter for the caching test. `@unchecked Sendable`: `lock` guards `count`.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  func increment() {
    lock.lock()
    count += 1
    lock.unlock()
  }
  var value: Int {
    lock.lock()
    defer { lock.unlock() }
    return count
  }
}

/// Issue: a trial never checked for cancellation, so SIGTERM did not stop a long fit. The runner's token reaches the
/// ARIMA optimiser through the trial context.
@Suite struct ForecastCancellationTests {
  @Test("a cancelled token stops a long ARIMA fit within one optimiser iteration, as a failure saying why")
  func cancelledFitStops() throws {
    // A long random-walk-like series (no file needed), an order with many parameters.
    var g = SplitMix64(seed: 3)
    var level = 0.0
    let values = (0..<20_000).map { _ -> Double in
      level += Double(g.next() % 1000) / 1000 - 0.5
      return 5 + level / 100
    }
    let task = ForecastTask(loader: { _ in values })
    let settings = ForecastTaskTests.settings([
      "transform": "none", "p": 5, "d": 1, "q": 5, "holdout": 10, "data.positive_only": false,
    ])
    let token = CancellationToken()
    let context = TrialContext(
      baseDirectory: FileManager.default.temporaryDirectory, artifactDirectory: FileManager.default.temporaryDirectory,
      isCancelled: { token.isCancelled }, cancellation: token)
    let started = Date()
    Thread.detachNewThread {
      Thread.sleep(forTimeInterval: 0.3)
      token.cancel()
    }
    #expect(throws: Cancelled.self) { try task.run(ForecastTaskTests.trial(settings), context: context) }
    let elapsed = Date().timeIntervalSince(started)
    #expect(elapsed < 5, "the fit ran \(elapsed) s after cancellation at 0.3 s")
  }
}

@Suite struct SeasonalBaselineAndSearchCancellationTests {
  @Test("with a seasonal period the seasonal naive forecast is a baseline, computed on the same holdout")
  func seasonalNaiveBaseline() throws {
    // Period 4, a repeating pattern plus a trend: the seasonal naive forecast repeats the last period.
    let rates: [Double] = (0..<40).map { (i: Int) -> Double in
      let season = Double(i % 4) * 0.1
      return 1.0 + season + Double(i) * 0.01
    }
    let holdout = 8
    let actual = Array(rates.suffix(holdout))
    let metrics = ForecastTask.comparisonMetrics(
      rates: rates, predicted: actual.map { $0 + 0.01 }, actual: actual, holdout: holdout, rolling: false, period: 4)
    let lastPeriod = Array(rates[(40 - holdout - 4)..<(40 - holdout)])
    let expected: [Double] = (0..<holdout).map { lastPeriod[$0 % 4] }
    var sum = 0.0
    for (e, a) in zip(expected, actual) { sum += (e - a) * (e - a) }
    let rmse = (sum / Double(holdout)).squareRoot()
    let stored = try #require(metrics[Baselines.key("seasonal_naive", ForecastOutputs.rmse)])
    #expect(abs(stored - rmse) < 1e-12)
    let none = ForecastTask.comparisonMetrics(
      rates: rates, predicted: actual, actual: actual, holdout: holdout, rolling: false, period: 1)
    #expect(none[Baselines.key("seasonal_naive", ForecastOutputs.rmse)] == nil)
  }

  @Test("a cancelled token stops the stepwise order search")
  func stepwiseSearchStops() {
    var g = SplitMix64(seed: 9)
    var level = 0.0
    let series = (0..<2_000).map { _ -> Double in
      level += Double(g.next() % 1000) / 1000 - 0.5
      return level
    }
    var options = AutoARIMAOptions()
    let token = CancellationToken()
    token.cancel()
    options.cancellation = token
    #expect(throws: Cancelled.self) { try AutoARIMA.search(series, options: options) }
  }
}
