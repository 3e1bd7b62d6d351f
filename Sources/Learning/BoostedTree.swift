/// One node of a ``BoostedTree``, laid out as scikit-learn's `TreePredictor.nodes` (pre-order, left child first).
public struct TreeNode: Sendable, Hashable {
  /// Leaves: the leaf's contribution to the raw score (already multiplied by the learning rate). Internal nodes:
  /// the node's Newton value before shrinkage (0 at the root), kept for inspection only.
  public var value: Double
  /// Training rows that reached the node.
  public var count: Int
  /// Split feature (internal nodes).
  public var feature: Int
  /// Rows with `x[feature] <= threshold` go left; +inf means "split on missing values": every non-missing value
  /// goes left.
  public var threshold: Double
  /// The same split on binned data: bins `<= binThreshold` go left.
  public var binThreshold: Int
  /// Where NaN goes. When the training rows had no NaN in `feature`, NaN follows the child with more rows.
  public var missingGoesLeft: Bool
  /// Index of the children in ``BoostedTree/nodes`` (internal nodes).
  public var left: Int
  public var right: Int
  public var isLeaf: Bool
  /// Loss reduction of the split (internal nodes), -1 for leaves.
  public var gain: Double
  public var depth: Int
}

/// A regression tree of a ``GradientBoostedTrees`` model: it adds a value to the raw (log-odds) score.
public struct BoostedTree: Sendable, Hashable {
  public var nodes: [TreeNode]

  /// Number of leaves.
  public var leafCount: Int { nodes.reduce(0) { $0 + ($1.isLeaf ? 1 : 0) } }
  /// Largest leaf depth (0 for a single leaf).
  public var depth: Int { nodes.reduce(0) { max($0, $1.depth) } }

  /// The tree's value for one row of raw features (`row[f]` is feature f; NaN follows ``TreeNode/missingGoesLeft``).
  @inline(__always)
  public func value(_ row: UnsafePointer<Float>) -> Double {
    nodes.withUnsafeBufferPointer { n in
      var i = 0
      while !n[i].isLeaf {
        let x = row[n[i].feature]
        if x.isNaN {
          i = n[i].missingGoesLeft ? n[i].left : n[i].right
        } else {
          i = Double(x) <= n[i].threshold ? n[i].left : n[i].right
        }
      }
      return n[i].value
    }
  }

  /// The tree's value for row `r` of feature-major binned data with `rows` rows.
  @inline(__always)
  func value(binned: UnsafePointer<UInt8>, row r: Int, rows: Int, missingBin: Int) -> Double {
    nodes.withUnsafeBufferPointer { n in
      var i = 0
      while !n[i].isLeaf {
        let b = Int(binned[n[i].feature &* rows &+ r])
        if b == missingBin {
          i = n[i].missingGoesLeft ? n[i].left : n[i].right
        } else {
          i = b <= n[i].binThreshold ? n[i].left : n[i].right
        }
      }
      return n[i].value
    }
  }
}
