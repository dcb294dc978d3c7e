import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { Horseman, RepairAttempt } from "../../src/game/ExtractionSchema.js"
import type { Metrics } from "../../src/game/Metrics.js"
import { ConflictRepository } from "../../src/player/ConflictRepository.js"
import { conflict } from "../../src/pipeline/stages/Conflict.js"
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

const TestLayer = ConflictRepository.Default.pipe(Layer.provideMerge(testDatabaseWithInputs))

const HOUR_MS = 3_600_000
const startedAt = new Date("2025-03-20T18:00:00Z")
const hoursBefore = (hours: number) => new Date(startedAt.getTime() - hours * HOUR_MS)
const uniform = (value: number): Metrics => ({ intimacy: value, passion: value, trust: value, secureness: value })

const signals = (horsemen: ReadonlyArray<Horseman>, repair_attempt: RepairAttempt = "none") =>
  extractionWith({ signals: { horsemen, repair_attempt, vulnerability_exchange: false } })

/** `game_state`'s output for a score change from `before` to `after`. */
const scored = (before: number, after: number, applied = true): StageOutputs["game_state"] => ({
  applied,
  scoreBefore: before,
  scoreAfter: after,
  metrics: uniform(after),
  chapter: 1,
  gameStatus: "active",
  events: []
})

const conflictOf = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{
      conflict_temperature: number
      conflict_updated_at: Date | null
      conflict_critical_since: Date | null
      game_status: string
    }>`
      SELECT conflict_temperature, conflict_updated_at, conflict_critical_since, game_status
      FROM users WHERE id = ${userId}`.pipe(Effect.map(([row]) => row)))

const historyOf = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ temperature_before: number; temperature_after: number; zone: string; events: unknown }>`
      SELECT temperature_before, temperature_after, zone, events FROM conflict_history WHERE user_id = ${userId}`)

const setUp = (player: {
  readonly temperature: number
  readonly updatedAt?: Date
  readonly criticalSince?: Date
  readonly score?: number
}) =>
  Effect.gen(function*() {
    const userId = yield* insertPlayer({
      metrics: uniform(player.score ?? 50),
      conflictTemperature: player.temperature,
      ...(player.updatedAt === undefined ? {} : { conflictUpdatedAt: player.updatedAt }),
      ...(player.criticalSince === undefined ? {} : { conflictCriticalSince: player.criticalSince })
    })
    const conversationId = yield* insertConversation({ userId, startedAt: hoursBefore(1), messages: smallTalk })
    return { userId, run: yield* pipelineRun(conversationId, { startedAt }) }
  })

describe.skipIf(!postgresAvailable)("conflict", () => {
  layer(TestLayer)((it) => {
    it.effect("cools 0.5/h, then a score drop and horsemen heat it; recorded once per conversation", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ temperature: 20, updatedAt: hoursBefore(10) })
        const outputs = {
          extraction: signals(["criticism", "contempt", "criticism"]),
          game_state: scored(50, 46)
        }

        const output = yield* conflict.run(run, earlierOutputs(outputs))

        // 20 − 10·0.5 = 15; Δ −4 → +4·1.5 + 5 = 11; criticism 4 + contempt 8 (each once) → 38.
        expect(output).toEqual({ temperature: 38, zone: "warm", events: [] })
        expect(yield* conflictOf(userId)).toEqual({
          conflict_temperature: 38,
          conflict_updated_at: startedAt,
          conflict_critical_since: null,
          game_status: "active"
        })
        expect(yield* historyOf(userId)).toEqual([{ temperature_before: 20, temperature_after: 38, zone: "warm", events: [] }])

        const again = yield* conflict.run({ ...run, forceReprocess: true }, earlierOutputs({ ...outputs, game_state: scored(50, 46, false) }))
        expect(again).toEqual(output)
        expect((yield* conflictOf(userId))?.conflict_temperature).toBe(38)
        expect(yield* historyOf(userId)).toHaveLength(1)
      }))

    it.effect("a score rise and an excellent repair cool it down to calm", () =>
      Effect.gen(function*() {
        const { run } = yield* setUp({ temperature: 40, updatedAt: startedAt })
        const output = yield* conflict.run(run, earlierOutputs({ extraction: signals([], "excellent"), game_state: scored(50, 54) }))
        // 40 − 0.5·4 − 25 = 13.
        expect(output).toEqual({ temperature: 13, zone: "calm", events: [] })
      }))

    it.effect("entering the critical zone starts its clock", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ temperature: 70, updatedAt: startedAt })
        const output = yield* conflict.run(run, earlierOutputs({ extraction: signals(["stonewalling"]), game_state: scored(50, 48) }))
        // 70 + 2·1.5 + 5 = 78.
        expect(output).toEqual({ temperature: 78, zone: "critical", events: [] })
        expect((yield* conflictOf(userId))?.conflict_critical_since).toEqual(startedAt)
      }))

    it.effect("critical for more than 24 h is a warning; the clock keeps running", () =>
      Effect.gen(function*() {
        const criticalSince = hoursBefore(30)
        const { run, userId } = yield* setUp({ temperature: 80, updatedAt: hoursBefore(1), criticalSince })
        const output = yield* conflict.run(run, earlierOutputs({ extraction: signals(["contempt"]) }))
        // 80 − 0.5 + 8 = 87.5, still critical for 30 h.
        expect(output).toEqual({ temperature: 87.5, zone: "critical", events: ["conflict_warning"] })
        expect(yield* conflictOf(userId)).toMatchObject({ conflict_critical_since: criticalSince, game_status: "active" })
      }))

    it.effect("critical for more than 48 h above 90 is a breakup: the game is over", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ temperature: 95, updatedAt: hoursBefore(1), criticalSince: hoursBefore(50) })
        const output = yield* conflict.run(run, earlierOutputs({ extraction: signals(["stonewalling"]) }))
        expect(output).toEqual({ temperature: 99.5, zone: "critical", events: ["breakup"] })
        expect((yield* conflictOf(userId))?.game_status).toBe("game_over")
        expect(yield* historyOf(userId)).toMatchObject([{ events: ["breakup"] }])
      }))

    it.effect("a score under 10 is a breakup even when calm; under 20 a warning", () =>
      Effect.gen(function*() {
        const low = yield* setUp({ temperature: 0, score: 9 })
        expect(yield* conflict.run(low.run, earlierOutputs({}))).toEqual({ temperature: 0, zone: "calm", events: ["breakup"] })
        expect((yield* conflictOf(low.userId))?.game_status).toBe("game_over")

        const strained = yield* setUp({ temperature: 0, score: 15 })
        expect(yield* conflict.run(strained.run, earlierOutputs({}))).toEqual({ temperature: 0, zone: "calm", events: ["conflict_warning"] })
        expect((yield* conflictOf(strained.userId))?.game_status).toBe("active")
      }))
  })
})
