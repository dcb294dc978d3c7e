import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { Embeddings } from "../../src/model/Embeddings.js"
import { toVectorLiteral } from "../../src/memory/VectorLiteral.js"
import { postgresAvailable } from "../support/Db.js"
import { send, TestApp } from "../support/TestApp.js"

const query = "night shifts at the hospital"

const Results = Schema.Struct({
  results: Schema.Array(Schema.Struct({
    fact_id: Schema.UUID,
    fact: Schema.String,
    graph_type: Schema.String,
    similarity: Schema.Number,
    confidence: Schema.Number,
    source: Schema.String,
    created_at: Schema.String
  }))
})

const newUser = Effect.gen(function*() {
  const userId = randomUUID()
  expect((yield* send("PUT", `/users/${userId}`, { body: {} })).status).toBe(201)
  return userId
})

const embed = (text: string) =>
  Effect.flatMap(Embeddings, (embeddings) => embeddings.embed(text)).pipe(Effect.map(Option.getOrThrow))

/**
 * A vector `closeness` of the way from an unrelated text's vector to the query's: the closer to
 * 1, the more similar to the query (cosine similarity grows along that line).
 */
const towardQuery = (closeness: number) =>
  Effect.gen(function*() {
    const target = yield* embed(query)
    const other = yield* embed("the weather on the moon")
    return target.map((value, i) => closeness * value + (1 - closeness) * (other[i] ?? 0))
  })

const insertFact = (userId: string, fact: { text: string; graphType: string; closeness: number | null; active?: boolean }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const vector = fact.closeness === null ? null : toVectorLiteral(yield* towardQuery(fact.closeness))
    yield* sql`
      INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type, embedding, is_active, confidence, source)
      VALUES (${userId}, ${fact.text}, ${fact.text.toLowerCase()}, ${fact.graphType}, ${vector}::vector,
        ${fact.active ?? true}, 0.85, 'pipeline_extraction')`
  })

const search = (userId: string, params: string) =>
  Effect.gen(function*() {
    const reply = yield* send("GET", `/users/${userId}/memory/search?${params}`)
    expect(reply.status).toBe(200)
    return (yield* Schema.decodeUnknown(Results)(reply.json)).results
  })

const q = `q=${encodeURIComponent(query)}`

describe.skipIf(!postgresAvailable)("memory search", () => {
  layer(TestApp(), { excludeTestServices: true })((it) => {
    const seeded = Effect.gen(function*() {
      const userId = yield* newUser
      yield* insertFact(userId, { text: "Loves spicy ramen", graphType: "user", closeness: 0.4 })
      yield* insertFact(userId, { text: "Works night shifts as a nurse", graphType: "user", closeness: 1 })
      yield* insertFact(userId, { text: "Nikita paints on Sundays", graphType: "nikita", closeness: 0.6 })
      yield* insertFact(userId, { text: "They laughed about her cat", graphType: "relationship", closeness: 0.8 })
      // Not embedded yet, superseded, or someone else's: never found.
      yield* insertFact(userId, { text: "Works at the hospital at night", graphType: "user", closeness: null })
      yield* insertFact(userId, { text: "Worked day shifts", graphType: "user", closeness: 1, active: false })
      yield* insertFact(yield* newUser, { text: "Another player's night shifts", graphType: "user", closeness: 1 })
      return userId
    })

    it.effect("the player's active, embedded facts, most similar first, with every field", () =>
      Effect.gen(function*() {
        const userId = yield* seeded
        const results = yield* search(userId, q)
        expect(results.map((r) => r.fact)).toEqual([
          "Works night shifts as a nurse",
          "They laughed about her cat",
          "Nikita paints on Sundays",
          "Loves spicy ramen"
        ])
        const similarities = results.map((r) => r.similarity)
        expect([...similarities].sort((a, b) => b - a)).toEqual(similarities)
        expect(similarities[0]).toBeCloseTo(1, 5)
        expect(results[0]).toMatchObject({ graph_type: "user", confidence: 0.85, source: "pipeline_extraction" })
        expect(results[0]!.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/)
      }))

    it.effect("limit and graph_type narrow the results", () =>
      Effect.gen(function*() {
        const userId = yield* seeded
        expect((yield* search(userId, `${q}&limit=2`)).map((r) => r.fact))
          .toEqual(["Works night shifts as a nurse", "They laughed about her cat"])
        expect((yield* search(userId, `${q}&graph_type=user`)).map((r) => r.fact))
          .toEqual(["Works night shifts as a nurse", "Loves spicy ramen"])
        expect((yield* search(userId, `${q}&graph_type=nikita&limit=1`)).map((r) => r.fact))
          .toEqual(["Nikita paints on Sundays"])
      }))

    it.effect("ten results unless asked for more", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        for (let i = 0; i < 12; i++) {
          yield* insertFact(userId, { text: `Fact number ${i}`, graphType: "user", closeness: 0.3 + i / 20 })
        }
        expect(yield* search(userId, q)).toHaveLength(10)
        expect(yield* search(userId, `${q}&limit=100`)).toHaveLength(12)
      }))

    it.effect("400 without a query or with a bad limit or graph type; 404 for an unknown player; 401 without the secret", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const bad = [
          ["", "q"],
          ["q=", "q"],
          ["q=%20%20", "q"],
          [`${q}&limit=0`, "limit"],
          [`${q}&limit=101`, "limit"],
          [`${q}&limit=ten`, "limit"],
          [`${q}&graph_type=friend`, "graph_type"]
        ] as const
        for (const [params, field] of bad) {
          const reply = yield* send("GET", `/users/${userId}/memory/search?${params}`)
          expect(reply.status, params).toBe(400)
          expect(reply.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining(`${field}:`) })
        }
        const stranger = randomUUID()
        const unknown = yield* send("GET", `/users/${stranger}/memory/search?${q}`)
        expect(unknown.status).toBe(404)
        expect(unknown.json).toMatchObject({ error: "not_found", message: expect.stringContaining(stranger) })
        expect((yield* send("GET", `/users/${userId}/memory/search?${q}`, { secret: null })).status).toBe(401)
      }))
  })
})
