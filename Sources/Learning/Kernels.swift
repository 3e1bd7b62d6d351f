/// Small dense kernels for the network's and the GRU's batched products.
///
/// Optimised builds use explicit vector accumulators held in registers (``KernelLanes``: eight lanes, sixteen in the
/// AVX-512 build; the widths here are 8 to 64, too short for the compiler's runtime alias checks to pay off).
/// Unoptimised (-Onone) builds use the scalar loops, because generic SIMD operations are some 50 times slower there
/// than plain arithmetic. Both accumulate every output in the same order (sequentially over k, each term through
/// ``mulAdd(_:_:_:)-(Float,_,_)``: a multiply and an add by default, fused in the AVX-512 build), so they give
/// bit-identical results within a build; a test checks it.

/// Whether this build should use the SIMD kernels: true when compiled with optimisation (whatever `DEBUG` says), as
/// `_isDebugAssertConfiguration()` is false exactly then.
let kernelsVectorised = !_isDebugAssertConfiguration()

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Where each output of a product starts before its terms are added.
enum ProductStart {
  /// Zero.
  case zero
  /// `row[j]` for column `j`, the same row for every output row (a bias).
  case row(UnsafePointer<Float>)
  /// The output's own values: the product is added onto it (a gradient accumulated over steps).
  case output

  /// The start of columns `j..<j + KernelLanes.scalarCount` of the output row `out`.
  @inline(__always) func lanes(_ out: UnsafeMutablePointer<Float>, _ j: Int) -> KernelLanes {
    switch self {
    case .zero: KernelLanes()
    case .row(let r): loadLanes(r + j)
    case .output: loadLanes(UnsafePointer(out + j))
    }
  }

  /// The start of columns `j..<j + 8`.
  @inline(__always) func lanes8(_ out: UnsafeMutablePointer<Float>, _ j: Int) -> SIMD8<Float> {
    switch self {
    case .zero: SIMD8<Float>()
    case .row(let r): load8(r + j)
    case .output: load8(UnsafePointer(out + j))
    }
  }

  /// The start of column `j`.
  @inline(__always) func scalar(_ out: UnsafeMutablePointer<Float>, _ j: Int) -> Float {
    switch self {
    case .zero: 0
    case .row(let r): r[j]
    case .output: out[j]
    }
  }
}

/// `out[j] = start_j + sum_{k < count} s[k * sStride] * m[k * mStride + j]` for `j < width` (``ProductStart``),
/// summed in increasing k. `out` must not overlap the inputs. `vectorised` picks the
/// SIMD version (see ``kernelsVectorised``).
@inline(__always)
func accumulateRows(
  _ out: UnsafeMutablePointer<Float>, width: Int, start: ProductStart,
  scalars s: UnsafePointer<Float>, stride sStride: Int, count: Int,
  matrix m: UnsafePointer<Float>, rowStride mStride: Int, vectorised: Bool
) {
  if vectorised {
    accumulateRowsSIMD(
      out, width: width, start: start, scalars: s, stride: sStride, count: count, matrix: m,
      rowStride: mStride)
  } else {
    accumulateRowsScalar(
      out, width: width, start: start, scalars: s, stride: sStride, count: count, matrix: m,
      rowStride: mStride)
  }
}

/// ``accumulateRows`` with plain scalar loops.
func accumulateRowsScalar(
  _ out: UnsafeMutablePointer<Float>, width: Int, start: ProductStart,
  scalars s: UnsafePointer<Float>, stride sStride: Int, count: Int,
  matrix m: UnsafePointer<Float>, rowStride mStride: Int
) {
  switch start {
  case .zero: out.update(repeating: 0, count: width)
  case .row(let r): out.update(from: r, count: width)
  case .output: break
  }
  var mp = m
  var sp = s
  for _ in 0..<count {
    let sv = sp.pointee
    for j in 0..<width { mulAdd(&out[j], sv, mp[j]) }
    mp += mStride
    sp += sStride
  }
}

/// ``accumulateRows`` with vector register accumulators: two ``KernelLanes`` at a time, then one, then (AVX-512 build)
/// eight lanes, then one column.
@inline(__always)
func accumulateRowsSIMD(
  _ out: UnsafeMutablePointer<Float>, width: Int, start: ProductStart,
  scalars s: UnsafePointer<Float>, stride sStride: Int, count: Int,
  matrix m: UnsafePointer<Float>, rowStride mStride: Int
) {
  let w = KernelLanes.scalarCount
  var j = 0
  while j &+ 2 &* w <= width {
    var a0 = start.lanes(out, j)
    var a1 = start.lanes(out, j &+ w)
    var mp = m + j
    var sp = s
    for _ in 0..<count {
      let sv = KernelLanes(repeating: sp.pointee)
      mulAdd(&a0, sv, loadLanes(mp))
      mulAdd(&a1, sv, loadLanes(mp + w))
      mp += mStride
      sp += sStride
    }
    storeLanes(a0, out + j)
    storeLanes(a1, out + (j &+ w))
    j &+= 2 &* w
  }
  while j &+ w <= width {
    var a0 = start.lanes(out, j)
    var mp = m + j
    var sp = s
    for _ in 0..<count {
      mulAdd(&a0, KernelLanes(repeating: sp.pointee), loadLanes(mp))
      mp += mStride
      sp += sStride
    }
    storeLanes(a0, out + j)
    j &+= w
  }
  if kernelsWide && j &+ 8 <= width {
    var a0 = start.lanes8(out, j)
    var mp = m + j
    var sp = s
    for _ in 0..<count {
      mulAdd8(&a0, SIMD8(repeating: sp.pointee), load8(mp))
      mp += mStride
      sp += sStride
    }
    store8(a0, out + j)
    j &+= 8
  }
  while j < width {
    var a = start.scalar(out, j)
    var mp = m + j
    var sp = s
    for _ in 0..<count {
      mulAdd(&a, sp.pointee, mp.pointee)
      mp += mStride
      sp += sStride
    }
    out[j] = a
    j &+= 1
  }
}

/// ``mulAdd(_:_:_:)-(KernelLanes,_,_)`` on eight lanes (the AVX-512 build's eight-column tails).
@inline(__always) func mulAdd8(_ acc: inout SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) {
  if kernelsFused { acc = acc.addingProduct(a, b) } else { acc += a * b }
}

/// `sum_i a[i] * b[i]` over `count` values, summed in increasing i (the output layer's single unit).
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  var s: Float = 0
  for i in 0..<count { s += a[i] * b[i] }
  return s
}

/// ``accumulateRows`` for `rows` output rows at once: for `q < rows`,
/// `out[q * outStride + j] = start + sum_{k < count} s[q * sRowStride + k * sStride] * m[k * mStride + j]`,
/// summed in increasing k for every output (so the result is bit-identical to calling ``accumulateRows`` row by row,
/// and to ``accumulateRowsScalar``). A transposed operand is a stride swap (`sRowStride = 1`, `sStride = rows of
/// the stored matrix`). Optimised builds work on blocks of four rows, so that each loaded row of `m` serves four
/// outputs (a register-blocked matrix product); the remaining rows, and unoptimised builds, use ``accumulateRows``.
/// The network's layers and the GRU's gates and gradients all go through it.
@inline(__always)
func accumulateRowBlocks(
  _ out: UnsafeMutablePointer<Float>, outStride: Int, rows: Int, width: Int,
  start: ProductStart, scalars s: UnsafePointer<Float>, rowStride sRowStride: Int,
  stride sStride: Int, count: Int, matrix m: UnsafePointer<Float>, rowStride mStride: Int,
  vectorised: Bool
) {
  var q = 0
  if vectorised {
    while q &+ 4 <= rows {
      accumulateFourRowsSIMD(
        out + q &* outStride, outStride: outStride, width: width, start: start,
        scalars: s + q &* sRowStride, rowStride: sRowStride, stride: sStride, count: count,
        matrix: m, rowStride: mStride)
      q &+= 4
    }
  }
  while q < rows {
    accumulateRows(
      out + q &* outStride, width: width, start: start, scalars: s + q &* sRowStride,
      stride: sStride, count: count, matrix: m, rowStride: mStride, vectorised: vectorised)
    q &+= 1
  }
}

/// Four rows of ``accumulateRowBlocks`` with vector register accumulators. In the AVX-512 build 4 x 48 columns at a
/// time (twelve of its thirty-two registers: enough independent sums to keep both fused multiply-add ports busy
/// through their four-cycle latency), then 4 x 32, 4 x 16 and 4 x 8. By default 4 x 8 (four eight-lane accumulators
/// are eight SSE registers, leaving room for the loaded row and the broadcast scalars; a 4 x 16 block needs sixteen
/// accumulator registers, all that SSE has, and spilled them to the stack on every step of the k loop). Then scalar
/// columns.
@inline(always)
private func accumulateFourRowsSIMD(
  _ out: UnsafeMutablePointer<Float>, outStride: Int, width: Int,
  start: ProductStart, scalars s: UnsafePointer<Float>,
  rowStride sr: Int, stride ss: Int, count: Int, matrix m: UnsafePointer<Float>,
  rowStride ms: Int
) {
  let s0 = s
  let s1 = s + sr
  let s2 = s + 2 &* sr
  let s3 = s + 3 &* sr
  let o0 = out
  let o1 = out + outStride
  let o2 = out + 2 &* outStride
  let o3 = out + 3 &* outStride
  let w = KernelLanes.scalarCount
  var j = 0
  while kernelsWide && j &+ 3 &* w <= width {
    let j1 = j &+ w
    let j2 = j &+ 2 &* w
    var a0 = start.lanes(o0, j), b0 = start.lanes(o0, j1), c0 = start.lanes(o0, j2)
    var a1 = start.lanes(o1, j), b1 = start.lanes(o1, j1), c1 = start.lanes(o1, j2)
    var a2 = start.lanes(o2, j), b2 = start.lanes(o2, j1), c2 = start.lanes(o2, j2)
    var a3 = start.lanes(o3, j), b3 = start.lanes(o3, j1), c3 = start.lanes(o3, j2)
    var mp = m + j
    var sk = 0
    for _ in 0..<count {
      let m0 = loadLanes(mp)
      let m1 = loadLanes(mp + w)
      let m2 = loadLanes(mp + 2 &* w)
      let v0 = KernelLanes(repeating: s0[sk])
      let v1 = KernelLanes(repeating: s1[sk])
      let v2 = KernelLanes(repeating: s2[sk])
      let v3 = KernelLanes(repeating: s3[sk])
      mulAdd(&a0, v0, m0)
      mulAdd(&b0, v0, m1)
      mulAdd(&c0, v0, m2)
      mulAdd(&a1, v1, m0)
      mulAdd(&b1, v1, m1)
      mulAdd(&c1, v1, m2)
      mulAdd(&a2, v2, m0)
      mulAdd(&b2, v2, m1)
      mulAdd(&c2, v2, m2)
      mulAdd(&a3, v3, m0)
      mulAdd(&b3, v3, m1)
      mulAdd(&c3, v3, m2)
      mp += ms
      sk &+= ss
    }
    storeLanes(a0, o0 + j)
    storeLanes(b0, o0 + j1)
    storeLanes(c0, o0 + j2)
    storeLanes(a1, o1 + j)
    storeLanes(b1, o1 + j1)
    storeLanes(c1, o1 + j2)
    storeLanes(a2, o2 + j)
    storeLanes(b2, o2 + j1)
    storeLanes(c2, o2 + j2)
    storeLanes(a3, o3 + j)
    storeLanes(b3, o3 + j1)
    storeLanes(c3, o3 + j2)
    j &+= 3 &* w
  }
  while kernelsWide && j &+ 2 &* w <= width {
    let j1 = j &+ w
    var a0 = start.lanes(o0, j), b0 = start.lanes(o0, j1)
    var a1 = start.lanes(o1, j), b1 = start.lanes(o1, j1)
    var a2 = start.lanes(o2, j), b2 = start.lanes(o2, j1)
    var a3 = start.lanes(o3, j), b3 = start.lanes(o3, j1)
    var mp = m + j
    var sk = 0
    for _ in 0..<count {
      let m0 = loadLanes(mp)
      let m1 = loadLanes(mp + w)
      let v0 = KernelLanes(repeating: s0[sk])
      let v1 = KernelLanes(repeating: s1[sk])
      let v2 = KernelLanes(repeating: s2[sk])
      let v3 = KernelLanes(repeating: s3[sk])
      mulAdd(&a0, v0, m0)
      mulAdd(&b0, v0, m1)
      mulAdd(&a1, v1, m0)
      mulAdd(&b1, v1, m1)
      mulAdd(&a2, v2, m0)
      mulAdd(&b2, v2, m1)
      mulAdd(&a3, v3, m0)
      mulAdd(&b3, v3, m1)
      mp += ms
      sk &+= ss
    }
    storeLanes(a0, o0 + j)
    storeLanes(b0, o0 + j1)
    storeLanes(a1, o1 + j)
    storeLanes(b1, o1 + j1)
    storeLanes(a2, o2 + j)
    storeLanes(b2, o2 + j1)
    storeLanes(a3, o3 + j)
    storeLanes(b3, o3 + j1)
    j &+= 2 &* w
  }
  while j &+ w <= width {
    var a0 = start.lanes(o0, j), a1 = start.lanes(o1, j), a2 = start.lanes(o2, j), a3 = start.lanes(o3, j)
    var mp = m + j
    var sk = 0
    for _ in 0..<count {
      let m0 = loadLanes(mp)
      mulAdd(&a0, KernelLanes(repeating: s0[sk]), m0)
      mulAdd(&a1, KernelLanes(repeating: s1[sk]), m0)
      mulAdd(&a2, KernelLanes(repeating: s2[sk]), m0)
      mulAdd(&a3, KernelLanes(repeating: s3[sk]), m0)
      mp += ms
      sk &+= ss
    }
    storeLanes(a0, o0 + j)
    storeLanes(a1, o1 + j)
    storeLanes(a2, o2 + j)
    storeLanes(a3, o3 + j)
    j &+= w
  }
  if kernelsWide && j &+ 8 <= width {
    var a0 = start.lanes8(o0, j), a1 = start.lanes8(o1, j), a2 = start.lanes8(o2, j), a3 = start.lanes8(o3, j)
    var mp = m + j
    var sk = 0
    for _ in 0..<count {
      let m0 = load8(mp)
      mulAdd8(&a0, SIMD8(repeating: s0[sk]), m0)
      mulAdd8(&a1, SIMD8(repeating: s1[sk]), m0)
      mulAdd8(&a2, SIMD8(repeating: s2[sk]), m0)
      mulAdd8(&a3, SIMD8(repeating: s3[sk]), m0)
      mp += ms
      sk &+= ss
    }
    store8(a0, o0 + j)
    store8(a1, o1 + j)
    store8(a2, o2 + j)
    store8(a3, o3 + j)
    j &+= 8
  }
  while j < width {
    var a0 = start.scalar(o0, j), a1 = start.scalar(o1, j), a2 = start.scalar(o2, j), a3 = start.scalar(o3, j)
    var mp = m + j
    var sk = 0
    for _ in 0..<count {
      let mv = mp.pointee
      mulAdd(&a0, s0[sk], mv)
      mulAdd(&a1, s1[sk], mv)
      mulAdd(&a2, s2[sk], mv)
      mulAdd(&a3, s3[sk], mv)
      mp += ms
      sk &+= ss
    }
    o0[j] = a0
    o1[j] = a1
    o2[j] = a2
    o3[j] = a3
    j &+= 1
  }
}

/// `x[k] = a[k] > 0 ? x[k] : 0` for `k < count` (ReLU forward with `x == a`, and its backward mask): NaN, -0 and
/// negative `a` give +0. `x` and `a` may be the same buffer. `vectorised` picks eight lanes at a time (a compare and
/// a mask per block, where the compiler leaves the scalar loop branchy); both give the same bits.
@inline(__always)
func reluMask(_ x: UnsafeMutablePointer<Float>, by a: UnsafePointer<Float>, count: Int, vectorised: Bool) {
  var k = 0
  if vectorised {
    let zero = SIMD8<Float>()
    while k &+ 8 <= count {
      let av = load8(a + k)
      let xv = load8(UnsafePointer(x + k))
      store8(xv.replacing(with: 0, where: .!(av .> zero)), x + k)
      k &+= 8
    }
  }
  while k < count {
    x[k] = a[k] > 0 ? x[k] : 0
    k &+= 1
  }
}
