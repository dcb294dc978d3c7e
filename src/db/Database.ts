import { PgClient } from "@effect/sql-pg"
import type { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Context, Duration, Effect, Layer, Option, Redacted, type Scope } from "effect"
import pg from "pg"
import { AppConfig } from "../config/AppConfig.js"
import { type DataDirLocked, dataDirLock } from "./DataDirLock.js"
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

/**
 * The `pg` pool under the SQL client. Every statement goes through the SQL client but one: the
 * chat runtime's read of a player's prompt, run on this pool as a named statement
 * (ReadyPromptRepository.ts), which PostgreSQL parses and plans once per connection rather than
 * on every read, and which skips the client's per-statement work on the service's hottest path.
 */
export class DatabasePool extends Context.Tag("aftertalk/DatabasePool")<DatabasePool, pg.Pool>() {}

/** The SQL client over `pool`, and the pool itself. */
const clientOver = (pool: Effect.Effect<pg.Pool, SqlError, Scope.Scope>) =>
  Layer.unwrapScoped(Effect.map(pool, (opened) =>
    Layer.merge(
      PgClient.layerFromPool({ acquire: Effect.succeed(opened), applicationName: "aftertalk", types: pgTypes }),
      Layer.succeed(DatabasePool, opened)
    )))

/** As `PgClient.layer` opens it: checked with one query at start, ended (within a second) at shutdown. */
const openPostgres = (url: Redacted.Redacted, maxConnections: number) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const pool = new pg.Pool({
        connectionString: Redacted.value(url),
        connectionTimeoutMillis: Duration.toMillis(connectTimeout),
        idleTimeoutMillis: Duration.toMillis(Duration.seconds(30)),
        max: maxConnections,
        application_name: "aftertalk",
        types: pgTypes
      })
      // An idle connection that breaks is dropped by the pool; unheard, the event would end the process.
      pool.on("error", () => undefined)
      return pool
    }),
    (pool) => Effect.promise(() => pool.end()).pipe(Effect.interruptible, Effect.timeoutOption(1000))
  ).pipe(
    Effect.tap((pool) =>
      Effect.tryPromise({
        try: () => pool.query("SELECT 1"),
        catch: (cause) => new SqlError({ cause, message: "PgClient: Failed to connect" })
      }).pipe(Effect.timeoutFail({
        duration: connectTimeout,
        onTimeout: () => new SqlError({ cause: new Error("Connection timed out"), message: "PgClient: Connection timed out" })
      })))
  )

export const postgresLayer = (url: Redacted.Redacted, maxConnections = 10) => clientOver(openPostgres(url, maxConnections))

/** PGlite is a single connection: a pool of one, so the pool serialises access for us. */
export const pgliteLayer = (dataDir: string) =>
  clientOver(
    Effect.acquireRelease(
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
    ).pipe(Effect.map(({ pool }) => pool))
  )

/** The client chosen by configuration, without migrations. */
export const SqlLive: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient | DatabasePool, SqlError | DataDirLocked, AppConfig> = Layer.unwrapEffect(
  Effect.gen(function*() {
    const config = yield* AppConfig
    return Option.match(config.databaseUrl, {
      onSome: (url) => postgresLayer(url),
      onNone: () =>
        pgliteLayer(config.dataDir).pipe(
          Layer.tap(() => Effect.logInfo(`embedded PGlite database at ${config.dataDir}`)),
          // Locked before PGlite opens the files, unlocked after it closed them.
          Layer.provide(config.dataDir.startsWith("memory://") ? Layer.empty : dataDirLock(config.dataDir))
        )
    })
  })
)

/** The migrated database every other layer depends on, configured by `AppConfig`. */
export const DatabaseLive = Migrations.Default.pipe(Layer.provideMerge(SqlLive), Layer.provide(AppConfig.Default))
