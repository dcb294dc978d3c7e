import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { signatureFor } from "../../src/http/WebhookSignature.js"
import { ConversationClaims } from "../../src/queue/ConversationClaims.js"
import { ConversationRepository } from "../../src/conversation/ConversationRepository.js"
import { postgresAvailable } from "../support/Db.js"
import { send, TestApp } from "../support/TestApp.js"
import { callEvent, nowSeconds, postWebhook, webhookSecret } from "../support/VoiceWebhook.js"

const Stored = Schema.Struct({ status: Schema.Literal("accepted", "duplicate"), conversation_id: Schema.UUID })

const newUser = Effect.gen(function*() {
  const userId = randomUUID()
  expect((yield* send("PUT", `/users/${userId}`, { body: {} })).status).toBe(201)
  return userId
})

const storedCalls = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ id: string; external_id: string; messages: number }>`
      SELECT c.id, c.external_id, (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id) AS messages
      FROM conversations c WHERE c.user_id = ${userId}`)

const accept = (body: string) =>
  Effect.gen(function*() {
    const reply = yield* postWebhook(body)
    expect(reply.status).toBe(200)
    return yield* Schema.decodeUnknown(Stored)(reply.json)
  })

describe.skipIf(!postgresAvailable)("voice webhook", () => {
  layer(TestApp({ ELEVENLABS_WEBHOOK_SECRET: webhookSecret }), { excludeTestServices: true })((it) => {
    it.effect("a signed call becomes a queued voice conversation: nikita and user turns in order, timed from the call", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const event = callEvent({ userId, callId: "call-accepted" })
        const reply = yield* accept(JSON.stringify(event))
        expect(reply.status).toBe("accepted")

        const conversation = yield* send("GET", `/conversations/${reply.conversation_id}`)
        expect(conversation.json).toMatchObject({
          user_id: userId,
          platform: "voice",
          status: "queued",
          message_count: 4,
          started_at: "2025-03-01T18:00:00.000Z",
          last_message_at: "2025-03-01T18:00:20.000Z",
          processing_attempts: 0
        })
        const transcript = yield* ConversationRepository.pipe(Effect.flatMap((repo) => repo.messages(reply.conversation_id)))
        expect(transcript.map((m) => [m.role, m.content, m.sent_at.toISOString()])).toEqual([
          ["nikita", "Hey you, I was hoping you'd call.", "2025-03-01T18:00:00.000Z"],
          ["user", "Hi Nikita! Long day at the hospital.", "2025-03-01T18:00:04.500Z"],
          ["nikita", "Tell me everything.", "2025-03-01T18:00:12.000Z"],
          ["user", "A patient made me laugh today.", "2025-03-01T18:00:20.000Z"]
        ])

        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ external_id: string; due: boolean }>`
          SELECT external_id, next_attempt_at <= now() AS due FROM conversations WHERE id = ${reply.conversation_id}`
        expect(row).toEqual({ external_id: "call-accepted", due: true })
        // The call was contact with the player: their last turn counts as their last interaction.
        const user = yield* send("GET", `/users/${userId}`)
        expect(user.json).toMatchObject({ last_interaction_at: "2025-03-01T18:00:20.000Z" })
      }))

    it.effect("the same call again is a duplicate: same conversation, nothing new stored", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const body = JSON.stringify(callEvent({ userId, callId: "call-redelivered" }))
        const first = yield* accept(body)
        // A redelivery is signed anew (another timestamp) and may carry a changed transcript.
        const again = yield* accept(body)
        const changed = yield* accept(JSON.stringify(callEvent({ userId, callId: "call-redelivered", transcript: [] })))
        expect(first.status).toBe("accepted")
        expect(again).toEqual({ status: "duplicate", conversation_id: first.conversation_id })
        expect(changed).toEqual({ status: "duplicate", conversation_id: first.conversation_id })
        expect(yield* storedCalls(userId)).toEqual([{ id: first.conversation_id, external_id: "call-redelivered", messages: 4 }])
      }))

    it.effect("ten identical deliveries at once: one accepted, nine duplicates, one conversation", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const body = JSON.stringify(callEvent({ userId, callId: "call-concurrent" }))
        const replies = yield* Effect.all(Array.from({ length: 10 }, () => accept(body)), { concurrency: "unbounded" })
        expect(replies.filter((r) => r.status === "accepted")).toHaveLength(1)
        expect(replies.filter((r) => r.status === "duplicate")).toHaveLength(9)
        expect(new Set(replies.map((r) => r.conversation_id)).size).toBe(1)
        expect(yield* storedCalls(userId)).toEqual([{ id: replies[0]!.conversation_id, external_id: "call-concurrent", messages: 4 }])
      }))

    it.effect("another event type is ignored, but only when signed", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const body = JSON.stringify({ type: "post_call_audio", event_timestamp: nowSeconds(), data: { full_audio: "UklGRg==" } })
        const reply = yield* postWebhook(body)
        expect(reply.status).toBe(200)
        expect(reply.json).toEqual({ status: "ignored" })
        expect((yield* postWebhook(body, { signature: null })).status).toBe(401)
        expect(yield* storedCalls(userId)).toEqual([])
      }))

    it.effect("401 for a missing, malformed, wrong, stale or future signature, or one over other bytes", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const event = callEvent({ userId, callId: "call-refused" })
        const body = JSON.stringify(event)
        const refusals = [
          { signature: null, says: "ElevenLabs-Signature" },
          { signature: "sha256=deadbeef", says: "t=<unix seconds>" },
          { signature: signatureFor("not the secret", nowSeconds(), body), says: "does not match" },
          { signature: signatureFor(webhookSecret, nowSeconds() - 31 * 60, body), says: "30 minutes" },
          { signature: signatureFor(webhookSecret, nowSeconds() + 6 * 60, body), says: "5 minutes" },
          // The same JSON serialised again (other whitespace) is other bytes.
          { signature: signatureFor(webhookSecret, nowSeconds(), JSON.stringify(event, null, 2)), says: "does not match" }
        ]
        for (const { says, signature } of refusals) {
          const reply = yield* postWebhook(body, { signature })
          expect(reply.status).toBe(401)
          expect(reply.json).toMatchObject({ error: "unauthorized", message: expect.stringContaining(says) })
          expect(reply.text).not.toContain(webhookSecret)
        }
        expect(yield* storedCalls(userId)).toEqual([])

        // Within the window both ways it is accepted.
        const late = yield* postWebhook(body, { signature: signatureFor(webhookSecret, nowSeconds() - 29 * 60, body) })
        expect(late.json).toMatchObject({ status: "accepted" })
        const early = yield* postWebhook(body, { signature: signatureFor(webhookSecret, nowSeconds() + 4 * 60, body) })
        expect(early.json).toMatchObject({ status: "duplicate" })
      }))

    it.effect("400 for a signed body that is not JSON or breaks the schema, naming the field", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const notJson = yield* postWebhook("{\"type\": \"post_call_transcription\",")
        expect(notJson.status).toBe(400)
        expect(notJson.json).toMatchObject({ error: "invalid_request", message: expect.stringContaining("not valid JSON") })

        const event = callEvent({ userId })
        const withoutUser = { ...event, data: { ...event.data, conversation_initiation_client_data: { dynamic_variables: {} } } }
        const missing = yield* postWebhook(JSON.stringify(withoutUser))
        expect(missing.status).toBe(400)
        expect(missing.json).toMatchObject({
          error: "invalid_request",
          message: expect.stringContaining("data.conversation_initiation_client_data.dynamic_variables.user_id")
        })

        const robot = callEvent({ userId, transcript: [{ role: "robot", message: "beep", time_in_call_secs: 1 }] })
        const badRole = yield* postWebhook(JSON.stringify(robot))
        expect(badRole.status).toBe(400)
        expect(badRole.json).toMatchObject({ message: expect.stringContaining("data.transcript.0.role") })

        const untyped = yield* postWebhook(JSON.stringify({ data: {} }))
        expect(untyped.status).toBe(400)
        expect(untyped.json).toMatchObject({ message: expect.stringContaining("type: is missing") })
        expect(yield* storedCalls(userId)).toEqual([])
      }))

    it.effect("404 for a call of an unknown player", () =>
      Effect.gen(function*() {
        const stranger = randomUUID()
        const reply = yield* postWebhook(JSON.stringify(callEvent({ userId: stranger })))
        expect(reply.status).toBe(404)
        expect(reply.json).toMatchObject({ error: "not_found", message: expect.stringContaining(stranger) })
        expect(yield* storedCalls(stranger)).toEqual([])
      }))

    it.effect("a stored call is due for the pipeline at once", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const { conversation_id } = yield* accept(JSON.stringify(callEvent({ userId })))
        const claims = yield* ConversationClaims
        const claimed = yield* claims.claimDue({ limit: 100 })
        expect(claimed.map((claim) => claim.conversationId)).toContain(conversation_id)
      }))
  })

  layer(TestApp(), { excludeTestServices: true })((it) => {
    it.effect("503 naming ELEVENLABS_WEBHOOK_SECRET when no secret is configured", () =>
      Effect.gen(function*() {
        const userId = yield* newUser
        const reply = yield* postWebhook(JSON.stringify(callEvent({ userId })))
        expect(reply.status).toBe(503)
        expect(reply.json).toMatchObject({
          error: "webhook_disabled",
          message: expect.stringContaining("ELEVENLABS_WEBHOOK_SECRET")
        })
        expect(yield* storedCalls(userId)).toEqual([])
      }))
  })
})
