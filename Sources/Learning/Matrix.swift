/// A dense row-major matrix of `Float` (rows are samples, columns are features).
///
/// Storage is one contiguous `[Float]` of `rows * columns` values; element `(r, c)` is `values[r * columns + c]`.
/// An empty matrix (`rows == 0`) is allowed; every consumer documents what it does with one.
public struct Matrix: Sendable, Hashable {
  public var rows: Int
  public var columns: Int
  public var values: [Float]

  /// A matrix over `values` in row-major order. `values.count` must equal `rows * columns`.
  public init(rows: Int, columns: Int, values: [Float]) {
    precondition(
      rows >= 0 && columns >= 0 && values.count == rows * columns,
      "Matrix: \(values.count) values do not make \(rows) x \(columns)")
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  /// A zero matrix.
  public init(rows: Int, columns: Int) {
    self.init(rows: rows, columns: columns, values: [Float](repeating: 0, count: rows * columns))
  }

  /// Converts row-major `Double` values (for example a `PanelSplit`'s `trainX`) to single precision.
  public init(rows: Int, columns: Int, doubles: [Double]) {
    self.init(rows: rows, columns: columns, values: doubles.map { Float($0) })
  }

  public subscript(row: Int, column: Int) -> Float {
    get { values[row * columns + column] }
    set { values[row * columns + column] = newValue }
  }

  /// The selected rows, in the order given (indices may repeat).
  public func rows(_ indices: some Collection<Int>) -> Matrix {
    var out = [Float]()
    out.reserveCapacity(indices.count * columns)
    values.withUnsafeBufferPointer { v in
      for r in indices {
        out.append(contentsOf: v[(r * columns)..<((r + 1) * columns)])
      }
    }
    return Matrix(rows: indices.count, columns: columns, values: out)
  }

  /// Rows of `self` followed by the rows of `other` (same column count).
  public func appending(_ other: Matrix) -> Matrix {
    precondition(other.columns == columns || other.rows == 0, "Matrix: column counts differ")
    return Matrix(rows: rows + other.rows, columns: columns, values: values + other.values)
  }
}
