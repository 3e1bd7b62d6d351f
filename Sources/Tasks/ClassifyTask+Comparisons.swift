import AlmanacCore
import Datasets
import Experiments
import Learning
import Statistics

/// What a classify trial stores so that it can be compared with other trials and with rules that use no features:
/// day-resampled bootstrap intervals of its test metrics, the baselines on the same test rows, and the test
/// predictions themselves.
extension ClassifyTask {
  /// Bootstrap replicates of the per-trial intervals (BCa needs 2000 or more).
  static let bootstrapReplicates = 2000

  /// The generator of a trial's bootstrap: derived from the trial seed, so it never disturbs the training stream.
  static func bootstrapGenerator(trialSeed: UInt64) -> SplitMix64 {
    SplitMix64(seed: SplitMix64.derive(trialSeed, "classify.test-bootstrap"))
  }

  /// `<metric>.lo95` and `<metric>.hi95` for ``ClassifyOutputs/intervalMetrics``: the BCa 95% interval of a cluster
  /// bootstrap over test days (every row of a resampled day moves together; ``ClusterBootstrap``), the metric
  /// recomputed at the trial's threshold on each resample. Undefined bounds (one class in every resample, for
  /// example) are NaN and stored as missing.
  static func intervalMetrics(
    probabilities: [Double], labels: [Float], days: [Int], threshold: Double,
    generator: inout SplitMix64
  ) -> [String: Double] {
    let names = ClassifyOutputs.intervalMetrics
    let intervals: [BootstrapInterval]
    do {
      intervals = try ClusterBootstrap.intervals(
        groups: days, metricCount: names.count, replicates: bootstrapReplicates, method: .bca, level: 0.95,
        generator: &generator
      ) { rows in
        let m = ClassificationMetrics(
          truth: rows.map { labels[$0] }, probabilities: rows.map { probabilities[$0] },
          threshold: threshold)
        return [m.f1, m.precision, m.recall, m.rocAUC, m.averagePrecision]
      }
    } catch {
      return [:]  // unreachable: the arguments above are within bounds
    }
    var out: [String: Double] = [:]
    for (name, interval) in zip(names, intervals) {
      out[ClassifyOutputs.lower95(name)] = interval.interval.lower
      out[ClassifyOutputs.upper95(name)] = interval.interval.upper
    }
    return out
  }

  /// `baseline.<rule>.<metric>` for the always-positive rule, the prevalence rule at the training prevalence, and
  /// persistence per token (history: the training rows, so the first test day has a yesterday).
  static func baselineMetrics(_ split: PanelSplit) -> [String: Double] {
    let labels = split.testY.map { $0 > 0.5 }
    let trainPrevalence = split.trainY.isEmpty ? nil : split.trainY.reduce(0, +) / Double(split.trainY.count)
    var rules: [ClassificationBaseline] = [ClassificationBaseline.alwaysPositive(labels: labels)]
    if let prevalence = try? ClassificationBaseline.prevalence(labels: labels, rate: trainPrevalence) {
      rules.append(prevalence)
    }
    if let persistence = try? ClassificationBaseline.persistence(
      labels: labels, groups: split.testTokens, days: split.testDays,
      historyLabels: split.trainY.map { $0 > 0.5 }, historyGroups: split.trainTokens, historyDays: split.trainDays)
    {
      rules.append(persistence)
    }
    var out: [String: Double] = [:]
    for b in rules {
      let rule = b.rule.rawValue
      out[Baselines.key(rule, ClassifyOutputs.accuracy)] = b.accuracy
      out[Baselines.key(rule, ClassifyOutputs.precision)] = b.precision
      out[Baselines.key(rule, ClassifyOutputs.recall)] = b.recall
      out[Baselines.key(rule, ClassifyOutputs.f1)] = b.f1
      out[Baselines.key(rule, ClassifyOutputs.rocAUC)] = b.rocAUC
      out[Baselines.key(rule, ClassifyOutputs.prAUC)] = b.averagePrecision
    }
    return out
  }

  /// `test_score`, `test_label`, `test_day`, `test_group` (step = test row).
  static func predictionSeries(probabilities: [Double], split: PanelSplit) -> [SeriesPoint] {
    let tokens = Array(Set(split.testTokens)).sorted()
    let tokenIndex = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
    var series: [SeriesPoint] = []
    series.reserveCapacity(4 * split.testCount)
    for i in 0..<split.testCount {
      series.append(
        SeriesPoint(key: ClassifyOutputs.testScore, step: i, value: i < probabilities.count ? probabilities[i] : .nan))
      series.append(SeriesPoint(key: ClassifyOutputs.testLabel, step: i, value: split.testY[i]))
      series.append(SeriesPoint(key: ClassifyOutputs.testDay, step: i, value: Double(split.testDays[i])))
      series.append(
        SeriesPoint(key: ClassifyOutputs.testGroup, step: i, value: Double(tokenIndex[split.testTokens[i]] ?? -1)))
    }
    return series
  }
}
