import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { ConflictRepository } from "../../src/player/ConflictRepository.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { EmotionalStateRepository } from "../../src/nikita/EmotionalStateRepository.js"
import { ExtractionRepository } from "../../src/conversation/ExtractionRepository.js"
import { GameStateRepository } from "../../src/player/GameStateRepository.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { LifeEventRepository } from "../../src/nikita/LifeEventRepository.js"
import { MemoryRepository } from "../../src/memory/MemoryRepository.js"
import { NotesRepository } from "../../src/memory/NotesRepository.js"
import { conflict } from "../../src/pipeline/stages/Conflict.js"
import { emotional } from "../../src/pipeline/stages/Emotional.js"
import { extraction } from "../../src/pipeline/stages/Extraction.js"
import { gameState } from "../../src/pipeline/stages/GameState.js"
import { lifeSim } from "../../src/pipeline/stages/LifeSim.js"
import { memoryUpdate } from "../../src/pipeline/stages/MemoryUpdate.js"
import type { PipelineRun } from "../../src/pipeline/Stage.js"
import { postgresAvailable } from "../support/Db.js"
import {
  earlierOutputs,
  EMBEDDING_DIMENSIONS,
  insertConversation,
  insertPlayer,
  pipelineRun,
  testDatabaseWithInputs
} from "./fixtures.js"

/** The six stages with the offline (deterministic) model providers, as a run without OpenAI has them. */
const TestLayer = Layer.mergeAll(
  ExtractionRepository.Default,
  MemoryRepository.DefaultWithoutDependencies,
  NotesRepository.Default,
  LifeEventRepository.Default,
  EmotionalStateRepository.Default,
  GameStateRepository.Default,
  ConflictRepository.Default
).pipe(
  Layer.provideMerge(Layer.merge(LanguageModel.Offline, Embeddings.offline(EMBEDDING_DIMENSIONS))),
  Layer.provideMerge(testDatabaseWithInputs)
)

/** The first six stages in order, each seeing what the earlier ones produced. */
const firstSix = (run: PipelineRun) =>
  Effect.gen(function*() {
    const extracted = yield* extraction.run(run, {})
    const memory = yield* memoryUpdate.run(run, { extraction: extracted })
    const day = yield* lifeSim.run(run, earlierOutputs({ extraction: extracted, memory_update: memory }))
    const mood = yield* emotional.run(run, earlierOutputs({ extraction: extracted, memory_update: memory, life_sim: day }))
    const score = yield* gameState.run(run, earlierOutputs({ extraction: extracted, memory_update: memory, life_sim: day, emotional: mood }))
    const heat = yield* conflict.run(run, earlierOutputs({
      extraction: extracted,
      memory_update: memory,
      life_sim: day,
      emotional: mood,
      game_state: score
    }))
    return { extraction: extracted, memory_update: memory, life_sim: day, emotional: mood, game_state: score, conflict: heat }
  })

/** Everything the six stages write for a player. */
const snapshot = (userId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return {
      player: yield* sql`
        SELECT u.relationship_score, u.game_status, u.engagement_state, u.vulnerability_exchanges,
               u.conflict_temperature, u.conflict_updated_at, m.intimacy, m.passion, m.trust, m.secureness
        FROM users u JOIN user_metrics m ON m.user_id = u.id WHERE u.id = ${userId}`,
      facts: yield* sql`SELECT id, fact, is_active, superseded_by FROM memory_facts WHERE user_id = ${userId} ORDER BY id`,
      threads: yield* sql`SELECT topic FROM conversation_threads WHERE user_id = ${userId} ORDER BY topic`,
      thoughts: yield* sql`SELECT content FROM nikita_thoughts WHERE user_id = ${userId} ORDER BY content`,
      lifeEvents: yield* sql`SELECT id, description FROM life_events WHERE user_id = ${userId} ORDER BY id`,
      emotional: yield* sql`SELECT arousal, valence, dominance, intimacy FROM emotional_states WHERE user_id = ${userId}`,
      scores: yield* sql`SELECT score_before, score_after, metric_changes FROM score_history WHERE user_id = ${userId}`,
      conflicts: yield* sql`SELECT temperature_after FROM conflict_history WHERE user_id = ${userId}`
    }
  })

describe.skipIf(!postgresAvailable)("the first six stages together", () => {
  layer(TestLayer)((it) => {
    it.effect("a run and its re-runs (after a crash, or forced) leave exactly the same state", () =>
      Effect.gen(function*() {
        const userId = yield* insertPlayer({ timezone: "Europe/Berlin" })
        const conversationId = yield* insertConversation({
          userId,
          startedAt: new Date("2025-03-01T18:00:00Z"),
          messages: [
            { role: "user", content: "I work as a nurse in Berlin and I love it." },
            { role: "nikita", content: "That sounds intense! My sister is called Ana, she is a doctor." },
            { role: "user", content: "We should visit Lisbon together next summer." },
            { role: "nikita", content: "I would love that, thank you for telling me about your day." }
          ]
        })
        const run = yield* pipelineRun(conversationId)

        const first = yield* firstSix(run)
        const afterFirst = yield* snapshot(userId)
        const rerun = yield* firstSix({ ...run, executionId: "rerun" })
        const forced = yield* firstSix({ ...run, forceReprocess: true })

        expect(first.extraction.facts.length).toBeGreaterThan(0)
        expect(first.memory_update.inserted).toBe(afterFirst.facts.length)
        expect(first.life_sim.length).toBeGreaterThanOrEqual(3)
        expect(first.game_state.applied).toBe(true)
        expect(afterFirst.emotional).toHaveLength(1)
        expect(afterFirst.scores).toHaveLength(1)
        expect(afterFirst.conflicts).toHaveLength(1)

        expect(rerun.extraction).toEqual(first.extraction)
        expect(rerun.memory_update).toEqual({ ...first.memory_update, inserted: 0, superseded: 0, unchanged: first.extraction.facts.length })
        expect(rerun.life_sim).toEqual(first.life_sim)
        expect(rerun.emotional).toEqual(first.emotional)
        expect(rerun.game_state).toEqual({ ...first.game_state, applied: false })
        expect(rerun.conflict).toEqual(first.conflict)

        // Forced, the conversation's effects are taken back and applied again: the same outputs,
        // and the same state except that its facts are new rows (the earlier ones retired).
        expect(forced.extraction).toEqual(first.extraction)
        expect(forced.memory_update).toEqual(first.memory_update)
        expect(forced.life_sim).toEqual(first.life_sim)
        expect(forced.emotional).toEqual(first.emotional)
        expect(forced.game_state).toEqual(first.game_state)
        expect(forced.conflict).toEqual(first.conflict)
        const { facts, ...afterForced } = yield* snapshot(userId)
        const { facts: firstFacts, ...rest } = afterFirst
        expect(afterForced).toEqual(rest)
        const activeTexts = (rows: ReadonlyArray<Record<string, unknown>>) =>
          rows.filter((row) => row["is_active"] === true).map((row) => row["fact"]).sort()
        expect(activeTexts(facts)).toEqual(activeTexts(firstFacts))
        expect(facts).toHaveLength(2 * firstFacts.length)
      }))
  })
})
