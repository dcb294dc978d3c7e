import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { countTokens, encode } from "gpt-tokenizer/encoding/cl100k_base"
import { Embeddings } from "../../src/model/Embeddings.js"
import { hashEmbedding } from "../../src/model/offline/OfflineEmbedding.js"
import { FakeOpenAi, layerOpenAiOnFake, openAiError } from "../support/FakeOpenAi.js"
import { advanceToSleep, awaitRequests, noJitter, now } from "./timing.js"

const inputsOf = (body: unknown): ReadonlyArray<string> =>
  typeof body === "object" && body !== null && "input" in body && Array.isArray(body.input)
    ? body.input.filter((input): input is string => typeof input === "string")
    : []

const close = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
  a.length === b.length && a.every((value, index) => Math.abs(value - (b[index] ?? Number.NaN)) < 1e-6)

layer(layerOpenAiOnFake({ settings: { dimensions: 32 } }))("OpenAI embeddings on the wire", (it) => {
  it.effect("asks for base64 vectors of the configured dimensions and returns them in input order", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      const embeddings = yield* Embeddings
      const vectors = yield* embeddings.embedMany(["I work as a nurse", "I live in Berlin"])

      expect(embeddings.dimensions).toBe(32)
      expect(vectors.map((vector) => Option.map(vector, (v) => close(v, hashEmbedding("I live in Berlin", 32)))))
        .toEqual([Option.some(false), Option.some(true)])
      const [request] = yield* fake.requests
      expect(request?.body).toMatchObject({
        model: "text-embedding-3-small",
        input: ["I work as a nurse", "I live in Berlin"],
        encoding_format: "base64",
        dimensions: 32
      })
    }))

  it.effect("reads float vectors when the server sends them although base64 was asked", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.setEmbeddingEncoding("float")
      const vector = yield* (yield* Embeddings).embed("I work as a nurse")
      expect(Option.map(vector, (v) => close(v, hashEmbedding("I work as a nurse", 32)))).toEqual(Option.some(true))
      expect((yield* fake.requests)[0]?.body).toMatchObject({ encoding_format: "base64" })
    }))

  it.effect("a vector of the wrong size is no embedding (None), not a broken row", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.script({
        status: 200,
        body: { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }], model: "m" }
      })
      expect(yield* (yield* Embeddings).embed("hello there")).toEqual(Option.none())
    }))

  it.effect("a 400 gives None after exactly one attempt", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.script(openAiError(400))
      expect(yield* (yield* Embeddings).embed("hello there")).toEqual(Option.none())
      expect((yield* fake.requests).length).toBe(1)
    }))

  it.effect("blank texts get None without a request", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      const vectors = yield* (yield* Embeddings).embedMany(["  ", "hello there"])
      expect(vectors.map(Option.isSome)).toEqual([false, true])
      expect(inputsOf((yield* fake.requests)[0]?.body)).toEqual(["hello there"])
    }))

  it.effect("5,000 inputs go out as 3 requests of at most 2,048", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      const texts = Array.from({ length: 5000 }, (_, i) => `memory fact number ${i}`)
      const vectors = yield* (yield* Embeddings).embedMany(texts)
      expect(vectors.every(Option.isSome)).toBe(true)
      const sizes = (yield* fake.requestsTo("/v1/embeddings")).map((request) => inputsOf(request.body).length)
      expect([...sizes].sort((a, b) => b - a)).toEqual([2048, 2048, 904])
      // Results line up with the inputs whatever order the batches completed in.
      expect(Option.map(vectors[4321] ?? Option.none(), (v) => close(v, hashEmbedding(texts[4321] ?? "", 32))))
        .toEqual(Option.some(true))
    }))

  it.effect("requests stay under 300,000 tokens and long inputs are cut to 8,192 tokens", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      const long = Array.from({ length: 9000 }, (_, i) => `w${i % 50}`).join(" ")
      expect(countTokens(long)).toBeGreaterThan(8192)
      const texts = Array.from({ length: 40 }, () => long)
      const vectors = yield* (yield* Embeddings).embedMany(texts)
      expect(vectors.every(Option.isSome)).toBe(true)
      const requests = yield* fake.requestsTo("/v1/embeddings")
      const tokensPerRequest = requests.map((request) =>
        inputsOf(request.body).reduce((sum, input) => sum + encode(input).length, 0)
      )
      expect(requests.length).toBe(2)
      expect(Math.max(...tokensPerRequest)).toBeLessThanOrEqual(300_000)
      for (const request of requests) {
        for (const input of inputsOf(request.body)) expect(encode(input).length).toBeLessThanOrEqual(8192)
      }
    }))
})

describe("OpenAI embeddings retries (TestClock)", () => {
  it.effect("500 four times: None after exactly 4 attempts, 1 s, 2 s and 4 s apart", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.script(openAiError(500), openAiError(500), openAiError(500), openAiError(500))
      const start = yield* now
      const fiber = yield* Effect.fork((yield* Embeddings).embed("I work as a nurse"))
      yield* awaitRequests(fake, 1)
      yield* advanceToSleep(start + 1000)
      yield* awaitRequests(fake, 2)
      yield* advanceToSleep(start + 3000)
      yield* awaitRequests(fake, 3)
      yield* advanceToSleep(start + 7000)
      expect(yield* Fiber.join(fiber)).toEqual(Option.none())
      expect((yield* fake.requests).length).toBe(4)
    }).pipe(Effect.withRandom(noJitter), Effect.provide(layerOpenAiOnFake({ settings: { dimensions: 8 } }))))

  it.effect("a connection failure is retried like a 5xx", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.script("drop")
      const start = yield* now
      const fiber = yield* Effect.fork((yield* Embeddings).embed("I work as a nurse"))
      yield* awaitRequests(fake, 1)
      yield* advanceToSleep(start + 1000)
      expect(Option.isSome(yield* Fiber.join(fiber))).toBe(true)
    }).pipe(Effect.withRandom(noJitter), Effect.provide(layerOpenAiOnFake({ settings: { dimensions: 8 } }))))
})
