import AlmanacCore

/// Preallocated buffers for forward and backward passes of one ``FeedForwardNetwork`` shape on batches of up to
/// ``maxBatch`` rows: activations and deltas per layer, a transposed copy of the weights (so that every inner loop is
/// a contiguous `y += a * x` the compiler vectorises), the gradient, and the batch's targets and weights.
///
/// Nothing is allocated after `init`. Not thread-safe: one workspace per trial (it is a class only so that its raw
/// buffers are freed in `deinit`).
final class NetworkWorkspace {
  let maxBatch: Int
  let sizes: [Int]
  let weightOffsets: [Int]
  let biasOffsets: [Int]
  let activation: Activation
  let parameterCount: Int
  /// Activations of layer l (l = 0 is the input) at actOffsets[l], `maxBatch x sizes[l]` row-major.
  private let arena: UnsafeMutablePointer<Float>
  private let actOffsets: [Int]
  /// Deltas dLoss/dz of layer l (1...L) at deltaOffsets[l].
  private let deltaOffsets: [Int]
  private let arenaCount: Int
  /// Transposed weights: layer l's `[in x out]` at weightOffsets[l].
  let transposed: UnsafeMutablePointer<Float>
  /// Gradient of the batch loss, same layout as the network's parameters.
  let gradient: UnsafeMutablePointer<Float>
  private let target: UnsafeMutablePointer<Float>
  private let weight: UnsafeMutablePointer<Float>
  /// SIMD kernels in optimised builds, scalar ones otherwise (bit-identical results).
  private let vectorised = kernelsVectorised

  init(network: FeedForwardNetwork, maxBatch: Int) {
    precondition(maxBatch > 0, "batch size must be > 0")
    self.maxBatch = maxBatch
    sizes = network.layerSizes
    weightOffsets = network.weightOffsets
    biasOffsets = network.biasOffsets
    activation = network.activation
    parameterCount = network.parameters.count
    var acts: [Int] = []
    var deltas: [Int] = [0]
    var offset = 0
    for s in sizes {
      acts.append(offset)
      offset += maxBatch * s
    }
    for s in sizes.dropFirst() {
      deltas.append(offset)
      offset += maxBatch * s
    }
    actOffsets = acts
    deltaOffsets = deltas
    arenaCount = offset
    arena = .allocate(capacity: offset)
    arena.initialize(repeating: 0, count: offset)
    transposed = .allocate(capacity: parameterCount)
    transposed.initialize(repeating: 0, count: parameterCount)
    gradient = .allocate(capacity: parameterCount)
    gradient.initialize(repeating: 0, count: parameterCount)
    target = .allocate(capacity: maxBatch)
    target.initialize(repeating: 0, count: maxBatch)
    weight = .allocate(capacity: maxBatch)
    weight.initialize(repeating: 1, count: maxBatch)
  }

  deinit {
    arena.deallocate()
    transposed.deallocate()
    gradient.deallocate()
    target.deallocate()
    weight.deallocate()
  }

  var layerCount: Int { sizes.count - 1 }

  // MARK: Forward

  /// Forward pass over the contiguous rows `rows` of `x`.
  func forward(network: FeedForwardNetwork, x: Matrix, rows: Range<Int>) {
    let n = rows.count
    precondition(n <= maxBatch)
    let inSize = sizes[0]
    x.values.withUnsafeBufferPointer { xv in
      guard let base = xv.baseAddress else { return }
      (arena + actOffsets[0]).update(from: base + rows.lowerBound * inSize, count: n * inSize)
    }
    network.parameters.withUnsafeBufferPointer { p in
      guard let pp = p.baseAddress else { return }
      transpose(pp)
      forwardLayers(pp, batch: n)
    }
  }

  /// Copies the output probabilities of the last forward pass.
  func copyOutput(into out: inout [Float], at start: Int, count: Int) {
    let o = arena + actOffsets[layerCount]
    for b in 0..<count { out[start + b] = o[b] }
  }

  private func transpose(_ p: UnsafePointer<Float>) {
    for l in 0..<layerCount {
      let nIn = sizes[l]
      let nOut = sizes[l + 1]
      let w = p + weightOffsets[l]
      let t = transposed + weightOffsets[l]
      for o in 0..<nOut {
        for i in 0..<nIn { t[i &* nOut &+ o] = w[o &* nIn &+ i] }
      }
    }
  }

  /// z = a W^T + b row by row as `z[b, :] += a[b, i] * Wt[i, :]`, then the activation (sigmoid on the last layer).
  private func forwardLayers(_ p: UnsafePointer<Float>, batch n: Int) {
    let last = layerCount - 1
    for l in 0...last {
      let nIn = sizes[l]
      let nOut = sizes[l + 1]
      let a = arena + actOffsets[l]
      let z = arena + actOffsets[l + 1]
      let t = transposed + weightOffsets[l]
      let bias = p + biasOffsets[l]
      if nOut == 1 {
        let w = p + weightOffsets[l]
        for b in 0..<n { z[b] = dot(a + b &* nIn, w, count: nIn) + bias[0] }
      } else {
        accumulateRowBlocks(
          z, outStride: nOut, rows: n, width: nOut, start: .row(bias), scalars: a, rowStride: nIn,
          stride: 1, count: nIn, matrix: t, rowStride: nOut, vectorised: vectorised)
      }
      let count = n &* nOut
      if l == last {
        for k in 0..<count { z[k] = 1 / (1 + Math.exp(-z[k])) }
      } else {
        switch activation {
        // NaN, -0 and negatives become +0.
        case .relu: reluMask(z, by: z, count: count, vectorised: vectorised)
        case .tanh: for k in 0..<count { z[k] = Math.tanh(z[k]) }
        }
      }
    }
  }

  /// A copy of the gradient of the last training step.
  func gradientSnapshot() -> [Float] { Array(UnsafeBufferPointer(start: gradient, count: parameterCount)) }

  // MARK: Training step

  /// One optimisation step on the rows `indices` of (`x`, `y`): forward, PyTorch `BCELoss` (mean over the batch of
  /// `-w_i [y_i max(log p_i, -100) + (1 - y_i) max(log(1 - p_i), -100)]`), backward, then `optimizer.step`.
  /// Returns the batch loss (as PyTorch's `loss.item()` would, but accumulated in Double).
  func trainStep(
    network: inout FeedForwardNetwork, optimizer: inout Adam, x: UnsafePointer<Float>,
    y: UnsafePointer<Float>, sampleWeights: UnsafePointer<Float>?, indices: UnsafeBufferPointer<Int>
  )
    -> Double
  {
    let n = indices.count
    precondition(n > 0 && n <= maxBatch)
    let inSize = sizes[0]
    let a0 = arena + actOffsets[0]
    for b in 0..<n {
      let r = indices[b]
      (a0 + b &* inSize).update(from: x + r &* inSize, count: inSize)
      target[b] = y[r]
      weight[b] = sampleWeights.map { $0[r] } ?? 1
    }
    let loss = network.parameters.withUnsafeMutableBufferPointer { pb -> Double in
      guard let p = pb.baseAddress else { return 0 }
      transpose(UnsafePointer(p))
      forwardLayers(UnsafePointer(p), batch: n)
      let loss = backward(UnsafePointer(p), batch: n)
      optimizer.step(parameters: p, gradient: UnsafePointer(gradient), count: parameterCount)
      return loss
    }
    return loss
  }

  /// Loss and gradient of the last forward pass (targets and weights already gathered).
  private func backward(_ p: UnsafePointer<Float>, batch n: Int) -> Double {
    let L = layerCount
    let out = arena + actOffsets[L]
    let dOut = arena + deltaOffsets[L]
    let loss = binaryCrossEntropyStep(
      probability: out, target: target, weight: weight, count: n, logitGradient: dOut)
    for l in stride(from: L - 1, through: 0, by: -1) {
      let nIn = sizes[l]
      let nOut = sizes[l + 1]
      let dz = arena + deltaOffsets[l + 1]
      let a = arena + actOffsets[l]
      let gw = gradient + weightOffsets[l]
      let gb = gradient + biasOffsets[l]
      // dW[o, :] = sum_b dz[b, o] a[b, :];  db[o] = sum_b dz[b, o]
      accumulateRowBlocks(
        gw, outStride: nIn, rows: nOut, width: nIn, start: .zero, scalars: dz, rowStride: 1,
        stride: nOut, count: n, matrix: a, rowStride: nIn, vectorised: vectorised)
      // db[o] = 0 + dz[0, o] + dz[1, o] + ... in that order for each o, the inner loop running along o.
      gb.update(repeating: 0, count: nOut)
      for b in 0..<n {
        let row = dz + b &* nOut
        for o in 0..<nOut { gb[o] += row[o] }
      }
      if l == 0 { break }
      // dA[b, :] = sum_o dz[b, o] W[o, :], then through the activation into dz of layer l.
      let w = p + weightOffsets[l]
      let da = arena + deltaOffsets[l]
      accumulateRowBlocks(
        da, outStride: nIn, rows: n, width: nIn, start: .zero, scalars: dz, rowStride: nOut,
        stride: 1, count: nOut, matrix: w, rowStride: nIn, vectorised: vectorised)
      let count = n &* nIn
      switch activation {
      case .relu: reluMask(da, by: a, count: count, vectorised: vectorised)
      case .tanh: for k in 0..<count { da[k] *= (1 - a[k] * a[k]) }
      }
    }
    return loss
  }
}
