import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { stageNames } from "../../src/pipeline/Stage.js"
import { postgresAvailable } from "../support/Db.js"
import { send } from "../support/TestApp.js"
import {
  awaitRun,
  awaitStage,
  bodyOf,
  clearFault,
  converse,
  installFaults,
  metricsAfterKnownExtraction,
  newPlayer,
  nightShiftTalk,
  PipelineApp,
  playerState,
  scoreAfterKnownExtraction,
  scriptExtraction,
  setFault
} from "./pipelineSupport.js"

const everyStage = <A>(value: A) => Object.fromEntries(stageNames.map((stage) => [stage, value]))

const Queued = Schema.Struct({ execution_id: Schema.UUID, status: Schema.Literal("queued"), check_status_url: Schema.String })
const SearchResults = Schema.Struct({ results: Schema.Array(Schema.Struct({ fact: Schema.String, similarity: Schema.Number })) })

describe.skipIf(!postgresAvailable)("POST /pipeline/process", () => {
  layer(PipelineApp(), { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("runs a conversation end to end: 200, nine stages, facts searchable, both prompts, the capped score", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)

        // No body at all: the defaults apply.
        const reply = yield* send("POST", `/pipeline/process/${conversationId}`)
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({
          status: "success",
          conversation_id: conversationId,
          pipeline_execution_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          started_at: expect.stringMatching(/Z$/),
          completed_at: expect.stringMatching(/Z$/),
          total_duration_ms: expect.any(Number),
          stage_results: everyStage({ success: true, duration_ms: expect.any(Number), error: null }),
          completion_status: everyStage("success"),
          prompt_ready: true,
          error: null
        })

        const user = yield* send("GET", `/users/${userId}`)
        expect(user.json).toMatchObject({
          relationship_score: scoreAfterKnownExtraction,
          metrics: metricsAfterKnownExtraction,
          engagement_state: "calibrating"
        })
        expect(yield* playerState(userId)).toMatchObject({ scoreHistory: 1, facts: 3, activeFacts: 3, threads: 1, thoughts: 1 })

        const search = yield* send("GET", `/users/${userId}/memory/search?q=${encodeURIComponent("nurse working night shifts")}`)
        expect(search.status).toBe(200)
        const { results } = yield* bodyOf(SearchResults, search)
        expect(results).toHaveLength(3)
        expect(results[0]?.fact).toBe("User works night shifts as a nurse in Berlin")

        for (const platform of ["text", "voice"] as const) {
          const prompt = yield* send("GET", `/users/${userId}/prompt?platform=${platform}`)
          expect(prompt.status).toBe(200)
          expect(prompt.json).toMatchObject({ platform, source: "ready", conversation_id: conversationId })
          expect(prompt.json).toMatchObject({ prompt_text: expect.stringContaining("nurse") })
        }

        const conversation = yield* send("GET", `/conversations/${conversationId}`)
        expect(conversation.json).toMatchObject({
          status: "processed",
          summary: expect.stringContaining("night shifts"),
          emotional_tone: "positive",
          processing_attempts: 1
        })
      }))

    it.effect("404 for an unknown conversation; 409 once processed unless forced, and forcing applies nothing twice", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        const unknown = randomUUID()
        const missing = yield* send("POST", `/pipeline/process/${unknown}`, { body: {} })
        expect(missing.status).toBe(404)
        expect(missing.json).toMatchObject({ error: "not_found", message: expect.stringContaining(unknown) })
        expect((yield* send("POST", `/pipeline/process/${unknown}/async`)).status).toBe(404)

        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        expect((yield* send("POST", `/pipeline/process/${conversationId}`, { body: {} })).status).toBe(200)
        const before = yield* playerState(userId)

        const again = yield* send("POST", `/pipeline/process/${conversationId}`, { body: {} })
        expect(again.status).toBe(409)
        expect(again.json).toMatchObject({
          error: "conflict",
          reason: "already_processed",
          message: expect.stringContaining("force_reprocess"),
          pipeline_execution_id: null
        })
        expect((yield* send("POST", `/pipeline/process/${conversationId}/async`)).status).toBe(409)

        const forced = yield* send("POST", `/pipeline/process/${conversationId}`, { body: { force_reprocess: true } })
        expect(forced.status).toBe(200)
        const after = yield* playerState(userId)
        // The same extraction again: the earlier facts are retired (kept as history, never deleted)
        // and the same ones stored anew, so as many are active as after one run; nothing else doubles.
        expect(after).toEqual({ ...before, facts: before.facts * 2, prompts: before.prompts + 2 })
        expect(after.activeFacts).toBe(before.activeFacts)
        expect(after.score).toBe(scoreAfterKnownExtraction)
      }))

    it.effect("409 naming the running execution while a run is in flight; 202 + status polling for the async run", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        yield* installFaults
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        yield* setFault(userId, "emotional_states", "hang")

        const accepted = yield* send("POST", `/pipeline/process/${conversationId}/async`, { body: { timeout_seconds: 60 } })
        expect(accepted.status).toBe(202)
        const queued = yield* bodyOf(Queued, accepted)
        expect(queued.check_status_url).toBe(`/pipeline/status/${queued.execution_id}`)
        yield* awaitStage(queued.execution_id, "emotional")

        const busy = yield* send("POST", `/pipeline/process/${conversationId}`)
        expect(busy.status).toBe(409)
        expect(busy.json).toMatchObject({
          error: "conflict",
          reason: "in_progress",
          pipeline_execution_id: queued.execution_id,
          message: expect.stringContaining(queued.execution_id)
        })
        const running = yield* send("GET", queued.check_status_url)
        // emotional's level runs game_state and touchpoint beside it: with life_sim and the two
        // critical stages, five of nine stages have recorded a result.
        // emotional hangs; game_state and touchpoint, in its level, may or may not have finished yet.
        expect(running.json).toMatchObject({ status: "processing", stage_name: "emotional", completed_at: null })
        expect(progressOf(running.json)).toBeGreaterThanOrEqual(33)
        expect(progressOf(running.json)).toBeLessThanOrEqual(56)

        yield* clearFault(userId, "emotional_states")
        const done = yield* awaitRun(queued.execution_id)
        expect(done.json).toMatchObject({
          execution_id: queued.execution_id,
          conversation_id: conversationId,
          status: "success",
          progress_percent: 100,
          stage_name: "prompt_builder",
          completed_at: expect.stringMatching(/Z$/),
          estimated_completion_at: null,
          trigger: "http_async",
          stage_results: everyStage({ success: true, duration_ms: expect.any(Number), error: null })
        })
        expect((yield* playerState(userId)).score).toBe(scoreAfterKnownExtraction)
      }))

    it.effect("409 when another conversation of the player keeps the mailbox busy past the budget", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        yield* installFaults
        const userId = yield* newPlayer
        const first = yield* converse(userId, nightShiftTalk)
        const second = yield* converse(userId, ["calling you from the bus", "Hi! On your way home?"], { platform: "voice" })
        yield* setFault(userId, "emotional_states", "hang")
        const { execution_id } = yield* bodyOf(Queued, yield* send("POST", `/pipeline/process/${first}/async`))
        yield* awaitStage(execution_id, "emotional")

        const blocked = yield* send("POST", `/pipeline/process/${second}`, { body: { timeout_seconds: 1 } })
        expect(blocked.status).toBe(409)
        expect(blocked.json).toMatchObject({
          error: "conflict",
          reason: "user_busy",
          message: expect.stringContaining("Another conversation of this player")
        })
        // Refused before it was claimed: the second conversation is untouched.
        expect((yield* send("GET", `/conversations/${second}`)).json).toMatchObject({ status: "active", processing_attempts: 0 })

        yield* clearFault(userId, "emotional_states")
        yield* awaitRun(execution_id)
        expect((yield* send("POST", `/pipeline/process/${second}`)).status).toBe(200)
      }))

    it.effect("a player whose game is over: 200 with every stage skipped, nothing applied, no prompt", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE users SET game_status = 'game_over' WHERE id = ${userId}`

        const reply = yield* send("POST", `/pipeline/process/${conversationId}`)
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({
          status: "success",
          completion_status: everyStage("skipped"),
          stage_results: everyStage({ success: true, duration_ms: 0, error: null }),
          prompt_ready: false
        })
        expect(yield* playerState(userId)).toMatchObject({ score: 50, scoreHistory: 0, facts: 0, prompts: 0 })
        expect((yield* send("GET", `/conversations/${conversationId}`)).json).toMatchObject({ status: "processed" })
      }))

    it.effect("400 naming the field for a timeout outside 1..120 or a malformed option; an empty body is fine", () =>
      Effect.gen(function*() {
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, ["hi"])
        for (const body of [{ timeout_seconds: 0 }, { timeout_seconds: 121 }, { timeout_seconds: 1.5 }]) {
          for (const path of [`/pipeline/process/${conversationId}`, `/pipeline/process/${conversationId}/async`]) {
            const reply = yield* send("POST", path, { body })
            expect(reply.status, JSON.stringify(body)).toBe(400)
            expect(reply.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("timeout_seconds") })
            expect(reply.text).not.toContain("Expected null")
          }
        }
        const wrongType = yield* send("POST", `/pipeline/process/${conversationId}`, { body: { force_reprocess: "yes" } })
        expect(wrongType.status).toBe(400)
        expect(wrongType.json).toMatchObject({ message: expect.stringContaining("force_reprocess") })
        expect((yield* send("POST", `/pipeline/process/${conversationId}`, { raw: "{" })).status).toBe(400)
        expect((yield* send("POST", `/pipeline/process/not-a-uuid`)).status).toBe(400)
        expect((yield* send("POST", `/pipeline/process/${conversationId}`, { secret: null })).status).toBe(401)
        // Nothing ran for the refused requests.
        expect((yield* send("GET", `/conversations/${conversationId}`)).json).toMatchObject({ processing_attempts: 0 })

        const empty = yield* send("POST", `/pipeline/process/${conversationId}`, { raw: "" })
        expect(empty.status).toBe(200)
        expect((yield* send("GET", `/pipeline/status/${randomUUID()}`)).status).toBe(404)
        const sql = yield* SqlClient.SqlClient
        const triggers = yield* sql<{ trigger: string }>`SELECT trigger FROM pipeline_executions WHERE conversation_id = ${conversationId}`
        expect(triggers).toEqual([{ trigger: "http_sync" }])
      }))
  })
})

/** `progress_percent` of a status answer (-1 when absent). */
const progressOf = (json: unknown): number =>
  typeof json === "object" && json !== null && "progress_percent" in json && typeof json.progress_percent === "number"
    ? json.progress_percent
    : -1
