#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Cooperative cancellation for long-running numeric loops: one flag that any thread may set and a loop polls.
///
/// The runner makes one token per run (or per trial), hands it to the trial, and calls ``cancel()`` on SIGINT or
/// SIGTERM; kernels poll ``isCancelled`` (or call ``check()``) once per unit of work that takes well under a second
/// (a mini-batch, an optimiser iteration) and stop with ``Cancelled``. ``never`` is the default of every kernel
/// parameter: it cannot be cancelled and its poll is a single load of a constant.
///
/// The flag is a `pthread` mutex-guarded `Bool` (the standard library has no atomics before macOS 15's
/// `Synchronization`): an uncontended poll costs tens of nanoseconds, nothing beside a mini-batch step or a
/// likelihood evaluation.
public final class CancellationToken: @unchecked Sendable {
  // @unchecked Sendable: `flag` is read and written only while holding `mutex`.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>?
  private var flag = false

  /// A token that is never cancelled (``cancel()`` does nothing).
  public static let never = CancellationToken(cancellable: false)

  /// A fresh, not yet cancelled token.
  public convenience init() { self.init(cancellable: true) }

  private init(cancellable: Bool) {
    guard cancellable else {
      mutex = nil
      return
    }
    let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    m.initialize(to: pthread_mutex_t())
    pthread_mutex_init(m, nil)
    mutex = m
  }

  deinit {
    if let mutex {
      pthread_mutex_destroy(mutex)
      mutex.deinitialize(count: 1)
      mutex.deallocate()
    }
  }

  /// Asks every loop polling this token to stop. Idempotent; safe from any thread (not from a signal handler:
  /// set it from the handler's dispatch source or thread, as the runner does).
  public func cancel() {
    guard let mutex else { return }
    pthread_mutex_lock(mutex)
    flag = true
    pthread_mutex_unlock(mutex)
  }

  /// Whether ``cancel()`` was called.
  public var isCancelled: Bool {
    guard let mutex else { return false }
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return flag
  }

  /// Throws ``Cancelled`` when the token was cancelled.
  public func check() throws(Cancelled) {
    if isCancelled { throw Cancelled() }
  }
}

/// Thrown (or returned) by work that stopped because its ``CancellationToken`` was cancelled.
public struct Cancelled: Error, Sendable, Hashable, CustomStringConvertible {
  public init() {}
  public var description: String { "cancelled" }
}
