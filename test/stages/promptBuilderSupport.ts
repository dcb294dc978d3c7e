import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { GameStateRepository } from "../../src/player/GameStateRepository.js"
import { seededRandom } from "../../src/game/SeededRandom.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { MemoryRepository } from "../../src/memory/MemoryRepository.js"
import { ConversationSummaryRepository } from "../../src/conversation/ConversationSummaryRepository.js"
import { NotesRepository } from "../../src/memory/NotesRepository.js"
import { LifeEventRepository } from "../../src/nikita/LifeEventRepository.js"
import { PromptInputs } from "../../src/pipeline/PromptInputs.js"
import { UserRepository } from "../../src/player/UserRepository.js"
import { PromptBuilder } from "../../src/prompt/PromptBuilder.js"
import { ReadyPromptRepository } from "../../src/prompt/ReadyPromptRepository.js"
import type { PipelineRun } from "../../src/pipeline/Stage.js"
import { EMBEDDING_DIMENSIONS, insertPlayer, pipelineRun, testDatabaseWithInputs } from "./fixtures.js"
import { fixedId, insertConversationWithId, insertEmotionalState, insertLifeEvents, insertThought, insertThread, lifeEvent } from "./promptFixtures.js"


/** The prompt_builder tests' database, players and readers (PromptBuilder*.test.ts). */

export const TestLayer = Layer.mergeAll(ReadyPromptRepository.Default, MemoryRepository.DefaultWithoutDependencies, GameStateRepository.Default).pipe(
  Layer.provideMerge(Embeddings.offline(EMBEDDING_DIMENSIONS)),
  Layer.provideMerge(testDatabaseWithInputs)
)

/** The prompt builder with the given model in front of the shared database. */
export const withModel = (model: Layer.Layer<LanguageModel>) =>
  Effect.provide(
    PromptInputs.DefaultWithoutDependencies.pipe(
      Layer.provide(Layer.mergeAll(
        UserRepository.Default,
        LifeEventRepository.Default,
        ConversationSummaryRepository.Default,
        NotesRepository.Default,
        PromptBuilder.Default
      )),
      Layer.provide(model)
    )
  )

/** A model that must not be asked: any call is a defect. */
export const NoModel = LanguageModel.Test({})


/** 18:30 in Berlin (UTC+1 in March): "heading home and making dinner". */
export const now = new Date("2025-03-04T17:30:00Z")

export const currentPrompts = (userId: string) =>
  Effect.gen(function*() {
    const prompts = yield* ReadyPromptRepository
    const text = yield* prompts.current(userId, "text")
    const voice = yield* prompts.current(userId, "voice")
    return { text: Option.getOrThrow(text), voice: Option.getOrThrow(voice) }
  })

export const snapshotOf = (userId: string, platform: "text" | "voice") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ context_snapshot: Record<string, unknown> }>`
      SELECT context_snapshot FROM ready_prompts WHERE user_id = ${userId} AND platform = ${platform} AND is_current`.pipe(
      Effect.map(([row]) => row?.context_snapshot ?? {})
    ))

export const historyCount = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number }>`SELECT count(*) AS n FROM ready_prompts WHERE user_id = ${userId}`.pipe(
      Effect.map(([row]) => row?.n ?? 0)
    ))

/**
 * A player in chapter 3 (score 70, "close"), a little tension (temperature 30, "warm"), excited and
 * affectionate, with four life events today, an older conversation about the cat, the conversation
 * just processed about a night shift, an open thread, a thought and three remembered facts.
 */
export const richPlayer = (series: number) =>
  Effect.gen(function*() {
    const userId = yield* insertPlayer({
      id: fixedId(series, 0),
      timezone: "Europe/Berlin",
      chapter: 3,
      metrics: { intimacy: 70, passion: 70, trust: 70, secureness: 70 },
      engagementState: "in_zone",
      conflictTemperature: 30
    })
    yield* insertEmotionalState(userId, { arousal: 0.8, valence: 0.8, dominance: 0.5, intimacy: 0.7 })
    yield* insertLifeEvents(userId, "2025-03-04", [
      lifeEvent({ time_slot: "morning", importance: 0.9, description: "Nailed the quarterly report presentation." }),
      lifeEvent({ time_slot: "afternoon", importance: 0.2, description: "Bought oat milk." }),
      lifeEvent({ time_slot: "evening", importance: 0.8, description: "Dinner planned with Lena." }),
      lifeEvent({ time_slot: "night", importance: 0.5, description: "Wants to finish a novel." })
    ])
    yield* insertConversationWithId({
      id: fixedId(series, 1),
      userId,
      startedAt: new Date("2025-03-02T19:00:00Z"),
      status: "processed",
      summary: "They talked about the player's cat Miso."
    })
    const conversationId = yield* insertConversationWithId({
      id: fixedId(series, 2),
      userId,
      startedAt: new Date("2025-03-04T16:00:00Z"),
      summary: "The player described a hard night shift at the hospital."
    })
    yield* insertThread(userId, conversationId, "the job interview on Friday")
    yield* insertThought(userId, conversationId, "I wonder whether they noticed my new haircut.")
    const embeddings = yield* Embeddings
    // The fact about the hospital is the oldest: only the vector search, not recency, puts it first.
    const facts = [
      { text: "User works night shifts as a nurse at the hospital", graphType: "user" as const },
      { text: "User has a cat named Miso", graphType: "user" as const },
      { text: "Nikita loves bouldering on Sundays", graphType: "nikita" as const }
    ]
    const vectors = yield* embeddings.embedMany(facts.map((fact) => fact.text))
    yield* Effect.flatMap(MemoryRepository, (memory) =>
      memory.addFacts({
        userId,
        conversationId,
        facts: facts.map((fact, i) => ({ ...fact, embedding: vectors[i] ?? Option.none() }))
      }))
    const run: PipelineRun = { ...(yield* pipelineRun(conversationId)), startedAt: now }
    return { userId, conversationId, run }
  })

/** Made-up words, different for every fact, so facts neither match each other nor tokenize cheaply. */
export const longFact = (index: number, chars: number): string => {
  const random = seededRandom("fact", String(index))
  const syllables = ["zor", "vak", "mil", "tre", "qua", "nox", "pel", "dri", "sau", "kem", "bly", "wof"] as const
  const words: Array<string> = [`Fact ${index}:`]
  while (words.join(" ").length < chars) {
    words.push(Array.from({ length: random.integer(2, 4) }, () => random.pick([...syllables] as [string, ...Array<string>])).join(""))
  }
  return words.join(" ").slice(0, chars)
}

/** Facts without embeddings (as before a backfill): the memory section falls back to the newest facts. */
export const insertLongFacts = (userId: string, count: number, chars: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (let i = 0; i < count; i++) {
      const fact = longFact(i, chars)
      // Fact 0 is the newest, so the "most relevant first" order is fact 0, 1, 2, …
      yield* sql`
        INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type, created_at)
        VALUES (${userId}, ${fact}, ${fact.toLowerCase()}, 'user', ${new Date(now.getTime() - (i + 1) * 60_000)})`
    }
  })
