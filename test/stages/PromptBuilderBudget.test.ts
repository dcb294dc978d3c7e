import { describe, expect, it, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { countTokens } from "../../src/model/Tokens.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { PromptInputs } from "../../src/pipeline/PromptInputs.js"
import { cutToBudget } from "../../src/prompt/PromptBuilder.js"
import { promptBuilder } from "../../src/pipeline/stages/PromptBuilder.js"
import { postgresAvailable } from "../support/Db.js"
import { earlierOutputs } from "./fixtures.js"

import { currentPrompts, insertLongFacts, longFact, NoModel, now, richPlayer, snapshotOf, TestLayer, withModel } from "./promptBuilderSupport.js"

/** The prompt budget: what goes, in which order, when a player's prompt grows past it. */

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

describe.skipIf(!postgresAvailable)("prompt_builder within its budget", () => {
  layer(TestLayer)((it) => {
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
  })
})
