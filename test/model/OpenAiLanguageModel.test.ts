import { describe, expect, it, layer } from "@effect/vitest"
import { Duration, Effect, Either, Fiber } from "effect"
import { Extraction } from "../../src/game/ExtractionSchema.js"
import { LifeEvents } from "../../src/game/LifeEventSchema.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { transcriptBlock } from "../../src/model/Transcript.js"
import { FakeOpenAi, layerOpenAiOnFake, openAiError } from "../support/FakeOpenAi.js"
import { advanceToSleep, awaitRequests, noJitter, now } from "./timing.js"

const extractionRequest = {
  name: "extraction",
  schema: Extraction,
  system: "Extract what this conversation tells about the player.",
  prompt: transcriptBlock([
    { role: "user", content: "I work as a nurse in Berlin." },
    { role: "nikita", content: "That sounds demanding! How do you unwind?" }
  ])
}

const bodyOf = (fake: FakeOpenAi, index: number) => Effect.map(fake.requests, (requests) => requests[index]?.body)

layer(layerOpenAiOnFake())("OpenAI language model on the wire", (it) => {
  it.effect("asks for the schema as a json_schema response format and decodes the answer", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      const model = yield* LanguageModel
      const extraction = yield* model.generateObject(extractionRequest)

      expect(extraction.facts).toContainEqual({ text: "User works as a nurse in Berlin", graph_type: "user" })
      const body = yield* bodyOf(fake, 0)
      expect(body).toMatchObject({
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: extractionRequest.system },
          { role: "user", content: extractionRequest.prompt }
        ],
        response_format: {
          type: "json_schema",
          json_schema: { name: "extraction", strict: true, schema: { type: "object", required: expect.arrayContaining(["facts", "metric_deltas"]) } }
        }
      })
      expect(JSON.stringify(body)).not.toContain("$schema")
    }))

  it.effect("returns free text without a response format", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.onChat(() => "A warmer version of the prompt.")
      const text = yield* (yield* LanguageModel).generateText({ system: "Rewrite.", prompt: "Be nice." })
      expect(text).toBe("A warmer version of the prompt.")
      const body = yield* bodyOf(fake, 0)
      expect(body).not.toHaveProperty("response_format")
    }))

  it.effect("an answer that is not JSON twice is ModelOutputInvalid after one retry with the reason", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.onChat(() => "Sure! Here are the facts: nurse, Berlin.")
      const result = yield* Effect.either((yield* LanguageModel).generateObject(extractionRequest))
      expect(Either.isLeft(result) && result.left._tag).toBe("ModelOutputInvalid")
      const requests = yield* fake.requests
      expect(requests.length).toBe(2)
      expect(JSON.stringify(requests[1]?.body)).toContain("Your previous answer could not be used")
    }))

  it.effect("JSON that fails the schema is ModelOutputInvalid", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      // Two events where the schema asks for 3-5.
      const event = { time_slot: "morning", domain: "work", description: "Meeting.", importance: 0.5, valence_delta: 0, arousal_delta: 0 }
      yield* fake.onChat(() => JSON.stringify({ events: [event, event] }))
      const result = yield* Effect.either(
        (yield* LanguageModel).generateObject({ name: "life_events", schema: LifeEvents, system: "s", prompt: "p" })
      )
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "ModelOutputInvalid", name: "life_events" })
    }))

  it.effect("a 400 is ModelRejected after exactly one attempt", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.script(openAiError(400, { code: "invalid_value", message: "bad request" }))
      const result = yield* Effect.either((yield* LanguageModel).generateObject(extractionRequest))
      expect(Either.isLeft(result) && result.left._tag).toBe("ModelRejected")
      expect((yield* fake.requests).length).toBe(1)
    }))

  it.effect("a 429 insufficient_quota is ModelRejected after exactly one attempt", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.script(openAiError(429, { code: "insufficient_quota", headers: { "retry-after": "1" } }))
      const result = yield* Effect.either((yield* LanguageModel).generateText({ system: "s", prompt: "p" }))
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "ModelRejected", status: { value: 429 } })
      expect((yield* fake.requests).length).toBe(1)
    }))
})

describe("OpenAI language model retries (TestClock)", () => {
  it.effect("a 429 with retry-after: 2 waits 2 s, not the 1 s backoff, then succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.script(openAiError(429, { headers: { "retry-after": "2" } }))
      const start = yield* now
      const fiber = yield* Effect.fork((yield* LanguageModel).generateObject(extractionRequest))
      yield* awaitRequests(fake, 1)
      yield* advanceToSleep(start + 2000)
      const extraction = yield* Fiber.join(fiber)
      // The answer is the retried request's, decoded like a first-time one.
      expect(extraction.facts).toContainEqual({ text: "User works as a nurse in Berlin", graph_type: "user" })
      expect((yield* fake.requests).length).toBe(2)
    }).pipe(Effect.provide(layerOpenAiOnFake())))

  it.effect("retry-after-ms wins over retry-after", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.script(openAiError(503, { headers: { "retry-after-ms": "1500", "retry-after": "9" } }))
      const start = yield* now
      const fiber = yield* Effect.fork((yield* LanguageModel).generateText({ system: "s", prompt: "p" }))
      yield* awaitRequests(fake, 1)
      yield* advanceToSleep(start + 1500)
      expect(yield* Fiber.join(fiber)).toBe("p")
    }).pipe(Effect.provide(layerOpenAiOnFake())))

  it.effect("a hung response is cut at the 30 s attempt timeout, aborted, and retried", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.script("hang")
      const start = yield* now
      const fiber = yield* Effect.fork((yield* LanguageModel).generateText({ system: "s", prompt: "p" }))
      yield* awaitRequests(fake, 1)
      yield* advanceToSleep(start + 30_000)
      yield* advanceToSleep(start + 31_000)
      expect(yield* Fiber.join(fiber)).toBe("p")
      const [hung, retried] = yield* fake.requests
      expect(hung?.aborted()).toBe(true)
      expect(retried?.aborted()).toBe(false)
    }).pipe(Effect.withRandom(noJitter), Effect.provide(layerOpenAiOnFake())))

  it.effect("a per-attempt timeout from the settings applies", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.script("hang", "hang", "hang", "hang")
      const start = yield* now
      const fiber = yield* Effect.fork(Effect.either((yield* LanguageModel).generateText({ system: "s", prompt: "p" })))
      // Attempts at 0, 1.2 s, 3.4 s and 7.6 s, each cut after 200 ms.
      for (const [attempt, at] of [[1, 200], [1, 1200], [2, 1400], [2, 3400], [3, 3600], [3, 7600], [4, 7800]] as const) {
        yield* awaitRequests(fake, attempt)
        yield* advanceToSleep(start + at)
      }
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left._tag).toBe("ModelTimeout")
      expect((yield* fake.requests).length).toBe(4)
    }).pipe(Effect.withRandom(noJitter), Effect.provide(layerOpenAiOnFake({ settings: { attemptTimeout: Duration.millis(200) } }))))
})
