import AlmanacCore
import Testing

@testable import Learning

/// Reference forward pass in Double, written independently of the Float kernels, for finite differences.
private func referenceLoss(_ p: [Double], sizes: [Int], activation: Activation, x: [Double], y: [Double],
                           weights: [Double]) -> Double
{
  let n = y.count
  var total = 0.0
  for r in 0..<n {
    var a = Array(x[(r * sizes[0])..<((r + 1) * sizes[0])])
    var offset = 0
    for l in 0..<(sizes.count - 1) {
      let nIn = sizes[l], nOut = sizes[l + 1]
      var z = [Double](repeating: 0, count: nOut)
      for o in 0..<nOut {
        var s = p[offset + nIn * nOut + o]
        for i in 0..<nIn { s += p[offset + o * nIn + i] * a[i] }
        z[o] = s
      }
      offset += nIn * nOut + nOut
      if l == sizes.count - 2 {
        a = z.map { 1 / (1 + Math.exp(-$0)) }
      } else {
        a = z.map { activation == .relu ? max(0, $0) : Math.tanh($0) }
      }
    }
    let q = a[0]
    total += -weights[r] * (y[r] * max(Math.log(q), -100) + (1 - y[r]) * max(Math.log(1 - q), -100))
  }
  return total / Double(n)
}

@Suite("Feed-forward network and Adam (PyTorch semantics)")
struct NetworkTests {
  func fixtureNetwork(_ activation: Activation = .relu) -> FeedForwardNetwork {
    var net = FeedForwardNetwork(inputSize: 3, hidden: [4, 2], activation: activation)
    net.parameters = AdamFixture.initial
    return net
  }

  var x: Matrix { Matrix(rows: 5, columns: 3, values: AdamFixture.x) }

  @Test("Layout follows model.parameters(): W1, b1, W2, b2, W3, b3")
  func layout() {
    let net = FeedForwardNetwork(inputSize: 10, hidden: [32, 16])
    #expect(net.layerSizes == [10, 32, 16, 1])
    #expect(net.weightOffsets == [0, 352, 880])
    #expect(net.biasOffsets == [320, 864, 896])
    #expect(net.parameters.count == 10 * 32 + 32 + 32 * 16 + 16 + 16 + 1)
  }

  @Test("Default init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) per layer, and seeded")
  func initialisation() {
    var g = SplitMix64(seed: 3)
    let net = FeedForwardNetwork(inputSize: 10, hidden: [32, 16], generator: &g)
    for l in 0..<3 {
      let bound = Float(1 / Double(net.layerSizes[l]).squareRoot())
      let end = l == 2 ? net.parameters.count : net.weightOffsets[l + 1]
      let layer = net.parameters[net.weightOffsets[l]..<end]
      #expect(layer.allSatisfy { abs($0) <= bound })
      // A uniform on [-b, b] has mean 0 and variance b²/3; with 320+ draws the max is near the bound.
      if layer.count > 100 { #expect(layer.map { abs($0) }.max() ?? 0 > 0.9 * bound) }
    }
    var g2 = SplitMix64(seed: 3)
    #expect(FeedForwardNetwork(inputSize: 10, hidden: [32, 16], generator: &g2).parameters == net.parameters)
  }

  @Test("Loss and gradient equal the numpy re-implementation of BCELoss backward")
  func gradientMatchesNumpy() {
    let trainer = NetworkTrainer(network: fixtureNetwork(), options: TrainingOptions(epochs: 1, batchSize: 8))
    let (loss, grad) = trainer.lossAndGradient(network: fixtureNetwork(), x: x, y: AdamFixture.y)
    #expect(abs(loss - AdamFixture.relu0Loss) < 1e-6)
    for (a, b) in zip(grad, AdamFixture.relu0Gradient) { #expect(abs(a - b) <= 1e-6 + 1e-4 * abs(b)) }
  }

  @Test("Gradient equals central finite differences of an independent Double forward pass",
        arguments: [Activation.relu, .tanh], [false, true])
  func gradientCheck(activation: Activation, weighted: Bool) {
    let net = fixtureNetwork(activation)
    let w: [Float]? = weighted ? AdamFixture.weights : nil
    let trainer = NetworkTrainer(network: net, options: TrainingOptions(epochs: 1, batchSize: 8))
    let (_, grad) = trainer.lossAndGradient(network: net, x: x, y: AdamFixture.y, sampleWeights: w)
    let p = net.parameters.map(Double.init)
    let xs = AdamFixture.x.map(Double.init)
    let ys = AdamFixture.y.map(Double.init)
    let ws = (w ?? [Float](repeating: 1, count: 5)).map(Double.init)
    let h = 1e-6
    for k in p.indices {
      var plus = p, minus = p
      plus[k] += h
      minus[k] -= h
      let fd = (referenceLoss(plus, sizes: net.layerSizes, activation: activation, x: xs, y: ys, weights: ws)
        - referenceLoss(minus, sizes: net.layerSizes, activation: activation, x: xs, y: ys, weights: ws)) / (2 * h)
      // Float32 kernel against a Double derivative: absolute 1e-5 plus 1e-3 relative.
      #expect(abs(Double(grad[k]) - fd) <= 1e-5 + 1e-3 * abs(fd), "parameter \(k): \(grad[k]) vs \(fd)")
    }
  }

  @Test("Adam steps equal numpy's float32 run of torch.optim.Adam's formulas",
        arguments: ["relu1", "relu3", "tanh3", "relu3Decay", "relu3Weighted"])
  func adamTrajectory(name: String) {
    let (expected, losses): ([Float], [Double]) = switch name {
    case "relu1": (AdamFixture.relu1, AdamFixture.relu1Losses)
    case "relu3": (AdamFixture.relu3, AdamFixture.relu3Losses)
    case "tanh3": (AdamFixture.tanh3, AdamFixture.tanh3Losses)
    case "relu3Decay": (AdamFixture.relu3Decay, AdamFixture.relu3DecayLosses)
    default: (AdamFixture.relu3Weighted, AdamFixture.relu3WeightedLosses)
    }
    var net = fixtureNetwork(name.hasPrefix("tanh") ? .tanh : .relu)
    var adam = Adam(parameterCount: net.parameters.count, learningRate: 1e-2,
                    weightDecay: name.hasSuffix("Decay") ? 0.05 : 0)
    let trainer = NetworkTrainer(network: net, options: TrainingOptions(epochs: 1, batchSize: 8))
    let w: [Float]? = name.hasSuffix("Weighted") ? AdamFixture.weights : nil
    for loss in losses {
      let got = trainer.step(network: &net, optimizer: &adam, x: x, y: AdamFixture.y, sampleWeights: w)
      #expect(abs(got - loss) < 1e-6)
    }
    #expect(adam.step == losses.count)
    for (a, b) in zip(net.parameters, expected) { #expect(abs(a - b) <= 2e-6 + 1e-5 * abs(b), "\(a) vs \(b)") }
  }

  @Test("BCE clamps each log at -100, like torch.nn.BCELoss")
  func bceClamp() {
    // p = 0 for a positive and p = 1 for a negative: each term is clamped to 100.
    #expect(batchedBCE(probabilities: [0, 1], labels: [1, 0], batchSize: 2) == 100)
    // Mean over batches of batch means: batches [0.5, 0.5] and [0.5] all give log 2.
    #expect(abs(batchedBCE(probabilities: [0.5, 0.5, 0.5], labels: [1, 0, 1], batchSize: 2) - 0.6931471805599453)
      < 1e-7)
    #expect(batchedBCE(probabilities: [], labels: [], batchSize: 4).isNaN)
  }

  @Test("Training on separable data lowers the loss; logistic regression and MLP; partial batches kept",
        arguments: [[Int](), [8]])
  func learnsSeparableData(hidden: [Int]) {
    var g = SplitMix64(seed: 11)
    var values: [Float] = []
    var labels: [Float] = []
    for _ in 0..<101 {
      let a = Float(g.nextUnit() * 2 - 1), b = Float(g.nextUnit() * 2 - 1)
      values += [a, b]
      labels.append(a + b > 0 ? 1 : 0)
    }
    let data = Matrix(rows: 101, columns: 2, values: values)
    var net = FeedForwardNetwork(inputSize: 2, hidden: hidden, generator: &g)
    var adam = Adam(parameterCount: net.parameters.count, learningRate: 0.05)
    let trainer = NetworkTrainer(network: net, options: TrainingOptions(epochs: 40, batchSize: 16))
    let losses = trainer.train(network: &net, optimizer: &adam, x: data, y: labels, generator: &g)
    #expect(losses.count == 40)
    // 101 rows in batches of 16: 7 steps per epoch (the last of 5 rows).
    #expect(adam.step == 40 * 7)
    #expect((losses.last ?? 1) < 0.5 * (losses.first ?? 0))
    let p = net.predict(data)
    let correct = zip(p, labels).filter { ($0 >= 0.5 ? 1 : 0) == $1 }.count
    #expect(correct >= 95)
  }

  @Test("Empty training data trains nothing and reports NaN losses")
  func emptyTraining() {
    var g = SplitMix64(seed: 1)
    var net = FeedForwardNetwork(inputSize: 2, hidden: [3], generator: &g)
    let before = net.parameters
    var adam = Adam(parameterCount: net.parameters.count)
    let losses = NetworkTrainer(network: net, options: TrainingOptions(epochs: 2, batchSize: 4))
      .train(network: &net, optimizer: &adam, x: Matrix(rows: 0, columns: 2), y: [], generator: &g)
    #expect(losses.count == 2 && losses.allSatisfy(\.isNaN))
    #expect(net.parameters == before)
    #expect(net.predict(Matrix(rows: 0, columns: 2)).isEmpty)
  }
}

@Suite("Kernels")
struct KernelTests {
  @Test("SIMD and scalar row accumulation are bit-identical", arguments: [1, 7, 8, 10, 16, 23, 32, 40])
  func simdMatchesScalar(width: Int) {
    var g = SplitMix64(seed: UInt64(width))
    let count = 13
    let m = (0..<(count * (width + 3))).map { _ in Float(g.nextGaussian()) }
    let s = (0..<(count * 2)).map { _ in Float(g.nextGaussian()) }
    let initial = (0..<width).map { _ in Float(g.nextGaussian()) }
    var a = [Float](repeating: .nan, count: width)
    var b = [Float](repeating: .nan, count: width)
    for useInitial in [false, true] {
      m.withUnsafeBufferPointer { mp in
        s.withUnsafeBufferPointer { sp in
          initial.withUnsafeBufferPointer { ip in
            a.withUnsafeMutableBufferPointer { ap in
              accumulateRowsScalar(ap.baseAddress!, width: width, start: useInitial ? .row(ip.baseAddress!) : .zero,
                                   scalars: sp.baseAddress!, stride: 2, count: count, matrix: mp.baseAddress!,
                                   rowStride: width + 3)
            }
            b.withUnsafeMutableBufferPointer { bp in
              accumulateRowsSIMD(bp.baseAddress!, width: width, start: useInitial ? .row(ip.baseAddress!) : .zero,
                                 scalars: sp.baseAddress!, stride: 2, count: count, matrix: mp.baseAddress!,
                                 rowStride: width + 3)
            }
          }
        }
      }
      #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
      // And both equal a Double reference within Float rounding.
      for j in 0..<width {
        var ref = useInitial ? Double(initial[j]) : 0
        for k in 0..<count { ref += Double(s[2 * k]) * Double(m[k * (width + 3) + j]) }
        #expect(abs(Double(a[j]) - ref) <= 1e-5 * max(1, abs(ref)))
      }
    }
  }
}
