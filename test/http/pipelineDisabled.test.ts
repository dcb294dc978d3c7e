import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { postgresAvailable } from "../support/Db.js"
import { send, TestApp } from "../support/TestApp.js"
import { converse, newPlayer } from "./pipelineSupport.js"

const disabled = { error: "disabled", message: expect.stringContaining("UNIFIED_PIPELINE_ENABLED") }

describe.skipIf(!postgresAvailable)("pipeline endpoints with UNIFIED_PIPELINE_ENABLED=false", () => {
  layer(TestApp({ UNIFIED_PIPELINE_ENABLED: "false", STALE_AFTER: "1 minute" }), { excludeTestServices: true })((it) => {
    it.effect("the triggers answer 503 disabled and nothing runs; the conversation waits as it was", () =>
      Effect.gen(function*() {
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, ["hello?", "hi!"], { sentAt: new Date(Date.now() - 3_600_000) })

        for (const path of [`/pipeline/process/${conversationId}`, `/pipeline/process/${conversationId}/async`]) {
          const reply = yield* send("POST", path, { body: { force_reprocess: true } })
          expect(reply.status, path).toBe(503)
          expect(reply.json).toMatchObject(disabled)
        }
        // The flag is checked before the conversation is even looked up.
        expect((yield* send("POST", `/pipeline/process/${randomUUID()}`)).status).toBe(503)
        const task = yield* send("POST", "/tasks/process-conversations", { body: { limit: 5 } })
        expect(task.status).toBe(503)
        expect(task.json).toMatchObject(disabled)

        expect((yield* send("GET", `/conversations/${conversationId}`)).json).toMatchObject({
          status: "active",
          processing_attempts: 0
        })
        const sql = yield* SqlClient.SqlClient
        expect(yield* sql`SELECT id FROM pipeline_executions`).toEqual([])
      }))

    it.effect("decay still runs: it is the game's clock, not pipeline processing; the read endpoints still answer", () =>
      Effect.gen(function*() {
        const userId = yield* newPlayer
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE users SET last_interaction_at = now() - interval '10 hours' WHERE id = ${userId}`
        const reply = yield* send("POST", "/tasks/decay")
        expect(reply.status).toBe(200)
        expect(reply.json).toEqual({ status: "ok", processed: 1, decayed: 1, game_overs: 0 })
        // Chapter 1: 2 whole hours after the 8 h of grace, 0.8 points each.
        expect((yield* send("GET", `/users/${userId}`)).json).toMatchObject({ relationship_score: 48.4 })

        expect((yield* send("GET", "/pipeline/stats/last-24h")).json).toMatchObject({ total_executions: 0 })
        expect((yield* send("GET", `/pipeline/status/${randomUUID()}`)).status).toBe(404)
      }))
  })
})
