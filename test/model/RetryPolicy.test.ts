import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Option, Ref, TestClock } from "effect"
import { isTransient, type ModelError, ModelRateLimited, ModelRejected, ModelUnavailable } from "../../src/model/ModelError.js"
import { retryAfterFromHeaders } from "../../src/model/RetryAfter.js"
import { withModelRetries } from "../../src/model/RetryPolicy.js"

const headers = (entries: Record<string, string>) => new Headers(entries)
const unavailable = new ModelUnavailable({ message: "503", status: Option.some(503), retryAfter: Option.none() })

/**
 * Runs an attempt that fails with `errors` in turn (then succeeds) and records when each ran,
 * in milliseconds after the first call (the test clock need not start at 0).
 */
const attemptsOf = (errors: ReadonlyArray<ModelError>) =>
  Effect.gen(function*() {
    const times = yield* Ref.make<ReadonlyArray<number>>([])
    const start = yield* TestClock.currentTimeMillis
    const attempt = Effect.gen(function*() {
      const now = (yield* TestClock.currentTimeMillis) - start
      const previous = yield* Ref.getAndUpdate(times, (list) => [...list, now])
      const error = errors[previous.length]
      return error === undefined ? "ok" : yield* Effect.fail(error)
    })
    const fiber = yield* Effect.fork(Effect.either(attempt.pipe(withModelRetries({ operation: "test" }))))
    yield* TestClock.adjust("5 minutes")
    return { result: yield* Fiber.join(fiber), times: yield* Ref.get(times) }
  })

describe("modelRetryPolicy", () => {
  it.effect("retries transient failures after 1, 2 and 4 s, then gives up", () =>
    Effect.gen(function*() {
      const { result, times } = yield* attemptsOf([unavailable, unavailable, unavailable, unavailable])
      expect(times).toEqual([0, 1000, 3000, 7000])
      expect(Either.isLeft(result) && result.left).toBe(unavailable)
    }))

  it.effect("a server's retry-after replaces the computed delay", () =>
    Effect.gen(function*() {
      const limited = new ModelRateLimited({ message: "429", retryAfter: Option.some(Duration.seconds(20)) })
      const { result, times } = yield* attemptsOf([unavailable, limited])
      expect(times).toEqual([0, 1000, 21_000])
      expect(result).toEqual(Either.right("ok"))
    }))

  it.effect("does not retry a rejection", () =>
    Effect.gen(function*() {
      const rejected = new ModelRejected({ message: "400", status: Option.some(400), code: Option.none() })
      const { times } = yield* attemptsOf([rejected])
      expect(times).toEqual([0])
      expect(isTransient(rejected)).toBe(false)
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
