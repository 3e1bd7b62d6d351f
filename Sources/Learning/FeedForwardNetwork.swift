import AlmanacCore

/// The hidden-layer non-linearity of a ``FeedForwardNetwork``.
public enum Activation: String, Sendable, CaseIterable {
  /// max(0, x); its derivative is taken as 0 at 0 (PyTorch's `threshold_backward` on the output).
  case relu
  /// tanh(x); derivative 1 - tanh(x)^2 computed from the output.
  case tanh
}

/// A fully connected feed-forward binary classifier in `Float`: `input -> hidden... -> 1`, with the chosen activation
/// after every hidden layer and a sigmoid on the single output (PyTorch's `nn.Linear`/`nn.ReLU`/`nn.Sigmoid` stack).
///
/// With no hidden layers it is logistic regression: `p = sigmoid(w . x + b)`.
///
/// Parameters live in one contiguous ``parameters`` buffer in PyTorch's `model.parameters()` order: for each layer
/// the weight matrix `[out x in]` row-major (`W[o, i]` at `o * in + i`) followed by the bias `[out]`.
public struct FeedForwardNetwork: Sendable, Hashable {
  /// `[input, hidden..., 1]`.
  public let layerSizes: [Int]
  public let activation: Activation
  /// All weights and biases (see the type's documentation for the layout).
  public var parameters: [Float]
  /// Offset of layer `l`'s weight matrix (l = 0 is the first linear layer).
  public let weightOffsets: [Int]
  /// Offset of layer `l`'s bias.
  public let biasOffsets: [Int]

  /// Number of linear layers (hidden layers + 1).
  public var layerCount: Int { layerSizes.count - 1 }
  public var inputSize: Int { layerSizes[0] }

  /// A network with PyTorch's default `nn.Linear` initialisation: every weight and bias of a layer with `fan_in`
  /// inputs drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)), layer by layer, weights
  /// (row-major `[out x in]`) before biases, from `generator`.
  ///
  /// - Parameters:
  ///   - inputSize: number of features (> 0).
  ///   - hidden: hidden layer widths (each > 0); `[]` gives logistic regression.
  ///   - activation: hidden-layer activation (default relu).
  public init(inputSize: Int, hidden: [Int], activation: Activation = .relu, generator: inout SplitMix64) {
    self.init(inputSize: inputSize, hidden: hidden, activation: activation)
    for l in 0..<layerCount {
      let bound = 1 / Double(layerSizes[l]).squareRoot()
      let n = layerSizes[l] * layerSizes[l + 1]
      for k in 0..<n { parameters[weightOffsets[l] + k] = Float(-bound + 2 * bound * generator.nextUnit()) }
      for k in 0..<layerSizes[l + 1] {
        parameters[biasOffsets[l] + k] = Float(-bound + 2 * bound * generator.nextUnit())
      }
    }
  }

  /// A network with all parameters zero (set ``parameters`` yourself, for example from a fixture).
  public init(inputSize: Int, hidden: [Int], activation: Activation = .relu) {
    precondition(inputSize > 0, "FeedForwardNetwork: inputSize must be > 0")
    precondition(hidden.allSatisfy { $0 > 0 }, "FeedForwardNetwork: hidden sizes must be > 0")
    layerSizes = [inputSize] + hidden + [1]
    self.activation = activation
    var w: [Int] = []
    var b: [Int] = []
    var offset = 0
    for l in 0..<(layerSizes.count - 1) {
      w.append(offset)
      offset += layerSizes[l] * layerSizes[l + 1]
      b.append(offset)
      offset += layerSizes[l + 1]
    }
    weightOffsets = w
    biasOffsets = b
    parameters = [Float](repeating: 0, count: offset)
  }

  /// Predicted probabilities `P(y = 1 | x)` for every row of `x` (`x.columns == inputSize`). Empty input gives `[]`;
  /// NaN features propagate to NaN probabilities.
  public func predict(_ x: Matrix) -> [Float] {
    precondition(x.columns == inputSize, "predict: \(x.columns) columns, the network expects \(inputSize)")
    if x.rows == 0 { return [] }
    let workspace = NetworkWorkspace(network: self, maxBatch: min(256, x.rows))
    var out = [Float](repeating: 0, count: x.rows)
    var start = 0
    while start < x.rows {
      let end = min(x.rows, start + workspace.maxBatch)
      workspace.forward(network: self, x: x, rows: start..<end)
      workspace.copyOutput(into: &out, at: start, count: end - start)
      start = end
    }
    return out
  }
}
