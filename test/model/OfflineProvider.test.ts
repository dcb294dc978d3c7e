import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer, Option } from "effect"
import { Extraction } from "../../src/game/ExtractionSchema.js"
import { LifeEvents } from "../../src/game/LifeEventSchema.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { cosineSimilarity } from "../../src/model/offline/OfflineEmbedding.js"
import { type TranscriptTurn, transcriptBlock } from "../../src/model/Transcript.js"

/** The Default layers with no OPENAI_API_KEY, as a fresh install runs. */
const offlineDefaults = Layer.mergeAll(LanguageModel.Default, Embeddings.Default).pipe(
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["EMBEDDING_DIMENSIONS", "384"]]))))
)

const extract = (turns: ReadonlyArray<TranscriptTurn>) =>
  Effect.flatMap(LanguageModel, (model) =>
    model.generateObject({ name: "extraction", schema: Extraction, system: "Extract.", prompt: transcriptBlock(turns) }))

describe("offline provider", () => {
  it.effect("is what the Default layers pick without OPENAI_API_KEY", () =>
    Effect.gen(function*() {
      expect((yield* LanguageModel).provider).toBe("offline")
      const embeddings = yield* Embeddings
      expect([embeddings.provider, embeddings.dimensions]).toEqual(["offline", 384])
      const vector = yield* embeddings.embed("hello")
      expect(Option.map(vector, (v) => v.length)).toEqual(Option.some(384))
    }).pipe(Effect.provide(offlineDefaults)))

  it.effect("embeds a paraphrase nearer than an unrelated sentence", () =>
    Effect.gen(function*() {
      const [fact, paraphrase, unrelated] = yield* (yield* Embeddings).embedMany([
        "I work as a nurse in Berlin",
        "She is working as a nurse in Berlin",
        "The weather was cold and rainy all weekend"
      ])
      const similarity = (a: typeof fact, b: typeof fact) =>
        Option.getOrThrow(Option.zipWith(a ?? Option.none(), b ?? Option.none(), cosineSimilarity))
      expect(similarity(fact, paraphrase)).toBeGreaterThan(0.6)
      expect(similarity(fact, paraphrase)).toBeGreaterThan(similarity(fact, unrelated) + 0.4)
      // Unit length, so cosine distance in pgvector behaves.
      const norm = Math.hypot(...Option.getOrThrow(fact ?? Option.none()))
      expect(norm).toBeCloseTo(1, 6)
    }).pipe(Effect.provide(Embeddings.offline(1536))))

  it.effect("extracts sensible facts, threads and tone from a conversation", () =>
    Effect.gen(function*() {
      const extraction = yield* extract([
        { role: "user", content: "Hi! I work as a nurse in Berlin. My sister is called Ana." },
        { role: "nikita", content: "I love that. I paint every morning before work. What do you do to relax?" },
        { role: "user", content: "I have a job interview tomorrow at the Charité, so not much lately." },
        { role: "user", content: "We should go to the lake together this summer, it would be great!" }
      ])
      expect(extraction.facts).toEqual(
        expect.arrayContaining([
          { text: "User works as a nurse in Berlin", graph_type: "user" },
          { text: "User's sister is called Ana", graph_type: "user" },
          { text: "Nikita paints every morning before work", graph_type: "nikita" },
          { text: "User has a job interview tomorrow at the Charité", graph_type: "user" },
          { text: "User and Nikita should go to the lake together this summer", graph_type: "relationship" }
        ])
      )
      expect(extraction.threads).toContain("User has a job interview tomorrow at the Charité")
      expect(extraction.emotional_tone).toBe("positive")
      expect(extraction.metric_deltas.intimacy).toBeGreaterThan(0)
      expect(extraction.summary).toMatch(/^User works as a nurse in Berlin/)
      expect(extraction.thoughts.length).toBeGreaterThan(0)
    }).pipe(Effect.provide(LanguageModel.Offline)))

  it.effect("reads conflict signals: horsemen, repair and vulnerability", () =>
    Effect.gen(function*() {
      const fight = yield* extract([
        { role: "user", content: "You never listen to me. What's wrong with you?" },
        { role: "nikita", content: "That's not fair." },
        { role: "user", content: "leave me alone" }
      ])
      expect(fight.signals.horsemen).toEqual(["criticism", "stonewalling"])
      expect(fight.emotional_tone).toBe("negative")
      expect(fight.metric_deltas.trust).toBeLessThan(0)

      const repair = yield* extract([
        { role: "user", content: "I'm really sorry about yesterday, you're right. Honestly I feel scared of losing you." },
        { role: "nikita", content: "Thank you. I feel the same way sometimes." }
      ])
      expect(repair.signals).toEqual({ horsemen: [], repair_attempt: "excellent", vulnerability_exchange: true })
      expect(repair.metric_deltas.trust).toBeGreaterThan(0)
    }).pipe(Effect.provide(LanguageModel.Offline)))

  it.effect("an empty transcript gives empty results", () =>
    Effect.gen(function*() {
      const extraction = yield* extract([])
      expect(extraction).toMatchObject({ facts: [], threads: [], thoughts: [], summary: "", emotional_tone: "neutral" })
    }).pipe(Effect.provide(LanguageModel.Offline)))

  it.effect("generates 3-5 life events, the same for the same prompt", () =>
    Effect.gen(function*() {
      const model = yield* LanguageModel
      const request = (date: string) => ({ name: "life_events", schema: LifeEvents, system: "Plan Nikita's day.", prompt: `user 42, ${date}` })
      const first = yield* model.generateObject(request("2026-03-01"))
      expect(first.events.length).toBeGreaterThanOrEqual(3)
      expect(first.events.length).toBeLessThanOrEqual(5)
      expect(yield* model.generateObject(request("2026-03-01"))).toEqual(first)
      const days = yield* Effect.forEach(["2026-03-02", "2026-03-03", "2026-03-04"], (d) => model.generateObject(request(d)))
      expect(days.some((day) => JSON.stringify(day) !== JSON.stringify(first))).toBe(true)
    }).pipe(Effect.provide(LanguageModel.Offline)))

  it.effect("summarises a transcript as text, and refuses other text tasks and unknown object tasks", () =>
    Effect.gen(function*() {
      const model = yield* LanguageModel
      const summary = yield* model.generateText({
        system: "Summarise in 1-2 sentences.",
        prompt: `Conversation:\n${transcriptBlock([{ role: "user", content: "I moved to Lisbon last month and I love it." }])}`
      })
      expect(summary).toBe("User moved to Lisbon last month and they love it. The conversation felt warm and positive.")
      const rewrite = yield* Effect.either(model.generateText({ system: "Rewrite this prompt.", prompt: "You are Nikita." }))
      expect(Either.isLeft(rewrite) && rewrite.left._tag).toBe("ModelUnavailable")
      const unknown = yield* Effect.either(model.generateObject({ name: "horoscope", schema: LifeEvents, system: "", prompt: "" }))
      expect(Either.isLeft(unknown) && unknown.left._tag).toBe("ModelRejected")
    }).pipe(Effect.provide(LanguageModel.Offline)))
})
