import { describe, expect, it, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { capKeyMoments, dominantTone, type KeyMoment } from "../../src/game/DailySummary.js"
import { ConversationSummaryRepository } from "../../src/conversation/ConversationSummaryRepository.js"
import { DailySummaryRepository } from "../../src/conversation/DailySummaryRepository.js"
import { LanguageModel, type TextRequest } from "../../src/model/LanguageModel.js"
import { ModelRejected } from "../../src/model/ModelError.js"
import type { StageOutputs } from "../../src/pipeline/Stage.js"
import { summary, SummaryModelTimeout } from "../../src/pipeline/stages/Summary.js"
import { postgresAvailable } from "../support/Db.js"
import {
  earlierOutputs,
  extractionWith,
  insertPlayer,
  type MessageFixture,
  pipelineRun,
  smallTalk,
  testDatabaseWithInputs
} from "./fixtures.js"
import { fixedId, gameStateOutput, insertConversationWithId, runPastTimeout } from "./promptFixtures.js"

const TestLayer = Layer.mergeAll(ConversationSummaryRepository.Default, DailySummaryRepository.Default).pipe(
  Layer.provideMerge(testDatabaseWithInputs)
)

/** A model that must not be asked: any call is a defect. */
const NoModel = LanguageModel.Test({})

/** A model answering `answer` (or failing), recording each request. */
const recordingModel = (answer: (request: TextRequest) => Effect.Effect<string, ModelRejected>) => {
  const requests: Array<TextRequest> = []
  const layer = LanguageModel.Test({
    generateText: (request) => Effect.suspend(() => {
      requests.push(request)
      return answer(request)
    })
  })
  return { requests, layer }
}

const refused = new ModelRejected({ message: "offline", status: Option.none(), code: Option.none() })

const conversationRow = (conversationId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ summary: string | null; emotional_tone: string | null }>`
      SELECT summary, emotional_tone FROM conversations WHERE id = ${conversationId}`.pipe(Effect.map(([row]) => row)))

const dayOf = (userId: string, date: string) =>
  Effect.flatMap(DailySummaryRepository, (days) => days.find({ userId, summaryDate: date })).pipe(
    Effect.map(Option.getOrThrow)
  )

const setUp = (options: {
  readonly series: number
  readonly n?: number
  readonly startedAt: Date
  readonly messages?: ReadonlyArray<MessageFixture>
  readonly timezone?: string
}) =>
  Effect.gen(function*() {
    const userId = fixedId(options.series, 0)
    if (options.n === undefined || options.n === 1) {
      yield* insertPlayer({ id: userId, timezone: options.timezone ?? "UTC" })
    }
    const conversationId = yield* insertConversationWithId({
      id: fixedId(options.series, options.n ?? 1),
      userId,
      startedAt: options.startedAt,
      messages: options.messages ?? smallTalk
    })
    return { userId, conversationId, run: yield* pipelineRun(conversationId) }
  })

const outputsWith = (parts: {
  readonly summary?: string
  readonly tone?: StageOutputs["extraction"]["emotional_tone"]
  readonly scores?: readonly [number, number]
  readonly events?: ReadonlyArray<string>
}): Partial<StageOutputs> => ({
  extraction: extractionWith({ summary: parts.summary ?? "", emotional_tone: parts.tone ?? "neutral" }),
  game_state: gameStateOutput(parts.scores?.[0] ?? 50, parts.scores?.[1] ?? 50, parts.events ?? [])
})

describe("daily summary rules", () => {
  it("caps key moments by dropping the oldest conversation summary before any event", () => {
    const moment = (kind: KeyMoment["kind"], text: string): KeyMoment => ({ kind, text, conversation_id: "c" })
    const moments = [
      moment("summary", "s1"),
      moment("game_event", "e1"),
      moment("summary", "s2"),
      moment("conflict_event", "e2"),
      moment("summary", "s3")
    ]
    expect(capKeyMoments(moments, 3).map((m) => m.text)).toEqual(["e1", "e2", "s3"])
    expect(capKeyMoments([moment("game_event", "a"), moment("game_event", "b")], 1).map((m) => m.text)).toEqual(["b"])
  })

  it("takes the most frequent tone; a tie goes to the latest conversation's tone, else the more significant", () => {
    expect(dominantTone({ positive: 2, negative: 1 }, "negative")).toBe("positive")
    expect(dominantTone({ positive: 1, negative: 1 }, "positive")).toBe("positive")
    expect(dominantTone({ positive: 1, negative: 1 }, "neutral")).toBe("negative")
    expect(dominantTone({}, null)).toBeNull()
  })
})

describe.skipIf(!postgresAvailable)("summary", () => {
  layer(TestLayer)((it) => {
    it.effect("uses the extraction's summary and tone without asking the model, and starts the player's day", () =>
      Effect.gen(function*() {
        const { conversationId, run, userId } = yield* setUp({ series: 1, startedAt: new Date("2025-03-01T18:00:00Z") })
        const result = yield* summary.run(
          run, earlierOutputs(outputsWith({ summary: "The player told Nikita about a long shift.", tone: "positive", scores: [50, 53.5], events: ["boss_threshold_near"] }))).pipe(Effect.provide(NoModel))
        expect(result).toEqual({ summary: "The player told Nikita about a long shift." })
        expect(yield* conversationRow(conversationId)).toEqual({
          summary: "The player told Nikita about a long shift.",
          emotional_tone: "positive"
        })
        const day = yield* dayOf(userId, "2025-03-01")
        expect(day).toMatchObject({
          conversation_ids: [conversationId],
          conversation_count: 1,
          score_start: 50,
          score_end: 53.5,
          tone_counts: { positive: 1 },
          dominant_tone: "positive"
        })
        expect(day.key_moments.map((m) => m.kind)).toEqual(["summary", "game_event"])
        expect(day.key_moments[0]?.text).toBe("The player told Nikita about a long shift.")
      }))

    it.effect("without an extraction summary, asks the model over the last 10 messages", () =>
      Effect.gen(function*() {
        const messages: ReadonlyArray<MessageFixture> = Array.from({ length: 12 }, (_, i) => ({
          role: i % 2 === 0 ? "user" : "nikita",
          content: `message number ${i + 1}`
        }))
        const { conversationId, run } = yield* setUp({ series: 2, startedAt: new Date("2025-03-01T18:00:00Z"), messages })
        const model = recordingModel(() => Effect.succeed("  The player counted to twelve with Nikita.\n"))
        const result = yield* summary.run(run, earlierOutputs(outputsWith({ summary: "  " }))).pipe(Effect.provide(model.layer))
        expect(result.summary).toBe("The player counted to twelve with Nikita.")
        expect(model.requests).toHaveLength(1)
        const prompt = model.requests[0]?.prompt ?? ""
        expect(prompt).toContain("message number 3")
        expect(prompt).toContain("message number 12")
        expect(prompt).not.toContain("message number 2\n")
        expect((yield* conversationRow(conversationId))?.summary).toBe("The player counted to twelve with Nikita.")
      }))

    it.effect("when the model fails, a rule-based summary from the transcript is stored", () =>
      Effect.gen(function*() {
        const { conversationId, run } = yield* setUp({ series: 3, startedAt: new Date("2025-03-01T18:00:00Z") })
        const model = recordingModel(() => Effect.fail(refused))
        const result = yield* summary.run(run, earlierOutputs(outputsWith({}))).pipe(Effect.provide(model.layer))
        expect(model.requests).toHaveLength(1)
        expect(result.summary).toBe(
          "A text conversation of 3 messages. The player opened with \"Hi! I just got back from my shift at the hospital.\"; " +
            "Nikita last said \"Welcome back! How was it?\"."
        )
        expect((yield* conversationRow(conversationId))?.summary).toBe(result.summary)
      }))

    it.effect("a model that does not answer within 10 s gives way to the rule-based summary", () =>
      Effect.gen(function*() {
        const { run } = yield* setUp({ series: 6, startedAt: new Date("2025-03-01T18:00:00Z") })
        const model = recordingModel(() => Effect.never)
        const result = yield* runPastTimeout(
          summary.run(run, earlierOutputs(outputsWith({}))).pipe(Effect.provide(model.layer)),
          SummaryModelTimeout
        )
        expect(model.requests).toHaveLength(1)
        expect(result.summary.startsWith("A text conversation of 3 messages.")).toBe(true)
      }))

    it.effect("a re-run keeps the stored summary, asks no model and does not count the conversation twice", () =>
      Effect.gen(function*() {
        const { conversationId, run, userId } = yield* setUp({ series: 4, startedAt: new Date("2025-03-01T18:00:00Z") })
        const model = recordingModel(() => Effect.succeed("The player and Nikita caught up."))
        const outputs = outputsWith({ tone: "negative", scores: [50, 47] })
        const first = yield* summary.run(run, earlierOutputs(outputs)).pipe(Effect.provide(model.layer))
        // A re-run is a new run: it loads what the first one stored.
        const rerun = yield* pipelineRun(conversationId)
        const second = yield* summary.run(rerun, earlierOutputs(outputs)).pipe(Effect.provide(model.layer))
        expect(second).toEqual(first)
        expect(model.requests).toHaveLength(1)
        const day = yield* dayOf(userId, "2025-03-01")
        expect(day.conversation_count).toBe(1)
        expect(day.conversation_ids).toHaveLength(1)
        expect(day.tone_counts).toEqual({ negative: 1 })
        expect(day.key_moments).toHaveLength(1)
      }))

    it.effect("folds the day's conversations by local date: count, start and end score, dominant tone", () =>
      Effect.gen(function*() {
        // 21:00 to 23:30 on 1 March in Los Angeles is 05:00 to 07:30 UTC on 2 March.
        const at = (iso: string) => new Date(iso)
        const conversations = [
          { n: 1, startedAt: at("2025-03-02T05:00:00Z"), tone: "positive" as const, scores: [50, 52] as const },
          { n: 2, startedAt: at("2025-03-02T06:00:00Z"), tone: "negative" as const, scores: [52, 49] as const },
          { n: 3, startedAt: at("2025-03-02T07:30:00Z"), tone: "negative" as const, scores: [49, 46.5] as const }
        ]
        for (const c of conversations) {
          const { run } = yield* setUp({ series: 5, n: c.n, startedAt: c.startedAt, timezone: "America/Los_Angeles" })
          yield* summary.run(run, earlierOutputs(outputsWith({ summary: `Conversation ${c.n}.`, tone: c.tone, scores: c.scores }))).pipe(
            Effect.provide(NoModel)
          )
        }
        const day = yield* dayOf(fixedId(5, 0), "2025-03-01")
        expect(day).toMatchObject({
          conversation_count: 3,
          score_start: 50,
          score_end: 46.5,
          tone_counts: { positive: 1, negative: 2 },
          dominant_tone: "negative"
        })
        expect(day.key_moments.map((m) => m.text)).toEqual(["Conversation 1.", "Conversation 2.", "Conversation 3."])
        const utcDay = yield* Effect.flatMap(DailySummaryRepository, (days) =>
          days.find({ userId: fixedId(5, 0), summaryDate: "2025-03-02" }))
        expect(Option.isNone(utcDay)).toBe(true)
      }))
  })
})
