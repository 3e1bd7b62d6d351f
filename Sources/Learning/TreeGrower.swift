/// Gradient and hessian sums and the row count of one bin of one feature at one node.
struct HistogramBin {
  var g: Double
  var h: Double
  var count: UInt32
}

/// The best split of a node (scikit-learn's `SplitInfo`).
struct SplitInfo {
  var gain: Double = -1
  var feature: Int = 0
  var bin: Int = 0
  var missingGoesLeft = false
  var gradientLeft = 0.0
  var hessianLeft = 0.0
  var gradientRight = 0.0
  var hessianRight = 0.0
  var countLeft = 0
  var countRight = 0
  var valueLeft = 0.0
  var valueRight = 0.0
}

/// A node while the tree grows: its rows are `partition[start..<stop]`.
struct GrowingNode {
  var depth: Int
  var start: Int
  var stop: Int
  var sumGradients: Double
  var sumHessians: Double
  var value: Double
  var split: SplitInfo?
  var histogram: Int = -1
  var isLeaf = false
  var left = -1
  var right = -1
  var count: Int { stop - start }
}

/// Grows one regression tree on binned data from gradients and hessians, as scikit-learn 1.9's `TreeGrower`
/// (numerical features, no monotonic or interaction constraints, every feature considered at every split):
///
/// - best-first growth: the splittable node with the largest gain is split next (a binary heap ordered like Python's
///   `heapq` on `gain`, so ties break the same way);
/// - histograms of gradient and hessian sums per bin (Double sums of Float gradients, added in row order); the
///   smaller child's histogram is built from its rows, the larger one's as parent minus smaller;
/// - splits scanned left to right (missing values go right), and right to left (missing values go left) for
///   features with missing values in the training rows; a split needs `min_samples_leaf` rows and a hessian sum of
///   at least 1e-3 on each side; gain `G_L^2/(H_L+l2) + G_R^2/(H_R+l2) - G^2/(H+l2)` written as scikit-learn writes
///   it (with the root's own value taken as 0, as scikit-learn does); the first feature wins ties;
/// - a node becomes a leaf when its best gain is <= 0, when it has fewer than `2 * min_samples_leaf` rows, at
///   `max_depth`, or when `max_leaf_nodes` leaves are reached; leaf value `-G / (H + l2 + 1e-15)` times the
///   learning rate.
///
/// Not thread-safe: one grower per fit. Its buffers are allocated once and reused for every tree.
final class TreeGrower {
  let rows: Int
  let features: Int
  /// Histogram bins per feature: `maxBins + 1` (the last one holds missing values).
  let binCount: Int
  let missingBin: Int
  let binned: UnsafeMutablePointer<UInt8>
  let nonMissingBins: [Int]
  let hasMissing: [Bool]
  let thresholds: [[Double]]
  let maxLeafNodes: Int?
  let maxDepth: Int?
  let minSamplesLeaf: Int
  let l2: Double
  let shrinkage: Double
  let minHessianToSplit = 1e-3

  let partition: UnsafeMutablePointer<UInt32>
  private let leftBuffer: UnsafeMutablePointer<UInt32>
  private let rightBuffer: UnsafeMutablePointer<UInt32>
  /// Whether to take the fast paths; false runs the plain loops (every histogram cleared, subtracted and scanned over
  /// all its bins, one feature per pass over the rows, one gain at a time). Both give bit-identical trees (a test
  /// checks it): the fast paths only skip work whose outcome is known, and add every sum in the same order.
  /// - Histograms: four features per pass over the rows (then two, then one); the bins with rows are marked in a
  ///   bitmap per histogram and feature (while the rows are added for small nodes, from the row counts afterwards for
  ///   large ones); the larger child's histogram is the parent's minus the smaller child's over the smaller child's
  ///   marked bins only; a reused histogram is cleared over the bins it wrote.
  /// - Split search (``findSplitFast``): the running sums over the marked bins only, skipping the two divisions of
  ///   every candidate that certainly cannot beat the best split so far (``SplitBar``), and where most bins are
  ///   non-empty, testing blocks of eight bins at once against a bound on all their candidates; the winner's row
  ///   counts and values once per node.
  /// So a split costs in proportion to the smaller child's rows and the non-empty bins, not `features * 256` bins.
  let fastPaths: Bool
  /// Per histogram, `features * 4` words: bit b of feature f's words is set when bin b is not empty (a row count,
  /// gradient sum or hessian sum that is not zero; the missing-values bin included). Fast paths only.
  private var nonEmpty: [UnsafeMutablePointer<UInt64>] = []
  /// Per histogram, the same layout: the bins written since the histogram was last cleared. Fast paths only.
  private var dirty: [UnsafeMutablePointer<UInt64>] = []
  /// Bins per block of the split scan's box bound (``scan``): 16 measured slower (more blocks fail the bound).
  private static let blockBins = 8
  private var histograms: [UnsafeMutablePointer<HistogramBin>] = []
  private var freeHistograms: [Int] = []
  /// The root's row counts per bin and its non-empty bins, kept from the first tree (fast paths only).
  private var rootCounts: UnsafeMutablePointer<UInt32>?
  private var rootMarks: UnsafeMutablePointer<UInt64>?
  private(set) var nodes: [GrowingNode] = []
  private var heap: [Int] = []
  private(set) var leaves: [Int] = []

  /// - Parameter binned: feature-major binned rows (`features * rows` bytes), copied.
  /// - Parameter fastPaths: see ``fastPaths`` (default: in optimised builds, as the network's kernels).
  init(
    binned: [UInt8], rows: Int, features: Int, mapper: BinMapper, hasMissing: [Bool],
    config: GradientBoostingConfig, fastPaths: Bool = kernelsVectorised
  ) {
    self.fastPaths = fastPaths
    self.rows = rows
    self.features = features
    binCount = mapper.maxBins + 1
    missingBin = mapper.missingBin
    let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, binned.count))
    binned.withUnsafeBufferPointer { b in
      if let base = b.baseAddress { storage.initialize(from: base, count: b.count) }
    }
    self.binned = storage
    nonMissingBins = mapper.nonMissingBinCounts
    self.hasMissing = hasMissing
    thresholds = mapper.thresholds
    maxLeafNodes = config.maxLeafNodes
    maxDepth = config.maxDepth
    minSamplesLeaf = config.minSamplesLeaf
    l2 = config.l2Regularization
    shrinkage = config.learningRate
    let n = max(1, rows)
    partition = .allocate(capacity: n)
    leftBuffer = .allocate(capacity: n)
    rightBuffer = .allocate(capacity: n)
  }

  deinit {
    binned.deallocate()
    partition.deallocate()
    leftBuffer.deallocate()
    rightBuffer.deallocate()
    for h in histograms { h.deallocate() }
    for b in nonEmpty { b.deallocate() }
    for b in dirty { b.deallocate() }
    rootCounts?.deallocate()
    rootMarks?.deallocate()
  }

  // MARK: Histograms

  private func takeHistogram() -> Int {
    if let i = freeHistograms.popLast() { return i }
    let size = features * binCount
    let p = UnsafeMutablePointer<HistogramBin>.allocate(capacity: size)
    p.initialize(repeating: HistogramBin(g: 0, h: 0, count: 0), count: size)
    histograms.append(p)
    for i in 0..<2 {
      let words = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, features * 4))
      words.initialize(repeating: 0, count: max(1, features * 4))
      if i == 0 { nonEmpty.append(words) } else { dirty.append(words) }
    }
    return histograms.count - 1
  }

  private func release(_ node: Int) {
    if nodes[node].histogram >= 0 {
      freeHistograms.append(nodes[node].histogram)
      nodes[node].histogram = -1
    }
  }

  /// Histogram of the rows `partition[start..<stop]`, added in partition order.
  private func buildHistogram(start: Int, stop: Int, pairs: UnsafePointer<SIMD2<Double>>) -> Int {
    let index = takeHistogram()
    let hist = histograms[index]
    let m = stop - start
    let idx = partition + start
    guard fastPaths else {
      hist.update(repeating: HistogramBin(g: 0, h: 0, count: 0), count: features * binCount)
      for f in 0..<features {
        let col = binned + f &* rows
        let hf = hist + f &* binCount
        for k in 0..<m {
          let b = Int(col[Int(idx[k])])
          hf[b].g += pairs[Int(idx[k])].x
          hf[b].h += pairs[Int(idx[k])].y
          hf[b].count &+= 1
        }
      }
      return index
    }
    let marks = nonEmpty[index]
    let written = dirty[index]
    clear(hist, written)
    // Large nodes mark their non-empty bins afterwards from the row counts (a bin of a built histogram is non-empty
    // exactly when a row landed in it), which costs `features * binCount` tests instead of an update per row.
    let markRows = m <= binCount
    // Four features per pass (then two, then one): one index, gradient and hessian load serves four histograms, and
    // the four read-add-write chains are independent (rows landing in the same bin of one feature no longer stall
    // the pass).
    @inline(__always) func pass(_ f: Int, width: Int, mark: Bool, root: Bool) {
      let c0 = binned + f &* rows
      let c1 = width > 1 ? c0 + rows : c0
      let c2 = width > 2 ? c1 + rows : c0
      let c3 = width > 2 ? c2 + rows : c0
      let h0 = hist + f &* binCount
      let h1 = width > 1 ? h0 + binCount : h0
      let h2 = width > 2 ? h1 + binCount : h0
      let h3 = width > 2 ? h2 + binCount : h0
      let w0 = marks + f &* 4
      let w1 = width > 1 ? w0 + 4 : w0
      let w2 = width > 2 ? w1 + 4 : w0
      let w3 = width > 2 ? w2 + 4 : w0
      for k in 0..<m {
        let r = root ? k : Int(idx[k])
        let gh = pairs[r]
        let (g, h) = (gh.x, gh.y)
        @inline(__always) func add(
          _ c: UnsafeMutablePointer<UInt8>, _ hf: UnsafeMutablePointer<HistogramBin>,
          _ w: UnsafeMutablePointer<UInt64>
        ) {
          let b = Int(c[r])
          hf[b].g += g
          hf[b].h += h
          if !root { hf[b].count &+= 1 }
          if mark { w[b &>> 6] |= 1 &<< UInt64(b & 63) }
        }
        add(c0, h0, w0)
        if width > 1 { add(c1, h1, w1) }
        if width > 2 {
          add(c2, h2, w2)
          add(c3, h3, w3)
        }
      }
    }
    @inline(__always) func passes(mark: Bool, root: Bool) {
      var f = 0
      while f &+ 4 <= features {
        pass(f, width: 4, mark: mark, root: root)
        f &+= 4
      }
      if f &+ 2 <= features {
        pass(f, width: 2, mark: mark, root: root)
        f &+= 2
      }
      if f < features { pass(f, width: 1, mark: mark, root: root) }
    }
    // The root holds every row in row order, so its row counts and marks are the same for every tree: the first
    // root's are kept, and later roots add only the sums (reading the rows in order, without the partition).
    if m == rows, let counts = rootCounts, let rootMarks {
      passes(mark: false, root: true)
      for k in 0..<(features &* binCount) { hist[k].count = counts[k] }
      marks.update(from: rootMarks, count: features &* 4)
      written.update(from: marks, count: features &* 4)
      return index
    }
    if markRows {
      marks.update(repeating: 0, count: features &* 4)
      passes(mark: true, root: false)
    } else {
      passes(mark: false, root: false)
    }
    if !markRows {
      for f in 0..<features {
        let hf = hist + f &* binCount
        let w = marks + f &* 4
        for wi in 0..<4 {
          let base = wi &<< 6
          var word: UInt64 = 0
          for bit in 0..<Swift.max(0, Swift.min(64, binCount &- base)) {
            word |= UInt64(truncatingIfNeeded: hf[base &+ bit].count != 0 ? 1 : 0) &<< UInt64(bit)
          }
          w[wi] = word
        }
      }
    }
    // A built bin is non-empty exactly when a row landed in it; those are also the bins written.
    written.update(from: marks, count: features &* 4)
    if m == rows && rootCounts == nil {
      let counts = UnsafeMutablePointer<UInt32>.allocate(capacity: features &* binCount)
      for k in 0..<(features &* binCount) { counts[k] = hist[k].count }
      let words = UnsafeMutablePointer<UInt64>.allocate(capacity: features &* 4)
      words.initialize(from: marks, count: features &* 4)
      rootCounts = counts
      rootMarks = words
    }
    return index
  }

  /// Zeroes the bins of `hist` marked in `written` (whole features at once when most of their bins are marked), so
  /// that every bin is +0 again, as from allocation; then clears `written`.
  private func clear(_ hist: UnsafeMutablePointer<HistogramBin>, _ written: UnsafeMutablePointer<UInt64>) {
    for f in 0..<features {
      let w = written + f &* 4
      let hf = hist + f &* binCount
      let marked = w[0].nonzeroBitCount &+ w[1].nonzeroBitCount &+ w[2].nonzeroBitCount &+ w[3].nonzeroBitCount
      if marked > 32 {
        UnsafeMutableRawPointer(hf).initializeMemory(
          as: UInt8.self, repeating: 0, count: binCount &* MemoryLayout<HistogramBin>.stride)
      } else {
        for wi in 0..<4 {
          var word = w[wi]
          while word != 0 {
            hf[wi &<< 6 &+ word.trailingZeroBitCount] = HistogramBin(g: 0, h: 0, count: 0)
            word &= word &- 1
          }
        }
      }
      w.update(repeating: 0, count: 4)
    }
  }

  /// `parent -= sibling`, bin by bin; the parent's histogram becomes the larger child's. The fast path subtracts
  /// only the sibling's non-empty bins (an empty built bin is exactly +0 with count 0: subtracting it changes
  /// nothing) and updates the parent's non-empty bits of those bins with the plain scan's emptiness test.
  private func subtract(_ parent: Int, _ sibling: Int) {
    let a = histograms[parent]
    let b = histograms[sibling]
    guard fastPaths else {
      for k in 0..<(features * binCount) {
        a[k].g -= b[k].g
        a[k].h -= b[k].h
        a[k].count &-= b[k].count
      }
      return
    }
    let parentMarks = nonEmpty[parent]
    let siblingMarks = nonEmpty[sibling]
    let written = dirty[parent]
    for f in 0..<features {
      let af = a + f &* binCount
      let bf = b + f &* binCount
      for wi in 0..<(4 as Int) {
        let slot = f &* 4 &+ wi
        var word = siblingMarks[slot]
        var keep = parentMarks[slot]
        written[slot] |= word
        while word != 0 {
          let bit = word.trailingZeroBitCount
          let k = wi &<< 6 &+ bit
          word &= word &- 1
          let g = af[k].g - bf[k].g
          let h = af[k].h - bf[k].h
          let c = af[k].count &- bf[k].count
          af[k] = HistogramBin(g: g, h: h, count: c)
          // Without a branch: in small nodes, whether a bin's rows all went to the smaller child is a coin toss.
          let empty: UInt64 = (c == 0 ? 1 : 0) & (g == 0 ? 1 : 0) & (h == 0 ? 1 : 0)
          keep &= ~(empty &<< UInt64(bit))
        }
        parentMarks[slot] = keep
      }
    }
  }

  // MARK: Splits

  @inline(__always)
  private func nodeValue(_ g: Double, _ h: Double) -> Double { leafValue(g, h, l2: l2) }

  private func findSplit(_ node: GrowingNode) -> SplitInfo {
    fastPaths ? findSplitFast(node) : findSplitPlain(node)
  }

  /// Every feature's every bin, one at a time: the reference the fast path is checked against.
  private func findSplitPlain(_ node: GrowingNode) -> SplitInfo {
    let hist = histograms[node.histogram]
    let n = node.count
    let sumG = node.sumGradients
    let sumH = node.sumHessians
    let lossCurrent = sumG * node.value
    let msl = minSamplesLeaf
    var best = SplitInfo()
    for f in 0..<features {
      var info = SplitInfo(feature: f)
      let hf = hist + f &* binCount
      // Left to right: missing values (if any) go right.
      let end = nonMissingBins[f] - 1 + (hasMissing[f] ? 1 : 0)
      var nl = 0
      var hl = 0.0
      var gl = 0.0
      var bestGain = -1.0
      var found = false
      var bestBin = 0, bestNL = 0
      var bestGL = 0.0, bestHL = 0.0
      var b = 0
      while b < end {
        // An empty bin (no rows, zero sums) leaves every sum and so the gain unchanged: the same outcome as the bin
        // before it, which cannot be strictly better. Skipping it is exact.
        if hf[b].count == 0 && hf[b].g == 0 && hf[b].h == 0 {
          b += 1
          continue
        }
        nl += Int(hf[b].count)
        let nr = n - nl
        hl += hf[b].h
        let hr = sumH - hl
        gl += hf[b].g
        let gr = sumG - gl
        b += 1
        if nl < msl { continue }
        if nr < msl { break }
        if hl < minHessianToSplit { continue }
        if hr < minHessianToSplit { break }
        let gain = splitGain(gl, hl, gr, hr, l2: l2, lossCurrent: lossCurrent)
        if gain > bestGain && gain > 0 {
          found = true
          bestGain = gain
          bestBin = b - 1
          bestGL = gl
          bestHL = hl
          bestNL = nl
        }
      }
      if found {
        info = makeSplit(
          f, gain: bestGain, bin: bestBin, missingLeft: false, gl: bestGL, hl: bestHL, nl: bestNL,
          sumG: sumG, sumH: sumH, n: n)
      }
      if hasMissing[f] {
        // Right to left: missing values go left.
        var nr = 0
        var hr = 0.0
        var gr = 0.0
        var bestGain = info.gain
        var found = false
        var b = nonMissingBins[f] - 2
        while b >= 0 {
          let bin = hf[b + 1]
          if bin.count == 0 && bin.g == 0 && bin.h == 0 {
            b -= 1
            continue
          }
          nr += Int(bin.count)
          let nl = n - nr
          hr += bin.h
          let hl = sumH - hr
          gr += bin.g
          let gl = sumG - gr
          b -= 1
          if nr < msl { continue }
          if nl < msl { break }
          if hr < minHessianToSplit { continue }
          if hl < minHessianToSplit { break }
          let gain = splitGain(gl, hl, gr, hr, l2: l2, lossCurrent: lossCurrent)
          if gain > bestGain && gain > 0 {
            found = true
            bestGain = gain
            bestBin = b + 1
            bestGL = gl
            bestHL = hl
            bestNL = nl
          }
        }
        if found {
          info = makeSplit(
            f, gain: bestGain, bin: bestBin, missingLeft: true, gl: bestGL, hl: bestHL, nl: bestNL,
            sumG: sumG, sumH: sumH, n: n)
        }
      }
      if f == 0 || info.gain > best.gain { best = info }
    }
    return best
  }

  /// The plain scan's result, visiting only the non-empty bins (the bitmap's set bits) and skipping the two
  /// divisions of every candidate whose gain certainly does not beat the best split so far (``SplitBar``). The
  /// plain scan keeps the first of equal gains and replaces its best only with a strictly larger gain, so one best
  /// over all features and both directions, replaced only by a larger gain, gives its result.
  private func findSplitFast(_ node: GrowingNode) -> SplitInfo {
    let hist = histograms[node.histogram]
    let marks = nonEmpty[node.histogram]
    let n = node.count
    let sumG = node.sumGradients
    let sumH = node.sumHessians
    var bar = SplitBar(lossCurrent: sumG * node.value, l2: l2)
    // `sumH - h < minHessianToSplit` exactly when `h > nearMax` (the subtraction rounds monotonically in h).
    var nearMax = sumH - minHessianToSplit
    while !(sumH - nearMax >= minHessianToSplit) && nearMax.isFinite { nearMax = nearMax.nextDown }
    while sumH - nearMax.nextUp >= minHessianToSplit && nearMax.nextUp.isFinite { nearMax = nearMax.nextUp }
    for f in 0..<features {
      let hf = hist + f &* binCount
      let words = marks + f &* 4
      // Left to right over bins 0..<end: missing values (if any) go right.
      let end = nonMissingBins[f] &- 1 &+ (hasMissing[f] ? 1 : 0)
      scan(
        hf, words, feature: f, forward: true, limit: end, n: n, sumG: sumG, sumH: sumH, nearMax: nearMax, bar: &bar)
      if hasMissing[f] {
        // Right to left over bins nonMissingBins - 1 down to 1: missing values go left.
        scan(
          hf, words, feature: f, forward: false, limit: nonMissingBins[f] &- 1, n: n, sumG: sumG, sumH: sumH,
          nearMax: nearMax, bar: &bar)
      }
    }
    guard bar.gain > 0 else { return SplitInfo() }
    // The left side's rows: bins up to the split bin, plus (missing values left) the missing-values bin.
    let hf = hist + bar.feature &* binCount
    var nl = 0
    if bar.missingLeft {
      var nr = 0
      for b in (bar.bin &+ 1)..<nonMissingBins[bar.feature] { nr &+= Int(hf[b].count) }
      nl = n &- nr
    } else {
      for b in 0...bar.bin { nl &+= Int(hf[b].count) }
    }
    return makeSplit(
      bar.feature, gain: bar.gain, bin: bar.bin, missingLeft: bar.missingLeft, gl: bar.gradientLeft,
      hl: bar.hessianLeft, nl: nl, sumG: sumG, sumH: sumH, n: n)
  }

  /// One feature, one direction of ``findSplitFast``: the plain scan's running sums from the near end and its rules
  /// (too few rows or too little hessian on the near side skips the bin, on the far side ends the scan), with each
  /// candidate offered to the bar. Forward: bins `0..<limit`, split after the bin. Backward: bins `limit` down to 1,
  /// split before the bin.
  ///
  /// Per bin, the row-count rule on the near side comes first (it holds for a whole run of first bins, and it skips
  /// a bin whatever else holds); then the rules that end the scan; then ``SplitBar/cannotBeat(gl:hl:gr:hr:)``: a bin
  /// the plain scan skips by a rule is not offered, and one that the skip test drops changes nothing either way, so
  /// the hessian rule waits for the few candidates that pass the test. The bins are the non-empty ones (the bitmap's
  /// set bits), or all of them (an empty bin leaves the sums, so the candidate, unchanged: it cannot beat the same
  /// candidate one bin earlier) in blocks left to right when at least half are non-empty, one by one right to left
  /// when nearly all are.
  @inline(__always)
  private func scan(
    _ hf: UnsafeMutablePointer<HistogramBin>, _ words: UnsafeMutablePointer<UInt64>, feature: Int, forward: Bool,
    limit: Int, n: Int, sumG: Double, sumH: Double, nearMax: Double, bar: inout SplitBar
  ) {
    let msl = minSamplesLeaf
    let minH = minHessianToSplit
    let nearRows = n &- msl
    var nn = 0
    // The near side's (gradient, hessian) sums, each added bin by bin as the plain scan adds it.
    var near = SIMD2<Double>()
    @inline(__always) func take(_ b: Int) -> Bool {
      nn &+= Int(hf[b].count)
      near += SIMD2(hf[b].g, hf[b].h)
      let (gn, hn) = (near.x, near.y)
      // Too few rows on the near side: the plain scan skips the bin whatever else holds (in small nodes, about the
      // first third of the bins).
      if nn < msl { return true }
      if nn > nearRows || hn > nearMax {
        // The plain scan ends here unless the hessian rule skips the bin first.
        if nn > nearRows { return false }
        return hn < minH
      }
      let (gl, hl, gr, hr) = forward ? (gn, hn, sumG - gn, sumH - hn) : (sumG - gn, sumH - hn, gn, hn)
      if bar.cannotBeat(gl: gl, hl: hl, gr: gr, hr: hr) { return true }
      if hn < minH { return true }
      bar.consider(gl: gl, hl: hl, gr: gr, hr: hr, feature: feature, bin: forward ? b : b &- 1, missingLeft: !forward)
      return true
    }
    // Forward only: the bins b..<b+blockBins at once. The sums run on bin by bin exactly as `take` runs them. The
    // block is skipped (the sums move past it, and the call returns true) when it holds no stop (both sums only grow,
    // so its last bin would show one) and either no candidate (too few rows up to its last bin) or only candidates
    // that the box bound shows cannot beat the bar. Otherwise the sums stay before it, the call returns false, and the
    // caller takes its bins one by one.
    //
    // The box bound: the block's candidates have near-side gradient sums gl in [lo, hi] and hessian sums hl of at
    // least the first bin's; their far-side sums, `sumG - gl` and `sumH - hl` rounded (which is monotonic), have
    // |gr| <= r = max(|sumG - lo|, |sumG - hi|) and hr >= `sumH - ` the last bin's hl. Each side's `g^2 / (h + shift)`
    // grows with |g| and shrinks as h grows, so every candidate's `gl^2/dl + gr^2/dr` is at most the one of
    // (a = max(|lo|, |hi|), first hl, r, last hr). ``SplitBar``'s argument needs only such an upper bound on that sum,
    // so ``SplitBar/cannotBeat(gl:hl:gr:hr:)`` passing on those four shows that no candidate in the block has a gain
    // above the bar.
    @inline(__always) func skipBlock(_ b: Int) -> Bool {
      // `a < b ? a : b` and `a > b ? a : b`: one instruction each (the sums are never NaN).
      @inline(__always) func low(_ a: Double, _ b: Double) -> Double { a < b ? a : b }
      @inline(__always) func high(_ a: Double, _ b: Double) -> Double { a > b ? a : b }
      let p = hf + b
      var v = near + SIMD2(p[0].g, p[0].h)
      var c = nn &+ Int(p[0].count)
      let firstH = v.y
      var lo = v.x
      var hi = v.x
      for k in 1..<Self.blockBins {
        v += SIMD2(p[k].g, p[k].h)
        c &+= Int(p[k].count)
        lo = low(v.x, lo)
        hi = high(v.x, hi)
      }
      if c > nearRows || v.y > nearMax { return false }
      if c >= msl {
        let a = high(Swift.abs(lo), Swift.abs(hi))
        let r = high(Swift.abs(sumG - lo), Swift.abs(sumG - hi))
        if !bar.cannotBeat(gl: a, hl: firstH, gr: r, hr: sumH - v.y) { return false }
      }
      near = v
      nn = c
      return true
    }
    let first = forward ? 0 : 1
    let last = forward ? limit &- 1 : limit
    guard first <= last else { return }
    // The bitmap's words cut to bins first...last.
    @inline(__always) func word(_ wi: Int) -> UInt64 {
      let base = wi &<< 6
      if last < base { return 0 }
      var w = words[wi]
      if first > base { w &= ~((1 &<< UInt64(first &- base)) &- 1) }
      if last &- base < 63 { w &= (2 &<< UInt64(last &- base)) &- 1 }
      return w
    }
    let marked =
      word(0).nonzeroBitCount &+ word(1).nonzeroBitCount &+ word(2).nonzeroBitCount
      &+ word(3).nonzeroBitCount
    let span = last &- first &+ 1
    if forward && marked &* 2 >= span {
      // At least half the bins non-empty: blocks of bins (an empty bin leaves the sums unchanged).
      var b = first
      while b &+ Self.blockBins <= last &+ 1 {
        if skipBlock(b) {
          b &+= Self.blockBins
          continue
        }
        for j in 0..<Self.blockBins where !take(b &+ j) { return }
        b &+= Self.blockBins
      }
      while b <= last && take(b) { b &+= 1 }
    } else if !forward && marked &* 8 >= span &* 7 {
      // Right to left, nearly every bin non-empty: all of them, without the bitmap.
      var b = last
      while b >= first && take(b) { b &-= 1 }
    } else if forward {
      scan: for wi in 0..<4 {
        var w = word(wi)
        while w != 0 {
          let b = wi &<< 6 &+ w.trailingZeroBitCount
          w &= w &- 1
          if !take(b) { break scan }
        }
      }
    } else {
      scan: for wi in stride(from: 3, through: 0, by: -1) {
        var w = word(wi)
        while w != 0 {
          let bit = 63 &- w.leadingZeroBitCount
          w &= ~(1 &<< UInt64(bit))
          if !take(wi &<< 6 &+ bit) { break scan }
        }
      }
    }
  }

  private func makeSplit(
    _ f: Int, gain: Double, bin: Int, missingLeft: Bool, gl: Double, hl: Double, nl: Int,
    sumG: Double, sumH: Double, n: Int
  ) -> SplitInfo {
    var s = SplitInfo(gain: gain, feature: f, bin: bin, missingGoesLeft: missingLeft)
    s.gradientLeft = gl
    s.gradientRight = sumG - gl
    s.hessianLeft = hl
    s.hessianRight = sumH - hl
    s.countLeft = nl
    s.countRight = n - nl
    s.valueLeft = nodeValue(s.gradientLeft, s.hessianLeft)
    s.valueRight = nodeValue(s.gradientRight, s.hessianRight)
    return s
  }

  // MARK: Heap (Python heapq with "a < b" meaning a.gain > b.gain)

  @inline(__always) private func before(_ a: Int, _ b: Int) -> Bool {
    (nodes[a].split?.gain ?? -1) > (nodes[b].split?.gain ?? -1)
  }

  private func siftDown(_ startPos: Int, _ position: Int) {
    var pos = position
    let item = heap[pos]
    while pos > startPos {
      let parentPos = (pos - 1) >> 1
      let parent = heap[parentPos]
      if before(item, parent) {
        heap[pos] = parent
        pos = parentPos
        continue
      }
      break
    }
    heap[pos] = item
  }

  private func siftUp(_ position: Int) {
    var pos = position
    let endPos = heap.count
    let startPos = pos
    let item = heap[pos]
    var child = 2 * pos + 1
    while child < endPos {
      let right = child + 1
      if right < endPos && !before(heap[child], heap[right]) { child = right }
      heap[pos] = heap[child]
      pos = child
      child = 2 * pos + 1
    }
    heap[pos] = item
    siftDown(startPos, pos)
  }

  private func push(_ node: Int) {
    heap.append(node)
    siftDown(0, heap.count - 1)
  }

  private func pop() -> Int {
    let last = heap.removeLast()
    if heap.isEmpty { return last }
    let top = heap[0]
    heap[0] = last
    siftUp(0)
    return top
  }

  // MARK: Growing

  private func finalizeLeaf(_ node: Int) {
    nodes[node].isLeaf = true
    release(node)
    leaves.append(node)
  }

  private func computeBestSplitAndPush(_ node: Int) {
    let split = findSplit(nodes[node])
    nodes[node].split = split
    if split.gain <= 0 { finalizeLeaf(node) } else { push(node) }
  }

  /// Grows one tree; afterwards ``leaves`` hold the leaf nodes (with shrunk values) and their rows in ``partition``.
  /// - Parameter pairs: each training row's (gradient, hessian), Float values widened to Double.
  func grow(pairs: UnsafePointer<SIMD2<Double>>) {
    nodes.removeAll(keepingCapacity: true)
    heap.removeAll(keepingCapacity: true)
    leaves.removeAll(keepingCapacity: true)
    freeHistograms = Array((0..<histograms.count).reversed())
    for r in 0..<rows { partition[r] = UInt32(truncatingIfNeeded: r) }
    let rootHist = buildHistogram(start: 0, stop: rows, pairs: pairs)
    let h0 = histograms[rootHist]
    let sumG = pairwiseSum(count: binCount) { h0[$0].g }
    let sumH = pairwiseSum(count: binCount) { h0[$0].h }
    nodes.append(
      GrowingNode(
        depth: 0, start: 0, stop: rows, sumGradients: sumG, sumHessians: sumH, value: 0,
        histogram: rootHist))
    if rows < 2 * minSamplesLeaf || sumH < minHessianToSplit {
      finalizeLeaf(0)
    } else {
      computeBestSplitAndPush(0)
    }
    while !heap.isEmpty { splitNext(pairs: pairs) }
    for l in leaves { nodes[l].value *= shrinkage }
  }

  private func splitNext(pairs: UnsafePointer<SIMD2<Double>>) {
    let node = pop()
    guard var split = nodes[node].split else { return }
    let start = nodes[node].start
    let stop = nodes[node].stop
    // Stable partition of the node's rows.
    let col = binned + split.feature &* rows
    var nl = 0
    var nr = 0
    let bin = split.bin
    let missing = missingBin
    let (part, lefts, rights) = (partition, leftBuffer, rightBuffer)
    @inline(__always) func divide(missingLeft: Bool) {
      for k in start..<stop {
        // Branch-free: the row is written to both buffers and only one count advances.
        let r = part[k]
        let b = Int(col[Int(r)])
        let left = (missingLeft && b == missing) || b <= bin ? 1 : 0
        lefts[nl] = r
        rights[nr] = r
        nl &+= left
        nr &+= 1 &- left
      }
    }
    if split.missingGoesLeft { divide(missingLeft: true) } else { divide(missingLeft: false) }
    (partition + start).update(from: leftBuffer, count: nl)
    (partition + start + nl).update(from: rightBuffer, count: nr)

    let depth = nodes[node].depth + 1
    let leafCount = leaves.count + heap.count + 2
    let left = nodes.count
    let right = left + 1
    nodes.append(
      GrowingNode(
        depth: depth, start: start, stop: start + nl, sumGradients: split.gradientLeft,
        sumHessians: split.hessianLeft, value: split.valueLeft))
    nodes.append(
      GrowingNode(
        depth: depth, start: start + nl, stop: stop, sumGradients: split.gradientRight,
        sumHessians: split.hessianRight, value: split.valueRight))
    nodes[node].left = left
    nodes[node].right = right
    if !hasMissing[split.feature] {
      split.missingGoesLeft = nl > nr
      nodes[node].split = split
    }
    if let maxLeafNodes, leafCount == maxLeafNodes {
      finalizeLeaf(left)
      finalizeLeaf(right)
      while let n = heap.popLast() { finalizeLeaf(n) }
      release(node)
      return
    }
    if let maxDepth, depth == maxDepth {
      finalizeLeaf(left)
      finalizeLeaf(right)
      release(node)
      return
    }
    if nl < 2 * minSamplesLeaf { finalizeLeaf(left) }
    if nr < 2 * minSamplesLeaf { finalizeLeaf(right) }
    let splitLeft = !nodes[left].isLeaf
    let splitRight = !nodes[right].isLeaf
    if splitLeft || splitRight {
      let (smallest, largest) = nl < nr ? (left, right) : (right, left)
      nodes[smallest].histogram = buildHistogram(
        start: nodes[smallest].start, stop: nodes[smallest].stop, pairs: pairs)
      subtract(nodes[node].histogram, nodes[smallest].histogram)
      nodes[largest].histogram = nodes[node].histogram
      nodes[node].histogram = -1
      if splitLeft { computeBestSplitAndPush(left) }
      if splitRight { computeBestSplitAndPush(right) }
      for child in [left, right] where nodes[child].isLeaf { release(child) }
    }
    release(node)
  }

  /// `raw[r] += leaf value` for every training row r.
  func addLeafValues(to raw: UnsafeMutablePointer<Double>) {
    for l in leaves {
      let v = nodes[l].value
      for k in nodes[l].start..<nodes[l].stop { raw[Int(partition[k])] += v }
    }
  }

  /// The grown tree in scikit-learn's predictor layout (pre-order, left child first).
  func makeTree() -> BoostedTree {
    var out: [TreeNode] = []
    out.reserveCapacity(nodes.count)
    func visit(_ i: Int) {
      let g = nodes[i]
      let index = out.count
      out.append(
        TreeNode(
          value: g.value, count: g.count, feature: 0, threshold: 0, binThreshold: 0,
          missingGoesLeft: false, left: 0, right: 0, isLeaf: g.isLeaf, gain: g.split?.gain ?? -1,
          depth: g.depth))
      guard !g.isLeaf, let s = g.split else { return }
      out[index].feature = s.feature
      out[index].binThreshold = s.bin
      out[index].missingGoesLeft = s.missingGoesLeft
      out[index].threshold = s.bin == nonMissingBins[s.feature] - 1 ? .infinity : thresholds[s.feature][s.bin]
      out[index].left = out.count
      visit(g.left)
      out[index].right = out.count
      visit(g.right)
    }
    visit(0)
    return BoostedTree(nodes: out)
  }
}

/// A node's value before shrinkage, as scikit-learn computes it: `-g / (h + l2 + 1e-15)`.
@inline(__always)
func leafValue(_ g: Double, _ h: Double, l2: Double) -> Double { -g / (h + l2 + 1e-15) }

/// A split's gain as scikit-learn computes it: `lossCurrent - gl * v(gl, hl) - gr * v(gr, hr)` with the node value
/// `v` (``leafValue(_:_:l2:)``), in this order.
@inline(__always)
func splitGain(_ gl: Double, _ hl: Double, _ gr: Double, _ hr: Double, l2: Double, lossCurrent: Double) -> Double {
  var gain = lossCurrent
  gain -= gl * leafValue(gl, hl, l2: l2)
  gain -= gr * leafValue(gr, hr, l2: l2)
  return gain
}

/// The best split of a node so far, as candidates are offered in the plain scan's order: a candidate replaces it
/// only with a gain above both 0 and its gain (so the first of equal gains stays).
///
/// Most candidates cannot: past the best bin of a feature the gains fall, and most features' best is below the
/// node's. Such a candidate is recognised without the gain's two divisions (which bounded the scan). With
/// `L = lossCurrent <= 0`, `bar = max(gain, 0)` and `d = h + (l2 + 1e-15) > 0` on each side (within an ulp of the
/// gain's own `(h + l2) + 1e-15`), `gain <= bar` follows
/// from `gl^2/dl + gr^2/dr <= bar - L`, tested multiplied through by `dl * dr` and with room for rounding:
/// `gl^2 dr + gr^2 dl + 1e-300 <= (bar - L - 2^-40 |L|)(1 - 2^-40) dl dr`. Every operand is non-negative, so each
/// side is within a few units of 2^-53 of its real value, and the computed gain within 5 * 2^-53
/// (|L| + gl^2/dl + gr^2/dr) of the real one: the relative 2^-40 and the 2^-40 |L| cover both many times over
/// (1e-300 covers subnormal products), and a test that is not finite does not skip. Any other candidate gets its
/// exact gain.
struct SplitBar {
  let lossCurrent: Double
  let l2: Double
  /// `l2 + 1e-15`, added to each side's hessian sum in the skip test.
  private let shift: Double
  /// `(bar - L - 2^-40 |L|)(1 - 2^-40)`, or -inf (never skip) if `L > 0`.
  private var room: Double
  private(set) var gain = -1.0
  private(set) var feature = 0
  private(set) var bin = 0
  private(set) var missingLeft = false
  private(set) var gradientLeft = 0.0
  private(set) var hessianLeft = 0.0

  init(lossCurrent: Double, l2: Double) {
    self.lossCurrent = lossCurrent
    self.l2 = l2
    shift = l2 + 1e-15
    room = Self.room(above: 0, lossCurrent: lossCurrent)
  }

  private static func room(above bar: Double, lossCurrent: Double) -> Double {
    lossCurrent <= 0 ? ((bar - lossCurrent) - 0x1p-40 * -lossCurrent) * (1 - 0x1p-40) : -.infinity
  }

  /// The skip test: true when a candidate with these sums certainly has a gain <= the bar.
  @inline(__always)
  func cannotBeat(gl: Double, hl: Double, gr: Double, hr: Double) -> Bool {
    let dl = hl + shift
    let dr = hr + shift
    return gl * gl * dr + gr * gr * dl + 1e-300 <= room * (dl * dr)
  }

  /// Offers a candidate: ``cannotBeat(gl:hl:gr:hr:)``, then ``consider(gl:hl:gr:hr:feature:bin:missingLeft:)``.
  @inline(__always)
  mutating func offer(gl: Double, hl: Double, gr: Double, hr: Double, feature f: Int, bin b: Int, missingLeft m: Bool) {
    if cannotBeat(gl: gl, hl: hl, gr: gr, hr: hr) { return }
    consider(gl: gl, hl: hl, gr: gr, hr: hr, feature: f, bin: b, missingLeft: m)
  }

  /// The candidate's exact gain replaces the best split if it is above both 0 and the best gain.
  @inline(__always)
  mutating func consider(
    gl: Double, hl: Double, gr: Double, hr: Double, feature f: Int, bin b: Int, missingLeft m: Bool
  ) {
    let g = splitGain(gl, hl, gr, hr, l2: l2, lossCurrent: lossCurrent)
    guard g > gain && g > 0 else { return }
    gain = g
    room = Self.room(above: g, lossCurrent: lossCurrent)
    feature = f
    bin = b
    missingLeft = m
    gradientLeft = gl
    hessianLeft = hl
  }
}

/// NumPy's pairwise summation (`np.add.reduce` on float64): blocks of up to 128 values summed with eight
/// accumulators, larger ranges split in two halves (the first a multiple of 8 long).
func pairwiseSum(count n: Int, _ value: (Int) -> Double) -> Double {
  func sum(_ start: Int, _ n: Int) -> Double {
    if n < 8 {
      var s = -0.0
      for i in 0..<n { s += value(start + i) }
      return s
    } else if n <= 128 {
      var r = (0..<8).map { value(start + $0) }
      var i = 8
      while i < n - (n % 8) {
        for j in 0..<8 { r[j] += value(start + i + j) }
        i += 8
      }
      var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
      while i < n {
        res += value(start + i)
        i += 1
      }
      return res
    } else {
      var n2 = n / 2
      n2 -= n2 % 8
      return sum(start, n2) + sum(start + n2, n - n2)
    }
  }
  return sum(0, n)
}
