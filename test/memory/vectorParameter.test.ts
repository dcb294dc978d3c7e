import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { randomUUID } from "node:crypto"
import { AppConfig } from "../../src/config/AppConfig.js"
import { DatabaseLive } from "../../src/db/Database.js"
import { MemoryRepository } from "../../src/memory/MemoryRepository.js"
import { parseVectorLiteral, toVectorLiteral, toVectorParameter } from "../../src/memory/VectorLiteral.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { freshDatabaseUrl, postgresAvailable, testEnv } from "../support/Db.js"

/** Values whose decimal and float32 forms differ: what a real embedding holds. */
const awkward = Array.from({ length: 1536 }, (_, i) => (i % 7 === 0 ? -1 / (i + 3) : Math.sin(i) / 3) * (i % 11 === 0 ? 1e-6 : 1))

const memoryOver = (env: Record<string, string>) =>
  MemoryRepository.DefaultWithoutDependencies.pipe(
    Layer.provideMerge(Embeddings.Test({ dimensions: 1536, embedMany: (texts) => Effect.succeed(texts.map(() => Option.none())) })),
    Layer.provideMerge(DatabaseLive.pipe(Layer.provide(AppConfig.Default), Layer.provide(testEnv(env))))
  )

/**
 * A fact's embedding goes to the database in pgvector's binary form: what is stored and what a
 * search compares must be what the decimal text form gave, on both back ends.
 */
const storesAsTheTextForm = Effect.gen(function*() {
  const memory = yield* MemoryRepository
  const sql = yield* SqlClient.SqlClient
  const userId = randomUUID()
  const conversationId = randomUUID()
  yield* sql`INSERT INTO users (id) VALUES (${userId})`
  yield* sql`INSERT INTO conversations (id, user_id, platform) VALUES (${conversationId}, ${userId}, 'text')`
  const added = yield* memory.addFacts({
    userId,
    conversationId,
    facts: [{ text: "User keeps bees", graphType: "user", embedding: Option.some(awkward) }]
  })
  expect(added.inserted).toBe(1)
  const [row] = yield* sql<{ stored: string | null; literal: string }>`
    SELECT (SELECT embedding::text FROM memory_facts WHERE user_id = ${userId}) AS stored,
           ${toVectorLiteral(awkward)}::vector::text AS literal`
  // Compared as equal or not: a mismatch's message would print 1,536 numbers twice.
  expect(row?.stored === row?.literal).toBe(true)
  expect(Option.map(parseVectorLiteral(row?.literal ?? ""), (v) => v.length)).toEqual(Option.some(1536))
  const [found] = yield* memory.search({ userId, embedding: awkward, limit: 1 })
  expect(found?.similarity).toBeCloseTo(1, 6)
  const [header] = yield* sql<{ dims: number }>`SELECT vector_dims(${toVectorParameter([1, 2, 3])}::vector) AS dims`
  expect(header?.dims).toBe(3)
})

describe("vector parameters", () => {
  it.scoped.skipIf(!postgresAvailable)("PostgreSQL stores a binary vector as its text form would", () =>
    Effect.flatMap(freshDatabaseUrl, (url) => storesAsTheTextForm.pipe(Effect.provide(memoryOver({ DATABASE_URL: url })))))

  it.scoped("the embedded PGlite stores a binary vector as its text form would", () =>
    storesAsTheTextForm.pipe(Effect.provide(memoryOver({ DATA_DIR: "memory://" }))))
})
