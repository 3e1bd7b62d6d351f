import AlmanacCore
import Experiments
import Foundation
import Rainbow
import Tracking

/// Formats runs for the terminal (aligned table), CSV and JSON.
struct RunTable {
  var runs: [RunRecord]
  /// The experiment's metric declarations and selection (column order).
  var metrics: MetricCatalog

  /// The experiment's sweep axes (dotted keys): always shown, even when the listed runs share their value.
  var axes: Set<String> = []

  /// Params that differ between the listed runs (the interesting ones) and the sweep axes, in sorted order.
  var varyingParams: [String] {
    let keys = Set(runs.flatMap { $0.params.keys })
    return keys.filter { key in axes.contains(key) || Set(runs.map { $0.params[key] ?? "" }).count > 1 }.sorted()
  }

  /// The metrics the runs have: the selected ones first, then in declaration order, then by name.
  var metricKeys: [String] { metrics.ordered(runs.flatMap { $0.metrics.keys }) }

  func render(_ format: OutputFormat, color: Bool) -> String {
    let params = format == .table ? varyingParams : Array(Set(runs.flatMap { $0.params.keys })).sorted()
    var columns = metricKeys
    if format == .table && columns.count > 8 { columns = Array(columns.prefix(8)) }
    let header = ["run", "status", "key"] + params.map { "params." + $0 } + columns
    let rows: [[String]] = runs.map { run in
      [String(run.id), run.status.rawValue, run.trialKey] + params.map { run.params[$0] ?? "" }
        + columns.map { run.metrics[$0].map(RunnerFormat.number) ?? "" }
    }
    switch format {
    case .csv:
      return ([header] + rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    case .json:
      let objects = runs.map { run -> String in
        var fields: [(String, Value)] = [
          ("run", .int(Int(run.id))), ("status", .string(run.status.rawValue)), ("key", .string(run.trialKey)),
          ("index", .int(run.trialIndex)), ("seed", .string(String(run.seed))),
        ]
        if let error = run.error { fields.append(("error", .string(error))) }
        if let duration = run.duration { fields.append(("duration", .double(duration))) }
        fields.append(("params", .map(run.params.mapValues { .string($0) })))
        fields.append(("metrics", .map(run.metrics.mapValues { $0.isNaN ? .null : .double($0) })))
        return "{" + fields.map { Value.quote($0.0) + ":" + $0.1.canonicalJSON }.joined(separator: ",") + "}"
      }
      return "[" + objects.joined(separator: ",\n ") + "]\n"
    case .table:
      if runs.isEmpty { return "no runs match\n" }
      return TextTable.render(header: header, rows: rows, color: color) { row, column in
        guard column == 1 else { return nil }
        switch row[1] {
        case "FAILED": return { $0.red }
        case "KILLED": return { $0.yellow }
        default: return nil
        }
      } + "\(runs.count) run\(runs.count == 1 ? "" : "s")\n"
    }
  }

  /// FINISHED runs grouped into configurations (``Ranking/configurations(_:axes:)``: runs that share every param,
  /// replicates differing only in seed), in order of first appearance, with n, mean and sample standard deviation
  /// (``SampleStats``: finite values only; empty sd when n = 1) of every metric.
  func renderAggregated(_ format: OutputFormat) -> String {
    let finished = runs.filter { $0.status == .finished }
    let shown = RunTable(runs: finished, metrics: metrics, axes: axes)
    let params = shown.varyingParams
    let groups = Ranking.configurations(finished, axes: params)
    var metricKeys = shown.metricKeys
    if format == .table && metricKeys.count > 6 { metricKeys = Array(metricKeys.prefix(6)) }
    var header = params.map { "params." + $0 } + ["n"]
    var rows: [[String]] = []
    for group in groups {
      var row = params.map { group.params[$0] ?? "" } + [String(group.runs.count)]
      for metric in metricKeys {
        let stats = group.stats(metric)
        if stats.n == 0 {
          row += format == .table ? [""] : ["", ""]
          continue
        }
        let sd: Double? = stats.n > 1 ? stats.sd : nil
        if format == .table {
          row.append(RunnerFormat.number(stats.mean) + (sd.map { " ± " + RunnerFormat.number($0) } ?? ""))
        } else {
          row += [String(stats.mean), sd.map { String($0) } ?? ""]
        }
      }
      rows.append(row)
    }
    header += format == .table ? metricKeys : metricKeys.flatMap { [$0 + ".mean", $0 + ".sd"] }
    switch format {
    case .table:
      if rows.isEmpty { return "no finished runs match\n" }
      return TextTable.render(header: header, rows: rows, color: false)
        + "\(rows.count) configuration\(rows.count == 1 ? "" : "s"), \(finished.count) finished runs (mean ± sd over replicates)\n"
    case .csv:
      return ([header] + rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    case .json:
      let objects = rows.map { row -> String in
        "{"
          + zip(header, row).map { name, cell in
            Value.quote(name) + ":"
              + (Double(cell).map { Value.double($0).canonicalJSON } ?? (cell.isEmpty ? "null" : Value.quote(cell)))
          }.joined(separator: ",") + "}"
      }
      return "[" + objects.joined(separator: ",\n ") + "]\n"
    }
  }

  /// One row per baseline rule (``Baselines``) found in the runs' metrics: the mean over the finished runs of
  /// `baseline.<rule>.<metric>` for each metric column of the run table that a baseline has (`almanac runs
  /// --baselines`). Table format only; CSV and JSON already carry every `baseline.*` metric of each run.
  func renderBaselines(_ format: OutputFormat) -> String {
    guard format == .table else { return "" }
    let finished = runs.filter { $0.status == .finished }
    let keys = finished.flatMap(\.metrics.keys)
    let rules = Baselines.rules(in: keys, known: ClassifyOutputs.baselineRules + ForecastOutputs.baselineRules)
    guard !rules.isEmpty else { return "no baselines recorded for these runs\n" }
    let base = Set(
      keys.filter { $0.hasPrefix(Baselines.prefix) }.map { key -> String in
        let rest = key.dropFirst(Baselines.prefix.count)
        return rest.firstIndex(of: ".").map { String(rest[rest.index(after: $0)...]) } ?? String(rest)
      })
    let columns = metrics.ordered(base)
    let rows = rules.map { rule in
      [
        "baseline " + rule,
        String(finished.filter { $0.metrics.keys.contains { $0.hasPrefix(Baselines.key(rule, "")) } }.count),
      ]
        + columns.map { m in
          let stat = SampleStats(finished.map { $0.metrics[Baselines.key(rule, m)] ?? .nan })
          return stat.n == 0 ? "" : RunnerFormat.number(stat.mean)
        }
    }
    return "\n" + TextTable.render(header: ["baseline", "runs"] + columns, rows: rows, color: false)
      + "(mean over the finished runs; rules without features scored on the same test rows or holdout)\n"
  }

  static func describe(_ detail: RunDetail) -> String {
    let run = detail.run
    var out =
      "run \(run.id) of \(detail.experimentName): \(run.status.rawValue)\(run.superseded ? " (superseded)" : "")\n"
    out += "  trial key \(run.trialKey), index \(run.trialIndex), seed \(run.seed)\n"
    if let duration = run.duration { out += "  duration \(RunnerFormat.number(duration)) s\n" }
    if let error = run.error { out += "  error: \(error)\n" }
    out += "\nparams\n" + keyValues(run.params)
    out += "\nmetrics\n" + keyValues(run.metrics.mapValues(RunnerFormat.number))
    if !detail.series.isEmpty {
      out += "\nseries (points, min, max, last)\n"
      let rows = detail.series.map { s in
        [
          "  " + s.key, String(s.count), s.min.map(RunnerFormat.number) ?? "", s.max.map(RunnerFormat.number) ?? "",
          RunnerFormat.number(s.last) + " @ \(s.lastStep)",
        ]
      }
      out += TextTable.render(header: nil, rows: rows, color: false)
    }
    out += "\nprovenance and tags\n" + keyValues(detail.tags.filter { $0.key != TagKey.log })
    if let log = detail.tags[TagKey.log], !log.isEmpty {
      out += "\nlog\n" + log.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
    if !detail.artifacts.isEmpty { out += "\nartifacts\n" + detail.artifacts.map { "  " + $0 + "\n" }.joined() }
    return out
  }

  static func compare(_ details: [RunDetail], diffOnly: Bool, color: Bool) -> String {
    var rows: [[String]] = []
    var differs: [Bool] = []
    func add(_ section: String, _ values: [[String: String]]) {
      let keys = Set(values.flatMap(\.keys)).sorted()
      for key in keys {
        let cells = values.map { $0[key] ?? "—" }
        let different = Set(cells).count > 1
        if diffOnly && !different { continue }
        rows.append([section + key] + cells)
        differs.append(different)
      }
    }
    add("", details.map { ["status": $0.run.status.rawValue, "experiment": $0.experimentName] })
    add("params.", details.map(\.run.params))
    add("", details.map { $0.run.metrics.mapValues(RunnerFormat.number) })
    add("tags.", details.map { $0.tags.filter { !TagKey.volatile.contains($0.key) } })
    let header = [""] + details.map { "run \($0.run.id)" }
    let marked = zip(rows, differs).map { row, different in [(different ? "* " : "  ") + row[0]] + row.dropFirst() }
    return TextTable.render(header: header, rows: marked, color: color) { row, _ in
      row[0].hasPrefix("*") ? { $0.bold } : nil
    } + "(* marks rows that differ)\n"
  }

  private static func keyValues(_ dict: [String: String]) -> String {
    if dict.isEmpty { return "  (none)\n" }
    return TextTable.render(header: nil, rows: dict.keys.sorted().map { ["  " + $0, dict[$0] ?? ""] }, color: false)
  }

  private func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
      ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
  }
}

/// Left-aligned text columns separated by two spaces.
enum TextTable {
  static func render(
    header: [String]?, rows: [[String]], color: Bool,
    style: ([String], Int) -> ((String) -> String)? = { _, _ in nil }
  ) -> String {
    let all = (header.map { [$0] } ?? []) + rows
    let columns = all.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columns)
    for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    var out = ""
    func line(_ row: [String], isHeader: Bool) {
      var cells: [String] = []
      for (i, cell) in row.enumerated() {
        let padded = i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
        if color, isHeader {
          cells.append(padded.bold)
        } else if color, let f = style(row, i) {
          cells.append(f(padded))
        } else {
          cells.append(padded)
        }
      }
      out += cells.joined(separator: "  ") + "\n"
    }
    if let header { line(header, isHeader: true) }
    for row in rows { line(row, isHeader: false) }
    return out
  }
}
