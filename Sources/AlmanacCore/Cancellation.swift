/// Cooperative cancellation for long-running numeric loops: one flag that any thread may set and a loop polls.
///
/// The runner makes one token per run, hands it to every trial (``TrialContext``), and cancels it on SIGINT or
/// SIGTERM; kernels poll ``isCancelled`` (or call ``check()``) once per unit of work that takes well under a second
/// (a mini-batch, an optimiser iteration) and stop with ``Cancelled``. ``never`` is the default of every kernel
/// parameter: it cannot be cancelled and its poll reads no lock.
///
/// The flag is a ``Locked`` `Bool` (the code base's one lock type): an uncontended poll costs tens of nanoseconds,
/// nothing beside a mini-batch step or a likelihood evaluation.
public final class CancellationToken: Sendable {
  private let flag: Locked<Bool>?

  /// A token that is never cancelled (``cancel()`` does nothing).
  public static let never = CancellationToken(cancellable: false)

  /// A fresh, not yet cancelled token.
  public convenience init() { self.init(cancellable: true) }

  private init(cancellable: Bool) {
    flag = cancellable ? Locked(false) : nil
  }

  /// Asks every loop polling this token to stop. Idempotent; safe from any thread (not from a signal handler:
  /// set it from the handler's dispatch source or thread, as the runner does).
  public func cancel() { flag?.withLock { $0 = true } }

  /// Whether ``cancel()`` was called.
  public var isCancelled: Bool { flag?.withLock { $0 } ?? false }

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
