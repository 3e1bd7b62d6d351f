/// The stationary covariance `Q0` of the ARMA state vector (Harvey's form used by R's `makeARIMA`), the initial
/// state covariance of the exact likelihood (Gardner, Harvey and Phillips 1980).
///
/// State dimension `r = max(p, q + 1)`, transition `T` with `phi` in the first column and ones on the superdiagonal,
/// disturbance loading `R = (1, theta1, ..., theta(r-1))`. `Q0` solves the discrete Lyapunov equation
/// `Q0 = T Q0 T' + R R'`; we solve it directly as a dense linear system in the `r(r+1)/2` distinct entries (the same
/// system Gardner et al. solve by Givens rotations), by Gaussian elimination with partial pivoting.
/// Returns false (leaving `out` unspecified) when the system is singular or not finite: a non-stationary AR part.
///
/// For large states (r >= ``doublingThreshold``, seasonal models) the dense system (cost r^6 / 24) is replaced by the
/// doubling iteration `Q <- Q + A Q A'`, `A <- A^2` from `Q = R R'`, `A = T` (after k steps Q sums 2^k terms of
/// `T^i R R' T'^i`; cost about 3 r^3 per step, at most 64 steps), stopped when the increment is below 1e-15 of Q.
struct StationaryCovariance {
  let r: Int
  let unknowns: Int
  /// State dimension from which the doubling iteration is used.
  static let doublingThreshold = 13
  var usesDoubling: Bool { r >= Self.doublingThreshold }
  private let system: UnsafeMutablePointer<Double>
  private let rhs: UnsafeMutablePointer<Double>

  init(r: Int) {
    self.r = r
    unknowns = r * (r + 1) / 2
    if r >= Self.doublingThreshold {
      // A, Q, and two products.
      system = .allocate(capacity: 4 * r * r)
      rhs = .allocate(capacity: 1)
    } else {
      system = .allocate(capacity: max(1, unknowns * unknowns))
      rhs = .allocate(capacity: max(1, unknowns))
    }
  }

  func deallocate() {
    system.deallocate()
    rhs.deallocate()
  }

  /// The doubling iteration (see the type's comment); false when it does not converge or is not finite.
  private func doubling(
    phi: UnsafePointer<Double>, p: Int, theta: UnsafePointer<Double>,
    out: UnsafeMutablePointer<Double>
  ) -> Bool {
    let n = r
    let a = system
    let q = system + n * n
    let t1 = system + 2 * n * n
    let t2 = system + 3 * n * n
    // Column-major: a[i + n * j]. T has phi in column 0 and ones on the superdiagonal.
    for k in 0..<(n * n) { a[k] = 0 }
    for i in 0..<p { a[i] = phi[i] }
    for i in 0..<(n - 1) { a[i + n * (i + 1)] = 1 }
    for j in 0..<n {
      let rj = j == 0 ? 1 : theta[j - 1]
      for i in 0..<n { q[i + n * j] = (i == 0 ? 1 : theta[i - 1]) * rj }
    }
    for _ in 0..<64 {
      // t1 = A Q
      for j in 0..<n {
        for i in 0..<n { t1[i + n * j] = 0 }
        for k in 0..<n {
          let qkj = q[k + n * j]
          if qkj == 0 { continue }
          for i in 0..<n { t1[i + n * j] += a[i + n * k] * qkj }
        }
      }
      // t2 = t1 A' ; track the increment's size and Q's.
      var increment = 0.0
      var size = 0.0
      for j in 0..<n {
        for i in 0..<n { t2[i + n * j] = 0 }
        for k in 0..<n {
          let ajk = a[j + n * k]
          if ajk == 0 { continue }
          for i in 0..<n { t2[i + n * j] += t1[i + n * k] * ajk }
        }
      }
      for k in 0..<(n * n) {
        q[k] += t2[k]
        increment = max(increment, abs(t2[k]))
        size = max(size, abs(q[k]))
      }
      guard increment.isFinite, size.isFinite, size < 1e300 else { return false }
      if increment <= 1e-15 * size {
        for j in 0..<n {
          for i in 0..<n { out[i + n * j] = 0.5 * (q[i + n * j] + q[j + n * i]) }
        }
        return out[0] > 0
      }
      // A <- A^2
      for j in 0..<n {
        for i in 0..<n { t1[i + n * j] = 0 }
        for k in 0..<n {
          let akj = a[k + n * j]
          if akj == 0 { continue }
          for i in 0..<n { t1[i + n * j] += a[i + n * k] * akj }
        }
      }
      for k in 0..<(n * n) { a[k] = t1[k] }
    }
    return false
  }

  @inline(__always) private func index(_ i: Int, _ j: Int) -> Int {
    // Packed upper triangle, row-major over i <= j.
    let a = min(i, j), b = max(i, j)
    return a * r - a * (a - 1) / 2 + (b - a)
  }

  /// Fills `out` (r x r, column-major, symmetric) with Q0 for AR coefficients `phi[0..<p]` and MA coefficients
  /// `theta[0..<(r-1)]` (zero-padded). No allocation.
  func compute(
    phi: UnsafePointer<Double>, p: Int, theta: UnsafePointer<Double>,
    out: UnsafeMutablePointer<Double>
  ) -> Bool {
    @inline(__always) func loading(_ i: Int) -> Double { i == 0 ? 1 : theta[i - 1] }
    if r == 1 {
      let value = p > 0 ? 1 / (1 - phi[0] * phi[0]) : 1
      out[0] = value
      return value.isFinite && value > 0
    }
    if usesDoubling { return doubling(phi: phi, p: p, theta: theta, out: out) }
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
