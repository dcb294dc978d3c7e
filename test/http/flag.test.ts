import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { type Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import { randomUUID } from "node:crypto"
import { ReadyPromptRepository } from "../../src/prompt/ReadyPromptRepository.js"
import { ConversationStream } from "../../src/queue/ConversationStream.js"
import { Tasks } from "../../src/queue/Tasks.js"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { appLayer, send, TestApp } from "../support/TestApp.js"
import { callEvent, postWebhook, webhookSecret } from "../support/VoiceWebhook.js"

/**
 * UNIFIED_PIPELINE_ENABLED=false (API.md): nothing is lost and nothing runs. Text conversations
 * are stale after 1 ms and the stream polls every 50 ms, so anything that could run would.
 */
const disabledEnv = {
  UNIFIED_PIPELINE_ENABLED: "false",
  ELEVENLABS_WEBHOOK_SECRET: webhookSecret,
  STALE_AFTER: "1",
  STREAM_POLL_INTERVAL: "50 millis"
}

const newUser = (displayName = "Mara") =>
  Effect.gen(function*() {
    const userId = randomUUID()
    expect((yield* send("PUT", `/users/${userId}`, { body: { display_name: displayName } })).status).toBe(201)
    return userId
  })

/** A text conversation with one message and a voice call, both from `userId`. */
const talk = (userId: string) =>
  Effect.gen(function*() {
    const message = yield* send("POST", `/users/${userId}/messages`, {
      body: { platform: "text", role: "user", content: "I got the job!" }
    })
    expect(message.status).toBe(202)
    const call = yield* postWebhook(JSON.stringify(callEvent({ userId })))
    expect(call.status).toBe(200)
    expect(call.json).toMatchObject({ status: "accepted" })
    const id = (reply: { readonly json: unknown }) =>
      Effect.map(Schema.decodeUnknown(Schema.Struct({ conversation_id: Schema.UUID }))(reply.json), (r) => r.conversation_id)
    return { text: yield* id(message), voice: yield* id(call) }
  })

const statusOf = (conversationId: string) =>
  Effect.map(send("GET", `/conversations/${conversationId}`), (reply) => reply.json)

type App = Layer.Layer.Success<ReturnType<typeof appLayer>>

/** Runs `effect` on an instance of the app over the database at `url`, shut down afterwards. */
const onInstance = <A, E>(url: string, env: Record<string, string>, effect: Effect.Effect<A, E, App>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context: Context.Context<App> = yield* Layer.buildWithScope(appLayer({ ...env, DATABASE_URL: url }), scope)
    return yield* effect.pipe(Effect.provide(context), Effect.ensuring(Scope.close(scope, Exit.void)))
  })

const executionCount = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ n: number }>`SELECT count(*)::int AS n FROM pipeline_executions`).pipe(Effect.map((rows) => rows[0]?.n))

describe.skipIf(!postgresAvailable)("UNIFIED_PIPELINE_ENABLED=false", () => {
  layer(TestApp(disabledEnv), { excludeTestServices: true })((it) => {
    it.scoped("messages and calls are stored and wait: the stream and the task run nothing", () =>
      Effect.gen(function*() {
        const userId = yield* newUser()
        const { text, voice } = yield* talk(userId)

        const stream = yield* ConversationStream
        yield* Effect.forkScoped(stream.run)
        const tasks = yield* Tasks
        const refused = yield* Effect.flip(tasks.processConversations())
        expect(refused._tag).toBe("PipelineDisabled")
        yield* Effect.sleep("300 millis")

        expect(yield* statusOf(text)).toMatchObject({ status: "active", message_count: 1 })
        expect(yield* statusOf(voice)).toMatchObject({ status: "queued", message_count: 4 })
        expect(yield* executionCount).toBe(0)

        const health = yield* send("GET", "/pipeline/health", { secret: null })
        expect(health.status).toBe(200)
        expect(health.json).toMatchObject({ status: "healthy", stream: "disabled", queue_depth: 2 })

        // The idle stream is expected, but a conversation stuck in processing still degrades health.
        const sql = yield* SqlClient.SqlClient
        yield* sql`
          INSERT INTO conversations (user_id, platform, status, lease_owner, lease_expires_at, updated_at)
          VALUES (${userId}, 'text', 'processing', 'crashed-instance', now() - interval '2 hours', now() - interval '2 hours')`
        const stuck = yield* send("GET", "/pipeline/health", { secret: null })
        expect(stuck.status).toBe(200)
        expect(stuck.json).toMatchObject({ status: "degraded", stream: "disabled", stuck_conversations: 1 })
      }))

    it.effect("the prompt is built on demand from the current state, not served nor stored as ready", () =>
      Effect.gen(function*() {
        const userId = yield* newUser("Mara")
        const prompts = yield* ReadyPromptRepository
        yield* prompts.setCurrent({
          user_id: userId,
          platform: "voice",
          prompt_text: "an old ready prompt",
          token_count: 4,
          pipeline_version: "test",
          generation_time_ms: 1,
          conversation_id: null,
          context_snapshot: {}
        })

        const reply = yield* send("GET", `/users/${userId}/prompt?platform=voice`)
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({
          user_id: userId,
          platform: "voice",
          source: "on_demand",
          conversation_id: null,
          prompt_text: expect.stringContaining("Mara"),
          token_count: expect.any(Number),
          pipeline_version: expect.any(String),
          generation_time_ms: expect.any(Number)
        })
        expect(reply.text).not.toContain("an old ready prompt")
        expect(reply.text).toMatch(/"generated_at":"\d{4}-\d{2}-\d{2}T[\d:.]+Z"/)

        // The current state, read now: a new name shows in the next prompt.
        yield* send("PUT", `/users/${userId}`, { body: { display_name: "Ines" } })
        const text = yield* send("GET", `/users/${userId}/prompt?platform=text`)
        expect(text.json).toMatchObject({ platform: "text", source: "on_demand", prompt_text: expect.stringContaining("Ines") })

        const sql = yield* SqlClient.SqlClient
        const stored = yield* sql<{ prompt_text: string }>`SELECT prompt_text FROM ready_prompts WHERE user_id = ${userId}`
        expect(stored).toEqual([{ prompt_text: "an old ready prompt" }])

        const stranger = randomUUID()
        const unknown = yield* send("GET", `/users/${stranger}/prompt`)
        expect(unknown.status).toBe(404)
        expect(unknown.json).toMatchObject({ error: "not_found", message: expect.stringContaining(stranger) })
      }))
  })

  it.scopedLive("turning the flag back on processes what waited", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const waiting = yield* onInstance(url, disabledEnv, Effect.gen(function*() {
        const userId = yield* newUser()
        return { userId, ...(yield* talk(userId)) }
      }))

      const enabledEnv = { ...disabledEnv, UNIFIED_PIPELINE_ENABLED: "true" }
      yield* onInstance(url, enabledEnv, Effect.gen(function*() {
        const tasks = yield* Tasks
        const result = yield* tasks.processConversations()
        expect(result).toMatchObject({ detected: 2, processed: 2, failed: 0 })
        expect(yield* statusOf(waiting.text)).toMatchObject({ status: "processed" })
        expect(yield* statusOf(waiting.voice)).toMatchObject({ status: "processed" })
        const prompt = yield* send("GET", `/users/${waiting.userId}/prompt?platform=voice`)
        expect(prompt.json).toMatchObject({ source: "ready", conversation_id: expect.any(String) })
      }))
    }))
})
