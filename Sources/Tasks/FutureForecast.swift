import AlmanacCore
import Experiments
import Forecasting
import Foundation
import Tracking

/// Forecasts beyond the last observation, in rate units with 80% and 95% intervals: what `almanac forecast` prints
/// and a dashboard or an API serves. Made by the `forecast` task itself on the trial's settings with `holdout: 0`
/// (the model refitted on every point, the order search rerun for `search: stepwise`) and `horizon` steps, so the
/// numbers are those a run with `holdout: 0` stores.
public struct FutureForecast: Sendable, Equatable {
  /// One forecast step.
  public struct Row: Sendable, Equatable {
    /// 1-based step beyond the last observation.
    public var step: Int
    /// Unix seconds (UTC): the series' spacing continued beyond its last time (NaN when unknown).
    public var time: Double
    public var forecast: Double
    public var lower80: Double
    public var upper80: Double
    public var lower95: Double
    public var upper95: Double
  }

  public var rows: [Row]
  /// The fitted order, `(p,d,q)` or `(p,d,q)(P,D,Q)[s]`.
  public var order: String
  /// `log` or `none` (under `log` the point forecast is the median).
  public var transform: String

  /// Settings of a stored run rebuilt from its params (``TrialClaim/params``: dotted paths, strings bare, other
  /// values canonical JSON; the forecast schema has only scalars and maps, which params flatten); the schema's
  /// defaults fill in anything absent.
  public static func settings(fromParams params: [String: String]) -> Value {
    var settings: Value = .map([:])
    for (path, text) in params.sorted(by: { $0.key < $1.key }) {
      settings = settings.setting(path, to: value(ofParam: text))
    }
    return settings
  }

  static func value(ofParam text: String) -> Value {
    if text == "true" { return .bool(true) }
    if text == "false" { return .bool(false) }
    if text == "null" { return .null }
    if let i = Int(text) { return .int(i) }
    if text.first.map({ "-0123456789".contains($0) }) == true, let d = Double(text) { return .double(d) }
    return .string(text)
  }

  /// The forecast of `horizon` steps (nil: the settings' `horizon`, which defaults to `holdout`) beyond the last
  /// observation of the series `settings` load, fitted on all of it. Throws ``TrialFailure`` when the series cannot
  /// be loaded or fitted, ``SettingsError`` when the settings do not validate.
  public static func make(
    settings: Value, baseDirectory: URL, horizon: Int? = nil,
    cancellation: CancellationToken = .never
  ) throws -> FutureForecast {
    let original = try ForecastSettings(settings, baseDirectory: baseDirectory)
    let steps = horizon ?? original.horizon
    guard steps >= 1, steps <= 100_000 else {
      throw TrialFailure("the horizon must be in 1...100000, got \(steps)")
    }
    var all = settings.setting("holdout", to: .int(0)).setting("horizon", to: .int(steps))
    all = all.setting("evaluation", to: .string(ForecastSettings.Evaluation.holdout.rawValue))
    let trial = Trial(index: 0, key: "forecast", settings: all, axisValues: [], replicate: 0, seed: 0)
    let context = TrialContext(
      baseDirectory: baseDirectory, artifactDirectory: FileManager.default.temporaryDirectory,
      cancellation: cancellation)
    let outcome = try ForecastTask().run(trial, context: context)
    func series(_ key: String) -> [Double] {
      var values = Array(repeating: Double.nan, count: steps)
      for point in outcome.series where point.key == key && point.step < steps { values[point.step] = point.value }
      return values
    }
    let (f, l80, u80, l95, u95, t) = (
      series(ForecastOutputs.forecast), series(ForecastOutputs.lower80),
      series(ForecastOutputs.upper80), series(ForecastOutputs.lower95),
      series(ForecastOutputs.upper95), series(ForecastOutputs.forecastTime)
    )
    let rows = (0..<steps).map {
      Row(
        step: $0 + 1, time: t[$0], forecast: f[$0], lower80: l80[$0], upper80: u80[$0], lower95: l95[$0],
        upper95: u95[$0])
    }
    return FutureForecast(
      rows: rows, order: outcome.tags["order"] ?? original.order.description,
      transform: original.transform.rawValue)
  }

  /// The run `almanac forecast FILE` uses: the first replicate (lowest trial index) of the best configuration by
  /// `metric` (``Ranking/best(_:metric:goal:axes:)``), or nil when no finished run has a finite value of it.
  public static func bestRun(_ runs: [RunRecord], metric: String, goal: MetricGoal, axes: [String]) -> RunRecord? {
    guard let leader = Ranking.best(runs, metric: metric, goal: goal, axes: axes) else { return nil }
    let ids = Set(leader.runIDs)
    return runs.filter { ids.contains($0.id) }.min { $0.trialIndex < $1.trialIndex }
  }

  // MARK: Rendering

  /// Output formats of ``render(_:)``.
  public enum Format: String, Sendable, CaseIterable {
    case table, csv, json
  }

  static let columns = [
    "step", "time", ForecastOutputs.forecast, ForecastOutputs.lower80, ForecastOutputs.upper80,
    ForecastOutputs.lower95, ForecastOutputs.upper95,
  ]

  /// `2026-01-02T03:00:00Z`, or empty for an unknown time.
  public static func isoTime(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "" }
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: Date(timeIntervalSince1970: seconds))
  }

  private func cells(_ row: Row) -> [String] {
    [String(row.step), Self.isoTime(row.time)]
      + [row.forecast, row.lower80, row.upper80, row.lower95, row.upper95].map { "\($0)" }
  }

  /// The rows as an aligned table (six significant digits, with a header naming the model), CSV (full precision,
  /// one header line) or JSON (an object with `order`, `transform` and `rows`, full precision; unknown times null).
  public func render(_ format: Format) -> String {
    switch format {
    case .csv:
      return ([Self.columns.joined(separator: ",")] + rows.map { cells($0).joined(separator: ",") })
        .joined(separator: "\n") + "\n"
    case .json:
      let items = rows.map { row -> String in
        let time = row.time.isFinite ? "\"\(Self.isoTime(row.time))\"" : "null"
        let numbers = zip(
          Self.columns.dropFirst(2), [row.forecast, row.lower80, row.upper80, row.lower95, row.upper95]
        )
        .map { "\"\($0)\":\($1.isFinite ? "\($1)" : "null")" }
        return "{\"step\":\(row.step),\"time\":\(time)," + numbers.joined(separator: ",") + "}"
      }
      return "{\"order\":\"\(order)\",\"transform\":\"\(transform)\",\"rows\":[" + items.joined(separator: ",")
        + "]}\n"
    case .table:
      let body = rows.map { row in
        [String(row.step), Self.isoTime(row.time)]
          + [row.forecast, row.lower80, row.upper80, row.lower95, row.upper95].map { String(format: "%.6g", $0) }
      }
      let all = [Self.columns] + body
      let widths = Self.columns.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
      let lines = all.map { cells in
        cells.enumerated().map { c, text in
          c == 1
            ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            : String(repeating: " ", count: widths[c] - text.count) + text
        }.joined(separator: "  ")
      }
      let title =
        "ARIMA\(order), transform \(transform)"
        + (transform == "log" ? " (point forecast = median)" : "") + "; intervals 80% and 95%"
      return ([title] + lines).joined(separator: "\n") + "\n"
    }
  }
}
