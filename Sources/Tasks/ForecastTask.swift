import Datasets
import Experiments
import Forecasting
import Foundation
import Tracking

/// The `forecast` task: fits ARIMA(p, d, q)(P, D, Q)[period] (R `stats::arima` semantics, see
/// `docs/forecasting.md`), or the order `auto.arima`'s stepwise search picks (`search: stepwise`), to a rate series on
/// all but its last `holdout` points and scores the forecasts of the held-out points on the rate scale (`holdout: 0`
/// fits everything and forecasts `horizon` steps beyond the last point).
///
/// Metrics (``ForecastOutputs``): `aic aicc bic loglik sigma2 converged iterations`, `rmse mae mape` over the
/// observed held-out points (none with holdout 0), `points_dropped points_missing points_interpolated points_merged`
/// (what loading did), `models_fitted`, and `coef.<name>`, `se.<name>`; against
/// naive forecasts on the same holdout: `skill_rw mase dm_rw_stat dm_rw_p` and `baseline.<rule>.{rmse,mae,mape}`
/// (``ForecastTask/comparisonMetrics(rates:predicted:actual:holdout:rolling:)``).
/// Series (rate units): `forecast`, `lower80`, `upper80`, `lower95`, `upper95` (step = 0-based forecast index, `horizon`
/// steps for holdout evaluation, the holdout's one-step-ahead forecasts for rolling evaluation) with their times
/// `forecast_time`, `actual` (step = 0-based holdout index), `history` and `history_time` (the last fitted points),
/// `residual_acf` (step = lag 1...20, residuals after the first d + D period, missing ones left out).
/// Tags: `converged`, `method`, `transform`, `evaluation`, `search`, `order` (the fitted order), `constant` (stepwise),
/// and `notes` when the fit has remarks.
/// A fit that does not converge is still recorded (tag `converged=false`); a fit that cannot be made (too short,
/// constant, non-positive values under log, ...) fails the trial with the reason.
///
/// Loaded series are cached across trials (one load per distinct data block), so a grid over orders reads the file
/// once.
public struct ForecastTask: TrialTask {
  public let name = "forecast"
  public var settingsSchema: [Field] { Self.schema }
  /// The metrics and series this task reports (``ForecastOutputs/declarations``).
  public var metrics: [MetricDeclaration] { ForecastOutputs.declarations }
  public var defaultMetric: String { ForecastOutputs.defaultRanking }

  /// Turns a data request into the series (times, values, what loading dropped); replaceable in tests.
  let loader: @Sendable (SeriesRequest) throws -> LoadedSeries
  let cache = MemoCache<SeriesRequest, LoadedSeries>()

  public init() {
    loader = ForecastTask.loadSeries
  }

  init(seriesLoader: @escaping @Sendable (SeriesRequest) throws -> LoadedSeries) {
    self.loader = seriesLoader
  }

  /// A loader of values only: times are 0, 1, 2, ... seconds and nothing is counted as dropped.
  init(loader: @escaping @Sendable (SeriesRequest) throws -> [Double]) {
    self.loader = { request in
      let values = try loader(request)
      return LoadedSeries(
        series: RateSeries(times: values.indices.map(Double.init), values: values),
        summary: RateSeries.LoadSummary())
    }
  }

  public func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] {
    let request = try SeriesRequest(settings: settings, baseDirectory: baseDirectory)
    guard let file = request.file else { return [] }
    return [file]
  }

  /// Most points of the fitted series stored as `history` (for the forecast chart).
  static let historyPoints = 240

  public func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
    let s = try ForecastSettings(trial.settings, baseDirectory: context.baseDirectory)
    let loaded = try cache.value(for: s.request) { try loader(s.request) }
    let rates = loaded.series.values
    let n = rates.count
    guard n > s.holdout + 2 else {
      throw TrialFailure(
        "the series has \(n) points; holdout \(s.holdout) leaves too few to fit "
          + "ARIMA\(s.order) (check data.last, data.filter and data.positive_only)")
    }
    let nTrain = n - s.holdout
    let train = Array(rates[0..<nTrain])
    let actual = Array(rates[nTrain...])
    let y: [Double]
    let all: [Double]
    do {
      y = try s.transform.apply(train)
      all = s.evaluation == .rolling ? try s.transform.apply(rates) : y
    } catch let error as ARIMAError {
      throw TrialFailure("transform \(s.transform.rawValue): \(error)")
    }
    if context.isCancelled() { throw TrialFailure("cancelled") }
    var options = s.options
    options.cancellation = context.cancellation
    let (fit, order, modelsFitted) = try Self.fitModel(y, settings: s, options: &options, context: context)

    let scored: TransformedForecast
    let stored: TransformedForecast
    do {
      if s.evaluation == .rolling {
        let rolling = try RollingOrigin.oneStepForecasts(
          all, holdout: s.holdout, refitEvery: s.refitEvery,
          order: order, options: options)
        scored = s.transform.backTransform(rolling.forecast)
        stored = scored
      } else {
        let f = try fit.forecast(steps: max(s.horizon, s.holdout))
        let back = s.transform.backTransform(f)
        scored = back
        stored = back
      }
    } catch let error as ARIMAError {
      throw TrialFailure("ARIMA\(order) forecast failed: \(error)")
    }

    let summary = loaded.summary
    var metrics: [String: Double] = [
      ForecastOutputs.aic: fit.aic, ForecastOutputs.aicc: fit.aicc, ForecastOutputs.bic: fit.bic,
      ForecastOutputs.loglik: fit.loglik, ForecastOutputs.sigma2: fit.sigma2,
      ForecastOutputs.converged: fit.converged ? 1 : 0, ForecastOutputs.iterations: Double(fit.iterations),
      ForecastOutputs.pointsDropped: Double(summary.droppedNonPositive + summary.droppedMissing),
      ForecastOutputs.pointsMissing: Double(summary.keptMissing),
      ForecastOutputs.pointsInterpolated: Double(summary.interpolated),
      ForecastOutputs.pointsMerged: Double(summary.mergedDuplicates),
      ForecastOutputs.modelsFitted: Double(modelsFitted),
    ]
    // Scores over the observed held-out points (a missing one has nothing to compare with); none with holdout 0.
    let pairs = zip(scored.point.prefix(s.holdout), actual).filter { !$0.1.isNaN }
    if !pairs.isEmpty {
      let predicted = pairs.map(\.0), observed = pairs.map(\.1)
      metrics[ForecastOutputs.rmse] = ForecastMetrics.rmse(forecast: predicted, actual: observed)
      metrics[ForecastOutputs.mae] = ForecastMetrics.mae(forecast: predicted, actual: observed)
      metrics[ForecastOutputs.mape] = ForecastMetrics.mape(forecast: predicted, actual: observed)
    }
    if s.holdout > 0 {
      let predicted = Array(scored.point.prefix(s.holdout))
      metrics.merge(
        ForecastTask.comparisonMetrics(
          rates: rates, predicted: predicted, actual: actual,
          holdout: s.holdout, rolling: s.evaluation == .rolling,
          period: order.period
        )
        .filter { !$0.value.isNaN }
      ) { a, _ in a }
    }
    for (i, coefficient) in fit.coefficientNames.enumerated() {
      metrics[ForecastOutputs.coefficientPrefix + coefficient] = fit.coefficients[i]
      metrics[ForecastOutputs.standardErrorPrefix + coefficient] = fit.standardErrors[i]
    }
    let steps = s.evaluation == .rolling ? s.holdout : s.horizon
    var series: [SeriesPoint] = []
    series.reserveCapacity(7 * steps + 2 * Self.historyPoints + 20)
    for (key, values) in [
      (ForecastOutputs.forecast, stored.point), (ForecastOutputs.lower80, stored.lower80),
      (ForecastOutputs.upper80, stored.upper80), (ForecastOutputs.lower95, stored.lower95),
      (ForecastOutputs.upper95, stored.upper95),
    ] {
      for (step, value) in values.prefix(steps).enumerated() {
        series.append(SeriesPoint(key: key, step: step, value: value))
      }
    }
    for (step, value) in actual.enumerated() {
      series.append(SeriesPoint(key: ForecastOutputs.actual, step: step, value: value))
    }
    for (step, time) in Self.forecastTimes(loaded.series, trainCount: nTrain, steps: steps).enumerated() {
      series.append(SeriesPoint(key: ForecastOutputs.forecastTime, step: step, value: time))
    }
    let first = max(0, nTrain - Self.historyPoints)
    for (step, i) in (first..<nTrain).enumerated() {
      series.append(SeriesPoint(key: ForecastOutputs.history, step: step, value: rates[i]))
      series.append(SeriesPoint(key: ForecastOutputs.historyTime, step: step, value: loaded.series.times[i]))
    }
    let residuals = fit.residuals.dropFirst(order.differencingLength).filter { !$0.isNaN }
    let acf = ForecastMetrics.acf(Array(residuals), maxLag: 20)
    for (lag, value) in acf.enumerated() {
      series.append(SeriesPoint(key: ForecastOutputs.residualACF, step: lag + 1, value: value))
    }

    var tags = [
      "converged": fit.converged ? "true" : "false", "method": fit.method.rawValue,
      "transform": s.transform.rawValue, "evaluation": s.evaluation.rawValue, "search": s.search.rawValue,
      "order": order.description,
    ]
    if s.search == .stepwise { tags["constant"] = options.includeMean ? "true" : "false" }
    if !fit.notes.isEmpty { tags["notes"] = fit.notes.joined(separator: "; ") }
    context.log(
      "loaded \(n) points: \(summary.droppedNonPositive) non-positive dropped, \(summary.droppedMissing) "
        + "missing dropped, \(summary.keptMissing) missing kept, \(summary.interpolated) interpolated, "
        + "\(summary.mergedDuplicates) duplicates merged, \(summary.droppedByLast) before data.last")
    context.log(
      "ARIMA\(order) \(fit.method.rawValue): loglik \(fit.loglik), aic \(fit.aic), "
        + "converged \(fit.converged) after \(fit.iterations) iterations")
    return TrialOutcome(metrics: metrics, series: series, tags: tags)
  }

  /// The fit of the order the settings give (`search: grid`), or of the order `AutoARIMA` chooses (`search:
  /// stepwise`, path logged; `options` then carries the chosen constant for rolling refits). Returns the fit, its
  /// order and the number of models fitted.
  static func fitModel(
    _ y: [Double], settings s: ForecastSettings, options: inout ARIMAOptions,
    context: TrialContext
  ) throws -> (ARIMAFit, ARIMAOrder, Int) {
    switch s.search {
    case .grid:
      do {
        return (try ARIMA.fit(y, order: s.order, options: options), s.order, 1)
      } catch let error as ARIMAError {
        throw TrialFailure("ARIMA\(s.order) fit failed: \(error)")
      }
    case .stepwise:
      let result: AutoARIMAResult
      do {
        var search = AutoARIMAOptions(period: s.order.period)
        search.cancellation = context.cancellation
        result = try AutoARIMA.search(y, options: search)
      } catch let error as AutoARIMA.Failure {
        throw TrialFailure("stepwise search failed: \(error)")
      } catch let error as ARIMAError {
        throw TrialFailure("stepwise search failed: \(error)")
      }
      context.log(
        "stepwise search (\(result.path.count) models): "
          + result.path.map(\.description).joined(separator: " -> "))
      context.log("chosen ARIMA\(result.order)\(result.constant ? " with constant" : "")")
      options.includeMean = result.constant
      options.drift = result.constant
      return (result.fit, result.order, result.path.count)
    }
  }

  /// Times of the `steps` forecast steps after the first `trainCount` points: the series' own times while they
  /// last, then its spacing continued beyond the last point; NaN when the spacing is unknown.
  static func forecastTimes(_ series: RateSeries, trainCount: Int, steps: Int) -> [Double] {
    let known = Array(series.times[trainCount...].prefix(steps))
    let beyond = steps - known.count
    guard beyond > 0 else { return known }
    let future = series.futureTimes(beyond) ?? Array(repeating: .nan, count: beyond)
    return known + future
  }
}

/// A loaded series and what loading did to it (counted in the trial's log and metrics).
struct LoadedSeries: Sendable {
  var series: RateSeries
  var summary: RateSeries.LoadSummary
}

extension ForecastTask {
  /// The values of ``loadSeries(_:)``.
  @Sendable static func load(_ request: SeriesRequest) throws -> [Double] {
    try loadSeries(request).series.values
  }

  /// Loads a series: `RateSeries.loadWithSummary(file:options:)` for csv; for synthetic, the synthetic market's
  /// daily rate of the token, then `positive_only` and `last` as for files (counted in the summary).
  @Sendable static func loadSeries(_ request: SeriesRequest) throws -> LoadedSeries {
    if request.source == .synthetic {
      // The token as the market spells it (matched ignoring case), or added to the market as written.
      var tokens = SyntheticMarket.defaultTokens
      let symbol: String
      if let known = tokens.first(where: { $0.lowercased() == request.syntheticToken.lowercased() }) {
        symbol = known
      } else {
        symbol = request.syntheticToken
        tokens.append(symbol)
      }
      let output = SyntheticMarket.generate(
        SyntheticMarket.Config(
          seed: request.syntheticSeed,
          days: request.syntheticDays, tokens: tokens))
      var series = RateSeries(rates: output.rates, symbol: symbol, rate: request.syntheticRate)
      var summary = RateSeries.LoadSummary()
      summary.rows = series.count
      if request.options.positiveOnly {
        let keep = series.values.indices.filter { series.values[$0] > 0 }
        summary.droppedNonPositive = series.count - keep.count
        series = RateSeries(times: keep.map { series.times[$0] }, values: keep.map { series.values[$0] })
      }
      let last = request.options.last
      if last > 0 && series.count > last {
        summary.droppedByLast = series.count - last
        series = RateSeries(times: Array(series.times.suffix(last)), values: Array(series.values.suffix(last)))
      }
      guard !series.isEmpty else {
        throw TrialFailure(
          "the synthetic market has no \(request.syntheticRate.rawValue) rate for '\(request.syntheticToken)'")
      }
      return LoadedSeries(series: series, summary: summary)
    }
    guard let file = request.file else { throw TrialFailure("data.file is required when data.source is csv") }
    do {
      let (series, summary) = try RateSeries.loadWithSummary(file: file, options: request.options)
      return LoadedSeries(series: series, summary: summary)
    } catch let error as RateSeries.LoadError {
      throw TrialFailure(error.description)
    }
  }
}
