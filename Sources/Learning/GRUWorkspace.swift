import AlmanacCore

/// Preallocated buffers for forward passes and backpropagation through time of one ``GRUNetwork`` shape on batches of
/// up to ``maxBatch`` rows of `window` steps.
///
/// A batch is reordered by decreasing length (stable), so that the rows active at step `t` (those with
/// `length >= window - t`) are a prefix whose size grows with `t`; every step then works on contiguous rows, batch-major
/// (`[step][row][unit]`), and the gate products are matrix products over the active rows (``gruAccumulate``).
/// Inactive rows keep `h = 0` (PyTorch's `h0`) until their first valid step and are never read nor differentiated:
/// their padding gets no gradient and cannot change the result.
///
/// Nothing is allocated after `init`. Not thread-safe: one workspace per trial (a class so that its raw buffers are
/// freed in `deinit`).
final class GRUWorkspace {
  let maxBatch: Int
  let window: Int
  let inputSize: Int
  let hidden: Int
  let layers: Int
  let parameterCount: Int
  private let wih: [Int]
  private let whh: [Int]
  private let bih: [Int]
  private let bhh: [Int]
  private let headW: Int
  private let headB: Int

  /// Gathered inputs, `[window][maxBatch][F]`.
  private let xs: UnsafeMutablePointer<Float>
  /// Per layer: hidden states `[window + 1][maxBatch][H]` (index 0 is h0 = 0), gates r, z, n after their activations
  /// `[window][maxBatch][3H]` (before: the input projections), and `W_hn h + b_hn` `[window][maxBatch][H]`.
  private let hs: [UnsafeMutablePointer<Float>]
  private let gates: [UnsafeMutablePointer<Float>]
  private let hn: [UnsafeMutablePointer<Float>]
  /// Scratch: recurrent projections `[maxBatch][3H]`, their gradient, the input-projection gradients
  /// `[window][maxBatch][3H]`, the carried dL/dh `[maxBatch][H]`, and dL/d(output of the layer) `[window][maxBatch][H]`.
  private let gh: UnsafeMutablePointer<Float>
  private let dgh: UnsafeMutablePointer<Float>
  private let dgi: UnsafeMutablePointer<Float>
  private let dh: UnsafeMutablePointer<Float>
  private let dOut: UnsafeMutablePointer<Float>
  /// Transposed weights `W^T` (`[in x 3H]` and `[H x 3H]` per layer) and the gradients accumulated in that layout.
  private let transposed: UnsafeMutablePointer<Float>
  private let transposedGradient: UnsafeMutablePointer<Float>
  /// Gradient of the batch loss, same layout as ``GRUNetwork/parameters``.
  let gradient: UnsafeMutablePointer<Float>
  /// Batch rows sorted by decreasing length (positions in the caller's index list), active rows per step.
  private let order: UnsafeMutablePointer<Int>
  private let active: UnsafeMutablePointer<Int>
  private let counts: UnsafeMutablePointer<Int>
  private let probability: UnsafeMutablePointer<Float>
  private let dLogit: UnsafeMutablePointer<Float>
  private let target: UnsafeMutablePointer<Float>
  private let weight: UnsafeMutablePointer<Float>
  private var allocations: [UnsafeMutablePointer<Float>] = []

  init(network: GRUNetwork, window: Int, maxBatch: Int) {
    precondition(maxBatch > 0 && window > 0, "GRUWorkspace: batch size and window must be > 0")
    self.maxBatch = maxBatch
    self.window = window
    inputSize = network.inputSize
    hidden = network.hiddenSize
    layers = network.layers
    parameterCount = network.parameters.count
    wih = network.weightIHOffsets
    whh = network.weightHHOffsets
    bih = network.biasIHOffsets
    bhh = network.biasHHOffsets
    headW = network.headWeightOffset
    headB = network.headBiasOffset
    var list: [UnsafeMutablePointer<Float>] = []
    func make(_ count: Int) -> UnsafeMutablePointer<Float> {
      let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
      p.initialize(repeating: 0, count: max(1, count))
      list.append(p)
      return p
    }
    let h = network.hiddenSize
    xs = make(window * maxBatch * network.inputSize)
    hs = (0..<network.layers).map { _ in make((window + 1) * maxBatch * h) }
    gates = (0..<network.layers).map { _ in make(window * maxBatch * 3 * h) }
    hn = (0..<network.layers).map { _ in make(window * maxBatch * h) }
    gh = make(maxBatch * 3 * h)
    dgh = make(maxBatch * 3 * h)
    dgi = make(window * maxBatch * 3 * h)
    dh = make(maxBatch * h)
    dOut = make(window * maxBatch * h)
    transposed = make(network.parameters.count)
    transposedGradient = make(network.parameters.count)
    gradient = make(network.parameters.count)
    probability = make(maxBatch)
    dLogit = make(maxBatch)
    target = make(maxBatch)
    weight = make(maxBatch)
    allocations = list
    order = .allocate(capacity: maxBatch)
    order.initialize(repeating: 0, count: maxBatch)
    active = .allocate(capacity: window)
    active.initialize(repeating: 0, count: window)
    counts = .allocate(capacity: window + 1)
    counts.initialize(repeating: 0, count: window + 1)
  }

  deinit {
    for p in allocations { p.deallocate() }
    order.deallocate()
    active.deallocate()
    counts.deallocate()
  }

  /// A copy of the gradient of the last training step.
  func gradientSnapshot() -> [Float] { Array(UnsafeBufferPointer(start: gradient, count: parameterCount)) }

  // MARK: Gathering

  /// Sorts the batch `indices` by decreasing length (stable counting sort), gathers their valid steps time-major
  /// into `xs` (zeros elsewhere) and counts the active rows of every step. Returns the batch size.
  private func gather(
    x: UnsafePointer<Float>, lengths: UnsafePointer<Int>, indices: UnsafeBufferPointer<Int>
  ) -> Int {
    let n = indices.count
    let T = window
    let F = inputSize
    for k in 0...T { counts[k] = 0 }
    for b in 0..<n { counts[lengths[indices[b]]] &+= 1 }
    // Start position of each length when lengths run from T down to 1.
    var start = 0
    for len in stride(from: T, through: 1, by: -1) {
      let c = counts[len]
      counts[len] = start
      start &+= c
    }
    for b in 0..<n {
      let len = lengths[indices[b]]
      order[counts[len]] = b
      counts[len] &+= 1
    }
    for t in 0..<T {
      var a = 0
      while a < n && lengths[indices[order[a]]] >= T &- t { a &+= 1 }
      active[t] = a
    }
    let stride = T &* F
    for t in 0..<T {
      let dst = xs + t &* maxBatch &* F
      let a = active[t]
      for s in 0..<a {
        // An explicit loop: `update(from:count:)` is a library call, costly for a few values.
        let src = x + (indices[order[s]] &* stride &+ t &* F)
        let row = dst + s &* F
        for f in 0..<F { row[f] = src[f] }
      }
      if a < n { (dst + a &* F).update(repeating: 0, count: (n &- a) &* F) }
    }
    return n
  }

  private func transpose(_ p: UnsafePointer<Float>) {
    let g3 = 3 &* hidden
    for l in 0..<layers {
      let nIn = l == 0 ? inputSize : hidden
      gruTranspose(p + wih[l], rows: g3, columns: nIn, into: transposed + wih[l])
      gruTranspose(p + whh[l], rows: g3, columns: hidden, into: transposed + whh[l])
    }
  }

  // MARK: Forward

  /// Forward pass of the gathered batch of `n` rows; leaves the probabilities (sorted order) in `probability`.
  private func forward(_ p: UnsafePointer<Float>, batch n: Int) {
    let H = hidden
    let g3 = 3 &* H
    let T = window
    let B = maxBatch
    for l in 0..<layers {
      let nIn = l == 0 ? inputSize : H
      let input: UnsafePointer<Float> = l == 0 ? UnsafePointer(xs) : UnsafePointer(hs[l &- 1] + B &* H)
      let hsl = hs[l]
      let gl = gates[l]
      let hnl = hn[l]
      hsl.update(repeating: 0, count: n &* H)
      let wT = UnsafePointer(transposed + wih[l])
      let uT = UnsafePointer(transposed + whh[l])
      let bi = p + bih[l]
      let bh = p + bhh[l]
      for t in 0..<T {
        let a = active[t]
        let g = gl + t &* B &* g3
        let hPrev = hsl + t &* B &* H
        let hNext = hsl + (t &+ 1) &* B &* H
        if a < n { (hNext + a &* H).update(repeating: 0, count: (n &- a) &* H) }
        if a == 0 { continue }
        // Input and recurrent projections of the active rows, each starting from its bias.
        gruAccumulate(
          g, ldc: g3, input + t &* B &* nIn, rowStride: nIn, columnStride: 1, wT, ldb: g3, m: a, k: nIn, n: g3,
          initial: bi)
        // Rows whose first valid step is t have h_prev = h0 = 0 (they follow the rows active at t - 1): only the bias.
        let carried = t == 0 ? 0 : active[t &- 1]
        gruAccumulate(
          gh, ldc: g3, UnsafePointer(hPrev), rowStride: H, columnStride: 1, uT, ldb: g3, m: carried, k: H, n: g3,
          initial: bh)
        for s in carried..<a { (gh + s &* g3).update(from: bh, count: g3) }
        gruGatesForward(
          rows: a, hidden: H, gates: g, recurrent: UnsafePointer(gh), previous: UnsafePointer(hPrev), next: hNext,
          hn: hnl + t &* B &* H)
      }
    }
    let top = hs[layers &- 1] + T &* B &* H
    let w = p + headW
    let bias = p[headB]
    for s in 0..<n {
      var z = bias
      let h = top + s &* H
      for j in 0..<H { z += w[j] * h[j] }
      probability[s] = gruSigmoid(z)
    }
  }

  /// Probabilities of the contiguous rows `rows` of `x`, written at the same positions of `out`.
  func predict(network: GRUNetwork, x: SequenceMatrix, rows: Range<Int>, into out: inout [Float]) {
    precondition(rows.count <= maxBatch && x.window == window && x.features == inputSize)
    let indices = Array(rows)
    x.values.withUnsafeBufferPointer { xb in
      x.lengths.withUnsafeBufferPointer { lb in
        indices.withUnsafeBufferPointer { ib in
          network.parameters.withUnsafeBufferPointer { pb in
            guard let xp = xb.baseAddress, let lp = lb.baseAddress, let pp = pb.baseAddress else { return }
            let n = gather(x: xp, lengths: lp, indices: ib)
            transpose(pp)
            forward(pp, batch: n)
            for s in 0..<n { out[ib[order[s]]] = probability[s] }
          }
        }
      }
    }
  }

  // MARK: Training step

  /// One optimisation step on the rows `indices` of (`x`, `y`): forward, PyTorch `BCELoss` (mean over the batch of
  /// `-w_i [y_i max(log p_i, -100) + (1 - y_i) max(log(1 - p_i), -100)]`), backpropagation through time, then
  /// `optimizer.step`. Returns the batch loss (accumulated in Double).
  func trainStep(
    network: inout GRUNetwork, optimizer: inout Adam, x: UnsafePointer<Float>, lengths: UnsafePointer<Int>,
    y: UnsafePointer<Float>, sampleWeights: UnsafePointer<Float>?, indices: UnsafeBufferPointer<Int>
  ) -> Double {
    let n = indices.count
    precondition(n > 0 && n <= maxBatch)
    _ = gather(x: x, lengths: lengths, indices: indices)
    for s in 0..<n {
      let r = indices[order[s]]
      target[s] = y[r]
      weight[s] = sampleWeights.map { $0[r] } ?? 1
    }
    let count = parameterCount
    return network.parameters.withUnsafeMutableBufferPointer { pb -> Double in
      guard let p = pb.baseAddress else { return 0 }
      transpose(UnsafePointer(p))
      forward(UnsafePointer(p), batch: n)
      let loss = backward(UnsafePointer(p), batch: n)
      optimizer.step(parameters: p, gradient: UnsafePointer(gradient), count: count)
      return loss
    }
  }

  /// Loss and gradient (into `gradient`) of the last forward pass; targets and weights already gathered.
  private func backward(_ p: UnsafePointer<Float>, batch n: Int) -> Double {
    let H = hidden
    let g3 = 3 &* H
    let T = window
    let B = maxBatch
    let loss = binaryCrossEntropyStep(
      probability: probability, target: target, weight: weight, count: n, logitGradient: dLogit)
    gradient.update(repeating: 0, count: parameterCount)
    transposedGradient.update(repeating: 0, count: parameterCount)
    // Head: dW = sum_s dLogit[s] h_T[s], db = sum_s dLogit[s].
    let top = hs[layers &- 1] + T &* B &* H
    let headWeight = p + headW
    do {
      let gw = gradient + headW
      var gb: Float = 0
      for s in 0..<n {
        let d = dLogit[s]
        gb += d
        let h = top + s &* H
        for j in 0..<H { gw[j] += d * h[j] }
      }
      gradient[headB] = gb
    }
    for l in stride(from: layers &- 1, through: 0, by: -1) {
      let isTop = l == layers &- 1
      let nIn = l == 0 ? inputSize : H
      let hsl = hs[l]
      let gl = gates[l]
      let hnl = hn[l]
      let dWhhT = transposedGradient + whh[l]
      let dbhh = gradient + bhh[l]
      let whhP = p + whh[l]
      dh.update(repeating: 0, count: n &* H)
      for t in stride(from: T &- 1, through: 0, by: -1) {
        let a = active[t]
        let g = gl + t &* B &* g3
        let hPrev = hsl + t &* B &* H
        let hnt = hnl + t &* B &* H
        let dgit = dgi + t &* B &* g3
        let above = dOut + t &* B &* H
        gruGatesBackward(
          rows: a, hidden: H, gates: UnsafePointer(g), previous: UnsafePointer(hPrev), hn: UnsafePointer(hnt),
          carried: dh, fromAbove: isTop ? nil : UnsafePointer(above), headWeight: isTop ? headWeight : nil,
          headDelta: isTop && t == T &- 1 ? UnsafePointer(dLogit) : nil, inputGradient: dgit, recurrentGradient: dgh)
        if a == 0 { continue }
        // db_hh += sum dgh; dW_hh^T += h_prev^T dgh and dh_prev += dgh W_hh over the rows active at t - 1 only (the
        // others start at t from h0 = 0: no weight gradient, and h0's gradient is not needed).
        for s in 0..<a {
          let dr = dgh + s &* g3
          for j in 0..<g3 { dbhh[j] += dr[j] }
        }
        let carried = t == 0 ? 0 : active[t &- 1]
        if carried == 0 { continue }
        gruAccumulate(
          dWhhT, ldc: g3, UnsafePointer(hPrev), rowStride: 1, columnStride: H, UnsafePointer(dgh), ldb: g3,
          m: H, k: carried, n: g3)
        gruAccumulate(
          dh, ldc: H, UnsafePointer(dgh), rowStride: g3, columnStride: 1, whhP, ldb: H, m: carried, k: g3, n: H)
      }
      // Input weights over every active (step, row): dW_ih^T += x^T dgi, db_ih += sum dgi, and for the layer below
      // dL/d(its output) = dgi W_ih.
      let input: UnsafePointer<Float> = l == 0 ? UnsafePointer(xs) : UnsafePointer(hs[l &- 1] + B &* H)
      let dWihT = transposedGradient + wih[l]
      let dbih = gradient + bih[l]
      let wihP = p + wih[l]
      for t in 0..<T {
        let a = active[t]
        if a == 0 { continue }
        let dgit = dgi + t &* B &* g3
        gruAccumulate(
          dWihT, ldc: g3, input + t &* B &* nIn, rowStride: 1, columnStride: nIn, UnsafePointer(dgit), ldb: g3,
          m: nIn, k: a, n: g3)
        for s in 0..<a {
          let di = dgit + s &* g3
          for j in 0..<g3 { dbih[j] += di[j] }
        }
        if l > 0 {
          let below = dOut + t &* B &* H
          below.update(repeating: 0, count: a &* H)
          gruAccumulate(
            below, ldc: H, UnsafePointer(dgit), rowStride: g3, columnStride: 1, wihP, ldb: H, m: a, k: g3, n: H)
        }
      }
      gruTranspose(UnsafePointer(dWihT), rows: nIn, columns: g3, into: gradient + wih[l])
      gruTranspose(UnsafePointer(dWhhT), rows: H, columns: g3, into: gradient + whh[l])
    }
    return loss
  }
}
