import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import type { Extraction } from "../../src/game/ExtractionSchema.js"
import { postgresAvailable } from "../support/Db.js"
import { send } from "../support/TestApp.js"
import {
  answerExtraction,
  converse,
  knownExtraction,
  newPlayer,
  nightShiftTalk,
  PipelineApp,
  playerState,
  scoreAfterKnownExtraction,
  scriptExtraction
} from "./pipelineSupport.js"

/** What the model says about the same talk on a second reading: other facts, notes, deltas and summary. */
const secondReading: Extraction = {
  facts: [
    { text: "User is saving money for a new bicycle", graph_type: "user" },
    { text: "Nikita promised to send the user a playlist", graph_type: "relationship" }
  ],
  threads: ["the new bicycle", "Nikita's playlist"],
  thoughts: ["He sounded tired but hopeful tonight"],
  summary: "The player talked about saving for a bicycle and Nikita promised a playlist.",
  emotional_tone: "neutral",
  metric_deltas: { intimacy: 0, passion: 4, trust: 5, secureness: -2 },
  signals: { horsemen: [], repair_attempt: "none", vulnerability_exchange: false }
}

/** Everything a conversation's effects reach, in a form two players can be compared by. */
const effects = (userId: string, conversationId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const state = yield* playerState(userId)
    const [metrics] = yield* sql<Record<string, number>>`
      SELECT intimacy, passion, trust, secureness FROM user_metrics WHERE user_id = ${userId}`
    const [player] = yield* sql<{ conflict_temperature: number; game_status: string; chapter: number }>`
      SELECT conflict_temperature, game_status, chapter FROM users WHERE id = ${userId}`
    const texts = (rows: ReadonlyArray<{ text: string }>) => rows.map((row) => row.text).sort()
    return {
      score: state.score,
      scoreHistory: state.scoreHistory,
      conflictUpdates: state.conflictUpdates,
      emotionalStates: state.emotionalStates,
      activeFacts: state.activeFacts,
      dailyConversationCounts: state.dailyConversationCounts,
      metrics,
      player,
      factTexts: texts(yield* sql<{ text: string }>`
        SELECT fact AS text FROM memory_facts WHERE user_id = ${userId} AND is_active`),
      threads: texts(yield* sql<{ text: string }>`
        SELECT topic AS text FROM conversation_threads WHERE user_id = ${userId}`),
      thoughts: texts(yield* sql<{ text: string }>`
        SELECT content AS text FROM nikita_thoughts WHERE user_id = ${userId}`),
      summary: (yield* sql<{ summary: string | null }>`
        SELECT summary FROM conversations WHERE id = ${conversationId}`)[0]?.summary
    }
  })

const process = (conversationId: string, body: Record<string, unknown> = {}) =>
  Effect.map(send("POST", `/pipeline/process/${conversationId}`, { body }), (reply) => reply.status)

describe.skipIf(!postgresAvailable)("force_reprocess through HTTP", () => {
  layer(PipelineApp(), { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("a forced re-run replaces the conversation's earlier effects: the state of one clean run of the new reading", () =>
      Effect.gen(function*() {
        // One player: the talk read once, then forced with a different reading.
        yield* scriptExtraction()
        const forced = yield* newPlayer
        const forcedConversation = yield* converse(forced, nightShiftTalk)
        expect(yield* process(forcedConversation)).toBe(200)
        const first = yield* effects(forced, forcedConversation)
        expect(first).toMatchObject({ score: scoreAfterKnownExtraction, activeFacts: knownExtraction.facts.length })

        yield* answerExtraction(() => JSON.stringify(secondReading))
        expect(yield* process(forcedConversation, { force_reprocess: true })).toBe(200)
        const replaced = yield* effects(forced, forcedConversation)

        // Another player: the same talk read once, the second way.
        const clean = yield* newPlayer
        const cleanConversation = yield* converse(clean, nightShiftTalk)
        expect(yield* process(cleanConversation)).toBe(200)
        const expected = yield* effects(clean, cleanConversation)

        expect(expected.score).not.toBe(first.score)
        expect(replaced).toEqual(expected)
        expect(replaced).toMatchObject({
          scoreHistory: 1,
          conflictUpdates: 1,
          emotionalStates: 1,
          factTexts: secondReading.facts.map((fact) => fact.text).sort(),
          threads: [...secondReading.threads].sort(),
          thoughts: [...secondReading.thoughts],
          summary: secondReading.summary
        })
        // Facts are never deleted: the first reading's stay, inactive.
        expect((yield* playerState(forced)).facts).toBe(knownExtraction.facts.length + secondReading.facts.length)
      }))
  })
})
