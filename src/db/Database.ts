import { PgClient } from "@effect/sql-pg"
import type { SqlClient, SqlError } from "@effect/sql"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import pg from "pg"
import { AppConfig } from "../config/AppConfig.js"
import { Migrations } from "./Migrations.js"

/**
 * The database: PostgreSQL through an `@effect/sql-pg` pool when `DATABASE_URL` is set, otherwise
 * the embedded PGlite (PostgreSQL in WASM, with pgvector) in-process under `DATA_DIR`.
 * Migrations are applied before anything else can use the client.
 */

/** How long a caller waits for a pooled connection before failing instead of hanging. */
const connectTimeout = Duration.seconds(10)

/**
 * Row parsing shared by both back ends: dates stay "YYYY-MM-DD" strings (a JS Date would shift
 * them into the process's zone) and bigint/numeric become numbers (counts and aggregates).
 */
export const pgTypes = new pg.TypeOverrides()
pgTypes.setTypeParser(pg.types.builtins.DATE, (value: string) => value)
pgTypes.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value))
pgTypes.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value))

export const postgresLayer = (url: Redacted.Redacted, maxConnections = 10) =>
  PgClient.layer({
    url,
    connectTimeout,
    maxConnections,
    idleTimeout: Duration.seconds(30),
    applicationName: "aftertalk",
    types: pgTypes
  })

/** PGlite is a single connection: a pool of one, so the pool serialises access for us. */
export const pgliteLayer = (dataDir: string) =>
  PgClient.layerFromPool({
    acquire: Effect.acquireRelease(
      Effect.promise(async () => {
        const [{ PGlite }, { vector }, { createPgConfig }] = await Promise.all([
          import("@electric-sql/pglite"),
          import("@electric-sql/pglite-pgvector"),
          import("@electric-sql/pglite/node-postgres")
        ])
        if (!dataDir.startsWith("memory://")) {
          const { mkdir } = await import("node:fs/promises")
          await mkdir(dataDir, { recursive: true })
        }
        const pglite = await PGlite.create(dataDir, { extensions: { vector } })
        const pool = new pg.Pool({
          ...createPgConfig(pglite),
          max: 1,
          connectionTimeoutMillis: Duration.toMillis(Duration.seconds(30)),
          types: pgTypes
        })
        return { pool, pglite }
      }).pipe(Effect.withSpan("Database.openEmbedded")),
      ({ pool, pglite }) => Effect.promise(async () => {
        await pool.end()
        await pglite.close()
      })
    ).pipe(Effect.map(({ pool }) => pool)),
    applicationName: "aftertalk",
    types: pgTypes
  })

/** The client chosen by configuration, without migrations. */
export const SqlLive: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError.SqlError, AppConfig> = Layer.unwrapEffect(
  Effect.gen(function*() {
    const config = yield* AppConfig
    return Option.match(config.databaseUrl, {
      onSome: (url) => postgresLayer(url),
      onNone: () =>
        pgliteLayer(config.dataDir).pipe(
          Layer.tap(() => Effect.logInfo(`embedded PGlite database at ${config.dataDir}`))
        )
    })
  })
)

/** The migrated database every other layer depends on, configured by `AppConfig`. */
export const DatabaseLive = Migrations.Default.pipe(Layer.provideMerge(SqlLive), Layer.provide(AppConfig.Default))
