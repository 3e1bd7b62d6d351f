import AlmanacCore

/// A recurrent binary classifier in `Float`: `torch.nn.GRU(input_size=F, hidden_size=H, num_layers=L,
/// batch_first=True)` run over each row's valid steps of a ``SequenceMatrix`` (as `pack_padded_sequence` with those
/// lengths would), then `nn.Linear(H, 1)` on the top layer's last hidden state and a sigmoid.
///
/// For each layer and valid step, with `x` the layer's input (the features for layer 0, the hidden state of the layer
/// below otherwise) and `h` the previous hidden state (`h0 = 0` at the row's first valid step):
/// ```
/// r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
/// z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
/// n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))
/// h' = (1 - z) * n + z * h
/// ```
///
/// Parameters live in one contiguous ``parameters`` buffer in PyTorch's `model.parameters()` order for a module
/// holding the GRU and then the head: for each layer `weight_ih_l{k}` `[3H x in]`, `weight_hh_l{k}` `[3H x H]`,
/// `bias_ih_l{k}` `[3H]`, `bias_hh_l{k}` `[3H]` (gates stacked r, z, n as PyTorch stacks them, matrices row-major),
/// then the head's weight `[1 x H]` and bias `[1]`.
public struct GRUNetwork: Sendable, Hashable {
  /// Features per step (`F`).
  public let inputSize: Int
  /// Hidden units per layer (`H`).
  public let hiddenSize: Int
  /// Stacked GRU layers (`L`).
  public let layers: Int
  /// All weights and biases (see the type's documentation for the layout).
  public var parameters: [Float]
  /// Offsets of `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` of each layer.
  public let weightIHOffsets: [Int]
  public let weightHHOffsets: [Int]
  public let biasIHOffsets: [Int]
  public let biasHHOffsets: [Int]
  /// Offsets of the head's weight (`H` values) and bias (one value).
  public let headWeightOffset: Int
  public let headBiasOffset: Int

  /// A network with PyTorch's initialisation law: every GRU weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)) (as
  /// `nn.GRU.reset_parameters`), and the head `nn.Linear(H, 1)`'s weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)) (its
  /// default, fan_in = H). Values are drawn from `generator` (`nextUnit()`, one draw per parameter) in the order of
  /// ``parameters``: layer by layer `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (row-major), then the head's
  /// weight and bias. The stream is not PyTorch's; the law is.
  ///
  /// - Parameters: inputSize, hidden, layers: each > 0.
  public init(inputSize: Int, hidden: Int, layers: Int = 1, generator: inout SplitMix64) {
    self.init(inputSize: inputSize, hidden: hidden, layers: layers)
    let bound = 1 / Double(hidden).squareRoot()
    for k in parameters.indices { parameters[k] = Float(-bound + 2 * bound * generator.nextUnit()) }
  }

  /// A network with all parameters zero (set ``parameters`` yourself, for example from a fixture).
  public init(inputSize: Int, hidden: Int, layers: Int = 1) {
    precondition(inputSize > 0 && hidden > 0 && layers > 0, "GRUNetwork: sizes and layers must be > 0")
    self.inputSize = inputSize
    hiddenSize = hidden
    self.layers = layers
    var wih: [Int] = []
    var whh: [Int] = []
    var bih: [Int] = []
    var bhh: [Int] = []
    var offset = 0
    for l in 0..<layers {
      let nIn = l == 0 ? inputSize : hidden
      wih.append(offset)
      offset += 3 * hidden * nIn
      whh.append(offset)
      offset += 3 * hidden * hidden
      bih.append(offset)
      offset += 3 * hidden
      bhh.append(offset)
      offset += 3 * hidden
    }
    weightIHOffsets = wih
    weightHHOffsets = whh
    biasIHOffsets = bih
    biasHHOffsets = bhh
    headWeightOffset = offset
    headBiasOffset = offset + hidden
    parameters = [Float](repeating: 0, count: offset + hidden + 1)
  }

  /// Inputs of layer `l` (`F` for the first, `H` above).
  public func layerInputSize(_ l: Int) -> Int { l == 0 ? inputSize : hiddenSize }

  /// Predicted probabilities `P(y = 1 | sequence)` for every row of `x` (`x.features == inputSize`). Empty input
  /// gives `[]`; a NaN in a row's valid steps makes that row's probability NaN (padding steps are never read).
  public func predict(_ x: SequenceMatrix) -> [Float] {
    precondition(x.features == inputSize, "predict: \(x.features) features, the network expects \(inputSize)")
    precondition(
      x.isConsistent, "predict: inconsistent SequenceMatrix (values, lengths or a length outside 1...window)")
    if x.rows == 0 { return [] }
    let workspace = GRUWorkspace(network: self, window: x.window, maxBatch: min(256, x.rows))
    var out = [Float](repeating: 0, count: x.rows)
    var start = 0
    while start < x.rows {
      let end = min(x.rows, start + workspace.maxBatch)
      workspace.predict(network: self, x: x, rows: start..<end, into: &out)
      start = end
    }
    return out
  }
}
