import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import { emptyExtraction, type Extraction } from "../../src/game/ExtractionSchema.js"
import { ExtractionRepository } from "../../src/conversation/ExtractionRepository.js"
import { LanguageModel, type ObjectRequest } from "../../src/model/LanguageModel.js"
import { ModelOutputInvalid } from "../../src/model/ModelError.js"
import { extraction } from "../../src/pipeline/stages/Extraction.js"
import { postgresAvailable } from "../support/Db.js"
import { extractionWith, insertConversation, insertPlayer, pipelineRun, smallTalk, testDatabaseWithInputs } from "./fixtures.js"

/** The test model: answers with the queued raw outputs, in order, through the request's schema. */
const answers: Array<unknown> = []
const requests: Array<ObjectRequest<unknown, unknown>> = []
const TestModel = LanguageModel.Test({
  generateObject: <A, I>(request: ObjectRequest<A, I>) =>
    Effect.suspend(() => {
      requests.push({ name: request.name, system: request.system, prompt: request.prompt, schema: Schema.Unknown })
      return Schema.decodeUnknown(request.schema)(answers.shift()).pipe(
        Effect.mapError((error) => new ModelOutputInvalid({ message: error.message, name: request.name }))
      )
    })
})

const TestLayer = ExtractionRepository.Default.pipe(
  Layer.provideMerge(TestModel),
  Layer.provideMerge(testDatabaseWithInputs)
)

const nurse: Extraction = extractionWith({
  facts: [{ text: "User works as a nurse", graph_type: "user" }],
  summary: "The player talked about their shift.",
  emotional_tone: "positive",
  metric_deltas: { intimacy: 2, passion: 0, trust: 1, secureness: 0 }
})
const teacher: Extraction = extractionWith({
  facts: [{ text: "User works as a teacher", graph_type: "user" }],
  emotional_tone: "neutral"
})

const storedCount = (conversationId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number }>`SELECT count(*) AS n FROM conversation_extractions WHERE conversation_id = ${conversationId}`.pipe(
      Effect.map(([row]) => row?.n ?? 0)
    ))

const setUp = (messages = smallTalk) =>
  Effect.gen(function*() {
    answers.length = 0
    requests.length = 0
    const userId = yield* insertPlayer()
    const conversationId = yield* insertConversation({ userId, startedAt: new Date("2025-03-01T18:00:00Z"), messages })
    return { conversationId, run: yield* pipelineRun(conversationId) }
  })

describe.skipIf(!postgresAvailable)("extraction", () => {
  layer(TestLayer)((it) => {
    it.effect("an empty transcript yields the empty extraction without a model call", () =>
      Effect.gen(function*() {
        const { conversationId, run } = yield* setUp([])
        expect(yield* extraction.run(run, {})).toEqual(emptyExtraction)
        expect(requests).toHaveLength(0)
        expect(yield* storedCount(conversationId)).toBe(0)
      }))

    it.effect("asks the model for the transcript between markers and stores the validated result", () =>
      Effect.gen(function*() {
        const { conversationId, run } = yield* setUp()
        answers.push(nurse)
        expect(yield* extraction.run(run, {})).toEqual(nurse)
        expect(requests).toHaveLength(1)
        expect(requests[0]?.name).toBe("extraction")
        expect(requests[0]?.prompt).toContain(
          "<transcript>\nuser: Hi! I just got back from my shift at the hospital.\nnikita: Welcome back! How was it?\n" +
            "user: Long, but I love working as a nurse.\n</transcript>"
        )
        expect(requests[0]?.system).toContain("graph_type")
        const stored = yield* Effect.flatMap(ExtractionRepository, (r) => r.find(conversationId))
        expect(stored).toEqual(Option.some(nurse))
      }))

    it.effect("a re-run reuses the stored extraction instead of asking the model again", () =>
      Effect.gen(function*() {
        const { conversationId, run } = yield* setUp()
        answers.push(nurse, teacher)
        const first = yield* extraction.run(run, {})
        // A re-run is a new run: it loads what the first one stored.
        const second = yield* extraction.run(yield* pipelineRun(conversationId), {})
        expect(second).toEqual(first)
        expect(requests).toHaveLength(1)
      }))

    it.effect("force_reprocess extracts again and overwrites the stored extraction", () =>
      Effect.gen(function*() {
        const { conversationId, run } = yield* setUp()
        answers.push(nurse, teacher)
        yield* extraction.run(run, {})
        const forced = yield* extraction.run({ ...run, forceReprocess: true }, {})
        expect(forced).toEqual(teacher)
        expect(requests).toHaveLength(2)
        const stored = yield* Effect.flatMap(ExtractionRepository, (r) => r.find(conversationId))
        expect(stored).toEqual(Option.some(teacher))
        expect(yield* storedCount(conversationId)).toBe(1)
        // And a plain re-run afterwards (a new run: it loads what is stored) keeps the forced one.
        expect(yield* extraction.run(yield* pipelineRun(conversationId), {})).toEqual(teacher)
      }))

    it.effect("output failing the schema falls back to the empty extraction, marked with the reason, and nothing is stored", () =>
      Effect.gen(function*() {
        const { conversationId, run } = yield* setUp()
        answers.push({ ...nurse, metric_deltas: { ...nurse.metric_deltas, trust: 25 } })
        const result = yield* extraction.run(run, {})
        expect(result.facts).toEqual([])
        expect(result.fallbackReason).toContain("actual 25")
        expect(yield* storedCount(conversationId)).toBe(0)
      }))
  })
})
