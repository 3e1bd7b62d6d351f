import AlmanacCore
import Testing

@testable import Learning

@Suite("Kernels: blocked rows")
struct KernelBlockTests {
  @Test("Four-row blocks are bit-identical to the scalar row loop",
        arguments: [(1, 10), (4, 32), (5, 16), (7, 10), (8, 1), (32, 32), (33, 23)])
  func blocksMatchScalar(rows: Int, width: Int) {
    var g = SplitMix64(seed: UInt64(rows * 100 + width))
    let count = 11
    let sRowStride = 3
    let sStride = 37
    let mStride = width + 2
    let m = (0..<(count * mStride)).map { _ in Float(g.nextGaussian()) }
    let s = (0..<(rows * sRowStride + count * sStride)).map { _ in Float(g.nextGaussian()) }
    let initial = (0..<width).map { _ in Float(g.nextGaussian()) }
    for useInitial in [false, true] {
      var blocked = [Float](repeating: .nan, count: rows * width)
      var scalar = [Float](repeating: .nan, count: rows * width)
      m.withUnsafeBufferPointer { mp in
        s.withUnsafeBufferPointer { sp in
          initial.withUnsafeBufferPointer { ip in
            blocked.withUnsafeMutableBufferPointer { bp in
              accumulateRowBlocks(bp.baseAddress!, outStride: width, rows: rows, width: width,
                                  start: useInitial ? .row(ip.baseAddress!) : .zero, scalars: sp.baseAddress!,
                                  rowStride: sRowStride, stride: sStride, count: count, matrix: mp.baseAddress!,
                                  rowStride: mStride, vectorised: true)
            }
            scalar.withUnsafeMutableBufferPointer { op in
              for q in 0..<rows {
                accumulateRowsScalar(op.baseAddress! + q * width, width: width,
                                     start: useInitial ? .row(ip.baseAddress!) : .zero,
                                     scalars: sp.baseAddress! + q * sRowStride, stride: sStride, count: count,
                                     matrix: mp.baseAddress!, rowStride: mStride)
              }
            }
          }
        }
      }
      #expect(blocked.map(\.bitPattern) == scalar.map(\.bitPattern))
    }
  }
}
