/// Sequences of feature vectors, one per row (sample), right-aligned: row `r`'s valid steps are the last
/// `lengths[r]` of `window` steps (steps `window - lengths[r] ..< window`); earlier steps are padding (zeros by
/// convention) and are skipped by every consumer, whatever they hold.
///
/// Storage is one contiguous `[Float]` of `rows * window * features` values, row-major `[row][step][feature]`, step 0
/// the oldest: value `(r, t, f)` is `values[(r * window + t) * features + f]`. An empty matrix (`rows == 0`) is allowed.
public struct SequenceMatrix: Sendable, Hashable {
  public var rows: Int
  public var window: Int
  public var features: Int
  /// `rows * window * features` values (see the type's documentation for the layout).
  public var values: [Float]
  /// Valid steps of each row, `1...window`.
  public var lengths: [Int]

  /// Sequences over `values` (layout above). Requires `window >= 1`, `features >= 1`,
  /// `values.count == rows * window * features`, one length per row, each in `1...window`.
  public init(rows: Int, window: Int, features: Int, values: [Float], lengths: [Int]) {
    precondition(rows >= 0 && window >= 1 && features >= 1, "SequenceMatrix: rows >= 0, window >= 1, features >= 1")
    precondition(
      values.count == rows * window * features,
      "SequenceMatrix: \(values.count) values do not make \(rows) x \(window) x \(features)")
    precondition(lengths.count == rows, "SequenceMatrix: \(lengths.count) lengths for \(rows) rows")
    precondition(lengths.allSatisfy { $0 >= 1 && $0 <= window }, "SequenceMatrix: every length must be in 1...window")
    self.rows = rows
    self.window = window
    self.features = features
    self.values = values
    self.lengths = lengths
  }

  /// Values per row (`window * features`).
  public var rowStride: Int { window * features }

  /// Whether the stored properties still describe a valid matrix (they are mutable): the count of values, one length
  /// per row, each in `1...window`. Kernels check this before reading raw buffers.
  public var isConsistent: Bool {
    rows >= 0 && window >= 1 && features >= 1 && values.count == rows * window * features && lengths.count == rows
      && lengths.allSatisfy { $0 >= 1 && $0 <= window }
  }

  /// The selected rows with their lengths, in the order given (indices may repeat).
  public func rows(_ indices: some Collection<Int>) -> SequenceMatrix {
    let stride = rowStride
    var out = [Float]()
    out.reserveCapacity(indices.count * stride)
    var lens = [Int]()
    lens.reserveCapacity(indices.count)
    values.withUnsafeBufferPointer { v in
      for r in indices {
        out.append(contentsOf: v[(r * stride)..<((r + 1) * stride)])
        lens.append(lengths[r])
      }
    }
    return SequenceMatrix(rows: indices.count, window: window, features: features, values: out, lengths: lens)
  }

  /// The rows flattened to a `rows x (window * features)` ``Matrix`` (for ``Rebalancer``); lengths are dropped.
  public var flattened: Matrix { Matrix(rows: rows, columns: rowStride, values: values) }

  /// Rows of `self` followed by the rows of `other` (same window and features).
  public func appending(_ other: SequenceMatrix) -> SequenceMatrix {
    precondition(
      other.rows == 0 || (other.window == window && other.features == features), "SequenceMatrix: shapes differ")
    return SequenceMatrix(
      rows: rows + other.rows, window: window, features: features, values: values + other.values,
      lengths: lengths + other.lengths)
  }
}
