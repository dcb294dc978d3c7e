import { HttpClient, HttpClientRequest } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option, Schema, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { ConversationRepository } from "../../src/conversation/ConversationRepository.js"
import { postgresAvailable } from "../support/Db.js"
import { apiClient, send, TestApp, testTaskSecret } from "../support/TestApp.js"

const Accepted = Schema.Struct({ conversation_id: Schema.UUID, message_count: Schema.Int })

const newUser = Effect.gen(function*() {
  const userId = randomUUID()
  const reply = yield* send("PUT", `/users/${userId}`, { body: {} })
  expect(reply.status).toBe(201)
  return userId
})

const post = (userId: string, body: Record<string, unknown>) =>
  Effect.gen(function*() {
    const reply = yield* send("POST", `/users/${userId}/messages`, { body })
    expect(reply.status).toBe(202)
    return yield* Schema.decodeUnknown(Accepted)(reply.json)
  })

describe.skipIf(!postgresAvailable)("messages and conversations", () => {
  layer(TestApp({ MAX_BODY_BYTES: "16384" }), { excludeTestServices: true })((it) => {
    it.effect("messages join the open conversation of their platform; another platform opens its own", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const first = yield* post(userId, { platform: "text", role: "user", content: "hi Nikita" })
        const second = yield* post(userId, { platform: "text", role: "nikita", content: "hey you" })
        expect(first.message_count).toBe(1)
        expect(second).toEqual({ conversation_id: first.conversation_id, message_count: 2 })

        const voice = yield* post(userId, { platform: "voice", role: "user", content: "calling you" })
        expect(voice.conversation_id).not.toBe(first.conversation_id)
        expect(voice.message_count).toBe(1)

        const conversation = yield* send("GET", `/conversations/${first.conversation_id}`)
        expect(conversation.status).toBe(200)
        expect(conversation.json).toMatchObject({
          conversation_id: first.conversation_id,
          user_id: userId,
          platform: "text",
          status: "active",
          message_count: 2,
          processed_at: null,
          processing_attempts: 0,
          summary: null,
          emotional_tone: null,
          last_error: null
        })

        const transcript = yield* ConversationRepository.pipe(Effect.flatMap((repo) => repo.messages(first.conversation_id)))
        expect(transcript.map((m) => [m.role, m.content])).toEqual([["user", "hi Nikita"], ["nikita", "hey you"]])
      }))

    it.effect("sent_at sets last_message_at and the player's last contact; Nikita's messages are not contact", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const { conversation_id } = yield* post(userId, {
          platform: "text",
          role: "user",
          content: "morning",
          sent_at: "2025-03-01T09:30:00+01:00"
        })
        yield* post(userId, { platform: "text", role: "nikita", content: "morning!", sent_at: "2025-03-01T08:31:00Z" })

        const client = yield* apiClient
        const conversation = yield* client.conversations.getConversation({ path: { conversation_id } })
        expect(conversation.started_at.toISOString()).toBe("2025-03-01T08:30:00.000Z")
        expect(conversation.last_message_at.toISOString()).toBe("2025-03-01T08:31:00.000Z")
        const user = yield* client.users.getUser({ path: { user_id: userId } })
        expect(user.last_interaction_at?.toISOString()).toBe("2025-03-01T08:30:00.000Z")
      }))

    it.effect("20 concurrent posts for one user end in one open conversation with 20 distinct seqs", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const replies = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) => post(userId, { platform: "text", role: "user", content: `message ${i}` })),
          { concurrency: "unbounded" }
        )
        expect(new Set(replies.map((r) => r.conversation_id)).size).toBe(1)
        expect(replies.map((r) => r.message_count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))

        const sql = yield* SqlClient.SqlClient
        const open = yield* sql<{ id: string; message_count: number }>`
          SELECT id, message_count FROM conversations WHERE user_id = ${userId} AND status = 'active'`
        expect(open).toEqual([{ id: replies[0]!.conversation_id, message_count: 20 }])
        const seqs = yield* sql<{ seq: number }>`SELECT seq FROM messages WHERE conversation_id = ${open[0]!.id} ORDER BY seq`
        expect(seqs.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      }))

    it.effect("a message after the conversation left 'active' opens a new conversation", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const first = yield* post(userId, { platform: "text", role: "user", content: "before" })
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE conversations SET status = 'queued' WHERE id = ${first.conversation_id}`
        const next = yield* post(userId, { platform: "text", role: "user", content: "after" })
        expect(next.conversation_id).not.toBe(first.conversation_id)
        expect(next.message_count).toBe(1)
      }))

    it.effect("404 for an unknown user or conversation, 400 for a bad message, 401 without the secret", () =>
      Effect.gen(function*() {
        const unknownUser = yield* send("POST", `/users/${randomUUID()}/messages`, {
          body: { platform: "text", role: "user", content: "anyone?" }
        })
        expect(unknownUser.status).toBe(404)
        expect(unknownUser.json).toMatchObject({ error: "not_found" })

        const unknownConversation = yield* send("GET", `/conversations/${randomUUID()}`)
        expect(unknownConversation.status).toBe(404)
        expect(unknownConversation.json).toMatchObject({ error: "not_found" })
        expect((yield* send("GET", "/conversations/123")).status).toBe(400)
        expect((yield* send("GET", `/conversations/${randomUUID()}`, { secret: null })).status).toBe(401)

        const userId = yield* newUser
        const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
          [{ platform: "fax", role: "user", content: "x" }, "platform"],
          [{ platform: "text", role: "agent", content: "x" }, "role"],
          [{ platform: "text", role: "user", content: "" }, "content"],
          [{ platform: "text", role: "user", content: "x".repeat(10_001) }, "content"],
          [{ platform: "text", role: "user", content: "nul \u0000 byte" }, "content"],
          [{ platform: "text", role: "user" }, "content"],
          [{ platform: "text", role: "user", content: "x", sent_at: "yesterday" }, "sent_at"]
        ]
        for (const [body, field] of cases) {
          const reply = yield* send("POST", `/users/${userId}/messages`, { body })
          expect(reply.status, JSON.stringify(body).slice(0, 80)).toBe(400)
          expect(reply.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining(field) })
        }
        // Nothing of the refused messages was stored.
        const sql = yield* SqlClient.SqlClient
        const [{ count }] = yield* sql<{ count: number }>`
          SELECT count(*) AS count FROM conversations WHERE user_id = ${userId}`
        expect(count).toBe(0)
      }))

    it.effect("413 for a chunked body over MAX_BODY_BYTES; a chunked body under it is accepted", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const client = yield* HttpClient.HttpClient
        const chunked = (content: string) => {
          const bytes = new TextEncoder().encode(JSON.stringify({ platform: "text", role: "user", content }))
          // Two chunks and no Content-Length: the client sends Transfer-Encoding: chunked.
          const body = Stream.make(bytes.subarray(0, 10), bytes.subarray(10))
          return client.execute(
            HttpClientRequest.post(`/users/${userId}/messages`).pipe(
              HttpClientRequest.bearerToken(testTaskSecret),
              HttpClientRequest.bodyStream(body, { contentType: "application/json" })
            )
          )
        }
        const tooLarge = yield* chunked("x".repeat(20_000))
        expect(tooLarge.status).toBe(413)
        expect(yield* tooLarge.json).toMatchObject({ error: "payload_too_large" })

        const fits = yield* chunked("small enough")
        expect(fits.status).toBe(202)
        const accepted = yield* Schema.decodeUnknown(Accepted)(yield* fits.json)
        const transcript = yield* ConversationRepository.pipe(Effect.flatMap((repo) => repo.messages(accepted.conversation_id)))
        expect(transcript.map((m) => m.content)).toEqual(["small enough"])
      }))

    it.effect("ConversationRepository.find is none for an unknown conversation", () =>
      Effect.gen(function*() {
        const repo = yield* ConversationRepository
        expect(Option.isNone(yield* repo.find(randomUUID()))).toBe(true)
      }))
  })
})
