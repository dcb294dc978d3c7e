import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { Chapter } from "../../src/game/Chapters.js"
import type { MetricDeltas, Metrics } from "../../src/game/Metrics.js"
import { GameStateRepository } from "../../src/player/GameStateRepository.js"
import { gameState } from "../../src/pipeline/stages/GameState.js"
import { postgresAvailable } from "../support/Db.js"
import {
  earlierOutputs,
  extractionWith,
  insertConversation,
  insertPlayer,
  type MessageFixture,
  pipelineRun,
  testDatabaseWithInputs
} from "./fixtures.js"

const TestLayer = GameStateRepository.Default.pipe(Layer.provideMerge(testDatabaseWithInputs))

const DAY_MS = 86_400_000
const now = new Date("2025-03-20T18:00:00Z")
const uniform = (value: number): Metrics => ({ intimacy: value, passion: value, trust: value, secureness: value })
const deltas = (parts: Partial<MetricDeltas>): MetricDeltas => ({ intimacy: 0, passion: 0, trust: 0, secureness: 0, ...parts })
const chat = (count: number): ReadonlyArray<MessageFixture> =>
  Array.from({ length: count }, (_, i) => ({ role: i % 2 === 0 ? "user" : "nikita", content: `message ${i + 1}` }))

const playerState = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<Metrics & { relationship_score: number; game_status: string; engagement_state: string; vulnerability_exchanges: number }>`
      SELECT u.relationship_score, u.game_status, u.engagement_state, u.vulnerability_exchanges,
             m.intimacy, m.passion, m.trust, m.secureness
      FROM users u JOIN user_metrics m ON m.user_id = u.id WHERE u.id = ${userId}`.pipe(Effect.map(([row]) => row)))

const historyOf = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ conversation_id: string; source: string; score_before: number; score_after: number; metric_changes: unknown; events: unknown }>`
      SELECT conversation_id, source, score_before, score_after, metric_changes, events
      FROM score_history WHERE user_id = ${userId}`)

/**
 * A player, `previous` earlier conversations (one a day, the last one `lastGapDays` before this
 * one, each with `messagesEach` messages) and this conversation.
 */
const setUp = (options: {
  readonly chapter?: Chapter
  readonly metrics?: Metrics
  readonly vulnerabilityExchanges?: number
  readonly previous?: number
  readonly lastGapDays?: number
  readonly messagesEach?: number
} = {}) =>
  Effect.gen(function*() {
    const userId = yield* insertPlayer({
      chapter: options.chapter ?? 1,
      metrics: options.metrics ?? uniform(50),
      vulnerabilityExchanges: options.vulnerabilityExchanges ?? 0
    })
    const messages = chat(options.messagesEach ?? 8)
    const previous = options.previous ?? 0
    const lastGap = options.lastGapDays ?? 1
    for (let i = 0; i < previous; i++) {
      const daysBefore = lastGap + (previous - 1 - i)
      yield* insertConversation({ userId, startedAt: new Date(now.getTime() - daysBefore * DAY_MS), messages, status: "processed" })
    }
    const conversationId = yield* insertConversation({ userId, startedAt: now, messages })
    const run = yield* pipelineRun(conversationId)
    return { userId, conversationId, run }
  })

describe.skipIf(!postgresAvailable)("game_state", () => {
  layer(TestLayer)((it) => {
    it.effect("a new player (calibrating, ×0.9): capped deltas, first vulnerability +2 trust, score and history", () =>
      Effect.gen(function*() {
        const { conversationId, run, userId } = yield* setUp()
        const extraction = extractionWith({
          metric_deltas: deltas({ intimacy: 5, passion: 3, trust: -2, secureness: 10 }),
          signals: { horsemen: [], repair_attempt: "none", vulnerability_exchange: true }
        })

        const output = yield* gameState.run(run, earlierOutputs({ extraction }))

        // intimacy 5·0.9, passion 3·0.9, trust −2 + 2, secureness 10·0.9 capped at 6 (chapter 1).
        const metrics = { intimacy: 54.5, passion: 52.7, trust: 50, secureness: 56 }
        expect(output).toEqual({
          applied: true,
          scoreBefore: 50,
          scoreAfter: 53.23,
          metrics,
          chapter: 1,
          gameStatus: "active",
          events: ["boss_threshold_near"]
        })
        expect(yield* playerState(userId)).toEqual({
          ...metrics,
          relationship_score: 53.23,
          game_status: "active",
          engagement_state: "calibrating",
          vulnerability_exchanges: 1
        })
        expect(yield* historyOf(userId)).toEqual([{
          conversation_id: conversationId,
          source: "conversation",
          score_before: 50,
          score_after: 53.23,
          metric_changes: { intimacy: 4.5, passion: 2.7, trust: 0, secureness: 6 },
          events: ["boss_threshold_near"]
        }])
      }))

    it.effect("a re-run applies nothing twice and reports what was recorded", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp()
        const extraction = extractionWith({
          metric_deltas: deltas({ intimacy: 4 }),
          signals: { horsemen: [], repair_attempt: "none", vulnerability_exchange: true }
        })
        const first = yield* gameState.run(run, earlierOutputs({ extraction }))
        const afterFirst = yield* playerState(userId)
        const second = yield* gameState.run({ ...run, executionId: "rerun" }, earlierOutputs({ extraction }))

        expect(second).toEqual({ ...first, applied: false })
        expect(yield* playerState(userId)).toEqual(afterFirst)
        expect(afterFirst?.vulnerability_exchanges).toBe(1)
        expect(yield* historyOf(userId)).toHaveLength(1)

        // force_reprocess takes the recorded change back and applies it again: the same state,
        // the first vulnerability exchange still the first.
        const forced = yield* gameState.run({ ...run, forceReprocess: true }, earlierOutputs({ extraction }))
        expect(forced).toEqual(first)
        expect(yield* playerState(userId)).toEqual(afterFirst)
        expect(yield* historyOf(userId)).toHaveLength(1)
      }))

    it.effect("two runs of the same conversation at once apply it exactly once", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp()
        const extraction = extractionWith({ metric_deltas: deltas({ passion: 10 }) })
        const results = yield* Effect.all([gameState.run(run, earlierOutputs({ extraction })), gameState.run(run, earlierOutputs({ extraction }))], {
          concurrency: "unbounded"
        })
        expect(results.map((r) => r.applied).sort()).toEqual([false, true])
        expect((yield* playerState(userId))?.passion).toBe(56)
        expect(yield* historyOf(userId)).toHaveLength(1)
      }))

    it.effect("in the zone (5+ daily conversations of real length): full deltas; crossing the threshold starts the boss fight", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ metrics: uniform(54), previous: 5 })
        const output = yield* gameState.run(run, earlierOutputs({ extraction: extractionWith({ metric_deltas: deltas({ intimacy: 3, trust: 2 }) }) }))
        // 54 + 0.3·3 + 0.25·2 = 55.4 ≥ 55 (chapter 1).
        expect(output).toMatchObject({ applied: true, scoreAfter: 55.4, gameStatus: "boss_fight", events: ["boss_threshold_reached"] })
        expect(yield* playerState(userId)).toMatchObject({ game_status: "boss_fight", engagement_state: "in_zone" })
      }))

    it.effect("distant after three days of silence: positive deltas count ×0.6, negative ones fully", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ previous: 5, lastGapDays: 4, chapter: 2 })
        const output = yield* gameState.run(run, earlierOutputs({
          extraction: extractionWith({ metric_deltas: deltas({ intimacy: 5, passion: -4 }) })
        }))
        expect(output.metrics).toEqual({ intimacy: 53, passion: 46, trust: 50, secureness: 50 })
        expect((yield* playerState(userId))?.engagement_state).toBe("distant")
      }))

    it.effect("the second vulnerability exchange adds +1 trust, the third nothing", () =>
      Effect.gen(function*() {
        const vulnerable = extractionWith({ signals: { horsemen: [], repair_attempt: "none", vulnerability_exchange: true } })
        const second = yield* setUp({ vulnerabilityExchanges: 1 })
        expect((yield* gameState.run(second.run, earlierOutputs({ extraction: vulnerable }))).metrics.trust).toBe(51)
        const third = yield* setUp({ vulnerabilityExchanges: 2 })
        expect((yield* gameState.run(third.run, earlierOutputs({ extraction: vulnerable }))).metrics.trust).toBe(50)
        expect((yield* playerState(third.userId))?.vulnerability_exchanges).toBe(3)
      }))

    it.effect("a score falling to 0 ends the game", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ metrics: uniform(4) })
        const output = yield* gameState.run(run, earlierOutputs({
          extraction: extractionWith({ metric_deltas: deltas({ intimacy: -10, passion: -10, trust: -10, secureness: -10 }) })
        }))
        expect(output).toMatchObject({ scoreAfter: 0, gameStatus: "game_over" })
        expect(output.events).toContain("game_over")
        expect(yield* playerState(userId)).toMatchObject({ relationship_score: 0, game_status: "game_over" })
      }))

    it.effect("without an extraction the score stays and the conversation is still recorded once", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ metrics: uniform(30) })
        const output = yield* gameState.run(run, earlierOutputs({}))
        expect(output).toMatchObject({ applied: true, scoreBefore: 30, scoreAfter: 30 })
        expect(yield* historyOf(userId)).toHaveLength(1)
      }))
  })
})
