/// Small dense kernels for the network's batched products.
///
/// Optimised builds use explicit `SIMD8<Float>` accumulators held in registers (the widths here are 8 to 64, too short
/// for the compiler's runtime alias checks to pay off). Unoptimised (-Onone) builds use the scalar loops, because
/// generic SIMD operations are some 50 times slower there than plain arithmetic. Both accumulate every output in the
/// same order (sequentially over k, no fused multiply-add), so they give bit-identical results; a test checks it.

/// Whether this build should use the SIMD kernels: true when compiled with optimisation (whatever `DEBUG` says), as
/// `_isDebugAssertConfiguration()` is false exactly then.
let kernelsVectorised = !_isDebugAssertConfiguration()

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// `out[j] = initial[j] + sum_{k < count} s[k * sStride] * m[k * mStride + j]` for `j < width`
/// (`initial == nil` means zero), summed in increasing k. `out` must not overlap the inputs. `vectorised` picks the
/// SIMD version (see ``kernelsVectorised``).
@inline(__always)
func accumulateRows(_ out: UnsafeMutablePointer<Float>, width: Int, initial: UnsafePointer<Float>?,
                    scalars s: UnsafePointer<Float>, stride sStride: Int, count: Int,
                    matrix m: UnsafePointer<Float>, rowStride mStride: Int, vectorised: Bool)
{
  if vectorised {
    accumulateRowsSIMD(out, width: width, initial: initial, scalars: s, stride: sStride, count: count, matrix: m,
                       rowStride: mStride)
  } else {
    accumulateRowsScalar(out, width: width, initial: initial, scalars: s, stride: sStride, count: count, matrix: m,
                         rowStride: mStride)
  }
}

/// ``accumulateRows`` with plain scalar loops.
func accumulateRowsScalar(_ out: UnsafeMutablePointer<Float>, width: Int, initial: UnsafePointer<Float>?,
                          scalars s: UnsafePointer<Float>, stride sStride: Int, count: Int,
                          matrix m: UnsafePointer<Float>, rowStride mStride: Int)
{
  if let initial { out.update(from: initial, count: width) } else { out.update(repeating: 0, count: width) }
  var mp = m
  var sp = s
  for _ in 0..<count {
    let sv = sp.pointee
    for j in 0..<width { out[j] += sv * mp[j] }
    mp += mStride
    sp += sStride
  }
}

/// ``accumulateRows`` with `SIMD8<Float>` register accumulators.
@inline(__always)
func accumulateRowsSIMD(_ out: UnsafeMutablePointer<Float>, width: Int, initial: UnsafePointer<Float>?,
                    scalars s: UnsafePointer<Float>, stride sStride: Int, count: Int,
                    matrix m: UnsafePointer<Float>, rowStride mStride: Int)
{
  var j = 0
  while j &+ 16 <= width {
    var a0 = initial.map { load8($0 + j) } ?? SIMD8<Float>()
    var a1 = initial.map { load8($0 + (j &+ 8)) } ?? SIMD8<Float>()
    var mp = m + j
    var sp = s
    for _ in 0..<count {
      let sv = sp.pointee
      a0 += sv * load8(mp)
      a1 += sv * load8(mp + 8)
      mp += mStride
      sp += sStride
    }
    store8(a0, out + j)
    store8(a1, out + (j &+ 8))
    j &+= 16
  }
  while j &+ 8 <= width {
    var a0 = initial.map { load8($0 + j) } ?? SIMD8<Float>()
    var mp = m + j
    var sp = s
    for _ in 0..<count {
      a0 += sp.pointee * load8(mp)
      mp += mStride
      sp += sStride
    }
    store8(a0, out + j)
    j &+= 8
  }
  while j < width {
    var a = initial.map { $0[j] } ?? 0
    var mp = m + j
    var sp = s
    for _ in 0..<count {
      a += sp.pointee * mp.pointee
      mp += mStride
      sp += sStride
    }
    out[j] = a
    j &+= 1
  }
}

/// `sum_i a[i] * b[i]` over `count` values, summed in increasing i (the output layer's single unit).
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  var s: Float = 0
  for i in 0..<count { s += a[i] * b[i] }
  return s
}
