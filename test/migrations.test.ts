import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { DatabaseLive } from "../src/db/Database.js"
import { Migrations } from "../src/db/Migrations.js"
import { freshDatabaseUrl, postgresAvailable, testEnv } from "./support/Db.js"
import { expectedTables, tables, vectorSize } from "./support/MigratedSchema.js"

const database = (env: Record<string, string>) => DatabaseLive.pipe(Layer.provide(testEnv(env)))

describe("migrations", () => {
  // The embedded PGlite database is migrated by the built service itself in
  // test/process/startup.test.ts (one PGlite start in the suite: each costs seconds of CPU).
  it.scoped.skipIf(!postgresAvailable)("apply on PostgreSQL sized from configuration, re-apply nothing, and survive two instances starting at once", () =>
    Effect.gen(function*() {
      // The per-file database is a clone of the migrated template: nothing is pending.
      const url = yield* freshDatabaseUrl
      const again = yield* Migrations.pipe(Effect.provide(database({ DATABASE_URL: url })))
      expect(again.applied).toEqual([])

      // An empty database migrated by two instances at once: exactly one applies, neither fails,
      // and the vector column takes its size from EMBEDDING_DIMENSIONS (the placeholder filled).
      const context = yield* Layer.build(database({ DATABASE_URL: url }))
      const sql = Context.get(context, SqlClient.SqlClient)
      const emptyName = `aftertalk_empty_${Date.now()}`
      yield* sql.unsafe(`CREATE DATABASE ${emptyName}`)
      yield* Effect.addFinalizer(() => sql.unsafe(`DROP DATABASE IF EXISTS ${emptyName} WITH (FORCE)`).pipe(Effect.orDie))
      const emptyUrl = Object.assign(new URL(url), { pathname: `/${emptyName}` }).toString()
      const emptyDatabase = database({ DATABASE_URL: emptyUrl, EMBEDDING_DIMENSIONS: "64" })
      const both = yield* Effect.all([1, 2].map(() => Migrations.pipe(Effect.provide(emptyDatabase))), { concurrency: "unbounded" })
      expect(both.map((m) => m.applied.length).sort()).toEqual([0, 6])
      expect(yield* tables.pipe(Effect.provide(emptyDatabase))).toEqual(expectedTables)
      expect(yield* vectorSize.pipe(Effect.provide(emptyDatabase))).toBe(64)
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
