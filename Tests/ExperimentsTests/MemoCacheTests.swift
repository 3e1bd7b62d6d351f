import Dispatch
import Experiments
import Foundation
import Testing

/// Counts calls from many threads (`NSLock` guards `value`).
private final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0
  func increment() { lock.withLock { value += 1 } }
  var count: Int { lock.withLock { value } }
}

private struct Flaky: Error {}

@Suite("MemoCache")
struct MemoCacheTests {
  @Test func computesOncePerKeyUnderConcurrentCalls() {
    let cache = MemoCache<Int, [Int]>()
    let computations = Counter()
    let results = ResultSlots(count: 256)
    DispatchQueue.concurrentPerform(iterations: 256) { i in
      let key = i % 4
      let value = cache.value(for: key) {
        computations.increment()
        usleep(2_000)  // widen the window in which other threads ask for the same key
        return [key, key * key]
      }
      results.set(i, value)
    }
    #expect(computations.count == 4)
    #expect(cache.count == 4)
    for i in 0..<256 {
      let key = i % 4
      #expect(results.get(i) == [key, key * key])
    }
  }

  @Test func errorsAreNotCached() throws {
    let cache = MemoCache<String, Int>()
    #expect(throws: Flaky.self) { try cache.value(for: "a") { throw Flaky() } }
    #expect(cache.cachedValue(for: "a") == nil)
    #expect(cache.value(for: "a") { 7 } == 7)
    #expect(try cache.value(for: "a") { throw Flaky() } == 7)
    #expect(cache.cachedValue(for: "a") == 7)
  }

  @Test func removeAllForgets() {
    let cache = MemoCache<String, Int>()
    _ = cache.value(for: "a") { 1 }
    cache.removeAll()
    #expect(cache.count == 0)
    #expect(cache.value(for: "a") { 2 } == 2)
  }
}

/// One slot per worker; each worker writes only its own index (`NSLock` guards `slots`).
private final class ResultSlots: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [[Int]]
  init(count: Int) { slots = Array(repeating: [], count: count) }
  func set(_ i: Int, _ v: [Int]) { lock.withLock { slots[i] = v } }
  func get(_ i: Int) -> [Int] { lock.withLock { slots[i] } }
}
