import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import type { LifeEvent } from "../../src/game/LifeEventSchema.js"
import { offlineLifeEvents } from "../../src/game/LifeSimOffline.js"
import { LanguageModel, type ObjectRequest } from "../../src/model/LanguageModel.js"
import { LifeEventRepository } from "../../src/nikita/LifeEventRepository.js"
import { ModelOutputInvalid, ModelUnavailable } from "../../src/model/ModelError.js"
import { lifeSim } from "../../src/pipeline/stages/LifeSim.js"
import { postgresAvailable } from "../support/Db.js"
import {
  earlierOutputs,
  insertConversation,
  insertPlayer,
  pipelineRun,
  smallTalk,
  testDatabaseWithInputs
} from "./fixtures.js"

/** The test model: the queued answer (raw JSON, or a failure) per call; requests are recorded. */
const answers: Array<unknown> = []
const requests: Array<{ readonly name: string; readonly prompt: string }> = []
const unavailable = new ModelUnavailable({ message: "down", status: Option.some(503), retryAfter: Option.none() })
const TestModel = LanguageModel.Test({
  generateObject: <A, I>(request: ObjectRequest<A, I>) =>
    Effect.suspend((): Effect.Effect<A, ModelUnavailable | ModelOutputInvalid> => {
      requests.push({ name: request.name, prompt: request.prompt })
      const answer = answers.shift()
      if (answer instanceof ModelUnavailable) return Effect.fail(answer)
      return Schema.decodeUnknown(request.schema)(answer).pipe(
        Effect.mapError((error) => new ModelOutputInvalid({ message: error.message, name: request.name }))
      )
    })
})

const TestLayer = LifeEventRepository.Default.pipe(
  Layer.provideMerge(TestModel),
  Layer.provideMerge(testDatabaseWithInputs)
)

const event = (time_slot: LifeEvent["time_slot"], description: string, importance = 0.4): LifeEvent => ({
  time_slot,
  domain: "work",
  description,
  importance,
  valence_delta: 0.1,
  arousal_delta: -0.05
})
const modelDay: ReadonlyArray<LifeEvent> = [
  event("evening", "Dinner with Mara"),
  event("morning", "A client call went well", 0.75),
  event("night", "Could not sleep"),
  event("afternoon", "Sketched a new poster")
]

const storedDates = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ event_date: string; n: number }>`
      SELECT event_date, count(*) AS n FROM life_events WHERE user_id = ${userId} GROUP BY event_date ORDER BY event_date`)

const setUp = (options: { readonly timezone?: string; readonly startedAt?: Date } = {}) =>
  Effect.gen(function*() {
    answers.length = 0
    requests.length = 0
    const userId = yield* insertPlayer(options.timezone === undefined ? {} : { timezone: options.timezone })
    const conversationId = yield* insertConversation({ userId, startedAt: new Date("2025-03-01T18:00:00Z"), messages: smallTalk })
    const run = yield* pipelineRun(conversationId, options.startedAt === undefined ? {} : { startedAt: options.startedAt })
    return { userId, conversationId, run }
  })

describe.skipIf(!postgresAvailable)("life_sim", () => {
  layer(TestLayer)((it) => {
    it.effect("generates the day once with the model and returns it in slot order; a re-run reads it back", () =>
      Effect.gen(function*() {
        const { conversationId, run, userId } = yield* setUp({ startedAt: new Date("2025-03-01T19:00:00Z") })
        answers.push({ events: modelDay })

        const first = yield* lifeSim.run(run, earlierOutputs({}))
        // A re-run is a new run: it loads the day the first one stored.
        const rerun = yield* pipelineRun(conversationId, { startedAt: run.startedAt })
        const second = yield* lifeSim.run({ ...rerun, forceReprocess: true }, earlierOutputs({}))

        expect(first.map((e) => e.time_slot)).toEqual(["morning", "afternoon", "evening", "night"])
        expect(first.find((e) => e.time_slot === "morning")).toEqual(event("morning", "A client call went well", 0.75))
        expect(second).toEqual(first)
        expect(requests.map((r) => r.name)).toEqual(["life_events"])
        expect(yield* storedDates(userId)).toEqual([{ event_date: "2025-03-01", n: 4 }])
      }))

    it.effect("uses the player's local date", () =>
      Effect.gen(function*() {
        // 23:30 UTC is already the next morning in Tokyo.
        const { run, userId } = yield* setUp({ timezone: "Asia/Tokyo", startedAt: new Date("2025-03-01T23:30:00Z") })
        answers.push({ events: modelDay })
        yield* lifeSim.run(run, earlierOutputs({}))
        expect(yield* storedDates(userId)).toEqual([{ event_date: "2025-03-02", n: 4 }])
        expect(requests[0]?.prompt).toContain("2025-03-02")
      }))

    it.effect("falls back to the seeded offline generator when the model fails", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* setUp({ startedAt: new Date("2025-03-05T12:00:00Z") })
        answers.push(unavailable)

        const events = yield* lifeSim.run(run, earlierOutputs({}))

        // The day of the conversation (its last message), not of the run.
        const offline = offlineLifeEvents({ userId, localDate: run.conversation.lastMessageAt.toISOString().slice(0, 10) })
        expect(events.map((e) => e.description).sort()).toEqual(offline.map((e) => e.description).sort())
        expect(events.length).toBeGreaterThanOrEqual(3)
      }))

    it.effect("keeps a fifth event that shares a slot (up to 5 a day)", () =>
      Effect.gen(function*() {
        const { run } = yield* setUp()
        answers.push({ events: [...modelDay, event("morning", "Spilled coffee on the keyboard")] })
        const events = yield* lifeSim.run(run, earlierOutputs({}))
        expect(events.filter((e) => e.time_slot === "morning").map((e) => e.description).sort())
          .toEqual(["A client call went well", "Spilled coffee on the keyboard"])
        expect(events).toHaveLength(5)
      }))

    it.effect("two writers of the same day at once store one of the two days, never a mix", () =>
      Effect.gen(function*() {
        const { userId } = yield* setUp()
        const repository = yield* LifeEventRepository
        const other = modelDay.map((e) => ({ ...e, description: `${e.description} (other)` }))
        const [a, b] = yield* Effect.all(
          [
            repository.storeDayOnce({ userId, date: "2025-04-01", events: modelDay }),
            repository.storeDayOnce({ userId, date: "2025-04-01", events: other })
          ],
          { concurrency: "unbounded" }
        )
        expect(a.events).toEqual(b.events)
        expect(a.inserted + b.inserted).toBe(4)
        const suffixes = new Set(a.events.map((e) => e.description.endsWith("(other)")))
        expect(suffixes.size).toBe(1)
      }))
  })
})
