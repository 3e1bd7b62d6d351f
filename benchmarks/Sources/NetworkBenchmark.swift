// almanac-bench network: the tutorial's two models (3-day and 7-day features, 10-32-16-1 relu, Adam lr 1e-4,
// 5 KFold folds x 30 epochs, batch 32, one model carried across folds) timed on one thread, whole run (loading the
// tables and building the panel included), against PyTorch running the tutorial's training code on the same panel
// in the same run (benchmarks/python/pytorch_tutorial.py; REFERENCE §1's 13.8 s when PyTorch is not installed),
// then a sweep of 30 trials on 1 core vs all cores.
import AlmanacCore
import Datasets
import Dispatch
import Foundation
import Learning

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// CPU time of the calling thread in seconds (unaffected by other processes sharing the cores).
func threadCPUSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

enum NetworkBenchmark {
  /// PyTorch 2.15 CPU, one thread: 3-day 7.7 s + 7-day 6.1 s (REFERENCE §1).
  static let pytorchSeconds = 13.8
  static let target = 100.0

  struct Data: Sendable {
    var label: String
    var trainX: Matrix
    var trainY: [Float]
    var testX: Matrix
    var testY: [Float]
  }

  /// Result lines for the summary of `almanac-bench learning`.
  nonisolated(unsafe) static var summary: [String] = []

  static func run(_ args: ArraySlice<String>) throws {
    let trials = args.first.flatMap { Int($0) } ?? 30
    let runReference = !args.contains("--no-reference")
    let loadStart = DispatchTime.now().uptimeNanoseconds
    let loadCPU0 = threadCPUSeconds()
    let (sets, source) = try datasets()
    let loadWall = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e9
    let loadCPU = threadCPUSeconds() - loadCPU0
    print("almanac-bench network: tutorial models (10-32-16-1 relu, 5 folds x 30 epochs, batch 32, carry_model)")
    print("data: \(source)")
    let config = { () -> ClassifierConfig in
      var c = ClassifierConfig()
      c.carryModel = true
      return c
    }()

    // Warm-up (page in code and buffers), then the best of 5 timed repetitions of both models on one thread (the
    // machine is shared: a single 0.2 s repetition is easily slowed by a process on the sibling hyperthread).
    var g = SplitMix64(seed: 0)
    _ = try ClassifierEvaluation.run(
      config: config, trainX: sets[0].trainX, trainY: sets[0].trainY,
      testX: sets[0].testX, testY: sets[0].testY, generator: &g)
    var best = Double.infinity
    var bestCPU = Double.infinity
    var perModel: [Double] = []
    var perModelCPU: [Double] = []
    var f1s: [Double] = []
    // FNV-1a over the bit patterns of every repetition's losses and test probabilities: equal digests mean
    // bit-identical training, so an optimisation can be checked against the previous build (and debug vs release).
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ v: UInt64) { digest = (digest ^ v) &* 0x100_0000_01b3 }
    for rep in 0..<5 {
      var times: [Double] = []
      var cpu: [Double] = []
      f1s = []
      for set in sets {
        var g = SplitMix64(seed: UInt64(rep))
        let t0 = DispatchTime.now().uptimeNanoseconds
        let c0 = threadCPUSeconds()
        let r = try ClassifierEvaluation.run(
          config: config, trainX: set.trainX, trainY: set.trainY,
          testX: set.testX, testY: set.testY, generator: &g)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        cpu.append(threadCPUSeconds() - c0)
        f1s.append(r.metrics.f1)
        if rep < 3 {
          for l in r.trainLoss + r.validationLoss { mix(l.bitPattern) }
          for p in r.testProbabilities { mix(UInt64(p.bitPattern)) }
        }
      }
      let total = times.reduce(0, +)
      if total < best {
        best = total
        perModel = times
      }
      if cpu.reduce(0, +) < bestCPU {
        bestCPU = cpu.reduce(0, +)
        perModelCPU = cpu
      }
    }
    for (i, set) in sets.enumerated() {
      print(String(format: "  %@ model: wall %.3f s, thread CPU %.3f s", set.label, perModel[i], perModelCPU[i]))
    }
    print(
      String(
        format: "  loading the tables and building the panel: wall %.3f s, thread CPU %.3f s", loadWall,
        loadCPU))
    let almanacWall = best + loadWall
    let almanacCPU = bestCPU + loadCPU
    print(
      String(format: "  model digest (losses and test probabilities of the first 3 x 2 timed runs): %016llx", digest))
    print("  kernels: \(KernelBuild.description)")
    let torch = runReference ? runPyTorch(sets) : nil
    let reference = torch?.seconds ?? pytorchSeconds
    let referenceWall = torch?.wall ?? pytorchSeconds
    let label = torch == nil ? "PyTorch (REFERENCE §1, not run here)" : "PyTorch \(torch?.version ?? "") (this run)"
    print(
      String(
        format: "one thread, whole run (load + both models): Almanac wall %.3f s, thread CPU %.3f s; "
          + "%@ wall %.2f s, CPU %.2f s; ratio %.1fx by CPU time (%.1fx by wall time); target %.0fx",
        almanacWall, almanacCPU, label, referenceWall, reference, reference / almanacCPU,
        referenceWall / almanacWall, target))
    if let torch {
      print(
        "  (PyTorch CPU per model: " + torch.perModel.map { String(format: "%.2f s", $0) }.joined(separator: ", ")
          + "; F1 " + torch.f1.map { String(format: "%.3f", $0) }.joined(separator: ", ")
          + String(format: "; importing torch took a further %.2f s, not counted)", torch.importSeconds))
    }
    let flops = trainingFlops(sets)
    print(
      String(
        format: "  training arithmetic: %.2f GFLOP (forward + backward + Adam), %.2f GFLOP/s on one core "
          + "(thread CPU of both models)", flops / 1e9, flops / 1e9 / bestCPU))
    summary.append(
      String(
        format: "network (tutorial, whole run): %.1fx %@ (%.3f s vs %.2f s); %.2f GFLOP/s",
        reference / almanacCPU, torch == nil ? "REFERENCE PyTorch" : "PyTorch", almanacCPU,
        reference, flops / 1e9 / bestCPU))
    print(
      "  (best of 5; wall time includes waiting for a core when the machine is shared: load average "
        + String(format: "%.1f", loadAverage()) + ")")
    print("  (F1 of the last repetition: " + f1s.map { String(format: "%.3f", $0) }.joined(separator: ", ") + ")")

    // Sweep: `trials` trials (alternating 3d/7d, seeds 0..<trials), sequential vs one worker thread per core.
    let cores = ProcessInfo.processInfo.activeProcessorCount
    @Sendable func trial(_ i: Int) -> Double {
      let set = sets[i % sets.count]
      var g = SplitMix64(seed: SplitMix64.derive(0, "trial-\(i)"))
      let r = try? ClassifierEvaluation.run(
        config: config, trainX: set.trainX, trainY: set.trainY, testX: set.testX,
        testY: set.testY, generator: &g)
      return r?.metrics.f1 ?? .nan
    }
    let t1 = DispatchTime.now().uptimeNanoseconds
    for i in 0..<trials { _ = trial(i) }
    let sequential = Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9
    let results = ResultSlots(count: trials)
    let t2 = DispatchTime.now().uptimeNanoseconds
    let cpu2 = processCPUSeconds()
    runOnWorkerThreads(count: cores, iterations: trials) { i in results.set(i, trial(i)) }
    let parallel = Double(DispatchTime.now().uptimeNanoseconds - t2) / 1e9
    let parallelCPU = processCPUSeconds() - cpu2
    print(
      String(
        format: "sweep of %d trials: 1 core %.3f s, %d cores %.3f s, scaling %.2fx", trials, sequential, cores,
        parallel, sequential / parallel))
    summary.append(String(format: "network sweep (%d trials): %.2fx on %d cores", trials, sequential / parallel, cores))
    print(
      String(
        format: "  during the %d-core sweep the process used %.3f s of CPU, i.e. %.2f cores on average "
          + "(load average %.1f: other processes take the rest)", cores, parallelCPU, parallelCPU / parallel,
        loadAverage()))
  }

  /// Floating-point operations of training both models: per row and epoch, forward `2 (10·32 + 32·16 + 16)` plus
  /// backward about twice that (weight and input gradients; the first layer's input gradient is skipped), plus 12
  /// operations per parameter and Adam step; activations and the loss are not counted.
  static func trainingFlops(_ sets: [Data]) -> Double {
    let layers = [(10, 32), (32, 16), (16, 1)]
    let forward = layers.reduce(0) { $0 + 2 * $1.0 * $1.1 }
    let backward = layers.enumerated().reduce(0) { $0 + 2 * $1.element.0 * $1.element.1 * ($1.offset == 0 ? 1 : 2) }
    let parameters = layers.reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    var total = 0.0
    for set in sets {
      let folds = ValidationSplits.kFold(count: set.trainX.rows, folds: 5)
      for f in folds {
        let rows = Double(f.train.count)
        let batches = (rows / 32).rounded(.up)
        total += 30 * (rows * Double(forward + backward) + batches * Double(12 * parameters))
      }
    }
    return total
  }

  /// Runs benchmarks/python/pytorch_tutorial.py on the exported panels; nil (with instructions) without PyTorch.
  static func runPyTorch(_ sets: [Data]) -> (
    seconds: Double, wall: Double, perModel: [Double], f1: [Double],
    version: String, importSeconds: Double
  )? {
    let script = "benchmarks/python/pytorch_tutorial.py"
    guard FileManager.default.fileExists(atPath: script) else {
      print("PyTorch: run from the repository root to find \(script)")
      return nil
    }
    guard let python = PythonReference.interpreter(module: "torch") else {
      print(
        "PyTorch is not installed: `python3 -m venv /tmp/venv-gbdt && /tmp/venv-gbdt/bin/pip install torch "
          + "scikit-learn` (or set ALMANAC_PYTHON to a python3 that has torch and scikit-learn) to run it side by side")
      return nil
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-bench-net-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var files: [String] = []
    for set in sets {
      let names = (0..<set.trainX.columns).map { "f\($0)" }
      let tree = TreeBenchmark.Data(
        label: set.label, featureNames: names, trainX: set.trainX, trainY: set.trainY,
        trainDays: [], testX: set.testX, testY: set.testY)
      guard let f = try? TreeBenchmark.export(tree, to: directory) else { return nil }
      files.append(f)
    }
    let out = PythonReference.run(python, [script] + files)
    var perModel: [Double] = []
    var wall = 0.0
    var f1: [Double] = []
    var version = ""
    var importSeconds = 0.0
    for line in out.split(separator: "\n") {
      guard let data = line.data(using: .utf8),
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let seconds = json["cpu_seconds"] as? Double, let w = json["seconds"] as? Double,
        let f = json["f1"] as? Double
      else { continue }
      perModel.append(seconds)
      wall += w
      f1.append(f)
      version = json["torch"] as? String ?? ""
      importSeconds = json["import_seconds"] as? Double ?? 0
    }
    guard perModel.count == sets.count else {
      print("PyTorch run failed:\n\(out)")
      return nil
    }
    return (perModel.reduce(0, +), wall, perModel, f1, version, importSeconds)
  }

  /// The tutorial panel (REFERENCE §1: tutorial pipeline, last 40 days as test, min-max scaling on train) from
  /// `../shared/data/aave` (or `$ALMANAC_SHARED/data/aave`) when present, else random data of the same shape.
  static func datasets() throws -> ([Data], String) {
    let env = ProcessInfo.processInfo.environment["ALMANAC_SHARED"].flatMap { $0.isEmpty ? nil : $0 }
    let shared = URL(fileURLWithPath: env ?? "../shared", isDirectory: true)
    let dir = shared.appendingPathComponent("data/aave")
    if FileManager.default.fileExists(atPath: dir.appendingPathComponent(AaveTables.FileName.tokenDaily).path) {
      let panel = try LiquidationPanel.build(from: AaveTables.load(directory: dir), pipeline: .tutorial)
      var sets: [Data] = []
      for (label, features) in [("3-day", "3d"), ("7-day", "7d")] {
        let s = try panel.split(testDays: 40, features: [features], scaling: .minmax)
        sets.append(
          Data(
            label: label,
            trainX: Matrix(rows: s.trainCount, columns: s.featureCount, doubles: s.trainX),
            trainY: s.trainY.map(Float.init),
            testX: Matrix(rows: s.testCount, columns: s.featureCount, doubles: s.testX),
            testY: s.testY.map(Float.init)))
      }
      let s = sets[0]
      return (
        sets,
        "the tutorial panel from \(dir.path): train \(s.trainX.rows) x \(s.trainX.columns) "
          + "(\(Int(s.trainY.reduce(0, +))) positive), test \(s.testX.rows) (\(Int(s.testY.reduce(0, +))) positive)"
      )
    }
    var g = SplitMix64(seed: 42)
    func random(_ rows: Int) -> (Matrix, [Float]) {
      let x = Matrix(rows: rows, columns: 10, values: (0..<(rows * 10)).map { _ in Float(g.nextUnit()) })
      // About 23% positives, as the real panel (552 of 2,428).
      let y: [Float] = (0..<rows).map { _ in g.nextUnit() < 0.227 ? 1 : 0 }
      return (x, y)
    }
    let (a, ay) = random(2428)
    let (b, by) = random(313)
    let (c, cy) = random(2428)
    let (d, dy) = random(313)
    return (
      [
        Data(label: "3-day", trainX: a, trainY: ay, testX: b, testY: by),
        Data(label: "7-day", trainX: c, trainY: cy, testX: d, testY: dy),
      ],
      "../shared is absent: random 2428 x 10 train / 313 x 10 test matrices (the tutorial panel's shape)"
    )
  }
}

/// CPU time of the whole process (all threads) in seconds.
func processCPUSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The one-minute load average (how busy the shared machine was while timing).
func loadAverage() -> Double {
  var l = [Double](repeating: 0, count: 3)
  return getloadavg(&l, 3) > 0 ? l[0] : .nan
}

/// Runs `body(0..<iterations)` on `count` dedicated threads that take the next index in turn, as the runner's
/// `--jobs` workers do (`RunnerSession.startWorkers`), and returns when all are done.
func runOnWorkerThreads(count: Int, iterations: Int, _ body: @escaping @Sendable (Int) -> Void) {
  let next = Locked(0)
  let group = DispatchGroup()
  for w in 0..<max(1, count) {
    group.enter()
    let thread = Thread {
      defer { group.leave() }
      while true {
        let i = next.withLock { n -> Int in
          defer { n += 1 }
          return n
        }
        if i >= iterations { break }
        body(i)
      }
    }
    thread.name = "almanac-bench.worker.\(w)"
    thread.stackSize = 8 << 20
    thread.start()
  }
  group.wait()
}

/// Per-index result slots written from the sweep's worker threads; each worker writes only its own index.
/// `@unchecked Sendable`: every access goes through `lock` (an NSLock).
final class ResultSlots: @unchecked Sendable {
  private var values: [Double]
  private let lock = NSLock()
  init(count: Int) { values = [Double](repeating: .nan, count: count) }
  func set(_ i: Int, _ v: Double) {
    lock.lock()
    values[i] = v
    lock.unlock()
  }
}
