/// The vector width and arithmetic of the kernels, chosen when Almanac is compiled.
///
/// The default build targets baseline x86-64 (SSE2: sixteen 4-lane registers, no fused multiply-add); its kernels use
/// eight-lane vectors (two registers each) in blocks sized for sixteen registers, and multiply and add separately. Its
/// results are the documented ones, and optimisations of it must leave them bit for bit unchanged (the benchmarks
/// print model digests; `GRUKernelTests` pins one).
///
/// The fast path (`ALMANAC_AVX512=1 swift build ...`, see `Package.swift`) compiles for `skylake-avx512` (thirty-two
/// 16-lane registers, fused multiply-add) and defines `ALMANAC_AVX512`: the kernels use sixteen-lane vectors, larger
/// blocks, and fused multiply-adds in the matrix products and polynomial steps (``mulAdd(_:_:_:)-(KernelLanes,_,_)``,
/// ``horner(_:_:_:)``). One rounding instead of two per term, so its results differ from the default build's by float
/// rounding (a test ROC-AUC of 0.7947 against 0.7949 after a whole GRU trial, see docs/models.md); within a build, every
/// kernel equals its scalar loop bit for bit (the scalar loops use the same ``mulAdd(_:_:_:)-(Float,_,_)``), and
/// `scripts/test-avx512` runs the Learning tests, reference fixtures included, in the fast build.
///
/// The kernels are written against the concrete ``KernelLanes`` and use only vector-vector operators: the generic
/// SIMD operations and the mixed scalar-vector ones are lane loops that the optimiser may split into 4-lane pieces or
/// leave scalar; and the vector code lives in functions that no vector enters or leaves by a call (the calling
/// convention splits wide vectors into 4-lane pieces), with `@inline(always)` helpers.
#if ALMANAC_AVX512
  /// Sixteen lanes: one AVX-512 register.
  typealias KernelLanes = SIMD16<Float>
  /// The same lanes as 32-bit integers.
  typealias KernelBits = SIMD16<Int32>
  /// Whether the kernels are compiled for AVX-512 (thirty-two vector registers: four-row blocks).
  let kernelsWide = true
  /// Whether the matrix products fuse multiply and add (``mulAdd(_:_:_:)``).
  let kernelsFused = true
#else
  /// Eight lanes: two SSE2 registers in the default build, one with AVX2.
  typealias KernelLanes = SIMD8<Float>
  /// The same lanes as 32-bit integers.
  typealias KernelBits = SIMD8<Int32>
  /// Whether the kernels are compiled for AVX-512 (thirty-two vector registers: four-row blocks).
  let kernelsWide = false
  /// Whether the matrix products fuse multiply and add (``mulAdd(_:_:_:)``).
  let kernelsFused = false
#endif

/// `acc += a * b` in the matrix products: one multiply and one add by default, a fused multiply-add (one rounding)
/// in the AVX-512 build.
@inline(always) func mulAdd(_ acc: inout KernelLanes, _ a: KernelLanes, _ b: KernelLanes) {
  if kernelsFused { acc = acc.addingProduct(a, b) } else { acc += a * b }
}

/// ``mulAdd(_:_:_:)-(KernelLanes,_,_)`` on one value, for the columns left over by the vectors.
@inline(always) func mulAdd(_ acc: inout Float, _ a: Float, _ b: Float) {
  if kernelsFused { acc = acc.addingProduct(a, b) } else { acc += a * b }
}

/// A vector from `p` (unaligned).
@inline(always) func loadLanes(_ p: UnsafePointer<Float>) -> KernelLanes {
  UnsafeRawPointer(p).loadUnaligned(as: KernelLanes.self)
}

/// `v` into `p` (unaligned).
@inline(always) func storeLanes(_ v: KernelLanes, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: KernelLanes.self)
}

/// Up to `KernelLanes.scalarCount` values from `p` (the other lanes zero).
@inline(always) func loadLanes(_ p: UnsafePointer<Float>, count: Int) -> KernelLanes {
  if count == KernelLanes.scalarCount { return loadLanes(p) }
  var v = KernelLanes()
  for i in 0..<count { v[i] = p[i] }
  return v
}

/// The first `count` lanes of `v` into `p`.
@inline(always) func storeLanes(_ v: KernelLanes, _ p: UnsafeMutablePointer<Float>, count: Int) {
  if count == KernelLanes.scalarCount {
    storeLanes(v, p)
    return
  }
  for i in 0..<count { p[i] = v[i] }
}

/// The kernels this binary was compiled with, as benchmarks print it next to their figures.
public enum KernelBuild {
  public static let description =
    kernelsWide
    ? "AVX-512 fast path (ALMANAC_AVX512=1): 16-lane vectors, fused multiply-add in the products"
    : "default build (baseline x86-64): 8-lane vectors, separate multiply and add"
}
