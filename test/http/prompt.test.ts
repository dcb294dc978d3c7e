import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { type NewReadyPrompt, ReadyPromptRepository } from "../../src/prompt/ReadyPromptRepository.js"
import { postgresAvailable } from "../support/Db.js"
import { apiClient, send, TestApp } from "../support/TestApp.js"

const newUser = Effect.gen(function*() {
  const userId = randomUUID()
  expect((yield* send("PUT", `/users/${userId}`, { body: {} })).status).toBe(201)
  return userId
})

const prompt = (userId: string, platform: "text" | "voice", text: string): NewReadyPrompt => ({
  user_id: userId,
  platform,
  prompt_text: text,
  token_count: 42,
  pipeline_version: "test-1",
  generation_time_ms: 7,
  conversation_id: null,
  context_snapshot: { sections: ["identity"] }
})

describe.skipIf(!postgresAvailable)("ready prompts", () => {
  layer(TestApp(), { excludeTestServices: true })((it) => {
    it.effect("404 not_found before the pipeline built a prompt", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const reply = yield* send("GET", `/users/${userId}/prompt?platform=voice`)
        expect(reply.status).toBe(404)
        expect(reply.json).toMatchObject({ error: "not_found", message: expect.stringContaining("voice") })
        expect((yield* send("GET", `/users/${userId}/prompt?platform=fax`)).status).toBe(400)
        expect((yield* send("GET", `/users/${userId}/prompt`, { secret: null })).status).toBe(401)
      }))

    it.effect("serves the current prompt of the asked platform, source ready; text by default", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const prompts = yield* ReadyPromptRepository
        yield* prompts.setCurrent(prompt(userId, "text", "old text prompt"))
        yield* prompts.setCurrent(prompt(userId, "text", "new text prompt"))
        yield* prompts.setCurrent(prompt(userId, "voice", "voice prompt"))

        const client = yield* apiClient
        const voice = yield* client.users.getPrompt({ path: { user_id: userId }, urlParams: { platform: "voice" } })
        expect(voice).toMatchObject({ user_id: userId, platform: "voice", prompt_text: "voice prompt", source: "ready" })

        const text = yield* send("GET", `/users/${userId}/prompt`)
        expect(text.status).toBe(200)
        expect(text.json).toMatchObject({
          user_id: userId,
          platform: "text",
          prompt_text: "new text prompt",
          token_count: 42,
          pipeline_version: "test-1",
          generation_time_ms: 7,
          conversation_id: null,
          source: "ready"
        })
        expect(text.text).toMatch(/"generated_at":"\d{4}-\d{2}-\d{2}T[\d:.]+Z"/)
      }))

    it.effect("50 concurrent setCurrent calls end with exactly one current row, all kept as history, no error", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const prompts = yield* ReadyPromptRepository
        const written = yield* Effect.all(
          Array.from({ length: 50 }, (_, i) => prompts.setCurrent(prompt(userId, "text", `prompt ${i}`))),
          { concurrency: "unbounded" }
        )
        expect(written).toHaveLength(50)

        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ prompt_text: string; is_current: boolean }>`
          SELECT prompt_text, is_current FROM ready_prompts WHERE user_id = ${userId} AND platform = 'text'
          ORDER BY created_at, id`
        expect(rows).toHaveLength(50)
        const current = rows.filter((row) => row.is_current)
        expect(current).toHaveLength(1)
        // The one left current is what a reader gets.
        const served = yield* send("GET", `/users/${userId}/prompt?platform=text`)
        expect(served.json).toMatchObject({ prompt_text: current[0]!.prompt_text })
      }))
  })
})
