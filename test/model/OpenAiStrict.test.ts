import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { Extraction } from "../../src/game/ExtractionSchema.js"
import { LifeEvents } from "../../src/game/LifeEventSchema.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { jsonSchemaResponseFormat } from "../../src/model/openai/ResponseFormat.js"
import { strictSchemaViolations } from "../../src/model/openai/StrictSchema.js"
import { transcriptBlock } from "../../src/model/Transcript.js"
import { FakeOpenAi, layerOpenAiOnFake } from "../support/FakeOpenAi.js"

/** Every schema the service sends to the model, by task name (stages extraction and life_sim). */
const sentFormats = [
  ["extraction", jsonSchemaResponseFormat("extraction", Extraction)],
  ["life_events", jsonSchemaResponseFormat("life_events", LifeEvents)]
] as const

const extractionRequest = {
  name: "extraction",
  schema: Extraction,
  system: "Extract.",
  prompt: transcriptBlock([{ role: "user", content: "I work as a nurse in Berlin." }])
}

const validExtraction = {
  facts: [{ text: "User works as a nurse", graph_type: "user" }],
  threads: [],
  thoughts: [],
  summary: "They talked about work.",
  emotional_tone: "positive",
  metric_deltas: { intimacy: 1, passion: 0, trust: 1, secureness: 0 },
  signals: { horsemen: [], repair_attempt: "none", vulnerability_exchange: false },
  boss_verdict: null
}

describe("the schemas sent to OpenAI are inside the strict subset", () => {
  it.each(sentFormats)("%s", (_name, format) => {
    expect(format.json_schema.strict).toBe(true)
    expect(strictSchemaViolations(format.json_schema.schema)).toEqual([])
    // The bounds are gone from the schema but told in words.
    expect(JSON.stringify(format.json_schema.schema)).not.toMatch(/"(minLength|maxLength|minimum|maximum|minItems|maxItems)"/)
  })

  it("the checker finds what the real API rejects", () => {
    expect(strictSchemaViolations({
      type: "object",
      properties: { a: { type: "string", maxLength: 3 }, b: { type: "number" } },
      required: ["a"]
    })).toEqual([
      "$: additionalProperties must be false",
      "$.a: unsupported keyword \"maxLength\"",
      "$.b: not required (use a union with null)"
    ])
  })

  it("a schema's format is made once per name, and each name keeps its own", () => {
    expect(jsonSchemaResponseFormat("extraction", Extraction)).toBe(jsonSchemaResponseFormat("extraction", Extraction))
    const renamed = jsonSchemaResponseFormat("extraction_again", Extraction)
    expect(renamed.json_schema.name).toBe("extraction_again")
    expect(renamed.json_schema.schema).toEqual(jsonSchemaResponseFormat("extraction", Extraction).json_schema.schema)
  })

  it("an extraction answer still has its bounds checked in the decode", () => {
    const tooLong = { ...validExtraction, facts: [{ text: "x".repeat(501), graph_type: "user" }] }
    expect(Either.isLeft(Schema.decodeUnknownEither(Extraction)(tooLong))).toBe(true)
    expect(Either.isRight(Schema.decodeUnknownEither(Extraction)(validExtraction))).toBe(true)
  })
})

layer(layerOpenAiOnFake())("the fake server answers like the real API", (it) => {
  it.effect("a non-strict schema is a 400 (ModelRejected)", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      const reply = yield* Effect.promise(() =>
        fetch(`${fake.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            model: "gpt-4o-mini",
            max_completion_tokens: 10,
            messages: [{ role: "user", content: "hi" }],
            response_format: { type: "json_schema", json_schema: { name: "x", strict: false, schema: { type: "object" } } }
          })
        })
      )
      expect(reply.status).toBe(400)
    }))

  it.effect("every call carries max_completion_tokens", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      const model = yield* LanguageModel
      yield* model.generateObject(extractionRequest)
      yield* model.generateText({ system: "s", prompt: "p" })
      const bodies = (yield* fake.requests).map((request) => request.body)
      expect(bodies).toHaveLength(2)
      for (const body of bodies) expect(body).toHaveProperty("max_completion_tokens")
    }))

  it.effect.each([
    ["a refusal", { _tag: "Refusal", refusal: "I can't help with that." }, "refused"],
    ["a truncated answer", { _tag: "Truncated", content: JSON.stringify(validExtraction) }, "cut off"],
    ["an invalid object", { _tag: "Content", content: JSON.stringify({ ...validExtraction, emotional_tone: "ecstatic" }) }, "schema"]
  ] as const)("%s is retried once with the reason, then succeeds", ([_label, answer, reason]) =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.answerChat(answer, { _tag: "Content", content: JSON.stringify(validExtraction) })
      const extraction = yield* (yield* LanguageModel).generateObject(extractionRequest)
      expect(extraction.summary).toBe("They talked about work.")
      const requests = yield* fake.requests
      expect(requests).toHaveLength(2)
      expect(JSON.stringify(requests[1]?.body)).toContain(reason)
    }))

  it.effect("a second unusable answer is ModelOutputInvalid", () =>
    Effect.gen(function*() {
      const fake = yield* FakeOpenAi
      yield* fake.reset
      yield* fake.answerChat({ _tag: "Refusal", refusal: "No." }, { _tag: "Refusal", refusal: "Still no." })
      const result = yield* Effect.either((yield* LanguageModel).generateObject(extractionRequest))
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "ModelOutputInvalid" })
      expect(yield* fake.requests).toHaveLength(2)
    }))
})
