import AlmanacCore

/// Mini-batch training options (PyTorch `DataLoader(shuffle=True, drop_last=False)` semantics).
public struct TrainingOptions: Sendable, Hashable {
  /// Passes over the training rows (default 30, the tutorial's).
  public var epochs: Int
  /// Rows per batch (default 32); the last, partial batch of an epoch is kept.
  public var batchSize: Int

  public init(epochs: Int = 30, batchSize: Int = 32) {
    precondition(epochs >= 0 && batchSize > 0, "epochs must be >= 0 and batchSize > 0")
    self.epochs = epochs
    self.batchSize = batchSize
  }
}

/// Trains a ``FeedForwardNetwork`` with ``Adam`` on mini-batches, reusing one preallocated workspace.
///
/// Each epoch draws a fresh permutation of the rows (Fisher–Yates with the caller's `SplitMix64`), walks it in
/// batches of `batchSize` (the last one partial), and takes one Adam step per batch on the mean BCE of the batch.
/// The epoch loss is the mean of the batch losses (`running_loss / len(train_loader)` in the tutorial).
public final class NetworkTrainer {
  public let options: TrainingOptions
  private let workspace: NetworkWorkspace
  private var order: [Int] = []

  public init(network: FeedForwardNetwork, options: TrainingOptions) {
    self.options = options
    workspace = NetworkWorkspace(network: network, maxBatch: options.batchSize)
  }

  /// Trains for `options.epochs` epochs on (`x`, `y`), labels in {0, 1}; optional per-row loss weights
  /// (`sampleWeights[r]` multiplies row r's BCE term, PyTorch `BCELoss(weight=)`).
  ///
  /// - Returns: the loss of each epoch. With zero rows nothing is trained and every epoch's loss is NaN.
  /// - Parameter isCancelled: polled once per epoch; training stops early when it returns true.
  /// - Parameter cancellation: polled before every mini-batch; when cancelled, training stops within one batch and
  ///   returns the losses of the finished epochs (the caller then throws ``Cancelled``, `try cancellation.check()`).
  @discardableResult
  public func train(
    network: inout FeedForwardNetwork, optimizer: inout Adam, x: Matrix, y: [Float],
    sampleWeights: [Float]? = nil, generator: inout SplitMix64,
    isCancelled: () -> Bool = { false }, cancellation: CancellationToken = .never
  ) -> [Double] {
    precondition(x.columns == network.inputSize && y.count == x.rows, "train: shapes of x and y disagree")
    precondition(sampleWeights.map { $0.count == x.rows } ?? true, "train: one weight per row")
    let n = x.rows
    guard n > 0 else { return [Double](repeating: .nan, count: options.epochs) }
    if order.count != n { order = Array(0..<n) }
    var losses: [Double] = []
    losses.reserveCapacity(options.epochs)
    let batch = options.batchSize
    x.values.withUnsafeBufferPointer { xb in
      y.withUnsafeBufferPointer { yb in
        guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return }
        withWeights(sampleWeights) { wp in
          order.withUnsafeMutableBufferPointer { ob in
            for _ in 0..<options.epochs {
              if isCancelled() { break }
              let loss = shuffledEpoch(
                order: ob, batchSize: batch, generator: &generator, isStopped: { cancellation.isCancelled }
              ) { slice in
                workspace.trainStep(
                  network: &network, optimizer: &optimizer, x: xp, y: yp, sampleWeights: wp, indices: slice)
              }
              guard let loss else { return }
              losses.append(loss)
            }
          }
        }
      }
    }
    return losses
  }

  /// One Adam step on all rows of `x` as a single batch (at most `batchSize` rows, in order, no shuffling).
  /// Returns the batch loss. Used by tests that compare against reference optimiser trajectories.
  @discardableResult
  public func step(
    network: inout FeedForwardNetwork, optimizer: inout Adam, x: Matrix, y: [Float],
    sampleWeights: [Float]? = nil
  ) -> Double {
    precondition(x.rows > 0 && x.rows <= options.batchSize && y.count == x.rows && x.columns == network.inputSize)
    let indices = Array(0..<x.rows)
    return x.values.withUnsafeBufferPointer { xb in
      y.withUnsafeBufferPointer { yb in
        indices.withUnsafeBufferPointer { ib in
          withWeights(sampleWeights) { wp in
            guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return Double.nan }
            return workspace.trainStep(
              network: &network, optimizer: &optimizer, x: xp, y: yp, sampleWeights: wp,
              indices: ib)
          }
        }
      }
    }
  }

  /// The mean BCE of `x` as one batch and its gradient with respect to ``FeedForwardNetwork/parameters``
  /// (same layout), without changing the network.
  public func lossAndGradient(network: FeedForwardNetwork, x: Matrix, y: [Float], sampleWeights: [Float]? = nil)
    -> (loss: Double, gradient: [Float])
  {
    var copy = network
    // A zero learning rate leaves the parameters unchanged (Adam's update is lr-proportional).
    var frozen = Adam(parameterCount: network.parameters.count, learningRate: 0)
    let loss = step(network: &copy, optimizer: &frozen, x: x, y: y, sampleWeights: sampleWeights)
    return (loss, workspace.gradientSnapshot())
  }

  private func withWeights<R>(_ w: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let w else { return body(nil) }
    return w.withUnsafeBufferPointer { body($0.baseAddress) }
  }
}

/// Binary cross-entropy with PyTorch's clamping of each log at -100, averaged over consecutive batches of
/// `batchSize` rows and then over batches (the tutorial's validation loss: `sum(batch losses) / len(val_loader)`).
/// Computed in Double from Float probabilities. Empty input gives NaN.
public func batchedBCE(probabilities p: [Float], labels y: [Float], batchSize: Int) -> Double {
  precondition(p.count == y.count && batchSize > 0)
  guard !p.isEmpty else { return .nan }
  var total: Double = 0
  var batches = 0
  var start = 0
  while start < p.count {
    let end = min(p.count, start + batchSize)
    var s: Double = 0
    for i in start..<end {
      let lp = max(Double(Math.log(p[i])), -100)
      let lq = max(Double(Math.log(1 - p[i])), -100)
      s += -(Double(y[i]) * lp + (1 - Double(y[i])) * lq)
    }
    total += s / Double(end - start)
    batches += 1
    start = end
  }
  return total / Double(batches)
}

/// The training step's loss head, shared by the network and the GRU: PyTorch `BCELoss` (mean over the `n` rows of
/// `-w_i [y_i max(log p_i, -100) + (1 - y_i) max(log(1 - p_i), -100)]`, accumulated in Double) of the sigmoid
/// outputs `probability`, and into `logitGradient` the gradient with respect to each row's logit: `BCELoss` backward
/// (`(p - y) / max((1 - p) p, 1e-12) * w / n`) then the sigmoid's (`* (1 - p) p`), in PyTorch's order of operations.
@inline(__always)
func binaryCrossEntropyStep(
  probability: UnsafePointer<Float>, target: UnsafePointer<Float>, weight: UnsafePointer<Float>, count n: Int,
  logitGradient: UnsafeMutablePointer<Float>
) -> Double {
  let invN = 1 / Float(n)
  var loss: Double = 0
  for s in 0..<n {
    let pr = probability[s]
    let yv = target[s]
    let wv = weight[s]
    let logP = max(Math.log(pr), -100)
    let log1mP = max(Math.log(1 - pr), -100)
    loss += Double(-wv * (yv * logP + (1 - yv) * log1mP))
    let g = invN * (pr - yv) / max((1 - pr) * pr, 1e-12) * wv
    logitGradient[s] = g * (1 - pr) * pr
  }
  return loss / Double(n)
}

/// One epoch of mini-batch training with PyTorch `DataLoader(shuffle=True, drop_last=False)` semantics, shared by
/// the network's and the GRU's trainers: a Fisher–Yates permutation of `order` from `generator` (a uniform
/// permutation, as `torch.randperm` gives: a different stream, the same law), then `step` on each batch of
/// `batchSize` indices in that order, the last one partial.
///
/// - Returns: the mean of the batch losses (`running_loss / len(train_loader)`), or nil when `isStopped`, polled
///   before every batch, ended the epoch early.
@inline(__always)
func shuffledEpoch(
  order: UnsafeMutableBufferPointer<Int>, batchSize: Int, generator: inout SplitMix64, isStopped: () -> Bool,
  step: (UnsafeBufferPointer<Int>) -> Double
) -> Double? {
  for i in order.indices.reversed() where i > 0 {
    let j = generator.nextIndex(below: i + 1)
    order.swapAt(i, j)
  }
  let n = order.count
  var running: Double = 0
  var batches = 0
  var start = 0
  while start < n {
    if isStopped() { return nil }
    let end = min(n, start + batchSize)
    running += step(UnsafeBufferPointer(rebasing: order[start..<end]))
    batches += 1
    start = end
  }
  return running / Double(batches)
}
