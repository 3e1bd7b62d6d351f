@testable import Forecasting
import Testing

/// The BFGS minimiser on a convex quadratic whose minimiser is known in closed form.
@Suite struct BFGSTests {
  /// f(x) = 0.5 x'Ax - b'x with A = [[a, c], [c, d]] positive definite: the minimiser solves A x = b (Cramer's rule).
  @Test(arguments: [false, true])
  func quadraticMinimum(forwardDifferences: Bool) {
    let (a, c, d) = (3.0, 1.0, 2.0)
    let b = [1.0, -2.0]
    let det = a * d - c * c
    let expected = [(b[0] * d - c * b[1]) / det, (a * b[1] - c * b[0]) / det]
    let result = BFGS.minimize([0, 0], parscale: [1, 1], maxIterations: 100, reltol: 1e-12,
                               forwardDifferences: forwardDifferences) { x in
      0.5 * (a * x[0] * x[0] + 2 * c * x[0] * x[1] + d * x[1] * x[1]) - b[0] * x[0] - b[1] * x[1]
    }
    // Forward differences have an O(step) gradient bias (step 1e-3): for a quadratic the bias is A e_i step / 2,
    // which moves the minimiser by at most about step / 2.
    let tolerance = forwardDifferences ? 1e-3 : 1e-6
    #expect(result.converged)
    for i in 0..<2 {
      #expect(abs(result.x[i] - expected[i]) < tolerance, "x[\(i)] = \(result.x[i]), expected \(expected[i])")
    }
  }
}
