import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Exit, Layer, TestClock } from "effect"
import { countTokens } from "../../src/model/Tokens.js"
import { LanguageModel } from "../../src/model/LanguageModel.js"
import { PromptInputs } from "../../src/pipeline/PromptInputs.js"
import { ReadyPromptRepository } from "../../src/prompt/ReadyPromptRepository.js"
import { PIPELINE_VERSION, promptBuilder } from "../../src/pipeline/stages/PromptBuilder.js"
import type { PipelineRun } from "../../src/pipeline/Stage.js"
import { postgresAvailable } from "../support/Db.js"
import { earlierOutputs } from "./fixtures.js"
import { fixedId } from "./promptFixtures.js"

import { currentPrompts, historyCount, NoModel, now, richPlayer, snapshotOf, TestLayer, withModel } from "./promptBuilderSupport.js"

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
