import Experiments

extension ForecastTask {
  /// The `forecast` settings, exactly as `docs/ARCHITECTURE.md` ("Task settings / forecast") lists them.
  static let schema: [Field] = [
    Field("data", .object([
      Field("source", .string(choices: ["csv", "synthetic"]), default: "csv",
            help: "csv: read `file`; synthetic: the embedded synthetic Aave market's daily rates"),
      Field("file", .string(), default: "../../shared/data/rates/usdc_hourly_2020_2022.csv",
            help: "CSV file (source csv), relative to the experiment file"),
      Field("time", .string(), default: "timestamp", help: "time column (ISO date/time or Unix epoch)"),
      Field("value", .string(), default: "variable_borrow_rate_aave_v2", help: "value column"),
      Field("filter", .dictionary(of: .string()), default: .map([:]),
            help: "keep rows whose column equals the value, for example {symbol: USDC}"),
      Field("positive_only", .bool, default: true, help: "drop rows whose value is <= 0"),
      Field("last", .int(min: 0), default: 2000, help: "keep only the last N points (0 = all)"),
      Field("resample", .string(choices: ["none", "hourly", "daily"]), default: "none",
            help: "mean per UTC hour or day"),
      Field("missing", .string(choices: ["drop", "interpolate"]), default: "drop",
            help: "missing values: drop them or interpolate linearly in time"),
      Field("synthetic", .object([
        Field("seed", .int(min: 0), default: 7, help: "synthetic market seed"),
        Field("days", .int(min: 1), default: 730, help: "simulated days"),
        Field("token", .string(), default: "USDC", help: "token symbol"),
        Field("rate", .string(choices: ["variable_borrow", "stable_borrow", "supply"]), default: "variable_borrow",
              help: "which rate"),
      ]), help: "source synthetic: what to simulate"),
    ]), help: "where the series comes from"),
    Field("transform", .string(choices: ["none", "log"]), default: "log",
          help: "applied before fitting and inverted for forecasts (log: point forecast = median)"),
    Field("p", .int(min: 0, max: 20), default: 1, help: "AR order"),
    Field("d", .int(min: 0, max: 3), default: 1, help: "differencing order"),
    Field("q", .int(min: 0, max: 20), default: 1, help: "MA order"),
    Field("method", .string(choices: ["css-ml", "ml", "css"]), default: "css-ml",
          help: "CSS start values then exact ML (R's default), exact ML, or conditional sum of squares"),
    Field("include_mean", .bool, default: true, help: "estimate a mean (only when d = 0; ignored otherwise)"),
    Field("drift", .bool, default: false, help: "estimate a drift (only when d = 1; ignored otherwise)"),
    Field("holdout", .int(min: 1), default: 100, help: "the last N points are held out and forecast"),
    Field("horizon", .int(min: 1), help: "forecast steps stored for the report (default = holdout)"),
    Field("evaluation", .string(choices: ["holdout", "rolling"]), default: "holdout",
          help: "holdout: one multi-step forecast; rolling: one-step-ahead forecasts from a rolling origin"),
    Field("refit_every", .int(min: 1), default: 10, help: "rolling origin: refit every k steps"),
  ]

}
