import AlmanacCore

/// Adam with PyTorch's `torch.optim.Adam` semantics (single-tensor path, `amsgrad=False`, `maximize=False`).
///
/// For step `t = 1, 2, ...` and each parameter `θ` with gradient `g`:
/// ```
/// g  = g + weight_decay * θ                  (L2 added to the gradient, only when weight_decay != 0)
/// m  = m + (1 - β1) (g - m)                  (exp_avg.lerp_(grad, 1 - β1))
/// v  = β2 v + (1 - β2) g²
/// θ  = θ - lr / (1 - β1^t) * m / (sqrt(v) / sqrt(1 - β2^t) + eps)
/// ```
/// Bias corrections and the step size are computed in Double and applied in Float, as PyTorch does with Python floats.
/// Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0 (the tutorial uses lr 1e-4).
public struct Adam: Sendable {
  public var learningRate: Double
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  /// Steps taken so far (PyTorch's `state['step']`).
  public private(set) var step: Int = 0
  /// First and second moment estimates (zero until the first step), in the parameters' layout.
  public private(set) var firstMoment: [Float]
  public private(set) var secondMoment: [Float]

  public init(
    parameterCount: Int, learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
    epsilon: Double = 1e-8, weightDecay: Double = 0
  ) {
    self.learningRate = learningRate
    beta1 = betas.0
    beta2 = betas.1
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    firstMoment = [Float](repeating: 0, count: parameterCount)
    secondMoment = [Float](repeating: 0, count: parameterCount)
  }

  /// One update of `parameters` (in place) from `gradient` (not modified).
  public mutating func step(parameters: inout [Float], gradient: [Float]) {
    precondition(
      parameters.count == firstMoment.count && gradient.count == firstMoment.count,
      "Adam: parameter count mismatch")
    parameters.withUnsafeMutableBufferPointer { p in
      gradient.withUnsafeBufferPointer { g in
        guard let pp = p.baseAddress, let gp = g.baseAddress else { return }
        step(parameters: pp, gradient: gp, count: p.count)
      }
    }
  }

  /// One update over raw buffers of `count` values (the training loop's allocation-free path).
  /// `vectorised` picks the SIMD loop (default: in optimised builds); both give the same bits.
  mutating func step(
    parameters p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, count: Int,
    vectorised: Bool = kernelsVectorised
  ) {
    step += 1
    let t = Double(step)
    let bc1 = 1 - Math.pow(beta1, t)
    let bc2Sqrt = (1 - Math.pow(beta2, t)).squareRoot()
    let stepSize = Float(learningRate / bc1)
    let invBc2Sqrt = Float(bc2Sqrt)
    let eps = Float(epsilon)
    let w1 = Float(1 - beta1)
    let b2 = Float(beta2)
    let w2 = Float(1 - beta2)
    let wd = Float(weightDecay)
    let useDecay = weightDecay != 0
    firstMoment.withUnsafeMutableBufferPointer { mb in
      secondMoment.withUnsafeMutableBufferPointer { vb in
        guard let m = mb.baseAddress, let v = vb.baseAddress else { return }
        // Optimised builds: eight lanes at a time (the same element-wise formula), then the tail. Unoptimised builds:
        // the scalar loop only (generic SIMD is slow without optimisation). Results are identical.
        var k = 0
        let vectorise = vectorised
        let w1v = SIMD8<Float>(repeating: w1), b2v = SIMD8<Float>(repeating: b2), w2v = SIMD8<Float>(repeating: w2)
        let bcv = SIMD8<Float>(repeating: invBc2Sqrt), epsv = SIMD8<Float>(repeating: eps)
        let stepv = SIMD8<Float>(repeating: stepSize), wdv = SIMD8<Float>(repeating: wd)
        // Subnormal first moments make SSE/AVX operations on them take a microcode assist, some 100 times slower.
        // They are common: a parameter whose gradient stays exactly 0 (a dead ReLU unit's) has its first moment
        // decay by 0.9 per step into the subnormals, where it sticks at k x 2^-149 once w1 * k < 1/2 (k <= 4 for
        // beta1 = 0.9: w1 * m then rounds to 0, so m + w1 (0 - m) = m). Such a "stuck" lane's update is known
        // without arithmetic on m: m stays, and the parameter stays too when it is large enough that
        // stepSize * m / denom is below half its unit in the last place (bounded below with denom >= 2^-50, from
        // the new v >= 2^-100); v is computed as usual (it does not depend on m). The SIMD loop runs those lanes with m replaced by 0 (giving the
        // same parameter and v) and puts m back. A block with any other subnormal first moment (one still
        // decaying) is computed lane by lane in Double with each operation rounded to Float (``adamLaneWide``,
        // the same bits without subnormal arithmetic). Tests check both against the Float formula bit for bit.
        // (The bound on denom needs eps >= 0 and a bias correction <= 1; other settings take the Double lanes.)
        let boundHolds = epsilon >= 0 && invBc2Sqrt <= 1 && invBc2Sqrt > 0
        let stuckUnits = useDecay || !boundHolds ? 0 : Self.stuckUnits(w1: w1)
        let stuckLimit = SIMD8<Float>(repeating: Float(bitPattern: UInt32(stuckUnits)))
        let maxStep = 2 * Double(stepSize) * Double(stuckUnits) * 0x1p-149 / 0x1p-50
        let parameterLimit = SIMD8<Float>(repeating: Float(max(maxStep * 0x1p27, 0x1p-60)))
        let normalLimit = SIMD8<Float>(repeating: Float.leastNormalMagnitude)
        let vLimit = SIMD8<Float>(repeating: 0x1p-100)
        let zero = SIMD8<Float>()
        while vectorise && k &+ 8 <= count {
          let pk = UnsafeMutableRawPointer(p + k)
          let mk = UnsafeMutableRawPointer(m + k)
          let vk = UnsafeMutableRawPointer(v + k)
          let m0 = mk.loadUnaligned(as: SIMD8<Float>.self)
          var mv = m0
          let pv = pk.loadUnaligned(as: SIMD8<Float>.self)
          var grad = UnsafeRawPointer(g + k).loadUnaligned(as: SIMD8<Float>.self)
          var vv = vk.loadUnaligned(as: SIMD8<Float>.self)
          if useDecay { grad += wdv * pv }
          vv = vv * b2v + w2v * grad * grad
          let subnormal = (m0 .!= zero) .& (m0 .< normalLimit) .& (m0 .> -normalLimit)
          var stuck = SIMDMask<SIMD8<Int32>>()
          if any(subnormal) {
            stuck =
              subnormal .& (m0 .<= stuckLimit) .& (m0 .>= -stuckLimit) .& (grad .== zero)
              .& ((pv .>= parameterLimit) .| (pv .<= -parameterLimit)) .& (vv .>= vLimit)
            if any(subnormal .& .!stuck) {
              for i in k..<(k &+ 8) {
                (p[i], m[i], v[i]) = adamLaneWide(
                  parameter: p[i], gradient: g[i], m: m[i], v: v[i], w1: w1, b2: b2, w2: w2,
                  bc2Sqrt: invBc2Sqrt, eps: eps, stepSize: stepSize, weightDecay: useDecay ? wd : nil)
              }
              k &+= 8
              continue
            }
            mv.replace(with: 0, where: stuck)
          }
          mv = mv + w1v * (grad - mv)
          // sqrt(|v|) = sqrt(v) as v >= +0 (v is NaN only after NaN gradients): the magnitude lets the compiler use
          // one vector square root (sqrtps) instead of a scalar call per lane (no errno path for a negative input).
          var root = SIMD8<Float>()
          for i in 0..<8 { root[i] = vv[i].magnitude.squareRoot() }
          let denom = root / bcv + epsv
          let updated = pv - stepv * (mv / denom)
          mv.replace(with: m0, where: stuck)
          mk.storeBytes(of: mv, as: SIMD8<Float>.self)
          vk.storeBytes(of: vv, as: SIMD8<Float>.self)
          pk.storeBytes(of: updated, as: SIMD8<Float>.self)
          k &+= 8
        }
        while k < count {
          (p[k], m[k], v[k]) = adamLane(
            parameter: p[k], gradient: g[k], m: m[k], v: v[k], w1: w1, b2: b2, w2: w2, bc2Sqrt: invBc2Sqrt,
            eps: eps, stepSize: stepSize, weightDecay: useDecay ? wd : nil)
          k &+= 1
        }
      }
    }
  }

  /// The largest k with `w1 * k < 1/2`: a first moment of k x 2^-149 (k <= this) times w1 rounds to 0 (0 when
  /// w1 >= 1/2, at most 2^23 - 1).
  static func stuckUnits(w1: Float) -> Int {
    guard w1 > 0, w1 < 0.5 else { return 0 }
    var k = min(Int(0.5 / Double(w1)), 0x7f_ffff)
    while k > 0 && Double(k) * Double(w1) >= 0.5 { k -= 1 }
    return k
  }
}

/// One parameter's Adam update in Float (the scalar loop; the SIMD loop computes the same operations lane-wise):
/// returns the new parameter, first and second moments.
@inline(__always)
func adamLane(
  parameter p: Float, gradient g: Float, m: Float, v: Float, w1: Float, b2: Float, w2: Float, bc2Sqrt: Float,
  eps: Float, stepSize: Float, weightDecay: Float?
) -> (Float, Float, Float) {
  let grad = weightDecay.map { g + $0 * p } ?? g
  let m1 = m + w1 * (grad - m)
  let v1 = v * b2 + w2 * grad * grad
  let denom = v1.magnitude.squareRoot() / bc2Sqrt + eps
  return (p - stepSize * (m1 / denom), m1, v1)
}

/// ``adamLane`` computed in Double, each operation's result rounded to Float before the next: bit-identical to the
/// Float operations (rounding the exact result to Double and then to Float is the same as rounding it to Float once
/// for +, -, x, / and square root: Double has more than 2 x 24 + 2 significant bits, and Float subnormals are
/// multiples of 2^-149). No operation touches a Float subnormal, so none takes a slow assist: subnormal Floats are
/// read and written through their bits, and results in the subnormal range are rounded to multiples of 2^-149 in
/// Double arithmetic (``roundedToFloat(_:)``). A test checks the lanes against ``adamLane`` bit for bit.
@inline(never)
func adamLaneWide(
  parameter p: Float, gradient g: Float, m: Float, v: Float, w1: Float, b2: Float, w2: Float, bc2Sqrt: Float,
  eps: Float, stepSize: Float, weightDecay: Float?
) -> (Float, Float, Float) {
  let r = roundedToFloat
  let pd = widened(p)
  let gd = widened(g)
  let grad = weightDecay.map { r(gd + r(widened($0) * pd)) } ?? gd
  let md = widened(m)
  let m1 = r(md + r(widened(w1) * r(grad - md)))
  let v1 = r(r(widened(v) * widened(b2)) + r(r(widened(w2) * grad) * grad))
  let denom = r(r(r(v1.magnitude.squareRoot()) / widened(bc2Sqrt)) + widened(eps))
  let p1 = r(pd - r(widened(stepSize) * r(m1 / denom)))
  return (narrowed(p1), narrowed(m1), narrowed(v1))
}

/// `Double(x)`, built from the bits when `x` is subnormal (so no conversion instruction sees a subnormal).
@inline(__always)
func widened(_ x: Float) -> Double {
  guard x.isSubnormal else { return Double(x) }
  let magnitude = Double(x.bitPattern & 0x7f_ffff) * 0x1p-149
  return x.sign == .minus ? -magnitude : magnitude
}

/// `Float(x)` for a Double that is exactly a Float (as ``roundedToFloat(_:)`` returns), built from the bits in the
/// subnormal range.
@inline(__always)
func narrowed(_ x: Double) -> Float {
  guard x.magnitude < 0x1p-126 else { return Float(x) }
  let bits = UInt32(x.magnitude * 0x1p149) | (x.sign == .minus ? 0x8000_0000 : 0)
  return Float(bitPattern: bits)
}

/// `Double(Float(x))`: x rounded to the nearest Float (ties to even). In the subnormal range (below 2^-126) the
/// rounding to a multiple of 2^-149 is done in Double (adding and subtracting 1.5 x 2^52 rounds a value below 2^51
/// to an integer, ties to even), keeping the sign of a zero result.
@inline(__always)
func roundedToFloat(_ x: Double) -> Double {
  guard x.magnitude < 0x1p-126 else { return Double(Float(x)) }
  let units = (x.magnitude * 0x1p149 + 0x1.8p52) - 0x1.8p52
  let magnitude = units * 0x1p-149
  return x.sign == .minus ? -magnitude : magnitude
}
