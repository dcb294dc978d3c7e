import { ConfigProvider, Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import pg from "pg"
import { inject } from "vitest"

/**
 * A fresh PostgreSQL database per test file, cloned from the migrated template that
 * `globalSetup.ts` built, and dropped when the scope closes.
 */

const pgContext = inject("pg")

/** True when PostgreSQL with pgvector can be used; under CI=true the run never gets here otherwise. */
export const postgresAvailable = pgContext.available

const adminQuery = (text: string) =>
  Effect.promise(async () => {
    if (!pgContext.available) throw new Error(pgContext.reason)
    const client = new pg.Client({ connectionString: pgContext.adminUrl, connectionTimeoutMillis: 5_000 })
    await client.connect()
    try {
      await client.query(text)
    } finally {
      await client.end()
    }
  })

const urlOf = (database: string) => {
  if (!pgContext.available) throw new Error(pgContext.reason)
  const url = new URL(pgContext.adminUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/** Creates a migrated database for this scope and returns its URL. */
export const freshDatabaseUrl = Effect.acquireRelease(
  Effect.suspend(() => {
    if (!pgContext.available) return Effect.dieMessage(pgContext.reason)
    const name = `aftertalk_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`
    return adminQuery(`CREATE DATABASE ${name} TEMPLATE ${pgContext.template}`).pipe(Effect.as(name))
  }),
  (name) => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.orDie)
).pipe(Effect.map(urlOf))

/** Configuration for a test: the given variables and nothing from the process environment. */
export const testEnv = (env: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
