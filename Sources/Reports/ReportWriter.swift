import Foundation

/// A report document: `README.md` (Markdown) or `report.html` (one self-contained page, charts inlined).
public enum ReportFormat: String, Sendable, Hashable, CaseIterable {
  case markdown, html

  /// The document's file name in the report folder.
  public var fileName: String { self == .markdown ? "README.md" : "report.html" }
}

/// How a report is written.
public struct ReportOptions: Sendable {
  /// The documents written (default: Markdown only); charts, scripts and data are written for every format.
  public var formats: Set<ReportFormat>
  /// Also write `charts/<name>.png` next to each SVG (pngcairo when available, else libgd's png terminal).
  public var png: Bool
  /// The gnuplot executable; nil searches `PATH`. A path that is not an executable file counts as "not installed".
  public var gnuplotPath: String?
  /// Leaderboard rows shown before the rest is summarised (default 20).
  public var topN: Int
  /// Configurations drawn in the per-configuration charts (bars, loss curves; default 10, loss curves at most 8).
  public var chartConfigurations: Int
  /// Seconds before the gnuplot process is killed (default 120).
  public var gnuplotTimeout: TimeInterval

  public init(
    png: Bool = false, gnuplotPath: String? = nil, topN: Int = 20, chartConfigurations: Int = 10,
    gnuplotTimeout: TimeInterval = 120, formats: Set<ReportFormat> = [.markdown]
  ) {
    self.formats = formats
    self.png = png
    self.gnuplotPath = gnuplotPath
    self.topN = topN
    self.chartConfigurations = chartConfigurations
    self.gnuplotTimeout = gnuplotTimeout
  }
}

/// What ``ReportWriter/write(_:to:options:)`` produced.
public struct ReportSummary: Sendable {
  /// The report folder.
  public var directory: URL
  /// `<directory>/README.md` (written when the formats include Markdown).
  public var readme: URL
  /// The documents written, Markdown first (`README.md`, `report.html`).
  public var documents: [URL]
  /// Chart images that exist, relative to the folder (`charts/roc.svg`, and `.png` when asked).
  public var charts: [String]
  /// Every chart script, relative (`charts/roc.gp`), drawn or not.
  public var scripts: [String]
  /// Every data file, relative (`data/roc.dat`).
  public var dataFiles: [String]
  /// The gnuplot executable used, or nil when none was found.
  public var gnuplot: String?
  /// Problems meant for people (gnuplot missing, failed or chatty); the report is still complete apart from charts.
  /// The caller prints them and exits 0.
  public var warnings: [String]
}

/// Errors writing a report (gnuplot problems are warnings, not errors).
public enum ReportError: Error, CustomStringConvertible, Sendable {
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotWrite(let path, let reason): return "\(path): error: cannot write the report: \(reason)"
    }
  }
}

/// Writes a shareable report folder: `README.md`, `charts/*.svg` (+ `.png`), `charts/*.gp`, `data/*.dat`, all
/// linked relatively so the folder can be zipped or committed.
public enum ReportWriter {
  /// Writes the report for `input` into `directory` (created if needed). Old `charts/*.svg|png|gp` and `data/*.dat`
  /// files there are replaced; nothing else in the folder is touched.
  ///
  /// All charts are drawn by one gnuplot process. When gnuplot is missing or fails, the README, tables, scripts and
  /// data are still written, and ``ReportSummary/warnings`` says what happened.
  public static func write(_ input: ReportInput, to directory: URL, options: ReportOptions = ReportOptions()) throws
    -> ReportSummary
  {
    let fm = FileManager.default
    let chartsDir = directory.appendingPathComponent("charts")
    let dataDir = directory.appendingPathComponent("data")
    var warnings: [String] = []
    do {
      try fm.createDirectory(at: chartsDir, withIntermediateDirectories: true)
      try fm.createDirectory(at: dataDir, withIntermediateDirectories: true)
      try removeOld(in: chartsDir, extensions: ["svg", "png", "gp"])
      try removeOld(in: dataDir, extensions: ["dat"])
    } catch {
      throw ReportError.cannotWrite(path: directory.path, reason: error.localizedDescription)
    }

    let document = ReportDocument(input, options: options)
    var scripts: [String] = []
    var dataFiles: [String] = []
    for chart in document.charts {
      for file in chart.data {
        try write(file.content, to: dataDir.appendingPathComponent(file.name))
        dataFiles.append("data/\(file.name)")
      }
      try write(chart.script, to: directory.appendingPathComponent(chart.scriptPath))
      scripts.append(chart.scriptPath)
    }

    let gnuplot = Gnuplot.locate(explicitPath: options.gnuplotPath)
    var ran = false
    if document.charts.isEmpty {
      // Nothing to draw.
    } else if let exe = gnuplot {
      do {
        let run = try Gnuplot.run(
          executable: exe, script: document.combinedScript, in: directory,
          timeout: options.gnuplotTimeout)
        ran = true
        if run.timedOut {
          warnings.append("gnuplot (\(exe)) took longer than \(Int(options.gnuplotTimeout)) s and was stopped")
        } else if run.status != 0 {
          warnings.append(
            "gnuplot (\(exe)) exited with status \(run.status)"
              + (run.stderr.isEmpty ? "" : ": \(run.stderr)"))
        } else if !run.stderr.isEmpty {
          warnings.append("gnuplot said: \(run.stderr)")
        }
      } catch {
        warnings.append("could not start gnuplot (\(exe)): \(error.localizedDescription)")
      }
    } else {
      let where_ = options.gnuplotPath.map { "at \($0)" } ?? "on PATH"
      warnings.append(
        "gnuplot not found \(where_): the report has its tables but no charts; install it with "
          + "scripts/setup or `apt-get install gnuplot-nox` and run the report again")
    }

    var rendered: [String] = []
    var missing: [String] = []
    let states = document.charts.map { chart -> ChartState in
      guard ran else { return .noGnuplot }
      let ok = nonEmptyFile(directory.appendingPathComponent(chart.svgPath))
      if ok {
        rendered.append(chart.svgPath)
        if options.png, nonEmptyFile(directory.appendingPathComponent(chart.pngPath)) { rendered.append(chart.pngPath) }
      } else {
        missing.append(chart.name)
      }
      return ok ? .rendered : .failed
    }
    if !missing.isEmpty {
      warnings.append("gnuplot drew no SVG for: \(missing.joined(separator: ", "))")
    }
    var stateByName: [String: ChartState] = [:]
    for (c, s) in zip(document.charts, states) { stateByName[c.name] = s }
    let readme = directory.appendingPathComponent(ReportFormat.markdown.fileName)
    let markdown = document.markdown { stateByName[$0.name] ?? .failed }
    var documents: [URL] = []
    if options.formats.contains(.markdown) || options.formats.isEmpty {
      try write(markdown, to: readme)
      documents.append(readme)
    }
    if options.formats.contains(.html) {
      let page = directory.appendingPathComponent(ReportFormat.html.fileName)
      try write(ReportHTML.render(markdown: markdown, title: input.experiment.name, directory: directory), to: page)
      documents.append(page)
    }
    return ReportSummary(
      directory: directory, readme: readme, documents: documents, charts: rendered, scripts: scripts,
      dataFiles: dataFiles, gnuplot: gnuplot, warnings: warnings)
  }

  private static func write(_ text: String, to url: URL) throws {
    do {
      try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
      throw ReportError.cannotWrite(path: url.path, reason: error.localizedDescription)
    }
  }

  private static func removeOld(in dir: URL, extensions: Set<String>) throws {
    let fm = FileManager.default
    for name in try fm.contentsOfDirectory(atPath: dir.path) where extensions.contains((name as NSString).pathExtension)
    {
      try fm.removeItem(at: dir.appendingPathComponent(name))
    }
  }

  private static func nonEmptyFile(_ url: URL) -> Bool {
    guard let attrs = try? FileManager.default.attributesOfItem(atPath: url.path),
      let size = attrs[.size] as? NSNumber
    else { return false }
    return size.intValue > 0
  }
}
