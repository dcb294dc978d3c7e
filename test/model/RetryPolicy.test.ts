import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Option, Random, Ref, TestClock } from "effect"
import * as Deadline from "../../src/model/Deadline.js"
import { isTransient, type ModelError, ModelRateLimited, ModelRejected, ModelUnavailable } from "../../src/model/ModelError.js"
import { retryAfterFromHeaders } from "../../src/model/RetryAfter.js"
import { withModelRetries } from "../../src/model/RetryPolicy.js"
import { noJitter } from "./timing.js"

const headers = (entries: Record<string, string>) => new Headers(entries)
const unavailable = new ModelUnavailable({ message: "503", status: Option.some(503), retryAfter: Option.none() })


interface Run {
  /** Each attempt fails with the next of these (then succeeds); "hang" never answers. */
  readonly errors: ReadonlyArray<ModelError | "hang">
  /** Time left before the deadline in force, if any. */
  readonly left?: Duration.DurationInput
  readonly random?: Random.Random
}

/**
 * Runs an attempt under the retry policy and records when each attempt started and when the call
 * ended, in milliseconds after the first call (the test clock need not start at 0).
 */
const attemptsOf = ({ errors, left, random = noJitter }: Run) =>
  Effect.gen(function*() {
    const times = yield* Ref.make<ReadonlyArray<number>>([])
    const start = yield* TestClock.currentTimeMillis
    const attempt = Effect.gen(function*() {
      const now = (yield* TestClock.currentTimeMillis) - start
      const previous = yield* Ref.getAndUpdate(times, (list) => [...list, now])
      const error = errors[previous.length]
      if (error === "hang") return yield* Effect.never
      return error === undefined ? "ok" : yield* Effect.fail(error)
    })
    const call = Effect.either(attempt.pipe(withModelRetries({ operation: "test" }))).pipe(
      Effect.flatMap((result) => Effect.map(TestClock.currentTimeMillis, (end) => ({ result, endedAt: end - start })))
    )
    const bounded = left === undefined ? call : call.pipe(Deadline.within(start + Duration.toMillis(left)))
    const fiber = yield* Effect.fork(Effect.withRandom(bounded, random))
    yield* TestClock.adjust("5 minutes")
    const { endedAt, result } = yield* Fiber.join(fiber)
    return { result, endedAt, times: yield* Ref.get(times) }
  })

describe("modelRetryPolicy", () => {
  it.effect("retries transient failures after 1, 2 and 4 s, then gives up", () =>
    Effect.gen(function*() {
      const { result, times } = yield* attemptsOf({ errors: [unavailable, unavailable, unavailable, unavailable] })
      expect(times).toEqual([0, 1000, 3000, 7000])
      expect(Either.isLeft(result) && result.left).toBe(unavailable)
    }))

  it.effect("a server's retry-after replaces the computed delay", () =>
    Effect.gen(function*() {
      const limited = new ModelRateLimited({ message: "429", retryAfter: Option.some(Duration.seconds(20)) })
      const { result, times } = yield* attemptsOf({ errors: [unavailable, limited] })
      expect(times).toEqual([0, 1000, 21_000])
      expect(result).toEqual(Either.right("ok"))
    }))

  it.effect("does not retry a rejection", () =>
    Effect.gen(function*() {
      const rejected = new ModelRejected({ message: "400", status: Option.some(400), code: Option.none() })
      const { times } = yield* attemptsOf({ errors: [rejected] })
      expect(times).toEqual([0])
      expect(isTransient(rejected)).toBe(false)
    }))

  it.effect("the delays are jittered within 80-120 % of 1, 2 and 4 s, differently from call to call", () =>
    Effect.gen(function*() {
      const gaps: Array<ReadonlyArray<number>> = []
      for (let seed = 1; seed <= 20; seed++) {
        const { times } = yield* attemptsOf({
          errors: [unavailable, unavailable, unavailable, unavailable],
          random: Random.make(seed)
        })
        expect(times).toHaveLength(4)
        gaps.push(times.slice(1).map((at, i) => at - (times[i] ?? 0)))
      }
      for (const [first, second, third] of gaps) {
        expect(first).toBeGreaterThanOrEqual(800)
        expect(first).toBeLessThanOrEqual(1200)
        expect(second).toBeGreaterThanOrEqual(1600)
        expect(second).toBeLessThanOrEqual(2400)
        expect(third).toBeGreaterThanOrEqual(3200)
        expect(third).toBeLessThanOrEqual(4800)
      }
      // Callers failing together come back at different moments.
      expect(new Set(gaps.map(([first]) => first)).size).toBeGreaterThan(10)
    }))
})

describe("modelRetryPolicy within a deadline", () => {
  it.effect("with 10 s left, a hanging model is given up at 10 s, not after a 30 s attempt", () =>
    Effect.gen(function*() {
      const { endedAt, result, times } = yield* attemptsOf({ errors: ["hang", "hang"], left: "10 seconds" })
      expect(times).toEqual([0])
      expect(endedAt).toBe(10_000)
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "ModelTimeout", timeout: Duration.seconds(10) })
    }))

  it.effect("with 40 s left, a 30 s attempt is followed by one cut to the 9 s that remain", () =>
    Effect.gen(function*() {
      const { endedAt, result, times } = yield* attemptsOf({ errors: ["hang", "hang", "hang"], left: "40 seconds" })
      expect(times).toEqual([0, 31_000])
      expect(endedAt).toBe(40_000)
      expect(Either.isLeft(result) && result.left._tag).toBe("ModelTimeout")
    }))

  it.effect("no retry is started when its delay would reach the deadline", () =>
    Effect.gen(function*() {
      const { endedAt, result, times } = yield* attemptsOf({
        errors: [unavailable, unavailable, unavailable, unavailable],
        left: "5 seconds"
      })
      // The third retry would start at 7 s, past the deadline: the call fails at once instead.
      expect(times).toEqual([0, 1000, 3000])
      expect(endedAt).toBe(3000)
      expect(Either.isLeft(result) && result.left).toBe(unavailable)
    }))

  it.effect("a retry-after is honoured when it fits, and ends the call at once when it does not", () =>
    Effect.gen(function*() {
      const limited = new ModelRateLimited({ message: "429", retryAfter: Option.some(Duration.seconds(20)) })
      const fits = yield* attemptsOf({ errors: [unavailable, limited], left: "30 seconds" })
      expect(fits.times).toEqual([0, 1000, 21_000])
      expect(fits.result).toEqual(Either.right("ok"))
      const tooLate = yield* attemptsOf({ errors: [unavailable, limited], left: "15 seconds" })
      expect(tooLate.times).toEqual([0, 1000])
      expect(tooLate.endedAt).toBe(1000)
      expect(Either.isLeft(tooLate.result) && tooLate.result.left).toBe(limited)
    }))
})

describe("retryAfterFromHeaders", () => {
  const now = Date.parse("2026-03-01T12:00:00Z")

  it("reads retry-after-ms first, then retry-after as seconds or an HTTP date", () => {
    expect(retryAfterFromHeaders(headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toEqual(Option.some(Duration.millis(250)))
    expect(retryAfterFromHeaders(headers({ "retry-after": "2" }), now)).toEqual(Option.some(Duration.millis(2000)))
    expect(retryAfterFromHeaders(headers({ "retry-after": "Sun, 01 Mar 2026 12:00:30 GMT" }), now))
      .toEqual(Option.some(Duration.millis(30_000)))
  })

  it("ignores waits over 60 s and nonsense, leaving the backoff in charge", () => {
    expect(retryAfterFromHeaders(headers({ "retry-after": "120" }), now)).toEqual(Option.none())
    expect(retryAfterFromHeaders(headers({ "retry-after": "soon" }), now)).toEqual(Option.none())
    expect(retryAfterFromHeaders(headers({}), now)).toEqual(Option.none())
  })
})
