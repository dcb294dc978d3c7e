import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import type { Chapter } from "../../src/game/Chapters.js"
import type { LifeEvent } from "../../src/game/LifeEventSchema.js"
import { touchpointDraw } from "../../src/game/Touchpoint.js"
import { TouchpointRepository } from "../../src/nikita/TouchpointRepository.js"
import type { PipelineRun } from "../../src/pipeline/Stage.js"
import { touchpoint } from "../../src/pipeline/stages/Touchpoint.js"
import { postgresAvailable } from "../support/Db.js"
import { earlierOutputs, insertPlayer, pipelineRun, testDatabaseWithInputs } from "./fixtures.js"
import { fixedId, insertConversationWithId, insertTouchpoint, lifeEvent, touchpointsOf } from "./promptFixtures.js"

const TestLayer = TouchpointRepository.Default.pipe(Layer.provideMerge(testDatabaseWithInputs))

const HOUR_MS = 3_600_000
const MINUTE_MS = 60_000
const hoursBefore = (at: Date, hours: number) => new Date(at.getTime() - hours * HOUR_MS)

/** 12:00 UTC: outside both time windows for a UTC player, so only gap and event can trigger. */
const noon = new Date("2025-03-10T12:00:00Z")

/**
 * A player whose conversation starts at `startedAt`, after a previous conversation that ended
 * `gapHours` earlier (none when null). Each test passes its own `series` so ids never collide.
 */
const setUp = (options: {
  readonly series: number
  readonly gapHours: number | null
  readonly startedAt?: Date
  readonly timezone?: string
  readonly chapter?: Chapter
  readonly conversationId?: string
}) =>
  Effect.gen(function*() {
    const startedAt = options.startedAt ?? noon
    const userId = yield* insertPlayer({
      id: fixedId(options.series, 0),
      timezone: options.timezone ?? "UTC",
      chapter: options.chapter ?? 1
    })
    if (options.gapHours !== null) {
      yield* insertConversationWithId({
        id: fixedId(options.series, 1),
        userId,
        startedAt: hoursBefore(startedAt, options.gapHours),
        status: "processed"
      })
    }
    const conversationId = yield* insertConversationWithId({
      id: options.conversationId ?? fixedId(options.series, 2),
      userId,
      startedAt
    })
    const run = yield* pipelineRun(conversationId)
    return { userId, conversationId, run }
  })

const runStage = (run: PipelineRun, lifeSim: ReadonlyArray<LifeEvent> = []) => touchpoint.run(run, earlierOutputs({ life_sim: lifeSim }))

const triggerOf = (result: Option.Option<{ readonly trigger: string }>) =>
  Option.match(result, { onNone: () => "none", onSome: (scheduled) => scheduled.trigger })

/**
 * The first of a fixed list of conversation ids whose seeded draw for the player satisfies
 * `accept`: deterministic, so the test always exercises the same case.
 */
const conversationIdWithDraw = (series: number, userId: string, accept: (draw: number) => boolean): string => {
  for (let n = 100; n < 10_000; n++) {
    const id = fixedId(series, n)
    if (accept(touchpointDraw(userId, id))) return id
  }
  throw new Error("no conversation id with a suitable draw")
}

describe.skipIf(!postgresAvailable)("touchpoint", () => {
  layer(TestLayer)((it) => {
    it.effect("a gap of 24 h schedules a gap touchpoint delivered 2 minutes after the run", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ series: 1, gapHours: 24 })
        const result = yield* runStage(run)
        expect(Option.getOrThrow(result)).toEqual({
          trigger: "gap",
          deliverAt: new Date(run.startedAt.getTime() + 2 * MINUTE_MS)
        })
        const rows = yield* touchpointsOf(userId)
        expect(rows).toHaveLength(1)
        expect(rows[0]?.trigger_context).toMatchObject({ hours_without_contact: 24 })
      }))

    it.effect("a gap just under 24 h schedules nothing, and a first conversation has no gap", () =>
      Effect.gen(function*() {
        const short = yield* setUp({ series: 2, gapHours: 23.9 })
        expect(triggerOf(yield* runStage(short.run))).toBe("none")
        const first = yield* setUp({ series: 3, gapHours: null })
        expect(triggerOf(yield* runStage(first.run))).toBe("none")
        expect(yield* touchpointsOf(short.userId)).toHaveLength(0)
      }))

    it.effect("a re-run returns the touchpoint already scheduled and never schedules a second", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ series: 4, gapHours: 48 })
        const first = yield* runStage(run)
        // Later, with an important event too: still the same row, not a second one.
        const later: PipelineRun = { ...run, startedAt: new Date(run.startedAt.getTime() + 30 * MINUTE_MS) }
        const second = yield* runStage(later, [lifeEvent({ time_slot: "evening", importance: 0.9 })])
        expect(second).toEqual(first)
        expect(yield* touchpointsOf(userId)).toHaveLength(1)
      }))

    it.effect("a pending touchpoint, one delivered in the last 4 h or one created in the last 120 min suppresses", () =>
      Effect.gen(function*() {
        type Earlier = { readonly status: "pending" | "delivered" | "cancelled"; readonly createdAt: number; readonly deliveredAt?: number }
        const minutesAgo = (now: Date, minutes: number) => new Date(now.getTime() - minutes * MINUTE_MS)
        // A player 30 h without contact (a gap trigger), with one earlier touchpoint `minutes ago`.
        const withEarlier = (series: number, earlier: Earlier) =>
          Effect.gen(function*() {
            const { conversationId, run, userId } = yield* setUp({ series, gapHours: 30 })
            yield* insertTouchpoint({
              userId,
              status: earlier.status,
              createdAt: minutesAgo(run.startedAt, earlier.createdAt),
              ...(earlier.deliveredAt === undefined ? {} : { deliveredAt: minutesAgo(run.startedAt, earlier.deliveredAt) })
            })
            // The run loads the player's touchpoints when it starts: after this one.
            return triggerOf(yield* runStage(yield* pipelineRun(conversationId)))
          })
        const outcomes = yield* Effect.all({
          pending: withEarlier(10, { status: "pending", createdAt: 600 }),
          deliveredRecently: withEarlier(11, { status: "delivered", createdAt: 600, deliveredAt: 239 }),
          deliveredLongAgo: withEarlier(12, { status: "delivered", createdAt: 600, deliveredAt: 241 }),
          createdRecently: withEarlier(13, { status: "cancelled", createdAt: 119 }),
          createdLongAgo: withEarlier(14, { status: "cancelled", createdAt: 121 })
        })
        expect(outcomes).toEqual({
          pending: "none",
          deliveredRecently: "none",
          deliveredLongAgo: "gap",
          createdRecently: "none",
          createdLongAgo: "gap"
        })
      }))

    it.effect("a life event of importance 0.7 today schedules an event touchpoint in 5 minutes; 0.69 does not", () =>
      Effect.gen(function*() {
        const important = yield* setUp({ series: 20, gapHours: 2 })
        const result = yield* runStage(important.run, [
          lifeEvent({ time_slot: "morning", importance: 0.4 }),
          lifeEvent({ time_slot: "afternoon", importance: 0.7, description: "Got promoted at work." })
        ])
        expect(Option.getOrThrow(result)).toEqual({
          trigger: "event",
          deliverAt: new Date(important.run.startedAt.getTime() + 5 * MINUTE_MS)
        })
        const [row] = yield* touchpointsOf(important.userId)
        expect(row?.trigger_context).toMatchObject({ event_description: "Got promoted at work.", importance: 0.7 })

        const minor = yield* setUp({ series: 21, gapHours: 2 })
        expect(triggerOf(yield* runStage(minor.run, [lifeEvent({ time_slot: "afternoon", importance: 0.69 })]))).toBe("none")
      }))

    it.effect("the gap trigger is checked before the event trigger", () =>
      Effect.gen(function*() {
        const { run } = yield* setUp({ series: 22, gapHours: 25 })
        expect(triggerOf(yield* runStage(run, [lifeEvent({ time_slot: "evening", importance: 1 })]))).toBe("gap")
      }))

    it.effect("the time trigger fires in the local 08-10 window when the seeded draw is under the chapter's chance", () =>
      Effect.gen(function*() {
        // 08:30 in Berlin (UTC+1 in March) is 07:30 UTC.
        const morning = new Date("2025-03-10T07:30:00Z")
        const userId = fixedId(30, 0)
        const lucky = conversationIdWithDraw(30, userId, (draw) => draw < 0.1)
        const { run } = yield* setUp({ series: 30, gapHours: 2, startedAt: morning, timezone: "Europe/Berlin", conversationId: lucky })
        const result = yield* runStage(run)
        // The run is at 09:30 local: 30 minutes later the window has closed, so its last minute.
        expect(run.startedAt.getTime() + 30 * MINUTE_MS).toBe(new Date("2025-03-10T09:00:00Z").getTime())
        expect(Option.getOrThrow(result)).toEqual({ trigger: "time", deliverAt: new Date("2025-03-10T08:59:00Z") })
        const [row] = yield* touchpointsOf(userId)
        expect(row?.trigger_context).toMatchObject({ window: "morning", local_hour: 8, chance: 0.1 })

        // The same draw at 10:30 local is outside the window.
        const lateUser = fixedId(31, 0)
        const lateLucky = conversationIdWithDraw(31, lateUser, (draw) => draw < 0.1)
        const late = yield* setUp({
          series: 31,
          gapHours: 2,
          startedAt: new Date("2025-03-10T09:30:00Z"),
          timezone: "Europe/Berlin",
          conversationId: lateLucky
        })
        expect(triggerOf(yield* runStage(late.run))).toBe("none")
      }))

    it.effect("the chance grows with the chapter: a draw of 0.1-0.3 misses in chapter 1 and hits in chapter 5", () =>
      Effect.gen(function*() {
        // 20:15 in Berlin, the evening window.
        const evening = new Date("2025-03-10T19:15:00Z")
        const middling = (draw: number) => draw >= 0.1 && draw < 0.3
        const chapterOne = yield* setUp({
          series: 40,
          gapHours: 2,
          startedAt: evening,
          timezone: "Europe/Berlin",
          chapter: 1,
          conversationId: conversationIdWithDraw(40, fixedId(40, 0), middling)
        })
        const chapterFive = yield* setUp({
          series: 41,
          gapHours: 2,
          startedAt: evening,
          timezone: "Europe/Berlin",
          chapter: 5,
          conversationId: conversationIdWithDraw(41, fixedId(41, 0), middling)
        })
        expect(triggerOf(yield* runStage(chapterOne.run))).toBe("none")
        expect(triggerOf(yield* runStage(chapterFive.run))).toBe("time")
        // Re-running draws the same number: chapter 1 still schedules nothing.
        expect(triggerOf(yield* runStage(chapterOne.run))).toBe("none")
      }))
  })
})
