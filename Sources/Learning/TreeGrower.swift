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
  private let orderedG: UnsafeMutablePointer<Float>
  private let orderedH: UnsafeMutablePointer<Float>
  private var histograms: [UnsafeMutablePointer<HistogramBin>] = []
  private var freeHistograms: [Int] = []
  private(set) var nodes: [GrowingNode] = []
  private var heap: [Int] = []
  private(set) var leaves: [Int] = []

  /// - Parameter binned: feature-major binned rows (`features * rows` bytes), copied.
  init(
    binned: [UInt8], rows: Int, features: Int, mapper: BinMapper, hasMissing: [Bool],
    config: GradientBoostingConfig
  ) {
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
    orderedG = .allocate(capacity: n)
    orderedH = .allocate(capacity: n)
  }

  deinit {
    binned.deallocate()
    partition.deallocate()
    leftBuffer.deallocate()
    rightBuffer.deallocate()
    orderedG.deallocate()
    orderedH.deallocate()
    for h in histograms { h.deallocate() }
  }

  // MARK: Histograms

  private func takeHistogram() -> Int {
    if let i = freeHistograms.popLast() { return i }
    let size = features * binCount
    let p = UnsafeMutablePointer<HistogramBin>.allocate(capacity: size)
    p.initialize(repeating: HistogramBin(g: 0, h: 0, count: 0), count: size)
    histograms.append(p)
    return histograms.count - 1
  }

  private func release(_ node: Int) {
    if nodes[node].histogram >= 0 {
      freeHistograms.append(nodes[node].histogram)
      nodes[node].histogram = -1
    }
  }

  /// Histogram of the rows `partition[start..<stop]`, added in partition order.
  private func buildHistogram(
    start: Int, stop: Int, gradients: UnsafePointer<Float>,
    hessians: UnsafePointer<Float>
  ) -> Int {
    let index = takeHistogram()
    let hist = histograms[index]
    hist.update(repeating: HistogramBin(g: 0, h: 0, count: 0), count: features * binCount)
    let m = stop - start
    let idx = partition + start
    let root = m == rows
    if !root {
      for k in 0..<m {
        let r = Int(idx[k])
        orderedG[k] = gradients[r]
        orderedH[k] = hessians[r]
      }
    }
    let og = root ? gradients : UnsafePointer(orderedG)
    let oh = root ? hessians : UnsafePointer(orderedH)
    for f in 0..<features {
      let col = binned + f &* rows
      let hf = hist + f &* binCount
      if root {
        for k in 0..<m {
          let b = Int(col[k])
          hf[b].g += Double(og[k])
          hf[b].h += Double(oh[k])
          hf[b].count &+= 1
        }
      } else {
        for k in 0..<m {
          let b = Int(col[Int(idx[k])])
          hf[b].g += Double(og[k])
          hf[b].h += Double(oh[k])
          hf[b].count &+= 1
        }
      }
    }
    return index
  }

  /// `parent -= sibling`, bin by bin; the parent's histogram becomes the larger child's.
  private func subtract(_ parent: Int, _ sibling: Int) {
    let a = histograms[parent]
    let b = histograms[sibling]
    for k in 0..<(features * binCount) {
      a[k].g -= b[k].g
      a[k].h -= b[k].h
      a[k].count &-= b[k].count
    }
  }

  // MARK: Splits

  @inline(__always)
  private func nodeValue(_ g: Double, _ h: Double) -> Double { -g / (h + l2 + 1e-15) }

  @inline(__always)
  private func splitGain(_ gl: Double, _ hl: Double, _ gr: Double, _ hr: Double, _ lossCurrent: Double) -> Double {
    var gain = lossCurrent
    gain -= gl * nodeValue(gl, hl)
    gain -= gr * nodeValue(gr, hr)
    return gain
  }

  private func findSplit(_ node: GrowingNode) -> SplitInfo {
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
        let gain = splitGain(gl, hl, gr, hr, lossCurrent)
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
          let gain = splitGain(gl, hl, gr, hr, lossCurrent)
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
  func grow(gradients: UnsafePointer<Float>, hessians: UnsafePointer<Float>) {
    nodes.removeAll(keepingCapacity: true)
    heap.removeAll(keepingCapacity: true)
    leaves.removeAll(keepingCapacity: true)
    freeHistograms = Array((0..<histograms.count).reversed())
    for r in 0..<rows { partition[r] = UInt32(truncatingIfNeeded: r) }
    let rootHist = buildHistogram(start: 0, stop: rows, gradients: gradients, hessians: hessians)
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
    while !heap.isEmpty { splitNext(gradients: gradients, hessians: hessians) }
    for l in leaves { nodes[l].value *= shrinkage }
  }

  private func splitNext(gradients: UnsafePointer<Float>, hessians: UnsafePointer<Float>) {
    let node = pop()
    guard var split = nodes[node].split else { return }
    let start = nodes[node].start
    let stop = nodes[node].stop
    // Stable partition of the node's rows.
    let col = binned + split.feature &* rows
    var nl = 0
    var nr = 0
    let bin = split.bin
    let missingLeft = split.missingGoesLeft
    for k in start..<stop {
      let r = partition[k]
      let b = Int(col[Int(r)])
      if (missingLeft && b == missingBin) || b <= bin {
        leftBuffer[nl] = r
        nl += 1
      } else {
        rightBuffer[nr] = r
        nr += 1
      }
    }
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
        start: nodes[smallest].start, stop: nodes[smallest].stop,
        gradients: gradients, hessians: hessians)
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
