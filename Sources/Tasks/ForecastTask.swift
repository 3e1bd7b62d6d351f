import Datasets
import Experiments
import Forecasting
import Foundation
import Tracking

/// The `forecast` task: fits ARIMA(p, d, q) (R `stats::arima` semantics, see `docs/forecasting.md`) to a rate
/// series on all but its last `holdout` points and scores the forecasts of the held-out points on the rate scale.
///
/// Metrics: `aic aicc bic loglik sigma2 rmse mae mape converged iterations` and `coef.<name>`, `se.<name>`; against
/// naive forecasts on the same holdout: `skill_rw mase dm_rw_stat dm_rw_p` and `baseline.<rule>.{rmse,mae,mape}`
/// (``ForecastTask/comparisonMetrics(rates:predicted:actual:holdout:rolling:)``).
/// Series (rate units): `forecast`, `lower80`, `upper80`, `lower95`, `upper95` (step = 0-based forecast index, `horizon`
/// steps for holdout evaluation, the holdout's one-step-ahead forecasts for rolling evaluation) and `actual`
/// (step = 0-based holdout index); `residual_acf` (step = lag 1...20, residuals after the first d).
/// Tags: `converged`, `method`, `transform`, `evaluation`, and `notes` when the fit has remarks.
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

  /// Turns a data request into the series' values; replaceable in tests.
  let loader: @Sendable (SeriesRequest) throws -> [Double]
  let cache = MemoCache<SeriesRequest, [Double]>()

  public init() {
    loader = ForecastTask.load
  }

  init(loader: @escaping @Sendable (SeriesRequest) throws -> [Double]) {
    self.loader = loader
  }

  public func inputFiles(settings: Value, baseDirectory: URL) throws -> [URL] {
    let request = try SeriesRequest(settings: settings, baseDirectory: baseDirectory)
    guard let file = request.file else { return [] }
    return [file]
  }

  public func run(_ trial: Trial, context: TrialContext) throws -> TrialOutcome {
    let s = try ForecastSettings(trial.settings, baseDirectory: context.baseDirectory)
    let rates = try cache.value(for: s.request) { try loader(s.request) }
    let n = rates.count
    guard n > s.holdout + 2 else {
      throw TrialFailure("the series has \(n) points; holdout \(s.holdout) leaves too few to fit "
        + "ARIMA\(s.order) (check data.last, data.filter and data.positive_only)")
    }
    let train = Array(rates[0..<(n - s.holdout)])
    let actual = Array(rates[(n - s.holdout)...])
    let y: [Double]
    let all: [Double]
    do {
      y = try s.transform.apply(train)
      all = s.evaluation == .rolling ? try s.transform.apply(rates) : y
    } catch let error as ARIMAError {
      throw TrialFailure("transform \(s.transform.rawValue): \(error)")
    }
    if context.isCancelled() { throw TrialFailure("cancelled") }
    let fit: ARIMAFit
    var options = s.options
    options.cancellation = context.cancellation
    do {
      fit = try ARIMA.fit(y, order: s.order, options: options)
    } catch let error as ARIMAError {
      throw TrialFailure("ARIMA\(s.order) fit failed: \(error)")
    }

    let scored: TransformedForecast
    let stored: TransformedForecast
    do {
      if s.evaluation == .rolling {
        let rolling = try RollingOrigin.oneStepForecasts(all, holdout: s.holdout, refitEvery: s.refitEvery,
                                                         order: s.order, options: options)
        scored = s.transform.backTransform(rolling.forecast)
        stored = scored
      } else {
        let f = try fit.forecast(steps: max(s.horizon, s.holdout))
        let back = s.transform.backTransform(f)
        scored = back
        stored = back
      }
    } catch let error as ARIMAError {
      throw TrialFailure("ARIMA\(s.order) forecast failed: \(error)")
    }
    let predicted = Array(scored.point.prefix(s.holdout))

    var metrics: [String: Double] = [
      ForecastOutputs.aic: fit.aic, ForecastOutputs.aicc: fit.aicc, ForecastOutputs.bic: fit.bic,
      ForecastOutputs.loglik: fit.loglik, ForecastOutputs.sigma2: fit.sigma2,
      ForecastOutputs.rmse: ForecastMetrics.rmse(forecast: predicted, actual: actual),
      ForecastOutputs.mae: ForecastMetrics.mae(forecast: predicted, actual: actual),
      ForecastOutputs.mape: ForecastMetrics.mape(forecast: predicted, actual: actual),
      ForecastOutputs.converged: fit.converged ? 1 : 0, ForecastOutputs.iterations: Double(fit.iterations),
    ]
    metrics.merge(ForecastTask.comparisonMetrics(rates: rates, predicted: predicted, actual: actual,
                                                 holdout: s.holdout, rolling: s.evaluation == .rolling)
                    .filter { !$0.value.isNaN }) { a, _ in a }
    for (i, coefficient) in fit.coefficientNames.enumerated() {
      metrics[ForecastOutputs.coefficientPrefix + coefficient] = fit.coefficients[i]
      metrics[ForecastOutputs.standardErrorPrefix + coefficient] = fit.standardErrors[i]
    }
    let steps = s.evaluation == .rolling ? s.holdout : s.horizon
    var series: [SeriesPoint] = []
    series.reserveCapacity(6 * steps + 20)
    for (key, values) in [(ForecastOutputs.forecast, stored.point), (ForecastOutputs.lower80, stored.lower80),
                          (ForecastOutputs.upper80, stored.upper80), (ForecastOutputs.lower95, stored.lower95),
                          (ForecastOutputs.upper95, stored.upper95)]
    {
      for (step, value) in values.prefix(steps).enumerated() { series.append(SeriesPoint(key: key, step: step, value: value)) }
    }
    for (step, value) in actual.enumerated() { series.append(SeriesPoint(key: ForecastOutputs.actual, step: step, value: value)) }
    let acf = ForecastMetrics.acf(Array(fit.residuals.dropFirst(s.order.d)), maxLag: 20)
    for (lag, value) in acf.enumerated() { series.append(SeriesPoint(key: ForecastOutputs.residualACF, step: lag + 1, value: value)) }

    var tags = ["converged": fit.converged ? "true" : "false", "method": fit.method.rawValue,
                "transform": s.transform.rawValue, "evaluation": s.evaluation.rawValue]
    if !fit.notes.isEmpty { tags["notes"] = fit.notes.joined(separator: "; ") }
    context.log("ARIMA\(s.order) \(fit.method.rawValue): loglik \(fit.loglik), aic \(fit.aic), "
      + "converged \(fit.converged) after \(fit.iterations) iterations")
    return TrialOutcome(metrics: metrics, series: series, tags: tags)
  }
}

extension ForecastTask {
  /// Loads a series: `RateSeries.load(file:options:)` for csv; for synthetic, the synthetic market's daily rate of
  /// the token, then `positive_only` and `last` as for files.
  @Sendable static func load(_ request: SeriesRequest) throws -> [Double] {
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
      let output = SyntheticMarket.generate(SyntheticMarket.Config(seed: request.syntheticSeed,
                                                                   days: request.syntheticDays, tokens: tokens))
      var values = RateSeries(rates: output.rates, symbol: symbol, rate: request.syntheticRate).values
      if request.options.positiveOnly { values = values.filter { $0 > 0 } }
      if request.options.last > 0 && values.count > request.options.last { values = Array(values.suffix(request.options.last)) }
      guard !values.isEmpty else {
        throw TrialFailure("the synthetic market has no \(request.syntheticRate.rawValue) rate for '\(request.syntheticToken)'")
      }
      return values
    }
    guard let file = request.file else { throw TrialFailure("data.file is required when data.source is csv") }
    do {
      return try RateSeries.load(file: file, options: request.options).values
    } catch let error as RateSeries.LoadError {
      throw TrialFailure(error.description)
    }
  }
}
