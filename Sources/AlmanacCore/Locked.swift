import Synchronization

/// A value guarded by a mutex: the one lock type of the code base (instead of a class per guarded value).
///
/// Every read and write goes through ``withLock(_:)``; the closure must not block on other locks. `Sendable` because
/// `Mutex` serialises all access to the value.
public final class Locked<Value: ~Copyable>: Sendable {
  private let mutex: Mutex<Value>

  public init(_ value: consuming sending Value) {
    mutex = Mutex(value)
  }

  /// Runs `body` with exclusive access to the value.
  public func withLock<Result: ~Copyable, E: Error>(
    _ body: (inout sending Value) throws(E) -> sending Result
  ) throws(E) -> sending Result {
    try mutex.withLock(body)
  }
}

extension Locked where Value: Copyable & Sendable {
  /// A copy of the current value.
  public var value: Value { withLock { $0 } }
}
