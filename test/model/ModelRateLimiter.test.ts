import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, TestClock } from "effect"
import { Embeddings } from "../../src/model/Embeddings.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { ModelRateLimiter } from "../../src/model/ModelRateLimiter.js"
import { FakeOpenAi } from "../support/FakeOpenAi.js"

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

describe("ModelRateLimiter shared by the providers (live)", () => {
  it.live("LanguageModel and Embeddings from the Default layers share one limiter", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      const providers = Layer.mergeAll(LanguageModel.Default, Embeddings.Default).pipe(
        Layer.provide(Layer.setConfigProvider(fake.configProvider({ OPENAI_RPM: "600", EMBEDDING_DIMENSIONS: "8" })))
      )
      yield* Effect.gen(function*() {
        const model = yield* LanguageModel
        const embeddings = yield* Embeddings
        expect([model.provider, embeddings.provider]).toEqual(["openai", "openai"])
        // 15 calls, 5 chat + 10 embeddings: 10 fit the shared bucket, 5 wait ~100 ms each.
        yield* Effect.all(
          [
            ...Array.from({ length: 5 }, () => model.generateText({ system: "s", prompt: "p" })),
            ...Array.from({ length: 10 }, (_, i) => embeddings.embed(`text ${i}`))
          ],
          { concurrency: "unbounded" }
        )
      }).pipe(Effect.provide(providers))
      const times = (yield* fake.requests).map((request) => request.receivedAt).sort((a, b) => a - b)
      expect(times.length).toBe(15)
      // Two separate limiters would let all 15 through at once.
      expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(350)
    }).pipe(Effect.provide(FakeOpenAi.Default)))
})
