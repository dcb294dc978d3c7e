import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import type { ExtractedFact } from "../../src/game/ExtractionSchema.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { MemoryRepository, type NewFact } from "../../src/memory/MemoryRepository.js"
import { NotesRepository } from "../../src/memory/NotesRepository.js"
import { memoryUpdate } from "../../src/pipeline/stages/MemoryUpdate.js"
import { postgresAvailable } from "../support/Db.js"
import {
  axis,
  extractionWith,
  insertConversation,
  insertPlayer,
  pipelineRun,
  similarTo,
  smallTalk,
  testDatabaseWithInputs,
  } from "./fixtures.js"

/** The test embedder: a fixed vector per known text, `None` for any other text; calls are recorded. */
const vectors = new Map<string, ReadonlyArray<number>>()
const embedCalls: Array<ReadonlyArray<string>> = []
const TestEmbeddings = Embeddings.Test({
  embedMany: (texts) =>
    Effect.sync(() => {
      embedCalls.push(texts)
      return texts.map((text) => Option.fromNullable(vectors.get(text)))
    })
})

const TestLayer = Layer.mergeAll(MemoryRepository.DefaultWithoutDependencies, NotesRepository.Default).pipe(
  Layer.provideMerge(TestEmbeddings),
  Layer.provideMerge(testDatabaseWithInputs)
)

interface FactRow {
  readonly id: string
  readonly fact: string
  readonly conversation_id: string | null
  readonly is_active: boolean
  readonly superseded_by: string | null
  readonly confidence: number
  readonly source: string
  readonly has_embedding: boolean
}

const factsOf = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<FactRow>`
      SELECT id, fact, conversation_id, is_active, superseded_by, confidence, source, embedding IS NOT NULL AS has_embedding
      FROM memory_facts WHERE user_id = ${userId} ORDER BY created_at, fact`)

const countOf = (table: "conversation_threads" | "nikita_thoughts", userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number }>`SELECT count(*) AS n FROM ${sql(table)} WHERE user_id = ${userId}`.pipe(
      Effect.map(([row]) => row?.n ?? 0)
    ))

/** A player with one conversation, and its run. */
const setUp = Effect.gen(function*() {
  const userId = yield* insertPlayer()
  const conversationId = yield* insertConversation({
    userId,
    startedAt: new Date("2025-03-01T18:00:00Z"),
    messages: smallTalk
  })
  const run = yield* pipelineRun(conversationId)
  return { userId, conversationId, run }
})

const fact = (text: string, graph_type: ExtractedFact["graph_type"] = "user"): ExtractedFact => ({ text, graph_type })

describe.skipIf(!postgresAvailable)("memory_update", () => {
  layer(TestLayer)((it) => {
    it.effect("stores facts with embeddings, threads and thoughts, embedding all facts in one call", () =>
      Effect.gen(function*() {
        const { conversationId, run, userId } = yield* setUp
        vectors.set("User works as a nurse", axis(0))
        vectors.set("Nikita has a sister called Ana", axis(1))
        embedCalls.length = 0
        const extraction = extractionWith({
          facts: [fact("User works as a nurse"), fact("Nikita has a sister called Ana", "nikita")],
          threads: ["the night shift schedule", "the night shift schedule", "a trip to Lisbon"],
          thoughts: ["I like how they talk about their patients."]
        })

        const result = yield* memoryUpdate.run(run, { extraction })

        expect(result).toEqual({ inserted: 2, superseded: 0, unchanged: 0, withoutEmbedding: 0 })
        expect(embedCalls).toEqual([["User works as a nurse", "Nikita has a sister called Ana"]])
        const rows = yield* factsOf(userId)
        expect(rows.map((row) => row.fact).sort()).toEqual(["Nikita has a sister called Ana", "User works as a nurse"])
        for (const row of rows) {
          expect(row).toMatchObject({
            conversation_id: conversationId,
            is_active: true,
            confidence: 0.85,
            source: "pipeline_extraction",
            has_embedding: true
          })
        }
        expect(yield* countOf("conversation_threads", userId)).toBe(2)
        expect(yield* countOf("nikita_thoughts", userId)).toBe(1)
        const threads = yield* Effect.flatMap(NotesRepository, (r) => r.openThreads({ userId, limit: 10 }))
        expect(threads.map((t) => t.topic).sort()).toEqual(["a trip to Lisbon", "the night shift schedule"])
      }))

    it.effect("a re-run stores nothing twice, even when one fact of the run superseded another", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp
        vectors.set("User lives in Hamburg", axis(2))
        vectors.set("User lives in Hamburg-Altona now", similarTo(0.95, 2, 3))
        vectors.set("User has a cat called Miso", axis(4))
        const extraction = extractionWith({
          facts: [fact("User lives in Hamburg"), fact("User lives in Hamburg-Altona now"), fact("User has a cat called Miso")],
          threads: ["moving flats"],
          thoughts: ["They finally told me about their cat."]
        })

        const first = yield* memoryUpdate.run(run, { extraction })
        const before = yield* factsOf(userId)
        const second = yield* memoryUpdate.run({ ...run, executionId: "rerun" }, { extraction })
        const after = yield* factsOf(userId)

        expect(first).toEqual({ inserted: 2, superseded: 1, unchanged: 0, withoutEmbedding: 0 })
        expect(second).toEqual({ inserted: 0, superseded: 0, unchanged: 3, withoutEmbedding: 0 })
        expect(after).toEqual(before)
        expect(after).toHaveLength(3)
        expect(yield* countOf("conversation_threads", userId)).toBe(1)
        expect(yield* countOf("nikita_thoughts", userId)).toBe(1)
      }))

    it.effect("a fact at similarity ≥ 0.87 supersedes the nearest one and keeps it as history; 0.86 does not", () =>
      Effect.gen(function*() {
        const { conversationId, userId } = yield* setUp
        const memory = yield* MemoryRepository
        const add = (text: string, embedding: ReadonlyArray<number>) =>
          memory.addFacts({ userId, conversationId, facts: [{ text, graphType: "user", embedding: Option.some(embedding) }] })

        yield* add("User works as a nurse", axis(0))
        const below = yield* add("User works night shifts", similarTo(0.86, 0, 1))
        expect(below).toEqual({ inserted: 1, superseded: 0, unchanged: 0, withoutEmbedding: 0 })
        const at = yield* add("User works as a head nurse", similarTo(0.87, 0, 2))
        expect(at).toEqual({ inserted: 0, superseded: 1, unchanged: 0, withoutEmbedding: 0 })

        const rows = yield* factsOf(userId)
        const byText = new Map(rows.map((row) => [row.fact, row]))
        const replacement = byText.get("User works as a head nurse")
        expect(byText.get("User works as a nurse")).toMatchObject({ is_active: false, superseded_by: replacement?.id })
        expect(byText.get("User works night shifts")).toMatchObject({ is_active: true, superseded_by: null })
        expect(replacement).toMatchObject({ is_active: true, superseded_by: null })
      }))

    it.effect("an identical fact after normalisation is unchanged", () =>
      Effect.gen(function*() {
        const { conversationId, userId } = yield* setUp
        const memory = yield* MemoryRepository
        const later = yield* insertConversation({ userId, startedAt: new Date("2025-03-02T18:00:00Z"), messages: smallTalk })
        yield* memory.addFacts({
          userId,
          conversationId,
          facts: [{ text: "User loves jazz.", graphType: "user", embedding: Option.some(axis(4)) }]
        })
        const again = yield* memory.addFacts({
          userId,
          conversationId: later,
          facts: [{ text: "  user LOVES   jazz!", graphType: "user", embedding: Option.some(axis(4)) }]
        })
        expect(again).toEqual({ inserted: 0, superseded: 0, unchanged: 1, withoutEmbedding: 0 })
        const rows = yield* factsOf(userId)
        expect(rows.map((row) => [row.fact, row.conversation_id])).toEqual([["User loves jazz.", conversationId]])
      }))

    it.effect("a fact whose embedding failed is stored with a NULL embedding and is not searchable", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp
        vectors.set("User plays the cello", axis(5))
        const extraction = extractionWith({
          facts: [fact("User plays the cello"), fact("User grew up near the sea")]
        })

        const result = yield* memoryUpdate.run(run, { extraction })

        expect(result).toEqual({ inserted: 2, superseded: 0, unchanged: 0, withoutEmbedding: 1 })
        const rows = yield* factsOf(userId)
        expect(rows.find((row) => row.fact === "User grew up near the sea")).toMatchObject({
          has_embedding: false,
          is_active: true
        })
        const memory = yield* MemoryRepository
        const found = yield* memory.search({ userId, embedding: axis(5), limit: 10 })
        expect(found.map((hit) => hit.fact)).toEqual(["User plays the cello"])
        const recent = yield* memory.recent({ userId, limit: 10 })
        expect(recent.map((hit) => hit.fact).sort()).toEqual(["User grew up near the sea", "User plays the cello"])
      }))

    it.effect("search returns the user's active facts most similar first, filtered by graph type", () =>
      Effect.gen(function*() {
        const { conversationId, userId } = yield* setUp
        const other = yield* insertPlayer()
        const memory = yield* MemoryRepository
        const facts: ReadonlyArray<NewFact> = [
          { text: "User likes hiking", graphType: "user", embedding: Option.some(similarTo(0.5, 6, 10)) },
          { text: "User climbs on weekends", graphType: "user", embedding: Option.some(similarTo(0.8, 6, 11)) },
          { text: "User and Nikita watched a film", graphType: "relationship", embedding: Option.some(similarTo(0.7, 6, 12)) },
          { text: "User runs marathons", graphType: "user", embedding: Option.some(similarTo(0.6, 6, 13)) }
        ]
        yield* memory.addFacts({ userId, conversationId, facts })
        const otherConversation = yield* insertConversation({ userId: other, startedAt: new Date("2025-03-01T10:00:00Z") })
        yield* memory.addFacts({
          userId: other,
          conversationId: otherConversation,
          facts: [{ text: "Someone else entirely", graphType: "user", embedding: Option.some(axis(6)) }]
        })

        const all = yield* memory.search({ userId, embedding: axis(6), limit: 3 })
        expect(all.map((hit) => hit.fact)).toEqual([
          "User climbs on weekends",
          "User and Nikita watched a film",
          "User runs marathons"
        ])
        expect(all.map((hit) => hit.similarity)).toEqual([
          expect.closeTo(0.8, 5),
          expect.closeTo(0.7, 5),
          expect.closeTo(0.6, 5)
        ])
        expect(all[0]).toMatchObject({ userId, conversationId, graphType: "user", isActive: true, confidence: 0.85 })

        const onlyUser = yield* memory.search({ userId, embedding: axis(6), limit: 10, graphType: "user" })
        expect(onlyUser.map((hit) => hit.fact)).toEqual(["User climbs on weekends", "User runs marathons", "User likes hiking"])
      }))

    it.effect("searchText embeds the query; a query that cannot be embedded finds nothing", () =>
      Effect.gen(function*() {
        const { conversationId, userId } = yield* setUp
        const memory = yield* MemoryRepository
        yield* memory.addFacts({
          userId,
          conversationId,
          facts: [{ text: "User speaks Portuguese", graphType: "user", embedding: Option.some(axis(7)) }]
        })
        vectors.set("languages", similarTo(0.9, 7, 8))

        const found = yield* memory.searchText({ userId, query: "languages", limit: 5 })
        expect(found.map((hit) => [hit.fact, Math.round(hit.similarity * 100) / 100])).toEqual([["User speaks Portuguese", 0.9]])
        expect(yield* memory.searchText({ userId, query: "something unknown", limit: 5 })).toEqual([])
      }))

    it.effect("a database failure is a critical stage error", () =>
      Effect.gen(function*() {
        const { run } = yield* setUp
        vectors.set("User is a ghost", axis(8))
        // A player who does not exist: the insert violates the foreign key.
        const broken = { ...run, user: { ...run.user, id: "00000000-0000-4000-8000-000000000000" } }
        const error = yield* Effect.flip(memoryUpdate.run(broken, { extraction: extractionWith({ facts: [fact("User is a ghost")] }) }))
        expect(error).toMatchObject({ _tag: "CriticalStageError", stage: "memory_update" })
      }))
  })
})
