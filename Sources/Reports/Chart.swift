/// One chart of a report: the data it draws and the gnuplot commands that draw it.
struct Chart: Sendable {
  /// File stem for `charts/<name>.svg|.png|.gp` and `data/<name>*.dat`; only `[a-z0-9_]`.
  var name: String
  /// Heading in the report.
  var title: String
  /// Markdown (already escaped) shown under the chart.
  var caption: String
  /// Data files: name relative to `data/` and content.
  var data: [DataFile]
  /// gnuplot commands that follow the terminal and output settings.
  var body: [String]
  var width = 900
  var height = 540
  /// Shown small in the bottom-right corner so a chart copied out of its report still says where it came from
  /// (the experiment's name; set by ``ReportDocument``).
  var source = ""

  struct DataFile: Sendable {
    var name: String
    var content: String
  }

  var svgPath: String { "charts/\(name).svg" }
  var pngPath: String { "charts/\(name).png" }
  var scriptPath: String { "charts/\(name).gp" }

  /// The standalone script: run it from the report folder with `gnuplot charts/<name>.gp`.
  var script: String {
    var lines = [
      GnuplotText.comment("Almanac report chart: \(title)"),
      "# Run from the report folder: gnuplot \(scriptPath)",
      "# Reads " + data.map { "data/\($0.name)" }.joined(separator: ", ") + "; writes \(svgPath).",
      "set encoding utf8",
      "set terminal svg size \(width),\(height) noenhanced font 'Sans,12' background rgb 'white'",
      "set output \(GnuplotText.literal(svgPath))",
      "set datafile missing 'NaN'",
    ]
    if !source.isEmpty {
      lines.append(
        "set label 99 \(GnuplotText.literal(source)) at screen 0.995, 0.012 right font ',9' tc rgb '#888888'")
    }
    lines += body
    lines.append("unset output")
    return lines.joined(separator: "\n") + "\n"
  }

  /// Commands that redraw the current plot as PNG (pngcairo when the build has it, else libgd's png).
  var pngCommands: [String] {
    [
      "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {",
      "  set terminal pngcairo size \(width),\(height) noenhanced font 'Sans,10' background rgb 'white'",
      "} else {",
      "  set terminal png size \(width),\(height) noenhanced background rgb 'white'",
      "}",
      "set output \(GnuplotText.literal(pngPath))",
      "replot",
      "unset output",
    ]
  }
}

/// Shared chart styling.
enum ChartStyle {
  /// Tableau 10: distinguishable, colour-blind-friendlier than gnuplot's defaults.
  static let colors = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
  ]
  static func color(_ i: Int) -> String { colors[i % colors.count] }

  static let common = [
    "set border 3 lc rgb '#444444'",
    "set tics nomirror",
    "set grid ytics lc rgb '#dddddd' lt 1",
    "set key noautotitle",
  ]
}
