import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { stageNames } from "../../src/pipeline/Stage.js"
import { postgresAvailable } from "../support/Db.js"
import { send } from "../support/TestApp.js"
import { bodyOf, converse, newPlayer, nightShiftTalk, PipelineApp, scriptExtraction } from "./pipelineSupport.js"

/**
 * The operators' endpoints: the execution history (paged, filtered, one run's stages), the
 * conversation listing with its retry, and the charts' numbers. MAX_ATTEMPTS=1, so one failed
 * extraction fails the conversation for good, as an operator would find it.
 */

const failMarker = "please-fail-extraction"

const ExecutionPage = Schema.Struct({
  executions: Schema.Array(Schema.Struct({ execution_id: Schema.UUID, conversation_id: Schema.UUID, status: Schema.String })),
  next_before: Schema.NullOr(Schema.String)
})
const ConversationPage = Schema.Struct({
  conversations: Schema.Array(Schema.Struct({ conversation_id: Schema.UUID, status: Schema.String })),
  next_before: Schema.NullOr(Schema.String)
})
const Run = Schema.Struct({ pipeline_execution_id: Schema.UUID })

/** Every page of a listing, following `next_before` from the first. */
const allPages = <A extends { readonly next_before: string | null }, I>(path: string, schema: Schema.Schema<A, I>) =>
  Effect.gen(function*() {
    const pages: Array<A> = []
    let before: string | null = null
    do {
      const separator = path.includes("?") ? "&" : "?"
      const reply = yield* send("GET", before === null ? path : `${path}${separator}before=${before}`)
      expect(reply.status).toBe(200)
      const page: A = yield* bodyOf(schema, reply)
      pages.push(page)
      before = page.next_before
    } while (before !== null && pages.length < 20)
    return pages
  })

describe.skipIf(!postgresAvailable)("operators' endpoints", () => {
  layer(PipelineApp({ MAX_ATTEMPTS: "1" }), { excludeTestServices: true, timeout: 120_000 })((it) => {
    // Filled by the first test, read by the others (they run in order over one database).
    const processed: Array<string> = []
    const state = { playerA: "", playerB: "", processed, failedConversation: "", failedRun: "", okRun: "" }

    it.effect("arrange: three runs of one player succeed, one of another fails in extraction", () =>
      Effect.gen(function*() {
        yield* scriptExtraction(failMarker)
        state.playerA = yield* newPlayer
        for (let i = 0; i < 3; i++) {
          const conversationId = yield* converse(state.playerA, nightShiftTalk)
          const reply = yield* send("POST", `/pipeline/process/${conversationId}`)
          expect(reply.status).toBe(200)
          state.processed.push(conversationId)
          state.okRun = (yield* bodyOf(Run, reply)).pipeline_execution_id
        }
        state.playerB = yield* newPlayer
        state.failedConversation = yield* converse(state.playerB, [`${failMarker}: hello`, "hi"])
        const failed = yield* send("POST", `/pipeline/process/${state.failedConversation}`)
        expect(failed.status).toBe(500)
        state.failedRun = (yield* bodyOf(Run, failed)).pipeline_execution_id
        expect((yield* send("GET", `/conversations/${state.failedConversation}`)).json).toMatchObject({ status: "failed" })
      }))

    it.effect("GET /pipeline/executions pages newest first without repeating or skipping a run", () =>
      Effect.gen(function*() {
        const pages = yield* allPages("/pipeline/executions?limit=3", ExecutionPage)
        expect(pages.map((page) => page.executions.length)).toEqual([3, 1])
        expect(pages[1]?.next_before).toBeNull()
        const ids = pages.flatMap((page) => page.executions.map((execution) => execution.execution_id))
        expect(new Set(ids).size).toBe(4)
        // The failed run came last, so it is listed first.
        expect(ids[0]).toBe(state.failedRun)
        expect(ids).toContain(state.okRun)
      }))

    it.effect("filters by status, trigger and player", () =>
      Effect.gen(function*() {
        const failed = yield* send("GET", "/pipeline/executions?status=failed")
        expect(failed.json).toEqual({
          executions: [expect.objectContaining({
            execution_id: state.failedRun,
            conversation_id: state.failedConversation,
            user_id: state.playerB,
            trigger: "http_sync",
            status: "failed",
            failed_stage: "extraction",
            error: expect.stringContaining("extraction")
          })],
          next_before: null
        })
        const ofA = yield* bodyOf(ExecutionPage, yield* send("GET", `/pipeline/executions?user_id=${state.playerA}`))
        expect(ofA.executions.map((execution) => execution.status)).toEqual(["success", "success", "success"])
        const bySync = yield* bodyOf(ExecutionPage, yield* send("GET", "/pipeline/executions?trigger=http_sync&limit=100"))
        expect(bySync.executions).toHaveLength(4)
        expect((yield* send("GET", "/pipeline/executions?trigger=stream")).json).toEqual({ executions: [], next_before: null })
      }))

    it.effect("GET /pipeline/executions/{id}: every stage with its result, place in the waterfall and error", () =>
      Effect.gen(function*() {
        const ok = yield* send("GET", `/pipeline/executions/${state.okRun}`)
        expect(ok.status).toBe(200)
        const stages = (yield* bodyOf(Schema.Struct({
          stages: Schema.Array(Schema.Struct({ stage: Schema.String, status: Schema.String, offset_ms: Schema.Number, duration_ms: Schema.Number }))
        }), ok)).stages
        expect(stages.map((stage) => stage.stage)).toEqual(stageNames)
        expect(stages.every((stage) => stage.status === "success")).toBe(true)
        // One after another: each stage starts where the previous one ended.
        for (const [index, stage] of stages.entries()) {
          const previous = stages[index - 1]
          expect(stage.offset_ms).toBe(previous === undefined ? 0 : previous.offset_ms + previous.duration_ms)
        }

        const failed = yield* send("GET", `/pipeline/executions/${state.failedRun}`)
        expect(failed.json).toMatchObject({
          execution_id: state.failedRun,
          status: "failed",
          stage_results: { extraction: { success: false, error: expect.stringContaining("scripted failure") } },
          stages: [
            { stage: "extraction", status: "failed", offset_ms: 0, error: expect.stringContaining("scripted failure") },
            ...stageNames.slice(1).map((stage) => ({ stage, status: "not_run", offset_ms: null, duration_ms: null }))
          ]
        })
        const unknown = yield* send("GET", `/pipeline/executions/${crypto.randomUUID()}`)
        expect(unknown.status).toBe(404)
        expect(unknown.json).toMatchObject({ error: "not_found" })
      }))

    it.effect("bad query values are 400 naming the field; no secret is 401", () =>
      Effect.gen(function*() {
        for (const [query, field] of [
          ["limit=0", "limit"],
          ["limit=many", "limit"],
          ["status=done", "status"],
          ["trigger=cron", "trigger"],
          ["user_id=42", "user_id"],
          ["before=not-a-cursor", "before"]
        ] as const) {
          const reply = yield* send("GET", `/pipeline/executions?${query}`)
          expect(reply.status, query).toBe(400)
          expect(reply.json, query).toMatchObject({ error: "invalid_request", message: expect.stringContaining(field) })
        }
        expect((yield* send("GET", "/conversations?status=lost")).json).toMatchObject({ message: expect.stringContaining("status") })
        expect((yield* send("GET", "/pipeline/executions/abc")).status).toBe(400)
        expect((yield* send("POST", "/conversations/abc/retry")).status).toBe(400)
        for (const path of ["/pipeline/executions", "/conversations", "/pipeline/stats/runs-by-hour", "/pipeline/stats/stage-durations"]) {
          expect((yield* send("GET", path, { secret: null })).status, path).toBe(401)
        }
        expect((yield* send("POST", `/conversations/${state.failedConversation}/retry`, { secret: null })).status).toBe(401)
      }))

    it.effect("GET /conversations lists by status (and stuck), paged", () =>
      Effect.gen(function*() {
        const failed = yield* send("GET", "/conversations?status=failed")
        expect(failed.json).toEqual({
          conversations: [expect.objectContaining({
            conversation_id: state.failedConversation,
            status: "failed",
            last_error: expect.stringContaining("extraction"),
            updated_at: expect.stringMatching(/Z$/)
          })],
          next_before: null
        })
        const all = yield* allPages("/conversations?limit=1", ConversationPage)
        const ids = all.flatMap((page) => page.conversations.map((conversation) => conversation.conversation_id))
        expect(ids).toHaveLength(4)
        expect(new Set(ids)).toEqual(new Set([...state.processed, state.failedConversation]))

        // A run whose instance vanished long ago, and recovery did not pick it up: stuck.
        const stuckConversation = yield* converse(state.playerB, ["anyone there?"])
        const sql = yield* SqlClient.SqlClient
        yield* sql`
          UPDATE conversations SET status = 'processing', lease_owner = 'gone', lease_expires_at = now() - interval '2 hours',
            updated_at = now() - interval '2 hours'
          WHERE id = ${stuckConversation}`
        const stuck = yield* bodyOf(ConversationPage, yield* send("GET", "/conversations?status=stuck"))
        expect(stuck.conversations.map((conversation) => conversation.conversation_id)).toEqual([stuckConversation])
        yield* sql`UPDATE conversations SET status = 'failed', lease_owner = NULL, lease_expires_at = NULL WHERE id = ${stuckConversation}`
      }))

    it.effect("POST /conversations/{id}/retry puts a failed conversation back in the queue; 409 otherwise, 404 unknown", () =>
      Effect.gen(function*() {
        const processed = yield* send("POST", `/conversations/${state.processed[0]}/retry`)
        expect(processed.status).toBe(409)
        expect(processed.json).toMatchObject({ error: "conflict", status: "processed", message: expect.stringContaining("force_reprocess") })
        expect((yield* send("POST", `/conversations/${crypto.randomUUID()}/retry`)).status).toBe(404)

        const retried = yield* send("POST", `/conversations/${state.failedConversation}/retry`)
        expect(retried.status).toBe(202)
        expect(retried.json).toMatchObject({ conversation_id: state.failedConversation, status: "queued", processing_attempts: 0 })
        expect((yield* send("POST", `/conversations/${state.failedConversation}/retry`)).json).toMatchObject({ status: "queued" })
        const queued = yield* bodyOf(ConversationPage, yield* send("GET", "/conversations?status=queued"))
        expect(queued.conversations.map((conversation) => conversation.conversation_id)).toEqual([state.failedConversation])

        // The queue takes it like any other: with the model answering, it is processed.
        yield* scriptExtraction()
        const task = yield* send("POST", "/tasks/process-conversations")
        expect(task.json).toMatchObject({ processed: 1, failed: 0 })
        expect((yield* send("GET", `/conversations/${state.failedConversation}`)).json).toMatchObject({
          status: "processed",
          last_error: null
        })
      }))

    it.effect("the charts' numbers: 24 hourly buckets by status, p50 and p95 per stage", () =>
      Effect.gen(function*() {
        const hourly = yield* send("GET", "/pipeline/stats/runs-by-hour")
        expect(hourly.status).toBe(200)
        const { hours } = yield* bodyOf(Schema.Struct({ hours: Schema.Array(Schema.Struct({ hour: Schema.String, success: Schema.Number, failed: Schema.Number })) }), hourly)
        expect(hours).toHaveLength(24)
        expect(hours.map((bucket) => bucket.hour)).toEqual([...hours.map((bucket) => bucket.hour)].sort())
        const total = (key: "success" | "failed") => hours.reduce((sum, bucket) => sum + bucket[key], 0)
        expect({ success: total("success"), failed: total("failed") }).toEqual({ success: 4, failed: 1 })

        const durations = yield* send("GET", "/pipeline/stats/stage-durations")
        const { stages } = yield* bodyOf(Schema.Struct({
          stages: Schema.Array(Schema.Struct({ stage: Schema.String, runs: Schema.Number, failures: Schema.Number, p50_ms: Schema.Number, p95_ms: Schema.Number }))
        }), durations)
        expect(stages.map((stage) => stage.stage)).toEqual(stageNames)
        expect(stages[0]).toMatchObject({ stage: "extraction", runs: 5, failures: 1 })
        for (const stage of stages) expect(stage.p95_ms).toBeGreaterThanOrEqual(stage.p50_ms)
      }))
  })
})
