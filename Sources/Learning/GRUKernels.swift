import AlmanacCore

// The GRU's kernels: a small matrix product and the gates' element-wise functions, on the build's vectors
// (``KernelLanes``, see Lanes.swift).

@inline(__always) func gruSigmoid(_ x: Float) -> Float { 1 / (1 + Math.exp(-x)) }

/// `out[c, r] = m[r, c]` for a row-major `rows x columns` matrix.
func gruTranspose(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
  for r in 0..<rows {
    for c in 0..<columns { out[c &* rows &+ r] = m[r &* columns &+ c] }
  }
}

// MARK: Matrix product

/// `C[i, 0..<n] += sum_p A(i, p) B[p, 0..<n]` for `i < m`, where `A(i, p) = a[i * rowStride + p * columnStride]`
/// (so a transposed operand is a stride swap), `B` row-major with leading dimension `ldb`, `C` with `ldc`; with
/// `initial`, `C[i, j] = initial[j] + sum_p ...` instead (C is only written).
///
/// The sum over `p` runs in order for every element, one multiply and one add per term, so the result does not depend
/// on the blocking nor on the width: the default build works on blocks of two rows x two eight-lane vectors (eight SSE
/// registers of accumulators), the AVX-512 build on four rows x three sixteen-lane vectors (twelve of its thirty-two
/// registers); `GRUKernelTests` checks every shape against a scalar loop, bit for bit.
@inline(never)
func gruAccumulate(
  _ c: UnsafeMutablePointer<Float>, ldc: Int, _ a: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
  _ b: UnsafePointer<Float>, ldb: Int, m: Int, k: Int, n: Int, initial: UnsafePointer<Float>? = nil
) {
  if kernelsWide {
    gruAccumulateBlocks(
      c, ldc: ldc, a, rowStride: rowStride, columnStride: columnStride, b, ldb: ldb, m: m, k: k, n: n,
      initial: initial, fourRows: true)
  } else {
    gruAccumulateBlocks(
      c, ldc: ldc, a, rowStride: rowStride, columnStride: columnStride, b, ldb: ldb, m: m, k: k, n: n,
      initial: initial, fourRows: false)
  }
}

/// ``gruAccumulate`` with blocks of four rows (`fourRows`) by three then two vectors of `KernelLanes`, or of two rows by
/// two vectors, then rows one at a time.
@inline(always)
func gruAccumulateBlocks(
  _ c: UnsafeMutablePointer<Float>, ldc: Int, _ a: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
  _ b: UnsafePointer<Float>, ldb: Int, m: Int, k: Int, n: Int, initial: UnsafePointer<Float>? = nil,
  fourRows: Bool
) {
  let w = KernelLanes.scalarCount
  // The accumulators start from C, or from the `initial` row (the same for every row of C).
  @inline(always) func start(_ ci: UnsafeMutablePointer<Float>, _ j: Int) -> KernelLanes {
    loadLanes(initial.map { $0 + j } ?? UnsafePointer(ci + j))
  }
  var i = 0
  if fourRows {
    while i &+ 4 <= m {
      let c0 = c + i &* ldc
      let c1 = c0 + ldc
      let c2 = c1 + ldc
      let c3 = c2 + ldc
      let a0 = a + i &* rowStride
      let a1 = a0 + rowStride
      let a2 = a1 + rowStride
      let a3 = a2 + rowStride
      var j = 0
      // Three vectors wide (twelve accumulators: enough independent sums to keep both fused multiply-add ports busy
      // through their four-cycle latency), then two.
      while j &+ 3 &* w <= n {
        let w2 = j &+ 2 &* w
        var x0 = start(c0, j)
        var x1 = start(c0, j &+ w)
        var x2 = start(c0, w2)
        var y0 = start(c1, j)
        var y1 = start(c1, j &+ w)
        var y2 = start(c1, w2)
        var z0 = start(c2, j)
        var z1 = start(c2, j &+ w)
        var z2 = start(c2, w2)
        var u0 = start(c3, j)
        var u1 = start(c3, j &+ w)
        var u2 = start(c3, w2)
        var bp = b + j
        var q = 0
        for _ in 0..<k {
          let b0 = loadLanes(bp)
          let b1 = loadLanes(bp + w)
          let b2 = loadLanes(bp + 2 &* w)
          let s0 = KernelLanes(repeating: a0[q])
          let s1 = KernelLanes(repeating: a1[q])
          let s2 = KernelLanes(repeating: a2[q])
          let s3 = KernelLanes(repeating: a3[q])
          mulAdd(&x0, s0, b0)
          mulAdd(&x1, s0, b1)
          mulAdd(&x2, s0, b2)
          mulAdd(&y0, s1, b0)
          mulAdd(&y1, s1, b1)
          mulAdd(&y2, s1, b2)
          mulAdd(&z0, s2, b0)
          mulAdd(&z1, s2, b1)
          mulAdd(&z2, s2, b2)
          mulAdd(&u0, s3, b0)
          mulAdd(&u1, s3, b1)
          mulAdd(&u2, s3, b2)
          bp += ldb
          q &+= columnStride
        }
        storeLanes(x0, c0 + j)
        storeLanes(x1, c0 + (j &+ w))
        storeLanes(x2, c0 + w2)
        storeLanes(y0, c1 + j)
        storeLanes(y1, c1 + (j &+ w))
        storeLanes(y2, c1 + w2)
        storeLanes(z0, c2 + j)
        storeLanes(z1, c2 + (j &+ w))
        storeLanes(z2, c2 + w2)
        storeLanes(u0, c3 + j)
        storeLanes(u1, c3 + (j &+ w))
        storeLanes(u2, c3 + w2)
        j &+= 3 &* w
      }
      while j &+ 2 &* w <= n {
        var x0 = start(c0, j)
        var x1 = start(c0, j &+ w)
        var y0 = start(c1, j)
        var y1 = start(c1, j &+ w)
        var z0 = start(c2, j)
        var z1 = start(c2, j &+ w)
        var u0 = start(c3, j)
        var u1 = start(c3, j &+ w)
        var bp = b + j
        var q = 0
        for _ in 0..<k {
          let b0 = loadLanes(bp)
          let b1 = loadLanes(bp + w)
          let s0 = KernelLanes(repeating: a0[q])
          let s1 = KernelLanes(repeating: a1[q])
          let s2 = KernelLanes(repeating: a2[q])
          let s3 = KernelLanes(repeating: a3[q])
          mulAdd(&x0, s0, b0)
          mulAdd(&x1, s0, b1)
          mulAdd(&y0, s1, b0)
          mulAdd(&y1, s1, b1)
          mulAdd(&z0, s2, b0)
          mulAdd(&z1, s2, b1)
          mulAdd(&u0, s3, b0)
          mulAdd(&u1, s3, b1)
          bp += ldb
          q &+= columnStride
        }
        storeLanes(x0, c0 + j)
        storeLanes(x1, c0 + (j &+ w))
        storeLanes(y0, c1 + j)
        storeLanes(y1, c1 + (j &+ w))
        storeLanes(z0, c2 + j)
        storeLanes(z1, c2 + (j &+ w))
        storeLanes(u0, c3 + j)
        storeLanes(u1, c3 + (j &+ w))
        j &+= 2 &* w
      }
      gruAccumulateRowTail(c0, a0, columnStride: columnStride, b, ldb: ldb, k: k, from: j, to: n, initial: initial)
      gruAccumulateRowTail(c1, a1, columnStride: columnStride, b, ldb: ldb, k: k, from: j, to: n, initial: initial)
      gruAccumulateRowTail(c2, a2, columnStride: columnStride, b, ldb: ldb, k: k, from: j, to: n, initial: initial)
      gruAccumulateRowTail(c3, a3, columnStride: columnStride, b, ldb: ldb, k: k, from: j, to: n, initial: initial)
      i &+= 4
    }
  }
  while i &+ 2 <= m {
    let c0 = c + i &* ldc
    let c1 = c0 + ldc
    let a0 = a + i &* rowStride
    let a1 = a0 + rowStride
    var j = 0
    while j &+ 2 &* w <= n {
      var x0 = start(c0, j)
      var x1 = start(c0, j &+ w)
      var y0 = start(c1, j)
      var y1 = start(c1, j &+ w)
      var bp = b + j
      var q = 0
      for _ in 0..<k {
        let s0 = KernelLanes(repeating: a0[q])
        let s1 = KernelLanes(repeating: a1[q])
        let b0 = loadLanes(bp)
        let b1 = loadLanes(bp + w)
        mulAdd(&x0, s0, b0)
        mulAdd(&x1, s0, b1)
        mulAdd(&y0, s1, b0)
        mulAdd(&y1, s1, b1)
        bp += ldb
        q &+= columnStride
      }
      storeLanes(x0, c0 + j)
      storeLanes(x1, c0 + (j &+ w))
      storeLanes(y0, c1 + j)
      storeLanes(y1, c1 + (j &+ w))
      j &+= 2 &* w
    }
    gruAccumulateRowTail(c0, a0, columnStride: columnStride, b, ldb: ldb, k: k, from: j, to: n, initial: initial)
    gruAccumulateRowTail(c1, a1, columnStride: columnStride, b, ldb: ldb, k: k, from: j, to: n, initial: initial)
    i &+= 2
  }
  if i < m {
    gruAccumulateRowTail(
      c + i &* ldc, a + i &* rowStride, columnStride: columnStride, b, ldb: ldb, k: k, from: 0, to: n,
      initial: initial)
  }
}

/// One row of ``gruAccumulate`` over the columns `from..<to`: a vector at a time, then one.
@inline(always) private func gruAccumulateRowTail(
  _ ci: UnsafeMutablePointer<Float>, _ ai: UnsafePointer<Float>, columnStride: Int, _ b: UnsafePointer<Float>,
  ldb: Int, k: Int, from: Int, to n: Int, initial: UnsafePointer<Float>?
) {
  let w = KernelLanes.scalarCount
  var j = from
  while j &+ w <= n {
    var c0 = loadLanes(initial.map { $0 + j } ?? UnsafePointer(ci + j))
    var bp = b + j
    var q = 0
    for _ in 0..<k {
      mulAdd(&c0, KernelLanes(repeating: ai[q]), loadLanes(bp))
      bp += ldb
      q &+= columnStride
    }
    storeLanes(c0, ci + j)
    j &+= w
  }
  while j < n {
    var s = initial.map { $0[j] } ?? ci[j]
    var bp = b + j
    var q = 0
    for _ in 0..<k {
      mulAdd(&s, ai[q], bp.pointee)
      bp += ldb
      q &+= columnStride
    }
    ci[j] = s
    j &+= 1
  }
}

// MARK: Gates

/// One forward step's gates for `rows` rows (`[row][3H]` pre-activations in, activations out): `r = σ(gates_r + gh_r)`,
/// `z = σ(gates_z + gh_z)`, `n = tanh(gates_n + r ⊙ gh_n)`, `h' = (1 - z) ⊙ n + z ⊙ h`; also keeps `gh_n` in `hn`
/// for the backward pass. A function of its own, so that no vector crosses a call (the calling convention splits
/// wide vectors into 4-lane pieces).
@inline(never)
func gruGatesForward(
  rows: Int, hidden H: Int, gates g: UnsafeMutablePointer<Float>, recurrent gh: UnsafePointer<Float>,
  previous hPrev: UnsafePointer<Float>, next hNext: UnsafeMutablePointer<Float>, hn: UnsafeMutablePointer<Float>
) {
  let g3 = 3 &* H
  let full = KernelLanes.scalarCount
  let one = KernelLanes(repeating: 1)
  for s in 0..<rows {
    let gs = g + s &* g3
    let ghs = gh + s &* g3
    let hp = hPrev + s &* H
    let hx = hNext + s &* H
    let hns = hn + s &* H
    // Whole vectors, then one partial vector (kept apart so that the main loop has no partial loads).
    @inline(always) func chunk(_ j: Int, _ w: Int) {
      let r = gruSigmoid(loadLanes(gs + j, count: w) + loadLanes(ghs + j, count: w))
      let z = gruSigmoid(loadLanes(gs + (H &+ j), count: w) + loadLanes(ghs + (H &+ j), count: w))
      let hnj = loadLanes(ghs + (2 &* H &+ j), count: w)
      let nn = gruTanh(loadLanes(gs + (2 &* H &+ j), count: w) + r * hnj)
      storeLanes(r, gs + j, count: w)
      storeLanes(z, gs + (H &+ j), count: w)
      storeLanes(nn, gs + (2 &* H &+ j), count: w)
      storeLanes(hnj, hns + j, count: w)
      storeLanes((one - z) * nn + z * loadLanes(hp + j, count: w), hx + j, count: w)
    }
    @inline(always) func chunk2(_ j: Int) {
      let k = j &+ full
      let r0 = gruSigmoid(loadLanes(gs + j) + loadLanes(ghs + j))
      let r1 = gruSigmoid(loadLanes(gs + k) + loadLanes(ghs + k))
      let z0 = gruSigmoid(loadLanes(gs + (H &+ j)) + loadLanes(ghs + (H &+ j)))
      let z1 = gruSigmoid(loadLanes(gs + (H &+ k)) + loadLanes(ghs + (H &+ k)))
      let hn0 = loadLanes(ghs + (2 &* H &+ j))
      let hn1 = loadLanes(ghs + (2 &* H &+ k))
      let n0 = gruTanh(loadLanes(gs + (2 &* H &+ j)) + r0 * hn0)
      let n1 = gruTanh(loadLanes(gs + (2 &* H &+ k)) + r1 * hn1)
      storeLanes(r0, gs + j)
      storeLanes(r1, gs + k)
      storeLanes(z0, gs + (H &+ j))
      storeLanes(z1, gs + (H &+ k))
      storeLanes(n0, gs + (2 &* H &+ j))
      storeLanes(n1, gs + (2 &* H &+ k))
      storeLanes(hn0, hns + j)
      storeLanes(hn1, hns + k)
      storeLanes((one - z0) * n0 + z0 * loadLanes(hp + j), hx + j)
      storeLanes((one - z1) * n1 + z1 * loadLanes(hp + k), hx + k)
    }
    var j = 0
    while j &+ 2 &* full <= H {
      // Two independent chains side by side: each is a long sequence of dependent operations (exp, a division).
      chunk2(j)
      j &+= 2 &* full
    }
    while j &+ full <= H {
      chunk(j, full)
      j &+= full
    }
    if j < H { chunk(j, H &- j) }
  }
}

/// One backward step's gates for `rows` rows: `d = carried + fromAbove + headDelta[s] * headWeight` (each term only
/// when given; on the top layer `headWeight` is given at every step and multiplied by 0 away from the last one, as
/// the step always did), then the pre-activation gradients into `inputGradient` (`[row][3H]`: r, z, n) and
/// `recurrentGradient` (the same with `dn ⊙ r` for n), and `d ⊙ z` back into `carried`.
@inline(never)
func gruGatesBackward(
  rows: Int, hidden H: Int, gates g: UnsafePointer<Float>, previous hPrev: UnsafePointer<Float>,
  hn: UnsafePointer<Float>, carried dh: UnsafeMutablePointer<Float>, fromAbove: UnsafePointer<Float>?,
  headWeight: UnsafePointer<Float>?, headDelta: UnsafePointer<Float>?, inputGradient di: UnsafeMutablePointer<Float>,
  recurrentGradient dr: UnsafeMutablePointer<Float>
) {
  let g3 = 3 &* H
  let full = KernelLanes.scalarCount
  let one = KernelLanes(repeating: 1)
  for s in 0..<rows {
    let gs = g + s &* g3
    let hp = hPrev + s &* H
    let hns = hn + s &* H
    let dhs = dh + s &* H
    let dis = di + s &* g3
    let drs = dr + s &* g3
    let above = fromAbove.map { $0 + s &* H }
    let headV = KernelLanes(repeating: headDelta.map { $0[s] } ?? 0)
    @inline(always) func chunk(_ j: Int, _ w: Int) {
      var d = loadLanes(dhs + j, count: w)
      if let above { d += loadLanes(above + j, count: w) }
      if let headWeight { d += headV * loadLanes(headWeight + j, count: w) }
      let r = loadLanes(gs + j, count: w)
      let z = loadLanes(gs + (H &+ j), count: w)
      let nn = loadLanes(gs + (2 &* H &+ j), count: w)
      let dn = d * (one - z)
      let dz = d * (loadLanes(hp + j, count: w) - nn)
      let dan = dn * (one - nn * nn)
      let dar = dan * loadLanes(hns + j, count: w) * r * (one - r)
      let daz = dz * z * (one - z)
      storeLanes(dar, dis + j, count: w)
      storeLanes(daz, dis + (H &+ j), count: w)
      storeLanes(dan, dis + (2 &* H &+ j), count: w)
      storeLanes(dar, drs + j, count: w)
      storeLanes(daz, drs + (H &+ j), count: w)
      storeLanes(dan * r, drs + (2 &* H &+ j), count: w)
      storeLanes(d * z, dhs + j, count: w)
    }
    var j = 0
    while j &+ full <= H {
      chunk(j, full)
      j &+= full
    }
    if j < H { chunk(j, H &- j) }
  }
}

// MARK: Sigmoid and tanh on vectors

/// `a` where `mask` is set, else `b` (one blend instruction).
///
/// The vector code here uses only vector-vector operators: the mixed scalar-vector ones (`1 - v`, `1 / v`) are generic
/// lane loops that the optimiser may leave scalar (`1 / v` compiled to sixteen scalar divisions), and no vector crosses
/// a function call (the calling convention splits wide vectors into 4-lane pieces).
@inline(always) func laneSelect(_ mask: SIMDMask<KernelBits>, _ a: KernelLanes, _ b: KernelLanes) -> KernelLanes {
  b.replacing(with: a, where: mask)
}

/// `-x` lane by lane (the sign bit flipped, as IEEE negation does).
@inline(always) func laneNegate(_ x: KernelLanes) -> KernelLanes {
  unsafeBitCast(unsafeBitCast(x, to: KernelBits.self) ^ KernelBits(repeating: Int32.min), to: KernelLanes.self)
}

/// `p * x + c`, one Horner step of the polynomials below: fused (one rounding) in the AVX-512 build, like its matrix
/// products (``mulAdd(_:_:_:)-(KernelLanes,_,_)``).
@inline(always) func horner(_ p: KernelLanes, _ x: KernelLanes, _ c: Float) -> KernelLanes {
  kernelsFused ? KernelLanes(repeating: c).addingProduct(p, x) : p * x + KernelLanes(repeating: c)
}

/// `exp(x)` lane by lane (Cephes `expf`: `x = n ln2 + r`, `|r| <= ln2 / 2`, a degree-5 polynomial for `exp(r)`, and
/// `2^n` built in the exponent bits), with separate multiplies and adds only; within 2 ulp of the correctly rounded
/// value on `[-87.3, 88.3]`, inputs clamped to it. NaN is the caller's concern (see ``gruSigmoid(_:)`` and
/// ``gruTanh(_:)``). Every lane is computed the same way whatever the width.
@inline(always) func gruExp(_ x: KernelLanes) -> KernelLanes {
  let lo = KernelLanes(repeating: -87.3)
  let hi = KernelLanes(repeating: 88.3)
  var x = laneSelect(x .< lo, lo, x)
  x = laneSelect(x .> hi, hi, x)
  // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick (exact for |v| < 2^22).
  let magic = KernelLanes(repeating: 12_582_912)
  let shifted = x * KernelLanes(repeating: 1.442_695_04) + magic
  let n = shifted - magic
  var r = x - n * KernelLanes(repeating: 0.693_359_375)
  r = r - n * KernelLanes(repeating: -2.121_944_4e-4)
  var p = KernelLanes(repeating: 1.987_569_15e-4)
  p = horner(p, r, 1.398_199_95e-3)
  p = horner(p, r, 8.333_451_9e-3)
  p = horner(p, r, 4.166_579_59e-2)
  p = horner(p, r, 1.666_666_55e-1)
  p = horner(p, r, 5.000_000_12e-1)
  let y = p * (r * r) + r + KernelLanes(repeating: 1)
  // n's integer value sits in the low bits of `shifted`; 2^n = (n + 127) << 23.
  let ni = unsafeBitCast(shifted, to: KernelBits.self) &- unsafeBitCast(magic, to: KernelBits.self)
  let scale = unsafeBitCast((ni &+ 127) &<< 23, to: KernelLanes.self)
  return y * scale
}

/// `1 / (1 + exp(-x))` lane by lane; NaN stays NaN.
@inline(always) func gruSigmoid(_ x: KernelLanes) -> KernelLanes {
  let one = KernelLanes(repeating: 1)
  let s = one / (one + gruExp(laneNegate(x)))
  return laneSelect(x .!= x, x, s)
}

/// `tanh(x)` lane by lane (Cephes `tanhf`): an odd polynomial for `|x| < 0.625`, `1 - 2 / (exp(2|x|) + 1)` with the
/// sign of `x` above; NaN stays NaN.
@inline(always) func gruTanh(_ x: KernelLanes) -> KernelLanes {
  let one = KernelLanes(repeating: 1)
  let negative = x .< KernelLanes()
  let a = laneSelect(negative, laneNegate(x), x)
  let big = one - KernelLanes(repeating: 2) / (gruExp(a + a) + one)
  let signed = laneSelect(negative, laneNegate(big), big)
  let z = x * x
  var p = KernelLanes(repeating: -5.704_988_727_45e-3)
  p = horner(p, z, 2.063_908_879_54e-2)
  p = horner(p, z, -5.373_971_555_31e-2)
  p = horner(p, z, 1.333_144_220_36e-1)
  p = horner(p, z, -3.333_328_194_22e-1)
  let small = p * z * x + x
  return laneSelect(x .!= x, x, laneSelect(a .< KernelLanes(repeating: 0.625), small, signed))
}
