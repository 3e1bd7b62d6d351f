import AlmanacCore
import Foundation
import Testing

@testable import Learning

/// The GRU's kernels in the build's width (eight lanes by default, sixteen and fused multiply-add with
/// `ALMANAC_AVX512=1`): the test command runs the Learning tests in both builds (`scripts/test-avx512`), so each
/// build's kernels are checked against the scalar loops of the same build, and each build's training bits are pinned.
@Suite("GRU kernels: every width and block shape gives the scalar loop's bits")
struct GRUKernelTests {
  /// `C += A B` with the plain loop the kernels must reproduce: every output summed over `p` in order, each term
  /// through `mulAdd` (a multiply and an add by default, fused in the AVX-512 build).
  func scalarProduct(
    _ c: inout [Float], ldc: Int, _ a: [Float], rowStride: Int, columnStride: Int, _ b: [Float], ldb: Int, m: Int,
    k: Int, n: Int
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var s = c[i * ldc + j]
        for p in 0..<k { mulAdd(&s, a[i * rowStride + p * columnStride], b[p * ldb + j]) }
        c[i * ldc + j] = s
      }
    }
  }

  @Test(
    "The products (blocks of four rows, then single rows; every start) equal the scalar loop bit for bit",
    arguments: [
      (32, 32, 96), (32, 10, 96), (10, 32, 96), (32, 96, 32), (7, 5, 3), (1, 1, 1), (5, 13, 47), (9, 17, 33),
      (6, 3, 16), (3, 40, 8), (0, 4, 8), (4, 0, 8),
    ])
  func products(m: Int, k: Int, n: Int) {
    var g = SplitMix64(seed: UInt64(m * 10_000 + k * 100 + n))
    for transposed in [false, true] {
      // A is m x k, stored either row-major (rowStride k + 1, padded) or as the transpose (columnStride m + 2).
      let rowStride = transposed ? 1 : k + 1
      let columnStride = transposed ? m + 2 : 1
      let a = (0..<max(1, m * rowStride + k * columnStride)).map { _ in Float(g.nextGaussian()) }
      let ldb = n + 3
      let b = (0..<max(1, k * ldb)).map { _ in Float(g.nextGaussian()) }
      let ldc = n + 1
      let c0 = (0..<max(1, m * ldc)).map { _ in Float(g.nextGaussian()) }
      let bias = (0..<max(1, n)).map { _ in Float(g.nextGaussian()) }
      // Each start: onto C (the gradients), from a bias row (the gates), from zero (the network's gradients).
      for start in ["output", "row", "zero"] {
        var expected = c0
        for i in 0..<m {
          for j in 0..<n { expected[i * ldc + j] = start == "row" ? bias[j] : start == "zero" ? 0 : c0[i * ldc + j] }
        }
        scalarProduct(
          &expected, ldc: ldc, a, rowStride: rowStride, columnStride: columnStride, b, ldb: ldb, m: m, k: k, n: n)
        // The blocked kernel and the row-by-row scalar one (unoptimised builds' path).
        for vectorised in [true, false] {
          var c = c0
          c.withUnsafeMutableBufferPointer { cp in
            a.withUnsafeBufferPointer { ap in
              b.withUnsafeBufferPointer { bp in
                bias.withUnsafeBufferPointer { rp in
                  let mode: ProductStart = start == "row" ? .row(rp.baseAddress!) : start == "zero" ? .zero : .output
                  accumulateRowBlocks(
                    cp.baseAddress!, outStride: ldc, rows: m, width: n, start: mode, scalars: ap.baseAddress!,
                    rowStride: rowStride, stride: columnStride, count: k, matrix: bp.baseAddress!, rowStride: ldb,
                    vectorised: vectorised)
                }
              }
            }
          }
          #expect(
            c.map(\.bitPattern) == expected.map(\.bitPattern),
            "m \(m) k \(k) n \(n) transposed \(transposed) start \(start) vectorised \(vectorised)")
        }
      }
    }
  }

  @Test("Vector sigmoid and tanh: every lane computed alone, within 3 ulp of Double, NaN kept")
  func elementwise() {
    let w = KernelLanes.scalarCount
    var values: [Float] = [0, -0.0, 1e-30, -1e-30, 0.624, 0.625, -0.625, 0.626, 1, -1, 5, -5, 9.5, -9.5, 20, -20]
    values += [87, -87, 88.5, -88.5, 100, -100, .infinity, -.infinity, .greatestFiniteMagnitude]
    var g = SplitMix64(seed: 5)
    for _ in 0..<2_000 { values.append(Float(g.nextGaussian() * 4)) }
    while values.count % w != 0 { values.append(0.5) }
    for start in stride(from: 0, to: values.count, by: w) {
      let v = values.withUnsafeBufferPointer { loadLanes($0.baseAddress! + start) }
      let s = gruSigmoid(v)
      let t = gruTanh(v)
      for lane in 0..<w {
        let x = values[start + lane]
        // Lane independence: the same value alone in a vector (other lanes zero) gives the same bits.
        let alone = [x].withUnsafeBufferPointer { loadLanes($0.baseAddress!, count: 1) }
        #expect(gruSigmoid(alone)[0].bitPattern == s[lane].bitPattern, "sigmoid(\(x))")
        #expect(gruTanh(alone)[0].bitPattern == t[lane].bitPattern, "tanh(\(x))")
        let sigmoid = 1 / (1 + Foundation.exp(-Double(x)))
        let tanh = Foundation.tanh(Double(x))
        let ulp = Double(Float(1).ulp)
        #expect(abs(Double(s[lane]) - sigmoid) <= 3 * ulp * max(abs(sigmoid), 1e-30) + 1e-38, "sigmoid(\(x))")
        #expect(abs(Double(t[lane]) - tanh) <= 3 * ulp * abs(tanh) + 1e-38, "tanh(\(x))")
      }
    }
    let nan = KernelLanes(repeating: .nan)
    #expect(gruSigmoid(nan)[0].isNaN && gruTanh(nan)[0].isNaN)
  }

  /// FNV-1a over the bit patterns of `values`.
  func digest(_ values: [Float]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for v in values {
      var bits = v.bitPattern
      for _ in 0..<4 {
        h = (h ^ UInt64(bits & 0xff)) &* 0x100_0000_01b3
        bits >>= 8
      }
    }
    return h
  }

  @Test("Three epochs of GRU training give the pinned bits in every build (default and AVX-512)")
  func pinnedTraining() {
    var g = SplitMix64(seed: 2026)
    let rows = 200
    let T = 6
    let F = 3
    var values = [Float](repeating: 0, count: rows * T * F)
    var lengths: [Int] = []
    var y: [Float] = []
    for r in 0..<rows {
      let len = 1 + g.nextIndex(below: T)
      lengths.append(len)
      for t in (T - len)..<T {
        for f in 0..<F { values[(r * T + t) * F + f] = Float(g.nextGaussian()) }
      }
      y.append(g.nextUnit() < 0.3 ? 1 : 0)
    }
    let x = SequenceMatrix(rows: rows, window: T, features: F, values: values, lengths: lengths)
    // Hidden 20: a full sixteen-lane block plus a tail in the AVX-512 build, two and a half eight-lane ones by default.
    var seed = SplitMix64(seed: 9)
    var net = GRUNetwork(inputSize: F, hidden: 20, layers: 2, generator: &seed)
    var adam = Adam(parameterCount: net.parameters.count, learningRate: 1e-2)
    let trainer = GRUTrainer(network: net, window: T, options: TrainingOptions(epochs: 3, batchSize: 32))
    var order = SplitMix64(seed: 3)
    let losses = trainer.train(network: &net, optimizer: &adam, x: x, y: y, generator: &order)
    let p = net.predict(x)
    #expect(losses.allSatisfy { $0.isFinite })
    let d = digest(net.parameters + p + losses.map(Float.init))
    // One digest per build: the AVX-512 build fuses the products' multiply-adds (Lanes.swift).
    let expected: UInt64 = kernelsFused ? 0x8b93_bb6a_b7c5_36d7 : 0x80a3_63c4_b5c8_72aa
    #expect(d == expected, "digest \(String(d, radix: 16)) (fused: \(kernelsFused))")
  }
}
