import AlmanacCore

// The GRU's kernels: its entry to the shared matrix product (Kernels.swift) and the gates' element-wise functions,
// on the build's vectors (``KernelLanes``, see Lanes.swift).

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
/// The network's product (``accumulateRowBlocks``), behind a function of its own: inlined into the large training
/// step, the AVX-512 build's sixteen-lane blocks were compiled into 4-lane pieces with spills.
@inline(never)
func gruAccumulate(
  _ c: UnsafeMutablePointer<Float>, ldc: Int, _ a: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
  _ b: UnsafePointer<Float>, ldb: Int, m: Int, k: Int, n: Int, initial: UnsafePointer<Float>? = nil
) {
  accumulateRowBlocks(
    c, outStride: ldc, rows: m, width: n, start: initial.map { .row($0) } ?? .output, scalars: a,
    rowStride: rowStride, stride: columnStride, count: k, matrix: b, rowStride: ldb, vectorised: kernelsVectorised)
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
    var j = 0
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
