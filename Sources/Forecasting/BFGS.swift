import AlmanacCore

/// Outcome of ``BFGS/minimize(_:parscale:maxIterations:reltol:objective:)``.
struct BFGSResult {
  var x: [Double]
  var value: Double
  var iterations: Int
  var functionEvaluations: Int
  var gradientEvaluations: Int
  var converged: Bool
}

/// Quasi-Newton minimisation with the BFGS inverse-Hessian update and backtracking line search, in the style of
/// R's `optim(method = "BFGS")` (Nash's variable metric algorithm): parameters are scaled by `parscale`, gradients
/// are central differences with step 1e-3 in the scaled coordinates, the step is shrunk by 0.2 until the Armijo
/// condition (tolerance 1e-4) holds, and the search stops when the relative decrease falls below `reltol` right
/// after a restart. With `scaledRestart` a restart scales the identity so that the first trial step is not smaller
/// than 0.1 in its largest coordinate (R's first step equals the gradient, which near a good start is tiny, so R's
/// test can declare convergence before moving); ARIMA uses it for a second, polishing pass. With
/// `forwardDifferences` gradients are forward differences (n evaluations instead of 2n, error O(step)): for cheap
/// exploratory runs whose result is polished afterwards.
/// `converged` is false when `maxIterations` is reached first, or when `cancellation` (polled once per iteration)
/// was cancelled.
enum BFGS {
  static let step = 1e-3
  /// Largest coordinate change of the first trial step after a (re)start, in scaled units.
  static let initialStep = 0.1

  static func minimize(
    _ x0: [Double], parscale: [Double], maxIterations: Int = 100,
    cancellation: CancellationToken = .never, reltol: Double = 1.490116119384765625e-8,
    scaledRestart: Bool = false, forwardDifferences: Bool = false,
    objective: (UnsafeMutableBufferPointer<Double>) -> Double
  ) -> BFGSResult {
    let n = x0.count
    var buffer = [Double](repeating: 0, count: n)
    var functionCount = 0
    var gradientCount = 0
    func f(_ scaled: [Double]) -> Double {
      functionCount += 1
      for i in 0..<n { buffer[i] = scaled[i] * parscale[i] }
      let value = buffer.withUnsafeMutableBufferPointer { objective($0) }
      return value.isNaN ? .greatestFiniteMagnitude : value
    }
    func gradient(_ scaled: [Double], value: Double, into g: inout [Double]) {
      gradientCount += 1
      var x = scaled
      for i in 0..<n {
        x[i] = scaled[i] + step
        let up = f(x)
        if forwardDifferences {
          x[i] = scaled[i]
          g[i] = (up - value) / step
          continue
        }
        x[i] = scaled[i] - step
        let down = f(x)
        x[i] = scaled[i]
        g[i] = (up - down) / (2 * step)
      }
    }
    var b = (0..<n).map { x0[$0] / parscale[$0] }
    var fmin = f(b)
    if n == 0 || !fmin.isFinite {
      return BFGSResult(
        x: x0, value: fmin, iterations: 0, functionEvaluations: functionCount,
        gradientEvaluations: 0, converged: n == 0)
    }
    var g = [Double](repeating: 0, count: n)
    gradient(b, value: fmin, into: &g)
    var h = [Double](repeating: 0, count: n * n)
    // A restart uses a multiple of the identity scaled so that the first trial step moves the largest coordinate by
    // at most `initialStep` (R's plain identity makes that step as small as the gradient, and with a small gradient
    // the relative-change test then stops at the start point). The line search shrinks the step as usual.
    func resetH() {
      var gmax = 0.0
      for i in 0..<n { gmax = max(gmax, abs(g[i])) }
      let scale = scaledRestart && gmax > 0 ? max(1, initialStep / gmax) : 1
      for i in 0..<n { for j in 0..<n { h[i * n + j] = i == j ? scale : 0 } }
    }
    var iterations = 1
    var lastReset = gradientCount
    var t = [Double](repeating: 0, count: n)
    var gOld = g
    var x = b
    var converged = false
    while true {
      if cancellation.isCancelled { break }  // not converged; the caller throws `Cancelled`
      if lastReset == gradientCount { resetH() }
      gOld = g
      var slope = 0.0
      for i in 0..<n {
        var s = 0.0
        for j in 0..<n { s -= h[i * n + j] * g[j] }
        t[i] = s
        slope += s * g[i]
      }
      var count = 0
      if slope < 0 {
        var steplength = 1.0
        var accepted = false
        var f1 = fmin
        repeat {
          count = 0
          for i in 0..<n {
            x[i] = b[i] + steplength * t[i]
            if x[i] == b[i] { count += 1 }
          }
          if count < n {
            f1 = f(x)
            accepted = f1.isFinite && f1 <= fmin + slope * steplength * 1e-4
            if !accepted { steplength *= 0.2 }
          }
        } while !(count == n || accepted)
        let enough = abs(f1 - fmin) > reltol * (abs(fmin) + reltol)
        if !enough {
          count = n
          if f1 < fmin {
            fmin = f1
            b = x
          }
        }
        if count < n {
          fmin = f1
          b = x
          gradient(b, value: fmin, into: &g)
          iterations += 1
          var d1 = 0.0
          for i in 0..<n {
            t[i] *= steplength
            gOld[i] = g[i] - gOld[i]
            d1 += t[i] * gOld[i]
          }
          if d1 > 0 {
            var hy = [Double](repeating: 0, count: n)
            var d2 = 0.0
            for i in 0..<n {
              var s = 0.0
              for j in 0..<n { s += h[i * n + j] * gOld[j] }
              hy[i] = s
              d2 += s * gOld[i]
            }
            d2 = 1 + d2 / d1
            for i in 0..<n {
              for j in 0..<n {
                h[i * n + j] += (d2 * t[i] * t[j] - hy[i] * t[j] - t[i] * hy[j]) / d1
              }
            }
          } else {
            lastReset = gradientCount
          }
        } else if lastReset < gradientCount {
          count = 0
          lastReset = gradientCount
        }
      } else {
        count = 0
        if lastReset == gradientCount {
          count = n
        } else {
          lastReset = gradientCount
        }
      }
      if count == n && lastReset == gradientCount {
        converged = true
        break
      }
      if iterations >= maxIterations { break }
      if gradientCount - lastReset > 2 * n { lastReset = gradientCount }
    }
    return BFGSResult(
      x: (0..<n).map { b[$0] * parscale[$0] }, value: fmin, iterations: iterations,
      functionEvaluations: functionCount, gradientEvaluations: gradientCount, converged: converged)
  }

  /// Numerical Hessian as R's `optimHess`: central differences of central-difference gradients, step 1e-3 in the
  /// scaled coordinates `x / parscale`, symmetrised. Entries are in the original coordinates. `cancellation` is
  /// polled once per row (4n evaluations); when cancelled the rest of the matrix is NaN.
  static func hessian(
    at x0: [Double], parscale: [Double], cancellation: CancellationToken = .never,
    objective: (UnsafeMutableBufferPointer<Double>) -> Double
  ) -> [[Double]] {
    // R's `optimhess`: row i is the central difference, at x +- e_i, of central-difference gradients. Each
    // off-diagonal pair (i, j) uses the same four points x +- e_i +- e_j for H_ij and H_ji, so each point is
    // evaluated once (2k^2 + 2k evaluations instead of 4k^2), with the same arithmetic as the direct form.
    let n = x0.count
    var buffer = x0
    func f(_ x: [Double]) -> Double {
      for i in 0..<n { buffer[i] = x[i] }
      return buffer.withUnsafeMutableBufferPointer { objective($0) }
    }
    let e = (0..<n).map { step * parscale[$0] }
    var hess = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    var x = x0
    for i in 0..<n {
      if cancellation.isCancelled { return [[Double]](repeating: [Double](repeating: .nan, count: n), count: n) }
      let plus = x0[i] + e[i]
      let minus = x0[i] - e[i]
      x[i] = plus + e[i]
      let upUp = f(x)
      x[i] = plus - e[i]
      let upDown = f(x)
      x[i] = minus + e[i]
      let downUp = f(x)
      x[i] = minus - e[i]
      let downDown = f(x)
      x[i] = x0[i]
      let g1 = (upUp - upDown) / (2 * e[i])
      let g2 = (downUp - downDown) / (2 * e[i])
      hess[i][i] = (g1 - g2) / (2 * e[i])
      for j in (i + 1)..<max(i + 1, n) {
        x[i] = plus
        x[j] = x0[j] + e[j]
        let a = f(x)
        x[j] = x0[j] - e[j]
        let b = f(x)
        x[i] = minus
        x[j] = x0[j] + e[j]
        let c = f(x)
        x[j] = x0[j] - e[j]
        let d = f(x)
        x[i] = x0[i]
        x[j] = x0[j]
        hess[i][j] = ((a - b) / (2 * e[j]) - (c - d) / (2 * e[j])) / (2 * e[i])
        hess[j][i] = ((a - c) / (2 * e[i]) - (b - d) / (2 * e[i])) / (2 * e[j])
      }
    }
    for i in 0..<n {
      for j in 0..<i {
        let s = 0.5 * (hess[i][j] + hess[j][i])
        hess[i][j] = s
        hess[j][i] = s
      }
    }
    return hess
  }

  /// Inverse of a small dense matrix by Gauss-Jordan elimination with partial pivoting; nil when singular.
  static func invert(_ matrix: [[Double]]) -> [[Double]]? {
    let n = matrix.count
    var a = matrix
    var inv = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
    for col in 0..<n {
      var pivot = col
      for row in col..<n where abs(a[row][col]) > abs(a[pivot][col]) { pivot = row }
      guard abs(a[pivot][col]) > 1e-300, a[pivot][col].isFinite else { return nil }
      a.swapAt(col, pivot)
      inv.swapAt(col, pivot)
      let d = a[col][col]
      for k in 0..<n {
        a[col][k] /= d
        inv[col][k] /= d
      }
      for row in 0..<n where row != col {
        let factor = a[row][col]
        if factor == 0 { continue }
        for k in 0..<n {
          a[row][k] -= factor * a[col][k]
          inv[row][k] -= factor * inv[col][k]
        }
      }
    }
    return inv
  }
}
