import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { appLayer, send } from "../support/TestApp.js"
import { callEvent, postWebhook, webhookSecret } from "../support/VoiceWebhook.js"

/**
 * Input that once answered 500 (API.md: bad input never yields a 5xx): JSON nested thousands of
 * levels deep (the schema error formatter overflowed the stack), a NUL in a stored string
 * (PostgreSQL refuses 0x00), webhook times that made an invalid Date, and a 14,000-turn call (more
 * parameters than one PostgreSQL statement takes).
 */

/** JSON nested `levels` deep: about 6 KB at 3,000 levels. */
const nested = (levels: number) => `{"display_name":${"[".repeat(levels)}${"]".repeat(levels)}}`

const TestAppHere = Layer.unwrapScoped(
  Effect.map(freshDatabaseUrl, (url) => appLayer({ DATABASE_URL: url, ELEVENLABS_WEBHOOK_SECRET: webhookSecret }))
)

const newUser = Effect.gen(function*() {
  const userId = randomUUID()
  expect((yield* send("PUT", `/users/${userId}`, { body: {} })).status).toBe(201)
  return userId
})

const rowCounts = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ users: number; conversations: number; messages: number }>`
    SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM conversations)::int AS conversations,
           (SELECT count(*) FROM messages)::int AS messages`).pipe(Effect.map((rows) => rows[0]))

describe.skipIf(!postgresAvailable)("hostile input is a 4xx, never a 5xx", () => {
  layer(TestAppHere, { excludeTestServices: true })((it) => {
    it.effect("JSON nested 3,000 levels deep is 400 on every JSON endpoint, and the message stays short", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const body = nested(3000)
        expect(body.length).toBeLessThan(7_000)
        const targets = [
          ["PUT", `/users/${userId}`],
          ["POST", `/users/${userId}/messages`],
          ["POST", `/pipeline/process/${randomUUID()}`],
          ["POST", "/tasks/process-conversations"]
        ] as const
        for (const [method, path] of targets) {
          const reply = yield* send(method, path, { raw: body })
          expect([path, reply.status]).toEqual([path, 400])
          expect(reply.json).toMatchObject({ error: "invalid_request" })
          expect(reply.text.length).toBeLessThan(2_000)
        }
        // Just under the bound, a wrong type is named without printing the whole value.
        const shallow = yield* send("PUT", `/users/${userId}`, { raw: nested(300) })
        expect(shallow.status).toBe(400)
        expect(shallow.text.length).toBeLessThan(2_000)
        expect(shallow.json).toMatchObject({ message: expect.stringContaining("display_name") })
      }))

    it.effect("a NUL in a stored string is 400 naming the field; in the URL too", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const before = yield* rowCounts
        const named = yield* send("PUT", `/users/${userId}`, { raw: `{"display_name":"Sa\\u0000m"}` })
        expect(named.status).toBe(400)
        expect(named.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("display_name") })
        const inUrl = yield* send("GET", "/conversations?status=failed%00")
        expect(inUrl.status).toBe(400)
        expect(yield* rowCounts).toEqual(before)
      }))

    it.effect("a signed webhook with a NUL in data.conversation_id is 400 naming it, and stores nothing", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const before = yield* rowCounts
        const reply = yield* postWebhook(JSON.stringify(callEvent({ userId, callId: "call-\u0000-nul" })))
        expect(reply.status).toBe(400)
        expect(reply.json).toMatchObject({ message: expect.stringContaining("data.conversation_id") })
        expect(yield* rowCounts).toEqual(before)
      }))

    it.effect("webhook times that make no valid date are 400: event_timestamp 2^53-1, time_in_call_secs 1e300", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const before = yield* rowCounts
        const event = callEvent({ userId })
        const hugeTimestamp = { ...event, event_timestamp: 9007199254740991, data: { ...event.data, metadata: {} } }
        const first = yield* postWebhook(JSON.stringify(hugeTimestamp))
        expect(first.status).toBe(400)
        expect(first.json).toMatchObject({ message: expect.stringContaining("event_timestamp") })
        const hugeOffset = callEvent({ userId, transcript: [{ role: "user", message: "hi", time_in_call_secs: 1e300 }] })
        const second = yield* postWebhook(JSON.stringify(hugeOffset))
        expect(second.status).toBe(400)
        expect(second.json).toMatchObject({ message: expect.stringContaining("time_in_call_secs") })
        expect(yield* rowCounts).toEqual(before)
      }))

    it.effect("a 14,000-turn call is stored whole, once; its redelivery is a duplicate", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const transcript = Array.from({ length: 14_000 }, (_, i) => ({
          role: i % 2 === 0 ? "user" : "agent",
          message: `turn ${i}`,
          time_in_call_secs: i / 10
        }))
        const body = JSON.stringify(callEvent({ userId, callId: "call-long", transcript }))
        const first = yield* postWebhook(body)
        expect(first.status).toBe(200)
        expect(first.json).toMatchObject({ status: "accepted" })
        const again = yield* postWebhook(body)
        expect(again.json).toMatchObject({ status: "duplicate" })
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ n: number; last: number }>`
          SELECT count(*)::int AS n, max(seq)::int AS last FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.external_id = 'call-long'`
        expect(row).toEqual({ n: 14_000, last: 14_000 })
      }), 60_000)
  })
})
