import AlmanacCore
import Foundation

/// A claimed trial waiting for a worker.
struct RunnerWorkItem: Sendable {
  var trial: Trial
  var runID: Int64
  var artifactDirectory: URL
}

/// A trial a worker has finished with.
struct RunnerCompletion: Sendable {
  enum Result: Sendable {
    case success(TrialOutcome)
    case failure(String)
  }
  var item: RunnerWorkItem
  var result: Result
  var started: Date
  var ended: Date
  /// Cancellation had been requested when the trial returned: its outcome may be partial, so it is recorded KILLED.
  var cancelled: Bool
  var log: [String]
}

/// The hand-off between the writer and the workers: queued items, in-flight run ids, completions.
///
/// `@unchecked Sendable`: all mutable state is guarded by `condition` (an `NSCondition`, also used to wake the
/// writer on completions and the workers on new items).
final class RunnerQueue: @unchecked Sendable {
  private let condition = NSCondition()
  private var queued: [RunnerWorkItem] = []
  private var head = 0
  private var inFlight: Set<Int64> = []
  private var completions: [RunnerCompletion] = []
  private var closed = false

  /// Adds items and wakes workers.
  func enqueue(_ items: [RunnerWorkItem]) {
    guard !items.isEmpty else { return }
    condition.withLock {
      if head > 0 && head == queued.count {
        queued.removeAll(keepingCapacity: true)
        head = 0
      }
      queued.append(contentsOf: items)
      condition.broadcast()
    }
  }

  /// Blocks until an item is available (returns it, now in flight) or the queue is closed and empty (nil).
  func take() -> RunnerWorkItem? {
    condition.withLock {
      while head == queued.count && !closed { condition.wait() }
      guard head < queued.count else { return nil }
      let item = queued[head]
      head += 1
      inFlight.insert(item.runID)
      return item
    }
  }

  /// A worker hands back a trial.
  func complete(_ completion: RunnerCompletion) {
    condition.withLock {
      inFlight.remove(completion.item.runID)
      completions.append(completion)
      condition.broadcast()
    }
  }

  /// Returns the completions so far, waiting until `deadline` for at least one when there are none.
  func waitForCompletions(until deadline: Date) -> [RunnerCompletion] {
    condition.withLock {
      while completions.isEmpty {
        if !condition.wait(until: deadline) { break }
      }
      let out = completions
      completions.removeAll(keepingCapacity: true)
      return out
    }
  }

  /// Waits until nothing is in flight or `deadline` passes; returns whether nothing is in flight.
  func waitUntilIdle(until deadline: Date) -> Bool {
    condition.withLock {
      while !inFlight.isEmpty {
        if !condition.wait(until: deadline) { break }
      }
      return inFlight.isEmpty
    }
  }

  /// Removes and returns the items no worker has started.
  func drainQueued() -> [RunnerWorkItem] {
    condition.withLock {
      let out = Array(queued[head...])
      queued.removeAll()
      head = 0
      return out
    }
  }

  var queuedCount: Int { condition.withLock { queued.count - head } }
  var inFlightIDs: [Int64] { condition.withLock { Array(inFlight) } }
  var isIdle: Bool { condition.withLock { queued.count == head && inFlight.isEmpty && completions.isEmpty } }

  /// Workers blocked in ``take()`` return nil once the queue is empty.
  func close() {
    condition.withLock {
      closed = true
      condition.broadcast()
    }
  }
}

/// Log lines of one trial (guarded by ``Locked``), at most ``limit`` bytes.
final class RunnerLogBuffer: Sendable {
  private let state = Locked((lines: [String](), bytes: 0))
  /// Lines beyond this many bytes are dropped (a note says so).
  static let limit = 64 * 1024

  func append(_ line: String) {
    state.withLock { state in
      guard state.bytes <= Self.limit else { return }
      state.bytes += line.utf8.count + 1
      state.lines.append(state.bytes > Self.limit ? "... (log truncated at \(Self.limit) bytes)" : line)
    }
  }

  var all: [String] { state.withLock { $0.lines } }
}
