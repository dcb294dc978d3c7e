import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { randomUUID } from "node:crypto"
import { MemoryRepository } from "../../src/memory/MemoryRepository.js"
import { parseVectorLiteral } from "../../src/memory/VectorLiteral.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { UserRepository } from "../../src/player/UserRepository.js"
import { postgresAvailable } from "../support/Db.js"
import { TestApp } from "../support/TestApp.js"

/**
 * Memory search must find what an exact scan finds: the plan is the exact per-player scan (no
 * approximate index that could stop early), and recall@10 against a brute-force ranking in
 * JavaScript is complete, on dense clustered unit vectors and on the offline provider's vectors.
 */

/**
 * `facts` dense 1,536-dimension unit vectors for `userId`: one of 32 random cluster centres plus
 * two of 256 random noise vectors, so that neighbours are close but rarely identical.
 */
const seedClustered = (userId: string, facts: number, salt: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT setseed(${(salt % 100) / 100})`
      yield* sql`
        WITH centers AS (
          SELECT c, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 1536) WHERE c >= 0)::vector AS v
          FROM generate_series(0, 31) c
        ), noise AS (
          SELECT n, (SELECT array_agg((random() - 0.5) * 0.7) FROM generate_series(1, 1536) WHERE n >= 0)::vector AS v
          FROM generate_series(0, 255) n
        )
        INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type, embedding)
        SELECT ${userId}, 'fact ' || g, 'fact ' || g, 'user', l2_normalize(c.v + a.v + b.v)
        FROM generate_series(1, ${facts}) g
        JOIN centers c ON c.c = (g * 7919) % 32
        JOIN noise a ON a.n = (g * 31) % 256
        JOIN noise b ON b.n = (g * 17 + 5) % 251`
    })))

const newUser = Effect.gen(function*() {
  const id = randomUUID()
  yield* (yield* UserRepository).upsert(id, {}).pipe(Effect.orDie)
  return id
})

/** The player's embedded active facts with their vectors, for a brute-force ranking. */
const storedVectors = (userId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ id: string; embedding: string }>`
      SELECT id, embedding::text AS embedding FROM memory_facts
      WHERE user_id = ${userId} AND is_active AND embedding IS NOT NULL`
    return rows.map((row) => ({ id: row.id, vector: Option.getOrThrow(parseVectorLiteral(row.embedding)) }))
  })

const cosine = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
  let dot = 0
  let na = 0
  let nb = 0
  a.forEach((x, i) => {
    const y = b[i] ?? 0
    dot += x * y
    na += x * x
    nb += y * y
  })
  return dot / Math.sqrt(na * nb)
}

/** A query near a stored fact: the fact's vector mixed with another's. */
const queryNear = (userId: string, offset: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ q: string }>`
      SELECT l2_normalize(a.embedding + b.embedding)::text AS q
      FROM (SELECT embedding FROM memory_facts WHERE user_id = ${userId} ORDER BY fact OFFSET ${offset} LIMIT 1) a,
           (SELECT embedding FROM memory_facts WHERE user_id = ${userId} ORDER BY fact OFFSET ${(offset * 7 + 3) % 1900} LIMIT 1) b`
    return Option.getOrThrow(parseVectorLiteral(row?.q ?? ""))
  })

/**
 * Recall@10 against the brute-force ranking. A returned fact counts when it is at least as
 * similar as the exact 10th best (up to rounding): feature-hashed texts tie often, and among
 * equals any choice is right.
 */
const recallAt10 = (userId: string, queries: ReadonlyArray<ReadonlyArray<number>>) =>
  Effect.gen(function*() {
    const memory = yield* MemoryRepository
    const stored = yield* storedVectors(userId)
    let found = 0
    let expected = 0
    for (const query of queries) {
      const similarity = new Map(stored.map((fact) => [fact.id, cosine(fact.vector, query)]))
      const exact = [...similarity.values()].sort((a, b) => b - a).slice(0, 10)
      const tenth = exact.at(-1) ?? 1
      const got = yield* memory.search({ userId, embedding: query, limit: 10 })
      found += got.filter((fact) => (similarity.get(fact.id) ?? -1) >= tenth - 1e-6).length
      expected += exact.length
    }
    return found / expected
  })

interface PlanNode {
  readonly "Node Type": string
  readonly "Index Name"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}

const indexesOf = (node: PlanNode): ReadonlyArray<string> => [
  ...(node["Index Name"] === undefined ? [] : [node["Index Name"]]),
  ...(node.Plans ?? []).flatMap(indexesOf)
]

describe.skipIf(!postgresAvailable)("memory search: exact per-player scan", () => {
  layer(TestApp(), { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("2,000 dense facts of one player among others: the plan scans the player's facts, recall@10 is 1", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const player = yield* newUser
        yield* seedClustered(player, 2000, 1)
        for (let i = 0; i < 20; i++) yield* seedClustered(yield* newUser, 100, i + 2)
        yield* sql`ANALYZE memory_facts`

        const memory = yield* MemoryRepository
        const query = yield* queryNear(player, 5)
        const [plan] = yield* sql<{ "QUERY PLAN": ReadonlyArray<{ Plan: PlanNode }> }>`
          EXPLAIN (FORMAT JSON) ${memory.searchStatement({ userId: player, embedding: query, limit: 10 })}`
        const root = plan?.["QUERY PLAN"][0]?.Plan
        expect(root).toBeDefined()
        if (root === undefined) return
        expect(indexesOf(root)).toEqual(["memory_facts_by_user"])

        const queries = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i * 37), (at) => queryNear(player, at))
        expect(yield* recallAt10(player, queries)).toBe(1)
      }))

    it.effect("the offline provider's vectors: recall@10 is 1", () =>
      Effect.gen(function*() {
        const player = yield* newUser
        const embeddings = yield* Embeddings
        const memory = yield* MemoryRepository
        const topics = ["hiking", "guitar", "nursing", "cooking", "running", "painting", "chess", "travel", "coffee", "books"]
        const texts = Array.from({ length: 300 }, (_, i) =>
          `The player talked about ${topics[i % 10]} and ${topics[(i * 7) % 10]} on day ${i}`)
        const vectors = yield* embeddings.embedMany(texts)
        const conversations = yield* SqlClient.SqlClient
        yield* Effect.forEach(texts, (text, i) =>
          conversations`
            INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type, embedding)
            VALUES (${player}, ${text}, ${text}, 'user',
              ${Option.getOrThrow(Option.map(vectors[i] ?? Option.none(), (v) => `[${v.join(",")}]`))}::vector)`)
        const queries = yield* Effect.forEach(topics, (topic) =>
          Effect.map(embeddings.embed(`what about ${topic}?`), Option.getOrThrow))
        expect(yield* recallAt10(player, queries)).toBe(1)
        expect((yield* memory.search({ userId: player, embedding: queries[0] ?? [], limit: 10 })).length).toBe(10)
      }))
  })
})
