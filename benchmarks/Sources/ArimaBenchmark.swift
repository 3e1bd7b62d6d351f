// almanac-bench arima: the REFERENCE §2 grid (p 0-5, d 0-2, q 0-5 = 108 orders, last 2,000 positive points of the
// Aave v2 USDC variable borrow rate, log, last 100 held out) on 2 threads, against statsmodels 0.15's numbers.
// Usage: almanac-bench arima [threads] [--no-polish] [--zero-start] [--no-zero-polish]
//        almanac-bench arima vs-r [--no-grid] [--no-auto] [--no-r] [--seasonal]: the same grid on one core against R's stats::arima, rolling-origin
//        evaluation with warm starts against refitting from scratch, and the stepwise search against
//        forecast::auto.arima at n = 5,000 (each ratio printed side by side; R parts skipped without Rscript).
import AlmanacCore
import Dispatch
import Forecasting
import Foundation

enum ArimaBenchmark {
  static let statsmodelsSeconds = 181.0
  static let statsmodelsBestAIC = -14718.51
  static let statsmodelsBestRMSE = 0.000257

  struct Row {
    var order: ARIMAOrder
    var loglik = Double.nan
    var aic = Double.nan
    var rmse = Double.nan
    var converged = false
    var iterations = 0
    var evaluations = 0
    var seconds = 0.0
    var error: String?
  }

  /// Results shared by the workers; each worker writes only the slots it claimed. `@unchecked Sendable` because
  /// every access goes through `lock`.
  final class Board: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var rows: [Row]
    init(_ rows: [Row]) { self.rows = rows }
    func claim() -> Int? {
      lock.lock()
      defer { lock.unlock() }
      guard next < rows.count else { return nil }
      next += 1
      return next - 1
    }
    func store(_ row: Row, at i: Int) {
      lock.lock()
      rows[i] = row
      lock.unlock()
    }
  }

  static var sharedDirectory: URL? {
    if let env = ProcessInfo.processInfo.environment["ALMANAC_SHARED"], !env.isEmpty {
      return URL(fileURLWithPath: env)
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let url = root.deletingLastPathComponent().appendingPathComponent("shared")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
  }

  /// The rate column as numbers (empty cells skipped), in file order.
  static func loadRates(_ url: URL, column: String) throws -> [Double] {
    let text = try String(contentsOf: url, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
    guard let header = lines.popFirst()?.split(separator: ",", omittingEmptySubsequences: false),
      let c = header.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == column })
    else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path]) }
    return lines.compactMap { line in
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      return c < fields.count ? Double(fields[c]) : nil
    }
  }

  /// statsmodels per-order results recorded with /work/ref (Tests/ForecastingTests/Fixtures).
  static func statsmodelsFixture() -> [ARIMAOrder: (loglik: Double, aic: Double, converged: Bool)] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Tests/ForecastingTests/Fixtures/statsmodels_usdc_grid.csv")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
    var out: [ARIMAOrder: (Double, Double, Bool)] = [:]
    for line in text.split(separator: "\n").dropFirst() where !line.hasPrefix("#") {
      let f = line.split(separator: ",").map(String.init)
      guard f.count >= 6, let p = Int(f[0]), let d = Int(f[1]), let q = Int(f[2]), let ll = Double(f[3]),
        let aic = Double(f[4])
      else { continue }
      out[ARIMAOrder(p: p, d: d, q: q)] = (ll, aic, f[5] == "true")
    }
    return out
  }

  static func run(_ args: ArraySlice<String>) throws {
    if args.first == "vs-r" { return try VersusR.run(args.dropFirst()) }
    guard let shared = sharedDirectory else {
      print("arima: skipped: needs ../shared/data/rates/usdc_hourly_2020_2022.csv beside the repository")
      return
    }
    let threads = args.first.flatMap { Int($0) } ?? 2
    let polish = !args.contains("--no-polish")
    let zeroStart = args.contains("--zero-start")
    let zeroPolish = !args.contains("--no-zero-polish")
    let rates = try loadRates(
      shared.appendingPathComponent("data/rates/usdc_hourly_2020_2022.csv"),
      column: "variable_borrow_rate_aave_v2"
    ).filter { $0 > 0 }.suffix(2000)
    let series = Array(rates)
    let holdout = 100
    let y = try SeriesTransform.log.apply(Array(series.dropLast(holdout)))
    let actual = Array(series.suffix(holdout))
    let orders = (0...5).flatMap { p in (0...2).flatMap { d in (0...5).map { q in ARIMAOrder(p: p, d: d, q: q) } } }
    // Largest models first so that the two workers finish together.
    let schedule = orders.indices.sorted { (orders[$0].p + orders[$0].q) > (orders[$1].p + orders[$1].q) }
    let board = Board(orders.map { Row(order: $0) })
    let timer = ContinuousClock()
    let cpuStart = clock_t(clock())
    let start = timer.now
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      while let slot = board.claim() {
        let i = schedule[slot]
        var row = Row(order: orders[i])
        let t0 = timer.now
        do {
          let options = ARIMAOptions(
            standardErrors: false, polish: polish, zeroStart: zeroStart, zeroPolish: zeroPolish)
          let fit = try ARIMA.fit(y, order: orders[i], options: options)
          let f = SeriesTransform.log.backTransform(try fit.forecast(steps: holdout))
          row.loglik = fit.loglik
          row.aic = fit.aic
          row.rmse = ForecastMetrics.rmse(forecast: f.point, actual: actual)
          row.converged = fit.converged
          row.iterations = fit.iterations
          row.evaluations = fit.evaluations
        } catch {
          row.error = "\(error)"
        }
        let elapsed = timer.now - t0
        row.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        board.store(row, at: i)
      }
    }
    let elapsed = timer.now - start
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let cpu = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
    let rows = board.rows
    let reference = statsmodelsFixture()
    let stages = (polish ? " + polish" : "") + (polish && zeroPolish ? " + zero-start pass" : "")
    print("ARIMA grid: 108 orders, n = \(y.count) (+\(holdout) held out), log, CSS-ML\(stages), \(threads) threads")
    print(
      String(
        format: "%-9@ %12@ %12@ %12@ %10@ %5@ %6@ %6@ %8@", "order", "loglik", "statsmodels", "diff", "rmse",
        "conv", "iter", "evals", "seconds"))
    var failures = 0
    var worse: [String] = []
    for row in rows {
      let ref = reference[row.order]
      if let e = row.error {
        failures += 1
        print("\(row.order) failed: \(e)")
        continue
      }
      let diff = ref.map { row.loglik - $0.loglik } ?? .nan
      let mark = ref.map { $0.converged ? "" : " (statsmodels not converged)" } ?? ""
      print(
        String(
          format: "%-9@ %12.3f %12.3f %12.4f %10.6f %5@ %6d %6d %8.3f%@", row.order.description, row.loglik,
          ref?.loglik ?? .nan, diff, row.rmse, row.converged ? "yes" : "no", row.iterations, row.evaluations,
          row.seconds, mark))
      if let ref, ref.converged, row.loglik < ref.loglik - 0.01 {
        worse.append("\(row.order) by \(ref.loglik - row.loglik)")
      }
    }
    let fitted = rows.filter { $0.error == nil }
    print("")
    print(
      String(
        format: "wall time: %.3f s for 108 orders (statsmodels: %.0f s) -> %.0fx faster; target < 2 s (90x)",
        wall, statsmodelsSeconds, statsmodelsSeconds / wall))
    print(
      String(
        format: "CPU time: %.3f s over %d threads (%.3f s per thread if the cores were free)", cpu, threads,
        cpu / Double(threads)))
    if let best = fitted.min(by: { $0.aic < $1.aic }) {
      print(
        String(
          format: "lowest AIC: %@ AIC %.2f (statsmodels (0,1,1) %.2f): %@", best.order.description, best.aic,
          statsmodelsBestAIC, best.aic <= statsmodelsBestAIC + 0.01 ? "ok, <= statsmodels + 0.01" : "WORSE"))
    }
    if let best = fitted.min(by: { $0.rmse < $1.rmse }) {
      print(
        String(
          format: "lowest holdout RMSE: %@ %.6f (statsmodels (5,0,3) %.6f)", best.order.description, best.rmse,
          statsmodelsBestRMSE))
    }
    print("converged: \(fitted.filter(\.converged).count)/\(rows.count); failed: \(failures)")
    if reference.isEmpty {
      print("statsmodels per-order fixture absent: no per-order comparison")
    } else {
      let compared = rows.filter { reference[$0.order]?.converged == true && $0.error == nil }.count
      print(
        "loglik >= statsmodels - 0.01 wherever statsmodels converged (\(compared) orders): "
          + (worse.isEmpty ? "yes" : "NO: " + worse.joined(separator: ", ")))
    }
  }
}

/// `almanac-bench arima vs-r`: ratios against R on one core, in wall time and in CPU time (ours: `clock()` of this
/// process; R's: `user.self + sys.self` of `system.time`). On a shared machine the CPU ratio is the steadier one.
enum VersusR {
  struct Timing {
    var wall: Double
    var cpu: Double
  }

  static func measure(_ body: () throws -> Void) rethrows -> Timing {
    let clock = ContinuousClock()
    let cpuStart = clock_t(Foundation.clock())
    let start = clock.now
    try body()
    let d = clock.now - start
    let cpu = Double(Foundation.clock() - cpuStart) / Double(CLOCKS_PER_SEC)
    return Timing(wall: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18, cpu: cpu)
  }

  static func describe(_ t: Timing) -> String { String(format: "%.2f s wall / %.2f s CPU", t.wall, t.cpu) }

  /// `ours` against R's timing: both times and both ratios.
  static func ratio(_ r: Timing?, _ ours: Timing) -> String {
    guard let r else { return "ours \(describe(ours)); R not run" }
    return "ours \(describe(ours)); R \(describe(r)); R / ours: "
      + String(format: "%.1fx wall, %.1fx CPU", r.wall / ours.wall, r.cpu / ours.cpu)
  }

  static var rscript: String? {
    ["/usr/bin/Rscript", "/usr/local/bin/Rscript"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs an R script and returns its standard output (nil without R or on failure).
  static func runR(_ script: String) -> String? {
    guard let rscript else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: rscript)
    process.arguments = ["--vanilla", "-e", script]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self)
  }

  /// R prints `key elapsed cpu`; nil when absent.
  static func timing(_ key: String, in output: String?) -> Timing? {
    guard let output else { return nil }
    for line in output.split(separator: "\n") where line.hasPrefix(key + " ") {
      let numbers = line.split(separator: " ").dropFirst().compactMap { Double($0) }
      if numbers.count >= 2 { return Timing(wall: numbers[0], cpu: numbers[1]) }
    }
    return nil
  }

  /// R code that times `expression` and prints `key elapsed cpu`.
  static func timed(_ key: String, _ expression: String) -> String {
    "st <- system.time(\(expression)); cat(\"\(key)\", st[[\"elapsed\"]], st[[\"user.self\"]] + st[[\"sys.self\"]], \"\\n\")"
  }

  static func run(_ args: ArraySlice<String>) throws {
    guard let shared = ArimaBenchmark.sharedDirectory else {
      print("arima vs-r: skipped: needs ../shared/data/rates/usdc_hourly_2020_2022.csv beside the repository")
      return
    }
    let rates = try ArimaBenchmark.loadRates(
      shared.appendingPathComponent("data/rates/usdc_hourly_2020_2022.csv"),
      column: "variable_borrow_rate_aave_v2"
    ).filter { $0 > 0 }
    let y = try SeriesTransform.log.apply(Array(rates.suffix(2000).dropLast(100)))
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-bench-arima-\(getpid()).txt")
    try y.map { String($0) }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let withR = !args.contains("--no-r")
    if withR && rscript == nil { print("Rscript not found: R columns skipped (install r-base-core r-cran-forecast)") }
    if !args.contains("--no-grid") { grid(y, file: file, withR: withR) }
    try rolling(y, file: file, withR: withR)
    if !args.contains("--no-auto") { try search(rates, withR: withR) }
    if args.contains("--seasonal") { try seasonal(withR: withR) }
  }

  /// Hourly-period seasonal fits (period 24) on 600 points of a daily cycle plus seeded noise, against R's arima.
  static func seasonal(withR: Bool) throws {
    var rng = SplitMix64(seed: 1)
    let y = (0..<600).map { i in Foundation.sin(Double(i) * 2 * Double.pi / 24) + 0.3 * rng.nextGaussian() }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-bench-seasonal-\(getpid()).txt")
    try y.map { String($0) }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    print("Seasonal fits, period 24, n = 600 (sine plus noise), CSS-ML, one core")
    for (order, rOrder) in [
      (
        ARIMAOrder(p: 1, d: 0, q: 1, P: 1, D: 0, Q: 1, period: 24),
        "c(1, 0, 1), seasonal = list(order = c(1, 0, 1), period = 24)"
      ),
      (
        ARIMAOrder(p: 1, d: 0, q: 0, P: 1, D: 1, Q: 0, period: 24),
        "c(1, 0, 0), seasonal = list(order = c(1, 1, 0), period = 24)"
      ),
    ] {
      var loglik = Double.nan
      let ours = try measure { loglik = try ARIMA.fit(y, order: order).loglik }
      let script =
        "y <- scan(\"\(file.path)\", quiet = TRUE)\n" + timed("fit", "f <- arima(y, order = \(rOrder))")
        + "\ncat(\"loglik\", f$loglik, \"\\n\")"
      let output = withR ? runR(script) : nil
      let rLoglik = output?.split(separator: "\n").first { $0.hasPrefix("loglik") }.map(String.init) ?? "R not run"
      print(
        "  \(order): loglik \(String(format: "%.4f", loglik)) (R \(rLoglik)); " + ratio(timing("fit", in: output), ours)
      )
    }
  }

  /// The 108-order grid, one core.
  static func grid(_ y: [Double], file: URL, withR: Bool) {
    let orders = (0...5).flatMap { p in (0...2).flatMap { d in (0...5).map { q in ARIMAOrder(p: p, d: d, q: q) } } }
    var failed = 0
    let rPath = measure {
      for order in orders {
        do {
          _ = try ARIMA.fit(
            y, order: order, options: ARIMAOptions(standardErrors: true, polish: false, zeroPolish: false))
        } catch { failed += 1 }
      }
    }
    let polished = measure {
      for order in orders { _ = try? ARIMA.fit(y, order: order, options: ARIMAOptions(standardErrors: true)) }
    }
    let script =
      "y <- scan(\"\(file.path)\", quiet = TRUE)\n"
      + timed(
        "grid",
        """
        for (p in 0:5) for (d in 0:2) for (q in 0:5) try(arima(y, order = c(p, d, q), method = "CSS-ML"), silent = TRUE)
        """)
    let r = withR ? timing("grid", in: runR(script)) : nil
    print(
      "ARIMA grid: 108 orders (p 0-5, d 0-2, q 0-5), n = \(y.count), log USDC variable borrow rate, CSS-ML, one core")
    print("  R's optimiser path (polish off, standard errors on, \(failed) failed): " + ratio(r, rPath))
    print("  our defaults (polishing and zero-start passes):                 " + ratio(r, polished))
  }

  /// Rolling origin: one-step forecasts over the last 100 points, a refit at every origin.
  static func rolling(_ y: [Double], file: URL, withR: Bool) throws {
    let order = ARIMAOrder(p: 1, d: 1, q: 1)
    let options = ARIMAOptions(standardErrors: false)
    var cold: ARIMAForecast?
    var warm: ARIMAForecast?
    let coldTime = try measure {
      cold = try RollingOrigin.oneStepForecasts(y, holdout: 100, refitEvery: 1, order: order, options: options).forecast
    }
    let warmTime = try measure {
      warm = try RollingOrigin.oneStepForecasts(
        y, holdout: 100, refitEvery: 1, order: order, options: options,
        warmStart: true
      ).forecast
    }
    var largest = 0.0
    if let cold, let warm {
      for (a, b) in zip(cold.mean, warm.mean) { largest = max(largest, abs(a - b) / max(1e-12, abs(a))) }
    }
    let script =
      "y <- scan(\"\(file.path)\", quiet = TRUE)\nn <- length(y)\n"
      + timed(
        "rolling",
        """
        for (o in (n - 99):n) try(arima(y[1:(o - 1)], order = c(1, 1, 1)), silent = TRUE)
        """)
    let r = withR ? timing("rolling", in: runR(script)) : nil
    print("Rolling origin: ARIMA(1,1,1), 100 origins, a refit at each, one core")
    print(
      "  from scratch: \(describe(coldTime)); warm starts: \(describe(warmTime)); "
        + String(
          format: "%.1fx cheaper wall, %.1fx CPU (largest relative forecast difference %.1e)",
          coldTime.wall / warmTime.wall, coldTime.cpu / warmTime.cpu, largest))
    print("  R refitting from scratch against our warm starts: " + ratio(r, warmTime))
  }

  /// The stepwise search at n = 5,000 against forecast::auto.arima.
  static func search(_ rates: [Double], withR: Bool) throws {
    let long = try SeriesTransform.log.apply(Array(rates.suffix(5000)))
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-bench-auto-\(getpid()).txt")
    try long.map { String($0) }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    var chosen = ""
    let ours = try measure {
      let result = try AutoARIMA.search(long)
      chosen =
        "\(result.order)\(result.constant ? " with constant" : "") AICc \(String(format: "%.3f", result.criterion))"
    }
    let script =
      "suppressMessages(library(forecast))\ny <- scan(\"\(file.path)\", quiet = TRUE)\n"
      + timed("auto", "f <- auto.arima(y)") + "\n" + """
        a <- f$arma
        cat("order (", a[1], ",", a[6], ",", a[2], ")", if (length(f$coef) > a[1] + a[2]) " with constant" else "",
            " AICc ", sprintf("%.3f", f$aicc), "\\n", sep = "")
        """
    let output = withR ? runR(script) : nil
    let rChoice = output?.split(separator: "\n").first { $0.hasPrefix("order") }.map(String.init) ?? "R not run"
    print("Stepwise search (auto.arima defaults), n = 5,000, log USDC variable borrow rate, one core")
    print("  we chose \(chosen); R chose \(rChoice)")
    print("  " + ratio(timing("auto", in: output), ours))
  }
}
