import AlmanacCore
import Testing

@testable import Learning

/// A Float drawn to cover every regime of the Adam update: zeros of both signs, subnormals (the stuck first moments
/// of dead units), tiny and ordinary normals, and large values.
private func draw(_ g: inout SplitMix64) -> Float {
  let sign: Float = g.nextUnit() < 0.5 ? -1 : 1
  switch g.nextIndex(below: 6) {
  case 0: return sign * 0
  case 1: return sign * Float(bitPattern: UInt32(1 + g.nextIndex(below: 16)))  // a few smallest subnormals
  case 2: return sign * Float(bitPattern: UInt32(1 + g.nextIndex(below: 0x7f_ffff)))  // any subnormal
  case 3: return sign * Float(Math.exp(-Double(g.nextIndex(below: 87)) - g.nextUnit()))  // 1e-38 ... 1
  case 4: return sign * Float(g.nextUnit() * 1e-3)
  default: return sign * Float(g.nextGaussian() * 10)
  }
}

@Suite("Adam: the Double lane for subnormal blocks equals the Float lane bit for bit")
struct AdamLaneTests {
  @Test("adamLaneWide == adamLane on 200,000 random lanes (subnormal, zero, tiny and large values; with and without weight decay)")
  func wideEqualsFloat() {
    var g = SplitMix64(seed: 15)
    var mismatches = 0
    var subnormalResults = 0
    for i in 0..<200_000 {
      let p = draw(&g)
      let grad = draw(&g)
      let m = draw(&g)
      let v = abs(draw(&g))
      let step = 1 + g.nextIndex(below: 20_000)
      let lr = [1e-4, 1e-3, 1e-8][i % 3]
      let bc1 = 1 - Math.pow(0.9, Double(step))
      let bc2 = (1 - Math.pow(0.999, Double(step))).squareRoot()
      let decay: Float? = i % 4 == 0 ? 0.01 : nil
      let a = adamLane(
        parameter: p, gradient: grad, m: m, v: v, w1: Float(1 - 0.9), b2: Float(0.999), w2: Float(1 - 0.999),
        bc2Sqrt: Float(bc2), eps: Float(1e-8), stepSize: Float(lr / bc1), weightDecay: decay)
      let b = adamLaneWide(
        parameter: p, gradient: grad, m: m, v: v, w1: Float(1 - 0.9), b2: Float(0.999), w2: Float(1 - 0.999),
        bc2Sqrt: Float(bc2), eps: Float(1e-8), stepSize: Float(lr / bc1), weightDecay: decay)
      if a.0.bitPattern != b.0.bitPattern || a.1.bitPattern != b.1.bitPattern || a.2.bitPattern != b.2.bitPattern {
        mismatches += 1
      }
      if a.1.isSubnormal || a.2.isSubnormal { subnormalResults += 1 }
    }
    #expect(mismatches == 0)
    #expect(subnormalResults > 1000, "the draw reaches subnormal moments")
  }

  @Test("A dead unit's first moment sticks at a subnormal: steps with subnormal moments equal the Float formula")
  func stuckMoments() {
    // 25 parameters (three SIMD blocks and a tail): the second block with exactly zero gradients after the first
    // step, so that its first moments decay into subnormals and stick there (the stuck-lane path); the third block
    // likewise but with one parameter exactly 0, which is never a stuck lane (the Double-lane path). Compared with
    // the per-lane Float formula.
    let count = 25
    var adam = Adam(parameterCount: count, learningRate: 1e-4)
    var scalarAdam = adam
    var parameters = (0..<count).map { Float($0) * 0.01 + 0.005 }
    parameters[20] = 0
    var scalarParameters = parameters
    var p = parameters
    var m = [Float](repeating: 0, count: count)
    var v = [Float](repeating: 0, count: count)
    var sawSubnormal = false
    var stuck = 0
    for step in 1...1500 {
      let gradient = (0..<count).map { i -> Float in
        (8..<24).contains(i) && step > 1 ? 0 : Float(i + 1) * 1e-3 * (step % 2 == 0 ? 1 : -1)
      }
      // The SIMD loop (with its Double lanes for subnormal blocks) and the scalar loop, whatever the build.
      parameters.withUnsafeMutableBufferPointer { pb in
        gradient.withUnsafeBufferPointer { gb in
          guard let pp = pb.baseAddress, let gp = gb.baseAddress else { return }
          adam.step(parameters: pp, gradient: gp, count: count, vectorised: true)
        }
      }
      scalarParameters.withUnsafeMutableBufferPointer { pb in
        gradient.withUnsafeBufferPointer { gb in
          guard let pp = pb.baseAddress, let gp = gb.baseAddress else { return }
          scalarAdam.step(parameters: pp, gradient: gp, count: count, vectorised: false)
        }
      }
      let bc1 = 1 - Math.pow(0.9, Double(step))
      let bc2 = (1 - Math.pow(0.999, Double(step))).squareRoot()
      for i in 0..<count {
        (p[i], m[i], v[i]) = adamLane(
          parameter: p[i], gradient: gradient[i], m: m[i], v: v[i], w1: Float(1 - 0.9), b2: Float(0.999),
          w2: Float(1 - 0.999), bc2Sqrt: Float(bc2), eps: Float(1e-8), stepSize: Float(1e-4 / bc1),
          weightDecay: nil)
      }
      sawSubnormal = sawSubnormal || adam.firstMoment.contains { $0.isSubnormal }
      if step > 1 && adam.firstMoment[8..<16].allSatisfy({ $0.isSubnormal && $0.bitPattern & 0x7fff_ffff <= 4 }) {
        stuck += 1
      }
    }
    #expect(sawSubnormal)
    #expect(stuck > 100, "the second block's first moments stick at a few subnormal units")
    #expect(parameters.map(\.bitPattern) == p.map(\.bitPattern))
    #expect(scalarParameters.map(\.bitPattern) == p.map(\.bitPattern))
    #expect(adam.firstMoment.map(\.bitPattern) == m.map(\.bitPattern))
    #expect(adam.secondMoment.map(\.bitPattern) == v.map(\.bitPattern))
  }
}

@Suite("Kernels: ReLU mask")
struct ReluMaskTests {
  @Test("The SIMD ReLU mask equals the scalar one bit for bit (NaN, -0, negatives, subnormals; in place and apart)",
        arguments: [0, 1, 7, 8, 9, 32, 37])
  func simdEqualsScalar(count: Int) {
    var g = SplitMix64(seed: UInt64(count))
    let special: [Float] = [.nan, -0.0, 0, -1, 1, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .infinity]
    let a = (0..<count).map { _ in g.nextUnit() < 0.4 ? special[g.nextIndex(below: special.count)] : Float(g.nextGaussian()) }
    let x = (0..<count).map { _ in Float(g.nextGaussian()) }
    for inPlace in [false, true] {
      var scalar = inPlace ? a : x
      var simd = scalar
      a.withUnsafeBufferPointer { ab in
        scalar.withUnsafeMutableBufferPointer { sb in
          guard let s = sb.baseAddress else { return }
          reluMask(s, by: inPlace ? UnsafePointer(s) : ab.baseAddress ?? UnsafePointer(s), count: count, vectorised: false)
        }
        simd.withUnsafeMutableBufferPointer { sb in
          guard let s = sb.baseAddress else { return }
          reluMask(s, by: inPlace ? UnsafePointer(s) : ab.baseAddress ?? UnsafePointer(s), count: count, vectorised: true)
        }
      }
      #expect(simd.map(\.bitPattern) == scalar.map(\.bitPattern))
      for k in 0..<count {
        let want: Float = a[k] > 0 ? (inPlace ? a[k] : x[k]) : 0
        #expect(scalar[k].bitPattern == want.bitPattern)
      }
    }
  }
}
