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
  mutating func step(parameters p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, count: Int) {
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
        let vectorise = kernelsVectorised
        let w1v = SIMD8<Float>(repeating: w1), b2v = SIMD8<Float>(repeating: b2), w2v = SIMD8<Float>(repeating: w2)
        let bcv = SIMD8<Float>(repeating: invBc2Sqrt), epsv = SIMD8<Float>(repeating: eps)
        let stepv = SIMD8<Float>(repeating: stepSize), wdv = SIMD8<Float>(repeating: wd)
        while vectorise && k &+ 8 <= count {
          let pk = UnsafeMutableRawPointer(p + k)
          let mk = UnsafeMutableRawPointer(m + k)
          let vk = UnsafeMutableRawPointer(v + k)
          let pv = pk.loadUnaligned(as: SIMD8<Float>.self)
          var grad = UnsafeRawPointer(g + k).loadUnaligned(as: SIMD8<Float>.self)
          if useDecay { grad += wdv * pv }
          var mv = mk.loadUnaligned(as: SIMD8<Float>.self)
          var vv = vk.loadUnaligned(as: SIMD8<Float>.self)
          mv = mv + w1v * (grad - mv)
          vv = vv * b2v + w2v * grad * grad
          let denom = vv.squareRoot() / bcv + epsv
          mk.storeBytes(of: mv, as: SIMD8<Float>.self)
          vk.storeBytes(of: vv, as: SIMD8<Float>.self)
          pk.storeBytes(of: pv - stepv * (mv / denom), as: SIMD8<Float>.self)
          k &+= 8
        }
        while k < count {
          let grad = useDecay ? g[k] + wd * p[k] : g[k]
          m[k] = m[k] + w1 * (grad - m[k])
          v[k] = v[k] * b2 + w2 * grad * grad
          let denom = v[k].squareRoot() / invBc2Sqrt + eps
          p[k] = p[k] - stepSize * (m[k] / denom)
          k &+= 1
        }
      }
    }
  }
}
