import AlmanacCore
import Experiments
import Statistics
import Tracking

/// The paired difference of one metric between an axis value and the axis's reference (first) value.
///
/// Two finished trials are a pair when they differ only in that axis: every other parameter and the replicate are
/// equal. Over the n pairs, Δ_i = metric(value) − metric(reference); the report shows mean Δ with the Student t 95%
/// interval (``PairedTTest``), the BCa bootstrap interval of the mean for n >= 10 (``ClusterBootstrap/mean(of:replicates:method:level:generator:)``),
/// the paired t and Wilcoxon signed-rank p-values, and the t p-value Holm-adjusted across every row of every effect
/// table of the report (``HolmAdjustment``).
struct PairedEffect: Sendable {
  var axis: String
  var reference: String
  var value: String
  var metric: String
  var goal: MetricGoal
  /// value − reference, one per pair (pairs whose metric is missing in either trial are left out).
  var deltas: [Double]
  /// The pairs as (reference trial, value trial).
  var pairs: [(reference: TrialRecord, value: TrialRecord)]
  var t: PairedTTest?
  var wilcoxon: WilcoxonSignedRank?
  /// BCa bootstrap interval of mean Δ (n >= 10 only).
  var bootstrap: ConfidenceInterval?
  /// The t p-value after Holm's adjustment across the report (set by ``PairedEffects``).
  var holm: Double = .nan

  /// Smallest n for which the bootstrap interval of mean Δ is shown.
  static let bootstrapMinimum = 10

  /// - Parameter members: the parameters that make up `axis` (a `zip` group's keys, see ``ZipAxes``); pairs may
  ///   differ in them and in nothing else. Default: `axis` alone.
  init(
    axis: String, reference: String, value: String, metric: String, goal: MetricGoal, trials: [TrialRecord],
    members: [String]? = nil
  ) {
    self.axis = axis
    self.reference = reference
    self.value = value
    self.metric = metric
    self.goal = goal
    let finished = trials.filter { $0.status == .finished }
    let varying = Set(members ?? []).union([axis])
    func signature(_ t: TrialRecord) -> String {
      t.params.filter { !varying.contains($0.key) && !TrialRecord.replicateParameterNames.contains($0.key) }
        .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1}") + "\u{1}#\(t.replicate)"
    }
    var references: [String: TrialRecord] = [:]
    for t in finished where t.params[axis] == reference {
      let s = signature(t)
      if references[s] == nil { references[s] = t }
    }
    var pairs: [(reference: TrialRecord, value: TrialRecord)] = []
    var deltas: [Double] = []
    for t in finished where t.params[axis] == value {
      guard let r = references[signature(t)] else { continue }
      let a = t.metrics[metric] ?? .nan
      let b = r.metrics[metric] ?? .nan
      guard a.isFinite, b.isFinite else { continue }
      pairs.append((r, t))
      deltas.append(a - b)
    }
    self.pairs = pairs
    self.deltas = deltas
    if deltas.count >= 2 {
      t = try? PairedTTest(differences: deltas)
      wilcoxon = WilcoxonSignedRank(differences: deltas)
    }
    if deltas.count >= Self.bootstrapMinimum {
      var generator = SplitMix64(seed: SplitMix64.derive(0, "report.effect:\(axis)=\(value):\(metric)"))
      bootstrap = (try? ClusterBootstrap.mean(of: deltas, generator: &generator))?.result.interval
    }
  }

  var n: Int { deltas.count }
  var mean: Double { deltas.isEmpty ? .nan : deltas.reduce(0, +) / Double(deltas.count) }

  /// What a reader should conclude, in words (Markdown, safe in a table cell: the axis value is escaped).
  var verdict: String {
    switch n {
    case 0: return "no pairs: no trial differs from a reference trial in this axis alone"
    case 1:
      var s = "one pair: no paired test"
      let lo = ClassifyOutputs.lower95(metric)
      let hi = ClassifyOutputs.upper95(metric)
      if let p = pairs.first, let a = p.reference.metrics[lo], let b = p.reference.metrics[hi],
        let c = p.value.metrics[lo], let d = p.value.metrics[hi], a.isFinite, b.isFinite, c.isFinite, d.isFinite
      {
        s +=
          "; per-trial 95% intervals \(Format.metric(a, like: b))–\(Format.metric(b)) (reference) and "
          + "\(Format.metric(c, like: d))–\(Format.metric(d)) (\(Markdown.cell(value)))"
          + (max(a, c) <= min(b, d) ? ", which overlap" : ", which do not overlap")
      }
      return s
    default:
      let better = goal == .maximize ? mean > 0 : mean < 0
      let direction = mean == 0 ? "equal to" : (better ? "better than" : "worse than")
      if holm < 0.05 { return "**\(direction) the reference** (Holm-adjusted p < 0.05)" }
      if let p = t?.pValue, p < 0.05 {
        return "nominally \(direction) the reference (p < 0.05), not after Holm's adjustment"
      }
      if let w = wilcoxon?.pValue, w < 0.05 {
        return "no detectable difference by the t-test; Wilcoxon (p < 0.05, unadjusted) disagrees: more pairs needed"
      }
      return "no detectable difference at this sample size"
    }
  }
}

/// Every paired effect of a report, Holm-adjusted together.
enum PairedEffects {
  /// For each axis with at least two values: each value against the first, on `metric`.
  static func compute(
    axes: [String], trials: [TrialRecord], metric: String, goal: MetricGoal, members: [String: [String]] = [:]
  ) -> [PairedEffect] {
    var effects: [PairedEffect] = []
    for axis in axes where !TrialRecord.replicateParameterNames.contains(axis) {
      var order: [String] = []
      for t in trials { if let v = t.params[axis], !order.contains(v) { order.append(v) } }
      guard let reference = order.first, order.count > 1 else { continue }
      for value in order.dropFirst() {
        effects.append(
          PairedEffect(
            axis: axis, reference: reference, value: value, metric: metric, goal: goal,
            trials: trials, members: members[axis]))
      }
    }
    let p = effects.map { $0.t?.pValue ?? .nan }
    if let holm = try? HolmAdjustment(pValues: p) {
      for i in effects.indices { effects[i].holm = holm.adjusted[i] }
    }
    return effects
  }
}

extension Format {
  /// A p-value: `< 0.001`, else 3 decimals (`0.042`); `—` when undefined.
  static func pValue(_ p: Double) -> String {
    guard p.isFinite else { return "—" }
    if p < 0.001 { return "< 0.001" }
    return String(format: "%.3f", p)
  }

  /// `[-0.0123, +0.0456]` in the decimals of `like`; `—` when undefined.
  static func interval(_ ci: ConfidenceInterval?, like reference: Double) -> String {
    guard let ci, ci.lower.isFinite, ci.upper.isFinite else { return "—" }
    return "[" + signed(ci.lower, like: reference) + ", " + signed(ci.upper, like: reference) + "]"
  }
}
