// almanac-bench gru [--epochs N] [--window W] [--hidden H] [--layers L] [--folds K] [--batch B] [--almanac-only]: one GRU trial on the per-token
// panel (3d features, min-max scaled, last 40 days as test; each row's sequence = its token's last `window` rows
// within its side, compressed over missing days), 5 KFold folds + a final fit, 30 epochs, batch 32, Adam lr 1e-3,
// timed on one thread (CPU time of the training and scoring, data building excluded), against PyTorch training the
// same tensors the same way in the same run (benchmarks/python/pytorch_gru.py, torch.set_num_threads(1)).
import AlmanacCore
import Datasets
import Dispatch
import Foundation
import Learning

enum GRUBenchmark {
  struct Options {
    var epochs = 30
    var window = 14
    var hidden = 32
    var layers = 1
    var folds = 5
    var batch = 32
    var pytorch = true
  }

  static func parse(_ args: ArraySlice<String>) -> Options {
    var o = Options()
    var it = args.makeIterator()
    while let a = it.next() {
      if a == "--almanac-only" {
        o.pytorch = false
        continue
      }
      guard let v = it.next().flatMap({ Int($0) }), v > 0 else {
        print("almanac-bench gru: \(a) needs a positive integer")
        exit(2)
      }
      switch a {
      case "--epochs": o.epochs = v
      case "--window": o.window = v
      case "--hidden": o.hidden = v
      case "--layers": o.layers = v
      case "--folds": o.folds = v
      case "--batch": o.batch = v
      default:
        print("almanac-bench gru: unknown option \(a)")
        exit(2)
      }
    }
    return o
  }

  /// Sequences of each row's token's last `window` rows up to and including the row (rows of one side, in day
  /// order; missing days are skipped, so consecutive steps are consecutive observations of the token).
  static func sequences(x: [Double], features: Int, days: [Int], tokens: [String], window: Int) -> SequenceMatrix {
    let n = days.count
    var byToken: [String: [Int]] = [:]
    for r in 0..<n { byToken[tokens[r], default: []].append(r) }
    var values = [Float](repeating: 0, count: n * window * features)
    var lengths = [Int](repeating: 1, count: n)
    for rows in byToken.values {
      let ordered = rows.sorted { days[$0] < days[$1] || (days[$0] == days[$1] && $0 < $1) }
      for (i, r) in ordered.enumerated() {
        let len = min(window, i + 1)
        lengths[r] = len
        for s in 0..<len {
          let source = ordered[i - len + 1 + s]
          let t = window - len + s
          for f in 0..<features {
            values[(r * window + t) * features + f] = Float(x[source * features + f])
          }
        }
      }
    }
    return SequenceMatrix(rows: n, window: window, features: features, values: values, lengths: lengths)
  }

  /// Floating-point operations of the matrix products of training (2 per multiply-add): per valid step and row,
  /// layer 0 does `x W_ih^T`, `h W_hh^T` forward and `dW_hh`, `dh`, `dW_ih` backward; layers above also propagate to
  /// the layer below. Counted over every fit (folds and final) and epoch; prediction and element-wise work excluded.
  static func trainingFlop(_ o: Options, features: Int, lengths: [Int]) -> Double {
    let g = Double(3 * o.hidden)
    let h = Double(o.hidden)
    var perStep = 2 * g * (Double(features) + h) + 2 * g * (2 * h + Double(features))
    if o.layers > 1 { perStep += Double(o.layers - 1) * (2 * g * (2 * h) + 2 * g * (4 * h)) }
    var steps = 0
    for fold in ValidationSplits.kFold(count: lengths.count, folds: o.folds) {
      steps += fold.train.reduce(0) { $0 + lengths[$1] }
    }
    steps += lengths.reduce(0, +)
    return Double(o.epochs) * Double(steps) * perStep
  }

  static func run(_ args: ArraySlice<String>) throws {
    let o = parse(args)
    let env = ProcessInfo.processInfo.environment["ALMANAC_SHARED"].flatMap { $0.isEmpty ? nil : $0 }
    let dir = URL(fileURLWithPath: env ?? "../shared", isDirectory: true).appendingPathComponent("data/aave")
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
    let s = try panel.split(testDays: 40, features: ["3d"], scaling: .minmax)
    let train = sequences(
      x: s.trainX, features: s.featureCount, days: s.trainDays, tokens: s.trainTokens, window: o.window)
    let test = sequences(x: s.testX, features: s.featureCount, days: s.testDays, tokens: s.testTokens, window: o.window)
    let trainY = s.trainY.map(Float.init)
    let testY = s.testY.map(Float.init)
    var config = ClassifierConfig()
    config.modelType = .gru
    config.recurrent.hidden = o.hidden
    config.recurrent.layers = o.layers
    config.learningRate = 1e-3
    config.folds = o.folds
    config.training = TrainingOptions(epochs: o.epochs, batchSize: o.batch)
    print(
      "almanac-bench gru: window \(o.window), hidden \(o.hidden), layers \(o.layers); \(o.folds) KFold folds + final "
        + "fit, \(o.epochs) epochs, batch \(o.batch), Adam lr 1e-3, one thread")
    print("data: \(source); \(train.rows) training and \(test.rows) test sequences of \(s.featureCount) features")

    var g = SplitMix64(seed: 0)
    let c0 = threadCPUSeconds()
    let w0 = DispatchTime.now().uptimeNanoseconds
    let report = try ClassifierEvaluation.runRecurrent(
      config: config, train: train, trainY: trainY, test: test, testY: testY, generator: &g)
    let almanacCPU = threadCPUSeconds() - c0
    let almanacWall = Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9
    print(
      String(
        format: "Almanac: %.2f s CPU (%.2f s wall), test ROC-AUC %.4f", almanacCPU, almanacWall,
        report.metrics.rocAUC))
    // FNV-1a over the bit patterns of the training losses and test probabilities: equal digests mean bit-identical
    // training (the default build's must not change with an optimisation; the AVX-512 build's differs by rounding).
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    for v in report.trainLoss { digest = (digest ^ v.bitPattern) &* 0x100_0000_01b3 }
    for v in report.testProbabilities { digest = (digest ^ UInt64(v.bitPattern)) &* 0x100_0000_01b3 }
    print(String(format: "kernels: %@; model digest %016llx", KernelBuild.description, digest))
    let flop = trainingFlop(o, features: s.featureCount, lengths: train.lengths)
    print(
      String(
        format: "training arithmetic (matrix products of forward and backward, valid steps only): %.1f GFLOP, "
          + "%.1f GFLOP/s", flop / 1e9, flop / 1e9 / almanacCPU))

    if !o.pytorch { return }
    guard let python = PythonReference.interpreter(module: "torch") else {
      print(
        "PyTorch is not installed: `pip install torch --index-url https://download.pytorch.org/whl/cpu` (or set "
          + "ALMANAC_PYTHON to a python3 that has it) to print the ratio")
      return
    }
    let temp = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-gru-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: temp) }
    func write<T>(_ values: [T], _ name: String) throws {
      let data = values.withUnsafeBytes { Foundation.Data($0) }
      try data.write(to: temp.appendingPathComponent(name))
    }
    try write(train.values, "train_x.f32")
    try write(test.values, "test_x.f32")
    try write(train.lengths.map { Int32($0) }, "train_len.i32")
    try write(test.lengths.map { Int32($0) }, "test_len.i32")
    try write(trainY, "train_y.f32")
    try write(testY, "test_y.f32")
    let meta: [String: Any] = [
      "window": o.window, "features": s.featureCount, "hidden": o.hidden, "layers": o.layers, "epochs": o.epochs,
      "batch": o.batch, "lr": 1e-3, "folds": o.folds,
    ]
    try JSONSerialization.data(withJSONObject: meta).write(to: temp.appendingPathComponent("meta.json"))
    let out = PythonReference.run(python, ["benchmarks/python/pytorch_gru.py", temp.path])
    guard let line = out.split(separator: "\n").last,
      let json = try? JSONSerialization.jsonObject(with: Foundation.Data(line.utf8)) as? [String: Any],
      let cpu = json["cpu_seconds"] as? Double
    else {
      print("PyTorch run failed: \(out)")
      return
    }
    let auc = json["test_roc_auc"] as? Double ?? .nan
    print(
      String(
        format: "PyTorch %@: %.2f s CPU (%.2f s wall), test ROC-AUC %.4f", json["torch"] as? String ?? "?", cpu,
        json["wall_seconds"] as? Double ?? .nan, auc))
    print(String(format: "ratio (PyTorch CPU / Almanac CPU): %.1fx (target 20x)", cpu / almanacCPU))
  }
}
