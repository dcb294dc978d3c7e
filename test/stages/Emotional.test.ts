import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { Chapter } from "../../src/game/Chapters.js"
import { type EmotionalState, softBound } from "../../src/game/Emotional.js"
import type { LifeEvent } from "../../src/game/LifeEventSchema.js"
import type { Metrics } from "../../src/game/Metrics.js"
import { EmotionalStateRepository } from "../../src/nikita/EmotionalStateRepository.js"
import { emotional } from "../../src/pipeline/stages/Emotional.js"
import type { StageOutputs } from "../../src/pipeline/Stage.js"
import { postgresAvailable } from "../support/Db.js"
import {
  earlierOutputs,
  extractionWith,
  insertConversation,
  insertPlayer,
  pipelineRun,
  smallTalk,
  testDatabaseWithInputs
} from "./fixtures.js"

const TestLayer = EmotionalStateRepository.Default.pipe(Layer.provideMerge(testDatabaseWithInputs))

const HOUR_MS = 3_600_000
const createdAt = new Date("2025-03-01T00:00:00Z")
const startedAt = new Date("2025-03-03T12:00:00Z")

const lifeEvent = (valence_delta: number, arousal_delta: number): LifeEvent => ({
  time_slot: "morning",
  domain: "work",
  description: "Something happened",
  importance: 0.5,
  valence_delta,
  arousal_delta
})

const uniform = (value: number): Metrics => ({ intimacy: value, passion: value, trust: value, secureness: value })

const rowsOf = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<EmotionalState & { conversation_id: string | null; created_at: Date }>`
      SELECT arousal, valence, dominance, intimacy, conversation_id, created_at
      FROM emotional_states WHERE user_id = ${userId} ORDER BY created_at`)

const insertState = (userId: string, conversationId: string, state: EmotionalState, at: Date) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`
      INSERT INTO emotional_states (user_id, conversation_id, arousal, valence, dominance, intimacy, created_at)
      VALUES (${userId}, ${conversationId}, ${state.arousal}, ${state.valence}, ${state.dominance}, ${state.intimacy}, ${at})`)

const setUp = (options: { readonly chapter?: Chapter; readonly score?: number } = {}) =>
  Effect.gen(function*() {
    const userId = yield* insertPlayer({
      createdAt,
      chapter: options.chapter ?? 1,
      metrics: uniform(options.score ?? 50)
    })
    const conversationId = yield* insertConversation({ userId, startedAt: new Date("2025-03-03T11:00:00Z"), messages: smallTalk })
    const run = yield* pipelineRun(conversationId, { startedAt })
    return { userId, conversationId, run }
  })

const expectState = (actual: EmotionalState | undefined, expected: EmotionalState) => {
  expect(actual?.arousal).toBeCloseTo(expected.arousal, 9)
  expect(actual?.valence).toBeCloseTo(expected.valence, 9)
  expect(actual?.dominance).toBeCloseTo(expected.dominance, 9)
  expect(actual?.intimacy).toBeCloseTo(expected.intimacy, 9)
}

describe.skipIf(!postgresAvailable)("emotional", () => {
  layer(TestLayer)((it) => {
    it.effect("a first state starts at rest and adds events (capped), tone, chapter and score", () =>
      Effect.gen(function*() {
        const { conversationId, run, userId } = yield* setUp({ chapter: 2, score: 60 })
        const state = yield* emotional.run(run, earlierOutputs({
          extraction: extractionWith({ emotional_tone: "positive" }),
          life_sim: [lifeEvent(0.2, 0.1), lifeEvent(0.2, -0.05)]
        }))
        // valence 0.5 + events 0.4 capped to 0.3 + tone 0.15 + score (0.6 − 0.5)·0.2;
        // chapter 2: intimacy +0.05, dominance +0.05; positive tone: intimacy +0.1.
        // 0.97 is past the soft bound's knee: it is compressed, not clamped.
        expectState(state, { arousal: 0.55, valence: softBound(0.97), dominance: 0.55, intimacy: 0.65 })
        const rows = yield* rowsOf(userId)
        expect(rows).toHaveLength(1)
        expect(rows[0]?.conversation_id).toBe(conversationId)
        expect(rows[0]?.created_at).toEqual(startedAt)
        expectState(rows[0], state)
      }))

    it.effect("starts from the latest state of another conversation, pulled halfway to rest per 24 h", () =>
      Effect.gen(function*() {
        const { conversationId, userId } = yield* setUp()
        const earlier = yield* insertConversation({ userId, startedAt: new Date("2025-03-02T10:00:00Z") })
        const older = yield* insertConversation({ userId, startedAt: new Date("2025-03-01T10:00:00Z") })
        yield* insertState(userId, older, { arousal: 0.9, valence: 0.1, dominance: 0.9, intimacy: 0.1 }, new Date("2025-03-01T12:00:00Z"))
        yield* insertState(
          userId,
          earlier,
          { arousal: 0.3, valence: 0.9, dominance: 0.5, intimacy: 0.7 },
          new Date(startedAt.getTime() - 24 * HOUR_MS)
        )
        // The run loads the player's states when it starts: after them.
        const run = yield* pipelineRun(conversationId, { startedAt })
        const state = yield* emotional.run(run, earlierOutputs({ extraction: extractionWith({ emotional_tone: "negative" }) }))
        // Negative tone: valence −0.15, intimacy −0.1, arousal +0.1; chapter 1: dominance +0.1.
        expectState(state, { arousal: 0.5, valence: 0.55, dominance: 0.6, intimacy: 0.5 })
      }))

    it.effect("a re-run applies nothing again; force_reprocess replaces the conversation's row", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp()
        const outputs: Partial<StageOutputs> = { extraction: extractionWith({ emotional_tone: "positive" }), life_sim: [lifeEvent(0.1, 0.1)] }
        const first = yield* emotional.run(run, earlierOutputs(outputs))
        const again = yield* emotional.run(run, earlierOutputs({ ...outputs, extraction: extractionWith({ emotional_tone: "negative" }) }))
        expect(again).toEqual(first)
        expect(yield* rowsOf(userId)).toHaveLength(1)

        const forced = yield* emotional.run(
          { ...run, forceReprocess: true },
          earlierOutputs({ ...outputs, extraction: extractionWith({ emotional_tone: "negative" }) })
        )
        const rows = yield* rowsOf(userId)
        expect(rows).toHaveLength(1)
        expectState(rows[0], forced)
        expect(forced.valence).toBeLessThan(first.valence)
      }))

    it.effect("re-running an older conversation after a newer one changes nothing", () =>
      Effect.gen(function*() {
        const { run: newer, userId } = yield* setUp()
        const olderId = yield* insertConversation({ userId, startedAt: new Date("2025-03-03T08:00:00Z"), messages: smallTalk })
        const older = yield* pipelineRun(olderId, { startedAt: new Date("2025-03-03T09:00:00Z") })
        const positive = earlierOutputs({ extraction: extractionWith({ emotional_tone: "positive" }) })
        const olderState = yield* emotional.run(older, positive)
        const newerState = yield* emotional.run(newer, positive)
        const rerun = yield* emotional.run({ ...older, startedAt: new Date("2025-03-03T13:00:00Z") }, positive)
        expect(rerun).toEqual(olderState)
        const rows = yield* rowsOf(userId)
        expect(rows).toHaveLength(2)
        expectState(rows[1], newerState)
      }))

    it.effect("without extraction or life events: neutral tone and no event deltas", () =>
      Effect.gen(function*() {
        const { run } = yield* setUp({ score: 100 })
        const state = yield* emotional.run(run, earlierOutputs({}))
        expectState(state, { arousal: 0.5, valence: 0.6, dominance: 0.6, intimacy: 0.5 })
      }))

    it.effect("a day's life events count once: a later conversation of the same local day does not add them again", () =>
      Effect.gen(function*() {
        const { conversationId, userId } = yield* setUp()
        const morning = yield* insertConversation({ userId, startedAt: new Date("2025-03-03T08:00:00Z") })
        const morningState = { arousal: 0.6, valence: 0.7, dominance: 0.6, intimacy: 0.5 }
        yield* insertState(userId, morning, morningState, new Date("2025-03-03T09:00:00Z"))
        const run = yield* pipelineRun(conversationId, { startedAt })
        const state = yield* emotional.run(run, earlierOutputs({ life_sim: [lifeEvent(0.2, 0.1)] }))
        // 3 h later: 0.5 + (x − 0.5)·0.5^(3/24), no event deltas; dominance +0.1 for chapter 1.
        const pulled = (x: number) => 0.5 + (x - 0.5) * 0.5 ** (3 / 24)
        expectState(state, {
          arousal: pulled(0.6),
          valence: pulled(0.7),
          dominance: Math.min(1, pulled(0.6) + 0.1),
          intimacy: pulled(0.5)
        })
      }))
  })
})
