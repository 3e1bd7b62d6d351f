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
        let offset = indices[order[s]] &* stride &+ t &* F
        (dst + s &* F).update(from: x + offset, count: F)
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
        // Input and recurrent projections of the active rows, biases first.
        for s in 0..<a {
          (g + s &* g3).update(from: bi, count: g3)
          (gh + s &* g3).update(from: bh, count: g3)
        }
        gruAccumulate(
          g, ldc: g3, input + t &* B &* nIn, rowStride: nIn, columnStride: 1, wT, ldb: g3, m: a, k: nIn, n: g3)
        // Rows whose first valid step is t have h_prev = h0 = 0 (they follow the rows active at t - 1): only the bias.
        let carried = t == 0 ? 0 : active[t &- 1]
        gruAccumulate(
          gh, ldc: g3, UnsafePointer(hPrev), rowStride: H, columnStride: 1, uT, ldb: g3, m: carried, k: H, n: g3)
        let hnt = hnl + t &* B &* H
        for s in 0..<a {
          let gs = g + s &* g3
          let ghs = gh + s &* g3
          let hp = hPrev + s &* H
          let hx = hNext + s &* H
          let hns = hnt + s &* H
          var j = 0
          while j < H {
            let w = min(8, H &- j)
            let r = gruSigmoid8(gruLoad(gs + j, w) + gruLoad(ghs + j, w))
            let z = gruSigmoid8(gruLoad(gs + (H &+ j), w) + gruLoad(ghs + (H &+ j), w))
            let hnj = gruLoad(ghs + (2 &* H &+ j), w)
            let nn = gruTanh8(gruLoad(gs + (2 &* H &+ j), w) + r * hnj)
            gruStore(r, gs + j, w)
            gruStore(z, gs + (H &+ j), w)
            gruStore(nn, gs + (2 &* H &+ j), w)
            gruStore(hnj, hns + j, w)
            gruStore((1 - z) * nn + z * gruLoad(hp + j, w), hx + j, w)
            j &+= 8
          }
        }
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
    let invN = 1 / Float(n)
    var loss: Double = 0
    for s in 0..<n {
      let pr = probability[s]
      let yv = target[s]
      let wv = weight[s]
      let logP = max(Math.log(pr), -100)
      let log1mP = max(Math.log(1 - pr), -100)
      loss += Double(-wv * (yv * logP + (1 - yv) * log1mP))
      // BCELoss backward: grad * (p - y) / max((1 - p) p, 1e-12) * w; then sigmoid backward: * (1 - p) p.
      let g = invN * (pr - yv) / max((1 - pr) * pr, 1e-12) * wv
      dLogit[s] = g * (1 - pr) * pr
    }
    loss /= Double(n)
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
        for s in 0..<a {
          let gs = g + s &* g3
          let hp = hPrev + s &* H
          let hns = hnt + s &* H
          let dhs = dh + s &* H
          let di = dgit + s &* g3
          let dr = dgh + s &* g3
          let fromAbove: UnsafeMutablePointer<Float>? = isTop ? nil : above + s &* H
          let headD = isTop && t == T &- 1 ? dLogit[s] : 0
          let headV = SIMD8<Float>(repeating: headD)
          var j = 0
          while j < H {
            let w = min(8, H &- j)
            var d = gruLoad(dhs + j, w)
            if let fromAbove { d += gruLoad(fromAbove + j, w) }
            if isTop { d += headV * gruLoad(headWeight + j, w) }
            let r = gruLoad(gs + j, w)
            let z = gruLoad(gs + (H &+ j), w)
            let nn = gruLoad(gs + (2 &* H &+ j), w)
            let dn = d * (1 - z)
            let dz = d * (gruLoad(hp + j, w) - nn)
            let dan = dn * (1 - nn * nn)
            let dar = dan * gruLoad(hns + j, w) * r * (1 - r)
            let daz = dz * z * (1 - z)
            gruStore(dar, di + j, w)
            gruStore(daz, di + (H &+ j), w)
            gruStore(dan, di + (2 &* H &+ j), w)
            gruStore(dar, dr + j, w)
            gruStore(daz, dr + (H &+ j), w)
            gruStore(dan * r, dr + (2 &* H &+ j), w)
            gruStore(d * z, dhs + j, w)
            j &+= 8
          }
        }
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

// MARK: Kernels

@inline(__always) func gruSigmoid(_ x: Float) -> Float { 1 / (1 + Math.exp(-x)) }

/// `out[c, r] = m[r, c]` for a row-major `rows x columns` matrix.
func gruTranspose(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
  for r in 0..<rows {
    for c in 0..<columns { out[c &* rows &+ r] = m[r &* columns &+ c] }
  }
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// `C[i, 0..<n] += sum_p A(i, p) B[p, 0..<n]` for `i < m`, where `A(i, p) = a[i * rowStride + p * columnStride]`
/// (so a transposed operand is a stride swap), `B` row-major with leading dimension `ldb`, `C` with `ldc`.
/// Rows go two at a time and columns 16 at a time in eight-lane registers (each `B` load serves both rows; the inner
/// loop over `p` keeps the accumulators in registers), then 8 columns, then one; the sum over `p` runs in order for
/// every element, so the result does not depend on the blocking.
func gruAccumulate(
  _ c: UnsafeMutablePointer<Float>, ldc: Int, _ a: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
  _ b: UnsafePointer<Float>, ldb: Int, m: Int, k: Int, n: Int
) {
  var i = 0
  while i &+ 2 <= m {
    let c0 = c + i &* ldc
    let c1 = c0 + ldc
    let a0 = a + i &* rowStride
    let a1 = a0 + rowStride
    var j = 0
    while j &+ 16 <= n {
      var x0 = load8(c0 + j)
      var x1 = load8(c0 + (j &+ 8))
      var y0 = load8(c1 + j)
      var y1 = load8(c1 + (j &+ 8))
      var bp = b + j
      var q = 0
      for _ in 0..<k {
        let s0 = SIMD8<Float>(repeating: a0[q])
        let s1 = SIMD8<Float>(repeating: a1[q])
        let b0 = load8(bp)
        let b1 = load8(bp + 8)
        x0 += s0 * b0
        x1 += s0 * b1
        y0 += s1 * b0
        y1 += s1 * b1
        bp += ldb
        q &+= columnStride
      }
      store8(x0, c0 + j)
      store8(x1, c0 + (j &+ 8))
      store8(y0, c1 + j)
      store8(y1, c1 + (j &+ 8))
      j &+= 16
    }
    gruAccumulateRowTail(c0, a0, columnStride: columnStride, b, ldb: ldb, k: k, from: j, to: n)
    gruAccumulateRowTail(c1, a1, columnStride: columnStride, b, ldb: ldb, k: k, from: j, to: n)
    i &+= 2
  }
  if i < m {
    gruAccumulateRowTail(
      c + i &* ldc, a + i &* rowStride, columnStride: columnStride, b, ldb: ldb, k: k, from: 0, to: n)
  }
}

/// One row of ``gruAccumulate`` over the columns `from..<to`: 8 at a time, then one.
@inline(__always) private func gruAccumulateRowTail(
  _ ci: UnsafeMutablePointer<Float>, _ ai: UnsafePointer<Float>, columnStride: Int, _ b: UnsafePointer<Float>,
  ldb: Int, k: Int, from: Int, to n: Int
) {
  var j = from
  while j &+ 8 <= n {
    var c0 = load8(ci + j)
    var bp = b + j
    var q = 0
    for _ in 0..<k {
      c0 += SIMD8<Float>(repeating: ai[q]) * load8(bp)
      bp += ldb
      q &+= columnStride
    }
    store8(c0, ci + j)
    j &+= 8
  }
  while j < n {
    var s = ci[j]
    var bp = b + j
    var q = 0
    for _ in 0..<k {
      s += ai[q] * bp.pointee
      bp += ldb
      q &+= columnStride
    }
    ci[j] = s
    j &+= 1
  }
}

// MARK: Eight-lane sigmoid and tanh

/// `exp(x)` on eight lanes (Cephes `expf`: `x = n ln2 + r`, `|r| <= ln2 / 2`, a degree-5 polynomial for `exp(r)`, and
/// `2^n` built in the exponent bits), with SSE2 operations only; within 2 ulp of the correctly rounded value on
/// `[-87.3, 88.3]`, inputs clamped to it. NaN is the caller's concern (see ``gruSigmoid8`` and ``gruTanh8``).
@inline(__always) func gruExp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
  let lo = SIMD8<Float>(repeating: -87.3)
  let hi = SIMD8<Float>(repeating: 88.3)
  let x = x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
  // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick (exact for |v| < 2^22).
  let magic = SIMD8<Float>(repeating: 12_582_912)
  let shifted = x * SIMD8(repeating: 1.442_695_04) + magic
  let n = shifted - magic
  var r = x - n * SIMD8(repeating: 0.693_359_375)
  r = r - n * SIMD8(repeating: -2.121_944_4e-4)
  var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
  p = p * r + SIMD8(repeating: 1.398_199_95e-3)
  p = p * r + SIMD8(repeating: 8.333_451_9e-3)
  p = p * r + SIMD8(repeating: 4.166_579_59e-2)
  p = p * r + SIMD8(repeating: 1.666_666_55e-1)
  p = p * r + SIMD8(repeating: 5.000_000_12e-1)
  let y = p * (r * r) + r + SIMD8(repeating: 1)
  // n's integer value sits in the low bits of `shifted`; 2^n = (n + 127) << 23.
  let ni = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
  let scale = unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
  return y * scale
}

/// `1 / (1 + exp(-x))` on eight lanes; NaN stays NaN.
@inline(__always) func gruSigmoid8(_ x: SIMD8<Float>) -> SIMD8<Float> {
  let s = 1 / (1 + gruExp8(-x))
  return s.replacing(with: x, where: x .!= x)
}

/// `tanh(x)` on eight lanes (Cephes `tanhf`): an odd polynomial for `|x| < 0.625`, `1 - 2 / (exp(2|x|) + 1)` with
/// the sign of `x` above; NaN stays NaN.
@inline(__always) func gruTanh8(_ x: SIMD8<Float>) -> SIMD8<Float> {
  let a = x.replacing(with: -x, where: x .< 0)
  let big = 1 - 2 / (gruExp8(a + a) + 1)
  let signed = big.replacing(with: -big, where: x .< 0)
  let z = x * x
  var p = SIMD8<Float>(repeating: -5.704_988_727_45e-3)
  p = p * z + SIMD8(repeating: 2.063_908_879_54e-2)
  p = p * z + SIMD8(repeating: -5.373_971_555_31e-2)
  p = p * z + SIMD8(repeating: 1.333_144_220_36e-1)
  p = p * z + SIMD8(repeating: -3.333_328_194_22e-1)
  let small = p * z * x + x
  return signed.replacing(with: small, where: a .< 0.625).replacing(with: x, where: x .!= x)
}

/// Up to eight values from `p` (the rest zero).
@inline(__always) func gruLoad(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
  if count == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
  var v = SIMD8<Float>()
  for i in 0..<count { v[i] = p[i] }
  return v
}

/// The first `count` (up to eight) lanes of `v` into `p`.
@inline(__always) func gruStore(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
  if count == 8 {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    return
  }
  for i in 0..<count { p[i] = v[i] }
}
