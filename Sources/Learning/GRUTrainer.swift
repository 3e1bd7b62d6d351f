import AlmanacCore

/// Trains a ``GRUNetwork`` with ``Adam`` on mini-batches of sequences, reusing one preallocated ``GRUWorkspace``:
/// the loop of ``NetworkTrainer`` (PyTorch `DataLoader(shuffle=True, drop_last=False)` semantics).
///
/// Each epoch draws a fresh permutation of the rows (Fisher–Yates with the caller's `SplitMix64`), walks it in
/// batches of `batchSize` (the last one partial), and takes one Adam step per batch on the mean BCE of the batch,
/// with full backpropagation through time. The epoch loss is the mean of the batch losses.
public final class GRUTrainer {
  public let options: TrainingOptions
  public let window: Int
  private let workspace: GRUWorkspace
  private var order: [Int] = []

  /// A trainer for `network` on sequences of `window` steps.
  public init(network: GRUNetwork, window: Int, options: TrainingOptions) {
    precondition(window > 0, "GRUTrainer: window must be > 0")
    self.options = options
    self.window = window
    workspace = GRUWorkspace(network: network, window: window, maxBatch: options.batchSize)
  }

  /// Trains for `options.epochs` epochs on (`x`, `y`), labels in {0, 1}; optional per-row loss weights
  /// (`sampleWeights[r]` multiplies row r's BCE term, PyTorch `BCELoss(weight=)`).
  ///
  /// - Returns: the loss of each epoch. With zero rows nothing is trained and every epoch's loss is NaN. A NaN in a
  ///   row's valid steps makes the losses (and from then on the parameters) NaN, as in PyTorch.
  /// - Parameter isCancelled: polled once per epoch and before every mini-batch; training stops within one batch
  ///   and returns the losses of the finished epochs.
  @discardableResult
  public func train(
    network: inout GRUNetwork, optimizer: inout Adam, x: SequenceMatrix, y: [Float],
    sampleWeights: [Float]? = nil, generator: inout SplitMix64, isCancelled: () -> Bool = { false }
  ) -> [Double] {
    check(network, x, y, sampleWeights)
    let n = x.rows
    guard n > 0 else { return [Double](repeating: .nan, count: options.epochs) }
    if order.count != n { order = Array(0..<n) }
    var losses: [Double] = []
    losses.reserveCapacity(options.epochs)
    let batch = options.batchSize
    withBuffers(x, y, sampleWeights) { xp, lp, yp, wp in
      order.withUnsafeMutableBufferPointer { ob in
        for _ in 0..<options.epochs {
          if isCancelled() { return }
          let loss = shuffledEpoch(order: ob, batchSize: batch, generator: &generator, isStopped: isCancelled) {
            workspace.trainStep(
              network: &network, optimizer: &optimizer, x: xp, lengths: lp, y: yp, sampleWeights: wp, indices: $0)
          }
          guard let loss else { return }
          losses.append(loss)
        }
      }
    }
    return losses
  }

  /// One Adam step on all rows of `x` as a single batch (`1...batchSize` rows, in order, no shuffling). Returns the
  /// batch loss. Used by tests that compare against reference optimiser trajectories.
  @discardableResult
  public func step(
    network: inout GRUNetwork, optimizer: inout Adam, x: SequenceMatrix, y: [Float], sampleWeights: [Float]? = nil
  ) -> Double {
    check(network, x, y, sampleWeights)
    precondition(x.rows > 0 && x.rows <= options.batchSize, "step: 1...batchSize rows")
    let indices = Array(0..<x.rows)
    return withBuffers(x, y, sampleWeights) { xp, lp, yp, wp in
      indices.withUnsafeBufferPointer { ib in
        workspace.trainStep(
          network: &network, optimizer: &optimizer, x: xp, lengths: lp, y: yp, sampleWeights: wp, indices: ib)
      }
    }
  }

  /// The mean BCE of `x` as one batch and its gradient with respect to ``GRUNetwork/parameters`` (same layout),
  /// without changing the network.
  public func lossAndGradient(network: GRUNetwork, x: SequenceMatrix, y: [Float], sampleWeights: [Float]? = nil)
    -> (loss: Double, gradient: [Float])
  {
    var copy = network
    // A zero learning rate leaves the parameters unchanged (Adam's update is lr-proportional).
    var frozen = Adam(parameterCount: network.parameters.count, learningRate: 0)
    let loss = step(network: &copy, optimizer: &frozen, x: x, y: y, sampleWeights: sampleWeights)
    return (loss, workspace.gradientSnapshot())
  }

  private func check(_ network: GRUNetwork, _ x: SequenceMatrix, _ y: [Float], _ w: [Float]?) {
    precondition(
      x.isConsistent, "GRUTrainer: inconsistent SequenceMatrix (values, lengths or a length outside 1...window)")
    precondition(
      x.features == network.inputSize && x.window == window && y.count == x.rows,
      "GRUTrainer: shapes of the network, x and y disagree")
    precondition(w.map { $0.count == x.rows } ?? true, "GRUTrainer: one weight per row")
    precondition(
      network.parameters.count == workspace.parameterCount && network.hiddenSize == workspace.hidden
        && network.layers == workspace.layers, "GRUTrainer: the network's shape differs from the trainer's")
  }

  private func withBuffers<R>(
    _ x: SequenceMatrix, _ y: [Float], _ w: [Float]?,
    _ body: (UnsafePointer<Float>, UnsafePointer<Int>, UnsafePointer<Float>, UnsafePointer<Float>?) -> R
  ) -> R {
    withWeights(w) { wp in
      x.values.withUnsafeBufferPointer { xb in
        x.lengths.withUnsafeBufferPointer { lb in
          y.withUnsafeBufferPointer { yb in
            // Callers check rows > 0 first, so the base addresses exist.
            guard let xp = xb.baseAddress, let lp = lb.baseAddress, let yp = yb.baseAddress else {
              preconditionFailure("GRUTrainer: empty buffers")
            }
            return body(xp, lp, yp, wp)
          }
        }
      }
    }
  }

  private func withWeights<R>(_ w: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let w else { return body(nil) }
    return w.withUnsafeBufferPointer { body($0.baseAddress) }
  }
}
