/// The stationary covariance `Q0` of the ARMA state vector (Harvey's form used by R's `makeARIMA`), the initial
/// state covariance of the exact likelihood (Gardner, Harvey and Phillips 1980).
///
/// State dimension `r = max(p, q + 1)`, transition `T` with `phi` in the first column and ones on the superdiagonal,
/// disturbance loading `R = (1, theta1, ..., theta(r-1))`. `Q0` solves the discrete Lyapunov equation
/// `Q0 = T Q0 T' + R R'`; we solve it directly as a dense linear system in the `r(r+1)/2` distinct entries (the same
/// system Gardner et al. solve by Givens rotations), by Gaussian elimination with partial pivoting.
/// Returns false (leaving `out` unspecified) when the system is singular or not finite: a non-stationary AR part.
struct StationaryCovariance {
  let r: Int
  let unknowns: Int
  private let system: UnsafeMutablePointer<Double>
  private let rhs: UnsafeMutablePointer<Double>

  init(r: Int) {
    self.r = r
    unknowns = r * (r + 1) / 2
    system = .allocate(capacity: max(1, unknowns * unknowns))
    rhs = .allocate(capacity: max(1, unknowns))
  }

  func deallocate() {
    system.deallocate()
    rhs.deallocate()
  }

  @inline(__always) private func index(_ i: Int, _ j: Int) -> Int {
    // Packed upper triangle, row-major over i <= j.
    let a = min(i, j), b = max(i, j)
    return a * r - a * (a - 1) / 2 + (b - a)
  }

  /// Fills `out` (r x r, column-major, symmetric) with Q0 for AR coefficients `phi[0..<p]` and MA coefficients
  /// `theta[0..<(r-1)]` (zero-padded). No allocation.
  func compute(phi: UnsafePointer<Double>, p: Int, theta: UnsafePointer<Double>,
               out: UnsafeMutablePointer<Double>) -> Bool
  {
    @inline(__always) func loading(_ i: Int) -> Double { i == 0 ? 1 : theta[i - 1] }
    if r == 1 {
      let value = p > 0 ? 1 / (1 - phi[0] * phi[0]) : 1
      out[0] = value
      return value.isFinite && value > 0
    }
    let n = unknowns
    system.update(repeating: 0, count: n * n)
    for i in 0..<r {
      for j in i..<r {
        let row = index(i, j)
        rhs[row] = loading(i) * loading(j)
        system[row * n + row] += 1
        // (T Q T')_ij = sum_k sum_l T_ik T_jl Q_kl; row i of T has phi_i at column 0 and 1 at column i+1.
        for ka in 0..<2 {
          let k = ka == 0 ? 0 : i + 1
          let wk: Double = ka == 0 ? (i < p ? phi[i] : 0) : (i < r - 1 ? 1 : 0)
          if wk == 0 { continue }
          for la in 0..<2 {
            let l = la == 0 ? 0 : j + 1
            let wl: Double = la == 0 ? (j < p ? phi[j] : 0) : (j < r - 1 ? 1 : 0)
            if wl == 0 { continue }
            system[row * n + index(k, l)] -= wk * wl
          }
        }
      }
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..<n {
      var pivot = col
      var best = abs(system[col * n + col])
      for row in (col + 1)..<n where abs(system[row * n + col]) > best {
        best = abs(system[row * n + col])
        pivot = row
      }
      guard best > 1e-300, best.isFinite else { return false }
      if pivot != col {
        for k in col..<n { swapAt(col * n + k, pivot * n + k) }
        let t = rhs[col]
        rhs[col] = rhs[pivot]
        rhs[pivot] = t
      }
      let diag = system[col * n + col]
      for row in (col + 1)..<n {
        let factor = system[row * n + col] / diag
        if factor == 0 { continue }
        for k in col..<n { system[row * n + k] -= factor * system[col * n + k] }
        rhs[row] -= factor * rhs[col]
      }
    }
    var row = n - 1
    while row >= 0 {
      var s = rhs[row]
      for k in (row + 1)..<n { s -= system[row * n + k] * rhs[k] }
      rhs[row] = s / system[row * n + row]
      row -= 1
    }
    for i in 0..<r {
      for j in i..<r {
        let v = rhs[index(i, j)]
        guard v.isFinite else { return false }
        out[i + r * j] = v
        out[j + r * i] = v
      }
    }
    return out[0] > 0
  }

  @inline(__always) private func swapAt(_ a: Int, _ b: Int) {
    let t = system[a]
    system[a] = system[b]
    system[b] = t
  }
}
