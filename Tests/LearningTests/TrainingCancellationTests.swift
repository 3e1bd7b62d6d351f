import Foundation
import AlmanacCore
import Learning
import Testing

@Suite("Training stops when cancelled")
struct TrainingCancellationTests {
  static func data(rows: Int) -> (Matrix, [Float]) {
    var g = SplitMix64(seed: 3)
    let x = (0..<(rows * 4)).map { _ in Float(g.nextUnit()) }
    let y = (0..<rows).map { Float($0 % 2) }
    return (Matrix(rows: rows, columns: 4, values: x), y)
  }

  @Test func aCancelledTokenStopsBeforeTheFirstBatchAndLeavesTheNetwork() {
    let (x, y) = Self.data(rows: 64)
    var g = SplitMix64(seed: 1)
    var net = FeedForwardNetwork(inputSize: 4, hidden: [8], generator: &g)
    let before = net.parameters
    var adam = Adam(parameterCount: net.parameters.count)
    let trainer = NetworkTrainer(network: net, options: TrainingOptions(epochs: 5, batchSize: 8))
    let token = CancellationToken()
    token.cancel()
    let losses = trainer.train(network: &net, optimizer: &adam, x: x, y: y, generator: &g, cancellation: token)
    #expect(losses.isEmpty)
    #expect(net.parameters == before)
    #expect(throws: Cancelled.self) { try token.check() }
  }

  @Test func theDefaultNeverCancelsAndTrainsEveryEpoch() {
    let (x, y) = Self.data(rows: 64)
    var g = SplitMix64(seed: 1)
    var net = FeedForwardNetwork(inputSize: 4, hidden: [8], generator: &g)
    var adam = Adam(parameterCount: net.parameters.count)
    let trainer = NetworkTrainer(network: net, options: TrainingOptions(epochs: 5, batchSize: 8))
    let losses = trainer.train(network: &net, optimizer: &adam, x: x, y: y, generator: &g)
    #expect(losses.count == 5 && losses.allSatisfy(\.isFinite))
  }

  /// A cancel from another thread stops a long training within a batch: far fewer epochs than asked. The canceller
  /// is a plain thread, not a task: Swift Testing's cooperative pool may be busy with other suites.
  @Test func aCancelFromAnotherThreadStopsTraining() {
    let token = CancellationToken()
    let epochs = 100_000
    let (x, y) = Self.data(rows: 256)
    var g = SplitMix64(seed: 1)
    var net = FeedForwardNetwork(inputSize: 4, hidden: [16, 8], generator: &g)
    var adam = Adam(parameterCount: net.parameters.count)
    let trainer = NetworkTrainer(network: net, options: TrainingOptions(epochs: epochs, batchSize: 8))
    Thread.detachNewThread {
      Thread.sleep(forTimeInterval: 0.2)
      token.cancel()
    }
    let done = trainer.train(network: &net, optimizer: &adam, x: x, y: y, generator: &g, cancellation: token).count
    #expect(done < epochs)
  }
}
