import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
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
  newPlayer,
  nightShiftTalk,
  PipelineApp,
  scriptExtraction,
  setFault
} from "./pipelineSupport.js"

const failMarker = "please-fail-extraction"
const zeroPerStage = Object.fromEntries(stageNames.map((stage) => [stage, 0]))

const Stats = Schema.Struct({
  window_start: Schema.String,
  window_end: Schema.String,
  avg_duration_ms: Schema.Number,
  p95_duration_ms: Schema.Number,
  avg_duration_ms_by_stage: Schema.Record({ key: Schema.String, value: Schema.Number }),
  slowest_stage: Schema.String
})
const Queued = Schema.Struct({ execution_id: Schema.UUID })
const Running = Schema.Struct({ estimated_completion_at: Schema.String })

// Its own database: the stats count every run in it.
describe.skipIf(!postgresAvailable)("GET /pipeline/stats/last-24h", () => {
  layer(PipelineApp(), { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("an empty window: zero counts, null durations, no slowest stage", () =>
      Effect.gen(function*() {
        const reply = yield* send("GET", "/pipeline/stats/last-24h")
        expect(reply.status).toBe(200)
        expect(reply.json).toEqual({
          window_start: expect.stringMatching(/Z$/),
          window_end: expect.stringMatching(/Z$/),
          total_executions: 0,
          success_count: 0,
          partial_success_count: 0,
          failure_count: 0,
          failures_by_stage: zeroPerStage,
          avg_duration_ms: null,
          p95_duration_ms: null,
          avg_duration_ms_by_stage: {},
          slowest_stage: null
        })
        expect((yield* send("GET", "/pipeline/stats/last-24h", { secret: null })).status).toBe(401)
      }))

    it.effect("counts runs by outcome and failures by stage; p95 is at least the average", () =>
      Effect.gen(function*() {
        yield* scriptExtraction(failMarker)
        yield* installFaults
        const run = (turns: ReadonlyArray<string>, fault?: "emotional_states") =>
          Effect.gen(function*() {
            const userId = yield* newPlayer
            const conversationId = yield* converse(userId, turns)
            if (fault !== undefined) yield* setFault(userId, fault, "fail")
            return (yield* send("POST", `/pipeline/process/${conversationId}`)).status
          })
        expect(yield* run(nightShiftTalk)).toBe(200)
        expect(yield* run(["hello there", "hi you"])).toBe(200)
        expect(yield* run(nightShiftTalk, "emotional_states")).toBe(202)
        expect(yield* run([`${failMarker} now`])).toBe(500)

        const reply = yield* send("GET", "/pipeline/stats/last-24h")
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({
          total_executions: 4,
          success_count: 2,
          partial_success_count: 1,
          failure_count: 1,
          failures_by_stage: { ...zeroPerStage, extraction: 1, emotional: 1 }
        })
        const stats = yield* bodyOf(Stats, reply)
        expect(Date.parse(stats.window_end) - Date.parse(stats.window_start)).toBe(24 * 3600 * 1000)
        expect(stats.avg_duration_ms).toBeGreaterThan(0)
        expect(stats.p95_duration_ms).toBeGreaterThanOrEqual(stats.avg_duration_ms)
        expect(Object.keys(stats.avg_duration_ms_by_stage).sort()).toEqual([...stageNames].sort())
        const slowest = Math.max(...Object.values(stats.avg_duration_ms_by_stage))
        expect(stats.avg_duration_ms_by_stage[stats.slowest_stage]).toBe(slowest)
      }))

    it.effect("a running execution's status estimates its completion from recent runs", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        yield* installFaults
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        yield* setFault(userId, "emotional_states", "hang")
        const { execution_id } = yield* bodyOf(Queued, yield* send("POST", `/pipeline/process/${conversationId}/async`))
        yield* awaitStage(execution_id, "emotional")

        const asked = Date.now()
        const running = yield* send("GET", `/pipeline/status/${execution_id}`)
        // emotional hangs; game_state and touchpoint, in its level, may or may not have finished yet.
        expect(running.json).toMatchObject({ status: "processing", stage_name: "emotional" })
        const progress = typeof running.json === "object" && running.json !== null && "progress_percent" in running.json
          ? running.json.progress_percent
          : undefined
        expect(progress).toBeGreaterThanOrEqual(33)
        expect(progress).toBeLessThanOrEqual(56)
        const { estimated_completion_at } = yield* bodyOf(Running, running)
        expect(Date.parse(estimated_completion_at)).toBeGreaterThanOrEqual(asked)

        yield* clearFault(userId, "emotional_states")
        expect((yield* awaitRun(execution_id)).json).toMatchObject({ status: "success", progress_percent: 100 })
        expect((yield* send("GET", "/pipeline/stats/last-24h")).json).toMatchObject({ total_executions: 5, success_count: 3 })
      }))
  })
})
