import Datasets
import Experiments
import Forecasting

extension ForecastTask {
  /// The `forecast` settings (docs/ARCHITECTURE.md "Task settings / forecast" is generated from this list). Every
  /// bound is far above what a study needs and keeps one trial's memory and time finite.
  static let schema: [Field] = [
    Field("data", .object([
      Field("source", .choice(SeriesRequest.Source.self), default: "csv",
            help: "csv: read `file`; synthetic: the embedded synthetic Aave market's daily rates"),
      Field("file", .string(), default: "../../shared/data/rates/usdc_hourly_2020_2022.csv",
            help: "CSV file (source csv), relative to the experiment file"),
      Field("time", .string(), default: "timestamp", help: "time column (ISO date/time or Unix epoch)"),
      Field("value", .string(), default: "variable_borrow_rate_aave_v2", help: "value column"),
      Field("filter", .dictionary(of: .string()), default: .map([:]),
            help: "keep rows whose column equals the value, for example {symbol: USDC}"),
      Field("positive_only", .bool, default: true, help: "drop rows whose value is <= 0"),
      Field("last", .int(min: 0, max: 10_000_000), default: 2000,
            help: "keep only the last N points (0 = all); ten million is over 1000 years of hourly points"),
      Field("resample", .choice(RateSeries.Resample.self), default: "none", help: "mean per UTC hour or day"),
      Field("missing", .choice(RateSeries.Missing.self), default: "drop",
            help: "missing values: drop them or interpolate linearly in time"),
      Field("synthetic", .object([
        Field("seed", .int(min: 0, max: ClassifySettings.maximumSeed), default: 7,
              help: "synthetic market seed (at most 2^53 - 1, so it survives any JSON reader)"),
        Field("days", .int(min: 1, max: 36_500), default: 730,
              help: "simulated days (at most 100 years: the simulation's time and memory grow with the days)"),
        Field("token", .string(), default: "USDC", help: "token symbol"),
        Field("rate", .choice(RateSeries.Rate.self), default: "variable_borrow", help: "which rate"),
      ]), help: "source synthetic: what to simulate"),
    ]), help: "where the series comes from"),
    Field("transform", .choice(SeriesTransform.self), default: "log",
          help: "applied before fitting and inverted for forecasts (log: point forecast = median)"),
    Field("p", .int(min: 0, max: 20), default: 1, help: "AR order"),
    Field("d", .int(min: 0, max: 3), default: 1, help: "differencing order"),
    Field("q", .int(min: 0, max: 20), default: 1, help: "MA order"),
    Field("method", .choice(ARIMAMethod.self), default: "css-ml",
          help: "CSS start values then exact ML (R's default), exact ML, or conditional sum of squares"),
    Field("include_mean", .bool, default: true, help: "estimate a mean (only when d = 0; ignored otherwise)"),
    Field("drift", .bool, default: false, help: "estimate a drift (only when d = 1; ignored otherwise)"),
    Field("holdout", .int(min: 1, max: 100_000), default: 100,
          help: "the last N points are held out and forecast (100000 bounds the forecasts a trial stores)"),
    Field("horizon", .int(min: 1, max: 100_000), defaultPath: "holdout",
          help: "forecast steps stored for the report (five series of this length per trial)"),
    Field("evaluation", .choice(ForecastSettings.Evaluation.self), default: "holdout",
          help: "holdout: one multi-step forecast; rolling: one-step-ahead forecasts from a rolling origin"),
    Field("refit_every", .int(min: 1, max: 100_000), default: 10, help: "rolling origin: refit every k steps"),
  ]

}
