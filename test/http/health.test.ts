import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import pg from "pg"
import { StreamState } from "../../src/runs/StreamState.js"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { appLayer, send, TestApp } from "../support/TestApp.js"

/** Starts each scenario from an empty pipeline. */
const reset = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DELETE FROM pipeline_executions`
  yield* sql`DELETE FROM conversations`
})

const conversation = (fields: { status: string; platform?: string; ageMinutes: number; leaseMinutes?: number }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const userId = randomUUID()
    yield* sql`INSERT INTO users (id) VALUES (${userId})`
    const at = sql`now() - make_interval(mins => ${fields.ageMinutes})`
    const lease = fields.leaseMinutes === undefined ? sql`NULL` : sql`now() + make_interval(mins => ${fields.leaseMinutes})`
    const [row] = yield* sql<{ id: string }>`
      INSERT INTO conversations (user_id, platform, status, last_message_at, updated_at, lease_owner, lease_expires_at)
      VALUES (${userId}, ${fields.platform ?? "text"}, ${fields.status}, ${at}, ${at},
        ${fields.leaseMinutes === undefined ? null : "instance-a"}, ${lease})
      RETURNING id`
    return { userId, conversationId: row!.id }
  })

const executions = (statuses: ReadonlyArray<string>, durationMs: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const { userId, conversationId } = yield* conversation({ status: "processed", ageMinutes: 60 })
    for (const status of statuses) {
      yield* sql`
        INSERT INTO pipeline_executions (conversation_id, user_id, trigger, status, completed_at, total_duration_ms)
        VALUES (${conversationId}, ${userId}, 'stream', ${status}, now(), ${durationMs})`
    }
  })

const health = send("GET", "/pipeline/health", { secret: null })

describe.skipIf(!postgresAvailable)("pipeline health", () => {
  layer(TestApp(), { excludeTestServices: true })((it) => {
    it.effect("an idle service: database ok, nothing measured yet; degraded until the stream runs", () =>
      Effect.gen(function*() {
        yield* reset
        const idle = yield* health
        expect(idle.status).toBe(200)
        expect(idle.json).toMatchObject({
          status: "degraded",
          recent_success_rate: null,
          avg_duration_ms: null,
          stuck_conversations: 0,
          queue_depth: 0,
          oldest_queued_age_seconds: null,
          database: "ok",
          stream: "stopped"
        })
        expect(idle.text).toMatch(/"checked_at":"\d{4}-\d{2}-\d{2}T[\d:.]+Z"/)

        yield* StreamState.pipe(Effect.flatMap((stream) => stream.set("running")))
        const running = yield* health
        expect(running.status).toBe(200)
        expect(running.json).toMatchObject({ status: "healthy", database: "ok", stream: "running" })
      }))

    it.effect("success rate over finished runs (partial counts as success), degraded under 0.9", () =>
      Effect.gen(function*() {
        yield* reset
        yield* StreamState.pipe(Effect.flatMap((stream) => stream.set("running")))
        yield* executions([...Array<string>(8).fill("success"), "partial_success", "failed"], 100)
        // Runs still going do not count.
        yield* executions(["processing", "queued"], 5000)
        const atThreshold = yield* health
        expect(atThreshold.json).toMatchObject({ status: "healthy", recent_success_rate: 0.9, avg_duration_ms: 100 })

        yield* executions(["failed"], 1200)
        const below = yield* health
        expect(below.status).toBe(200)
        expect(below.json).toMatchObject({ status: "degraded", recent_success_rate: 9 / 11, avg_duration_ms: 200 })
      }))

    it.effect("a conversation processing past STUCK_AFTER with its lease long gone is stuck", () =>
      Effect.gen(function*() {
        yield* reset
        yield* StreamState.pipe(Effect.flatMap((stream) => stream.set("running")))
        // Recent, or old but with a live lease: not stuck.
        yield* conversation({ status: "processing", ageMinutes: 1, leaseMinutes: 1 })
        yield* conversation({ status: "processing", ageMinutes: 120, leaseMinutes: 1 })
        expect((yield* health).json).toMatchObject({ status: "healthy", stuck_conversations: 0 })

        yield* conversation({ status: "processing", ageMinutes: 120, leaseMinutes: -60 })
        expect((yield* health).json).toMatchObject({ status: "degraded", stuck_conversations: 1 })
      }))

    it.effect("queue depth counts queued and stale active text conversations, with the oldest one's age", () =>
      Effect.gen(function*() {
        yield* reset
        yield* conversation({ status: "active", ageMinutes: 1 }) // still being written
        yield* conversation({ status: "active", platform: "voice", ageMinutes: 120 }) // voice is queued by its webhook
        yield* conversation({ status: "processed", ageMinutes: 120 })
        yield* conversation({ status: "active", ageMinutes: 45 }) // stale for 30 minutes (STALE_AFTER 15)
        yield* conversation({ status: "queued", ageMinutes: 10 })
        const reply = yield* health
        expect(reply.json).toMatchObject({ queue_depth: 2 })
        expect(reply.json).toHaveProperty("oldest_queued_age_seconds", expect.closeTo(30 * 60, -1))
      }))
  })

  layer(TestApp({ UNIFIED_PIPELINE_ENABLED: "false" }), { excludeTestServices: true })((it) => {
    it.effect("with the pipeline disabled the idle stream is expected: healthy, stream disabled", () =>
      Effect.gen(function*() {
        const reply = yield* health
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({ status: "healthy", database: "ok", stream: "disabled" })
      }))
  })

  it.scopedLive("503 unhealthy, database down, when the database is unreachable; other endpoints answer 503 unavailable", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const context = yield* Layer.build(appLayer({ DATABASE_URL: url }))
      const get = health.pipe(Effect.provide(context))
      expect((yield* get).json).toMatchObject({ database: "ok" })

      const admin = new URL(url)
      const database = admin.pathname.slice(1)
      admin.pathname = "/postgres"
      yield* Effect.promise(async () => {
        const client = new pg.Client({ connectionString: admin.toString() })
        await client.connect()
        await client.query(`DROP DATABASE ${database} WITH (FORCE)`)
        await client.end()
      })

      const down = yield* get
      expect(down.status).toBe(503)
      expect(down.json).toMatchObject({
        status: "unhealthy",
        database: "down",
        recent_success_rate: null,
        avg_duration_ms: null,
        stuck_conversations: 0,
        queue_depth: 0,
        oldest_queued_age_seconds: null,
        error: "unhealthy"
      })

      // A lost database is 503 unavailable (API.md), never a 500, and says nothing of the SQL.
      const user = yield* send("GET", `/users/${randomUUID()}`).pipe(Effect.provide(context))
      expect(user.status).toBe(503)
      expect(user.json).toMatchObject({ error: "unavailable", message: expect.any(String) })
      expect(user.text).not.toContain("SqlError")
    }))
})
