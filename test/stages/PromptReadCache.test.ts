import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import { encodeLivePrompt, type LivePrompt } from "../../src/prompt/PromptLive.js"
import { ReadyPromptRepository } from "../../src/prompt/ReadyPromptRepository.js"
import { postgresAvailable } from "../support/Db.js"
import { livePrompt } from "../support/LivePromptFixture.js"
import { insertPlayer, testDatabase } from "./fixtures.js"

/** Reads through the repository's kept renderings, on the TestClock: what a caller sees as time passes. */

const live = (chapter: LivePrompt["chapter"]): LivePrompt => livePrompt({ chapter })

const build = (userId: string, snapshot: unknown, text = "as stored") =>
  Effect.flatMap(ReadyPromptRepository, (prompts) =>
    prompts.setCurrent({
      user_id: userId,
      platform: "text",
      prompt_text: text,
      token_count: 2,
      pipeline_version: "test-1",
      generation_time_ms: 1,
      conversation_id: null,
      context_snapshot: snapshot
    }))

const read = (userId: string) =>
  Effect.flatMap(ReadyPromptRepository, (prompts) => prompts.current(userId, "text")).pipe(
    Effect.map(Option.getOrThrow),
    Effect.map((prompt) => prompt.prompt_text)
  )

describe.skipIf(!postgresAvailable)("repeated prompt reads", () => {
  layer(Layer.provideMerge(ReadyPromptRepository.Default, testDatabase))((it) => {
    it.effect("the same minute reads the same prompt; the next minute's read shows the new clock", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.parse("2025-03-04T09:00:10Z"))
        const userId = yield* insertPlayer()
        yield* build(userId, { live: encodeLivePrompt(live(2)) })
        const first = yield* read(userId)
        expect(first).toContain("09:00 where they are")
        yield* TestClock.adjust("40 seconds")
        expect(yield* read(userId)).toBe(first)
        yield* TestClock.adjust("20 seconds")
        expect(yield* read(userId)).toContain("09:01 where they are")
      }))

    it.effect("a rebuilt prompt is read at once, also when another instance rebuilt it; one without live parts is served as stored", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.parse("2025-03-04T09:00:00Z"))
        const userId = yield* insertPlayer()
        yield* build(userId, { live: encodeLivePrompt(live(2)) })
        expect(yield* read(userId)).toContain("Chapter 2 of 5")
        yield* build(userId, { live: encodeLivePrompt(live(3)) })
        expect(yield* read(userId)).toContain("Chapter 3 of 5")
        yield* build(userId, { live: encodeLivePrompt(live(4)) }).pipe(Effect.provide(Layer.fresh(ReadyPromptRepository.Default)))
        expect(yield* read(userId)).toContain("Chapter 4 of 5")
        yield* build(userId, {}, "an older prompt, stored whole")
        expect(yield* read(userId)).toBe("an older prompt, stored whole")
        yield* build(userId, { live: encodeLivePrompt(live(5)) })
        expect(yield* read(userId)).toContain("Chapter 5 of 5")
      }))
  })
})
