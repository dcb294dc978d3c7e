import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { stageNames } from "../../src/pipeline/Stage.js"
import { postgresAvailable } from "../support/Db.js"
import { openAiError } from "../support/FakeOpenAi.js"
import { send } from "../support/TestApp.js"
import {
  answerExtraction,
  clearFault,
  converse,
  installFaults,
  newPlayer,
  nightShiftTalk,
  PipelineApp,
  playerState,
  scoreAfterKnownExtraction,
  scriptExtraction,
  setFault
} from "./pipelineSupport.js"

/** `completion_status` when `failed` failed: the stages before it succeeded, those after are `after`. */
const completion = (failed: string, after: "success" | "skipped") => {
  const failedAt = stageNames.findIndex((stage) => stage === failed)
  return Object.fromEntries(
    stageNames.map((stage, index) => [stage, index === failedAt ? "failed" : index < failedAt ? "success" : after])
  )
}

/** The state one clean run of the night-shift talk leaves (facts and rows the tests count). */
const cleanRun = {
  score: scoreAfterKnownExtraction,
  scoreHistory: 1,
  facts: 3,
  activeFacts: 3,
  threads: 1,
  thoughts: 1,
  emotionalStates: 1,
  conflictUpdates: 1,
  dailyConversationCounts: [1],
  prompts: 2,
  currentPrompts: 2
}

describe.skipIf(!postgresAvailable)("pipeline failures through HTTP", () => {
  layer(PipelineApp(), { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("a failing extraction answers 500 with retry and applies nothing; the retry then runs cleanly", () =>
      Effect.gen(function*() {
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        const untouched = yield* playerState(userId)

        // The provider rejects the request twice, for two reasons no retry can mend. (An answer that
        // is not JSON is no critical failure: see the fallback test below.)
        const attempts = [
          { answer: () => openAiError(400, { message: "scripted refusal" }), stageError: "scripted refusal" },
          { answer: () => openAiError(404, { message: "scripted unknown model" }), stageError: "scripted unknown model" }
        ]
        for (const [index, { answer, stageError }] of attempts.entries()) {
          yield* answerExtraction(answer)
          const reply = yield* send("POST", `/pipeline/process/${conversationId}`)
          expect(reply.status).toBe(500)
          expect(reply.json).toMatchObject({
            status: "failed",
            error: "pipeline_failed",
            message: expect.stringContaining("retried"),
            failed_stage: "extraction",
            reason: expect.stringContaining("extraction"),
            stage_error: expect.stringContaining(stageError),
            fallback_action: "retry",
            conversation_id: conversationId,
            pipeline_execution_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
            stage_started_at: expect.stringMatching(/Z$/),
            failed_at: expect.stringMatching(/Z$/),
            duration_ms: expect.any(Number),
            completion_status: completion("extraction", "skipped"),
            stage_results: { extraction: { success: false, error: expect.stringContaining(stageError) } }
          })
          const conversation = yield* send("GET", `/conversations/${conversationId}`)
          expect(conversation.json).toMatchObject({
            status: "queued",
            processing_attempts: index + 1,
            last_error: expect.stringContaining("extraction")
          })
          // Nothing half-applied: no fact, no score change, no history, no prompt.
          expect(yield* playerState(userId)).toEqual(untouched)
        }

        yield* scriptExtraction()
        const retried = yield* send("POST", `/pipeline/process/${conversationId}`)
        expect(retried.status).toBe(200)
        expect(yield* playerState(userId)).toMatchObject(cleanRun)
        expect((yield* send("GET", `/conversations/${conversationId}`)).json).toMatchObject({
          status: "processed",
          processing_attempts: 3,
          last_error: null
        })
      }))

    it.effect("an answer that fails the schema twice falls back to the marked empty extraction: 202, the conversation counts", () =>
      Effect.gen(function*() {
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        let extractionCalls = 0
        yield* answerExtraction(() => {
          extractionCalls += 1
          return "this is not JSON"
        })

        const reply = yield* send("POST", `/pipeline/process/${conversationId}`)
        expect(reply.status).toBe(202)
        expect(reply.json).toMatchObject({
          status: "partial_success",
          failed_stages: expect.arrayContaining(["extraction"]),
          stage_results: { extraction: { success: false, error: expect.any(String) }, memory_update: { success: true } },
          prompt_ready: true
        })
        // Asked once, then once more with the reason: no more.
        expect(extractionCalls).toBe(2)
        expect((yield* send("GET", `/conversations/${conversationId}`)).json).toMatchObject({ status: "processed" })
        // An empty extraction stores no fact and moves no metric.
        expect(yield* playerState(userId)).toMatchObject({ facts: 0, score: 50 })
        yield* scriptExtraction()
      }))

    it.effect("a recoverable stage failing answers 202 partial_success: that stage failed, every other one succeeded", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        yield* installFaults
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        yield* setFault(userId, "emotional_states", "fail")

        const reply = yield* send("POST", `/pipeline/process/${conversationId}`, { body: { timeout_seconds: 60 } })
        expect(reply.status).toBe(202)
        expect(reply.json).toMatchObject({
          status: "partial_success",
          conversation_id: conversationId,
          pipeline_execution_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          error: expect.stringMatching(/^emotional: ./),
          failed_stage: "emotional",
          failed_stages: ["emotional"],
          reason: expect.stringContaining("emotional"),
          completion_status: completion("emotional", "success"),
          prompt_ready: true,
          stage_results: {
            emotional: { success: false, error: expect.any(String), duration_ms: expect.any(Number) },
            prompt_builder: { success: true, error: null }
          },
          total_duration_ms: expect.any(Number)
        })
        expect(yield* playerState(userId)).toMatchObject({ ...cleanRun, emotionalStates: 0 })
        expect((yield* send("GET", `/conversations/${conversationId}`)).json).toMatchObject({ status: "processed" })
        yield* clearFault(userId, "emotional_states")
      }))

    it.effect("a run cut by its timeout after game_state, run again, leaves exactly the state of one clean run", () =>
      Effect.gen(function*() {
        yield* scriptExtraction()
        yield* installFaults
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, nightShiftTalk)
        // The summary stage's write waits until the run's budget cuts it.
        yield* setFault(userId, "daily_summaries", "hang")

        const cut = yield* send("POST", `/pipeline/process/${conversationId}`, { body: { timeout_seconds: 5 } })
        expect(cut.status).toBe(500)
        expect(cut.json).toMatchObject({
          status: "failed",
          failed_stage: "summary",
          reason: expect.stringMatching(/timeout .* exceeded while summary was running/),
          fallback_action: "retry",
          completion_status: completion("summary", "skipped")
        })
        const interrupted = yield* playerState(userId)
        // game_state, conflict and touchpoint were applied; the summary and the prompts were not.
        expect(interrupted).toMatchObject({ score: scoreAfterKnownExtraction, scoreHistory: 1, dailyConversationCounts: [], prompts: 0 })
        expect(interrupted.lifeEvents).toBeGreaterThanOrEqual(3)

        yield* clearFault(userId, "daily_summaries")
        const rerun = yield* send("POST", `/pipeline/process/${conversationId}`)
        expect(rerun.status).toBe(200)
        const final = yield* playerState(userId)
        expect(final).toMatchObject(cleanRun)
        // Nothing the first run stored was stored again.
        expect(final).toMatchObject({ lifeEvents: interrupted.lifeEvents, touchpoints: interrupted.touchpoints })
        expect((yield* send("GET", `/users/${userId}`)).json).toMatchObject({ relationship_score: scoreAfterKnownExtraction })
        for (const platform of ["text", "voice"]) {
          expect((yield* send("GET", `/users/${userId}/prompt?platform=${platform}`)).json).toMatchObject({
            source: "ready",
            conversation_id: conversationId
          })
        }
      }))
  })
})
