/// The text `almanac validate FILE` prints for a valid experiment: what it is, its axes, how many trials, its inputs,
/// and one trial fully resolved.
///
/// ```
/// experiment: lr-sweep (task test, seed 0)
/// file: experiments/lr.yaml
/// metrics: score (maximize, ranks trials), loss (minimize)
/// axes:
///   model.lr: [0.0001, 0.001]
///   seeds: 0..<3 (3 values)
/// trials: 2 x 3 = 6
/// inputs: none
/// example trial (#0):
///   key: 1f0e2d3c4b5a6978
///   seed: 1234567890123
///   replicate: 0
///   settings:
///     model:
///       lr: 0.0001
/// ```
public struct PlanSummary: Sendable, CustomStringConvertible {
  public var plan: ExperimentPlan
  /// Which trial to show resolved (clamped to the plan; default the first).
  public var exampleIndex: Int

  public init(plan: ExperimentPlan, exampleIndex: Int = 0) {
    self.plan = plan
    self.exampleIndex = exampleIndex
  }

  public var description: String { text }

  /// The summary, lines separated by `\n`, ending with a newline.
  public var text: String {
    let spec = plan.spec
    var lines: [String] = []
    lines.append("experiment: \(spec.name) (task \(spec.taskName), seed \(spec.seed))")
    lines.append("file: \(spec.displayPath)")
    let metrics = spec.metrics.enumerated().map { i, m in
      let goal = spec.task.metricGoals[m]?.rawValue ?? "?"
      return "\(m) (\(goal)\(i == 0 ? ", ranks trials" : ""))"
    }
    lines.append("metrics: " + metrics.joined(separator: ", "))
    if plan.axes.isEmpty {
      lines.append("axes: none")
    } else {
      lines.append("axes:")
      for axis in plan.axes { lines.append("  " + axis.description) }
    }
    let counts = plan.axes.map { String($0.count) }
    let product = counts.count > 1 ? counts.joined(separator: " x ") + " = " : ""
    lines.append("trials: \(product)\(plan.trials.count)")
    if plan.inputFingerprints.isEmpty {
      lines.append("inputs: none")
    } else {
      lines.append("inputs:")
      for path in plan.inputFingerprints.keys.sorted() {
        lines.append(
          "  \(ExperimentParser.displayPath(for: .init(fileURLWithPath: path)))  sha256 "
            + (plan.inputFingerprints[path] ?? ""))
      }
    }
    if !plan.trials.isEmpty {
      let trial = plan.trials[min(max(exampleIndex, 0), plan.trials.count - 1)]
      lines.append("example trial (#\(trial.index)):")
      lines.append("  key: \(trial.key)")
      lines.append("  seed: \(trial.seed)")
      lines.append("  replicate: \(trial.replicate)")
      if !trial.axisValues.isEmpty {
        lines.append(
          "  axis values: "
            + trial.axisValues.map { Diagnostic.escaped("\($0.key)=\($0.value.display)") }
            .joined(separator: ", "))
      }
      lines.append("  settings:")
      lines.append(trial.settings.yamlText(indent: 4))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

extension ExperimentPlan {
  /// The `almanac validate` text (see ``PlanSummary``).
  public var summary: String { PlanSummary(plan: self).text }
}
