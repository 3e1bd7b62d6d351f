import Datasets
import Experiments
import Forecasting
import Foundation

extension ForecastTask {
  /// The `forecast` settings (docs/ARCHITECTURE.md "Task settings / forecast" is generated from this list). Every
  /// bound is far above what a study needs and keeps one trial's memory and time finite.
  static let schema: [Field] = [
    Field(
      "data",
      .object([
        Field(
          "source", .choice(SeriesRequest.Source.self), default: "csv",
          help: "csv: read `file`; synthetic: the embedded synthetic Aave market's daily rates"),
        Field(
          "file", .string(), default: "../../shared/data/rates/usdc_hourly_2020_2022.csv",
          help: "CSV file (source csv), relative to the experiment file"),
        Field("time", .string(), default: "timestamp", help: "time column (ISO date/time or Unix epoch)"),
        Field("value", .string(), default: "variable_borrow_rate_aave_v2", help: "value column"),
        Field(
          "filter", .dictionary(of: .string()), default: .map([:]),
          help: "keep rows whose column equals the value, for example {symbol: USDC}"),
        Field(
          "positive_only", .bool,
          help: "drop rows whose value is <= 0 (counted in points_dropped); when omitted: true with transform log, "
            + "false otherwise"),
        Field(
          "last", .int(min: 0, max: 10_000_000), default: 2000,
          help: "keep only the last N points (0 = all); ten million is over 1000 years of hourly points"),
        Field("resample", .choice(RateSeries.Resample.self), default: "none", help: "mean per UTC hour or day"),
        Field(
          "missing", .choice(RateSeries.Missing.self),
          help: "missing values (empty, NA, NaN): keep as gaps the Kalman filter skips (R's NA), drop, or "
            + "interpolate linearly in time; when omitted: keep with transform none, drop otherwise"),
        Field(
          "duplicates", .choice(RateSeries.Duplicates.self), default: "error",
          help: "rows at the same time: an error, or merge them (mean, first, last; counted in points_merged)"),
        Field(
          "synthetic",
          .object([
            Field(
              "seed", .int(min: 0, max: ClassifySettings.maximumSeed), default: 7,
              help: "synthetic market seed (at most 2^53 - 1, so it survives any JSON reader)"),
            Field(
              "days", .int(min: 1, max: 36_500), default: 730,
              help: "simulated days (at most 100 years: the simulation's time and memory grow with the days)"),
            Field("token", .string(), default: "USDC", help: "token symbol"),
            Field("rate", .choice(RateSeries.Rate.self), default: "variable_borrow", help: "which rate"),
          ]), help: "source synthetic: what to simulate"),
      ]), help: "where the series comes from"),
    Field(
      "transform", .choice(SeriesTransform.self), default: "log",
      help: "applied before fitting and inverted for forecasts (log: point forecast = median)"),
    Field("p", .int(min: 0, max: 20), default: 1, help: "AR order"),
    Field("d", .int(min: 0, max: 3), default: 1, help: "differencing order"),
    Field("q", .int(min: 0, max: 20), default: 1, help: "MA order"),
    Field("P", .int(min: 0, max: 10), default: 0, help: "seasonal AR order (needs period > 1)"),
    Field("D", .int(min: 0, max: 2), default: 0, help: "seasonal differencing order (needs period > 1)"),
    Field("Q", .int(min: 0, max: 10), default: 0, help: "seasonal MA order (needs period > 1)"),
    Field(
      "period", .int(min: 1, max: 1000), default: 1,
      help: "seasonal period in points (24 for a daily cycle of hourly data; 1 = no seasonal part)"),
    Field(
      "search", .choice(ForecastSettings.Search.self), default: "grid",
      help: "grid: fit the order given (sweep p, d, q, ... for a grid); stepwise: auto.arima's stepwise search "
        + "(ignores p, d, q, P, D, Q, include_mean, drift; keeps period)"),
    Field(
      "method", .choice(ARIMAMethod.self), default: "css-ml",
      help: "CSS start values then exact ML (R's default), exact ML, or conditional sum of squares"),
    Field("include_mean", .bool, default: true, help: "estimate a mean (only when d = 0; ignored otherwise)"),
    Field("drift", .bool, default: false, help: "estimate a drift (only when d = 1; ignored otherwise)"),
    Field(
      "holdout", .int(min: 0, max: 100_000), default: 100,
      help: "the last N points are held out and forecast (0: fit on everything and forecast `horizon` steps "
        + "beyond the end; 100000 bounds the forecasts a trial stores)"),
    Field(
      "horizon", .int(min: 0, max: 100_000), defaultPath: "holdout",
      help: "forecast steps stored for the report (five series of this length per trial); >= 1 with holdout 0"),
    Field(
      "evaluation", .choice(ForecastSettings.Evaluation.self), default: "holdout",
      help: "holdout: one multi-step forecast; rolling: one-step-ahead forecasts from a rolling origin"),
    Field("refit_every", .int(min: 1, max: 100_000), default: 10, help: "rolling origin: refit every k steps"),
    Field(
      "report",
      .object([
        Field(
          "group_by", .string(), default: "",
          help: "comma-separated settings whose values split the report into groups, each with its own "
            + "leaderboard and charts; empty: every data.* sweep axis; none: no groups")
      ]), help: "how the report presents the trials (read by the report, not the fit)"),
  ]

  /// Rules across settings, reported by the planner at the offending setting: the order (p, d, q)(P, D, Q)[period]
  /// must satisfy ``ARIMAOrder/isValid`` (seasonal orders need period > 1, bounded state size); `holdout: 0` needs
  /// `horizon` >= 1 and holdout evaluation.
  public func check(settings: Value) -> [SettingProblem] {
    let s: ForecastSettings
    do {
      s = try ForecastSettings(settings, baseDirectory: URL(fileURLWithPath: "/"))
    } catch {
      // The planner validates before it checks; a direct caller learns why the settings are unusable.
      return [SettingProblem("", "\(error)")]
    }
    var problems: [SettingProblem] = []
    let o = s.order
    if o.period == 1 && o.P + o.D + o.Q > 0 {
      problems.append(
        SettingProblem(
          o.P > 0 ? "P" : o.D > 0 ? "D" : "Q",
          "seasonal orders need period > 1, got P = \(o.P), D = \(o.D), Q = \(o.Q) with period 1"))
    } else if !o.isValid {
      problems.append(
        SettingProblem(
          "period",
          "ARIMA\(o) is too large: max(p + period P, q + period Q + 1) must be at most "
            + "\(ARIMAOrder.maxStateDimension) and d + period D at most \(ARIMAOrder.maxDifferencingLength)"))
    }
    if s.holdout == 0 {
      if s.horizon == 0 {
        problems.append(SettingProblem("horizon", "holdout 0 forecasts beyond the data: set horizon >= 1"))
      }
      if s.evaluation == .rolling {
        problems.append(SettingProblem("evaluation", "rolling evaluation needs holdout >= 1"))
      }
    }
    return problems
  }
}
