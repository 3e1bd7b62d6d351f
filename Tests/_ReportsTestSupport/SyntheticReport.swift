import AlmanacCore
import Experiments
import Foundation
import Reports
import Tracking

/// Made-up but plausible report inputs for benchmarks, demos and tests (no store, no data files).
///
/// Every value is drawn from `SplitMix64(seed:)`, so the same arguments always give the same input.
public enum SyntheticReport {
  /// A fixed date (2025-11-18 12:00 UTC) so that reports built from synthetic input are byte-for-byte repeatable.
  public static let date = Date(timeIntervalSince1970: 1_763_467_200)

  /// A classification sweep: `features` (default [3d, 7d]; later ones score higher) × `oversampling` [none, random, smote, class_weight] ×
  /// the first `learningRates` of `model.lr` [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, …] × `replicates` seeds; `failures` trials (spread through the plan) are
  /// FAILED or KILLED. Each finished trial has the scalar metrics, train/val loss (steps from 1, five folds of 30
  /// epochs), ROC and PR series of the `classify` task.
  public static func classification(features: [String] = ["3d", "7d"], learningRates: Int = 2, replicates: Int = 3,
                                    failures: Int = 1, seed: UInt64 = 7) -> ReportInput
  {
    var rng = SplitMix64(seed: seed)
    let oversampling = ["none", "random", "smote", "class_weight"]
    let grid = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
    let lrs = (0..<max(1, learningRates)).map { i in i < grid.count ? grid[i] : Math.pow(10, Double(i - 8)) }
    var trials: [TrialRecord] = []
    let total = features.count * oversampling.count * lrs.count * max(1, replicates)
    let failEvery = failures > 0 ? max(1, total / failures) : Int.max
    var index = 0
    for f in features {
      for o in oversampling {
        for lr in lrs {
          for r in 0..<max(1, replicates) {
            defer { index += 1 }
            let params = ["features": f, "oversampling": o, "model.lr": Value.double(lr).display, "seed": "\(r)",
                          "model.epochs": "30"]
            let key = String(format: "%016llx", SplitMix64.derive(seed, "\(f)/\(o)/\(lr)/\(r)"))
            if index % failEvery == failEvery - 1 {
              let killed = (index / failEvery) % 2 == 1
              trials.append(TrialRecord(
                key: key, status: killed ? .killed : .failed,
                error: killed ? "interrupted (SIGINT) after fold 2" : "SMOTE needs at least 6 minority rows, fold 3 has 4",
                params: params, replicate: r))
              continue
            }
            let gains: [String: Double] = ["none": 0.0, "random": 0.04, "smote": 0.06, "class_weight": 0.03]
            let boost: Double = gains[o] ?? 0
            let lrPenalty: Double = 0.03 * abs(Math.log(lr) / Math.log(10) + 3.5)
            let featureGain: Double = 0.05 * Double(features.firstIndex(of: f) ?? 0) / Double(max(1, features.count - 1))
            let noise: Double = 0.012 * rng.nextGaussian()
            let quality: Double = 0.55 + featureGain + boost - lrPenalty + noise
            trials.append(classificationTrial(key: key, params: params, replicate: r, quality: quality, lr: lr,
                                              rng: &rng))
          }
        }
      }
    }
    let experiment = ReportExperiment(
      name: "liquidations-3d-vs-7d", notes: "Does a week of history beat three days, and which oversampling helps?",
      task: .classify, filePath: "experiments/liquidations-3d-vs-7d.yaml",
      reproduceCommand: "almanac run experiments/liquidations-3d-vs-7d.yaml", date: date,
      git: GitState(commit: "0123456789abcdef0123456789abcdef01234567", dirty: false),
      dataFingerprints: ["data/aave/liquidations.csv": String(repeating: "ab", count: 32)],
      rankingMetric: "f1", goal: .maximize, sweepAxes: ["features", "oversampling", "model.lr"],
      tableMetrics: MetricCatalog(declared: ClassifyOutputs.declarations, selected: []).listed)
    return ReportInput(experiment: experiment, trials: trials)
  }

  static func classificationTrial(key: String, params: [String: String], replicate: Int, quality q: Double,
                                  lr: Double, rng: inout SplitMix64) -> TrialRecord
  {
    let positives = 80.0
    let negatives = 920.0
    let recall = min(0.98, max(0.05, q + 0.05 + 0.01 * rng.nextGaussian()))
    let precision = min(0.98, max(0.05, q - 0.05 + 0.01 * rng.nextGaussian()))
    let tp = (recall * positives).rounded()
    let fn = positives - tp
    let fp = min(negatives, (tp * (1 / precision - 1)).rounded())
    let tn = negatives - fp
    let p = tp / max(tp + fp, 1)
    let r = tp / positives
    let auc = min(0.99, 0.6 + 0.4 * q + 0.01 * rng.nextGaussian())
    var metrics: [String: Double] = [
      "accuracy": (tp + tn) / (positives + negatives), "precision": p, "recall": r,
      "f1": p + r > 0 ? 2 * p * r / (p + r) : 0, "roc_auc": auc, "log_loss": 0.35 - 0.2 * q,
      "brier": 0.1 - 0.05 * q, "tp": tp, "fp": fp, "tn": tn, "fn": fn,
    ]
    // Binormal ROC with the drawn AUC: tpr = Φ(d' + Φ⁻¹(fpr)), d' = √2 Φ⁻¹(AUC).
    let dPrime = 2.0.squareRoot() * Math.normalQuantile(auc)
    let phi = { (x: Double) in 0.5 * Math.erfc(-x / 2.0.squareRoot()) }
    var roc: [(Double, Double)] = [(0, 0)]
    for i in 1..<60 {
      let fpr = Math.pow(Double(i) / 60, 2)
      roc.append((fpr, phi(dPrime + Math.normalQuantile(fpr))))
    }
    roc.append((1, 1))
    var series: [String: [StepValue]] = [:]
    series["roc_fpr"] = roc.enumerated().map { StepValue(step: $0.offset, value: $0.element.0) }
    series["roc_tpr"] = roc.enumerated().map { StepValue(step: $0.offset, value: $0.element.1) }
    let pr = roc.dropFirst().map { fpr, tpr -> (Double, Double) in
      (tpr, tpr * positives / max(tpr * positives + fpr * negatives, 1e-12))
    }.reversed()
    series["pr_recall"] = pr.enumerated().map { StepValue(step: $0.offset, value: $0.element.0) }
    series["pr_precision"] = pr.enumerated().map { StepValue(step: $0.offset, value: $0.element.1) }
    var ap = 0.0
    var lastRecall = 0.0
    for (rc, pc) in pr.reversed() {
      ap += (rc - lastRecall) * pc
      lastRecall = rc
    }
    metrics["pr_auc"] = ap
    // Five folds of 30 epochs; each fold starts from a fresh model.
    let rate = 0.06 + 40 * lr
    var train: [StepValue] = []
    var val: [StepValue] = []
    for fold in 0..<5 {
      for epoch in 0..<30 {
        let loss = 0.18 + 0.45 * Math.exp(-rate * Double(epoch)) - 0.08 * q + 0.004 * rng.nextGaussian()
        train.append(StepValue(step: fold * 30 + epoch + 1, value: loss))
      }
      val.append(StepValue(step: fold + 1, value: 0.25 - 0.1 * q + 0.02 * Double(fold % 3) + 0.01 * rng.nextGaussian()))
    }
    series["train_loss"] = train
    series["val_loss"] = val
    return TrialRecord(key: key, status: .finished, params: params, metrics: metrics, series: series,
                       replicate: replicate)
  }

  /// A forecast sweep over ARIMA orders p in 0...maxP, d in 0...maxD, q in 0...maxQ, × `transforms`
  /// [log, none] × `replicates`; orders with p = q = maxP > 0 and d = 0 fail (non-stationary start). Each finished
  /// trial has the information criteria (R's definitions, n = 1900), `coef.*`, holdout errors, a `horizon`-step
  /// forecast with 80/95% bands, the actual holdout and residual ACF at lags 1...20, as the `forecast` task records.
  public static func forecast(maxP: Int = 2, maxD: Int = 1, maxQ: Int = 2, transforms: [String] = ["log"],
                              replicates: Int = 1, horizon: Int = 48, seed: UInt64 = 11) -> ReportInput
  {
    var rng = SplitMix64(seed: seed)
    var trials: [TrialRecord] = []
    // One shared "actual" holdout path: mean-reverting around 3.5% APR.
    var actual: [Double] = []
    var level = 0.034
    for _ in 0..<horizon {
      level += 0.08 * (0.035 - level) + 0.0012 * rng.nextGaussian()
      actual.append(max(0.001, level))
    }
    for transform in transforms {
      for p in 0...maxP {
        for d in 0...maxD {
          for q in 0...maxQ {
            for r in 0..<max(1, replicates) {
              var params = ["p": "\(p)", "d": "\(d)", "q": "\(q)", "seed": "\(r)"]
              if transforms.count > 1 { params["transform"] = transform }
              let key = String(format: "%016llx", SplitMix64.derive(seed, "\(transform)/\(p)/\(d)/\(q)/\(r)"))
              if p == maxP, q == maxQ, maxP > 0, d == 0 {
                trials.append(TrialRecord(key: key, status: .failed,
                                          error: "non-stationary AR start: |root| = 0.97 < 1 after 3 retries",
                                          params: params, replicate: r))
                continue
              }
              let fit = Double(min(p, 2)) * 14 + Double(min(q, 1)) * 11 + (d == 1 ? 20 : 0)
              let k = Double(p + q + 1 + (d == 0 ? 1 : 0))
              let loglik = 3100 + fit + (transform == "log" ? 0 : -40) + 0.5 * rng.nextGaussian()
              let n = 1900.0
              let aic = -2 * loglik + 2 * k
              let rmse = 0.0021 - 0.0001 * Double(min(p, 2) + min(q, 1)) - (d == 1 ? 0.0002 : 0)
                + 0.00005 * rng.nextGaussian()
              let sigma = rmse * 0.8
              var series: [String: [StepValue]] = [:]
              var f = actual[0] + 0.001 * rng.nextGaussian()
              var fc: [Double] = []
              for _ in 0..<horizon {
                f += 0.05 * (0.035 - f)
                fc.append(f)
              }
              func band(_ z: Double) -> [StepValue] {
                fc.enumerated().map { i, v in StepValue(step: i, value: v + z * sigma * Double(i + 1).squareRoot()) }
              }
              series["forecast"] = fc.enumerated().map { StepValue(step: $0.offset, value: $0.element) }
              series["actual"] = actual.enumerated().map { StepValue(step: $0.offset, value: $0.element) }
              series["lower80"] = band(-1.2816)
              series["upper80"] = band(1.2816)
              series["lower95"] = band(-1.96)
              series["upper95"] = band(1.96)
              // Hourly times (from 2025-01-01 UTC): 96 history points, then the forecast steps. No draws from `rng`,
              // so the other numbers are those of inputs made before these series existed.
              let start = 1_735_689_600.0
              series["history"] = (0..<96).map { i in
                StepValue(step: i, value: 0.035 + 0.0015 * Math.sin(Double(i) / 6) - 0.00001 * Double(96 - i))
              }
              series["history_time"] = (0..<96).map { StepValue(step: $0, value: start + Double($0) * 3600) }
              series["forecast_time"] = (0..<horizon).map { StepValue(step: $0, value: start + Double(96 + $0) * 3600) }
              series["residual_acf"] = (1...20).map { lag in
                StepValue(step: lag, value: (0.3 / Double(p + q + 1)) * Math.exp(-Double(lag) / 3)
                  + 0.025 * rng.nextGaussian())
              }
              let mae = rmse * 0.8
              var metrics: [String: Double] = [
                "aic": aic, "aicc": aic + 2 * k * (k + 1) / (n - k - 1), "bic": -2 * loglik + k * Math.log(n),
                "loglik": loglik, "rmse": rmse, "mae": mae, "mape": 100 * mae / 0.035,
                "converged": (p + q > 3 && r == 0) ? 0 : 1,
              ]
              // R's coefficient names; k above counts them plus σ².
              for i in 0..<p { metrics["coef.ar\(i + 1)"] = 0.5 / Double(i + 1) }
              for i in 0..<q { metrics["coef.ma\(i + 1)"] = -0.3 / Double(i + 1) }
              if d == 0 { metrics["coef.intercept"] = 0.035 }
              trials.append(TrialRecord(key: key, status: .finished, params: params, metrics: metrics,
                                        series: series, replicate: r))
            }
          }
        }
      }
    }
    var axes = ["p", "d", "q"]
    if transforms.count > 1 { axes.insert("transform", at: 0) }
    let experiment = ReportExperiment(
      name: "usdc-arima-orders", notes: "ARIMA orders for the USDC variable borrow rate (Aave v2, hourly).",
      task: .forecast, filePath: "experiments/usdc-arima-orders.yaml",
      reproduceCommand: "almanac run experiments/usdc-arima-orders.yaml", date: date,
      git: GitState(commit: "fedcba9876543210fedcba9876543210fedcba98", dirty: true),
      dataFingerprints: ["data/rates/usdc_hourly_2020_2022.csv": String(repeating: "cd", count: 32)],
      rankingMetric: "aic", goal: .minimize, sweepAxes: axes,
      tableMetrics: MetricCatalog(declared: ForecastOutputs.declarations, selected: []).listed)
    return ReportInput(experiment: experiment, trials: trials)
  }
}
