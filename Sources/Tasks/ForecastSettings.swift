import Datasets
import Experiments
import Forecasting
import Foundation

/// The `forecast` settings of one trial, typed: read once from the validated settings (``ValidatedSettings``), so
/// every default and every list of choices stays in ``ForecastTask/schema``.
struct ForecastSettings {
  /// How the held-out points are forecast (`evaluation`); its raw values are the schema's choices.
  enum Evaluation: String, Sendable, CaseIterable {
    /// One multi-step forecast from the end of the training points.
    case holdout
    /// One-step-ahead forecasts from a rolling origin, refitted every `refit_every` steps.
    case rolling
  }

  /// How the order is chosen (`search`); its raw values are the schema's choices.
  enum Search: String, Sendable, CaseIterable {
    /// The order the settings give (a sweep over p, d, q, ... is the grid).
    case grid
    /// `forecast::auto.arima`'s stepwise search (``AutoARIMA/search(_:options:)``) with the settings' `period`.
    case stepwise
  }

  var request: SeriesRequest
  var transform: SeriesTransform
  var order: ARIMAOrder
  var options: ARIMAOptions
  var holdout: Int
  /// Forecast steps stored (`horizon`, which the schema defaults to `holdout`).
  var horizon: Int
  var evaluation: Evaluation
  var refitEvery: Int
  var search: Search

  /// Reads `settings` after validating them against ``ForecastTask/schema`` (throws ``SettingsError`` when they do
  /// not validate); `baseDirectory` resolves `data.file`.
  init(_ settings: Value, baseDirectory: URL) throws {
    let s = try ValidatedSettings(settings, schema: ForecastTask.schema)
    request = try SeriesRequest(s, baseDirectory: baseDirectory)
    transform = try s.choice("transform")
    order = ARIMAOrder(
      p: try s.int("p"), d: try s.int("d"), q: try s.int("q"), P: try s.int("P"),
      D: try s.int("D"), Q: try s.int("Q"), period: try s.int("period"))
    options = ARIMAOptions(
      method: try s.choice("method"), includeMean: try s.bool("include_mean"),
      drift: try s.bool("drift"))
    holdout = try s.int("holdout")
    horizon = try s.int("horizon")
    evaluation = try s.choice("evaluation")
    refitEvery = try s.int("refit_every")
    search = try s.choice("search")
  }
}

/// Which series to load: everything in `data` that changes the values (the cache key).
struct SeriesRequest: Hashable, Sendable {
  /// Where the series comes from (`data.source`); its raw values are the schema's choices.
  enum Source: String, Sendable, CaseIterable {
    /// `data.file`, read with `RateSeries.load(file:options:)`.
    case csv
    /// The synthetic market's daily rate of `data.synthetic.token`.
    case synthetic
  }

  var source: Source
  /// Absolute file for `csv`.
  var file: URL?
  var options: RateSeries.Options
  var syntheticSeed: UInt64
  var syntheticDays: Int
  var syntheticToken: String
  var syntheticRate: RateSeries.Rate

  /// The request of `settings`, validated against ``ForecastTask/schema``.
  init(settings: Value, baseDirectory: URL) throws {
    try self.init(try ValidatedSettings(settings, schema: ForecastTask.schema), baseDirectory: baseDirectory)
  }

  init(_ s: ValidatedSettings, baseDirectory: URL) throws {
    source = try s.choice("data.source")
    if source == .csv {
      let path = try s.string("data.file")
      guard !path.isEmpty else { throw TrialFailure("data.file must not be empty when data.source is csv") }
      file =
        path.hasPrefix("/")
        ? URL(fileURLWithPath: path)
        : baseDirectory.appendingPathComponent(path).standardizedFileURL
    }
    // Filter values are strings after validation (a number written bare is kept as its text).
    let filter = try s.dictionary("data.filter").mapValues(\.display)
    // `positive_only` and `missing` default by the transform (the schema leaves them absent when omitted).
    let transform: SeriesTransform = try s.choice("transform")
    let positiveOnly = s.value[path: "data.positive_only"] == nil ? transform == .log : try s.bool("data.positive_only")
    let missing: RateSeries.Missing =
      s.value[path: "data.missing"] == nil
      ? (transform == .none ? .keep : .drop) : try s.choice("data.missing")
    options = RateSeries.Options(
      timeColumn: try s.string("data.time"), valueColumn: try s.string("data.value"), filter: filter,
      positiveOnly: positiveOnly, last: try s.int("data.last"), resample: try s.choice("data.resample"),
      missing: missing, duplicates: try s.choice("data.duplicates"))
    syntheticSeed = UInt64(clamping: try s.int("data.synthetic.seed"))
    syntheticDays = try s.int("data.synthetic.days")
    syntheticToken = try s.string("data.synthetic.token")
    syntheticRate = try s.choice("data.synthetic.rate")
  }
}
