import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { postgresAvailable } from "../support/Db.js"
import { send } from "../support/TestApp.js"
import {
  bodyOf,
  converse,
  installFaults,
  newPlayer,
  nightShiftTalk,
  PipelineApp,
  scoreAfterKnownExtraction,
  scriptExtraction,
  setFault
} from "./pipelineSupport.js"

const failMarker = "please-fail-extraction"
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000)

const ExecutionIds = Schema.Struct({ execution_ids: Schema.Array(Schema.UUID) })

/** Sets when the player last wrote, and their metrics (the score follows them), behind the API's back. */
const setPlayer = (userId: string, input: { readonly hoursSilent: number; readonly metric?: number }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const metric = input.metric ?? 50
    yield* sql`
      UPDATE users SET last_interaction_at = now() - ${input.hoursSilent} * interval '1 hour', relationship_score = ${metric}
      WHERE id = ${userId}`
    yield* sql`
      UPDATE user_metrics SET intimacy = ${metric}, passion = ${metric}, trust = ${metric}, secureness = ${metric}
      WHERE user_id = ${userId}`
  })

describe.skipIf(!postgresAvailable)("POST /tasks/*", () => {
  layer(PipelineApp({ STALE_AFTER: "15 minutes" }), { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("process-conversations runs what is due and answers disjoint counts with every execution id", () =>
      Effect.gen(function*() {
        yield* scriptExtraction(failMarker)
        yield* installFaults
        const regular = yield* newPlayer
        const stale = yield* converse(regular, nightShiftTalk, { sentAt: minutesAgo(40) })
        const partialPlayer = yield* newPlayer
        const partial = yield* converse(partialPlayer, nightShiftTalk, { sentAt: minutesAgo(30) })
        yield* setFault(partialPlayer, "emotional_states", "fail")
        const broken = yield* converse(yield* newPlayer, [`${failMarker}, sorry`], { sentAt: minutesAgo(30) })
        const fresh = yield* converse(yield* newPlayer, ["just said hi"])

        const reply = yield* send("POST", "/tasks/process-conversations")
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({ status: "ok", detected: 3, processed: 1, partial: 1, failed: 1, skipped: 0 })
        expect(new Set((yield* bodyOf(ExecutionIds, reply)).execution_ids).size).toBe(3)

        const statusOf = (id: string) => send("GET", `/conversations/${id}`).pipe(Effect.map((r) => r.json))
        expect(yield* statusOf(stale)).toMatchObject({ status: "processed" })
        expect(yield* statusOf(partial)).toMatchObject({ status: "processed" })
        expect(yield* statusOf(broken)).toMatchObject({ status: "queued", last_error: expect.stringContaining("extraction") })
        expect(yield* statusOf(fresh)).toMatchObject({ status: "active" })
        expect((yield* send("GET", `/users/${regular}`)).json).toMatchObject({ relationship_score: scoreAfterKnownExtraction })

        // Nothing is due any more (the failed one waits for its backoff): a second call finds nothing.
        const again = yield* send("POST", "/tasks/process-conversations", { body: { limit: 10 } })
        expect(again.json).toEqual({ status: "ok", detected: 0, processed: 0, partial: 0, failed: 0, skipped: 0, execution_ids: [] })
      }))

    it.effect("process-conversations claims at most `limit`; a limit outside 1..1000 is 400", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        for (const _ of [1, 2]) yield* converse(yield* newPlayer, ["are you there?"], { sentAt: minutesAgo(20) })
        const one = yield* send("POST", "/tasks/process-conversations", { body: { limit: 1 } })
        expect(one.json).toMatchObject({ detected: 1, processed: 1 })
        const rest = yield* send("POST", "/tasks/process-conversations", { body: {} })
        expect(rest.json).toMatchObject({ detected: 1, processed: 1 })

        for (const limit of [0, 1001, "ten"]) {
          const refused = yield* send("POST", "/tasks/process-conversations", { body: { limit } })
          expect(refused.status, String(limit)).toBe(400)
          expect(refused.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("limit") })
        }
        expect((yield* send("POST", "/tasks/process-conversations", { secret: null })).status).toBe(401)
        expect((yield* send("POST", "/tasks/decay", { secret: null })).status).toBe(401)
      }))

    it.effect("decay deducts the hours owed once, ends a game at 0, and deducts nothing when run again", () =>
      Effect.gen(function*() {
        // Chapter 1: 8 h of grace, then 0.8 points an hour, at most 20 points a run.
        const silent = yield* newPlayer
        yield* setPlayer(silent, { hoursSilent: 30.5 }) // 22 whole hours owed: 17.6 points
        const fading = yield* newPlayer
        yield* setPlayer(fading, { hoursSilent: 40, metric: 5 }) // owes 25.6, capped at 20: the score hits 0
        const recent = yield* newPlayer
        yield* setPlayer(recent, { hoursSilent: 2 })

        const first = yield* send("POST", "/tasks/decay")
        expect(first.status).toBe(200)
        expect(first.json).toEqual({ status: "ok", processed: 2, decayed: 2, game_overs: 1 })
        expect((yield* send("GET", `/users/${silent}`)).json).toMatchObject({ relationship_score: 32.4, game_status: "active" })
        expect((yield* send("GET", `/users/${fading}`)).json).toMatchObject({ relationship_score: 0, game_status: "game_over" })
        expect((yield* send("GET", `/users/${recent}`)).json).toMatchObject({ relationship_score: 50 })

        const second = yield* send("POST", "/tasks/decay")
        expect(second.json).toEqual({ status: "ok", processed: 1, decayed: 0, game_overs: 0 })
        expect((yield* send("GET", `/users/${silent}`)).json).toMatchObject({ relationship_score: 32.4 })
        const sql = yield* SqlClient.SqlClient
        const history = yield* sql<{ n: number }>`
          SELECT count(*)::int AS n FROM score_history WHERE user_id = ${silent} AND source = 'decay'`
        expect(history[0]?.n).toBe(1)
      }))
  })
})
