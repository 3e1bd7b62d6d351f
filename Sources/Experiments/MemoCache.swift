import Foundation

/// A thread-safe memo table: each key's value is computed once, even when many threads ask for it at the same time.
///
/// Tasks use it to share data loaded for one trial with the trials that run after or beside it (for example one
/// parsed CSV per path). While a key is being computed, other callers asking for the same key wait for that result;
/// callers asking for other keys are not blocked (the computation runs outside the lock). If the computation throws,
/// nothing is cached, the error goes to the caller that computed, and one of the waiting callers (or the next one)
/// computes again.
///
/// `@unchecked Sendable`: all mutable state (`entries`) is read and written only while holding `condition`
/// (an `NSCondition`, which is also the lock).
public final class MemoCache<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
  private enum Entry {
    case computing
    case ready(Value)
  }

  private let condition = NSCondition()
  private var entries: [Key: Entry] = [:]

  public init() {}

  /// The cached value for `key`, computing it with `compute` on first use.
  public func value(for key: Key, compute: () throws -> Value) rethrows -> Value {
    condition.lock()
    while true {
      switch entries[key] {
      case .ready(let value)?:
        condition.unlock()
        return value
      case .computing?:
        condition.wait()
      case nil:
        entries[key] = .computing
        condition.unlock()
        let value: Value
        do {
          value = try compute()
        } catch {
          condition.lock()
          entries[key] = nil
          condition.broadcast()
          condition.unlock()
          throw error
        }
        condition.lock()
        entries[key] = .ready(value)
        condition.broadcast()
        condition.unlock()
        return value
      }
    }
  }

  /// The cached value, if it has been computed (does not wait for one in progress).
  public func cachedValue(for key: Key) -> Value? {
    condition.lock()
    defer { condition.unlock() }
    if case .ready(let value)? = entries[key] { return value }
    return nil
  }

  /// Number of computed values.
  public var count: Int {
    condition.lock()
    defer { condition.unlock() }
    return entries.values.filter { if case .ready = $0 { return true } else { return false } }.count
  }

  /// Forgets every computed value (computations in progress still finish and store theirs).
  public func removeAll() {
    condition.lock()
    entries = entries.filter { if case .computing = $0.value { return true } else { return false } }
    condition.unlock()
  }
}
