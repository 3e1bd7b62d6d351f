import Dispatch
import Foundation

/// SIGINT/SIGTERM handling for one runner invocation, through `DispatchSource` signal sources (no async-signal-unsafe
/// work in a C handler). The first signal cancels; the second forces. ``restore()`` puts the previous dispositions
/// back.
final class RunnerSignals: @unchecked Sendable {
  // `@unchecked Sendable`: `sources` and `previous` are written only in init and restore(), both on the runner's
  // writer thread.
  private var sources: [any DispatchSourceSignal] = []
  private var previous: [(Int32, (@convention(c) (Int32) -> Void)?)] = []
  private let queue = DispatchQueue(label: "almanac.runner.signals")

  init(cancellation: RunCancellation) {
    for sig in [SIGINT, SIGTERM] {
      previous.append((sig, signal(sig, SIG_IGN)))
      let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
      source.setEventHandler {
        if cancellation.isCancelled { cancellation.force() } else { cancellation.cancel() }
      }
      source.resume()
      sources.append(source)
    }
  }

  func restore() {
    for source in sources { source.cancel() }
    sources.removeAll()
    for (sig, handler) in previous { signal(sig, handler) }
    previous.removeAll()
  }
}
