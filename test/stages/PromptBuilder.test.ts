import { describe, expect, it, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Exit, Layer, Option, TestClock } from "effect"
import { GameStateRepository } from "../../src/player/GameStateRepository.js"
import { seededRandom } from "../../src/game/SeededRandom.js"
import { countTokens } from "../../src/model/Tokens.js"
import { Embeddings } from "../../src/model/Embeddings.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { MemoryRepository } from "../../src/memory/MemoryRepository.js"
import { ConversationSummaryRepository } from "../../src/conversation/ConversationSummaryRepository.js"
import { NotesRepository } from "../../src/memory/NotesRepository.js"
import { LifeEventRepository } from "../../src/nikita/LifeEventRepository.js"
import { PromptInputs } from "../../src/pipeline/PromptInputs.js"
import { UserRepository } from "../../src/player/UserRepository.js"
import { cutToBudget, PromptBuilder } from "../../src/prompt/PromptBuilder.js"
import { ReadyPromptRepository } from "../../src/prompt/ReadyPromptRepository.js"
import { PIPELINE_VERSION, promptBuilder } from "../../src/pipeline/stages/PromptBuilder.js"
import type { PipelineRun } from "../../src/pipeline/Stage.js"
import { postgresAvailable } from "../support/Db.js"
import { earlierOutputs, EMBEDDING_DIMENSIONS, insertPlayer, pipelineRun, testDatabaseWithInputs } from "./fixtures.js"
import {
  fixedId,
  insertConversationWithId,
  insertEmotionalState,
  insertLifeEvents,
  insertThought,
  insertThread,
  lifeEvent
} from "./promptFixtures.js"

const TestLayer = Layer.mergeAll(ReadyPromptRepository.Default, MemoryRepository.DefaultWithoutDependencies, GameStateRepository.Default).pipe(
  Layer.provideMerge(Embeddings.offline(EMBEDDING_DIMENSIONS)),
  Layer.provideMerge(testDatabaseWithInputs)
)

/** The prompt builder with the given model in front of the shared database. */
const withModel = (model: Layer.Layer<LanguageModel>) =>
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
const NoModel = LanguageModel.Test({})


/** 18:30 in Berlin (UTC+1 in March): "heading home and making dinner". */
const now = new Date("2025-03-04T17:30:00Z")

const currentPrompts = (userId: string) =>
  Effect.gen(function*() {
    const prompts = yield* ReadyPromptRepository
    const text = yield* prompts.current(userId, "text")
    const voice = yield* prompts.current(userId, "voice")
    return { text: Option.getOrThrow(text), voice: Option.getOrThrow(voice) }
  })

const snapshotOf = (userId: string, platform: "text" | "voice") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ context_snapshot: Record<string, unknown> }>`
      SELECT context_snapshot FROM ready_prompts WHERE user_id = ${userId} AND platform = ${platform} AND is_current`.pipe(
      Effect.map(([row]) => row?.context_snapshot ?? {})
    ))

const historyCount = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number }>`SELECT count(*) AS n FROM ready_prompts WHERE user_id = ${userId}`.pipe(
      Effect.map(([row]) => row?.n ?? 0)
    ))

/**
 * A player in chapter 3 (score 70, "close"), a little tension (temperature 30, "warm"), excited and
 * affectionate, with four life events today, an older conversation about the cat, the conversation
 * just processed about a night shift, an open thread, a thought and three remembered facts.
 */
const richPlayer = (series: number) =>
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
const longFact = (index: number, chars: number): string => {
  const random = seededRandom("fact", String(index))
  const syllables = ["zor", "vak", "mil", "tre", "qua", "nox", "pel", "dri", "sau", "kem", "bly", "wof"] as const
  const words: Array<string> = [`Fact ${index}:`]
  while (words.join(" ").length < chars) {
    words.push(Array.from({ length: random.integer(2, 4) }, () => random.pick([...syllables] as [string, ...Array<string>])).join(""))
  }
  return words.join(" ").slice(0, chars)
}

/** Facts without embeddings (as before a backfill): the memory section falls back to the newest facts. */
const insertLongFacts = (userId: string, count: number, chars: number) =>
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

describe("prompt budget safeguard", () => {
  it("cuts a prompt whose undroppable sections exceed the budget to at most the budget", () => {
    const text = "日本語のテキスト、絵文字🙂も混ぜて。".repeat(2_000)
    const cut = cutToBudget(text, 3_500)
    expect(cut.tokenCount).toBe(countTokens(cut.text))
    expect(cut.tokenCount).toBeLessThanOrEqual(3_500)
    expect(cut.tokenCount).toBeGreaterThan(3_490)
    expect(text.startsWith(cut.text.slice(0, -2))).toBe(true)
  })
})

describe.skipIf(!postgresAvailable)("prompt_builder", () => {
  layer(TestLayer)((it) => {
    it.effect("a build clears the rebuild decay asked for before it, not one asked for after", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const { run, userId } = yield* richPlayer(21)
        const due = (at: Date) => sql`UPDATE users SET prompt_rebuild_due_since = ${at} WHERE id = ${userId}`
        const dueSince = sql<{ due: Date | null }>`SELECT prompt_rebuild_due_since AS due FROM users WHERE id = ${userId}`.pipe(
          Effect.map((rows) => rows[0]?.due ?? null)
        )
        yield* due(new Date(run.startedAt.getTime() + 60_000))
        yield* promptBuilder.run(run, earlierOutputs({})).pipe(withModel(LanguageModel.Offline))
        expect(yield* dueSince).toBeInstanceOf(Date)
        yield* due(new Date(run.startedAt.getTime() - 60_000))
        yield* promptBuilder.run(run, earlierOutputs({})).pipe(withModel(LanguageModel.Offline))
        expect(yield* dueSince).toBeNull()
      }))

    it.effect("stores a current text and voice prompt with every section, within budget", () =>
      Effect.gen(function*() {
        const { conversationId, run, userId } = yield* richPlayer(1)
        const result = yield* promptBuilder.run(run, earlierOutputs({})).pipe(withModel(LanguageModel.Offline))
        // Read at the moment it was built for: the live sections render the same.
        yield* TestClock.setTime(now.getTime())
        const { text, voice } = yield* currentPrompts(userId)

        expect(result).toEqual({ text: { tokenCount: text.token_count }, voice: { tokenCount: voice.token_count } })
        for (const prompt of [text, voice]) {
          expect(prompt.token_count).toBe(countTokens(prompt.prompt_text))
          expect(prompt.pipeline_version).toBe(PIPELINE_VERSION)
          expect(prompt.conversation_id).toBe(conversationId)
          for (
            const heading of ["## Who you are", "## Right now", "## Your relationship", "## What you remember", "## Continuity", "## Your inner life", "## How you act in chapter 3 (Investment)"]
          ) {
            if (prompt === text) expect(prompt.prompt_text).toContain(heading)
          }
          expect(prompt.prompt_text).toContain("heading home and making dinner")
          expect(prompt.prompt_text).toContain("You feel excited, affectionate.")
          expect(prompt.prompt_text).toContain("Chapter 3 of 5: Investment. You are close and it shows.")
          expect(prompt.prompt_text).toContain("There is some tension between you")
          expect(prompt.prompt_text).toContain("(about them) “User works night shifts as a nurse at the hospital")
          expect(prompt.prompt_text).toContain("(about you) “Nikita loves bouldering on Sundays")
          expect(prompt.prompt_text).toContain("The player described a hard night shift at the hospital.")
          expect(prompt.prompt_text).toContain("the job interview on Friday")
          expect(prompt.prompt_text).toContain("I wonder whether they noticed my new haircut.")
          // The three most important of four events, in the order of the day; at 18:30 tonight is a plan.
          expect(prompt.prompt_text).toContain(
            prompt === text
              ? "Your day so far:\n- this morning: Nailed the quarterly report presentation.\n- this evening: Dinner planned with Lena.\n" +
                "Later today (planned, not happened yet):\n- tonight: Wants to finish a novel."
              : "Your day so far:\nThis morning: Nailed the quarterly report presentation. This evening: Dinner planned with Lena.\n" +
                "Later today (planned, not happened yet):\nTonight: Wants to finish a novel."
          )
          expect(prompt.prompt_text).not.toContain("oat milk")
          // The vector search puts the fact about the hospital ahead of the one about the cat.
          expect(prompt.prompt_text.indexOf("nurse at the hospital")).toBeLessThan(prompt.prompt_text.indexOf("cat named Miso"))
        }
        expect(text.prompt_text).toContain("## How you write")
        // The spoken prompt: no headings, no bullets, times in words, shorter.
        expect(voice.prompt_text).toContain("You are on a voice call")
        expect(voice.prompt_text).not.toMatch(/^(#|- )/m)
        expect(voice.prompt_text).toContain("half past six in the evening")
        expect(voice.token_count).toBeLessThan(text.token_count)
        expect(text.token_count).toBeLessThanOrEqual(6_500)
        expect(voice.token_count).toBeLessThanOrEqual(3_500)
        // The offline provider does not rewrite prompts: the template stands, and the snapshot says so.
        expect(yield* snapshotOf(userId, "text")).toMatchObject({ enrichment: "skipped", chapter: 3, score_band: "close" })
      }))

    it.effect("a re-run replaces the current prompts and keeps the old ones as history", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* richPlayer(2)
        yield* promptBuilder.run(run, earlierOutputs({})).pipe(withModel(LanguageModel.Offline))
        yield* promptBuilder.run(run, earlierOutputs({})).pipe(withModel(LanguageModel.Offline))
        expect(yield* historyCount(userId)).toBe(4)
        yield* currentPrompts(userId)
      }))

    it.effect("a huge memory drops chapter behaviour, then inner life, then trims memory from its least relevant end", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* richPlayer(3)
        yield* insertLongFacts(userId, 60, 500)
        yield* promptBuilder.run(run, earlierOutputs({})).pipe(withModel(LanguageModel.Offline))
        const { text, voice } = yield* currentPrompts(userId)
        expect(text.token_count).toBeLessThanOrEqual(6_500)
        expect(voice.token_count).toBeLessThanOrEqual(3_500)
        for (const [prompt, budget] of [[text, 6_500], [voice, 3_500]] as const) {
          expect(prompt.prompt_text).not.toContain("How you act in chapter")
          expect(prompt.prompt_text).not.toContain("Thoughts you have had lately")
          expect(prompt.prompt_text).toContain("What you remember")
          // Trimmed only as far as needed: the kept facts are the first ones, and the budget is nearly used.
          expect(prompt.prompt_text).toContain("Fact 0:")
          expect(prompt.token_count).toBeGreaterThan(budget - 250)
        }
        expect(text.prompt_text).toContain("Fact 20:")
        expect(text.prompt_text).not.toContain("Fact 49:")
        expect(voice.prompt_text).not.toContain("Fact 19:")
        const snapshot = yield* snapshotOf(userId, "voice")
        expect(snapshot).toMatchObject({ dropped: { chapter_behaviour: true, inner_life: true, truncated: false } })
        expect(snapshot["memory"]).toMatchObject({ source: "search_and_recent" })
        // The snapshot lists exactly the facts that made it into the prompt.
        const memory = snapshot["memory"]
        const factIds = typeof memory === "object" && memory !== null && "fact_ids" in memory && Array.isArray(memory.fact_ids)
          ? memory.fact_ids
          : []
        expect(factIds.length).toBe((voice.prompt_text.match(/\(about (them|you|you two)\) “/g) ?? []).length)
      }))

    it.effect("as memory grows, the voice prompt drops chapter behaviour first, then inner life, then trims memory", () =>
      Effect.gen(function*() {
        const { conversationId, userId } = yield* richPlayer(4)
        // 15 long facts leave the voice prompt just under its budget; a last, least relevant fact
        // growing 25 characters (about 10 tokens) at a time then pushes it over step by step.
        yield* insertLongFacts(userId, 15, 500)
        const sql = yield* SqlClient.SqlClient
        const levels: Array<number> = []
        for (let chars = 0; chars <= 500; chars += 25) {
          yield* sql`DELETE FROM memory_facts WHERE user_id = ${userId} AND fact LIKE 'Fact 999:%'`
          if (chars > 0) {
            const fact = longFact(999, chars)
            yield* sql`
              INSERT INTO memory_facts (user_id, fact, normalized_fact, graph_type, created_at)
              VALUES (${userId}, ${fact}, ${fact.toLowerCase()}, 'user', ${new Date(now.getTime() - 100 * 60_000)})`
          }
          const built = yield* Effect.flatMap(PromptInputs, (builder) =>
            builder.build({ userId, platform: "voice", conversationId, now })).pipe(withModel(NoModel))
          const { dropped, memory } = built.contextSnapshot
          expect(built.tokenCount).toBeLessThanOrEqual(3_500)
          // Inner life never goes while chapter behaviour stays; memory is never trimmed while either stays.
          if (dropped.inner_life) expect(dropped.chapter_behaviour).toBe(true)
          if (memory.items_removed_for_budget > 0) expect(dropped.inner_life).toBe(true)
          levels.push(
            memory.items_removed_for_budget > 0 ? 3 : dropped.inner_life ? 2 : dropped.chapter_behaviour ? 1 : 0
          )
        }
        // Every step of the order was reached, in order.
        expect([...new Set(levels)]).toEqual([0, 1, 2, 3])
      }))

    it.effect("no enrichment: the model is never asked to rewrite the prompt", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* richPlayer(11)
        const built = yield* Effect.flatMap(PromptInputs, (builder) =>
          builder.build({ userId, platform: "text", conversationId: run.conversation.id, now, enrich: true })).pipe(withModel(NoModel))
        expect(built.contextSnapshot.enrichment).toBe("skipped")
      }))

    it.effect("when storing fails, the previous prompts stay current, for both platforms", () =>
      Effect.gen(function*() {
        const { run, userId } = yield* richPlayer(7)
        yield* promptBuilder.run(run, earlierOutputs({})).pipe(withModel(LanguageModel.Offline))
        const before = yield* currentPrompts(userId)

        // A conversation unknown to the database: the real setCurrent fails on the foreign key.
        const orphan: PipelineRun = { ...run, conversation: { ...run.conversation, id: fixedId(7, 99) } }
        const failed = yield* promptBuilder.run(orphan, earlierOutputs({})).pipe(withModel(LanguageModel.Offline), Effect.exit)
        expect(Exit.isFailure(failed)).toBe(true)
        expect(yield* currentPrompts(userId)).toEqual(before)

        // Text stored, then voice fails (its conversation unknown to the database): the text
        // prompt is rolled back with it.
        const voiceFails = Layer.effect(
          ReadyPromptRepository,
          Effect.map(ReadyPromptRepository, (real) =>
            ReadyPromptRepository.make({
              ...real,
              setAllCurrent: (prompts) =>
                real.setAllCurrent(prompts.map((prompt) =>
                  prompt.platform === "voice" ? { ...prompt, conversation_id: fixedId(7, 98) } : prompt
                ))
            }))
        )
        const later: PipelineRun = { ...run, startedAt: new Date(now.getTime() + 3_600_000) }
        const partial = yield* promptBuilder.run(later, earlierOutputs({})).pipe(
          withModel(LanguageModel.Offline),
          Effect.provide(voiceFails),
          Effect.flip
        )
        expect(partial).toMatchObject({ _tag: "RecoverableStageError", stage: "prompt_builder" })
        expect(yield* currentPrompts(userId)).toEqual(before)
        expect(yield* historyCount(userId)).toBe(2)
      }))

    it.effect("builds on demand without a conversation and without asking the model", () =>
      Effect.gen(function*() {
        const { userId } = yield* richPlayer(8)
        const built = yield* Effect.flatMap(PromptInputs, (builder) => builder.build({ userId, platform: "voice", now })).pipe(
          withModel(NoModel)
        )
        expect(built.promptText).toContain("You are on a voice call")
        expect(built.promptText).toContain("The player described a hard night shift at the hospital.")
        expect(built.tokenCount).toBe(countTokens(built.promptText))
        expect(built.contextSnapshot).toMatchObject({ conversation_id: null, enrichment: "skipped", platform: "voice" })

        const unknown = yield* Effect.flatMap(PromptInputs, (builder) =>
          builder.build({ userId: fixedId(8, 50), platform: "text" })).pipe(withModel(NoModel), Effect.flip)
        expect(unknown).toMatchObject({ _tag: "UnknownPromptUser", userId: fixedId(8, 50) })
      }))
  })
})
