import Dispatch
import Foundation

/// SIGINT/SIGTERM handling for one runner invocation, through `DispatchSource` signal sources (no async-signal-unsafe
/// work in a C handler). The first signal cancels; the second forces. ``restore()`` puts the default dispositions
/// back.
final class RunnerSignals: @unchecked Sendable {
  // `@unchecked Sendable`: `sources` is written only in init and restore(), both on the runner's writer thread.
  private var sources: [any DispatchSourceSignal] = []
  private let queue = DispatchQueue(label: "almanac.runner.signals")

  init(cancellation: RunCancellation) {
    for sig in [SIGINT, SIGTERM] {
      signal(sig, SIG_IGN)
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
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
  }
}
