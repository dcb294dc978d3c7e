import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, Option, Ref, TestClock } from "effect"
import { Embeddings } from "../../src/model/Embeddings.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { ModelRateLimited } from "../../src/model/ModelError.js"
import { ModelRateLimiter } from "../../src/model/ModelRateLimiter.js"
import { withModelRetries } from "../../src/model/RetryPolicy.js"
import { FakeOpenAi } from "../support/FakeOpenAi.js"
import { advanceToSleep, awaitRequests } from "./timing.js"

/** Milliseconds on the test clock since `start`. */
const since = (start: number) => Effect.map(Clock.currentTimeMillis, (now) => now - start)

/** Starts `calls` limited calls at once; returns when each one started, in ms after the calls were made. */
const startTimes = (calls: number, tokens: number) =>
  Effect.gen(function*() {
    const limiter = yield* ModelRateLimiter
    const start = yield* Clock.currentTimeMillis
    const fiber = yield* Effect.fork(
      Effect.forEach(
        Array.from({ length: calls }, (_, i) => i),
        () => limiter.withinLimits(tokens)(since(start)),
        { concurrency: "unbounded" }
      )
    )
    yield* TestClock.adjust("1 minute")
    return [...(yield* Fiber.join(fiber))].sort((a, b) => a - b)
  })

describe("ModelRateLimiter (TestClock)", () => {
  it.effect("spreads 50 calls under 600 RPM at 10 per second", () =>
    Effect.gen(function*() {
      const starts = yield* startTimes(50, 100)
      // A second's share (10) may start at once; after that one call per 100 ms.
      starts.forEach((start, k) => expect(start).toBeGreaterThanOrEqual(Math.max(0, (k - 9) * 100)))
      expect(starts.filter((start) => start === 0).length).toBe(10)
      // …and no slower than that: the 50th starts after 4 s, not after a minute.
      expect(starts.at(-1)).toBe(4000)
      // In any one-second window, at most 2 × 10 calls (a full bucket plus a second of refill).
      for (const from of starts) {
        expect(starts.filter((start) => start >= from && start < from + 1000).length).toBeLessThanOrEqual(20)
      }
    }).pipe(Effect.provide(ModelRateLimiter.layer({ requestsPerMinute: 600, tokensPerMinute: 1_000_000 }))))

  it.effect("OPENAI_RPM alone caps the request rate: 1,000 small calls at 60,000 RPM all start at once", () =>
    Effect.gen(function*() {
      const starts = yield* startTimes(1000, 100)
      expect(starts.at(-1)).toBe(0)
    }).pipe(Effect.provide(ModelRateLimiter.layer({ requestsPerMinute: 60_000, tokensPerMinute: 1_000_000 }))))

  it.effect("the steady rate is the limit itself: 130 calls under 600 RPM, the last after 12 s", () =>
    Effect.gen(function*() {
      const starts = yield* startTimes(130, 100)
      expect(starts.at(-1)).toBeCloseTo(12_000, 6)
    }).pipe(Effect.provide(ModelRateLimiter.layer({ requestsPerMinute: 600, tokensPerMinute: 1_000_000 }))))

  it.effect("holds back a request whose tokens exceed what is left of the minute's TPM", () =>
    Effect.gen(function*() {
      const limiter = yield* ModelRateLimiter
      const start = yield* Clock.currentTimeMillis
      yield* limiter.withinLimits(6000)(Effect.void)
      const fiber = yield* Effect.fork(limiter.withinLimits(600)(since(start)))
      yield* TestClock.adjust("7 seconds")
      // 600 of 6,000 tokens per minute come back after 6 s.
      const started = yield* Fiber.join(fiber)
      expect(started).toBeGreaterThanOrEqual(5900)
      expect(started).toBeLessThanOrEqual(6100)
    }).pipe(Effect.provide(ModelRateLimiter.layer({ requestsPerMinute: 6000, tokensPerMinute: 6000 }))))

  it.effect("a request larger than the whole TPM still goes out, once the bucket is full", () =>
    Effect.gen(function*() {
      const limiter = yield* ModelRateLimiter
      const start = yield* Clock.currentTimeMillis
      const started = yield* limiter.withinLimits(50_000)(since(start))
      expect(started).toBe(0)
    }).pipe(Effect.provide(ModelRateLimiter.layer({ requestsPerMinute: 600, tokensPerMinute: 6000 }))))
})

/**
 * A provider enforcing 600 requests a minute the way OpenAI does (a bucket of one second's share,
 * refilled continuously), answering 429 with `retry-after-ms` when it is empty.
 */
const providerAt600Rpm = Effect.gen(function*() {
  const perMilli = 10 / 1000
  const bucket = yield* Ref.make({ level: 10, at: 0 })
  const rejected = yield* Ref.make(0)
  const arrivals = yield* Ref.make<ReadonlyArray<number>>([])
  const receive = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const accepted = yield* Ref.modify(bucket, ({ level, at }) => {
      const current = Math.min(10, level + (now - at) * perMilli)
      return current >= 1
        ? [Option.none<number>(), { level: current - 1, at: now }]
        : [Option.some(Math.ceil((1 - current) / perMilli)), { level: current, at: now }]
    })
    if (Option.isSome(accepted)) {
      yield* Ref.update(rejected, (n) => n + 1)
      return yield* new ModelRateLimited({ message: "429", retryAfter: Option.some(Duration.millis(accepted.value)) })
    }
    yield* Ref.update(arrivals, (list) => [...list, now])
  })
  return { receive, rejected, arrivals }
})

describe("ModelRateLimiter against a provider enforcing 600 RPM with 429s (TestClock)", () => {
  it.effect("300 calls with uneven network delays: none fails, the achieved rate is at least 0.9 of the limit", () =>
    Effect.gen(function*() {
      const limiter = yield* ModelRateLimiter
      const provider = yield* providerAt600Rpm
      // Network delays of 20-180 ms that differ from call to call, so requests arrive bunched.
      const call = (i: number) =>
        Effect.sleep(Duration.millis(20 + ((i * 37) % 161))).pipe(
          Effect.zipRight(provider.receive),
          withModelRetries({ operation: "chat.completions", gate: limiter.withinLimits(500) }),
          Effect.either
        )
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 300 }, (_, i) => i), call, { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("5 minutes")
      const results = yield* Fiber.join(fiber)
      expect(results.filter((result) => result._tag === "Left")).toEqual([])
      const arrivals = yield* Ref.get(provider.arrivals)
      expect(arrivals.length).toBe(300)
      // After the first second's burst of 10, the rest arrive at the provider's pace.
      const sorted = [...arrivals].sort((a, b) => a - b)
      const minutes = ((sorted.at(-1) ?? 0) - (sorted[10] ?? 0)) / 60_000
      const achieved = (sorted.length - 11) / minutes
      expect(achieved).toBeGreaterThanOrEqual(0.9 * 600)
      expect(achieved).toBeLessThanOrEqual(600)
    }).pipe(Effect.provide(ModelRateLimiter.layer({ requestsPerMinute: 600, tokensPerMinute: 1_000_000 }))))
})

describe("ModelRateLimiter shared by the providers", () => {
  it.effect("LanguageModel and Embeddings from the Default layers share one limiter", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      const providers = Layer.mergeAll(LanguageModel.Default, Embeddings.Default).pipe(
        Layer.provide(Layer.setConfigProvider(fake.configProvider({ OPENAI_RPM: "600", EMBEDDING_DIMENSIONS: "8" })))
      )
      yield* Effect.gen(function*() {
        const model = yield* LanguageModel
        const embeddings = yield* Embeddings
        expect([model.provider, embeddings.provider]).toEqual(["openai", "openai"])
        // 30 calls, 15 chat + 15 embeddings: one bucket of 10 lets 10 go and holds 20 back, the
        // last until 2 s (one per 100 ms); two separate limiters would hold 5 each, until 0.5 s.
        const calls = yield* Effect.fork(Effect.all(
          [
            ...Array.from({ length: 15 }, () => model.generateText({ system: "s", prompt: "p" })),
            ...Array.from({ length: 15 }, (_, i) => embeddings.embed(`text ${i}`))
          ],
          { concurrency: "unbounded" }
        ))
        yield* awaitRequests(fake, 10)
        yield* advanceToSleep(2000)
        yield* Fiber.join(calls)
        expect((yield* fake.requests).length).toBe(30)
      }).pipe(Effect.provide(providers))
    }).pipe(Effect.provide(FakeOpenAi.Default)))
})
