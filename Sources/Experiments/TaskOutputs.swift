import Tracking

/// The metrics and series the `classify` task writes, declared once: the task writes these keys, reports read them
/// (the ROC and precision-recall curves, the confusion matrix, the loss curves), and ``declarations`` is what the
/// runner records with every classify experiment.
public enum ClassifyOutputs {
  public static let accuracy = "accuracy"
  public static let precision = "precision"
  public static let recall = "recall"
  public static let f1 = "f1"
  public static let rocAUC = "roc_auc"
  public static let prAUC = "pr_auc"
  public static let logLoss = "log_loss"
  public static let brier = "brier"
  public static let tp = "tp"
  public static let fp = "fp"
  public static let tn = "tn"
  public static let fn = "fn"
  public static let cvLoss = "cv_loss"
  /// Series: training loss by epoch (step from 1, counted across folds and the final fit).
  public static let trainLoss = "train_loss"
  /// Series: validation loss by fold (step = fold from 1).
  public static let validationLoss = "val_loss"
  /// Series: the ROC curve on the test set (step = curve point).
  public static let rocFPR = "roc_fpr"
  public static let rocTPR = "roc_tpr"
  /// Series: the precision-recall curve on the test set (step = curve point).
  public static let prRecall = "pr_recall"
  public static let prPrecision = "pr_precision"
  /// Series on the test rows (step = 0-based test row, in the panel's order): the predicted probability, the 0/1
  /// label, the row's day (days since 1970-01-01) and its token (index into the sorted token names of the test rows).
  /// Kept so that two trials can be compared later (`almanac compare`) without rerunning them.
  public static let testScore = "test_score"
  public static let testLabel = "test_label"
  public static let testDay = "test_day"
  public static let testGroup = "test_group"

  /// The metrics given a bootstrap 95% interval over test days (``lower95(_:)``, ``upper95(_:)``).
  public static let intervalMetrics = [f1, precision, recall, rocAUC, prAUC]
  /// `<metric>.lo95`: lower bound of the metric's day-resampled bootstrap 95% interval (BCa).
  public static func lower95(_ metric: String) -> String { metric + ".lo95" }
  /// `<metric>.hi95`: upper bound of that interval.
  public static func upper95(_ metric: String) -> String { metric + ".hi95" }

  /// The rules of ``baseline(_:_:)``, as stored: `always_positive`, `prevalence` (the training prevalence as the
  /// positive rate) and `persistence` (yesterday's label of the same token).
  public static let baselineRules = ["always_positive", "prevalence", "persistence"]
  /// The metrics stored for each baseline rule.
  public static let baselineMetrics = [accuracy, precision, recall, f1, rocAUC, prAUC]

  /// The default ranking metric.
  public static let defaultRanking = f1
  /// The metrics drawn as bars per configuration.
  public static let barMetrics = [accuracy, precision, recall, f1]

  public static let declarations: [MetricDeclaration] =
    [
      MetricDeclaration(accuracy, goal: .maximize, listed: true, help: "share of test rows classified correctly"),
      MetricDeclaration(
        precision, goal: .maximize, listed: true, help: "of the predicted positives, the share that are"),
      MetricDeclaration(recall, goal: .maximize, listed: true, help: "of the positives, the share predicted"),
      MetricDeclaration(f1, goal: .maximize, listed: true, help: "harmonic mean of precision and recall"),
      MetricDeclaration(rocAUC, goal: .maximize, listed: true, help: "area under the ROC curve"),
      MetricDeclaration(prAUC, goal: .maximize, listed: true, help: "average precision (area under the PR curve)"),
      MetricDeclaration(logLoss, goal: .minimize, listed: true, help: "binary cross-entropy on the test set"),
      MetricDeclaration(brier, goal: .minimize, listed: true, help: "mean squared error of the probabilities"),
      MetricDeclaration(tp, goal: .maximize, help: "true positives at the threshold"),
      MetricDeclaration(fp, goal: .minimize, help: "false positives at the threshold"),
      MetricDeclaration(tn, goal: .maximize, help: "true negatives at the threshold"),
      MetricDeclaration(fn, goal: .minimize, help: "false negatives at the threshold"),
      MetricDeclaration(cvLoss, goal: .minimize, help: "mean validation loss over the folds"),
      MetricDeclaration(trainLoss, .series, help: "training loss by epoch"),
      MetricDeclaration(validationLoss, .series, help: "validation loss by fold"),
      MetricDeclaration(rocFPR, .series, help: "ROC curve, false positive rate"),
      MetricDeclaration(rocTPR, .series, help: "ROC curve, true positive rate"),
      MetricDeclaration(prRecall, .series, help: "precision-recall curve, recall"),
      MetricDeclaration(prPrecision, .series, help: "precision-recall curve, precision"),
      MetricDeclaration(testScore, .series, help: "predicted probability of each test row"),
      MetricDeclaration(testLabel, .series, help: "0/1 label of each test row"),
      MetricDeclaration(testDay, .series, help: "day of each test row (days since 1970-01-01)"),
      MetricDeclaration(testGroup, .series, help: "token of each test row (index into the sorted test tokens)"),
    ]
    + intervalMetrics.flatMap { m in
      [
        MetricDeclaration(lower95(m), help: "\(m): lower bound of the bootstrap 95% interval over test days"),
        MetricDeclaration(upper95(m), help: "\(m): upper bound of the bootstrap 95% interval over test days"),
      ]
    } + [
      MetricDeclaration(
        Baselines.prefix + "*", help: "baseline.<rule>.<metric>: a rule without features on the same test rows")
    ]
}

/// Names of baseline metrics, shared by both tasks: `baseline.<rule>.<metric>`, where `<metric>` is the task's own
/// metric name (so a report puts the baseline's value in the same column as the models'). Classify rules:
/// `always_positive`, `prevalence`, `persistence`; forecast rules: `random_walk`, `random_walk_drift`.
public enum Baselines {
  public static let prefix = "baseline."
  /// `baseline.<rule>.<metric>`.
  public static func key(_ rule: String, _ metric: String) -> String { prefix + rule + "." + metric }
  /// People's name of a rule: `always_positive` -> `always positive`.
  public static func label(_ rule: String) -> String { rule.replacingOccurrences(of: "_", with: " ") }
  /// The rules present among `keys`, in first-appearance order of `known`, then the rest sorted.
  public static func rules<S: Sequence>(in keys: S, known: [String] = []) -> [String] where S.Element == String {
    var found = Set<String>()
    for k in keys where k.hasPrefix(prefix) {
      let rest = k.dropFirst(prefix.count)
      if let dot = rest.firstIndex(of: ".") { found.insert(String(rest[..<dot])) }
    }
    return known.filter { found.contains($0) } + found.subtracting(known).sorted()
  }
}

/// The metrics and series the `forecast` task writes (see ``ClassifyOutputs``).
public enum ForecastOutputs {
  public static let aic = "aic"
  public static let aicc = "aicc"
  public static let bic = "bic"
  public static let loglik = "loglik"
  public static let sigma2 = "sigma2"
  public static let rmse = "rmse"
  public static let mae = "mae"
  public static let mape = "mape"
  public static let converged = "converged"
  public static let iterations = "iterations"
  /// `coef.<name>` and `se.<name>`: each coefficient and its standard error.
  public static let coefficientPrefix = "coef."
  public static let standardErrorPrefix = "se."
  /// Series in rate units (step = 0-based forecast index): the point forecast and the 80% and 95% bounds.
  public static let forecast = "forecast"
  public static let lower80 = "lower80"
  public static let upper80 = "upper80"
  public static let lower95 = "lower95"
  public static let upper95 = "upper95"
  /// Series: the held-out values (step = 0-based holdout index).
  public static let actual = "actual"
  /// Series: autocorrelation of the residuals (step = lag from 1).
  public static let residualACF = "residual_acf"
  /// Baseline rules (``Baselines``): the last training value carried forward, with the average drift, and (with a
  /// seasonal period) the value one period earlier.
  public static let baselineRules = ["random_walk", "random_walk_drift", "seasonal_naive"]
  /// The metrics stored for each baseline rule.
  public static let baselineMetrics = [rmse, mae, mape]
  /// RMSE / RMSE of the random walk on the same holdout (< 1: better than the random walk).
  public static let skillRW = "skill_rw"
  /// MAE / in-sample MAE of the one-step naive forecast on the training series (R `forecast::accuracy`).
  public static let mase = "mase"
  /// Diebold-Mariano test of the model against the random walk (squared loss, h = 1, HLN correction): the statistic
  /// (negative favours the model) and the one-sided p-value for "the model is more accurate".
  public static let dmRWStatistic = "dm_rw_stat"
  public static let dmRWPValue = "dm_rw_p"
  /// Series: the time of each forecast step (Unix seconds, UTC; step as `forecast`): the held-out points' own
  /// times, then the series' spacing continued beyond its last point (`RateSeries.futureTimes`).
  public static let forecastTime = "forecast_time"
  /// Series: the last points of the fitted series before the forecast (rate units; step = 0-based, oldest first;
  /// NaN where missing) and their times (Unix seconds), for charts.
  public static let history = "history"
  public static let historyTime = "history_time"
  /// Points of the loaded series dropped (non-positive under `positive_only`, missing under `missing: drop`).
  public static let pointsDropped = "points_dropped"
  /// Missing points kept as gaps (`missing: keep`) in the loaded series.
  public static let pointsMissing = "points_missing"
  /// Missing points filled by `missing: interpolate`.
  public static let pointsInterpolated = "points_interpolated"
  /// Rows merged into another by `duplicates`.
  public static let pointsMerged = "points_merged"
  /// Models the order search fitted (1 for `search: grid`).
  public static let modelsFitted = "models_fitted"
  /// The forecast and its bands, in drawing order.
  public static let bands = [actual, forecast, lower80, upper80, lower95, upper95]
  /// The settings of the model order (heat-map axes).
  public static let orderSettings = ["p", "d", "q"]
  /// The settings of the seasonal order.
  public static let seasonalOrderSettings = ["P", "D", "Q", "period"]

  public static let defaultRanking = aic

  public static let declarations: [MetricDeclaration] = [
    MetricDeclaration(aic, goal: .minimize, listed: true, help: "Akaike information criterion"),
    MetricDeclaration(aicc, goal: .minimize, listed: true, help: "AIC with the small-sample correction"),
    MetricDeclaration(bic, goal: .minimize, listed: true, help: "Bayesian information criterion"),
    MetricDeclaration(rmse, goal: .minimize, listed: true, help: "root mean squared error on the holdout (rate units)"),
    MetricDeclaration(mae, goal: .minimize, listed: true, help: "mean absolute error on the holdout (rate units)"),
    MetricDeclaration(mape, goal: .minimize, listed: true, help: "mean absolute percentage error on the holdout"),
    MetricDeclaration(skillRW, goal: .minimize, listed: true, help: "RMSE / RMSE of the random walk (< 1 beats it)"),
    MetricDeclaration(mase, goal: .minimize, listed: true, help: "mean absolute scaled error (in-sample naive scale)"),
    MetricDeclaration(converged, listed: true, help: "1 when the optimiser converged"),
    MetricDeclaration(dmRWStatistic, help: "Diebold-Mariano statistic against the random walk (< 0 favours the model)"),
    MetricDeclaration(dmRWPValue, help: "one-sided Diebold-Mariano p-value: the model beats the random walk"),
    MetricDeclaration(Baselines.prefix + "*", help: "baseline.<rule>.<metric>: a naive forecast on the same holdout"),
    MetricDeclaration(loglik, goal: .maximize, help: "log-likelihood of the fit"),
    MetricDeclaration(sigma2, goal: .minimize, help: "innovation variance"),
    MetricDeclaration(iterations, help: "optimiser iterations"),
    MetricDeclaration(pointsDropped, listed: true, help: "loaded points dropped (non-positive or missing)"),
    MetricDeclaration(pointsMissing, help: "missing points kept as gaps the Kalman filter skips"),
    MetricDeclaration(pointsInterpolated, help: "missing points filled by linear interpolation"),
    MetricDeclaration(pointsMerged, help: "rows at a repeated time merged by `data.duplicates`"),
    MetricDeclaration(modelsFitted, help: "models fitted by the order search (1 for search grid)"),
    MetricDeclaration(coefficientPrefix + "*", help: "estimated coefficients"),
    MetricDeclaration(standardErrorPrefix + "*", help: "standard errors of the coefficients"),
    MetricDeclaration(forecast, .series, help: "point forecast"),
    MetricDeclaration(lower80, .series, help: "80% interval, lower bound"),
    MetricDeclaration(upper80, .series, help: "80% interval, upper bound"),
    MetricDeclaration(lower95, .series, help: "95% interval, lower bound"),
    MetricDeclaration(upper95, .series, help: "95% interval, upper bound"),
    MetricDeclaration(actual, .series, help: "held-out values"),
    MetricDeclaration(residualACF, .series, help: "residual autocorrelation by lag"),
    MetricDeclaration(forecastTime, .series, help: "time of each forecast step (Unix seconds)"),
    MetricDeclaration(history, .series, help: "last fitted points before the forecast"),
    MetricDeclaration(historyTime, .series, help: "times of the history points (Unix seconds)"),
  ]
}

extension MetricDeclaration {
  /// The Markdown table of `declarations` for the docs (name, kind, direction, whether it is a table column, help),
  /// in declaration order; docs/ARCHITECTURE.md holds one per task, checked by a drift test.
  public static func markdownTable(_ declarations: [MetricDeclaration]) -> String {
    var lines = ["| metric | kind | better | in tables | meaning |", "|---|---|---|---|---|"]
    for d in declarations {
      let goal = d.goal.map { $0 == .maximize ? "higher" : "lower" } ?? ""
      lines.append("| `\(d.name)` | \(d.kind.rawValue) | \(goal) | \(d.listed ? "yes" : "") | \(d.help) |")
    }
    return lines.joined(separator: "\n")
  }
}
