import AlmanacCore
import Testing

@testable import Learning

/// Every field of every node, the training losses and scores, as bit patterns (so that -0 and +0 differ).
private func bits(_ m: GradientBoostedTrees) -> [UInt64] {
  var out: [UInt64] = [m.baseline.bitPattern]
  for tree in m.trees {
    for n in tree.nodes {
      out += [
        n.value.bitPattern, n.threshold.bitPattern, n.gain.bitPattern, UInt64(n.count), UInt64(n.feature),
        UInt64(n.binThreshold), n.missingGoesLeft ? 1 : 0, UInt64(n.left), UInt64(n.right), n.isLeaf ? 1 : 0,
        UInt64(n.depth),
      ]
    }
  }
  out += m.trainLoss.map(\.bitPattern) + m.trainScore.map(\.bitPattern) + m.validationScore.map(\.bitPattern)
  return out
}

/// Rows with a mix of features: continuous (all 255 bins used), coarse (many empty bins in small nodes), with NaN
/// (both scan directions), constant, and one that is mostly missing; labels from a noisy rule.
private func data(rows n: Int, seed: UInt64) -> (Matrix, [Float], [Float]) {
  var g = SplitMix64(seed: seed)
  let p = 7
  var values = [Float](repeating: 0, count: n * p)
  var y = [Float](repeating: 0, count: n)
  var w = [Float](repeating: 1, count: n)
  for r in 0..<n {
    let a = g.nextGaussian()
    let b = (g.nextGaussian() * 3).rounded()
    let c = g.nextUnit() < 0.1 ? Double.nan : g.nextGaussian()
    let d = g.nextUnit() < 0.8 ? Double.nan : g.nextUnit()
    values[r * p + 0] = Float(a)
    values[r * p + 1] = Float(b)
    values[r * p + 2] = Float(c)
    values[r * p + 3] = 1
    values[r * p + 4] = Float(d)
    values[r * p + 5] = Float((a * 10).rounded() / 10)
    values[r * p + 6] = Float(g.nextUnit())
    let score = a + 0.3 * b + (c.isNaN ? 0.5 : c) + (d.isNaN ? 0 : 2 * d) + 0.8 * g.nextGaussian()
    y[r] = score > 0.7 ? 1 : 0
    w[r] = g.nextUnit() < 0.05 ? 0 : Float(0.5 + g.nextUnit())
  }
  return (Matrix(rows: n, columns: p, values: values), y, w)
}

@Suite("Tree grower: the fast paths give the plain loops' models bit for bit")
struct TreeGrowerFastPathTests {
  @Test(
    "Histograms four features at a time and the bitmap split scan equal the plain loops",
    arguments: [
      (rows: 900, minSamplesLeaf: 20, maxDepth: Int?.none, l2: 0.0, weighted: false, early: false),
      // Dense histograms deep into the tree: most of the scan goes by blocks of bins.
      (rows: 5000, minSamplesLeaf: 10, maxDepth: Int?.none, l2: 0.0, weighted: false, early: false),
      (rows: 900, minSamplesLeaf: 1, maxDepth: Int?.none, l2: 0.5, weighted: true, early: false),
      (rows: 700, minSamplesLeaf: 5, maxDepth: Int?.some(3), l2: 0.0, weighted: true, early: true),
      (rows: 40, minSamplesLeaf: 20, maxDepth: Int?.none, l2: 0.0, weighted: false, early: false),
      (rows: 1, minSamplesLeaf: 1, maxDepth: Int?.none, l2: 0.0, weighted: false, early: false),
    ])
  func fastEqualsPlain(
    c: (rows: Int, minSamplesLeaf: Int, maxDepth: Int?, l2: Double, weighted: Bool, early: Bool)
  ) throws {
    let (x, y, w) = data(rows: c.rows, seed: UInt64(c.rows + c.minSamplesLeaf))
    var config = GradientBoostingConfig()
    config.maxIter = 15
    config.minSamplesLeaf = c.minSamplesLeaf
    config.maxDepth = c.maxDepth
    config.l2Regularization = c.l2
    config.earlyStopping = c.early ? .on : .off
    config.classWeight = c.weighted ? .balanced : .none
    func fit(_ fast: Bool) throws -> GradientBoostedTrees {
      var g = SplitMix64(seed: 3)
      return try GradientBoostedTrees.fit(
        x: x, y: y, sampleWeights: c.weighted ? w : nil, config: config, generator: &g, isCancelled: { false },
        fastPaths: fast)
    }
    let plain = try fit(false)
    let fast = try fit(true)
    #expect(plain.trees.count == fast.trees.count)
    #expect(bits(plain) == bits(fast))
    #expect(plain.decisionFunction(x).map(\.bitPattern) == fast.decisionFunction(x).map(\.bitPattern))
    if c.rows > 100 { #expect(plain.trees.contains { $0.leafCount > 2 }, "the case grows real trees") }
  }

  @Test("Few bins: the missing-values bin inside the bitmap's words (max_bins 7, 63, 64, 65)", arguments: [7, 63, 64, 65])
  func fewBins(maxBins: Int) throws {
    let (x, y, w) = data(rows: 800, seed: UInt64(maxBins))
    var config = GradientBoostingConfig()
    config.maxIter = 10
    config.maxBins = maxBins
    config.minSamplesLeaf = 3
    func fit(_ fast: Bool) throws -> GradientBoostedTrees {
      var g = SplitMix64(seed: 1)
      return try GradientBoostedTrees.fit(
        x: x, y: y, sampleWeights: w, config: config, generator: &g, isCancelled: { false }, fastPaths: fast)
    }
    let plain = try fit(false)
    let fast = try fit(true)
    #expect(bits(plain) == bits(fast))
    #expect(plain.trees.contains { $0.nodes.contains { !$0.isLeaf && $0.missingGoesLeft } }, "NaN rows learn a direction")
  }

  @Test(
    "Sample weights far from 1 (small and huge gradient sums) keep the split search's skip test exact",
    arguments: [Float(1e-3), 1e12, 1e30])
  func extremeWeights(scale: Float) throws {
    let (x, y, w) = data(rows: 600, seed: 11)
    var config = GradientBoostingConfig()
    config.maxIter = 8
    config.minSamplesLeaf = 5
    config.l2Regularization = scale > 1 ? 0 : 1e-6
    func fit(_ fast: Bool) throws -> GradientBoostedTrees {
      var g = SplitMix64(seed: 2)
      return try GradientBoostedTrees.fit(
        x: x, y: y, sampleWeights: w.map { $0 * scale }, config: config, generator: &g, isCancelled: { false },
        fastPaths: fast)
    }
    let plain = try fit(false)
    let fast = try fit(true)
    #expect(bits(plain) == bits(fast))
    #expect(plain.trees.contains { $0.leafCount > 2 }, "the case grows real trees")
  }

  @Test("SplitBar keeps the first largest gain above 0 that one exact gain per candidate finds", arguments: 0..<40)
  func splitBarEqualsExactScan(seed: Int) {
    var g = SplitMix64(seed: UInt64(seed))
    // Sums at very different scales, runs of equal and one-ulp-apart candidates, and a root-like lossCurrent of 0.
    let scale = [1e-6, 1e-2, 1.0, 1e3, 1e9][seed % 5]
    let l2 = seed % 3 == 0 ? 0.0 : g.nextUnit()
    let sumG = (g.nextUnit() - 0.5) * scale
    let sumH = (1 + g.nextUnit()) * scale + 1e-3
    let lossCurrent = seed % 4 == 0 ? 0 : sumG * leafValue(sumG, sumH, l2: l2)
    var candidates: [(gl: Double, hl: Double)] = []
    for _ in 0..<300 {
      if let last = candidates.last, g.nextUnit() < 0.3 {
        // The same sums again, or one ulp away.
        let nudge = g.nextUnit() < 0.5
        candidates.append((nudge ? last.gl.nextUp : last.gl, last.hl))
      } else {
        candidates.append(((g.nextUnit() - 0.5) * 2 * scale, (0.001 + g.nextUnit()) * sumH))
      }
    }
    func exact(_ c: (gl: Double, hl: Double)) -> Double {
      splitGain(c.gl, c.hl, sumG - c.gl, sumH - c.hl, l2: l2, lossCurrent: lossCurrent)
    }
    // Then near-ties of the best so far: its copy and its gradient sum a few ulps either way, one of which usually
    // beats it by an ulp or two of the gain (a skip test without its rounding room would drop it).
    if let top = candidates.indices.max(by: { exact(candidates[$0]) < exact(candidates[$1]) }) {
      let c = candidates[top]
      candidates += [c, (c.gl.nextUp, c.hl), (c.gl.nextDown, c.hl), (c.gl.nextUp.nextUp, c.hl), (c.gl, c.hl.nextDown)]
    }
    var bar = SplitBar(lossCurrent: lossCurrent, l2: l2)
    var best = (gain: -1.0, index: -1)
    for (i, c) in candidates.enumerated() {
      bar.offer(gl: c.gl, hl: c.hl, gr: sumG - c.gl, hr: sumH - c.hl, feature: 0, bin: i, missingLeft: false)
      let gain = exact(c)
      if gain > best.gain && gain > 0 { best = (gain, i) }
    }
    #expect(bar.gain.bitPattern == best.gain.bitPattern)
    if best.index >= 0 {
      #expect(bar.bin == best.index)
      #expect(bar.gradientLeft == candidates[best.index].gl && bar.hessianLeft == candidates[best.index].hl)
    }
  }

  @Test("Constant and all-NaN features: single-leaf trees on both paths")
  func degenerate() throws {
    let n = 60
    let x = Matrix(rows: n, columns: 5, values: (0..<(n * 5)).map { $0 % 5 == 0 ? Float.nan : 2 })
    let y: [Float] = (0..<n).map { $0 % 3 == 0 ? 1 : 0 }
    var config = GradientBoostingConfig()
    config.maxIter = 3
    var g1 = SplitMix64(seed: 0)
    var g2 = SplitMix64(seed: 0)
    let plain = try GradientBoostedTrees.fit(
      x: x, y: y, sampleWeights: nil, config: config, generator: &g1, isCancelled: { false }, fastPaths: false)
    let fast = try GradientBoostedTrees.fit(
      x: x, y: y, sampleWeights: nil, config: config, generator: &g2, isCancelled: { false }, fastPaths: true)
    #expect(bits(plain) == bits(fast))
    #expect(fast.trees.allSatisfy { $0.leafCount == 1 })
  }
}
