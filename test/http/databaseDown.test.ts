import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import pg from "pg"
import { inject } from "vitest"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { appLayer, send, testTaskSecret } from "../support/TestApp.js"

/**
 * A database that cannot be used is `503 unavailable` with `Retry-After` (API.md), never a bare
 * 500: the client should come back, not report a bug. The database is made unreachable for real:
 * connections refused and the service's own closed.
 */

const pgContext = inject("pg")

const admin = (text: string) =>
  Effect.promise(async () => {
    if (!pgContext.available) throw new Error(pgContext.reason)
    const client = new pg.Client({ connectionString: pgContext.adminUrl })
    await client.connect()
    try {
      await client.query(text)
    } finally {
      await client.end()
    }
  })

const unreachable = (database: string) =>
  Effect.acquireRelease(
    Effect.zipRight(
      admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`),
      admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`)
    ),
    () => admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`)
  )

describe.skipIf(!postgresAvailable)("database down", () => {
  it.scopedLive("a request needing the database is 503 unavailable with Retry-After, and works again after", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const database = new URL(url).pathname.slice(1)
      const context = yield* Layer.build(appLayer({ DATABASE_URL: url }))
      const call = (method: "PUT" | "GET", path: string) => Effect.provide(send(method, path, { body: {} }), context)
      const userId = randomUUID()
      expect((yield* call("PUT", `/users/${userId}`)).status).toBe(201)

      const down = yield* Effect.scoped(Effect.zipRight(
        unreachable(database),
        Effect.provide(
          Effect.flatMap(HttpClient.HttpClient, (client) =>
            client.execute(HttpClientRequest.get(`/users/${userId}`).pipe(HttpClientRequest.bearerToken(testTaskSecret)))),
          context
        )
      ))
      expect(down.status).toBe(503)
      expect(down.headers["retry-after"]).toMatch(/^\d+$/)
      expect(yield* down.json).toMatchObject({ error: "unavailable" })

      expect((yield* call("GET", `/users/${userId}`)).status).toBe(200)
    }), 60_000)
})
