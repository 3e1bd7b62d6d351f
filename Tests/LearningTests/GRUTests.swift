import AlmanacCore
import Testing

@testable import Learning

/// Reference loss in Double, written independently of the Float kernels (per row, per valid step, plain loops), for
/// finite differences.
private func referenceLoss(_ p: [Double], net: GRUNetwork, x: SequenceMatrix, y: [Float], weights: [Float]?)
  -> Double
{
  let H = net.hiddenSize
  var total = 0.0
  for r in 0..<x.rows {
    let len = x.lengths[r]
    var hs = [[Double]](repeating: [Double](repeating: 0, count: H), count: net.layers)
    for t in (x.window - len)..<x.window {
      var input = (0..<x.features).map { Double(x.values[(r * x.window + t) * x.features + $0]) }
      for l in 0..<net.layers {
        let nIn = net.layerInputSize(l)
        let wih = net.weightIHOffsets[l], whh = net.weightHHOffsets[l]
        let bih = net.biasIHOffsets[l], bhh = net.biasHHOffsets[l]
        func gi(_ g: Int) -> Double {
          var s = p[bih + g]
          for i in 0..<nIn { s += p[wih + g * nIn + i] * input[i] }
          return s
        }
        func gh(_ g: Int) -> Double {
          var s = p[bhh + g]
          for i in 0..<H { s += p[whh + g * H + i] * hs[l][i] }
          return s
        }
        var next = [Double](repeating: 0, count: H)
        for j in 0..<H {
          let rg = 1 / (1 + Math.exp(-(gi(j) + gh(j))))
          let zg = 1 / (1 + Math.exp(-(gi(H + j) + gh(H + j))))
          let ng = Math.tanh(gi(2 * H + j) + rg * gh(2 * H + j))
          next[j] = (1 - zg) * ng + zg * hs[l][j]
        }
        hs[l] = next
        input = next
      }
    }
    var z = p[net.headBiasOffset]
    for j in 0..<H { z += p[net.headWeightOffset + j] * hs[net.layers - 1][j] }
    let q = 1 / (1 + Math.exp(-z))
    let w = Double(weights?[r] ?? 1)
    let yr = Double(y[r])
    total += -w * (yr * max(Math.log(q), -100) + (1 - yr) * max(Math.log(1 - q), -100))
  }
  return total / Double(x.rows)
}

/// `|a - b| <= rel * |b| + abs` element-wise; returns the worst ratio of error to allowance (<= 1 passes).
private func worst(_ a: [Float], _ b: [Float], rel: Double, abs absTol: Double) -> Double {
  precondition(a.count == b.count)
  var w = 0.0
  for (u, v) in zip(a, b) { w = max(w, Swift.abs(Double(u) - Double(v)) / (rel * Swift.abs(Double(v)) + absTol)) }
  return w
}

extension GRUFixture.Case {
  var sequences: SequenceMatrix {
    SequenceMatrix(rows: lengths.count, window: window, features: inputSize, values: x, lengths: lengths)
  }
  var network: GRUNetwork {
    var n = GRUNetwork(inputSize: inputSize, hidden: hidden, layers: layers)
    n.parameters = parameters
    return n
  }
  var trainer: GRUTrainer {
    GRUTrainer(network: network, window: window, options: TrainingOptions(epochs: 1, batchSize: 8))
  }
}

private let fixtureCases: [(String, GRUFixture.Case)] = [
  ("F3 H4 L1", GRUFixture.oneLayer), ("F3 H4 L1 weighted", GRUFixture.oneLayerWeighted),
  ("F3 H4 L2", GRUFixture.twoLayers), ("F3 H5 L2 weighted", GRUFixture.twoLayersWeighted),
  ("F2 H3 L3", GRUFixture.threeLayers),
]

@Suite("GRU network against PyTorch (torch.nn.GRU, packed sequences, BCELoss, Adam)")
struct GRUNetworkTests {
  @Test("Layout follows model.parameters(): per layer W_ih, W_hh, b_ih, b_hh; then the head's weight and bias")
  func layout() {
    let net = GRUNetwork(inputSize: 10, hidden: 32, layers: 2)
    #expect(net.weightIHOffsets == [0, 4224])
    #expect(net.weightHHOffsets == [960, 7296])
    #expect(net.biasIHOffsets == [4032, 10368])
    #expect(net.biasHHOffsets == [4128, 10464])
    #expect(net.headWeightOffset == 10560 && net.headBiasOffset == 10592)
    #expect(net.parameters.count == 96 * 10 + 96 * 32 + 192 + 96 * 32 * 2 + 192 + 33)
  }

  @Test("Initialisation is U(-1/sqrt(H), 1/sqrt(H)) for every parameter, and seeded")
  func initialisation() {
    var g = SplitMix64(seed: 5)
    let net = GRUNetwork(inputSize: 4, hidden: 16, layers: 2, generator: &g)
    let bound: Float = 0.25
    #expect(net.parameters.allSatisfy { abs($0) <= bound })
    #expect(net.parameters.max()! > 0.2 && net.parameters.min()! < -0.2)
    var g2 = SplitMix64(seed: 5)
    #expect(GRUNetwork(inputSize: 4, hidden: 16, layers: 2, generator: &g2) == net)
  }

  /// Tolerance: loss and probabilities within 1e-6 relative; gradients within 1e-5 relative + 2e-8 absolute (float
  /// rounding of differently ordered sums; PyTorch's gradients are themselves float32). Measured: at most 0.19 of it.
  @Test("Loss, probabilities and every parameter gradient match PyTorch's", arguments: fixtureCases)
  func fixtureGradients(_ name: String, _ c: GRUFixture.Case) {
    let net = c.network
    let p = net.predict(c.sequences)
    #expect(worst(p, c.probabilities, rel: 1e-6, abs: 1e-7) <= 1, "\(name): \(p) vs \(c.probabilities)")
    let (loss, gradient) = c.trainer.lossAndGradient(network: net, x: c.sequences, y: c.y, sampleWeights: c.weights)
    #expect(abs(loss - c.loss) <= 1e-6 * abs(c.loss), "\(name): loss \(loss) vs \(c.loss)")
    let w = worst(gradient, c.gradient, rel: 1e-5, abs: 2e-8)
    #expect(w <= 1, "\(name): gradient off by \(w) of the tolerance")
  }

  /// Tolerance: parameters after 5 steps within 2e-6 relative + 2e-7 absolute (a few float ulps of values ~0.3),
  /// losses within 1e-5 relative. Measured: at most 0.42 of it.
  @Test("Five Adam steps (lr 0.01) on a fixed batch follow PyTorch's trajectory", arguments: fixtureCases)
  func trajectory(_ name: String, _ c: GRUFixture.Case) {
    var net = c.network
    var adam = Adam(parameterCount: net.parameters.count, learningRate: 0.01)
    let trainer = c.trainer
    var losses: [Double] = []
    for _ in 0..<5 {
      losses.append(trainer.step(network: &net, optimizer: &adam, x: c.sequences, y: c.y, sampleWeights: c.weights))
    }
    for (a, b) in zip(losses, c.adamLosses) { #expect(abs(a - b) <= 1e-5 * abs(b), "\(name): loss \(a) vs \(b)") }
    let w = worst(net.parameters, c.adamParameters, rel: 2e-6, abs: 2e-7)
    #expect(w <= 1, "\(name): parameters off by \(w) of the tolerance")
  }

  @Test("Padding steps are never read: other padding values give bit-identical loss, gradient and predictions")
  func paddingIgnored() {
    let c = GRUFixture.twoLayersWeighted
    var other = c.sequences
    for r in 0..<other.rows {
      for t in 0..<(other.window - other.lengths[r]) {
        for f in 0..<other.features { other.values[(r * other.window + t) * other.features + f] = .nan }
      }
    }
    let a = c.trainer.lossAndGradient(network: c.network, x: c.sequences, y: c.y, sampleWeights: c.weights)
    let b = c.trainer.lossAndGradient(network: c.network, x: other, y: c.y, sampleWeights: c.weights)
    #expect(a.loss == b.loss && a.gradient == b.gradient)
    #expect(c.network.predict(other) == c.network.predict(c.sequences))
  }

  /// Central differences of the Double reference loss (step 1e-3 in Double) against the Float analytic gradient:
  /// `|analytic - numeric| <= 1e-3 |numeric| + 2e-6` on 4 random parameters of every block of every layer and the head.
  @Test("Gradients match finite differences on parameters of every block", arguments: [1, 2])
  func finiteDifferences(_ layers: Int) {
    var g = SplitMix64(seed: UInt64(40 + layers))
    let (F, H, T) = (3, 5, 6)
    var net = GRUNetwork(inputSize: F, hidden: H, layers: layers, generator: &g)
    // Larger weights than the default so that the gates saturate a little and every term matters.
    net.parameters = net.parameters.map { $0 * 2 }
    let lengths = [6, 1, 4, 2, 6, 3]
    var values = [Float](repeating: 0, count: lengths.count * T * F)
    for r in lengths.indices {
      for t in (T - lengths[r])..<T {
        for f in 0..<F { values[(r * T + t) * F + f] = Float(g.nextGaussian()) }
      }
    }
    let x = SequenceMatrix(rows: lengths.count, window: T, features: F, values: values, lengths: lengths)
    let y: [Float] = [1, 0, 1, 0, 0, 1]
    let w: [Float] = [1.5, 0.5, 1, 2, 0.75, 1]
    let trainer = GRUTrainer(network: net, window: T, options: TrainingOptions(epochs: 1, batchSize: 8))
    let (loss, gradient) = trainer.lossAndGradient(network: net, x: x, y: y, sampleWeights: w)
    let p = net.parameters.map(Double.init)
    #expect(abs(loss - referenceLoss(p, net: net, x: x, y: y, weights: w)) <= 1e-6)
    var blocks: [(String, Range<Int>)] = []
    for l in 0..<layers {
      let nIn = net.layerInputSize(l)
      blocks.append(("W_ih l\(l)", net.weightIHOffsets[l]..<(net.weightIHOffsets[l] + 3 * H * nIn)))
      blocks.append(("W_hh l\(l)", net.weightHHOffsets[l]..<(net.weightHHOffsets[l] + 3 * H * H)))
      blocks.append(("b_ih l\(l)", net.biasIHOffsets[l]..<(net.biasIHOffsets[l] + 3 * H)))
      blocks.append(("b_hh l\(l)", net.biasHHOffsets[l]..<(net.biasHHOffsets[l] + 3 * H)))
    }
    blocks.append(("head", net.headWeightOffset..<(net.headBiasOffset + 1)))
    let h = 1e-3
    for (name, range) in blocks {
      for _ in 0..<4 {
        let k = range.lowerBound + g.nextIndex(below: range.count)
        var up = p
        var down = p
        up[k] += h
        down[k] -= h
        let numeric =
          (referenceLoss(up, net: net, x: x, y: y, weights: w) - referenceLoss(down, net: net, x: x, y: y, weights: w))
          / (2 * h)
        let analytic = Double(gradient[k])
        #expect(
          abs(analytic - numeric) <= 1e-3 * abs(numeric) + 2e-6,
          "\(name) [\(k)]: analytic \(analytic), numeric \(numeric)")
      }
    }
  }
}

@Suite("GRU edge cases and the recurrent classifier")
struct GRUClassifierTests {
  func sequences(rows: Int, window: Int, seed: UInt64) -> (SequenceMatrix, [Float], [Int]) {
    // An easy temporal pattern: label 1 when feature 0 rose from the first valid step to the last.
    var g = SplitMix64(seed: seed)
    let F = 2
    var values = [Float](repeating: 0, count: rows * window * F)
    var lengths: [Int] = []
    var y: [Float] = []
    for r in 0..<rows {
      let len = 2 + g.nextIndex(below: window - 1)
      lengths.append(len)
      let up = g.nextUnit() < 0.4
      var level = g.nextGaussian()
      for t in (window - len)..<window {
        values[(r * window + t) * F] = Float(level)
        values[(r * window + t) * F + 1] = Float(g.nextGaussian())
        level += (up ? 1 : -1) * (0.3 + 0.2 * g.nextUnit())
      }
      y.append(up ? 1 : 0)
    }
    return (SequenceMatrix(rows: rows, window: window, features: F, values: values, lengths: lengths), y, lengths)
  }

  @Test("rows(_:) keeps the lengths, in the order given, with repeats")
  func rowSelection() {
    let x = SequenceMatrix(rows: 3, window: 2, features: 1, values: [0, 1, 2, 3, 4, 5], lengths: [2, 1, 2])
    let s = x.rows([2, 1, 1])
    #expect(s.lengths == [2, 1, 1] && s.values == [4, 5, 2, 3, 2, 3] && s.rows == 3)
    #expect(x.rows([Int]()).rows == 0 && x.rows([Int]()).lengths.isEmpty)
  }

  @Test("Zero rows: predict gives [], training gives NaN epoch losses and leaves the network unchanged")
  func empty() {
    var g = SplitMix64(seed: 1)
    var net = GRUNetwork(inputSize: 2, hidden: 3, generator: &g)
    let before = net
    let x = SequenceMatrix(rows: 0, window: 4, features: 2, values: [], lengths: [])
    #expect(net.predict(x).isEmpty)
    var adam = Adam(parameterCount: net.parameters.count)
    let trainer = GRUTrainer(network: net, window: 4, options: TrainingOptions(epochs: 3, batchSize: 4))
    let losses = trainer.train(network: &net, optimizer: &adam, x: x, y: [], generator: &g)
    #expect(losses.count == 3 && losses.allSatisfy(\.isNaN) && net == before)
  }

  @Test("Constant inputs: finite probabilities, equal for rows of equal length; training stays finite")
  func constant() {
    var g = SplitMix64(seed: 2)
    var net = GRUNetwork(inputSize: 2, hidden: 4, generator: &g)
    let x = SequenceMatrix(
      rows: 4, window: 3, features: 2, values: [Float](repeating: 0.5, count: 24), lengths: [3, 3, 1, 1])
    let p = net.predict(x)
    #expect(p.allSatisfy(\.isFinite) && p[0] == p[1] && p[2] == p[3])
    var adam = Adam(parameterCount: net.parameters.count, learningRate: 0.01)
    let trainer = GRUTrainer(network: net, window: 3, options: TrainingOptions(epochs: 5, batchSize: 2))
    let losses = trainer.train(network: &net, optimizer: &adam, x: x, y: [1, 0, 1, 0], generator: &g)
    #expect(losses.allSatisfy(\.isFinite) && net.parameters.allSatisfy(\.isFinite))
  }

  @Test("A NaN in a valid step makes that row's probability NaN and leaves the other rows alone")
  func nanInput() {
    var g = SplitMix64(seed: 3)
    let net = GRUNetwork(inputSize: 2, hidden: 4, layers: 2, generator: &g)
    var x = SequenceMatrix(
      rows: 3, window: 3, features: 2, values: (0..<18).map { Float($0) / 10 }, lengths: [3, 2, 3])
    let clean = net.predict(x)
    x.values[6 + 3] = .nan  // row 1, step 1 (valid), feature 1
    let p = net.predict(x)
    #expect(p[1].isNaN && p[0] == clean[0] && p[2] == clean[2])
    let trainer = GRUTrainer(network: net, window: 3, options: TrainingOptions(epochs: 1, batchSize: 4))
    #expect(trainer.lossAndGradient(network: net, x: x, y: [1, 0, 1]).loss.isNaN)
  }

  @Test("Prediction in batches equals one batch, whatever the row order")
  func batching() {
    let (x, _, _) = sequences(rows: 300, window: 6, seed: 9)
    var g = SplitMix64(seed: 4)
    let net = GRUNetwork(inputSize: 2, hidden: 5, generator: &g)
    let p = net.predict(x)  // batches of 256 + 44
    let reversed = net.predict(x.rows((0..<300).reversed()))
    #expect(Array(reversed.reversed()) == p)
    for r in [0, 100, 299] { #expect(net.predict(x.rows([r]))[0] == p[r]) }
  }

  @Test("runRecurrent learns an easy temporal pattern and repeats bit for bit for a seed")
  func endToEnd() throws {
    let (train, trainY, _) = sequences(rows: 600, window: 8, seed: 11)
    let (test, testY, _) = sequences(rows: 300, window: 8, seed: 12)
    var config = ClassifierConfig()
    config.modelType = .gru
    config.recurrent.hidden = 8
    config.learningRate = 1e-2
    config.training = TrainingOptions(epochs: 8, batchSize: 32)
    config.folds = 3
    config.oversampling = .random
    config.threshold = .tune
    var g1 = SplitMix64(seed: 7)
    let a = try ClassifierEvaluation.runRecurrent(
      config: config, train: train, trainY: trainY, test: test, testY: testY, generator: &g1)
    #expect(a.metrics.rocAUC > 0.8, "ROC-AUC \(a.metrics.rocAUC)")
    #expect(a.trainLoss.count == 4 * 8 && a.validationLoss.count == 3 && a.trainingRowCounts.count == 4)
    #expect(a.trainingRowCounts.allSatisfy { $0 > 400 })  // oversampled
    var g2 = SplitMix64(seed: 7)
    let b = try ClassifierEvaluation.runRecurrent(
      config: config, train: train, trainY: trainY, test: test, testY: testY, generator: &g2)
    #expect(a.testProbabilities == b.testProbabilities && a.trainLoss == b.trainLoss && a.threshold == b.threshold)
  }

  @Test("runRecurrent: time-series folds, carried model, cancellation")
  func variants() throws {
    let (train, trainY, _) = sequences(rows: 120, window: 4, seed: 21)
    let (test, testY, _) = sequences(rows: 40, window: 4, seed: 22)
    var config = ClassifierConfig()
    config.modelType = .gru
    config.recurrent.hidden = 4
    config.recurrent.layers = 2
    config.training = TrainingOptions(epochs: 2, batchSize: 16)
    config.validation = .timeseries
    config.folds = 3
    config.carryModel = true
    config.oversampling = .classWeight
    let days = (0..<120).map { $0 / 10 }
    var g = SplitMix64(seed: 1)
    let r = try ClassifierEvaluation.runRecurrent(
      config: config, train: train, trainY: trainY, trainDays: days, test: test, testY: testY, generator: &g)
    #expect(r.trainingRowCounts.count == 3 && r.testProbabilities.count == 40)
    #expect(r.testProbabilities.allSatisfy { $0 > 0 && $0 < 1 })
    var calls = 0
    let cancelled = try ClassifierEvaluation.runRecurrent(
      config: config, train: train, trainY: trainY, trainDays: days, test: test, testY: testY, generator: &g,
      isCancelled: {
        calls += 1
        return calls > 3
      })
    #expect(cancelled.trainLoss.isEmpty)
  }

  @Test("runRecurrent and run reject bad input with a clear error")
  func errors() {
    let (x, y, _) = sequences(rows: 20, window: 4, seed: 31)
    var config = ClassifierConfig()
    config.modelType = .gru
    var g = SplitMix64(seed: 1)
    #expect(throws: LearningError.self) {
      try ClassifierEvaluation.runRecurrent(
        config: config, train: x, trainY: Array(y.dropLast()), test: x, testY: y, generator: &g)
    }
    let other = SequenceMatrix(rows: 1, window: 3, features: 2, values: [Float](repeating: 0, count: 6), lengths: [3])
    #expect(throws: LearningError.self) {
      try ClassifierEvaluation.runRecurrent(config: config, train: x, trainY: y, test: other, testY: [1], generator: &g)
    }
    var broken = x
    broken.lengths[0] = 5  // > window
    #expect(throws: LearningError.self) {
      try ClassifierEvaluation.runRecurrent(config: config, train: broken, trainY: y, test: x, testY: y, generator: &g)
    }
    config.recurrent.hidden = 0
    #expect(throws: LearningError.self) {
      try ClassifierEvaluation.runRecurrent(config: config, train: x, trainY: y, test: x, testY: y, generator: &g)
    }
    config.recurrent.hidden = 4
    config.validation = .timeseries
    #expect(throws: LearningError.self) {
      try ClassifierEvaluation.runRecurrent(config: config, train: x, trainY: y, test: x, testY: y, generator: &g)
    }
    let m = Matrix(rows: 20, columns: 8, values: x.values)
    #expect(throws: LearningError.self) {
      try ClassifierEvaluation.run(config: config, trainX: m, trainY: y, testX: m, testY: y, generator: &g)
    }
  }

  @Test("Rebalancing sequences: random copies carry lengths; SMOTE takes the shorter length with zero padding")
  func rebalancing() {
    let x = SequenceMatrix(
      rows: 5, window: 3, features: 1, values: [0, 0, 1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      lengths: [1, 2, 3, 3, 3])
    let y: [Float] = [1, 1, 0, 0, 0]
    var g = SplitMix64(seed: 3)
    let random = ClassifierEvaluation.rebalance(.random, x: x, y: y, generator: &g)
    #expect(random.x.rows == 6 && random.y == [1, 1, 0, 0, 0, 1])
    let copy = random.x.rows([5])
    #expect(copy == x.rows([0]) || copy == x.rows([1]))
    let smote = ClassifierEvaluation.rebalance(.smote, x: x, y: y, k: 1, generator: &g)
    #expect(smote.x.rows == 6 && smote.x.lengths[5] == 1)
    let s = Array(smote.x.values[15..<18])
    #expect(s[0] == 0 && s[1] == 0 && s[2] >= 1 && s[2] <= 3)  // between row 0's step 2 (1) and row 1's (3)
    let weighted = ClassifierEvaluation.rebalance(.classWeight, x: x, y: y, generator: &g)
    #expect(weighted.x == x && weighted.weights == [1.25, 1.25, 5 / 6, 5 / 6, 5 / 6])
  }
}
