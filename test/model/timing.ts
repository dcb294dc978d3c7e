import { Chunk, Clock, Effect, Random, TestClock, TestServices } from "effect"
import type { FakeOpenAi } from "../support/FakeOpenAi.js"

/**
 * Helpers for tests that drive retries with `TestClock` while real HTTP runs underneath: the
 * test waits in real time for the system to reach a state, then moves the test clock.
 */

const pollEvery = "5 millis"
const pollLimit = 2000

/** Real-time polling until `check` holds (dies after ~10 s, naming `what`). */
const until = (what: string, check: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < pollLimit; attempt++) {
      if (yield* check) return
      yield* TestServices.provideLive(Effect.sleep(pollEvery))
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })

/** Waits until the fake server has received `count` requests. */
export const awaitRequests = (fake: FakeOpenAi, count: number) =>
  until(`${count} request(s)`, Effect.map(fake.requests, (requests) => requests.length >= count))

/**
 * Waits until some fiber sleeps until exactly `at` on the test clock (e.g. a retry scheduled
 * 2,000 ms after now), then moves the clock there. Dies if no such sleep shows up, which is how
 * a wrong delay fails a test.
 */
export const advanceToSleep = (at: number) =>
  Effect.gen(function*() {
    yield* until(
      `a sleep until ${at} ms`,
      Effect.map(TestClock.sleeps(), (sleeps) => Chunk.some(sleeps, (wake) => wake === at))
    )
    yield* TestClock.setTime(at)
  })

export const now = Clock.currentTimeMillis

/** Retry jitter pinned to the middle of its range, so the delays are exactly 1, 2 and 4 s. */
export const noJitter = Random.fixed([0.5])
