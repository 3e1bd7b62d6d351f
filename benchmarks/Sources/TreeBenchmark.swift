// almanac-bench trees: gradient-boosted trees on the real per-token panel (3-day and 7-day features, last 40 days
// as test) against scikit-learn's HistGradientBoostingClassifier, side by side in one run on one thread:
// fit time for the same number of trees (early stopping off), test ROC-AUC (early stopping on, mean over seeds),
// then a 30-trial tree sweep (5 folds + final fit per trial) on 1 core vs all cores.
import AlmanacCore
import Datasets
import Dispatch
import Foundation
import Learning

enum TreeBenchmark {
  struct Data: Sendable {
    var label: String
    var featureNames: [String]
    var trainX: Matrix
    var trainY: [Float]
    var trainDays: [Int]
    var testX: Matrix
    var testY: [Float]
  }

  struct Options {
    var iterations = 100
    var seeds = 10
    var trials = 30
    /// Rounds of (Almanac fits, scikit-learn fits), alternated so that both sides see the same moments of a shared
    /// machine.
    var rounds = 5
    var exportDirectory: String?
    var reference = true
  }

  static func parse(_ args: ArraySlice<String>) -> Options {
    var o = Options()
    var it = args.makeIterator()
    while let a = it.next() {
      switch a {
      case "--iterations": o.iterations = it.next().flatMap { Int($0) } ?? o.iterations
      case "--seeds": o.seeds = it.next().flatMap { Int($0) } ?? o.seeds
      case "--trials": o.trials = it.next().flatMap { Int($0) } ?? o.trials
      case "--rounds": o.rounds = max(1, it.next().flatMap { Int($0) } ?? o.rounds)
      case "--export-panel": o.exportDirectory = it.next()
      case "--no-reference": o.reference = false
      default:
        print(
          "unknown option \(a) (options: --iterations N --seeds N --trials N --rounds N --export-panel DIR "
            + "--no-reference)")
      }
    }
    return o
  }

  /// Result lines for the summary of `almanac-bench learning`.
  nonisolated(unsafe) static var summary: [String] = []

  static func run(_ args: ArraySlice<String>) throws {
    let options = parse(args)
    let (sets, source) = try datasets()
    print(
      "almanac-bench trees: gradient-boosted trees (HistGradientBoostingClassifier defaults: 31 leaves, "
        + "min_samples_leaf 20, learning_rate 0.1, 255 bins)")
    print("data: \(source)")
    let directory =
      options.exportDirectory
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("almanac-bench-trees-\(getpid())").path
    let files = try sets.map { try export($0, to: directory) }
    if options.exportDirectory != nil {
      print("exported: " + files.joined(separator: ", "))
      return
    }

    // Fit time of exactly `iterations` trees, one thread, in `rounds` rounds: each round times the best of 3
    // Almanac fits per set, then (one process) the best of 3 scikit-learn fits per set. The machine is shared and its
    // speed moves by 1.5-2x within minutes, so each round's ratio compares the two sides at nearly the same moment.
    var config = GradientBoostingConfig()
    config.maxIter = options.iterations
    config.earlyStopping = .off
    var checksums: [(model: UInt64, loss: UInt64)] = []
    for set in sets {
      var g0 = SplitMix64(seed: 0)
      checksums.append(
        checksum(try GradientBoostedTrees.fit(x: set.trainX, y: set.trainY, config: config, generator: &g0), set))
    }
    var python = options.reference ? scikitLearnInterpreter() : nil
    // rounds[r][set]
    var almanacRounds: [[(wall: Double, cpu: Double, auc: Double, trees: Int)]] = []
    var referenceRounds: [[Reference]] = []
    for round in 0..<options.rounds {
      var row: [(wall: Double, cpu: Double, auc: Double, trees: Int)] = []
      for set in sets {
        var best = (wall: Double.infinity, cpu: Double.infinity, auc: Double.nan, trees: 0)
        for _ in 0..<3 {
          var g = SplitMix64(seed: 0)
          let t0 = DispatchTime.now().uptimeNanoseconds
          let c0 = threadCPUSeconds()
          let model = try GradientBoostedTrees.fit(x: set.trainX, y: set.trainY, config: config, generator: &g)
          let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
          let cpu = threadCPUSeconds() - c0
          let auc = ROCCurve(truth: set.testY, scores: model.predictProbability(set.testX)).area
          best = (min(best.wall, wall), min(best.cpu, cpu), auc, model.iterations)
        }
        row.append(best)
      }
      almanacRounds.append(row)
      // The first round's scikit-learn process also fits the early-stopping models (after its timed fits).
      if let interpreter = python {
        let refs = runScikitLearn(
          python: interpreter, files: files, iterations: options.iterations, repeat: 3,
          seeds: round == 0 ? options.seeds : 0)
        // A failed run (printed) ends the comparison: no ratios from fewer rounds than Almanac's.
        if let refs { referenceRounds.append(refs) } else { python = nil }
      }
    }
    // The best round of each set (rounds >= 1, so there is one).
    let almanac = sets.indices.map { i in
      almanacRounds.dropFirst().reduce(almanacRounds[0][i]) { $1[i].cpu < $0.cpu ? $1[i] : $0 }
    }
    // Almanac, early stopping on (validation split from SplitMix64), seeds 0..<seeds.
    var esAUC: [[Double]] = []
    for set in sets {
      var aucs: [Double] = []
      for seed in 0..<options.seeds {
        var c = GradientBoostingConfig()
        c.earlyStopping = .on
        var g = SplitMix64(seed: UInt64(seed))
        let model = try GradientBoostedTrees.fit(x: set.trainX, y: set.trainY, config: c, generator: &g)
        aucs.append(ROCCurve(truth: set.testY, scores: model.predictProbability(set.testX)).area)
        checksums.append(checksum(model, set))
      }
      esAUC.append(aucs)
    }

    // Digests of every fitted model above: equal digests mean bit-identical results, so an optimisation can be
    // checked against the previous build on the real panel. The models (trees, test scores) and their recorded
    // training losses separately: the loss is a report, not an input of the trees.
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    var lossDigest: UInt64 = 0xcbf2_9ce4_8422_2325
    for c in checksums {
      digest = (digest ^ c.model) &* 0x100_0000_01b3
      lossDigest = (lossDigest ^ c.loss) &* 0x100_0000_01b3
    }
    print(
      String(
        format: "model digest (trees, test scores of all %d fits): %016llx; their training losses: %016llx",
        checksums.count, digest, lossDigest))

    let complete = referenceRounds.count == options.rounds
    for (i, set) in sets.enumerated() {
      let a = almanac[i]
      print(
        String(
          format: "  %@: %d x %d train, %d test", set.label, set.trainX.rows, set.trainX.columns,
          set.testX.rows))
      print(
        String(
          format: "    Almanac: %d trees in %.4f s wall, %.4f s thread CPU (best of %d rounds); test ROC-AUC %.4f",
          a.trees, a.wall, a.cpu, options.rounds, a.auc))
      let esMean = esAUC[i].reduce(0, +) / Double(esAUC[i].count)
      if complete {
        let refs = referenceRounds.map { $0[i] }
        let r = refs.dropFirst().reduce(refs[0]) { $1.seconds < $0.seconds ? $1 : $0 }
        print(
          String(
            format: "    scikit-learn: %d trees in %.4f s wall, %.4f s CPU (best of %d rounds); test ROC-AUC %.4f",
            r.trees, r.wall, r.seconds, options.rounds, r.auc))
        let paired = (0..<options.rounds).map { refs[$0].seconds / almanacRounds[$0][i].cpu }
        let sorted = paired.sorted()
        let median = (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
        let ratio = r.seconds / a.cpu
        print(
          "    speed, by CPU time: "
            + String(format: "%.1fx median of the rounds' ratios (", median)
            + paired.map { String(format: "%.1f", $0) }.joined(separator: ", ")
            + String(format: "), %.1fx best against best; target 5x", ratio))
        print(
          "    CPU seconds by round, Almanac / scikit-learn: "
            + (0..<options.rounds).map {
              String(format: "%.4f / %.4f", almanacRounds[$0][i].cpu, refs[$0].seconds)
            }.joined(separator: ", "))
        let skMean =
          referenceRounds[0][i].earlyStoppingAUCs.reduce(0, +)
          / Double(max(1, referenceRounds[0][i].earlyStoppingAUCs.count))
        print(
          String(
            format: "    early stopping, mean test ROC-AUC over %d seeds: Almanac %.4f, scikit-learn %.4f "
              + "(difference %.4f; target < 0.01)", options.seeds, esMean, skMean, esMean - skMean))
        summary.append(
          String(
            format: "trees %@: %.1fx scikit-learn (median of %d paired rounds; best %.4f s vs %.4f s for %d "
              + "trees: %.1fx); ROC-AUC difference %.4f", set.label, median, options.rounds, a.cpu, r.seconds,
            a.trees, ratio, esMean - skMean))
      } else {
        print(
          String(
            format: "    early stopping, mean test ROC-AUC over %d seeds: Almanac %.4f", options.seeds,
            esMean))
        summary.append(
          String(
            format: "trees %@: %.4f s for %d trees (scikit-learn not run)", set.label, a.cpu,
            a.trees))
      }
    }
    try? FileManager.default.removeItem(atPath: directory)

    // Sweep: `trials` gbdt trials (5 kfold folds + final fit, default settings), alternating 3d/7d.
    var classifier = ClassifierConfig()
    classifier.modelType = .gbdt
    let sweepConfig = classifier
    @Sendable func trial(_ i: Int) -> Double {
      let set = sets[i % sets.count]
      var g = SplitMix64(seed: SplitMix64.derive(0, "trial-\(i)"))
      let r = try? ClassifierEvaluation.run(
        config: sweepConfig, trainX: set.trainX, trainY: set.trainY,
        trainDays: set.trainDays, testX: set.testX, testY: set.testY,
        generator: &g)
      return r?.metrics.rocAUC ?? .nan
    }
    let (sequential, parallel, cores, cpu) = sweep(trials: options.trials, trial)
    print(
      String(
        format: "tree sweep of %d trials (5 folds + final fit each): 1 core %.3f s, %d cores %.3f s, "
          + "scaling %.2fx (ideal %d.0x)", options.trials, sequential, cores, parallel, sequential / parallel,
        cores))
    print(
      String(
        format: "  during the %d-core sweep the process used %.2f cores on average (load average %.1f)",
        cores, cpu / parallel, loadAverage()))
    summary.append(
      String(
        format: "tree sweep (%d trials): %.2fx on %d cores", options.trials, sequential / parallel,
        cores))
  }

  /// FNV-1a over the bit patterns of the model's nodes, validation scores and raw test scores, and separately over
  /// its training losses.
  static func checksum(_ model: GradientBoostedTrees, _ set: Data) -> (model: UInt64, loss: UInt64) {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ v: UInt64) { h = (h ^ v) &* 0x100_0000_01b3 }
    for tree in model.trees {
      for n in tree.nodes {
        mix(n.value.bitPattern)
        mix(n.threshold.bitPattern)
        mix(n.gain.bitPattern)
        mix(UInt64(n.count) << 32 | UInt64(n.feature) << 16 | UInt64(n.binThreshold) << 1 | (n.missingGoesLeft ? 1 : 0))
      }
    }
    for v in model.validationScore { mix(v.bitPattern) }
    for r in model.decisionFunction(set.testX) { mix(r.bitPattern) }
    let modelHash = h
    h = 0xcbf2_9ce4_8422_2325
    for l in model.trainLoss { mix(l.bitPattern) }
    return (modelHash, h)
  }

  /// Times `trials` calls of `trial` in order on this thread, then on one worker thread per core (as `--jobs`).
  static func sweep(trials: Int, _ trial: @escaping @Sendable (Int) -> Double)
    -> (sequential: Double, parallel: Double, cores: Int, cpu: Double)
  {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let t1 = DispatchTime.now().uptimeNanoseconds
    for i in 0..<trials { _ = trial(i) }
    let sequential = Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9
    let results = ResultSlots(count: trials)
    let t2 = DispatchTime.now().uptimeNanoseconds
    let cpu0 = processCPUSeconds()
    runOnWorkerThreads(count: cores, iterations: trials) { i in results.set(i, trial(i)) }
    let parallel = Double(DispatchTime.now().uptimeNanoseconds - t2) / 1e9
    return (sequential, parallel, cores, processCPUSeconds() - cpu0)
  }

  struct Reference {
    /// CPU seconds of the best fit (one thread).
    var seconds: Double
    var wall: Double
    var trees: Int
    var auc: Double
    var earlyStoppingAUCs: [Double]
  }

  /// A python3 with scikit-learn, or nil (after saying how to install it).
  static func scikitLearnInterpreter() -> String? {
    guard FileManager.default.fileExists(atPath: scikitLearnScript) else {
      print("scikit-learn: run from the repository root to find \(scikitLearnScript)")
      return nil
    }
    guard let python = PythonReference.interpreter(module: "sklearn") else {
      print(
        "scikit-learn is not installed: `pip install scikit-learn threadpoolctl` (or set ALMANAC_PYTHON to a "
          + "python3 that has it) to print the ratios")
      return nil
    }
    return python
  }

  static let scikitLearnScript = "benchmarks/python/sklearn_trees.py"

  /// Runs benchmarks/python/sklearn_trees.py with OMP_NUM_THREADS=1 (best of `repeat` fits per file, then the
  /// early-stopping fits of `seeds` seeds); nil when it fails.
  static func runScikitLearn(python: String, files: [String], iterations: Int, repeat: Int, seeds: Int)
    -> [Reference]?
  {
    let out = PythonReference.run(
      python,
      [scikitLearnScript, "--max-iter", "\(iterations)", "--repeat", "\(`repeat`)", "--seeds", "\(seeds)"] + files)
    var refs: [Reference] = []
    for line in out.split(separator: "\n") {
      guard let data = line.data(using: .utf8),
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let seconds = json["fit_cpu_seconds"] as? Double, let wall = json["fit_seconds"] as? Double,
        let trees = json["trees"] as? Int,
        let auc = json["auc"] as? Double, let aucs = json["early_stopping_aucs"] as? [Double]
      else { continue }
      refs.append(Reference(seconds: seconds, wall: wall, trees: trees, auc: auc, earlyStoppingAUCs: aucs))
    }
    if refs.count != files.count {
      print("scikit-learn run failed:\n\(out)")
      return nil
    }
    return refs
  }

  /// Writes the set as CSV (features as their Float values, `label`, `is_test`) and returns the path.
  static func export(_ set: Data, to directory: String) throws -> String {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = (directory as NSString).appendingPathComponent("panel-\(set.label).csv")
    var text = (set.featureNames + ["label", "is_test"]).joined(separator: ",") + "\n"
    for (x, y, isTest) in [(set.trainX, set.trainY, 0), (set.testX, set.testY, 1)] {
      for r in 0..<x.rows {
        let row = (0..<x.columns).map { c -> String in
          let v = x[r, c]
          return v.isNaN ? "nan" : "\(Double(v))"
        }
        text += (row + ["\(Int(y[r]))", "\(isTest)"]).joined(separator: ",") + "\n"
      }
    }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// The per-token panel (3d and 7d features, last 40 days as test, no scaling) from `../shared/data/aave`, or the
  /// synthetic market's panel when the real data is absent.
  static func datasets() throws -> ([Data], String) {
    let env = ProcessInfo.processInfo.environment["ALMANAC_SHARED"].flatMap { $0.isEmpty ? nil : $0 }
    let shared = URL(fileURLWithPath: env ?? "../shared", isDirectory: true)
    let dir = shared.appendingPathComponent("data/aave")
    let tables: AaveTables
    let source: String
    if FileManager.default.fileExists(atPath: dir.appendingPathComponent(AaveTables.FileName.tokenDaily).path) {
      tables = try AaveTables.load(directory: dir)
      source = "the per-token panel from \(dir.path)"
    } else {
      tables = SyntheticMarket.generate(SyntheticMarket.Config(seed: 7, days: 730)).tables
      source = "../shared is absent: the synthetic market's per-token panel (seed 7, 730 days)"
    }
    let panel = try LiquidationPanel.build(from: tables, pipeline: .perToken)
    var sets: [Data] = []
    for features in ["3d", "7d"] {
      let s = try panel.split(testDays: 40, features: [features], scaling: .none)
      sets.append(
        Data(
          label: features, featureNames: s.featureNames,
          trainX: Matrix(rows: s.trainCount, columns: s.featureCount, doubles: s.trainX),
          trainY: s.trainY.map(Float.init), trainDays: s.trainDays,
          testX: Matrix(rows: s.testCount, columns: s.featureCount, doubles: s.testX),
          testY: s.testY.map(Float.init)))
    }
    return (sets, source)
  }
}

/// Finding and running the Python reference programs.
enum PythonReference {
  /// `$ALMANAC_PYTHON`, else /tmp/venv-gbdt/bin/python, else python3 — the first that imports `module`.
  static func interpreter(module: String) -> String? {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["ALMANAC_PYTHON"], !env.isEmpty { candidates.append(env) }
    candidates += ["/tmp/venv-gbdt/bin/python", "/usr/bin/env python3"]
    for c in candidates {
      let parts = c.split(separator: " ").map(String.init)
      guard let exe = parts.first, FileManager.default.isExecutableFile(atPath: exe) else { continue }
      let p = Process()
      p.executableURL = URL(fileURLWithPath: exe)
      p.arguments = Array(parts.dropFirst()) + ["-c", "import \(module)"]
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      do {
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus == 0 { return c }
      } catch { continue }
    }
    return nil
  }

  /// Runs `python args...` on one thread (OMP/MKL/OpenBLAS limited to 1) and returns its standard output.
  static func run(_ python: String, _ args: [String]) -> String {
    let parts = python.split(separator: " ").map(String.init)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: parts[0])
    p.arguments = Array(parts.dropFirst()) + args
    var env = ProcessInfo.processInfo.environment
    for key in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] { env[key] = "1" }
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    do { try p.run() } catch { return "could not run \(python): \(error)" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }
}

/// almanac-bench learning: `network` then `trees`, then every ratio side by side.
func learningBenchmark(_ args: ArraySlice<String>) throws {
  try NetworkBenchmark.run([])
  print("")
  try TreeBenchmark.run(args)
  print(
    "\nsummary (one run, \(ProcessInfo.processInfo.activeProcessorCount) cores, load average "
      + String(format: "%.1f", loadAverage()) + "):")
  for line in NetworkBenchmark.summary + TreeBenchmark.summary { print("  " + line) }
}
