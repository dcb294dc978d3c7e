import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { DatabaseLive } from "../src/db/Database.js"
import { Migrations } from "../src/db/Migrations.js"
import { freshDatabaseUrl, postgresAvailable, testEnv } from "./support/Db.js"

const database = (env: Record<string, string>) => DatabaseLive.pipe(Layer.provide(testEnv(env)))

const tables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`
  return rows.map((row) => row.table_name)
})

const expectedTables = [
  "aftertalk_migrations", "conflict_history", "conversation_extractions", "conversation_threads", "conversations",
  "daily_summaries", "emotional_states", "life_events", "memory_facts", "messages", "nikita_thoughts",
  "pipeline_executions", "ready_prompts", "scheduled_touchpoints", "score_history", "task_runs", "user_metrics", "users"
]

describe("migrations", () => {
  const embedded = { DATA_DIR: "memory://", EMBEDDING_DIMENSIONS: "64" }
  // One embedded database (its start is the costly part): the placeholder filled from
  // configuration, every table made, and a second run of the migrations applies nothing.
  it.scoped("apply on embedded PGlite with pgvector, sized from configuration, and a second run applies nothing", () =>
    Effect.gen(function*() {
      const { again, applied, names, dims } = yield* Effect.gen(function*() {
        const { applied } = yield* Migrations
        const sql = yield* SqlClient.SqlClient
        const [{ dims }] = yield* sql<{ dims: number }>`
          SELECT atttypmod AS dims FROM pg_attribute WHERE attrelid = 'memory_facts'::regclass AND attname = 'embedding'`
        // The service's start again, on the same database.
        const again = Context.get(yield* Layer.build(Migrations.Default), Migrations)
        return { again: again.applied, applied, names: yield* tables, dims }
      }).pipe(Effect.provide(Layer.merge(database(embedded), testEnv(embedded))))
      expect(applied.map(([id]) => id)).toEqual([1, 2, 3, 4, 5, 6])
      expect(dims).toBe(64)
      expect(names).toEqual(expectedTables)
      expect(again).toEqual([])
    }))

  it.scoped.skipIf(!postgresAvailable)("apply on PostgreSQL, re-apply nothing, and survive two instances starting at once", () =>
    Effect.gen(function*() {
      // The per-file database is a clone of the migrated template: nothing is pending.
      const url = yield* freshDatabaseUrl
      const again = yield* Migrations.pipe(Effect.provide(database({ DATABASE_URL: url })))
      expect(again.applied).toEqual([])

      // An empty database migrated by two instances at once: exactly one applies, neither fails.
      const context = yield* Layer.build(database({ DATABASE_URL: url }))
      const sql = Context.get(context, SqlClient.SqlClient)
      const emptyName = `aftertalk_empty_${Date.now()}`
      yield* sql.unsafe(`CREATE DATABASE ${emptyName}`)
      yield* Effect.addFinalizer(() => sql.unsafe(`DROP DATABASE IF EXISTS ${emptyName} WITH (FORCE)`).pipe(Effect.orDie))
      const emptyUrl = Object.assign(new URL(url), { pathname: `/${emptyName}` }).toString()
      const both = yield* Effect.all(
        [1, 2].map(() => Migrations.pipe(Effect.provide(database({ DATABASE_URL: emptyUrl })))),
        { concurrency: "unbounded" }
      )
      expect(both.map((m) => m.applied.length).sort()).toEqual([0, 6])
      const names = yield* tables.pipe(Effect.provide(database({ DATABASE_URL: emptyUrl })))
      expect(names).toEqual(expectedTables)
    }))

  it.scoped.skipIf(!postgresAvailable)("refuse a database whose vectors have another size than EMBEDDING_DIMENSIONS", () =>
    Effect.gen(function*() {
      // The template database was created with 1536 dimensions.
      const url = yield* freshDatabaseUrl
      const refused = yield* Migrations.pipe(
        Effect.provide(database({ DATABASE_URL: url, EMBEDDING_DIMENSIONS: "768" })),
        Effect.flip
      )
      expect(refused).toMatchObject({ _tag: "EmbeddingDimensionsMismatch", configured: 768, database: 1536 })
      const accepted = yield* Migrations.pipe(Effect.provide(database({ DATABASE_URL: url, EMBEDDING_DIMENSIONS: "1536" })))
      expect(accepted.applied).toEqual([])
    }))
})
