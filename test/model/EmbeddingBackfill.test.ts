import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Deferred, Effect, Fiber, Layer, Option, Ref, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { DatabaseLive } from "../../src/db/Database.js"
import { backfillEmbeddings } from "../../src/memory/EmbeddingBackfill.js"
import { MemoryRepository } from "../../src/memory/MemoryRepository.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { hashEmbedding } from "../../src/model/offline/OfflineEmbedding.js"
import { parseVectorLiteral } from "../../src/memory/VectorLiteral.js"
import { freshDatabaseUrl, postgresAvailable, testEnv } from "../support/Db.js"

/** The memory repository (the backfill's writer) over the given embeddings. */
const withMemory = (embeddings: Layer.Layer<Embeddings>) =>
  MemoryRepository.DefaultWithoutDependencies.pipe(Layer.provideMerge(embeddings))

const database = (url: string) => DatabaseLive.pipe(Layer.provide(testEnv({ DATABASE_URL: url })))

/** The size of `memory_facts.embedding` in this database. */
const embeddingDimensions = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ dims: number }>`
    SELECT atttypmod AS dims FROM pg_attribute WHERE attrelid = 'memory_facts'::regclass AND attname = 'embedding'`
  return row?.dims ?? 0
})

/** A user with `count` facts lacking an embedding, `broken` more the provider cannot embed, and one already embedded. */
const seed = (count: number, broken: number, dimensions: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const userId = randomUUID()
    yield* sql`INSERT INTO users (id) VALUES (${userId})`
    yield* sql`
      INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type)
      SELECT ${userId}, 'User fact number ' || g, 'user fact number ' || g, 'user' FROM generate_series(1, ${count}) g`
    yield* sql`
      INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type)
      SELECT ${userId}, 'unembeddable ' || g, 'unembeddable ' || g, 'user' FROM generate_series(1, ${broken}) g`
    const existing = `[${new Array(dimensions).fill(0).map((_, i) => (i === 0 ? 1 : 0)).join(",")}]`
    yield* sql`
      INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type, embedding)
      VALUES (${userId}, 'already embedded', 'already embedded', 'user', ${existing}::vector)`
  })

/** Offline vectors, except for texts starting "unembeddable" (as if the provider kept failing). */
const flakyEmbeddings = (dimensions: number, onCall: Effect.Effect<void> = Effect.void) =>
  Embeddings.Test({
    dimensions,
    embedMany: (texts) =>
      onCall.pipe(Effect.as(texts.map((text) =>
        text.startsWith("unembeddable") ? Option.none() : Option.some(hashEmbedding(text, dimensions))
      )))
  })

const factState = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`SELECT fact, embedding::text AS embedding FROM memory_facts ORDER BY fact`
  return yield* Schema.decodeUnknown(Schema.Array(Schema.Struct({ fact: Schema.String, embedding: Schema.NullOr(Schema.String) })))(rows)
})

describe.skipIf(!postgresAvailable)("embedding backfill (PostgreSQL)", () => {
  it.scoped("embeds every NULL embedding in batches, skips what stays None, and a re-run finds only those", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const context = yield* Layer.build(database(url))
      yield* Effect.gen(function*() {
        const dimensions = yield* embeddingDimensions
        // Every insert into the HNSW index costs milliseconds: a few batches, not thousands of facts.
        yield* seed(250, 3, dimensions)
        const calls = yield* Ref.make(0)
        const embeddings = flakyEmbeddings(dimensions, Ref.update(calls, (n) => n + 1))

        const report = yield* backfillEmbeddings({ batchSize: 100 }).pipe(Effect.provide(withMemory(embeddings)))
        expect(report).toMatchObject({ total: 253, embedded: 250, skipped: 3 })
        expect(yield* Ref.get(calls)).toBe(3)

        const facts = yield* factState
        const missing = facts.filter((row) => row.embedding === null).map((row) => row.fact)
        expect(missing).toEqual(["unembeddable 1", "unembeddable 2", "unembeddable 3"])
        const stored = facts.find((row) => row.fact === "User fact number 42")?.embedding ?? ""
        const vector = Option.getOrThrow(parseVectorLiteral(stored))
        const expected = hashEmbedding("User fact number 42", dimensions)
        expect(vector.every((value, i) => Math.abs(value - (expected[i] ?? Number.NaN)) < 1e-6)).toBe(true)
        expect(facts.find((row) => row.fact === "already embedded")?.embedding).toMatch(/^\[1,0,/)

        const again = yield* backfillEmbeddings({ batchSize: 100 }).pipe(Effect.provide(withMemory(embeddings)))
        expect(again).toMatchObject({ total: 3, embedded: 0, skipped: 3 })
      }).pipe(Effect.provide(context))
    }))

  it.scoped("an interrupted run keeps its finished batches and the next run completes the rest", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const context = yield* Layer.build(database(url))
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const dimensions = yield* embeddingDimensions
        yield* seed(150, 0, dimensions)
        const calls = yield* Ref.make(0)
        const secondCall = yield* Deferred.make<void>()
        // The second batch never gets its embeddings: the run is stuck there when interrupted.
        const stalling = flakyEmbeddings(
          dimensions,
          Effect.flatMap(Ref.updateAndGet(calls, (n) => n + 1), (n) =>
            n === 2 ? Deferred.succeed(secondCall, undefined).pipe(Effect.zipRight(Effect.never)) : Effect.void)
        )
        const run = yield* Effect.fork(backfillEmbeddings({ batchSize: 50 }).pipe(Effect.provide(withMemory(stalling))))
        yield* Deferred.await(secondCall)
        yield* Fiber.interrupt(run)
        const [{ missing }] = yield* sql<{ missing: number }>`SELECT count(*)::int AS missing FROM memory_facts WHERE embedding IS NULL`
        expect(missing).toBe(100)

        const resumed = yield* backfillEmbeddings({ batchSize: 50 }).pipe(Effect.provide(withMemory(flakyEmbeddings(dimensions))))
        expect(resumed).toMatchObject({ total: 100, embedded: 100, skipped: 0 })
      }).pipe(Effect.provide(context))
    }))
})
