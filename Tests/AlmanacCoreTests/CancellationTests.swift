import AlmanacCore
import Testing

@Suite("Cancellation tokens")
struct CancellationTests {
  @Test func freshTokenIsNotCancelledUntilCancelled() throws {
    let token = CancellationToken()
    #expect(!token.isCancelled)
    try token.check()
    token.cancel()
    token.cancel()  // idempotent
    #expect(token.isCancelled)
    #expect(throws: Cancelled.self) { try token.check() }
  }

  @Test func neverCannotBeCancelled() throws {
    CancellationToken.never.cancel()
    #expect(!CancellationToken.never.isCancelled)
    try CancellationToken.never.check()
  }

  @Test func aCancelFromAnotherThreadIsSeen() async throws {
    let token = CancellationToken()
    let polls = Task.detached { () -> Int in
      var n = 0
      while !token.isCancelled { n += 1 }
      return n
    }
    token.cancel()
    #expect(await polls.value >= 0)
    #expect(token.isCancelled)
  }
}
